/*
 * vigie crawl: sweep a site without a server. The crawler (vigie/crawl.h)
 * follows the seeds' links within bounds; each picture or video it
 * fetches is hashed in memory (digests, PDQ with its dihedral variants,
 * vPDQ for a video) and looked up in an index, as vigie scan does for
 * files. CSV columns: page,media,status,signal_type,match,distance,error;
 * one row per match, one for an unknown or failed medium, one for a page
 * that could not be fetched.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fingerprint.h"
#include "util/table.h"
#include "vigie/crawl.h"
#include "vigie/vigie.h"

#define PDQ_RADIUS 31
#define MIN_QUALITY 50

static const char *const columns[] = {"page",  "media",    "status", "signal_type",
                                      "match", "distance", "error"};

static const char usage_text[] =
    "usage: vigie crawl --index FILE [--depth N] [--max-pages N] [--max-media N]\n"
    "                   [--rate R] [--ignore-robots] [--allow-private] URL...\n";

static const char help_text[] =
    "\n"
    "Crawl from the URLs given: fetch each page, follow its links on the same\n"
    "hosts (to --depth links from a URL given), fetch the pictures and videos it\n"
    "shows (from any host), hash them in memory and look them up in the index.\n"
    "Nothing fetched is written to disk. robots.txt is obeyed, except that the\n"
    "URLs given are always fetched.\n"
    "\n"
    "options:\n"
    "  --index FILE     an index built by 'vigie index build' (required)\n"
    "  --depth N        links followed from a URL given (default 1; 0: those pages only)\n"
    "  --max-pages N    pages fetched in all (default 100)\n"
    "  --max-media N    pictures and videos fetched in all (default 1000)\n"
    "  --rate R         requests per second to one host (default 2; 0: no pace)\n"
    "  --ignore-robots  do not read robots.txt\n"
    "  --allow-private  tests only: fetch from loopback addresses\n"
    "\n"
    "columns: page (the page that linked the medium), media, status (known,\n"
    "unknown or error), signal_type (md5, sha1, sha256, pdq or a pdq variant,\n"
    "vpdq), match (the bank entry's id), distance (0 for digests, bits for PDQ,\n"
    "empty for videos), error. A page that could not be fetched has a row with\n"
    "media empty and status error.\n"
    "\n"
    "exit status: 0 everything fetched and checked, 1 some rows have an error,\n"
    "2 usage error or the crawl could not run.\n";

typedef struct crawl_run {
    vg_table table;
    const vg_index *index;
    vg_filehasher *hasher;
    vg_video_hasher *video;
    vg_index_matches found;
    vg_index_video_matches videos;
    vg_vpdq_match_options video_match;
    vg_policy_match *matches;
    size_t count, capacity;
    const char **signals; /* per match */
    uint64_t errors;
} crawl_run;

static void error_row(crawl_run *run, const char *page, const char *media, const char *error)
{
    vg_table *t = &run->table;
    vg_table_string(t, page);
    vg_table_string(t, media);
    vg_table_string(t, "error");
    for (int k = 0; k < 3; k++)
        vg_table_null(t);
    char copy[VG_ERROR_MESSAGE_MAX];
    snprintf(copy, sizeof copy, "%s", error ? error : "");
    vg_table_string(t, vg_fingerprint_one_line(copy));
    vg_table_end_row(t);
    run->errors++;
}

static vg_status on_page(void *user, const vg_crawl_page *page, vg_error *err)
{
    (void)err;
    if (page->status != VG_OK)
        error_row(user, page->url, NULL, page->error);
    return VG_OK;
}

static bool add(crawl_run *run, uint64_t entry, int distance, bool digest, const char *signal)
{
    if (run->count == run->capacity) {
        size_t capacity = run->capacity ? run->capacity * 2 : 16;
        vg_policy_match *m = realloc(run->matches, capacity * sizeof *m);
        if (!m)
            return false;
        run->matches = m;
        const char **s = realloc(run->signals, capacity * sizeof *s);
        if (!s)
            return false;
        run->signals = s;
        run->capacity = capacity;
    }
    run->signals[run->count] = signal;
    run->matches[run->count++] = (vg_policy_match){.entry = entry, .distance = distance,
                                                   .digest = digest};
    return true;
}

/* Every match of the medium into run->matches; false when out of memory. */
static bool match(crawl_run *run, const vg_filehash *h, const vg_vpdq *frames)
{
    run->count = 0;
    const uint8_t *digest[3] = {h->digests.md5, h->digests.sha1, h->digests.sha256};
    for (int t = 0; t < 3; t++) {
        if (vg_index_find_exact(run->index, (vg_signal_type)t, digest[t], &run->found, NULL) !=
            VG_OK)
            continue;
        for (size_t i = 0; i < run->found.count; i++)
            if (!add(run, run->found.items[i].entry, 0, true,
                     vg_signal_type_name((vg_signal_type)t)))
                return false;
    }
    if (frames && frames->count) {
        vg_vpdq_set set;
        if (vg_vpdq_set_from(frames, MIN_QUALITY, &set, NULL) != VG_OK)
            return false;
        vg_status st = vg_index_search_vpdq(run->index, &set, &run->video_match, &run->videos, NULL);
        vg_vpdq_set_free(&set);
        if (st != VG_OK)
            return false;
        for (size_t i = 0; i < run->videos.count; i++)
            if (!add(run, run->videos.items[i].entry, -1, false,
                     vg_signal_type_name(VG_SIGNAL_VPDQ)))
                return false;
    } else if (h->has_pdq && h->pdq.quality >= MIN_QUALITY) {
        int variants = h->pdq.has_dihedral ? VG_PDQ_DIHEDRAL_COUNT : 1;
        size_t first = run->count;
        for (int v = 0; v < variants; v++) {
            if (vg_index_search_pdq(run->index, &h->pdq.hashes[v], PDQ_RADIUS, &run->found,
                                    NULL) != VG_OK)
                return false;
            for (size_t i = 0; i < run->found.count; i++) {
                /* one row per entry: its closest variant */
                size_t k = first;
                while (k < run->count && run->matches[k].entry != run->found.items[i].entry)
                    k++;
                if (k < run->count) {
                    if (run->found.items[i].distance < run->matches[k].distance) {
                        run->matches[k].distance = run->found.items[i].distance;
                        run->signals[k] = vg_pdq_dihedral_name((vg_pdq_dihedral)v);
                    }
                } else if (!add(run, run->found.items[i].entry, run->found.items[i].distance,
                                false, vg_pdq_dihedral_name((vg_pdq_dihedral)v))) {
                    return false;
                }
            }
        }
    }
    vg_policy_apply(run->index, run->matches, run->count);
    return true;
}

static void match_rows(crawl_run *run, const vg_crawl_media *media, const char *why)
{
    vg_table *t = &run->table;
    size_t shown = 0;
    for (size_t i = 0; i <= run->count; i++) {
        if (i < run->count && (run->matches[i].negative || run->matches[i].suppressed))
            continue;
        if (i == run->count && shown)
            break;
        vg_table_string(t, media->page);
        vg_table_string(t, media->url);
        if (i == run->count) {
            vg_table_string(t, "unknown");
            for (int k = 0; k < 3; k++)
                vg_table_null(t);
        } else {
            vg_index_entry e;
            char id[512];
            if (vg_index_entry_get(run->index, run->matches[i].entry, &e, NULL) == VG_OK)
                snprintf(id, sizeof id, "%.*s", (int)(e.id_len < 500 ? e.id_len : 500), e.id);
            else
                snprintf(id, sizeof id, "#%llu", (unsigned long long)run->matches[i].entry);
            vg_table_string(t, "known");
            vg_table_string(t, run->signals[i]);
            vg_table_string(t, id);
            if (run->matches[i].distance >= 0)
                vg_table_int(t, run->matches[i].distance);
            else
                vg_table_null(t);
            shown++;
        }
        vg_table_string(t, why);
        vg_table_end_row(t);
    }
}

static vg_status on_media(void *user, const vg_crawl_media *media, vg_error *err)
{
    crawl_run *run = user;
    if (media->status != VG_OK) {
        error_row(run, media->page, media->url, media->error);
        return VG_OK;
    }
    vg_filehash h;
    vg_error why;
    vg_status st = vg_filehasher_buffer(run->hasher, media->data, media->len, media->url, &h,
                                        &why);
    vg_vpdq frames = {0};
    if (h.format == VG_FORMAT_UNKNOWN && vg_video_sniff(media->data, media->len)) {
        vg_video_source src = vg_video_source_memory(media->data, media->len);
        /* a damaged video keeps the frames decoded before the damage */
        vg_status vst = vg_video_hash_frames(run->video, &src, media->url, &frames, NULL, &why);
        if (st == VG_OK)
            st = vst;
    }
    if (!match(run, &h, &frames)) {
        vg_vpdq_free(&frames);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory while matching");
    }
    vg_vpdq_free(&frames);
    if (st != VG_OK)
        run->errors++;
    match_rows(run, media, st == VG_OK ? NULL : why.message);
    return VG_OK;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "vigie crawl: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return VG_EXIT_USAGE;
}

enum { OPT_INDEX = 256, OPT_DEPTH, OPT_MAX_PAGES, OPT_MAX_MEDIA, OPT_RATE, OPT_IGNORE_ROBOTS,
       OPT_ALLOW_PRIVATE };

int cmd_crawl(int argc, char **argv)
{
    static const struct option options[] = {
        {"index", required_argument, NULL, OPT_INDEX},
        {"depth", required_argument, NULL, OPT_DEPTH},
        {"max-pages", required_argument, NULL, OPT_MAX_PAGES},
        {"max-media", required_argument, NULL, OPT_MAX_MEDIA},
        {"rate", required_argument, NULL, OPT_RATE},
        {"ignore-robots", no_argument, NULL, OPT_IGNORE_ROBOTS},
        {"allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *index_path = NULL;
    uint64_t depth = 1, max_pages = 100, max_media = 1000;
    double rate = 2;
    vg_crawl_options o = {.fetch = {.timeout_seconds = 30,
                                    .max_redirects = 5,
                                    .allow_plain_http = true,
                                    .user_agent = "vigie-crawler",
                                    .stall_seconds = 10}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case OPT_INDEX:
            index_path = optarg;
            break;
        case OPT_DEPTH:
            if (!vg_parse_count(optarg, 0, 100, &depth))
                return usage_error("--depth needs a number from 0 to 100, not '%s'", optarg);
            break;
        case OPT_MAX_PAGES:
        case OPT_MAX_MEDIA:
            if (!vg_parse_count(optarg, 1, 100000000, c == OPT_MAX_PAGES ? &max_pages : &max_media))
                return usage_error("a maximum is a number from 1 up, not '%s'", optarg);
            break;
        case OPT_RATE:
            if (!vg_parse_seconds(optarg, &rate))
                return usage_error("--rate needs a number of requests per second, not '%s'",
                                   optarg);
            break;
        case OPT_IGNORE_ROBOTS:
            o.ignore_robots = true;
            break;
        case OPT_ALLOW_PRIVATE:
            o.fetch.allow_private_addresses = true;
            break;
        case 'h':
            printf("%s%s", usage_text, help_text);
            return VG_EXIT_OK;
        default:
            return usage_error("unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (!index_path)
        return usage_error("%s", "--index FILE is required");
    if (optind >= argc)
        return usage_error("%s", "no URL to crawl");
    o.max_depth = (unsigned)depth;
    o.max_pages = max_pages;
    o.max_media = max_media;
    o.requests_per_second = rate;

    crawl_run run = {0};
    vg_vpdq_match_options_init(&run.video_match);
    vg_error err;
    vg_index *index = NULL;
    if (vg_index_open(index_path, &index, &err) != VG_OK) {
        fprintf(stderr, "vigie crawl: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    run.index = index;
    vg_filehash_options fo = {.pdq = true, .dihedral = true};
    vg_video_options vo;
    vg_video_options_init(&vo);
    if (vg_filehasher_new(&fo, &run.hasher, &err) != VG_OK ||
        vg_video_hasher_new(&vo, &run.video, &err) != VG_OK) {
        fprintf(stderr, "vigie crawl: %s\n", err.message);
        vg_filehasher_free(run.hasher);
        vg_index_close(index);
        return VG_EXIT_USAGE;
    }
    vg_table_init(&run.table, stdout, VG_TABLE_CSV, columns, sizeof columns / sizeof *columns);
    vg_table_header(&run.table);
    vg_crawl_stats stats;
    vg_status st = vg_crawl_run(&o, (const char *const *)argv + optind, (size_t)(argc - optind),
                                on_page, on_media, &run, &stats, &err);
    fflush(stdout);
    int status = st != VG_OK ? VG_EXIT_USAGE : run.errors ? VG_EXIT_PARTIAL : VG_EXIT_OK;
    if (st != VG_OK)
        fprintf(stderr, "vigie crawl: %s\n", err.message);
    fprintf(stderr,
            "vigie crawl: %zu pages, %zu media, %zu requests, %zu refused by robots.txt, "
            "%zu left by the bounds\n",
            stats.pages, stats.media, stats.requests, stats.robots_refused, stats.bounded);
    free(run.matches);
    free(run.signals);
    vg_index_matches_free(&run.found);
    vg_index_video_matches_free(&run.videos);
    vg_video_hasher_free(run.video);
    vg_filehasher_free(run.hasher);
    vg_index_close(index);
    return status;
}
