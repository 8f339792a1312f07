/*
 * One synchronisation run (vg_sync_bank): fetch pages into a journal with a
 * checkpoint after each, then apply the journal to the bank.
 *
 * The journal holds one line per record, tab-separated (values never hold
 * tabs or line ends: the readers turn control characters into spaces):
 *
 *   seq  add|remove  signal_type  signal  id  value...
 *
 * where seq numbers the appearances of entries (the rows of one NCMEC entry
 * share it). Applying keeps, for each id, only its last appearance: first
 * pass, the last seq of every id in the journal (memory grows with the
 * number of changed ids, about 50 bytes each); then the old bank is copied
 * without those ids, and the last appearances that are additions follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/idmap.h"
#include "core/lines.h"
#include "hashsync_internal.h"
#include "vigie/digest.h"

#define MAX_COLUMNS 8

typedef struct run {
    vg_sync_client *client;
    vg_exchange_format format;
    size_t columns;
    const char *bank_path;
    const char *state_path;
    char journal_path[4096];
    vg_sync_checkpoint cp;
    FILE *journal;
    bool journal_failed;
    vg_sync_options opts;
    const vg_sync_callbacks *cb;
    vg_sync_stats stats;
    uint64_t last_position;
    bool page_started;
    vg_error *err;
} run;

/* ---- fetching ---------------------------------------------------------------- */

static void journal_field(run *r, const char *s, char after)
{
    fputs(s, r->journal);
    fputc(after, r->journal);
}

static vg_status on_record(void *ctx, const vg_exchange_record *rec, vg_error *err)
{
    run *r = ctx;
    if (!r->page_started || rec->position != r->last_position)
        r->cp.journal_records++;
    r->page_started = true;
    r->last_position = rec->position;
    r->stats.records++;
    char seq[24];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)r->cp.journal_records);
    journal_field(r, seq, '\t');
    journal_field(r, rec->removed ? "remove" : "add", '\t');
    journal_field(r, rec->signal_type, '\t');
    journal_field(r, rec->signal, '\t');
    journal_field(r, rec->id, r->columns ? '\t' : '\n');
    for (size_t i = 0; i < r->columns; i++)
        journal_field(r, rec->values[i], i + 1 < r->columns ? '\t' : '\n');
    if (ferror(r->journal))
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", r->journal_path,
                            strerror(errno));
    return VG_OK;
}

static void on_bad(void *ctx, uint64_t position, const char *reason)
{
    run *r = ctx;
    r->stats.bad++;
    if (r->cb && r->cb->on_bad)
        r->cb->on_bad(r->cb->ctx, r->stats.pages + 1, position, reason);
}

static void on_unsupported(void *ctx, const char *type_name)
{
    run *r = ctx;
    r->stats.unsupported++;
    if (r->cb && r->cb->on_unsupported)
        r->cb->on_unsupported(r->cb->ctx, type_name);
}

static vg_status save(run *r)
{
    return vg_sync_checkpoint_save(r->state_path, &r->cp, r->err);
}

/* Open the journal at the length the checkpoint knows (cutting what a
 * crash left after it), or empty when a range starts. */
static vg_status open_journal(run *r, bool empty)
{
    int fd = open(r->journal_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vg_error_set(r->err, VG_ERR_IO, "%s: cannot open: %s", r->journal_path,
                            strerror(errno));
    off_t keep = empty ? 0 : (off_t)r->cp.journal_bytes;
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < keep) {
        close(fd);
        return vg_error_set(r->err, VG_ERR_CORRUPT,
                            "%s: shorter than its checkpoint says; remove %s and the journal to "
                            "start over",
                            r->journal_path, r->state_path);
    }
    if (ftruncate(fd, keep) != 0 || lseek(fd, keep, SEEK_SET) < 0) {
        close(fd);
        return vg_error_set(r->err, VG_ERR_IO, "%s: %s", r->journal_path, strerror(errno));
    }
    r->journal = fdopen(fd, "r+");
    if (!r->journal) {
        close(fd);
        return vg_error_set(r->err, VG_ERR_NOMEM, "out of memory");
    }
    if (fseeko(r->journal, keep, SEEK_SET) != 0)
        return vg_error_set(r->err, VG_ERR_IO, "%s: %s", r->journal_path, strerror(errno));
    if (empty) {
        r->cp.journal_bytes = 0;
        r->cp.journal_records = 0;
    }
    return VG_OK;
}

static vg_status sync_journal(run *r)
{
    if (fflush(r->journal) != 0 || fsync(fileno(r->journal)) != 0)
        return vg_error_set(r->err, VG_ERR_IO, "%s: cannot write: %s", r->journal_path,
                            strerror(errno));
    off_t at = ftello(r->journal);
    r->cp.journal_bytes = at > 0 ? (uint64_t)at : 0;
    return VG_OK;
}

/* Begin a range when none is under way; true when there is something to
 * fetch. */
static bool begin_range(run *r, bool *restart)
{
    *restart = false;
    if (r->cp.in_range) {
        bool expired = r->cp.cursor[0] &&
                       r->opts.now - r->cp.cursor_time > r->opts.cursor_lifetime;
        if (expired) {
            /* The service's cursor is stale: fetch the same range again. */
            r->cp.cursor[0] = '\0';
            *restart = true;
        }
        return true;
    }
    if (r->client->config.source == VG_SYNC_NCMEC) {
        int64_t until = r->opts.until ? r->opts.until : r->opts.now - 5;
        if (r->cp.done_until >= until)
            return false;
        r->cp.range_from = r->cp.done_until;
        r->cp.range_to = until;
    } else {
        /* StopNCII's own client starts from 10 when it has no checkpoint. */
        r->cp.range_from = r->cp.done_until ? r->cp.done_until : 10;
        r->cp.range_to = 0;
    }
    r->cp.in_range = true;
    r->cp.cursor[0] = '\0';
    *restart = true;
    return true;
}

static vg_status fetch(run *r)
{
    bool restart;
    if (!begin_range(r, &restart))
        return VG_OK;
    vg_status st = open_journal(r, restart);
    if (st == VG_OK && restart)
        st = save(r);
    vg_exchange_read_options ropts;
    vg_exchange_read_options_init(&ropts);
    ropts.skip_bad = r->opts.skip_bad;
    vg_exchange_read_callbacks rcb = {on_record, on_bad, on_unsupported, r};
    while (st == VG_OK && !r->cp.fetched) {
        if (r->opts.max_pages && r->stats.pages == r->opts.max_pages)
            break;
        vg_exchange_paging paging;
        r->page_started = false;
        st = r->client->config.source == VG_SYNC_NCMEC
                 ? ncmec_fetch_page(r->client, r->cp.range_from, r->cp.range_to, r->cp.cursor,
                                    &ropts, &rcb, NULL, &paging, r->err)
                 : stopncii_fetch_page(r->client, r->cp.range_from, r->cp.cursor, &ropts, &rcb,
                                       NULL, &paging, r->err);
        if (st != VG_OK)
            break;
        if (paging.has_more && (!paging.next[0] || strpbrk(paging.next, "\r\n"))) {
            st = vg_error_set(r->err, VG_ERR_CORRUPT,
                              "%s announced more pages without a usable cursor",
                              vg_sync_source_name(r->client->config.source));
            break;
        }
        st = sync_journal(r);
        if (st != VG_OK)
            break;
        r->stats.pages++;
        if (r->client->config.source == VG_SYNC_STOPNCII && paging.next_timestamp > 0)
            r->cp.range_to = paging.next_timestamp;
        snprintf(r->cp.cursor, sizeof r->cp.cursor, "%s", paging.has_more ? paging.next : "");
        r->cp.cursor_time = r->opts.now;
        r->cp.fetched = !paging.has_more;
        st = save(r);
        if (st == VG_OK && r->cb && r->cb->on_page)
            r->cb->on_page(r->cb->ctx, r->stats.pages, r->stats.records);
    }
    return st;
}

/* ---- applying ------------------------------------------------------------------ */

typedef struct line_buffer {
    char *data;
    size_t len, cap;
} line_buffer;

static vg_status buffer_write(void *ctx, const void *data, size_t len, vg_error *err)
{
    line_buffer *b = ctx;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + len)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return VG_OK;
}

typedef struct apply {
    run *r;
    vg_idmap last; /* id -> seq of its last appearance */
    lwriter out;
    line_buffer line;
    bool columns_checked;
} apply;

/* The fields of a journal line, split in place. */
typedef struct journal_line {
    uint64_t seq;
    bool removed;
    const char *type, *signal, *id;
    const char *values[MAX_COLUMNS];
} journal_line;

static bool split_journal(char *text, size_t len, size_t columns, journal_line *out)
{
    char *fields[5 + MAX_COLUMNS];
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\t')
            continue;
        if (count == 5 + columns)
            return false;
        fields[count++] = text + start;
        if (i < len)
            text[i] = '\0';
        start = i + 1;
    }
    if (count != 5 + columns || strspn(fields[0], "0123456789") != strlen(fields[0]))
        return false;
    out->seq = strtoull(fields[0], NULL, 10);
    if (strcmp(fields[1], "add") && strcmp(fields[1], "remove"))
        return false;
    out->removed = !strcmp(fields[1], "remove");
    out->type = fields[2];
    out->signal = fields[3];
    out->id = fields[4];
    for (size_t i = 0; i < columns; i++)
        out->values[i] = fields[5 + i];
    return true;
}

/* Each journal line in order, split, to fn. */
static vg_status each_journal_line(run *r, vg_status (*fn)(apply *a, const journal_line *l),
                                   apply *a)
{
    lreader in;
    vg_status st = lreader_open(&in, r->journal_path, r->err);
    if (st != VG_OK)
        return st;
    char *copy = NULL;
    size_t copy_cap = 0;
    for (;;) {
        const char *text;
        size_t len;
        bool got;
        st = lreader_next(&in, &text, &len, &got, r->err);
        if (st != VG_OK || !got)
            break;
        if (len + 1 > copy_cap) {
            char *grown = realloc(copy, len + 1);
            if (!grown) {
                st = vg_error_set(r->err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            copy = grown;
            copy_cap = len + 1;
        }
        memcpy(copy, text, len);
        copy[len] = '\0';
        journal_line l;
        if (!split_journal(copy, len, r->columns, &l)) {
            st = vg_error_set(r->err, VG_ERR_CORRUPT, "%s: line %llu is not a journal line",
                              r->journal_path, (unsigned long long)in.line);
            break;
        }
        st = fn(a, &l);
        if (st != VG_OK)
            break;
    }
    lreader_close(&in);
    free(copy);
    return st;
}

static vg_status note_last(apply *a, const journal_line *l)
{
    if (!vg_idmap_put(&a->last, l->id, strlen(l->id), l->seq))
        return vg_error_set(a->r->err, VG_ERR_NOMEM, "out of memory (journal of %llu records)",
                            (unsigned long long)a->r->cp.journal_records);
    return VG_OK;
}

static void emit_line(apply *a)
{
    /* The line buffer ends with its LF. */
    lwriter_line(&a->out, a->line.data, a->line.len - 1);
    a->line.len = 0;
}

static vg_status write_last(apply *a, const journal_line *l)
{
    run *r = a->r;
    uint64_t last;
    if (!vg_idmap_get(&a->last, l->id, strlen(l->id), &last) || last != l->seq)
        return VG_OK; /* a later appearance decides */
    vg_exchange_record rec = {.signal_type = l->type, .signal = l->signal, .id = l->id,
                              .values = l->values, .removed = l->removed};
    if (l->removed) {
        r->stats.removed++;
    } else {
        vg_exchange_sink sink = {buffer_write, &a->line};
        vg_status st = vg_exchange_csv_record(r->format, &rec, NULL, 0, &sink, r->err);
        if (st != VG_OK)
            return st;
        emit_line(a);
        r->stats.added++;
        r->stats.bank_entries++;
    }
    if (r->cb && r->cb->on_change)
        return r->cb->on_change(r->cb->ctx, &rec, r->err);
    return VG_OK;
}

static vg_status old_start(void *ctx, const vg_bank_info *info, vg_error *err)
{
    apply *a = ctx;
    size_t count;
    const char *const *names = vg_exchange_columns(a->r->format, &count);
    const char *col = info->columns;
    bool same = info->is_csv && info->column_count == count;
    for (size_t i = 0; same && i < count; i++) {
        same = !strcmp(col, names[i]);
        col += strlen(col) + 1;
    }
    if (!same)
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: not a bank this synchronisation wrote (its columns differ from "
                            "a %s bank's)",
                            a->r->bank_path, vg_sync_source_name(a->r->client->config.source));
    a->columns_checked = true;
    return VG_OK;
}

static vg_status old_row(apply *a, const char *type, size_t type_len, const char *signal,
                         size_t signal_len, const char *id, size_t id_len, const char *metadata,
                         size_t metadata_len, vg_error *err)
{
    uint64_t seq;
    if (vg_idmap_get(&a->last, id, id_len, &seq))
        return VG_OK; /* replaced or removed */
    vg_exchange_sink sink = {buffer_write, &a->line};
    vg_status st = vg_exchange_csv_field(type, type_len, &sink, err);
    if (st == VG_OK)
        st = buffer_write(&a->line, ",", 1, err);
    if (st == VG_OK)
        st = vg_exchange_csv_field(signal, signal_len, &sink, err);
    if (st == VG_OK)
        st = buffer_write(&a->line, ",", 1, err);
    if (st == VG_OK)
        st = vg_exchange_csv_field(id, id_len, &sink, err);
    for (size_t at = 0; st == VG_OK && at < metadata_len;) {
        size_t n = strnlen(metadata + at, metadata_len - at);
        st = buffer_write(&a->line, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(metadata + at, n, &sink, err);
        at += n + 1;
    }
    if (st == VG_OK)
        st = buffer_write(&a->line, "\n", 1, err);
    if (st == VG_OK) {
        emit_line(a);
        a->r->stats.bank_entries++;
    }
    return st;
}

static vg_status old_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    char hex[2 * VG_SIGNAL_MAX_BYTES + 1];
    size_t bytes = vg_signal_type_bytes(e->type);
    vg_hex_encode(e->value, bytes, hex);
    const char *type = vg_signal_type_name(e->type);
    /* a video's signal goes on as the bank wrote it */
    int video = e->type == VG_SIGNAL_VPDQ;
    return old_row(ctx, type, strlen(type), video ? e->signal : hex,
                   video ? e->signal_len : 2 * bytes, e->id, e->id_len, e->metadata,
                   e->metadata_len, err);
}

static vg_status old_other(void *ctx, const vg_bank_other_entry *e, vg_error *err)
{
    return old_row(ctx, e->type_name, e->type_len, e->signal, e->signal_len, e->id, e->id_len,
                   e->metadata, e->metadata_len, err);
}

static vg_status apply_journal(run *r)
{
    apply a = {.r = r};
    vg_idmap_init(&a.last);
    r->stats.bank_entries = 0;
    /* Nothing changed: the bank stays as it is (a bank of millions is not
     * rewritten for an empty range). */
    bool nothing = r->cp.journal_records == 0 && access(r->bank_path, F_OK) == 0;
    vg_status st = nothing ? VG_OK : each_journal_line(r, note_last, &a);
    if (st == VG_OK && nothing)
        goto advance;
    if (st == VG_OK)
        st = lwriter_open(&a.out, r->bank_path, r->err);
    if (st == VG_OK) {
        vg_exchange_sink sink = {buffer_write, &a.line};
        st = vg_exchange_csv_header(r->format, NULL, 0, &sink, r->err);
        if (st == VG_OK)
            emit_line(&a);
    }
    if (st == VG_OK && access(r->bank_path, F_OK) == 0) {
        vg_bank_options opts;
        vg_bank_options_init(&opts);
        opts.on_other_type = old_other;
        vg_bank_callbacks cb = {old_start, old_entry, NULL, &a};
        st = vg_bank_parse_file(r->bank_path, &opts, &cb, NULL, r->err);
    }
    if (st == VG_OK)
        st = each_journal_line(r, write_last, &a);
    if (st == VG_OK)
        st = lwriter_commit(&a.out, NULL, r->err);
    else
        lwriter_abort(&a.out);
    r->stats.bank_written = st == VG_OK;
    vg_idmap_free(&a.last);
    free(a.line.data);
    if (st != VG_OK)
        return st;
advance:
    /* The bank holds the range: the checkpoint moves past it. */
    if (r->client->config.source == VG_SYNC_NCMEC || r->cp.range_to > 0)
        r->cp.done_until = r->cp.range_to;
    r->cp.in_range = false;
    r->cp.fetched = false;
    r->cp.cursor[0] = '\0';
    r->cp.journal_records = 0;
    r->cp.journal_bytes = 0;
    st = save(r);
    if (st == VG_OK)
        unlink(r->journal_path);
    return st;
}

/* ---- the run -------------------------------------------------------------------- */

vg_status vg_sync_bank(vg_sync_client *client, const char *bank_path, const char *state_path,
                       const vg_sync_options *opts, const vg_sync_callbacks *cb,
                       vg_sync_stats *stats, vg_error *err)
{
    if (client->config.source == VG_SYNC_SIGNED)
        return vg_error_set(err, VG_ERR_INVALID,
                            "a signed list is fetched whole or as a delta, not synchronised by "
                            "range (vg_sync_fetch_file)");
    run r = {.client = client, .bank_path = bank_path, .state_path = state_path, .cb = cb,
             .err = err};
    if (opts)
        r.opts = *opts;
    if (!r.opts.now)
        r.opts.now = (int64_t)time(NULL);
    if (!r.opts.cursor_lifetime)
        r.opts.cursor_lifetime = 12 * 3600;
    r.format = client->config.source == VG_SYNC_NCMEC ? VG_EXCHANGE_NCMEC : VG_EXCHANGE_STOPNCII;
    vg_exchange_columns(r.format, &r.columns);
    if ((size_t)snprintf(r.journal_path, sizeof r.journal_path, "%s.journal", state_path) >=
        sizeof r.journal_path)
        return vg_error_set(err, VG_ERR_INVALID, "%s: path too long", state_path);
    /* One run at a time per checkpoint: a scheduled job and a person may
     * both start one. */
    char lock_path[4096];
    snprintf(lock_path, sizeof lock_path, "%s.lock", state_path);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", lock_path, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        close(lock);
        return vg_error_set(err, VG_ERR_IO, "%s: another synchronisation is running",
                            state_path);
    }
    vg_status st = vg_sync_checkpoint_load(state_path, client->config.source, &r.cp, err);
    /* A range fetched whole before an interruption is applied first. */
    if (st == VG_OK && r.cp.fetched)
        st = apply_journal(&r);
    if (st == VG_OK)
        st = fetch(&r);
    if (r.journal) {
        fclose(r.journal);
        r.journal = NULL;
    }
    if (st == VG_OK && r.cp.fetched)
        st = apply_journal(&r);
    r.stats.complete = st == VG_OK && !r.cp.in_range;
    if (stats)
        *stats = r.stats;
    close(lock);
    return st;
}
