/*
 * src/hotline/blocklist_feed.c - what members of the blocking list receive
 * (blocklist_feed.h).
 *
 * Each answer is computed from the entries listed at a version of the list
 * (store/blocklist.h's at_version filter), so an update is the difference
 * of two sets of prefixes rather than a log of changes: two entries
 * standing for one expression, or two expressions sharing a prefix, never
 * make a prefix leave while something still needs it.
 */
#include "hotline/blocklist_feed.h"
#include "hotline/blocklist.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"
#include "vigie/urlhash.h"

void vg_block_update_clear(vg_block_update *u)
{
    free(u->added);
    free(u->removed);
    memset(u, 0, sizeof *u);
}

/* The entries listed at version (kind non-NULL: of that kind only). */
static vg_status listed_at(vg_tx *tx, int64_t version, const char *kind, vg_block_entry **rows,
                           size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    if (version <= 0) /* nothing was listed before the first change */
        return VG_OK;
    vg_block_filter f = {.at_version = version, .kind = kind};
    return vg_tx_blocks(tx, &f, SIZE_MAX, rows, count, err);
}

/* The sorted, distinct prefixes of the entries listed at version. */
static vg_status prefixes_at(vg_tx *tx, int64_t version, uint32_t **out, size_t *count,
                             vg_error *err)
{
    vg_block_entry *rows = NULL;
    size_t n = 0;
    *out = NULL;
    *count = 0;
    vg_status st = listed_at(tx, version, NULL, &rows, &n, err);
    if (st != VG_OK || n == 0)
        return st;
    uint32_t *prefixes = malloc(n * sizeof *prefixes);
    if (!prefixes) {
        vg_block_entries_free(rows, n);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char full[VG_URLHASH_FULL_BYTES];
        vg_error ignored;
        /* a target was canonicalised when proposed; one that no longer
         * parses could not match any member's lookup either */
        if (vg_block_full_hash(rows[i].kind, rows[i].target, full, &ignored) == VG_OK)
            prefixes[kept++] = vg_urlhash_prefix(full);
    }
    vg_block_entries_free(rows, n);
    *out = prefixes;
    *count = vg_block_prefixes_normalize(prefixes, kept);
    return VG_OK;
}

typedef struct update_ctx {
    int64_t since;
    vg_block_update *out;
} update_ctx;

static vg_status update_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    update_ctx *c = ctx;
    vg_block_update *u = c->out;
    uint32_t *now = NULL, *old = NULL;
    size_t now_count = 0, old_count = 0;
    vg_status st = vg_tx_blocklist_version(tx, &u->version, err);
    if (st == VG_OK)
        st = prefixes_at(tx, u->version, &now, &now_count, err);
    u->reset = c->since <= 0 || c->since > u->version;
    if (st == VG_OK && !u->reset)
        st = prefixes_at(tx, c->since, &old, &old_count, err);
    if (st != VG_OK)
        goto done;
    u->set_count = now_count;

    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    for (size_t i = 0; i < now_count; i++) {
        unsigned char be[4] = {(unsigned char)(now[i] >> 24), (unsigned char)(now[i] >> 16),
                               (unsigned char)(now[i] >> 8), (unsigned char)now[i]};
        crypto_hash_sha256_update(&sha, be, sizeof be);
    }
    crypto_hash_sha256_final(&sha, u->checksum);

    if (!u->reset) {
        u->added = malloc((now_count ? now_count : 1) * sizeof *u->added);
        u->removed = malloc((old_count ? old_count : 1) * sizeof *u->removed);
        if (!u->added || !u->removed) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            goto done;
        }
        vg_block_prefixes_diff(old, old_count, now, now_count, u->added, &u->added_count,
                               u->removed, &u->removed_count);
        /* a member far behind takes less with the whole set */
        if (u->added_count + u->removed_count > now_count) {
            free(u->added);
            free(u->removed);
            u->added = u->removed = NULL;
            u->added_count = u->removed_count = 0;
            u->reset = 1;
        }
    }
    if (u->reset) {
        u->added = now;
        u->added_count = now_count;
        now = NULL;
    }
done:
    free(now);
    free(old);
    return st;
}

vg_status vg_hotline_block_update(vg_hotline *h, int64_t since, vg_block_update *out,
                                  vg_error *err)
{
    memset(out, 0, sizeof *out);
    if (since < 0)
        return vg_error_set(err, VG_ERR_INVALID,
                            "since: give the version you hold (0 when you hold nothing)");
    update_ctx c = {since, out};
    vg_status st = vg_store_read(h->store, update_tx, &c, err);
    if (st != VG_OK)
        vg_block_update_clear(out);
    return st;
}

typedef struct full_ctx {
    uint32_t prefix;
    unsigned char *hashes;
    size_t count;
    int64_t version;
} full_ctx;

static int full_order(const void *a, const void *b)
{
    return memcmp(a, b, VG_URLHASH_FULL_BYTES);
}

static vg_status full_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    full_ctx *c = ctx;
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_blocklist_version(tx, &c->version, err);
    if (st == VG_OK)
        st = listed_at(tx, c->version, NULL, &rows, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        unsigned char full[VG_URLHASH_FULL_BYTES];
        vg_error ignored;
        if (vg_block_full_hash(rows[i].kind, rows[i].target, full, &ignored) != VG_OK ||
            vg_urlhash_prefix(full) != c->prefix)
            continue;
        unsigned char *grown = realloc(c->hashes, (c->count + 1) * VG_URLHASH_FULL_BYTES);
        if (!grown) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        c->hashes = grown;
        memcpy(c->hashes + c->count++ * VG_URLHASH_FULL_BYTES, full, VG_URLHASH_FULL_BYTES);
    }
    vg_block_entries_free(rows, n);
    return st;
}

vg_status vg_hotline_block_full_hashes(vg_hotline *h, uint32_t prefix, unsigned char **hashes,
                                       size_t *count, int64_t *version, vg_error *err)
{
    full_ctx c = {.prefix = prefix};
    *hashes = NULL;
    *count = 0;
    vg_status st = vg_store_read(h->store, full_tx, &c, err);
    if (st != VG_OK) {
        free(c.hashes);
        return st;
    }
    if (c.count > 1) {
        qsort(c.hashes, c.count, VG_URLHASH_FULL_BYTES, full_order);
        size_t kept = 1;
        for (size_t i = 1; i < c.count; i++)
            if (memcmp(c.hashes + i * VG_URLHASH_FULL_BYTES,
                       c.hashes + (kept - 1) * VG_URLHASH_FULL_BYTES, VG_URLHASH_FULL_BYTES))
                memmove(c.hashes + kept++ * VG_URLHASH_FULL_BYTES,
                        c.hashes + i * VG_URLHASH_FULL_BYTES, VG_URLHASH_FULL_BYTES);
        c.count = kept;
    }
    *hashes = c.hashes;
    *count = c.count;
    *version = c.version;
    return VG_OK;
}

typedef struct rpz_ctx {
    vg_block_entry *rows;
    size_t count;
    int64_t version;
} rpz_ctx;

static vg_status rpz_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    rpz_ctx *c = ctx;
    vg_status st = vg_tx_blocklist_version(tx, &c->version, err);
    return st == VG_OK ? listed_at(tx, c->version, VG_BLOCK_KIND_DOMAIN, &c->rows, &c->count, err)
                       : st;
}

static int target_order(const void *a, const void *b)
{
    return strcmp(((const vg_block_entry *)a)->target, ((const vg_block_entry *)b)->target);
}

vg_status vg_hotline_block_rpz(vg_hotline *h, char **text, size_t *len, size_t *skipped,
                               vg_error *err)
{
    *text = NULL;
    *len = 0;
    if (skipped)
        *skipped = 0;
    const char *stop = vg_hotline_block_stop_host(h);
    if (!*stop)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "the response policy zone needs blocklist.stop_host, the stop page's "
                            "host name: set it in the configuration");
    rpz_ctx c = {0};
    vg_status st = vg_store_read(h->store, rpz_tx, &c, err);
    if (st != VG_OK)
        return st;
    qsort(c.rows, c.count, sizeof *c.rows, target_order);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) {
        vg_block_entries_free(c.rows, c.count);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    /* The serial is the list's version, so a resolver transferring the
     * zone sees when it changed; SOA and NS name no real server, as RPZ
     * zones usually do. */
    fprintf(f,
            "; vigie's blocking list: its whole domains, version %" PRId64 "\n"
            "$TTL 300\n"
            "@ IN SOA localhost. hostmaster.localhost. %" PRIu32 " 3600 600 86400 300\n"
            "@ IN NS localhost.\n",
            c.version, (uint32_t)c.version);
    for (size_t i = 0; i < c.count; i++) {
        const char *name = c.rows[i].target;
        if (i > 0 && !strcmp(name, c.rows[i - 1].target))
            continue;
        if (!vg_block_rpz_name_ok(name)) {
            if (skipped)
                (*skipped)++;
            continue;
        }
        fprintf(f, "%s CNAME %s.\n*.%s CNAME %s.\n", name, stop, name, stop);
    }
    vg_block_entries_free(c.rows, c.count);
    int failed = ferror(f);
    failed |= fclose(f) != 0;
    if (failed) {
        free(buf);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    *text = buf;
    *len = size;
    return VG_OK;
}
