/*
 * src/hotline/takedown.c - the provider page's figures (takedown.h).
 */
#include "hotline/takedown.h"

#include <stdint.h>
#include <stdlib.h>

#include "store/notices.h"

typedef struct count_args {
    vg_takedown *t;
    vg_error added; /* why an add failed, which stops the stream */
} count_args;

static int count_notice(void *ctx, const vg_takedown_notice *notice)
{
    count_args *a = ctx;
    return vg_takedown_add(a->t, notice, &a->added) != VG_OK;
}

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    count_args *a = ctx;
    vg_status st = vg_tx_notice_removals(tx, count_notice, a, err);
    if (a->added.status != VG_OK && err) /* its reason, not "stopped" */
        *err = a->added;
    return a->added.status != VG_OK ? a->added.status : st;
}

vg_status vg_hotline_takedown(vg_hotline *h, int64_t now, vg_takedown_order order,
                              vg_takedown **out, vg_error *err)
{
    *out = NULL;
    count_args a = {0};
    vg_status st = vg_takedown_new(now, &a.t, err);
    if (st == VG_OK)
        st = vg_store_read(h->store, count_tx, &a, err);
    vg_takedown *t = a.t;
    if (st == VG_OK)
        st = vg_takedown_finish(t, order, err);
    if (st != VG_OK) {
        vg_takedown_free(t);
        return st;
    }
    *out = t;
    return VG_OK;
}

static void hours(vg_table *table, double h)
{
    if (h < 0)
        vg_table_null(table);
    else
        vg_table_decimal(table, h, 2);
}

void vg_hotline_takedown_write(const vg_takedown *t, vg_takedown_by by, FILE *out,
                               vg_table_format format)
{
    static const char *const measures[] = {
        "sent",       "removed",   "still_up",  "median_h", "p90_h",    "within_24h",
        "within_3d",  "within_7d", "over_42d",  "share_24h", "share_3d", "share_7d",
        "share_over_42d"};
    const size_t nm = sizeof measures / sizeof measures[0];
    const char *cols[2 + sizeof measures / sizeof measures[0]];
    size_t n = 0;
    if (by == VG_TAKEDOWN_PROVIDER) {
        cols[n++] = "provider";
    } else {
        cols[n++] = "asn";
        cols[n++] = "as_name";
    }
    for (size_t i = 0; i < nm; i++)
        cols[n++] = measures[i];
    vg_table table;
    vg_table_init(&table, out, format, cols, n);
    vg_table_header(&table);
    for (size_t i = 0; i < vg_takedown_count(t, by); i++) {
        const vg_takedown_row *r = vg_takedown_at(t, by, i);
        if (by == VG_TAKEDOWN_PROVIDER) {
            vg_table_string(&table, r->provider);
        } else {
            char asn[32] = "";
            if (r->asn)
                snprintf(asn, sizeof asn, "AS%lld", (long long)r->asn);
            vg_table_string(&table, asn);
            vg_table_string(&table, r->as_name);
        }
        const int64_t counts[] = {r->sent, r->removed, r->still_up};
        for (size_t k = 0; k < 3; k++)
            vg_table_int(&table, counts[k]);
        hours(&table, r->median_h);
        hours(&table, r->p90_h);
        const int64_t windows[] = {r->within_24h, r->within_3d, r->within_7d, r->over_42d};
        for (size_t k = 0; k < 4; k++)
            vg_table_int(&table, windows[k]);
        for (size_t k = 0; k < 4; k++)
            vg_table_decimal(&table, r->sent ? (double)windows[k] / (double)r->sent : 0, 4);
        vg_table_end_row(&table);
    }
}

vg_status vg_hotline_takedown_text(const vg_takedown *t, vg_takedown_by by,
                                   vg_table_format format, char **text, size_t *len,
                                   vg_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *out = open_memstream(text, len);
    if (out)
        vg_hotline_takedown_write(t, by, out, format);
    if (!out || fclose(out) != 0 || !*text) {
        free(*text);
        *text = NULL;
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory while writing the table");
    }
    return VG_OK;
}
