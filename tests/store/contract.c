/*
 * tests/store/contract.c - the store's contract (contract.h), checked
 * through the transaction port only.
 *
 * Groups: the port itself (read-only refusal, commit, rollback, isolation
 * of concurrent transactions, snapshots, durability), reports and cases,
 * idempotency keys, settings, people, the audit chain, items and files,
 * and job leases. Expected values come from the headers' contracts, the
 * audit hashes from the scheme published in model/audit.h (computed apart
 * from vigie), never from the backend under test.
 */
#include "contract.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"
#include "hotline/audit.h"
#include "store/alerts.h"
#include "store/audit.h"
#include "store/blocklist.h"
#include "store/crawl.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/people.h"
#include "store/quarantine.h"
#include "store/signed_lists.h"
#include "store/reports.h"
#include "store/routes.h"
#include "store/exchange.h"
#include "store/notices.h"
#include "store/stats.h"
#include "store/tlog.h"
#include "store/store.h"

#define NOW INT64_C(1700000000)
#define LOC 512

static const store_contract_backend *backend;

/* ---- locations --------------------------------------------------------- */

static vg_store *open_at(const char *loc, const vg_store_options *options)
{
    vg_store *s = NULL;
    vg_error err;
    vg_error_clear(&err);
    vg_status st = vg_store_open(loc, options, &s, &err);
    CHECK_MSG(st == VG_OK, "opening %s: %s", loc, err.message);
    return st == VG_OK ? s : NULL;
}

/* A store on a new, empty location; NULL (a failed check) when there is none. */
static vg_store *fresh_with(char loc[LOC], const vg_store_options *options)
{
    if (!backend->create(backend->ctx, loc, LOC)) {
        CHECK_MSG(0, "%s: cannot make a store location", backend->name);
        return NULL;
    }
    vg_store *s = open_at(loc, options);
    if (!s)
        backend->destroy(backend->ctx, loc);
    return s;
}

static vg_store *fresh(char loc[LOC])
{
    return fresh_with(loc, NULL);
}

static void finish(vg_store *s, const char *loc)
{
    vg_store_close(s);
    backend->destroy(backend->ctx, loc);
}

/* ---- reports for the checks -------------------------------------------- */

/* What a check's report locates; draft_report makes the vg_report. */
typedef struct draft {
    const char *code; /* receipt code; the public id is "id-" + code */
    const char *url;  /* one URL, its own canonical form, or NULL */
    const char *sha256, *pdq, *vault_id; /* one file when sha256 is set */
    int known;
    const char *platform, *account, *content_key;
    int64_t api_key_id;
    const char *bank, *bank_entry; /* the file's bank match, or NULL */
    /* filled by draft_report */
    char public_id[48];
    vg_report_url u;
    vg_report_file f;
    vg_report r;
} draft;

static const vg_report *draft_report(draft *d)
{
    snprintf(d->public_id, sizeof d->public_id, "id-%s", d->code);
    d->u = (vg_report_url){d->url, d->url};
    d->f = (vg_report_file){.vault_id = d->vault_id, .sha256 = d->sha256, .pdq = d->pdq,
                            .size = 10, .known = d->known, .bank = d->bank,
                            .bank_entry = d->bank_entry};
    d->r = (vg_report){.public_id = d->public_id, .receipt_code = d->code,
                       .source = d->api_key_id ? "api" : "web", .api_key_id = d->api_key_id,
                       .platform = d->platform, .account = d->account,
                       .content_key = d->content_key, .urls = d->url ? &d->u : NULL,
                       .url_count = d->url ? 1 : 0, .files = d->sha256 ? &d->f : NULL,
                       .file_count = d->sha256 ? 1 : 0};
    return &d->r;
}

typedef struct put_args {
    const vg_report *r;
    int64_t case_id, now;  /* case_id 0: a new case */
    int64_t id, case_out;  /* what was written */
    int audited;           /* also append "report.received" for it */
    int rollback;          /* then fail (load_tx) */
} put_args;

static vg_status put_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    put_args *a = ctx;
    int64_t case_id = a->case_id;
    vg_status st = VG_OK;
    if (!case_id)
        st = vg_tx_case_new(tx, a->now, &case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, a->r, case_id, a->now, &a->id, err);
    if (st == VG_OK && a->audited) {
        char target[48];
        snprintf(target, sizeof target, "report:%" PRId64, a->id);
        vg_audit_note note = {"key:test", "report.received", target, "{}"};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    a->case_out = case_id;
    return st;
}

/* Write d's report into case_id (0: a new case) at now; *id and *case_out
 * (each may be NULL) get its row and case. */
static vg_status put_report(vg_store *s, draft *d, int64_t case_id, int64_t now, int64_t *id,
                            int64_t *case_out, vg_error *err)
{
    put_args a = {.r = draft_report(d), .case_id = case_id, .now = now};
    vg_status st = vg_store_write(s, put_tx, &a, err);
    if (id)
        *id = st == VG_OK ? a.id : 0;
    if (case_out)
        *case_out = st == VG_OK ? a.case_out : 0;
    return st;
}

/* Put a report that must be written; its id, 0 on failure (a failed check). */
static int64_t must_put(vg_store *s, draft *d, int64_t case_id, int64_t *case_out)
{
    vg_error err;
    int64_t id = 0;
    vg_status st = put_report(s, d, case_id, NOW, &id, case_out, &err);
    CHECK_MSG(st == VG_OK && id > 0, "writing report %s: %s", d->code,
              st == VG_OK ? "no id" : err.message);
    return id;
}

/* What intake does with the store's operations (hotline/intake.c): an
 * idempotency key seen before answers with its first response; otherwise
 * the report joins the case the model picks among the candidates, or a new
 * one, and its key is kept with it. The old vg_store_report_insert. */
typedef struct submit_args {
    const vg_report *r;
    const vg_idempotency *idem;
    int64_t now;
    vg_report_ack *ack;
} submit_args;

static vg_status submit_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    submit_args *a = ctx;
    vg_report_ack *ack = a->ack;
    vg_status st;
    vg_report_ack_clear(ack);
    if (a->idem) {
        int found = 0;
        char *request_hash = NULL;
        st = vg_tx_idempotency_get(tx, a->r->api_key_id, a->idem->key, &found, &ack->id,
                                   &ack->response, &request_hash, err);
        if (st == VG_OK && found) {
            ack->duplicate = 1;
            ack->conflict = request_hash && a->idem->request_hash &&
                            strcmp(request_hash, a->idem->request_hash) != 0;
        }
        free(request_hash);
        if (st != VG_OK || found)
            return st;
    }
    vg_case_candidate *candidates = NULL;
    size_t n = 0;
    if ((st = vg_tx_case_candidates(tx, a->r, &candidates, &n, err)) != VG_OK)
        return st;
    int64_t case_id = vg_rule_case_to_join(candidates, n);
    free(candidates);
    ack->linked = case_id != 0;
    if (!case_id && (st = vg_tx_case_new(tx, a->now, &case_id, err)) != VG_OK)
        return st;
    ack->case_id = case_id;
    if ((st = vg_tx_report_put(tx, a->r, case_id, a->now, &ack->id, err)) != VG_OK)
        return st;
    if (a->idem)
        st = vg_tx_idempotency_put(tx, a->r->api_key_id, a->idem, ack->id, a->now, err);
    return st;
}

/* Submit d with idempotency key (NULL: none) at now; 1 when written (or
 * answered as a duplicate). */
static int submit(vg_store *s, draft *d, const char *key, int64_t now, vg_report_ack *ack)
{
    char response[80];
    snprintf(response, sizeof response, "{\"id\":\"id-%s\"}", d->code);
    vg_idempotency idem = {key, NULL, response};
    vg_report_ack tmp;
    if (!ack)
        ack = &tmp;
    memset(ack, 0, sizeof *ack);
    submit_args a = {draft_report(d), key ? &idem : NULL, now, ack};
    vg_error err;
    vg_status st = vg_store_write(s, submit_tx, &a, &err);
    if (st != VG_OK)
        vg_report_ack_clear(ack); /* a rolled-back transaction may have filled it */
    if (ack == &tmp)
        vg_report_ack_clear(ack);
    return st == VG_OK;
}

/* ---- reads for the checks ---------------------------------------------- */

typedef struct probe {
    const char *name;
    int64_t id, number;
    int found;
    char *text;
    vg_report_row row;
    vg_item item;
    vg_account account;
    vg_api_key key;
    vg_session session;
    vg_login_state login;
} probe;

static void probe_clear(probe *p)
{
    free(p->text);
    vg_report_row_clear(&p->row);
    vg_item_clear(&p->item);
    vg_account_clear(&p->account);
    vg_api_key_clear(&p->key);
    vg_session_clear(&p->session);
}

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_report_count(tx, &((probe *)ctx)->number, err);
}

/* How many reports the store holds; -1 when it cannot say. */
static int64_t report_count(vg_store *s)
{
    probe p = {0};
    vg_error err;
    vg_status st = vg_store_read(s, count_tx, &p, &err);
    CHECK_MSG(st == VG_OK, "counting reports: %s", err.message);
    return st == VG_OK ? p.number : -1;
}

static vg_status receipt_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_report_by_receipt(tx, p->name, &p->row, &p->found, err);
}

/* 1 when a report has receipt code, 0 when none, -1 on error; *row (may be
 * NULL) gets it, to clear. */
static int find_report(vg_store *s, const char *code, vg_report_row *row)
{
    probe p = {.name = code};
    vg_error err;
    vg_status st = vg_store_read(s, receipt_tx, &p, &err);
    CHECK_MSG(st == VG_OK, "reading report %s: %s", code, err.message);
    int found = st == VG_OK ? p.found : -1;
    if (row) {
        *row = p.row;
        memset(&p.row, 0, sizeof p.row);
    }
    probe_clear(&p);
    return found;
}

static vg_status setting_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_setting_get(tx, p->name, &p->text, err);
}

/* The value of a setting (malloc'd) or NULL. */
static char *setting(vg_store *s, const char *name)
{
    probe p = {.name = name};
    vg_error err;
    CHECK_MSG(vg_store_read(s, setting_tx, &p, &err) == VG_OK, "reading %s: %s", name,
              err.message);
    return p.text;
}

static vg_status head_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    char hash[65];
    vg_status st = vg_tx_audit_head(tx, &p->number, hash, err);
    if (st == VG_OK)
        p->text = strdup(hash);
    return st;
}

/* The audit chain head's sequence number, and its hash into hash[65]. */
static int64_t audit_head(vg_store *s, char hash[65])
{
    probe p = {0};
    vg_error err;
    vg_status st = vg_store_read(s, head_tx, &p, &err);
    CHECK_MSG(st == VG_OK, "reading the chain head: %s", err.message);
    if (hash)
        snprintf(hash, 65, "%s", p.text ? p.text : "");
    free(p.text);
    return st == VG_OK ? p.number : -1;
}

static vg_status item_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_item_get(tx, p->id, &p->item, &p->found, err);
}

/* A report's item into *item (to clear); 1 when found. */
static int get_item(vg_store *s, int64_t report_id, vg_item *item)
{
    probe p = {.id = report_id};
    vg_error err;
    CHECK_MSG(vg_store_read(s, item_tx, &p, &err) == VG_OK, "reading an item: %s", err.message);
    *item = p.item;
    return p.found;
}

static vg_status account_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_account_get(tx, p->name, p->id, &p->account, &p->found, err);
}

/* An account by name (or by id when name is NULL) into *a (to clear). */
static int get_account(vg_store *s, const char *name, int64_t id, vg_account *a)
{
    probe p = {.name = name, .id = id};
    vg_error err;
    CHECK_MSG(vg_store_read(s, account_tx, &p, &err) == VG_OK, "reading an account: %s",
              err.message);
    *a = p.account;
    return p.found;
}

static vg_status key_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_api_key_get(tx, p->name, &p->key, &p->found, err);
}

static vg_status key_by_id_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_api_key_by_id(tx, p->id, &p->key, &p->found, err);
}

/* A key by its id into *k (to clear). */
static int get_key_by_id(vg_store *s, int64_t id, vg_api_key *k)
{
    probe p = {.id = id};
    vg_error err;
    CHECK_MSG(vg_store_read(s, key_by_id_tx, &p, &err) == VG_OK, "reading a key: %s",
              err.message);
    *k = p.key;
    return p.found;
}

static int get_key(vg_store *s, const char *hash, vg_api_key *k)
{
    probe p = {.name = hash};
    vg_error err;
    CHECK_MSG(vg_store_read(s, key_tx, &p, &err) == VG_OK, "reading a key: %s", err.message);
    *k = p.key;
    return p.found;
}

/* A key's trust, or -1 when there is no such key (the old test's helper). */
static int key_trust(vg_store *s, const char *hash)
{
    vg_api_key k;
    int trust = get_key(s, hash, &k) ? k.trust : -1;
    vg_api_key_clear(&k);
    return trust;
}

static vg_status session_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_session_get(tx, p->name, p->number, &p->session, &p->found, err);
}

/* 1 when the session with token_hash is live at now. */
static int session_live(vg_store *s, const char *token_hash, int64_t now)
{
    probe p = {.name = token_hash, .number = now};
    vg_error err;
    CHECK_MSG(vg_store_read(s, session_tx, &p, &err) == VG_OK, "reading a session: %s",
              err.message);
    int found = p.found;
    probe_clear(&p);
    return found;
}

static vg_status login_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    probe *p = ctx;
    return vg_tx_login_get(tx, p->name, &p->login, err);
}

static vg_login_state get_login(vg_store *s, const char *key)
{
    probe p = {.name = key};
    vg_error err;
    CHECK_MSG(vg_store_read(s, login_tx, &p, &err) == VG_OK, "reading sign-in state: %s",
              err.message);
    return p.login;
}

static int login_is(vg_login_state st, int failures, int64_t locked_until, int locks)
{
    return st.failures == failures && st.locked_until == locked_until && st.locks == locks;
}

/* Check the whole chain (the hotline's `vigie audit verify`): 1 when it
 * holds; the problem found into problem[cap] (may be NULL). */
static int chain_holds(vg_store *s, char *problem, size_t cap, int64_t *entries)
{
    int ok = 0;
    char *p = NULL;
    vg_error err;
    vg_status st = vg_hotline_audit_verify(s, &ok, &p, entries, &err);
    CHECK_MSG(st == VG_OK, "verifying the chain: %s", err.message);
    if (problem)
        snprintf(problem, cap, "%s", p ? p : "");
    free(p);
    return st == VG_OK && ok;
}

typedef struct files_args {
    int64_t report_id, case_id;
    vg_item_file *files;
    size_t count;
} files_args;

static vg_status files_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    files_args *a = ctx;
    return vg_tx_files(tx, a->report_id, a->case_id, &a->files, &a->count, err);
}

typedef struct idem_probe {
    int64_t api_key_id;
    const char *key;
    int found;
    int64_t report_id;
    char *response, *request_hash;
} idem_probe;

static vg_status idem_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    idem_probe *p = ctx;
    return vg_tx_idempotency_get(tx, p->api_key_id, p->key, &p->found, &p->report_id,
                                 &p->response, &p->request_hash, err);
}

/* Read an idempotency key into *p (its strings to free). */
static int get_idem(vg_store *s, int64_t api_key_id, const char *key, idem_probe *p)
{
    memset(p, 0, sizeof *p);
    p->api_key_id = api_key_id;
    p->key = key;
    vg_error err;
    CHECK_MSG(vg_store_read(s, idem_tx, p, &err) == VG_OK, "reading a key: %s", err.message);
    return p->found;
}

static void idem_clear(idem_probe *p)
{
    free(p->response);
    free(p->request_hash);
    p->response = p->request_hash = NULL;
}

typedef struct target_count {
    const char *target;
    int count;
} target_count;

static int count_visit(const vg_audit_entry *e, void *ctx)
{
    (void)e;
    ((target_count *)ctx)->count++;
    return 0;
}

static vg_status target_count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    target_count *t = ctx;
    return vg_tx_audit_for_targets(tx, &t->target, 1, count_visit, t, err);
}

/* How many audit entries concern target; -1 on error. */
static int entries_for(vg_store *s, const char *target)
{
    target_count t = {target, 0};
    vg_error err;
    vg_status st = vg_store_read(s, target_count_tx, &t, &err);
    CHECK_MSG(st == VG_OK, "reading entries of %s: %s", target, err.message);
    return st == VG_OK ? t.count : -1;
}

/* What the store holds of alerts: those unacknowledged (and how many), the
 * newest, the deliveries due at now, and one alert's deliveries and
 * attempts (alert_id > 0). */
typedef struct alert_view {
    int64_t now, alert_id;
    int64_t total;
    vg_alert *unacked, *recent;
    size_t unacked_count, recent_count;
    vg_alert_delivery *due, *of_alert;
    size_t due_count, of_alert_count;
    vg_alert_attempt *attempts;
    size_t attempt_count;
} alert_view;

static vg_status alert_view_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    alert_view *v = ctx;
    vg_status st = vg_tx_alerts_unacked(tx, 10, &v->unacked, &v->unacked_count, &v->total, err);
    if (st == VG_OK)
        st = vg_tx_alerts_recent(tx, 10, &v->recent, &v->recent_count, err);
    if (st == VG_OK)
        st = vg_tx_deliveries_due(tx, v->now, 10, &v->due, &v->due_count, err);
    if (st == VG_OK && v->alert_id)
        st = vg_tx_alert_deliveries(tx, v->alert_id, &v->of_alert, &v->of_alert_count, err);
    if (st == VG_OK && v->alert_id)
        st = vg_tx_alert_attempts(tx, v->alert_id, &v->attempts, &v->attempt_count, err);
    return st;
}

static void alert_view_clear(alert_view *v)
{
    vg_alerts_free(v->unacked, v->unacked_count);
    vg_alerts_free(v->recent, v->recent_count);
    vg_alert_deliveries_free(v->due, v->due_count);
    vg_alert_deliveries_free(v->of_alert, v->of_alert_count);
    vg_alert_attempts_free(v->attempts, v->attempt_count);
    int64_t now = v->now, id = v->alert_id;
    memset(v, 0, sizeof *v);
    v->now = now;
    v->alert_id = id;
}

/* ---- writes for the checks --------------------------------------------- */

/* A transaction of one step, named by what it does, for the small writes
 * of the checks. */
typedef enum step_kind {
    STEP_APPEND, STEP_SETTING_SET, STEP_SETTING_INIT, STEP_ACCOUNT, STEP_DISABLE, STEP_PASSWORD,
    STEP_SET_TOTP, STEP_TOTP_STEP, STEP_KEY, STEP_REVOKE, STEP_TRUST, STEP_SESSION,
    STEP_SESSION_DELETE, STEP_SESSION_EXTEND, STEP_SESSIONS_OF, STEP_SESSIONS_PRUNE, STEP_LOGIN,
    STEP_LOGIN_PRUNE, STEP_LEASE, STEP_JOB_DONE, STEP_ITEM, STEP_BANK, STEP_IDEM,
    STEP_IDEM_PRUNE, STEP_STATUS, STEP_SET_CASE, STEP_ALERT, STEP_ACK, STEP_DELIVERY,
    STEP_SCOPES,
} step_kind;

typedef struct step {
    step_kind kind;
    int64_t now, id, number, seq;
    const char *a, *b, *c;
    int flag, result;
    int64_t removed;
    char *text;
    vg_audit_note note;
    vg_session session;
    vg_login_state login;
    const vg_item *item;
    vg_verdict verdict;
    vg_idempotency idem;
    const char *const *channels; /* STEP_ALERT: flag of them */
} step;

static vg_status step_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    step *s = ctx;
    switch (s->kind) {
    case STEP_APPEND:
        return vg_tx_audit_append(tx, s->now, &s->note, &s->seq, err);
    case STEP_SETTING_SET:
        return vg_tx_setting_set(tx, s->a, s->b, err);
    case STEP_SETTING_INIT:
        free(s->text);
        s->text = NULL;
        return vg_tx_setting_init(tx, s->a, s->b, &s->text, err);
    case STEP_ACCOUNT:
        return vg_tx_account_create(tx, s->a, s->b, (vg_role)s->number, s->now, &s->id, err);
    case STEP_DISABLE:
        return vg_tx_account_set_disabled(tx, s->a, s->flag, &s->result, err);
    case STEP_PASSWORD:
        return vg_tx_account_set_password(tx, s->id, s->a, err);
    case STEP_SET_TOTP:
        return vg_tx_account_set_totp(tx, s->id, s->a, err);
    case STEP_TOTP_STEP:
        return vg_tx_account_use_totp_step(tx, s->id, s->number, &s->result, err);
    case STEP_REVOKE:
        return vg_tx_api_key_revoke(tx, s->id, s->a, &s->result, err);
    case STEP_TRUST:
        return vg_tx_api_key_set_trust(tx, s->id, s->a, s->flag, &s->result, err);
    case STEP_SCOPES:
        return vg_tx_api_key_set_scopes(tx, s->id, s->a, (unsigned)s->number, &s->result, err);
    case STEP_SESSION_DELETE:
        return vg_tx_session_delete(tx, s->a, err);
    case STEP_SESSION_EXTEND:
        return vg_tx_session_extend(tx, s->a, s->number, s->now, err);
    case STEP_SESSIONS_OF:
        return vg_tx_sessions_delete_account(tx, s->id, err);
    case STEP_SESSIONS_PRUNE:
        return vg_tx_sessions_prune(tx, s->now, &s->removed, err);
    case STEP_LOGIN_PRUNE:
        return vg_tx_login_prune(tx, s->now, &s->removed, err);
    case STEP_IDEM_PRUNE:
        return vg_tx_idempotency_prune(tx, s->number, &s->removed, err);
    case STEP_KEY:
        return vg_tx_api_key_create(tx, s->a, s->b, s->c, (uint32_t)s->number, s->flag,
                                    s->now, &s->id, err);
    case STEP_SESSION:
        return vg_tx_session_create(tx, &s->session, (int)s->number, s->now, err);
    case STEP_LOGIN:
        return vg_tx_login_put(tx, s->a, &s->login, s->now, err);
    case STEP_LEASE:
        return vg_tx_job_lease(tx, s->a, s->b, s->now, s->number, &s->result, err);
    case STEP_JOB_DONE:
        return vg_tx_job_done(tx, s->a, s->b, s->number, err);
    case STEP_ITEM:
        return vg_tx_item_put(tx, s->item, s->now, err);
    case STEP_BANK:
        return vg_tx_bank_put(tx, s->a, s->b, &s->verdict, s->id, s->now, err);
    case STEP_IDEM:
        return vg_tx_idempotency_put(tx, s->number, &s->idem, s->id, s->now, err);
    case STEP_STATUS:
        return vg_tx_report_set_status(tx, s->id, s->a, s->now, err);
    case STEP_SET_CASE:
        return vg_tx_report_set_case(tx, s->id, s->number, err);
    case STEP_ALERT:
        return vg_tx_alert_raise(tx, s->id, s->a, s->channels, (size_t)s->flag, s->now,
                                 &s->number, err);
    case STEP_ACK:
        return vg_tx_alert_ack(tx, s->id, s->a, s->now, &s->result, err);
    case STEP_DELIVERY:
        return vg_tx_delivery_record(tx, s->id, s->now, s->flag, s->a, s->number, err);
    }
    return vg_error_set(err, VG_ERR_INVALID, "no such step");
}

/* Run one step in its own write transaction; its status. */
static vg_status run_step(vg_store *s, step *st)
{
    vg_error err;
    vg_error_clear(&err);
    return vg_store_write(s, step_tx, st, &err);
}

#define MUST(store, ...)                                                                      \
    do {                                                                                       \
        step must_ = {__VA_ARGS__};                                                            \
        vg_error must_err_;                                                                    \
        vg_status must_st_ = vg_store_write(store, step_tx, &must_, &must_err_);              \
        CHECK_MSG(must_st_ == VG_OK, "%s: %s", #__VA_ARGS__, must_err_.message);               \
        free(must_.text);                                                                      \
    } while (0)

static int64_t append(vg_store *s, int64_t time, const char *actor, const char *action,
                      const char *target, const char *detail)
{
    step st = {.kind = STEP_APPEND, .now = time, .note = {actor, action, target, detail}};
    vg_status status = run_step(s, &st);
    CHECK_MSG(status == VG_OK, "appending to the audit log: status %d", (int)status);
    return status == VG_OK ? st.seq : 0;
}

static int64_t create_account(vg_store *s, const char *name, const char *hash, vg_role role)
{
    step st = {.kind = STEP_ACCOUNT, .a = name, .b = hash, .number = role, .now = NOW};
    CHECK_MSG(run_step(s, &st) == VG_OK, "creating account %s", name);
    return st.id;
}

static int64_t create_key(vg_store *s, const char *prefix, const char *hash, const char *org,
                          uint32_t rate, int trust)
{
    step st = {.kind = STEP_KEY, .a = prefix, .b = hash, .c = org, .number = rate,
               .flag = trust, .now = NOW};
    CHECK_MSG(run_step(s, &st) == VG_OK, "creating key %s", prefix);
    return st.id;
}

static void create_session(vg_store *s, const char *token, int64_t account, int64_t created,
                           int64_t expires, int max, int64_t now)
{
    step st = {.kind = STEP_SESSION, .number = max, .now = now,
               .session = {.token_hash = (char *)token, .account_id = account,
                           .csrf_token = "csrf", .created_at = created, .expires_at = expires}};
    CHECK_MSG(run_step(s, &st) == VG_OK, "creating session %s", token);
}

/* ---- the store, empty -------------------------------------------------- */

typedef struct empty_view {
    int64_t reports, head_seq;
    size_t recent, accounts, keys, open, done, open_ids;
    int entries;
} empty_view;

static int count_entry(const vg_audit_entry *e, void *ctx)
{
    (void)e;
    ((empty_view *)ctx)->entries++;
    return 0;
}

static vg_status empty_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    empty_view *v = ctx;
    vg_report_row *rows = NULL;
    vg_account *accounts = NULL;
    vg_api_key *keys = NULL;
    vg_item *open = NULL, *done = NULL;
    int64_t ids[4];
    char hash[65];
    vg_status st = vg_tx_report_count(tx, &v->reports, err);
    if (st == VG_OK)
        st = vg_tx_reports_recent(tx, 10, &rows, &v->recent, err);
    if (st == VG_OK)
        st = vg_tx_accounts_list(tx, &accounts, &v->accounts, err);
    if (st == VG_OK)
        st = vg_tx_api_keys_list(tx, &keys, &v->keys, err);
    if (st == VG_OK)
        st = vg_tx_items_open(tx, 10, &open, &v->open, err);
    if (st == VG_OK)
        st = vg_tx_items_done(tx, 10, &done, &v->done, err);
    if (st == VG_OK)
        st = vg_tx_item_ids_open(tx, ids, 4, &v->open_ids, err);
    if (st == VG_OK)
        st = vg_tx_audit_each(tx, count_entry, v, err);
    if (st == VG_OK)
        st = vg_tx_audit_head(tx, &v->head_seq, hash, err);
    free(rows);
    free(accounts);
    free(keys);
    free(open);
    free(done);
    return st;
}

static void test_empty_store(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    CHECK(vg_store_schema_version(s) > 0);
    CHECK(vg_store_backend(s) && *vg_store_backend(s));
    empty_view v = {.reports = -1, .head_seq = -1};
    vg_error err;
    CHECK_MSG(vg_store_read(s, empty_tx, &v, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(v.reports, 0);
    CHECK_INT_EQ(v.recent, 0);
    CHECK_INT_EQ(v.accounts, 0);
    CHECK_INT_EQ(v.keys, 0);
    CHECK_INT_EQ(v.open, 0);
    CHECK_INT_EQ(v.done, 0);
    CHECK_INT_EQ(v.open_ids, 0);
    CHECK_INT_EQ(v.entries, 0);
    CHECK_INT_EQ(v.head_seq, 0);
    /* an empty log holds */
    int64_t entries = -1;
    CHECK(chain_holds(s, NULL, 0, &entries));
    CHECK_INT_EQ(entries, 0);
    finish(s, loc);
}

/* ---- the transaction port ---------------------------------------------- */

typedef struct ro_args {
    int64_t report_id, case_id, account_id, key_id;
    int writable;
    int refused, tried;
    int64_t count_after;
    char failures[1024];
} ro_args;

static vg_status writable_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)err;
    ((ro_args *)ctx)->writable = vg_tx_writable(tx);
    return VG_OK;
}

/* Every operation that writes, tried in a read transaction: each must be
 * refused with VG_ERR_INVALID. */
#define REFUSED(call)                                                                          \
    do {                                                                                       \
        vg_error e_;                                                                           \
        vg_error_clear(&e_);                                                                   \
        vg_status st_ = (call);                                                                \
        a->tried++;                                                                            \
        if (st_ == VG_ERR_INVALID && e_.message[0])                                            \
            a->refused++;                                                                      \
        else                                                                                   \
            snprintf(a->failures + strlen(a->failures), sizeof a->failures - strlen(a->failures), \
                     " %.40s(%d)", #call, (int)st_);                                           \
    } while (0)

static vg_status read_only_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    ro_args *a = ctx;
    a->writable = vg_tx_writable(tx);
    char *value = NULL;
    int64_t n = 0, seq = 0;
    int found = 0, accepted = 0, taken = 0;
    draft d = {.code = "RO02", .url = "https://example.test/ro2"};
    vg_idempotency idem = {"ro-key", "h", "{}"};
    vg_session ses = {.token_hash = "tok-ro2", .account_id = a->account_id,
                      .csrf_token = "c", .created_at = NOW, .expires_at = NOW + 3600};
    vg_login_state zero = {0};
    vg_audit_note note = {"user:ro", "nothing.done", "", NULL};
    vg_item item = {.report_id = a->report_id, .version = 1, .state = VG_ITEM_OPEN,
                    .claimed_by = "ro-user", .claimed_at = NOW};
    vg_verdict v = {VG_LEGAL_CSAM, "A", VG_AGE_YOUNG_CHILD};

    REFUSED(vg_tx_setting_set(tx, "ro", "x", &e_));
    REFUSED(vg_tx_setting_init(tx, "ro", "x", &value, &e_));
    free(value);
    REFUSED(vg_tx_idempotency_put(tx, 7, &idem, a->report_id, NOW, &e_));
    REFUSED(vg_tx_idempotency_prune(tx, NOW + 100000, &n, &e_));
    REFUSED(vg_tx_case_new(tx, NOW, &n, &e_));
    REFUSED(vg_tx_report_put(tx, draft_report(&d), a->case_id, NOW, &n, &e_));
    REFUSED(vg_tx_report_put_new_case(tx, draft_report(&d), NOW, &n, &n, &e_));
    REFUSED(vg_tx_report_set_case(tx, a->report_id, a->case_id + 1, &e_));
    REFUSED(vg_tx_report_set_status(tx, a->report_id, VG_REPORT_ASSESSING, NOW, &e_));
    REFUSED(vg_tx_account_create(tx, "ro-other", "hash", VG_ROLE_ANALYST, NOW, &n, &e_));
    REFUSED(vg_tx_account_set_disabled(tx, "ro-user", 1, &found, &e_));
    REFUSED(vg_tx_account_set_password(tx, a->account_id, "hash-2", &e_));
    REFUSED(vg_tx_account_set_totp(tx, a->account_id, "sealed-secret", &e_));
    REFUSED(vg_tx_account_set_language(tx, a->account_id, "fr", &e_));
    REFUSED(vg_tx_account_use_totp_step(tx, a->account_id, 5, &accepted, &e_));
    REFUSED(vg_tx_session_create(tx, &ses, 0, NOW, &e_));
    REFUSED(vg_tx_session_delete(tx, "tok-ro", &e_));
    REFUSED(vg_tx_session_extend(tx, "tok-ro", NOW + 99999, NOW, &e_));
    REFUSED(vg_tx_sessions_delete_account(tx, a->account_id, &e_));
    REFUSED(vg_tx_sessions_prune(tx, NOW + 999999, &n, &e_));
    REFUSED(vg_tx_api_key_create(tx, "vg_ro2", "hash-ro2", "Org", 0, 50, NOW, &n, &e_));
    REFUSED(vg_tx_api_key_revoke(tx, a->key_id, NULL, &found, &e_));
    REFUSED(vg_tx_api_key_set_trust(tx, a->key_id, NULL, 1, &found, &e_));
    REFUSED(vg_tx_api_key_set_scopes(tx, a->key_id, NULL, VG_SCOPE_ALL, &found, &e_));
    REFUSED(vg_tx_login_put(tx, "name-ro", &zero, NOW, &e_));
    REFUSED(vg_tx_login_prune(tx, NOW + 10 * 86400, &n, &e_));
    REFUSED(vg_tx_audit_append(tx, NOW, &note, &seq, &e_));
    REFUSED(vg_tx_item_put(tx, &item, NOW, &e_));
    REFUSED(vg_tx_bank_put(tx, "aa01", NULL, &v, a->report_id, NOW, &e_));
    REFUSED(vg_tx_job_lease(tx, "ro-job", "node-ro", NOW, 60, &taken, &e_));
    REFUSED(vg_tx_job_done(tx, "ro-job", "node-ro", NOW + 10, &e_));
    const char *channels[] = {VG_CHANNEL_EMAIL};
    REFUSED(vg_tx_alert_raise(tx, a->report_id, VG_ALERT_DANGER, channels, 1, NOW, &n, &e_));
    REFUSED(vg_tx_alert_ack(tx, 1, "ro-user", NOW, &found, &e_));
    REFUSED(vg_tx_delivery_record(tx, 1, NOW, 1, NULL, NOW, &e_));
    /* reading goes on in the same transaction */
    return vg_tx_report_count(tx, &a->count_after, err);
}

static vg_status failing_read_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)tx;
    (void)ctx;
    return vg_error_set(err, VG_ERR_ABORTED, "stopped on purpose");
}

static void test_read_only_refusal(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    ro_args a = {0};
    vg_error err;
    CHECK(vg_store_write(s, writable_tx, &a, &err) == VG_OK);
    CHECK_INT_EQ(a.writable, 1);

    /* something for each refused change to act on */
    draft d = {.code = "RO01", .url = "https://example.test/ro", .sha256 = "aa01",
               .vault_id = "vault-ro"};
    a.report_id = must_put(s, &d, 0, &a.case_id);
    a.account_id = create_account(s, "ro-user", "hash-1", VG_ROLE_ANALYST);
    a.key_id = create_key(s, "vg_ro", "hash-ro", "Org", 0, 50);
    create_session(s, "tok-ro", a.account_id, NOW, NOW + 3600, 0, NOW);
    MUST(s, .kind = STEP_LOGIN, .a = "name-ro", .login = {2, 0, 0}, .now = NOW);

    a.writable = -1;
    CHECK_MSG(vg_store_read(s, read_only_tx, &a, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(a.writable, 0);
    CHECK_INT_EQ(a.tried, 34);
    CHECK_MSG(a.refused == a.tried, "not refused:%s", a.failures);
    CHECK_INT_EQ(a.count_after, 1);

    /* and none of them happened */
    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "RO01", &row), 1);
    CHECK_STR_EQ(row.status, VG_REPORT_RECEIVED);
    CHECK_INT_EQ(row.case_id, a.case_id);
    vg_report_row_clear(&row);
    CHECK_INT_EQ(find_report(s, "RO02", NULL), 0);
    CHECK_INT_EQ(report_count(s), 1);
    char *value = setting(s, "ro");
    CHECK(value == NULL);
    free(value);
    vg_account acc;
    CHECK(get_account(s, "ro-user", 0, &acc));
    CHECK(!acc.disabled && acc.totp_secret == NULL);
    CHECK_STR_EQ(acc.password_hash, "hash-1");
    vg_account_clear(&acc);
    CHECK(!get_account(s, "ro-other", 0, &acc));
    vg_account_clear(&acc);
    CHECK(session_live(s, "tok-ro", NOW + 10));
    CHECK(!session_live(s, "tok-ro", NOW + 3600 + 1));
    CHECK(!session_live(s, "tok-ro2", NOW + 10));
    vg_api_key key;
    CHECK(get_key(s, "hash-ro", &key));
    CHECK(!key.revoked);
    CHECK_INT_EQ(key.trust, 50);
    vg_api_key_clear(&key);
    CHECK_INT_EQ(key_trust(s, "hash-ro2"), -1);
    CHECK(login_is(get_login(s, "name-ro"), 2, 0, 0));
    CHECK_INT_EQ(audit_head(s, NULL), 0);
    vg_item it;
    CHECK(get_item(s, a.report_id, &it));
    CHECK_STR_EQ(it.state, VG_ITEM_OPEN);
    CHECK_INT_EQ(it.version, 0);
    CHECK(it.claimed_by == NULL);
    vg_item_clear(&it);
    files_args fa = {.report_id = a.report_id};
    CHECK(vg_store_read(s, files_tx, &fa, &err) == VG_OK && fa.count == 1);
    if (fa.count == 1)
        CHECK(fa.files[0].own_legal == NULL);
    vg_item_files_free(fa.files, fa.count);
    step lease = {.kind = STEP_LEASE, .a = "ro-job", .b = "node-other", .now = NOW + 1,
                  .number = 60};
    CHECK(run_step(s, &lease) == VG_OK && lease.result == 1);
    step totp = {.kind = STEP_TOTP_STEP, .id = a.account_id, .number = 5};
    CHECK(run_step(s, &totp) == VG_OK && totp.result == 1);

    /* a read's own failure comes back as it is */
    vg_error_clear(&err);
    CHECK(vg_store_read(s, failing_read_tx, NULL, &err) == VG_ERR_ABORTED);
    CHECK_STR_EQ(err.message, "stopped on purpose");
    finish(s, loc);
}

/* One transaction that changes something in every table group, then
 * commits, or fails with outcome. */
typedef struct everything_args {
    int64_t report_id;    /* an existing report it changes */
    const char *code;     /* the receipt code of the report it adds */
    int64_t now;
    vg_status outcome;
    int steps, steps_ok;
    char first_failure[200];
} everything_args;

#define TRY(call)                                                                              \
    do {                                                                                       \
        vg_error_clear(&e);                                                                    \
        a->steps++;                                                                            \
        if ((call) == VG_OK)                                                                   \
            a->steps_ok++;                                                                     \
        else if (!a->first_failure[0])                                                         \
            snprintf(a->first_failure, sizeof a->first_failure, "%.60s: %.120s", #call, e.message);\
    } while (0)

static vg_status everything_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    everything_args *a = ctx;
    a->steps = a->steps_ok = 0;
    a->first_failure[0] = 0;
    vg_error e;
    int64_t case_id = 0, id = 0, seq = 0, n = 0, user = 0;
    int found = 0, taken = 0;
    char *value = NULL;
    draft d = {.code = a->code, .url = "https://example.test/everything"};
    vg_audit_note note = {"user:alice", "report.received", "report:everything", "{}"};
    vg_idempotency idem = {"everything-key", "request-hash", "{\"id\":1}"};
    vg_session ses = {.token_hash = "tok-everything", .csrf_token = "c",
                      .created_at = a->now, .expires_at = a->now + 3600};
    vg_login_state locked = {3, a->now + 600, 1};
    vg_verdict v = {VG_LEGAL_CSAM, "A", VG_AGE_YOUNG_CHILD};
    vg_item item = {.report_id = a->report_id, .version = 1, .state = VG_ITEM_OPEN,
                    .claimed_by = "alice", .claimed_at = a->now};

    TRY(vg_tx_case_new(tx, a->now, &case_id, &e));
    TRY(vg_tx_report_put(tx, draft_report(&d), case_id, a->now, &id, &e));
    TRY(vg_tx_audit_append(tx, a->now, &note, &seq, &e));
    TRY(vg_tx_setting_set(tx, "everything", "x", &e));
    TRY(vg_tx_setting_set(tx, "kept", "changed", &e));
    TRY(vg_tx_setting_init(tx, "secret", "second", &value, &e));
    free(value);
    TRY(vg_tx_idempotency_put(tx, 7, &idem, id, a->now, &e));
    TRY(vg_tx_account_create(tx, "everything-user", "hash", VG_ROLE_ANALYST, a->now, &user,
                             &e));
    ses.account_id = user;
    TRY(vg_tx_api_key_create(tx, "vg_every", "hash-every", "Org", 0, 50, a->now, &n, &e));
    TRY(vg_tx_session_create(tx, &ses, 0, a->now, &e));
    TRY(vg_tx_login_put(tx, "name-everything", &locked, a->now, &e));
    TRY(vg_tx_bank_put(tx, "bb01", NULL, &v, a->report_id, a->now, &e));
    TRY(vg_tx_job_lease(tx, "everything-job", "node-1", a->now, 600, &taken, &e));
    TRY(vg_tx_report_set_status(tx, a->report_id, VG_REPORT_ASSESSING, a->now, &e));
    TRY(vg_tx_item_put(tx, &item, a->now, &e));
    TRY(vg_tx_report_set_case(tx, a->report_id, case_id, &e));
    TRY(vg_tx_account_set_disabled(tx, "kept-user", 1, &found, &e));
    const char *channels[] = {VG_CHANNEL_WEBHOOK};
    TRY(vg_tx_alert_raise(tx, id, VG_ALERT_DANGER, channels, 1, a->now, &n, &e));
    if (a->outcome != VG_OK)
        return vg_error_set(err, a->outcome, "rolled back on purpose");
    return VG_OK;
}

/* What everything_tx did, seen from outside: 1 for each of its changes
 * when committed is 1, none of them when 0. keep_id: its existing report. */
static void check_everything(vg_store *s, int64_t keep_id, int64_t keep_case, int committed,
                             int64_t now)
{
    CHECK_INT_EQ(find_report(s, "EVERYTHING", NULL), committed);
    CHECK_INT_EQ(report_count(s), 1 + committed);
    CHECK_INT_EQ(entries_for(s, "report:everything"), committed);
    char *v = setting(s, "everything");
    CHECK(committed ? v && !strcmp(v, "x") : v == NULL);
    free(v);
    v = setting(s, "kept");
    CHECK_STR_EQ(v, committed ? "changed" : "original");
    free(v);
    v = setting(s, "secret");
    CHECK_STR_EQ(v, "first");
    free(v);
    idem_probe ip;
    CHECK_INT_EQ(get_idem(s, 7, "everything-key", &ip), committed);
    idem_clear(&ip);
    vg_account acc;
    CHECK_INT_EQ(get_account(s, "everything-user", 0, &acc), committed);
    vg_account_clear(&acc);
    CHECK(get_account(s, "kept-user", 0, &acc));
    CHECK_INT_EQ(acc.disabled, committed);
    vg_account_clear(&acc);
    /* disabling ends the account's sessions */
    CHECK_INT_EQ(session_live(s, "tok-kept", now + 1), !committed);
    CHECK_INT_EQ(key_trust(s, "hash-every"), committed ? 50 : -1);
    CHECK_INT_EQ(session_live(s, "tok-everything", now + 1), committed);
    vg_login_state ls = get_login(s, "name-everything");
    CHECK(committed ? login_is(ls, 3, now + 600, 1) : login_is(ls, 0, 0, 0));
    files_args fa = {.report_id = keep_id};
    vg_error err;
    CHECK(vg_store_read(s, files_tx, &fa, &err) == VG_OK && fa.count == 1);
    if (fa.count == 1) {
        CHECK(committed ? fa.files[0].own_legal && !strcmp(fa.files[0].own_legal, VG_LEGAL_CSAM)
                        : fa.files[0].own_legal == NULL);
        CHECK_INT_EQ(fa.files[0].case_id == keep_case, !committed);
    }
    vg_item_files_free(fa.files, fa.count);
    vg_report_row row;
    CHECK(find_report(s, "KEEP", &row) == 1);
    CHECK_STR_EQ(row.status, committed ? VG_REPORT_ASSESSING : VG_REPORT_RECEIVED);
    CHECK_INT_EQ(row.case_id == keep_case, !committed);
    vg_report_row_clear(&row);
    vg_item it;
    CHECK(get_item(s, keep_id, &it));
    CHECK_INT_EQ(it.version, committed);
    CHECK(committed ? it.claimed_by && !strcmp(it.claimed_by, "alice") : !it.claimed_by);
    vg_item_clear(&it);
    alert_view av = {.now = now + 1};
    CHECK(vg_store_read(s, alert_view_tx, &av, &err) == VG_OK);
    CHECK_INT_EQ(av.total, committed);
    CHECK_INT_EQ(av.due_count, committed);
    alert_view_clear(&av);
}

/* A store with what everything_tx changes: report KEEP (a held file
 * bb01), settings, an account with a session. */
static int64_t everything_setup(vg_store *s, int64_t *keep_case)
{
    draft keep = {.code = "KEEP", .url = "https://example.test/keep", .sha256 = "bb01",
                  .vault_id = "vault-keep"};
    int64_t id = must_put(s, &keep, 0, keep_case);
    MUST(s, .kind = STEP_SETTING_SET, .a = "kept", .b = "original");
    MUST(s, .kind = STEP_SETTING_INIT, .a = "secret", .b = "first");
    int64_t user = create_account(s, "kept-user", "hash", VG_ROLE_ANALYST);
    create_session(s, "tok-kept", user, NOW, NOW + 86400, 0, NOW);
    return id;
}

/* fn's error rolls back every change it made, whatever the table, and
 * comes back to the caller as it was; an audit entry rolled back leaves
 * no gap; a commit makes every change at once. */
static void test_commit_and_rollback(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t keep_case = 0, keep = everything_setup(s, &keep_case);
    vg_store_stats before, after;
    vg_store_stats_get(s, &before);

    static const vg_status failures[] = {VG_ERR_ABORTED, VG_ERR_INVALID, VG_ERR_IO};
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
        everything_args a = {.report_id = keep, .code = "EVERYTHING", .now = NOW,
                             .outcome = failures[i]};
        vg_error err;
        vg_error_clear(&err);
        vg_status st = vg_store_write(s, everything_tx, &a, &err);
        CHECK_INT_EQ(st, failures[i]);
        CHECK_STR_EQ(err.message, "rolled back on purpose");
        CHECK_MSG(a.steps_ok == a.steps && a.steps == 18, "%d of %d: %s", a.steps_ok, a.steps,
                  a.first_failure);
        check_everything(s, keep, keep_case, 0, NOW);
        CHECK_INT_EQ(audit_head(s, NULL), 0);
    }
    /* the rolled-back lease is not held: another node takes the job */
    step lease = {.kind = STEP_LEASE, .a = "everything-job", .b = "node-2", .now = NOW + 1,
                  .number = 10};
    CHECK(run_step(s, &lease) == VG_OK && lease.result == 1);
    vg_store_stats_get(s, &after);
    CHECK_INT_EQ(after.failed_writes - before.failed_writes, 3);
    CHECK_INT_EQ(after.writes - before.writes, 1);

    /* the next entry takes the sequence number the rolled-back ones had */
    CHECK_INT_EQ(append(s, NOW, "user:bob", "evidence.view", "file:1", NULL), 1);
    int64_t entries = 0;
    CHECK(chain_holds(s, NULL, 0, &entries));
    CHECK_INT_EQ(entries, 1);

    everything_args a = {.report_id = keep, .code = "EVERYTHING", .now = NOW + 100,
                         .outcome = VG_OK};
    vg_error err;
    CHECK_MSG(vg_store_write(s, everything_tx, &a, &err) == VG_OK, "%s", err.message);
    CHECK_MSG(a.steps_ok == a.steps, "%s", a.first_failure);
    check_everything(s, keep, keep_case, 1, NOW + 100);
    /* the lease taken in it is held now */
    lease = (step){.kind = STEP_LEASE, .a = "everything-job", .b = "node-2", .now = NOW + 200,
                   .number = 10};
    CHECK(run_step(s, &lease) == VG_OK && lease.result == 0);
    CHECK_INT_EQ(audit_head(s, NULL), 2);
    CHECK(chain_holds(s, NULL, 0, &entries));
    CHECK_INT_EQ(entries, 2);
    finish(s, loc);
}

typedef struct partial_args {
    const vg_report *r;
    int64_t seq;
} partial_args;

/* An entry and a case, then a report the store refuses: fn returns the
 * refusal. */
static vg_status partial_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    partial_args *a = ctx;
    int64_t case_id = 0, id = 0;
    vg_audit_note note = {"user:alice", "report.received", "partial", NULL};
    vg_status st = vg_tx_audit_append(tx, NOW, &note, &a->seq, err);
    if (st == VG_OK)
        st = vg_tx_case_new(tx, NOW, &case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, a->r, case_id, NOW, &id, err);
    return st;
}

/* A report whose receipt code or public id is taken is refused, and what
 * its transaction did before goes with it. */
static void test_refused_write_leaves_nothing(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    draft first = {.code = "AAAA", .url = "https://example.test/x"};
    must_put(s, &first, 0, NULL);
    vg_report same_code = {.public_id = "id-other", .receipt_code = "AAAA", .source = "web"};
    vg_report same_id = {.public_id = "id-AAAA", .receipt_code = "BBBB", .source = "web"};
    const vg_report *bad[] = {&same_code, &same_id};
    for (int i = 0; i < 2; i++) {
        partial_args a = {.r = bad[i]};
        vg_error err;
        vg_error_clear(&err);
        CHECK(vg_store_write(s, partial_tx, &a, &err) != VG_OK);
        CHECK(err.message[0] != 0);
        CHECK_INT_EQ(a.seq, 1); /* it got that far */
    }
    CHECK_INT_EQ(report_count(s), 1);
    CHECK_INT_EQ(find_report(s, "BBBB", NULL), 0);
    CHECK_INT_EQ(audit_head(s, NULL), 0);
    CHECK_INT_EQ(entries_for(s, "partial"), 0);
    finish(s, loc);
}

/* ---- snapshots --------------------------------------------------------- */

typedef struct snap_args {
    vg_store *s;
    int64_t before, after;
    vg_status written;
} snap_args;

static void *snap_writer(void *p)
{
    snap_args *a = p;
    draft d = {.code = "SNAP2"};
    vg_error err;
    a->written = put_report(a->s, &d, 0, NOW, NULL, NULL, &err);
    return NULL;
}

/* Count, let another thread commit a report, count again. */
static vg_status snapshot_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    snap_args *a = ctx;
    vg_status st = vg_tx_report_count(tx, &a->before, err);
    if (st != VG_OK)
        return st;
    pthread_t th;
    if (pthread_create(&th, NULL, snap_writer, a) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "no thread");
    pthread_join(th, NULL);
    return vg_tx_report_count(tx, &a->after, err);
}

/* A read transaction is a consistent snapshot: a write committed while it
 * runs is not seen by it, and is by the next one. */
static void test_read_snapshot(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    draft d = {.code = "SNAP1"};
    must_put(s, &d, 0, NULL);
    snap_args a = {.s = s, .before = -1, .after = -1, .written = VG_ERR_IO};
    vg_error err;
    CHECK_MSG(vg_store_read(s, snapshot_tx, &a, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(a.written, VG_OK);
    CHECK_INT_EQ(a.before, 1);
    CHECK_INT_EQ(a.after, 1);
    CHECK_INT_EQ(report_count(s), 2);
    finish(s, loc);
}

/* ---- many writers ------------------------------------------------------ */

#define LOAD_THREADS 4
#define LOAD_EACH 60

typedef struct load_arg {
    vg_store *s;
    int index;
    int committed, rolled_back, wrong;
} load_arg;

static vg_status load_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    put_args *a = ctx;
    vg_status st = put_tx(tx, a, err);
    if (st == VG_OK && a->rollback)
        st = vg_error_set(err, VG_ERR_ABORTED, "rolled back on purpose");
    return st;
}

/* Every other transaction rolls back, each after writing a report and its
 * audit entry. */
static void *load_writer(void *p)
{
    load_arg *w = p;
    for (int i = 0; i < LOAD_EACH; i++) {
        char code[32];
        snprintf(code, sizeof code, "L%d-%d", w->index, i);
        draft d = {.code = code};
        int fail = i % 2;
        put_args a = {.r = draft_report(&d), .now = NOW, .audited = 1, .rollback = fail};
        vg_error err;
        vg_status st = vg_store_write(w->s, load_tx, &a, &err);
        if (fail && st == VG_ERR_ABORTED)
            w->rolled_back++;
        else if (!fail && st == VG_OK)
            w->committed++;
        else
            w->wrong++;
    }
    return NULL;
}

/* Transactions that roll back while others commit at the same time (on
 * SQLite, in the same group commit) take only their own changes with
 * them; the audit chain has exactly the committed ones' entries, whole. */
static void test_rollback_among_commits(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_store_stats before, after;
    vg_store_stats_get(s, &before);
    load_arg w[LOAD_THREADS];
    pthread_t th[LOAD_THREADS];
    for (int i = 0; i < LOAD_THREADS; i++) {
        w[i] = (load_arg){.s = s, .index = i};
        pthread_create(&th[i], NULL, load_writer, &w[i]);
    }
    int committed = 0, rolled_back = 0, wrong = 0;
    for (int i = 0; i < LOAD_THREADS; i++) {
        pthread_join(th[i], NULL);
        committed += w[i].committed;
        rolled_back += w[i].rolled_back;
        wrong += w[i].wrong;
    }
    CHECK_INT_EQ(wrong, 0);
    CHECK_INT_EQ(committed, LOAD_THREADS * LOAD_EACH / 2);
    CHECK_INT_EQ(rolled_back, LOAD_THREADS * LOAD_EACH / 2);
    vg_store_stats_get(s, &after);
    CHECK_INT_EQ(after.writes - before.writes, committed);
    CHECK_INT_EQ(after.failed_writes - before.failed_writes, rolled_back);
    CHECK(after.commits > before.commits);
    CHECK_INT_EQ(report_count(s), committed);
    int present = 0, absent = 0, audited = 0;
    for (int t = 0; t < LOAD_THREADS; t++)
        for (int i = 0; i < LOAD_EACH; i++) {
            char code[32];
            snprintf(code, sizeof code, "L%d-%d", t, i);
            vg_report_row row;
            int found = find_report(s, code, &row);
            if (i % 2) {
                absent += found == 0;
            } else if (found == 1) {
                present++;
                char target[48];
                snprintf(target, sizeof target, "report:%" PRId64, row.id);
                audited += entries_for(s, target) == 1;
            }
            vg_report_row_clear(&row);
        }
    CHECK_INT_EQ(present, committed);
    CHECK_INT_EQ(absent, rolled_back);
    CHECK_INT_EQ(audited, committed);
    int64_t entries = 0;
    CHECK(chain_holds(s, NULL, 0, &entries));
    CHECK_INT_EQ(entries, committed);
    finish(s, loc);
}

#define WRITERS 8
#define EACH 150

typedef struct writer_arg {
    vg_store *s;
    int index, failures;
    int64_t ids[EACH];
} writer_arg;

static void *writer(void *p)
{
    writer_arg *w = p;
    for (int i = 0; i < EACH; i++) {
        char code[32], url[64];
        snprintf(code, sizeof code, "W%d-%d", w->index, i);
        snprintf(url, sizeof url, "https://example.test/%d/%d", w->index, i);
        draft d = {.code = code, .url = url};
        vg_report_ack ack;
        if (!submit(w->s, &d, NULL, NOW, &ack))
            w->failures++;
        w->ids[i] = ack.id;
        vg_report_ack_clear(&ack);
    }
    return NULL;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Many threads writing at once: every write acknowledged, each its own
 * row, and every one of them there after the store is reopened. */
static void test_concurrent_writers(void)
{
    char loc[LOC];
    vg_store_options opt = {.max_batch = 64};
    vg_store *s = fresh_with(loc, &opt);
    if (!s)
        return;
    static writer_arg w[WRITERS];
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_arg){.s = s, .index = i};
        pthread_create(&th[i], NULL, writer, &w[i]);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    static int64_t ids[WRITERS * EACH];
    int failures = 0, zero = 0, repeated = 0;
    for (int i = 0; i < WRITERS; i++) {
        failures += w[i].failures;
        for (int k = 0; k < EACH; k++) {
            zero += w[i].ids[k] == 0;
            ids[i * EACH + k] = w[i].ids[k];
        }
    }
    qsort(ids, WRITERS * EACH, sizeof ids[0], by_id);
    for (int i = 1; i < WRITERS * EACH; i++)
        repeated += ids[i] == ids[i - 1];
    CHECK_INT_EQ(failures, 0);
    CHECK_INT_EQ(zero, 0);
    CHECK_INT_EQ(repeated, 0);
    vg_store_stats stats;
    vg_store_stats_get(s, &stats);
    CHECK_INT_EQ(stats.writes, WRITERS * EACH);
    CHECK_INT_EQ(stats.failed_writes, 0);
    CHECK(stats.commits >= 1 && stats.commits <= stats.writes);
    fprintf(stderr, "  %d writes from %d threads in %" PRIu64 " commits\n", WRITERS * EACH,
            WRITERS, stats.commits);
    vg_store_close(s);
    s = open_at(loc, NULL);
    if (!s) {
        backend->destroy(backend->ctx, loc);
        return;
    }
    CHECK_INT_EQ(report_count(s), WRITERS * EACH);
    int missing = 0;
    for (int i = 0; i < WRITERS; i++)
        for (int k = 0; k < EACH; k++) {
            char code[32];
            snprintf(code, sizeof code, "W%d-%d", i, k);
            missing += find_report(s, code, NULL) != 1;
        }
    CHECK_INT_EQ(missing, 0);
    finish(s, loc);
}

/* What was committed is there after the store is closed and reopened,
 * the audit chain with its head included. */
static void test_durability(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t keep_case = 0, keep = everything_setup(s, &keep_case);
    everything_args a = {.report_id = keep, .code = "EVERYTHING", .now = NOW, .outcome = VG_OK};
    vg_error err;
    CHECK_MSG(vg_store_write(s, everything_tx, &a, &err) == VG_OK, "%s", err.message);
    append(s, NOW + 1, "user:bob", "evidence.view", "file:1", "{\"n\":1}");
    char head[65], head_after[65];
    CHECK_INT_EQ(audit_head(s, head), 2);
    int version = vg_store_schema_version(s);
    vg_store_close(s);

    s = open_at(loc, NULL);
    if (!s) {
        backend->destroy(backend->ctx, loc);
        return;
    }
    CHECK_INT_EQ(vg_store_schema_version(s), version);
    check_everything(s, keep, keep_case, 1, NOW);
    CHECK_INT_EQ(audit_head(s, head_after), 2);
    CHECK_STR_EQ(head_after, head);
    int64_t entries = 0;
    CHECK(chain_holds(s, NULL, 0, &entries));
    CHECK_INT_EQ(entries, 2);
    /* and a second reopen changes nothing (no migration applied twice) */
    vg_store_close(s);
    s = open_at(loc, NULL);
    if (!s) {
        backend->destroy(backend->ctx, loc);
        return;
    }
    CHECK_INT_EQ(vg_store_schema_version(s), version);
    CHECK_INT_EQ(report_count(s), 2);
    finish(s, loc);
}

/* ---- reports and cases ------------------------------------------------- */

typedef struct report_view {
    int64_t id, case_id;
    vg_item item;
    int found;
    char **urls;
    size_t url_count;
    vg_item_file *files;
    size_t file_count;
    vg_item_url *case_urls;
    size_t case_url_count;
} report_view;

static vg_status report_view_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    report_view *v = ctx;
    vg_status st = vg_tx_item_get(tx, v->id, &v->item, &v->found, err);
    if (st == VG_OK)
        st = vg_tx_report_urls(tx, v->id, &v->urls, &v->url_count, err);
    if (st == VG_OK)
        st = vg_tx_files(tx, v->id, 0, &v->files, &v->file_count, err);
    if (st == VG_OK)
        st = vg_tx_case_urls(tx, v->case_id, &v->case_urls, &v->case_url_count, err);
    return st;
}

static void report_view_clear(report_view *v)
{
    vg_item_clear(&v->item);
    for (size_t i = 0; i < v->url_count; i++)
        free(v->urls[i]);
    free(v->urls);
    vg_item_files_free(v->files, v->file_count);
    vg_item_urls_free(v->case_urls, v->case_url_count);
    memset(v, 0, sizeof *v);
}

#define PDQ_A "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define PDQ_B "0000000000000000000000000000000000000000000000000000000000000001"
#define PDQ_C "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00"
#define PDQ_D "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"

/* Every field of a report comes back as written. */
static void test_report_round_trip(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t key = create_key(s, "vg_rt", "hash-rt", "Platform", 0, 80);
    vg_report_url urls[2] = {{"HTTPS://Example.test/a?x=1", "https://example.test/a?x=1"},
                             {"https://example.test/b", "https://example.test/b"}};
    vg_report_file files[2] = {
        {.vault_id = "vault-1", .filename = "a.jpg", .content_type = "image/jpeg",
         .size = 1234, .md5 = "md5-1", .sha1 = "sha1-1", .sha256 = "sha-1", .pdq = PDQ_A,
         .pdq_quality = 90, .known = VG_FILE_KNOWN, .bank = "bank-x", .bank_entry = "entry-9",
         .distance = 3, .match_signal = VG_MATCH_TRIMMED},
        {.sha256 = "sha-2", .md5 = "md5-2", .known = VG_FILE_CLAIMED, .bank = "bank-y",
         .bank_entry = "entry-2", .video_match = "{\"frames\":4}"}};
    vg_report r = {.public_id = "pub-1", .receipt_code = "RT01",
                   .receipt_secret_hash = "secret-hash", .source = "api", .api_key_id = key,
                   .category = VG_CATEGORY_SEXTORTION, .platform = "social", .account = "user9",
                   .occurred_at = "2024-01-02", .description = "what was seen",
                   .reporter_kind = "public", .language = "fr", .country = "BE",
                   .contact = "someone@example.test", .client_ip = "192.0.2.1",
                   .user_agent = "agent", .extra_json = "{\"k\":1}", .content_key = "ck-1",
                   .danger = 1, .urls = urls, .url_count = 2, .files = files, .file_count = 2};
    put_args pa = {.r = &r, .now = NOW + 5};
    vg_error err;
    CHECK_MSG(vg_store_write(s, put_tx, &pa, &err) == VG_OK, "%s", err.message);
    CHECK(pa.id > 0 && pa.case_out > 0);

    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "RT01", &row), 1);
    CHECK_INT_EQ(row.id, pa.id);
    CHECK_INT_EQ(row.case_id, pa.case_out);
    CHECK_INT_EQ(row.created_at, NOW + 5);
    CHECK_INT_EQ(row.api_key_id, key);
    CHECK_STR_EQ(row.public_id, "pub-1");
    CHECK_STR_EQ(row.receipt_code, "RT01");
    CHECK_STR_EQ(row.receipt_secret_hash, "secret-hash");
    CHECK_STR_EQ(row.status, VG_REPORT_RECEIVED);
    CHECK_STR_EQ(row.source, "api");
    CHECK_STR_EQ(row.category, VG_CATEGORY_SEXTORTION);
    CHECK_INT_EQ(row.url_count, 2);
    CHECK_INT_EQ(row.file_count, 2);
    CHECK_STR_EQ(row.reporter_kind, "public"); /* the status page's voice */
    vg_report_row_clear(&row);

    report_view v = {.id = pa.id, .case_id = pa.case_out};
    CHECK_MSG(vg_store_read(s, report_view_tx, &v, &err) == VG_OK, "%s", err.message);
    CHECK(v.found);
    vg_item *it = &v.item;
    CHECK_INT_EQ(it->report_id, pa.id);
    CHECK_INT_EQ(it->case_id, pa.case_out);
    CHECK_INT_EQ(it->created_at, NOW + 5);
    CHECK_INT_EQ(it->api_key_id, key);
    CHECK_STR_EQ(it->receipt_code, "RT01");
    CHECK_STR_EQ(it->source, "api");
    CHECK_STR_EQ(it->category, VG_CATEGORY_SEXTORTION);
    CHECK_STR_EQ(it->status, VG_REPORT_RECEIVED);
    CHECK_STR_EQ(it->platform, "social");
    CHECK_STR_EQ(it->account, "user9");
    CHECK_STR_EQ(it->description, "what was seen");
    CHECK_STR_EQ(it->reporter_kind, "public");
    CHECK_STR_EQ(it->language, "fr");
    CHECK_STR_EQ(it->country, "BE");
    CHECK_STR_EQ(it->contact, "someone@example.test");
    CHECK_STR_EQ(it->occurred_at, "2024-01-02");
    CHECK_STR_EQ(it->content_key, "ck-1");
    CHECK_INT_EQ(it->files, 2);
    CHECK_INT_EQ(it->files_known, 1);
    CHECK_INT_EQ(it->files_claimed, 1);
    CHECK_INT_EQ(it->files_own_bank, 0);
    CHECK_INT_EQ(it->urls, 2);
    CHECK_INT_EQ(it->source_trust, 80);
    CHECK_INT_EQ(it->danger, 1);
    CHECK_INT_EQ(v.url_count, 2);
    if (v.url_count == 2) {
        CHECK_STR_EQ(v.urls[0], "https://example.test/a?x=1");
        CHECK_STR_EQ(v.urls[1], "https://example.test/b");
    }
    CHECK_INT_EQ(v.case_url_count, 2);
    if (v.case_url_count == 2) {
        CHECK_INT_EQ(v.case_urls[0].report_id, pa.id);
        CHECK_STR_EQ(v.case_urls[0].url, "HTTPS://Example.test/a?x=1");
        CHECK_STR_EQ(v.case_urls[0].canonical, "https://example.test/a?x=1");
        CHECK_STR_EQ(v.case_urls[1].url, "https://example.test/b");
    }
    CHECK_INT_EQ(v.file_count, 2);
    if (v.file_count == 2) {
        vg_item_file *f = &v.files[0], *g = &v.files[1];
        CHECK(f->id > 0 && g->id > f->id);
        CHECK_INT_EQ(f->report_id, pa.id);
        CHECK_INT_EQ(f->case_id, pa.case_out);
        CHECK_INT_EQ(f->size, 1234);
        CHECK_STR_EQ(f->vault_id, "vault-1");
        CHECK_STR_EQ(f->filename, "a.jpg");
        CHECK_STR_EQ(f->content_type, "image/jpeg");
        CHECK_STR_EQ(f->md5, "md5-1");
        CHECK_STR_EQ(f->sha1, "sha1-1");
        CHECK_STR_EQ(f->sha256, "sha-1");
        CHECK_STR_EQ(f->pdq, PDQ_A);
        CHECK_STR_EQ(f->bank, "bank-x");
        CHECK_STR_EQ(f->bank_entry, "entry-9");
        CHECK_INT_EQ(f->known, VG_FILE_KNOWN);
        CHECK_INT_EQ(f->distance, 3);
        CHECK(f->own_legal == NULL && f->own_severity == NULL && f->own_age == NULL);
        CHECK(f->video_match == NULL);
        CHECK_STR_EQ(g->video_match, "{\"frames\":4}");
        /* which fingerprint found the match (migration 9) */
        CHECK_STR_EQ(f->match_signal, VG_MATCH_TRIMMED);
        CHECK(g->match_signal == NULL);
        /* a file given by digests only is held by no one */
        CHECK(g->vault_id == NULL && g->filename == NULL && g->pdq == NULL);
        CHECK_STR_EQ(g->sha256, "sha-2");
        CHECK_STR_EQ(g->md5, "md5-2");
        CHECK_INT_EQ(g->known, VG_FILE_CLAIMED);
        CHECK_STR_EQ(g->bank, "bank-y");
    }
    report_view_clear(&v);
    finish(s, loc);
}

/* The old store's report insertion, now intake's transaction over the
 * store's operations: cross-referencing into cases, idempotency keys and
 * their pruning, statuses. */
static void test_cases_and_idempotency(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_report_ack a, b, c, d, e, dup;
    draft da = {.code = "AAAA", .url = "https://example.test/x"};
    draft db = {.code = "BBBB", .url = "https://example.test/x"};
    draft dc = {.code = "CCCC", .sha256 = "ab12", .platform = "social", .account = "user1"};
    draft dd = {.code = "DDDD", .url = "https://other.test/", .platform = "social",
                .account = "user1"};
    draft de = {.code = "EEEE", .sha256 = "ab12", .platform = "other", .account = "user1",
                .api_key_id = 7};
    draft df = {.code = "FFFF", .api_key_id = 7};
    CHECK(submit(s, &da, NULL, NOW, &a));
    CHECK(!a.linked && a.case_id > 0);
    CHECK(submit(s, &db, NULL, NOW, &b));
    CHECK(b.linked && b.case_id == a.case_id);
    CHECK(submit(s, &dc, NULL, NOW, &c));
    CHECK(!c.linked && c.case_id != a.case_id);
    CHECK(submit(s, &dd, NULL, NOW, &d));
    CHECK(d.linked && d.case_id == c.case_id);
    CHECK(submit(s, &de, "key-1", NOW, &e));
    CHECK(e.linked && e.case_id == c.case_id && !e.duplicate);
    /* the same idempotency key again: nothing written, first response back */
    CHECK(submit(s, &df, "key-1", NOW, &dup));
    CHECK(dup.duplicate && dup.id == e.id);
    CHECK_STR_EQ(dup.response, "{\"id\":\"id-EEEE\"}");
    CHECK_INT_EQ(find_report(s, "FFFF", NULL), 0);
    /* a duplicate receipt code is refused and leaves nothing behind */
    vg_report_ack bad;
    draft dbad = {.code = "AAAA", .url = "https://example.test/y"};
    CHECK(!submit(s, &dbad, NULL, NOW, &bad));
    CHECK_INT_EQ(report_count(s), 5);
    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "DDDD", &row), 1);
    CHECK_STR_EQ(row.status, VG_REPORT_RECEIVED);
    CHECK_INT_EQ(row.url_count, 1);
    MUST(s, .kind = STEP_STATUS, .id = row.id, .a = VG_REPORT_ASSESSING, .now = NOW);
    vg_report_row_clear(&row);
    CHECK_INT_EQ(find_report(s, "DDDD", &row), 1);
    CHECK_STR_EQ(row.status, VG_REPORT_ASSESSING);
    vg_report_row_clear(&row);
    CHECK_INT_EQ(find_report(s, "ZZZZ", &row), 0);
    vg_report_row_clear(&row);
    vg_report_ack_clear(&a);
    vg_report_ack_clear(&b);
    vg_report_ack_clear(&c);
    vg_report_ack_clear(&d);
    vg_report_ack_clear(&e);
    vg_report_ack_clear(&dup);

    /* idempotency keys are remembered until pruned (the retention is the
     * caller's: keys made before the cut-off go), then forgotten */
    step prune = {.kind = STEP_IDEM_PRUNE, .number = NOW, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 0);
    draft dg = {.code = "GGGG", .api_key_id = 7};
    CHECK(submit(s, &dg, "key-1", NOW + 10, &dup));
    CHECK(dup.duplicate);
    vg_report_ack_clear(&dup);
    prune = (step){.kind = STEP_IDEM_PRUNE, .number = NOW + 1, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 1);
    CHECK(submit(s, &dg, "key-1", NOW + 10, &dup));
    CHECK(!dup.duplicate && dup.id > 5); /* a new report */
    vg_report_ack_clear(&dup);
    vg_store_close(s);
    /* reopening applies no migration twice and keeps everything */
    s = open_at(loc, NULL);
    if (!s) {
        backend->destroy(backend->ctx, loc);
        return;
    }
    CHECK_INT_EQ(report_count(s), 6);
    finish(s, loc);
}

typedef struct cand_args {
    const vg_report *r;
    vg_case_candidate *list;
    size_t count;
} cand_args;

static vg_status cand_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    cand_args *a = ctx;
    return vg_tx_case_candidates(tx, a->r, &a->list, &a->count, err);
}

/* The candidates of a report located by d; count, or -1. */
static long candidates(vg_store *s, draft *d, vg_case_candidate *out, size_t cap)
{
    cand_args a = {.r = draft_report(d)};
    vg_error err;
    vg_status st = vg_store_read(s, cand_tx, &a, &err);
    CHECK_MSG(st == VG_OK, "candidates of %s: %s", d->code, err.message);
    for (size_t i = 0; i < a.count && i < cap; i++)
        out[i] = a.list[i];
    free(a.list);
    return st == VG_OK ? (long)a.count : -1;
}

static int has_candidate(const vg_case_candidate *c, long n, int64_t case_id, int64_t report)
{
    for (long i = 0; i < n; i++)
        if (c[i].case_id == case_id && c[i].report_id == report)
            return 1;
    return 0;
}

/* For each URL, file SHA-256 and (platform, account), the newest earlier
 * report sharing it, whatever case it is in; nothing else. */
static void test_case_candidates(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0, cc = 0;
    draft r1 = {.code = "R1", .url = "https://u.test/"};
    int64_t id1 = must_put(s, &r1, 0, &ca);
    draft r2 = {.code = "R2", .url = "https://u.test/"};
    int64_t id2 = must_put(s, &r2, 0, &cb);
    draft r3 = {.code = "R3", .sha256 = "5555"};
    int64_t id3 = must_put(s, &r3, 0, &cc);
    draft r4 = {.code = "R4", .sha256 = "5555"};
    int64_t id4 = must_put(s, &r4, ca, NULL);
    draft r5 = {.code = "R5", .platform = "P", .account = "X"};
    int64_t id5 = must_put(s, &r5, cb, NULL);
    draft r6 = {.code = "R6", .account = "X"};
    int64_t id6 = must_put(s, &r6, cc, NULL);
    (void)id1;
    (void)id3;

    vg_case_candidate c[8];
    draft q = {.code = "Q", .url = "https://u.test/"};
    long n = candidates(s, &q, c, 8);
    CHECK_INT_EQ(n, 1);
    CHECK(has_candidate(c, n, cb, id2));
    q = (draft){.code = "Q", .sha256 = "5555"};
    n = candidates(s, &q, c, 8);
    CHECK_INT_EQ(n, 1);
    CHECK(has_candidate(c, n, ca, id4));
    /* the platform must match too, an absent one included */
    q = (draft){.code = "Q", .platform = "P", .account = "X"};
    n = candidates(s, &q, c, 8);
    CHECK_INT_EQ(n, 1);
    CHECK(has_candidate(c, n, cb, id5));
    q = (draft){.code = "Q", .account = "X"};
    n = candidates(s, &q, c, 8);
    CHECK_INT_EQ(n, 1);
    CHECK(has_candidate(c, n, cc, id6));
    q = (draft){.code = "Q", .platform = "other", .account = "X"};
    CHECK_INT_EQ(candidates(s, &q, c, 8), 0);
    /* all three at once: one candidate each; the model picks the newest */
    q = (draft){.code = "Q", .url = "https://u.test/", .sha256 = "5555", .platform = "P",
                .account = "X"};
    n = candidates(s, &q, c, 8);
    CHECK_INT_EQ(n, 3);
    CHECK(has_candidate(c, n, cb, id2) && has_candidate(c, n, ca, id4) &&
          has_candidate(c, n, cb, id5));
    CHECK_INT_EQ(vg_rule_case_to_join(c, (size_t)n), cb);
    /* nothing shared, an empty account, or nothing located: none */
    q = (draft){.code = "Q", .url = "https://v.test/", .sha256 = "6666", .platform = "P",
                .account = "Y"};
    CHECK_INT_EQ(candidates(s, &q, c, 8), 0);
    q = (draft){.code = "Q", .platform = "P", .account = ""};
    CHECK_INT_EQ(candidates(s, &q, c, 8), 0);
    q = (draft){.code = "Q"};
    CHECK_INT_EQ(candidates(s, &q, c, 8), 0);
    finish(s, loc);
}

typedef struct case_view {
    int64_t case_id;
    vg_item *items;
    size_t count;
    vg_item_url *urls;
    size_t url_count;
} case_view;

static vg_status case_view_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    case_view *v = ctx;
    vg_status st = vg_tx_items_of_case(tx, v->case_id, &v->items, &v->count, err);
    if (st == VG_OK)
        st = vg_tx_case_urls(tx, v->case_id, &v->urls, &v->url_count, err);
    return st;
}

static void case_view_clear(case_view *v)
{
    vg_items_free(v->items, v->count);
    vg_item_urls_free(v->urls, v->url_count);
    memset(v, 0, sizeof *v);
}

/* The report ids of a case, oldest first, into ids (at most 8); count. */
static int case_reports(vg_store *s, int64_t case_id, int64_t ids[8], int *urls)
{
    case_view v = {.case_id = case_id};
    vg_error err;
    CHECK_MSG(vg_store_read(s, case_view_tx, &v, &err) == VG_OK, "%s", err.message);
    int n = (int)v.count;
    for (int i = 0; i < n && i < 8; i++)
        ids[i] = v.items[i].report_id;
    if (urls)
        *urls = (int)v.url_count;
    case_view_clear(&v);
    return n;
}

/* A report moves to another case with what it locates. */
static void test_set_case(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0;
    draft r1 = {.code = "R1", .url = "https://one.test/"};
    int64_t id1 = must_put(s, &r1, 0, &ca);
    draft r2 = {.code = "R2"};
    int64_t id2 = must_put(s, &r2, ca, NULL);
    draft r3 = {.code = "R3", .url = "https://three.test/"};
    int64_t id3 = must_put(s, &r3, 0, &cb);
    CHECK(ca != cb);
    MUST(s, .kind = STEP_SET_CASE, .id = id3, .number = ca);
    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "R3", &row), 1);
    CHECK_INT_EQ(row.case_id, ca);
    vg_report_row_clear(&row);
    int64_t ids[8];
    int urls = 0;
    CHECK_INT_EQ(case_reports(s, ca, ids, &urls), 3);
    CHECK(ids[0] == id1 && ids[1] == id2 && ids[2] == id3);
    CHECK_INT_EQ(urls, 2);
    CHECK_INT_EQ(case_reports(s, cb, ids, &urls), 0);
    CHECK_INT_EQ(urls, 0);
    /* it is found in its new case by what it locates */
    vg_case_candidate c[4];
    draft q = {.code = "Q", .url = "https://three.test/"};
    long n = candidates(s, &q, c, 4);
    CHECK(n == 1 && has_candidate(c, n, ca, id3));
    /* moving to the case it is in changes nothing; no such report: refused */
    MUST(s, .kind = STEP_SET_CASE, .id = id3, .number = ca);
    CHECK_INT_EQ(case_reports(s, ca, ids, NULL), 3);
    step bad = {.kind = STEP_SET_CASE, .id = id3 + 1000, .number = ca};
    CHECK(run_step(s, &bad) != VG_OK);
    finish(s, loc);
}

static vg_status new_case_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    put_args *a = ctx;
    return vg_tx_report_put_new_case(tx, a->r, a->now, &a->case_out, &a->id, err);
}

/* A report written into a case opened for it: the case is new, holds the
 * report alone and is joined by later reports like any other. */
static void test_report_new_case(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    draft r1 = {.code = "N1", .url = "https://new-one.test/"};
    int64_t c0 = 0;
    int64_t id0 = must_put(s, &(draft){.code = "N0"}, 0, &c0);
    put_args a = {.r = draft_report(&r1), .now = NOW};
    CHECK_INT_EQ(vg_store_write(s, new_case_tx, &a, &err), VG_OK);
    CHECK(a.id > id0 && a.case_out > 0 && a.case_out != c0);
    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "N1", &row), 1);
    CHECK_INT_EQ(row.id, a.id);
    CHECK_INT_EQ(row.case_id, a.case_out);
    CHECK_INT_EQ(row.url_count, 1);
    vg_report_row_clear(&row);
    int64_t ids[8];
    int urls = 0;
    CHECK_INT_EQ(case_reports(s, a.case_out, ids, &urls), 1);
    CHECK(ids[0] == a.id && urls == 1);
    /* a later report of the same URL finds it, and may join its case */
    vg_case_candidate c[4];
    draft r2 = {.code = "N2", .url = "https://new-one.test/"};
    long n = candidates(s, &r2, c, 4);
    CHECK(n == 1 && has_candidate(c, n, a.case_out, a.id));
    int64_t id2 = must_put(s, &r2, a.case_out, NULL);
    CHECK_INT_EQ(case_reports(s, a.case_out, ids, NULL), 2);
    CHECK(ids[1] == id2);
    /* a second report in a new case gets a case of its own */
    draft r3 = {.code = "N3"};
    put_args b = {.r = draft_report(&r3), .now = NOW};
    CHECK_INT_EQ(vg_store_write(s, new_case_tx, &b, &err), VG_OK);
    CHECK(b.case_out > 0 && b.case_out != a.case_out && b.case_out != c0);
    CHECK_INT_EQ(case_reports(s, b.case_out, ids, NULL), 1);
    /* refused (a receipt code already used): nothing written */
    draft dup = {.code = "N1", .url = "https://elsewhere.test/"};
    put_args d = {.r = draft_report(&dup), .now = NOW};
    CHECK(vg_store_write(s, new_case_tx, &d, &err) != VG_OK);
    CHECK_INT_EQ(report_count(s), 4);
    finish(s, loc);
}

typedef struct recent_args {
    size_t limit;
    vg_report_row *rows;
    size_t count;
} recent_args;

static vg_status recent_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    recent_args *a = ctx;
    return vg_tx_reports_recent(tx, a->limit, &a->rows, &a->count, err);
}

/* The receipt codes of the newest reports, newest first, joined by ','. */
static void recent_codes(vg_store *s, size_t limit, char *out, size_t cap)
{
    recent_args a = {.limit = limit};
    vg_error err;
    out[0] = 0;
    CHECK_MSG(vg_store_read(s, recent_tx, &a, &err) == VG_OK, "%s", err.message);
    for (size_t i = 0; i < a.count; i++) {
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "",
                 a.rows[i].receipt_code);
        vg_report_row_clear(&a.rows[i]);
    }
    free(a.rows);
}

typedef struct urls_args {
    int64_t id;
    char **urls;
    size_t count;
} urls_args;

static vg_status urls_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    urls_args *a = ctx;
    return vg_tx_report_urls(tx, a->id, &a->urls, &a->count, err);
}

/* Statuses, the newest reports, the count, a report's URLs in order. */
static void test_status_recent_urls(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    static const char *const codes[] = {"E1", "E2", "E3", "E4", "E5"};
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        draft d = {.code = codes[i]};
        ids[i] = must_put(s, &d, 0, NULL);
    }
    char list[200];
    recent_codes(s, 3, list, sizeof list);
    CHECK_STR_EQ(list, "E5,E4,E3");
    recent_codes(s, 100, list, sizeof list);
    CHECK_STR_EQ(list, "E5,E4,E3,E2,E1");
    recent_codes(s, 0, list, sizeof list);
    CHECK_STR_EQ(list, "");
    CHECK_INT_EQ(report_count(s), 5);

    MUST(s, .kind = STEP_STATUS, .id = ids[1], .a = VG_REPORT_ASSESSED, .now = NOW + 50);
    vg_report_row row;
    CHECK_INT_EQ(find_report(s, "E2", &row), 1);
    CHECK_STR_EQ(row.status, VG_REPORT_ASSESSED);
    vg_report_row_clear(&row);
    CHECK_INT_EQ(find_report(s, "E3", &row), 1);
    CHECK_STR_EQ(row.status, VG_REPORT_RECEIVED);
    vg_report_row_clear(&row);
    /* no such report: VG_ERR_INVALID */
    step bad = {.kind = STEP_STATUS, .id = ids[4] + 1000, .a = VG_REPORT_CLOSED, .now = NOW};
    CHECK_INT_EQ(run_step(s, &bad), VG_ERR_INVALID);

    vg_report_url u[3] = {{"https://c.test/", "https://c.test/"},
                          {"https://a.test/", "https://a.test/"},
                          {"https://b.test/", "https://b.test/"}};
    vg_report r = {.public_id = "id-U", .receipt_code = "U", .source = "web", .urls = u,
                   .url_count = 3};
    put_args pa = {.r = &r, .now = NOW};
    vg_error err;
    CHECK(vg_store_write(s, put_tx, &pa, &err) == VG_OK);
    urls_args ua = {.id = pa.id};
    CHECK(vg_store_read(s, urls_tx, &ua, &err) == VG_OK);
    CHECK_INT_EQ(ua.count, 3);
    if (ua.count == 3) {
        CHECK_STR_EQ(ua.urls[0], "https://c.test/");
        CHECK_STR_EQ(ua.urls[1], "https://a.test/");
        CHECK_STR_EQ(ua.urls[2], "https://b.test/");
    }
    for (size_t i = 0; i < ua.count; i++)
        free(ua.urls[i]);
    free(ua.urls);
    ua = (urls_args){.id = ids[0]};
    CHECK(vg_store_read(s, urls_tx, &ua, &err) == VG_OK);
    CHECK_INT_EQ(ua.count, 0);
    free(ua.urls);
    finish(s, loc);
}

typedef struct pdq_seen {
    int64_t after, case_id;
    int64_t file[8], cases[8];
    char pdq[8][65];
    int count, stop_after;
} pdq_seen;

static int pdq_visit(void *ctx, int64_t file_id, int64_t case_id, const char *pdq)
{
    pdq_seen *v = ctx;
    if (v->count < 8) {
        v->file[v->count] = file_id;
        v->cases[v->count] = case_id;
        snprintf(v->pdq[v->count], 65, "%s", pdq);
    }
    v->count++;
    return v->stop_after && v->count >= v->stop_after;
}

static vg_status pdqs_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    pdq_seen *v = ctx;
    return vg_tx_report_pdqs(tx, v->after, pdq_visit, v, err);
}

static int pdq_elsewhere_visit(void *ctx, int64_t case_id, const char *pdq)
{
    return pdq_visit(ctx, 0, case_id, pdq);
}

static vg_status elsewhere_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    pdq_seen *v = ctx;
    return vg_tx_pdqs_elsewhere(tx, v->case_id, pdq_elsewhere_visit, v, err);
}

/* Files' PDQ hashes, read incrementally by file id (the near-picture
 * cache), and those of other cases (linking near pictures). */
static void test_report_pdqs(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0;
    draft r1 = {.code = "P1", .sha256 = "s1", .pdq = PDQ_A, .vault_id = "v1"};
    must_put(s, &r1, 0, &ca);
    draft r2 = {.code = "P2", .sha256 = "s2", .vault_id = "v2"}; /* not a picture */
    must_put(s, &r2, ca, NULL);
    vg_report_file f3[2] = {{.sha256 = "s3", .pdq = PDQ_B, .vault_id = "v3"},
                            {.sha256 = "s4", .pdq = PDQ_C, .vault_id = "v4"}};
    vg_report r3 = {.public_id = "id-P3", .receipt_code = "P3", .source = "web", .files = f3,
                    .file_count = 2};
    put_args pa = {.r = &r3, .now = NOW};
    vg_error err;
    CHECK(vg_store_write(s, put_tx, &pa, &err) == VG_OK);
    cb = pa.case_out;

    pdq_seen v = {0};
    vg_error_clear(&err);
    CHECK_MSG(vg_store_read(s, pdqs_tx, &v, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(v.count, 3);
    if (v.count == 3) {
        CHECK(v.file[0] < v.file[1] && v.file[1] < v.file[2]);
        CHECK(v.cases[0] == ca && v.cases[1] == cb && v.cases[2] == cb);
        CHECK_STR_EQ(v.pdq[0], PDQ_A);
        CHECK_STR_EQ(v.pdq[1], PDQ_B);
        CHECK_STR_EQ(v.pdq[2], PDQ_C);
    }
    int64_t first = v.file[0], last = v.file[2];
    v = (pdq_seen){.after = first};
    CHECK(vg_store_read(s, pdqs_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 2);
    v = (pdq_seen){.after = last};
    CHECK(vg_store_read(s, pdqs_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 0);
    draft r4 = {.code = "P4", .sha256 = "s5", .pdq = PDQ_D, .vault_id = "v5"};
    must_put(s, &r4, ca, NULL);
    v = (pdq_seen){.after = last};
    CHECK(vg_store_read(s, pdqs_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 1);
    CHECK(v.file[0] > last && v.cases[0] == ca);
    CHECK_STR_EQ(v.pdq[0], PDQ_D);
    v = (pdq_seen){.stop_after = 1};
    CHECK_INT_EQ(vg_store_read(s, pdqs_tx, &v, &err), VG_ERR_ABORTED);
    CHECK_INT_EQ(v.count, 1);

    /* other cases' pictures, newest first */
    v = (pdq_seen){.case_id = ca};
    CHECK(vg_store_read(s, elsewhere_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 2);
    if (v.count == 2) {
        CHECK_STR_EQ(v.pdq[0], PDQ_C);
        CHECK_STR_EQ(v.pdq[1], PDQ_B);
        CHECK(v.cases[0] == cb && v.cases[1] == cb);
    }
    v = (pdq_seen){.case_id = cb};
    CHECK(vg_store_read(s, elsewhere_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 2);
    if (v.count == 2) {
        CHECK_STR_EQ(v.pdq[0], PDQ_D);
        CHECK_STR_EQ(v.pdq[1], PDQ_A);
    }
    v = (pdq_seen){.case_id = cb, .stop_after = 1};
    CHECK_INT_EQ(vg_store_read(s, elsewhere_tx, &v, &err), VG_ERR_ABORTED);
    CHECK_INT_EQ(v.count, 1);
    finish(s, loc);
}

/* ---- idempotency keys -------------------------------------------------- */

static void test_idempotency_keys(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    draft d = {.code = "I1", .api_key_id = 7};
    int64_t id = must_put(s, &d, 0, NULL);
    idem_probe p;
    CHECK_INT_EQ(get_idem(s, 7, "k1", &p), 0);
    CHECK(p.report_id == 0 && p.response == NULL && p.request_hash == NULL);
    idem_clear(&p);

    MUST(s, .kind = STEP_IDEM, .number = 7, .idem = {"k1", "hash-1", "{\"id\":\"I1\"}"}, .id = id,
         .now = NOW);
    CHECK_INT_EQ(get_idem(s, 7, "k1", &p), 1);
    CHECK_INT_EQ(p.report_id, id);
    CHECK_STR_EQ(p.response, "{\"id\":\"I1\"}");
    CHECK_STR_EQ(p.request_hash, "hash-1");
    idem_clear(&p);
    /* keys are a partner's own: the same key of another partner is another */
    CHECK_INT_EQ(get_idem(s, 8, "k1", &p), 0);
    idem_clear(&p);
    MUST(s, .kind = STEP_IDEM, .number = 8, .idem = {"k1", NULL, "{}"}, .id = id, .now = NOW + 5);
    CHECK_INT_EQ(get_idem(s, 8, "k1", &p), 1);
    CHECK(p.request_hash == NULL);
    idem_clear(&p);
    /* a key is written once: a second one is refused, the first kept */
    step again = {.kind = STEP_IDEM, .number = 7, .idem = {"k1", "hash-2", "{\"id\":\"X\"}"},
                  .id = id, .now = NOW + 1};
    CHECK(run_step(s, &again) != VG_OK);
    CHECK_INT_EQ(get_idem(s, 7, "k1", &p), 1);
    CHECK_STR_EQ(p.response, "{\"id\":\"I1\"}");
    CHECK_STR_EQ(p.request_hash, "hash-1");
    idem_clear(&p);

    /* pruning forgets the keys made before the cut-off, and only those */
    step prune = {.kind = STEP_IDEM_PRUNE, .number = NOW + 5, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 1);
    CHECK_INT_EQ(get_idem(s, 7, "k1", &p), 0);
    idem_clear(&p);
    CHECK_INT_EQ(get_idem(s, 8, "k1", &p), 1);
    idem_clear(&p);
    prune.removed = -1;
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 0);
    /* the report the forgotten key made stays */
    CHECK_INT_EQ(find_report(s, "I1", NULL), 1);
    finish(s, loc);
}

/* ---- settings ---------------------------------------------------------- */

#define RACERS 8

typedef struct racer {
    vg_store *s;
    char mine[32];
    char *got;
    vg_status st;
} racer;

static void *init_racer(void *p)
{
    racer *r = p;
    step st = {.kind = STEP_SETTING_INIT, .a = "server.secret", .b = r->mine};
    r->st = run_step(r->s, &st);
    r->got = st.text;
    return NULL;
}

static void test_settings(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    char *v = setting(s, "k");
    CHECK(v == NULL);
    free(v);
    /* set once: the first value stays */
    step init = {.kind = STEP_SETTING_INIT, .a = "k", .b = "first"};
    CHECK(run_step(s, &init) == VG_OK);
    CHECK_STR_EQ(init.text, "first");
    init.b = "second";
    CHECK(run_step(s, &init) == VG_OK);
    CHECK_STR_EQ(init.text, "first");
    free(init.text);
    v = setting(s, "k");
    CHECK_STR_EQ(v, "first");
    free(v);
    /* set replaces; init then reads what is there */
    MUST(s, .kind = STEP_SETTING_SET, .a = "k", .b = "third");
    v = setting(s, "k");
    CHECK_STR_EQ(v, "third");
    free(v);
    init = (step){.kind = STEP_SETTING_INIT, .a = "k", .b = "fourth"};
    CHECK(run_step(s, &init) == VG_OK);
    CHECK_STR_EQ(init.text, "third");
    free(init.text);
    MUST(s, .kind = STEP_SETTING_SET, .a = "empty", .b = "");
    v = setting(s, "empty");
    CHECK_STR_EQ(v, "");
    free(v);
    v = setting(s, "other");
    CHECK(v == NULL);
    free(v);

    /* many starting at once agree on one value, one of theirs */
    racer r[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer){.s = s};
        snprintf(r[i].mine, sizeof r[i].mine, "secret-%d", i);
        pthread_create(&th[i], NULL, init_racer, &r[i]);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    v = setting(s, "server.secret");
    int agree = 0, theirs = 0;
    for (int i = 0; i < RACERS; i++) {
        agree += r[i].st == VG_OK && r[i].got && v && !strcmp(r[i].got, v);
        theirs += v && !strcmp(r[i].mine, v);
        free(r[i].got);
    }
    free(v);
    CHECK_INT_EQ(agree, RACERS);
    CHECK_INT_EQ(theirs, 1);
    finish(s, loc);
}

/* ---- people ------------------------------------------------------------ */

typedef struct account_list {
    vg_account *list;
    size_t count;
} account_list;

static vg_status accounts_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_list *l = ctx;
    return vg_tx_accounts_list(tx, &l->list, &l->count, err);
}

static void test_accounts(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t zed = create_account(s, "zed", "hash-z", VG_ROLE_ADMINISTRATOR);
    int64_t alice = create_account(s, "alice", "hash-a", VG_ROLE_ANALYST);
    int64_t bob = create_account(s, "bob", "hash-b", VG_ROLE_SUPERVISOR);
    CHECK(zed > 0 && alice > 0 && bob > 0 && zed != alice && alice != bob && zed != bob);
    /* a taken name is refused with a message */
    step taken = {.kind = STEP_ACCOUNT, .a = "alice", .b = "other", .number = VG_ROLE_ANALYST,
                  .now = NOW};
    vg_error err;
    vg_error_clear(&err);
    CHECK_INT_EQ(vg_store_write(s, step_tx, &taken, &err), VG_ERR_INVALID);
    CHECK(strstr(err.message, "alice") != NULL);

    vg_account a;
    CHECK(get_account(s, "alice", 0, &a));
    CHECK_INT_EQ(a.id, alice);
    CHECK_STR_EQ(a.username, "alice");
    CHECK_STR_EQ(a.password_hash, "hash-a");
    CHECK_INT_EQ(a.role, VG_ROLE_ANALYST);
    CHECK_INT_EQ(a.disabled, 0);
    CHECK(a.totp_secret == NULL);
    CHECK_INT_EQ(a.totp_last_step, 0);
    CHECK_INT_EQ(a.created_at, NOW);
    vg_account_clear(&a);
    CHECK(get_account(s, NULL, bob, &a));
    CHECK_STR_EQ(a.username, "bob");
    CHECK_INT_EQ(a.role, VG_ROLE_SUPERVISOR);
    vg_account_clear(&a);
    CHECK(!get_account(s, "nobody", 0, &a));
    vg_account_clear(&a);
    CHECK(!get_account(s, NULL, zed + alice + bob, &a));
    vg_account_clear(&a);

    account_list l = {0};
    CHECK(vg_store_read(s, accounts_tx, &l, &err) == VG_OK);
    CHECK_INT_EQ(l.count, 3);
    if (l.count == 3) {
        CHECK_STR_EQ(l.list[0].username, "alice");
        CHECK_STR_EQ(l.list[1].username, "bob");
        CHECK_STR_EQ(l.list[2].username, "zed");
        CHECK_INT_EQ(l.list[2].role, VG_ROLE_ADMINISTRATOR);
    }
    for (size_t i = 0; i < l.count; i++)
        vg_account_clear(&l.list[i]);
    free(l.list);

    /* disabling ends the account's sessions, and only its own */
    create_session(s, "tok-alice", alice, NOW, NOW + 3600, 0, NOW);
    create_session(s, "tok-bob", bob, NOW, NOW + 3600, 0, NOW);
    step dis = {.kind = STEP_DISABLE, .a = "alice", .flag = 1};
    CHECK(run_step(s, &dis) == VG_OK && dis.result == 1);
    CHECK(get_account(s, "alice", 0, &a) && a.disabled);
    vg_account_clear(&a);
    CHECK(!session_live(s, "tok-alice", NOW + 1));
    CHECK(session_live(s, "tok-bob", NOW + 1));
    dis = (step){.kind = STEP_DISABLE, .a = "alice", .flag = 0};
    CHECK(run_step(s, &dis) == VG_OK && dis.result == 1);
    CHECK(get_account(s, "alice", 0, &a) && !a.disabled);
    vg_account_clear(&a);
    dis = (step){.kind = STEP_DISABLE, .a = "nobody", .flag = 1};
    CHECK(run_step(s, &dis) == VG_OK && dis.result == 0);

    MUST(s, .kind = STEP_PASSWORD, .id = alice, .a = "hash-a2");
    CHECK(get_account(s, "alice", 0, &a));
    CHECK_STR_EQ(a.password_hash, "hash-a2");
    vg_account_clear(&a);

    /* TOTP: a step is accepted once, never an older one; turning TOTP on
     * or off forgets the last step */
    MUST(s, .kind = STEP_SET_TOTP, .id = alice, .a = "sealed-1");
    static const struct {
        int64_t step;
        int accepted;
    } steps[] = {{100, 1}, {100, 0}, {99, 0}, {101, 1}, {50, 0}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        step t = {.kind = STEP_TOTP_STEP, .id = alice, .number = steps[i].step, .result = -1};
        CHECK(run_step(s, &t) == VG_OK);
        CHECK_MSG(t.result == steps[i].accepted, "step %" PRId64 ": %d", steps[i].step,
                  t.result);
    }
    CHECK(get_account(s, "alice", 0, &a));
    CHECK_STR_EQ(a.totp_secret, "sealed-1");
    CHECK_INT_EQ(a.totp_last_step, 101);
    vg_account_clear(&a);
    /* another account's steps are its own */
    step t = {.kind = STEP_TOTP_STEP, .id = bob, .number = 100};
    CHECK(run_step(s, &t) == VG_OK && t.result == 1);
    MUST(s, .kind = STEP_SET_TOTP, .id = alice, .a = NULL);
    CHECK(get_account(s, "alice", 0, &a));
    CHECK(a.totp_secret == NULL);
    CHECK_INT_EQ(a.totp_last_step, 0);
    vg_account_clear(&a);
    t = (step){.kind = STEP_TOTP_STEP, .id = alice, .number = 50};
    CHECK(run_step(s, &t) == VG_OK && t.result == 1);
    finish(s, loc);
}

static void test_sessions(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t alice = create_account(s, "alice", "h", VG_ROLE_ANALYST);
    int64_t bob = create_account(s, "bob", "h", VG_ROLE_ANALYST);
    step st = {.kind = STEP_SESSION, .now = NOW,
               .session = {.token_hash = "t1", .account_id = alice, .csrf_token = "csrf-1",
                           .totp_pending = 1, .created_at = NOW, .expires_at = NOW + 3600}};
    CHECK(run_step(s, &st) == VG_OK);
    probe p = {.name = "t1", .number = NOW + 10};
    vg_error err;
    CHECK(vg_store_read(s, session_tx, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.session.token_hash, "t1");
    CHECK_INT_EQ(p.session.account_id, alice);
    CHECK_STR_EQ(p.session.csrf_token, "csrf-1");
    CHECK_INT_EQ(p.session.totp_pending, 1);
    CHECK_INT_EQ(p.session.created_at, NOW);
    CHECK_INT_EQ(p.session.expires_at, NOW + 3600);
    probe_clear(&p);
    CHECK(session_live(s, "t1", NOW + 3599));
    CHECK(!session_live(s, "t1", NOW + 3601));
    CHECK(!session_live(s, "unknown", NOW));

    /* a live session's expiry moves; an expired one stays gone */
    MUST(s, .kind = STEP_SESSION_EXTEND, .a = "t1", .number = NOW + 7200, .now = NOW + 10);
    CHECK(session_live(s, "t1", NOW + 5000));
    create_session(s, "t2", alice, NOW, NOW + 100, 0, NOW);
    MUST(s, .kind = STEP_SESSION_EXTEND, .a = "t2", .number = NOW + 9999, .now = NOW + 200);
    CHECK(!session_live(s, "t2", NOW + 300));
    MUST(s, .kind = STEP_SESSION_EXTEND, .a = "unknown", .number = NOW + 9999, .now = NOW);
    CHECK(!session_live(s, "unknown", NOW + 1));
    MUST(s, .kind = STEP_SESSION_DELETE, .a = "t1");
    CHECK(!session_live(s, "t1", NOW + 10));

    /* at most max_per_account: the oldest go, other accounts' stay */
    create_session(s, "a-keep", alice, NOW + 1, NOW + 5000, 0, NOW + 1);
    create_session(s, "b1", bob, NOW + 1, NOW + 5000, 2, NOW + 1);
    create_session(s, "b2", bob, NOW + 2, NOW + 5000, 2, NOW + 2);
    create_session(s, "b3", bob, NOW + 3, NOW + 5000, 2, NOW + 3);
    CHECK(!session_live(s, "b1", NOW + 10));
    CHECK(session_live(s, "b2", NOW + 10));
    CHECK(session_live(s, "b3", NOW + 10));
    CHECK(session_live(s, "a-keep", NOW + 10));

    /* creating a session removes expired ones (none left to prune) */
    create_session(s, "x-old", alice, NOW, NOW + 50, 0, NOW);
    create_session(s, "x-new", alice, NOW + 100, NOW + 5000, 0, NOW + 100);
    step prune = {.kind = STEP_SESSIONS_PRUNE, .now = NOW + 100, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 0);
    /* pruning removes the expired ones, and counts them */
    create_session(s, "p1", alice, NOW + 100, NOW + 500, 0, NOW + 100);
    create_session(s, "p2", alice, NOW + 100, NOW + 600, 0, NOW + 100);
    prune = (step){.kind = STEP_SESSIONS_PRUNE, .now = NOW + 550, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 1);
    CHECK(session_live(s, "p2", NOW + 551));

    /* an account's sessions end together */
    MUST(s, .kind = STEP_SESSIONS_OF, .id = bob);
    CHECK(!session_live(s, "b2", NOW + 10));
    CHECK(!session_live(s, "b3", NOW + 10));
    CHECK(session_live(s, "a-keep", NOW + 10));
    finish(s, loc);
}

typedef struct key_list {
    vg_api_key *list;
    size_t count;
} key_list;

static vg_status keys_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_list *l = ctx;
    return vg_tx_api_keys_list(tx, &l->list, &l->count, err);
}

/* Partner keys: created, listed, their trust changed, revoked. */
static void test_api_keys(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t police = create_key(s, "vg_police", "hash-police", "Police", 0, 100);
    int64_t platform = create_key(s, "vg_platfo", "hash-platform", "Platform", 5, 20);
    CHECK(police > 0 && platform > 0 && police != platform);
    CHECK_INT_EQ(key_trust(s, "hash-police"), 100);
    CHECK_INT_EQ(key_trust(s, "hash-platform"), 20);
    vg_api_key k;
    CHECK(get_key(s, "hash-platform", &k));
    CHECK_INT_EQ(k.id, platform);
    CHECK_STR_EQ(k.prefix, "vg_platfo");
    CHECK_STR_EQ(k.key_hash, "hash-platform");
    CHECK_STR_EQ(k.org, "Platform");
    CHECK_INT_EQ(k.rate, 5);
    CHECK_INT_EQ(k.revoked, 0);
    CHECK_INT_EQ(k.created_at, NOW);
    CHECK_INT_EQ(k.scopes, VG_SCOPE_DEFAULT); /* a new key sends reports, nothing more */
    vg_api_key_clear(&k);
    CHECK(!get_key(s, "hash-nobody", &k));
    vg_api_key_clear(&k);
    /* a key hash is one key's */
    step dup = {.kind = STEP_KEY, .a = "vg_other", .b = "hash-police", .c = "Other", .now = NOW,
                .flag = 50};
    CHECK(run_step(s, &dup) != VG_OK);

    key_list l = {0};
    vg_error err;
    CHECK(vg_store_read(s, keys_tx, &l, &err) == VG_OK);
    CHECK_INT_EQ(l.count, 2);
    if (l.count == 2) {
        CHECK_INT_EQ(l.list[0].trust, 100);
        CHECK_INT_EQ(l.list[1].trust, 20);
        CHECK_INT_EQ(l.list[1].rate, 5);
        CHECK_STR_EQ(l.list[0].org, "Police");
    }
    for (size_t i = 0; i < l.count; i++)
        vg_api_key_clear(&l.list[i]);
    free(l.list);

    /* by id, by prefix, even once revoked; an unknown key is not found */
    step t = {.kind = STEP_TRUST, .id = platform, .flag = 35};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    CHECK_INT_EQ(key_trust(s, "hash-platform"), 35);
    t = (step){.kind = STEP_REVOKE, .id = police};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    t = (step){.kind = STEP_TRUST, .a = "vg_police", .flag = 0};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    CHECK_INT_EQ(key_trust(s, "hash-police"), 0);
    CHECK_INT_EQ(key_trust(s, "hash-platform"), 35);
    /* a key by its id, revoked ones too; an unknown id is none */
    CHECK(get_key_by_id(s, platform, &k));
    CHECK_STR_EQ(k.org, "Platform");
    CHECK_STR_EQ(k.key_hash, "hash-platform");
    CHECK_INT_EQ(k.trust, 35);
    CHECK_INT_EQ(k.revoked, 0);
    vg_api_key_clear(&k);
    CHECK(get_key_by_id(s, police, &k));
    CHECK_STR_EQ(k.org, "Police");
    CHECK_INT_EQ(k.revoked, 1);
    vg_api_key_clear(&k);
    CHECK(!get_key_by_id(s, platform + police + 1, &k));
    vg_api_key_clear(&k);
    CHECK(!get_key_by_id(s, 0, &k));
    vg_api_key_clear(&k);
    t = (step){.kind = STEP_TRUST, .id = 999, .flag = 10, .result = -1};
    CHECK(run_step(s, &t) == VG_OK && !t.result);
    t = (step){.kind = STEP_TRUST, .a = "vg_nobody", .flag = 10, .result = -1};
    CHECK(run_step(s, &t) == VG_OK && !t.result);

    /* scopes, by id and by prefix; each key keeps its own; an unknown key is not found */
    t = (step){.kind = STEP_SCOPES, .id = platform, .number = VG_SCOPE_HASH | VG_SCOPE_MATCH};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    t = (step){.kind = STEP_SCOPES, .a = "vg_police", .number = VG_SCOPE_ALL};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    t = (step){.kind = STEP_SCOPES, .id = 999, .number = VG_SCOPE_ALL, .result = -1};
    CHECK(run_step(s, &t) == VG_OK && !t.result);
    CHECK(get_key(s, "hash-platform", &k));
    CHECK_INT_EQ(k.scopes, VG_SCOPE_HASH | VG_SCOPE_MATCH);
    CHECK_INT_EQ(k.trust, 35);
    vg_api_key_clear(&k);
    CHECK(get_key(s, "hash-police", &k));
    CHECK_INT_EQ(k.scopes, VG_SCOPE_ALL);
    vg_api_key_clear(&k);
    l = (key_list){0};
    CHECK(vg_store_read(s, keys_tx, &l, &err) == VG_OK);
    CHECK(l.count == 2 && l.list[1].scopes == (VG_SCOPE_HASH | VG_SCOPE_MATCH));
    for (size_t i = 0; i < l.count; i++)
        vg_api_key_clear(&l.list[i]);
    free(l.list);
    /* none at all is a key that may only be refused */
    t = (step){.kind = STEP_SCOPES, .id = platform, .number = 0};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    CHECK(get_key(s, "hash-platform", &k));
    CHECK_INT_EQ(k.scopes, 0);
    vg_api_key_clear(&k);
    t = (step){.kind = STEP_SCOPES, .id = platform, .number = VG_SCOPE_HASH | VG_SCOPE_MATCH};
    CHECK(run_step(s, &t) == VG_OK && t.result);

    /* a revoked key is still found, marked revoked (the caller refuses it) */
    CHECK(get_key(s, "hash-police", &k));
    CHECK_INT_EQ(k.revoked, 1);
    vg_api_key_clear(&k);
    CHECK(get_key(s, "hash-platform", &k));
    CHECK_INT_EQ(k.revoked, 0);
    vg_api_key_clear(&k);
    t = (step){.kind = STEP_REVOKE, .a = "vg_platfo"};
    CHECK(run_step(s, &t) == VG_OK && t.result);
    CHECK(get_key(s, "hash-platform", &k));
    CHECK_INT_EQ(k.revoked, 1);
    vg_api_key_clear(&k);
    t = (step){.kind = STEP_REVOKE, .id = 999, .result = -1};
    CHECK(run_step(s, &t) == VG_OK && !t.result);
    t = (step){.kind = STEP_REVOKE, .a = "vg_nobody", .result = -1};
    CHECK(run_step(s, &t) == VG_OK && !t.result);
    finish(s, loc);
}

/* What is kept of sign-in names: read back, forgotten when all zeros,
 * pruned once neither paused nor touched for a day. */
static void test_login_state(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    CHECK(login_is(get_login(s, "name-a"), 0, 0, 0));
    MUST(s, .kind = STEP_LOGIN, .a = "name-a", .login = {3, 0, 0}, .now = NOW);
    CHECK(login_is(get_login(s, "name-a"), 3, 0, 0));
    MUST(s, .kind = STEP_LOGIN, .a = "name-a", .login = {0, NOW + 600, 2}, .now = NOW);
    CHECK(login_is(get_login(s, "name-a"), 0, NOW + 600, 2));
    CHECK(login_is(get_login(s, "name-b"), 0, 0, 0));
    MUST(s, .kind = STEP_LOGIN, .a = "name-a", .login = {0, 0, 0}, .now = NOW);
    CHECK(login_is(get_login(s, "name-a"), 0, 0, 0));

    MUST(s, .kind = STEP_LOGIN, .a = "paused", .login = {5, NOW + 2 * 86400, 1}, .now = NOW);
    MUST(s, .kind = STEP_LOGIN, .a = "stale", .login = {2, 0, 0}, .now = NOW);
    MUST(s, .kind = STEP_LOGIN, .a = "recent", .login = {1, 0, 0}, .now = NOW + 80000);
    step prune = {.kind = STEP_LOGIN_PRUNE, .now = NOW + 86400 + 1, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 1);
    CHECK(login_is(get_login(s, "stale"), 0, 0, 0));
    CHECK(login_is(get_login(s, "paused"), 5, NOW + 2 * 86400, 1));
    CHECK(login_is(get_login(s, "recent"), 1, 0, 0));
    prune = (step){.kind = STEP_LOGIN_PRUNE, .now = NOW + 3 * 86400, .removed = -1};
    CHECK(run_step(s, &prune) == VG_OK);
    CHECK_INT_EQ(prune.removed, 2);
    CHECK(login_is(get_login(s, "paused"), 0, 0, 0));
    CHECK(login_is(get_login(s, "recent"), 0, 0, 0));
    finish(s, loc);
}

/* ---- the audit chain --------------------------------------------------- */

/* Entries as read back, copied. */
typedef struct entries {
    vg_audit_entry e[64];
    int count, stop_after;
} entries;

static int copy_entry(const vg_audit_entry *e, void *ctx)
{
    entries *l = ctx;
    if (l->count < 64) {
        vg_audit_entry *c = &l->e[l->count];
        c->seq = e->seq;
        c->time = e->time;
        c->actor = strdup(e->actor ? e->actor : "(null)");
        c->action = strdup(e->action ? e->action : "(null)");
        c->target = strdup(e->target ? e->target : "(null)");
        c->detail = strdup(e->detail ? e->detail : "(null)");
        c->prev_hash = strdup(e->prev_hash ? e->prev_hash : "(null)");
        c->hash = strdup(e->hash ? e->hash : "(null)");
    }
    l->count++;
    return l->stop_after && l->count >= l->stop_after;
}

static void entries_clear(entries *l)
{
    for (int i = 0; i < l->count && i < 64; i++)
        vg_audit_entry_clear(&l->e[i]);
    l->count = 0;
}

static vg_status each_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_audit_each(tx, copy_entry, ctx, err);
}

/* The hashes of the first two entries of make_chain, computed from the
 * scheme of model/audit.h apart from vigie (Python's hashlib). */
#define CHAIN_HASH_1 "4e42acb13f94740708e635b5ff550fdfcc5aaf2fd5c4907da41f8ce2910a8135"
#define CHAIN_HASH_2 "4ea756c40e72f8b0faf9d304b1d9f88d5ab54165d7d590be7e4ce1d1c2a848bd"

/* entries entries: thing-1 at 1700000001, thing-2..., each in its own
 * transaction, as user:alice viewing evidence. */
static void make_chain(vg_store *s, int count)
{
    for (int i = 1; i <= count; i++) {
        char target[32];
        snprintf(target, sizeof target, "thing-%d", i);
        CHECK_INT_EQ(append(s, NOW + i, "user:alice", "evidence.view", target, "{\"n\":1}"), i);
    }
}

/* Entries are numbered from 1 in order, each chained to the one before
 * with the published hash, kept with every field; the head follows. */
static void test_audit_append_and_read(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    make_chain(s, 2);
    /* a note without target or detail reads as empty strings */
    CHECK_INT_EQ(append(s, NOW + 3, "cli:root", "config.initial", NULL, NULL), 3);
    entries l = {0};
    vg_error err;
    CHECK(vg_store_read(s, each_tx, &l, &err) == VG_OK);
    CHECK_INT_EQ(l.count, 3);
    if (l.count == 3) {
        vg_audit_entry *e = l.e;
        CHECK_INT_EQ(e[0].seq, 1);
        CHECK_INT_EQ(e[0].time, NOW + 1);
        CHECK_STR_EQ(e[0].actor, "user:alice");
        CHECK_STR_EQ(e[0].action, "evidence.view");
        CHECK_STR_EQ(e[0].target, "thing-1");
        CHECK_STR_EQ(e[0].detail, "{\"n\":1}");
        CHECK_STR_EQ(e[0].prev_hash,
                     "0000000000000000000000000000000000000000000000000000000000000000");
        CHECK_STR_EQ(e[0].hash, CHAIN_HASH_1);
        CHECK_INT_EQ(e[1].seq, 2);
        CHECK_STR_EQ(e[1].prev_hash, CHAIN_HASH_1);
        CHECK_STR_EQ(e[1].hash, CHAIN_HASH_2);
        CHECK_INT_EQ(e[2].seq, 3);
        CHECK_STR_EQ(e[2].actor, "cli:root");
        CHECK_STR_EQ(e[2].target, "");
        CHECK_STR_EQ(e[2].detail, "");
        CHECK_STR_EQ(e[2].prev_hash, CHAIN_HASH_2);
        char head[65];
        CHECK_INT_EQ(audit_head(s, head), 3);
        CHECK_STR_EQ(head, e[2].hash);
    }
    entries_clear(&l);
    /* the visitor may stop */
    l.stop_after = 2;
    CHECK_INT_EQ(vg_store_read(s, each_tx, &l, &err), VG_ERR_ABORTED);
    CHECK_INT_EQ(l.count, 2);
    entries_clear(&l);
    int64_t n = 0;
    CHECK(chain_holds(s, NULL, 0, &n));
    CHECK_INT_EQ(n, 3);
    finish(s, loc);
}

#define APPENDERS 8
#define APPENDS 40

typedef struct appender {
    vg_store *s;
    int index, failures;
    int64_t seq[APPENDS];
} appender;

static void *append_many(void *p)
{
    appender *a = p;
    for (int i = 0; i < APPENDS; i++) {
        char target[32];
        snprintf(target, sizeof target, "t%d-%d", a->index, i);
        step st = {.kind = STEP_APPEND, .now = NOW + i,
                   .note = {"user:alice", "item.claim", target, NULL}};
        if (run_step(a->s, &st) != VG_OK)
            a->failures++;
        a->seq[i] = st.seq;
    }
    return NULL;
}

/* Appends from many threads at once never fork the chain: every entry
 * gets its own number, 1 to n, and the chain holds. */
static void test_audit_concurrent(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    static appender a[APPENDERS];
    pthread_t th[APPENDERS];
    for (int i = 0; i < APPENDERS; i++) {
        a[i] = (appender){.s = s, .index = i};
        pthread_create(&th[i], NULL, append_many, &a[i]);
    }
    static int64_t seqs[APPENDERS * APPENDS];
    int failures = 0, wrong = 0;
    for (int i = 0; i < APPENDERS; i++) {
        pthread_join(th[i], NULL);
        failures += a[i].failures;
        memcpy(seqs + i * APPENDS, a[i].seq, sizeof a[i].seq);
    }
    qsort(seqs, APPENDERS * APPENDS, sizeof seqs[0], by_id);
    for (int i = 0; i < APPENDERS * APPENDS; i++)
        wrong += seqs[i] != i + 1;
    CHECK_INT_EQ(failures, 0);
    CHECK_INT_EQ(wrong, 0);
    CHECK_INT_EQ(audit_head(s, NULL), APPENDERS * APPENDS);
    int64_t n = 0;
    CHECK(chain_holds(s, NULL, 0, &n));
    CHECK_INT_EQ(n, APPENDERS * APPENDS);
    finish(s, loc);
}

/* ---- audit entries by target ------------------------------------------- */

typedef struct seen {
    int64_t seq[64];
    char target[64][32];
    int count, stop_after;
} seen;

static int collect(const vg_audit_entry *e, void *ctx)
{
    seen *v = ctx;
    if (v->count < 64) {
        v->seq[v->count] = e->seq;
        snprintf(v->target[v->count], sizeof v->target[0], "%s", e->target);
    }
    v->count++;
    return v->stop_after && v->count >= v->stop_after;
}

static int is_wanted(const char *target)
{
    return !strcmp(target, "report:1") || !strcmp(target, "report:3") ||
           !strcmp(target, "file:2");
}

typedef struct for_targets_args {
    const char *const *targets;
    size_t count;
    seen *v;
} for_targets_args;

static vg_status for_targets_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    for_targets_args *a = ctx;
    return vg_tx_audit_for_targets(tx, a->targets, a->count, collect, a->v, err);
}

static vg_status for_targets(vg_store *s, const char *const *targets, size_t count, seen *v,
                             vg_error *err)
{
    for_targets_args a = {targets, count, v};
    return vg_store_read(s, for_targets_tx, &a, err);
}

static void test_audit_for_targets(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    /* interleaved targets, some sharing a prefix with a wanted one
     * ("report:10", "report:1x") so that only equality may match */
    static const char *const all[] = {"report:1", "report:10", "file:2", "report:3",
                                      "report:1x", "file:20", "", "report:2"};
    int wanted = 0;
    for (int i = 0; i < 40; i++) {
        const char *target = all[(i * 3) % 8];
        append(s, 1700000000 + 40 - i, "user:alice", "item.claim", target, "{}");
        wanted += is_wanted(target);
    }
    CHECK(wanted > 0);

    /* every wanted entry once, nothing else, in sequence order (not time
     * order: the times above run backwards); a target given twice or one
     * with no entry changes nothing */
    const char *targets[] = {"file:2", "report:3", "report:1", "nothing:9", "report:3"};
    seen v = {0};
    vg_error err;
    CHECK(for_targets(s, targets, 5, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, wanted);
    for (int i = 0; i < v.count && i < 64; i++) {
        CHECK_MSG(is_wanted(v.target[i]), "unwanted target %s", v.target[i]);
        if (i)
            CHECK(v.seq[i] > v.seq[i - 1]);
    }

    /* an empty list calls nothing */
    seen none = {0};
    CHECK(for_targets(s, NULL, 0, &none, &err) == VG_OK);
    CHECK(for_targets(s, targets, 0, &none, &err) == VG_OK);
    CHECK_INT_EQ(none.count, 0);

    /* the visitor may stop early */
    seen first = {.stop_after = 1};
    CHECK(for_targets(s, targets, 3, &first, &err) == VG_ERR_ABORTED);
    CHECK_INT_EQ(first.count, 1);
    CHECK_INT_EQ(first.seq[0], v.seq[0]);
    finish(s, loc);
}

/* ---- a damaged audit log is caught ------------------------------------- */

/* One change behind the store's back: field of entry seq set to value, or
 * (field NULL) entries seq to last removed. */
typedef struct damage {
    int64_t seq;
    const char *field, *value;
    int64_t last;
} damage;

/* Make a chain of count entries (make_chain), damage it with the n
 * changes of d, and check it again: the problem found, or "the chain
 * holds". */
static void damaged(int count, const damage *d, size_t n, char *problem, size_t cap)
{
    char loc[LOC];
    problem[0] = 0;
    vg_store *s = fresh(loc);
    if (!s)
        return;
    make_chain(s, count);
    CHECK(chain_holds(s, NULL, 0, NULL));
    vg_store_close(s);
    for (size_t i = 0; i < n; i++) {
        int done = d[i].field ? backend->audit_alter(backend->ctx, loc, d[i].seq, d[i].field,
                                                     d[i].value)
                              : backend->audit_remove(backend->ctx, loc, d[i].seq, d[i].last);
        CHECK_MSG(done, "%s could not damage the log", backend->name);
    }
    s = open_at(loc, NULL);
    if (s && chain_holds(s, problem, cap, NULL))
        snprintf(problem, cap, "the chain holds");
    vg_store_close(s);
    backend->destroy(backend->ctx, loc);
}

#define DAMAGED(count, problem, ...)                                                           \
    do {                                                                                       \
        const damage d_[] = {__VA_ARGS__};                                                     \
        damaged(count, d_, sizeof d_ / sizeof d_[0], problem, sizeof problem);                 \
    } while (0)

/* Entry 4 of make_chain with detail "{}", re-hashed by the published
 * scheme after entry 3 (computed apart from vigie, Python's hashlib). */
#define REHASHED_4 "5f9afc4a7022e2450772c9aabf48b3adfa38461c80934ec385252952f5cb7ba6"

static void test_audit_damage(void)
{
    if (!backend->audit_alter || !backend->audit_remove) {
        fprintf(stderr, "  %s cannot damage an audit log: skipped\n", backend->name);
        return;
    }
    char problem[512];
    /* an altered entry (each field the chain covers, on its own) */
    static const struct {
        const char *field, *value;
    } changes[] = {
        {"target", "something-else"}, {"detail", "{\"n\":2}"},
        {"actor", "user:mallory"},    {"action", "evidence.export"},
        {"time", "1700000004"}, /* its time + 1 */
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        DAMAGED(5, problem, {3, changes[i].field, changes[i].value, 0});
        CHECK_MSG(strstr(problem, "entry 3 was altered") != NULL, "%s: %s", changes[i].field,
                  problem);
    }
    /* an entry re-hashed by someone who knows the scheme still breaks the
     * link to the next one */
    DAMAGED(6, problem,
            {2, "hash", "0000000000000000000000000000000000000000000000000000000000000000", 0});
    CHECK_MSG(strstr(problem, "entry 2 was altered") != NULL, "%s", problem);
    /* the newest entry altered and re-hashed: every entry checks out, only
     * the head kept apart can tell */
    DAMAGED(4, problem, {4, "detail", "{}", 0}, {4, "hash", REHASHED_4, 0});
    CHECK_MSG(strstr(problem, "entry 4 was altered") != NULL, "%s", problem);
    /* a removed entry in the middle: a gap */
    DAMAGED(6, problem, {4, NULL, NULL, 4});
    CHECK_MSG(strstr(problem, "entry 4 was removed") != NULL, "%s", problem);
    /* the first entry removed */
    DAMAGED(3, problem, {1, NULL, NULL, 1});
    CHECK_MSG(strstr(problem, "entry 1 was removed") != NULL, "%s", problem);
    /* the newest entries removed: the chain head kept apart notices */
    DAMAGED(6, problem, {5, NULL, NULL, 6});
    CHECK_MSG(strstr(problem, "entry 5 was removed") != NULL, "%s", problem);
    DAMAGED(6, problem, {6, NULL, NULL, 6});
    CHECK_MSG(strstr(problem, "entry 6 was removed") != NULL, "%s", problem);
    /* every entry removed */
    DAMAGED(3, problem, {1, NULL, NULL, 3});
    CHECK_MSG(strstr(problem, "entry 1 was removed") != NULL, "%s", problem);
}

/* ---- items, files and the bank ----------------------------------------- */

typedef struct item_lists {
    size_t limit;
    vg_item *open, *done;
    size_t open_count, done_count;
    int64_t ids[16];
    size_t id_count;
} item_lists;

static vg_status item_lists_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    item_lists *l = ctx;
    vg_status st = vg_tx_items_open(tx, l->limit, &l->open, &l->open_count, err);
    if (st == VG_OK)
        st = vg_tx_items_done(tx, l->limit, &l->done, &l->done_count, err);
    if (st == VG_OK)
        st = vg_tx_item_ids_open(tx, l->ids, l->limit < 16 ? l->limit : 16, &l->id_count, err);
    return st;
}

/* The report ids of the open items, the finished ones and the open
 * unclaimed ones, each joined by ',' (at most limit of each). */
static void item_lists_of(vg_store *s, size_t limit, const int64_t *names, char *open,
                          char *done, char *ids, size_t cap)
{
    item_lists l = {.limit = limit};
    vg_error err;
    CHECK_MSG(vg_store_read(s, item_lists_tx, &l, &err) == VG_OK, "%s", err.message);
    /* names[i] is report Ri's id: print R1, R2... */
    char *outs[3] = {open, done, ids};
    for (int k = 0; k < 3; k++)
        outs[k][0] = 0;
    for (size_t i = 0; i < l.open_count + l.done_count + l.id_count; i++) {
        int k = i < l.open_count ? 0 : i < l.open_count + l.done_count ? 1 : 2;
        int64_t id = k == 0   ? l.open[i].report_id
                     : k == 1 ? l.done[i - l.open_count].report_id
                              : l.ids[i - l.open_count - l.done_count];
        int r = 0;
        for (int j = 1; j <= 8; j++)
            if (names[j] == id)
                r = j;
        snprintf(outs[k] + strlen(outs[k]), cap - strlen(outs[k]), "%sR%d",
                 outs[k][0] ? "," : "", r);
    }
    vg_items_free(l.open, l.open_count);
    vg_items_free(l.done, l.done_count);
}

typedef struct ids_args {
    int64_t report_id;
    int which; /* 0 sharing files, 1 same content */
    int64_t ids[8];
    size_t count;
} ids_args;

static vg_status ids_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    ids_args *a = ctx;
    return a->which ? vg_tx_item_ids_same_content(tx, a->report_id, a->ids, 8, &a->count, err)
                    : vg_tx_item_ids_sharing_files(tx, a->report_id, a->ids, 8, &a->count, err);
}

static void related(vg_store *s, int which, int64_t report_id, const int64_t *names, char *out,
                    size_t cap)
{
    ids_args a = {.report_id = report_id, .which = which};
    vg_error err;
    CHECK_MSG(vg_store_read(s, ids_tx, &a, &err) == VG_OK, "%s", err.message);
    out[0] = 0;
    for (size_t i = 0; i < a.count; i++) {
        int r = 0;
        for (int j = 1; j <= 8; j++)
            if (names[j] == a.ids[i])
                r = j;
        snprintf(out + strlen(out), cap - strlen(out), "%sR%d", i ? "," : "", r);
    }
}

/* Four reports: R1 (a partner's, a held file S1) and R2 (S1 by digest
 * only), R3 (no file) in one case, all three locating the same things
 * (content key K1); R4 (a held, known file S2, K1 too) in another case. */
static void items_setup(vg_store *s, int64_t r[9], int64_t *ca, int64_t *cb)
{
    int64_t key = create_key(s, "vg_it", "hash-it", "Platform", 0, 80);
    draft d1 = {.code = "R1", .url = "https://one.test/", .sha256 = "S1", .pdq = PDQ_A,
                .vault_id = "vault-1", .content_key = "K1", .api_key_id = key};
    draft d2 = {.code = "R2", .sha256 = "S1", .known = VG_FILE_CLAIMED, .content_key = "K1"};
    draft d3 = {.code = "R3", .content_key = "K1"};
    draft d4 = {.code = "R4", .sha256 = "S2", .vault_id = "vault-4", .known = VG_FILE_KNOWN,
                .content_key = "K1"};
    r[0] = 0;
    r[1] = must_put(s, &d1, 0, ca);
    r[2] = must_put(s, &d2, *ca, NULL);
    r[3] = must_put(s, &d3, *ca, NULL);
    r[4] = must_put(s, &d4, 0, cb);
    for (int i = 5; i < 9; i++)
        r[i] = -1;
}

static void put_item(vg_store *s, const vg_item *it, int64_t now)
{
    step st = {.kind = STEP_ITEM, .item = it, .now = now};
    vg_status status = run_step(s, &st);
    CHECK_MSG(status == VG_OK, "writing item %" PRId64 ": %d", it->report_id, (int)status);
}

/* An item reads with what the rules need, is written back whole, and the
 * queue's lists follow its state. */
static void test_items(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);

    vg_item it;
    CHECK(get_item(s, r[1], &it));
    CHECK_STR_EQ(it.state, VG_ITEM_OPEN);
    CHECK_INT_EQ(it.version, 0);
    CHECK(it.claimed_by == NULL && it.first_by == NULL && it.second_by == NULL &&
          it.decided_by == NULL && it.legal == NULL && it.first_json == NULL &&
          it.final_json == NULL && it.bank_classes == NULL);
    CHECK_INT_EQ(it.case_id, ca);
    CHECK_INT_EQ(it.files, 1);
    CHECK_INT_EQ(it.files_known, 0);
    CHECK_INT_EQ(it.files_claimed, 0);
    CHECK_INT_EQ(it.files_own_bank, 0);
    CHECK_INT_EQ(it.urls, 1);
    CHECK_INT_EQ(it.source_trust, 80);
    CHECK_STR_EQ(it.content_key, "K1");
    vg_item_clear(&it);
    CHECK(get_item(s, r[2], &it));
    CHECK_INT_EQ(it.source_trust, 0); /* the public form */
    CHECK_INT_EQ(it.files_claimed, 1);
    vg_item_clear(&it);
    CHECK(get_item(s, r[4], &it));
    CHECK_INT_EQ(it.files_known, 1);
    vg_item_clear(&it);
    CHECK(!get_item(s, r[4] + 1000, &it));
    vg_item_clear(&it);

    char open[64], done[64], ids[64];
    item_lists_of(s, 10, r, open, done, ids, sizeof open);
    CHECK_STR_EQ(open, "R1,R2,R3,R4");
    CHECK_STR_EQ(done, "");
    CHECK_STR_EQ(ids, "R1,R2,R3,R4");
    item_lists_of(s, 2, r, open, done, ids, sizeof open);
    CHECK_STR_EQ(open, "R1,R2");
    CHECK_STR_EQ(ids, "R1,R2");

    /* a claim */
    vg_item claim = {.report_id = r[1], .version = 1, .state = VG_ITEM_OPEN,
                     .claimed_by = "alice", .claimed_at = NOW + 5};
    put_item(s, &claim, NOW + 5);
    CHECK(get_item(s, r[1], &it));
    CHECK_INT_EQ(it.version, 1);
    CHECK_STR_EQ(it.state, VG_ITEM_OPEN);
    CHECK_STR_EQ(it.claimed_by, "alice");
    CHECK_INT_EQ(it.claimed_at, NOW + 5);
    CHECK_INT_EQ(it.updated_at, NOW + 5);
    vg_item_clear(&it);
    /* a first assessment */
    vg_item first = {.report_id = r[2], .version = 1, .state = VG_ITEM_SECOND,
                     .first_by = "alice", .first_json = "{\"legal\":\"illegal_csam\"}",
                     .first_key = "key-1"};
    put_item(s, &first, NOW + 6);
    CHECK(get_item(s, r[2], &it));
    CHECK_STR_EQ(it.state, VG_ITEM_SECOND);
    CHECK_STR_EQ(it.first_by, "alice");
    CHECK_STR_EQ(it.first_json, "{\"legal\":\"illegal_csam\"}");
    CHECK_STR_EQ(it.first_key, "key-1");
    CHECK(it.claimed_by == NULL && it.legal == NULL);
    vg_item_clear(&it);
    /* confirmed by four eyes, and decided by banks */
    vg_item confirmed = {.report_id = r[3], .version = 2, .state = VG_ITEM_CONFIRMED,
                         .first_by = "alice", .second_by = "bob", .decided_by = "bob",
                         .first_json = "{\"a\":1}", .second_json = "{\"b\":2}",
                         .final_json = "{\"c\":3}", .first_key = "key-3",
                         .legal = VG_LEGAL_CSAM, .severity = "A", .age = VG_AGE_YOUNG_CHILD};
    put_item(s, &confirmed, NOW + 10);
    vg_item automatic = {.report_id = r[4], .version = 1, .state = VG_ITEM_AUTO,
                         .decided_by = "bank", .final_json = "{}",
                         .legal = VG_LEGAL_NOT_ILLEGAL};
    put_item(s, &automatic, NOW + 20);
    CHECK(get_item(s, r[3], &it));
    CHECK_STR_EQ(it.state, VG_ITEM_CONFIRMED);
    CHECK_INT_EQ(it.version, 2);
    CHECK_STR_EQ(it.second_by, "bob");
    CHECK_STR_EQ(it.decided_by, "bob");
    CHECK_STR_EQ(it.second_json, "{\"b\":2}");
    CHECK_STR_EQ(it.final_json, "{\"c\":3}");
    CHECK_STR_EQ(it.legal, VG_LEGAL_CSAM);
    CHECK_STR_EQ(it.severity, "A");
    CHECK_STR_EQ(it.age, VG_AGE_YOUNG_CHILD);
    CHECK_INT_EQ(it.updated_at, NOW + 10);
    vg_item_clear(&it);

    /* the queue: unfinished items oldest first (claimed or not), finished
     * ones latest decided first, and those free to take */
    item_lists_of(s, 10, r, open, done, ids, sizeof open);
    CHECK_STR_EQ(open, "R1,R2");
    CHECK_STR_EQ(done, "R4,R3");
    CHECK_STR_EQ(ids, "");
    item_lists_of(s, 1, r, open, done, ids, sizeof open);
    CHECK_STR_EQ(open, "R1");
    CHECK_STR_EQ(done, "R4");

    /* written whole: putting it without the claim releases it */
    vg_item released = {.report_id = r[1], .version = 2, .state = VG_ITEM_OPEN};
    put_item(s, &released, NOW + 30);
    CHECK(get_item(s, r[1], &it));
    CHECK(it.claimed_by == NULL);
    CHECK_INT_EQ(it.version, 2);
    vg_item_clear(&it);
    item_lists_of(s, 10, r, open, done, ids, sizeof open);
    CHECK_STR_EQ(ids, "R1");

    /* a case's items oldest first; copies by shared files and by content */
    int64_t of_case[8];
    CHECK_INT_EQ(case_reports(s, ca, of_case, NULL), 3);
    CHECK(of_case[0] == r[1] && of_case[1] == r[2] && of_case[2] == r[3]);
    CHECK_INT_EQ(case_reports(s, cb, of_case, NULL), 1);
    char list[64];
    related(s, 0, r[1], r, list, sizeof list);
    CHECK_STR_EQ(list, "R2");
    related(s, 0, r[2], r, list, sizeof list);
    CHECK_STR_EQ(list, "R1");
    related(s, 0, r[3], r, list, sizeof list);
    CHECK_STR_EQ(list, "");
    related(s, 1, r[1], r, list, sizeof list);
    CHECK_STR_EQ(list, "R2,R3");
    related(s, 1, r[4], r, list, sizeof list);
    CHECK_STR_EQ(list, "");
    finish(s, loc);
}

typedef struct file_probe {
    int64_t id;
    vg_item_file file;
    int found;
} file_probe;

static vg_status file_get_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    file_probe *p = ctx;
    return vg_tx_file_get(tx, p->id, &p->file, &p->found, err);
}

/* Files carry the organisation's bank entry when vigie holds them, and a
 * file's first classification in the bank stays. */
static void test_files_and_bank(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_verdict csam = {VG_LEGAL_CSAM, "A", VG_AGE_YOUNG_CHILD};
    MUST(s, .kind = STEP_BANK, .a = "S1", .b = PDQ_A, .verdict = csam, .id = r[1], .now = NOW);
    vg_verdict milder = {VG_LEGAL_NOT_ILLEGAL, "C", ""};
    MUST(s, .kind = STEP_BANK, .a = "S1", .b = PDQ_A, .verdict = milder, .id = r[2], .now = NOW);

    files_args fa = {.case_id = ca};
    vg_error err;
    CHECK_MSG(vg_store_read(s, files_tx, &fa, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(fa.count, 2);
    if (fa.count == 2) {
        CHECK_INT_EQ(fa.files[0].report_id, r[1]);
        CHECK_STR_EQ(fa.files[0].own_legal, VG_LEGAL_CSAM);
        CHECK_STR_EQ(fa.files[0].own_severity, "A");
        CHECK_STR_EQ(fa.files[0].own_age, VG_AGE_YOUNG_CHILD);
        /* the same digest quoted by a sender: not held, no bank entry */
        CHECK_INT_EQ(fa.files[1].report_id, r[2]);
        CHECK(fa.files[1].own_legal == NULL);
        file_probe p = {.id = fa.files[0].id};
        CHECK(vg_store_read(s, file_get_tx, &p, &err) == VG_OK && p.found);
        CHECK_INT_EQ(p.file.report_id, r[1]);
        CHECK_INT_EQ(p.file.case_id, ca);
        CHECK_STR_EQ(p.file.sha256, "S1");
        CHECK_STR_EQ(p.file.vault_id, "vault-1");
        CHECK_STR_EQ(p.file.pdq, PDQ_A);
        CHECK_STR_EQ(p.file.own_legal, VG_LEGAL_CSAM);
        vg_item_file_clear(&p.file);
        p = (file_probe){.id = fa.files[1].id + 1000};
        CHECK(vg_store_read(s, file_get_tx, &p, &err) == VG_OK && !p.found);
        vg_item_file_clear(&p.file);
    }
    vg_item_files_free(fa.files, fa.count);
    fa = (files_args){.case_id = cb};
    CHECK(vg_store_read(s, files_tx, &fa, &err) == VG_OK);
    CHECK(fa.count == 1 && fa.files[0].own_legal == NULL);
    vg_item_files_free(fa.files, fa.count);

    vg_item it;
    CHECK(get_item(s, r[1], &it));
    CHECK_INT_EQ(it.files_own_bank, 1);
    CHECK_STR_EQ(it.bank_classes, "illegal_csam|A|b1");
    vg_item_clear(&it);
    CHECK(get_item(s, r[2], &it));
    CHECK_INT_EQ(it.files_own_bank, 0);
    CHECK(it.bank_classes == NULL);
    vg_item_clear(&it);
    finish(s, loc);
}

/* ---- what the console's review needs (issue 12) ----------------------------- */

typedef struct review_probe {
    int which;
    int64_t report_id;
    const char *receipt, *url, *digest, *sha256;
    int64_t ids[16];
    size_t count;
    vg_item_counts counts;
    int64_t bank_count, removed;
    vg_own_entry *own;
    size_t own_count;
    const vg_audit_filter *filter;
    size_t limit;
    int64_t seqs[16];
    size_t seq_count;
    int64_t account_id;
    vg_role role;
    const char *language;
} review_probe;

static int note_seq(const vg_audit_entry *e, void *ctx)
{
    review_probe *p = ctx;
    if (p->seq_count < 16)
        p->seqs[p->seq_count++] = e->seq;
    return 0;
}

static vg_status review_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    review_probe *p = ctx;
    p->count = p->seq_count = 0;
    switch (p->which) {
    case 0: return vg_tx_item_ids_sharing_urls(tx, p->report_id, p->ids, 16, &p->count, err);
    case 1: return vg_tx_item_ids_decided_from(tx, p->report_id, p->ids, 16, &p->count, err);
    case 2:
        return vg_tx_item_ids_find(tx, p->receipt, p->url, p->digest, p->ids, 16, &p->count,
                                   err);
    case 3: return vg_tx_item_counts(tx, &p->counts, err);
    case 4: {
        vg_status st = vg_tx_bank_count(tx, &p->bank_count, err);
        return st == VG_OK ? vg_tx_bank_entries(tx, p->sha256, p->limit, &p->own, &p->own_count,
                                                err)
                           : st;
    }
    case 5: return vg_tx_bank_remove_report(tx, p->report_id, &p->removed, err);
    case 6: return vg_tx_audit_search(tx, p->filter, p->limit, note_seq, p, err);
    case 7: return vg_tx_account_set_role(tx, p->account_id, p->role, err);
    case 8: return vg_tx_account_set_language(tx, p->account_id, p->language, err);
    }
    return VG_OK;
}

static review_probe review(vg_store *s, review_probe p, int write)
{
    vg_error err;
    vg_status st = write ? vg_store_write(s, review_tx, &p, &err)
                         : vg_store_read(s, review_tx, &p, &err);
    CHECK_MSG(st == VG_OK, "review op %d: %s", p.which, err.message);
    return p;
}

/* Ids as R1,R2... (names[i] is Ri's id). */
static void names_of(const int64_t *ids, size_t n, const int64_t *names, char *out, size_t cap)
{
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int r = 0;
        for (int j = 1; j <= 8; j++)
            if (names[j] == ids[i])
                r = j;
        snprintf(out + strlen(out), cap - strlen(out), "%sR%d", i ? "," : "", r);
    }
}

/* Search, URL duplicates, inherited decisions, counts by state, the
 * organisation's bank read and emptied by report. */
static void test_review_items(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    /* R5: the same URL as R1 in a case of its own. */
    draft d5 = {.code = "R5", .url = "https://one.test/", .content_key = "K5"};
    r[5] = must_put(s, &d5, 0, NULL);
    char out[64];
    review_probe p = review(s, (review_probe){.which = 0, .report_id = r[1]}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R5");
    p = review(s, (review_probe){.which = 0, .report_id = r[3]}, 0);
    CHECK_INT_EQ(p.count, 0);

    /* decided_from: written, read back, found. */
    vg_item it = {.report_id = r[5], .state = VG_ITEM_AUTO, .version = 1, .decided_by = "url",
                  .decided_from = r[1], .legal = VG_LEGAL_CSAM, .severity = "A", .age = "b1",
                  .final_json = "{}"};
    put_item(s, &it, NOW);
    vg_item back;
    CHECK(get_item(s, r[5], &back));
    CHECK_INT_EQ(back.decided_from, r[1]);
    vg_item_clear(&back);
    CHECK(get_item(s, r[1], &back));
    CHECK_INT_EQ(back.decided_from, 0);
    vg_item_clear(&back);
    p = review(s, (review_probe){.which = 1, .report_id = r[1]}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R5");
    p = review(s, (review_probe){.which = 1, .report_id = r[5]}, 0);
    CHECK_INT_EQ(p.count, 0);

    /* Search: receipt, URL, file digest; newest first; any one matching. */
    p = review(s, (review_probe){.which = 2, .receipt = "R3"}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R3");
    p = review(s, (review_probe){.which = 2, .url = "https://one.test/"}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R5,R1");
    p = review(s, (review_probe){.which = 2, .digest = "S1"}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R2,R1");
    p = review(s, (review_probe){.which = 2, .receipt = "R4", .digest = PDQ_A}, 0);
    names_of(p.ids, p.count, r, out, sizeof out);
    CHECK_STR_EQ(out, "R4,R1");
    p = review(s, (review_probe){.which = 2, .receipt = "nothing", .url = "x", .digest = "y"}, 0);
    CHECK_INT_EQ(p.count, 0);

    /* Counts: untouched reports are open. */
    vg_item second = {.report_id = r[2], .state = VG_ITEM_SECOND, .version = 1};
    put_item(s, &second, NOW);
    p = review(s, (review_probe){.which = 3}, 0);
    CHECK_INT_EQ(p.counts.open, 3);
    CHECK_INT_EQ(p.counts.second, 1);
    CHECK_INT_EQ(p.counts.automatic, 1);
    CHECK_INT_EQ(p.counts.confirmed + p.counts.disputed, 0);

    /* The organisation's bank: by SHA-256, newest first, emptied by report. */
    vg_verdict csam = {VG_LEGAL_CSAM, "A", VG_AGE_YOUNG_CHILD};
    MUST(s, .kind = STEP_BANK, .a = "S1", .b = PDQ_A, .verdict = csam, .id = r[1], .now = NOW);
    MUST(s, .kind = STEP_BANK, .a = "S2", .b = NULL, .verdict = csam, .id = r[4],
         .now = NOW + 5);
    p = review(s, (review_probe){.which = 4, .limit = 10}, 0);
    CHECK_INT_EQ(p.bank_count, 2);
    CHECK_INT_EQ(p.own_count, 2);
    if (p.own_count == 2) {
        CHECK_STR_EQ(p.own[0].sha256, "S2");
        CHECK_INT_EQ(p.own[0].report_id, r[4]);
        CHECK_INT_EQ(p.own[0].added_at, NOW + 5);
        CHECK_STR_EQ(p.own[1].pdq, PDQ_A);
        CHECK_STR_EQ(p.own[1].severity, "A");
    }
    vg_own_entries_free(p.own, p.own_count);
    p = review(s, (review_probe){.which = 4, .sha256 = "S1", .limit = 10}, 0);
    CHECK(p.own_count == 1 && !strcmp(p.own[0].legal, VG_LEGAL_CSAM));
    vg_own_entries_free(p.own, p.own_count);
    p = review(s, (review_probe){.which = 4, .sha256 = "S9", .limit = 10}, 0);
    CHECK_INT_EQ(p.own_count, 0);
    p = review(s, (review_probe){.which = 5, .report_id = r[1]}, 1);
    CHECK_INT_EQ(p.removed, 1);
    p = review(s, (review_probe){.which = 5, .report_id = r[1]}, 1);
    CHECK_INT_EQ(p.removed, 0);
    p = review(s, (review_probe){.which = 4, .limit = 10}, 0);
    CHECK(p.bank_count == 1 && p.own_count == 1 && !strcmp(p.own[0].sha256, "S2"));
    vg_own_entries_free(p.own, p.own_count);
    /* Removing is a write. */
    vg_error err;
    review_probe ro = {.which = 5, .report_id = r[4]};
    CHECK(vg_store_read(s, review_tx, &ro, &err) != VG_OK);
    finish(s, loc);
}

/* The audit log searched by actor, action (exactly or by prefix), target,
 * time and page, newest first: the backend agrees with the model's rule
 * (vg_audit_filter_match) on every filter. */
static void test_audit_search(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    const char *actors[] = {"user:alice", "user:bob", "console"};
    const char *actions[] = {"item.claim", "item.assess", "item.assess.auto", "itemx", "login"};
    vg_audit_entry all[30];
    for (int i = 0; i < 30; i++) {
        char target[16];
        snprintf(target, sizeof target, "report:%d", i % 4);
        all[i] = (vg_audit_entry){.seq = i + 1, .time = NOW + 10 * i,
                                  .actor = (char *)actors[i % 3],
                                  .action = (char *)actions[i % 5], .target = strdup(target)};
        CHECK_INT_EQ(append(s, all[i].time, actors[i % 3], actions[i % 5], target, NULL), i + 1);
    }
    const vg_audit_filter filters[] = {
        {0},
        {.actor = "user:bob"},
        {.action = "item."},
        {.action = "item.assess"},
        {.action = "item.assess."},
        {.target = "report:2"},
        {.from = NOW + 50, .to = NOW + 120},
        {.actor = "console", .action = "item.", .from = NOW + 20},
        {.before_seq = 10},
        {.actor = "nobody"},
    };
    for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
        for (size_t limit = 3; limit <= 40; limit += 37) {
            review_probe p = review(s, (review_probe){.which = 6, .filter = &filters[f],
                                                      .limit = limit},
                                    0);
            int64_t want[16];
            size_t n = 0;
            for (int i = 29; i >= 0 && n < limit && n < 16; i--)
                if (vg_audit_filter_match(&filters[f], &all[i]))
                    want[n++] = all[i].seq;
            CHECK_MSG(p.seq_count == n, "filter %zu, limit %zu: %zu entries, %zu wanted", f,
                      limit, p.seq_count, n);
            for (size_t i = 0; i < n && i < p.seq_count; i++)
                CHECK_MSG(p.seqs[i] == want[i], "filter %zu: entry %zu", f, i);
        }
    }
    /* A prefix is a prefix: "item." finds neither "itemx" nor "login". */
    vg_audit_filter prefix = {.action = "item."};
    review_probe p = review(s, (review_probe){.which = 6, .filter = &prefix, .limit = 100}, 0);
    CHECK_INT_EQ(p.seq_count, 16); /* 18 match; the probe keeps 16 */
    for (int i = 0; i < 30; i++)
        free(all[i].target);
    finish(s, loc);
}

static void test_account_role(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t id = create_account(s, "carol", "hash", VG_ROLE_ANALYST);
    vg_account acc;
    CHECK(get_account(s, "carol", 0, &acc));
    CHECK_INT_EQ(acc.id, id);
    review(s, (review_probe){.which = 7, .account_id = acc.id, .role = VG_ROLE_SUPERVISOR}, 1);
    vg_account_clear(&acc);
    CHECK(get_account(s, "carol", 0, &acc));
    CHECK_INT_EQ(acc.role, VG_ROLE_SUPERVISOR);
    /* No such account: an error, nothing written. */
    vg_error err;
    review_probe bad = {.which = 7, .account_id = acc.id + 100, .role = VG_ROLE_ANALYST};
    CHECK(vg_store_write(s, review_tx, &bad, &err) == VG_ERR_INVALID);
    vg_account_clear(&acc);
    finish(s, loc);
}

/* A person's language: none until chosen, kept, read by name, by id and in
 * the list, and chosen again or forgotten (NULL). */
static void test_account_language(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t id = create_account(s, "dora", "hash", VG_ROLE_ANALYST);
    create_account(s, "eve", "hash", VG_ROLE_ANALYST);
    vg_account acc;
    CHECK(get_account(s, "dora", 0, &acc));
    CHECK(acc.language == NULL);
    vg_account_clear(&acc);
    review(s, (review_probe){.which = 8, .account_id = id, .language = "ar"}, 1);
    CHECK(get_account(s, NULL, id, &acc));
    CHECK_STR_EQ(acc.language ? acc.language : "(null)", "ar");
    vg_account_clear(&acc);
    CHECK(get_account(s, "eve", 0, &acc));
    CHECK(acc.language == NULL); /* only dora's changed */
    vg_account_clear(&acc);
    review(s, (review_probe){.which = 8, .account_id = id, .language = "pt-BR"}, 1);
    CHECK(get_account(s, "dora", 0, &acc));
    CHECK_STR_EQ(acc.language ? acc.language : "(null)", "pt-BR");
    vg_account_clear(&acc);
    review(s, (review_probe){.which = 8, .account_id = id, .language = NULL}, 1);
    CHECK(get_account(s, "dora", 0, &acc));
    CHECK(acc.language == NULL);
    vg_account_clear(&acc);
    vg_error err;
    review_probe bad = {.which = 8, .account_id = id + 100, .language = "fr"};
    CHECK(vg_store_write(s, review_tx, &bad, &err) == VG_ERR_INVALID);
    finish(s, loc);
}

/* ---- job leases -------------------------------------------------------- */

static int lease(vg_store *s, const char *job, const char *node, int64_t now, int64_t seconds)
{
    step st = {.kind = STEP_LEASE, .a = job, .b = node, .now = now, .number = seconds,
               .result = -1};
    vg_status status = run_step(s, &st);
    CHECK_MSG(status == VG_OK, "leasing %s for %s", job, node);
    return st.result;
}

#define LEASERS 8

typedef struct leaser {
    vg_store *s;
    char node[16];
    int taken;
    vg_status st;
} leaser;

static void *lease_race(void *p)
{
    leaser *l = p;
    step st = {.kind = STEP_LEASE, .a = "race", .b = l->node, .now = NOW, .number = 60};
    l->st = run_step(l->s, &st);
    l->taken = st.result;
    return NULL;
}

/* One holder at a time until its lease runs out; a job done is not due
 * again before its next run. */
static void test_job_leases(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    CHECK_INT_EQ(lease(s, "prune", "node-a", NOW, 60), 1);
    CHECK_INT_EQ(lease(s, "prune", "node-b", NOW + 30, 60), 0);
    CHECK_INT_EQ(lease(s, "other-job", "node-b", NOW + 30, 60), 1);
    /* the holder may renew: now until NOW + 90 */
    CHECK_INT_EQ(lease(s, "prune", "node-a", NOW + 30, 60), 1);
    CHECK_INT_EQ(lease(s, "prune", "node-b", NOW + 70, 60), 0);
    /* run out: taken over */
    CHECK_INT_EQ(lease(s, "prune", "node-b", NOW + 91, 60), 1);
    CHECK_INT_EQ(lease(s, "prune", "node-a", NOW + 92, 60), 0);
    /* only the holder gives it back */
    MUST(s, .kind = STEP_JOB_DONE, .a = "prune", .b = "node-a", .number = NOW + 1000);
    CHECK_INT_EQ(lease(s, "prune", "node-c", NOW + 100, 60), 0);
    MUST(s, .kind = STEP_JOB_DONE, .a = "prune", .b = "node-b", .number = NOW + 1000);
    CHECK_INT_EQ(lease(s, "prune", "node-c", NOW + 200, 60), 0); /* not due */
    CHECK_INT_EQ(lease(s, "prune", "node-b", NOW + 999, 60), 0);
    CHECK_INT_EQ(lease(s, "prune", "node-c", NOW + 1000, 60), 1);

    /* nodes racing for a job: exactly one gets it */
    leaser l[LEASERS];
    pthread_t th[LEASERS];
    for (int i = 0; i < LEASERS; i++) {
        l[i] = (leaser){.s = s};
        snprintf(l[i].node, sizeof l[i].node, "node-%d", i);
        pthread_create(&th[i], NULL, lease_race, &l[i]);
    }
    int taken = 0, failed = 0;
    for (int i = 0; i < LEASERS; i++) {
        pthread_join(th[i], NULL);
        taken += l[i].taken == 1;
        failed += l[i].st != VG_OK;
    }
    CHECK_INT_EQ(failed, 0);
    CHECK_INT_EQ(taken, 1);
    finish(s, loc);
}

/* ---- alerts ------------------------------------------------------------ */

typedef struct alert_get_args {
    int64_t id;
    vg_alert *alert;
    int *found;
} alert_get_args;

static vg_status alert_get_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    alert_get_args *a = ctx;
    return vg_tx_alert_get(tx, a->id, a->alert, a->found, err);
}

static vg_status get_alert(vg_store *s, int64_t id, vg_alert *alert, int *found)
{
    alert_get_args a = {id, alert, found};
    return vg_store_read(s, alert_get_tx, &a, NULL);
}

static int64_t raise_alert(vg_store *s, int64_t report_id, const char *reason, int64_t now,
                           const char *const *channels, int count)
{
    step st = {.kind = STEP_ALERT, .id = report_id, .a = reason, .now = now,
               .channels = channels, .flag = count};
    vg_status status = run_step(s, &st);
    CHECK_MSG(status == VG_OK && st.number > 0, "raising an alert for report %lld",
              (long long)report_id);
    return status == VG_OK ? st.number : 0;
}

/* Raised with one delivery per channel, one per report; listed
 * unacknowledged (oldest first) and all (newest first); due until
 * delivered or acknowledged; every attempt kept in order; acknowledged
 * once. */
static void test_alerts(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    draft d1 = {.code = "AL01", .url = "https://example.test/al1"};
    draft d2 = {.code = "AL02", .url = "https://example.test/al2"};
    draft d3 = {.code = "AL03", .url = "https://example.test/al3"};
    int64_t r1 = must_put(s, &d1, 0, NULL), r2 = must_put(s, &d2, 0, NULL),
            r3 = must_put(s, &d3, 0, NULL);
    const char *both[] = {VG_CHANNEL_EMAIL, VG_CHANNEL_WEBHOOK};
    int64_t a1 = raise_alert(s, r1, VG_ALERT_DANGER, NOW, both, 2);
    int64_t a2 = raise_alert(s, r2, VG_ALERT_LIVESTREAM, NOW + 10, both + 1, 1);
    int64_t a3 = raise_alert(s, r3, VG_ALERT_DANGER, NOW + 20, NULL, 0); /* no channel */
    CHECK(a1 > 0 && a2 > a1 && a3 > a2);
    /* one alert per report */
    step again = {.kind = STEP_ALERT, .id = r1, .a = VG_ALERT_DANGER, .now = NOW + 30,
                  .channels = both, .flag = 2};
    CHECK_INT_EQ(run_step(s, &again), VG_ERR_INVALID);

    alert_view v = {.now = NOW + 30, .alert_id = a1};
    vg_error err;
    CHECK_MSG(vg_store_read(s, alert_view_tx, &v, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(v.total, 3);
    CHECK_INT_EQ(v.unacked_count, 3);
    if (v.unacked_count == 3) {
        CHECK_INT_EQ(v.unacked[0].id, a1);
        CHECK_INT_EQ(v.unacked[0].report_id, r1);
        CHECK_INT_EQ(v.unacked[0].created_at, NOW);
        CHECK_STR_EQ(v.unacked[0].reason, VG_ALERT_DANGER);
        CHECK(v.unacked[0].acked_by == NULL && v.unacked[0].acked_at == 0);
        CHECK_INT_EQ(v.unacked[2].id, a3);
    }
    CHECK_INT_EQ(v.recent_count, 3);
    if (v.recent_count == 3) {
        CHECK_INT_EQ(v.recent[0].id, a3);
        CHECK_INT_EQ(v.recent[2].id, a1);
    }
    /* due: a1's two, then a2's, each carrying its alert */
    CHECK_INT_EQ(v.due_count, 3);
    if (v.due_count == 3) {
        CHECK_INT_EQ(v.due[0].alert_id, a1);
        CHECK_STR_EQ(v.due[0].channel, VG_CHANNEL_EMAIL);
        CHECK_INT_EQ(v.due[0].report_id, r1);
        CHECK_INT_EQ(v.due[0].raised_at, NOW);
        CHECK_STR_EQ(v.due[0].reason, VG_ALERT_DANGER);
        CHECK_INT_EQ(v.due[0].attempts, 0);
        CHECK_INT_EQ(v.due[0].next_at, NOW);
        CHECK(v.due[0].delivered_at == 0 && v.due[0].last_error == NULL);
        CHECK_STR_EQ(v.due[1].channel, VG_CHANNEL_WEBHOOK);
        CHECK_INT_EQ(v.due[2].alert_id, a2);
        CHECK_STR_EQ(v.due[2].reason, VG_ALERT_LIVESTREAM);
    }
    CHECK_INT_EQ(v.of_alert_count, 2);
    int64_t mail = v.of_alert_count == 2 ? v.of_alert[0].id : 0;
    int64_t hook = v.of_alert_count == 2 ? v.of_alert[1].id : 0;
    CHECK_INT_EQ(v.attempt_count, 0);
    alert_view_clear(&v);
    /* not yet due before it was raised */
    v.now = NOW - 1;
    CHECK(vg_store_read(s, alert_view_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.due_count, 0);
    alert_view_clear(&v);

    /* the e-mail fails twice, then goes; the webhook fails once */
    MUST(s, .kind = STEP_DELIVERY, .id = mail, .now = NOW + 1, .flag = 0,
         .a = "connection refused", .number = NOW + 31);
    MUST(s, .kind = STEP_DELIVERY, .id = hook, .now = NOW + 2, .flag = 0, .a = "HTTP 503",
         .number = NOW + 32);
    v.now = NOW + 30;
    CHECK(vg_store_read(s, alert_view_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.due_count, 1); /* only a2's: a1's wait until their next try */
    if (v.due_count == 1)
        CHECK_INT_EQ(v.due[0].alert_id, a2);
    CHECK_INT_EQ(v.of_alert_count, 2);
    if (v.of_alert_count == 2) {
        CHECK_INT_EQ(v.of_alert[0].attempts, 1);
        CHECK_INT_EQ(v.of_alert[0].next_at, NOW + 31);
        CHECK_STR_EQ(v.of_alert[0].last_error, "connection refused");
        CHECK_INT_EQ(v.of_alert[0].delivered_at, 0);
    }
    alert_view_clear(&v);
    MUST(s, .kind = STEP_DELIVERY, .id = mail, .now = NOW + 31, .flag = 0, .a = "timeout",
         .number = NOW + 91);
    MUST(s, .kind = STEP_DELIVERY, .id = mail, .now = NOW + 91, .flag = 1, .a = "250 OK",
         .number = NOW + 91);
    v.now = NOW + 100;
    CHECK(vg_store_read(s, alert_view_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.due_count, 2); /* a2's and the webhook; the e-mail is delivered */
    if (v.due_count == 2) {
        CHECK_INT_EQ(v.due[0].alert_id, a2); /* due since NOW + 10 */
        CHECK_INT_EQ(v.due[1].id, hook);     /* since NOW + 32 */
    }
    if (v.of_alert_count == 2) {
        CHECK_INT_EQ(v.of_alert[0].attempts, 3);
        CHECK_INT_EQ(v.of_alert[0].delivered_at, NOW + 91);
        CHECK(v.of_alert[0].last_error == NULL);
        CHECK_INT_EQ(v.of_alert[1].attempts, 1);
    }
    CHECK_INT_EQ(v.attempt_count, 4);
    if (v.attempt_count == 4) {
        const struct {
            int64_t delivery, at;
            int delivered;
            const char *detail;
        } want[] = {{mail, NOW + 1, 0, "connection refused"},
                    {hook, NOW + 2, 0, "HTTP 503"},
                    {mail, NOW + 31, 0, "timeout"},
                    {mail, NOW + 91, 1, "250 OK"}};
        for (int i = 0; i < 4; i++) {
            CHECK_INT_EQ(v.attempts[i].delivery_id, want[i].delivery);
            CHECK_INT_EQ(v.attempts[i].at, want[i].at);
            CHECK_INT_EQ(v.attempts[i].delivered, want[i].delivered);
            CHECK_STR_EQ(v.attempts[i].detail, want[i].detail);
        }
    }
    alert_view_clear(&v);
    step nobody = {.kind = STEP_DELIVERY, .id = hook + 1000, .now = NOW, .flag = 1};
    CHECK_INT_EQ(run_step(s, &nobody), VG_ERR_INVALID);

    /* acknowledged once: no longer listed as waiting, nor due */
    step ack = {.kind = STEP_ACK, .id = a1, .a = "alice", .now = NOW + 200};
    CHECK(run_step(s, &ack) == VG_OK && ack.result == 1);
    ack = (step){.kind = STEP_ACK, .id = a1, .a = "bob", .now = NOW + 300};
    CHECK(run_step(s, &ack) == VG_OK && ack.result == 0);
    ack = (step){.kind = STEP_ACK, .id = a3 + 1000, .a = "bob", .now = NOW + 300};
    CHECK(run_step(s, &ack) == VG_OK && ack.result == 0);
    v.now = NOW + 1000;
    CHECK(vg_store_read(s, alert_view_tx, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.total, 2);
    CHECK_INT_EQ(v.unacked_count, 2);
    if (v.unacked_count == 2)
        CHECK_INT_EQ(v.unacked[0].id, a2);
    CHECK_INT_EQ(v.recent_count, 3);
    if (v.recent_count == 3) {
        CHECK_STR_EQ(v.recent[2].acked_by, "alice");
        CHECK_INT_EQ(v.recent[2].acked_at, NOW + 200);
    }
    CHECK_INT_EQ(v.due_count, 1); /* a1's webhook is not tried any more */
    if (v.due_count == 1)
        CHECK_INT_EQ(v.due[0].alert_id, a2);
    alert_view_clear(&v);
    vg_alert one;
    int found = 0;
    CHECK(get_alert(s, a1, &one, &found) == VG_OK && found);
    CHECK_INT_EQ(one.report_id, r1);
    CHECK_STR_EQ(one.acked_by, "alice");
    vg_alert_clear(&one);
    CHECK(get_alert(s, a3 + 1000, &one, &found) == VG_OK && !found);
    vg_alert_clear(&one);
    finish(s, loc);
}

/* ---- routes ------------------------------------------------------------- */

typedef struct route_probe {
    const char *legal;
    vg_url_route_todo *todo;
    size_t todo_count;
    const vg_url_route_row *put;
    int inserted;
    int64_t report_id, case_id;
    vg_url_route_row *rows;
    size_t row_count;
} route_probe;

static vg_status route_todo_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    route_probe *p = ctx;
    return vg_tx_routes_todo(tx, p->legal, 10, &p->todo, &p->todo_count, err);
}

static vg_status route_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    route_probe *p = ctx;
    return vg_tx_route_put(tx, p->put, &p->inserted, err);
}

static vg_status routes_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    route_probe *p = ctx;
    return vg_tx_routes(tx, p->report_id, p->case_id, &p->rows, &p->row_count, err);
}

/* URLs of finished items with the decision asked wait for a route; a route
 * is kept once per URL of a report, and read by report and by case. */
static void test_routes(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_error err;
    route_probe p = {.legal = VG_LEGAL_CSAM};
    CHECK(vg_store_read(s, route_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 0); /* nothing is decided yet */
    vg_url_route_todos_free(p.todo, p.todo_count);

    /* R1 (one URL) confirmed as CSAM; R3 (no URL) too; R2 awaiting a second. */
    vg_item c1 = {.report_id = r[1], .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    put_item(s, &c1, NOW + 10);
    vg_item c3 = {.report_id = r[3], .version = 3, .state = VG_ITEM_AUTO, .legal = VG_LEGAL_CSAM};
    put_item(s, &c3, NOW + 10);
    p = (route_probe){.legal = VG_LEGAL_CSAM};
    CHECK(vg_store_read(s, route_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 1);
    if (p.todo_count == 1) {
        CHECK_INT_EQ(p.todo[0].report_id, r[1]);
        CHECK_STR_EQ(p.todo[0].url, "https://one.test/");
        CHECK_INT_EQ(p.todo[0].danger, 0);
    }
    vg_url_route_todos_free(p.todo, p.todo_count);
    p = (route_probe){.legal = VG_LEGAL_NOT_ILLEGAL};
    CHECK(vg_store_read(s, route_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 0);
    vg_url_route_todos_free(p.todo, p.todo_count);

    vg_url_route_row row = {.report_id = r[1], .url = "https://one.test/", .state = VG_URL_ROUTE_PROPOSED,
                        .actions = "forward_partner", .reasons = "hosted_abroad_partner",
                        .country = "DE", .partner = "Example DE", .hosting = "[]",
                        .created_at = NOW + 20};
    p = (route_probe){.put = &row};
    CHECK(vg_store_write(s, route_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.inserted, 1);
    /* read-only transactions refuse it */
    CHECK(vg_store_read(s, route_put_fn, &p, &err) == VG_ERR_INVALID);
    vg_url_route_row again = row;
    again.actions = "notice_host";
    again.partner = NULL;
    p = (route_probe){.put = &again};
    CHECK(vg_store_write(s, route_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.inserted, 0);

    p = (route_probe){.legal = VG_LEGAL_CSAM};
    CHECK(vg_store_read(s, route_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 0); /* routed */
    vg_url_route_todos_free(p.todo, p.todo_count);

    for (int by_case = 0; by_case < 2; by_case++) {
        p = (route_probe){.report_id = by_case ? 0 : r[1], .case_id = by_case ? ca : 0};
        CHECK(vg_store_read(s, routes_fn, &p, &err) == VG_OK);
        CHECK_INT_EQ(p.row_count, 1);
        if (p.row_count == 1) {
            CHECK_INT_EQ(p.rows[0].report_id, r[1]);
            CHECK_STR_EQ(p.rows[0].url, "https://one.test/");
            CHECK_STR_EQ(p.rows[0].state, VG_URL_ROUTE_PROPOSED);
            CHECK_STR_EQ(p.rows[0].actions, "forward_partner"); /* the first one stays */
            CHECK_STR_EQ(p.rows[0].reasons, "hosted_abroad_partner");
            CHECK_STR_EQ(p.rows[0].country, "DE");
            CHECK_STR_EQ(p.rows[0].partner, "Example DE");
            CHECK_STR_EQ(p.rows[0].hosting, "[]");
            CHECK_INT_EQ(p.rows[0].created_at, NOW + 20);
        }
        vg_url_route_rows_free(p.rows, p.row_count);
    }
    p = (route_probe){.case_id = cb};
    CHECK(vg_store_read(s, routes_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.row_count, 0);
    vg_url_route_rows_free(p.rows, p.row_count);
    finish(s, loc);
}

/* ---- exchange: banks' settings, API content, open reports ------------------------ */

typedef struct exchange_probe {
    const vg_exchange_bank *bank;
    vg_exchange_bank *banks;
    size_t bank_count;
    const vg_exchange_content *content;
    int64_t entry, now;
    vg_exchange_content got;
    int found, written, only_new;
    int64_t *disabled;
    size_t disabled_count;
    const vg_exchange_report *report;
    vg_exchange_report got_report;
    vg_exchange_report *due;
    size_t due_count;
    int64_t open;
} exchange_probe;

static vg_status xbank_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    return vg_tx_exchange_bank_put(tx, p->bank, err);
}

static vg_status xbanks_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    return vg_tx_exchange_banks(tx, &p->banks, &p->bank_count, err);
}

static vg_status xcontent_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    return vg_tx_exchange_content_put(tx, p->content, err);
}

static vg_status xcontent_get_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    vg_exchange_content_clear(&p->got);
    return vg_tx_exchange_content_get(tx, p->entry, &p->got, &p->found, err);
}

static vg_status xdisabled_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    free(p->disabled);
    p->disabled = NULL;
    return vg_tx_exchange_content_disabled(tx, p->now, &p->disabled, &p->disabled_count, err);
}

static vg_status xreport_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    return vg_tx_exchange_report_put(tx, p->report, p->only_new, &p->written, err);
}

static vg_status xreport_get_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    vg_exchange_report_clear(&p->got_report);
    return vg_tx_exchange_report_get(tx, p->entry, &p->got_report, &p->found, err);
}

static vg_status xreport_delete_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    return vg_tx_exchange_report_delete(tx, p->entry, err);
}

static vg_status xreports_due_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    exchange_probe *p = ctx;
    vg_exchange_reports_free(p->due, p->due_count);
    p->due = NULL;
    vg_status st = vg_tx_exchange_reports_due(tx, p->now, 2, &p->due, &p->due_count, err);
    return st == VG_OK ? vg_tx_exchange_reports_open(tx, &p->open, err) : st;
}

/* A bank's settings are kept by name and replaced; content rows by entry,
 * the disabled ones found by time; reports added only once by id, replaced,
 * found due by their expiry and counted while open. */
static void test_exchange(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    exchange_probe p = {0};
    vg_exchange_bank b1 = {.name = "ZETA", .enabled_ratio = 1.0, .created_by = "key:4",
                           .created_at = NOW, .changed_at = NOW};
    vg_exchange_bank b2 = {.name = "ALPHA", .enabled_ratio = 0.0, .deleted = 1,
                           .created_at = NOW + 1, .changed_at = NOW + 2};
    p.bank = &b1;
    CHECK(vg_store_write(s, xbank_put_fn, &p, &err) == VG_OK);
    CHECK(vg_store_read(s, xbank_put_fn, &p, &err) == VG_ERR_INVALID);
    p.bank = &b2;
    CHECK(vg_store_write(s, xbank_put_fn, &p, &err) == VG_OK);
    b1.enabled_ratio = 0.0;
    b1.changed_at = NOW + 5;
    p.bank = &b1;
    CHECK(vg_store_write(s, xbank_put_fn, &p, &err) == VG_OK);
    CHECK(vg_store_read(s, xbanks_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.bank_count, 2);
    if (p.bank_count == 2) {
        CHECK_STR_EQ(p.banks[0].name, "ALPHA"); /* by name */
        CHECK_INT_EQ(p.banks[0].deleted, 1);
        CHECK(p.banks[0].created_by == NULL);
        CHECK_INT_EQ(p.banks[0].changed_at, NOW + 2);
        CHECK_STR_EQ(p.banks[1].name, "ZETA");
        CHECK(p.banks[1].enabled_ratio == 0.0); /* replaced */
        CHECK_INT_EQ(p.banks[1].deleted, 0);
        CHECK_STR_EQ(p.banks[1].created_by, "key:4");
        CHECK_INT_EQ(p.banks[1].created_at, NOW);
        CHECK_INT_EQ(p.banks[1].changed_at, NOW + 5);
    }
    vg_exchange_banks_free(p.banks, p.bank_count);
    p.banks = NULL;

    vg_exchange_content c1 = {.entry = 7, .bank = "ZETA", .bank_id = "api-1",
                              .note = "a note", .metadata = "{\"content_id\":\"x\"}",
                              .signals = "{\"pdq\":\"00\"}", .created_at = NOW};
    vg_exchange_content c2 = {.entry = 9, .bank = "ZETA", .bank_id = "api-2",
                              .disable_until = NOW + 100, .signals = "{}", .created_at = NOW};
    p.content = &c1;
    CHECK(vg_store_write(s, xcontent_put_fn, &p, &err) == VG_OK);
    CHECK(vg_store_read(s, xcontent_put_fn, &p, &err) == VG_ERR_INVALID);
    p.content = &c2;
    CHECK(vg_store_write(s, xcontent_put_fn, &p, &err) == VG_OK);
    p.entry = 7;
    CHECK(vg_store_read(s, xcontent_get_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.found, 1);
    CHECK_INT_EQ(p.got.entry, 7);
    CHECK_STR_EQ(p.got.bank, "ZETA");
    CHECK_STR_EQ(p.got.bank_id, "api-1");
    CHECK_INT_EQ(p.got.disable_until, 0);
    CHECK_STR_EQ(p.got.note, "a note");
    CHECK_STR_EQ(p.got.metadata, "{\"content_id\":\"x\"}");
    CHECK_STR_EQ(p.got.signals, "{\"pdq\":\"00\"}");
    p.entry = 9;
    CHECK(vg_store_read(s, xcontent_get_fn, &p, &err) == VG_OK);
    CHECK(p.found && p.got.note == NULL && p.got.metadata == NULL);
    p.entry = 8;
    CHECK(vg_store_read(s, xcontent_get_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.found, 0);
    p.now = NOW + 99;
    CHECK(vg_store_read(s, xdisabled_fn, &p, &err) == VG_OK);
    CHECK(p.disabled_count == 1 && p.disabled[0] == 9);
    p.now = NOW + 100; /* disabled until then, not at it */
    CHECK(vg_store_read(s, xdisabled_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.disabled_count, 0);
    c1.disable_until = NOW + 500; /* replaced by entry */
    c1.note = NULL;
    p.content = &c1;
    CHECK(vg_store_write(s, xcontent_put_fn, &p, &err) == VG_OK);
    p.now = NOW + 200;
    CHECK(vg_store_read(s, xdisabled_fn, &p, &err) == VG_OK);
    CHECK(p.disabled_count == 1 && p.disabled[0] == 7);
    p.now = NOW;
    CHECK(vg_store_read(s, xdisabled_fn, &p, &err) == VG_OK);
    CHECK(p.disabled_count == 2 && p.disabled[0] == 7 && p.disabled[1] == 9);
    p.entry = 7;
    CHECK(vg_store_read(s, xcontent_get_fn, &p, &err) == VG_OK);
    CHECK(p.found && p.got.note == NULL);
    vg_exchange_content_clear(&p.got);
    free(p.disabled);
    p.disabled = NULL;

    vg_exchange_report r1 = {.id = 123456789012345, .api_key_id = 3, .opened_at = NOW,
                             .changed_at = NOW, .expires_at = NOW + 86400,
                             .draft = "{\"report\":{}}"};
    vg_exchange_report r2 = {.id = 55, .api_key_id = 4, .opened_at = NOW, .changed_at = NOW,
                             .expires_at = NOW + 3600, .draft = "{}"};
    p.report = &r1;
    p.only_new = 1;
    CHECK(vg_store_write(s, xreport_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.written, 1);
    CHECK(vg_store_read(s, xreport_put_fn, &p, &err) == VG_ERR_INVALID);
    vg_exchange_report taken = r1;
    taken.api_key_id = 9;
    p.report = &taken;
    CHECK(vg_store_write(s, xreport_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.written, 0); /* the id is taken: nothing changes */
    p.report = &r2;
    CHECK(vg_store_write(s, xreport_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.written, 1);
    p.entry = r1.id;
    CHECK(vg_store_read(s, xreport_get_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.found, 1);
    CHECK_INT_EQ(p.got_report.id, r1.id);
    CHECK_INT_EQ(p.got_report.api_key_id, 3);
    CHECK_INT_EQ(p.got_report.opened_at, NOW);
    CHECK_INT_EQ(p.got_report.finished_at, 0);
    CHECK_INT_EQ(p.got_report.expires_at, NOW + 86400);
    CHECK_STR_EQ(p.got_report.draft, "{\"report\":{}}");
    /* replaced: finished, its draft gone */
    vg_exchange_report done = r1;
    done.finished_at = NOW + 10;
    done.changed_at = NOW + 10;
    done.expires_at = NOW + 10 + 86400;
    done.draft = NULL;
    p.report = &done;
    p.only_new = 0;
    CHECK(vg_store_write(s, xreport_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.written, 1);
    CHECK(vg_store_read(s, xreport_get_fn, &p, &err) == VG_OK);
    CHECK(p.found && p.got_report.finished_at == NOW + 10 && p.got_report.draft == NULL &&
          p.got_report.changed_at == NOW + 10);
    vg_exchange_report ghost = {.id = 77, .expires_at = NOW};
    p.report = &ghost;
    CHECK(vg_store_write(s, xreport_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.written, 0); /* no such report to replace */
    p.now = NOW + 3599;
    CHECK(vg_store_read(s, xreports_due_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.due_count, 0);
    CHECK_INT_EQ(p.open, 1); /* r2; r1 is finished */
    p.now = NOW + 3600;
    CHECK(vg_store_read(s, xreports_due_fn, &p, &err) == VG_OK);
    CHECK(p.due_count == 1 && p.due[0].id == 55 && p.due[0].api_key_id == 4);
    p.now = NOW + 200000;
    CHECK(vg_store_read(s, xreports_due_fn, &p, &err) == VG_OK);
    CHECK(p.due_count == 2 && p.due[0].id == 55 && p.due[1].id == r1.id); /* earliest first */
    p.entry = 55;
    CHECK(vg_store_write(s, xreport_delete_fn, &p, &err) == VG_OK);
    CHECK(vg_store_read(s, xreport_delete_fn, &p, &err) == VG_ERR_INVALID);
    CHECK(vg_store_write(s, xreport_delete_fn, &p, &err) == VG_OK); /* none: fine */
    CHECK(vg_store_read(s, xreport_get_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.found, 0);
    CHECK(vg_store_read(s, xreports_due_fn, &p, &err) == VG_OK);
    CHECK(p.due_count == 1 && p.due[0].id == r1.id && p.open == 0);
    vg_exchange_reports_free(p.due, p.due_count);
    vg_exchange_report_clear(&p.got_report);
    finish(s, loc);
}

/* ---- notices ------------------------------------------------------------- */

typedef struct notice_probe {
    const char *action;
    vg_notice_todo *todo;
    size_t todo_count;
    const vg_notice_row *put;
    int64_t id;
    vg_notice_filter filter;
    size_t limit;
    vg_notice_row *rows;
    size_t count;
    int64_t event_notice;
    vg_notice_event *events;
    size_t event_count;
} notice_probe;

static vg_status notice_todo_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_probe *p = ctx;
    return vg_tx_notice_todo(tx, p->action, 10, &p->todo, &p->todo_count, err);
}

static vg_status notice_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_probe *p = ctx;
    return vg_tx_notice_put(tx, p->put, &p->id, err);
}

static vg_status notices_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_probe *p = ctx;
    return vg_tx_notices(tx, &p->filter, p->limit ? p->limit : 100, &p->rows, &p->count, err);
}

static vg_status notice_events_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_probe *p = ctx;
    vg_status st = vg_tx_notice_event_add(tx, p->event_notice, NOW + 50, VG_NOTICE_EVENT_FETCH,
                                          "{\"status\":200}", err);
    if (st == VG_OK)
        st = vg_tx_notice_event_add(tx, p->event_notice, NOW + 60, VG_NOTICE_EVENT_MESSAGE,
                                    NULL, err);
    return st;
}

static vg_status notice_events_read_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_probe *p = ctx;
    return vg_tx_notice_events(tx, p->event_notice, &p->events, &p->event_count, err);
}

/* What vg_tx_notice_removals streams, copied; stop_after > 0: stop then. */
typedef struct removals_probe {
    vg_takedown_notice seen[4];
    char provider[4][32], as_name[4][32];
    size_t count, stop_after;
} removals_probe;

static int removal_seen(void *ctx, const vg_takedown_notice *n)
{
    removals_probe *r = ctx;
    if (r->count < 4) {
        r->seen[r->count] = *n;
        snprintf(r->provider[r->count], 32, "%s", n->provider);
        snprintf(r->as_name[r->count], 32, "%s", n->as_name);
    }
    r->count++;
    return r->stop_after && r->count >= r->stop_after;
}

static vg_status removals_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_notice_removals(tx, removal_seen, ctx, err);
}

static int64_t notices_of(vg_store *s, vg_notice_filter f, size_t limit, int64_t ids[4])
{
    notice_probe p = {.filter = f, .limit = limit};
    CHECK(vg_store_read(s, notices_fn, &p, NULL) == VG_OK);
    for (size_t i = 0; i < p.count && i < 4; i++)
        ids[i] = p.rows[i].id;
    vg_notice_rows_free(p.rows, p.count);
    return (int64_t)p.count;
}

/* Routes that ask for a notice wait for one; a notice is kept whole, one
 * per report's URL, found by id, report, case, due time, state, token and
 * material; its history is kept in order. */
static void test_notices(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_error err;
    route_probe rp;
    vg_url_route_row routes[] = {
        {.report_id = r[1], .url = "https://one.test/", .state = VG_URL_ROUTE_APPROVED,
         .actions = "refer_police,notice_host", .reasons = "hosted_home", .country = "FR",
         .hosting = "{\"addresses\":[]}", .created_at = NOW + 20},
        {.report_id = r[2], .url = "https://two.test/", .state = VG_URL_ROUTE_APPROVED,
         .actions = "notice_hostx,forward_partner", .reasons = "x", .country = "DE",
         .hosting = "[]", .created_at = NOW + 21},
        {.report_id = r[4], .url = "https://four.test/", .state = VG_URL_ROUTE_AUTOMATIC,
         .actions = "notice_host", .reasons = "x", .country = "US", .hosting = "[4]",
         .created_at = NOW + 22},
        /* not yet approved by anyone: no notice */
        {.report_id = r[3], .url = "https://three.test/", .state = VG_URL_ROUTE_PROPOSED,
         .actions = "notice_host", .reasons = "x", .country = "FR", .hosting = "[3]",
         .created_at = NOW + 23},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rp = (route_probe){.put = &routes[i]};
        CHECK(vg_store_write(s, route_put_fn, &rp, &err) == VG_OK);
    }
    notice_probe p = {.action = VG_ACTION_NOTICE_HOST};
    CHECK(vg_store_read(s, notice_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 2); /* a word of the list, not a part of one */
    if (p.todo_count == 2) {
        CHECK_INT_EQ(p.todo[0].report_id, r[1]);
        CHECK_INT_EQ(p.todo[0].case_id, ca);
        CHECK_STR_EQ(p.todo[0].url, "https://one.test/");
        CHECK_STR_EQ(p.todo[0].hosting, "{\"addresses\":[]}");
        CHECK_INT_EQ(p.todo[1].report_id, r[4]);
    }
    vg_notice_todos_free(p.todo, p.todo_count);

    vg_notice_row n = {.report_id = r[1], .case_id = ca, .url = "https://one.test/",
                       .state = VG_NOTICE_PENDING, .contact = "abuse@one.test",
                       .language = "de", .provider = "One AS", .token_hash = "aa",
                       .created_at = NOW + 30, .next_check_at = NOW + 30, .asn = 64500,
                       .as_name = "One AS", .host_country = "DE"};
    p = (notice_probe){.put = &n};
    CHECK_MSG(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK, "%s", err.message);
    int64_t first = p.id;
    CHECK(first > 0);
    CHECK(vg_store_read(s, notice_put_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_ERR_INVALID); /* one per URL */
    vg_notice_row other = {.report_id = r[4], .case_id = cb, .url = "https://four.test/",
                           .state = VG_NOTICE_NO_CONTACT, .created_at = NOW + 31};
    p = (notice_probe){.put = &other};
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    int64_t second = p.id;
    p = (notice_probe){.action = VG_ACTION_NOTICE_HOST};
    CHECK(vg_store_read(s, notice_todo_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.todo_count, 0);
    vg_notice_todos_free(p.todo, p.todo_count);

    /* an update replaces every field but the identity */
    vg_notice_row up = n;
    up.id = first;
    up.report_id = r[2]; /* ignored */
    up.url = "https://elsewhere.test/";
    up.state = VG_NOTICE_SENT;
    up.material_sha256 = "5ha";
    up.material_pdq = "pdq";
    up.confirmed = 1;
    up.sent_count = 2;
    up.first_sent_at = NOW + 40;
    up.last_sent_at = NOW + 41;
    up.acked_at = NOW + 42;
    up.host_removed_at = NOW + 43;
    up.removed_at = NOW + 44;
    up.verified_at = NOW + 45;
    up.escalated_at = NOW + 46;
    up.reappeared_at = NOW + 47;
    up.reappeared_count = 3;
    up.next_check_at = NOW + 100;
    up.last_check_at = NOW + 48;
    up.asn = 64999; /* the host of its making: kept */
    up.as_name = "Other AS";
    up.host_country = "US";
    p = (notice_probe){.put = &up};
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.id, first);
    p = (notice_probe){.filter = {.id = first}};
    CHECK(vg_store_read(s, notices_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    if (p.count == 1) {
        vg_notice_row *g = &p.rows[0];
        CHECK_INT_EQ(g->report_id, r[1]);
        CHECK_INT_EQ(g->case_id, ca);
        CHECK_STR_EQ(g->url, "https://one.test/");
        CHECK_STR_EQ(g->state, VG_NOTICE_SENT);
        CHECK_STR_EQ(g->contact, "abuse@one.test");
        CHECK_STR_EQ(g->language, "de");
        CHECK_STR_EQ(g->provider, "One AS");
        CHECK_STR_EQ(g->token_hash, "aa");
        CHECK_STR_EQ(g->material_sha256, "5ha");
        CHECK_STR_EQ(g->material_pdq, "pdq");
        CHECK_INT_EQ(g->confirmed, 1);
        CHECK_INT_EQ(g->sent_count, 2);
        CHECK_INT_EQ(g->created_at, NOW + 30);
        CHECK_INT_EQ(g->first_sent_at, NOW + 40);
        CHECK_INT_EQ(g->last_sent_at, NOW + 41);
        CHECK_INT_EQ(g->acked_at, NOW + 42);
        CHECK_INT_EQ(g->host_removed_at, NOW + 43);
        CHECK_INT_EQ(g->removed_at, NOW + 44);
        CHECK_INT_EQ(g->verified_at, NOW + 45);
        CHECK_INT_EQ(g->escalated_at, NOW + 46);
        CHECK_INT_EQ(g->reappeared_at, NOW + 47);
        CHECK_INT_EQ(g->reappeared_count, 3);
        CHECK_INT_EQ(g->next_check_at, NOW + 100);
        CHECK_INT_EQ(g->last_check_at, NOW + 48);
        CHECK_INT_EQ(g->asn, 64500);
        CHECK_STR_EQ(g->as_name, "One AS");
        CHECK_STR_EQ(g->host_country, "DE");
    }
    vg_notice_rows_free(p.rows, p.count);
    up.id = 99999;
    p = (notice_probe){.put = &up};
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "99999") != NULL);

    /* the filters */
    int64_t ids[4] = {0};
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){0}, 100, ids), 2);
    CHECK_INT_EQ(ids[0], second); /* newest first */
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){0}, 1, ids), 1);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.report_id = r[4]}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], second);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.case_id = ca}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], first);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.due_at = NOW + 99}, 100, ids), 0);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.due_at = NOW + 100}, 100, ids), 1);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.state = VG_NOTICE_NO_CONTACT}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], second);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.token_hash = "aa"}, 100, ids), 1);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.token_hash = "ab"}, 100, ids), 0);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.material_sha256 = "5ha"}, 100, ids), 1);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.material_sha256 = "5ha", .state = "x"}, 100,
                            ids),
                 0);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){0}, SIZE_MAX, ids), 2); /* no limit */
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.provider = "One AS"}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], first);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.provider = "One"}, 100, ids), 0);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.provider = ""}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], second);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.asn = 64500}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], first);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.asn = 64999}, 100, ids), 0);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.sent = 1}, 100, ids), 1);
    CHECK_INT_EQ(ids[0], first);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.still_up = 1}, 100, ids), 0); /* removed */
    {
        vg_notice_row back = up;
        back.id = first;
        back.removed_at = 0; /* it came back */
        p = (notice_probe){.put = &back};
        CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    }
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.still_up = 1, .provider = "One AS"}, 100,
                            ids),
                 1);
    CHECK_INT_EQ(ids[0], first);
    CHECK_INT_EQ(notices_of(s, (vg_notice_filter){.still_up = 1, .asn = 64501}, 100, ids), 0);

    /* what the provider page counts: the sent notice only, still up now,
     * then removed again */
    for (int removed = 0; removed < 2; removed++) {
        if (removed) {
            up.id = first;
            p = (notice_probe){.put = &up};
            CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
        }
        removals_probe rp = {0};
        CHECK_MSG(vg_store_read(s, removals_fn, &rp, &err) == VG_OK, "%s", err.message);
        CHECK_INT_EQ(rp.count, 1);
        CHECK_STR_EQ(rp.provider[0], "One AS");
        CHECK_STR_EQ(rp.as_name[0], "One AS");
        CHECK_INT_EQ(rp.seen[0].asn, 64500);
        CHECK_INT_EQ(rp.seen[0].first_sent_at, NOW + 40);
        CHECK_INT_EQ(rp.seen[0].removed_at, removed ? NOW + 44 : 0);
    }
    {
        removals_probe rp = {.stop_after = 1};
        CHECK(vg_store_read(s, removals_fn, &rp, &err) == VG_ERR_ABORTED);
        CHECK_INT_EQ(rp.count, 1);
    }

    /* the history */
    p = (notice_probe){.event_notice = first};
    CHECK(vg_store_write(s, notice_events_fn, &p, &err) == VG_OK);
    CHECK(vg_store_read(s, notice_events_fn, &p, &err) == VG_ERR_INVALID);
    CHECK(vg_store_read(s, notice_events_read_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.event_count, 2);
    if (p.event_count == 2) {
        CHECK_INT_EQ(p.events[0].notice_id, first);
        CHECK_INT_EQ(p.events[0].at, NOW + 50);
        CHECK_STR_EQ(p.events[0].kind, VG_NOTICE_EVENT_FETCH);
        CHECK_STR_EQ(p.events[0].detail, "{\"status\":200}");
        CHECK_STR_EQ(p.events[1].kind, VG_NOTICE_EVENT_MESSAGE);
        CHECK_STR_EQ(p.events[1].detail, "{}");
        CHECK(p.events[0].id < p.events[1].id);
    }
    vg_notice_events_free(p.events, p.event_count);
    p = (notice_probe){.event_notice = second};
    CHECK(vg_store_read(s, notice_events_read_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.event_count, 0);
    vg_notice_events_free(p.events, p.event_count);
    finish(s, loc);
}

/* ---- route decisions, deliveries, actions ----------------------------------- */

typedef struct routing_probe {
    int64_t id, report_id, now;
    const vg_url_route_row *next;
    const char *was_state, *was_actions, *was_changed_by;
    const vg_route_delivery *delivery;
    const vg_route_action *action;
    const char *public_id;
    const char *kind, *target;
    const vg_partner_callback *callback;
    int changed, found;
    vg_url_route_row row;
    vg_route_delivery one;
    vg_partner_callback *callbacks;
    vg_route_delivery *deliveries;
    vg_route_action *actions;
    vg_report_row report;
    size_t count;
} routing_probe;

static vg_status route_get_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_route_get(tx, p->id, &p->row, &p->found, err);
}

static vg_status route_decide_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_route_decide(tx, p->next, p->was_state, p->was_actions, p->was_changed_by,
                              &p->changed, err);
}

static vg_status delivery_add_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_delivery_add(tx, p->delivery, &p->changed, err);
}

static vg_status deliveries_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_deliveries(tx, p->report_id, p->now, 100, &p->deliveries, &p->count, err);
}

static vg_status delivery_update_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_delivery_update(tx, p->delivery, err);
}

static vg_status action_add_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_action_add(tx, p->action, &p->changed, err);
}

static vg_status actions_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_actions(tx, p->report_id, &p->actions, &p->count, err);
}

static vg_status by_public_id_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_report_by_public_id(tx, p->public_id, &p->report, &p->found, err);
}

static vg_status delivery_by_reference_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_delivery_by_reference(tx, p->kind, p->target, p->public_id, &p->one, &p->found,
                                       err);
}

/* Forward p->id stands at p->kind (a status) by the callback of version
 * p->report_id, at p->now. */
static vg_status partner_status_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_delivery_partner_status(tx, p->id, p->kind, p->report_id, p->now, &p->changed,
                                         err);
}

static vg_status callback_arm_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_callback_arm(tx, p->report_id, p->target, p->now, err);
}

static vg_status callbacks_due_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_callbacks_due(tx, p->now, 100, &p->callbacks, &p->count, err);
}

static vg_status callback_update_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    routing_probe *p = ctx;
    return vg_tx_callback_update(tx, p->callback, &p->changed, err);
}

/* The deliveries due at now (report 0) or of one report: their ids in order. */
static size_t delivery_ids(vg_store *s, int64_t report_id, int64_t now, int64_t ids[8])
{
    routing_probe p = {.report_id = report_id, .now = now};
    vg_error err;
    CHECK(vg_store_read(s, deliveries_fn, &p, &err) == VG_OK);
    for (size_t i = 0; i < p.count && i < 8; i++)
        ids[i] = p.deliveries[i].id;
    size_t n = p.count;
    vg_route_deliveries_free(p.deliveries, p.count);
    return n;
}

/* A route is decided only as it was read; a route has one delivery per
 * kind and target, due at next_at until sent, then polled at poll_at until
 * 0; an action is recorded once; a report is found by its public id. */
static void test_route_deliveries(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_error err;
    vg_url_route_row row = {.report_id = r[1], .url = "https://one.test/",
                            .state = VG_URL_ROUTE_PROPOSED, .actions = "notice_host,refer_police",
                            .reasons = "hosted_home", .country = "FR", .hosting = "{}",
                            .created_at = NOW};
    route_probe rp = {.put = &row};
    CHECK(vg_store_write(s, route_put_fn, &rp, &err) == VG_OK);
    rp = (route_probe){.report_id = r[1]};
    CHECK(vg_store_read(s, routes_fn, &rp, &err) == VG_OK);
    int64_t id = rp.row_count == 1 ? rp.rows[0].id : 0;
    CHECK(id > 0);
    if (rp.row_count == 1) {
        CHECK_STR_EQ(rp.rows[0].changed_by, "");
        CHECK_STR_EQ(rp.rows[0].decided_by, "");
        CHECK_INT_EQ(rp.rows[0].decided_at, 0);
    }
    vg_url_route_rows_free(rp.rows, rp.row_count);

    routing_probe p = {.id = id};
    CHECK(vg_store_read(s, route_get_fn, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.row.actions, "notice_host,refer_police");
    CHECK_INT_EQ(p.row.report_id, r[1]);
    vg_url_route_row_clear(&p.row);
    p = (routing_probe){.id = id + 100};
    CHECK(vg_store_read(s, route_get_fn, &p, &err) == VG_OK && !p.found);

    /* a change by ann, then a stale decision (read before it) is refused */
    vg_url_route_row next = row;
    next.id = id;
    next.actions = "refer_police";
    next.changed_by = "ann";
    p = (routing_probe){.next = &next, .was_state = VG_URL_ROUTE_PROPOSED,
                        .was_actions = "notice_host,refer_police", .was_changed_by = ""};
    CHECK(vg_store_write(s, route_decide_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.changed, 1);
    vg_url_route_row approve = next;
    approve.state = VG_URL_ROUTE_APPROVED;
    approve.decided_by = "bob";
    approve.decided_at = NOW + 5;
    p = (routing_probe){.next = &approve, .was_state = VG_URL_ROUTE_PROPOSED,
                        .was_actions = "notice_host,refer_police", .was_changed_by = ""};
    CHECK(vg_store_write(s, route_decide_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.changed, 0);
    p.was_actions = "refer_police";
    p.was_changed_by = "ann";
    CHECK(vg_store_read(s, route_decide_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK(vg_store_write(s, route_decide_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.changed, 1);
    p = (routing_probe){.id = id};
    CHECK(vg_store_read(s, route_get_fn, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.row.state, VG_URL_ROUTE_APPROVED);
    CHECK_STR_EQ(p.row.actions, "refer_police");
    CHECK_STR_EQ(p.row.changed_by, "ann");
    CHECK_STR_EQ(p.row.decided_by, "bob");
    CHECK_INT_EQ(p.row.decided_at, NOW + 5);
    CHECK_STR_EQ(p.row.url, "https://one.test/");
    vg_url_route_row_clear(&p.row);

    /* deliveries: one per kind and target */
    vg_route_delivery police = {.route_id = id, .report_id = r[1], .kind = "referral_police",
                                .target = "police", .url = "https://one.test/", .next_at = NOW + 10,
                                .created_at = NOW + 5};
    vg_route_delivery forward = police;
    forward.kind = "forward";
    forward.target = "DE";
    forward.next_at = NOW + 8;
    p = (routing_probe){.delivery = &police};
    CHECK(vg_store_write(s, delivery_add_fn, &p, &err) == VG_OK && p.changed == 1);
    CHECK(vg_store_write(s, delivery_add_fn, &p, &err) == VG_OK && p.changed == 0);
    CHECK(vg_store_read(s, delivery_add_fn, &p, &err) == VG_ERR_INVALID);
    p = (routing_probe){.delivery = &forward};
    CHECK(vg_store_write(s, delivery_add_fn, &p, &err) == VG_OK && p.changed == 1);
    int64_t ids[8] = {0};
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 7, ids), 0); /* none due yet */
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 10, ids), 2);
    int64_t police_id = ids[1], forward_id = ids[0]; /* the longest due first */
    CHECK_INT_EQ(delivery_ids(s, r[1], 0, ids), 2);  /* a report's: in the order made */
    CHECK(ids[0] == police_id && ids[1] == forward_id);
    CHECK_INT_EQ(delivery_ids(s, r[4], 0, ids), 0);
    p = (routing_probe){.report_id = r[1]};
    CHECK(vg_store_read(s, deliveries_fn, &p, &err) == VG_OK && p.count == 2);
    if (p.count == 2) {
        const vg_route_delivery *d = &p.deliveries[1];
        CHECK_INT_EQ(d->route_id, id);
        CHECK_STR_EQ(d->kind, "forward");
        CHECK_STR_EQ(d->target, "DE");
        CHECK_STR_EQ(d->url, "https://one.test/");
        CHECK_INT_EQ(d->attempts, 0);
        CHECK_INT_EQ(d->next_at, NOW + 8);
        CHECK_INT_EQ(d->sent_at, 0);
        CHECK_STR_EQ(d->reference, "");
        CHECK_STR_EQ(d->last_error, "");
        CHECK_INT_EQ(d->poll_at, 0);
        CHECK_INT_EQ(d->created_at, NOW + 5);
    }
    vg_route_deliveries_free(p.deliveries, p.count);

    /* the forward fails once, then is sent and polled; the referral is sent */
    vg_route_delivery tried = forward;
    tried.id = forward_id;
    tried.attempts = 1;
    tried.next_at = NOW + 70;
    tried.last_error = "connection refused";
    p = (routing_probe){.delivery = &tried};
    CHECK(vg_store_write(s, delivery_update_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 69, ids), 1);
    CHECK_INT_EQ(ids[0], police_id);
    tried.attempts = 2;
    tried.sent_at = NOW + 70;
    tried.reference = "de-1";
    tried.last_error = "";
    tried.poll_at = NOW + 670;
    CHECK(vg_store_write(s, delivery_update_fn, &p, &err) == VG_OK);
    vg_route_delivery sent = police;
    sent.id = police_id;
    sent.attempts = 1;
    sent.sent_at = NOW + 11;
    sent.reference = "ref-p";
    p = (routing_probe){.delivery = &sent};
    CHECK(vg_store_write(s, delivery_update_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 669, ids), 0); /* sent, not yet to poll */
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 670, ids), 1);
    CHECK_INT_EQ(ids[0], forward_id);
    p = (routing_probe){.report_id = r[1]};
    CHECK(vg_store_read(s, deliveries_fn, &p, &err) == VG_OK && p.count == 2);
    if (p.count == 2) {
        CHECK_INT_EQ(p.deliveries[1].attempts, 2);
        CHECK_STR_EQ(p.deliveries[1].reference, "de-1");
        CHECK_INT_EQ(p.deliveries[1].sent_at, NOW + 70);
        CHECK_INT_EQ(p.deliveries[1].poll_at, NOW + 670);
    }
    vg_route_deliveries_free(p.deliveries, p.count);
    tried.poll_at = 0; /* removed: no more polling */
    p = (routing_probe){.delivery = &tried};
    CHECK(vg_store_write(s, delivery_update_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(delivery_ids(s, 0, NOW + 100000, ids), 0);
    vg_route_delivery none = tried;
    none.id = forward_id + police_id + 10;
    p = (routing_probe){.delivery = &none};
    CHECK(vg_store_write(s, delivery_update_fn, &p, &err) == VG_ERR_INVALID);

    /* a sent delivery by its kind, target and the receiver's reference */
    static const struct {
        const char *kind, *target, *reference;
        int found;
    } by_ref[] = {
        {"forward", "DE", "de-1", 1},         {"referral_police", "police", "ref-p", 1},
        {"forward", "NL", "de-1", 0},         {"forward", "DE", "ref-p", 0},
        {"referral_police", "DE", "de-1", 0}, {"forward", "DE", "", 0},
    };
    for (size_t i = 0; i < sizeof by_ref / sizeof by_ref[0]; i++) {
        p = (routing_probe){.kind = by_ref[i].kind, .target = by_ref[i].target,
                            .public_id = by_ref[i].reference};
        CHECK(vg_store_read(s, delivery_by_reference_fn, &p, &err) == VG_OK);
        CHECK_MSG(p.found == by_ref[i].found, "row %zu", i);
        if (p.found)
            CHECK_INT_EQ(p.one.id, i == 0 ? forward_id : police_id);
        if (i == 0 && p.found) {
            CHECK_INT_EQ(p.one.route_id, id);
            CHECK_INT_EQ(p.one.report_id, r[1]);
            CHECK_STR_EQ(p.one.url, "https://one.test/");
            CHECK_INT_EQ(p.one.sent_at, NOW + 70);
            CHECK_INT_EQ(p.one.attempts, 2);
        }
        vg_route_delivery_clear(&p.one);
    }
    /* not yet sent: not found by its (empty) reference */
    vg_route_delivery child = police;
    child.kind = "referral_child_protection";
    child.target = "child_protection";
    p = (routing_probe){.delivery = &child};
    CHECK(vg_store_write(s, delivery_add_fn, &p, &err) == VG_OK && p.changed == 1);
    p = (routing_probe){.kind = "referral_child_protection", .target = "child_protection",
                        .public_id = ""};
    CHECK(vg_store_read(s, delivery_by_reference_fn, &p, &err) == VG_OK && !p.found);

    /* where the forward stands at the partner: a callback (version > 0)
     * writes when its version is above the last written, so a replay or
     * an older one writes nothing; a poll (version 0) only while no
     * callback ever wrote, and only a change */
    static const struct {
        const char *status;
        int64_t version, at;
        int changed;
        const char *after; /* status/version@at after it */
    } said[] = {
        {"received", 0, 100, 1, "received/0@100"},  {"received", 0, 101, 0, "received/0@100"},
        {"assessing", 0, 102, 1, "assessing/0@102"}, {"received", 2, 103, 1, "received/2@103"},
        {"assessed", 4, 104, 1, "assessed/4@104"},  {"assessed", 4, 105, 0, "assessed/4@104"},
        {"received", 3, 106, 0, "assessed/4@104"},  {"closed", 0, 107, 0, "assessed/4@104"},
        {"assessed", 5, 108, 1, "assessed/5@108"},  {"received", 6, 109, 1, "received/6@109"},
    };
    p = (routing_probe){.kind = "forward", .target = "DE", .public_id = "de-1"};
    CHECK(vg_store_read(s, delivery_by_reference_fn, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.one.partner_status, ""); /* nothing said yet */
    CHECK_INT_EQ(p.one.partner_version, 0);
    CHECK_INT_EQ(p.one.partner_status_at, 0);
    vg_route_delivery_clear(&p.one);
    p = (routing_probe){.id = forward_id, .kind = "received", .report_id = 1, .now = NOW};
    CHECK(vg_store_read(s, partner_status_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        p = (routing_probe){.id = forward_id, .kind = said[i].status,
                            .report_id = said[i].version, .now = NOW + said[i].at};
        CHECK(vg_store_write(s, partner_status_fn, &p, &err) == VG_OK);
        CHECK_MSG(p.changed == said[i].changed, "said[%zu]", i);
        p = (routing_probe){.kind = "forward", .target = "DE", .public_id = "de-1"};
        CHECK(vg_store_read(s, delivery_by_reference_fn, &p, &err) == VG_OK && p.found);
        char got[80];
        snprintf(got, sizeof got, "%s/%lld@%lld", p.one.partner_status ? p.one.partner_status : "?",
                 (long long)p.one.partner_version, (long long)(p.one.partner_status_at - NOW));
        CHECK_MSG(!strcmp(got, said[i].after), "said[%zu]: %s", i, got);
        vg_route_delivery_clear(&p.one);
    }
    /* another delivery is untouched; no such delivery changes nothing */
    p = (routing_probe){.kind = "referral_police", .target = "police", .public_id = "ref-p"};
    CHECK(vg_store_read(s, delivery_by_reference_fn, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.one.partner_status, "");
    CHECK_INT_EQ(p.one.partner_version, 0);
    vg_route_delivery_clear(&p.one);
    p = (routing_probe){.id = forward_id + police_id + 1000, .kind = "assessed", .report_id = 9,
                        .now = NOW};
    CHECK(vg_store_write(s, partner_status_fn, &p, &err) == VG_OK && p.changed == 0);

    /* actions: once each, oldest first */
    vg_route_action removed = {.report_id = r[1], .type = "removed", .at = NOW + 90, .to = "",
                               .reference = "", .url = "https://one.test/", .by = "Example DE"};
    vg_route_action forwarded = {.report_id = r[1], .type = "forwarded", .at = NOW + 70,
                                 .to = "Example DE", .reference = "de-1",
                                 .url = "https://one.test/", .by = NULL};
    p = (routing_probe){.action = &removed};
    CHECK(vg_store_write(s, action_add_fn, &p, &err) == VG_OK && p.changed == 1);
    CHECK(vg_store_write(s, action_add_fn, &p, &err) == VG_OK && p.changed == 0);
    CHECK(vg_store_read(s, action_add_fn, &p, &err) == VG_ERR_INVALID);
    p = (routing_probe){.action = &forwarded};
    CHECK(vg_store_write(s, action_add_fn, &p, &err) == VG_OK && p.changed == 1);
    p = (routing_probe){.report_id = r[1]};
    CHECK(vg_store_read(s, actions_fn, &p, &err) == VG_OK && p.count == 2);
    if (p.count == 2) {
        CHECK_STR_EQ(p.actions[0].type, "forwarded");
        CHECK_INT_EQ(p.actions[0].at, NOW + 70);
        CHECK_STR_EQ(p.actions[0].to, "Example DE");
        CHECK_STR_EQ(p.actions[0].reference, "de-1");
        CHECK_STR_EQ(p.actions[0].by, "");
        CHECK_STR_EQ(p.actions[1].type, "removed");
        CHECK_STR_EQ(p.actions[1].by, "Example DE");
        CHECK_STR_EQ(p.actions[1].url, "https://one.test/");
    }
    vg_route_actions_free(p.actions, p.count);
    p = (routing_probe){.report_id = r[4]};
    CHECK(vg_store_read(s, actions_fn, &p, &err) == VG_OK && p.count == 0);
    vg_route_actions_free(p.actions, p.count);

    /* a report by the id its sender knows */
    p = (routing_probe){.public_id = "id-R1"};
    CHECK(vg_store_read(s, by_public_id_fn, &p, &err) == VG_OK && p.found);
    CHECK_INT_EQ(p.report.id, r[1]);
    CHECK_STR_EQ(p.report.receipt_code, "R1");
    vg_report_row_clear(&p.report);
    p = (routing_probe){.public_id = "R1"};
    CHECK(vg_store_read(s, by_public_id_fn, &p, &err) == VG_OK && !p.found);
    vg_report_row_clear(&p.report);
    finish(s, loc);
}

/* The callbacks due at now: each's report, version, sent version,
 * attempts and next_at as "report:version/sent:attempts@next_at," (the
 * longest due first), into out. */
static const char *callbacks_at(vg_store *s, int64_t now, const int64_t r[9], char *out,
                                size_t cap)
{
    routing_probe p = {.now = now};
    vg_error err;
    out[0] = 0;
    CHECK(vg_store_read(s, callbacks_due_fn, &p, &err) == VG_OK);
    for (size_t i = 0, n = 0; i < p.count; i++) {
        int which = 0;
        while (which < 9 && r[which] != p.callbacks[i].report_id)
            which++;
        n += (size_t)snprintf(out + n, cap - n, "r%d:%lld/%lld:%lld@%lld,", which,
                              (long long)p.callbacks[i].version,
                              (long long)p.callbacks[i].sent_version,
                              (long long)p.callbacks[i].attempts,
                              (long long)(p.callbacks[i].next_at - NOW));
    }
    vg_partner_callbacks_free(p.callbacks, p.count);
    return out;
}

/* A callback to the partner that forwarded a report: made due by each
 * change (its version goes up, its failures are forgotten), due until the
 * partner took the latest version; a try's outcome is written only at the
 * version it sent. */
static void test_partner_callbacks(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_error err;
    char text[300];
    CHECK_STR_EQ(callbacks_at(s, NOW + 100000, r, text, sizeof text), "");
    routing_probe p = {.report_id = r[1], .target = "FR", .now = NOW};
    CHECK(vg_store_read(s, callback_arm_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK(vg_store_write(s, callback_arm_fn, &p, &err) == VG_OK);
    p = (routing_probe){.report_id = r[2], .target = "DE", .now = NOW + 5};
    CHECK(vg_store_write(s, callback_arm_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(callbacks_at(s, NOW - 1, r, text, sizeof text), "");
    CHECK_STR_EQ(callbacks_at(s, NOW, r, text, sizeof text), "r1:1/0:0@0,");
    CHECK_STR_EQ(callbacks_at(s, NOW + 5, r, text, sizeof text), "r1:1/0:0@0,r2:1/0:0@5,");
    p = (routing_probe){.now = NOW};
    CHECK(vg_store_read(s, callbacks_due_fn, &p, &err) == VG_OK && p.count == 1);
    vg_partner_callback first = {0};
    if (p.count == 1) {
        const vg_partner_callback *c = &p.callbacks[0];
        CHECK_STR_EQ(c->target, "FR");
        CHECK_STR_EQ(c->reference, "id-R1"); /* the report's public id */
        CHECK_STR_EQ(c->last_error, "");
        CHECK_INT_EQ(c->created_at, NOW);
        first.id = c->id;
        first.report_id = c->report_id;
    }
    vg_partner_callbacks_free(p.callbacks, p.count);

    /* a failed try: due again at its next_at */
    vg_partner_callback tried = first;
    tried.version = 1;
    tried.attempts = 1;
    tried.next_at = NOW + 60;
    tried.last_error = "connection refused";
    p = (routing_probe){.callback = &tried};
    CHECK(vg_store_read(s, callback_update_fn, &p, &err) == VG_ERR_INVALID);
    CHECK(vg_store_write(s, callback_update_fn, &p, &err) == VG_OK && p.changed == 1);
    CHECK_STR_EQ(callbacks_at(s, NOW + 59, r, text, sizeof text), "r2:1/0:0@5,");
    CHECK_STR_EQ(callbacks_at(s, NOW + 60, r, text, sizeof text), "r2:1/0:0@5,r1:1/0:1@60,");
    p = (routing_probe){.now = NOW + 60};
    CHECK(vg_store_read(s, callbacks_due_fn, &p, &err) == VG_OK && p.count == 2);
    if (p.count == 2)
        CHECK_STR_EQ(p.callbacks[1].last_error, "connection refused");
    vg_partner_callbacks_free(p.callbacks, p.count);

    /* a change: version 2, due at once, failures forgotten */
    p = (routing_probe){.report_id = r[1], .target = "FR", .now = NOW + 30};
    CHECK(vg_store_write(s, callback_arm_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(callbacks_at(s, NOW + 30, r, text, sizeof text), "r2:1/0:0@5,r1:2/0:0@30,");
    /* the try that sent version 1 comes back: written nowhere, still due */
    vg_partner_callback took = first;
    took.version = 1;
    took.sent_version = 1;
    took.next_at = NOW;
    took.last_error = "";
    p = (routing_probe){.callback = &took};
    CHECK(vg_store_write(s, callback_update_fn, &p, &err) == VG_OK && p.changed == 0);
    CHECK_STR_EQ(callbacks_at(s, NOW + 30, r, text, sizeof text), "r2:1/0:0@5,r1:2/0:0@30,");
    /* version 2 taken: no longer due */
    took.version = 2;
    took.sent_version = 2;
    took.next_at = NOW + 30;
    CHECK(vg_store_write(s, callback_update_fn, &p, &err) == VG_OK && p.changed == 1);
    CHECK_STR_EQ(callbacks_at(s, NOW + 100000, r, text, sizeof text), "r2:1/0:0@5,");
    /* another target of the same report is another callback */
    p = (routing_probe){.report_id = r[1], .target = "NL", .now = NOW + 40};
    CHECK(vg_store_write(s, callback_arm_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(callbacks_at(s, NOW + 100000, r, text, sizeof text), "r2:1/0:0@5,r1:1/0:0@40,");
    finish(s, loc);
}

/* ---- the suite --------------------------------------------------------- */

/* ---- statistics' facts --------------------------------------------------- */

typedef struct facts_seen {
    vg_report_fact f[8];
    char text[8][16][48];
    size_t n;
    int stop_after;
} facts_seen;

static int keep_fact(void *ctx, const vg_report_fact *fact)
{
    facts_seen *fs = ctx;
    if (fs->n < 8) {
        vg_report_fact *f = &fs->f[fs->n];
        *f = *fact;
        const char **texts[] = {&f->source,   &f->reporter_kind, &f->category, &f->language,
                                &f->country,  &f->state,         &f->legal,    &f->severity,
                                &f->age,      &f->host_country,  &f->asn,      &f->provider,
                                &f->route,    &f->sex,           &f->flags,    &f->baseline};
        for (int i = 0; i < 16; i++)
            if (*texts[i]) {
                snprintf(fs->text[fs->n][i], sizeof fs->text[fs->n][i], "%s", *texts[i]);
                *texts[i] = fs->text[fs->n][i];
            }
    }
    fs->n++;
    return fs->stop_after && (int)fs->n >= fs->stop_after;
}

typedef struct facts_args {
    int64_t from, to;
    facts_seen *seen;
} facts_args;

static int fact_before(const void *x, const void *y)
{
    int64_t a = ((const vg_report_fact *)x)->id, b = ((const vg_report_fact *)y)->id;
    return (a > b) - (a < b);
}

/* The facts come in no promised order (store/stats.h): sorted by id here,
 * so that the checks can name them (their strings stay in their slots). */
static vg_status facts_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    facts_args *a = ctx;
    vg_status st = vg_tx_report_facts(tx, a->from, a->to, keep_fact, a->seen, err);
    size_t n = a->seen->n < 8 ? a->seen->n : 8;
    qsort(a->seen->f, n, sizeof a->seen->f[0], fact_before);
    return st;
}

/* One fact per report of the period: when it came, when someone first
 * claimed it (the audit log, not the item's latest claim), when it was
 * decided, whether its case had one before, what its files were. */
static void test_report_facts(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0;
    draft d1 = {.code = "F1", .url = "https://f.example/1", .sha256 = "s1", .known = VG_FILE_KNOWN,
                .vault_id = "v1"};
    draft d2 = {.code = "F2", .sha256 = "s2", .known = VG_FILE_CLAIMED};
    draft d3 = {.code = "F3", .url = "https://f.example/3"};
    vg_error err;
    int64_t r1 = 0, r2 = 0, r3 = 0;
    CHECK(put_report(s, &d1, 0, NOW, &r1, &ca, &err) == VG_OK);
    CHECK(put_report(s, &d2, ca, NOW + 10, &r2, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d3, 0, NOW + 20, &r3, &cb, &err) == VG_OK);
    char target[32];
    snprintf(target, sizeof target, "report:%" PRId64, r1);
    append(s, NOW + 100, "user:ann", "item.claim", target, "{}");
    append(s, NOW + 200, "user:bob", "item.claim", target, "{}");
    append(s, NOW + 50, "user:ann", "item.view", target, "{}");
    vg_item it = {.report_id = r1, .state = VG_ITEM_CONFIRMED, .version = 2,
                  .legal = VG_LEGAL_CSAM, .severity = "A", .age = "b2",
                  .final_json = "{\"legal\":\"illegal_csam\",\"sex\":\"female\","
                                "\"flags\":[\"self_generated\",\"grooming\"],"
                                "\"baseline\":[\"real_child\",\"sexual_focus\"]}"};
    put_item(s, &it, NOW + 300);
    vg_item second = {.report_id = r3, .state = VG_ITEM_SECOND, .version = 1,
                      .legal = VG_LEGAL_CSAM};
    put_item(s, &second, NOW + 400);

    facts_seen seen = {0};
    facts_args a = {NOW, NOW + 1000, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK_INT_EQ(seen.n, 3);
    if (seen.n == 3) {
        const vg_report_fact *f = seen.f;
        CHECK_INT_EQ(f[0].id, r1);
        CHECK_INT_EQ(f[0].case_id, ca);
        CHECK_INT_EQ(f[0].created_at, NOW);
        CHECK_INT_EQ(f[0].first_look_at, NOW + 100);
        CHECK_INT_EQ(f[0].decided_at, NOW + 300);
        CHECK_INT_EQ(f[0].duplicate, 0);
        CHECK_STR_EQ(f[0].source, "web");
        CHECK_STR_EQ(f[0].state, VG_ITEM_CONFIRMED);
        CHECK_STR_EQ(f[0].legal, VG_LEGAL_CSAM);
        CHECK_STR_EQ(f[0].severity, "A");
        CHECK_STR_EQ(f[0].age, "b2");
        /* the assessment's sex, flags and baseline answers, from its form */
        CHECK_STR_EQ(f[0].sex, "female");
        CHECK_STR_EQ(f[0].flags, "self_generated,grooming");
        CHECK_STR_EQ(f[0].baseline, "real_child,sexual_focus");
        CHECK(f[1].sex == NULL && f[1].flags == NULL && f[1].baseline == NULL);
        CHECK(f[0].files == 1 && f[0].known_files == 1 && f[0].claimed_files == 0 &&
              f[0].urls == 1 && f[0].videos == 0);
        /* the second report of case a, untouched */
        CHECK_INT_EQ(f[1].duplicate, 1);
        CHECK(f[1].first_look_at == 0 && f[1].decided_at == 0 && f[1].state == NULL);
        CHECK(f[1].files == 1 && f[1].known_files == 0 && f[1].claimed_files == 1);
        /* assessed once: not decided yet */
        CHECK_INT_EQ(f[2].duplicate, 0);
        CHECK_INT_EQ(f[2].decided_at, 0);
        CHECK_STR_EQ(f[2].state, VG_ITEM_SECOND);
    }
    /* the period is [from, to) */
    memset(&seen, 0, sizeof seen);
    a = (facts_args){NOW + 10, NOW + 20, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK(seen.n == 1 && seen.f[0].id == r2);
    /* a consumer that stops ends the read with VG_ERR_ABORTED */
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    a = (facts_args){0, NOW + 1000, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_ERR_ABORTED);
    CHECK_INT_EQ(seen.n, 1);
    /* the facts follow later changes: the first report of case a moves to
     * case b, before b's own report (which becomes a duplicate, and a's
     * second report the first of its case); the second report is claimed,
     * then decided */
    MUST(s, .kind = STEP_SET_CASE, .id = r1, .number = cb);
    snprintf(target, sizeof target, "report:%" PRId64, r2);
    append(s, NOW + 600, "user:ann", "item.claim", target, "{}");
    vg_item decided = {.report_id = r2, .state = VG_ITEM_CONFIRMED, .version = 1,
                       .legal = VG_LEGAL_NOT_ILLEGAL};
    put_item(s, &decided, NOW + 700);
    memset(&seen, 0, sizeof seen);
    a = (facts_args){NOW, NOW + 1000, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK_INT_EQ(seen.n, 3);
    if (seen.n == 3) {
        const vg_report_fact *f = seen.f;
        CHECK(f[0].case_id == cb && f[0].duplicate == 0);
        CHECK(f[1].case_id == ca && f[1].duplicate == 0 && f[1].first_look_at == NOW + 600);
        CHECK_INT_EQ(f[1].decided_at, NOW + 700);
        CHECK_STR_EQ(f[1].legal, VG_LEGAL_NOT_ILLEGAL);
        CHECK(f[2].case_id == cb && f[2].duplicate == 1);
    }
    finish(s, loc);
}

/* The same facts whether a report's row was folded or not. */
static int same_facts(const facts_seen *a, const facts_seen *b)
{
    if (a->n != b->n || a->n > 8)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const vg_report_fact *x = &a->f[i], *y = &b->f[i];
        const int64_t xi[] = {x->id,       x->case_id,     x->created_at,    x->first_look_at,
                              x->decided_at, x->duplicate,  x->files,         x->known_files,
                              x->claimed_files, x->videos,  x->urls,          x->notices,
                              x->renotices, x->escalations, x->reappearances, x->notice_at,
                              x->removed_at, x->blocked,   x->appeals};
        const int64_t yi[] = {y->id,       y->case_id,     y->created_at,    y->first_look_at,
                              y->decided_at, y->duplicate,  y->files,         y->known_files,
                              y->claimed_files, y->videos,  y->urls,          y->notices,
                              y->renotices, y->escalations, y->reappearances, y->notice_at,
                              y->removed_at, y->blocked,   y->appeals};
        for (size_t k = 0; k < sizeof xi / sizeof xi[0]; k++)
            if (xi[k] != yi[k])
                return 0;
        const char *xt[] = {x->source, x->reporter_kind, x->category, x->language, x->country,
                            x->state,  x->legal,         x->severity, x->age,      x->host_country,
                            x->asn,    x->provider,      x->route,    x->sex,      x->flags,
                            x->baseline};
        const char *yt[] = {y->source, y->reporter_kind, y->category, y->language, y->country,
                            y->state,  y->legal,         y->severity, y->age,      y->host_country,
                            y->asn,    y->provider,      y->route,    y->sex,      y->flags,
                            y->baseline};
        for (size_t k = 0; k < sizeof xt / sizeof xt[0]; k++)
            if ((xt[k] == NULL) != (yt[k] == NULL) || (xt[k] && strcmp(xt[k], yt[k])))
                return 0;
    }
    return 1;
}

typedef struct fold_args {
    size_t limit, folded;
} fold_args;

static vg_status fold_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    fold_args *f = ctx;
    return vg_tx_stats_fold(tx, f->limit, &f->folded, err);
}

/* Fold batches of limit until one folds fewer; the batches it took. */
static int fold_all(vg_store *s, size_t limit)
{
    vg_error err;
    int batches = 0;
    fold_args f;
    do {
        f = (fold_args){limit, 0};
        CHECK(vg_store_write(s, fold_fn, &f, &err) == VG_OK);
        batches++;
    } while (f.folded == limit && batches < 100);
    return batches;
}

static void read_facts(vg_store *s, facts_seen *seen)
{
    memset(seen, 0, sizeof *seen);
    facts_args a = {0, NOW + 100000, seen};
    vg_error err;
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
}

/* Writes mark reports and folding stores their rows: reads give the same
 * facts before a fold, halfway through, after it, and after changes made
 * since (a report moved to another case, a claim, a decision), which the
 * folded rows do not show until the next fold. */
static void test_report_facts_fold(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0, r1 = 0, r2 = 0, r3 = 0;
    draft d1 = {.code = "H1", .url = "https://h.example/1", .sha256 = "t1",
                .known = VG_FILE_KNOWN, .vault_id = "w1"};
    draft d2 = {.code = "H2", .sha256 = "t2", .known = VG_FILE_CLAIMED};
    draft d3 = {.code = "H3", .url = "https://h.example/3"};
    vg_error err;
    CHECK(put_report(s, &d1, 0, NOW, &r1, &ca, &err) == VG_OK);
    CHECK(put_report(s, &d2, ca, NOW + 10, &r2, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d3, 0, NOW + 20, &r3, &cb, &err) == VG_OK);
    char target[32];
    snprintf(target, sizeof target, "report:%" PRId64, r1);
    append(s, NOW + 100, "user:ann", "item.claim", target, "{}");
    vg_item it = {.report_id = r1, .state = VG_ITEM_CONFIRMED, .version = 2,
                  .legal = VG_LEGAL_CSAM, .severity = "A", .age = "b2",
                  .final_json = "{\"legal\":\"illegal_csam\",\"sex\":\"female\","
                                "\"flags\":[\"self_generated\",\"grooming\"],"
                                "\"baseline\":[\"real_child\",\"sexual_focus\"]}"};
    put_item(s, &it, NOW + 300);

    facts_seen before, now;
    read_facts(s, &before);
    CHECK_INT_EQ(before.n, 3);
    CHECK(before.n == 3 && before.f[0].first_look_at == NOW + 100 && before.f[1].duplicate == 1 &&
          before.f[2].duplicate == 0);
    /* one mark at a time: every read between gives the same facts */
    fold_args one = {1, 0};
    CHECK(vg_store_write(s, fold_fn, &one, &err) == VG_OK);
    CHECK_INT_EQ(one.folded, 1);
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "the facts changed with a partial fold");
    CHECK(fold_all(s, 1) > 1);
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "the facts changed once folded");
    /* nothing left to fold */
    fold_args rest = {100, 7};
    CHECK(vg_store_write(s, fold_fn, &rest, &err) == VG_OK);
    CHECK_INT_EQ(rest.folded, 0);

    /* changes after the fold: r1 moves to case b, before b's own report
     * (which becomes a duplicate, and r2 the first of case a); r2 is
     * claimed, then decided */
    MUST(s, .kind = STEP_SET_CASE, .id = r1, .number = cb);
    snprintf(target, sizeof target, "report:%" PRId64, r2);
    append(s, NOW + 600, "user:ann", "item.claim", target, "{}");
    vg_item decided = {.report_id = r2, .state = VG_ITEM_CONFIRMED, .version = 1,
                       .legal = VG_LEGAL_NOT_ILLEGAL};
    put_item(s, &decided, NOW + 700);
    read_facts(s, &before);
    CHECK_INT_EQ(before.n, 3);
    if (before.n == 3) {
        const vg_report_fact *f = before.f;
        CHECK(f[0].case_id == cb && f[0].duplicate == 0);
        CHECK(f[1].case_id == ca && f[1].duplicate == 0 && f[1].first_look_at == NOW + 600);
        CHECK_INT_EQ(f[1].decided_at, NOW + 700);
        CHECK(f[2].case_id == cb && f[2].duplicate == 1);
    }
    fold_all(s, 2);
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "the facts changed once the changes were folded");
    finish(s, loc);
}

/* Read every fact, or the status and message of a read that fails. */
static vg_status try_read_facts(vg_store *s, facts_seen *seen, vg_error *err)
{
    memset(seen, 0, sizeof *seen);
    facts_args a = {0, NOW + 100000, seen};
    return vg_store_read(s, facts_tx, &a, err);
}

/* The folded facts are read from their day's pack (stats_packs): the same
 * facts as from the rows; a pack damaged behind the store's back is
 * refused with a message that says what to do, never read as other
 * figures; a fold that changes a day packs it again (mending it); a report
 * changed after its fold shows at once. */
static void test_report_facts_packs(void)
{
    if (!backend->packs_damage) {
        fprintf(stderr, "  (%s cannot damage a pack: skipped)\n", backend->name);
        return;
    }
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    /* NOW is 80,000 s into its day: the third report is of the next day */
    int64_t ca = 0, r1 = 0, r2 = 0, r3 = 0;
    draft d1 = {.code = "P1", .url = "https://p.example/1", .sha256 = "u1",
                .known = VG_FILE_KNOWN, .vault_id = "x1"};
    draft d2 = {.code = "P2", .sha256 = "u2", .known = VG_FILE_CLAIMED};
    draft d3 = {.code = "P3", .url = "https://p.example/3"};
    vg_error err;
    CHECK(put_report(s, &d1, 0, NOW, &r1, &ca, &err) == VG_OK);
    CHECK(put_report(s, &d2, ca, NOW + 10, &r2, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d3, 0, NOW + 10000, &r3, NULL, &err) == VG_OK);
    vg_item it = {.report_id = r1, .state = VG_ITEM_CONFIRMED, .version = 2,
                  .legal = VG_LEGAL_CSAM, .severity = "A", .age = "b2",
                  .final_json = "{\"legal\":\"illegal_csam\",\"sex\":\"female\","
                                "\"flags\":[\"grooming\"]}"};
    put_item(s, &it, NOW + 300);
    facts_seen before, now;
    read_facts(s, &before);
    CHECK_INT_EQ(before.n, 3);
    fold_all(s, 100);
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "the facts changed once packed");
    /* the facts a read gives come from the packs: damaged, they are
     * refused; a claim on a report of each day, folded, packs both days
     * again */
    const char *hows[] = {"flip", "cut"};
    for (size_t i = 0; i < 2; i++) {
        CHECK_MSG(backend->packs_damage(backend->ctx, loc, hows[i]), "damage %s", hows[i]);
        vg_error_clear(&err);
        CHECK_MSG(try_read_facts(s, &now, &err) == VG_ERR_CORRUPT,
                  "a pack damaged (%s) was read", hows[i]);
        CHECK_MSG(strstr(err.message, "stats_packs") != NULL, "%s", err.message);
        const int64_t claimed[] = {r1, r3};
        for (size_t k = 0; k < 2; k++) {
            char target[32];
            snprintf(target, sizeof target, "report:%" PRId64, claimed[k]);
            append(s, NOW + 20000 + (int64_t)(2 * i + k), "user:ann", "item.claim", target,
                   "{}");
        }
        fold_all(s, 100);
        vg_error_clear(&err);
        CHECK_MSG(try_read_facts(s, &now, &err) == VG_OK, "%s", err.message);
    }
    read_facts(s, &now);
    CHECK_INT_EQ(now.n, 3);
    CHECK(now.n == 3 && now.f[2].first_look_at == NOW + 20001);
    /* a report changed after its fold: its pack is not read for it */
    read_facts(s, &before);
    char target[32];
    snprintf(target, sizeof target, "report:%" PRId64, r2);
    append(s, NOW + 600, "user:ann", "item.claim", target, "{}");
    read_facts(s, &now);
    CHECK_INT_EQ(now.n, 3);
    CHECK(now.n == 3 && now.f[1].id == r2 && now.f[1].first_look_at == NOW + 600);
    CHECK(before.n == 3 && before.f[1].first_look_at == 0);
    fold_all(s, 100);
    read_facts(s, &before);
    CHECK_MSG(same_facts(&before, &now), "the facts changed once the claim was folded");
    /* a day without a pack, before a packed one, is read from its rows
     * (PostgreSQL: once the packs' stream, decoded as it arrives, ends) */
    CHECK(backend->packs_damage(backend->ctx, loc, "drop"));
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "a day without its pack was not read from its rows");
    /* and the days after the last pack (here no pack is left) */
    CHECK(backend->packs_damage(backend->ctx, loc, "drop_last"));
    read_facts(s, &now);
    CHECK_MSG(same_facts(&before, &now), "the days after the last pack were not read");
    /* a claim on a report of each day, folded, packs both days again */
    const int64_t reclaimed[] = {r1, r3};
    for (size_t k = 0; k < 2; k++) {
        snprintf(target, sizeof target, "report:%" PRId64, reclaimed[k]);
        append(s, NOW + 30000 + (int64_t)k, "user:ann", "item.claim", target, "{}");
    }
    fold_all(s, 100);
    /* a pack filed under another day (the last day's, on the next) */
    CHECK(backend->packs_damage(backend->ctx, loc, "move"));
    vg_error_clear(&err);
    CHECK(try_read_facts(s, &now, &err) == VG_ERR_CORRUPT);
    CHECK_MSG(strstr(err.message, "another day") != NULL, "%s", err.message);
    finish(s, loc);
}

/* Orientation and action in a report's fact: its first taken route's
 * (approved by a person or automatically; else its first route's) hosting
 * country, AS and provider (the notified host's, as its notice keeps it,
 * else the route's first address as the hosting lookup stores it) and most
 * urgent action (a route only proposed is no route taken); over all its
 * notices, those sent, the messages after each first, escalations,
 * reappearances, the first message's time and the removal once every
 * notified URL is gone. */
static void put_notice(vg_store *s, vg_notice_row *row)
{
    notice_probe p = {.put = row};
    vg_error err;
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    row->id = p.id; /* the second put writes every field */
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
}

/* A hosting lookup's facts as routing keeps them (hotline/routing.c). */
#define HOSTING_OF(addresses) "{\"host\":\"g.example\",\"addresses\":[" addresses "]}"
#define HOSTING_ADDRESS(ip, country, asn, as_name, contact)                                        \
    "{\"ip\":\"" ip "\",\"country\":\"" country "\",\"asn\":" asn ",\"as_name\":\"" as_name        \
    "\",\"anycast\":false,\"abuse_contact\":\"" contact "\",\"contact_source\":\"rdap\","          \
    "\"note\":\"\"}"

static void test_report_facts_action(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t ca = 0, cb = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0;
    draft d1 = {.code = "G1", .url = "https://g.example/1"};
    draft d2 = {.code = "G2", .url = "https://g.example/2"};
    draft d3 = {.code = "G3", .url = "https://g.example/3"};
    draft d4 = {.code = "G4", .url = "https://g.example/4"};
    draft d5 = {.code = "G5", .url = "https://g.example/5"};
    vg_error err;
    CHECK(put_report(s, &d1, 0, NOW, &r1, &ca, &err) == VG_OK);
    CHECK(put_report(s, &d2, 0, NOW + 10, &r2, &cb, &err) == VG_OK);
    CHECK(put_report(s, &d3, 0, NOW + 20, &r3, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d4, 0, NOW + 21, &r4, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d5, 0, NOW + 22, &r5, NULL, &err) == VG_OK);
    vg_url_route_row routes[] = {
        /* notified at its second address, whose AS has the abuse contact */
        {.report_id = r1, .url = "https://g.example/1", .state = VG_URL_ROUTE_APPROVED,
         .actions = "notice_host,refer_police", .reasons = "x", .country = "FR",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.1", "FR", "64500", "ONE-AS", "") ","
                                   HOSTING_ADDRESS("192.0.2.2", "FR", "64502", "CONTACT-AS",
                                                   "abuse@contact.example")),
         .created_at = NOW + 30},
        {.report_id = r1, .url = "https://g.example/1b", .state = VG_URL_ROUTE_APPROVED,
         .actions = "notice_host", .reasons = "x", .country = "DE",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.3", "DE", "64501", "TWO-AS", "")),
         .created_at = NOW + 31},
        /* proposed first, then the second URL's route approved automatically */
        {.report_id = r2, .url = "https://g.example/2", .state = VG_URL_ROUTE_PROPOSED,
         .actions = "analyst_decides", .reasons = "x", .country = "NL",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.4", "NL", "64520", "PROPOSED-AS", "")),
         .created_at = NOW + 32},
        {.report_id = r2, .url = "https://g.example/2b", .state = VG_URL_ROUTE_AUTOMATIC,
         .actions = "forward_partner", .reasons = "x", .country = "",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.5", "", "0", "", "")),
         .created_at = NOW + 33},
        /* approved, no notice: the route's first address */
        {.report_id = r4, .url = "https://g.example/4", .state = VG_URL_ROUTE_APPROVED,
         .actions = "forward_partner", .reasons = "x", .country = "BE",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.6", "BE", "64510", "FOUR-AS", "") ","
                                   HOSTING_ADDRESS("192.0.2.7", "BE", "64511", "FIVE-AS", "")),
         .created_at = NOW + 34},
        /* only proposed: where it is hosted is known, no route is taken */
        {.report_id = r5, .url = "https://g.example/5", .state = VG_URL_ROUTE_PROPOSED,
         .actions = "notice_host", .reasons = "x", .country = "PL",
         .hosting = HOSTING_OF(HOSTING_ADDRESS("192.0.2.8", "PL", "64530", "SIX-AS", "")),
         .created_at = NOW + 35},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        route_probe rp = {.put = &routes[i]};
        CHECK(vg_store_write(s, route_put_fn, &rp, &err) == VG_OK);
    }
    vg_notice_row first = {.report_id = r1, .case_id = ca, .url = "https://g.example/1",
                           .state = "removed", .provider = "Hosting One", .sent_count = 3,
                           .created_at = NOW + 40, .first_sent_at = NOW + 100,
                           .last_sent_at = NOW + 300, .escalated_at = NOW + 500,
                           .removed_at = NOW + 1000, .reappeared_count = 1,
                           .asn = 64502, .as_name = "CONTACT-AS", .host_country = "FR"};
    vg_notice_row second = {.report_id = r1, .case_id = ca, .url = "https://g.example/1b",
                            .state = "removed", .sent_count = 1, .created_at = NOW + 41,
                            .first_sent_at = NOW + 200, .last_sent_at = NOW + 200,
                            .removed_at = NOW + 900, .asn = 64501, .as_name = "TWO-AS",
                            .host_country = "DE"};
    vg_notice_row unsent = {.report_id = r2, .case_id = cb, .url = "https://g.example/2b",
                            .state = "new", .created_at = NOW + 42};
    put_notice(s, &first);
    put_notice(s, &second);
    put_notice(s, &unsent);

    facts_seen seen = {0};
    facts_args a = {NOW, NOW + 1000, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK_INT_EQ(seen.n, 5);
    if (seen.n == 5) {
        const vg_report_fact *f = seen.f;
        CHECK_STR_EQ(f[0].host_country, "FR");
        CHECK_STR_EQ(f[0].asn, "AS64502");
        CHECK_STR_EQ(f[0].provider, "Hosting One");
        CHECK_STR_EQ(f[0].route, "notice_host,refer_police");
        CHECK_INT_EQ(f[0].notices, 2);
        CHECK_INT_EQ(f[0].renotices, 2);
        CHECK_INT_EQ(f[0].escalations, 1);
        CHECK_INT_EQ(f[0].reappearances, 1);
        CHECK_INT_EQ(f[0].notice_at, NOW + 100);
        CHECK_INT_EQ(f[0].removed_at, NOW + 1000);
        /* the route taken, not the one proposed before it; its notice not
         * sent yet, no host found */
        CHECK_MSG(f[1].host_country == NULL && f[1].asn == NULL && f[1].provider == NULL,
                  "%s %s %s", f[1].host_country ? f[1].host_country : "-",
                  f[1].asn ? f[1].asn : "-", f[1].provider ? f[1].provider : "-");
        CHECK_STR_EQ(f[1].route, "forward_partner");
        CHECK(f[1].notices == 0 && f[1].renotices == 0 && f[1].escalations == 0 &&
              f[1].notice_at == 0 && f[1].removed_at == 0);
        /* not routed */
        CHECK(f[2].route == NULL && f[2].host_country == NULL && f[2].asn == NULL &&
              f[2].provider == NULL && f[2].notices == 0);
        /* no notice: the route's first address */
        CHECK_STR_EQ(f[3].host_country, "BE");
        CHECK_STR_EQ(f[3].asn, "AS64510");
        CHECK_STR_EQ(f[3].provider, "FOUR-AS");
        CHECK_STR_EQ(f[3].route, "forward_partner");
        /* proposed only: hosted in PL, but no route taken */
        CHECK_STR_EQ(f[4].host_country, "PL");
        CHECK_STR_EQ(f[4].asn, "AS64530");
        CHECK_MSG(f[4].route == NULL, "a proposed route counted as taken: %s", f[4].route);
    }
    /* once folded, approving the proposed route takes it */
    fold_all(s, 100);
    route_probe rp = {.report_id = r5};
    CHECK(vg_store_read(s, routes_fn, &rp, &err) == VG_OK && rp.row_count == 1);
    if (rp.row_count == 1) {
        vg_url_route_row approve = rp.rows[0];
        approve.state = VG_URL_ROUTE_APPROVED;
        approve.decided_by = "bob";
        approve.decided_at = NOW + 50;
        routing_probe dp = {.next = &approve, .was_state = VG_URL_ROUTE_PROPOSED,
                            .was_actions = "notice_host", .was_changed_by = ""};
        CHECK(vg_store_write(s, route_decide_fn, &dp, &err) == VG_OK && dp.changed == 1);
    }
    vg_url_route_rows_free(rp.rows, rp.row_count);
    memset(&seen, 0, sizeof seen);
    a = (facts_args){NOW + 22, NOW + 23, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK(seen.n == 1 && seen.f[0].route && !strcmp(seen.f[0].route, "notice_host"));
    /* one notified URL back up: the report is not removed */
    second.removed_at = 0;
    notice_probe p = {.put = &second};
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    /* and the provider of the first route's notice unsaid: its host's AS name */
    first.provider = "";
    p = (notice_probe){.put = &first};
    CHECK(vg_store_write(s, notice_put_fn, &p, &err) == VG_OK);
    memset(&seen, 0, sizeof seen);
    a = (facts_args){NOW, NOW + 1, &seen};
    CHECK(vg_store_read(s, facts_tx, &a, &err) == VG_OK);
    CHECK(seen.n == 1 && seen.f[0].removed_at == 0 && seen.f[0].notices == 2);
    CHECK(seen.n == 1 && seen.f[0].provider && !strcmp(seen.f[0].provider, "CONTACT-AS"));
    finish(s, loc);
}

/* ---- a withdrawn bank entry (vg_tx_files_unmatch) ---- */

typedef struct unmatch_args {
    const char *bank, *entry;
    int64_t *ids;
    size_t count;
    int64_t report; /* then read this report's file */
    vg_item_file *files;
    size_t file_count;
} unmatch_args;

static vg_status unmatch_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    unmatch_args *a = ctx;
    free(a->ids);
    a->ids = NULL;
    vg_status st = vg_tx_files_unmatch(tx, a->bank, a->entry, &a->ids, &a->count, err);
    return st;
}

static vg_status report_files_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    unmatch_args *a = ctx;
    vg_item_files_free(a->files, a->file_count);
    a->files = NULL;
    return vg_tx_files(tx, a->report, 0, &a->files, &a->file_count, err);
}

static void test_files_unmatch(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    /* R1 and R3 matched ncmec's E1, R2 ncmec's E2, R4 another bank's E1 */
    draft d1 = {.code = "U1", .sha256 = "S1", .vault_id = "v-1", .known = VG_FILE_KNOWN,
                .bank = "ncmec", .bank_entry = "E1"};
    draft d2 = {.code = "U2", .sha256 = "S2", .vault_id = "v-2", .known = VG_FILE_KNOWN,
                .bank = "ncmec", .bank_entry = "E2"};
    draft d3 = {.code = "U3", .sha256 = "S3", .known = VG_FILE_CLAIMED, .bank = "ncmec",
                .bank_entry = "E1"};
    draft d4 = {.code = "U4", .sha256 = "S4", .vault_id = "v-4", .known = VG_FILE_KNOWN,
                .bank = "other", .bank_entry = "E1"};
    int64_t r1 = must_put(s, &d1, 0, NULL), r2 = must_put(s, &d2, 0, NULL);
    int64_t r3 = must_put(s, &d3, 0, NULL), r4 = must_put(s, &d4, 0, NULL);
    vg_error err;
    /* a read transaction may not */
    unmatch_args a = {.bank = "ncmec", .entry = "E1"};
    CHECK(vg_store_read(s, unmatch_tx, &a, &err) != VG_OK);
    CHECK_INT_EQ(a.count, 0);
    CHECK_MSG(vg_store_write(s, unmatch_tx, &a, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(a.count, 2);
    if (a.count == 2) {
        CHECK_INT_EQ(a.ids[0], r1);
        CHECK_INT_EQ(a.ids[1], r3);
    }
    const int64_t reports[] = {r1, r2, r3, r4};
    const char *banks[] = {NULL, "ncmec", NULL, "other"};
    const char *entries[] = {NULL, "E2", NULL, "E1"};
    const int known[] = {VG_FILE_NEW, VG_FILE_KNOWN, VG_FILE_NEW, VG_FILE_KNOWN};
    for (int i = 0; i < 4; i++) {
        a.report = reports[i];
        CHECK(vg_store_read(s, report_files_tx, &a, &err) == VG_OK);
        CHECK_INT_EQ(a.file_count, 1);
        if (a.file_count != 1)
            continue;
        CHECK_INT_EQ(a.files[0].known, known[i]);
        if (banks[i]) {
            CHECK_STR_EQ(a.files[0].bank, banks[i]);
            CHECK_STR_EQ(a.files[0].bank_entry, entries[i]);
        } else {
            CHECK(a.files[0].bank == NULL && a.files[0].bank_entry == NULL);
        }
        /* the file itself stays */
        CHECK(a.files[0].sha256 != NULL);
    }
    /* done once: nothing matched it any more */
    CHECK(vg_store_write(s, unmatch_tx, &a, &err) == VG_OK);
    CHECK_INT_EQ(a.count, 0);
    CHECK(a.ids == NULL);
    vg_item_files_free(a.files, a.file_count);
    free(a.ids);
    finish(s, loc);
}

/* ---- the transparency log (store/tlog.h) -------------------------------- */

typedef struct tlog_args {
    uint64_t index, size;
    const char *entry;
    vg_tlog_hash_row hashes[2];
    size_t count;
    unsigned level;
    unsigned char out[3 * 32];
    char *texts[3];
    size_t lens[3];
    char *note;
} tlog_args;

static vg_status tlog_append_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_append(tx, a->index, a->entry, strlen(a->entry), a->hashes, a->count, err);
}

static vg_status tlog_size_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_size(tx, &a->size, err);
}

static vg_status tlog_hashes_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_hashes(tx, a->level, a->index, a->count, a->out, err);
}

static vg_status tlog_entries_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_entries(tx, a->index, a->count, a->texts, a->lens, err);
}

static vg_status tlog_checkpoint_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_checkpoint_put(tx, a->size, a->note, NOW, err);
}

static vg_status tlog_checkpoint_latest_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    tlog_args *a = ctx;
    return vg_tx_tlog_checkpoint_latest(tx, &a->size, &a->note, err);
}

/* Entries append in order only, with the hashes they complete; hashes and
 * entries read back by range, a missing one refused; checkpoints keep the
 * first of a size and give the largest. */
static void test_tlog(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    tlog_args a = {0};
    CHECK(vg_store_read(s, tlog_size_fn, &a, &err) == VG_OK && a.size == 0);
    a.entry = "first\nentry";
    a.hashes[0] = (vg_tlog_hash_row){0, 0, {1}};
    a.count = 1;
    CHECK(vg_store_write(s, tlog_append_fn, &a, &err) == VG_OK);
    /* a gap, or the same index again, is refused and leaves nothing */
    a.index = 2;
    a.hashes[0] = (vg_tlog_hash_row){0, 2, {9}};
    CHECK(vg_store_write(s, tlog_append_fn, &a, &err) == VG_ERR_INVALID);
    a.index = 0;
    CHECK(vg_store_write(s, tlog_append_fn, &a, &err) == VG_ERR_INVALID);
    a.index = 1;
    a.entry = "second";
    a.hashes[0] = (vg_tlog_hash_row){0, 1, {2}};
    a.hashes[1] = (vg_tlog_hash_row){1, 0, {3, [31] = 0xff}};
    a.count = 2;
    CHECK(vg_store_write(s, tlog_append_fn, &a, &err) == VG_OK);
    CHECK(vg_store_read(s, tlog_size_fn, &a, &err) == VG_OK && a.size == 2);
    /* appending is a write */
    CHECK(vg_store_read(s, tlog_append_fn, &a, &err) == VG_ERR_INVALID);

    a.level = 0;
    a.index = 0;
    a.count = 2;
    CHECK(vg_store_read(s, tlog_hashes_fn, &a, &err) == VG_OK);
    CHECK(a.out[0] == 1 && a.out[32] == 2 && a.out[33] == 0);
    a.level = 1;
    a.count = 1;
    CHECK(vg_store_read(s, tlog_hashes_fn, &a, &err) == VG_OK);
    CHECK(a.out[0] == 3 && a.out[31] == 0xff);
    a.level = 0;
    a.count = 3;
    CHECK(vg_store_read(s, tlog_hashes_fn, &a, &err) == VG_ERR_INVALID);

    a.index = 0;
    a.count = 2;
    CHECK(vg_store_read(s, tlog_entries_fn, &a, &err) == VG_OK);
    CHECK_STR_EQ(a.texts[0], "first\nentry");
    CHECK_STR_EQ(a.texts[1], "second");
    CHECK(a.lens[0] == 11 && a.lens[1] == 6);
    free(a.texts[0]);
    free(a.texts[1]);
    a.index = 1;
    CHECK(vg_store_read(s, tlog_entries_fn, &a, &err) == VG_ERR_INVALID);
    CHECK(a.texts[0] == NULL && a.texts[1] == NULL);

    CHECK(vg_store_read(s, tlog_checkpoint_latest_fn, &a, &err) == VG_OK);
    CHECK(a.note == NULL && a.size == 0);
    a.size = 1;
    a.note = "note of 1";
    CHECK(vg_store_write(s, tlog_checkpoint_put_fn, &a, &err) == VG_OK);
    a.size = 2;
    a.note = "note of 2";
    CHECK(vg_store_write(s, tlog_checkpoint_put_fn, &a, &err) == VG_OK);
    a.note = "another note of 2";
    CHECK(vg_store_write(s, tlog_checkpoint_put_fn, &a, &err) == VG_OK);
    a.size = 0;
    a.note = NULL;
    CHECK(vg_store_read(s, tlog_checkpoint_latest_fn, &a, &err) == VG_OK);
    CHECK(a.size == 2);
    CHECK_STR_EQ(a.note, "note of 2");
    free(a.note);
    finish(s, loc);
}

/* ---- the blocking list ------------------------------------------------- */

typedef struct block_probe {
    const vg_block_entry *put;
    const vg_block_appeal *appeal;
    vg_block_filter filter;
    int64_t id, version;
    vg_block_entry *rows;
    vg_block_appeal *appeals;
    size_t count;
    int64_t appeal_id, appeal_entry;
    const char *appeal_state;
} block_probe;

static vg_status block_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_block_put(tx, p->put, &p->id, err);
}

static vg_status blocks_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_blocks(tx, &p->filter, 100, &p->rows, &p->count, err);
}

static vg_status version_next_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_blocklist_version_next(tx, &p->version, err);
}

static vg_status version_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_blocklist_version(tx, &p->version, err);
}

static vg_status appeal_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_appeal_put(tx, p->appeal, &p->id, err);
}

static vg_status appeals_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    block_probe *p = ctx;
    return vg_tx_appeals(tx, p->appeal_id, p->appeal_entry, p->appeal_state, 100, &p->appeals,
                         &p->count, err);
}

static size_t blocks_count(vg_store *s, vg_block_filter f, int64_t *first_id)
{
    block_probe p = {.filter = f};
    vg_error err;
    CHECK(vg_store_read(s, blocks_fn, &p, &err) == VG_OK);
    if (first_id)
        *first_id = p.count ? p.rows[0].id : 0;
    size_t n = p.count;
    vg_block_entries_free(p.rows, p.count);
    return n;
}

static void test_blocklist(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    block_probe p = {0};
    CHECK(vg_store_read(s, version_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.version, 0);
    CHECK(vg_store_read(s, version_next_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK(vg_store_write(s, version_next_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.version, 1);
    CHECK(vg_store_write(s, version_next_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.version, 2);
    CHECK(vg_store_read(s, version_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.version, 2);

    vg_block_entry a = {.target = "http://one.test/a.jpg", .kind = VG_BLOCK_KIND_URL,
                        .route_id = 11, .report_id = 21, .proposed_by = "ann",
                        .proposed_at = NOW, .legal_basis = "Art. 1", .category = "csam",
                        .state = VG_BLOCK_PROPOSED};
    p = (block_probe){.put = &a};
    CHECK_MSG(vg_store_write(s, block_put_fn, &p, &err) == VG_OK, "%s", err.message);
    int64_t first = p.id;
    CHECK(first > 0);
    CHECK(vg_store_read(s, block_put_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    /* one live entry per target */
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_ERR_INVALID);
    vg_block_entry b = {.target = "two.test", .kind = VG_BLOCK_KIND_DOMAIN, .route_id = 12,
                        .report_id = 22, .proposed_by = "bob", .proposed_at = NOW + 1,
                        .state = VG_BLOCK_PROPOSED}; /* NULL strings kept as "" */
    p = (block_probe){.put = &b};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    int64_t second = p.id;
    CHECK(second > first);

    /* an update replaces every field but the identity */
    vg_block_entry up = a;
    up.id = first;
    up.target = "http://elsewhere.test/";
    up.kind = VG_BLOCK_KIND_DOMAIN;
    up.route_id = 99;
    up.report_id = 98;
    up.proposed_by = "mallory";
    up.proposed_at = 5;
    up.approved_by = "sam";
    up.approved_at = NOW + 10;
    up.legal_basis = "Order 7";
    up.category = "other";
    up.starts_at = NOW + 10;
    up.expires_at = NOW + 1000;
    up.review_at = NOW + 500;
    up.state = VG_BLOCK_LISTED;
    up.removal_reason = "x";
    up.removed_at = 3;
    up.renewal_by = "bob";
    up.listed_version = 3;
    up.removed_version = 0;
    p = (block_probe){.put = &up};
    CHECK_MSG(vg_store_write(s, block_put_fn, &p, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(p.id, first);
    p = (block_probe){.filter = {.id = first}};
    CHECK(vg_store_read(s, blocks_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    if (p.count == 1) {
        vg_block_entry *e = &p.rows[0];
        CHECK_STR_EQ(e->target, "http://one.test/a.jpg");
        CHECK_STR_EQ(e->kind, VG_BLOCK_KIND_URL);
        CHECK_INT_EQ(e->route_id, 11);
        CHECK_INT_EQ(e->report_id, 21);
        CHECK_STR_EQ(e->proposed_by, "ann");
        CHECK_INT_EQ(e->proposed_at, NOW);
        CHECK_STR_EQ(e->approved_by, "sam");
        CHECK_INT_EQ(e->approved_at, NOW + 10);
        CHECK_STR_EQ(e->legal_basis, "Order 7");
        CHECK_STR_EQ(e->category, "other");
        CHECK_INT_EQ(e->starts_at, NOW + 10);
        CHECK_INT_EQ(e->expires_at, NOW + 1000);
        CHECK_INT_EQ(e->review_at, NOW + 500);
        CHECK_STR_EQ(e->state, VG_BLOCK_LISTED);
        CHECK_STR_EQ(e->removal_reason, "x");
        CHECK_INT_EQ(e->removed_at, 3);
        CHECK_STR_EQ(e->renewal_by, "bob");
        CHECK_INT_EQ(e->listed_version, 3);
        CHECK_INT_EQ(e->removed_version, 0);
    }
    vg_block_entries_free(p.rows, p.count);
    p = (block_probe){.filter = {.id = second}};
    CHECK(vg_store_read(s, blocks_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    if (p.count == 1) {
        CHECK_STR_EQ(p.rows[0].legal_basis, "");
        CHECK_STR_EQ(p.rows[0].approved_by, "");
    }
    vg_block_entries_free(p.rows, p.count);
    vg_block_entry none = up;
    none.id = first + 1000;
    p = (block_probe){.put = &none};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_ERR_INVALID);

    /* removed: the target may be proposed again */
    up.state = VG_BLOCK_REMOVED;
    up.removal_reason = VG_BLOCK_EXPIRED;
    up.removed_version = 5;
    p = (block_probe){.put = &up};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    p = (block_probe){.put = &a};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    int64_t third = p.id;

    /* filters */
    int64_t id = 0;
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){0}, &id), 3);
    CHECK_INT_EQ(id, third); /* newest first */
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.state = VG_BLOCK_PROPOSED}, NULL), 2);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.kind = VG_BLOCK_KIND_DOMAIN}, NULL), 1);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.report_id = 21}, NULL), 2);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.route_id = 12}, &id), 1);
    CHECK_INT_EQ(id, second);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.target = "two.test"}, NULL), 1);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.target = "two.tes"}, NULL), 0);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.legal_basis = "Order 7"}, &id), 1);
    CHECK_INT_EQ(id, first);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.legal_basis = "Art. 1"}, &id), 1);
    CHECK_INT_EQ(id, third);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.legal_basis = "Art."}, NULL), 0);
    /* a page further on: the same order, the first ones skipped */
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.offset = 1}, &id), 2);
    CHECK_INT_EQ(id, second);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.offset = 2, .report_id = 21}, NULL), 0);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.offset = 1, .report_id = 21}, &id), 1);
    CHECK_INT_EQ(id, first);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.offset = -4}, NULL), 3);
    /* listed at a version: added at or before it, not removed by then */
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.at_version = 2}, NULL), 0);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.at_version = 3}, &id), 1);
    CHECK_INT_EQ(id, first);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.at_version = 4}, NULL), 1);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.at_version = 5}, NULL), 0);
    /* expiring: listed only, soonest first */
    vg_block_entry l2 = b;
    l2.id = second;
    l2.state = VG_BLOCK_LISTED;
    l2.expires_at = NOW + 300;
    l2.listed_version = 6;
    p = (block_probe){.put = &l2};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.expires_before = NOW + 299}, NULL), 0);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.expires_before = NOW + 300}, &id), 1);
    CHECK_INT_EQ(id, second);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.expires_before = NOW + 5000}, NULL), 1);
    CHECK_INT_EQ(blocks_count(s, (vg_block_filter){.at_version = 6}, NULL), 1);

    /* appeals */
    vg_block_appeal ap = {.entry_id = second, .url = "http://two.test/x", .reason = "mine",
                          .created_at = NOW + 50, .state = VG_APPEAL_OPEN};
    p = (block_probe){.appeal = &ap};
    CHECK(vg_store_read(s, appeal_put_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK_MSG(vg_store_write(s, appeal_put_fn, &p, &err) == VG_OK, "%s", err.message);
    int64_t ap1 = p.id;
    CHECK(ap1 > 0);
    vg_block_appeal ap2 = {.url = "http://nowhere.test/", .reason = "?", .contact = "me@x.test",
                           .created_at = NOW + 51, .state = VG_APPEAL_OPEN};
    p = (block_probe){.appeal = &ap2};
    CHECK(vg_store_write(s, appeal_put_fn, &p, &err) == VG_OK);
    int64_t ap2id = p.id;
    vg_block_appeal dec = ap;
    dec.id = ap1;
    dec.url = "changed"; /* ignored */
    dec.reason = "changed";
    dec.created_at = 1;
    dec.state = VG_APPEAL_GRANTED;
    dec.decided_by = "sam";
    dec.decided_at = NOW + 60;
    dec.decision = "news article";
    p = (block_probe){.appeal = &dec};
    CHECK(vg_store_write(s, appeal_put_fn, &p, &err) == VG_OK);
    dec.id = ap2id + 100;
    p = (block_probe){.appeal = &dec};
    CHECK(vg_store_write(s, appeal_put_fn, &p, &err) == VG_ERR_INVALID);
    p = (block_probe){0};
    CHECK(vg_store_read(s, appeals_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 2);
    if (p.count == 2) {
        vg_block_appeal *x = &p.appeals[0]; /* oldest first */
        CHECK_INT_EQ(x->id, ap1);
        CHECK_INT_EQ(x->entry_id, second);
        CHECK_STR_EQ(x->url, "http://two.test/x");
        CHECK_STR_EQ(x->reason, "mine");
        CHECK_STR_EQ(x->contact, "");
        CHECK_INT_EQ(x->created_at, NOW + 50);
        CHECK_STR_EQ(x->state, VG_APPEAL_GRANTED);
        CHECK_STR_EQ(x->decided_by, "sam");
        CHECK_INT_EQ(x->decided_at, NOW + 60);
        CHECK_STR_EQ(x->decision, "news article");
        CHECK_STR_EQ(p.appeals[1].contact, "me@x.test");
        CHECK_INT_EQ(p.appeals[1].entry_id, 0);
    }
    vg_block_appeals_free(p.appeals, p.count);
    p = (block_probe){.appeal_state = VG_APPEAL_OPEN};
    CHECK(vg_store_read(s, appeals_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    if (p.count == 1)
        CHECK_INT_EQ(p.appeals[0].id, ap2id);
    vg_block_appeals_free(p.appeals, p.count);
    p = (block_probe){.appeal_entry = second};
    CHECK(vg_store_read(s, appeals_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    vg_block_appeals_free(p.appeals, p.count);
    p = (block_probe){.appeal_id = ap2id};
    CHECK(vg_store_read(s, appeals_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 1);
    vg_block_appeals_free(p.appeals, p.count);
    finish(s, loc);
}

/* A report's fact counts its blocking list entries once approved (not
 * while proposed), and the appeals against them, whether folded or not. */
static void test_report_facts_blocklist(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r1 = 0, r2 = 0;
    draft d1 = {.code = "K1", .url = "https://k.example/1"};
    draft d2 = {.code = "K2", .url = "https://k.example/2"};
    vg_error err;
    CHECK(put_report(s, &d1, 0, NOW, &r1, NULL, &err) == VG_OK);
    CHECK(put_report(s, &d2, 0, NOW + 10, &r2, NULL, &err) == VG_OK);
    vg_block_entry a = {.target = "https://k.example/1", .kind = VG_BLOCK_KIND_URL,
                        .route_id = 1, .report_id = r1, .proposed_by = "ann",
                        .proposed_at = NOW + 20, .legal_basis = "Art. 1", .category = "csam",
                        .state = VG_BLOCK_PROPOSED};
    vg_block_entry b = a;
    b.target = "k.example";
    b.kind = VG_BLOCK_KIND_DOMAIN;
    block_probe p = {.put = &a};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    a.id = p.id;
    p = (block_probe){.put = &b};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    b.id = p.id;
    facts_seen seen;
    read_facts(s, &seen);
    CHECK(seen.n == 2 && seen.f[0].blocked == 0 && seen.f[0].appeals == 0);
    fold_all(s, 10);
    /* both approved, one appealed twice; the other report has none */
    a.approved_by = b.approved_by = "sam";
    a.approved_at = b.approved_at = NOW + 30;
    a.state = b.state = VG_BLOCK_LISTED;
    p = (block_probe){.put = &a};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    p = (block_probe){.put = &b};
    CHECK(vg_store_write(s, block_put_fn, &p, &err) == VG_OK);
    for (int i = 0; i < 2; i++) {
        vg_block_appeal ap = {.entry_id = b.id, .url = "https://k.example/x", .reason = "mine",
                              .contact = "", .created_at = NOW + 40 + i,
                              .state = VG_APPEAL_OPEN, .decided_by = "", .decision = ""};
        p = (block_probe){.appeal = &ap};
        CHECK(vg_store_write(s, appeal_put_fn, &p, &err) == VG_OK);
    }
    facts_seen folded;
    read_facts(s, &seen);
    CHECK_INT_EQ(seen.n, 2);
    if (seen.n == 2) {
        CHECK_INT_EQ(seen.f[0].blocked, 2);
        CHECK_INT_EQ(seen.f[0].appeals, 2);
        CHECK(seen.f[1].blocked == 0 && seen.f[1].appeals == 0);
    }
    fold_all(s, 10);
    read_facts(s, &folded);
    CHECK_MSG(same_facts(&seen, &folded), "the blocking list's figures changed once folded");
    CHECK(folded.n == 2 && folded.f[0].blocked == 2 && folded.f[0].appeals == 2);
    finish(s, loc);
}

/* ---- the crawl job's targets (store/crawl.h) -------------------------------- */

typedef struct crawl_probe {
    int64_t now, due_at, added;
    const vg_crawl_target *put;
    int inserted, live;
    const char *url;
    vg_crawl_target *rows;
    size_t count;
} crawl_probe;

static vg_status crawl_seed_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    crawl_probe *p = ctx;
    return vg_tx_crawl_seed(tx, p->now, &p->added, err);
}

static vg_status crawl_add_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    crawl_probe *p = ctx;
    return vg_tx_crawl_target_add(tx, p->put, &p->inserted, err);
}

static vg_status crawl_done_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    crawl_probe *p = ctx;
    return vg_tx_crawl_target_done(tx, p->put, err);
}

static vg_status crawl_targets_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    crawl_probe *p = ctx;
    return vg_tx_crawl_targets(tx, p->due_at, 100, &p->rows, &p->count, err);
}

static vg_status crawl_live_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    crawl_probe *p = ctx;
    return vg_tx_crawl_url_live(tx, p->url, &p->live, err);
}

static size_t crawl_due(vg_store *s, int64_t due_at, crawl_probe *p)
{
    vg_error err;
    vg_crawl_targets_free(p->rows, p->count);
    *p = (crawl_probe){.due_at = due_at};
    CHECK_MSG(vg_store_read(s, crawl_targets_fn, p, &err) == VG_OK, "%s", err.message);
    return p->count;
}

static int crawl_live(vg_store *s, const char *url)
{
    crawl_probe p = {.url = url, .live = -1};
    vg_error err;
    CHECK_MSG(vg_store_read(s, crawl_live_fn, &p, &err) == VG_OK, "%s", err.message);
    return p.live;
}

/* Targets are seeded from reports' URLs (not the crawler's own reports),
 * added once per URL, read by when they are due, and keep what the last
 * crawl did; a URL is live until a notice of its report saw it removed. */
static void test_crawl_targets(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    int64_t r[9], ca = 0, cb = 0;
    items_setup(s, r, &ca, &cb);
    vg_error err;
    /* a picture the crawler found: its URL is media, never a seed */
    draft found = {.code = "RC", .url = "https://media.test/a.jpg", .content_key = "KC"};
    draft_report(&found);
    found.r.source = "crawler";
    put_args pa = {.r = &found.r, .now = NOW};
    CHECK(vg_store_write(s, put_tx, &pa, &err) == VG_OK);

    crawl_probe p = {.now = NOW + 10};
    CHECK(vg_store_read(s, crawl_seed_fn, &p, &err) == VG_ERR_INVALID); /* read-only */
    CHECK_MSG(vg_store_write(s, crawl_seed_fn, &p, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(p.added, 1);
    p = (crawl_probe){.now = NOW + 12};
    CHECK(vg_store_write(s, crawl_seed_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.added, 0); /* once */
    CHECK_INT_EQ(crawl_due(s, NOW + 9, &p), 0); /* not due yet */
    CHECK_INT_EQ(crawl_due(s, NOW + 10, &p), 1);
    int64_t seeded = p.count ? p.rows[0].id : 0;
    if (p.count == 1) {
        vg_crawl_target *t = &p.rows[0];
        CHECK_STR_EQ(t->url, "https://one.test/");
        CHECK_STR_EQ(t->origin, VG_CRAWL_ORIGIN_REPORT);
        CHECK_INT_EQ(t->report_id, r[1]);
        CHECK_INT_EQ(t->case_id, ca);
        CHECK_INT_EQ(t->created_at, NOW + 10);
        CHECK_INT_EQ(t->next_due_at, NOW + 10);
        CHECK_INT_EQ(t->last_crawl_at + t->pages + t->media + t->known + t->found, 0);
        CHECK_STR_EQ(t->last_error, "");
    }

    /* a page that carried known material, more overdue than the seed */
    vg_crawl_target page = {.url = "https://one.test/gallery", .origin = VG_CRAWL_ORIGIN_PAGE,
                            .report_id = r[4], .case_id = cb, .created_at = NOW + 3,
                            .next_due_at = NOW + 5};
    crawl_probe a = {.put = &page};
    CHECK(vg_store_read(s, crawl_add_fn, &a, &err) == VG_ERR_INVALID); /* read-only */
    CHECK(vg_store_write(s, crawl_add_fn, &a, &err) == VG_OK);
    CHECK_INT_EQ(a.inserted, 1);
    a = (crawl_probe){.put = &page};
    CHECK(vg_store_write(s, crawl_add_fn, &a, &err) == VG_OK);
    CHECK_INT_EQ(a.inserted, 0);
    CHECK_INT_EQ(crawl_due(s, NOW + 10, &p), 2);
    int64_t page_id = 0;
    if (p.count == 2) {
        page_id = p.rows[0].id;
        CHECK_STR_EQ(p.rows[0].url, "https://one.test/gallery");
        CHECK_STR_EQ(p.rows[0].origin, VG_CRAWL_ORIGIN_PAGE);
        CHECK_INT_EQ(p.rows[0].report_id, r[4]);
        CHECK_INT_EQ(p.rows[0].case_id, cb);
        CHECK_INT_EQ(p.rows[0].created_at, NOW + 3);
        CHECK_INT_EQ(p.rows[1].id, seeded);
    }
    CHECK_INT_EQ(crawl_due(s, 0, &p), 2); /* every target, oldest first */
    if (p.count == 2)
        CHECK_INT_EQ(p.rows[0].id, seeded);

    /* a crawl recorded: the counts replaced, the items found added up */
    vg_crawl_target done = {.id = page_id, .url = "ignored", .origin = "ignored",
                            .report_id = 77, .last_crawl_at = NOW + 11, .next_due_at = NOW + 100,
                            .pages = 3, .media = 4, .known = 1, .found = 2,
                            .last_error = "a page failed"};
    a = (crawl_probe){.put = &done};
    CHECK(vg_store_read(s, crawl_done_fn, &a, &err) == VG_ERR_INVALID); /* read-only */
    CHECK_MSG(vg_store_write(s, crawl_done_fn, &a, &err) == VG_OK, "%s", err.message);
    done.found = 1;
    done.pages = 5;
    done.last_error = NULL;
    CHECK(vg_store_write(s, crawl_done_fn, &a, &err) == VG_OK);
    CHECK_INT_EQ(crawl_due(s, NOW + 99, &p), 1); /* only the seed now */
    CHECK_INT_EQ(crawl_due(s, NOW + 100, &p), 2);
    if (p.count == 2) {
        vg_crawl_target *t = &p.rows[1];
        CHECK_INT_EQ(t->id, page_id);
        CHECK_STR_EQ(t->url, "https://one.test/gallery");
        CHECK_STR_EQ(t->origin, VG_CRAWL_ORIGIN_PAGE);
        CHECK_INT_EQ(t->report_id, r[4]);
        CHECK_INT_EQ(t->last_crawl_at, NOW + 11);
        CHECK_INT_EQ(t->next_due_at, NOW + 100);
        CHECK_INT_EQ(t->pages, 5);
        CHECK_INT_EQ(t->media, 4);
        CHECK_INT_EQ(t->known, 1);
        CHECK_INT_EQ(t->found, 3);
        CHECK_STR_EQ(t->last_error, "");
    }
    vg_crawl_targets_free(p.rows, p.count);
    done.id = 999999;
    CHECK(vg_store_write(s, crawl_done_fn, &a, &err) == VG_ERR_INVALID);

    /* live: a report holds it, until a notice of that report saw it gone */
    CHECK_INT_EQ(crawl_live(s, "https://one.test/"), 1);
    CHECK_INT_EQ(crawl_live(s, "https://media.test/a.jpg"), 1);
    CHECK_INT_EQ(crawl_live(s, "https://none.test/"), 0);
    vg_notice_row n = {.report_id = r[1], .case_id = ca, .url = "https://one.test/",
                       .state = VG_NOTICE_SENT, .created_at = NOW + 30};
    put_notice(s, &n);
    CHECK_INT_EQ(crawl_live(s, "https://one.test/"), 1);
    n.state = VG_NOTICE_REMOVED;
    put_notice(s, &n);
    CHECK_INT_EQ(crawl_live(s, "https://one.test/"), 0);
    finish(s, loc);
}

/* ---- quarantined bank entries (store/quarantine.h) ---- */

typedef struct quarantine_probe {
    const char *bank, *entry;
    const vg_quarantine_row *put;
    vg_quarantine_row row, *rows;
    int found;
    size_t limit, count;
} quarantine_probe;

static vg_status quarantine_get_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    quarantine_probe *p = ctx;
    return vg_tx_quarantine_get(tx, p->bank, p->entry, &p->row, &p->found, err);
}

static vg_status quarantine_put_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    quarantine_probe *p = ctx;
    return vg_tx_quarantine_put(tx, p->put, err);
}

static vg_status quarantine_held_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    quarantine_probe *p = ctx;
    return vg_tx_quarantine_held(tx, p->limit, &p->rows, &p->count, err);
}

static void quarantine_put(vg_store *s, const vg_quarantine_row *row)
{
    quarantine_probe p = {.put = row};
    vg_error err;
    CHECK_MSG(vg_store_write(s, quarantine_put_fn, &p, &err) == VG_OK, "%s", err.message);
}

/* Rows round-trip whole (the usual rate to the last bit, a window before
 * any, text that is not ASCII), are replaced by (bank, entry), and the
 * held ones list the most recently held first; a read transaction cannot
 * write one. */
static void test_quarantine(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    quarantine_probe p = {.bank = "ncmec", .entry = "e-1"};
    CHECK(vg_store_read(s, quarantine_get_fn, &p, &err) == VG_OK && !p.found);
    vg_quarantine_row a = {.bank = "ncmec", .entry = "e-1", .window_start = INT64_MIN,
                           .matches = 7, .usual = 9.952776, .held = 0};
    quarantine_put(s, &a);
    CHECK(vg_store_write(s, quarantine_get_fn, &p, &err) == VG_OK && p.found);
    CHECK_STR_EQ(p.row.bank, "ncmec");
    CHECK_STR_EQ(p.row.entry, "e-1");
    CHECK(p.row.window_start == INT64_MIN);
    CHECK_INT_EQ(p.row.matches, 7);
    CHECK(p.row.usual == 9.952776);
    CHECK(!p.row.held && !p.row.held_at && !p.row.released_by);
    vg_quarantine_row_clear(&p.row);
    /* the same key replaced; another entry of the bank apart */
    vg_quarantine_row held = {.bank = "ncmec", .entry = "e-1", .window_start = NOW - NOW % 3600,
                              .matches = 51, .usual = 0.5, .held = 1, .held_at = NOW,
                              .held_matches = 51, .since_held = 3, .released_at = NOW - 50,
                              .released_by = "user:\u00e9milie"};
    quarantine_put(s, &held);
    vg_quarantine_row other = {.bank = "ncmec", .entry = "e-2", .window_start = NOW,
                               .matches = 60, .usual = 1, .held = 1, .held_at = NOW + 5,
                               .held_matches = 60};
    quarantine_put(s, &other);
    vg_quarantine_row quiet = {.bank = "te", .entry = "e-1", .window_start = NOW, .matches = 1};
    quarantine_put(s, &quiet);
    CHECK(vg_store_read(s, quarantine_get_fn, &p, &err) == VG_OK && p.found);
    CHECK_INT_EQ(p.row.window_start, NOW - NOW % 3600);
    CHECK_INT_EQ(p.row.matches, 51);
    CHECK(p.row.usual == 0.5 && p.row.held == 1);
    CHECK_INT_EQ(p.row.held_at, NOW);
    CHECK_INT_EQ(p.row.held_matches, 51);
    CHECK_INT_EQ(p.row.since_held, 3);
    CHECK_INT_EQ(p.row.released_at, NOW - 50);
    CHECK_STR_EQ(p.row.released_by, "user:\u00e9milie");
    vg_quarantine_row_clear(&p.row);
    p = (quarantine_probe){.bank = "te", .entry = "e-1"};
    CHECK(vg_store_read(s, quarantine_get_fn, &p, &err) == VG_OK && p.found);
    CHECK_INT_EQ(p.row.matches, 1);
    vg_quarantine_row_clear(&p.row);
    p = (quarantine_probe){.limit = 10};
    CHECK(vg_store_read(s, quarantine_held_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.count, 2);
    if (p.count == 2) {
        CHECK_STR_EQ(p.rows[0].entry, "e-2");
        CHECK_STR_EQ(p.rows[1].entry, "e-1");
        CHECK_INT_EQ(p.rows[1].held_matches, 51);
    }
    vg_quarantine_rows_free(p.rows, p.count);
    p = (quarantine_probe){.limit = 1};
    CHECK(vg_store_read(s, quarantine_held_fn, &p, &err) == VG_OK);
    CHECK(p.count == 1 && !strcmp(p.rows[0].entry, "e-2"));
    vg_quarantine_rows_free(p.rows, p.count);
    /* released: no longer listed */
    held.held = 0;
    held.released_at = NOW + 10;
    quarantine_put(s, &held);
    p = (quarantine_probe){.limit = 10};
    CHECK(vg_store_read(s, quarantine_held_fn, &p, &err) == VG_OK);
    CHECK(p.count == 1 && !strcmp(p.rows[0].entry, "e-2"));
    vg_quarantine_rows_free(p.rows, p.count);
    p = (quarantine_probe){.put = &held};
    CHECK(vg_store_read(s, quarantine_put_fn, &p, &err) == VG_ERR_INVALID);
    finish(s, loc);
}

/* ---- signed sources' verified lists (store/signed_lists.h) ---- */

typedef struct signed_lines_probe {
    const char *source;
    int64_t generation; /* add, remove, each; prune: the one kept */
    const char *const *lines;
    size_t count;
    int op; /* 0 add, 1 remove, 2 prune */
    size_t limit, removed; /* prune */
    char got[32768];
    size_t got_len, got_count;
    size_t stop_after; /* each: fail after this many lines (0: never) */
} signed_lines_probe;

static vg_status signed_lines_write_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    signed_lines_probe *p = ctx;
    if (p->op == 0)
        return vg_tx_signed_lines_add(tx, p->source, p->generation, p->lines, p->count, err);
    if (p->op == 1)
        return vg_tx_signed_lines_remove(tx, p->source, p->generation, p->lines, p->count, err);
    return vg_tx_signed_lines_prune(tx, p->source, p->generation, p->limit, &p->removed, err);
}

static vg_status signed_line_seen(void *ctx, const char *line, size_t len, vg_error *err)
{
    signed_lines_probe *p = ctx;
    if (p->stop_after && p->got_count == p->stop_after)
        return vg_error_set(err, VG_ERR_ABORTED, "enough");
    p->got_count++;
    if (p->got_len + len + 2 < sizeof p->got) {
        memcpy(p->got + p->got_len, line, len);
        p->got_len += len;
        p->got[p->got_len++] = '\n';
        p->got[p->got_len] = '\0';
    }
    return VG_OK;
}

static vg_status signed_lines_read_fn(vg_tx *tx, void *ctx, vg_error *err)
{
    signed_lines_probe *p = ctx;
    p->got_len = p->got_count = 0;
    p->got[0] = '\0';
    return vg_tx_signed_lines_each(tx, p->source, p->generation, signed_line_seen, p, err);
}

static const char *signed_lines_of(vg_store *s, const char *source, int64_t generation)
{
    static signed_lines_probe p;
    p = (signed_lines_probe){.source = source, .generation = generation};
    vg_error err;
    CHECK_MSG(vg_store_read(s, signed_lines_read_fn, &p, &err) == VG_OK, "%s", err.message);
    return p.got;
}

/* Lines come back in the order of their bytes whatever the database's
 * collation (upper case before lower, a byte above 0x7f after 'z'), hold
 * quotes, backslashes, commas and braces as they are, are removed by
 * value, and each source's and generation's apart; a batch of thousands
 * goes in at once; a failing visitor stops the reading with its error; a
 * read transaction changes nothing. */
static void test_signed_lines(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    const char *lines[] = {"md5,b1,\"e \"\"2\"\"\"", "md5,a1,e1", "pdq,ff,{x}\\y",
                           "md5,a1,\xc3\xa9", "MD5,a1,E", "md5,a1,z"};
    signed_lines_probe p = {.source = "feed", .generation = 1, .lines = lines, .count = 6};
    CHECK_MSG(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK, "%s", err.message);
    const char *other[] = {"md5,a1,e1"};
    p = (signed_lines_probe){.source = "other", .generation = 1, .lines = other, .count = 1};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 1),
                 "MD5,a1,E\nmd5,a1,e1\nmd5,a1,z\nmd5,a1,\xc3\xa9\nmd5,b1,\"e \"\"2\"\"\"\n"
                 "pdq,ff,{x}\\y\n");
    CHECK_STR_EQ(signed_lines_of(s, "none", 1), "");
    CHECK_STR_EQ(signed_lines_of(s, "feed", 2), "");
    /* removed by value (one not there ignored), the other source kept */
    const char *gone[] = {"md5,a1,e1", "pdq,ff,{x}\\y", "md5,zz,never"};
    p = (signed_lines_probe){.source = "feed", .generation = 1, .lines = gone, .count = 3,
                             .op = 1};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 1),
                 "MD5,a1,E\nmd5,a1,z\nmd5,a1,\xc3\xa9\nmd5,b1,\"e \"\"2\"\"\"\n");
    CHECK_STR_EQ(signed_lines_of(s, "other", 1), "md5,a1,e1\n");
    /* a line already there fails the batch, which leaves nothing */
    const char *again[] = {"pdq,00,new", "md5,a1,z"};
    p = (signed_lines_probe){.source = "feed", .generation = 1, .lines = again, .count = 2};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) != VG_OK);
    CHECK(strstr(signed_lines_of(s, "feed", 1), "pdq,00,new") == NULL);
    /* the same line in another generation is another line; removing it
     * there leaves generation 1's */
    p = (signed_lines_probe){.source = "feed", .generation = 2, .lines = again, .count = 2};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 2), "md5,a1,z\npdq,00,new\n");
    p = (signed_lines_probe){.source = "feed", .generation = 2, .lines = again, .count = 1,
                             .op = 1};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 2), "md5,a1,z\n");
    CHECK(strstr(signed_lines_of(s, "feed", 1), "md5,a1,z\n") != NULL);
    /* a read transaction refuses to write */
    p = (signed_lines_probe){.source = "feed", .generation = 2, .op = 2, .limit = 10};
    CHECK(vg_store_read(s, signed_lines_write_fn, &p, &err) == VG_ERR_INVALID);
    /* pruned: the generations but the one kept, a limited number at a
     * time, that source only */
    p = (signed_lines_probe){.source = "feed", .generation = 2, .op = 2, .limit = 3};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.removed, 3);
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.removed, 1);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 1), "");
    CHECK_STR_EQ(signed_lines_of(s, "feed", 2), "md5,a1,z\n");
    p = (signed_lines_probe){.source = "feed", .generation = 0, .op = 2, .limit = 100};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    CHECK_INT_EQ(p.removed, 1);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 2), "");
    CHECK_STR_EQ(signed_lines_of(s, "other", 1), "md5,a1,e1\n");
    /* 5000 lines in one batch; the visitor's error stops the reading */
    enum { MANY = 5000 };
    char(*text)[24] = malloc(MANY * sizeof *text);
    const char **many = malloc(MANY * sizeof *many);
    CHECK(text && many);
    if (text && many) {
        for (size_t i = 0; i < MANY; i++) {
            snprintf(text[i], sizeof text[i], "md5,%04zu,e%zu", MANY - 1 - i, i);
            many[i] = text[i];
        }
        p = (signed_lines_probe){.source = "big", .generation = 7, .lines = many, .count = MANY};
        CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
        p = (signed_lines_probe){.source = "big", .generation = 7};
        CHECK(vg_store_read(s, signed_lines_read_fn, &p, &err) == VG_OK);
        CHECK_INT_EQ(p.got_count, MANY);
        CHECK(!strncmp(p.got, "md5,0000,e4999\nmd5,0001,e4998\n", 30));
        p = (signed_lines_probe){.source = "big", .generation = 7, .stop_after = 2500};
        CHECK(vg_store_read(s, signed_lines_read_fn, &p, &err) == VG_ERR_ABORTED);
        CHECK_INT_EQ(p.got_count, 2500);
    }
    free(text);
    free(many);
    finish(s, loc);
}

/* Lines of any length: a vPDQ line of 10 KB (PostgreSQL's B-tree refused
 * a key beyond ~2.7 KB) goes in, comes back whole and is removed by value;
 * lines longer than the key's head that share it, or a line that is a
 * prefix of another, still come back in the order of their bytes. */
static void test_signed_lines_long(void)
{
    char loc[LOC];
    vg_store *s = fresh(loc);
    if (!s)
        return;
    vg_error err;
    enum { LONG = 10240, SHARED = VG_SIGNED_LINE_HEAD + 40 };
    char *vpdq = malloc(LONG + 1), *a = malloc(SHARED + 2), *b = malloc(SHARED + 2);
    char *prefix = malloc(VG_SIGNED_LINE_HEAD + 1);
    CHECK(vpdq && a && b && prefix);
    if (!vpdq || !a || !b || !prefix) {
        free(vpdq), free(a), free(b), free(prefix);
        finish(s, loc);
        return;
    }
    /* vpdq,"[""HEX,100,0.000"",...]",v1 as the canonical form quotes it,
     * its hashes pseudo-random (a key PostgreSQL compresses would pass) */
    size_t n = (size_t)snprintf(vpdq, LONG + 1, "vpdq,\"[");
    uint64_t x = 88172645463325252u;
    for (unsigned k = 0; n + 90 < LONG; k++) {
        n += (size_t)snprintf(vpdq + n, LONG + 1 - n, "%s\"\"", k ? "," : "");
        for (int q = 0; q < 4; q++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            n += (size_t)snprintf(vpdq + n, LONG + 1 - n, "%016" PRIx64, x);
        }
        n += (size_t)snprintf(vpdq + n, LONG + 1 - n, ",100,%u.000\"\"", k);
    }
    while (n < LONG - 6)
        vpdq[n++] = ' ';
    memcpy(vpdq + n, "]\",v1", 6);
    CHECK_INT_EQ(strlen(vpdq), LONG - 1);
    /* a and b share their first SHARED bytes (more than the head) and
     * differ after; prefix is a's first VG_SIGNED_LINE_HEAD bytes */
    memset(a, 'x', SHARED);
    memcpy(a, "md5,", 4);
    memcpy(b, a, SHARED);
    a[SHARED] = 'b', a[SHARED + 1] = '\0';
    b[SHARED] = 'a', b[SHARED + 1] = '\0';
    memcpy(prefix, a, VG_SIGNED_LINE_HEAD);
    prefix[VG_SIGNED_LINE_HEAD] = '\0';
    const char *lines[] = {a, vpdq, b, prefix, "md5,xy,short"};
    signed_lines_probe p = {.source = "feed", .generation = 1, .lines = lines, .count = 5};
    CHECK_MSG(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK, "%s", err.message);
    char want[32768];
    snprintf(want, sizeof want, "%s\n%s\n%s\n%s\n%s\n", prefix, b, a, "md5,xy,short", vpdq);
    CHECK_STR_EQ(signed_lines_of(s, "feed", 1), want);
    /* each long line removed by value, the one sharing its head kept */
    const char *gone[] = {vpdq, a};
    p = (signed_lines_probe){.source = "feed", .generation = 1, .lines = gone, .count = 2,
                             .op = 1};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) == VG_OK);
    snprintf(want, sizeof want, "%s\n%s\n%s\n", prefix, b, "md5,xy,short");
    CHECK_STR_EQ(signed_lines_of(s, "feed", 1), want);
    /* a long line once per generation */
    const char *dup[] = {b};
    p = (signed_lines_probe){.source = "feed", .generation = 1, .lines = dup, .count = 1};
    CHECK(vg_store_write(s, signed_lines_write_fn, &p, &err) != VG_OK);
    free(vpdq), free(a), free(b), free(prefix);
    finish(s, loc);
}

int store_contract_run(const store_contract_backend *b)
{
    backend = b;
    int failures = vg_test_failures, checks = vg_test_checks;
    fprintf(stderr, "the store's contract, on %s:\n", b->name);
    RUN(test_empty_store);
    RUN(test_read_only_refusal);
    RUN(test_commit_and_rollback);
    RUN(test_refused_write_leaves_nothing);
    RUN(test_read_snapshot);
    RUN(test_rollback_among_commits);
    RUN(test_concurrent_writers);
    RUN(test_durability);
    RUN(test_report_round_trip);
    RUN(test_cases_and_idempotency);
    RUN(test_case_candidates);
    RUN(test_set_case);
    RUN(test_report_new_case);
    RUN(test_status_recent_urls);
    RUN(test_report_pdqs);
    RUN(test_idempotency_keys);
    RUN(test_settings);
    RUN(test_accounts);
    RUN(test_sessions);
    RUN(test_api_keys);
    RUN(test_review_items);
    RUN(test_audit_search);
    RUN(test_account_role);
    RUN(test_account_language);
    RUN(test_login_state);
    RUN(test_audit_append_and_read);
    RUN(test_audit_concurrent);
    RUN(test_audit_for_targets);
    RUN(test_audit_damage);
    RUN(test_items);
    RUN(test_routes);
    RUN(test_notices);
    RUN(test_route_deliveries);
    RUN(test_partner_callbacks);
    RUN(test_files_and_bank);
    RUN(test_job_leases);
    RUN(test_alerts);
    RUN(test_report_facts);
    RUN(test_report_facts_fold);
    RUN(test_report_facts_packs);
    RUN(test_report_facts_action);
    RUN(test_exchange);
    RUN(test_files_unmatch);
    RUN(test_tlog);
    RUN(test_blocklist);
    RUN(test_report_facts_blocklist);
    RUN(test_crawl_targets);
    RUN(test_quarantine);
    RUN(test_signed_lines);
    RUN(test_signed_lines_long);
    fprintf(stderr, "contract on %s: %d checks, %d failed\n", b->name,
            vg_test_checks - checks, vg_test_failures - failures);
    return vg_test_failures - failures;
}
