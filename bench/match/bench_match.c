/*
 * vg-bench-match - vigie's side of bench/match/run: one thread, figures on
 * stdout as "key=value" lines; nothing is asserted.
 *
 *   vg-bench-match pdq BANK.bin QUERIES.bin INDEX RADIUS RESULTS.bin
 *     BANK.bin and QUERIES.bin hold raw 32-byte hashes. Builds INDEX from
 *     the bank (streamed from the file into the builder), opens it, answers
 *     every query and writes (query, entry) pairs as u32 to RESULTS.bin.
 *   vg-bench-match exact ENTRIES LOOKUPS INDEX
 *     A random sha256 bank of ENTRIES; LOOKUPS batched lookups, half hits.
 *   vg-bench-match query INDEX QUERIES.bin RADIUS
 *     Open an existing index and time the queries alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "vigie/index.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: on a machine shared with other jobs, wall
 * time also counts the time spent waiting for a core. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long current_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static int fail(const char *what, const vg_error *err)
{
    fprintf(stderr, "vg-bench-match: %s: %s\n", what, err->message);
    return 1;
}

static int bench_pdq(char **argv)
{
    const char *bank_path = argv[2], *query_path = argv[3], *index_path = argv[4];
    int radius = atoi(argv[5]);
    const char *results_path = argv[6];
    vg_error err;
    double t0 = now(), c0 = cpu_now();
    vg_index_builder *b;
    uint32_t bank;
    if (vg_index_builder_new(&b, &err) != VG_OK ||
        vg_index_builder_add_bank(b, "bench", NULL, 0, &bank, &err) != VG_OK)
        return fail("builder", &err);
    FILE *f = fopen(bank_path, "rb");
    if (!f)
        return perror(bank_path), 1;
    vg_bank_entry e = {.type = VG_SIGNAL_PDQ, .metadata = "", .metadata_len = 0};
    char id[24];
    uint64_t n = 0;
    static uint8_t block[32 * 4096];
    size_t got;
    while ((got = fread(block, 32, 4096, f)) > 0) {
        for (size_t i = 0; i < got; i++) {
            memcpy(e.value, block + 32 * i, 32);
            e.id_len = (size_t)snprintf(id, sizeof id, "%llu", (unsigned long long)n++);
            e.id = id;
            if (vg_index_builder_add(b, bank, &e, &err) != VG_OK)
                return fail("add", &err);
        }
    }
    fclose(f);
    double t_loaded = now();
    if (vg_index_builder_write(b, index_path, &err) != VG_OK)
        return fail("write", &err);
    vg_index_builder_free(b);
    double t_built = now(), c_built = cpu_now();
    long build_peak = peak_rss_kib();

    vg_index *x;
    if (vg_index_open(index_path, &x, &err) != VG_OK)
        return fail("open", &err);
    double t_open = now();

    size_t qlen;
    FILE *qf = fopen(query_path, "rb");
    if (!qf)
        return perror(query_path), 1;
    fseek(qf, 0, SEEK_END);
    qlen = (size_t)ftell(qf) / 32;
    fseek(qf, 0, SEEK_SET);
    vg_pdq_hash *queries = malloc(qlen * sizeof *queries);
    if (fread(queries, 32, qlen, qf) != qlen)
        return perror(query_path), 1;
    fclose(qf);
    FILE *out = fopen(results_path, "wb");
    if (!out)
        return perror(results_path), 1;
    vg_index_matches m = {0};
    uint64_t matches = 0;
    double q0 = now();
    for (size_t i = 0; i < qlen; i++) {
        if (vg_index_search_pdq(x, &queries[i], radius, &m, &err) != VG_OK)
            return fail("search", &err);
        for (size_t k = 0; k < m.count; k++) {
            uint32_t pair[2] = {(uint32_t)i, (uint32_t)m.items[k].entry};
            fwrite(pair, 4, 2, out);
        }
        matches += m.count;
    }
    double q1 = now();
    fclose(out);
    /* A second pass: the first one also paid the page faults of mapping
     * the index (each 4 KiB page is touched once); this one is steady state. */
    double w0 = now(), cw0 = cpu_now();
    for (size_t i = 0; i < qlen; i++)
        if (vg_index_search_pdq(x, &queries[i], radius, &m, &err) != VG_OK)
            return fail("search", &err);
    double w1 = now(), cw1 = cpu_now();
    printf("entries=%llu\nqueries=%zu\nradius=%d\nmatches=%llu\n", (unsigned long long)n, qlen,
           radius, (unsigned long long)matches);
    printf("load_s=%.3f\nbuild_s=%.3f\nopen_s=%.6f\nquery_s=%.3f\nqps_first_pass=%.0f\n"
           "qps=%.0f\nus_per_query=%.1f\n",
           t_loaded - t0, t_built - t0, t_open - t_built, q1 - q0, qlen / (q1 - q0),
           qlen / (w1 - w0), (w1 - w0) * 1e6 / qlen);
    printf("build_cpu_s=%.3f\nqps_cpu=%.0f\n", c_built - c0, qlen / (cw1 - cw0));
    printf("peak_rss_build_mib=%.0f\nrss_query_mib=%.0f\npeak_rss_mib=%.0f\n",
           build_peak / 1024.0, current_rss_kib() / 1024.0, peak_rss_kib() / 1024.0);
    vg_index_matches_free(&m);
    free(queries);
    vg_index_close(x);
    return 0;
}

static uint64_t state = 12345;
static uint64_t next(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int bench_exact(char **argv)
{
    uint64_t n = strtoull(argv[2], NULL, 10), lookups = strtoull(argv[3], NULL, 10);
    const char *index_path = argv[4];
    vg_error err;
    vg_index_builder *b;
    uint32_t bank;
    if (vg_index_builder_new(&b, &err) != VG_OK ||
        vg_index_builder_add_bank(b, "bench", NULL, 0, &bank, &err) != VG_OK)
        return fail("builder", &err);
    uint64_t seed = state;
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "x", .id_len = 1, .metadata = ""};
    double t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        for (int w = 0; w < 4; w++) {
            uint64_t v = next();
            memcpy(e.value + 8 * w, &v, 8);
        }
        if (vg_index_builder_add(b, bank, &e, &err) != VG_OK)
            return fail("add", &err);
    }
    if (vg_index_builder_write(b, index_path, &err) != VG_OK)
        return fail("write", &err);
    vg_index_builder_free(b);
    double t1 = now();
    vg_index *x;
    if (vg_index_open(index_path, &x, &err) != VG_OK)
        return fail("open", &err);
    /* Lookups: even ones replay the bank's values (hits), odd ones are new. */
    uint8_t *values = malloc(lookups * 32);
    uint32_t *found = malloc(lookups * 4);
    state = seed;
    for (uint64_t i = 0; i < lookups; i++) {
        uint64_t skip = i % 2 == 0 ? 1 : 0;
        for (int w = 0; w < 4; w++) {
            uint64_t v = skip ? next() : next() ^ 0x5555;
            memcpy(values + i * 32 + 8 * w, &v, 8);
        }
    }
    double q0 = now();
    const size_t chunk = 4096;
    uint64_t hits = 0;
    for (uint64_t i = 0; i < lookups; i += chunk) {
        size_t c = lookups - i < chunk ? lookups - i : chunk;
        vg_index_count_exact_batch(x, VG_SIGNAL_SHA256, values + i * 32, c, found + i, &err);
    }
    double q1 = now();
    for (uint64_t i = 0; i < lookups; i++)
        hits += found[i];
    /* Single lookups, for comparison. */
    vg_index_matches m = {0};
    uint64_t single = lookups < 1000000 ? lookups : 1000000, hits1 = 0;
    double s0 = now();
    for (uint64_t i = 0; i < single; i++) {
        vg_index_find_exact(x, VG_SIGNAL_SHA256, values + i * 32, &m, &err);
        hits1 += m.count;
    }
    double s1 = now();
    printf("entries=%llu\nlookups=%llu\nhits=%llu\nbuild_s=%.3f\n", (unsigned long long)n,
           (unsigned long long)lookups, (unsigned long long)hits, t1 - t0);
    printf("batch_lookups_per_s=%.0f\nsingle_lookups_per_s=%.0f\nsingle_hits=%llu\n",
           lookups / (q1 - q0), single / (s1 - s0), (unsigned long long)hits1);
    printf("peak_rss_mib=%.0f\n", peak_rss_kib() / 1024.0);
    vg_index_matches_free(&m);
    free(values);
    free(found);
    vg_index_close(x);
    return 0;
}

/* Open an existing index and time the queries only (for profiling). */
static int bench_query(char **argv)
{
    vg_error err;
    vg_index *x;
    double t0 = now();
    if (vg_index_open(argv[2], &x, &err) != VG_OK)
        return fail("open", &err);
    double t1 = now();
    FILE *qf = fopen(argv[3], "rb");
    if (!qf)
        return perror(argv[3]), 1;
    vg_pdq_hash q;
    vg_index_matches m = {0};
    size_t count = 0, matches = 0;
    int radius = atoi(argv[4]);
    double q0 = now();
    while (fread(q.bytes, 32, 1, qf) == 1) {
        if (vg_index_search_pdq(x, &q, radius, &m, &err) != VG_OK)
            return fail("search", &err);
        matches += m.count;
        count++;
    }
    double q1 = now();
    fclose(qf);
    printf("open_s=%.6f\nqueries=%zu\nmatches=%zu\nqps=%.0f\nrss_mib=%.0f\n", t1 - t0, count,
           matches, count / (q1 - q0), current_rss_kib() / 1024.0);
    vg_index_matches_free(&m);
    vg_index_close(x);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "query"))
        return bench_query(argv);
    if (argc == 7 && !strcmp(argv[1], "pdq"))
        return bench_pdq(argv);
    if (argc == 5 && !strcmp(argv[1], "exact"))
        return bench_exact(argv);
    fprintf(stderr, "usage: vg-bench-match pdq BANK.bin QUERIES.bin INDEX RADIUS RESULTS.bin\n"
                    "       vg-bench-match exact ENTRIES LOOKUPS INDEX\n"
                    "       vg-bench-match query INDEX QUERIES.bin RADIUS\n");
    return 2;
}
