/*
 * vg-bench-robust - vigie's side of bench/robust/run: signals of pictures,
 * how every query compares with every bank picture, and hashing speed.
 * Figures and rows on stdout; nothing is asserted.
 *
 *   vg-bench-robust pairs BANK_LIST QUERY_LIST
 *     Each list holds one image path per line. Prints CSV, one row per
 *     (query, bank picture) pair and one per pair of bank pictures:
 *       query,bank,pdq,trimmed,patch,mirrored
 *     pdq: the least distance between the query's eight dihedral PDQ and
 *     the bank picture's canonical PDQ; trimmed: the least distance between
 *     any of the query's PDQ or trimmed PDQ (all variants) and the bank's
 *     PDQ or trimmed PDQ (as the index does it); patch: the patch-set score
 *     (inliers) of the query against the bank's VG_PATCH_BANK_COUNT
 *     strongest patches; -1 where a signal is missing.
 *   vg-bench-robust index BANK_LIST QUERY_LIST EXTRA SEED
 *     A patch index of the bank pictures (numbers 0..) plus EXTRA synthetic
 *     pictures made of real patches (drawn from all the lists' pictures,
 *     2 to 6 random bits flipped each, random places): build time and
 *     memory, then every query searched twice on one thread (the second
 *     pass is timed). One row per query: query,own,own_inliers,false_hits
 *     (own: its original, the bank picture of the same stem, was found).
 *   vg-bench-robust speed LIST ROUNDS
 *     Hash every file of LIST from memory, ROUNDS times, alternating PDQ
 *     only and PDQ with the robust signals; prints images/s and MB/s of
 *     each (per CPU second of this thread) and their ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigie/vigie.h"
#include "vigie/filehash.h"
#include "vigie/patch.h"

typedef struct picture {
    char *path;
    vg_filehash fh;
    bool ok;
} picture;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the machine may be shared, and "per core" is
 * what the figures mean. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char **read_list(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t n = 0, cap = 64;
    char **list = malloc(cap * sizeof *list);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        if (n == cap)
            list = realloc(list, (cap *= 2) * sizeof *list);
        list[n++] = strdup(line);
    }
    fclose(f);
    *count = n;
    return list;
}

static picture *hash_all(char **paths, size_t n)
{
    vg_filehash_options opts = {.pdq = true, .dihedral = true, .robust = true};
    vg_filehasher *h;
    vg_error err;
    if (vg_filehasher_new(&opts, &h, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.message);
        exit(2);
    }
    picture *pics = calloc(n, sizeof *pics);
    for (size_t i = 0; i < n; i++) {
        pics[i].path = paths[i];
        pics[i].ok = vg_filehasher_path(h, paths[i], &pics[i].fh, &err) == VG_OK &&
                     pics[i].fh.has_pdq && pics[i].fh.has_robust;
        if (!pics[i].ok)
            fprintf(stderr, "vg-bench-robust: %s: %s\n", paths[i], err.message);
    }
    vg_filehasher_free(h);
    return pics;
}

static int min_pdq(const vg_pdq_result *query, const vg_pdq_hash *bank)
{
    int best = 256;
    for (int v = 0; v < VG_PDQ_DIHEDRAL_COUNT; v++) {
        int d = vg_pdq_distance(&query->hashes[v], bank);
        if (d < best)
            best = d;
    }
    return best;
}

static void compare(const picture *q, const picture *b)
{
    int pdq = -1, trimmed = -1, patch = -1;
    bool mirrored = false;
    if (q->ok && b->ok) {
        pdq = min_pdq(&q->fh.pdq, &b->fh.pdq.hashes[0]);
        trimmed = pdq;
        const vg_pdq_hash *banks[2] = {&b->fh.pdq.hashes[0],
                                       b->fh.has_trimmed ? &b->fh.trimmed.hashes[0] : NULL};
        const vg_pdq_result *queries[2] = {&q->fh.pdq, q->fh.has_trimmed ? &q->fh.trimmed : NULL};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                if (queries[i] && banks[j]) {
                    int d = min_pdq(queries[i], banks[j]);
                    if (d < trimmed)
                        trimmed = d;
                }
        vg_patchset bank_set = b->fh.patchset;
        if (bank_set.count > VG_PATCH_BANK_COUNT)
            bank_set.count = VG_PATCH_BANK_COUNT;
        vg_patch_verdict v;
        patch = vg_patchset_compare(&q->fh.patchset, &bank_set, &v);
        mirrored = v.mirrored;
    }
    printf("%s,%s,%d,%d,%d,%d\n", q->path, b->path, pdq, trimmed, patch, mirrored);
}

static int cmd_pairs(char **argv)
{
    size_t nb, nq;
    char **bank_paths = read_list(argv[2], &nb);
    char **query_paths = read_list(argv[3], &nq);
    picture *bank = hash_all(bank_paths, nb);
    picture *queries = hash_all(query_paths, nq);
    printf("query,bank,pdq,trimmed,patch,mirrored\n");
    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < nb; j++)
            compare(&queries[i], &bank[j]);
    for (size_t i = 0; i < nb; i++)
        for (size_t j = i + 1; j < nb; j++)
            compare(&bank[i], &bank[j]);
    return 0;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static long rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib / 1024;
}

/* "dir/stem--edit.jpg" and "dir/stem.jpg" share the stem. */
static bool same_stem(const char *query, const char *bank)
{
    const char *q = strrchr(query, '/'), *b = strrchr(bank, '/');
    q = q ? q + 1 : query;
    b = b ? b + 1 : bank;
    const char *sep = strstr(q, "--"), *dot = strrchr(b, '.');
    return sep && dot && sep - q == dot - b && !strncmp(q, b, (size_t)(sep - q));
}

static int cmd_index(char **argv)
{
    size_t nb, nq;
    char **bank_paths = read_list(argv[2], &nb);
    char **query_paths = read_list(argv[3], &nq);
    uint64_t extra = strtoull(argv[4], NULL, 10);
    rng_state = strtoull(argv[5], NULL, 10);
    picture *bank = hash_all(bank_paths, nb);
    picture *queries = hash_all(query_paths, nq);

    size_t pool_n = 0;
    vg_patch *pool = malloc((nb + nq) * VG_PATCH_MAX * sizeof *pool);
    for (size_t i = 0; i < nb + nq; i++) {
        const picture *p = i < nb ? &bank[i] : &queries[i - nb];
        for (uint32_t k = 0; p->ok && k < p->fh.patchset.count; k++)
            pool[pool_n++] = p->fh.patchset.items[k];
    }
    vg_error err;
    vg_patch_index_builder *b;
    double t0 = now();
    if (vg_patch_index_builder_new(&b, &err) != VG_OK ||
        vg_patch_index_builder_reserve(b, (nb + extra) * VG_PATCH_BANK_COUNT, &err) != VG_OK)
        return fprintf(stderr, "%s\n", err.message), 2;
    for (size_t i = 0; i < nb; i++) {
        vg_patchset set = bank[i].fh.patchset;
        if (set.count > VG_PATCH_BANK_COUNT)
            set.count = VG_PATCH_BANK_COUNT;
        if (vg_patch_index_builder_add(b, (uint32_t)i, &set, &err) != VG_OK)
            return fprintf(stderr, "%s\n", err.message), 2;
    }
    /* Synthetic patches: half are a real patch with every bit flipped with
     * probability about 0.3 (clusters around real content), half draw each
     * bit with its frequency among real patches (the skew of real hashes). */
    uint8_t bit_share[64];
    for (int k = 0; k < 64; k++) {
        size_t ones = 0;
        for (size_t i = 0; i < pool_n; i++)
            ones += pool[i].hash >> k & 1;
        bit_share[k] = (uint8_t)(256.0 * (double)ones / (double)pool_n > 255 ? 255
                                 : 256.0 * (double)ones / (double)pool_n);
    }
    vg_patchset synth;
    for (uint64_t i = 0; i < extra; i++) {
        synth.count = VG_PATCH_BANK_COUNT;
        for (uint32_t k = 0; k < synth.count; k++) {
            vg_patch p = pool[rng() % pool_n];
            if (rng() & 1) {
                /* P(a & b) + P(not (a & b)) P(c & d & e & f) = 1/4 + 3/64 */
                uint64_t a = rng(), b = rng(), c = rng(), d = rng(), e = rng(), f = rng();
                p.hash ^= (a & b) | (c & d & e & f);
            } else {
                uint64_t bits = 0;
                for (int w = 0; w < 8; w++) {
                    uint64_t r = rng();
                    for (int j = 0; j < 8; j++)
                        bits |= (uint64_t)((uint8_t)(r >> (8 * j)) < bit_share[8 * w + j])
                                << (8 * w + j);
                }
                p.hash = bits;
            }
            p.x = (uint16_t)(rng() % 4096);
            p.y = (uint16_t)(rng() % 4096);
            synth.items[k] = p;
        }
        if (vg_patch_index_builder_add(b, (uint32_t)(nb + i), &synth, &err) != VG_OK)
            return fprintf(stderr, "%s\n", err.message), 2;
    }
    vg_patch_index ix;
    if (vg_patch_index_builder_finish(b, &ix, &err) != VG_OK)
        return fprintf(stderr, "%s\n", err.message), 2;
    double t1 = now();
    uint32_t largest = 0;
    for (uint64_t k = 0; k < (1ull << ix.key_bits); k++)
        if (ix.directory[k + 1] - ix.directory[k] > largest)
            largest = ix.directory[k + 1] - ix.directory[k];
    fprintf(stderr, "pictures=%zu patches=%llu key_bits=%u largest_bucket=%u build_s=%.2f "
                    "index_mib=%.0f rss_mib=%ld\n",
            nb + (size_t)extra, (unsigned long long)ix.count, ix.key_bits, largest, t1 - t0,
            (double)(ix.count * sizeof(vg_patch_entry) + ((1ull << ix.key_bits) + 1) * 4) / 1048576,
            rss_mib());

    vg_patch_search s = {0};
    size_t searched = 0;
    double elapsed = 0, cpu = 0;
    printf("query,own,own_inliers,false_hits\n");
    for (int pass = 0; pass < 2; pass++) {
        double p0 = now(), c0 = cpu_now();
        for (size_t i = 0; i < nq; i++) {
            if (!queries[i].ok)
                continue;
            if (vg_patch_index_search(&ix, &queries[i].fh.patchset, VG_PATCH_MIN_INLIERS, &s,
                                      &err) != VG_OK)
                return fprintf(stderr, "%s\n", err.message), 2;
            if (pass == 0)
                continue;
            searched++;
            int own = 0, own_inliers = 0, false_hits = 0;
            for (size_t h = 0; h < s.count; h++) {
                uint32_t pic = s.hits[h].picture;
                if (pic < nb && same_stem(queries[i].path, bank[pic].path)) {
                    own = 1;
                    own_inliers = s.hits[h].verdict.inliers;
                } else {
                    false_hits++;
                }
            }
            printf("%s,%d,%d,%d\n", queries[i].path, own, own_inliers, false_hits);
        }
        if (pass == 1) {
            elapsed = now() - p0;
            cpu = cpu_now() - c0;
        }
    }
    fprintf(stderr, "lookups=%zu lookups_per_s_wall=%.0f lookups_per_s_cpu=%.0f\n", searched,
            (double)searched / elapsed, (double)searched / cpu);
    vg_patch_search_free(&s);
    vg_patch_index_builder_free(b);
    return 0;
}

/* CPU seconds of one pass (the machine may be shared: wall time would
 * measure the neighbours). */
static double time_round(vg_filehasher *h, uint8_t **data, size_t *len, size_t n)
{
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        vg_filehash out;
        vg_filehasher_buffer(h, data[i], len[i], "bench", &out, NULL);
    }
    return cpu_now() - t0;
}

static int cmd_speed(char **argv)
{
    size_t n;
    char **paths = read_list(argv[2], &n);
    int rounds = atoi(argv[3]);
    uint8_t **data = calloc(n, sizeof *data);
    size_t *len = calloc(n, sizeof *len), bytes = 0;
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        len[i] = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        data[i] = malloc(len[i]);
        if (fread(data[i], 1, len[i], f) != len[i])
            len[i] = 0;
        fclose(f);
        bytes += len[i];
    }
    vg_filehash_options plain = {.pdq = true}, robust = {.pdq = true, .robust = true};
    vg_filehasher *hp, *hr;
    if (vg_filehasher_new(&plain, &hp, NULL) != VG_OK ||
        vg_filehasher_new(&robust, &hr, NULL) != VG_OK)
        return 2;
    double tp = 0, tr = 0;
    for (int r = 0; r < rounds; r++) {
        tp += time_round(hp, data, len, n);
        tr += time_round(hr, data, len, n);
    }
    double images = (double)n * rounds, mb = (double)bytes * rounds / 1e6;
    printf("files=%zu rounds=%d\n", n, rounds);
    printf("pdq_only images_per_s=%.1f mb_per_s=%.1f\n", images / tp, mb / tp);
    printf("pdq_robust images_per_s=%.1f mb_per_s=%.1f\n", images / tr, mb / tr);
    printf("ratio=%.3f\n", tp / tr);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "pairs"))
        return cmd_pairs(argv);
    if (argc == 6 && !strcmp(argv[1], "index"))
        return cmd_index(argv);
    if (argc == 4 && !strcmp(argv[1], "speed"))
        return cmd_speed(argv);
    fprintf(stderr, "usage: vg-bench-robust pairs BANK_LIST QUERY_LIST\n"
                    "       vg-bench-robust index BANK_LIST QUERY_LIST EXTRA SEED\n"
                    "       vg-bench-robust speed LIST ROUNDS\n");
    return 2;
}
