/*
 * src/cli/fingerprint.h - fingerprint every file named on a command line.
 *
 * What `vigie hash` and `vigie scan` have in common, in one place so that
 * evidence is opened the same way and a run behaves the same way in both:
 *
 *   - vg_fingerprint_file: open one file safely and fingerprint it. A FIFO
 *     never blocks the open (O_NONBLOCK), access times are left alone where
 *     allowed (O_NOATIME, retried without it on EPERM), anything that is not
 *     a regular file or a block device is refused, and only then is the
 *     descriptor handed to vg_filehasher_fd; a file whose first bytes say
 *     "video" is then decoded for vPDQ (vg_video_hash, reading the same
 *     descriptor again with pread: the decoder seeks).
 *   - vg_fingerprint_run: the driver. This thread walks the roots and feeds
 *     an ordered worker pool, each worker owning a vg_filehasher; a command
 *     callback may look further at each file on the worker; rows come back
 *     in walk order to the command's row writer, so the output does not
 *     depend on the number of threads; a progress line on stderr; the exit
 *     status.
 *
 * What differs (columns, matching, summaries) stays in each command.
 */
#ifndef VIGIE_CLI_FINGERPRINT_H
#define VIGIE_CLI_FINGERPRINT_H

#include <getopt.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "progress.h"
#include "util/table.h"
#include "vigie/vigie.h"

#define VG_FINGERPRINT_MAX_THREADS 256

/* One file of a run. A command's own item type starts with this member so
 * the driver can fill it; the rest of the item is the command's. */
typedef struct vg_fingerprint_item {
    char *path;       /* owned; freed by the driver after the row is written */
    bool counted;     /* already in the progress line's done counters */
    vg_status status; /* VG_OK: fingerprinted; else error.message says why */
    vg_filehash result;
    vg_error error;
    bool is_video;      /* a video stream was found and decoded (maybe partly) */
    vg_video_info video;
    vg_vpdq frames;     /* the hashed frames when the run keeps them; owned, freed
                         * by the driver after the row is written */
} vg_fingerprint_item;

/* Videos: what the run does with them. */
typedef struct vg_fingerprint_video {
    bool enabled;             /* decode videos for vPDQ */
    vg_video_options options; /* interval and budgets */
    bool keep_frames;         /* fill item->frames (scan matches them, hash writes them) */
} vg_fingerprint_video;

/* vg_filehasher leaves the digests unspecified only when the read itself
 * failed (VG_ERR_IO); the hasher is never handed bad arguments here, but a
 * row must not show digests that were not computed. An image that was read
 * but not decoded (another error) keeps its digests. */
bool vg_fingerprint_digests_valid(vg_status status);

/* Error messages come from libraries too, and some end with a newline:
 * the error column stays on one line so that line-based tools see one row
 * per line. Works in place; returns message. */
const char *vg_fingerprint_one_line(char *message);

/*
 * Open item->path safely (see above) and fingerprint it into item. While
 * the file is read its descriptor is published in *reading (else -1) so
 * that the progress line can poll its offset. A file that was read is
 * counted done in `progress` (may be NULL) and marked counted. `video`
 * (NULL: videos are not decoded) hashes a file that sniffs as a video; its
 * frames go to item->frames when keep_frames. A video's failure (damaged,
 * over a budget) becomes the item's status when the digests succeeded; a
 * file that sniffs as a video but has no video stream (an audio-only MP4)
 * is simply not a video.
 */
void vg_fingerprint_file(vg_filehasher *hasher, vg_video_hasher *video, bool keep_frames,
                         atomic_int *reading, vg_progress *progress, vg_fingerprint_item *item);

/* On a worker thread, after a file whose digests are valid was read:
 * whatever else the command does with it (scan matches it). `worker` is
 * the worker's number, 0..threads-1, for per-worker state. */
typedef void (*vg_fingerprint_examine_fn)(void *user, size_t worker, void *item);
/* On the calling thread, once per item in walk order: write its rows to
 * the table and free what the command's part of the item owns. An entry
 * the walk could not read arrives with status set and nothing read; after
 * an allocation failure path may be NULL. */
typedef void (*vg_fingerprint_write_fn)(void *user, void *item);
/* On the calling thread once every row is written and the progress line
 * is gone, before the output is flushed (scan's summary). */
typedef void (*vg_fingerprint_finish_fn)(void *user);

typedef struct vg_fingerprint_run_config {
    const char *command;               /* "hash": prefix of messages, progress label */
    char *const *roots;                /* borrowed */
    size_t root_count;
    size_t threads;                    /* 1..VG_FINGERPRINT_MAX_THREADS */
    bool progress;                     /* a progress line when stderr is a terminal */
    vg_filehash_options options;
    vg_fingerprint_video video;
    vg_table *table;                   /* initialised; its header is written here */
    size_t item_size;                  /* >= sizeof(vg_fingerprint_item) */
    vg_fingerprint_examine_fn examine; /* may be NULL */
    vg_fingerprint_write_fn write;
    vg_fingerprint_finish_fn finish;   /* may be NULL */
    void *user;                        /* passed to the callbacks */
} vg_fingerprint_run_config;

/*
 * Run the whole command and return its exit status: VG_EXIT_OK when every
 * item has status VG_OK, VG_EXIT_PARTIAL when some do not, VG_EXIT_USAGE
 * when the run could not start, ran out of memory or could not write its
 * output (each said on stderr).
 */
int vg_fingerprint_run(const vg_fingerprint_run_config *config);

/*
 * The options every fingerprinting command takes, parsed the same way with
 * the same messages: --format, --threads, --no-progress, -h/--help, and the
 * errors for a missing value or an unknown option. A command lists
 * VG_FINGERPRINT_LONG_OPTIONS in its getopt_long table and numbers its own
 * options from VG_FINGERPRINT_OPT_OWN; vg_fingerprint_parse_args hands those
 * to the command's callback.
 */
enum {
    VG_FINGERPRINT_OPT_FORMAT = 256,
    VG_FINGERPRINT_OPT_THREADS,
    VG_FINGERPRINT_OPT_NO_PROGRESS,
    VG_FINGERPRINT_OPT_OWN
};
#define VG_FINGERPRINT_LONG_OPTIONS                                                      \
    {"format", required_argument, NULL, VG_FINGERPRINT_OPT_FORMAT},                      \
    {"threads", required_argument, NULL, VG_FINGERPRINT_OPT_THREADS},                    \
    {"no-progress", no_argument, NULL, VG_FINGERPRINT_OPT_NO_PROGRESS},                  \
    {"help", no_argument, NULL, 'h'}

/* The command's name ("hash") and its texts for --help and usage errors. */
typedef struct vg_fingerprint_cli {
    const char *command;
    const char *usage;
    const char *help;
} vg_fingerprint_cli;

typedef struct vg_fingerprint_args {
    vg_table_format format; /* default CSV */
    uint64_t threads;       /* default: online CPUs, within 1..VG_FINGERPRINT_MAX_THREADS */
    bool progress;          /* default true */
} vg_fingerprint_args;

/* One of the command's own options (option >= VG_FINGERPRINT_OPT_OWN) with
 * its value or NULL. Returns -1 to go on, else the exit status (after
 * vg_fingerprint_usage_error, say). */
typedef int (*vg_fingerprint_option_fn)(void *user, int option, char *value);

/*
 * Parse argv with getopt_long. Returns -1 when every option was fine, with
 * optind at the first operand; else the exit status: 0 after --help,
 * VG_EXIT_USAGE after saying on stderr what is wrong. Checking the operands
 * is the command's.
 */
int vg_fingerprint_parse_args(const vg_fingerprint_cli *cli, int argc, char **argv,
                              const struct option *long_options, vg_fingerprint_option_fn own,
                              void *user, vg_fingerprint_args *args);
/* "vigie COMMAND: " + fmt with arg on stderr, then the usage text;
 * returns VG_EXIT_USAGE. */
int vg_fingerprint_usage_error(const vg_fingerprint_cli *cli, const char *fmt, const char *arg);

/* Parse a number of seconds, 0 to 1000000 ("1", "0.5"); no sign. */
bool vg_parse_seconds(const char *text, double *out);

/* Parse a decimal count in [min, max]; no sign, no trailing junk. */
bool vg_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out);

#endif
