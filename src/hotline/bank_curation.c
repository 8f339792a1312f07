/*
 * src/hotline/bank_curation.c - the banks as HMA clients curate them
 * (bank_curation.h).
 */
#include "hotline/bank_curation.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/bank_admin.h"
#include "store/audit.h"
#include "store/exchange.h"
#include "util/secure.h"
#include "vigie/digest.h"
#include "vigie/exchange.h"
#include "vigie/pdq.h"

/* ---- reading the settings ---------------------------------------------------- */

typedef struct settings {
    vg_exchange_bank *rows;
    size_t count;
} settings;

static void settings_clear(settings *s)
{
    vg_exchange_banks_free(s->rows, s->count);
    s->rows = NULL;
    s->count = 0;
}

static vg_status settings_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    settings *s = ctx;
    settings_clear(s);
    return vg_tx_exchange_banks(tx, &s->rows, &s->count, err);
}

static const vg_exchange_bank *setting_of(const settings *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->count; i++)
        if (strlen(s->rows[i].name) == len && !strncmp(s->rows[i].name, name, len))
            return &s->rows[i];
    return NULL;
}

/* Whether the index has a bank of that name (it may have none live). */
static int in_index(vg_hotline *h, const char *name, size_t len)
{
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    int found = 0;
    if (ix) {
        vg_index_stats st;
        vg_index_get_stats(ix, &st);
        for (uint32_t i = 0; !found && i < st.banks; i++) {
            const char *n = vg_index_bank_name(ix, i);
            found = strlen(n) == len && !strncmp(n, name, len);
        }
    }
    vg_hotline_index_release(h, ticket);
    return found;
}

static void bank_view(vg_curated_bank *out, const char *name, size_t len,
                      const vg_exchange_bank *row)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%.*s", (int)(len < 127 ? len : 127), name);
    out->enabled_ratio = row ? row->enabled_ratio : 1.0;
    out->made_by_api = row && row->created_by;
}

vg_status vg_hotline_curated_banks(vg_hotline *h, vg_curated_bank **out, size_t *count,
                                   vg_error *err)
{
    *out = NULL;
    *count = 0;
    settings s = {0};
    vg_status st = vg_store_read(h->store, settings_tx, &s, err);
    if (st != VG_OK) {
        settings_clear(&s);
        return st;
    }
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    vg_index_stats stats = {0};
    if (ix)
        vg_index_get_stats(ix, &stats);
    vg_curated_bank *list = calloc((size_t)stats.banks + s.count + 1, sizeof *list);
    size_t n = 0;
    for (uint32_t i = 0; list && i < stats.banks; i++) {
        const char *name = vg_index_bank_name(ix, i);
        const vg_exchange_bank *row = setting_of(&s, name, strlen(name));
        if (!row || !row->deleted)
            bank_view(&list[n++], name, strlen(name), row);
    }
    for (size_t i = 0; list && i < s.count; i++) {
        const vg_exchange_bank *row = &s.rows[i];
        int listed = 0;
        for (size_t j = 0; j < n && !listed; j++)
            listed = !strcmp(list[j].name, row->name);
        if (!listed && !row->deleted)
            bank_view(&list[n++], row->name, strlen(row->name), row);
    }
    vg_hotline_index_release(h, ticket);
    settings_clear(&s);
    if (!list)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *out = list;
    *count = n;
    return VG_OK;
}

vg_status vg_hotline_curated_bank(vg_hotline *h, const char *name, size_t len, vg_curated_bank *out,
                                  int *found, vg_error *err)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    settings s = {0};
    vg_status st = vg_store_read(h->store, settings_tx, &s, err);
    if (st == VG_OK) {
        const vg_exchange_bank *row = setting_of(&s, name, len);
        if (row ? !row->deleted : in_index(h, name, len)) {
            *found = 1;
            bank_view(out, name, len, row);
        }
    }
    settings_clear(&s);
    return st;
}

/* ---- changing banks ------------------------------------------------------------ */

static vg_status audit_in(vg_tx *tx, const char *actor, const char *action, const char *bank,
                          json_t *detail, int64_t now, vg_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    char target[96];
    snprintf(target, sizeof target, "bank:%.80s", bank);
    vg_audit_note note = {actor, action, target, text};
    vg_status st = vg_tx_audit_append(tx, now, &note, NULL, err);
    free(text);
    return st;
}

/* One bank change: the rule decided in the transaction on what the store
 * says then, the row written and its audit entry appended. */
typedef struct bank_change {
    vg_hotline *h;
    const char *name, *actor, *action;
    int64_t now;
    int create; /* a new bank (else an existing one) */
    int delete; /* mark it deleted */
    int set_ratio;
    double ratio;
    int indexed;    /* the index has a bank of that name */
    json_t *detail; /* borrowed, for the audit entry */
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_curated_bank after;
} bank_change;

static vg_status bank_change_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    bank_change *c = ctx;
    settings s = {0};
    vg_status st = vg_tx_exchange_banks(tx, &s.rows, &s.count, err);
    if (st != VG_OK)
        return st;
    c->outcome = VG_CURATE_DONE;
    c->verdict = VG_CURATE_WRITABLE;
    const vg_exchange_bank *row = setting_of(&s, c->name, strlen(c->name));
    int exists = row ? !row->deleted : c->indexed;
    int trusted = vg_trust_find(&c->h->trust, c->name) != NULL;
    vg_exchange_bank next = {0};
    if (c->create && exists) {
        c->outcome = VG_CURATE_EXISTS;
    } else if (!c->create && !exists) {
        c->outcome = VG_CURATE_NO_BANK;
    } else if ((c->verdict = vg_rule_curate_bank(exists, row && row->created_by, trusted)) !=
               VG_CURATE_WRITABLE) {
        c->outcome = VG_CURATE_READ_ONLY;
    } else {
        next = (vg_exchange_bank){.name = (char *)c->name,
                                  .enabled_ratio = row && !c->create ? row->enabled_ratio : 1.0,
                                  .deleted = c->delete,
                                  .created_by = c->create ? (char *)c->actor : row->created_by,
                                  .created_at = c->create ? c->now : row->created_at,
                                  .changed_at = c->now};
        if (c->set_ratio)
            next.enabled_ratio = c->ratio;
        st = vg_tx_exchange_bank_put(tx, &next, err);
        if (st == VG_OK) {
            json_object_set_new(c->detail, "enabled_ratio", json_real(next.enabled_ratio));
            st = audit_in(tx, c->actor, c->action, c->name, json_incref(c->detail), c->now, err);
        }
        bank_view(&c->after, c->name, strlen(c->name), &next);
    }
    settings_clear(&s);
    return st;
}

static vg_status change_bank(vg_hotline *h, bank_change *c, vg_error *err)
{
    c->h = h;
    c->indexed = in_index(h, c->name, strlen(c->name));
    if (!c->detail)
        c->detail = json_object();
    if (!c->detail)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = vg_store_write(h->store, bank_change_tx, c, err);
    json_decref(c->detail);
    c->detail = NULL;
    vg_curation_filter_reset(h);
    return st;
}

static vg_status ratio_ok(double ratio, vg_error *err)
{
    if (!(ratio >= 0.0 && ratio <= 1.0))
        return vg_error_set(err, VG_ERR_INVALID, "enabled_ratio must be between 0 and 1");
    return VG_OK;
}

vg_status vg_hotline_bank_create(vg_hotline *h, const char *name, double enabled_ratio,
                                 const char *actor, int64_t now, vg_curate_outcome *outcome,
                                 vg_curate_verdict *verdict, vg_error *err)
{
    *outcome = VG_CURATE_DONE;
    *verdict = VG_CURATE_WRITABLE;
    if (!vg_hotline_bank_name_valid(name))
        return vg_error_set(err, VG_ERR_INVALID,
                            "Bank names are 1 to 64 letters, digits, '-' or '_'");
    vg_status st = ratio_ok(enabled_ratio, err);
    if (st != VG_OK)
        return st;
    bank_change c = {.name = name,
                     .actor = actor,
                     .action = "bank.create",
                     .now = now,
                     .create = 1,
                     .set_ratio = 1,
                     .ratio = enabled_ratio};
    st = change_bank(h, &c, err);
    *outcome = c.outcome;
    *verdict = c.verdict;
    return st;
}

vg_status vg_hotline_bank_update(vg_hotline *h, const char *name, const char *new_name,
                                 int set_ratio, double enabled_ratio, const char *actor,
                                 int64_t now, vg_curated_bank *out, vg_curate_outcome *outcome,
                                 vg_curate_verdict *verdict, vg_error *err)
{
    *outcome = VG_CURATE_DONE;
    *verdict = VG_CURATE_WRITABLE;
    memset(out, 0, sizeof *out);
    if (!vg_hotline_bank_name_valid(name)) {
        *outcome = VG_CURATE_NO_BANK;
        return VG_OK;
    }
    if (new_name && strcmp(new_name, name))
        return vg_error_set(err, VG_ERR_INVALID,
                            "Banks cannot be renamed here: their name is the one the index "
                            "holds their entries under");
    vg_status st = set_ratio ? ratio_ok(enabled_ratio, err) : VG_OK;
    if (st != VG_OK)
        return st;
    bank_change c = {.name = name,
                     .actor = actor,
                     .action = "bank.update",
                     .now = now,
                     .set_ratio = set_ratio,
                     .ratio = enabled_ratio};
    st = change_bank(h, &c, err);
    *outcome = c.outcome;
    *verdict = c.verdict;
    *out = c.after;
    return st;
}

/* The distinct ids of bank's live entries (an index of millions is read
 * once: deleting a bank is rare). *ids malloc'd, each malloc'd. */
static vg_status bank_ids(vg_hotline *h, const char *bank, char ***ids, size_t *count,
                          vg_error *err)
{
    *ids = NULL;
    *count = 0;
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    vg_status st = VG_OK;
    size_t cap = 0;
    if (ix) {
        vg_index_stats stats;
        vg_index_get_stats(ix, &stats);
        for (uint64_t i = 0; st == VG_OK && i < stats.entries; i++) {
            vg_index_entry e;
            if (vg_index_entry_get(ix, i, &e, NULL) != VG_OK || e.removed ||
                strcmp(e.bank_name, bank) || (e.type == VG_SIGNAL_VPDQ && e.video != i))
                continue;
            /* the signals of one content share an id and follow each other */
            if (*count && strlen((*ids)[*count - 1]) == e.id_len &&
                !memcmp((*ids)[*count - 1], e.id, e.id_len))
                continue;
            if (*count == cap) {
                cap = cap ? cap * 2 : 64;
                char **grown = realloc(*ids, cap * sizeof *grown);
                if (!grown) {
                    st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
                *ids = grown;
            }
            if (!((*ids)[*count] = strndup(e.id, e.id_len)))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            else
                (*count)++;
        }
    }
    vg_hotline_index_release(h, ticket);
    return st;
}

static void ids_free(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

vg_status vg_hotline_bank_delete(vg_hotline *h, const char *name, const char *actor, int64_t now,
                                 vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                 vg_error *err)
{
    *outcome = VG_CURATE_DONE;
    *verdict = VG_CURATE_WRITABLE;
    vg_curated_bank bank;
    int found = 0;
    vg_status st = vg_hotline_bank_name_valid(name)
                       ? vg_hotline_curated_bank(h, name, strlen(name), &bank, &found, err)
                       : VG_OK;
    if (st != VG_OK || !found)
        return st; /* HMA: deleting what is not there is done */
    int trusted = vg_trust_find(&h->trust, name) != NULL;
    if ((*verdict = vg_rule_curate_bank(1, bank.made_by_api, trusted)) != VG_CURATE_WRITABLE) {
        *outcome = VG_CURATE_READ_ONLY;
        return VG_OK;
    }
    char **ids = NULL;
    size_t n = 0;
    uint64_t removed = 0;
    st = bank_ids(h, name, &ids, &n, err);
    if (st == VG_OK && n)
        st = vg_hotline_index_remove(h, name, (const char *const *)ids, n, &removed, err);
    ids_free(ids, n);
    if (st != VG_OK)
        return st;
    bank_change c = {.name = name,
                     .actor = actor,
                     .action = "bank.delete",
                     .now = now,
                     .delete = 1,
                     .detail = json_pack("{s:I}", "removed", (json_int_t)removed)};
    st = change_bank(h, &c, err);
    *outcome = c.outcome;
    *verdict = c.verdict;
    return st;
}

/* ---- content ------------------------------------------------------------------ */

/* The bank as the store and the index say now, and whether a partner may
 * change it. */
static vg_status writable_bank(vg_hotline *h, const char *bank, vg_curated_bank *out,
                               vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                               vg_error *err)
{
    *outcome = VG_CURATE_DONE;
    *verdict = VG_CURATE_WRITABLE;
    int found = 0;
    vg_status st = vg_hotline_bank_name_valid(bank)
                       ? vg_hotline_curated_bank(h, bank, strlen(bank), out, &found, err)
                       : VG_OK;
    if (st != VG_OK)
        return st;
    if (!found) {
        *outcome = VG_CURATE_NO_BANK;
        return VG_OK;
    }
    int trusted = vg_trust_find(&h->trust, bank) != NULL;
    if ((*verdict = vg_rule_curate_bank(1, out->made_by_api, trusted)) != VG_CURATE_WRITABLE)
        *outcome = VG_CURATE_READ_ONLY;
    return VG_OK;
}

typedef struct content_write {
    const vg_exchange_content *row;
    const char *actor, *action, *bank;
    json_t *detail; /* stolen */
    int64_t now;
} content_write;

static vg_status content_write_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    content_write *w = ctx;
    vg_status st = w->row ? vg_tx_exchange_content_put(tx, w->row, err) : VG_OK;
    json_t *detail = w->detail;
    w->detail = NULL;
    return st == VG_OK ? audit_in(tx, w->actor, w->action, w->bank, detail, w->now, err)
                       : (json_decref(detail), st);
}

/* Append one CSV field to buf. */
static vg_status csv_sink(void *ctx, const void *data, size_t len, vg_error *err)
{
    json_t *buf = ctx; /* a JSON string used as a growing buffer */
    size_t was = json_string_length(buf);
    char *joined = malloc(was + len + 1);
    if (!joined)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(joined, json_string_value(buf), was);
    memcpy(joined + was, data, len);
    joined[was + len] = 0;
    int failed = json_string_setn_nocheck(buf, joined, was + len);
    free(joined);
    return failed ? vg_error_set(err, VG_ERR_NOMEM, "out of memory") : VG_OK;
}

vg_status vg_hotline_bank_content_add(vg_hotline *h, const char *bank,
                                      const vg_curated_signal *signals, size_t count,
                                      const char *note, const char *metadata, const char *actor,
                                      int64_t now, int64_t *content_id, char **normalised,
                                      vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                      vg_error *err)
{
    *content_id = 0;
    if (normalised)
        *normalised = NULL;
    if (!h->index_path)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "No index is configured on this server (intake.index)");
    vg_curated_bank b;
    vg_status st = writable_bank(h, bank, &b, outcome, verdict, err);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        return st;
    if (!count)
        return vg_error_set(err, VG_ERR_INVALID, "No signals given");
    if (note && strlen(note) > 255)
        return vg_error_set(err, VG_ERR_INVALID, "note must be at most 255 characters");
    char id[24] = "api-";
    vg_random_hex(id + 4, 8);
    json_t *kept = json_object(), *csv = json_string("signal_type,signal,id\n");
    vg_exchange_sink sink = {csv_sink, csv};
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        const char *value = signals[i].value ? signals[i].value : "";
        size_t len = strlen(value), cap = len + 72;
        char *norm = malloc(cap);
        const char *vigie_type = NULL;
        if (!norm || !kept || !csv) {
            free(norm);
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        vg_error why;
        vg_status got = vg_exchange_te_signal(signals[i].type ? signals[i].type : "", value, len,
                                              &vigie_type, norm, cap, &why);
        if (got == VG_ERR_UNSUPPORTED)
            st = vg_error_set(err, VG_ERR_INVALID, "No such signal type %.64s",
                              signals[i].type ? signals[i].type : "");
        else if (got != VG_OK)
            st = vg_error_set(err, VG_ERR_INVALID, "Invalid %.64s signal: %s", signals[i].type,
                              why.message);
        if (st == VG_OK)
            st = csv_sink(csv, vigie_type, strlen(vigie_type), err);
        if (st == VG_OK)
            st = csv_sink(csv, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(norm, strlen(norm), &sink, err);
        if (st == VG_OK)
            st = csv_sink(csv, ",", 1, err);
        if (st == VG_OK)
            st = csv_sink(csv, id, strlen(id), err);
        if (st == VG_OK)
            st = csv_sink(csv, "\n", 1, err);
        if (st == VG_OK)
            json_object_set_new(kept, signals[i].type, json_string(norm));
        free(norm);
    }
    uint64_t first = 0, before = 0, after = 0;
    if (st == VG_OK)
        st = vg_hotline_index_add(h, bank, json_string_value(csv), json_string_length(csv), &first,
                                  &before, &after, err);
    char *signals_text = st == VG_OK ? json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(csv);
    json_decref(kept);
    if (st == VG_OK && !signals_text)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st != VG_OK) {
        free(signals_text);
        return st;
    }
    vg_exchange_content row = {.entry = (int64_t)first,
                               .bank = (char *)bank,
                               .bank_id = id,
                               .note = note && *note ? (char *)note : NULL,
                               .metadata = (char *)metadata,
                               .signals = signals_text,
                               .created_at = now};
    content_write w = {&row,
                       actor,
                       "bank.content.add",
                       bank,
                       json_pack("{s:I, s:s, s:I}", "content_id", (json_int_t)first, "id", id,
                                 "entries", (json_int_t)(after - before)),
                       now};
    st = vg_store_write(h->store, content_write_tx, &w, err);
    if (st == VG_OK) {
        *content_id = (int64_t)first;
        if (normalised)
            *normalised = signals_text;
        else
            free(signals_text);
    } else {
        free(signals_text);
    }
    return st;
}

void vg_curated_content_clear(vg_curated_content *c)
{
    free(c->original_id);
    free(c->signals);
    free(c->metadata);
    free(c->note);
    memset(c, 0, sizeof *c);
}

/* The signal of an index entry as text, under HMA's name. */
static void entry_signal(const vg_index_entry *e, json_t *signals)
{
    char value[VG_PDQ_HEX_CHARS + 1] = "";
    if (e->type == VG_SIGNAL_PDQ || e->type == VG_SIGNAL_PDQ_TRIMMED)
        vg_pdq_to_hex((const vg_pdq_hash *)e->value, value);
    else if (e->type == VG_SIGNAL_VPDQ || e->type == VG_SIGNAL_PATCHSET)
        return; /* kept as frames or encoded: the API's row has the text */
    else
        vg_hex_encode(e->value, vg_signal_type_bytes(e->type), value);
    const char *te = vg_exchange_te_type(vg_signal_type_name(e->type));
    json_object_set_new(signals, te ? te : vg_signal_type_name(e->type), json_string(value));
}

typedef struct content_read {
    int64_t entry;
    vg_exchange_content row;
    int found;
} content_read;

static vg_status content_read_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    content_read *r = ctx;
    vg_exchange_content_clear(&r->row);
    return vg_tx_exchange_content_get(tx, r->entry, &r->row, &r->found, err);
}

vg_status vg_hotline_bank_content(vg_hotline *h, const char *bank, int64_t id,
                                  vg_curated_content *out, vg_curate_outcome *outcome,
                                  vg_error *err)
{
    memset(out, 0, sizeof *out);
    *outcome = VG_CURATE_DONE;
    int found = 0;
    vg_status st = vg_hotline_bank_name_valid(bank)
                       ? vg_hotline_curated_bank(h, bank, strlen(bank), &out->bank, &found, err)
                       : VG_OK;
    if (st != VG_OK)
        return st;
    if (!found) {
        *outcome = VG_CURATE_NO_BANK;
        return VG_OK;
    }
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    vg_index_stats stats = {0};
    if (ix)
        vg_index_get_stats(ix, &stats);
    vg_index_entry e;
    json_t *signals = json_object(), *columns = json_object();
    if (id < 0 || (uint64_t)id >= stats.entries ||
        vg_index_entry_get(ix, (uint64_t)id, &e, NULL) != VG_OK || e.removed ||
        strcmp(e.bank_name, bank) || (e.type == VG_SIGNAL_VPDQ && e.video != (uint64_t)id)) {
        *outcome = VG_CURATE_NO_CONTENT;
    } else {
        out->id = id;
        out->original_id = strndup(e.id, e.id_len);
        /* every live signal of the content: its entries share the id and follow it */
        for (uint64_t i = (uint64_t)id; i < stats.entries; i++) {
            vg_index_entry o;
            if (vg_index_entry_get(ix, i, &o, NULL) != VG_OK || o.bank != e.bank ||
                o.id_len != e.id_len || memcmp(o.id, e.id, e.id_len))
                break;
            if (!o.removed && !(o.type == VG_SIGNAL_VPDQ && o.video != i))
                entry_signal(&o, signals);
        }
        const char *col = e.columns, *val = e.metadata;
        while (col && val && col < e.columns + e.columns_len && val < e.metadata + e.metadata_len) {
            json_object_set_new(columns, col, json_string(val));
            col += strlen(col) + 1;
            val += strlen(val) + 1;
        }
    }
    vg_hotline_index_release(h, ticket);
    content_read r = {.entry = id};
    if (*outcome == VG_CURATE_DONE)
        st = vg_store_read(h->store, content_read_tx, &r, err);
    if (st == VG_OK && *outcome == VG_CURATE_DONE) {
        int api = r.found && !strcmp(r.row.bank, bank);
        out->made_by_api = api;
        out->disable_until_ts = vg_rule_disable_until_hma(api ? r.row.disable_until : 0);
        if (api) {
            /* the text the partner gave (a vpdq signal is kept as frames in the index) */
            json_t *given = json_loads(r.row.signals, 0, NULL);
            if (json_is_object(given))
                json_object_update(signals, given);
            json_decref(given);
            out->note = r.row.note ? strdup(r.row.note) : NULL;
            out->metadata = r.row.metadata ? strdup(r.row.metadata) : NULL;
        }
        if (!out->metadata)
            out->metadata = json_dumps(columns, JSON_COMPACT | JSON_SORT_KEYS);
        out->signals = json_dumps(signals, JSON_COMPACT | JSON_SORT_KEYS);
        if (!out->signals || !out->metadata || !out->original_id)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    json_decref(signals);
    json_decref(columns);
    vg_exchange_content_clear(&r.row);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        vg_curated_content_clear(out);
    return st;
}

/* A time more than five years ahead is refused, as HMA does. */
#define FIVE_YEARS (5 * 365 * INT64_C(86400))

vg_status vg_hotline_bank_content_update(vg_hotline *h, const char *bank, int64_t id,
                                         int set_disable, int64_t disable_until_ts, int set_note,
                                         const char *note, const char *actor, int64_t now,
                                         vg_curated_content *out, vg_curate_outcome *outcome,
                                         vg_curate_verdict *verdict, vg_error *err)
{
    memset(out, 0, sizeof *out);
    vg_curated_bank b;
    vg_status st = writable_bank(h, bank, &b, outcome, verdict, err);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        return st;
    if (set_disable && disable_until_ts < 0)
        return vg_error_set(err, VG_ERR_INVALID, "disable_until_ts must be a non-negative integer");
    if (set_disable && disable_until_ts > now + FIVE_YEARS)
        return vg_error_set(err, VG_ERR_INVALID,
                            "disable_until_ts must be less than 5 years in the future");
    if (set_note && note && strlen(note) > 255)
        return vg_error_set(err, VG_ERR_INVALID, "note must be at most 255 characters");
    st = vg_hotline_bank_content(h, bank, id, out, outcome, err);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        return st;
    content_read r = {.entry = id};
    st = vg_store_read(h->store, content_read_tx, &r, err);
    if (st == VG_OK && !r.found)
        *outcome = VG_CURATE_NO_CONTENT; /* an entry of the bank not added through the API */
    if (st == VG_OK && r.found) {
        if (set_disable)
            r.row.disable_until = vg_rule_disable_until_store(disable_until_ts);
        if (set_note) {
            free(r.row.note);
            r.row.note = note && *note ? strdup(note) : NULL;
        }
        content_write w = {&r.row,
                           actor,
                           "bank.content.update",
                           bank,
                           json_pack("{s:I, s:I, s:s?}", "content_id", (json_int_t)id,
                                     "disable_until_ts",
                                     (json_int_t)vg_rule_disable_until_hma(r.row.disable_until),
                                     "note", r.row.note),
                           now};
        st = vg_store_write(h->store, content_write_tx, &w, err);
        if (st == VG_OK) {
            out->disable_until_ts = vg_rule_disable_until_hma(r.row.disable_until);
            free(out->note);
            out->note = r.row.note ? strdup(r.row.note) : NULL;
        }
    }
    vg_exchange_content_clear(&r.row);
    vg_curation_filter_reset(h);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        vg_curated_content_clear(out);
    return st;
}

vg_status vg_hotline_bank_content_delete(vg_hotline *h, const char *bank, int64_t id,
                                         const char *actor, int64_t now, int *deleted,
                                         vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                         vg_error *err)
{
    *deleted = 0;
    vg_curated_bank b;
    vg_status st = writable_bank(h, bank, &b, outcome, verdict, err);
    if (st != VG_OK || *outcome != VG_CURATE_DONE)
        return st;
    vg_curated_content c;
    st = vg_hotline_bank_content(h, bank, id, &c, outcome, err);
    if (st != VG_OK || *outcome == VG_CURATE_NO_BANK)
        return st;
    if (*outcome == VG_CURATE_NO_CONTENT) {
        *outcome = VG_CURATE_DONE; /* HMA counts what it deleted: none */
        return VG_OK;
    }
    const char *ids[] = {c.original_id};
    uint64_t removed = 0;
    st = vg_hotline_index_remove(h, bank, ids, 1, &removed, err);
    if (st == VG_OK) {
        content_write w = {NULL,
                           actor,
                           "bank.content.delete",
                           bank,
                           json_pack("{s:I, s:s, s:I}", "content_id", (json_int_t)id, "id",
                                     c.original_id, "entries", (json_int_t)removed),
                           now};
        st = vg_store_write(h->store, content_write_tx, &w, err);
    }
    if (st == VG_OK)
        *deleted = removed > 0;
    vg_curated_content_clear(&c);
    return st;
}

/* ---- the filter lookups apply ------------------------------------------------------ */

struct vg_curation_filter {
    int refs;
    int64_t read_at_ms; /* monotonic */
    settings banks;
    int64_t *disabled; /* sorted */
    size_t disabled_count;
};

typedef struct filter_read {
    int64_t now;
    vg_curation_filter *f;
} filter_read;

static vg_status filter_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    filter_read *r = ctx;
    settings_clear(&r->f->banks);
    free(r->f->disabled);
    r->f->disabled = NULL;
    vg_status st = vg_tx_exchange_banks(tx, &r->f->banks.rows, &r->f->banks.count, err);
    return st == VG_OK ? vg_tx_exchange_content_disabled(tx, r->now, &r->f->disabled,
                                                         &r->f->disabled_count, err)
                       : st;
}

static void filter_unref(vg_curation_filter *f)
{
    if (f && --f->refs == 0) {
        settings_clear(&f->banks);
        free(f->disabled);
        free(f);
    }
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

vg_curation_filter *vg_curation_filter_acquire(vg_hotline *h, int64_t now)
{
    int64_t at = monotonic_ms();
    pthread_mutex_lock(&h->curation_lock);
    vg_curation_filter *f = h->curation;
    if (f && at - f->read_at_ms < 1000) {
        f->refs++;
        pthread_mutex_unlock(&h->curation_lock);
        return f;
    }
    pthread_mutex_unlock(&h->curation_lock);
    /* read outside the lock: lookups meanwhile use the copy there is */
    vg_curation_filter *fresh = calloc(1, sizeof *fresh);
    filter_read r = {now, fresh};
    vg_error err;
    if (!fresh || vg_store_read(h->store, filter_tx, &r, &err) != VG_OK) {
        if (fresh)
            fresh->refs = 1;
        filter_unref(fresh);
        return NULL;
    }
    fresh->read_at_ms = at;
    fresh->refs = 2; /* the hotline's and the caller's */
    pthread_mutex_lock(&h->curation_lock);
    filter_unref(h->curation);
    h->curation = fresh;
    pthread_mutex_unlock(&h->curation_lock);
    return fresh;
}

void vg_curation_filter_release(vg_hotline *h, vg_curation_filter *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&h->curation_lock);
    filter_unref(f);
    pthread_mutex_unlock(&h->curation_lock);
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int vg_curation_filter_keeps(const vg_curation_filter *f, const char *bank, uint64_t entry,
                             double *coin)
{
    if (!f)
        return 1;
    int64_t key = (int64_t)entry;
    if (f->disabled_count && bsearch(&key, f->disabled, f->disabled_count, sizeof key, by_value))
        return 0;
    const vg_exchange_bank *row = setting_of(&f->banks, bank, strlen(bank));
    if (!row || row->deleted)
        return !row;
    if (row->enabled_ratio > 0 && row->enabled_ratio < 1 && *coin < 0)
        *coin = randombytes_random() / 4294967296.0;
    return vg_rule_bank_matches(row->enabled_ratio, *coin < 0 ? 0 : *coin);
}

void vg_curation_filter_reset(vg_hotline *h)
{
    pthread_mutex_lock(&h->curation_lock);
    filter_unref(h->curation);
    h->curation = NULL;
    pthread_mutex_unlock(&h->curation_lock);
}
