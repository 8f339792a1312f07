/*
 * Searching an index: exact digest lookups and exact PDQ radius search.
 *
 * PDQ search (see docs/match.md for the derivation). The 256 bits are cut
 * into 16 parts of 16 bits, paired into 8 pairs (a, b). If d(q, x) <= r
 * then, with t = floor(r / 8), some pair has d_a + d_b <= t (otherwise the
 * eight pairs would add up to at least 8t + 8 > r), and inside that pair,
 * with s = floor(t / 2), one half has distance <= s (otherwise the pair
 * would have at least 2s + 2 > t). Each pair has two tables: A, bucketed
 * by a with b stored inline, and B, bucketed by b with a inline. A query
 * visits, in every table, the buckets whose key is within s of its own
 * key half and keeps the entries whose pair distance is <= t; in B only
 * those with d_a > s, as the others were already seen in A. Survivors are
 * checked against the full hash, and reported only from the first pair
 * where their pair distance is <= t, so each match is found exactly once.
 * Nothing is approximated: the result is every entry within r.
 *
 * When the enumeration would cost more than reading every hash (large
 * radii, small segments), the segment is scanned instead.
 *
 * The search serves every signal type of the Hamming family
 * (index_family_of); PDQ is the one there is today.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_internal.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VG_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VG_MULTIVERSION
#endif
#define VG_INLINE static inline __attribute__((always_inline))

void vg_index_matches_free(vg_index_matches *m)
{
    if (!m)
        return;
    free(m->items);
    m->items = NULL;
    m->count = m->capacity = 0;
}

static bool push(vg_index_matches *m, uint64_t entry, int distance, vg_signal_type type)
{
    if (m->count == m->capacity) {
        size_t cap = m->capacity ? m->capacity * 2 : 16;
        vg_index_match *p = realloc(m->items, cap * sizeof *p);
        if (!p)
            return false;
        m->items = p;
        m->capacity = cap;
    }
    m->items[m->count++] = (vg_index_match){entry, distance, type, 0};
    return true;
}

/* ---- exact ---- */

static inline uint32_t prefix32(const uint8_t *v)
{
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* The records of segment g equal to v: [*lo, *hi). */
static void exact_range(const vg_segment *g, vg_signal_type t, const uint8_t *v, uint64_t *lo,
                        uint64_t *hi)
{
    size_t vb = vg_signal_type_bytes(t), rs = vb + 4;
    const exact_view *x = &g->types[t].exact;
    uint64_t n = g->types[t].count;
    uint32_t k = prefix32(v) >> (32 - x->bits);
    uint64_t a = x->dir[k], b = x->dir[k + 1];
    if (b > n)
        b = n;
    if (a > b)
        a = b;
    const uint8_t *rec = x->rec;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2;
        if (memcmp(rec + mid * rs, v, vb) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    b = a;
    while (b < n && memcmp(rec + b * rs, v, vb) == 0)
        b++;
    *lo = a;
    *hi = b;
}

static uint32_t record_entry(const vg_segment *g, vg_signal_type t, uint64_t i)
{
    size_t vb = vg_signal_type_bytes(t);
    uint32_t e;
    memcpy(&e, g->types[t].exact.rec + i * (vb + 4) + vb, 4);
    return e;
}

vg_status vg_index_find_exact(const vg_index *x, vg_signal_type type, const uint8_t *value,
                              vg_index_matches *out, vg_error *err)
{
    out->count = 0;
    if ((unsigned)type >= INDEX_TYPES || index_family_of(type) != FAMILY_EXACT)
        return vg_error_set(err, VG_ERR_INVALID, "exact lookup needs md5, sha1 or sha256");
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        uint64_t lo, hi;
        exact_range(g, type, value, &lo, &hi);
        for (uint64_t i = lo; i < hi; i++) {
            uint32_t e = record_entry(g, type, i);
            if (e >= g->entries || index_removed(x, g->entry_base + e))
                continue;
            if (!push(out, g->entry_base + e, 0, type))
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory for matches");
        }
    }
    return VG_OK;
}

#define BATCH 16

vg_status vg_index_count_exact_batch(const vg_index *x, vg_signal_type type,
                                     const uint8_t *values, size_t count, uint32_t *found,
                                     vg_error *err)
{
    if ((unsigned)type >= INDEX_TYPES || index_family_of(type) != FAMILY_EXACT)
        return vg_error_set(err, VG_ERR_INVALID, "exact lookup needs md5, sha1 or sha256");
    size_t vb = vg_signal_type_bytes(type), rs = vb + 4;
    memset(found, 0, count * sizeof *found);
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        const exact_view *ev = &g->types[type].exact;
        uint32_t bits = ev->bits;
        const uint32_t *dir = ev->dir;
        for (size_t base = 0; base < count; base += BATCH) {
            size_t n = count - base < BATCH ? count - base : BATCH;
            const uint8_t *v = values + base * vb;
            /* Three passes over the batch so that the memory accesses of
             * different lookups overlap instead of waiting in turn. */
            for (size_t i = 0; i < n; i++)
                __builtin_prefetch(dir + (prefix32(v + i * vb) >> (32 - bits)));
            for (size_t i = 0; i < n; i++) {
                uint32_t at = dir[prefix32(v + i * vb) >> (32 - bits)];
                if (at < g->types[type].count)
                    __builtin_prefetch(ev->rec + (uint64_t)at * rs);
            }
            for (size_t i = 0; i < n; i++) {
                uint64_t lo, hi;
                exact_range(g, type, v + i * vb, &lo, &hi);
                for (uint64_t j = lo; j < hi; j++) {
                    uint32_t e = record_entry(g, type, j);
                    if (e < g->entries && !index_removed(x, g->entry_base + e))
                        found[base + i]++;
                }
            }
        }
    }
    return VG_OK;
}

/* ---- Hamming-distance hashes (PDQ) ---- */

typedef struct ham_query {
    uint64_t word[4];
    uint32_t pair[HAM_PAIRS];
    int radius, t, s;
    vg_signal_type type;
} ham_query;

VG_INLINE uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

VG_INLINE uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

VG_INLINE int distance_to(const ham_query *q, const uint8_t *h)
{
    return __builtin_popcountll(load64(h) ^ q->word[0]) +
           __builtin_popcountll(load64(h + 8) ^ q->word[1]) +
           __builtin_popcountll(load64(h + 16) ^ q->word[2]) +
           __builtin_popcountll(load64(h + 24) ^ q->word[3]);
}

/* Report the entry of rank `rank` at distance d, unless removed. Returns
 * false on allocation failure. */
static bool report(const vg_index *x, const vg_segment *g, const ham_query *q, uint64_t rank,
                   int d, vg_index_matches *out)
{
    uint64_t local = segment_select(g, q->type, rank);
    if (local == NO_ENTRY || index_removed(x, g->entry_base + local))
        return true;
    return push(out, g->entry_base + local, d, q->type);
}

/* Check the hash of the given rank; report it when within the radius and
 * `pair` is the first pair within t. Returns false on allocation failure. */
VG_INLINE bool verify(const vg_index *x, const vg_segment *g, const ham_query *q, uint64_t rank,
                      unsigned pair, vg_index_matches *out)
{
    const hamming_view *hv = &g->types[q->type].ham;
    if (rank >= g->types[q->type].count)
        return true;
    const uint8_t *h = hv->hash + rank * HAM_BYTES;
    int d = distance_to(q, h);
    if (d > q->radius)
        return true;
    for (unsigned p = 0; p < pair; p++)
        if (__builtin_popcount(load32(h + 4 * p) ^ q->pair[p]) <= q->t)
            return true;
    return report(x, g, q, rank, d, out);
}

/* Work lists of one query, so that the memory accesses of many buckets and
 * candidates are issued together (prefetch) instead of one after another:
 * at 10 million entries nearly every access misses the caches. */
#define JOB_BATCH 64
#define CAND_BATCH 128

typedef struct bucket_job {
    uint32_t table, key, lo, hi;
    uint16_t lo_d, span;
} bucket_job;

typedef struct cand_a { /* a table-A position of a pair */
    uint32_t pair, at;
} cand_a;

typedef struct cand_b { /* a pair value (a, b) seen in table B */
    uint32_t pair;
    uint16_t a, b;
} cand_b;

typedef struct multi_state {
    const vg_index *x;
    const vg_segment *g;
    const hamming_view *h;
    const ham_query *q;
    vg_index_matches *out;
    uint64_t n;
    cand_a ca[CAND_BATCH];
    cand_b cb[CAND_BATCH];
    unsigned na, nb;
    bool failed;
} multi_state;

VG_INLINE void flush_a(multi_state *m)
{
    const hamming_view *h = m->h;
    uint64_t rank[CAND_BATCH];
    for (unsigned i = 0; i < m->na; i++)
        __builtin_prefetch(h->pos[m->ca[i].pair] + (uint64_t)m->ca[i].at * h->pos_bytes);
    for (unsigned i = 0; i < m->na; i++) {
        rank[i] = ham_position(h, m->ca[i].pair, m->ca[i].at);
        if (rank[i] < m->n)
            __builtin_prefetch(h->hash + rank[i] * HAM_BYTES);
    }
    for (unsigned i = 0; i < m->na && !m->failed; i++)
        if (!verify(m->x, m->g, m->q, rank[i], m->ca[i].pair, m->out))
            m->failed = true;
    m->na = 0;
}

VG_INLINE void push_a(multi_state *m, uint32_t pair, uint64_t at)
{
    if (m->na == CAND_BATCH)
        flush_a(m);
    m->ca[m->na++] = (cand_a){pair, (uint32_t)at};
}

/* Resolve B hits: the entries with pair value (a, b) are the run of b in
 * bucket a of table A. */
VG_INLINE void flush_b(multi_state *m)
{
    const hamming_view *h = m->h;
    uint64_t lo[CAND_BATCH], hi[CAND_BATCH];
    for (unsigned i = 0; i < m->nb; i++)
        __builtin_prefetch(h->dir[2 * m->cb[i].pair] + m->cb[i].a);
    for (unsigned i = 0; i < m->nb; i++) {
        const uint32_t *dir = h->dir[2 * m->cb[i].pair];
        lo[i] = dir[m->cb[i].a];
        hi[i] = dir[m->cb[i].a + 1];
        if (hi[i] > m->n)
            hi[i] = m->n;
        if (lo[i] > hi[i])
            lo[i] = hi[i];
        const char *inl = (const char *)(h->inl[2 * m->cb[i].pair] + lo[i]);
        for (uint64_t off = 0; off < (hi[i] - lo[i]) * 2; off += 64)
            __builtin_prefetch(inl + off);
    }
    for (unsigned i = 0; i < m->nb; i++) {
        const uint16_t *inl = h->inl[2 * m->cb[i].pair];
        uint16_t b = m->cb[i].b;
        uint64_t a = lo[i], z = hi[i];
        while (a < z) {
            uint64_t mid = a + (z - a) / 2;
            if (inl[mid] < b)
                a = mid + 1;
            else
                z = mid;
        }
        for (; a < hi[i] && inl[a] == b; a++)
            push_a(m, m->cb[i].pair, a);
    }
    m->nb = 0;
}

typedef uint16_t v16u16 __attribute__((vector_size(32)));

VG_INLINE void scan_bucket(multi_state *m, const bucket_job *j)
{
    unsigned pair = j->table / 2, side = j->table % 2;
    const uint16_t *inl = m->h->inl[j->table];
    uint16_t qinl = ham_part((const uint8_t *)m->q->word, j->table ^ 1);
    v16u16 qv = {0}, lov = {0}, spanv = {0};
    qv += qinl;
    lov += j->lo_d;
    spanv += j->span;
    for (uint64_t i = j->lo; i < j->hi; i += 16) {
        uint64_t n = j->hi - i;
        v16u16 v = ~qv; /* the tail's padding lanes are never reported */
        memcpy(&v, inl + i, (n < 16 ? n : 16) * 2);
        /* Per-lane popcount of v ^ q (SWAR), then lo_d <= d <= lo_d + span. */
        v16u16 d = v ^ qv;
        d = d - ((d >> 1) & 0x5555);
        d = (d & 0x3333) + ((d >> 2) & 0x3333);
        d = (d + (d >> 4)) & 0x0F0F;
        d = (d + (d >> 8)) & 0x1F;
        v16u16 hit = (v16u16)((d - lov) <= spanv);
        uint64_t words[4];
        memcpy(words, &hit, sizeof words);
        if (!(words[0] | words[1] | words[2] | words[3]))
            continue;
        uint64_t count = n < 16 ? n : 16;
        for (uint64_t k = 0; k < count; k++) {
            if (!hit[k])
                continue;
            uint64_t at = i + k;
            if (side == 0) {
                push_a(m, pair, at);
            } else if (at == j->lo || inl[at] != inl[at - 1]) {
                /* Equal (b, a) values sit together in B: resolve once. */
                if (m->nb == CAND_BATCH)
                    flush_b(m);
                m->cb[m->nb++] = (cand_b){pair, inl[at], (uint16_t)j->key};
            }
        }
    }
}

/* Find each job's bucket in its directory and prefetch its first lines. */
VG_INLINE void locate_buckets(multi_state *m, bucket_job *jobs, unsigned nj)
{
    for (unsigned k = 0; k < nj; k++) {
        const uint32_t *d = m->h->dir[jobs[k].table];
        uint64_t lo = d[jobs[k].key], hi = d[jobs[k].key + 1];
        if (hi > m->n)
            hi = m->n;
        if (lo > hi)
            lo = hi;
        jobs[k].lo = (uint32_t)lo;
        jobs[k].hi = (uint32_t)hi;
        const char *p = (const char *)(m->h->inl[jobs[k].table] + lo);
        for (uint64_t off = 0; off < (hi - lo) * 2 && off < 512; off += 64)
            __builtin_prefetch(p + off);
    }
}

static VG_MULTIVERSION bool search_multi(const vg_index *x, const vg_segment *g,
                                         const ham_query *q, vg_index_matches *out)
{
    multi_state *m = malloc(sizeof *m);
    if (!m)
        return false;
    m->x = x;
    m->g = g;
    m->h = &g->types[q->type].ham;
    m->q = q;
    m->out = out;
    m->n = g->types[q->type].count;
    m->na = m->nb = 0;
    m->failed = false;
    const int t = q->t, s = q->s;
    const uint8_t *qb = (const uint8_t *)q->word;
    bucket_job jobs[JOB_BATCH];
    unsigned nj = 0;
    uint32_t masks = x->mask_start[s + 1];
    /* Every (table, key within s of the query's key) is one bucket job. */
    for (unsigned table = 0; table < HAM_TABLES && !m->failed; table++) {
        uint16_t qkey = ham_part(qb, table);
        const uint32_t *dir = m->h->dir[table];
        unsigned side = table % 2;
        for (uint32_t mi = 0; mi < masks; mi++) {
            uint16_t mask = x->masks[mi];
            int w = __builtin_popcount(mask);
            /* Entries in these buckets have key distance w; the inline half
             * may add up to t - w, and in B must exceed s (the others were
             * seen in A). */
            int lo_d = side ? s + 1 : 0, hi_d = t - w;
            if (lo_d > hi_d)
                continue;
            uint16_t key = qkey ^ mask;
            __builtin_prefetch(dir + key);
            jobs[nj++] = (bucket_job){table, key, 0, 0, (uint16_t)lo_d, (uint16_t)(hi_d - lo_d)};
            if (nj < JOB_BATCH)
                continue;
            locate_buckets(m, jobs, nj);
            for (unsigned k = 0; k < nj; k++)
                scan_bucket(m, &jobs[k]);
            nj = 0;
        }
    }
    locate_buckets(m, jobs, nj);
    for (unsigned k = 0; k < nj; k++)
        scan_bucket(m, &jobs[k]);
    flush_b(m);
    flush_a(m);
    bool ok = !m->failed;
    free(m);
    return ok;
}

static VG_MULTIVERSION bool search_scan(const vg_index *x, const vg_segment *g,
                                        const ham_query *q, vg_index_matches *out)
{
    uint64_t n = g->types[q->type].count;
    const uint8_t *h = g->types[q->type].ham.hash;
    for (uint64_t rank = 0; rank < n; rank++, h += HAM_BYTES) {
        int d = distance_to(q, h);
        if (d <= q->radius && !report(x, g, q, rank, d, out))
            return false;
    }
    return true;
}

/* Whether scanning segment g costs less than enumerating its tables,
 * for uniformly spread hashes (the estimate need not be exact: both ways
 * give the same answer). */
static bool scan_is_cheaper(const vg_index *x, const vg_segment *g, const ham_query *q)
{
    if (!g->types[q->type].ham.tables || q->s > 4)
        return true;
    double n = (double)g->types[q->type].count;
    double buckets = x->mask_start[q->s + 1];
    double within = 0, binom = 1; /* P(pair distance <= t) for random 32-bit halves */
    for (int i = 0; i <= q->t && i <= 32; i++) {
        within += binom;
        binom = binom * (32 - i) / (i + 1);
    }
    within /= 4294967296.0;
    double scanned = HAM_TABLES * buckets * n / HAM_BUCKETS;
    double multi = scanned * 0.3 + HAM_TABLES * buckets * 5 + HAM_PAIRS * n * within * 20;
    return n * 2 < multi;
}

static int id_compare(const vg_index *x, uint64_t a, uint64_t b)
{
    vg_index_entry ea, eb;
    if (vg_index_entry_get(x, a, &ea, NULL) != VG_OK || vg_index_entry_get(x, b, &eb, NULL) != VG_OK)
        return 0;
    const char *p = ea.id, *q = eb.id;
    size_t pn = ea.id_len, qn = eb.id_len;
    bool pd = pn > 0, qd = qn > 0;
    for (size_t i = 0; i < pn && pd; i++)
        pd = p[i] >= '0' && p[i] <= '9';
    for (size_t i = 0; i < qn && qd; i++)
        qd = q[i] >= '0' && q[i] <= '9';
    if (pd && qd) {
        while (pn > 1 && *p == '0')
            p++, pn--;
        while (qn > 1 && *q == '0')
            q++, qn--;
        if (pn != qn)
            return pn < qn ? -1 : 1;
        return memcmp(p, q, pn);
    }
    int c = memcmp(p, q, pn < qn ? pn : qn);
    return c ? c : (pn > qn) - (pn < qn);
}

static int match_order(const void *pa, const void *pb, void *ctx)
{
    const vg_index_match *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance < b->distance ? -1 : 1;
    int c = id_compare(ctx, a->entry, b->entry);
    if (c)
        return c;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

/* Every live entry of the Hamming-family types in the mask (bit t for
 * signal type t) within `radius` of hash, in no particular order. */
static vg_status search_hamming(const vg_index *x, unsigned types, const uint8_t *hash,
                                int radius, pdq_mode mode, vg_index_matches *out, vg_error *err)
{
    out->count = 0;
    if (radius < 0 || radius > VG_INDEX_MAX_RADIUS)
        return vg_error_set(err, VG_ERR_INVALID, "radius %d is outside 0..%d", radius,
                            VG_INDEX_MAX_RADIUS);
    ham_query q;
    memcpy(q.word, hash, sizeof q.word);
    for (unsigned p = 0; p < HAM_PAIRS; p++)
        q.pair[p] = load32(hash + 4 * p);
    q.radius = radius;
    q.t = radius / 8;
    q.s = q.t / 2;
    for (unsigned t = 0; t < INDEX_TYPES; t++) {
        if (!(types >> t & 1))
            continue;
        q.type = (vg_signal_type)t;
        for (unsigned s = 0; s < x->segment_count; s++) {
            const vg_segment *g = &x->segments[s];
            if (!g->types[t].count)
                continue;
            bool scan = mode == PDQ_MODE_SCAN || !g->types[t].ham.tables || q.s > 8 ||
                        (mode == PDQ_MODE_AUTO && scan_is_cheaper(x, g, &q));
            if (!(scan ? search_scan(x, g, &q, out) : search_multi(x, g, &q, out)))
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory for matches");
        }
    }
    return VG_OK;
}

static int by_entry_then_distance(const void *pa, const void *pb)
{
    const vg_index_match *a = pa, *b = pb;
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return (a->distance > b->distance) - (a->distance < b->distance);
}

/* Frames stand for their video: each becomes the video's entry, and a video
 * with several frames within the radius is reported once, closest first. */
static void fold_frames(const vg_index *x, vg_index_matches *out)
{
    bool folded = false;
    for (size_t i = 0; i < out->count; i++) {
        uint64_t video;
        uint32_t frames;
        if (index_frame_video(x, out->items[i].entry, &video, &frames)) {
            out->items[i].entry = video;
            out->items[i].type = VG_SIGNAL_VPDQ;
            folded = true;
        }
    }
    if (!folded)
        return;
    qsort(out->items, out->count, sizeof *out->items, by_entry_then_distance);
    size_t kept = 0;
    for (size_t i = 0; i < out->count; i++)
        if (kept == 0 || out->items[kept - 1].entry != out->items[i].entry)
            out->items[kept++] = out->items[i];
    out->count = kept;
}

vg_status vg_index_search_pdq_mode(const vg_index *x, const vg_pdq_hash *query, int radius,
                                   pdq_mode mode, vg_index_matches *out, vg_error *err)
{
    unsigned types = 1u << VG_SIGNAL_PDQ | 1u << VG_SIGNAL_PDQ_TRIMMED;
    vg_status st = search_hamming(x, types, query->bytes, radius, mode, out, err);
    if (st != VG_OK)
        return st;
    fold_frames(x, out);
    if (out->count > 1)
        qsort_r(out->items, out->count, sizeof *out->items, match_order, (void *)x);
    return VG_OK;
}

vg_status index_search_pdq_entries(const vg_index *x, const vg_pdq_hash *query, int radius,
                                   pdq_mode mode, vg_index_matches *out, vg_error *err)
{
    return search_hamming(x, 1u << VG_SIGNAL_PDQ, query->bytes, radius, mode, out, err);
}

vg_status vg_index_search_pdq(const vg_index *x, const vg_pdq_hash *query, int radius,
                              vg_index_matches *out, vg_error *err)
{
    return vg_index_search_pdq_mode(x, query, radius, PDQ_MODE_AUTO, out, err);
}

/* ---- patch sets ---- */

static int by_score(const void *pa, const void *pb)
{
    const vg_index_match *a = pa, *b = pb;
    if (a->score != b->score)
        return b->score - a->score;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

vg_status vg_index_search_patchset(const vg_index *x, const vg_patchset *query, int min_inliers,
                                   vg_patch_search *search, vg_index_matches *out, vg_error *err)
{
    out->count = 0;
    if (!query || !search)
        return vg_error_set(err, VG_ERR_INVALID, "vg_index_search_patchset: NULL argument");
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        const type_view *tv = &g->types[VG_SIGNAL_PATCHSET];
        if (!tv->count)
            continue;
        vg_status st = vg_patch_index_search(&tv->patch.index, query, min_inliers, search, err);
        if (st != VG_OK)
            return st;
        for (size_t h = 0; h < search->count; h++) {
            uint64_t local = segment_select(g, VG_SIGNAL_PATCHSET, search->hits[h].picture);
            if (local == NO_ENTRY) /* a damaged file: skip, verify says so */
                continue;
            uint64_t entry = g->entry_base + local;
            if (index_removed(x, entry))
                continue;
            if (!push(out, entry, 0, VG_SIGNAL_PATCHSET))
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory for matches");
            out->items[out->count - 1].score = search->hits[h].verdict.inliers;
        }
    }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, by_score);
    return VG_OK;
}
