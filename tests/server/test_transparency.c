/*
 * The blocking list's public transparency log, end to end: entries
 * appended in the callers' transactions (a refused change leaves no
 * entry), a checkpoint signed once per growth, and what /transparency/
 * serves: the verifier key, the signed checkpoint, tiles and entry bundles
 * with their cache headers, from which a reader rebuilds the tree and
 * finds the checkpoint's root.
 */
#include <sodium.h>

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
    if (st == VG_OK && index != a->i)
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
        append_args a = {i, 0};
        CHECK_MSG(vg_store_write(h->store, append_tx, &a, &err) == VG_OK, "%s", err.message);
    }
    append_args failing = {ENTRIES, 1};
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

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_log);
    return vg_test_exit();
}
