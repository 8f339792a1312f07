/*
 * src/hotline/tlog.c - the blocking list's transparency log (tlog.h).
 *
 * The store keeps, for each append, the leaf's hash and the hashes of the
 * tile-level subtrees the append completes (every 256th leaf completes a
 * level-1 subtree, every 65536th a level-2 one...). Roots, tiles and
 * proofs are then read from at most a few hundred stored hashes, however
 * long the log.
 */
#include "hotline/tlog.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/tlog.h"
#include "util/sealed.h"

struct vg_transparency {
    vg_note_signer signer;
    char *verifier_key;
};

#define URL_KEY_SETTING "transparency.url_key"
#define DEFAULT_ORIGIN "vigie.invalid/transparency"

vg_status vg_hotline_tlog_open(vg_hotline *h, vg_config *cfg, const char *data_dir,
                               vg_error *err)
{
    const char *origin = vg_config_get(cfg, "transparency.origin", DEFAULT_ORIGIN);
    const char *given = vg_config_get(cfg, "transparency.signing_key", NULL);
    char path[1200];
    snprintf(path, sizeof path, "%s%s%s", given ? given : data_dir, given ? "" : "/",
             given ? "" : "transparency.key");
    unsigned char seed[32];
    vg_status st = vg_key_file_load(path, seed, "transparency signing key", err);
    if (st)
        return vg_error_prefix(err, "transparency.signing_key: "), st;
    vg_transparency *t = calloc(1, sizeof *t);
    if (!t) {
        sodium_memzero(seed, sizeof seed);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    st = vg_note_signer_init(&t->signer, origin, seed, err);
    sodium_memzero(seed, sizeof seed);
    vg_note_verifier v;
    if (st == VG_OK) {
        vg_note_verifier_of(&t->signer, &v);
        st = vg_note_verifier_format(&v, &t->verifier_key, err);
    } else {
        vg_error_prefix(err, "transparency.origin: ");
    }
    if (st) {
        vg_note_signer_clear(&t->signer);
        free(t);
        return st;
    }
    h->transparency = t;
    return VG_OK;
}

void vg_hotline_tlog_free(vg_hotline *h)
{
    if (!h->transparency)
        return;
    vg_note_signer_clear(&h->transparency->signer);
    free(h->transparency->verifier_key);
    free(h->transparency);
    h->transparency = NULL;
}

/* The commitment key, made by the first caller (in its transaction). */
static vg_status url_key(vg_tx *tx, unsigned char key[32], vg_error *err)
{
    unsigned char fresh[32];
    char hex[65], *stored = NULL;
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    sodium_memzero(fresh, sizeof fresh);
    vg_status st = vg_tx_setting_init(tx, URL_KEY_SETTING, hex, &stored, err);
    sodium_memzero(hex, sizeof hex);
    size_t n = 0;
    if (st == VG_OK && (!stored || sodium_hex2bin(key, 32, stored, strlen(stored), NULL, &n,
                                                  NULL) || n != 32))
        st = vg_error_set(err, VG_ERR_CORRUPT, "the log's URL key in the store is damaged");
    if (stored) {
        sodium_memzero(stored, strlen(stored));
        free(stored);
    }
    return st;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
    for (char *p = dst; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

vg_status vg_hotline_tlog_append(vg_tx *tx, const vg_hotline_tlog_change *change,
                                 int64_t *index, vg_error *err)
{
    vg_tlog_entry e;
    memset(&e, 0, sizeof e);
    e.action = change->action;
    e.time = change->time;
    e.expires = change->expires;
    if (!change->url || !*change->url)
        return vg_error_set(err, VG_ERR_INVALID, "url: the listed address is missing");
    if ((change->basis && strlen(change->basis) > VG_TLOG_MAX_BASIS) ||
        (change->category && strlen(change->category) > VG_TLOG_MAX_CATEGORY) ||
        (change->reason && strlen(change->reason) > VG_TLOG_MAX_REASON))
        return vg_error_set(err, VG_ERR_INVALID, "basis, category or reason is too long");
    copy_field(e.basis, sizeof e.basis, change->basis);
    copy_field(e.category, sizeof e.category, change->category);
    copy_field(e.reason, sizeof e.reason, change->reason);
    unsigned char key[32];
    vg_status st = url_key(tx, key, err);
    if (st)
        return st;
    vg_tlog_url_commitment(key, change->url, strlen(change->url), NULL, e.url_commitment);
    sodium_memzero(key, sizeof key);
    char *text;
    size_t len;
    if ((st = vg_tlog_entry_encode(&e, &text, &len, err)))
        return st;
    uint64_t size;
    if ((st = vg_tx_tlog_size(tx, &size, err))) {
        free(text);
        return st;
    }
    /* the leaf, then each tile-level subtree this leaf completes */
    vg_tlog_hash_row rows[VG_TLOG_MAX_LEVEL + 1];
    size_t count = 0;
    rows[0].level = 0;
    rows[0].index = size;
    vg_tlog_leaf_hash(text, len, rows[0].hash);
    count = 1;
    uint64_t done = size + 1; /* leaves after this append */
    for (unsigned level = 1; level <= VG_TLOG_MAX_LEVEL && !st; level++) {
        uint64_t span = 1ull << (VG_TLOG_TILE_HEIGHT * level);
        if (done % span)
            break;
        /* the 256 hashes one level down: 255 stored, the last just made */
        unsigned char below[VG_TLOG_TILE_WIDTH * 32];
        uint64_t first = rows[count - 1].index - (VG_TLOG_TILE_WIDTH - 1);
        st = vg_tx_tlog_hashes(tx, level - 1, first, VG_TLOG_TILE_WIDTH - 1, below, err);
        if (st)
            break;
        memcpy(below + (VG_TLOG_TILE_WIDTH - 1) * 32, rows[count - 1].hash, 32);
        rows[count].level = level;
        rows[count].index = done / span - 1;
        vg_tlog_hash_of(below, VG_TLOG_TILE_WIDTH, rows[count].hash);
        count++;
    }
    if (!st)
        st = vg_tx_tlog_append(tx, size, text, len, rows, count, err);
    free(text);
    if (!st && index)
        *index = (int64_t)size;
    return st;
}

typedef struct opening_args {
    const char *url;
    unsigned char *opening, *commitment;
} opening_args;

vg_status vg_hotline_tlog_opening_tx(vg_tx *tx, const char *url, unsigned char opening[32],
                                     unsigned char commitment[32], vg_error *err)
{
    unsigned char key[32];
    vg_status st = url_key(tx, key, err);
    if (st == VG_OK)
        vg_tlog_url_commitment(key, url, strlen(url), opening, commitment);
    sodium_memzero(key, sizeof key);
    return st;
}

static vg_status opening_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    opening_args *a = ctx;
    return vg_hotline_tlog_opening_tx(tx, a->url, a->opening, a->commitment, err);
}

vg_status vg_hotline_tlog_opening(vg_hotline *h, const char *url, unsigned char opening[32],
                                  unsigned char commitment[32], vg_error *err)
{
    opening_args a = {url, opening, commitment};
    return vg_store_write(h->store, opening_tx, &a, err);
}

/* The store as a reader of the tree (vigie/tlog.h). */
static vg_status store_read(void *ctx, unsigned level, uint64_t index, size_t count,
                            unsigned char *out, vg_error *err)
{
    return vg_tx_tlog_hashes(ctx, level, index, count, out, err);
}

typedef struct checkpoint_args {
    const vg_transparency *t;
    int64_t now;
    int signed_one;
} checkpoint_args;

static vg_status checkpoint_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    checkpoint_args *a = ctx;
    a->signed_one = 0;
    uint64_t size, last_size;
    char *last = NULL;
    vg_status st = vg_tx_tlog_size(tx, &size, err);
    if (!st)
        st = vg_tx_tlog_checkpoint_latest(tx, &last_size, &last, err);
    int current = last && last_size == size;
    free(last);
    if (st || current)
        return st;
    vg_tlog_checkpoint c;
    memset(&c, 0, sizeof c);
    snprintf(c.origin, sizeof c.origin, "%s", a->t->signer.name);
    c.size = size;
    vg_tlog_reader reader = {store_read, tx, VG_TLOG_MAX_LEVEL};
    if ((st = vg_tlog_tree_hash(&reader, size, c.root, err)))
        return st;
    char *note;
    size_t len;
    if ((st = vg_tlog_checkpoint_sign(&c, &a->t->signer, &note, &len, err)))
        return st;
    st = vg_tx_tlog_checkpoint_put(tx, size, note, a->now, err);
    free(note);
    a->signed_one = st == VG_OK;
    return st;
}

vg_status vg_hotline_tlog_checkpoint(vg_hotline *h, int64_t now, int *signed_one,
                                     vg_error *err)
{
    if (signed_one)
        *signed_one = 0;
    if (!h->transparency)
        return vg_error_set(err, VG_ERR_INVALID, "the transparency log is not open here");
    checkpoint_args a = {h->transparency, now, 0};
    vg_status st = vg_store_write(h->store, checkpoint_tx, &a, err);
    if (signed_one)
        *signed_one = a.signed_one;
    return st;
}

typedef struct latest_args {
    uint64_t size;
    char *note;
} latest_args;

static vg_status latest_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    latest_args *a = ctx;
    return vg_tx_tlog_checkpoint_latest(tx, &a->size, &a->note, err);
}

vg_status vg_hotline_tlog_latest(vg_hotline *h, char **note, size_t *len, vg_error *err)
{
    *note = NULL;
    latest_args a = {0, NULL};
    vg_status st = vg_store_read(h->store, latest_tx, &a, err);
    if (st == VG_OK && !a.note) {
        /* nothing signed yet: sign the log as it is (the empty tree) */
        if ((st = vg_hotline_tlog_checkpoint(h, 0, NULL, err)) == VG_OK)
            st = vg_store_read(h->store, latest_tx, &a, err);
        if (st == VG_OK && !a.note)
            st = vg_error_set(err, VG_ERR_IO, "no checkpoint could be signed");
    }
    if (st)
        return st;
    *note = a.note;
    *len = strlen(a.note);
    return VG_OK;
}

typedef struct tile_args {
    const vg_tlog_tile *tile;
    unsigned char *data;
    size_t len;
} tile_args;

static vg_status tile_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    tile_args *a = ctx;
    const vg_tlog_tile *t = a->tile;
    uint64_t size;
    vg_status st = vg_tx_tlog_size(tx, &size, err);
    if (st)
        return st;
    uint64_t nodes = vg_tlog_level_width(size, t->level < 0 ? 0 : (unsigned)t->level);
    uint64_t first = t->index * VG_TLOG_TILE_WIDTH;
    if (t->index > nodes / VG_TLOG_TILE_WIDTH || nodes - first < t->width)
        return vg_error_set(err, VG_ERR_INVALID, "the log holds no such tile");
    if (t->level >= 0) {
        if (!(a->data = malloc((size_t)t->width * 32)))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        a->len = (size_t)t->width * 32;
        return vg_tx_tlog_hashes(tx, (unsigned)t->level, first, t->width, a->data, err);
    }
    char *texts[VG_TLOG_TILE_WIDTH];
    size_t lens[VG_TLOG_TILE_WIDTH];
    if ((st = vg_tx_tlog_entries(tx, first, t->width, texts, lens, err)))
        return st;
    st = vg_tlog_bundle_encode((const char *const *)texts, lens, t->width, &a->data, &a->len,
                               err);
    for (unsigned i = 0; i < t->width; i++)
        free(texts[i]);
    return st;
}

vg_status vg_hotline_tlog_tile(vg_hotline *h, const vg_tlog_tile *tile, unsigned char **data,
                               size_t *len, vg_error *err)
{
    *data = NULL;
    *len = 0;
    tile_args a = {tile, NULL, 0};
    vg_status st = vg_store_read(h->store, tile_tx, &a, err);
    if (st) {
        free(a.data);
        return st;
    }
    *data = a.data;
    *len = a.len;
    return VG_OK;
}

vg_status vg_hotline_tlog_verifier_key(vg_hotline *h, char **out, vg_error *err)
{
    *out = NULL;
    if (!h->transparency)
        return vg_error_set(err, VG_ERR_INVALID, "the transparency log is not open here");
    if (!(*out = strdup(h->transparency->verifier_key)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return VG_OK;
}
