/*
 * src/hotline/syncing.c - synchronised banks (syncing.h).
 */
#include "hotline/syncing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
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
#include "store/signed_lists.h"
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
        free(rows[i].publisher);
        free(rows[i].list);
        free(rows[i].key);
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
        r->version = state_int(a.state, "version");
        r->publisher = dup_text(json_string_value(json_object_get(a.state, "publisher")));
        r->list = dup_text(json_string_value(json_object_get(a.state, "list")));
        r->key = dup_text(json_string_value(json_object_get(a.state, "key")));
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
    /* a signed list's rows to add are a bank file (BANK.txt) instead of
     * csv: a list of millions is not held */
    const char *rows_path;
    uint64_t lines_gone, lines_came; /* a signed list: the lines it lost and gained */
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

/* A signed list's lines in the store (store/signed_lists.h) follow the
 * list verified in the run's own transaction when few changed: the lines
 * it lost and gained (files of lines), in the generation the state names.
 * A whole list goes in as a new generation beforehand (store_generation). */
typedef struct lines_update {
    int64_t generation;
    const char *removed_path; /* NULL: none */
    const char *added_path;   /* NULL: none */
} lines_update;

typedef struct apply_args {
    vg_hotline *h;
    const sync_source *s;
    const changes *c;
    const char *checkpoint; /* the new one; NULL for a signed list */
    json_t *verified;       /* a signed list: what was verified (kept in the state), or NULL */
    const lines_update *lines; /* a signed list's lines to change in place, or NULL */
    int64_t now;
    uint64_t removed_entries, added;
    size_t reopened, withdrawn;
} apply_args;

/* Lines a statement (PostgreSQL: one array parameter, one round trip). */
#define LINES_BATCH 2000
/* At most this many bytes of lines held for one transaction (vPDQ lines
 * run to kilobytes). */
#define LINES_COMMIT_BYTES (8u << 20)

/* The lines of a file, read in batches: the NUL-terminated lines and
 * their buffers (getline's, reused from batch to batch). */
typedef struct line_batch {
    char **line;
    size_t *cap;
    size_t count, max;
} line_batch;

typedef vg_status (*batch_fn)(void *ctx, const line_batch *b, vg_error *err);

/* Each batch of at most max lines (and about LINES_COMMIT_BYTES) of the
 * file at path (its first line skipped when skip_header) to fn. */
static vg_status file_batches(const char *path, bool skip_header, size_t max, batch_fn fn,
                              void *ctx, vg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    line_batch b = {.line = calloc(max, sizeof *b.line), .cap = calloc(max, sizeof *b.cap),
                    .max = max};
    vg_status st = b.line && b.cap ? VG_OK
                                   : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    bool header = skip_header;
    size_t bytes = 0;
    while (st == VG_OK) {
        ssize_t len = getline(&b.line[b.count], &b.cap[b.count], f);
        if (len > 0 && b.line[b.count][len - 1] == '\n')
            b.line[b.count][--len] = '\0';
        bool more = len >= 0;
        if (more && header) {
            header = false;
            continue;
        }
        if (more) {
            b.count++;
            bytes += (size_t)len;
        }
        if (b.count == max || bytes >= LINES_COMMIT_BYTES || (!more && b.count)) {
            st = fn(ctx, &b, err);
            b.count = 0;
            bytes = 0;
        }
        if (!more)
            break;
    }
    if (st == VG_OK && ferror(f))
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot read", path);
    for (size_t i = 0; b.line && i < max; i++)
        free(b.line[i]);
    free(b.line);
    free(b.cap);
    fclose(f);
    return st;
}

typedef struct lines_args {
    vg_tx *tx; /* in the run's transaction; NULL: each batch commits */
    vg_hotline *h;
    const char *source;
    int64_t generation;
    bool add;
    uint64_t done;
} lines_args;

/* One batch of lines for one source's generation (batch_tx's argument). */
typedef struct batch_args {
    lines_args *lines;
    const line_batch *batch;
} batch_args;

static vg_status batch_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    batch_args *ba = ctx;
    lines_args *a = ba->lines;
    const line_batch *b = ba->batch;
    vg_status st = VG_OK;
    for (size_t at = 0; st == VG_OK && at < b->count; at += LINES_BATCH) {
        size_t n = b->count - at < LINES_BATCH ? b->count - at : LINES_BATCH;
        const char *const *lines = (const char *const *)b->line + at;
        st = a->add ? vg_tx_signed_lines_add(tx, a->source, a->generation, lines, n, err)
                    : vg_tx_signed_lines_remove(tx, a->source, a->generation, lines, n, err);
    }
    return st;
}

static vg_status lines_batch(void *ctx, const line_batch *b, vg_error *err)
{
    lines_args *a = ctx;
    batch_args both = {a, b};
    if (a->tx)
        return batch_tx(a->tx, &both, err);
    vg_status st = vg_store_write(a->h->store, batch_tx, &both, err);
    a->done += b->count;
    vg_syncing *y = a->h->syncing;
    if (st == VG_OK && y->after_lines_commit)
        st = y->after_lines_commit(y->after_lines_ctx, a->done, err);
    return st;
}

/* The differences of a small change, in the run's transaction. */
static vg_status store_lines(vg_tx *tx, const char *source, const lines_update *u,
                             vg_error *err)
{
    lines_args a = {.tx = tx, .source = source, .generation = u->generation};
    vg_status st = VG_OK;
    if (u->removed_path)
        st = file_batches(u->removed_path, false, LINES_BATCH, lines_batch, &a, err);
    a.add = true;
    if (st == VG_OK && u->added_path)
        st = file_batches(u->added_path, false, LINES_BATCH, lines_batch, &a, err);
    return st;
}

/* Every line of the canonical list at path (its header skipped) as the
 * new generation of source's lines, lines_per_commit a transaction: no
 * reader sees them until the state names the generation, and a run that
 * stops half-way leaves the generation before whole (prune_lines takes
 * the rest away). */
static vg_status store_generation(vg_hotline *h, const char *source, int64_t generation,
                                  const char *path, vg_error *err)
{
    lines_args a = {.h = h, .source = source, .generation = generation, .add = true};
    size_t max = h->syncing->lines_per_commit ? h->syncing->lines_per_commit : 1;
    return file_batches(path, true, max, lines_batch, &a, err);
}

typedef struct prune_args {
    const char *source;
    int64_t keep;
    size_t limit, removed;
} prune_args;

static vg_status prune_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    prune_args *a = ctx;
    return vg_tx_signed_lines_prune(tx, a->source, a->keep, a->limit, &a->removed, err);
}

/* Remove source's lines of every generation but keep (0: all of them), a
 * bounded number a transaction: the one a run replaced, or one a failed
 * or killed run left half-written. */
static vg_status prune_lines(vg_hotline *h, const char *source, int64_t keep, vg_error *err)
{
    size_t limit = h->syncing->lines_per_commit ? h->syncing->lines_per_commit : 1;
    prune_args a = {.source = source, .keep = keep, .limit = limit};
    vg_status st;
    do
        st = vg_store_write(h->store, prune_tx, &a, err);
    while (st == VG_OK && a.removed >= limit);
    return st;
}

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
    if (st == VG_OK && a->lines)
        st = store_lines(tx, a->s->name, a->lines, err);
    state_args sa = {.name = a->s->name};
    if (st == VG_OK)
        st = state_read_tx(tx, &sa, err);
    if (st == VG_OK) {
        json_t *o = sa.state;
        if (a->checkpoint)
            json_object_set_new(o, "checkpoint", json_string(a->checkpoint));
        if (a->verified)
            json_object_update(o, a->verified);
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
        if (detail && a->verified)
            json_object_update(detail, a->verified);
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

/* The index: the ids that changed leave the bank, their latest additions
 * come back; then the transaction of apply_tx. */
static vg_status apply_changes(vg_hotline *h, const sync_source *s, const changes *c,
                               const char *checkpoint, json_t *verified,
                               const lines_update *lines, int64_t now, apply_args *out,
                               vg_error *err)
{
    uint64_t removed = 0;
    vg_status st = VG_OK;
    if (c->count)
        st = vg_hotline_index_remove(h, s->bank, (const char *const *)c->ids, c->count, &removed,
                                     err);
    if (st == VG_OK && c->rows) {
        uint64_t first, before, after;
        st = c->rows_path ? vg_hotline_index_add_file(h, s->bank, c->rows_path, &first, &before,
                                                      &after, err)
                          : vg_hotline_index_add(h, s->bank, c->csv, c->csv_len, &first, &before,
                                                 &after, err);
    }
    if (st != VG_OK)
        return st;
    *out = (apply_args){.h = h, .s = s, .c = c, .checkpoint = checkpoint, .verified = verified,
                        .lines = lines, .now = now, .removed_entries = removed};
    return vg_store_write(h->store, apply_tx, out, err);
}

/* Fetch and apply one source; err says why it failed. */
static vg_status run_source(vg_hotline *h, const sync_source *s, int allow_private,
                            const char *checkpoint, int64_t now, apply_args *out,
                            vg_error *err)
{
    /* The run's files stay beside the index when it stops mid-range: the
     * next run on this node resumes from their checkpoint (the pages
     * already in the journal are not fetched again) when it continues the
     * store's; otherwise the store's checkpoint starts afresh. */
    char dir[1024], state_path[1040], journal_path[1060], bank_path[1040];
    if ((size_t)snprintf(dir, sizeof dir, "%s.sync-%s.work", h->index_path, s->name) >=
        sizeof dir)
        return vg_error_set(err, VG_ERR_INVALID, "%s: path too long", h->index_path);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot make the sync's directory", dir);
    snprintf(state_path, sizeof state_path, "%s/state", dir);
    snprintf(journal_path, sizeof journal_path, "%s/state.journal", dir);
    snprintf(bank_path, sizeof bank_path, "%s/bank.csv", dir);
    unlink(bank_path);
    char *local = read_text(state_path);
    /* (a range stopped before its first page is begun afresh: it then
     * reaches up to now) */
    int resume = local && strstr(local, "\nin-range: 1\n") && !strstr(local, "\ncursor: \n") &&
                 done_until_of(local) == done_until_of(checkpoint);
    free(local);
    vg_status st = VG_OK;
    if (!resume) {
        unlink(journal_path);
        unlink(state_path);
        if (checkpoint)
            st = write_text(state_path, checkpoint, err);
    }

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
    if (st == VG_OK)
        st = apply_changes(h, s, &c, next, NULL, NULL, now, out, err);
    free(next);
    changes_clear(&c);
    vg_sync_client_free(client);
    unlink(bank_path);
    if (st == VG_OK) {
        unlink(journal_path);
        unlink(state_path);
        rmdir(dir);
    }
    return st;
}

/* ---- a partner's signed list ------------------------------------------------------ */

/* Field n (from 0) of a CSV line as the canonical form writes it (RFC 4180
 * quoting), malloc'd; NULL when the line has fewer fields. */
static char *csv_nth(const char *line, size_t len, unsigned n)
{
    size_t i = 0;
    for (unsigned field = 0; i <= len; field++) {
        char *out = field == n ? malloc(len + 1) : NULL;
        if (field == n && !out)
            return NULL;
        size_t o = 0;
        if (i < len && line[i] == '"') {
            for (i++; i < len; i++) {
                if (line[i] == '"' && (i + 1 >= len || line[i + 1] != '"')) {
                    i++;
                    break;
                }
                if (line[i] == '"')
                    i++;
                if (out)
                    out[o++] = line[i];
            }
        }
        for (; i < len && line[i] != ','; i++)
            if (out)
                out[o++] = line[i];
        if (out) {
            out[o] = '\0';
            return out;
        }
        i++; /* past the comma (or the end) */
    }
    return NULL;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A line of f without its LF; false at the end. */
static bool next_line(FILE *f, char **line, size_t *cap, size_t *len)
{
    if (!f)
        return false;
    ssize_t n = getline(line, cap, f);
    if (n < 0)
        return false;
    if (n && (*line)[n - 1] == '\n')
        (*line)[--n] = '\0';
    *len = (size_t)n;
    return true;
}

/* Remember the id of a line the old list had and the new one has not. */
static vg_status touch(changes *c, const char *line, size_t len, vg_error *err)
{
    char *id = csv_nth(line, len, 2);
    if (!id)
        return vg_error_set(err, VG_ERR_CORRUPT, "a verified list's line has no id");
    vg_status st = change_id(c, id, 1, err);
    free(id);
    return st;
}

static bool put_line(FILE *f, const char *line, size_t len)
{
    return fwrite(line, 1, len, f) == len && fputc('\n', f) != EOF;
}

/* Whether id is one of c's (sorted) ids; its index in *at. */
static bool has_id(const changes *c, const char *line, size_t len, size_t *at, vg_error *err,
                   vg_status *st)
{
    char *id = csv_nth(line, len, 2);
    if (!id) {
        *st = vg_error_set(err, VG_ERR_CORRUPT, "a verified list's line has no id");
        return false;
    }
    char **found = c->count ? bsearch(&id, c->ids, c->count, sizeof *c->ids, cmp_text) : NULL;
    free(id);
    if (found)
        *at = (size_t)(found - c->ids);
    return found != NULL;
}

/* The files a signed run writes beside the list it fetched. */
typedef struct list_files {
    const char *removed; /* lines only the old list has */
    const char *added;   /* lines only the new list has */
    const char *rows;    /* the bank file of rows to add to the index (BANK.txt) */
} list_files;

/* The changes from the canonical list old_path (NULL: none) to new_path,
 * in files and never in memory but for the ids the old list loses lines
 * of (c->ids, withdrawn unless new_path still has lines for them): both
 * lists are sorted, so one merge writes the lines each lacks; then the
 * rows to add to the index are the new lines of ids the old list did not
 * have, and every new line of the ids it did (their old rows leave the
 * index). */
static vg_status list_changes(const char *old_path, const char *new_path, const list_files *out,
                              changes *c, vg_error *err)
{
    FILE *a = old_path ? fopen(old_path, "rb") : NULL;
    FILE *b = fopen(new_path, "rb");
    FILE *gone = fopen(out->removed, "wb"), *came = fopen(out->added, "wb");
    FILE *rows = fopen(out->rows, "wb");
    vg_status st = VG_OK;
    if ((old_path && !a) || !b || !gone || !came || !rows)
        st = vg_error_set(err, VG_ERR_IO, "cannot compare the verified lists: %s",
                          strerror(errno));
    char *la = NULL, *lb = NULL;
    size_t ca = 0, cb = 0, na = 0, nb = 0;
    bool ha = false, hb = false, written = true;
    if (st == VG_OK) {
        ha = next_line(a, &la, &ca, &na);
        hb = next_line(b, &lb, &cb, &nb);
    }
    /* a new header (columns) changes every line */
    bool same_columns = ha && hb && !strcmp(la, lb);
    if (hb)
        written = put_line(rows, lb, nb);
    ha = ha && next_line(a, &la, &ca, &na);
    hb = hb && next_line(b, &lb, &cb, &nb);
    while (st == VG_OK && written && (ha || hb)) {
        int order = !ha ? 1 : !hb ? -1 : same_columns ? strcmp(la, lb) : -1;
        if (order == 0) {
            ha = next_line(a, &la, &ca, &na);
            hb = next_line(b, &lb, &cb, &nb);
        } else if (order < 0) {
            written = put_line(gone, la, na);
            c->lines_gone++;
            st = touch(c, la, na, err);
            ha = next_line(a, &la, &ca, &na);
        } else {
            written = put_line(came, lb, nb);
            c->lines_came++;
            hb = next_line(b, &lb, &cb, &nb);
        }
    }
    /* change_id only merges neighbours: sort and merge the ids */
    if (st == VG_OK && c->count) {
        qsort(c->ids, c->count, sizeof *c->ids, cmp_text);
        size_t kept = 0;
        for (size_t i = 0; i < c->count; i++) {
            if (kept && !strcmp(c->ids[kept - 1], c->ids[i])) {
                free(c->ids[i]);
                continue;
            }
            c->ids[kept] = c->ids[i];
            c->withdrawn[kept++] = 1;
        }
        c->count = kept;
    }
    if (came && fflush(came) != 0)
        written = false;
    /* the new lines of ids the old list did not have */
    FILE *added = st == VG_OK && written ? fopen(out->added, "rb") : NULL;
    if (st == VG_OK && written && !added)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot read", out->added);
    size_t at;
    while (st == VG_OK && written && next_line(added, &lb, &cb, &nb)) {
        if (!has_id(c, lb, nb, &at, err, &st) && st == VG_OK) {
            written = put_line(rows, lb, nb);
            c->rows++;
        }
    }
    /* every new line of the ids it did: one more pass over the new list */
    if (st == VG_OK && written && c->count) {
        rewind(b);
        next_line(b, &lb, &cb, &nb); /* the header */
        while (st == VG_OK && written && next_line(b, &lb, &cb, &nb)) {
            if (!has_id(c, lb, nb, &at, err, &st))
                continue;
            c->withdrawn[at] = 0;
            written = put_line(rows, lb, nb);
            c->rows++;
        }
    }
    if (st == VG_OK && b && ferror(b))
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot read", new_path);
    free(la);
    free(lb);
    if (added)
        fclose(added);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    if (gone && fclose(gone) != 0)
        written = false;
    if (came && fclose(came) != 0)
        written = false;
    if (rows && fclose(rows) != 0)
        written = false;
    if (st == VG_OK && !written)
        st = vg_error_set(err, VG_ERR_IO, "cannot write the lists' differences: %s",
                          strerror(errno));
    return st;
}

static void hex_of(const uint8_t *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
}

/* The version a signature file names, before it is verified: it only
 * chooses what to fetch next. */
static uint64_t version_named(const char *sig_path)
{
    char *text = read_text(sig_path);
    const char *at = text ? strstr(text, "\nversion: ") : NULL;
    uint64_t v = at ? strtoull(at + 10, NULL, 10) : 0;
    free(text);
    return v;
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Every id of the canonical list at path into c, none withdrawn. */
static vg_status ids_of_list(const char *path, changes *c, vg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read", path);
    char *line = NULL;
    size_t cap = 0, len = 0;
    vg_status st = VG_OK;
    next_line(f, &line, &cap, &len); /* the header */
    while (st == VG_OK && next_line(f, &line, &cap, &len)) {
        char *id = csv_nth(line, len, 2);
        st = id ? change_id(c, id, 0, err)
                : vg_error_set(err, VG_ERR_CORRUPT, "a verified list's line has no id");
        free(id);
    }
    free(line);
    fclose(f);
    return st;
}

/* The first line of the file at path without its LF (malloc'd), or NULL. */
static char *first_line(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0, len = 0;
    bool got = next_line(f, &line, &cap, &len);
    if (f)
        fclose(f);
    if (!got) {
        free(line);
        return NULL;
    }
    return line;
}

/* Whether the signature file at sig_path vouches for a list whose bytes
 * hash to sha_hex (as a full list's or as the list a delta makes): the
 * local copy is then the list the store's state names. */
static bool sig_vouches(const char *sig_path, const char *sha_hex)
{
    char *text = sha_hex ? read_text(sig_path) : NULL;
    if (!text)
        return false;
    char full[100], result[110];
    snprintf(full, sizeof full, "\nsha256: %s\n", sha_hex);
    snprintf(result, sizeof result, "\nresult-sha256: %s\n", sha_hex);
    bool yes = strstr(text, full) || strstr(text, result);
    free(text);
    return yes;
}

typedef struct rebuild_args {
    const char *source;
    int64_t generation;
    FILE *out;
} rebuild_args;

static vg_status rebuild_line(void *ctx, const char *line, size_t len, vg_error *err)
{
    rebuild_args *a = ctx;
    if (!put_line(a->out, line, len))
        return vg_error_set(err, VG_ERR_IO, "cannot write the verified list: %s",
                            strerror(errno));
    return VG_OK;
}

static vg_status rebuild_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    rebuild_args *a = ctx;
    return vg_tx_signed_lines_each(tx, a->source, a->generation, rebuild_line, a, err);
}

/* The last verified list, as the store keeps it, into path (the header
 * from the state, then the lines in their order): another node applied
 * it, or this node's copy is gone. The delta applied to it checks its
 * hash. */
static vg_status rebuild_base(vg_hotline *h, const char *source, int64_t generation,
                              const char *header, const char *path, vg_error *err)
{
    rebuild_args a = {.source = source, .generation = generation, .out = fopen(path, "wb")};
    if (!a.out)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    vg_status st = put_line(a.out, header, strlen(header))
                       ? vg_store_read(h->store, rebuild_tx, &a, err)
                       : vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
    if (fclose(a.out) != 0 && st == VG_OK)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
    if (st != VG_OK)
        unlink(path);
    return st;
}

/* One run of a signed source (syncing.h). state: the source's state. */
static vg_status run_signed(vg_hotline *h, const sync_source *s, int allow_private,
                            json_t *state, int64_t now, apply_args *out, vg_error *err)
{
    /* this node's copy of the last verified list, and the run's files
     * beside it (renamed over it once the store has the new state) */
    char base[1024], base_sig[1040], dir[1040];
    if ((size_t)snprintf(base, sizeof base, "%s.sync-%s.list", h->index_path, s->name) >=
        sizeof base)
        return vg_error_set(err, VG_ERR_INVALID, "%s: path too long", h->index_path);
    vg_signed_sig_path(base, base_sig, sizeof base_sig);
    snprintf(dir, sizeof dir, "%s.run-XXXXXX", base);
    if (!mkdtemp(dir))
        return vg_error_set(err, VG_ERR_IO, "%s: cannot make a directory for the sync", dir);
    char list[1100], list_sig[1110], delta[1100], delta_sig[1110];
    char removed[1100], added[1100], rows[1200];
    snprintf(list, sizeof list, "%s/list", dir);
    vg_signed_sig_path(list, list_sig, sizeof list_sig);
    snprintf(delta, sizeof delta, "%s/delta", dir);
    vg_signed_sig_path(delta, delta_sig, sizeof delta_sig);
    snprintf(removed, sizeof removed, "%s/removed", dir);
    snprintf(added, sizeof added, "%s/added", dir);
    snprintf(rows, sizeof rows, "%s/%s.txt", dir, s->bank);

    uint64_t had = (uint64_t)state_int(state, "version");
    const char *had_publisher = json_string_value(json_object_get(state, "publisher"));
    const char *had_list = json_string_value(json_object_get(state, "list"));
    const char *had_sha = json_string_value(json_object_get(state, "sha256"));
    /* the store holds the lines of the version verified (since it keeps
     * them: a state from before only had this node's copy) */
    const char *had_header = json_string_value(json_object_get(state, "header"));
    int64_t generation = state_int(state, "lines_generation");
    bool stored = had && had_header && generation > 0 &&
                  json_is_true(json_object_get(state, "lines"));
    if (!stored)
        generation = 0;
    /* lines of any other generation are a replaced list not yet pruned,
     * or one a failed or killed run left half-written */
    vg_status st = prune_lines(h, s->name, generation, err);
    bool have_base = had && file_exists(base) && sig_vouches(base_sig, had_sha);
    if (st == VG_OK && !have_base && stored) {
        unlink(base_sig);
        st = rebuild_base(h, s->name, generation, had_header, base, err);
        have_base = st == VG_OK;
    }

    vg_sync_config cfg;
    vg_sync_config_init(&cfg, VG_SYNC_SIGNED);
    cfg.base_url = s->url;
    cfg.http.ca_file = s->ca_file;
    cfg.http.allow_private_addresses = allow_private;
    cfg.http.allow_plain_http = allow_private;
    vg_sync_client *client = NULL;
    if (st == VG_OK)
        st = vg_sync_client_new(&cfg, &client, err);
    bool missing = false;
    if (st == VG_OK)
        st = vg_sync_fetch_file(client, ".sig", list_sig, &missing, err);
    if (st == VG_OK && missing)
        st = vg_error_set(err, VG_ERR_IO, "%s.sig: the publisher has no signature there",
                          s->url);
    uint64_t named = st == VG_OK ? version_named(list_sig) : 0;
    vg_signed_manifest m = {0};
    const char *verified_path = list;
    if (st == VG_OK && have_base && named == had) {
        /* the version we hold: its signature must still verify over it */
        verified_path = base;
        st = vg_signed_verify(base, list_sig, s->keyring, &m, err);
    } else if (st == VG_OK) {
        bool patched = false;
        if (have_base && named > had) {
            char suffix[48];
            snprintf(suffix, sizeof suffix, ".delta.%" PRIu64, had);
            bool no_delta = false, no_sig = false;
            st = vg_sync_fetch_file(client, suffix, delta, &no_delta, err);
            strcat(suffix, ".sig");
            if (st == VG_OK && !no_delta)
                st = vg_sync_fetch_file(client, suffix, delta_sig, &no_sig, err);
            if (st == VG_OK && !no_delta && !no_sig) {
                /* writes the list and the delta's signature (which vouches
                 * for it) over the fetched one */
                unlink(list_sig);
                vg_signed_delta_stats ds;
                st = vg_signed_patch(base, delta, s->keyring, list, &m, &ds, err);
                patched = st == VG_OK;
            }
        }
        if (st == VG_OK && !patched) {
            st = vg_sync_fetch_file(client, "", list, &missing, err);
            if (st == VG_OK && missing)
                st = vg_error_set(err, VG_ERR_IO, "%s: the publisher has no list there", s->url);
            if (st == VG_OK)
                st = vg_signed_verify(list, list_sig, s->keyring, &m, err);
            if (st == VG_OK && m.kind != VG_SIGNED_FULL)
                st = vg_error_set(err, VG_ERR_INVALID, "%s: a delta where the list was expected",
                                  s->url);
        }
    }
    /* what was verified must continue what we hold */
    if (st == VG_OK && had_publisher && had_list &&
        (strcmp(had_publisher, m.publisher) || strcmp(had_list, m.list)))
        st = vg_error_set(err, VG_ERR_INVALID,
                          "%s is now list '%s' of '%s', not list '%s' of '%s' as before: "
                          "nothing changed",
                          s->url, m.list, m.publisher, had_list, had_publisher);
    if (st == VG_OK && m.version < had)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "%s offers version %" PRIu64 ", older than version %" PRIu64
                          " already verified: nothing changed",
                          s->url, m.version, had);

    changes c = {.rows_path = rows};
    /* the lines change in place (in the run's transaction), or the whole
     * list goes in as the next generation (fresh: the file) */
    lines_update lines = {.generation = generation};
    const char *fresh = NULL;
    if (st == VG_OK && verified_path == list && !have_base) {
        /* the first list (or one this node could not compare): all of it
         * goes in, streamed from the file verified */
        if (link(list, rows) != 0)
            st = vg_error_set(err, VG_ERR_IO, "%s: %s", rows, strerror(errno));
        /* a node that held a version it cannot compare with (a state from
         * before the store kept the lines, and no copy here): the bank's
         * rows of these ids leave first, as they come back (the ids held
         * in memory, in this case only) */
        if (st == VG_OK && had)
            st = ids_of_list(list, &c, err);
        c.rows = m.kind == VG_SIGNED_FULL ? m.entries : m.result_entries;
        fresh = list;
    } else if (st == VG_OK && verified_path == list) {
        list_files files = {removed, added, rows};
        st = list_changes(base, list, &files, &c, err);
        /* the store follows the same differences when it held the old
         * list and they are few; otherwise it takes the new one whole */
        if (stored && c.lines_gone + c.lines_came <= h->syncing->lines_per_commit) {
            lines.removed_path = removed;
            lines.added_path = added;
        } else {
            fresh = list;
        }
    }
    json_t *verified = NULL;
    char *header = st == VG_OK ? first_line(verified_path) : NULL;
    if (st == VG_OK && !header)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot read the list verified", verified_path);
    if (st == VG_OK) {
        char key[2 * VG_SIGNED_PUBLIC_KEY_BYTES + 1], sha[65];
        hex_of(m.key, sizeof m.key, key);
        hex_of(m.verified_as_result ? m.result_sha256 : m.sha256, 32, sha);
        uint64_t entries = m.verified_as_result ? m.result_entries : m.entries;
        /* "lines": the store holds the list's lines (from this run on) */
        verified = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "version",
                             (json_int_t)m.version, "publisher", m.publisher, "list", m.list,
                             "key", key, "sha256", sha, "header", header, "entries",
                             (json_int_t)entries, "lines", 1);
        if (!verified)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    free(header);
    /* the version held and the store without its lines (a state from
     * before they were kept): they go in now */
    if (st == VG_OK && verified_path == base && !stored)
        fresh = base;
    int64_t written = fresh ? generation + 1 : 0;
    if (st == VG_OK)
        json_object_set_new(verified, "lines_generation",
                            json_integer(fresh ? written : generation));
    if (st == VG_OK && fresh)
        st = store_generation(h, s->name, written, fresh, err);
    if (st == VG_OK)
        st = apply_changes(h, s, &c, NULL, verified,
                           lines.removed_path || lines.added_path ? &lines : NULL, now, out,
                           err);
    /* the state names one generation: the other goes (the one replaced,
     * or the one this run could not finish); a failure to prune is made
     * good at the next run's start */
    if (written) {
        vg_error ignored;
        prune_lines(h, s->name, st == VG_OK ? written : generation, &ignored);
    }
    /* the store holds the new version: the list verified becomes this
     * node's copy (a copy rebuilt from the store gets the signature that
     * vouched for it again) */
    if (st == VG_OK && verified_path == list &&
        (rename(list, base) != 0 || rename(list_sig, base_sig) != 0))
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot keep the verified list", base);
    if (st == VG_OK && verified_path == base && !file_exists(base_sig) &&
        rename(list_sig, base_sig) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot keep the verified list", base);
    /* a copy that did not verify (or a delta that did not apply to it) is
     * not trusted again: the next run rebuilds it from the store */
    if (st == VG_ERR_CORRUPT && have_base && stored) {
        unlink(base);
        unlink(base_sig);
    }
    json_decref(verified);
    changes_clear(&c);
    vg_sync_client_free(client);
    unlink(list);
    unlink(list_sig);
    unlink(delta);
    unlink(delta_sig);
    unlink(removed);
    unlink(added);
    unlink(rows);
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
        if (!due) {
            json_decref(sa.state);
            continue;
        }
        pass->ran++;
        apply_args done = {0};
        vg_error e;
        if (s->kind == VG_SYNC_SIGNED)
            st = run_signed(h, s, y->allow_private, sa.state, now, &done, &e);
        else
            st = run_source(h, s, y->allow_private,
                            json_string_value(json_object_get(sa.state, "checkpoint")), now,
                            &done, &e);
        json_decref(sa.state);
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
