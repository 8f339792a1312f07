/*
 * vigie hash: digests and PDQ of files and directory trees, as CSV or JSON
 * lines. The output format is a contract other tools script against; it is
 * documented in docs/cli.md and in --help.
 *
 * Pipeline: this thread walks the arguments and feeds an ordered worker
 * pool; each worker owns a vg_filehasher; rows come back in walk order and
 * are written here, so the output does not depend on --threads.
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
#include "vigie/vigie.h"
#include "walk.h"

#define MAX_THREADS 256

static const char *const plain_columns[] = {"path", "bytes", "md5", "sha1", "sha256",
                                            "quality", "pdq", "error"};
static const char *const dihedral_columns[] = {
    "path", "bytes", "md5", "sha1", "sha256", "quality", "pdq",
    "pdq_rot90", "pdq_rot180", "pdq_rot270", "pdq_flipx", "pdq_flipy", "pdq_flip_plus1",
    "pdq_flip_minus1", "error"};

static const char usage_text[] =
    "usage: vigie hash [--format csv|json] [--dihedral] [--no-pdq] [--threads N]\n"
    "                  [--max-pixels N] [--no-progress] PATH...\n";

static const char help_text[] =
    "\n"
    "Fingerprint files: MD5, SHA-1 and SHA-256 of every file, and the PDQ\n"
    "perceptual hash of every image, in one read of each file. Directories are\n"
    "walked recursively, entries in byte-wise name order; the output order is\n"
    "the walk order whatever the number of threads.\n"
    "\n"
    "options:\n"
    "  --format csv|json  CSV with a header line (default), or one JSON object\n"
    "                     per line with the same keys, null for empty values\n"
    "  --dihedral         add the PDQ of the 7 rotations and flips of each image\n"
    "  --no-pdq           digests only: images are not decoded (quality and pdq\n"
    "                     columns stay empty)\n"
    "  --threads N        files hashed in parallel (default: online CPUs)\n"
    "  --max-pixels N     refuse to decode larger images (default 200000000)\n"
    "  --no-progress      no progress line on stderr, even on a terminal\n"
    "  -h, --help         this help\n"
    "\n"
    "columns, in order:\n"
    "  path               as given or as found by the walk\n"
    "  bytes              file size\n"
    "  md5, sha1, sha256  lowercase hex\n"
    "  quality            PDQ quality 0-100 (empty for non-images)\n"
    "  pdq                PDQ, 64 lowercase hex digits (empty for non-images)\n"
    "  pdq_rot90, pdq_rot180, pdq_rot270, pdq_flipx, pdq_flipy, pdq_flip_plus1,\n"
    "  pdq_flip_minus1    with --dihedral only\n"
    "  error              empty when the file was fingerprinted, else why not;\n"
    "                     an image that was read but not decoded keeps bytes and\n"
    "                     digests\n"
    "\n"
    "walking: symbolic links to files are hashed, links to directories found\n"
    "inside a tree are skipped; dangling links, FIFOs, sockets and devices found\n"
    "inside a tree are error rows (never opened). A block device named on the\n"
    "command line is hashed (a seized disk).\n"
    "\n"
    "exit status: 0 every file was fingerprinted, 1 some rows have an error,\n"
    "2 usage error (or the output could not be written).\n";

typedef struct hash_run hash_run;

typedef struct hash_worker {
    vg_filehasher *hasher;
    hash_run *run;
    atomic_int fd; /* descriptor being read, -1 when idle; read by the progress line */
} hash_worker;

typedef struct hash_item {
    char *path;
    bool counted; /* already in the progress line's done counters */
    vg_status status;
    vg_filehash result;
    vg_error error;
} hash_item;

struct hash_run {
    vg_table table;
    bool dihedral;
    vg_progress *progress;
    hash_worker *workers;
    size_t worker_count;
    uint64_t failures;
    bool output_failed; /* stdout refused a write: stop walking */
    bool output_on_tty; /* rows share the terminal with the progress line */
};

/* Parse a decimal count in [min, max]; no sign, no trailing junk. */
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
    fputs("vigie hash: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(usage_text, stderr);
    return VG_EXIT_USAGE;
}

/* vg_filehasher leaves the digests unspecified only when the read itself
 * failed (VG_ERR_IO); the hasher is never handed bad arguments here, but a
 * row must not print digests that were not computed. */
static bool digests_valid(vg_status status)
{
    return status != VG_ERR_IO && status != VG_ERR_INVALID;
}

/* Open like the library does: never block on a FIFO, leave access times
 * alone where allowed, refuse what is not a regular file or block device.
 * The descriptor stays visible to the progress line while it is read. */
static void hash_one(void *worker_state, void *item_state)
{
    hash_worker *w = worker_state;
    hash_item *item = item_state;
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
        /* Counted done as soon as it is read, not when its row is written:
         * rows wait for their turn, the progress line should not. */
        vg_progress_add_done(w->run->progress, 1,
                             digests_valid(item->status) ? item->result.bytes : 0);
        item->counted = true;
        atomic_store(&w->fd, -1);
    }
    close(fd);
}

/* Bytes already read of the files being hashed: their descriptors' offsets. */
static uint64_t bytes_in_flight(void *user)
{
    hash_run *run = user;
    uint64_t sum = 0;
    for (size_t i = 0; i < run->worker_count; i++) {
        int fd = atomic_load(&run->workers[i].fd);
        off_t pos = fd >= 0 ? lseek(fd, 0, SEEK_CUR) : -1;
        if (pos > 0)
            sum += (uint64_t)pos;
    }
    return sum;
}

/* Error messages come from libraries too, and some end with a newline:
 * keep the error column on one line so that line-based tools see one row
 * per file. Works in place on the item's own message. */
static const char *one_line(char *message)
{
    for (char *p = message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == ' ')
        message[--n] = '\0';
    return message;
}

static void write_hex(vg_table *t, const uint8_t *bytes, size_t len)
{
    char hex[2 * VG_SHA256_BYTES + 1];
    vg_hex_encode(bytes, len, hex);
    vg_table_string(t, hex);
}

static void write_row(void *user, void *item_state)
{
    hash_run *run = user;
    hash_item *item = item_state;
    vg_table *t = &run->table;
    const vg_filehash *r = &item->result;
    bool digests = digests_valid(item->status);

    if (run->output_on_tty)
        vg_progress_begin_output(run->progress);
    vg_table_string(t, item->path);
    if (digests) {
        vg_table_uint(t, r->bytes);
        write_hex(t, r->digests.md5, sizeof r->digests.md5);
        write_hex(t, r->digests.sha1, sizeof r->digests.sha1);
        write_hex(t, r->digests.sha256, sizeof r->digests.sha256);
    } else {
        for (int i = 0; i < 4; i++)
            vg_table_null(t);
    }
    int hashes = run->dihedral ? VG_PDQ_DIHEDRAL_COUNT : 1;
    if (r->has_pdq && item->status == VG_OK) {
        vg_table_int(t, r->pdq.quality);
        for (int i = 0; i < hashes; i++) {
            if (i == 0 || r->pdq.has_dihedral)
                write_hex(t, r->pdq.hashes[i].bytes, VG_PDQ_BYTES);
            else
                vg_table_null(t);
        }
    } else {
        for (int i = 0; i <= hashes; i++)
            vg_table_null(t);
    }
    vg_table_string(t, item->status == VG_OK ? NULL : one_line(item->error.message));
    vg_table_end_row(t);
    if (run->output_on_tty) {
        fflush(t->out);
        vg_progress_end_output(run->progress);
    }
    if (ferror(t->out))
        run->output_failed = true;

    if (item->status != VG_OK)
        run->failures++;
    if (!item->counted)
        vg_progress_add_done(run->progress, 1, 0);
    free(item->path);
    item->path = NULL;
}

typedef struct hash_args {
    vg_table_format format;
    bool dihedral;
    bool pdq;
    bool progress;
    uint64_t threads;
    uint64_t max_pixels;
} hash_args;

/* Returns -1 when the command line is fine, else the exit status. */
static int parse_args(int argc, char **argv, hash_args *args)
{
    enum { OPT_FORMAT = 256, OPT_DIHEDRAL, OPT_NO_PDQ, OPT_THREADS, OPT_MAX_PIXELS,
           OPT_NO_PROGRESS };
    static const struct option long_options[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"dihedral", no_argument, NULL, OPT_DIHEDRAL},
        {"no-pdq", no_argument, NULL, OPT_NO_PDQ},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (uint64_t)cpus;
    *args = (hash_args){.format = VG_TABLE_CSV, .pdq = true, .progress = true,
                        .threads = threads};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return VG_EXIT_OK;
        case OPT_FORMAT:
            if (!vg_table_parse_format(optarg, &args->format))
                return usage_error("--format must be csv or json, not '%s'", optarg);
            break;
        case OPT_DIHEDRAL:
            args->dihedral = true;
            break;
        case OPT_NO_PDQ:
            args->pdq = false;
            break;
        case OPT_THREADS:
            if (!parse_count(optarg, 1, MAX_THREADS, &args->threads))
                return usage_error("--threads needs a number from 1 to 256, not '%s'", optarg);
            break;
        case OPT_MAX_PIXELS:
            if (!parse_count(optarg, 1, UINT64_MAX, &args->max_pixels))
                return usage_error("--max-pixels needs a positive number, not '%s'", optarg);
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
    if (optind == argc)
        return usage_error("%s", "no PATH given");
    return -1;
}

/* Walk every root into the pool, until the output fails. Returns false
 * when out of memory. */
static bool feed(vg_pool *pool, char **roots, size_t count, hash_run *run)
{
    vg_progress *progress = run->progress;
    vg_walk *walk = vg_walk_new(roots, count);
    if (!walk)
        return false;
    vg_walk_entry e;
    int r = 0;
    bool ok = true;
    while (!run->output_failed && (r = vg_walk_next(walk, &e)) > 0) {
        hash_item *item = vg_pool_claim(pool);
        item->path = strdup(e.path);
        if (!item->path) {
            /* The run stops here (exit 2); the row only keeps the pool consistent. */
            item->status = vg_error_set(&item->error, VG_ERR_IO, "out of memory");
            vg_pool_submit(pool, false);
            ok = false;
            break;
        }
        vg_progress_add_total(progress, 1, e.kind == VG_WALK_FILE ? e.size : 0);
        if (e.kind == VG_WALK_FILE) {
            vg_pool_submit(pool, true);
        } else {
            item->status = vg_error_set(&item->error, VG_ERR_IO, "%s: %s", e.path, e.message);
            vg_pool_submit(pool, false);
        }
    }
    vg_walk_free(walk);
    vg_progress_total_known(progress);
    return ok && r == 0;
}

int cmd_hash(int argc, char **argv)
{
    hash_args args;
    int exit_code = parse_args(argc, argv, &args);
    if (exit_code >= 0)
        return exit_code;

    hash_run run = {.dihedral = args.dihedral, .worker_count = args.threads};
    vg_table_init(&run.table, stdout, args.format,
                  args.dihedral ? dihedral_columns : plain_columns,
                  args.dihedral ? sizeof dihedral_columns / sizeof *dihedral_columns
                                : sizeof plain_columns / sizeof *plain_columns);
    vg_filehash_options options = {.pdq = args.pdq, .dihedral = args.dihedral,
                                   .decode = {.max_pixels = args.max_pixels}};
    run.workers = calloc(args.threads, sizeof *run.workers);
    void **states = calloc(args.threads, sizeof *states);
    vg_pool *pool = NULL;
    exit_code = VG_EXIT_USAGE;
    if (!run.workers || !states) {
        fprintf(stderr, "vigie hash: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < args.threads; i++) {
        vg_error err;
        atomic_init(&run.workers[i].fd, -1);
        run.workers[i].run = &run;
        if (vg_filehasher_new(&options, &run.workers[i].hasher, &err) != VG_OK) {
            fprintf(stderr, "vigie hash: %s\n", err.message);
            goto done;
        }
        states[i] = &run.workers[i];
    }
    vg_pool_config config = {.threads = args.threads, .workers = states,
                             .item_size = sizeof(hash_item), .work = hash_one,
                             .emit = write_row, .user = &run};
    if (!(pool = vg_pool_new(&config))) {
        fprintf(stderr, "vigie hash: cannot start worker threads\n");
        goto done;
    }
    run.output_on_tty = isatty(STDOUT_FILENO);
    if (!run.output_on_tty)
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    vg_table_header(&run.table);
    vg_progress_options progress_options = {.label = "hash", .enabled = args.progress,
                                            .inflight = bytes_in_flight, .inflight_user = &run};
    run.progress = vg_progress_new(&progress_options);

    bool fed = feed(pool, argv + optind, (size_t)(argc - optind), &run);
    vg_pool_drain(pool);
    vg_progress_free(run.progress);
    run.progress = NULL;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vigie hash: cannot write the output: %s\n", strerror(errno));
        exit_code = VG_EXIT_USAGE;
    } else if (!fed) {
        fprintf(stderr, "vigie hash: out of memory; the output is incomplete\n");
        exit_code = VG_EXIT_USAGE;
    } else {
        exit_code = run.failures ? VG_EXIT_PARTIAL : VG_EXIT_OK;
    }
done:
    vg_pool_free(pool);
    if (run.workers)
        for (size_t i = 0; i < args.threads; i++)
            vg_filehasher_free(run.workers[i].hasher);
    free(run.workers);
    free(states);
    return exit_code;
}
