/*
 * bench/tlog/tlog_bench.c - appends to the transparency log per second,
 * with a signed checkpoint each second, against a baseline in the same
 * run: SHA-256 of the same entry texts (what any log must at least do).
 *
 *   vg-tlog-bench DIR SECONDS THREADS
 *
 * Appends run from THREADS threads, each its own durable write
 * transaction (as the blocking list's changes would: SQLite's writer
 * batches them into group commits); one more thread signs a checkpoint
 * every second as the server's job does. Prints figures; asserts nothing.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline/tlog.h"
#include "store/store.h"
#include "store/tlog.h"

static atomic_int stop;
static atomic_long appended, checkpoints;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct worker {
    vg_store *store;
    int id;
} worker;

static vg_status append_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    long n = *(long *)ctx;
    char url[64];
    snprintf(url, sizeof url, "http://listed%ld.example/page.html", n);
    vg_hotline_tlog_change c = {VG_TLOG_ADDED, 1796521500 + n, 1804297500,
                                "Code penal, art. 227-23", "csam",
                                "approved by a supervisor", url};
    return vg_hotline_tlog_append(tx, &c, NULL, err);
}

static void *append_loop(void *arg)
{
    worker *w = arg;
    long n = w->id * 100000000L;
    vg_error err;
    while (!atomic_load(&stop)) {
        if (vg_store_write(w->store, append_tx, &n, &err) != VG_OK) {
            fprintf(stderr, "append: %s\n", err.message);
            break;
        }
        n++;
        atomic_fetch_add(&appended, 1);
    }
    return NULL;
}

typedef struct signer_ctx {
    vg_store *store;
    vg_note_signer signer;
} signer_ctx;

static vg_status read_hashes(void *ctx, unsigned level, uint64_t index, size_t count,
                             unsigned char *out, vg_error *err)
{
    return vg_tx_tlog_hashes(ctx, level, index, count, out, err);
}

/* What the server's transparency job does (hotline/tlog.c), on a store
 * opened alone. */
static vg_status sign_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    signer_ctx *s = ctx;
    vg_tlog_checkpoint c = {"bench.example/transparency", 0, {0}};
    vg_status st = vg_tx_tlog_size(tx, &c.size, err);
    vg_tlog_reader r = {read_hashes, tx, VG_TLOG_MAX_LEVEL};
    if (st || (st = vg_tlog_tree_hash(&r, c.size, c.root, err)))
        return st;
    char *note;
    size_t len;
    if ((st = vg_tlog_checkpoint_sign(&c, &s->signer, &note, &len, err)))
        return st;
    st = vg_tx_tlog_checkpoint_put(tx, c.size, note, (int64_t)time(NULL), err);
    free(note);
    return st;
}

static void *sign_loop(void *arg)
{
    signer_ctx *s = arg;
    vg_error err;
    while (!atomic_load(&stop)) {
        sleep(1);
        if (vg_store_write(s->store, sign_tx, s, &err) != VG_OK) {
            fprintf(stderr, "checkpoint: %s\n", err.message);
            break;
        }
        atomic_fetch_add(&checkpoints, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4 || sodium_init() < 0) {
        fprintf(stderr, "usage: vg-tlog-bench DIR SECONDS THREADS\n");
        return 2;
    }
    int seconds = atoi(argv[2]), threads = atoi(argv[3]);
    if (threads < 1 || threads > 64)
        threads = 1;
    vg_store *store;
    vg_error err;
    if (vg_store_open(argv[1], NULL, &store, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    signer_ctx s = {store, {{0}, 0, {0}, {0}}};
    unsigned char seed[32] = {1};
    vg_note_signer_init(&s.signer, "bench.example/transparency", seed, NULL);
    pthread_t t[65];
    worker w[64];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){store, i};
        pthread_create(&t[i], NULL, append_loop, &w[i]);
    }
    pthread_create(&t[threads], NULL, sign_loop, &s);
    sleep((unsigned)seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i <= threads; i++)
        pthread_join(t[i], NULL);
    double log_s = now_s() - t0;
    long n = atomic_load(&appended);
    vg_store_close(store);

    /* baseline: SHA-256 of as many entry texts as were appended */
    vg_tlog_entry e = {VG_TLOG_ADDED, 1796521500, 1804297500, "Code penal, art. 227-23",
                       "csam", "approved by a supervisor", {0}};
    char *text;
    size_t len;
    vg_tlog_entry_encode(&e, &text, &len, NULL);
    unsigned char h[32];
    long rounds = n > 1000000 ? n : 1000000; /* enough to time */
    double b0 = now_s();
    for (long i = 0; i < rounds; i++) {
        text[len - 2] = (char)('a' + i % 6);
        crypto_hash_sha256(h, (unsigned char *)text, len);
    }
    double base_s = now_s() - b0;
    free(text);
    printf("appends,seconds,appends_per_s,checkpoints,sha256_per_s,ratio_log_to_sha256\n");
    printf("%ld,%.2f,%.0f,%ld,%.0f,%.6f\n", n, log_s, n / log_s, atomic_load(&checkpoints),
           rounds / base_s, (n / log_s) / (rounds / base_s));
    vg_note_signer_clear(&s.signer);
    return 0;
}
