/*
 * src/hotline/ispws.c - open CyberTipline-style reports, kept in the store
 * (ispws.h, store/exchange.h).
 *
 * A kept report is one row: its times and, while open, a JSON object
 * {"draft": (vg_intake_draft_save), "claim": {"report": ..., "files":
 * {FILE_ID: details}}, "file_ids": [...]}. Files are hashed and matched
 * before the transaction that adds them to the row (a video takes
 * seconds: the store's writer does not wait for it); the row is read
 * again inside it, so a report finished, retracted or expired meanwhile
 * is not brought back, and its new files leave the vault.
 */
#include "hotline/ispws.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/exchange.h"
#include "util/secure.h"

/* Reports due are removed a few at a time, by every call. */
#define SWEEP_BATCH 32

struct vg_ispws {
    vg_hotline *h;
    size_t max;
};

vg_status vg_ispws_new(vg_hotline *h, size_t max_open, vg_ispws **out, vg_error *err)
{
    vg_ispws *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    s->h = h;
    s->max = max_open ? max_open : 1;
    *out = s;
    return VG_OK;
}

void vg_ispws_free(vg_ispws *s)
{
    free(s);
}

/* ---- what every call shares ---------------------------------------------------- */

/* Vault files to remove once the transaction that let them go commits. */
typedef struct leaving {
    char **ids;
    size_t count, cap;
} leaving;

static void leaving_add(leaving *l, const char *id)
{
    if (!id)
        return;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **grown = realloc(l->ids, cap * sizeof *grown);
        if (!grown)
            return; /* an orphan file in the vault, never a lost report */
        l->ids = grown;
        l->cap = cap;
    }
    if ((l->ids[l->count] = strdup(id)))
        l->count++;
}

/* The vault files of a kept report's draft. */
static void leaving_of(leaving *l, const char *kept)
{
    json_t *o = kept ? json_loads(kept, 0, NULL) : NULL;
    json_t *files = json_object_get(json_object_get(o, "draft"), "files");
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
        leaving_add(l, json_string_value(json_object_get(f, "vault_id")));
    json_decref(o);
}

/* After the commit (or its failure: then nothing is removed). */
static void leaving_done(vg_hotline *h, leaving *l, int remove)
{
    for (size_t i = 0; i < l->count; i++) {
        if (remove && h->vault)
            vg_vault_remove(h->vault, l->ids[i], NULL);
        free(l->ids[i]);
    }
    free(l->ids);
    memset(l, 0, sizeof *l);
}

/* Inside a write: forget the reports due at now (the open ones' files go
 * once it commits). */
static vg_status sweep(vg_tx *tx, int64_t now, leaving *l, vg_error *err)
{
    vg_exchange_report *due = NULL;
    size_t n = 0;
    vg_status st = vg_tx_exchange_reports_due(tx, now, SWEEP_BATCH, &due, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        if (!due[i].finished_at)
            leaving_of(l, due[i].draft);
        st = vg_tx_exchange_report_delete(tx, due[i].id, err);
    }
    vg_exchange_reports_free(due, n);
    return st;
}

/* Inside a transaction: the caller's open report (its kept JSON parsed
 * into *kept), or a code saying why not. A report past its expiry reads
 * as gone even before the sweep removes it. */
static vg_ispws_code find(vg_tx *tx, int64_t key_id, int64_t id, int64_t now,
                          vg_exchange_report *row, json_t **kept, vg_error *err, vg_status *st)
{
    int found = 0;
    *kept = NULL;
    *st = vg_tx_exchange_report_get(tx, id, row, &found, err);
    if (*st != VG_OK)
        return VG_ISPWS_SERVER_ERROR;
    if (!found || row->api_key_id != key_id || now >= row->expires_at)
        return VG_ISPWS_NO_REPORT;
    if (row->finished_at)
        return VG_ISPWS_FINISHED;
    *kept = row->draft ? json_loads(row->draft, 0, NULL) : NULL;
    if (!json_is_object(*kept)) {
        *st = vg_error_set(err, VG_ERR_CORRUPT, "an open report could not be read back");
        return VG_ISPWS_SERVER_ERROR;
    }
    return VG_ISPWS_OK;
}

/* Write the kept JSON back, changed at now. */
static vg_status keep(vg_tx *tx, vg_exchange_report *row, json_t *kept, int64_t now, vg_error *err)
{
    char *text = json_dumps(kept, JSON_COMPACT);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(row->draft);
    row->draft = text;
    row->changed_at = now;
    row->expires_at = vg_rule_ispws_expiry(row->opened_at, now);
    int written = 0;
    vg_status st = vg_tx_exchange_report_put(tx, row, 0, &written, err);
    return st;
}

/* ---- open --------------------------------------------------------------------- */

typedef struct open_args {
    size_t max;
    int64_t key_id, now, id;
    const char *kept;
    leaving gone;
    vg_ispws_code code;
} open_args;

static vg_status open_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    open_args *a = ctx;
    leaving_done(NULL, &a->gone, 0);
    vg_status st = sweep(tx, a->now, &a->gone, err);
    int64_t open = 0;
    if (st == VG_OK)
        st = vg_tx_exchange_reports_open(tx, &open, err);
    if (st != VG_OK)
        return st;
    if ((size_t)open >= a->max) {
        a->code = VG_ISPWS_SERVER_ERROR;
        return VG_OK;
    }
    /* a number a JSON or JavaScript client keeps exactly, never 0, unique
     * among those open and recently finished */
    vg_exchange_report row = {.api_key_id = a->key_id,
                              .opened_at = a->now,
                              .changed_at = a->now,
                              .expires_at = vg_rule_ispws_expiry(a->now, a->now),
                              .draft = (char *)a->kept};
    for (int tries = 0; tries < 8; tries++) {
        uint64_t r;
        randombytes_buf(&r, sizeof r);
        row.id = (int64_t)(r & ((1ull << 53) - 1));
        int written = 0;
        if (row.id && (st = vg_tx_exchange_report_put(tx, &row, 1, &written, err)) != VG_OK)
            return st;
        if (row.id && written) {
            a->id = row.id;
            a->code = VG_ISPWS_OK;
            return VG_OK;
        }
    }
    return vg_error_set(err, VG_ERR_IO, "no free report number was found");
}

vg_ispws_code vg_ispws_open(vg_ispws *s, int64_t key_id, vg_intake_draft *d, const char *claim,
                            int64_t now, int64_t *report_id, vg_error *err)
{
    *report_id = 0;
    char *draft = NULL;
    json_t *report = claim ? json_loads(claim, 0, NULL) : json_object();
    vg_status st = vg_intake_draft_save(d, &draft, err);
    json_t *saved = draft ? json_loads(draft, 0, NULL) : NULL;
    json_t *kept = st == VG_OK && saved && report
                       ? json_pack("{s:o, s:{s:O, s:{}}, s:[]}", "draft", saved, "claim", "report",
                                   report, "files", "file_ids")
                       : (json_decref(saved), NULL);
    json_decref(report);
    free(draft);
    char *text = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
    json_decref(kept);
    /* the draft has no file yet; what it holds is now in text */
    vg_intake_draft_free(s->h, d);
    free(d);
    if (!text) {
        if (st == VG_OK)
            vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return VG_ISPWS_SERVER_ERROR;
    }
    open_args a = {.max = s->max, .key_id = key_id, .now = now, .kept = text};
    st = vg_store_write(s->h->store, open_tx, &a, err);
    free(text);
    leaving_done(s->h, &a.gone, st == VG_OK);
    if (st != VG_OK)
        return VG_ISPWS_SERVER_ERROR;
    if (a.code != VG_ISPWS_OK) {
        vg_error_set(err, VG_ERR_TOO_LARGE, "too many reports are open; finish some first");
        return a.code;
    }
    *report_id = a.id;
    return VG_ISPWS_OK;
}

/* ---- upload ------------------------------------------------------------------- */

typedef struct upload_args {
    vg_hotline *h;
    int64_t key_id, id, now;
    json_t *files; /* the new files' records (vg_intake_draft_save's) */
    char (*ids)[33];
    leaving gone;
    vg_ispws_code code;
} upload_args;

static vg_status upload_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    upload_args *a = ctx;
    leaving_done(NULL, &a->gone, 0);
    vg_status st = sweep(tx, a->now, &a->gone, err);
    if (st != VG_OK)
        return st;
    vg_exchange_report row = {0};
    json_t *kept = NULL;
    a->code = find(tx, a->key_id, a->id, a->now, &row, &kept, err, &st);
    json_t *files = json_object_get(json_object_get(kept, "draft"), "files");
    json_t *ids = json_object_get(kept, "file_ids");
    if (a->code == VG_ISPWS_OK && (!json_is_array(files) || !json_is_array(ids)))
        st = vg_error_set(err, VG_ERR_CORRUPT, "an open report could not be read back");
    if (st == VG_OK && a->code == VG_ISPWS_OK &&
        json_array_size(files) + json_array_size(a->files) > a->h->max_files) {
        a->code = VG_ISPWS_INVALID;
        vg_error_set(err, VG_ERR_TOO_LARGE, "at most %llu files are accepted per report",
                     (unsigned long long)a->h->max_files);
    }
    for (size_t i = 0; st == VG_OK && a->code == VG_ISPWS_OK && i < json_array_size(a->files); i++)
        if (json_array_append(files, json_array_get(a->files, i)) ||
            json_array_append_new(ids, json_string(a->ids[i])))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK && a->code == VG_ISPWS_OK)
        st = keep(tx, &row, kept, a->now, err);
    json_decref(kept);
    vg_exchange_report_clear(&row);
    return st;
}

vg_ispws_code vg_ispws_upload(vg_ispws *s, int64_t key_id, int64_t report_id, vg_upload_set *set,
                              int64_t now, char file_id[33], char md5[33], vg_error *err)
{
    file_id[0] = md5[0] = 0;
    /* the files hashed and matched in a draft of their own, outside the
     * transaction */
    vg_intake_draft d;
    vg_intake_draft_init(&d, "api", err);
    vg_status st = set ? vg_upload_set_take(set, &d, err)
                       : vg_error_set(err, VG_ERR_INVALID, "no file was sent");
    size_t n = d.report.file_count;
    if (st == VG_OK && !n)
        st = vg_error_set(err, VG_ERR_INVALID, "no file was sent (a part named \"file\")");
    char *saved = NULL;
    char(*ids)[33] = n ? calloc(n, sizeof *ids) : NULL;
    if (st == VG_OK && !ids)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        st = vg_intake_draft_save(&d, &saved, err);
    json_t *o = saved ? json_loads(saved, 0, NULL) : NULL;
    free(saved);
    upload_args a = {.h = s->h,
                     .key_id = key_id,
                     .id = report_id,
                     .now = now,
                     .files = json_object_get(o, "files"),
                     .ids = ids};
    if (st == VG_OK && !json_is_array(a.files))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < n; i++)
        vg_random_hex(ids[i], 16);
    if (st == VG_OK)
        st = vg_store_write(s->h->store, upload_tx, &a, err);
    leaving_done(s->h, &a.gone, st == VG_OK);
    int kept = st == VG_OK && a.code == VG_ISPWS_OK;
    if (kept) {
        memcpy(file_id, ids[0], 33);
        const char *m = d.report.files[0].md5;
        snprintf(md5, 33, "%s", m ? m : "");
    }
    /* kept: the files belong to the report now; otherwise they go */
    d.stored = kept;
    vg_intake_draft_free(s->h, &d);
    json_decref(o);
    free(ids);
    if (st != VG_OK)
        return st == VG_ERR_INVALID || st == VG_ERR_TOO_LARGE ? VG_ISPWS_INVALID
                                                              : VG_ISPWS_SERVER_ERROR;
    if (a.code == VG_ISPWS_NO_REPORT || a.code == VG_ISPWS_FINISHED)
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(a.code));
    return a.code;
}

/* ---- file details --------------------------------------------------------------- */

typedef struct details_args {
    int64_t key_id, id, now;
    const char *file_id;
    json_t *details;
    leaving gone;
    vg_ispws_code code;
} details_args;

static vg_status details_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    details_args *a = ctx;
    leaving_done(NULL, &a->gone, 0);
    vg_status st = sweep(tx, a->now, &a->gone, err);
    if (st != VG_OK)
        return st;
    vg_exchange_report row = {0};
    json_t *kept = NULL;
    a->code = find(tx, a->key_id, a->id, a->now, &row, &kept, err, &st);
    int known = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(kept, "file_ids"), i, v) known |=
        a->file_id && !strcmp(json_string_value(v) ? json_string_value(v) : "", a->file_id);
    if (a->code == VG_ISPWS_OK && !known) {
        a->code = VG_ISPWS_INVALID;
        vg_error_set(err, VG_ERR_INVALID, "the report has no file with that fileId");
    } else if (a->code == VG_ISPWS_OK) {
        json_t *files = json_object_get(json_object_get(kept, "claim"), "files");
        if (!json_is_object(files) || json_object_set(files, a->file_id, a->details))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else
            st = keep(tx, &row, kept, a->now, err);
    }
    json_decref(kept);
    vg_exchange_report_clear(&row);
    return st;
}

vg_ispws_code vg_ispws_file_details(vg_ispws *s, int64_t key_id, int64_t report_id,
                                    const char *file_id, const char *details, int64_t now,
                                    vg_error *err)
{
    details_args a = {.key_id = key_id,
                      .id = report_id,
                      .now = now,
                      .file_id = file_id,
                      .details = json_loads(details ? details : "{}", 0, NULL)};
    vg_status st = a.details ? vg_store_write(s->h->store, details_tx, &a, err)
                             : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    json_decref(a.details);
    leaving_done(s->h, &a.gone, st == VG_OK);
    if (st != VG_OK)
        return VG_ISPWS_SERVER_ERROR;
    if (a.code == VG_ISPWS_NO_REPORT || a.code == VG_ISPWS_FINISHED)
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(a.code));
    return a.code;
}

/* ---- finish and retract ------------------------------------------------------------ */

typedef struct end_args {
    int64_t key_id, id, now;
    int finish; /* finish: read the report; retract: drop it */
    int mark;   /* finish, after writing: mark it finished */
    char *kept; /* finish: the report as kept (malloc'd) */
    leaving gone;
    vg_ispws_code code;
} end_args;

static vg_status end_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    end_args *a = ctx;
    leaving_done(NULL, &a->gone, 0);
    free(a->kept);
    a->kept = NULL;
    vg_status st = sweep(tx, a->now, &a->gone, err);
    if (st != VG_OK)
        return st;
    vg_exchange_report row = {0};
    json_t *kept = NULL;
    a->code = find(tx, a->key_id, a->id, a->now, &row, &kept, err, &st);
    json_decref(kept);
    if (st == VG_OK && a->code == VG_ISPWS_OK) {
        if (!a->finish) {
            leaving_of(&a->gone, row.draft);
            st = vg_tx_exchange_report_delete(tx, a->id, err);
        } else if (!a->mark) {
            a->kept = row.draft;
            row.draft = NULL;
        } else {
            /* remembered a day, to answer 5102 */
            vg_exchange_report done = row;
            done.draft = NULL;
            done.finished_at = a->now;
            done.changed_at = a->now;
            done.expires_at = a->now + VG_ISPWS_OPEN_SECONDS;
            int written = 0;
            st = vg_tx_exchange_report_put(tx, &done, 0, &written, err);
        }
    }
    vg_exchange_report_clear(&row);
    return st;
}

vg_ispws_code vg_ispws_finish(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                              char ***file_ids, size_t *file_count, vg_error *err)
{
    *file_ids = NULL;
    *file_count = 0;
    end_args a = {.key_id = key_id, .id = report_id, .now = now, .finish = 1};
    vg_status st = vg_store_write(s->h->store, end_tx, &a, err);
    leaving_done(s->h, &a.gone, st == VG_OK);
    if (st != VG_OK || a.code != VG_ISPWS_OK) {
        free(a.kept);
        if (st == VG_OK)
            vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(a.code));
        return st == VG_OK ? a.code : VG_ISPWS_SERVER_ERROR;
    }
    json_t *kept = json_loads(a.kept, 0, NULL);
    free(a.kept);
    json_t *ids = json_object_get(kept, "file_ids");
    char *draft = json_dumps(json_object_get(kept, "draft"), JSON_COMPACT);
    json_t *extra = json_pack("{s:O}", "sender_claim", json_object_get(kept, "claim"));
    char *extra_text = extra ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(extra);
    vg_intake_draft d;
    vg_intake_draft_init(&d, "api", err);
    st = draft && extra_text ? vg_intake_draft_load(&d, draft, err)
                             : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(draft);
    size_t n = json_array_size(ids);
    char **out = n ? calloc(n, sizeof *out) : NULL;
    if (st == VG_OK && n && !out)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!(out[i] = strdup(json_string_value(json_array_get(ids, i))
                                  ? json_string_value(json_array_get(ids, i))
                                  : "")))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* Written once, even when a finish is retried after a failure between
     * the report's transaction and the mark below, or comes to two nodes
     * at once: the report's number is its idempotency key (a key with a
     * space, which partners' Idempotency-Key headers cannot hold). */
    char idem_key[64];
    snprintf(idem_key, sizeof idem_key, "ispws report %lld", (long long)report_id);
    vg_idempotency idem = {idem_key, idem_key, "{}"};
    d.report.extra_json = extra_text;
    vg_report_ack ack = {0};
    if (st == VG_OK)
        st = vg_hotline_submit(s->h, &d, &idem, now, &ack, err);
    vg_report_ack_clear(&ack);
    d.report.extra_json = NULL;
    free(extra_text);
    /* the files belong to the report written (by this call or an earlier
     * one): never removed here */
    d.stored = 1;
    d.duplicate = 0;
    vg_intake_draft_free(s->h, &d);
    json_decref(kept);
    if (st == VG_OK) {
        end_args m = {.key_id = key_id, .id = report_id, .now = now, .finish = 1, .mark = 1};
        st = vg_store_write(s->h->store, end_tx, &m, err);
        leaving_done(s->h, &m.gone, st == VG_OK);
        /* marked by a finish running at once elsewhere: written all the same */
        if (st == VG_OK && m.code != VG_ISPWS_OK && m.code != VG_ISPWS_FINISHED)
            st = vg_error_set(err, VG_ERR_IO, "the report was written but not marked finished");
    }
    if (st != VG_OK) {
        for (size_t i = 0; out && i < n; i++)
            free(out[i]);
        free(out);
        return VG_ISPWS_SERVER_ERROR; /* still open: the sender may try again */
    }
    *file_ids = out;
    *file_count = n;
    return VG_ISPWS_OK;
}

vg_ispws_code vg_ispws_retract(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                               vg_error *err)
{
    end_args a = {.key_id = key_id, .id = report_id, .now = now};
    vg_status st = vg_store_write(s->h->store, end_tx, &a, err);
    leaving_done(s->h, &a.gone, st == VG_OK);
    if (st != VG_OK)
        return VG_ISPWS_SERVER_ERROR;
    if (a.code != VG_ISPWS_OK)
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(a.code));
    return a.code;
}

typedef struct count_args {
    int64_t now, open;
    leaving gone;
} count_args;

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    count_args *a = ctx;
    leaving_done(NULL, &a->gone, 0);
    vg_status st = sweep(tx, a->now, &a->gone, err);
    return st == VG_OK ? vg_tx_exchange_reports_open(tx, &a->open, err) : st;
}

size_t vg_ispws_open_count(vg_ispws *s, int64_t now)
{
    count_args a = {.now = now};
    vg_error err;
    vg_status st = vg_store_write(s->h->store, count_tx, &a, &err);
    leaving_done(s->h, &a.gone, st == VG_OK);
    return st == VG_OK ? (size_t)a.open : 0;
}
