/*
 * src/model/takedown.c - time to removal per provider and per AS
 * (takedown.h): the notices are kept, sorted by each key in turn, and each
 * run of one key becomes a row.
 *
 * A hotline sends notices to a few hundred providers, but may have sent a
 * million notices: each name is kept once (interned), and a notice costs
 * two pointers and three numbers.
 */
#include "model/takedown.h"

#include <stdlib.h>
#include <string.h>

#include "model/stats.h"

typedef struct entry {
    const char *provider, *as_name; /* interned: owned by the table's names */
    int64_t asn, sent_at, removed_at;
} entry;

/* The distinct names, an open-addressing hash set (a power of two slots,
 * at most half full). */
typedef struct names {
    char **slots;
    size_t cap, count;
} names;

struct vg_takedown {
    int64_t now;
    names names;
    entry *entries;
    size_t count, cap;
    vg_takedown_row *rows[VG_TAKEDOWN_BY_COUNT];
    size_t nrows[VG_TAKEDOWN_BY_COUNT];
    int finished;
};

int vg_takedown_parse_order(const char *text, vg_takedown_order *out)
{
    static const char *const names[] = {"slowest", "sent", "name"};
    for (int i = 0; text && i < 3; i++)
        if (!strcmp(text, names[i])) {
            *out = (vg_takedown_order)i;
            return 1;
        }
    return 0;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of s in slots (cap a power of two): where it is, or the empty
 * one where it goes. */
static char **name_slot(char **slots, size_t cap, const char *s)
{
    size_t i = (size_t)name_hash(s) & (cap - 1);
    while (slots[i] && strcmp(slots[i], s))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* The table's one copy of s; NULL when out of memory. */
static const char *intern(names *n, const char *s)
{
    if (2 * (n->count + 1) > n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 64;
        char **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return NULL;
        for (size_t i = 0; i < n->cap; i++)
            if (n->slots[i])
                *name_slot(slots, cap, n->slots[i]) = n->slots[i];
        free(n->slots);
        n->slots = slots;
        n->cap = cap;
    }
    char **slot = name_slot(n->slots, n->cap, s);
    if (!*slot) {
        if (!(*slot = strdup(s)))
            return NULL;
        n->count++;
    }
    return *slot;
}

vg_status vg_takedown_new(int64_t now, vg_takedown **out, vg_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    (*out)->now = now;
    return VG_OK;
}

vg_status vg_takedown_add(vg_takedown *t, const vg_takedown_notice *n, vg_error *err)
{
    if (t->finished)
        return vg_error_set(err, VG_ERR_INVALID, "the table is already finished");
    if (n->first_sent_at <= 0)
        return VG_OK;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        t->entries = grown;
        t->cap = cap;
    }
    entry *e = &t->entries[t->count];
    e->provider = intern(&t->names, n->provider ? n->provider : "");
    e->as_name = intern(&t->names, n->as_name ? n->as_name : "");
    if (!e->provider || !e->as_name)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    e->asn = n->asn > 0 ? n->asn : 0;
    e->sent_at = n->first_sent_at;
    e->removed_at = n->removed_at > 0 ? n->removed_at : 0;
    t->count++;
    return VG_OK;
}

static int by_provider(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->provider, ((const entry *)b)->provider);
}

static int by_asn(const void *a, const void *b)
{
    int64_t x = ((const entry *)a)->asn, y = ((const entry *)b)->asn;
    return (x > y) - (x < y);
}

/* The row of entries [first, end), which share the key of by; hours is
 * scratch room for end - first values. */
static int make_row(const vg_takedown *t, vg_takedown_by by, const entry *first, const entry *end,
                    double *hours, vg_takedown_row *row)
{
    memset(row, 0, sizeof *row);
    const entry *newest = first;
    size_t removed = 0;
    for (const entry *e = first; e < end; e++) {
        row->sent++;
        if (e->sent_at > newest->sent_at)
            newest = e;
        if (!e->removed_at) {
            row->over_42d += vg_stat_in_window(VG_WINDOW_OVER_42D, t->now - e->sent_at);
            continue;
        }
        int64_t seconds = e->removed_at > e->sent_at ? e->removed_at - e->sent_at : 0;
        row->within_24h += vg_stat_in_window(VG_WINDOW_24H, seconds);
        row->within_3d += vg_stat_in_window(VG_WINDOW_3D, seconds);
        row->within_7d += vg_stat_in_window(VG_WINDOW_7D, seconds);
        row->over_42d += vg_stat_in_window(VG_WINDOW_OVER_42D, seconds);
        hours[removed++] = (double)seconds / 3600.0;
    }
    row->removed = (int64_t)removed;
    row->still_up = row->sent - row->removed;
    row->median_h = vg_stat_quantile(hours, removed, 0.5);
    row->p90_h = vg_stat_quantile(hours, removed, 0.9);
    if (by == VG_TAKEDOWN_ASN)
        row->asn = first->asn;
    row->provider = strdup(by == VG_TAKEDOWN_PROVIDER ? first->provider : "");
    row->as_name = strdup(by == VG_TAKEDOWN_ASN ? newest->as_name : "");
    return row->provider && row->as_name;
}

/* A time that never came (nothing removed, notices still up) is longer
 * than any. */
static double slowness(const vg_takedown_row *r, double hours)
{
    return hours < 0 && r->still_up > 0 ? 1e300 : hours;
}

static int name_order(const vg_takedown_row *a, const vg_takedown_row *b)
{
    if (a->asn != b->asn)
        return (a->asn > b->asn) - (a->asn < b->asn);
    return strcmp(a->provider, b->provider);
}

static int slowest_first(const void *pa, const void *pb)
{
    const vg_takedown_row *a = pa, *b = pb;
    double x = slowness(a, a->p90_h), y = slowness(b, b->p90_h);
    if (x != y)
        return x < y ? 1 : -1;
    x = slowness(a, a->median_h);
    y = slowness(b, b->median_h);
    if (x != y)
        return x < y ? 1 : -1;
    if (a->still_up != b->still_up)
        return a->still_up < b->still_up ? 1 : -1;
    return name_order(a, b);
}

static int most_sent_first(const void *pa, const void *pb)
{
    const vg_takedown_row *a = pa, *b = pb;
    if (a->sent != b->sent)
        return a->sent < b->sent ? 1 : -1;
    return name_order(a, b);
}

static int by_name(const void *pa, const void *pb)
{
    return name_order(pa, pb);
}

vg_status vg_takedown_finish(vg_takedown *t, vg_takedown_order order, vg_error *err)
{
    if (t->finished)
        return vg_error_set(err, VG_ERR_INVALID, "the table is already finished");
    t->finished = 1;
    double *hours = malloc((t->count ? t->count : 1) * sizeof *hours);
    if (!hours)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int (*const keys[])(const void *, const void *) = {by_provider, by_asn};
    int (*const orders[])(const void *, const void *) = {slowest_first, most_sent_first, by_name};
    int ok = 1;
    for (int by = 0; ok && by < VG_TAKEDOWN_BY_COUNT; by++) {
        if (t->count) /* no entries: no array at all */
            qsort(t->entries, t->count, sizeof *t->entries, keys[by]);
        t->rows[by] = calloc(t->count ? t->count : 1, sizeof *t->rows[by]);
        ok = t->rows[by] != NULL;
        for (size_t i = 0; ok && i < t->count;) {
            size_t end = i + 1;
            while (end < t->count && !keys[by](&t->entries[i], &t->entries[end]))
                end++;
            ok = make_row(t, (vg_takedown_by)by, &t->entries[i], &t->entries[end], hours,
                          &t->rows[by][t->nrows[by]++]);
            i = end;
        }
        if (ok)
            qsort(t->rows[by], t->nrows[by], sizeof *t->rows[by], orders[order]);
    }
    free(hours);
    return ok ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

size_t vg_takedown_count(const vg_takedown *t, vg_takedown_by by)
{
    return t->finished && (unsigned)by < VG_TAKEDOWN_BY_COUNT ? t->nrows[by] : 0;
}

const vg_takedown_row *vg_takedown_at(const vg_takedown *t, vg_takedown_by by, size_t i)
{
    return i < vg_takedown_count(t, by) ? &t->rows[by][i] : NULL;
}

void vg_takedown_free(vg_takedown *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->names.cap; i++)
        free(t->names.slots[i]);
    free(t->names.slots);
    free(t->entries);
    for (int by = 0; by < VG_TAKEDOWN_BY_COUNT; by++) {
        for (size_t i = 0; i < t->nrows[by]; i++) {
            free(t->rows[by][i].provider);
            free(t->rows[by][i].as_name);
        }
        free(t->rows[by]);
    }
    free(t);
}
