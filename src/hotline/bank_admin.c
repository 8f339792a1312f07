/*
 * src/hotline/bank_admin.c - the banks in the browser and the server's health
 * (banks.h).
 */
#include "hotline/bank_admin.h"
#include "hotline/vics_tables.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline/audit.h"
#include "hotline/index_ref.h"
#include "model/curation.h"
#include "store/audit.h"
#include "store/items.h"
#include "vigie/digest.h"
#include "vigie/exchange.h"
#include "vigie/pdq.h"

/* ---- health -------------------------------------------------------------------- */

static vg_status health_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    vg_health *out = ctx;
    vg_item_counts c;
    char hash[65];
    vg_status st = vg_tx_item_counts(tx, &c, err);
    if (st == VG_OK) {
        out->items_open = c.open;
        out->items_second = c.second;
        out->items_disputed = c.disputed;
        out->items_confirmed = c.confirmed;
        out->items_automatic = c.automatic;
        st = vg_tx_bank_count(tx, &out->own_bank_entries, err);
    }
    if (st == VG_OK)
        st = vg_tx_audit_head(tx, &out->audit_entries, hash, err);
    return st;
}

vg_status vg_hotline_health(vg_hotline *h, vg_health *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    out->schema_version = vg_store_schema_version(h->store);
    vg_store_stats_get(h->store, &out->store);
    void *ticket = NULL;
    const vg_index *index = vg_hotline_index_acquire(h, &ticket);
    out->index_configured = h->index_path != NULL;
    if (index)
        vg_index_get_stats(index, &out->index);
    vg_hotline_index_release(h, ticket);
    pthread_mutex_lock(&h->index_lock);
    snprintf(out->index_problem, sizeof out->index_problem, "%s", h->index_problem);
    pthread_mutex_unlock(&h->index_lock);
    return vg_store_read(h->store, health_tx, out, err);
}

/* ---- the index's banks ------------------------------------------------------------- */

vg_status vg_hotline_index_banks(vg_hotline *h, char (*names)[128], size_t max, size_t *count,
                                 vg_index_stats *stats, vg_error *err)
{
    (void)err;
    *count = 0;
    memset(stats, 0, sizeof *stats);
    void *ticket = NULL;
    const vg_index *index = vg_hotline_index_acquire(h, &ticket);
    if (index) {
        vg_index_get_stats(index, stats);
        for (uint32_t i = 0; i < stats->banks && *count < max; i++)
            snprintf(names[(*count)++], 128, "%s", vg_index_bank_name(index, i));
    }
    vg_hotline_index_release(h, ticket);
    return VG_OK;
}

int vg_hotline_bank_name_valid(const char *name)
{
    return vg_rule_bank_name_valid(name);
}

static vg_index_stats index_stats(vg_hotline *h)
{
    vg_index_stats s = {0};
    void *ticket = NULL;
    const vg_index *index = vg_hotline_index_acquire(h, &ticket);
    if (index)
        vg_index_get_stats(index, &s);
    vg_hotline_index_release(h, ticket);
    return s;
}

static vg_status audit_bank(vg_hotline *h, const char *actor, const char *action,
                            const char *bank, json_t *detail, int64_t now, vg_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    char target[96];
    snprintf(target, sizeof target, "bank:%.80s", bank ? bank : "*");
    vg_audit_note note = {actor, action, target, text};
    vg_status st = vg_hotline_audit(h, now, &note, err);
    free(text);
    return st;
}

typedef struct bad_lines {
    uint64_t count, first;
    char reason[160];
} bad_lines;

static void on_bad_line(void *ctx, uint64_t line, const char *reason)
{
    bad_lines *b = ctx;
    if (!b->count++) {
        b->first = line;
        snprintf(b->reason, sizeof b->reason, "%s", reason ? reason : "not understood");
    }
}

/* The checks shared by the index's additions. */
static vg_status index_add_allowed(vg_hotline *h, const char *bank, vg_error *err)
{
    if (!h->index_path)
        return vg_error_set(err, VG_ERR_INVALID,
                            "No index is configured (intake.index): there is no bank to add to.");
    if (!vg_hotline_bank_name_valid(bank))
        return vg_error_set(err, VG_ERR_INVALID,
                            "A bank's name is 1 to 64 letters, digits, '-' or '_'.");
    return VG_OK;
}

vg_status vg_hotline_index_add_file(vg_hotline *h, const char *bank, const char *path,
                                    uint64_t *first, uint64_t *before, uint64_t *after,
                                    vg_error *err)
{
    *first = *before = *after = 0;
    vg_status st = index_add_allowed(h, bank, err);
    if (st != VG_OK)
        return st;
    /* the engine names a bank after its file */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(bank);
    if (strncmp(base, bank, n) || strcmp(base + n, ".txt"))
        return vg_error_set(err, VG_ERR_INVALID, "%s: a bank file is named BANK.txt", path);
    bad_lines bad = {0};
    vg_bank_options opts;
    vg_bank_options_init(&opts);
    const char *files[] = {path};
    pthread_mutex_lock(&h->index_write_lock);
    vg_index_stats was = index_stats(h);
    *before = was.live_entries;
    *first = was.entries; /* entries are numbered on: the new ones follow */
    st = vg_index_add_files(h->index_path, files, 1, &opts, on_bad_line, &bad, err);
    if (st == VG_OK)
        st = vg_hotline_index_reload(h, err);
    *after = index_stats(h).live_entries;
    pthread_mutex_unlock(&h->index_write_lock);
    if (st != VG_OK && bad.count)
        return vg_error_set(err, VG_ERR_INVALID,
                            "Line %" PRIu64 " of the bank is not understood (%s); nothing was "
                            "added.",
                            bad.first, bad.reason);
    return st;
}

vg_status vg_hotline_index_add(vg_hotline *h, const char *bank, const char *text, size_t len,
                               uint64_t *first, uint64_t *before, uint64_t *after, vg_error *err)
{
    *first = *before = *after = 0;
    vg_status st = index_add_allowed(h, bank, err);
    if (st != VG_OK)
        return st;
    if (!len)
        return vg_error_set(err, VG_ERR_INVALID, "The bank file is empty.");
    /* The text goes to a private directory, named as the bank (hashes
     * only: nothing here is evidence). */
    char dir[] = "/tmp/vigie-bank-XXXXXX", path[160];
    if (!mkdtemp(dir))
        return vg_error_set(err, VG_ERR_IO, "cannot make a temporary directory for the bank");
    snprintf(path, sizeof path, "%s/%s.txt", dir, bank);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len)
        st = vg_error_set(err, VG_ERR_IO, "cannot write the bank to a temporary file");
    if (f && fclose(f) && st == VG_OK)
        st = vg_error_set(err, VG_ERR_IO, "cannot write the bank to a temporary file");
    if (st == VG_OK)
        st = vg_hotline_index_add_file(h, bank, path, first, before, after, err);
    unlink(path);
    rmdir(dir);
    return st;
}

vg_status vg_hotline_bank_import(vg_hotline *h, const char *bank, const char *text, size_t len,
                                 int add_only, const char *actor, int64_t now, uint64_t *added,
                                 vg_error *err)
{
    *added = 0;
    uint64_t first, before, after;
    vg_status st = vg_hotline_index_add(h, bank, text, len, &first, &before, &after, err);
    if (st != VG_OK)
        return st;
    *added = after > before ? after - before : 0;
    return audit_bank(h, actor, add_only ? "bank.add" : "bank.import", bank,
                      json_pack("{s:I, s:I}", "entries_before", (json_int_t)before,
                                "entries_after", (json_int_t)after),
                      now, err);
}

/* ---- the field's formats ---------------------------------------------------------- */

/* A growing buffer as an exchange sink. */
typedef struct text_buf {
    char *data;
    size_t len, cap;
} text_buf;

static vg_status buf_write(void *ctx, const void *data, size_t len, vg_error *err)
{
    text_buf *b = ctx;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return VG_OK;
}

typedef struct import_problems {
    uint64_t bad, first_position;
    char first[160];
} import_problems;

static void import_bad(void *ctx, const char *file, uint64_t position, const char *reason)
{
    (void)file;
    import_problems *p = ctx;
    if (!p->bad++) {
        p->first_position = position;
        snprintf(p->first, sizeof p->first, "%s", reason ? reason : "not understood");
    }
}

vg_status vg_hotline_bank_import_format(vg_hotline *h, const char *bank, const char *format,
                                        const char *categories, const char *text, size_t len,
                                        const char *actor, int64_t now, uint64_t *added,
                                        vg_error *err)
{
    *added = 0;
    vg_exchange_format fmt;
    vg_exchange_read_options opts;
    vg_exchange_read_options_init(&opts);
    vg_vics_categories table;
    int with_table = 0;
    if (!format || vg_exchange_format_parse(format, &fmt) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID,
                            "The list's format is te, vics, ncmec or stopncii.");
    if (vg_hotline_vics_table(h, categories, &table, &with_table, err) != VG_OK)
        return err ? err->status : VG_ERR_INVALID;
    opts.categories = with_table ? &table : NULL;
    if (!len)
        return vg_error_set(err, VG_ERR_INVALID, "The list is empty.");
    /* The readers take files: the list (hashes, not evidence) goes to a
     * private temporary file for the conversion. */
    char path[] = "/tmp/vigie-list-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "cannot make a temporary file for the list");
    vg_status st = VG_OK;
    for (size_t done = 0; st == VG_OK && done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n <= 0)
            st = vg_error_set(err, VG_ERR_IO, "cannot write the list to a temporary file");
        else
            done += (size_t)n;
    }
    close(fd);
    text_buf csv = {0};
    import_problems problems = {0};
    vg_exchange_import_stats stats = {0};
    if (st == VG_OK) {
        const char *paths[] = {path};
        vg_exchange_sink sink = {buf_write, &csv};
        vg_exchange_import_callbacks cb = {import_bad, NULL, NULL, &problems};
        st = vg_exchange_import_files(fmt, paths, 1, &opts, &sink, &cb, &stats, err);
    }
    unlink(path);
    if (st != VG_OK && problems.bad)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "Record %" PRIu64 " of the list is not understood (%s); nothing was "
                          "added.",
                          problems.first_position, problems.first);
    uint64_t first, before = 0, after = 0;
    if (st == VG_OK && !stats.written)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "The list holds no entry vigie can match (%" PRIu64
                          " of another type, %" PRIu64 " withdrawn).",
                          stats.unsupported, stats.removals + stats.left_out);
    if (st == VG_OK)
        st = vg_hotline_index_add(h, bank, csv.data, csv.len, &first, &before, &after, err);
    free(csv.data);
    if (st != VG_OK)
        return st;
    *added = after > before ? after - before : 0;
    return audit_bank(h, actor, "bank.import", bank,
                      json_pack("{s:s, s:I, s:I, s:I, s:I}", "format", format, "entries_before",
                                (json_int_t)before, "entries_after", (json_int_t)after,
                                "withdrawn", (json_int_t)(stats.removals + stats.left_out),
                                "other_types", (json_int_t)stats.unsupported),
                      now, err);
}

/* One entry's signal as bank text into out (room for a PDQ or SHA-256);
 * 0 for what has no text of its own here (a video, a patch set). */
static int entry_text(const vg_index_entry *e, char *out)
{
    if (e->type == VG_SIGNAL_VPDQ || e->type == VG_SIGNAL_PATCHSET)
        return 0;
    if (e->type == VG_SIGNAL_PDQ || e->type == VG_SIGNAL_PDQ_TRIMMED)
        vg_pdq_to_hex((const vg_pdq_hash *)e->value, out);
    else
        vg_hex_encode(e->value, vg_signal_type_bytes(e->type), out);
    return 1;
}

/* The vigie CSV form: the header with the bank's columns, then the rows. */
static vg_status csv_row(const vg_exchange_sink *sink, const vg_index_entry *e, const char *text,
                         vg_error *err)
{
    const char *type = vg_signal_type_name(e->type);
    vg_status st = sink->write(sink->ctx, type, strlen(type), err);
    if (st == VG_OK)
        st = sink->write(sink->ctx, ",", 1, err);
    if (st == VG_OK)
        st = sink->write(sink->ctx, text, strlen(text), err);
    if (st == VG_OK)
        st = sink->write(sink->ctx, ",", 1, err);
    if (st == VG_OK)
        st = vg_exchange_csv_field(e->id, e->id_len, sink, err);
    for (const char *v = e->metadata; st == VG_OK && v && v < e->metadata + e->metadata_len;
         v += strlen(v) + 1) {
        st = sink->write(sink->ctx, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(v, strlen(v), sink, err);
    }
    return st == VG_OK ? sink->write(sink->ctx, "\n", 1, err) : st;
}

vg_status vg_hotline_bank_export(vg_hotline *h, const char *bank, const char *format,
                                 const char *categories, vg_status (*write)(void *ctx,
                                                                            const void *data,
                                                                            size_t len,
                                                                            vg_error *err),
                                 void *ctx, const char *actor, int64_t now, uint64_t *written,
                                 uint64_t *skipped, vg_error *err)
{
    *written = *skipped = 0;
    int vigie = format && !strcmp(format, "vigie");
    vg_exchange_format fmt = VG_EXCHANGE_TE;
    vg_vics_categories table;
    int with_table = 0;
    if (!vigie && (!format || vg_exchange_format_parse(format, &fmt) != VG_OK))
        return vg_error_set(err, VG_ERR_INVALID,
                            "The format is vigie, te, vics, ncmec or stopncii.");
    if (vg_hotline_vics_table(h, categories, &table, &with_table, err) != VG_OK)
        return err ? err->status : VG_ERR_INVALID;
    if (!vg_hotline_bank_name_valid(bank))
        return vg_error_set(err, VG_ERR_INVALID,
                            "A bank's name is 1 to 64 letters, digits, '-' or '_'.");
    vg_exchange_sink sink = {write, ctx};
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    vg_index_stats stats = {0};
    if (ix)
        vg_index_get_stats(ix, &stats);
    int64_t bank_no = -1;
    for (uint32_t i = 0; i < stats.banks && bank_no < 0; i++)
        if (!strcmp(vg_index_bank_name(ix, i), bank))
            bank_no = i;
    vg_status st = bank_no < 0 ? vg_error_set(err, VG_ERR_INVALID, "The index has no bank %s.",
                                              bank)
                               : VG_OK;
    vg_exchange_writer *w = NULL;
    int started = 0;
    for (uint64_t i = 0; st == VG_OK && i < stats.entries; i++) {
        vg_index_entry e;
        if (vg_index_entry_get(ix, i, &e, NULL) != VG_OK || e.bank != (uint32_t)bank_no ||
            e.removed || (e.type == VG_SIGNAL_VPDQ && e.video != i))
            continue;
        if (!started) {
            /* the bank's columns come with its entries */
            if (vigie) {
                st = write(ctx, "signal_type,signal,id", 21, err);
                for (const char *c = e.columns; st == VG_OK && c && c < e.columns + e.columns_len;
                     c += strlen(c) + 1) {
                    st = write(ctx, ",", 1, err);
                    if (st == VG_OK)
                        st = vg_exchange_csv_field(c, strlen(c), &sink, err);
                }
                if (st == VG_OK)
                    st = write(ctx, "\n", 1, err);
            } else {
                vg_exchange_write_options wopts = {.categories = with_table ? &table : NULL};
                st = vg_exchange_writer_new(fmt, e.columns, e.columns_len, &wopts, &sink, &w,
                                            err);
            }
            started = 1;
        }
        char text[VG_PDQ_HEX_CHARS + 1];
        if (st != VG_OK)
            break;
        if (!entry_text(&e, text)) {
            (*skipped)++;
            continue;
        }
        if (vigie) {
            st = csv_row(&sink, &e, text, err);
            (*written)++;
        } else {
            const char *type = vg_signal_type_name(e.type);
            vg_exchange_row row = {type, strlen(type), text, strlen(text), e.id, e.id_len,
                                   e.metadata, e.metadata_len};
            st = vg_exchange_writer_row(w, &row, err);
        }
    }
    if (st == VG_OK && w) {
        st = vg_exchange_writer_finish(w, err);
        vg_exchange_write_stats ws;
        vg_exchange_writer_get_stats(w, &ws);
        *written = ws.written;
        *skipped += ws.skipped;
    } else if (st == VG_OK && !started && !vigie) {
        /* an empty bank is an empty list in the format */
        st = vg_exchange_writer_new(fmt, NULL, 0, NULL, &sink, &w, err);
        if (st == VG_OK)
            st = vg_exchange_writer_finish(w, err);
    } else if (st == VG_OK && !started) {
        st = write(ctx, "signal_type,signal,id\n", 22, err);
    }
    vg_exchange_writer_free(w);
    vg_hotline_index_release(h, ticket);
    if (st != VG_OK)
        return st;
    return audit_bank(h, actor, "bank.export", bank,
                      json_pack("{s:s, s:I, s:I}", "format", format, "written",
                                (json_int_t)*written, "skipped", (json_int_t)*skipped),
                      now, err);
}

vg_status vg_hotline_index_remove(vg_hotline *h, const char *bank, const char *const *ids,
                                  size_t count, uint64_t *removed, vg_error *err)
{
    *removed = 0;
    if (!h->index_path)
        return vg_error_set(err, VG_ERR_INVALID, "No index is configured (intake.index).");
    pthread_mutex_lock(&h->index_write_lock);
    vg_status st = vg_index_remove_ids(h->index_path, bank, ids, count, removed, err);
    if (st == VG_OK)
        st = vg_hotline_index_reload(h, err);
    pthread_mutex_unlock(&h->index_write_lock);
    return st;
}

vg_status vg_hotline_bank_remove(vg_hotline *h, const char *bank, const char *id,
                                 const char *actor, int64_t now, uint64_t *removed,
                                 vg_error *err)
{
    *removed = 0;
    if (!h->index_path)
        return vg_error_set(err, VG_ERR_INVALID, "No index is configured (intake.index).");
    if (bank && *bank && !vg_hotline_bank_name_valid(bank))
        return vg_error_set(err, VG_ERR_INVALID,
                            "A bank's name is 1 to 64 letters, digits, '-' or '_'.");
    if (!id || !*id || strlen(id) > 256)
        return vg_error_set(err, VG_ERR_INVALID, "Give the id of the entry to remove.");
    const char *ids[] = {id};
    vg_status st = vg_hotline_index_remove(h, bank && *bank ? bank : NULL, ids, 1, removed, err);
    if (st == VG_OK && *removed)
        st = audit_bank(h, actor, "bank.remove", bank && *bank ? bank : NULL,
                        json_pack("{s:s, s:I}", "id", id, "removed", (json_int_t)*removed), now,
                        err);
    return st;
}

/* ---- the organisation's own bank ---------------------------------------------------- */

typedef struct own_args {
    const char *sha256;
    size_t limit;
    vg_own_entry *rows;
    size_t count;
} own_args;

static vg_status own_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    own_args *a = ctx;
    vg_own_entries_free(a->rows, a->count);
    a->rows = NULL;
    a->count = 0;
    return vg_tx_bank_entries(tx, a->sha256, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_own_bank(vg_hotline *h, const char *sha256, size_t limit,
                              vg_own_entry **rows, size_t *count, vg_error *err)
{
    own_args a = {sha256, limit, NULL, 0};
    vg_status st = vg_store_read(h->store, own_tx, &a, err);
    if (st != VG_OK) {
        vg_own_entries_free(a.rows, a.count);
        a.rows = NULL;
        a.count = 0;
    }
    *rows = a.rows;
    *count = a.count;
    return st;
}
