/*
 * vg-bench-video - what vPDQ costs; prints figures, asserts nothing.
 *
 *   vg-bench-video hash [-r ROUNDS] [--ffmpeg PATH] VIDEO...
 *       For each video, best of ROUNDS, one thread each:
 *         decode   `ffmpeg -nostdin -threads 1 -i VIDEO -an -f null -` in a
 *                  child process (its user+system CPU time);
 *         every    vg_video_hash with interval 0 (every frame hashed);
 *         second   vg_video_hash with interval 1 (one frame a second);
 *         own      vg_video_hash hashing only frame 0: vigie's own decode loop
 *                  (same libavcodec, in this process, no start-up cost);
 *       vigie's times are the CPU time of the calling thread (the decoder
 *       runs there with one thread). Printed: frames, the times, the ratio
 *       decode/every (throughput of vPDQ every frame over decode-only; the
 *       target is >= 0.7), own/every (the stricter figure: decoding in the
 *       same process, so without ffmpeg's start-up), and for one frame a
 *       second how many times faster than real time it runs (video seconds /
 *       wall seconds).
 *
 *   vg-bench-video match [--videos N] [--frames F] [--seed S]
 *       See match.c: a bank of N synthetic videos in an index, one query video.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_video.h"
#include "vigie/vigie.h"

extern char **environ;

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of one ffmpeg decode-only run, or -1. */
static double ffmpeg_decode(const char *ffmpeg, const char *video)
{
    char *argv[] = {(char *)ffmpeg, "-nostdin", "-v", "error", "-threads", "1",
                    "-i", (char *)video, "-an", "-f", "null", "-", NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, ffmpeg, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (r != 0) {
        fprintf(stderr, "vg-bench-video: cannot run %s: %s\n", ffmpeg, strerror(r));
        return -1;
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static vg_status count(void *user, const vg_vpdq_frame *frame, vg_error *err)
{
    (void)frame, (void)err;
    ++*(uint64_t *)user;
    return VG_OK;
}

/* CPU and wall seconds of hashing one video; false on failure. */
static bool vpdq_run(vg_video_hasher *h, const char *path, double *cpu, double *wall,
                     vg_video_info *info)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    vg_video_source src = vg_video_source_fd(fd);
    uint64_t frames = 0;
    vg_error err;
    double c0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
    vg_status st = vg_video_hash(h, &src, path, count, &frames, info, &err);
    *cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
    *wall = now(CLOCK_MONOTONIC) - w0;
    close(fd);
    if (st != VG_OK)
        fprintf(stderr, "vg-bench-video: %s\n", err.message);
    return st == VG_OK;
}

static vg_video_hasher *new_hasher(double interval)
{
    vg_video_options o;
    vg_video_options_init(&o);
    o.interval = interval;
    vg_video_hasher *h = NULL;
    vg_error err;
    if (vg_video_hasher_new(&o, &h, &err) != VG_OK) {
        fprintf(stderr, "vg-bench-video: %s\n", err.message);
        exit(2);
    }
    return h;
}

static int bench_hash(int argc, char **argv)
{
    int rounds = 3;
    const char *ffmpeg = "/usr/bin/ffmpeg";
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-r") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ffmpeg") && i + 1 < argc)
            ffmpeg = argv[++i];
        else
            return fprintf(stderr, "vg-bench-video hash: unknown option %s\n", argv[i]), 2;
    }
    if (i == argc || rounds < 1)
        return fprintf(stderr, "usage: vg-bench-video hash [-r ROUNDS] [--ffmpeg PATH] "
                               "VIDEO...\n"), 2;
    vg_video_hasher *every = new_hasher(0), *second = new_hasher(1), *own = new_hasher(1e6);
    printf("# vPDQ against ffmpeg decode-only, one thread, CPU seconds, best of %d\n", rounds);
    printf("%-26s %6s %9s %8s %8s %8s %8s %8s %8s %6s\n", "video", "frames", "size", "decode",
           "own", "every", "ratio", "own/ev", "second", "x real");
    double total_decode = 0, total_every = 0, total_own = 0;
    for (; i < argc; i++) {
        double best_decode = 1e300, best_every = 1e300, best_second = 1e300,
               best_second_wall = 1e300, best_own = 1e300;
        vg_video_info info = {0};
        bool ok = true;
        for (int r = 0; r < rounds && ok; r++) {
            double d = ffmpeg_decode(ffmpeg, argv[i]), cpu, wall;
            ok = d >= 0;
            if (d >= 0 && d < best_decode)
                best_decode = d;
            if (ok && (ok = vpdq_run(own, argv[i], &cpu, &wall, &info)) && cpu < best_own)
                best_own = cpu;
            if (ok && (ok = vpdq_run(every, argv[i], &cpu, &wall, &info)) && cpu < best_every)
                best_every = cpu;
            if (ok && (ok = vpdq_run(second, argv[i], &cpu, &wall, &info))) {
                if (cpu < best_second)
                    best_second = cpu;
                if (wall < best_second_wall)
                    best_second_wall = wall;
            }
        }
        if (!ok) {
            printf("%-28s failed\n", argv[i]);
            continue;
        }
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        double seconds = info.frame_rate > 0 ? info.frames_decoded / info.frame_rate : 0;
        char size[32];
        snprintf(size, sizeof size, "%ux%u", info.width, info.height);
        printf("%-26.26s %6llu %9s %8.3f %8.3f %8.3f %8.2f %8.2f %8.3f %6.1f\n", name,
               (unsigned long long)info.frames_decoded, size, best_decode, best_own,
               best_every, best_decode / best_every, best_own / best_every, best_second,
               seconds / best_second_wall);
        total_decode += best_decode;
        total_own += best_own;
        total_every += best_every;
    }
    if (total_every > 0)
        printf("total: ffmpeg decode %.3f s, own decode %.3f s, vPDQ every frame %.3f s: "
               "ratio %.2f against ffmpeg, %.2f against the own decode (target >= 0.7)\n",
               total_decode, total_own, total_every, total_decode / total_every,
               total_own / total_every);
    vg_video_hasher_free(every);
    vg_video_hasher_free(second);
    vg_video_hasher_free(own);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "hash"))
        return bench_hash(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "match"))
        return bench_video_match(argc - 2, argv + 2);
    fprintf(stderr, "usage: vg-bench-video hash|match ...\n");
    return 2;
}
