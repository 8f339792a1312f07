/*
 * src/hotline/stats.c - statistics read from the store (stats.h).
 */
#include "hotline/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/stats.h"

typedef struct gather {
    vg_stats_table **tables;
    size_t ntables;
    vg_error inner; /* why a table could not take a fact */
    vg_status failed;
} gather;

static int add_fact(void *ctx, const vg_report_fact *fact)
{
    gather *g = ctx;
    for (size_t i = 0; i < g->ntables && g->failed == VG_OK; i++)
        g->failed = vg_stats_add(g->tables[i], fact, &g->inner);
    return g->failed != VG_OK;
}

typedef struct period {
    int64_t from, to;
    gather *gather;
} period;

static vg_status gather_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    period *p = ctx;
    gather *g = p->gather;
    vg_status st = vg_tx_report_facts(tx, p->from, p->to, add_fact, g, err);
    if (g->failed == VG_OK)
        return st;
    /* a fact the table could not take says why, not "stopped" */
    if (err)
        *err = g->inner;
    return g->failed;
}

vg_status vg_hotline_stats_many(vg_store *store, const vg_stats_query *qs, size_t n,
                                vg_stats_table **out, vg_error *err)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    for (size_t i = 1; i < n; i++)
        if (qs[i].from != qs[0].from || qs[i].to != qs[0].to)
            return vg_error_set(err, VG_ERR_INVALID, "the tables of one read share a period");
    gather g = {.tables = out, .ntables = n};
    vg_status st = VG_OK;
    for (size_t i = 0; i < n && st == VG_OK; i++)
        st = vg_stats_new(qs[i].dims, qs[i].ndims, qs[i].tz, &out[i], err);
    if (st == VG_OK && n) {
        period p = {qs[0].from, qs[0].to, &g};
        st = vg_store_read(store, gather_tx, &p, err);
    }
    for (size_t i = 0; i < n && st == VG_OK; i++)
        st = vg_stats_finish(out[i], err);
    if (st != VG_OK)
        for (size_t i = 0; i < n; i++) {
            vg_stats_free(out[i]);
            out[i] = NULL;
        }
    return st;
}

vg_status vg_hotline_stats(vg_store *store, const vg_stats_query *q, vg_stats_table **out,
                           vg_error *err)
{
    return vg_hotline_stats_many(store, q, 1, out, err);
}

typedef struct fold {
    size_t limit, folded;
} fold;

static vg_status fold_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    fold *f = ctx;
    return vg_tx_stats_fold(tx, f->limit, &f->folded, err);
}

vg_status vg_hotline_stats_fold(vg_store *store, size_t batch, size_t max_batches,
                                size_t *folded, vg_error *err)
{
    *folded = 0;
    for (size_t i = 0; i < max_batches; i++) {
        fold f = {batch, 0};
        vg_status st = vg_store_write(store, fold_tx, &f, err);
        if (st != VG_OK)
            return st;
        *folded += f.folded;
        if (f.folded < batch)
            break;
    }
    return VG_OK;
}

vg_status vg_hotline_stats_zone(vg_config *cfg, vg_tz **out, vg_error *err)
{
    vg_status st = vg_tz_load(vg_config_get(cfg, "stats.time_zone", "UTC"), NULL, out, err);
    if (st != VG_OK)
        vg_error_prefix(err, "stats.time_zone: ");
    return st;
}

int64_t vg_stats_year_start(int year, const vg_tz *tz)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = 0, .tm_mday = 1};
    return vg_tz_to_utc(tz, (int64_t)timegm(&tm));
}

int vg_stats_parse_date(const char *text, const vg_tz *tz, int64_t *out)
{
    int y, m, d;
    char tail;
    if (!text || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d) /* 2026-02-30 */
        return 0;
    *out = vg_tz_to_utc(tz, (int64_t)t);
    return 1;
}

vg_status vg_stats_query_parse(const char *from, const char *to, const char *by,
                               const vg_tz *tz, vg_stats_query *q, vg_error *err)
{
    *q = (vg_stats_query){.from = 0, .to = INT64_MAX, .tz = tz};
    const struct {
        const char *name, *text;
        int64_t *slot;
    } dates[] = {{"from", from, &q->from}, {"to", to, &q->to}};
    for (size_t i = 0; i < 2; i++)
        if (dates[i].text && *dates[i].text && !vg_stats_parse_date(dates[i].text, tz, dates[i].slot))
            return vg_error_set(err, VG_ERR_INVALID, "%s: '%.40s' is not a date YYYY-MM-DD",
                                dates[i].name, dates[i].text);
    if (q->from >= q->to)
        return vg_error_set(err, VG_ERR_INVALID,
                            "to: the period ends before it starts; give a later date than from");
    vg_error why;
    if (by && *by && vg_stat_dims_parse(by, q->dims, VG_DIM_COUNT, &q->ndims, &why) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID, "by: %s", why.message);
    return VG_OK;
}

void vg_hotline_stats_write(const vg_stats_table *t, FILE *out, vg_table_format format)
{
    const char *columns[VG_DIM_COUNT + VG_M_COUNT];
    size_t ndims = vg_stats_dim_count(t), n = 0;
    for (size_t d = 0; d < ndims; d++)
        columns[n++] = vg_stat_dim_name(vg_stats_dim_at(t, d));
    for (int m = 0; m < VG_M_COUNT; m++)
        columns[n++] = vg_stat_measure_name(m);
    vg_table table;
    vg_table_init(&table, out, format, columns, n);
    vg_table_header(&table);
    for (size_t i = 0; i < vg_stats_group_count(t); i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        for (size_t d = 0; d < ndims; d++)
            vg_table_string(&table, g->values[d]);
        for (int m = 0; m < VG_M_COUNTS; m++)
            vg_table_int(&table, g->counts[m]);
        for (int m = VG_M_COUNTS; m < VG_M_COUNT; m++) {
            double h = g->hours[m - VG_M_COUNTS];
            if (h < 0)
                vg_table_null(&table);
            else
                vg_table_decimal(&table, h, 2);
        }
        vg_table_end_row(&table);
    }
}

vg_status vg_hotline_stats_text(const vg_stats_table *t, vg_table_format format, char **text,
                                size_t *len, vg_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *out = open_memstream(text, len);
    if (out)
        vg_hotline_stats_write(t, out, format);
    if (!out || fclose(out) != 0 || !*text) {
        free(*text);
        *text = NULL;
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory while writing the table");
    }
    return VG_OK;
}
