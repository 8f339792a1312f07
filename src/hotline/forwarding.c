/*
 * src/hotline/forwarding.c - what the deliveries job records
 * (forwarding.h): the deliveries due, the report a forward carries, each
 * try at sending one, and what a partner says it did.
 */
#include "hotline/forwarding.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/partner_answer.h"
#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/routes.h"

typedef struct due_args {
    int64_t now;
    size_t limit;
    vg_route_delivery *rows;
    size_t count;
} due_args;

static vg_status due_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    due_args *a = ctx;
    return vg_tx_deliveries(tx, 0, a->now, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_deliveries_due(vg_hotline *h, int64_t now, size_t limit,
                                    vg_route_delivery **rows, size_t *count, vg_error *err)
{
    due_args a = {now, limit, NULL, 0};
    vg_status st = vg_store_read(h->store, due_tx, &a, err);
    *rows = a.rows;
    *count = a.count;
    return st;
}

/* ---- the report a forward carries --------------------------------------------- */

typedef struct body_args {
    int64_t report_id;
    vg_item item;
    int found;
    vg_item_file *files;
    size_t file_count;
} body_args;

static vg_status body_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    body_args *a = ctx;
    vg_status st = vg_tx_item_get(tx, a->report_id, &a->item, &a->found, err);
    if (st != VG_OK || !a->found)
        return st;
    return vg_tx_files(tx, a->report_id, 0, &a->files, &a->file_count, err);
}

static void set_text(json_t *o, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(o, key, json_string(value));
}

vg_status vg_hotline_forward_body(vg_hotline *h, const vg_route_delivery *d, char **json,
                                  vg_error *err)
{
    *json = NULL;
    const vg_routing *r = h->routing;
    if (!r)
        return vg_error_set(err, VG_ERR_INVALID, "routing is not configured");
    body_args a = {.report_id = d->report_id};
    vg_status st = vg_store_read(h->store, body_tx, &a, err);
    if (st == VG_OK && !a.found)
        st = vg_error_set(err, VG_ERR_INVALID, "report %" PRId64 " is gone", d->report_id);
    if (st != VG_OK) {
        vg_item_files_free(a.files, a.file_count);
        return st;
    }
    const vg_item *it = &a.item;
    /* What the partner needs to find and assess the material under its own
     * law: where, and what the origin hotline found. Never the files, and
     * only digests of bytes this hotline hashed itself (a digest its own
     * sender quoted proves nothing, and the partner would read it as the
     * origin's). */
    json_t *o = json_object();
    json_t *urls = json_array();
    json_array_append_new(urls, json_string(d->url));
    json_object_set_new(o, "urls", urls);
    set_text(o, "category", it->category);
    json_object_set_new(o, "reporter_kind", json_string("hotline"));
    json_t *files = json_array();
    for (size_t i = 0; i < a.file_count; i++) {
        const vg_item_file *f = &a.files[i];
        if (!f->vault_id || !f->sha256)
            continue;
        json_t *e = json_object();
        set_text(e, "sha256", f->sha256);
        set_text(e, "md5", f->md5);
        set_text(e, "sha1", f->sha1);
        set_text(e, "pdq", f->pdq);
        json_object_set_new(e, "size", json_integer(f->size));
        json_array_append_new(files, e);
    }
    if (json_array_size(files))
        json_object_set_new(o, "files", files);
    else
        json_decref(files);
    json_t *origin = json_object();
    set_text(origin, "hotline", r->hotline_name);
    set_text(origin, "country", r->country);
    set_text(origin, "reference", it->receipt_code);
    set_text(origin, "classification", it->legal);
    set_text(origin, "severity", it->severity);
    set_text(origin, "age", it->age);
    json_object_set_new(origin, "automatic",
                        json_boolean(it->state && !strcmp(it->state, VG_ITEM_AUTO)));
    json_object_set_new(o, "origin", origin);
    *json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    vg_item_clear(&a.item);
    vg_item_files_free(a.files, a.file_count);
    return *json ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

/* ---- a try, and its answer ---------------------------------------------------------- */

const char *vg_hotline_delivery_to(const vg_hotline *h, const vg_route_delivery *d)
{
    const vg_routing *r = h->routing;
    if (!r)
        return d->target;
    if (!strcmp(d->kind, VG_DELIVERY_FORWARD)) {
        const vg_partner *p = vg_routing_partner(r, d->target);
        return p ? p->name : d->target;
    }
    const vg_referral_contact *c =
        !strcmp(d->kind, VG_DELIVERY_POLICE) ? &r->police : &r->child_protection;
    return c->name ? c->name : d->target;
}

typedef struct attempt_args {
    vg_hotline *h;
    vg_route_delivery next;
    const char *how;
} attempt_args;

static vg_status attempt_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    attempt_args *a = ctx;
    const vg_route_delivery *d = &a->next;
    vg_status st = vg_tx_delivery_update(tx, d, err);
    if (st != VG_OK || !d->sent_at)
        return st;
    int forward = !strcmp(d->kind, VG_DELIVERY_FORWARD);
    const char *to = vg_hotline_delivery_to(a->h, d);
    vg_route_action act = {.report_id = d->report_id,
                           .type = forward ? VG_DONE_FORWARDED : VG_DONE_REFERRED,
                           .at = d->sent_at, .to = (char *)to, .reference = d->reference,
                           .url = d->url, .by = ""};
    int inserted = 0;
    if ((st = vg_tx_action_add(tx, &act, &inserted, err)) != VG_OK)
        return st;
    if (inserted &&
        (st = vg_routing_callback_tx(tx, a->h->routing, d->report_id, d->sent_at, err)) != VG_OK)
        return st;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "delivery", (json_int_t)d->id,
                          "kind", d->kind, "url", d->url, "to", to, "reference", d->reference,
                          "attempts", (json_int_t)d->attempts);
    if (o && a->how && *a->how)
        json_object_set_new(o, "how", json_string(a->how));
    return vg_routing_audit(tx, d->sent_at, "deliveries",
                            forward ? "route.forwarded" : "route.referred", d->report_id, o,
                            err);
}

vg_status vg_hotline_delivery_attempted(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                        int taken, const char *reference, const char *how,
                                        const char *detail, int64_t *next_at, vg_error *err)
{
    attempt_args a = {h, *d, how};
    a.next.attempts = d->attempts + 1;
    if (taken) {
        a.next.sent_at = now;
        a.next.reference = (char *)(reference ? reference : "");
        a.next.last_error = "";
        a.next.poll_at = !strcmp(d->kind, VG_DELIVERY_FORWARD) && h->routing
                             ? now + h->routing->poll_seconds
                             : 0;
    } else {
        a.next.next_at = vg_rule_delivery_retry_at(now, a.next.attempts);
        a.next.last_error = (char *)(detail ? detail : "failed");
    }
    if (next_at)
        *next_at = a.next.next_at;
    return vg_store_write(h->store, attempt_tx, &a, err);
}

/* Record the actions remote[0..count) the partner says it did about
 * forward d, each once whatever order and however often they come
 * (vg_tx_action_add), audited "route.outcome" saying how it was learned
 * (via: "poll" or "callback"); *learned: how many were new. */
static vg_status learn_tx(vg_tx *tx, vg_hotline *h, const vg_route_delivery *d, int64_t now,
                          const vg_route_action *remote, size_t count, const char *via,
                          size_t *learned, vg_error *err)
{
    *learned = 0;
    const char *partner = vg_hotline_delivery_to(h, d);
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        const vg_route_action *x = &remote[i];
        /* The partner's forward of its own is its business; what it did
         * about the material is ours to show. */
        if (!strcmp(x->type, VG_DONE_FORWARDED))
            continue;
        vg_route_action act = {.report_id = d->report_id, .type = x->type, .at = x->at,
                               .to = x->to, .reference = x->reference, .url = d->url,
                               .by = (char *)partner};
        int inserted = 0;
        st = vg_tx_action_add(tx, &act, &inserted, err);
        if (st == VG_OK && inserted) {
            ++*learned;
            st = vg_routing_audit(tx, now, "deliveries", "route.outcome", d->report_id,
                                  json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "delivery",
                                            (json_int_t)d->id, "by", partner, "type", x->type,
                                            "url", d->url, "at", (json_int_t)x->at, "reference",
                                            x->reference, "via", via),
                                  err);
        }
    }
    if (st == VG_OK && *learned)
        st = vg_routing_callback_tx(tx, h->routing, d->report_id, now, err);
    return st;
}

/* Record where forward d's report stands at the partner: status
 * (VG_REPORT_*; NULL: it did not say) as said by its callback of version
 * (0: a poll), kept only when newer than what was said before
 * (vg_tx_delivery_partner_status); a new status is audited
 * "route.partner_status", and shows on the case's timeline and the
 * reporter's /status page. */
static vg_status stands_tx(vg_tx *tx, vg_hotline *h, const vg_route_delivery *d, int64_t now,
                           const char *status, int64_t version, const char *via, vg_error *err)
{
    if (!status)
        return VG_OK;
    int changed = 0;
    vg_status st = vg_tx_delivery_partner_status(tx, d->id, status, version, now, &changed, err);
    if (st != VG_OK || !changed || (d->partner_status && !strcmp(d->partner_status, status)))
        return st;
    const char *partner = vg_hotline_delivery_to(h, d);
    return vg_routing_audit(tx, now, "deliveries", "route.partner_status", d->report_id,
                            json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "delivery",
                                      (json_int_t)d->id, "by", partner, "status", status, "url",
                                      d->url, "version", (json_int_t)version, "via", via),
                            err);
}

static int says_removed(const vg_route_action *remote, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp(remote[i].type, VG_DONE_REMOVED))
            return 1;
    return 0;
}

typedef struct polled_args {
    vg_hotline *h;
    int64_t now;
    vg_route_delivery next;
    const vg_route_action *remote;
    size_t count;
    const char *status;
    size_t learned;
} polled_args;

static vg_status polled_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    polled_args *a = ctx;
    vg_status st = vg_tx_delivery_update(tx, &a->next, err);
    if (st == VG_OK)
        st = learn_tx(tx, a->h, &a->next, a->now, a->remote, a->count, "poll", &a->learned, err);
    return st == VG_OK ? stands_tx(tx, a->h, &a->next, a->now, a->status, 0, "poll", err) : st;
}

vg_status vg_hotline_forward_polled(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                    const vg_route_action *remote, size_t count,
                                    const char *status, const char *detail, size_t *learned,
                                    vg_error *err)
{
    polled_args a = {h, now, *d, remote, count, detail ? NULL : status, 0};
    int removed = !detail && says_removed(remote, count);
    /* Removal ends the story; until then the partner is asked again. */
    a.next.poll_at = removed ? 0 : now + (h->routing ? h->routing->poll_seconds : 3600);
    a.next.last_error = (char *)(detail ? detail : "");
    vg_status st = vg_store_write(h->store, polled_tx, &a, err);
    if (learned)
        *learned = a.learned;
    return st;
}

/* ---- callbacks: this hotline tells the partner that forwarded a report --------- */

typedef struct callbacks_args {
    int64_t now;
    size_t limit;
    vg_partner_callback *rows;
    size_t count;
} callbacks_args;

static vg_status callbacks_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    callbacks_args *a = ctx;
    return vg_tx_callbacks_due(tx, a->now, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_callbacks_due(vg_hotline *h, int64_t now, size_t limit,
                                   vg_partner_callback **rows, size_t *count, vg_error *err)
{
    callbacks_args a = {now, limit, NULL, 0};
    vg_status st = vg_store_read(h->store, callbacks_tx, &a, err);
    *rows = a.rows;
    *count = a.count;
    return st;
}

vg_status vg_hotline_callback_body(vg_hotline *h, const vg_partner_callback *c, char **json,
                                   vg_error *err)
{
    int found = 0;
    vg_status st = vg_routing_fate(h, c->reference, 0, 1, c->version, json, &found, err);
    if (st == VG_OK && !found)
        st = vg_error_set(err, VG_ERR_INVALID, "report %" PRId64 " is gone", c->report_id);
    return st;
}

typedef struct called_args {
    vg_hotline *h;
    vg_partner_callback next;
    int64_t now;
    const char *partner;
} called_args;

static vg_status called_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    called_args *a = ctx;
    int changed = 0;
    vg_status st = vg_tx_callback_update(tx, &a->next, &changed, err);
    if (st != VG_OK || !changed || a->next.sent_version != a->next.version)
        return st;
    /* What this hotline told a partner about a report is part of its story. */
    return vg_routing_audit(tx, a->now, "deliveries", "route.callback", a->next.report_id,
                            json_pack("{s:s, s:s, s:I}", "to", a->partner, "reference",
                                      a->next.reference, "version",
                                      (json_int_t)a->next.version),
                            err);
}

vg_status vg_hotline_callback_attempted(vg_hotline *h, const vg_partner_callback *c,
                                        int64_t now, int taken, const char *detail,
                                        int64_t *next_at, vg_error *err)
{
    const vg_partner *p = h->routing ? vg_routing_partner(h->routing, c->target) : NULL;
    called_args a = {h, *c, now, p ? p->name : c->target};
    if (taken) {
        a.next.sent_version = c->version;
        a.next.attempts = 0;
        a.next.last_error = "";
    } else {
        a.next.attempts = c->attempts + 1;
        a.next.next_at = vg_rule_delivery_retry_at(now, a.next.attempts);
        a.next.last_error = (char *)(detail ? detail : "failed");
    }
    if (next_at)
        *next_at = a.next.next_at;
    return vg_store_write(h->store, called_tx, &a, err);
}

/* ---- callbacks: a partner tells this hotline what it did ------------------------ */

typedef struct callback_args {
    vg_hotline *h;
    const vg_partner *partner;
    const char *actor, *org, *reference;
    int64_t now;
    const vg_route_action *remote;
    size_t count;
    const char *status;
    int64_t version;
    int found;
    size_t learned;
} callback_args;

static vg_status refused_tx(vg_tx *tx, const callback_args *a, const char *why, vg_error *err)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "reference", a->reference, "org", a->org, "why",
                          why);
    char *detail = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!detail)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char target[200];
    snprintf(target, sizeof target, "forward:%.128s", a->reference);
    vg_audit_note note = {a->actor, "route.callback_refused", target, detail};
    vg_status st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    free(detail);
    return st;
}

static vg_status callback_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    callback_args *a = ctx;
    a->found = 0;
    a->learned = 0;
    if (!a->partner)
        return refused_tx(tx, a, "the key is no partner's key_org", err);
    vg_route_delivery d;
    vg_status st = vg_tx_delivery_by_reference(tx, VG_DELIVERY_FORWARD, a->partner->country,
                                               a->reference, &d, &a->found, err);
    if (st != VG_OK)
        return st;
    if (!a->found)
        return refused_tx(tx, a, "no report was forwarded to this partner under this reference",
                          err);
    st = learn_tx(tx, a->h, &d, a->now, a->remote, a->count, "callback", &a->learned, err);
    if (st == VG_OK)
        st = stands_tx(tx, a->h, &d, a->now, a->status, a->version, "callback", err);
    /* Removal ends the story here as when polled; until then polling goes
     * on, in case a callback is lost. */
    if (st == VG_OK && d.poll_at && says_removed(a->remote, a->count)) {
        d.poll_at = 0;
        st = vg_tx_delivery_update(tx, &d, err);
    }
    vg_route_delivery_clear(&d);
    return st;
}

vg_status vg_hotline_partner_called_back(vg_hotline *h, const char *org, const char *actor,
                                         const char *reference, const char *body, size_t len,
                                         int64_t now, vg_callback_verdict *verdict,
                                         size_t *learned, vg_error *why, vg_error *err)
{
    *verdict = VG_CALLBACK_INVALID;
    if (learned)
        *learned = 0;
    vg_route_action *remote = NULL;
    size_t count = 0;
    const char *status = NULL;
    int64_t version = 0;
    if (vg_partner_fate_parse(body, len, &remote, &count, why) != VG_OK ||
        vg_partner_fate_status(body, len, &status, &version, why) != VG_OK) {
        vg_route_actions_free(remote, count);
        return VG_OK; /* hostile or broken: refused, nothing read further */
    }
    callback_args a = {.h = h, .partner = vg_routing_partner_by_org(h->routing, org),
                       .actor = actor, .org = org ? org : "", .reference = reference,
                       .now = now, .remote = remote, .count = count, .status = status,
                       .version = version};
    vg_status st = vg_store_write(h->store, callback_tx, &a, err);
    vg_route_actions_free(remote, count);
    if (st != VG_OK)
        return st;
    *verdict = !a.partner ? VG_CALLBACK_NOT_PARTNER
               : !a.found ? VG_CALLBACK_NOT_FORWARDED
                          : VG_CALLBACK_TAKEN;
    if (learned)
        *learned = a.learned;
    return VG_OK;
}
