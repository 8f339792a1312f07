/*
 * vg-bench-store: how many reports per second the hotline makes durable
 * without HTTP, when THREADS writers submit at once through the intake use
 * case (hotline/intake.h: case joining, the write, automatic assessment,
 * in one transaction that returns only after its group commit's fsync),
 * and the latency of one submission.
 *
 * usage: vg-bench-store DIR [THREADS [SECONDS [DATABASE_URL [CONNECTIONS]]]]
 * (DATABASE_URL: PostgreSQL instead of SQLite in DIR, with CONNECTIONS in
 * its pool, store.connections)
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/intake.h"

#define MAX_SAMPLES 2000000

static vg_hotline *hotline;
static atomic_int stop, failures;
static atomic_long done;
static double *samples;
static atomic_long sample_count;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
    long index = (long)arg, n = 0;
    while (!atomic_load(&stop)) {
        char url[96];
        snprintf(url, sizeof url, "https://example.test/%ld/%ld", index, n);
        n++;
        vg_intake_draft d;
        vg_report_ack ack = {0};
        double t0 = now();
        if (vg_intake_draft_init(&d, "api", NULL) != VG_OK ||
            vg_intake_draft_url(&d, url, NULL) != VG_OK ||
            vg_hotline_submit(hotline, &d, NULL, (int64_t)time(NULL), &ack, NULL) != VG_OK) {
            vg_intake_draft_free(hotline, &d);
            atomic_fetch_add(&failures, 1);
            continue;
        }
        double t1 = now();
        vg_report_ack_clear(&ack);
        vg_intake_draft_free(hotline, &d);
        atomic_fetch_add(&done, 1);
        long k = atomic_fetch_add(&sample_count, 1);
        if (k < MAX_SAMPLES)
            samples[k] = t1 - t0;
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: vg-bench-store DIR [THREADS [SECONDS [DATABASE_URL [CONNECTIONS]]]]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 64;
    double seconds = argc > 3 ? atof(argv[3]) : 5;
    if (threads < 1 || threads > 4096 || seconds <= 0)
        return 2;
    vg_error err;
    vg_config *cfg = NULL;
    if (vg_config_new(&cfg, &err) != VG_OK ||
        vg_config_set(cfg, "data_dir", argv[1], &err) != VG_OK ||
        (argc > 4 && vg_config_set(cfg, "database", argv[4], &err) != VG_OK) ||
        (argc > 5 && vg_config_set(cfg, "store.connections", argv[5], &err) != VG_OK) ||
        vg_hotline_open(cfg, NULL, &hotline, &err) != VG_OK) {
        fprintf(stderr, "vg-bench-store: %s\n", err.message);
        return 1;
    }
    samples = malloc(MAX_SAMPLES * sizeof *samples);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    double start = now();
    for (long i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, writer, (void *)i);
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double elapsed = now() - start;
    vg_store_stats stats;
    vg_hotline_store_stats(hotline, &stats);
    vg_hotline_free(hotline);
    vg_config_free(cfg);
    long n = atomic_load(&sample_count);
    if (n > MAX_SAMPLES)
        n = MAX_SAMPLES;
    qsort(samples, (size_t)n, sizeof *samples, cmp);
    printf("store: %d writers, %.1f s: %ld durable reports, %.0f reports/s, %d failures\n",
           threads, elapsed, atomic_load(&done), (double)atomic_load(&done) / elapsed,
           atomic_load(&failures));
    printf("store: %" PRIu64 " commits, %.1f reports per commit on average\n", stats.commits,
           stats.commits ? (double)stats.writes / (double)stats.commits : 0.0);
    if (stats.round_trips)
        printf("store: %" PRIu64 " round trips to the database, %.1f per report\n",
               stats.round_trips,
               atomic_load(&done) ? (double)stats.round_trips / (double)atomic_load(&done) : 0.0);
    if (n)
        printf("store: insert latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               samples[n / 2] * 1e3, samples[n * 9 / 10] * 1e3, samples[n * 99 / 100] * 1e3,
               samples[n - 1] * 1e3);
    free(samples);
    free(th);
    return 0;
}
