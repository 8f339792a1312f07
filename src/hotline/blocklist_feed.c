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
#include "hotline/blocklist_cache.h"

#include <inttypes.h>
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

/* The sorted, distinct prefixes of rows[n] (the prefix set they list). */
static vg_status prefixes_of(const vg_block_entry *rows, size_t n, uint32_t **out,
                             size_t *count, vg_error *err)
{
    *out = NULL;
    *count = 0;
    if (n == 0)
        return VG_OK;
    uint32_t *prefixes = malloc(n * sizeof *prefixes);
    if (!prefixes)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char full[VG_URLHASH_FULL_BYTES];
        vg_error ignored;
        /* a target was canonicalised when proposed; one that no longer
         * parses could not match any member's lookup either */
        if (vg_block_full_hash(rows[i].kind, rows[i].target, full, &ignored) == VG_OK)
            prefixes[kept++] = vg_urlhash_prefix(full);
    }
    *out = prefixes;
    *count = vg_block_prefixes_normalize(prefixes, kept);
    return VG_OK;
}

/* What an update is computed from, read in one transaction: the sets at
 * the current version and at since (none on a reset) from the cache, else
 * the entries listed then, whose hashing waits until the transaction is
 * over (a transaction does no slow work, store/store.h). */
typedef struct update_read {
    vg_block_cache *cache; /* NULL: read every entry each time */
    int64_t since, version;
    vg_block_set *now_set, *old_set;
    vg_block_entry *now, *old;
    size_t now_count, old_count;
} update_read;

static void update_read_clear(update_read *r)
{
    vg_block_set_release(r->now_set);
    vg_block_set_release(r->old_set);
    vg_block_entries_free(r->now, r->now_count);
    vg_block_entries_free(r->old, r->old_count);
    r->now_set = r->old_set = NULL;
    r->now = r->old = NULL;
    r->now_count = r->old_count = 0;
}

static int must_reset(int64_t since, int64_t version)
{
    return since <= 0 || since > version;
}

/* The set at version from the cache, else the entries listed then. */
static vg_status set_or_entries(vg_tx *tx, vg_block_cache *cache, int64_t version,
                                vg_block_set **set, vg_block_entry **rows, size_t *count,
                                vg_error *err)
{
    if (cache && (*set = vg_block_cache_get(cache, version)))
        return VG_OK;
    return listed_at(tx, version, NULL, rows, count, err);
}

static vg_status update_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    update_read *r = ctx;
    update_read_clear(r); /* a retried transaction starts again */
    vg_status st = vg_tx_blocklist_version(tx, &r->version, err);
    if (st == VG_OK)
        st = set_or_entries(tx, r->cache, r->version, &r->now_set, &r->now, &r->now_count, err);
    if (st == VG_OK && !must_reset(r->since, r->version))
        st = set_or_entries(tx, r->cache, r->since, &r->old_set, &r->old, &r->old_count, err);
    return st;
}

/* *set, unless read from the cache: made from rows (the entries listed at
 * version) and kept in the cache. */
static vg_status set_of(vg_block_cache *cache, int64_t version, const vg_block_entry *rows,
                        size_t n, vg_block_set **set, vg_error *err)
{
    if (*set)
        return VG_OK;
    uint32_t *prefixes = NULL;
    size_t count = 0;
    vg_status st = prefixes_of(rows, n, &prefixes, &count, err);
    if (st != VG_OK)
        return st;
    if (!(*set = vg_block_set_new(version, prefixes, count)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (cache)
        vg_block_cache_put(cache, *set);
    return VG_OK;
}

static vg_status update_from(vg_hotline *h, vg_block_cache *cache, int64_t since,
                             vg_block_update *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    if (since < 0)
        return vg_error_set(err, VG_ERR_INVALID,
                            "since: give the version you hold (0 when you hold nothing)");
    update_read r = {.cache = cache, .since = since};
    vg_status st = vg_store_read(h->store, update_tx, &r, err);
    if (st == VG_OK)
        st = set_of(cache, r.version, r.now, r.now_count, &r.now_set, err);
    if (st == VG_OK && !must_reset(since, r.version))
        st = set_of(cache, since, r.old, r.old_count, &r.old_set, err);
    if (st != VG_OK)
        goto done;
    const vg_block_set *now = r.now_set, *old = r.old_set;
    out->version = r.version;
    out->set_count = now->count;
    memcpy(out->checksum, now->checksum, sizeof out->checksum);
    out->reset = must_reset(since, r.version);
    if (!out->reset) {
        out->added = malloc((now->count ? now->count : 1) * sizeof *out->added);
        out->removed = malloc((old->count ? old->count : 1) * sizeof *out->removed);
        if (!out->added || !out->removed) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            goto done;
        }
        vg_block_prefixes_diff(old->prefixes, old->count, now->prefixes, now->count,
                               out->added, &out->added_count, out->removed,
                               &out->removed_count);
        /* a member far behind takes less with the whole set */
        if (out->added_count + out->removed_count > now->count) {
            free(out->added);
            free(out->removed);
            out->added = out->removed = NULL;
            out->added_count = out->removed_count = 0;
            out->reset = 1;
        }
    }
    if (out->reset) {
        /* the set may be shared: the update gets its own copy */
        out->added = malloc((now->count ? now->count : 1) * sizeof *out->added);
        if (!out->added) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (now->count)
            memcpy(out->added, now->prefixes, now->count * sizeof *out->added);
        out->added_count = now->count;
    }
done:
    update_read_clear(&r);
    if (st != VG_OK)
        vg_block_update_clear(out);
    return st;
}

vg_status vg_hotline_block_update(vg_hotline *h, int64_t since, vg_block_update *out,
                                  vg_error *err)
{
    return update_from(h, vg_hotline_block_cache(h), since, out, err);
}

vg_status vg_hotline_block_update_uncached(vg_hotline *h, int64_t since, vg_block_update *out,
                                           vg_error *err)
{
    return update_from(h, NULL, since, out, err);
}

/* The entries listed now and the version, read in one transaction (also
 * the zone's). */
typedef struct listed_read {
    const char *kind; /* NULL: every kind */
    vg_block_entry *rows;
    size_t count;
    int64_t version;
} listed_read;

static vg_status listed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    listed_read *r = ctx;
    vg_block_entries_free(r->rows, r->count); /* a retried transaction starts again */
    r->rows = NULL;
    r->count = 0;
    vg_status st = vg_tx_blocklist_version(tx, &r->version, err);
    return st == VG_OK ? listed_at(tx, r->version, r->kind, &r->rows, &r->count, err) : st;
}

static int full_order(const void *a, const void *b)
{
    return memcmp(a, b, VG_URLHASH_FULL_BYTES);
}

vg_status vg_hotline_block_full_hashes(vg_hotline *h, uint32_t prefix, unsigned char **hashes,
                                       size_t *count, int64_t *version, vg_error *err)
{
    *hashes = NULL;
    *count = 0;
    listed_read r = {0};
    vg_status st = vg_store_read(h->store, listed_tx, &r, err);
    unsigned char *found = NULL;
    size_t n = 0;
    if (st == VG_OK && r.count &&
        !(found = malloc(r.count * VG_URLHASH_FULL_BYTES)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < r.count; i++) {
        unsigned char *full = found + n * VG_URLHASH_FULL_BYTES;
        vg_error ignored;
        if (vg_block_full_hash(r.rows[i].kind, r.rows[i].target, full, &ignored) == VG_OK &&
            vg_urlhash_prefix(full) == prefix)
            n++;
    }
    vg_block_entries_free(r.rows, r.count);
    if (st != VG_OK) {
        free(found);
        return st;
    }
    /* two entries may stand for one expression: each full hash once */
    if (n > 1) {
        qsort(found, n, VG_URLHASH_FULL_BYTES, full_order);
        size_t kept = 1;
        for (size_t i = 1; i < n; i++)
            if (memcmp(found + i * VG_URLHASH_FULL_BYTES,
                       found + (kept - 1) * VG_URLHASH_FULL_BYTES, VG_URLHASH_FULL_BYTES))
                memmove(found + kept++ * VG_URLHASH_FULL_BYTES, found + i * VG_URLHASH_FULL_BYTES,
                        VG_URLHASH_FULL_BYTES);
        n = kept;
    }
    if (n == 0) {
        free(found);
        found = NULL;
    }
    *hashes = found;
    *count = n;
    *version = r.version;
    return VG_OK;
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
    listed_read c = {.kind = VG_BLOCK_KIND_DOMAIN};
    vg_status st = vg_store_read(h->store, listed_tx, &c, err);
    if (st != VG_OK) {
        vg_block_entries_free(c.rows, c.count);
        return st;
    }
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
