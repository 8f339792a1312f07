/*
 * vg-bench-video match [--videos N] [--frames F] [--seed S] [--work DIR]
 *
 * A bank of N synthetic videos (default 100,000) of F unique frames each
 * (default 60: a minute at one frame a second). A video is a random walk:
 * each frame is the previous one with 8 to 24 bits flipped, so that, as in
 * real footage, neighbouring frames are within the match distance of each
 * other and a query frame meets several frames of the same video. The
 * index is built into DIR and opened; then, on this thread:
 *   known    a query video made from bank video N/2, every frame moved by up
 *            to 20 bits (it must match that video at 100 %);
 *   unknown  a query video of the same shape that matches nothing.
 * Printed: build time and index size, then per query the best and the
 * first time of vg_index_search_vpdq (target < 100 ms on one core) and
 * what it found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_video.h"
#include "vigie/vigie.h"

static uint64_t state;

static uint64_t next_random(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void random_hash(vg_pdq_hash *h)
{
    for (int i = 0; i < 4; i++) {
        uint64_t r = next_random();
        memcpy(h->bytes + 8 * i, &r, 8);
    }
}

static void flip(vg_pdq_hash *h, int bits)
{
    for (int i = 0; i < bits; i++) {
        unsigned b = (unsigned)(next_random() % 256);
        h->bytes[b / 8] ^= (uint8_t)(1u << (b % 8));
    }
}

static void walk(vg_vpdq *v, size_t frames)
{
    vg_vpdq_clear(v);
    vg_vpdq_frame f = {.quality = 100};
    random_hash(&f.hash);
    for (size_t i = 0; i < frames; i++) {
        f.number = i;
        f.timestamp = (double)i;
        vg_vpdq_append(v, &f, NULL);
        flip(&f.hash, 8 + (int)(next_random() % 17));
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_query(const vg_index *x, const char *what, const vg_vpdq *video)
{
    vg_vpdq_set set;
    vg_vpdq_set_from(video, VG_VPDQ_QUALITY_THRESHOLD, &set, NULL);
    vg_index_video_matches found = {0};
    double first = 0, best = 1e300;
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        vg_error err;
        if (vg_index_search_vpdq(x, &set, NULL, &found, &err) != VG_OK) {
            fprintf(stderr, "vg-bench-video match: %s\n", err.message);
            exit(1);
        }
        double t = now() - t0;
        if (round == 0)
            first = t;
        if (t < best)
            best = t;
    }
    printf("%-8s %4zu frames: best %7.2f ms, first %7.2f ms; %zu match", what, set.count,
           best * 1e3, first * 1e3, found.count);
    if (found.count) {
        vg_index_entry e;
        vg_index_entry_get(x, found.items[0].entry, &e, NULL);
        printf(" (%.*s, %.1f %% / %.1f %%)", (int)e.id_len, e.id,
               found.items[0].similarity.query_percent,
               found.items[0].similarity.compared_percent);
    }
    printf("\n");
    vg_index_video_matches_free(&found);
    vg_vpdq_set_free(&set);
}

int bench_video_match(int argc, char **argv)
{
    size_t videos = 100000, frames = 60;
    const char *work = "/tmp/vigie-bench-video";
    state = 1;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--videos"))
            videos = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--frames"))
            frames = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seed"))
            state = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--work"))
            work = argv[i + 1];
        else
            return fprintf(stderr, "vg-bench-video match: unknown option %s\n", argv[i]), 2;
    }
    if (!videos || !frames)
        return fprintf(stderr, "vg-bench-video match: --videos and --frames must be > 0\n"), 2;
    mkdir(work, 0700);
    char path[4096];
    snprintf(path, sizeof path, "%s/videos-%zu-%zu.idx", work, videos, frames);

    double t0 = now();
    vg_index_builder *b;
    vg_error err;
    uint32_t bank;
    if (vg_index_builder_new(&b, &err) != VG_OK ||
        vg_index_builder_add_bank(b, "synthetic", NULL, 0, &bank, &err) != VG_OK)
        return fprintf(stderr, "vg-bench-video match: %s\n", err.message), 1;
    vg_vpdq video = VG_VPDQ_INIT, known = VG_VPDQ_INIT;
    for (size_t v = 0; v < videos; v++) {
        walk(&video, frames);
        if (v == videos / 2)
            for (size_t i = 0; i < video.count; i++)
                vg_vpdq_append(&known, &video.frames[i], NULL);
        char id[32];
        int n = snprintf(id, sizeof id, "video-%zu", v);
        vg_bank_entry e = {.type = VG_SIGNAL_VPDQ, .video = &video, .id = id,
                           .id_len = (size_t)n, .metadata = ""};
        if (vg_index_builder_add(b, bank, &e, &err) != VG_OK)
            return fprintf(stderr, "vg-bench-video match: %s\n", err.message), 1;
    }
    if (vg_index_builder_write(b, path, &err) != VG_OK)
        return fprintf(stderr, "vg-bench-video match: %s\n", err.message), 1;
    vg_index_builder_free(b);
    double built = now() - t0;
    vg_index *x = NULL;
    if (vg_index_open(path, &x, &err) != VG_OK)
        return fprintf(stderr, "vg-bench-video match: %s\n", err.message), 1;
    vg_index_stats stats;
    vg_index_get_stats(x, &stats);
    printf("# vPDQ matching: %zu videos of %zu frames (%llu PDQ entries), one thread\n", videos,
           frames, (unsigned long long)stats.entries);
    printf("build %.1f s, index file %.0f MiB\n", built, (double)stats.file_bytes / 1048576.0);

    for (size_t i = 0; i < known.count; i++)
        flip(&known.frames[i].hash, (int)(next_random() % 21));
    run_query(x, "known", &known);
    walk(&video, frames);
    run_query(x, "unknown", &video);
    vg_index_close(x);
    vg_vpdq_free(&video);
    vg_vpdq_free(&known);
    return 0;
}
