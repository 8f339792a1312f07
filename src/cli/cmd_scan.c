/*
 * vigie scan: walk files and directories, fingerprint each file (digests,
 * for images PDQ with its eight dihedral variants, the PDQ inside its bars
 * and its patch set: docs/robust.md; for videos vPDQ) and look every
 * fingerprint up in an index: is the file known, and as which bank entries?
 *
 * The run is vigie hash's (fingerprint.c: walk -> ordered worker pool ->
 * rows in walk order); here each worker also searches the index, which is
 * shared read-only, and the rows say what matched.
 * CSV columns: path,status,signal_type,match,distance,query_percent,
 * compared_percent,error,score - one row per match; an unknown file has one
 * row with match empty. A file that was
 * read but whose picture could not be decoded (damaged, carved, a bomb)
 * is still matched by its digests; its rows say in `error` that the
 * perceptual check did not run, and why.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fingerprint.h"
#include "util/table.h"
#include "vigie/index.h"
#include "vigie/vigie.h"

#define DEFAULT_MIN_QUALITY 50

static const char *const columns[] = {"path",     "status",        "signal_type",
                                      "match",    "distance",      "query_percent",
                                      "compared_percent", "error",    "score"};

static const char usage_text[] =
    "usage: vigie scan --index FILE [--radius R] [--min-quality Q] [--format csv|json]\n"
    "                  [--video-interval SECONDS] [--query-percent P]\n"
    "                  [--compared-percent P] [--threads N] [--no-progress] PATH...\n";

static const char help_text[] =
    "\n"
    "Say for every file whether it is known: its MD5, SHA-1 and SHA-256 are looked\n"
    "up in the index, for images the PDQ hash of the picture and of its seven\n"
    "rotations and flips is searched within the radius, so is the PDQ of the\n"
    "picture inside its bars and frames (pdq_trimmed), and its patch set is\n"
    "matched with the bank's patch sets (patchset: crops, screenshots); videos\n"
    "are matched by vPDQ against the videos of the index.\n"
    "\n"
    "options:\n"
    "  --index FILE       an index built by 'vigie index build' (required)\n"
    "  --radius R         PDQ match radius, 0..64 (default 31)\n"
    "  --min-quality Q    images whose PDQ quality is below Q (0..100, default 50)\n"
    "                     are not matched by PDQ, as hash-sharing programmes advise;\n"
    "                     the frames of videos likewise\n"
    "  --video-interval SECONDS\n"
    "                     seconds between the hashed frames of a video (default 1)\n"
    "  --query-percent P  videos: share of the video's frames that must match a\n"
    "                     known video (0..100, default 80)\n"
    "  --compared-percent P\n"
    "                     videos: share of the known video's frames (default 0)\n"
    "  --format csv|json  CSV with a header line (default), or JSON lines\n"
    "  --threads N        files processed in parallel (default: online CPUs)\n"
    "  --no-progress      no progress line on stderr, even on a terminal\n"
    "\n"
    "columns: path, status (known, unknown or error), signal_type (md5, sha1,\n"
    "sha256, pdq / pdq_rot90 / ... or pdq_trimmed / pdq_trimmed_rot90 / ... for\n"
    "the variant that matched, patchset, vpdq for a video), match (the bank\n"
    "entry's id), distance (0 for digests, bits for PDQ, empty for patchset and\n"
    "videos), query_percent and compared_percent (videos: the share of this\n"
    "video's frames that match, and of the known video's), error, score\n"
    "(patchset: patches agreeing on one crop or scale, 4 or more; empty for the\n"
    "others). A file with several matches has one row per match; an unknown\n"
    "file one row with match empty. A picture matching a frame of a known\n"
    "video has a pdq row naming the video.\n"
    "status error: the file could not be read (nothing was checked). An image\n"
    "that was read but could not be decoded (damaged, truncated, too large) is\n"
    "known or unknown by its digests alone, and its error column says that the\n"
    "perceptual check did not run, and why. A summary goes to stderr.\n"
    "\n"
    "exit status: 0 every file was read and fully checked, 1 some rows have an\n"
    "error (a file not read, or an image not decoded), 2 usage error.\n";

/* What found a match: a digest type, a PDQ variant, a trimmed PDQ variant,
 * the patch set or the video. */
enum {
    SIGNAL_DIGESTS = 0,                                  /* + digest type */
    SIGNAL_PDQ = 3,                                      /* + dihedral variant */
    SIGNAL_TRIMMED = SIGNAL_PDQ + VG_PDQ_DIHEDRAL_COUNT, /* + dihedral variant */
    SIGNAL_PATCHSET = SIGNAL_TRIMMED + VG_PDQ_DIHEDRAL_COUNT,
    SIGNAL_VIDEO
};

typedef struct scan_match {
    uint64_t entry;
    int distance; /* patch set: its score, higher is closer */
    int signal;
    double query_percent, compared_percent; /* videos */
} scan_match;

typedef struct scan_item {
    vg_fingerprint_item file; /* first: the driver fills it */
    scan_match *matches;      /* owned, count entries */
    size_t count;
    size_t suppressed;
} scan_item;

typedef struct scan_run {
    vg_table table;
    const vg_index *index;
    int radius;
    int min_quality;
    vg_vpdq_match_options video;
    vg_index_matches *found; /* one per worker, reused from file to file */
    vg_index_video_matches *videos_found;
    vg_patch_search *patch_search; /* one per worker */
    uint64_t files, images, videos, known, unknown, errors, undecoded;
    uint64_t suppressed; /* matches a negative bank entry outweighed */
} scan_run;

static const vg_fingerprint_cli cli = {.command = "scan", .usage = usage_text,
                                       .help = help_text};

static bool add_match(scan_item *item, size_t *cap, uint64_t entry, int distance, int signal)
{
    if (item->count == *cap) {
        size_t grown = *cap ? *cap * 2 : 8;
        scan_match *p = realloc(item->matches, grown * sizeof *p);
        if (!p)
            return false;
        item->matches = p;
        *cap = grown;
    }
    item->matches[item->count++] = (scan_match){entry, distance, signal, 0, 0};
    return true;
}

static int by_entry_then_distance(const void *a, const void *b)
{
    const scan_match *x = a, *y = b;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return x->signal - y->signal;
}

static int by_distance_then_entry(const void *a, const void *b)
{
    const scan_match *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

/* Negative bank entries are not matches, and outweigh the matches
 * vigie/policy.h says they do: keep the others, in order. */
static void apply_policy(const scan_run *run, scan_item *item)
{
    if (!item->count)
        return;
    vg_policy_match *pm = malloc(item->count * sizeof *pm);
    if (!pm) {
        item->file.status = vg_error_set(&item->file.error, VG_ERR_NOMEM,
                                         "%s: out of memory while matching", item->file.path);
        return;
    }
    /* A patch set's score counts up; as a distance for the policy,
     * 64 - score: a negative patch-set match outweighs positive ones
     * that score no more, and no PDQ match within the radius. */
    for (size_t i = 0; i < item->count; i++)
        pm[i] = (vg_policy_match){.entry = item->matches[i].entry,
                                  .distance = item->matches[i].signal == SIGNAL_PATCHSET
                                                  ? 64 - item->matches[i].distance
                                                  : item->matches[i].distance,
                                  .digest = item->matches[i].signal < SIGNAL_PDQ};
    vg_policy_apply(run->index, pm, item->count);
    size_t kept = 0;
    for (size_t i = 0; i < item->count; i++) {
        item->suppressed += pm[i].suppressed;
        if (!pm[i].negative && !pm[i].suppressed)
            item->matches[kept++] = item->matches[i];
    }
    item->count = kept;
    free(pm);
}

/* Search the PDQ variants of a picture (canonical or trimmed) and add
 * their matches; false when out of memory. */
static bool match_variants(const scan_run *run, vg_index_matches *found, scan_item *item,
                           size_t *cap, const vg_pdq_result *pdq, int first_signal)
{
    int variants = pdq->has_dihedral ? VG_PDQ_DIHEDRAL_COUNT : 1;
    for (int v = 0; v < variants; v++) {
        if (vg_index_search_pdq(run->index, &pdq->hashes[v], run->radius, found, NULL) != VG_OK)
            return false;
        for (size_t i = 0; i < found->count; i++)
            if (!add_match(item, cap, found->items[i].entry, found->items[i].distance,
                           first_signal + v))
                return false;
    }
    return true;
}

/* Look the file's fingerprints up; PDQ matches of several variants (and of
 * the trimmed PDQ) of the same entry are reported once, with the closest. */
static void match_file(const scan_run *run, vg_index_matches *found,
                       vg_index_video_matches *videos, vg_patch_search *search,
                       scan_item *item)
{
    const vg_filehash *r = &item->file.result;
    const uint8_t *digest[3] = {r->digests.md5, r->digests.sha1, r->digests.sha256};
    size_t cap = 0;
    for (int t = 0; t < 3; t++) {
        if (vg_index_find_exact(run->index, (vg_signal_type)t, digest[t], found, NULL) != VG_OK)
            continue;
        for (size_t i = 0; i < found->count; i++)
            if (!add_match(item, &cap, found->items[i].entry, 0, SIGNAL_DIGESTS + t))
                goto oom;
    }
    if (item->file.is_video) {
        vg_vpdq_set set;
        if (vg_vpdq_set_from(&item->file.frames, run->min_quality, &set, NULL) != VG_OK ||
            vg_index_search_vpdq(run->index, &set, &run->video, videos, NULL) != VG_OK) {
            vg_vpdq_set_free(&set);
            goto oom;
        }
        vg_vpdq_set_free(&set);
        for (size_t i = 0; i < videos->count; i++) {
            if (!add_match(item, &cap, videos->items[i].entry, 0, SIGNAL_VIDEO))
                goto oom;
            item->matches[item->count - 1].query_percent =
                videos->items[i].similarity.query_percent;
            item->matches[item->count - 1].compared_percent =
                videos->items[i].similarity.compared_percent;
        }
        goto decide;
    }
    if (!r->has_pdq)
        goto decide; /* matched by its digests only: negative entries still count */
    size_t first_pdq = item->count;
    if (r->pdq.quality >= run->min_quality &&
        !match_variants(run, found, item, &cap, &r->pdq, SIGNAL_PDQ))
        goto oom;
    if (r->has_robust && r->has_trimmed && r->trimmed.quality >= run->min_quality &&
        !match_variants(run, found, item, &cap, &r->trimmed, SIGNAL_TRIMMED))
        goto oom;
    size_t n = item->count - first_pdq;
    if (n > 1) {
        /* Only now is matches known to be allocated (NULL + 0 is undefined). */
        scan_match *pdq = item->matches + first_pdq;
        qsort(pdq, n, sizeof *pdq, by_entry_then_distance);
        size_t kept = 1;
        for (size_t i = 1; i < n; i++)
            if (pdq[i].entry != pdq[kept - 1].entry)
                pdq[kept++] = pdq[i];
        item->count = first_pdq + kept;
        qsort(pdq, kept, sizeof *pdq, by_distance_then_entry);
    }
    if (r->has_robust && r->patchset.count >= VG_PATCH_MIN_INLIERS) {
        if (vg_index_search_patchset(run->index, &r->patchset, VG_PATCH_MIN_INLIERS, search,
                                     found, NULL) != VG_OK)
            goto oom;
        for (size_t i = 0; i < found->count; i++)
            if (!add_match(item, &cap, found->items[i].entry, found->items[i].score,
                           SIGNAL_PATCHSET))
                goto oom;
    }
decide:
    apply_policy(run, item);
    return;
oom:
    item->file.status = vg_error_set(&item->file.error, VG_ERR_NOMEM,
                                     "%s: out of memory while matching", item->file.path);
}

/* On a worker, once the file's digests are known. An image that could not
 * be decoded keeps its status (the error of its rows) and is matched by
 * its digests. */
static void examine(void *user, size_t worker, void *item_state)
{
    scan_run *run = user;
    match_file(run, &run->found[worker], &run->videos_found[worker], &run->patch_search[worker],
               item_state);
}

static const char *signal_name(int signal)
{
    static const char *const trimmed[VG_PDQ_DIHEDRAL_COUNT] = {
        "pdq_trimmed",       "pdq_trimmed_rot90", "pdq_trimmed_rot180",     "pdq_trimmed_rot270",
        "pdq_trimmed_flipx", "pdq_trimmed_flipy", "pdq_trimmed_flip_plus1", "pdq_trimmed_flip_minus1"};
    if (signal < SIGNAL_PDQ)
        return vg_signal_type_name((vg_signal_type)(signal - SIGNAL_DIGESTS));
    if (signal < SIGNAL_TRIMMED)
        return vg_pdq_dihedral_name((vg_pdq_dihedral)(signal - SIGNAL_PDQ));
    if (signal < SIGNAL_PATCHSET)
        return trimmed[signal - SIGNAL_TRIMMED];
    if (signal == SIGNAL_PATCHSET)
        return vg_signal_type_name(VG_SIGNAL_PATCHSET);
    return vg_signal_type_name(VG_SIGNAL_VPDQ);
}

/* The rows of one file; the driver brackets them for the progress line and
 * frees the path. */
static void write_rows(void *user, void *item_state)
{
    scan_run *run = user;
    scan_item *item = item_state;
    vg_fingerprint_item *file = &item->file;
    vg_table *t = &run->table;
    run->files++;
    run->suppressed += item->suppressed;
    if (!vg_fingerprint_digests_valid(file->status)) {
        run->errors++;
        vg_table_string(t, file->path);
        vg_table_string(t, "error");
        for (int k = 0; k < 5; k++)
            vg_table_null(t);
        vg_table_string(t, vg_fingerprint_one_line(file->error.message));
        vg_table_null(t);
        vg_table_end_row(t);
    } else {
        /* Read, so its digests were checked; if the picture was not
         * decoded, each row says so. */
        bool undecoded = file->result.format != VG_FORMAT_UNKNOWN && !file->result.has_pdq;
        char why[VG_ERROR_MESSAGE_MAX + 64];
        if (file->status != VG_OK)
            snprintf(why, sizeof why, "%s%s", undecoded ? "perceptual check not run: " : "",
                     vg_fingerprint_one_line(file->error.message));
        run->images += file->result.format != VG_FORMAT_UNKNOWN;
        run->undecoded += undecoded;
        run->videos += file->is_video;
        if (item->count)
            run->known++;
        else
            run->unknown++;
        for (size_t i = 0; i < item->count || (i == 0 && item->count == 0); i++) {
            vg_table_string(t, file->path);
            vg_table_string(t, item->count ? "known" : "unknown");
            int score = -1;
            if (!item->count) {
                for (int k = 0; k < 5; k++)
                    vg_table_null(t);
            } else {
                const scan_match *m = &item->matches[i];
                vg_index_entry e;
                char id[512];
                if (vg_index_entry_get(run->index, m->entry, &e, NULL) == VG_OK)
                    snprintf(id, sizeof id, "%.*s", (int)(e.id_len < 500 ? e.id_len : 500), e.id);
                else
                    snprintf(id, sizeof id, "#%llu", (unsigned long long)m->entry);
                vg_table_string(t, signal_name(m->signal));
                vg_table_string(t, id);
                if (m->signal == SIGNAL_VIDEO) {
                    vg_table_null(t);
                    vg_table_decimal(t, m->query_percent, 3);
                    vg_table_decimal(t, m->compared_percent, 3);
                } else if (m->signal == SIGNAL_PATCHSET) {
                    for (int k = 0; k < 3; k++)
                        vg_table_null(t);
                    score = m->distance;
                } else {
                    vg_table_int(t, m->distance);
                    vg_table_null(t);
                    vg_table_null(t);
                }
            }
            vg_table_string(t, file->status != VG_OK ? why : NULL);
            if (score >= 0)
                vg_table_int(t, score);
            else
                vg_table_null(t);
            vg_table_end_row(t);
        }
    }
    free(item->matches);
    item->matches = NULL;
}

typedef struct scan_args {
    vg_fingerprint_args run; /* --format, --threads, --no-progress */
    const char *index;
    uint64_t radius, min_quality;
    double video_interval, query_percent, compared_percent;
} scan_args;

enum { OPT_INDEX = VG_FINGERPRINT_OPT_OWN, OPT_RADIUS, OPT_QUALITY, OPT_VIDEO_INTERVAL,
       OPT_QUERY_PERCENT, OPT_COMPARED_PERCENT };

static int scan_option(void *user, int option, char *value)
{
    scan_args *args = user;
    switch (option) {
    case OPT_INDEX:
        args->index = value;
        break;
    case OPT_RADIUS:
        if (!vg_parse_count(value, 0, 64, &args->radius))
            return vg_fingerprint_usage_error(
                &cli, "--radius needs a number from 0 to 64, not '%s'", value);
        break;
    case OPT_QUALITY:
        if (!vg_parse_count(value, 0, 100, &args->min_quality))
            return vg_fingerprint_usage_error(
                &cli, "--min-quality needs a number from 0 to 100, not '%s'", value);
        break;
    case OPT_VIDEO_INTERVAL:
        if (!vg_parse_seconds(value, &args->video_interval))
            return vg_fingerprint_usage_error(
                &cli, "--video-interval needs a number of seconds, 0 or more, not '%s'", value);
        break;
    case OPT_QUERY_PERCENT:
    case OPT_COMPARED_PERCENT: {
        double *p = option == OPT_QUERY_PERCENT ? &args->query_percent : &args->compared_percent;
        if (!vg_parse_seconds(value, p) || *p > 100)
            return vg_fingerprint_usage_error(
                &cli, "a share of frames is a percentage from 0 to 100, not '%s'", value);
        break;
    }
    }
    return -1;
}

static int parse_args(int argc, char **argv, scan_args *args)
{
    static const struct option long_options[] = {
        VG_FINGERPRINT_LONG_OPTIONS,
        {"index", required_argument, NULL, OPT_INDEX},
        {"radius", required_argument, NULL, OPT_RADIUS},
        {"min-quality", required_argument, NULL, OPT_QUALITY},
        {"video-interval", required_argument, NULL, OPT_VIDEO_INTERVAL},
        {"query-percent", required_argument, NULL, OPT_QUERY_PERCENT},
        {"compared-percent", required_argument, NULL, OPT_COMPARED_PERCENT},
        {NULL, 0, NULL, 0},
    };
    *args = (scan_args){.radius = VG_PDQ_MATCH_THRESHOLD, .min_quality = DEFAULT_MIN_QUALITY,
                        .video_interval = VG_VIDEO_DEFAULT_INTERVAL,
                        .query_percent = VG_VPDQ_QUERY_PERCENT,
                        .compared_percent = VG_VPDQ_COMPARED_PERCENT};
    int status = vg_fingerprint_parse_args(&cli, argc, argv, long_options, scan_option, args,
                                           &args->run);
    if (status >= 0)
        return status;
    if (!args->index)
        return vg_fingerprint_usage_error(&cli, "%s", "--index FILE is required");
    if (optind == argc)
        return vg_fingerprint_usage_error(&cli, "%s", "no PATH given");
    return -1;
}

static void print_summary(void *user)
{
    const scan_run *run = user;
    fprintf(stderr,
            "vigie scan: %llu files, %llu images, %llu videos, %llu known, %llu unknown, "
            "%llu errors, %llu images not decoded (digests only)\n",
            (unsigned long long)run->files, (unsigned long long)run->images,
            (unsigned long long)run->videos, (unsigned long long)run->known,
            (unsigned long long)run->unknown, (unsigned long long)run->errors,
            (unsigned long long)run->undecoded);
    if (run->suppressed)
        fprintf(stderr, "vigie scan: %llu matches left out: a negative bank entry outweighs "
                        "them\n",
                (unsigned long long)run->suppressed);
}

int cmd_scan(int argc, char **argv)
{
    scan_args args;
    int exit_code = parse_args(argc, argv, &args);
    if (exit_code >= 0)
        return exit_code;
    vg_error err;
    vg_index *index = NULL;
    if (vg_index_open(args.index, &index, &err) != VG_OK) {
        fprintf(stderr, "vigie scan: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    scan_run run = {.index = index, .radius = (int)args.radius,
                    .min_quality = (int)args.min_quality};
    vg_vpdq_match_options_init(&run.video);
    run.video.distance = (int)args.radius;
    run.video.quality_threshold = (int)args.min_quality;
    run.video.query_percent = args.query_percent;
    run.video.compared_percent = args.compared_percent;
    run.found = calloc(args.run.threads, sizeof *run.found);
    run.videos_found = calloc(args.run.threads, sizeof *run.videos_found);
    run.patch_search = calloc(args.run.threads, sizeof *run.patch_search);
    if (!run.found || !run.videos_found || !run.patch_search) {
        free(run.found);
        free(run.videos_found);
        free(run.patch_search);
        fprintf(stderr, "vigie scan: out of memory\n");
        vg_index_close(index);
        return VG_EXIT_USAGE;
    }
    vg_table_init(&run.table, stdout, args.run.format, columns, sizeof columns / sizeof *columns);
    vg_fingerprint_run_config config = {
        .command = "scan",
        .roots = argv + optind,
        .root_count = (size_t)(argc - optind),
        .threads = args.run.threads,
        .progress = args.run.progress,
        .options = {.pdq = true, .dihedral = true, .robust = true},
        .video = {.enabled = true, .keep_frames = true},
        .table = &run.table,
        .item_size = sizeof(scan_item),
        .examine = examine,
        .write = write_rows,
        .finish = print_summary,
        .user = &run,
    };
    vg_video_options_init(&config.video.options);
    config.video.options.interval = args.video_interval;
    exit_code = vg_fingerprint_run(&config);
    for (size_t i = 0; i < args.run.threads; i++) {
        vg_index_matches_free(&run.found[i]);
        vg_index_video_matches_free(&run.videos_found[i]);
        vg_patch_search_free(&run.patch_search[i]);
    }
    free(run.found);
    free(run.videos_found);
    free(run.patch_search);
    vg_index_close(index);
    return exit_code;
}
