/*
 * bench/blocklist: a blocking list member's client (vigie/blclient.h) with
 * a list of N listed URLs (synthetic: "http://siteK.example/p/I.jpg"):
 *   - the whole prefix set as the server sends it (bytes) and the time to
 *     apply it (parse, sort, checksum);
 *   - an update of 1,000 changes (500 removed, 500 added): its bytes, the
 *     time to apply it;
 *   - checks per second of URLs that are not listed (what nearly all of a
 *     member's traffic is: decided from the local prefixes alone), against
 *     a baseline in the same run: the same canonicalisation, expressions
 *     and SHA-256, looked up in an in-memory hash set of the listed
 *     expressions' full hashes (what a member holding the full hashes would
 *     do), and the memory of each (4 bytes a prefix, 32 a full hash).
 * The answers are written here in the members API's format
 * (src/server/api/blocklist.c) so that the bench needs no server with a
 * million entries; a check whose prefix hits (a false positive) would ask
 * a server that does not exist, and is counted.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigie/blclient.h"
#include "vigie/urlhash.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int order(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static size_t unique(uint32_t *p, size_t n)
{
    qsort(p, n, sizeof *p, order);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || p[k - 1] != p[i])
            p[k++] = p[i];
    return k;
}

static void listed_expression(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "site%zu.example/p/%zu.jpg", i % 50000, i);
}

static void checksum_hex(const uint32_t *set, size_t n, char hex[65])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++) {
        unsigned char b[4] = {(unsigned char)(set[i] >> 24), (unsigned char)(set[i] >> 16),
                              (unsigned char)(set[i] >> 8), (unsigned char)set[i]};
        crypto_hash_sha256_update(&st, b, 4);
    }
    unsigned char d[32];
    crypto_hash_sha256_final(&st, d);
    sodium_bin2hex(hex, 65, d, 32);
}

/* An answer of /api/v1/blocklist/prefixes, as the server writes it. */
static char *answer(int64_t version, int reset, const uint32_t *add, size_t na,
                    const uint32_t *del, size_t nd, const uint32_t *set, size_t n, size_t *len)
{
    char *body = NULL;
    FILE *f = open_memstream(&body, len);
    char sum[65];
    checksum_hex(set, n, sum);
    fprintf(f, "{\"version\":%" PRId64 ",\"reset\":%s,\"additions\":[", version,
            reset ? "true" : "false");
    for (size_t i = 0; i < na; i++)
        fprintf(f, "%s\"%08" PRIx32 "\"", i ? "," : "", add[i]);
    fputs("],\"removals\":[", f);
    for (size_t i = 0; i < nd; i++)
        fprintf(f, "%s\"%08" PRIx32 "\"", i ? "," : "", del[i]);
    fprintf(f, "],\"count\":%zu,\"checksum\":\"%s\"}\n", n, sum);
    fclose(f);
    return body;
}

/* The baseline's set: open addressing over full hashes. */
typedef struct full_set {
    unsigned char *slots; /* 32 bytes each, all zero: empty */
    size_t mask;
} full_set;

static size_t slot_of(const unsigned char *h, size_t mask)
{
    uint64_t v;
    memcpy(&v, h + 8, sizeof v);
    return (size_t)v & mask;
}

static void full_put(full_set *s, const unsigned char *h)
{
    static const unsigned char zero[32];
    size_t i = slot_of(h, s->mask);
    while (memcmp(s->slots + 32 * i, zero, 32) && memcmp(s->slots + 32 * i, h, 32))
        i = (i + 1) & s->mask;
    memcpy(s->slots + 32 * i, h, 32);
}

static int full_has(const full_set *s, const unsigned char *h)
{
    static const unsigned char zero[32];
    for (size_t i = slot_of(h, s->mask);; i = (i + 1) & s->mask) {
        if (!memcmp(s->slots + 32 * i, h, 32))
            return 1;
        if (!memcmp(s->slots + 32 * i, zero, 32))
            return 0;
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    double seconds = argc > 2 ? atof(argv[2]) : 5;
    if (sodium_init() < 0 || n < 1000)
        return 2;
    char expr[256];
    unsigned char full[32];
    uint32_t *prefixes = malloc(n * sizeof *prefixes);
    size_t slots = 1;
    while (slots < 2 * n)
        slots <<= 1;
    full_set baseline = {calloc(slots, 32), slots - 1};
    double t0 = now_seconds();
    for (size_t i = 0; i < n; i++) {
        listed_expression(i, expr, sizeof expr);
        vg_urlhash_full(expr, strlen(expr), full);
        prefixes[i] = vg_urlhash_prefix(full);
        full_put(&baseline, full);
    }
    double hashed = now_seconds() - t0;
    size_t count = unique(prefixes, n);

    /* the whole set, then 1,000 changes: entries 0..499 removed, N..N+499 added */
    size_t whole_len = 0;
    t0 = now_seconds();
    char *whole = answer(1, 1, prefixes, count, NULL, 0, prefixes, count, &whole_len);
    double built = now_seconds() - t0;
    vg_blclient_options o = {.server = "http://127.0.0.1:1", .key = "vg_bench",
                             .allow_local = true, .timeout_seconds = 1};
    vg_blclient *c = NULL;
    vg_error err;
    if (vg_blclient_new(&o, &c, &err) != VG_OK)
        return 1;
    t0 = now_seconds();
    if (vg_blclient_apply_answer(c, whole, whole_len, NULL, &err) != VG_OK) {
        fprintf(stderr, "whole set: %s\n", err.message);
        return 1;
    }
    double applied = now_seconds() - t0;
    free(whole);
    uint32_t del[500], add[500];
    for (size_t i = 0; i < 500; i++) {
        listed_expression(i, expr, sizeof expr);
        vg_urlhash_full(expr, strlen(expr), full);
        del[i] = vg_urlhash_prefix(full);
        listed_expression(n + i, expr, sizeof expr);
        vg_urlhash_full(expr, strlen(expr), full);
        add[i] = vg_urlhash_prefix(full);
    }
    size_t nd = unique(del, 500), na = unique(add, 500);
    uint32_t *next = malloc((count + na) * sizeof *next);
    size_t m = 0;
    for (size_t i = 0; i < count; i++)
        if (!bsearch(&prefixes[i], del, nd, sizeof *del, order))
            next[m++] = prefixes[i];
    memcpy(next + m, add, na * sizeof *add);
    m = unique(next, m + na);
    size_t update_len = 0;
    char *update = answer(2, 0, add, na, del, nd, next, m, &update_len);
    t0 = now_seconds();
    if (vg_blclient_apply_answer(c, update, update_len, NULL, &err) != VG_OK) {
        fprintf(stderr, "update: %s\n", err.message);
        return 1;
    }
    double update_applied = now_seconds() - t0;
    free(update);

    /* checks of unlisted URLs, the client then the baseline, for the same time */
    size_t checked = 0, hits = 0;
    t0 = now_seconds();
    double spent = 0;
    char url[256];
    while (spent < seconds) {
        for (int k = 0; k < 256; k++, checked++) {
            snprintf(url, sizeof url, "http://www%zu.other.example/a/%zu.html?q=%zu",
                     checked % 70000, checked, checked % 7);
            vg_blclient_verdict v;
            if (vg_blclient_check(c, url, strlen(url), &v, &err) != VG_OK)
                hits++; /* a prefix hit asked the absent server */
            else if (v.listed)
                return 1;
            vg_blclient_verdict_clear(&v);
        }
        spent = now_seconds() - t0;
    }
    double client_rate = checked / spent;
    size_t base_checked = 0, base_listed = 0;
    t0 = now_seconds();
    spent = 0;
    while (spent < seconds) {
        for (int k = 0; k < 256; k++, base_checked++) {
            snprintf(url, sizeof url, "http://www%zu.other.example/a/%zu.html?q=%zu",
                     base_checked % 70000, base_checked, base_checked % 7);
            vg_urlhash_expressions ex;
            if (vg_urlhash_expressions_of(url, strlen(url), &ex, &err) != VG_OK)
                return 1;
            for (size_t i = 0; i < ex.count; i++) {
                vg_urlhash_full(ex.items[i], strlen(ex.items[i]), full);
                base_listed += (size_t)full_has(&baseline, full);
            }
            vg_urlhash_expressions_clear(&ex);
        }
        spent = now_seconds() - t0;
    }
    double base_rate = base_checked / spent;
    printf("listed,prefixes,hash_s,whole_bytes,whole_build_s,whole_apply_s,update_changes,"
           "update_bytes,update_apply_s,checks,checks_per_s,prefix_hits,baseline_checks_per_s,"
           "ratio,client_set_bytes,baseline_set_bytes\n");
    printf("%zu,%zu,%.2f,%zu,%.3f,%.3f,%zu,%zu,%.4f,%zu,%.0f,%zu,%.0f,%.3f,%zu,%zu\n", n,
           count, hashed, whole_len, built, applied, na + nd, update_len, update_applied, checked,
           client_rate, hits, base_rate, client_rate / base_rate, count * 4, slots * 32);
    vg_blclient_free(c);
    free(baseline.slots);
    free(prefixes);
    free(next);
    return base_listed ? 1 : 0;
}
