/*
 * src/model/factpack.c - facts packed in a blob (factpack.h).
 */
#include "model/factpack.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char MAGIC[4] = {'V', 'G', 'F', 'P'};
enum { NTIMES = 4, NINTS = 12, NSTRINGS = 16, CHECKSUM = 8 };

int64_t vg_factpack_day(int64_t created_at)
{
    return created_at / VG_FACTPACK_DAY_SECONDS;
}

/* The fields of a fact in the encoding's order, as pointers into it. */
static void fields(vg_report_fact *f, int64_t **times, int64_t **ints, const char ***strings)
{
    int64_t *t[NTIMES] = {&f->first_look_at, &f->decided_at, &f->notice_at, &f->removed_at};
    int64_t *i[NINTS] = {NULL,          &f->files,         &f->known_files, &f->claimed_files,
                         &f->videos,    &f->urls,          &f->notices,     &f->renotices,
                         &f->escalations, &f->reappearances, &f->blocked,   &f->appeals};
    const char **s[NSTRINGS] = {&f->source,   &f->reporter_kind, &f->category, &f->language,
                                &f->country,  &f->state,         &f->legal,    &f->severity,
                                &f->age,      &f->host_country,  &f->asn,      &f->provider,
                                &f->route,    &f->sex,           &f->flags,    &f->baseline};
    memcpy(times, t, sizeof t);
    memcpy(ints, i, sizeof i);
    memcpy(strings, s, sizeof s);
}

static uint64_t zigzag(uint64_t d) /* d: a difference modulo 2^64 */
{
    return (d << 1) ^ (0 - (d >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

/* ---- building ---- */

typedef struct buf {
    unsigned char *p; /* owned */
    size_t len, cap;
} buf;

static int buf_grow(buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2)
            return 0;
        cap *= 2;
    }
    unsigned char *p = realloc(b->p, cap);
    if (!p)
        return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

static int put_varint(buf *b, uint64_t v)
{
    if (!buf_grow(b, 10))
        return 0;
    while (v >= 0x80) {
        b->p[b->len++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->p[b->len++] = (unsigned char)v;
    return 1;
}

static int put_bytes(buf *b, const void *p, size_t n)
{
    if (n == 0) /* p may be NULL: an empty pack's facts */
        return 1;
    if (!buf_grow(b, n))
        return 0;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 1;
}

struct vg_factpack {
    buf facts;   /* the facts' encoding, without the header and strings */
    buf out;     /* the whole blob, made by vg_factpack_bytes */
    size_t count;
    int64_t last_id, last_created;
    /* The strings, interned: an open-addressing table of indexes + 1 into
     * strings (owned copies), sized a power of two. */
    char **strings;
    size_t nstrings, cap_strings;
    uint32_t *slots;
    size_t nslots;
};

vg_status vg_factpack_new(vg_factpack **out, vg_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
}

size_t vg_factpack_count(const vg_factpack *p)
{
    return p->count;
}

void vg_factpack_free(vg_factpack *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nstrings; i++)
        free(p->strings[i]);
    free(p->strings);
    free(p->slots);
    free(p->facts.p);
    free(p->out.p);
    free(p);
}

static uint64_t str_hash(const char *s)
{
    return fnv1a((const unsigned char *)s, strlen(s));
}

static int rehash(vg_factpack *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t i = 0; i < p->nstrings; i++) {
        size_t k = (size_t)str_hash(p->strings[i]) & (n - 1);
        while (slots[k])
            k = (k + 1) & (n - 1);
        slots[k] = (uint32_t)(i + 1);
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = n;
    return 1;
}

/* The string's number in the encoding (0: NULL); 0 with *ok = 0 when out
 * of memory. */
static uint64_t intern(vg_factpack *p, const char *s, int *ok)
{
    if (!s)
        return 0;
    if ((p->nstrings + 1) * 2 > p->nslots && !rehash(p)) {
        *ok = 0;
        return 0;
    }
    size_t k = (size_t)str_hash(s) & (p->nslots - 1);
    while (p->slots[k]) {
        if (!strcmp(p->strings[p->slots[k] - 1], s))
            return p->slots[k];
        k = (k + 1) & (p->nslots - 1);
    }
    if (p->nstrings == p->cap_strings) {
        size_t cap = p->cap_strings ? p->cap_strings * 2 : 32;
        char **strings = realloc(p->strings, cap * sizeof *strings);
        if (!strings) {
            *ok = 0;
            return 0;
        }
        p->strings = strings;
        p->cap_strings = cap;
    }
    char *copy = strdup(s);
    if (!copy) {
        *ok = 0;
        return 0;
    }
    p->strings[p->nstrings++] = copy;
    p->slots[k] = (uint32_t)p->nstrings;
    return p->nstrings;
}

vg_status vg_factpack_add(vg_factpack *p, const vg_report_fact *fact, vg_error *err)
{
    vg_report_fact f = *fact;
    int64_t *times[NTIMES], *ints[NINTS];
    const char **strings[NSTRINGS];
    fields(&f, times, ints, strings);
    buf *b = &p->facts;
    int ok = put_varint(b, zigzag((uint64_t)f.id - (uint64_t)p->last_id)) &&
             put_varint(b, zigzag((uint64_t)f.case_id - (uint64_t)f.id)) &&
             put_varint(b, zigzag((uint64_t)f.created_at - (uint64_t)p->last_created));
    unsigned mask = 0;
    for (int i = 0; i < NTIMES; i++)
        mask |= (*times[i] != 0) << i;
    ok = ok && put_varint(b, mask);
    for (int i = 0; i < NTIMES && ok; i++)
        if (*times[i])
            ok = put_varint(b, zigzag((uint64_t)*times[i] - (uint64_t)f.created_at));
    ok = ok && put_varint(b, zigzag((uint64_t)(int64_t)f.duplicate));
    for (int i = 1; i < NINTS && ok; i++)
        ok = put_varint(b, zigzag((uint64_t)*ints[i]));
    for (int i = 0; i < NSTRINGS && ok; i++) {
        uint64_t n = intern(p, *strings[i], &ok);
        ok = ok && put_varint(b, n);
    }
    if (!ok)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
    p->last_id = f.id;
    p->last_created = f.created_at;
    p->count++;
    return VG_OK;
}

vg_status vg_factpack_bytes(vg_factpack *p, const unsigned char **bytes, size_t *len,
                            vg_error *err)
{
    buf *o = &p->out;
    o->len = 0;
    unsigned char version = VG_FACTPACK_VERSION;
    int ok = put_bytes(o, MAGIC, sizeof MAGIC) && put_bytes(o, &version, 1) &&
             put_varint(o, p->nstrings);
    for (size_t i = 0; i < p->nstrings && ok; i++) {
        size_t n = strlen(p->strings[i]);
        ok = put_varint(o, n) && put_bytes(o, p->strings[i], n);
    }
    ok = ok && put_varint(o, p->count) && put_bytes(o, p->facts.p, p->facts.len);
    if (ok) {
        uint64_t h = fnv1a(o->p, o->len);
        unsigned char sum[CHECKSUM];
        for (int i = 0; i < CHECKSUM; i++)
            sum[i] = (unsigned char)(h >> (8 * i));
        ok = put_bytes(o, sum, sizeof sum);
    }
    if (!ok)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
    *bytes = o->p;
    *len = o->len;
    return VG_OK;
}

/* ---- reading ---- */

typedef struct reader {
    const unsigned char *p, *end;
} reader;

static int get_varint(reader *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end)
            return 0;
        unsigned char c = *r->p++;
        if (shift == 63 && c > 1) /* beyond 64 bits */
            return 0;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

static int get_signed(reader *r, uint64_t base, int64_t *v)
{
    uint64_t z;
    if (!get_varint(r, &z))
        return 0;
    *v = (int64_t)(base + unzigzag(z));
    return 1;
}

static vg_status corrupt(vg_error *err, const char *why)
{
    return vg_error_set(err, VG_ERR_CORRUPT, "packed statistics' facts are damaged: %s", why);
}

vg_status vg_factpack_read(const unsigned char *blob, size_t len, vg_factpack_fn fn, void *ctx,
                           vg_error *err)
{
    if (len < sizeof MAGIC + 1 + CHECKSUM || memcmp(blob, MAGIC, sizeof MAGIC))
        return corrupt(err, "not a pack");
    if (blob[sizeof MAGIC] != VG_FACTPACK_VERSION)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "a packed day of statistics' facts has version %u, this vigie reads "
                            "%d; use a newer vigie",
                            blob[sizeof MAGIC], VG_FACTPACK_VERSION);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* the fuzzer reaches the decoding */
    uint64_t sum = 0;
    for (int i = 0; i < CHECKSUM; i++)
        sum |= (uint64_t)blob[len - CHECKSUM + i] << (8 * i);
    if (fnv1a(blob, len - CHECKSUM) != sum)
        return corrupt(err, "its checksum does not match");
#endif
    reader r = {blob + sizeof MAGIC + 1, blob + len - CHECKSUM};
    uint64_t nstrings, nfacts;
    /* every string takes at least a byte (its length), every fact 30 */
    if (!get_varint(&r, &nstrings) || nstrings > (uint64_t)(r.end - r.p))
        return corrupt(err, "its strings are cut");
    /* The strings, NUL-terminated, in one allocation: their lengths and
     * bytes take at least as much room in the blob as they will here. */
    char *text = malloc((size_t)(r.end - r.p) + 1);
    const char **strings = malloc((size_t)(nstrings ? nstrings : 1) * sizeof *strings);
    vg_report_fact *facts = NULL;
    vg_status st = VG_OK;
    if (!text || !strings) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory reading packed facts");
        goto done;
    }
    char *t = text;
    for (uint64_t i = 0; i < nstrings; i++) {
        uint64_t n;
        if (!get_varint(&r, &n) || n > (uint64_t)(r.end - r.p)) {
            st = corrupt(err, "a string is cut");
            goto done;
        }
        if (memchr(r.p, '\0', (size_t)n)) {
            st = corrupt(err, "a string holds a NUL byte");
            goto done;
        }
        memcpy(t, r.p, (size_t)n);
        t[n] = '\0';
        strings[i] = t;
        t += n + 1;
        r.p += n;
    }
    if (!get_varint(&r, &nfacts) || nfacts > (uint64_t)(r.end - r.p) / 30 + 1) {
        st = corrupt(err, "its facts are cut");
        goto done;
    }
    facts = malloc((size_t)(nfacts ? nfacts : 1) * sizeof *facts);
    if (!facts) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory reading packed facts");
        goto done;
    }
    int64_t last_id = 0, last_created = 0;
    for (uint64_t k = 0; k < nfacts; k++) {
        vg_report_fact *f = &facts[k];
        memset(f, 0, sizeof *f);
        int64_t *times[NTIMES], *ints[NINTS];
        const char **strs[NSTRINGS];
        fields(f, times, ints, strs);
        uint64_t mask, n;
        int64_t duplicate = 0;
        int ok = get_signed(&r, (uint64_t)last_id, &f->id) &&
                 get_signed(&r, (uint64_t)f->id, &f->case_id) &&
                 get_signed(&r, (uint64_t)last_created, &f->created_at) &&
                 get_varint(&r, &mask) && mask < (1u << NTIMES);
        for (int i = 0; i < NTIMES && ok; i++)
            if (mask & (1u << i))
                ok = get_signed(&r, (uint64_t)f->created_at, times[i]) && *times[i] != 0;
        ok = ok && get_signed(&r, 0, &duplicate) && duplicate >= INT_MIN && duplicate <= INT_MAX;
        f->duplicate = (int)duplicate;
        for (int i = 1; i < NINTS && ok; i++)
            ok = get_signed(&r, 0, ints[i]);
        for (int i = 0; i < NSTRINGS && ok; i++) {
            ok = get_varint(&r, &n) && n <= nstrings;
            if (ok)
                *strs[i] = n ? strings[n - 1] : NULL;
        }
        if (!ok) {
            st = corrupt(err, "a fact is cut or out of range");
            goto done;
        }
        last_id = f->id;
        last_created = f->created_at;
    }
    if (r.p != r.end) {
        st = corrupt(err, "bytes follow its last fact");
        goto done;
    }
    for (uint64_t k = 0; k < nfacts; k++)
        if (fn(ctx, &facts[k])) {
            st = vg_error_set(err, VG_ERR_ABORTED, "reading the packed facts was stopped");
            break;
        }
done:
    free(facts);
    free(strings);
    free(text);
    return st;
}
