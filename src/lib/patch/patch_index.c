/*
 * patch_index.c - the inverted index of patches (vigie/patch.h): building
 * it in place, checking a view of it, searching it.
 */
#include <stdlib.h>
#include <string.h>

#include "patch/patch_internal.h"

struct vg_patch_index_builder {
    vg_patch_entry *entries;
    uint64_t count, cap;
    uint32_t *directory;
    bool finished;
};

vg_status vg_patch_index_builder_new(vg_patch_index_builder **out, vg_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory for a patch index");
}

void vg_patch_index_builder_free(vg_patch_index_builder *b)
{
    if (!b)
        return;
    free(b->entries);
    free(b->directory);
    free(b);
}

static vg_status reserve(vg_patch_index_builder *b, uint64_t cap, vg_error *err)
{
    if (cap <= b->cap)
        return VG_OK;
    if (cap > SIZE_MAX / sizeof(vg_patch_entry))
        return vg_error_set(err, VG_ERR_TOO_LARGE, "patch index: too many patches");
    vg_patch_entry *grown = realloc(b->entries, cap * sizeof *grown);
    if (!grown)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a patch index");
    b->entries = grown;
    b->cap = cap;
    return VG_OK;
}

vg_status vg_patch_index_builder_reserve(vg_patch_index_builder *b, uint64_t patches,
                                         vg_error *err)
{
    if (!b || b->finished)
        return vg_error_set(err, VG_ERR_INVALID, "patch index: reserve after finish");
    return reserve(b, patches, err);
}

vg_status vg_patch_index_builder_add(vg_patch_index_builder *b, uint32_t picture,
                                     const vg_patchset *set, vg_error *err)
{
    if (!b || !set || b->finished || picture >= VG_PATCH_INDEX_MAX_PICTURES ||
        set->count > VG_PATCH_MAX)
        return vg_error_set(err, VG_ERR_INVALID,
                            "patch index: bad picture %u or set, or the index is finished",
                            picture);
    if (b->count + set->count > b->cap) {
        uint64_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->count + set->count)
            cap *= 2;
        vg_status st = reserve(b, cap, err);
        if (st != VG_OK)
            return st;
    }
    for (uint32_t i = 0; i < set->count; i++)
        b->entries[b->count++] = (vg_patch_entry){.hash = set->items[i].hash,
                                                  .ref = picture << 6 | i,
                                                  .geometry = patch_geometry(&set->items[i])};
    return VG_OK;
}

/* About eight patches per bucket, within 1..PATCH_KEY_BITS bits. */
static uint32_t key_bits_for(uint64_t count)
{
    uint32_t bits = 1;
    while (bits < PATCH_KEY_BITS && (count >> (bits + 3)) > 0)
        bits++;
    return bits;
}

static inline uint32_t key_of(uint64_t hash, uint32_t bits)
{
    return (uint32_t)(hash & ((1u << bits) - 1));
}

/* In-place MSD radix sort of entries by key, 8 bits a pass from the top
 * (American flag sort): each pass moves every entry straight to its place
 * among 256 runs, whose cursors stay in cache, then sorts each run by the
 * next bits; small runs are finished by insertion. */
static void sort_by_key(vg_patch_entry *e, size_t n, uint32_t bits)
{
    if (n < 32) {
        for (size_t i = 1; i < n; i++) {
            vg_patch_entry x = e[i];
            uint32_t kx = key_of(x.hash, bits);
            size_t j = i;
            for (; j > 0 && key_of(e[j - 1].hash, bits) > kx; j--)
                e[j] = e[j - 1];
            e[j] = x;
        }
        return;
    }
    const uint32_t width = bits < 8 ? bits : 8, shift = bits - width;
    const uint32_t digits = 1u << width;
    size_t count[256] = {0}, start[257], next[256];
#define DIGIT(h) ((uint32_t)((h) >> shift) & (digits - 1))
    for (size_t i = 0; i < n; i++)
        count[DIGIT(e[i].hash)]++;
    start[0] = 0;
    for (uint32_t d = 0; d < digits; d++) {
        start[d + 1] = start[d] + count[d];
        next[d] = start[d];
    }
    for (uint32_t d = 0; d < digits; d++)
        while (next[d] < start[d + 1]) {
            vg_patch_entry x = e[next[d]];
            uint32_t dx = DIGIT(x.hash);
            while (dx != d) {
                vg_patch_entry t = e[next[dx]];
                e[next[dx]++] = x;
                x = t;
                dx = DIGIT(x.hash);
            }
            e[next[d]++] = x;
        }
#undef DIGIT
    if (shift == 0)
        return;
    for (uint32_t d = 0; d < digits; d++)
        sort_by_key(e + start[d], count[d], shift);
}

vg_status vg_patch_index_builder_finish(vg_patch_index_builder *b, vg_patch_index *out,
                                        vg_error *err)
{
    if (!b || !out || b->finished)
        return vg_error_set(err, VG_ERR_INVALID, "patch index: finished twice");
    if (b->count > UINT32_MAX)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "patch index: more than 2^32 patches");
    const uint32_t bits = key_bits_for(b->count), buckets = 1u << bits;
    b->directory = calloc((size_t)buckets + 1, sizeof *b->directory);
    if (!b->directory)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory sorting a patch index");
    sort_by_key(b->entries, b->count, bits);
    for (uint64_t i = 0; i < b->count; i++)
        b->directory[key_of(b->entries[i].hash, bits) + 1]++;
    for (uint32_t k = 0; k < buckets; k++)
        b->directory[k + 1] += b->directory[k];
    b->finished = true;
    *out = (vg_patch_index){.key_bits = bits, .directory = b->directory, .entries = b->entries,
                            .count = b->count};
    return VG_OK;
}

vg_status vg_patch_index_check(const vg_patch_index *ix, vg_error *err)
{
    if (!ix || ix->key_bits < 1 || ix->key_bits > PATCH_KEY_BITS || !ix->directory ||
        (ix->count && !ix->entries))
        return vg_error_set(err, VG_ERR_CORRUPT, "patch index: bad key size or arrays");
    const uint32_t buckets = 1u << ix->key_bits;
    if (ix->directory[0] != 0 || ix->directory[buckets] != ix->count)
        return vg_error_set(err, VG_ERR_CORRUPT, "patch index: directory does not cover entries");
    /* Ordered first: with the last start equal to the count, every bucket
     * then lies inside the entries. */
    for (uint32_t k = 0; k < buckets; k++)
        if (ix->directory[k] > ix->directory[k + 1])
            return vg_error_set(err, VG_ERR_CORRUPT, "patch index: directory out of order");
    for (uint32_t k = 0; k < buckets; k++) {
        for (uint32_t i = ix->directory[k]; i < ix->directory[k + 1]; i++)
            if (key_of(ix->entries[i].hash, ix->key_bits) != k)
                return vg_error_set(err, VG_ERR_CORRUPT,
                                    "patch index: entry %u is in the wrong bucket", i);
    }
    return VG_OK;
}

/* ---- search ---------------------------------------------------------- */

typedef struct found {
    uint64_t hash;
    uint32_t ref, geometry;
    uint8_t qi, mirrored;
} found;

/* Per (picture, mirrored): which query patches found one of its patches. */
typedef struct tally {
    uint32_t key; /* picture * 2 + mirrored, plus one; 0 = empty slot */
    uint64_t query_patches;
} tally;

typedef struct scratch {
    found *found;
    size_t found_count, found_cap;
    tally *tallies;
    size_t tally_cap; /* a power of two */
    patch_pair pairs[VG_PATCH_MAX * VG_PATCH_MAX];
} scratch;

void vg_patch_search_free(vg_patch_search *s)
{
    if (!s)
        return;
    scratch *sc = s->scratch;
    if (sc) {
        free(sc->found);
        free(sc->tallies);
    }
    free(sc);
    free(s->hits);
    memset(s, 0, sizeof *s);
}

static bool push_found(scratch *sc, const found *f)
{
    if (sc->found_count == sc->found_cap) {
        size_t cap = sc->found_cap ? sc->found_cap * 2 : 1024;
        found *grown = realloc(sc->found, cap * sizeof *grown);
        if (!grown)
            return false;
        sc->found = grown;
        sc->found_cap = cap;
    }
    sc->found[sc->found_count++] = *f;
    return true;
}

/* The buckets a query patch visits: its own key, then its weak key bits
 * flipped one at a time, then pairs of the weakest. */
static uint32_t probes(const vg_patch *p, uint64_t hash, uint32_t bits,
                       uint32_t out[VG_PATCH_PROBES])
{
    static const uint8_t pair_a[] = {0, 0, 1, 0, 1, 2, 0};
    static const uint8_t pair_b[] = {1, 2, 2, 3, 3, 3, 4};
    uint32_t key = key_of(hash, bits), n = 0;
    out[n++] = key;
    uint32_t weak[VG_PATCH_WEAK_BITS], nw = 0;
    for (int k = 0; k < VG_PATCH_WEAK_BITS; k++)
        if (p->weak[k] < bits)
            weak[nw++] = p->weak[k];
    for (uint32_t k = 0; k < nw && n < VG_PATCH_PROBES; k++)
        out[n++] = key ^ (1u << weak[k]);
    for (size_t k = 0; k < sizeof pair_a && n < VG_PATCH_PROBES; k++)
        if (pair_b[k] < nw)
            out[n++] = key ^ (1u << weak[pair_a[k]]) ^ (1u << weak[pair_b[k]]);
    return n;
}

static int by_picture(const void *a, const void *b)
{
    const found *x = a, *y = b;
    uint32_t px = x->ref >> 6, py = y->ref >> 6;
    if (px != py)
        return px < py ? -1 : 1;
    if (x->mirrored != y->mirrored)
        return x->mirrored - y->mirrored;
    if (x->qi != y->qi)
        return x->qi - y->qi;
    return (x->ref > y->ref) - (x->ref < y->ref);
}

static uint32_t tally_key(const found *f)
{
    return (f->ref >> 6) * 2 + f->mirrored + 1;
}

static tally *tally_slot(scratch *sc, uint32_t key)
{
    size_t mask = sc->tally_cap - 1, i = (key * 0x9e3779b1u) & mask;
    while (sc->tallies[i].key && sc->tallies[i].key != key)
        i = (i + 1) & mask;
    return &sc->tallies[i];
}

/* Keep only the found patches of pictures that enough distinct query
 * patches reached: counting them in a hash table avoids sorting every
 * found patch when, at millions of pictures, most are lone chance hits. */
static bool keep_promising(scratch *sc, int min_inliers)
{
    size_t cap = 64;
    while (cap < 2 * sc->found_count)
        cap *= 2;
    if (cap > sc->tally_cap) {
        tally *t = realloc(sc->tallies, cap * sizeof *t);
        if (!t)
            return false;
        sc->tallies = t;
        sc->tally_cap = cap;
    }
    memset(sc->tallies, 0, sc->tally_cap * sizeof *sc->tallies);
    for (size_t i = 0; i < sc->found_count; i++) {
        tally *t = tally_slot(sc, tally_key(&sc->found[i]));
        t->key = tally_key(&sc->found[i]);
        t->query_patches |= 1ull << sc->found[i].qi;
    }
    size_t kept = 0;
    for (size_t i = 0; i < sc->found_count; i++)
        if (__builtin_popcountll(tally_slot(sc, tally_key(&sc->found[i]))->query_patches) >=
            min_inliers)
            sc->found[kept++] = sc->found[i];
    sc->found_count = kept;
    return true;
}

static int by_score(const void *a, const void *b)
{
    const vg_patch_hit *x = a, *y = b;
    if (x->verdict.inliers != y->verdict.inliers)
        return y->verdict.inliers - x->verdict.inliers;
    return (x->picture > y->picture) - (x->picture < y->picture);
}

static bool push_hit(vg_patch_search *s, uint32_t picture, const vg_patch_verdict *v)
{
    if (s->count && s->hits[s->count - 1].picture == picture) {
        if (v->inliers > s->hits[s->count - 1].verdict.inliers)
            s->hits[s->count - 1].verdict = *v;
        return true;
    }
    if (s->count == s->hits_cap) {
        size_t cap = s->hits_cap ? s->hits_cap * 2 : 16;
        vg_patch_hit *grown = realloc(s->hits, cap * sizeof *grown);
        if (!grown)
            return false;
        s->hits = grown;
        s->hits_cap = cap;
    }
    s->hits[s->count++] = (vg_patch_hit){picture, *v};
    return true;
}

vg_status vg_patch_index_search(const vg_patch_index *ix, const vg_patchset *query,
                                int min_inliers, vg_patch_search *s, vg_error *err)
{
    if (!ix || !query || !s || query->count > VG_PATCH_MAX)
        return vg_error_set(err, VG_ERR_INVALID, "vg_patch_index_search: bad argument");
    s->count = 0;
    if (!s->scratch && !(s->scratch = calloc(1, sizeof(scratch))))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching patches");
    scratch *sc = s->scratch;
    sc->found_count = 0;
    if (min_inliers < 2)
        min_inliers = 2;
    if (!ix->count || ix->key_bits < 1 || ix->key_bits > PATCH_KEY_BITS)
        return VG_OK;
    const uint32_t buckets = 1u << ix->key_bits;

    for (int m = 0; m < 2; m++)
        for (uint32_t i = 0; i < query->count; i++) {
            const vg_patch *p = &query->items[i];
            uint64_t h = m ? vg_patch_mirror_hash(p->hash) : p->hash;
            uint32_t keys[VG_PATCH_PROBES];
            uint32_t nk = probes(p, h, ix->key_bits, keys);
            for (uint32_t k = 0; k < nk; k++) {
                if (keys[k] >= buckets)
                    continue;
                uint64_t start = ix->directory[keys[k]], end = ix->directory[keys[k] + 1];
                if (end > ix->count)
                    end = ix->count;
                for (uint64_t e = start; e < end; e++) {
                    const vg_patch_entry *pe = &ix->entries[e];
                    if (__builtin_popcountll(h ^ pe->hash) > VG_PATCH_MAX_DISTANCE)
                        continue;
                    found f = {pe->hash, pe->ref, pe->geometry, (uint8_t)i, (uint8_t)m};
                    if (!push_found(sc, &f))
                        return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching patches");
                }
            }
        }
    if (!keep_promising(sc, min_inliers))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching patches");
    if (sc->found_count > 1)
        qsort(sc->found, sc->found_count, sizeof *sc->found, by_picture);

    for (size_t g = 0; g < sc->found_count;) {
        size_t end = g;
        uint32_t picture = sc->found[g].ref >> 6;
        uint8_t mirrored = sc->found[g].mirrored;
        int distinct = 0;
        while (end < sc->found_count && sc->found[end].ref >> 6 == picture &&
               sc->found[end].mirrored == mirrored) {
            distinct += end == g || sc->found[end].qi != sc->found[end - 1].qi;
            end++;
        }
        if (distinct >= min_inliers) {
            size_t n = 0;
            for (size_t k = g; k < end && n < VG_PATCH_MAX * VG_PATCH_MAX; k++) {
                const found *f = &sc->found[k];
                patch_pair_make(&query->items[f->qi], f->qi, f->hash, f->geometry, f->ref & 63,
                                f->mirrored, &sc->pairs[n++]);
            }
            vg_patch_verdict v = {0};
            patch_consensus(sc->pairs, n, mirrored, &v);
            if (v.inliers >= min_inliers && !push_hit(s, picture, &v))
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching patches");
        }
        g = end;
    }
    if (s->count > 1)
        qsort(s->hits, s->count, sizeof *s->hits, by_score);
    return VG_OK;
}
