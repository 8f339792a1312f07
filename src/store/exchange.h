/*
 * src/store/exchange.h - what the APIs other systems speak keep between
 * calls (operations inside a transaction, store/store.h): the settings of
 * the banks HMA clients curate and of the content they add
 * (hotline/bank_curation.h), and the CyberTipline-style reports still
 * open (hotline/ispws.h), so that every node and a restart see them.
 *
 * Rows own their strings (vg_exchange_*_clear).
 */
#ifndef VIGIE_STORE_EXCHANGE_H
#define VIGIE_STORE_EXCHANGE_H

#include "store/store.h"

/* A bank's settings. The entries themselves are in the index; a bank of
 * the index without a row has the defaults (matching, not deleted, made
 * by the operator). */
typedef struct vg_exchange_bank {
    char *name;
    double enabled_ratio; /* HMA's matching_enabled_ratio: 1 matches, 0 does not */
    int deleted;          /* deleted through the API: hidden, its entries removed */
    char *created_by;     /* the actor that made it through the API ("key:ID"), or NULL */
    int64_t created_at, changed_at;
} vg_exchange_bank;
void vg_exchange_bank_clear(vg_exchange_bank *row);
void vg_exchange_banks_free(vg_exchange_bank *rows, size_t count);

/* Every bank's settings, by name. */
vg_status vg_tx_exchange_banks(vg_tx *tx, vg_exchange_bank **rows, size_t *count, vg_error *err);
/* Keep a bank's settings (by name: added, or replacing the row there). */
vg_status vg_tx_exchange_bank_put(vg_tx *tx, const vg_exchange_bank *row, vg_error *err);

/* Content added through the API: one index entry (its first, for a
 * content of several signals) and what HMA keeps with it. */
typedef struct vg_exchange_content {
    int64_t entry; /* the index entry's number: HMA's content id */
    char *bank;
    char *bank_id;         /* the id its entries carry in the bank */
    int64_t disable_until; /* not matched before this time (Unix seconds); 0: enabled */
    char *note;            /* or NULL */
    char *metadata;        /* a JSON object text, or NULL */
    char *signals;         /* the signals added, a JSON object text */
    int64_t created_at;
} vg_exchange_content;
void vg_exchange_content_clear(vg_exchange_content *row);

/* Keep a content's row (by entry: added, or replacing the row there). */
vg_status vg_tx_exchange_content_put(vg_tx *tx, const vg_exchange_content *row, vg_error *err);
/* The row of entry; *found = 0 when there is none. */
vg_status vg_tx_exchange_content_get(vg_tx *tx, int64_t entry, vg_exchange_content *row, int *found,
                                     vg_error *err);
/* The entries disabled at now (disable_until > now), in entry order:
 * *entries malloc'd (NULL when none). */
vg_status vg_tx_exchange_content_disabled(vg_tx *tx, int64_t now, int64_t **entries, size_t *count,
                                          vg_error *err);

/* A report sent the CyberTipline way: open (finished_at 0) or finished
 * (kept until expires_at, to tell a sender it was). */
typedef struct vg_exchange_report {
    int64_t id, api_key_id;
    int64_t opened_at, changed_at, finished_at;
    int64_t expires_at; /* when it goes: the open report expires, the finished one is forgotten */
    char *draft;        /* what was sent so far, a JSON object text (NULL once finished) */
} vg_exchange_report;
void vg_exchange_report_clear(vg_exchange_report *row);
void vg_exchange_reports_free(vg_exchange_report *rows, size_t count);

/* Keep a report: with only_new, add it when its id is free (*written 0
 * when it is taken, nothing changed); otherwise replace the row of its id
 * (*written 0 when there is none). */
vg_status vg_tx_exchange_report_put(vg_tx *tx, const vg_exchange_report *row, int only_new,
                                    int *written, vg_error *err);
/* The report of id; *found = 0 when there is none. */
vg_status vg_tx_exchange_report_get(vg_tx *tx, int64_t id, vg_exchange_report *row, int *found,
                                    vg_error *err);
/* Forget the report of id (none: nothing happens). */
vg_status vg_tx_exchange_report_delete(vg_tx *tx, int64_t id, vg_error *err);
/* Reports due to go at now (expires_at <= now), the earliest first, at
 * most limit. */
vg_status vg_tx_exchange_reports_due(vg_tx *tx, int64_t now, size_t limit,
                                     vg_exchange_report **rows, size_t *count, vg_error *err);
/* How many reports are open (finished_at 0), expired ones included. */
vg_status vg_tx_exchange_reports_open(vg_tx *tx, int64_t *count, vg_error *err);

#endif
