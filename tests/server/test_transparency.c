/*
 * The blocking list's public transparency log, end to end: entries
 * appended in the callers' transactions (a refused change leaves no
 * entry), a checkpoint signed once per growth, and what /transparency/
 * serves: the verifier key, the signed checkpoint, tiles and entry bundles
 * with their cache headers, from which a reader rebuilds the tree and
 * finds the checkpoint's root.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "harness.h"
#include "hotline/tlog.h"
#include "server_test.h"
#include "store/store.h"
#include "vigie/tlog.h"

#define ORIGIN "test.example/transparency"
#define ENTRIES 300

typedef struct append_args {
    int i;
    int fail_after; /* make the caller's transaction fail after the append */
    int offset;     /* the entry's expected index is i - offset */
} append_args;

static vg_status append_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    append_args *a = ctx;
    char url[64], reason[64];
    snprintf(url, sizeof url, "http://listed%d.example/", a->i);
    snprintf(reason, sizeof reason, "approved\nby two people (%d)", a->i);
    vg_hotline_tlog_change c = {a->i % 3 == 2 ? VG_TLOG_REMOVED : VG_TLOG_ADDED,
                                1796521500 + a->i, a->i % 3 == 2 ? 0 : 1804297500,
                                "Code penal, art. 227-23", "csam", reason, url};
    int64_t index = -1;
    vg_status st = vg_hotline_tlog_append(tx, &c, &index, err);
    if (st == VG_OK && a->fail_after)
        return vg_error_set(err, VG_ERR_ABORTED, "the caller's change failed");
    if (st == VG_OK && index != a->i - a->offset)
        return vg_error_set(err, VG_ERR_CORRUPT, "index %lld for entry %d", (long long)index,
                            a->i);
    return st;
}

static int fetch(ts_server *t, const char *path, ts_response *r, long want)
{
    CHECK(ts_call(t, "GET", path, NULL, NULL, 0, r));
    CHECK_MSG(r->status == want, "%s: %ld, want %ld", path, r->status, want);
    return r->status == want;
}

static void check_cache(const ts_response *r, const char *want, const char *path)
{
    char v[128];
    CHECK_MSG(ts_header(r, "Cache-Control", v, sizeof v) && !strcmp(v, want),
              "%s: Cache-Control %s, want %s", path, ts_header(r, "Cache-Control", v, sizeof v)
              ? v : "(none)", want);
}

typedef struct bundle_ctx {
    unsigned char (*leaves)[32];
    size_t n;
    vg_tlog_entry first;
} bundle_ctx;

static int each_entry(void *ctx, const unsigned char *e, size_t len)
{
    bundle_ctx *b = ctx;
    if (b->n == 0)
        CHECK(vg_tlog_entry_parse((const char *)e, len, &b->first, NULL) == VG_OK);
    vg_tlog_leaf_hash(e, len, b->leaves[b->n++]);
    return 0;
}

static void test_log(void)
{
    ts_server t;
    if (!ts_start(&t, "transparency.origin = " ORIGIN "\n")) {
        CHECK(0);
        return;
    }
    vg_hotline *h = t.srv->hotline;
    ts_response r;
    vg_error err;

    /* the key, then the empty log's checkpoint signed by it */
    vg_note_verifier v;
    CHECK(fetch(&t, "/transparency/key", &r, 200) &&
          vg_note_verifier_parse(r.body, r.body_len, &v, &err) == VG_OK);
    CHECK_STR_EQ(v.name, ORIGIN);
    ts_response_free(&r);
    vg_tlog_checkpoint c;
    CHECK(fetch(&t, "/transparency/checkpoint", &r, 200) &&
          vg_tlog_checkpoint_open(r.body, r.body_len, &v, &c, &err) == VG_OK);
    CHECK(c.size == 0);
    ts_response_free(&r);

    /* appends in the callers' transactions; a failed one leaves nothing */
    for (int i = 0; i < ENTRIES; i++) {
        append_args a = {i, 0, 0};
        CHECK_MSG(vg_store_write(h->store, append_tx, &a, &err) == VG_OK, "%s", err.message);
    }
    append_args failing = {ENTRIES, 1, 0};
    CHECK(vg_store_write(h->store, append_tx, &failing, &err) == VG_ERR_ABORTED);
    int signed_one = 0;
    CHECK(vg_hotline_tlog_checkpoint(h, 1796530000, &signed_one, &err) == VG_OK && signed_one);
    CHECK(vg_hotline_tlog_checkpoint(h, 1796530001, &signed_one, &err) == VG_OK && !signed_one);

    CHECK(fetch(&t, "/transparency/checkpoint", &r, 200) &&
          vg_tlog_checkpoint_open(r.body, r.body_len, &v, &c, &err) == VG_OK);
    CHECK(c.size == ENTRIES);
    ts_response_free(&r);

    /* the entries, and the leaf hashes the level-0 tiles publish */
    unsigned char leaves[ENTRIES][32];
    bundle_ctx b = {leaves, 0, {0}};
    const char *bundles[] = {"/transparency/tile/entries/000",
                             "/transparency/tile/entries/001.p/44"};
    for (int i = 0; i < 2; i++) {
        if (fetch(&t, bundles[i], &r, 200))
            CHECK(vg_tlog_bundle_each((unsigned char *)r.body, r.body_len, each_entry, &b, NULL,
                                      &err) == VG_OK);
        check_cache(&r, i ? "public, max-age=5" : "public, max-age=31536000, immutable",
                    bundles[i]);
        ts_response_free(&r);
    }
    CHECK(b.n == ENTRIES);
    CHECK(b.first.action == VG_TLOG_ADDED && b.first.time == 1796521500);
    CHECK_STR_EQ(b.first.reason, "approved by two people (0)");
    unsigned char opening[32], commitment[32];
    CHECK(vg_hotline_tlog_opening(h, "http://listed0.example/", opening, commitment, &err) ==
          VG_OK);
    CHECK(!memcmp(commitment, b.first.url_commitment, 32));
    CHECK(vg_tlog_url_opens(opening, "http://listed0.example/", 23, b.first.url_commitment));

    const char *tiles[] = {"/transparency/tile/0/000", "/transparency/tile/0/001.p/44"};
    for (int i = 0; i < 2; i++) {
        if (fetch(&t, tiles[i], &r, 200))
            CHECK(r.body_len == (i ? 44u : 256u) * 32 &&
                  !memcmp(r.body, leaves[i * 256], r.body_len));
        check_cache(&r, i ? "public, max-age=5" : "public, max-age=31536000, immutable",
                    tiles[i]);
        ts_response_free(&r);
    }
    /* a smaller partial tile is served too (a reader of an older checkpoint) */
    if (fetch(&t, "/transparency/tile/0/001.p/3", &r, 200))
        CHECK(r.body_len == 96 && !memcmp(r.body, leaves[256], 96));
    ts_response_free(&r);
    /* level 1: the hash of the first 256 leaves */
    unsigned char l1[32];
    vg_tlog_hash_of(&leaves[0][0], 256, l1);
    if (fetch(&t, "/transparency/tile/1/000.p/1", &r, 200))
        CHECK(r.body_len == 32 && !memcmp(r.body, l1, 32));
    ts_response_free(&r);

    /* the tree the reader rebuilds has the checkpoint's root */
    vg_tlog_memory mem = {&leaves[0][0], ENTRIES};
    vg_tlog_reader reader = vg_tlog_memory_reader(&mem);
    unsigned char root[32];
    CHECK(vg_tlog_tree_hash(&reader, ENTRIES, root, NULL) == VG_OK);
    CHECK(!memcmp(root, c.root, 32));

    /* what the log does not hold */
    const char *missing[] = {"/transparency/tile/0/002", "/transparency/tile/0/001.p/45",
                             "/transparency/tile/0/001", "/transparency/tile/1/000",
                             "/transparency/tile/0/01", "/transparency/tile/entries/x000/001",
                             "/transparency/tile/2/000.p/1"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        fetch(&t, missing[i], &r, 404);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

/* Stop t's server but keep its data (a restart follows). */
static void ts_stop_keep(ts_server *t)
{
    vg_server_stop(t->srv, 5);
    vg_server_free(t->srv);
    t->srv = NULL;
}

/* Run `vigie transparency verify` on t with state; its exit status, and
 * its standard output into out (cap bytes). */
static int run_verify(const ts_server *t, const char *state, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s transparency verify --server http://127.0.0.1:%u --state %s",
             VIGIE_BIN, t->port, state);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void append_range(ts_server *t, int from, int to, int offset)
{
    vg_error err;
    for (int i = from; i < to; i++) {
        append_args a = {i, 0, offset};
        CHECK_MSG(vg_store_write(t->srv->hotline->store, append_tx, &a, &err) == VG_OK, "%s",
                  err.message);
    }
    CHECK(vg_hotline_tlog_checkpoint(t->srv->hotline, 1796530000 + to, NULL, &err) == VG_OK);
}

/* The verifier against a server on loopback: a first check pins the key
 * and lists every entry; a second lists only the new ones; a log rewritten
 * under the same key (a fork) fails, and the state file stays as it was. */
static void test_verify_command(void)
{
    ts_server t;
    if (!ts_start(&t, "transparency.origin = " ORIGIN "\n")) {
        CHECK(0);
        return;
    }
    char state[300];
    static char out[1 << 20];
    snprintf(state, sizeof state, "%s/verifier.state", t.dir);
    append_range(&t, 0, 5, 0);
    CHECK_INT_EQ(run_verify(&t, state, out, sizeof out), 0);
    int lines = 0;
    for (char *p = out; (p = strchr(p, '\n')); p++)
        lines++;
    CHECK_INT_EQ(lines, 5);
    CHECK(strstr(out, "{\"index\":0,\"action\":\"added\",\"time\":\"2026-12-06T01:45:00Z\"") !=
          NULL);
    CHECK(strstr(out, "\"action\":\"removed\"") != NULL);
    append_range(&t, 5, 300, 0);
    CHECK_INT_EQ(run_verify(&t, state, out, sizeof out), 0);
    CHECK(strncmp(out, "{\"index\":5,\"", 12) == 0);
    CHECK(run_verify(&t, state, out, sizeof out) == 0 && out[0] == 0);

    if (!t.db[0]) {
        /* rewrite the log's history with the same key: empty its tables,
         * then append other entries beyond the old size */
        char db[400];
        snprintf(db, sizeof db, "%s/data/vigie.db", t.dir);
        ts_stop_keep(&t);
        sqlite3 *h = NULL;
        CHECK(sqlite3_open(db, &h) == SQLITE_OK &&
              sqlite3_exec(h, "DELETE FROM tlog_entries; DELETE FROM tlog_hashes;"
                              "DELETE FROM tlog_checkpoints;", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(h);
        CHECK(ts_open_in(&t, "transparency.origin = " ORIGIN "\n") && ts_listen(&t));
        append_range(&t, 1, 302, 1);
        char before[4096] = "", after[4096] = "";
        FILE *f = fopen(state, "r");
        if (f) {
            before[fread(before, 1, sizeof before - 1, f)] = 0;
            fclose(f);
        }
        CHECK_INT_EQ(run_verify(&t, state, out, sizeof out), 1);
        f = fopen(state, "r");
        if (f) {
            after[fread(after, 1, sizeof after - 1, f)] = 0;
            fclose(f);
        }
        CHECK(before[0] && !strcmp(before, after));
    }
    ts_stop(&t);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_log);
    RUN(test_verify_command);
    return vg_test_exit();
}
