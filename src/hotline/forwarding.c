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

#include "hotline/routing_internal.h"
#include "model/vocab.h"
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

typedef struct polled_args {
    vg_hotline *h;
    int64_t now;
    vg_route_delivery next;
    const vg_route_action *remote;
    size_t count;
    size_t learned;
} polled_args;

static vg_status polled_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    polled_args *a = ctx;
    a->learned = 0;
    const vg_route_delivery *d = &a->next;
    const char *partner = vg_hotline_delivery_to(a->h, d);
    vg_status st = vg_tx_delivery_update(tx, d, err);
    for (size_t i = 0; st == VG_OK && i < a->count; i++) {
        const vg_route_action *x = &a->remote[i];
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
            a->learned++;
            st = vg_routing_audit(tx, a->now, "deliveries", "route.outcome", d->report_id,
                                  json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "delivery",
                                            (json_int_t)d->id, "by", partner, "type", x->type,
                                            "url", d->url, "at", (json_int_t)x->at, "reference",
                                            x->reference),
                                  err);
        }
    }
    return st;
}

vg_status vg_hotline_forward_polled(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                    const vg_route_action *remote, size_t count,
                                    const char *detail, size_t *learned, vg_error *err)
{
    polled_args a = {h, now, *d, remote, count, 0};
    int removed = 0;
    for (size_t i = 0; !detail && i < count; i++)
        removed |= !strcmp(remote[i].type, VG_DONE_REMOVED);
    /* Removal ends the story; until then the partner is asked again. */
    a.next.poll_at = removed ? 0 : now + (h->routing ? h->routing->poll_seconds : 3600);
    a.next.last_error = (char *)(detail ? detail : "");
    vg_status st = vg_store_write(h->store, polled_tx, &a, err);
    if (learned)
        *learned = a.learned;
    return st;
}
