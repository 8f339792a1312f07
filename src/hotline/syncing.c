/*
 * src/hotline/syncing.c - synchronised banks (syncing.h).
 */
#include "hotline/syncing.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hotline/assessment.h"
#include "hotline/bank_admin.h"
#include "hotline/sync_sources.h"
#include "store/audit.h"
#include "vigie/hashsync.h"

/* ---- the state in the store ---------------------------------------------------- */

/* The setting "sync:NAME": a JSON object with the checkpoint's text and
 * the figures of vg_sync_status. */
typedef struct state_args {
    const char *name;
    json_t *state; /* read: the object (owned), an empty one when none */
} state_args;

static vg_status state_read_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    state_args *a = ctx;
    char key[80], *text = NULL;
    snprintf(key, sizeof key, "sync:%s", a->name);
    vg_status st = vg_tx_setting_get(tx, key, &text, err);
    json_decref(a->state);
    a->state = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (st == VG_OK && !json_is_object(a->state)) {
        json_decref(a->state);
        a->state = json_object();
    }
    return st == VG_OK && !a->state ? vg_error_set(err, VG_ERR_NOMEM, "out of memory") : st;
}

static vg_status state_write(vg_tx *tx, const char *name, json_t *state, vg_error *err)
{
    char key[80];
    snprintf(key, sizeof key, "sync:%s", name);
    char *text = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = vg_tx_setting_set(tx, key, text, err);
    free(text);
    return st;
}

static int64_t state_int(json_t *state, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(state, key));
}

static void state_add(json_t *state, const char *key, int64_t by)
{
    json_object_set_new(state, key, json_integer(state_int(state, key) + by));
}

/* ---- statuses --------------------------------------------------------------- */

void vg_sync_statuses_free(vg_sync_status *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].name);
        free(rows[i].source);
        free(rows[i].url);
        free(rows[i].bank);
        free(rows[i].last_error);
    }
    free(rows);
}

static char *dup_text(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* done-until from a checkpoint's text, without a file. */
static int64_t done_until_of(const char *checkpoint)
{
    const char *at = checkpoint ? strstr(checkpoint, "\ndone-until: ") : NULL;
    return at ? strtoll(at + 13, NULL, 10) : 0;
}

vg_status vg_hotline_sync_statuses(vg_hotline *h, vg_sync_status **rows, size_t *count,
                                   vg_error *err)
{
    *rows = NULL;
    *count = 0;
    vg_syncing *y = h->syncing;
    if (!y)
        return VG_OK;
    vg_sync_status *out = calloc(y->count, sizeof *out);
    if (!out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < y->count; i++) {
        const sync_source *s = &y->sources[i];
        state_args a = {.name = s->name};
        st = vg_store_read(h->store, state_read_tx, &a, err);
        if (st != VG_OK)
            break;
        vg_sync_status *r = &out[(*count)++];
        r->name = dup_text(s->name);
        r->source = dup_text(vg_sync_source_name(s->kind));
        r->url = dup_text(s->url);
        r->bank = dup_text(s->bank);
        r->last_error = dup_text(json_string_value(json_object_get(a.state, "last_error")));
        r->period_seconds = s->period_seconds;
        r->last_run = state_int(a.state, "last_run");
        r->last_success = state_int(a.state, "last_success");
        r->next_run = state_int(a.state, "next_run");
        r->done_until = done_until_of(json_string_value(json_object_get(a.state, "checkpoint")));
        r->added = state_int(a.state, "added");
        r->withdrawn = state_int(a.state, "withdrawn");
        r->reopened = state_int(a.state, "reopened");
        r->last_added = state_int(a.state, "last_added");
        r->last_withdrawn = state_int(a.state, "last_withdrawn");
        json_decref(a.state);
        if (!r->name || !r->source || !r->url || !r->bank)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (st != VG_OK) {
        vg_sync_statuses_free(out, *count);
        *count = 0;
        return st;
    }
    *rows = out;
    return VG_OK;
}

/* ---- one run ------------------------------------------------------------------ */

/* What the application of a range changed, gathered from vg_sync_bank's
 * on_change: the rows to add (a vigie CSV bank) and the ids that changed
 * or left. */
typedef struct changes {
    char *csv;
    size_t csv_len;
    FILE *csv_out;
    char **ids;     /* every id that changed, each once */
    int *withdrawn; /* per id: it left */
    size_t count, cap;
    uint64_t rows;
} changes;

static vg_status change_id(changes *c, const char *id, int withdrawn, vg_error *err)
{
    /* the application reports each id once (its last appearance), its
     * signals one after the other */
    if (c->count && !strcmp(c->ids[c->count - 1], id)) {
        c->withdrawn[c->count - 1] = withdrawn;
        return VG_OK;
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        char **ids = realloc(c->ids, cap * sizeof *ids);
        if (ids)
            c->ids = ids;
        int *w = ids ? realloc(c->withdrawn, cap * sizeof *w) : NULL;
        if (!w)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        c->withdrawn = w;
        c->cap = cap;
    }
    if (!(c->ids[c->count] = strdup(id)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    c->withdrawn[c->count++] = withdrawn;
    return VG_OK;
}

/* A CSV field: quoted when it needs to be (ids and signals rarely do). */
static void csv_field(FILE *f, const char *s, char after)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(after, f);
}

static vg_status on_change(void *ctx, const vg_exchange_record *rec, vg_error *err)
{
    changes *c = ctx;
    vg_status st = change_id(c, rec->id, rec->removed, err);
    if (st != VG_OK || rec->removed)
        return st;
    csv_field(c->csv_out, rec->signal_type, ',');
    csv_field(c->csv_out, rec->signal, ',');
    csv_field(c->csv_out, rec->id, '\n');
    c->rows++;
    return VG_OK;
}

static void changes_clear(changes *c)
{
    if (c->csv_out)
        fclose(c->csv_out);
    free(c->csv);
    for (size_t i = 0; i < c->count; i++)
        free(c->ids[i]);
    free(c->ids);
    free(c->withdrawn);
    memset(c, 0, sizeof *c);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while (out && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, out);
    fclose(f);
    if (out)
        fclose(out);
    return text;
}

static vg_status write_text(const char *path, const char *text, vg_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0) {
        if (f)
            fclose(f);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
    }
    return fclose(f) == 0 ? VG_OK : vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
}

typedef struct apply_args {
    vg_hotline *h;
    const sync_source *s;
    const changes *c;
    const char *checkpoint; /* the new one */
    int64_t now;
    uint64_t removed_entries, added;
    size_t reopened, withdrawn;
} apply_args;

static vg_status apply_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    apply_args *a = ctx;
    char actor[80];
    snprintf(actor, sizeof actor, "sync:%s", a->s->name);
    a->reopened = a->withdrawn = 0;
    a->added = a->c->rows;
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < a->c->count; i++) {
        if (!a->c->withdrawn[i])
            continue;
        size_t back = 0;
        st = vg_hotline_bank_entry_withdrawn_tx(tx, a->h, a->s->bank, a->c->ids[i], actor,
                                                a->now, &back, err);
        a->reopened += back;
        a->withdrawn++;
    }
    state_args sa = {.name = a->s->name};
    if (st == VG_OK)
        st = state_read_tx(tx, &sa, err);
    if (st == VG_OK) {
        json_t *o = sa.state;
        json_object_set_new(o, "checkpoint", json_string(a->checkpoint));
        json_object_set_new(o, "last_run", json_integer(a->now));
        json_object_set_new(o, "last_success", json_integer(a->now));
        json_object_set_new(o, "next_run", json_integer(a->now + a->s->period_seconds));
        json_object_del(o, "last_error");
        json_object_set_new(o, "last_added", json_integer((json_int_t)a->c->rows));
        json_object_set_new(o, "last_withdrawn", json_integer((json_int_t)a->withdrawn));
        state_add(o, "added", (int64_t)a->c->rows);
        state_add(o, "withdrawn", (int64_t)a->withdrawn);
        state_add(o, "reopened", (int64_t)a->reopened);
        st = state_write(tx, a->s->name, o, err);
    }
    json_decref(sa.state);
    if (st == VG_OK && (a->c->count || a->reopened)) {
        json_t *detail = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "source",
                                   vg_sync_source_name(a->s->kind), "url", a->s->url, "added",
                                   (json_int_t)a->c->rows, "changed", (json_int_t)a->c->count,
                                   "withdrawn", (json_int_t)a->withdrawn, "entries_removed",
                                   (json_int_t)a->removed_entries, "reopened",
                                   (json_int_t)a->reopened);
        char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(detail);
        char target[96];
        snprintf(target, sizeof target, "bank:%s", a->s->bank);
        vg_audit_note note = {actor, "bank.sync", target, text};
        st = text ? vg_tx_audit_append(tx, a->now, &note, NULL, err)
                  : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        free(text);
    }
    return st;
}

typedef struct failed_args {
    const sync_source *s;
    int64_t now;
    const char *message;
} failed_args;

/* A failed run: the checkpoint stays, the error is kept for the page. */
static vg_status failed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    failed_args *a = ctx;
    state_args sa = {.name = a->s->name};
    vg_status st = state_read_tx(tx, &sa, err);
    if (st == VG_OK) {
        json_object_set_new(sa.state, "last_run", json_integer(a->now));
        json_object_set_new(sa.state, "next_run", json_integer(a->now + a->s->period_seconds));
        json_object_set_new(sa.state, "last_error", json_string(a->message));
        st = state_write(tx, a->s->name, sa.state, err);
    }
    json_decref(sa.state);
    return st;
}

/* Fetch and apply one source; err says why it failed. */
static vg_status run_source(vg_hotline *h, const sync_source *s, int allow_private,
                            const char *checkpoint, int64_t now, apply_args *out,
                            vg_error *err)
{
    char dir[] = "/tmp/vigie-sync-XXXXXX";
    if (!mkdtemp(dir))
        return vg_error_set(err, VG_ERR_IO, "cannot make a temporary directory for the sync");
    char state_path[64], journal_path[80], bank_path[64];
    snprintf(state_path, sizeof state_path, "%s/state", dir);
    snprintf(journal_path, sizeof journal_path, "%s/state.journal", dir);
    snprintf(bank_path, sizeof bank_path, "%s/bank.csv", dir);
    vg_status st = checkpoint ? write_text(state_path, checkpoint, err) : VG_OK;

    vg_sync_config cfg;
    vg_sync_config_init(&cfg, s->kind);
    cfg.base_url = s->url;
    cfg.username = s->username;
    cfg.password = s->password;
    cfg.subscription_key = s->subscription_key;
    cfg.fetch_function_key = s->function_key;
    cfg.http.ca_file = s->ca_file;
    cfg.http.allow_private_addresses = allow_private;
    cfg.http.allow_plain_http = allow_private;
    vg_sync_client *client = NULL;
    if (st == VG_OK)
        st = vg_sync_client_new(&cfg, &client, err);

    changes c = {0};
    c.csv_out = open_memstream(&c.csv, &c.csv_len);
    if (st == VG_OK && !c.csv_out)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        fputs("signal_type,signal,id\n", c.csv_out);
    vg_sync_stats stats = {0};
    vg_sync_options opts = {.now = now};
    vg_sync_callbacks cb = {.on_change = on_change, .ctx = &c};
    if (st == VG_OK)
        st = vg_sync_bank(client, bank_path, state_path, &opts, &cb, &stats, err);
    if (st == VG_OK && !stats.complete)
        st = vg_error_set(err, VG_ERR_IO, "the range was not fetched whole; tried again later");
    char *next = NULL;
    if (st == VG_OK && !(next = read_text(state_path)))
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot read the checkpoint back", state_path);
    if (c.csv_out) {
        fclose(c.csv_out);
        c.csv_out = NULL;
    }
    /* The index: the ids that changed leave the bank, their latest
     * additions come back. */
    uint64_t removed = 0;
    if (st == VG_OK && c.count)
        st = vg_hotline_index_remove(h, s->bank, (const char *const *)c.ids, c.count, &removed,
                                     err);
    if (st == VG_OK && c.rows) {
        uint64_t first, before, after;
        st = vg_hotline_index_add(h, s->bank, c.csv, c.csv_len, &first, &before, &after, err);
    }
    if (st == VG_OK) {
        *out = (apply_args){.h = h, .s = s, .c = &c, .checkpoint = next, .now = now,
                            .removed_entries = removed};
        st = vg_store_write(h->store, apply_tx, out, err);
    }
    free(next);
    changes_clear(&c);
    vg_sync_client_free(client);
    unlink(journal_path);
    unlink(state_path);
    unlink(bank_path);
    rmdir(dir);
    return st;
}

vg_status vg_hotline_sync_run(vg_hotline *h, int64_t now, vg_sync_pass *pass, vg_error *err)
{
    memset(pass, 0, sizeof *pass);
    vg_syncing *y = h->syncing;
    for (size_t i = 0; y && i < y->count; i++) {
        const sync_source *s = &y->sources[i];
        state_args sa = {.name = s->name};
        vg_status st = vg_store_read(h->store, state_read_tx, &sa, err);
        if (st != VG_OK)
            return st;
        int due = state_int(sa.state, "next_run") <= now;
        char *checkpoint = dup_text(json_string_value(json_object_get(sa.state, "checkpoint")));
        json_decref(sa.state);
        if (!due) {
            free(checkpoint);
            continue;
        }
        pass->ran++;
        apply_args done = {0};
        vg_error e;
        st = run_source(h, s, y->allow_private, checkpoint, now, &done, &e);
        free(checkpoint);
        if (st == VG_OK) {
            pass->added += done.added;
            pass->withdrawn += done.withdrawn;
            pass->reopened += done.reopened;
            continue;
        }
        pass->failed++;
        if (pass->failed == 1)
            snprintf(pass->first_failure, sizeof pass->first_failure, "%s: %.200s", s->name,
                     e.message);
        failed_args fa = {s, now, e.message};
        vg_error e2;
        if (vg_store_write(h->store, failed_tx, &fa, &e2) != VG_OK)
            return vg_error_set(err, e2.status, "%s", e2.message);
    }
    return VG_OK;
}
