/*
 * tests/server/store_peek.h - what a test reads or plants in the store
 * directly, beside the server: durable reports after a crash, the audit
 * log, a legacy row. The server itself goes through the hotline's use
 * cases; a test may look underneath to check what they left.
 */
#ifndef VIGIE_TESTS_STORE_PEEK_H
#define VIGIE_TESTS_STORE_PEEK_H

#include <time.h>

#include "store/audit.h"
#include "store/people.h"
#include "store/reports.h"
#include "store/routes.h"
#include "store/store.h"

typedef struct peek_args {
    const char *text;
    int64_t id;
    void *out;
    int *found;
    vg_audit_visit_fn visit;
    void *ctx;
} peek_args;

static vg_status peek_receipt_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    peek_args *a = ctx;
    return vg_tx_report_by_receipt(tx, a->text, a->out, a->found, err);
}

/* The report with this receipt code: *found, and its row (clear it). */
static inline vg_status ts_report_by_receipt(vg_store *s, const char *code, vg_report_row *row,
                                             int *found)
{
    peek_args a = {.text = code, .out = row, .found = found};
    return vg_store_read(s, peek_receipt_tx, &a, NULL);
}

static vg_status peek_count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_report_count(tx, ((peek_args *)ctx)->out, err);
}

static inline vg_status ts_report_count(vg_store *s, int64_t *count)
{
    peek_args a = {.out = count};
    return vg_store_read(s, peek_count_tx, &a, NULL);
}

static vg_status peek_status_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    peek_args *a = ctx;
    return vg_tx_report_set_status(tx, a->id, a->text, (int64_t)time(NULL), err);
}

/* Plant a report status as if an analyst had decided (no audit entry). */
static inline vg_status ts_report_set_status(vg_store *s, int64_t id, const char *status)
{
    peek_args a = {.text = status, .id = id};
    return vg_store_write(s, peek_status_tx, &a, NULL);
}

static vg_status peek_action_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    int inserted;
    return vg_tx_action_add(tx, ((peek_args *)ctx)->out, &inserted, err);
}

/* Plant something done about a report as if a delivery, a notice or a
 * partner had recorded it. */
static inline vg_status ts_action_add(vg_store *s, const vg_route_action *action)
{
    peek_args a = {.out = (void *)action};
    return vg_store_write(s, peek_action_tx, &a, NULL);
}

static vg_status peek_audit_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    peek_args *a = ctx;
    return vg_tx_audit_each(tx, a->visit, a->ctx, err);
}

/* Every audit entry, in sequence order. */
static inline vg_status ts_audit_each(vg_store *s, vg_audit_visit_fn visit, void *ctx)
{
    peek_args a = {.visit = visit, .ctx = ctx};
    return vg_store_read(s, peek_audit_tx, &a, NULL);
}

static vg_status peek_totp_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    peek_args *a = ctx;
    return vg_tx_account_set_totp(tx, a->id, a->text, err);
}

/* A TOTP secret stored as it is, the way versions before sealing did. */
static inline vg_status ts_account_set_plain_totp(vg_store *s, int64_t account_id,
                                                  const char *secret)
{
    peek_args a = {.text = secret, .id = account_id};
    return vg_store_write(s, peek_totp_tx, &a, NULL);
}

typedef struct put_args {
    const vg_report *report;
    int64_t case_id, id;
} put_args;

static vg_status peek_put_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    put_args *a = ctx;
    int64_t now = (int64_t)time(NULL);
    vg_status st = vg_tx_case_new(tx, now, &a->case_id, err);
    return st == VG_OK ? vg_tx_report_put(tx, a->report, a->case_id, now, &a->id, err) : st;
}

/* Plant a report in a case of its own, as stored rows (no rule applied,
 * no audit entry): the way to store what the intake would refuse, such as
 * a malformed PDQ hash, to see that nothing above trips over it. */
static inline vg_status ts_report_put_raw(vg_store *s, const vg_report *report, int64_t *case_id)
{
    put_args a = {.report = report};
    vg_status st = vg_store_write(s, peek_put_tx, &a, NULL);
    *case_id = a.case_id;
    return st;
}

/* How many of the receipt codes (count of them) the store at location
 * lacks: after a crash, every acknowledged report must be there. -1 when
 * the store cannot be read. */
static inline int ts_missing_receipts(const char *location, char (*receipts)[13], int count)
{
    vg_store *store = NULL;
    if (vg_store_open(location, NULL, &store, NULL) != VG_OK)
        return -1;
    int missing = 0;
    for (int i = 0; i < count && missing >= 0; i++) {
        vg_report_row row;
        int found = 0;
        if (ts_report_by_receipt(store, receipts[i], &row, &found) != VG_OK)
            missing = -1;
        else
            missing += !found;
        vg_report_row_clear(&row);
    }
    vg_store_close(store);
    return missing;
}

#endif
