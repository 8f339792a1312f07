/*
 * src/model/blocklist.c - the blocking list's safeguards (blocklist.h).
 */
#include "model/blocklist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"
#include "vigie/urlhash.h"

void vg_block_entry_clear(vg_block_entry *e)
{
    char **texts[] = {&e->target,   &e->kind,          &e->proposed_by,
                      &e->approved_by, &e->legal_basis, &e->category,
                      &e->state,    &e->removal_reason, &e->renewal_by};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(*texts[i]);
    memset(e, 0, sizeof *e);
}

void vg_block_entries_free(vg_block_entry *e, size_t count)
{
    for (size_t i = 0; e && i < count; i++)
        vg_block_entry_clear(&e[i]);
    free(e);
}

void vg_block_appeal_clear(vg_block_appeal *a)
{
    char **texts[] = {&a->url, &a->reason, &a->contact, &a->state, &a->decided_by, &a->decision};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(*texts[i]);
    memset(a, 0, sizeof *a);
}

void vg_block_appeals_free(vg_block_appeal *a, size_t count)
{
    for (size_t i = 0; a && i < count; i++)
        vg_block_appeal_clear(&a[i]);
    free(a);
}

static int refuse(char *why, size_t cap, const char *text)
{
    if (cap)
        snprintf(why, cap, "%s", text);
    return 0;
}

static int is(const char *a, const char *b)
{
    return a && !strcmp(a, b);
}

int vg_rule_block_propose(const vg_block_facts *f, char *why, size_t cap)
{
    if (f->role < VG_ROLE_ANALYST)
        return refuse(why, cap, "only an analyst proposes an entry for the blocking list");
    if (!vg_term_find(vg_block_kind_terms, f->kind))
        return refuse(why, cap, "an entry is a URL or a whole domain");
    if (!is(f->route_state, VG_URL_ROUTE_APPROVED) && !is(f->route_state, VG_URL_ROUTE_AUTOMATIC))
        return refuse(why, cap, "the route must be approved first");
    if (!is(f->item_state, VG_ITEM_CONFIRMED) && !is(f->item_state, VG_ITEM_AUTO))
        return refuse(why, cap, "the report's assessment is not finished");
    if (!is(f->item_legal, VG_LEGAL_CSAM))
        return refuse(why, cap, "only confirmed CSAM is blocked");
    if (f->files_held <= 0 && !f->fetched)
        return refuse(why, cap,
                      "no evidence vigie holds or fetched: a digest a sender quoted never "
                      "classifies anything");
    if (!f->route_country || !*f->route_country || !f->home_country || !*f->home_country)
        return refuse(why, cap, "where the URL is hosted is not known");
    if (!strcmp(f->route_country, f->home_country))
        return refuse(why, cap,
                      "the URL is hosted in this country: removal at the source, not blocking");
    if (f->removed)
        return refuse(why, cap, "the material is already gone from its host");
    if (!f->basis_listed)
        return refuse(why, cap, "choose a legal basis from blocklist.legal_bases");
    return 1;
}

int vg_rule_block_approve(vg_role role, const char *actor, const char *state,
                          const char *proposer, char *why, size_t cap)
{
    if (role < VG_ROLE_SUPERVISOR)
        return refuse(why, cap, "only a supervisor approves the blocking list");
    if (!is(state, VG_BLOCK_PROPOSED) && !is(state, VG_BLOCK_LISTED))
        return refuse(why, cap, "this entry awaits no decision");
    if (!proposer || !*proposer)
        return refuse(why, cap, "this entry awaits no decision");
    if (actor && !strcmp(actor, proposer))
        return refuse(why, cap, "a second person must approve what you proposed");
    return 1;
}

int vg_rule_block_renew_propose(vg_role role, const char *state, const char *renewal_by,
                                char *why, size_t cap)
{
    if (role < VG_ROLE_ANALYST)
        return refuse(why, cap, "only an analyst proposes a renewal");
    if (!is(state, VG_BLOCK_LISTED))
        return refuse(why, cap, "only a listed entry is renewed");
    if (renewal_by && *renewal_by)
        return refuse(why, cap, "a renewal already waits for approval");
    return 1;
}

void vg_rule_block_term(int64_t now, int64_t days, int64_t *expires_at, int64_t *review_at)
{
    if (days < 1)
        days = 1;
    *expires_at = now + days * 86400;
    int64_t half = days * 86400 / 2;
    if (half > (days - 1) * 86400)
        half = (days - 1) * 86400;
    *review_at = now + half;
}

int vg_rule_block_expired(const char *state, int64_t expires_at, int64_t now)
{
    return is(state, VG_BLOCK_LISTED) && expires_at > 0 && expires_at <= now;
}

int vg_rule_appeal_decide(vg_role role, const char *state, const char *reason, char *why,
                          size_t cap)
{
    if (role < VG_ROLE_SUPERVISOR)
        return refuse(why, cap, "only a supervisor decides an appeal");
    if (!is(state, VG_APPEAL_OPEN))
        return refuse(why, cap, "this appeal was decided already");
    while (reason && isspace((unsigned char)*reason))
        reason++;
    if (!reason || !*reason)
        return refuse(why, cap, "give the reason of the decision: it is logged publicly");
    return 1;
}

int vg_block_basis_listed(const char *legal_bases, const char *basis)
{
    if (!legal_bases || !basis)
        return 0;
    while (isspace((unsigned char)*basis))
        basis++;
    size_t want = strlen(basis);
    while (want && isspace((unsigned char)basis[want - 1]))
        want--;
    if (!want)
        return 0;
    const char *p = legal_bases;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (n == want && !memcmp(p, basis, n))
            return 1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* ---- what members receive ---------------------------------------------------- */

vg_status vg_block_full_hash(const char *kind, const char *target, unsigned char out[32],
                             vg_error *err)
{
    if (!target || !*target)
        return vg_error_set(err, VG_ERR_INVALID, "an entry without a target");
    if (is(kind, VG_BLOCK_KIND_DOMAIN)) {
        /* the target is already a canonical host: "host/" as written */
        size_t n = strlen(target);
        char *expr = malloc(n + 2);
        if (!expr)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        memcpy(expr, target, n);
        expr[n] = '/';
        expr[n + 1] = 0;
        vg_urlhash_full(expr, n + 1, out);
        free(expr);
        return VG_OK;
    }
    vg_urlhash_expressions list;
    vg_status st = vg_urlhash_expressions_of(target, strlen(target), &list, err);
    if (st != VG_OK)
        return st;
    /* the first expression is the exact host with the exact path and query */
    if (list.count == 0)
        st = vg_error_set(err, VG_ERR_INVALID, "no expression for %s", target);
    else
        vg_urlhash_full(list.items[0], strlen(list.items[0]), out);
    vg_urlhash_expressions_clear(&list);
    return st;
}

static int prefix_order(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

size_t vg_block_prefixes_normalize(uint32_t *prefixes, size_t count)
{
    if (count == 0)
        return 0;
    qsort(prefixes, count, sizeof *prefixes, prefix_order);
    size_t kept = 1;
    for (size_t i = 1; i < count; i++)
        if (prefixes[i] != prefixes[kept - 1])
            prefixes[kept++] = prefixes[i];
    return kept;
}

void vg_block_prefixes_diff(const uint32_t *old, size_t old_count, const uint32_t *now,
                            size_t now_count, uint32_t *added, size_t *added_count,
                            uint32_t *removed, size_t *removed_count)
{
    size_t i = 0, j = 0, a = 0, r = 0;
    while (i < old_count || j < now_count) {
        if (j == now_count || (i < old_count && old[i] < now[j]))
            removed[r++] = old[i++];
        else if (i == old_count || now[j] < old[i])
            added[a++] = now[j++];
        else
            i++, j++;
    }
    *added_count = a;
    *removed_count = r;
}

int vg_block_rpz_name_ok(const char *host)
{
    size_t n = host ? strlen(host) : 0;
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0, labels = 1;
    int all_digits = 1;
    for (size_t i = 0; i < n; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            labels++;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
        if (!(c >= '0' && c <= '9'))
            all_digits = 0;
        if (++label > 63)
            return 0;
    }
    return label > 0 && labels >= 2 && !(all_digits && labels == 4);
}
