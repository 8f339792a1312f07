/*
 * src/hotline/routing.c - orientation of confirmed URLs (routing.h).
 */
#include "hotline/routing.h"
#include "hotline/routing_internal.h"
#include "hotline/alerting.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/routes.h"
#include "util/hosting_conf.h"
#include "util/sealed.h"
#include "vigie/hosting.h"

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

/* routing.<who>.name, .email, .url, .public_key (64 hex digits: an X25519
 * key, evidence is sealed to it). */
static vg_status read_contact(vg_config *cfg, const char *who, int allow_http,
                              vg_referral_contact *c, vg_error *err)
{
    char key[64];
    const char *fields[] = {"name", "email", "url", "public_key"};
    const char *v[4];
    for (size_t i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "routing.%s.%s", who, fields[i]);
        v[i] = vg_config_get(cfg, key, "");
    }
    if (!*v[0] && (*v[1] || *v[2] || *v[3]))
        return vg_error_set(err, VG_ERR_INVALID, "routing.%s.name is missing", who);
    if (*v[1] && (!strchr(v[1], '@') || strpbrk(v[1], " <>\r\n,")))
        return vg_error_set(err, VG_ERR_INVALID, "routing.%s.email must be one e-mail address",
                            who);
    if (*v[2] && strncmp(v[2], "https://", 8) && !(allow_http && !strncmp(v[2], "http://", 7)))
        return vg_error_set(err, VG_ERR_INVALID, "routing.%s.url must be an https:// URL", who);
    size_t bin = 0;
    if (*v[3] && (strlen(v[3]) != 2 * crypto_box_PUBLICKEYBYTES ||
                  sodium_hex2bin(c->public_key, sizeof c->public_key, v[3], strlen(v[3]), NULL,
                                 &bin, NULL) != 0 ||
                  bin != sizeof c->public_key))
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing.%s.public_key must be 64 hex digits (an X25519 public key)",
                            who);
    c->has_key = *v[3] != 0;
    c->name = dup_or_null(v[0]);
    c->email = dup_or_null(v[1]);
    c->url = dup_or_null(v[2]);
    return VG_OK;
}

static void free_contact(vg_referral_contact *c)
{
    free(c->name);
    free(c->email);
    free(c->url);
}

/* key, or DIR/name when unset (malloc'd). */
static char *path_in_data(vg_config *cfg, const char *key, const char *name)
{
    const char *given = vg_config_get(cfg, key, NULL);
    if (given)
        return strdup(given);
    const char *dir = vg_config_get(cfg, "data_dir", ".");
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

static vg_status read_settings(vg_routing *r, vg_config *cfg, vg_error *err)
{
    int allow_local = 0;
    int64_t timeout = 0, poll = 0, email_max = 0;
    vg_status st;
    if ((st = vg_config_bool(cfg, "routing.test_allow_local", 0, &allow_local, err)) ||
        (st = vg_config_bool(cfg, "routing.auto_known", 0, &r->auto_known, err)) ||
        (st = vg_config_int(cfg, "routing.timeout_seconds", 20, 1, 120, &timeout, err)) ||
        (st = vg_config_int(cfg, "routing.poll_seconds", 3600, 1, 30 * 86400, &poll, err)) ||
        (st = vg_config_int(cfg, "routing.email_max_bytes", 10 << 20, 0, 50 << 20, &email_max,
                            err)))
        return st;
    r->email_max_bytes = email_max;
    r->outbound.allow_local = allow_local;
    r->outbound.timeout_seconds = (unsigned)timeout;
    r->poll_seconds = poll;
    const char *name = vg_config_get(cfg, "routing.name", "");
    if (!(r->hotline_name = strdup(*name ? name : "vigie hotline")))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    const char *partners = vg_config_get(cfg, "routing.partners", "");
    if (*partners && (st = vg_partners_load(partners, allow_local, &r->partners, err)) != VG_OK)
        return vg_error_prefix(err, "routing.partners: "), st;
    if ((st = read_contact(cfg, "police", allow_local, &r->police, err)) ||
        (st = read_contact(cfg, "child_protection", allow_local, &r->child_protection, err)))
        return st;
    if (r->child_protection.has_key)
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing.child_protection.public_key: child protection never "
                            "receives evidence, only the facts it needs to act");
    r->referral_dir = path_in_data(cfg, "routing.referral_dir", "referrals");
    char *key_file = path_in_data(cfg, "routing.signing_key", "referral.key");
    if (!r->referral_dir || !key_file) {
        free(key_file);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    unsigned char seed[crypto_sign_SEEDBYTES];
    st = vg_key_file_load(key_file, seed, "referral signing key", err);
    free(key_file);
    if (st != VG_OK)
        return vg_error_prefix(err, "routing.signing_key: "), st;
    crypto_sign_seed_keypair(r->sign_public, r->sign_secret, seed);
    sodium_memzero(seed, sizeof seed);
    return VG_OK;
}

vg_status vg_hotline_routing_open(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    const char *country = vg_config_get(cfg, "routing.country", "");
    if (!*country)
        return VG_OK;
    if (strlen(country) != 2 || !isalpha((unsigned char)country[0]) ||
        !isalpha((unsigned char)country[1]))
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing.country must be a two-letter country code (FR), not '%s'",
                            country);
    vg_routing *r = calloc(1, sizeof *r);
    if (!r)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    r->country[0] = (char)toupper((unsigned char)country[0]);
    r->country[1] = (char)toupper((unsigned char)country[1]);
    h->routing = r;
    vg_hosting_config hc;
    vg_status st = read_settings(r, cfg, err);
    /* A referral by e-mail goes through the alerts' mail server: said at
     * start, not at the first referral (a server opened without alerts,
     * as the command line's, sends nothing). */
    if (st == VG_OK && h->alerting && !h->alerting->mail_server &&
        (r->police.email || r->child_protection.email))
        st = vg_error_set(err, VG_ERR_INVALID,
                          "routing.%s.email: referrals by e-mail need a mail server "
                          "(alerts.email.server, alerts.email.from, alerts.email.to)",
                          r->police.email ? "police" : "child_protection");
    if (st == VG_OK)
        st = vg_hosting_config_read(cfg, &hc, err);
    if (st == VG_OK)
        st = vg_hosting_open(&hc, &r->hosting, err);
    if (st != VG_OK)
        vg_hotline_routing_free(h);
    return st;
}

void vg_hotline_routing_free(vg_hotline *h)
{
    vg_routing *r = h->routing;
    if (!r)
        return;
    vg_hosting_close(r->hosting);
    vg_partners_free(&r->partners);
    free_contact(&r->police);
    free_contact(&r->child_protection);
    free(r->referral_dir);
    free(r->hotline_name);
    sodium_memzero(r->sign_secret, sizeof r->sign_secret);
    free(r);
    h->routing = NULL;
}

/* ---- orientation ------------------------------------------------------------ */

typedef struct todo_args {
    size_t limit;
    vg_url_route_todo *todo;
    size_t count;
} todo_args;

static vg_status todo_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    todo_args *a = ctx;
    return vg_tx_routes_todo(tx, VG_LEGAL_CSAM, a->limit, &a->todo, &a->count, err);
}

/* The lookup's facts as kept with the route: what an analyst checks. */
static char *hosting_json(const vg_hosting_result *res)
{
    json_t *o = json_object();
    json_t *list = json_array();
    json_object_set_new(o, "host", res->host ? json_string(res->host) : json_null());
    if (res->status != VG_OK)
        json_object_set_new(o, "error", json_string(res->error));
    for (size_t i = 0; i < res->address_count; i++) {
        const vg_hosting_address *a = &res->addresses[i];
        json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:b, s:s, s:s, s:s}", "ip", a->ip, "country",
                              a->country, "asn", (json_int_t)a->asn, "as_name", a->as_name,
                              "anycast", a->anycast, "abuse_contact", a->abuse_contact,
                              "contact_source", vg_contact_source_name(a->contact_source),
                              "note", a->note);
        if (e)
            json_array_append_new(list, e);
    }
    json_object_set_new(o, "addresses", list);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

typedef struct write_args {
    const vg_routing *r;
    vg_url_route_row *rows;
    size_t count;
    size_t written, automatic;
} write_args;

/* routing.auto_known: a route of known material that only forwards to a
 * partner, or that vigie's own fetch of the URL proves (the crawler's), is
 * approved at once (model/route.h says why only those). */
static vg_status approve_known(vg_tx *tx, write_args *a, const vg_url_route_row *row,
                               vg_error *err)
{
    if (!a->r->auto_known)
        return VG_OK;
    vg_item item;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, row->report_id, &item, &found, err);
    if (st != VG_OK || !found)
        return st;
    /* A report the crawler made has one URL, where it fetched its one file. */
    int fetched = item.source && !strcmp(item.source, VG_REPORT_SOURCE_CRAWLER) && item.urls == 1 &&
                  item.files == 1;
    vg_route_known k = {a->r->auto_known, item.state,       item.decided_by, item.files,
                        item.files_known, item.files_claimed, row->actions, fetched};
    int automatic = vg_rule_route_automatic(&k);
    vg_item_clear(&item);
    if (!automatic)
        return VG_OK;
    vg_url_route_row *rows = NULL;
    size_t n = 0;
    if ((st = vg_tx_routes(tx, row->report_id, 0, &rows, &n, err)) != VG_OK)
        return st;
    int done = 0;
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!strcmp(rows[i].url, row->url))
            st = vg_routing_approve_tx(tx, a->r, &rows[i], "orientation", "route.auto",
                                       row->created_at, &done, err);
    vg_url_route_rows_free(rows, n);
    a->automatic += done;
    return st;
}

static vg_status write_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    write_args *a = ctx;
    a->written = 0;
    a->automatic = 0;
    for (size_t i = 0; i < a->count; i++) {
        const vg_url_route_row *row = &a->rows[i];
        int inserted = 0;
        vg_status st = vg_tx_route_put(tx, row, &inserted, err);
        if (st != VG_OK)
            return st;
        if (!inserted)
            continue;
        /* The audit target of a report's item, as vg_hotline_report_target
         * spells it (not called: hotline.c calls this file). */
        char target[32];
        snprintf(target, sizeof target, "report:%" PRId64, row->report_id);
        json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "url", row->url, "actions",
                              row->actions, "reasons", row->reasons, "country", row->country,
                              "partner", row->partner);
        char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        if (!detail)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        vg_audit_note note = {"orientation", "route.propose", target, detail};
        st = vg_tx_audit_append(tx, row->created_at, &note, NULL, err);
        free(detail);
        if (st != VG_OK)
            return st;
        if ((st = approve_known(tx, a, row, err)) != VG_OK)
            return st;
        a->written++;
    }
    return VG_OK;
}

static vg_status route_all(vg_routing *r, const vg_url_route_todo *todo,
                           const vg_hosting_result *res, size_t count, int64_t now,
                           size_t *routed, vg_hotline *h, vg_error *err)
{
    vg_url_route_row *rows = calloc(count, sizeof *rows);
    if (!rows)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = VG_OK;
    for (size_t i = 0; i < count && st == VG_OK; i++) {
        vg_url_route_address addrs[64];
        size_t n = res[i].address_count < 64 ? res[i].address_count : 64;
        for (size_t k = 0; k < n; k++)
            addrs[k] = (vg_url_route_address){res[i].addresses[k].country,
                                          res[i].addresses[k].anycast,
                                          res[i].addresses[k].is_public};
        vg_url_route_facts f = {.home_country = r->country, .partners = r->partners.items,
                            .partner_count = r->partners.count,
                            .resolved = res[i].status == VG_OK, .addresses = addrs,
                            .address_count = n,
                            .child_in_danger = vg_rule_child_in_danger(todo[i].category, todo[i].danger)};
        vg_url_route route;
        vg_rule_url_route(&f, &route);
        rows[i].report_id = todo[i].report_id;
        rows[i].url = strdup(todo[i].url);
        rows[i].state = strdup(VG_URL_ROUTE_PROPOSED);
        rows[i].actions = strdup(route.actions);
        rows[i].reasons = strdup(route.reasons);
        rows[i].country = strdup(route.country);
        rows[i].partner = strdup(route.partner ? route.partner->name : "");
        rows[i].hosting = hosting_json(&res[i]);
        rows[i].created_at = now;
        if (!rows[i].url || !rows[i].state || !rows[i].actions || !rows[i].reasons ||
            !rows[i].country || !rows[i].partner || !rows[i].hosting)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    write_args a = {r, rows, count, 0, 0};
    if (st == VG_OK)
        st = vg_store_write(h->store, write_tx, &a, err);
    *routed = a.written;
    vg_url_route_rows_free(rows, count);
    return st;
}

vg_status vg_hotline_orient(vg_hotline *h, int64_t now, size_t limit, size_t *routed,
                            vg_error *err)
{
    size_t ignored;
    if (!routed)
        routed = &ignored;
    *routed = 0;
    vg_routing *r = h->routing;
    if (!r)
        return VG_OK;
    todo_args t = {.limit = limit};
    vg_status st = vg_store_read(h->store, todo_tx, &t, err);
    if (st != VG_OK || !t.count) {
        vg_url_route_todos_free(t.todo, t.count);
        return st;
    }
    const char **inputs = calloc(t.count, sizeof *inputs);
    vg_hosting_result *res = NULL;
    if (!inputs)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < t.count; i++)
        inputs[i] = t.todo[i].url;
    /* No transaction is open here: the lookup waits on the network. */
    if (st == VG_OK)
        st = vg_hosting_lookup(r->hosting, inputs, t.count, &res, err);
    if (st == VG_OK)
        st = route_all(r, t.todo, res, t.count, now, routed, h, err);
    vg_hosting_results_free(res, res ? t.count : 0);
    free(inputs);
    vg_url_route_todos_free(t.todo, t.count);
    return st;
}

typedef struct routes_args {
    int64_t report_id, case_id;
    vg_url_route_row **rows;
    size_t *count;
} routes_args;

static vg_status routes_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    routes_args *a = ctx;
    return vg_tx_routes(tx, a->report_id, a->case_id, a->rows, a->count, err);
}

vg_status vg_hotline_routes(vg_hotline *h, int64_t report_id, int64_t case_id,
                            vg_url_route_row **rows, size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    routes_args a = {report_id, case_id, rows, count};
    return vg_store_read(h->store, routes_tx, &a, err);
}
