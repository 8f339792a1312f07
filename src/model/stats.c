/*
 * src/model/stats.c - facts grouped into tables (stats.h).
 */
#include "model/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/vocab.h"

static const char *const DIM_NAMES[VG_DIM_COUNT] = {
    "day",      "week",    "month", "year",  "source",   "reporter", "category",
    "language", "country", "state", "legal", "severity", "age",      "decided",
    "host_country", "asn", "provider", "route", "sex"};

static const char *const MEASURE_NAMES[VG_M_COUNT] = {"reports",
                                                      "cases",
                                                      "duplicates",
                                                      "files",
                                                      "known_files",
                                                      "new_files",
                                                      "videos",
                                                      "urls",
                                                      "assessed",
                                                      "csam",
                                                      "other_illegal",
                                                      "not_illegal",
                                                      "age_undetermined",
                                                      "automatic",
                                                      "looked",
                                                      "routed",
                                                      "noticed",
                                                      "notices",
                                                      "renotices",
                                                      "escalations",
                                                      "removed",
                                                      "reappearances",
                                                      "blocked",
                                                      "appeals",
                                                      "flag_self_generated",
                                                      "flag_ai_suspected",
                                                      "flag_livestreamed",
                                                      "flag_commercial",
                                                      "flag_grooming",
                                                      "flag_sextortion",
                                                      "interpol_baseline",
                                                      "first_look_24h",
                                                      "first_look_3d",
                                                      "first_look_7d",
                                                      "first_look_over_42d",
                                                      "assessed_24h",
                                                      "assessed_3d",
                                                      "assessed_7d",
                                                      "assessed_over_42d",
                                                      "notice_24h",
                                                      "notice_3d",
                                                      "notice_7d",
                                                      "notice_over_42d",
                                                      "removal_24h",
                                                      "removal_3d",
                                                      "removal_7d",
                                                      "removal_over_42d",
                                                      "first_look_median_h",
                                                      "assessed_median_h",
                                                      "assessed_p90_h",
                                                      "first_look_p90_h",
                                                      "notice_median_h",
                                                      "notice_p90_h",
                                                      "removal_median_h",
                                                      "removal_p90_h"};

const char *vg_stat_dim_name(vg_stat_dim dim)
{
    return (unsigned)dim < VG_DIM_COUNT ? DIM_NAMES[dim] : NULL;
}

const char *vg_stat_measure_name(int measure)
{
    return measure >= 0 && measure < VG_M_COUNT ? MEASURE_NAMES[measure] : NULL;
}

vg_status vg_stat_dims_parse(const char *text, vg_stat_dim *dims, size_t max, size_t *count,
                             vg_error *err)
{
    *count = 0;
    const char *p = text ? text : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        vg_stat_dim found = VG_DIM_COUNT;
        for (int d = 0; d < VG_DIM_COUNT; d++)
            if (strlen(DIM_NAMES[d]) == len && !strncmp(p, DIM_NAMES[d], len))
                found = (vg_stat_dim)d;
        if (found == VG_DIM_COUNT)
            return vg_error_set(err, VG_ERR_INVALID,
                                "no dimension \"%.*s\"; say one of day, week, month, year, "
                                "source, reporter, category, language, country, state, legal, "
                                "severity, age, decided, host_country, asn, provider, route, sex",
                                (int)(len > 40 ? 40 : len), p);
        for (size_t i = 0; i < *count; i++)
            if (dims[i] == found)
                return vg_error_set(err, VG_ERR_INVALID, "dimension \"%s\" given twice",
                                    DIM_NAMES[found]);
        if (*count == max)
            return vg_error_set(err, VG_ERR_INVALID, "at most %zu dimensions at once", max);
        dims[(*count)++] = found;
        p += len;
        if (*p == ',')
            p++;
    }
    return VG_OK;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double vg_stat_quantile(double *values, size_t n, double q)
{
    if (!n)
        return -1;
    qsort(values, n, sizeof *values, compare_doubles);
    /* nearest rank: ceil(q * n), at least the first */
    double rank = q * (double)n;
    size_t k = (size_t)rank;
    if ((double)k < rank)
        k++;
    return values[(k ? k : 1) - 1];
}

int vg_stat_in_window(int window, int64_t seconds)
{
    const int64_t day = 24 * 3600;
    switch (window) {
    case VG_WINDOW_24H: return seconds <= day;
    case VG_WINDOW_3D: return seconds <= 3 * day;
    case VG_WINDOW_7D: return seconds <= 7 * day;
    case VG_WINDOW_OVER_42D: return seconds > 42 * day;
    default: return 0;
    }
}

/* ---- tables ----------------------------------------------------------------- */

/* Case ids and durations in seconds: never negative, so they sort as
 * unsigned integers. */
typedef struct u64s {
    uint64_t *v;
    size_t n, cap;
} u64s;

static int u64s_push(u64s *d, uint64_t value)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        uint64_t *grown = realloc(d->v, cap * sizeof *grown);
        if (!grown)
            return 0;
        d->v = grown;
        d->cap = cap;
    }
    d->v[d->n++] = value;
    return 1;
}

/* Sort v (n values) in linear time: a least-significant-digit radix sort,
 * 11 bits a pass, as many passes as the largest value needs (a year's
 * durations: three), scratch holding n values: qsort, twice for each of
 * the four times' two quantiles, was a good part of a yearly table's time
 * at a million reports. */
static void sort_values(uint64_t *v, size_t n, uint64_t *scratch)
{
    uint64_t most = 0;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        most |= v[i];
        sorted &= i == 0 || v[i - 1] <= v[i];
    }
    if (sorted) /* the common case for case ids, read in report order */
        return;
    uint64_t *from = v, *to = scratch;
    for (int shift = 0; shift < 64 && (most >> shift); shift += 11) {
        size_t count[2049] = {0};
        for (size_t i = 0; i < n; i++)
            count[((from[i] >> shift) & 2047) + 1]++;
        for (size_t b = 1; b < 2049; b++)
            count[b] += count[b - 1];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i] >> shift) & 2047]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
}

/* The q-quantile of n sorted values by the nearest rank (vg_stat_quantile's
 * rule); -1 when n is 0. */
static double sorted_quantile(const uint64_t *v, size_t n, double q)
{
    if (!n)
        return -1;
    double rank = q * (double)n;
    size_t k = (size_t)rank;
    if ((double)k < rank)
        k++;
    return (double)v[(k ? k : 1) - 1];
}

typedef struct group {
    vg_stats_group pub;
    char *key;                    /* the values, each ended by 0x1f: sorts as the values do */
    u64s cases;                   /* case ids, counted distinct at the end */
    u64s times[VG_TIME_COUNT];    /* seconds from receipt, per time */
} group;

struct vg_stats_table {
    vg_stat_dim dims[VG_DIM_COUNT];
    size_t ndims;
    const vg_tz *tz;
    group *groups;
    size_t count, cap;
    size_t *slots; /* open addressing: group index + 1; 0 is empty */
    size_t nslots;
    int finished;
    /* The periods of the last day seen on the table's clock: reports come
     * in the order they were received, so most share the previous one's,
     * and formatting a date for each of a million was a good part of a
     * table by month. */
    int64_t cached_day[4];
    char cached_period[4][16];
};

vg_status vg_stats_new(const vg_stat_dim *dims, size_t ndims, const vg_tz *tz,
                       vg_stats_table **out, vg_error *err)
{
    *out = NULL;
    if (ndims > VG_DIM_COUNT)
        return vg_error_set(err, VG_ERR_INVALID, "too many dimensions");
    for (size_t i = 0; i < ndims; i++)
        if ((unsigned)dims[i] >= VG_DIM_COUNT)
            return vg_error_set(err, VG_ERR_INVALID, "no such dimension");
    vg_stats_table *t = calloc(1, sizeof *t);
    if (!t)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ndims; i++) /* dims may be NULL when ndims is 0 */
        t->dims[i] = dims[i];
    t->ndims = ndims;
    t->tz = tz;
    for (int i = 0; i < 4; i++)
        t->cached_day[i] = INT64_MIN;
    *out = t;
    return VG_OK;
}

/* The period of when on the wall clock of t's zone: the calendar of UTC
 * read at when shifted by the zone's offset then. Every period is a set of
 * whole days on that clock, so the last day's is kept. */
static const char *period(vg_stats_table *t, vg_stat_dim dim, int64_t when)
{
    int64_t local = when + vg_tz_offset(t->tz, when);
    int64_t day = local / 86400 - (local % 86400 < 0);
    int slot = dim - VG_DIM_DAY;
    char *out = t->cached_period[slot];
    if (t->cached_day[slot] == day)
        return out;
    time_t secs = (time_t)local;
    struct tm tm;
    static const char *const formats[] = {"%Y-%m-%d", "%G-W%V", "%Y-%m", "%Y"};
    if (!gmtime_r(&secs, &tm) || !strftime(out, sizeof t->cached_period[slot], formats[slot], &tm))
        snprintf(out, sizeof t->cached_period[slot], "?");
    t->cached_day[slot] = day;
    return out;
}

/* The value of one dimension for a fact (NULL: the report did not say),
 * made in buf when it must be. */
static const char *dim_value(vg_stats_table *t, vg_stat_dim dim, const vg_report_fact *f,
                             char *buf, size_t size)
{
    int automatic = f->state && !strcmp(f->state, VG_ITEM_AUTO);
    switch (dim) {
    case VG_DIM_DAY:
    case VG_DIM_WEEK:
    case VG_DIM_MONTH:
    case VG_DIM_YEAR: return period(t, dim, f->created_at);
    case VG_DIM_SOURCE:
        snprintf(buf, size, "%s/%s", f->source ? f->source : "",
                 f->reporter_kind && *f->reporter_kind ? f->reporter_kind : "unsaid");
        return buf;
    case VG_DIM_REPORTER: return f->reporter_kind;
    case VG_DIM_CATEGORY: return f->category;
    case VG_DIM_LANGUAGE: return f->language;
    case VG_DIM_COUNTRY: return f->country;
    case VG_DIM_STATE: return f->state ? f->state : VG_ITEM_OPEN;
    case VG_DIM_LEGAL: return f->decided_at ? f->legal : NULL;
    case VG_DIM_SEVERITY: return f->decided_at ? f->severity : NULL;
    case VG_DIM_AGE: return f->decided_at ? f->age : NULL;
    case VG_DIM_DECIDED: return !f->decided_at ? "pending" : automatic ? "automatic" : "person";
    case VG_DIM_HOST_COUNTRY: return f->host_country;
    case VG_DIM_ASN: return f->asn;
    case VG_DIM_PROVIDER: return f->provider;
    case VG_DIM_ROUTE:
        if (!f->route)
            return NULL;
        snprintf(buf, size, "%.*s", (int)strcspn(f->route, ","), f->route);
        return buf;
    case VG_DIM_SEX: return f->decided_at ? f->sex : NULL;
    default: return NULL;
    }
}

static size_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int rehash(vg_stats_table *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 64;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t g = 0; g < t->count; g++) {
        size_t i = hash_key(t->groups[g].key) & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = g + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 1;
}

static void group_clear(group *g, size_t ndims)
{
    for (size_t d = 0; g->pub.values && d < ndims; d++)
        free(g->pub.values[d]);
    free(g->pub.values);
    free(g->key);
    free(g->cases.v);
    for (int k = 0; k < VG_TIME_COUNT; k++)
        free(g->times[k].v);
}

/* The group of key, made with these values when it is new. */
static group *find_group(vg_stats_table *t, char *key, const char *const *values)
{
    if ((t->count + 1) * 2 > t->nslots && !rehash(t))
        return NULL;
    size_t i = hash_key(key) & (t->nslots - 1);
    for (; t->slots[i]; i = (i + 1) & (t->nslots - 1))
        if (!strcmp(t->groups[t->slots[i] - 1].key, key))
            return &t->groups[t->slots[i] - 1];
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        group *grown = realloc(t->groups, cap * sizeof *grown);
        if (!grown)
            return NULL;
        t->groups = grown;
        t->cap = cap;
    }
    group *g = &t->groups[t->count];
    memset(g, 0, sizeof *g);
    g->key = strdup(key);
    g->pub.values = calloc(t->ndims ? t->ndims : 1, sizeof *g->pub.values);
    int ok = g->key && g->pub.values;
    for (size_t d = 0; ok && d < t->ndims; d++)
        ok = (g->pub.values[d] = strdup(values[d])) != NULL;
    if (!ok) {
        group_clear(g, t->ndims);
        return NULL;
    }
    t->slots[i] = ++t->count;
    return g;
}

/* Whether code is one of the comma-separated list's (NULL: empty). */
static int in_list(const char *list, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, code, n))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

vg_status vg_stats_add(vg_stats_table *t, const vg_report_fact *f, vg_error *err)
{
    if (t->finished)
        return vg_error_set(err, VG_ERR_INVALID, "the table is already finished");
    char bufs[VG_DIM_COUNT][48];
    const char *values[VG_DIM_COUNT];
    size_t len = 1;
    for (size_t d = 0; d < t->ndims; d++) {
        values[d] = dim_value(t, t->dims[d], f, bufs[d], sizeof bufs[d]);
        if (!values[d])
            values[d] = "";
        len += strlen(values[d]) + 1;
    }
    char small[512];
    char *key = len <= sizeof small ? small : malloc(len);
    if (!key)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char *k = key;
    for (size_t d = 0; d < t->ndims; d++) {
        size_t n = strlen(values[d]);
        memcpy(k, values[d], n);
        k[n] = '\x1f';
        k += n + 1;
    }
    *k = '\0';
    group *g = find_group(t, key, values);
    if (key != small)
        free(key);
    if (!g)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int automatic = f->state && !strcmp(f->state, VG_ITEM_AUTO);
    int64_t *c = g->pub.counts;
    c[VG_M_REPORTS]++;
    c[VG_M_DUPLICATES] += f->duplicate != 0;
    c[VG_M_FILES] += f->files;
    c[VG_M_KNOWN_FILES] += f->known_files;
    c[VG_M_NEW_FILES] += f->files - f->known_files - f->claimed_files;
    c[VG_M_VIDEOS] += f->videos;
    c[VG_M_URLS] += f->urls;
    if (f->decided_at) {
        const char *legal = f->legal ? f->legal : "";
        c[VG_M_ASSESSED]++;
        c[VG_M_CSAM] += !strcmp(legal, VG_LEGAL_CSAM);
        c[VG_M_OTHER_ILLEGAL] += !strcmp(legal, VG_LEGAL_OTHER);
        c[VG_M_NOT_ILLEGAL] += !strcmp(legal, VG_LEGAL_NOT_ILLEGAL);
        c[VG_M_AGE_UNDETERMINED] += !strcmp(legal, VG_LEGAL_AGE_UNDETERMINED);
        c[VG_M_AUTOMATIC] += automatic;
        for (int k = 0; k < VG_M_FLAGS_END - VG_M_FLAGS && vg_flag_terms[k].code; k++)
            c[VG_M_FLAGS + k] += in_list(f->flags, vg_flag_terms[k].code);
        int met = f->baseline != NULL;
        for (size_t k = 0; met && vg_baseline_terms[k].code; k++)
            met = in_list(f->baseline, vg_baseline_terms[k].code);
        c[VG_M_BASELINE] += met;
    }
    c[VG_M_LOOKED] += f->first_look_at != 0;
    c[VG_M_ROUTED] += f->route != NULL;
    c[VG_M_NOTICED] += f->notices > 0;
    c[VG_M_NOTICES] += f->notices;
    c[VG_M_RENOTICES] += f->renotices;
    c[VG_M_ESCALATIONS] += f->escalations;
    c[VG_M_REMOVED] += f->removed_at != 0;
    c[VG_M_REAPPEARANCES] += f->reappearances;
    c[VG_M_BLOCKED] += f->blocked;
    c[VG_M_APPEALS] += f->appeals;
    int ok = u64s_push(&g->cases, (uint64_t)(f->case_id > 0 ? f->case_id : 0));
    /* a decision no one made is not the team's time to assess */
    const int64_t at[VG_TIME_COUNT] = {f->first_look_at, automatic ? 0 : f->decided_at,
                                       f->notice_at, f->removed_at};
    for (int k = 0; ok && k < VG_TIME_COUNT; k++) {
        if (!at[k] || at[k] < f->created_at)
            continue;
        int64_t seconds = at[k] - f->created_at;
        for (int w = 0; w < VG_WINDOW_COUNT; w++)
            c[VG_M_WINDOW(k, w)] += vg_stat_in_window(w, seconds);
        ok = u64s_push(&g->times[k], (uint64_t)seconds);
    }
    return ok ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

static int compare_groups(const void *a, const void *b)
{
    return strcmp(((const group *)a)->key, ((const group *)b)->key);
}

vg_status vg_stats_finish(vg_stats_table *t, vg_error *err)
{
    if (t->finished)
        return VG_OK;
    size_t most = 0;
    for (size_t i = 0; i < t->count; i++) {
        group *g = &t->groups[i];
        most = g->cases.n > most ? g->cases.n : most;
    }
    uint64_t *scratch = most ? malloc(most * sizeof *scratch) : NULL;
    if (most && !scratch)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->count; i++) {
        group *g = &t->groups[i];
        sort_values(g->cases.v, g->cases.n, scratch);
        int64_t distinct = 0;
        for (size_t k = 0; k < g->cases.n; k++)
            distinct += k == 0 || g->cases.v[k] != g->cases.v[k - 1];
        g->pub.counts[VG_M_CASES] = distinct;
        static const struct {
            int measure, time;
            double q;
        } quantiles[] = {{VG_M_FIRST_LOOK_MEDIAN_H, VG_TIME_FIRST_LOOK, 0.5},
                         {VG_M_FIRST_LOOK_P90_H, VG_TIME_FIRST_LOOK, 0.9},
                         {VG_M_ASSESSED_MEDIAN_H, VG_TIME_ASSESSED, 0.5},
                         {VG_M_ASSESSED_P90_H, VG_TIME_ASSESSED, 0.9},
                         {VG_M_NOTICE_MEDIAN_H, VG_TIME_NOTICE, 0.5},
                         {VG_M_NOTICE_P90_H, VG_TIME_NOTICE, 0.9},
                         {VG_M_REMOVAL_MEDIAN_H, VG_TIME_REMOVAL, 0.5},
                         {VG_M_REMOVAL_P90_H, VG_TIME_REMOVAL, 0.9}};
        for (int k = 0; k < VG_TIME_COUNT; k++)
            sort_values(g->times[k].v, g->times[k].n, scratch);
        for (size_t k = 0; k < sizeof quantiles / sizeof quantiles[0]; k++) {
            const u64s *d = &g->times[quantiles[k].time];
            double seconds = sorted_quantile(d->v, d->n, quantiles[k].q);
            g->pub.hours[quantiles[k].measure - VG_M_COUNTS] =
                seconds < 0 ? -1 : seconds / 3600.0;
        }
    }
    free(scratch);
    /* the hash table indexes positions that sorting moves: it is done */
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    if (t->count > 1)
        qsort(t->groups, t->count, sizeof *t->groups, compare_groups);
    t->finished = 1;
    return VG_OK;
}

size_t vg_stats_group_count(const vg_stats_table *t)
{
    return t->finished ? t->count : 0;
}

const vg_stats_group *vg_stats_group_at(const vg_stats_table *t, size_t i)
{
    return t->finished && i < t->count ? &t->groups[i].pub : NULL;
}

size_t vg_stats_dim_count(const vg_stats_table *t)
{
    return t->ndims;
}

vg_stat_dim vg_stats_dim_at(const vg_stats_table *t, size_t i)
{
    return i < t->ndims ? t->dims[i] : VG_DIM_COUNT;
}

void vg_stats_free(vg_stats_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        group_clear(&t->groups[i], t->ndims);
    free(t->groups);
    free(t->slots);
    free(t);
}
