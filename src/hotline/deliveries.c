/*
 * src/hotline/deliveries.c - approving routes and what approval sends
 * (routing.h): an analyst's approval or change, the automatic approval of
 * known material, the deliveries each approval makes, what was done about
 * a report and what its sender may read of it.
 *
 * This file never calls hotline.c nor routing.c (they call it).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/routing.h"
#include "hotline/blocklist.h"
#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/reports.h"
#include "store/routes.h"

const vg_partner *vg_routing_partner(const vg_routing *r, const char *country)
{
    for (size_t i = 0; r && country && i < r->partners.count; i++)
        if (!strcmp(r->partners.items[i].country, country))
            return &r->partners.items[i];
    return NULL;
}

static void target_of(int64_t report_id, char out[32])
{
    snprintf(out, 32, "report:%" PRId64, report_id);
}

/* Append an audit entry whose detail is the JSON object o (consumed). */
vg_status vg_routing_audit(vg_tx *tx, int64_t now, const char *actor, const char *action,
                           int64_t report_id, json_t *o, vg_error *err)
{
    char *detail = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!detail)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char target[32];
    target_of(report_id, target);
    vg_audit_note note = {actor, action, target, detail};
    vg_status st = vg_tx_audit_append(tx, now, &note, NULL, err);
    free(detail);
    return st;
}

/* The deliveries an approved route makes, due at once. */
static vg_status make_deliveries(vg_tx *tx, const vg_routing *r, const vg_url_route_row *route,
                                 int64_t now, vg_error *err)
{
    const char *kinds[3];
    size_t n = vg_rule_route_deliveries(route->actions,
                                        vg_routing_partner(r, route->country) != NULL, kinds);
    for (size_t i = 0; i < n; i++) {
        const char *target = !strcmp(kinds[i], VG_DELIVERY_FORWARD) ? route->country
                             : !strcmp(kinds[i], VG_DELIVERY_POLICE) ? "police"
                                                                      : "child_protection";
        vg_route_delivery d = {.route_id = route->id, .report_id = route->report_id,
                               .kind = (char *)kinds[i], .target = (char *)target,
                               .url = route->url, .next_at = now, .created_at = now};
        int inserted = 0;
        vg_status st = vg_tx_delivery_add(tx, &d, &inserted, err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

vg_status vg_routing_approve_tx(vg_tx *tx, const vg_routing *r, const vg_url_route_row *route,
                                const char *by, const char *action, int64_t now, int *done,
                                vg_error *err)
{
    char actor[160];
    if (!strcmp(by, "orientation"))
        snprintf(actor, sizeof actor, "%s", by);
    else
        snprintf(actor, sizeof actor, "user:%.128s", by);
    vg_url_route_row next = *route;
    next.state = (char *)(!strcmp(action, "route.auto") ? VG_URL_ROUTE_AUTOMATIC
                                                          : VG_URL_ROUTE_APPROVED);
    next.decided_by = (char *)by;
    next.decided_at = now;
    vg_status st = vg_tx_route_decide(tx, &next, route->state, route->actions,
                                      route->changed_by, done, err);
    if (st != VG_OK || !*done)
        return st;
    if ((st = make_deliveries(tx, r, &next, now, err)) != VG_OK)
        return st;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "route", (json_int_t)route->id, "url",
                          route->url, "actions", route->actions, "changed_by",
                          route->changed_by ? route->changed_by : "");
    return vg_routing_audit(tx, now, actor, action, route->report_id, o, err);
}

/* ---- an analyst decides ------------------------------------------------------------ */

typedef struct decide_args {
    const vg_routing *r;
    int64_t route_id;
    const char *actor, *wanted;
    int64_t now;
    vg_route_verdict verdict;
    char *why;
    size_t cap;
    int64_t report_id;
} decide_args;

static vg_status decide_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    decide_args *a = ctx;
    vg_url_route_row route;
    int found = 0;
    vg_status st = vg_tx_route_get(tx, a->route_id, &route, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        a->verdict = VG_ROUTE_REFUSED;
        snprintf(a->why, a->cap, "there is no such route");
        return VG_OK;
    }
    a->report_id = route.report_id;
    a->verdict = vg_rule_route_approval(route.state, route.changed_by, a->actor, route.actions,
                                        a->wanted,
                                        vg_routing_partner(a->r, route.country) != NULL, a->why,
                                        a->cap);
    int done = 1;
    if (a->verdict == VG_ROUTE_APPROVE) {
        st = vg_routing_approve_tx(tx, a->r, &route, a->actor, "route.approve", a->now, &done,
                                   err);
    } else if (a->verdict == VG_ROUTE_CHANGE) {
        vg_url_route_row next = route;
        next.actions = (char *)a->wanted;
        next.changed_by = (char *)a->actor;
        st = vg_tx_route_decide(tx, &next, route.state, route.actions, route.changed_by, &done,
                                err);
        char actor[160];
        snprintf(actor, sizeof actor, "user:%.128s", a->actor);
        if (st == VG_OK && done)
            st = vg_routing_audit(tx, a->now, actor, "route.change", route.report_id,
                                  json_pack("{s:I, s:s, s:s, s:s}", "route",
                                            (json_int_t)route.id, "url", route.url, "from",
                                            route.actions, "to", a->wanted),
                                  err);
    }
    if (st == VG_OK && !done) {
        a->verdict = VG_ROUTE_REFUSED;
        snprintf(a->why, a->cap, "someone decided this route meanwhile: look at it again");
    }
    vg_url_route_row_clear(&route);
    return st;
}

vg_status vg_hotline_route_decide(vg_hotline *h, int64_t route_id, const char *actor,
                                  const char *wanted, int64_t now, vg_route_verdict *verdict,
                                  int64_t *report_id, char *why, size_t cap, vg_error *err)
{
    decide_args a = {h->routing, route_id, actor, wanted, now, VG_ROUTE_REFUSED, why, cap, 0};
    if (!h->routing) {
        *verdict = VG_ROUTE_REFUSED;
        snprintf(why, cap, "routing is not configured (routing.country)");
        return VG_OK;
    }
    vg_status st = vg_store_write(h->store, decide_tx, &a, err);
    *verdict = a.verdict;
    if (report_id)
        *report_id = a.report_id;
    return st;
}

/* ---- what was done ---------------------------------------------------------------- */

typedef struct record_args {
    const vg_routing *r;
    const vg_route_action *action;
    const char *actor;
    int known_url, inserted;
} record_args;

static vg_status record_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    record_args *a = ctx;
    vg_url_route_row *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_routes(tx, a->action->report_id, 0, &rows, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!strcmp(rows[i].url, a->action->url))
            a->known_url = 1;
    vg_url_route_rows_free(rows, n);
    if (st != VG_OK || !a->known_url)
        return st;
    if ((st = vg_tx_action_add(tx, a->action, &a->inserted, err)) != VG_OK || !a->inserted)
        return st;
    char actor[160];
    snprintf(actor, sizeof actor, "user:%.128s", a->actor);
    if (!strcmp(a->action->type, VG_DONE_REMOVED) &&
        (st = vg_hotline_block_gone_tx(tx, a->action->report_id, a->action->url, actor,
                                       a->action->at, err)) != VG_OK)
        return st;
    if ((st = vg_routing_callback_tx(tx, a->r, a->action->report_id, a->action->at, err)) !=
        VG_OK)
        return st;
    return vg_routing_audit(tx, a->action->at, actor, "route.removed", a->action->report_id,
                            json_pack("{s:s, s:s, s:s}", "url", a->action->url, "type",
                                      a->action->type, "reference", a->action->reference),
                            err);
}

vg_status vg_hotline_route_removed(vg_hotline *h, int64_t report_id, const char *url,
                                   const char *actor, int64_t now, int *recorded, vg_error *err)
{
    vg_route_action act = {.report_id = report_id, .type = VG_DONE_REMOVED, .at = now,
                           .to = "", .reference = "", .url = (char *)url, .by = ""};
    record_args a = {h->routing, &act, actor, 0, 0};
    vg_status st = vg_store_write(h->store, record_tx, &a, err);
    *recorded = a.inserted;
    if (st == VG_OK && !a.known_url)
        return vg_error_set(err, VG_ERR_INVALID, "this URL has no route in this report");
    return st;
}

typedef struct history_args {
    int64_t report_id;
    vg_route_delivery *deliveries;
    size_t delivery_count;
    vg_route_action *actions;
    size_t action_count;
} history_args;

static vg_status history_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    history_args *a = ctx;
    vg_status st = vg_tx_deliveries(tx, a->report_id, 0, 1000, &a->deliveries,
                                    &a->delivery_count, err);
    return st == VG_OK ? vg_tx_actions(tx, a->report_id, &a->actions, &a->action_count, err) : st;
}

vg_status vg_hotline_route_history(vg_hotline *h, int64_t report_id,
                                   vg_route_delivery **deliveries, size_t *delivery_count,
                                   vg_route_action **actions, size_t *action_count, vg_error *err)
{
    history_args a = {report_id, NULL, 0, NULL, 0};
    vg_status st = vg_store_read(h->store, history_tx, &a, err);
    *deliveries = a.deliveries;
    *delivery_count = a.delivery_count;
    *actions = a.actions;
    *action_count = a.action_count;
    return st;
}

/* ---- a sender reads the fate of its report ----------------------------------------- */

typedef struct fate_args {
    const char *public_id;
    int64_t api_key_id;
    int any_sender;
    vg_report_row row;
    int found;
    vg_route_action *actions;
    size_t count;
} fate_args;

static vg_status fate_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    fate_args *a = ctx;
    vg_status st = vg_tx_report_by_public_id(tx, a->public_id, &a->row, &a->found, err);
    if (st != VG_OK || !a->found)
        return st;
    /* Only the key that sent it: another key learns nothing, not even
     * that the report exists. */
    if (!a->any_sender && (a->row.api_key_id != a->api_key_id || a->api_key_id <= 0)) {
        a->found = 0;
        return VG_OK;
    }
    return vg_tx_actions(tx, a->row.id, &a->actions, &a->count, err);
}

vg_status vg_hotline_report_fate(vg_hotline *h, const char *public_id, int64_t api_key_id,
                                 char **fate_json, int *found, vg_error *err)
{
    return vg_routing_fate(h, public_id, api_key_id, 0, 0, fate_json, found, err);
}

vg_status vg_routing_fate(vg_hotline *h, const char *public_id, int64_t api_key_id,
                          int any_sender, int64_t version, char **fate_json, int *found,
                          vg_error *err)
{
    *fate_json = NULL;
    fate_args a = {.public_id = public_id, .api_key_id = api_key_id, .any_sender = any_sender};
    vg_status st = vg_store_read(h->store, fate_tx, &a, err);
    *found = st == VG_OK && a.found;
    if (*found) {
        json_t *list = json_array();
        for (size_t i = 0; i < a.count; i++) {
            const vg_route_action *x = &a.actions[i];
            json_t *e = json_pack("{s:s, s:I, s:s, s:s, s:s}", "type", x->type, "at",
                                  (json_int_t)x->at, "to", x->to, "reference", x->reference,
                                  "url", x->url);
            if (e && x->by && *x->by)
                json_object_set_new(e, "by", json_string(x->by));
            if (e)
                json_array_append_new(list, e);
        }
        json_t *o = json_pack("{s:s, s:s, s:o}", "id", a.row.public_id, "status",
                              a.row.status ? a.row.status : VG_REPORT_RECEIVED, "actions", list);
        if (o && version > 0)
            json_object_set_new(o, "version", json_integer(version));
        *fate_json = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!*fate_json)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    vg_report_row_clear(&a.row);
    vg_route_actions_free(a.actions, a.count);
    return st;
}
