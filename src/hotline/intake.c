/*
 * src/hotline/intake.c - writing a report with its cross-references, and
 * the reporter's status (intake.h). Drafts are in draft.c.
 */
#include "hotline/intake.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/alerts.h"
#include "hotline/assessment.h"
#include "hotline/quarantine.h"
#include "hotline/routing_internal.h"
#include "store/reports.h"
#include "store/routes.h"
#include "util/secure.h"

/* ---- the near-picture cache ----------------------------------------------- */

typedef struct near_load {
    vg_case_pdq *items;
    size_t count, cap;
    int64_t last;
    int failed;
} near_load;

static int near_row(void *ctx, int64_t file_id, int64_t case_id, const char *hex)
{
    near_load *l = ctx;
    l->last = file_id;
    vg_pdq_hash hash;
    if (vg_pdq_from_hex(hex, &hash) != VG_OK)
        return 0; /* a malformed stored hash links nothing */
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        vg_case_pdq *grown = realloc(l->items, cap * sizeof *grown);
        if (!grown) {
            l->failed = 1;
            return 1;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->count].hash = hash;
    l->items[l->count].case_id = case_id;
    l->count++;
    return 0;
}

typedef struct near_args {
    int64_t after;
    near_load *load;
} near_args;

static vg_status near_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    near_args *a = ctx;
    return vg_tx_report_pdqs(tx, a->after, near_row, a->load, err);
}

/* Bring the cache up to date with the store (what other processes wrote
 * too), then find the case of the nearest earlier picture. File ids only
 * grow, so reading past the last one seen is enough. */
static vg_status near_case(vg_hotline *h, const vg_intake_draft *d, int64_t *case_id,
                           vg_error *err)
{
    *case_id = 0;
    vg_pdq_hash queries[64];
    size_t nq = 0;
    for (size_t f = 0; f < d->report.file_count && nq < 64; f++)
        if (d->files[f].pdq && vg_pdq_from_hex(d->files[f].pdq, &queries[nq]) == VG_OK)
            nq++;
    if (!nq)
        return VG_OK;
    pthread_mutex_lock(&h->near_lock);
    near_load l = {0};
    near_args a = {h->near_last_file, &l};
    vg_status st = vg_store_read(h->store, near_tx, &a, err);
    if (st == VG_OK && l.failed)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK && l.count) {
        size_t need = h->near_count + l.count;
        if (need > h->near_cap) {
            vg_case_pdq *grown = realloc(h->near, need * 2 * sizeof *grown);
            if (!grown) {
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            } else {
                h->near = grown;
                h->near_cap = need * 2;
            }
        }
        if (st == VG_OK) {
            memcpy(h->near + h->near_count, l.items, l.count * sizeof *l.items);
            h->near_count = need;
        }
    }
    if (st == VG_OK && l.last > h->near_last_file)
        h->near_last_file = l.last;
    if (st == VG_OK)
        *case_id = vg_rule_near_case(queries, nq, h->near, h->near_count, h->pdq_threshold);
    pthread_mutex_unlock(&h->near_lock);
    free(l.items);
    return st;
}

/* ---- submitting --------------------------------------------------------------- */

typedef struct submit_args {
    vg_hotline *h;
    vg_intake_draft *d;
    const vg_idempotency *idem;
    int64_t now, near;
    vg_report_ack *ack;
    vg_submit_also_fn also;
    void *also_ctx;
} submit_args;

static vg_status submit_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    submit_args *a = ctx;
    const vg_report *r = &a->d->report;
    vg_report_ack *ack = a->ack;
    vg_status st;
    const vg_idempotency *idem = a->idem && a->idem->key ? a->idem : NULL;
    if (idem) {
        int found = 0;
        char *request_hash = NULL;
        st = vg_tx_idempotency_get(tx, r->api_key_id, idem->key, &found, &ack->id,
                                   &ack->response, &request_hash, err);
        if (st == VG_OK && found) {
            ack->duplicate = 1;
            /* The same key with another request is not a retry: the caller
             * must hear that its second report was not taken. */
            ack->conflict = request_hash && idem->request_hash &&
                            strcmp(request_hash, idem->request_hash) != 0;
        }
        free(request_hash);
        if (st != VG_OK || found)
            return st;
    }
    vg_case_candidate *candidates = NULL;
    size_t n = 0;
    if ((st = vg_tx_case_candidates(tx, r, &candidates, &n, err)) != VG_OK)
        return st;
    int64_t case_id = vg_rule_case_to_join(candidates, n);
    free(candidates);
    /* Nothing earlier shares a URL, a file or an account with it (each
     * canonical URL was looked up above). */
    int alone = n == 0 && a->near == 0;
    for (size_t i = 0; alone && i < r->url_count; i++)
        alone = r->urls[i].canonical != NULL;
    ack->linked = case_id != 0 || a->near != 0;
    if (!case_id)
        case_id = a->near;
    /* a new case and the report in one statement where the store can */
    st = case_id ? vg_tx_report_put(tx, r, case_id, a->now, &ack->id, err)
                 : vg_tx_report_put_new_case(tx, r, a->now, &case_id, &ack->id, err);
    if (st != VG_OK)
        return st;
    ack->case_id = case_id;
    if (idem && (st = vg_tx_idempotency_put(tx, r->api_key_id, idem, ack->id, a->now, err)) !=
                    VG_OK)
        return st;
    /* Forwarded by a partner hotline that is called back: it learns its
     * report was received, in the queue. */
    if ((st = vg_routing_callback_key_tx(tx, a->h->routing, ack->id, r->api_key_id, a->now,
                                         err)) != VG_OK)
        return st;
    /* A child in danger now, or live abuse: whoever is on duty is told. */
    if ((st = vg_hotline_alert_raise_tx(tx, a->h, ack->id, r->category, r->danger, a->now,
                                        &ack->alert_id, err)) != VG_OK)
        return st;
    /* Its bank matches counted: an entry that matches far more than usual
     * is held before it decides this report. */
    if ((st = vg_hotline_quarantine_count_tx(tx, a->h, r, ack->id, a->now, err)) != VG_OK)
        return st;
    /* Known files, or a copy of a report already decided: decided now.
     * Without files, alone in a new case, it has neither, nor another
     * report's URL to be decided from: its reads would find nothing (one
     * report of the form or the API costs 5 round trips fewer). */
    if (!(alone && r->file_count == 0))
        st = vg_hotline_auto_assess_tx(tx, a->h, VG_AUTO_REPORT, ack->id, a->now, NULL, err);
    if (st == VG_OK && a->also)
        st = a->also(tx, a->also_ctx, ack, err);
    return st;
}

vg_status vg_hotline_submit(vg_hotline *h, vg_intake_draft *d, const vg_idempotency *idem,
                            int64_t now, vg_report_ack *ack, vg_error *err)
{
    return vg_hotline_submit_also(h, d, idem, now, NULL, NULL, ack, err);
}

vg_status vg_hotline_submit_also(vg_hotline *h, vg_intake_draft *d, const vg_idempotency *idem,
                                 int64_t now, vg_submit_also_fn also, void *also_ctx,
                                 vg_report_ack *ack, vg_error *err)
{
    memset(ack, 0, sizeof *ack);
    char key[65];
    vg_status st = vg_rule_content_key(&d->report, key, err);
    int64_t near = 0;
    if (st == VG_OK)
        st = near_case(h, d, &near, err);
    if (st != VG_OK)
        return st;
    d->report.content_key = key;
    submit_args a = {h, d, idem, now, near, ack, also, also_ctx};
    st = vg_store_write(h->store, submit_tx, &a, err);
    d->report.content_key = NULL;
    if (st != VG_OK) {
        vg_report_ack_clear(ack); /* a rolled-back transaction may have filled it */
        return st;
    }
    d->stored = 1;
    d->duplicate = ack->duplicate;
    if (ack->alert_id)
        vg_hotline_alert_raised(h);
    return VG_OK;
}

/* ---- the reporter's status ---------------------------------------------------- */

/* Receipts are read aloud and typed by hand: ignore case, spaces and dashes. */
static void normalise(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; in && *in && n + 1 < size; in++)
        if (*in != ' ' && *in != '-' && *in != '\t')
            out[n++] = (char)toupper((unsigned char)*in);
    out[n] = '\0';
}

typedef struct status_args {
    const char *code;
    vg_report_row *row;
    int *found;
    vg_route_action *actions;
    size_t action_count;
    vg_route_delivery *deliveries;
    size_t delivery_count;
} status_args;

static vg_status status_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    status_args *a = ctx;
    vg_status st = vg_tx_report_by_receipt(tx, a->code, a->row, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    st = vg_tx_actions(tx, a->row->id, &a->actions, &a->action_count, err);
    /* what the partners it was forwarded to say of it */
    return st == VG_OK ? vg_tx_deliveries(tx, a->row->id, 0, 100, &a->deliveries,
                                          &a->delivery_count, err)
                       : st;
}

vg_status vg_hotline_reporter_status(vg_hotline *h, const char *code, const char *secret,
                                     int64_t now, vg_reporter_view *view, vg_error *err)
{
    *view = (vg_reporter_view){0};
    char c[32], s[64];
    normalise(code, c, sizeof c);
    normalise(secret, s, sizeof s);
    if (!c[0] || !s[0])
        return VG_OK;
    vg_report_row row = {0};
    int found = 0;
    status_args a = {c, &row, &found, NULL, 0, NULL, 0};
    vg_status st = vg_store_read(h->store, status_tx, &a, err);
    if (st == VG_OK && found && row.receipt_secret_hash) {
        char hash[65];
        vg_sha256_hex(s, strlen(s), hash);
        if (vg_secure_equal(hash, row.receipt_secret_hash)) {
            view->status = vg_rule_reporter_status(row.status, row.created_at, now,
                                                   h->reveal_seconds);
            view->young = row.reporter_kind && (!strcmp(row.reporter_kind, "child") ||
                                                !strcmp(row.reporter_kind, "depicted"));
            view->url_count = row.url_count;
            if (now - row.created_at >= h->reveal_seconds) {
                vg_rule_reporter_outcome(a.actions, a.action_count, &view->done);
                view->done.partner_assessed =
                    vg_rule_partner_assessed(a.deliveries, a.delivery_count);
            }
        }
    }
    memset(s, 0, sizeof s);
    vg_report_row_clear(&row);
    vg_route_actions_free(a.actions, a.action_count);
    vg_route_deliveries_free(a.deliveries, a.delivery_count);
    return st;
}

typedef struct list_args {
    size_t limit;
    vg_report_row **rows;
    size_t *count;
    int64_t *total;
} list_args;

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_report_count(tx, a->total, err);
}

vg_status vg_hotline_report_count(vg_hotline *h, int64_t *count, vg_error *err)
{
    list_args a = {.total = count};
    return vg_store_read(h->store, count_tx, &a, err);
}

static vg_status recent_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_reports_recent(tx, a->limit, a->rows, a->count, err);
}

vg_status vg_hotline_reports_recent(vg_hotline *h, size_t limit, vg_report_row **rows,
                                    size_t *count, vg_error *err)
{
    list_args a = {.limit = limit, .rows = rows, .count = count};
    return vg_store_read(h->store, recent_tx, &a, err);
}
