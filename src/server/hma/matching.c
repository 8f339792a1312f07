/*
 * src/server/hma/matching.c - HMA's matching endpoints: GET and POST
 * /m/lookup, GET /m/raw_lookup, GET /m/index/status, POST /m/compare
 * (hma.h). Lookups run against the server's index, the one intake and
 * `vigie match` use.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/banks.h"
#include "server/hma/hma.h"
#include "vigie/digest.h"
#include "vigie/pdq.h"
#include "vigie/vpdq.h"

/* A lookup's error, in HMA's status codes: 400 for what the caller sent,
 * 503 while there is no index. */
static void lookup_failed(vg_http_request *req, vg_status st, const vg_error *err)
{
    vg_hma_error(req,
                 st == VG_ERR_UNSUPPORTED ? 503
                 : st == VG_ERR_NOMEM     ? 500
                                          : 400,
                 "%s", err->message);
}

static const char *required(vg_http_request *req, const char *name)
{
    const char *v = vg_http_query(req, name);
    if (!v || !*v) {
        vg_hma_error(req, 400, "Missing required parameter: %s", name);
        return NULL;
    }
    return v;
}

/* Whether bank is one of the comma-separated names of `banks` (NULL: all). */
static int bank_selected(const char *banks, const char *bank)
{
    if (!banks)
        return 1;
    size_t n = strlen(bank);
    for (const char *p = banks; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, bank, n))
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* The names of the banks a signal matched, each once, as HMA's lookup
 * answers; NULL after answering an error. */
static json_t *matched_banks(vg_http_request *req, const char *type, const char *signal)
{
    vg_hma *hma = vg_http_route_ctx(req);
    const char *banks = vg_http_query(req, "banks");
    vg_bank_hits hits = {0};
    vg_error err;
    vg_status st =
        vg_hotline_bank_lookup(hma->srv->hotline, type, signal, hma->pdq_threshold, &hits, &err);
    if (st != VG_OK) {
        lookup_failed(req, st, &err);
        vg_bank_hits_free(&hits);
        return NULL;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < hits.count; i++) {
        const char *bank = hits.items[i].bank;
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= !strcmp(hits.items[j].bank, bank);
        if (!seen && bank_selected(banks, bank))
            json_array_append_new(list, json_string(bank));
    }
    vg_bank_hits_free(&hits);
    if (!list)
        vg_hma_error(req, 500, "out of memory");
    return list;
}

void vg_hma_lookup_get(vg_http_request *req)
{
    if (vg_http_query(req, "url")) {
        vg_hma_lookup_post(req); /* fetched, hashed, looked up */
        return;
    }
    const char *signal = required(req, "signal");
    const char *type = signal ? required(req, "signal_type") : NULL;
    if (!type)
        return;
    json_t *list = matched_banks(req, type, signal);
    if (list)
        vg_hma_json(req, 200, list);
}

void vg_hma_lookup_post(vg_http_request *req)
{
    json_t *signals = NULL;
    if (!vg_hma_hash_request(req, (void **)&signals))
        return;
    json_t *answer = json_object();
    const char *type;
    json_t *value;
    json_object_foreach(signals, type, value)
    {
        json_t *list = matched_banks(req, type, json_string_value(value));
        if (!list) {
            json_decref(answer);
            json_decref(signals);
            return;
        }
        json_object_set_new(answer, type, list);
    }
    json_decref(signals);
    vg_hma_json(req, 200, answer);
}

void vg_hma_raw_lookup(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    const char *signal = required(req, "signal");
    const char *type = signal ? required(req, "signal_type") : NULL;
    if (!type)
        return;
    const char *with = vg_http_query(req, "include_distance");
    int distance = with && (!strcmp(with, "true") || !strcmp(with, "True") || !strcmp(with, "1"));
    vg_bank_hits hits = {0};
    vg_error err;
    vg_status st =
        vg_hotline_bank_lookup(hma->srv->hotline, type, signal, hma->pdq_threshold, &hits, &err);
    if (st != VG_OK) {
        lookup_failed(req, st, &err);
        vg_bank_hits_free(&hits);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < hits.count; i++) {
        json_int_t id = (json_int_t)hits.items[i].entry;
        if (!distance) {
            json_array_append_new(list, json_integer(id));
            continue;
        }
        /* HMA gives the distance as the signal type's text of it */
        char text[64];
        if (!strcmp(type, "vpdq"))
            snprintf(text, sizeof text, "%.3f,%.3f", hits.items[i].query_percent,
                     hits.items[i].compared_percent);
        else
            snprintf(text, sizeof text, "%d", hits.items[i].distance);
        json_array_append_new(list, json_pack("{s:I, s:s}", "content_id", id, "distance", text));
    }
    vg_bank_hits_free(&hits);
    vg_hma_json(req, 200, list ? json_pack("{s:o}", "matches", list) : NULL);
}

/* The signal types HMA's index status lists, with the index's count. */
static const struct {
    const char *name;
    vg_signal_type type;
} STATUS_TYPES[] = {{"pdq", VG_SIGNAL_PDQ}, {"video_md5", VG_SIGNAL_MD5}, {"vpdq", VG_SIGNAL_VPDQ}};

void vg_hma_index_status(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    const char *only = vg_http_query(req, "signal_type");
    size_t n = sizeof STATUS_TYPES / sizeof STATUS_TYPES[0], known = 0;
    for (size_t i = 0; only && i < n; i++)
        known |= !strcmp(only, STATUS_TYPES[i].name);
    if (only && !known) {
        vg_hma_error(req, 400, "No such signal type '%.64s'", only);
        return;
    }
    vg_index_stats stats;
    int64_t built_at;
    int present = vg_hotline_bank_index(hma->srv->hotline, &stats, &built_at);
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        if (only && strcmp(only, STATUS_TYPES[i].name))
            continue;
        json_object_set_new(
            o, STATUS_TYPES[i].name,
            json_pack("{s:b, s:I, s:I}", "present", present, "built_to",
                      (json_int_t)(present ? built_at : -1), "size",
                      (json_int_t)(present ? stats.by_type[STATUS_TYPES[i].type] : 0)));
    }
    vg_hma_json(req, 200, o);
}

/* [match, similarity] for one pair, or NULL with *why set. */
static json_t *compare_pair(const char *type_name, const char *a, const char *b, const char **why)
{
    vg_signal_type type;
    if (vg_hotline_signal_type(type_name, &type, NULL) != VG_OK) {
        *why = "No such SignalType";
        return NULL;
    }
    if (type == VG_SIGNAL_PDQ) {
        vg_pdq_hash x, y;
        if (vg_pdq_from_hex(a, &x) != VG_OK || vg_pdq_from_hex(b, &y) != VG_OK) {
            *why = "invalid pdq signal: 64 hex digits expected";
            return NULL;
        }
        int d = vg_pdq_distance(&x, &y);
        return json_pack("[b, {s:i}]", d <= VG_PDQ_MATCH_THRESHOLD, "distance", d);
    }
    if (type == VG_SIGNAL_VPDQ) {
        vg_vpdq va = VG_VPDQ_INIT, vb = VG_VPDQ_INIT;
        vg_vpdq_set sa = {0}, sb = {0};
        json_t *out = NULL;
        if (vg_vpdq_parse_signal(a, strlen(a), &va, NULL) == VG_OK &&
            vg_vpdq_parse_signal(b, strlen(b), &vb, NULL) == VG_OK &&
            vg_vpdq_set_from(&va, VG_VPDQ_QUALITY_THRESHOLD, &sa, NULL) == VG_OK &&
            vg_vpdq_set_from(&vb, VG_VPDQ_QUALITY_THRESHOLD, &sb, NULL) == VG_OK) {
            vg_vpdq_similarity sim;
            vg_vpdq_compare(&sa, &sb, NULL, &sim);
            out = json_pack("[b, {s:f, s:f}]", sim.match, "query_match_percent", sim.query_percent,
                            "compared_match_percent", sim.compared_percent);
        } else {
            *why = "invalid vpdq signal";
        }
        vg_vpdq_set_free(&sa);
        vg_vpdq_set_free(&sb);
        vg_vpdq_free(&va);
        vg_vpdq_free(&vb);
        return out;
    }
    size_t bytes = vg_signal_type_bytes(type);
    uint8_t x[VG_SIGNAL_MAX_BYTES], y[VG_SIGNAL_MAX_BYTES];
    if (strlen(a) != 2 * bytes || strlen(b) != 2 * bytes || vg_hex_decode(a, x, bytes) != VG_OK ||
        vg_hex_decode(b, y, bytes) != VG_OK) {
        *why = "invalid digest signal";
        return NULL;
    }
    return json_pack("[b, {}]", memcmp(x, y, bytes) == 0);
}

void vg_hma_compare(vg_http_request *req)
{
    size_t len;
    const char *body = vg_http_body(req, &len);
    json_t *in = json_loadb(body ? body : "", body ? len : 0, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(in)) {
        json_decref(in);
        vg_hma_error(req, 400, "Request input was not a dict");
        return;
    }
    json_t *out = json_object();
    const char *type;
    json_t *pair;
    json_object_foreach(in, type, pair)
    {
        if (!json_is_array(pair)) {
            vg_hma_error(req, 400, "Comparison hashes for %.64s was not a list", type);
            goto done;
        }
        if (json_array_size(pair) != 2) {
            vg_hma_error(req, 400, "Comparison hash list length must be exactly 2");
            goto done;
        }
        const char *a = json_string_value(json_array_get(pair, 0));
        const char *b = json_string_value(json_array_get(pair, 1));
        const char *why = "hashes are strings";
        json_t *r = a && b ? compare_pair(type, a, b, &why) : NULL;
        if (!r) {
            vg_hma_error(req, 400, "%s: '%.64s'", why, type);
            goto done;
        }
        json_object_set_new(out, type, r);
    }
    vg_hma_json(req, 200, out);
    out = NULL;
done:
    json_decref(out);
    json_decref(in);
}
