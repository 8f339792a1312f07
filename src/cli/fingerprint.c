/*
 * src/cli/fingerprint.c - open evidence safely, fingerprint it, and drive a
 * whole run over the files named on a command line (see fingerprint.h).
 */
#include "fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pool.h"
#include "walk.h"

bool vg_fingerprint_digests_valid(vg_status status)
{
    return status != VG_ERR_IO && status != VG_ERR_INVALID;
}

const char *vg_fingerprint_one_line(char *message)
{
    for (char *p = message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == ' ')
        message[--n] = '\0';
    return message;
}

static vg_status count_frame(void *user, const vg_vpdq_frame *frame, vg_error *err)
{
    (void)user, (void)frame, (void)err;
    return VG_OK;
}

/* The digests are done; decode the file again as a video when its first
 * bytes say so. */
static void fingerprint_video(vg_video_hasher *video, bool keep_frames, int fd,
                              vg_fingerprint_item *item)
{
    uint8_t head[512];
    ssize_t got = pread(fd, head, sizeof head, 0);
    if (got <= 0 || !vg_video_sniff(head, (size_t)got))
        return;
    vg_video_source src = vg_video_source_fd(fd);
    vg_error err;
    vg_status st = keep_frames ? vg_video_hash_frames(video, &src, item->path, &item->frames,
                                                      &item->video, &err)
                               : vg_video_hash(video, &src, item->path, count_frame, NULL,
                                               &item->video, &err);
    item->is_video = item->video.has_video;
    if (st != VG_OK && (item->is_video || st != VG_ERR_UNSUPPORTED)) {
        item->status = st;
        item->error = err;
    }
}

/* Open like the library does: never block on a FIFO, leave access times
 * alone where allowed, refuse what is not a regular file or block device. */
void vg_fingerprint_file(vg_filehasher *hasher, vg_video_hasher *video, bool keep_frames,
                         atomic_int *reading, vg_progress *progress, vg_fingerprint_item *item)
{
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
        atomic_store(reading, fd);
        item->status = vg_filehasher_fd(hasher, fd, item->path, &item->result, &item->error);
        if (video && item->status == VG_OK && item->result.format == VG_FORMAT_UNKNOWN)
            fingerprint_video(video, keep_frames, fd, item);
        atomic_store(reading, -1);
        /* Counted done as soon as it is read, not when its row is written:
         * rows wait for their turn, the progress line should not. */
        vg_progress_add_done(progress, 1,
                             vg_fingerprint_digests_valid(item->status) ? item->result.bytes : 0);
        item->counted = true;
    }
    close(fd);
}

int vg_fingerprint_usage_error(const vg_fingerprint_cli *cli, const char *fmt, const char *arg)
{
    fprintf(stderr, "vigie %s: ", cli->command);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(cli->usage, stderr);
    return VG_EXIT_USAGE;
}

/* Returns -1 to go on, else the exit status. */
static int shared_option(const vg_fingerprint_cli *cli, int c, char **argv,
                         vg_fingerprint_args *args)
{
    switch (c) {
    case 'h':
        fputs(cli->usage, stdout);
        fputs(cli->help, stdout);
        return VG_EXIT_OK;
    case VG_FINGERPRINT_OPT_FORMAT:
        if (!vg_table_parse_format(optarg, &args->format))
            return vg_fingerprint_usage_error(cli, "--format must be csv or json, not '%s'",
                                              optarg);
        return -1;
    case VG_FINGERPRINT_OPT_THREADS:
        if (!vg_parse_count(optarg, 1, VG_FINGERPRINT_MAX_THREADS, &args->threads))
            return vg_fingerprint_usage_error(
                cli, "--threads needs a number from 1 to 256, not '%s'", optarg);
        return -1;
    case VG_FINGERPRINT_OPT_NO_PROGRESS:
        args->progress = false;
        return -1;
    case ':':
        return vg_fingerprint_usage_error(cli, "%s needs a value", argv[optind - 1]);
    default:
        return vg_fingerprint_usage_error(cli, "unknown option '%s'", argv[optind - 1]);
    }
}

int vg_fingerprint_parse_args(const vg_fingerprint_cli *cli, int argc, char **argv,
                              const struct option *long_options, vg_fingerprint_option_fn own,
                              void *user, vg_fingerprint_args *args)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *args = (vg_fingerprint_args){
        .format = VG_TABLE_CSV,
        .threads = cpus < 1 ? 1 : cpus > VG_FINGERPRINT_MAX_THREADS ? VG_FINGERPRINT_MAX_THREADS
                                                                    : (uint64_t)cpus,
        .progress = true,
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        int status = c >= VG_FINGERPRINT_OPT_OWN ? own(user, c, optarg)
                                                 : shared_option(cli, c, argv, args);
        if (status >= 0)
            return status;
    }
    return -1;
}

bool vg_parse_seconds(const char *text, double *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || *end || !(v >= 0) || v > 1e6)
        return false;
    *out = v;
    return true;
}

bool vg_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out)
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

typedef struct fingerprint_run fingerprint_run;

typedef struct fingerprint_worker {
    vg_filehasher *hasher;
    vg_video_hasher *video; /* NULL when videos are not decoded */
    fingerprint_run *run;
    size_t number;
    atomic_int fd; /* descriptor being read, -1 when idle; read by the progress line */
} fingerprint_worker;

struct fingerprint_run {
    const vg_fingerprint_run_config *config;
    vg_progress *progress;
    fingerprint_worker *workers;
    uint64_t failures;
    bool output_failed; /* stdout refused a write: stop walking */
    bool output_on_tty; /* rows share the terminal with the progress line */
};

static void work(void *worker_state, void *item_state)
{
    fingerprint_worker *w = worker_state;
    vg_fingerprint_item *item = item_state;
    const vg_fingerprint_run_config *config = w->run->config;
    vg_fingerprint_file(w->hasher, w->video, config->video.keep_frames, &w->fd,
                        w->run->progress, item);
    if (config->examine && vg_fingerprint_digests_valid(item->status))
        config->examine(config->user, w->number, item);
}

/* Bytes already read of the files being hashed: their descriptors' offsets. */
static uint64_t bytes_in_flight(void *user)
{
    fingerprint_run *run = user;
    uint64_t sum = 0;
    for (size_t i = 0; i < run->config->threads; i++) {
        int fd = atomic_load(&run->workers[i].fd);
        off_t pos = fd >= 0 ? lseek(fd, 0, SEEK_CUR) : -1;
        if (pos > 0)
            sum += (uint64_t)pos;
    }
    return sum;
}

static void emit(void *user, void *item_state)
{
    fingerprint_run *run = user;
    vg_fingerprint_item *item = item_state;
    FILE *out = run->config->table->out;

    if (run->output_on_tty)
        vg_progress_begin_output(run->progress);
    run->config->write(run->config->user, item);
    if (run->output_on_tty) {
        fflush(out);
        vg_progress_end_output(run->progress);
    }
    if (ferror(out))
        run->output_failed = true;

    if (item->status != VG_OK)
        run->failures++;
    if (!item->counted)
        vg_progress_add_done(run->progress, 1, 0);
    free(item->path);
    item->path = NULL;
    vg_vpdq_free(&item->frames);
}

/* Walk every root into the pool, until the output fails. Returns false
 * when out of memory. */
static bool feed(vg_pool *pool, fingerprint_run *run)
{
    vg_walk *walk = vg_walk_new(run->config->roots, run->config->root_count);
    if (!walk)
        return false;
    vg_walk_entry e;
    int r = 0;
    bool ok = true;
    while (!run->output_failed && (r = vg_walk_next(walk, &e)) > 0) {
        vg_fingerprint_item *item = vg_pool_claim(pool);
        item->path = strdup(e.path);
        if (!item->path) {
            /* The run stops here (exit 2); the row only keeps the pool consistent. */
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

int vg_fingerprint_run(const vg_fingerprint_run_config *config)
{
    const char *name = config->command;
    size_t threads = config->threads;
    fingerprint_run run = {.config = config};
    run.workers = calloc(threads, sizeof *run.workers);
    void **states = calloc(threads, sizeof *states);
    vg_pool *pool = NULL;
    int exit_code = VG_EXIT_USAGE;
    if (!run.workers || !states) {
        fprintf(stderr, "vigie %s: out of memory\n", name);
        goto done;
    }
    for (size_t i = 0; i < threads; i++) {
        vg_error err;
        atomic_init(&run.workers[i].fd, -1);
        run.workers[i].run = &run;
        run.workers[i].number = i;
        if (vg_filehasher_new(&config->options, &run.workers[i].hasher, &err) != VG_OK ||
            (config->video.enabled &&
             vg_video_hasher_new(&config->video.options, &run.workers[i].video, &err) != VG_OK)) {
            fprintf(stderr, "vigie %s: %s\n", name, err.message);
            goto done;
        }
        states[i] = &run.workers[i];
    }
    vg_pool_config pool_config = {.threads = threads, .workers = states,
                                  .item_size = config->item_size, .work = work, .emit = emit,
                                  .user = &run};
    if (!(pool = vg_pool_new(&pool_config))) {
        fprintf(stderr, "vigie %s: cannot start worker threads\n", name);
        goto done;
    }
    FILE *out = config->table->out;
    run.output_on_tty = isatty(fileno(out));
    if (!run.output_on_tty)
        setvbuf(out, NULL, _IOFBF, 1 << 16);
    vg_table_header(config->table);
    vg_progress_options progress_options = {.label = name, .enabled = config->progress,
                                            .inflight = bytes_in_flight, .inflight_user = &run};
    run.progress = vg_progress_new(&progress_options);

    bool fed = feed(pool, &run);
    vg_pool_drain(pool);
    vg_progress_free(run.progress);
    run.progress = NULL;
    if (config->finish)
        config->finish(config->user);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "vigie %s: cannot write the output: %s\n", name, strerror(errno));
        exit_code = VG_EXIT_USAGE;
    } else if (!fed) {
        fprintf(stderr, "vigie %s: out of memory; the output is incomplete\n", name);
        exit_code = VG_EXIT_USAGE;
    } else {
        exit_code = run.failures ? VG_EXIT_PARTIAL : VG_EXIT_OK;
    }
done:
    vg_pool_free(pool);
    if (run.workers)
        for (size_t i = 0; i < threads; i++) {
            vg_filehasher_free(run.workers[i].hasher);
            vg_video_hasher_free(run.workers[i].video);
        }
    free(run.workers);
    free(states);
    return exit_code;
}
