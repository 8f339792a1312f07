/*
 * src/hotline/audit.c - recording events and checking the chain (audit.h).
 */
#include "hotline/audit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/store.h"

typedef struct append_args {
    int64_t time;
    const vg_audit_note *note;
} append_args;

static vg_status append_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    append_args *a = ctx;
    return vg_tx_audit_append(tx, a->time, a->note, NULL, err);
}

vg_status vg_hotline_audit(vg_hotline *h, int64_t time, const vg_audit_note *note,
                           vg_error *err)
{
    append_args a = {time, note};
    return vg_store_write(h->store, append_tx, &a, err);
}

typedef struct verify_args {
    vg_audit_check check;
    int ok;
} verify_args;

static int visit(const vg_audit_entry *entry, void *ctx)
{
    return vg_audit_check_entry(ctx, entry);
}

/* One read transaction: the entries and the head from the same snapshot,
 * so a write landing meanwhile cannot look like a removal. */
static vg_status verify_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    verify_args *a = ctx;
    vg_status st = vg_tx_audit_each(tx, visit, &a->check, err);
    if (st != VG_OK && st != VG_ERR_ABORTED)
        return st;
    int64_t seq = 0;
    char hash[65] = "";
    if ((st = vg_tx_audit_head(tx, &seq, hash, err)) != VG_OK)
        return st;
    a->ok = vg_audit_check_head(&a->check, seq, hash);
    return VG_OK;
}

vg_status vg_hotline_audit_verify(vg_store *store, int *ok, char **problem, int64_t *entries,
                                  vg_error *err)
{
    verify_args a;
    vg_audit_check_init(&a.check);
    a.ok = 0;
    *ok = 0;
    *problem = NULL;
    vg_status st = vg_store_read(store, verify_tx, &a, err);
    if (entries)
        *entries = a.check.entries;
    if (st == VG_OK) {
        *ok = a.ok;
        *problem = a.check.problem;
        a.check.problem = NULL;
    }
    vg_audit_check_clear(&a.check);
    return st;
}

typedef struct config_args {
    const char *current;
    int64_t now;
} config_args;

static vg_status config_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    config_args *a = ctx;
    char *before_text = NULL;
    vg_status st = vg_tx_setting_get(tx, "config.last", &before_text, err);
    if (st != VG_OK || (before_text && !strcmp(before_text, a->current))) {
        free(before_text);
        return st;
    }
    json_t *now = json_loads(a->current, 0, NULL), *changed = json_array();
    json_t *before = before_text ? json_loads(before_text, 0, NULL) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach(now, k, v) {
        json_t *old = before ? json_object_get(before, k) : NULL;
        if (!old || !json_equal(old, v))
            json_array_append_new(changed, json_string(k));
    }
    json_object_foreach(before, k, v) {
        if (!json_object_get(now, k))
            json_array_append_new(changed, json_string(k));
    }
    json_t *detail = json_pack("{s:O, s:b}", "changed", changed, "first_start",
                               before_text == NULL);
    char *detail_text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    vg_audit_note note = {"server", before_text ? "config.change" : "config.initial", "",
                          detail_text};
    st = now && detail_text ? vg_tx_audit_append(tx, a->now, &note, NULL, err)
                            : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        st = vg_tx_setting_set(tx, "config.last", a->current, err);
    free(detail_text);
    json_decref(detail);
    json_decref(before);
    json_decref(now);
    json_decref(changed);
    free(before_text);
    return st;
}

vg_status vg_hotline_config_seen(vg_hotline *h, const char *current, int64_t now,
                                 vg_error *err)
{
    config_args a = {current, now};
    return vg_store_write(h->store, config_tx, &a, err);
}

/* ---- reading the log in the browser -------------------------------------------- */

typedef struct search_args {
    const vg_audit_filter *filter;
    size_t limit;
    vg_audit_entry *rows;
    size_t count;
} search_args;

static int collect(const vg_audit_entry *e, void *ctx)
{
    search_args *a = ctx;
    vg_audit_entry *r = &a->rows[a->count];
    const char *src[] = {e->actor, e->action, e->target, e->detail, e->prev_hash, e->hash};
    char **dst[] = {&r->actor, &r->action, &r->target, &r->detail, &r->prev_hash, &r->hash};
    r->seq = e->seq;
    r->time = e->time;
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        if (!(*dst[i] = strdup(src[i] ? src[i] : "")))
            return 1;
    a->count++;
    return a->count == a->limit;
}

static vg_status search_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    search_args *a = ctx;
    for (size_t i = 0; i < a->count; i++) /* a transaction may run again */
        vg_audit_entry_clear(&a->rows[i]);
    a->count = 0;
    vg_status st = vg_tx_audit_search(tx, a->filter, a->limit, collect, a, err);
    if (st == VG_ERR_ABORTED && a->count == a->limit)
        return VG_OK;
    if (st == VG_ERR_ABORTED)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the audit log");
    return st;
}

vg_status vg_hotline_audit_search(vg_hotline *h, const vg_audit_filter *filter, size_t limit,
                                  vg_audit_entry **rows, size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    if (!limit)
        return VG_OK;
    search_args a = {filter, limit, calloc(limit, sizeof *a.rows), 0};
    if (!a.rows)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = vg_store_read(h->store, search_tx, &a, err);
    if (st != VG_OK) {
        for (size_t i = 0; i < a.count; i++)
            vg_audit_entry_clear(&a.rows[i]);
        free(a.rows);
        return st;
    }
    *rows = a.rows;
    *count = a.count;
    return VG_OK;
}

vg_status vg_hotline_audit_verify_by(vg_hotline *h, const char *actor, int64_t now, int *ok,
                                     char **problem, int64_t *entries, vg_error *err)
{
    vg_status st = vg_hotline_audit_verify(h->store, ok, problem, entries, err);
    if (st != VG_OK)
        return st;
    /* The check itself is recorded, with its answer: a verification that
     * found a break is evidence too. */
    json_t *d = json_pack("{s:b, s:I}", "ok", *ok, "entries", (json_int_t)(entries ? *entries : 0));
    char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(d);
    vg_audit_note note = {actor, "audit.verify", "", detail};
    st = vg_hotline_audit(h, now, &note, err);
    free(detail);
    if (st != VG_OK) {
        free(*problem);
        *problem = NULL;
    }
    return st;
}
