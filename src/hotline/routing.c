/*
 * src/hotline/routing.c - orientation of confirmed URLs (routing.h).
 */
#include "hotline/routing.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/routes.h"
#include "util/hosting_conf.h"
#include "vigie/hosting.h"

#define MAX_PARTNERS 256

struct vg_routing {
    char country[3];
    vg_partner partners[MAX_PARTNERS];
    size_t partner_count;
    vg_hosting *hosting;
};

static vg_status read_partners(vg_routing *r, vg_config *cfg, vg_error *err)
{
    const char *key, *value;
    for (size_t i = 0; vg_config_entry(cfg, i, &key, &value); i++) {
        const char *cc = key + strlen("routing.partner.");
        if (strncmp(key, "routing.partner.", 16) || strlen(cc) < 3 || cc[2] != '.')
            continue;
        char country[3] = {(char)toupper((unsigned char)cc[0]), (char)toupper((unsigned char)cc[1]), 0};
        if (!isalpha((unsigned char)cc[0]) || !isalpha((unsigned char)cc[1]) ||
            (strcmp(cc + 3, "name") && strcmp(cc + 3, "url")))
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s: expected routing.partner.CC.name or .url (CC: a country code)",
                                key);
        size_t p = 0;
        while (p < r->partner_count && strcmp(r->partners[p].country, country))
            p++;
        if (p == r->partner_count) {
            if (p == MAX_PARTNERS)
                return vg_error_set(err, VG_ERR_INVALID, "more than %d partner hotlines",
                                    MAX_PARTNERS);
            memcpy(r->partners[p].country, country, 3);
            r->partner_count++;
        }
        /* Read through vg_config_get so the key counts as used; copied,
         * since the configuration may be freed before the hotline. */
        const char **field = !strcmp(cc + 3, "name") ? &r->partners[p].name : &r->partners[p].url;
        free((char *)*field);
        if (!(*field = strdup(vg_config_get(cfg, key, value))))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (size_t p = 0; p < r->partner_count; p++) {
        if (!r->partners[p].name || !*r->partners[p].name)
            return vg_error_set(err, VG_ERR_INVALID, "routing.partner.%c%c.name is missing",
                                tolower(r->partners[p].country[0]),
                                tolower(r->partners[p].country[1]));
        if (r->partners[p].url && strncmp(r->partners[p].url, "https://", 8) &&
            strncmp(r->partners[p].url, "http://", 7))
            return vg_error_set(err, VG_ERR_INVALID, "routing.partner.%c%c.url must be a URL",
                                tolower(r->partners[p].country[0]),
                                tolower(r->partners[p].country[1]));
    }
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
    vg_hosting_config hc;
    vg_status st = read_partners(r, cfg, err);
    if (st == VG_OK)
        st = vg_hosting_config_read(cfg, &hc, err);
    if (st == VG_OK)
        st = vg_hosting_open(&hc, &r->hosting, err);
    h->routing = r;
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
    for (size_t p = 0; p < r->partner_count; p++) {
        free((char *)r->partners[p].name);
        free((char *)r->partners[p].url);
    }
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
    vg_url_route_row *rows;
    size_t count;
    size_t written;
} write_args;

static vg_status write_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    write_args *a = ctx;
    a->written = 0;
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
        vg_url_route_facts f = {.home_country = r->country, .partners = r->partners,
                            .partner_count = r->partner_count,
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
    write_args a = {rows, count, 0};
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
