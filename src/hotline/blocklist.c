/*
 * src/hotline/blocklist.c - the blocking list's use cases (blocklist.h).
 */
#include "hotline/blocklist.h"
#include "hotline/blocklist_cache.h"
#include "hotline/routing.h"
#include "hotline/routing_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/tlog.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/notices.h"
#include "store/routes.h"
#include "vigie/urlhash.h"

struct vg_blocklisting {
    char *legal_bases;
    int64_t days;
    char *stop_host; /* without a trailing dot; "" when not set */
    vg_block_cache *cache; /* the members' prefix sets; NULL: blocklist.cache_versions = 0 */
};

vg_status vg_hotline_blocklist_open(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    vg_blocklisting *b = calloc(1, sizeof *b);
    if (!b)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    h->blocklisting = b;
    vg_status st = vg_config_int(cfg, "blocklist.days", 30, 1, 365, &b->days, err);
    if (st != VG_OK)
        return st;
    if (!(b->legal_bases = strdup(vg_config_get(cfg, "blocklist.legal_bases", ""))) ||
        !(b->stop_host = strdup(vg_config_get(cfg, "blocklist.stop_host", ""))))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = strlen(b->stop_host);
    if (n && b->stop_host[n - 1] == '.')
        b->stop_host[n - 1] = 0;
    /* written into the members' zone file as it is: it must be a name */
    if (*b->stop_host && !vg_block_rpz_name_ok(b->stop_host))
        return vg_error_set(err, VG_ERR_INVALID,
                            "blocklist.stop_host: give the stop page's host name in lowercase "
                            "(such as stop.hotline.example), not \"%s\"",
                            b->stop_host);
    int64_t versions = 0;
    st = vg_config_int(cfg, "blocklist.cache_versions", 8, 0, 1024, &versions, err);
    if (st == VG_OK && versions > 0 && !(b->cache = vg_block_cache_new((size_t)versions)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return st;
}

void vg_hotline_blocklist_free(vg_hotline *h)
{
    if (!h->blocklisting)
        return;
    free(h->blocklisting->legal_bases);
    free(h->blocklisting->stop_host);
    vg_block_cache_free(h->blocklisting->cache);
    free(h->blocklisting);
    h->blocklisting = NULL;
}

const char *vg_hotline_block_bases(const vg_hotline *h)
{
    return h->blocklisting ? h->blocklisting->legal_bases : "";
}

const char *vg_hotline_block_stop_host(const vg_hotline *h)
{
    return h->blocklisting ? h->blocklisting->stop_host : "";
}

vg_block_cache *vg_hotline_block_cache(const vg_hotline *h)
{
    return h->blocklisting ? h->blocklisting->cache : NULL;
}

static int64_t term_days(const vg_hotline *h)
{
    return h->blocklisting ? h->blocklisting->days : 30;
}

static vg_role role_of(const vg_actor *who)
{
    return who->supervisor ? VG_ROLE_SUPERVISOR : VG_ROLE_ANALYST;
}

/* ---- what every change writes -------------------------------------------------- */

static vg_status audit(vg_tx *tx, int64_t now, const char *actor, const char *action,
                       const vg_block_entry *e, const char *note, vg_error *err)
{
    char target[40], detail[1200];
    snprintf(target, sizeof target, "block:%" PRId64, e->id);
    json_t *d = json_pack("{s:s, s:s, s:s, s:I}", "target", e->target ? e->target : "", "kind",
                          e->kind ? e->kind : "", "state", e->state ? e->state : "", "report",
                          (json_int_t)e->report_id);
    if (d && note && *note)
        json_object_set_new(d, "note", json_string(note));
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    snprintf(detail, sizeof detail, "%s", text);
    free(text);
    vg_audit_note n = {actor, action, target, detail};
    return vg_tx_audit_append(tx, now, &n, NULL, err);
}

/* The public log's entry of a change of e (hotline/tlog.h). */
static vg_status publish(vg_tx *tx, vg_tlog_action action, const vg_block_entry *e,
                         int64_t now, const char *reason, vg_error *err)
{
    vg_hotline_tlog_change c = {
        .action = action,
        .time = now,
        .expires = !strcmp(e->state, VG_BLOCK_LISTED) ? e->expires_at : 0,
        .basis = e->legal_basis,
        .category = e->category && *e->category ? e->category : VG_LEGAL_CSAM,
        .reason = reason && *reason ? reason : "-",
        .url = e->target,
    };
    return vg_hotline_tlog_append(tx, &c, NULL, err);
}

static void replace(char **field, const char *value)
{
    char *copy = strdup(value ? value : "");
    if (copy) {
        free(*field);
        *field = copy;
    }
}

static void user_actor(const char *name, char out[160])
{
    snprintf(out, 160, "user:%.128s", name);
}

/* e leaves the list (it was listed or proposed) for reason by actor. */
static vg_status remove_entry(vg_tx *tx, vg_block_entry *e, const char *reason,
                              const char *actor, int64_t now, vg_error *err)
{
    int was_listed = !strcmp(e->state, VG_BLOCK_LISTED);
    vg_status st = VG_OK;
    if (was_listed)
        st = vg_tx_blocklist_version_next(tx, &e->removed_version, err);
    if (st != VG_OK)
        return st;
    replace(&e->state, VG_BLOCK_REMOVED);
    replace(&e->removal_reason, reason);
    replace(&e->renewal_by, "");
    e->removed_at = now;
    if ((st = vg_tx_block_put(tx, e, NULL, err)) != VG_OK)
        return st;
    if (was_listed &&
        (st = publish(tx, VG_TLOG_REMOVED, e, now, vg_term_label(vg_block_removal_terms, reason),
                      err)) != VG_OK)
        return st;
    return audit(tx, now, actor, "block.remove", e, reason, err);
}

/* The one entry id, or *found = 0. */
static vg_status entry_get(vg_tx *tx, int64_t id, vg_block_entry *e, int *found, vg_error *err)
{
    vg_block_filter f = {.id = id};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_blocks(tx, &f, 1, &rows, &n, err);
    *found = st == VG_OK && n == 1;
    if (*found) {
        *e = rows[0];
        memset(&rows[0], 0, sizeof rows[0]);
    }
    vg_block_entries_free(rows, n);
    return st;
}

/* ---- proposing ------------------------------------------------------------------- */

typedef struct propose_args {
    const vg_hotline *h;
    const vg_actor *who;
    int64_t route_id;
    const char *kind, *basis;
    int64_t now;
    int64_t entry_id;
    char *why;
    size_t cap;
} propose_args;

/* The target of an entry for url: its canonical form, or its host. */
static vg_status target_of(const char *url, const char *kind, char **out, vg_error *err)
{
    vg_status st = vg_urlhash_canonicalize(url, strlen(url), out, err);
    if (st != VG_OK || strcmp(kind, VG_BLOCK_KIND_DOMAIN))
        return st;
    const char *host = strstr(*out, "://");
    host = host ? host + 3 : *out;
    size_t n = strcspn(host, "/?");
    memmove(*out, host, n);
    (*out)[n] = 0;
    return VG_OK;
}

static vg_status facts_tx(vg_tx *tx, const vg_url_route_row *route, vg_block_facts *f,
                          vg_item *item, int *item_found, vg_error *err)
{
    vg_status st = vg_tx_item_get(tx, route->report_id, item, item_found, err);
    if (st != VG_OK || !*item_found)
        return st;
    f->item_state = item->state;
    f->item_legal = item->legal;
    vg_item_file *files = NULL;
    size_t n = 0;
    if ((st = vg_tx_files(tx, route->report_id, 0, &files, &n, err)) != VG_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        f->files_held += files[i].vault_id != NULL;
    vg_item_files_free(files, n);
    vg_notice_filter nf = {.report_id = route->report_id};
    vg_notice_row *notices = NULL;
    if ((st = vg_tx_notices(tx, &nf, 1000, &notices, &n, err)) != VG_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (notices[i].url && !strcmp(notices[i].url, route->url)) {
            f->fetched |= notices[i].material_sha256 && *notices[i].material_sha256;
            f->removed |= notices[i].state && !strcmp(notices[i].state, VG_NOTICE_REMOVED);
        }
    vg_notice_rows_free(notices, n);
    vg_route_action *acts = NULL;
    if ((st = vg_tx_actions(tx, route->report_id, &acts, &n, err)) != VG_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        f->removed |= acts[i].type && acts[i].url && !strcmp(acts[i].type, VG_DONE_REMOVED) &&
                      !strcmp(acts[i].url, route->url);
    vg_route_actions_free(acts, n);
    return VG_OK;
}

static vg_status propose_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    propose_args *a = ctx;
    a->entry_id = 0;
    vg_url_route_row route = {0};
    int found = 0;
    vg_status st = vg_tx_route_get(tx, a->route_id, &route, &found, err);
    if (st != VG_OK || !found) {
        snprintf(a->why, a->cap, "no such route");
        vg_url_route_row_clear(&route);
        return st;
    }
    vg_block_facts f = {
        .role = role_of(a->who),
        .route_state = route.state,
        .route_country = route.country,
        .home_country = a->h->routing ? a->h->routing->country : "",
        .basis_listed = vg_block_basis_listed(vg_hotline_block_bases(a->h), a->basis),
        .kind = a->kind,
    };
    vg_item item = {0};
    int item_found = 0;
    st = facts_tx(tx, &route, &f, &item, &item_found, err);
    char *target = NULL;
    if (st == VG_OK && item_found && vg_rule_block_propose(&f, a->why, a->cap) &&
        (st = target_of(route.url, a->kind, &target, err)) == VG_OK) {
        vg_block_entry e = {.target = target, .kind = (char *)a->kind, .route_id = route.id,
                            .report_id = route.report_id, .proposed_by = (char *)a->who->username,
                            .proposed_at = a->now, .legal_basis = (char *)a->basis,
                            .category = item.category && *item.category ? item.category
                                                                          : VG_LEGAL_CSAM,
                            .state = VG_BLOCK_PROPOSED};
        st = vg_tx_block_put(tx, &e, &e.id, err);
        if (st == VG_ERR_INVALID) { /* proposed or listed already */
            snprintf(a->why, a->cap, "%s", err ? err->message : "already proposed or listed");
            st = VG_OK;
        } else if (st == VG_OK) {
            char actor[160];
            user_actor(a->who->username, actor);
            a->entry_id = e.id;
            st = audit(tx, a->now, actor, "block.propose", &e, a->basis, err);
        }
    }
    free(target);
    vg_item_clear(&item);
    vg_url_route_row_clear(&route);
    return st;
}

vg_status vg_hotline_block_propose(vg_hotline *h, const vg_actor *who, int64_t route_id,
                                   const char *kind, const char *basis, int64_t now,
                                   int64_t *entry_id, char *why, size_t cap, vg_error *err)
{
    propose_args a = {h, who, route_id, kind ? kind : "", basis ? basis : "", now, 0, why, cap};
    if (cap)
        why[0] = 0;
    vg_status st = vg_store_write(h->store, propose_tx, &a, err);
    *entry_id = st == VG_OK ? a.entry_id : 0;
    return st;
}

/* ---- deciding ---------------------------------------------------------------------- */

typedef struct decide_args {
    const vg_hotline *h;
    const vg_actor *who;
    int64_t id;
    int approve;
    const char *reason;
    int64_t now;
    int done;
    char *why;
    size_t cap;
} decide_args;

static vg_status decide_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    decide_args *a = ctx;
    a->done = 0;
    vg_block_entry e = {0};
    int found = 0;
    vg_status st = entry_get(tx, a->id, &e, &found, err);
    if (st != VG_OK || !found) {
        snprintf(a->why, a->cap, "no such entry");
        return st;
    }
    int renewal = !strcmp(e.state, VG_BLOCK_LISTED);
    const char *proposer = renewal ? e.renewal_by : e.proposed_by;
    if (!vg_rule_block_approve(role_of(a->who), a->who->username, e.state, proposer, a->why,
                               a->cap)) {
        vg_block_entry_clear(&e);
        return VG_OK;
    }
    char actor[160];
    user_actor(a->who->username, actor);
    const char *action;
    if (!a->approve) {
        action = "block.refuse";
        if (renewal)
            replace(&e.renewal_by, "");
        else {
            replace(&e.state, VG_BLOCK_REFUSED);
            replace(&e.removal_reason, a->reason);
            e.removed_at = a->now;
        }
        st = vg_tx_block_put(tx, &e, NULL, err);
    } else {
        action = renewal ? "block.renew" : "block.approve";
        replace(&e.approved_by, a->who->username);
        e.approved_at = a->now;
        vg_rule_block_term(a->now, term_days(a->h), &e.expires_at, &e.review_at);
        replace(&e.renewal_by, "");
        if (!renewal) {
            replace(&e.state, VG_BLOCK_LISTED);
            e.starts_at = a->now;
            st = vg_tx_blocklist_version_next(tx, &e.listed_version, err);
        }
        if (st == VG_OK)
            st = vg_tx_block_put(tx, &e, NULL, err);
        if (st == VG_OK)
            st = publish(tx, renewal ? VG_TLOG_RENEWED : VG_TLOG_ADDED, &e, a->now,
                         renewal ? "renewed by a second approval"
                                 : "approved by a second person",
                         err);
    }
    if (st == VG_OK)
        st = audit(tx, a->now, actor, action, &e, a->reason, err);
    a->done = st == VG_OK;
    vg_block_entry_clear(&e);
    return st;
}

vg_status vg_hotline_block_decide(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                  int approve, const char *reason, int64_t now, int *done,
                                  char *why, size_t cap, vg_error *err)
{
    decide_args a = {h, who, entry_id, approve, reason ? reason : "", now, 0, why, cap};
    if (cap)
        why[0] = 0;
    vg_status st = vg_store_write(h->store, decide_tx, &a, err);
    *done = st == VG_OK && a.done;
    return st;
}

static vg_status renew_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    decide_args *a = ctx;
    a->done = 0;
    vg_block_entry e = {0};
    int found = 0;
    vg_status st = entry_get(tx, a->id, &e, &found, err);
    if (st != VG_OK || !found) {
        snprintf(a->why, a->cap, "no such entry");
        return st;
    }
    if (vg_rule_block_renew_propose(role_of(a->who), e.state, e.renewal_by, a->why, a->cap)) {
        char actor[160];
        user_actor(a->who->username, actor);
        replace(&e.renewal_by, a->who->username);
        st = vg_tx_block_put(tx, &e, NULL, err);
        if (st == VG_OK)
            st = audit(tx, a->now, actor, "block.renew.propose", &e, NULL, err);
        a->done = st == VG_OK;
    }
    vg_block_entry_clear(&e);
    return st;
}

vg_status vg_hotline_block_renew(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                 int64_t now, int *done, char *why, size_t cap, vg_error *err)
{
    decide_args a = {h, who, entry_id, 0, "", now, 0, why, cap};
    if (cap)
        why[0] = 0;
    vg_status st = vg_store_write(h->store, renew_tx, &a, err);
    *done = st == VG_OK && a.done;
    return st;
}

/* ---- opening a commitment for a site owner ------------------------------------------- */

typedef struct opening_args {
    const vg_actor *who;
    int64_t id, now;
    unsigned char *opening, *commitment;
    char **target;
    int done;
    char *why;
    size_t cap;
} opening_args;

static vg_status opening_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    opening_args *a = ctx;
    a->done = 0;
    if (role_of(a->who) < VG_ROLE_SUPERVISOR) {
        snprintf(a->why, a->cap, "only a supervisor opens a commitment of the public log");
        return VG_OK;
    }
    vg_block_entry e = {0};
    int found = 0;
    vg_status st = entry_get(tx, a->id, &e, &found, err);
    if (st != VG_OK || !found) {
        snprintf(a->why, a->cap, "no such entry");
        return st;
    }
    st = vg_hotline_tlog_opening_tx(tx, e.target, a->opening, a->commitment, err);
    if (st == VG_OK) {
        char actor[160];
        user_actor(a->who->username, actor);
        st = audit(tx, a->now, actor, "block.opening", &e, NULL, err);
    }
    if (st == VG_OK) {
        *a->target = e.target;
        e.target = NULL;
        a->done = 1;
    }
    vg_block_entry_clear(&e);
    return st;
}

vg_status vg_hotline_block_opening(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                   int64_t now, unsigned char opening[32],
                                   unsigned char commitment[32], char **target, char *why,
                                   size_t cap, vg_error *err)
{
    *target = NULL;
    if (cap)
        why[0] = 0;
    opening_args a = {who, entry_id, now, opening, commitment, target, 0, why, cap};
    vg_status st = vg_store_write(h->store, opening_tx, &a, err);
    if (st != VG_OK || !a.done) {
        free(*target);
        *target = NULL;
        sodium_memzero(opening, 32);
    }
    return st;
}

/* ---- leaving the list ---------------------------------------------------------------- */

typedef struct expire_args {
    int64_t now;
    size_t removed;
} expire_args;

static vg_status expire_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    expire_args *a = ctx;
    vg_block_filter f = {.expires_before = a->now};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_blocks(tx, &f, 500, &rows, &n, err);
    a->removed = 0;
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (vg_rule_block_expired(rows[i].state, rows[i].expires_at, a->now)) {
            st = remove_entry(tx, &rows[i], VG_BLOCK_EXPIRED, "blocklist", a->now, err);
            a->removed += st == VG_OK;
        }
    vg_block_entries_free(rows, n);
    return st;
}

vg_status vg_hotline_block_expire(vg_hotline *h, int64_t now, size_t *removed, vg_error *err)
{
    expire_args a = {now, 0};
    vg_status st = vg_store_write(h->store, expire_tx, &a, err);
    if (removed)
        *removed = st == VG_OK ? a.removed : 0;
    return st;
}

vg_status vg_hotline_block_gone_tx(vg_tx *tx, int64_t report_id, const char *url,
                                   const char *actor, int64_t now, vg_error *err)
{
    vg_block_filter f = {.report_id = report_id};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_blocks(tx, &f, 1000, &rows, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        vg_block_entry *e = &rows[i];
        if (strcmp(e->state, VG_BLOCK_LISTED) && strcmp(e->state, VG_BLOCK_PROPOSED))
            continue;
        vg_url_route_row route = {0};
        int found = 0;
        st = vg_tx_route_get(tx, e->route_id, &route, &found, err);
        if (st == VG_OK && found && !strcmp(route.url, url))
            st = remove_entry(tx, e, VG_BLOCK_GONE, actor, now, err);
        vg_url_route_row_clear(&route);
    }
    vg_block_entries_free(rows, n);
    return st;
}

typedef struct list_args {
    const vg_block_filter *filter;
    size_t limit;
    vg_block_entry *rows;
    size_t count;
} list_args;

static vg_status list_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_blocks(tx, a->filter, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_blocks(vg_hotline *h, const vg_block_filter *filter, size_t limit,
                            vg_block_entry **rows, size_t *count, vg_error *err)
{
    list_args a = {filter, limit, NULL, 0};
    vg_status st = vg_store_read(h->store, list_tx, &a, err);
    *rows = a.rows;
    *count = a.count;
    return st;
}

/* ---- appeals ------------------------------------------------------------------------ */

typedef struct appeal_args {
    const char *url, *reason, *contact;
    const char *target_url, *target_host; /* canonical, or NULL when it is not an address */
    int64_t now, id;
} appeal_args;

/* The listed entry of the first of targets (a canonical URL, a host;
 * NULL ones skipped) that has one: *found, with *entry filled. */
static vg_status listed_for(vg_tx *tx, const char *const targets[2], vg_block_entry *entry,
                            int *found, vg_error *err)
{
    *found = 0;
    for (size_t i = 0; i < 2 && !*found; i++) {
        if (!targets[i])
            continue;
        vg_block_filter f = {.target = targets[i], .state = VG_BLOCK_LISTED};
        vg_block_entry *rows = NULL;
        size_t n = 0;
        vg_status st = vg_tx_blocks(tx, &f, 1, &rows, &n, err);
        if (st != VG_OK)
            return st;
        if (n) {
            *entry = rows[0];
            memset(&rows[0], 0, sizeof rows[0]);
            *found = 1;
        }
        vg_block_entries_free(rows, n);
    }
    return VG_OK;
}

static vg_status appeal_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    appeal_args *a = ctx;
    const char *targets[2] = {a->target_url, a->target_host};
    vg_block_entry listed = {0};
    int found = 0;
    vg_status st = listed_for(tx, targets, &listed, &found, err);
    int64_t entry = found ? listed.id : 0;
    vg_block_entry_clear(&listed);
    if (st != VG_OK)
        return st;
    vg_block_appeal ap = {.entry_id = entry, .url = (char *)a->url, .reason = (char *)a->reason,
                          .contact = (char *)a->contact, .created_at = a->now,
                          .state = VG_APPEAL_OPEN};
    if ((st = vg_tx_appeal_put(tx, &ap, &a->id, err)) != VG_OK)
        return st;
    char target[40], detail[80];
    snprintf(target, sizeof target, "appeal:%" PRId64, a->id);
    snprintf(detail, sizeof detail, "{\"entry\":%" PRId64 "}", entry);
    vg_audit_note n = {"public", "block.appeal", target, detail};
    return vg_tx_audit_append(tx, a->now, &n, NULL, err);
}

vg_status vg_hotline_appeal_add(vg_hotline *h, const char *url, const char *reason,
                                const char *contact, int64_t now, int64_t *appeal_id,
                                vg_error *err)
{
    *appeal_id = 0;
    url = url ? url : "";
    reason = reason ? reason : "";
    contact = contact ? contact : "";
    if (!*url || strlen(url) > 2048)
        return vg_error_set(err, VG_ERR_INVALID, "give the address that was blocked");
    if (!*reason || strlen(reason) > 2000)
        return vg_error_set(err, VG_ERR_INVALID,
                            "say why this is an error (at most 2,000 characters)");
    if (strlen(contact) > 200)
        return vg_error_set(err, VG_ERR_INVALID, "the contact is too long (at most 200)");
    char *canon = NULL, *host = NULL;
    vg_error ignored;
    if (target_of(url, VG_BLOCK_KIND_URL, &canon, &ignored) != VG_OK)
        canon = NULL;
    if (target_of(url, VG_BLOCK_KIND_DOMAIN, &host, &ignored) != VG_OK)
        host = NULL;
    appeal_args a = {url, reason, contact, canon, host, now, 0};
    vg_status st = vg_store_write(h->store, appeal_tx, &a, err);
    free(canon);
    free(host);
    *appeal_id = st == VG_OK ? a.id : 0;
    return st;
}

typedef struct listed_args {
    const char *targets[2];
    vg_block_entry *entry;
    int found;
} listed_args;

static vg_status listed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    listed_args *a = ctx;
    return listed_for(tx, a->targets, a->entry, &a->found, err);
}

vg_status vg_hotline_block_listed(vg_hotline *h, const char *url, vg_block_entry *entry,
                                  int *found, vg_error *err)
{
    *found = 0;
    memset(entry, 0, sizeof *entry);
    char *canon = NULL, *host = NULL;
    vg_error ignored;
    /* An address that does not parse is listed by nothing: not an error
     * for the visitor who typed it. */
    if (!url || target_of(url, VG_BLOCK_KIND_URL, &canon, &ignored) != VG_OK)
        return VG_OK;
    if (target_of(url, VG_BLOCK_KIND_DOMAIN, &host, &ignored) != VG_OK)
        host = NULL;
    listed_args a = {{canon, host}, entry, 0};
    vg_status st = vg_store_read(h->store, listed_tx, &a, err);
    free(canon);
    free(host);
    *found = st == VG_OK && a.found;
    return st;
}

typedef struct appeal_decide_args {
    const vg_actor *who;
    int64_t id;
    int grant;
    const char *reason;
    int64_t now;
    int done;
    char *why;
    size_t cap;
} appeal_decide_args;

static vg_status appeal_decide_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    appeal_decide_args *a = ctx;
    a->done = 0;
    vg_block_appeal *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_appeals(tx, a->id, 0, NULL, 1, &rows, &n, err);
    if (st != VG_OK || n != 1) {
        snprintf(a->why, a->cap, "no such appeal");
        vg_block_appeals_free(rows, n);
        return st;
    }
    vg_block_appeal *ap = &rows[0];
    if (!vg_rule_appeal_decide(role_of(a->who), ap->state, a->reason, a->why, a->cap)) {
        vg_block_appeals_free(rows, n);
        return VG_OK;
    }
    char actor[160];
    user_actor(a->who->username, actor);
    replace(&ap->state, a->grant ? VG_APPEAL_GRANTED : VG_APPEAL_REJECTED);
    replace(&ap->decided_by, a->who->username);
    replace(&ap->decision, a->reason);
    ap->decided_at = a->now;
    st = vg_tx_appeal_put(tx, ap, NULL, err);
    vg_block_entry e = {0};
    int found = 0;
    if (st == VG_OK && ap->entry_id > 0)
        st = entry_get(tx, ap->entry_id, &e, &found, err);
    /* The outcome is public when the appeal was against a listed entry;
     * one against nothing listed has nothing to tell. */
    if (st == VG_OK && found && !strcmp(e.state, VG_BLOCK_LISTED)) {
        st = publish(tx, a->grant ? VG_TLOG_APPEAL_GRANTED : VG_TLOG_APPEAL_REFUSED, &e, a->now,
                     a->reason, err);
        if (st == VG_OK && a->grant)
            st = remove_entry(tx, &e, VG_BLOCK_APPEAL, actor, a->now, err);
    }
    if (st == VG_OK) {
        char target[40];
        snprintf(target, sizeof target, "appeal:%" PRId64, ap->id);
        json_t *d = json_pack("{s:s, s:I, s:s}", "state", ap->state, "entry",
                              (json_int_t)ap->entry_id, "reason", a->reason);
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        vg_audit_note note = {actor, "block.appeal.decide", target, text ? text : "{}"};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
        free(text);
    }
    a->done = st == VG_OK;
    vg_block_entry_clear(&e);
    vg_block_appeals_free(rows, n);
    return st;
}

vg_status vg_hotline_appeal_decide(vg_hotline *h, const vg_actor *who, int64_t appeal_id,
                                   int grant, const char *reason, int64_t now, int *done,
                                   char *why, size_t cap, vg_error *err)
{
    appeal_decide_args a = {who, appeal_id, grant, reason ? reason : "", now, 0, why, cap};
    if (cap)
        why[0] = 0;
    vg_status st = vg_store_write(h->store, appeal_decide_tx, &a, err);
    *done = st == VG_OK && a.done;
    return st;
}

typedef struct appeals_args {
    int64_t id;
    const char *state;
    size_t limit;
    vg_block_appeal *rows;
    size_t count;
} appeals_args;

static vg_status appeals_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    appeals_args *a = ctx;
    return vg_tx_appeals(tx, a->id, 0, a->state, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_appeals(vg_hotline *h, int64_t id, const char *state, size_t limit,
                             vg_block_appeal **rows, size_t *count, vg_error *err)
{
    appeals_args a = {id, state, limit, NULL, 0};
    vg_status st = vg_store_read(h->store, appeals_tx, &a, err);
    *rows = a.rows;
    *count = a.count;
    return st;
}
