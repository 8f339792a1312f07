/*
 * vigie scan: walk files and directories, fingerprint each file (digests,
 * and for images PDQ with its eight dihedral variants) and look every
 * fingerprint up in an index: is the file known, and as which bank entries?
 *
 * Same pipeline as vigie hash (walk -> ordered worker pool -> rows in walk
 * order); each worker also searches the index, which is shared read-only.
 * CSV columns: path,status,signal_type,match,distance,error - one row per
 * match; an unknown file has one row with match empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pool.h"
#include "progress.h"
#include "table.h"
#include "vigie/index.h"
#include "vigie/vigie.h"
#include "walk.h"

#define MAX_THREADS 256
#define DEFAULT_MIN_QUALITY 50

static const char *const columns[] = {"path", "status", "signal_type", "match", "distance",
                                      "error"};

static const char usage_text[] =
    "usage: vigie scan --index FILE [--radius R] [--min-quality Q] [--format csv|json]\n"
    "                  [--threads N] [--no-progress] PATH...\n";

static const char help_text[] =
    "\n"
    "Say for every file whether it is known: its MD5, SHA-1 and SHA-256 are looked\n"
    "up in the index, and for images the PDQ hash of the picture and of its seven\n"
    "rotations and flips is searched within the radius.\n"
    "\n"
    "options:\n"
    "  --index FILE       an index built by 'vigie index build' (required)\n"
    "  --radius R         PDQ match radius, 0..64 (default 31)\n"
    "  --min-quality Q    images whose PDQ quality is below Q (0..100, default 50)\n"
    "                     are not matched by PDQ, as hash-sharing programmes advise\n"
    "  --format csv|json  CSV with a header line (default), or JSON lines\n"
    "  --threads N        files processed in parallel (default: online CPUs)\n"
    "  --no-progress      no progress line on stderr, even on a terminal\n"
    "\n"
    "columns: path, status (known, unknown or error), signal_type (md5, sha1,\n"
    "sha256, or pdq / pdq_rot90 / ... for the variant that matched), match (the\n"
    "bank entry's id), distance (0 for digests), error. A file with several\n"
    "matches has one row per match; an unknown file one row with match empty.\n"
    "A summary goes to stderr.\n"
    "\n"
    "exit status: 0 every file was read, 1 some could not be, 2 usage error.\n";

typedef struct scan_match {
    uint64_t entry;
    int distance;
    int signal; /* 0..2 digest types, 3 + dihedral variant for PDQ */
} scan_match;

typedef struct scan_run scan_run;

typedef struct scan_worker {
    vg_filehasher *hasher;
    vg_index_matches found;
    scan_run *run;
    atomic_int fd;
} scan_worker;

typedef struct scan_item {
    char *path;
    bool counted;
    vg_status status;
    vg_filehash result;
    vg_error error;
    scan_match *matches; /* owned, count entries */
    size_t count;
} scan_item;

struct scan_run {
    vg_table table;
    const vg_index *index;
    int radius;
    int min_quality;
    vg_progress *progress;
    scan_worker *workers;
    size_t worker_count;
    uint64_t files, images, known, unknown, errors;
    bool output_failed;
    bool output_on_tty;
    bool out_of_memory;
};

static bool parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("vigie scan: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(usage_text, stderr);
    return VG_EXIT_USAGE;
}

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
    item->matches[item->count++] = (scan_match){entry, distance, signal};
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

/* Look the file's fingerprints up; PDQ matches of several variants of the
 * same entry are reported once, with the closest variant. */
static void match_file(scan_worker *w, scan_item *item)
{
    const vg_filehash *r = &item->result;
    const uint8_t *digest[3] = {r->digests.md5, r->digests.sha1, r->digests.sha256};
    size_t cap = 0;
    for (int t = 0; t < 3; t++) {
        if (vg_index_find_exact(w->run->index, (vg_signal_type)t, digest[t], &w->found, NULL) !=
            VG_OK)
            continue;
        for (size_t i = 0; i < w->found.count; i++)
            if (!add_match(item, &cap, w->found.items[i].entry, 0, t))
                goto oom;
    }
    if (!r->has_pdq || item->status != VG_OK || r->pdq.quality < w->run->min_quality)
        return;
    size_t first_pdq = item->count;
    int variants = r->pdq.has_dihedral ? VG_PDQ_DIHEDRAL_COUNT : 1;
    for (int v = 0; v < variants; v++) {
        if (vg_index_search_pdq(w->run->index, &r->pdq.hashes[v], w->run->radius, &w->found,
                                NULL) != VG_OK)
            goto oom;
        for (size_t i = 0; i < w->found.count; i++)
            if (!add_match(item, &cap, w->found.items[i].entry, w->found.items[i].distance,
                           3 + v))
                goto oom;
    }
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
    return;
oom:
    item->status = vg_error_set(&item->error, VG_ERR_NOMEM, "%s: out of memory while matching",
                                item->path);
}

static void scan_one(void *worker_state, void *item_state)
{
    scan_worker *w = worker_state;
    scan_item *item = item_state;
    const int open_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int fd = open(item->path, open_flags | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(item->path, open_flags);
    if (fd < 0) {
        item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: cannot open: %s", item->path,
                                    strerror(errno));
        return;
    }
    struct stat st;
    int flags;
    if (fstat(fd, &st) != 0) {
        item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: cannot stat: %s", item->path,
                                    strerror(errno));
    } else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: not a regular file",
                                    item->path);
    } else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: cannot read: %s", item->path,
                                    strerror(errno));
    } else {
        atomic_store(&w->fd, fd);
        item->status = vg_filehasher_fd(w->hasher, fd, item->path, &item->result, &item->error);
        atomic_store(&w->fd, -1);
        bool read_ok = item->status != VG_ERR_IO && item->status != VG_ERR_INVALID;
        vg_progress_add_done(w->run->progress, 1, read_ok ? item->result.bytes : 0);
        item->counted = true;
        /* An image that could not be decoded still has its digests. */
        if (read_ok) {
            if (item->status != VG_OK && item->status != VG_ERR_NOMEM)
                item->status = VG_OK; /* decode failure: match the digests only */
            match_file(w, item);
        }
    }
    close(fd);
}

static uint64_t bytes_in_flight(void *user)
{
    scan_run *run = user;
    uint64_t sum = 0;
    for (size_t i = 0; i < run->worker_count; i++) {
        int fd = atomic_load(&run->workers[i].fd);
        off_t pos = fd >= 0 ? lseek(fd, 0, SEEK_CUR) : -1;
        if (pos > 0)
            sum += (uint64_t)pos;
    }
    return sum;
}

static const char *signal_name(int signal)
{
    if (signal < 3)
        return vg_signal_type_name((vg_signal_type)signal);
    return vg_pdq_dihedral_name((vg_pdq_dihedral)(signal - 3));
}

static void write_rows(void *user, void *item_state)
{
    scan_run *run = user;
    scan_item *item = item_state;
    vg_table *t = &run->table;
    if (run->output_on_tty)
        vg_progress_begin_output(run->progress);
    run->files++;
    if (item->status != VG_OK) {
        run->errors++;
        vg_table_string(t, item->path);
        vg_table_string(t, "error");
        vg_table_null(t);
        vg_table_null(t);
        vg_table_null(t);
        vg_table_string(t, item->error.message);
        vg_table_end_row(t);
    } else {
        if (item->result.has_pdq)
            run->images++;
        if (item->count)
            run->known++;
        else
            run->unknown++;
        for (size_t i = 0; i < item->count || (i == 0 && item->count == 0); i++) {
            vg_table_string(t, item->path);
            vg_table_string(t, item->count ? "known" : "unknown");
            if (!item->count) {
                vg_table_null(t);
                vg_table_null(t);
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
                vg_table_int(t, m->distance);
            }
            vg_table_null(t);
            vg_table_end_row(t);
        }
    }
    if (run->output_on_tty) {
        fflush(t->out);
        vg_progress_end_output(run->progress);
    }
    if (ferror(t->out))
        run->output_failed = true;
    if (!item->counted)
        vg_progress_add_done(run->progress, 1, 0);
    free(item->path);
    free(item->matches);
    item->path = NULL;
    item->matches = NULL;
}

typedef struct scan_args {
    const char *index;
    vg_table_format format;
    bool progress;
    uint64_t threads, radius, min_quality;
} scan_args;

static int parse_args(int argc, char **argv, scan_args *args)
{
    enum { OPT_INDEX = 256, OPT_RADIUS, OPT_QUALITY, OPT_FORMAT, OPT_THREADS, OPT_NO_PROGRESS };
    static const struct option long_options[] = {
        {"index", required_argument, NULL, OPT_INDEX},
        {"radius", required_argument, NULL, OPT_RADIUS},
        {"min-quality", required_argument, NULL, OPT_QUALITY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *args = (scan_args){.format = VG_TABLE_CSV, .progress = true,
                        .threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (uint64_t)cpus,
                        .radius = VG_PDQ_MATCH_THRESHOLD, .min_quality = DEFAULT_MIN_QUALITY};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return VG_EXIT_OK;
        case OPT_INDEX:
            args->index = optarg;
            break;
        case OPT_RADIUS:
            if (!parse_count(optarg, 0, 64, &args->radius))
                return usage_error("--radius needs a number from 0 to 64, not '%s'", optarg);
            break;
        case OPT_QUALITY:
            if (!parse_count(optarg, 0, 100, &args->min_quality))
                return usage_error("--min-quality needs a number from 0 to 100, not '%s'",
                                   optarg);
            break;
        case OPT_FORMAT:
            if (!vg_table_parse_format(optarg, &args->format))
                return usage_error("--format must be csv or json, not '%s'", optarg);
            break;
        case OPT_THREADS:
            if (!parse_count(optarg, 1, MAX_THREADS, &args->threads))
                return usage_error("--threads needs a number from 1 to 256, not '%s'", optarg);
            break;
        case OPT_NO_PROGRESS:
            args->progress = false;
            break;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!args->index)
        return usage_error("%s", "--index FILE is required");
    if (optind == argc)
        return usage_error("%s", "no PATH given");
    return -1;
}

static bool feed(vg_pool *pool, char **roots, size_t count, scan_run *run)
{
    vg_walk *walk = vg_walk_new(roots, count);
    if (!walk)
        return false;
    vg_walk_entry e;
    int r = 0;
    bool ok = true;
    while (!run->output_failed && (r = vg_walk_next(walk, &e)) > 0) {
        scan_item *item = vg_pool_claim(pool);
        item->path = strdup(e.path);
        if (!item->path) {
            item->status = vg_error_set(&item->error, VG_ERR_IO, "out of memory");
            vg_pool_submit(pool, false);
            ok = false;
            break;
        }
        vg_progress_add_total(run->progress, 1, e.kind == VG_WALK_FILE ? e.size : 0);
        if (e.kind == VG_WALK_FILE) {
            vg_pool_submit(pool, true);
        } else {
            item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: %s", e.path, e.message);
            vg_pool_submit(pool, false);
        }
    }
    vg_walk_free(walk);
    vg_progress_total_known(run->progress);
    return ok && r == 0;
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
                    .min_quality = (int)args.min_quality, .worker_count = args.threads};
    vg_table_init(&run.table, stdout, args.format, columns, sizeof columns / sizeof *columns);
    vg_filehash_options options = {.pdq = true, .dihedral = true};
    run.workers = calloc(args.threads, sizeof *run.workers);
    void **states = calloc(args.threads, sizeof *states);
    vg_pool *pool = NULL;
    exit_code = VG_EXIT_USAGE;
    if (!run.workers || !states) {
        fprintf(stderr, "vigie scan: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < args.threads; i++) {
        atomic_init(&run.workers[i].fd, -1);
        run.workers[i].run = &run;
        if (vg_filehasher_new(&options, &run.workers[i].hasher, &err) != VG_OK) {
            fprintf(stderr, "vigie scan: %s\n", err.message);
            goto done;
        }
        states[i] = &run.workers[i];
    }
    vg_pool_config config = {.threads = args.threads, .workers = states,
                             .item_size = sizeof(scan_item), .work = scan_one,
                             .emit = write_rows, .user = &run};
    if (!(pool = vg_pool_new(&config))) {
        fprintf(stderr, "vigie scan: cannot start worker threads\n");
        goto done;
    }
    run.output_on_tty = isatty(STDOUT_FILENO);
    if (!run.output_on_tty)
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    vg_table_header(&run.table);
    vg_progress_options progress_options = {.label = "scan", .enabled = args.progress,
                                            .inflight = bytes_in_flight, .inflight_user = &run};
    run.progress = vg_progress_new(&progress_options);
    bool fed = feed(pool, argv + optind, (size_t)(argc - optind), &run);
    vg_pool_drain(pool);
    vg_progress_free(run.progress);
    run.progress = NULL;
    fprintf(stderr, "vigie scan: %llu files, %llu images, %llu known, %llu unknown, %llu errors\n",
            (unsigned long long)run.files, (unsigned long long)run.images,
            (unsigned long long)run.known, (unsigned long long)run.unknown,
            (unsigned long long)run.errors);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vigie scan: cannot write the output: %s\n", strerror(errno));
        exit_code = VG_EXIT_USAGE;
    } else if (!fed) {
        fprintf(stderr, "vigie scan: out of memory; the output is incomplete\n");
        exit_code = VG_EXIT_USAGE;
    } else {
        exit_code = run.errors ? VG_EXIT_PARTIAL : VG_EXIT_OK;
    }
done:
    vg_pool_free(pool);
    if (run.workers)
        for (size_t i = 0; i < args.threads; i++) {
            vg_filehasher_free(run.workers[i].hasher);
            vg_index_matches_free(&run.workers[i].found);
        }
    free(run.workers);
    free(states);
    vg_index_close(index);
    return exit_code;
}
