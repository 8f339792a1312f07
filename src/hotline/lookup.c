/*
 * src/hotline/lookup.c - finding reports as people type them into the
 * console, and the one audited way to read a reporter's contact details
 * (assessment.h).
 */
#include "hotline/assessment.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/items.h"
#include "vigie/url.h"

/* ---- search ------------------------------------------------------------------ */

typedef struct find_args {
    const char *receipt, *url, *digest;
    size_t limit;
    vg_item *items;
    size_t count;
} find_args;

static vg_status find_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    find_args *a = ctx;
    int64_t ids[VG_FIND_MAX];
    size_t n = 0;
    vg_status st = vg_tx_item_ids_find(tx, a->receipt, a->url, a->digest, ids,
                                       a->limit < VG_FIND_MAX ? a->limit : VG_FIND_MAX, &n, err);
    a->items = st == VG_OK && n ? calloc(n, sizeof *a->items) : NULL;
    if (st == VG_OK && n && !a->items)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    a->count = 0;
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        int found = 0;
        st = vg_tx_item_get(tx, ids[i], &a->items[a->count], &found, err);
        a->count += st == VG_OK && found;
    }
    return st;
}

/* Hex digits only, of a digest's length (MD5, SHA-1, SHA-256 or PDQ). */
static int is_digest(const char *s, size_t n)
{
    if (n != 32 && n != 40 && n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

vg_status vg_hotline_find(vg_hotline *h, const char *query, size_t limit, vg_item **items,
                          size_t *count, vg_error *err)
{
    *items = NULL;
    *count = 0;
    while (query && isspace((unsigned char)*query))
        query++;
    size_t n = query ? strlen(query) : 0;
    while (n && isspace((unsigned char)query[n - 1]))
        n--;
    if (!n || n > 4000)
        return VG_OK;
    char *text = strndup(query, n), digest[65] = "", receipt[32] = "";
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (is_digest(text, n))
        for (size_t i = 0; i <= n; i++)
            digest[i] = (char)tolower((unsigned char)text[i]);
    /* Receipts are read aloud and typed by hand: case, spaces and dashes
     * do not matter. */
    size_t r = 0;
    for (size_t i = 0; i < n && r + 1 < sizeof receipt; i++)
        if (text[i] != ' ' && text[i] != '-')
            receipt[r++] = (char)toupper((unsigned char)text[i]);
    receipt[r] = 0;
    /* A URL as reported, or its canonical form. */
    char *canonical = NULL;
    if (strchr(text, '.') && vg_url_canonicalize(text, n, &canonical, NULL) != VG_OK)
        canonical = NULL;
    find_args a = {.receipt = receipt[0] ? receipt : NULL,
                   .url = canonical ? canonical : text,
                   .digest = digest[0] ? digest : NULL,
                   .limit = limit};
    vg_status st = vg_store_read(h->store, find_tx, &a, err);
    free(canonical);
    free(text);
    if (st != VG_OK) {
        vg_items_free(a.items, a.count);
        return st;
    }
    *items = a.items;
    *count = a.count;
    return VG_OK;
}

/* ---- the reporter's contact details -------------------------------------------- */

typedef struct contact_args {
    int64_t report_id, now;
    const vg_actor *who;
    vg_item_outcome *outcome;
    char **contact;
} contact_args;

static vg_status contact_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    contact_args *a = ctx;
    vg_item it;
    int found = 0;
    free(*a->contact); /* a transaction may run again */
    *a->contact = NULL;
    vg_status st = vg_tx_item_get(tx, a->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        *a->outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    *a->outcome = vg_rule_may_contact(&it, a->who->username, a->who->supervisor);
    if (*a->outcome == VG_ITEM_DONE && it.contact) {
        /* Recorded before it is shown: unrecorded, it is not shown. */
        char actor[64], target[32];
        snprintf(actor, sizeof actor, "user:%.50s", a->who->username);
        vg_hotline_report_target(a->report_id, target);
        vg_audit_note note = {actor, "report.contact", target, NULL};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
        if (st == VG_OK) {
            *a->contact = it.contact;
            it.contact = NULL;
        }
    }
    vg_item_clear(&it);
    return st;
}

vg_status vg_hotline_contact(vg_hotline *h, int64_t report_id, const vg_actor *who, int64_t now,
                             vg_item_outcome *outcome, char **contact, vg_error *err)
{
    *contact = NULL;
    contact_args a = {report_id, now, who, outcome, contact};
    vg_status st = vg_store_write(h->store, contact_tx, &a, err);
    if (st != VG_OK) {
        free(*contact);
        *contact = NULL;
    }
    return st;
}
