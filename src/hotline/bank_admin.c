/*
 * src/hotline/bank_admin.c - the banks in the browser and the server's health
 * (banks.h).
 */
#include "hotline/bank_admin.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline/audit.h"
#include "hotline/index_ref.h"
#include "store/audit.h"
#include "store/items.h"

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
    size_t n = name ? strlen(name) : 0;
    if (!n || n > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
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

vg_status vg_hotline_index_add(vg_hotline *h, const char *bank, const char *text, size_t len,
                               uint64_t *first, uint64_t *before, uint64_t *after, vg_error *err)
{
    *first = *before = *after = 0;
    if (!h->index_path)
        return vg_error_set(err, VG_ERR_INVALID,
                            "No index is configured (intake.index): there is no bank to add to.");
    if (!vg_hotline_bank_name_valid(bank))
        return vg_error_set(err, VG_ERR_INVALID,
                            "A bank's name is 1 to 64 letters, digits, '-' or '_'.");
    if (!len)
        return vg_error_set(err, VG_ERR_INVALID, "The bank file is empty.");
    /* The engine reads banks from files and names a bank after its file:
     * the text goes to a private directory, named as the bank (hashes
     * only: nothing here is evidence). */
    char dir[] = "/tmp/vigie-bank-XXXXXX", path[160];
    if (!mkdtemp(dir))
        return vg_error_set(err, VG_ERR_IO, "cannot make a temporary directory for the bank");
    snprintf(path, sizeof path, "%s/%s.txt", dir, bank);
    FILE *f = fopen(path, "wb");
    vg_status st = VG_OK;
    if (!f || fwrite(text, 1, len, f) != len)
        st = vg_error_set(err, VG_ERR_IO, "cannot write the bank to a temporary file");
    if (f && fclose(f) && st == VG_OK)
        st = vg_error_set(err, VG_ERR_IO, "cannot write the bank to a temporary file");
    bad_lines bad = {0};
    if (st == VG_OK) {
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
    }
    unlink(path);
    rmdir(dir);
    if (st != VG_OK && bad.count)
        return vg_error_set(err, VG_ERR_INVALID,
                            "Line %" PRIu64 " of the bank is not understood (%s); nothing was "
                            "added.",
                            bad.first, bad.reason);
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
