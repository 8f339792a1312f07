/*
 * vigie hash: digests and PDQ of files and directory trees, as CSV or JSON
 * lines. The output format is a contract other tools script against; it is
 * documented in docs/cli.md and in --help.
 *
 * The walk, the worker pool, the safe opening of each file, the progress
 * line and the exit status are fingerprint.c's (shared with vigie scan);
 * this file has the options and the columns.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "fingerprint.h"
#include "util/table.h"
#include "vigie/vigie.h"

static const char *const plain_columns[] = {"path", "bytes", "md5", "sha1", "sha256",
                                            "quality", "pdq", "video_frames", "video_seconds",
                                            "error"};
static const char *const dihedral_columns[] = {
    "path", "bytes", "md5", "sha1", "sha256", "quality", "pdq",
    "pdq_rot90", "pdq_rot180", "pdq_rot270", "pdq_flipx", "pdq_flipy", "pdq_flip_plus1",
    "pdq_flip_minus1", "video_frames", "video_seconds", "error"};

static const char usage_text[] =
    "usage: vigie hash [--format csv|json] [--dihedral] [--no-pdq] [--threads N]\n"
    "                  [--max-pixels N] [--video-interval SECONDS] [--vpdq-dir DIR]\n"
    "                  [--no-progress] PATH...\n";

static const char help_text[] =
    "\n"
    "Fingerprint files: MD5, SHA-1 and SHA-256 of every file, the PDQ perceptual\n"
    "hash of every image, and the vPDQ of every video (the PDQ of its frames, one\n"
    "a second by default). Directories are walked recursively, entries in\n"
    "byte-wise name order; the output order is the walk order whatever the\n"
    "number of threads.\n"
    "\n"
    "options:\n"
    "  --format csv|json  CSV with a header line (default), or one JSON object\n"
    "                     per line with the same keys, null for empty values\n"
    "  --dihedral         add the PDQ of the 7 rotations and flips of each image\n"
    "  --no-pdq           digests only: images and videos are not decoded\n"
    "                     (quality, pdq and video columns stay empty)\n"
    "  --threads N        files hashed in parallel (default: online CPUs)\n"
    "  --max-pixels N     refuse to decode larger images (default 200000000)\n"
    "  --video-interval SECONDS\n"
    "                     seconds between the hashed frames of a video (default 1;\n"
    "                     0 hashes every frame, as the reference hash files)\n"
    "  --vpdq-dir DIR     write each video's vPDQ hash file as DIR/NAME.txt (NAME:\n"
    "                     the file name without its extension), one line per frame:\n"
    "                     frame_number,quality,pdq_hex,timestamp\n"
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
    "  video_frames       videos: frames hashed (empty for other files)\n"
    "  video_seconds      videos: length, decoded frames / frame rate\n"
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

typedef struct hash_run {
    vg_table table;
    bool dihedral;
    const char *vpdq_dir; /* NULL: no hash files */
    /* Keys of the hash file names written in this run, open addressing
     * (0 = free), so that two videos named alike never overwrite each
     * other's file; the first in walk order keeps the name. */
    uint64_t *names;
    size_t names_cap, names_count;
} hash_run;

static const vg_fingerprint_cli cli = {.command = "hash", .usage = usage_text,
                                       .help = help_text};

static void write_hex(vg_table *t, const uint8_t *bytes, size_t len)
{
    char hex[2 * VG_SHA256_BYTES + 1];
    vg_hex_encode(bytes, len, hex);
    vg_table_string(t, hex);
}

/* The hash file's NAME: the file name without directory and extension. */
static void video_name(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(out, size, "%.*s", (int)n, base);
}

static uint64_t name_key(const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ? h : 1;
}

/* Record name; false when this run already wrote it (or out of memory). */
static bool claim_name(hash_run *run, const char *name)
{
    if (2 * (run->names_count + 1) > run->names_cap) {
        size_t cap = run->names_cap ? 2 * run->names_cap : 64;
        uint64_t *keys = calloc(cap, sizeof *keys);
        if (!keys)
            return false;
        for (size_t i = 0; i < run->names_cap; i++) {
            uint64_t k = run->names[i];
            if (k) {
                size_t j = k & (cap - 1);
                while (keys[j])
                    j = (j + 1) & (cap - 1);
                keys[j] = k;
            }
        }
        free(run->names);
        run->names = keys;
        run->names_cap = cap;
    }
    uint64_t k = name_key(name);
    size_t j = k & (run->names_cap - 1);
    for (; run->names[j]; j = (j + 1) & (run->names_cap - 1))
        if (run->names[j] == k)
            return false;
    run->names[j] = k;
    run->names_count++;
    return true;
}

/* Write the frames as DIR/NAME.txt through a temporary file renamed over
 * it, so a reader never sees half a file. */
static vg_status write_hash_file(hash_run *run, const vg_fingerprint_item *item, vg_error *err)
{
    char name[1024], path[4096], tmp[4096];
    video_name(item->path, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s.txt", run->vpdq_dir, name);
    if (!claim_name(run, name))
        return vg_error_set(err, VG_ERR_IO, "%s: %s was already written for another video of "
                            "this run", item->path, path);
    snprintf(tmp, sizeof tmp, "%s/.%s.txt.XXXXXX", run->vpdq_dir, name);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write %s: %s", item->path, path,
                            strerror(errno));
    }
    for (size_t i = 0; i < item->frames.count; i++) {
        char line[VG_VPDQ_LINE_MAX + 1];
        vg_vpdq_format_line(&item->frames.frames[i], line);
        fputs(line, f);
        fputc('\n', f);
    }
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        vg_status st = vg_error_set(err, VG_ERR_IO, "%s: cannot write %s: %s", item->path,
                                    path, strerror(errno));
        unlink(tmp);
        return st;
    }
    return VG_OK;
}

/* The row of one file; the driver brackets it for the progress line, counts
 * failures and frees the path. */
static void write_row(void *user, void *item_state)
{
    hash_run *run = user;
    vg_fingerprint_item *item = item_state;
    vg_table *t = &run->table;
    const vg_filehash *r = &item->result;
    bool digests = vg_fingerprint_digests_valid(item->status);
    if (run->vpdq_dir && item->is_video) {
        /* A damaged video's file holds the frames before the damage; the
         * row says what went wrong. */
        vg_error write_err;
        vg_status st = write_hash_file(run, item, &write_err);
        if (st != VG_OK && item->status == VG_OK) {
            item->status = st;
            item->error = write_err;
        }
    }

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
    if (item->is_video) {
        const vg_video_info *v = &item->video;
        vg_table_uint(t, v->frames_hashed);
        vg_table_decimal(t, v->frame_rate > 0 ? (double)v->frames_decoded / v->frame_rate : 0,
                         3);
    } else {
        vg_table_null(t);
        vg_table_null(t);
    }
    vg_table_string(t, item->status == VG_OK ? NULL : vg_fingerprint_one_line(item->error.message));
    vg_table_end_row(t);
}

typedef struct hash_args {
    vg_fingerprint_args run; /* --format, --threads, --no-progress */
    bool dihedral;
    bool pdq;
    uint64_t max_pixels;
    double video_interval;
    const char *vpdq_dir;
} hash_args;

enum { OPT_DIHEDRAL = VG_FINGERPRINT_OPT_OWN, OPT_NO_PDQ, OPT_MAX_PIXELS, OPT_VIDEO_INTERVAL,
       OPT_VPDQ_DIR };

static int hash_option(void *user, int option, char *value)
{
    hash_args *args = user;
    switch (option) {
    case OPT_DIHEDRAL:
        args->dihedral = true;
        break;
    case OPT_NO_PDQ:
        args->pdq = false;
        break;
    case OPT_MAX_PIXELS:
        if (!vg_parse_count(value, 1, UINT64_MAX, &args->max_pixels))
            return vg_fingerprint_usage_error(
                &cli, "--max-pixels needs a positive number, not '%s'", value);
        break;
    case OPT_VIDEO_INTERVAL:
        if (!vg_parse_seconds(value, &args->video_interval))
            return vg_fingerprint_usage_error(
                &cli, "--video-interval needs a number of seconds, 0 or more, not '%s'", value);
        break;
    case OPT_VPDQ_DIR: {
        struct stat st;
        if (stat(value, &st) != 0 || !S_ISDIR(st.st_mode))
            return vg_fingerprint_usage_error(&cli, "--vpdq-dir: '%s' is not a directory",
                                              value);
        args->vpdq_dir = value;
        break;
    }
    }
    return -1;
}

/* Returns -1 when the command line is fine, else the exit status. */
static int parse_args(int argc, char **argv, hash_args *args)
{
    static const struct option long_options[] = {
        VG_FINGERPRINT_LONG_OPTIONS,
        {"dihedral", no_argument, NULL, OPT_DIHEDRAL},
        {"no-pdq", no_argument, NULL, OPT_NO_PDQ},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"video-interval", required_argument, NULL, OPT_VIDEO_INTERVAL},
        {"vpdq-dir", required_argument, NULL, OPT_VPDQ_DIR},
        {NULL, 0, NULL, 0},
    };
    *args = (hash_args){.pdq = true, .video_interval = VG_VIDEO_DEFAULT_INTERVAL};
    int status = vg_fingerprint_parse_args(&cli, argc, argv, long_options, hash_option, args,
                                           &args->run);
    if (status >= 0)
        return status;
    if (optind == argc)
        return vg_fingerprint_usage_error(&cli, "%s", "no PATH given");
    return -1;
}

int cmd_hash(int argc, char **argv)
{
    hash_args args;
    int exit_code = parse_args(argc, argv, &args);
    if (exit_code >= 0)
        return exit_code;

    hash_run run = {.dihedral = args.dihedral, .vpdq_dir = args.vpdq_dir};
    vg_table_init(&run.table, stdout, args.run.format,
                  args.dihedral ? dihedral_columns : plain_columns,
                  args.dihedral ? sizeof dihedral_columns / sizeof *dihedral_columns
                                : sizeof plain_columns / sizeof *plain_columns);
    vg_fingerprint_run_config config = {
        .command = "hash",
        .roots = argv + optind,
        .root_count = (size_t)(argc - optind),
        .threads = args.run.threads,
        .progress = args.run.progress,
        .options = {.pdq = args.pdq, .dihedral = args.dihedral,
                    .decode = {.max_pixels = args.max_pixels}},
        .video = {.enabled = args.pdq, .keep_frames = args.vpdq_dir != NULL},
        .table = &run.table,
        .item_size = sizeof(vg_fingerprint_item),
        .write = write_row,
        .user = &run,
    };
    vg_video_options_init(&config.video.options);
    config.video.options.interval = args.video_interval;
    exit_code = vg_fingerprint_run(&config);
    free(run.names);
    return exit_code;
}
