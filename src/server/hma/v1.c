/*
 * src/server/hma/v1.c - the consistent form of HMA's answers in vigie's
 * own /api/v1 (hma.h, docs/api.md): the same banks, content and lookups,
 * with one shape per thing wherever it appears, numbers as numbers, an
 * object around every answer, 404 for what is not there and 409 for what
 * is, and vigie's {"error": {"code", "message"}}.
 *
 *   GET|POST /api/v1/banks                     the banks; make one
 *   GET|PUT|DELETE /api/v1/banks/NAME          one bank
 *   POST /api/v1/banks/NAME/content            content by signals (JSON) or by file
 *   GET|PUT|DELETE /api/v1/banks/NAME/content/ID
 *   GET|POST /api/v1/lookup                    a signal, or a file hashed, looked up
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/bank_curation.h"
#include "hotline/banks.h"
#include "server/hma/hma.h"

#define BANKS_PATH "/api/v1/banks"

static void banks_create(vg_http_request *req);

static json_t *bank_json(const vg_curated_bank *b)
{
    return json_pack("{s:s, s:f, s:b}", "name", b->name, "matching_enabled_ratio", b->enabled_ratio,
                     "made_by_api", b->made_by_api);
}

static json_t *content_json(const vg_curated_content *c, int64_t now)
{
    int64_t stored = vg_rule_disable_until_store(c->disable_until_ts);
    json_t *signals = json_loads(c->signals ? c->signals : "{}", 0, NULL);
    json_t *metadata = json_loads(c->metadata ? c->metadata : "{}", 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:b, s:o, s:o, s:o, s:s?, s:b}", "id", (json_int_t)c->id,
                     "bank", c->bank.name, "original_id", c->original_id ? c->original_id : "",
                     "enabled", vg_rule_content_enabled(stored, now), "disabled_until",
                     stored > 0 && stored != INT64_MAX ? json_integer(stored) : json_null(),
                     "signals", signals ? signals : json_object(), "metadata",
                     metadata ? metadata : json_object(), "note", c->note, "made_by_api",
                     c->made_by_api);
}

/* An outcome other than done, or a failure, answered; 0 when neither. */
static int refused(vg_http_request *req, vg_status st, const vg_error *err,
                   vg_curate_outcome outcome, vg_curate_verdict verdict)
{
    if (st != VG_OK) {
        unsigned status = st == VG_ERR_INVALID ? 400 : st == VG_ERR_UNSUPPORTED ? 503 : 500;
        vg_hma_refuse(req, status, err->message);
        return 1;
    }
    switch (outcome) {
    case VG_CURATE_DONE: return 0;
    case VG_CURATE_NO_BANK:
        vg_http_json_error(req, 404, "no_such_bank", "There is no such bank.");
        break;
    case VG_CURATE_NO_CONTENT:
        vg_http_json_error(req, 404, "no_such_content", "The bank has no such content.");
        break;
    case VG_CURATE_EXISTS:
        vg_http_json_error(req, 409, "bank_exists", "A bank of that name exists.");
        break;
    case VG_CURATE_READ_ONLY:
        vg_http_json_error(req, 403, "read_only", "%s", vg_curate_verdict_text(verdict));
        break;
    }
    return 1;
}

/* The JSON object body; NULL after answering 400. */
static json_t *object_body(vg_http_request *req)
{
    size_t len;
    const char *body = vg_http_body(req, &len);
    json_t *j = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        vg_http_json_error(req, 400, "invalid_json", "The body must be a JSON object.");
        return NULL;
    }
    return j;
}

/* /api/v1/banks/NAME[/content[/ID]]: *kind 0 the list, 1 a bank, 2 its
 * content, 3 one content; 0 after answering 404. */
static int parse(vg_http_request *req, char name[128], int *kind, int64_t *id)
{
    const char *path = vg_http_path(req);
    const char *rest = path + strlen(BANKS_PATH);
    *kind = 0;
    *id = 0;
    name[0] = 0;
    if (!*rest || !strcmp(rest, "/"))
        return 1;
    rest++;
    size_t len = strcspn(rest, "/");
    const char *tail = rest + len;
    if (len && len < 128) {
        memcpy(name, rest, len);
        name[len] = 0;
        if (!*tail) {
            *kind = 1;
            return 1;
        }
        if (!strcmp(tail, "/content")) {
            *kind = 2;
            return 1;
        }
        const char *num = !strncmp(tail, "/content/", 9) ? tail + 9 : NULL;
        char *end = NULL;
        unsigned long long v = num && *num >= '0' && *num <= '9' ? strtoull(num, &end, 10) : 0;
        if (end && !*end && v <= INT64_MAX) {
            *id = (int64_t)v;
            *kind = 3;
            return 1;
        }
    }
    vg_http_json_error(req, 404, "not_found", "There is nothing at this address.");
    return 0;
}

static vg_hotline *hotline_of(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    return hma->srv->hotline;
}

void vg_v1_bank_get(vg_http_request *req)
{
    vg_hotline *h = hotline_of(req);
    char name[128];
    int kind;
    int64_t id;
    if (!parse(req, name, &kind, &id))
        return;
    vg_error err;
    if (kind == 0) {
        vg_curated_bank *banks = NULL;
        size_t n = 0;
        if (vg_hotline_curated_banks(h, &banks, &n, &err) != VG_OK) {
            vg_hma_refuse(req, 500, err.message);
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; list && i < n; i++)
            json_array_append_new(list, bank_json(&banks[i]));
        free(banks);
        vg_hma_json(req, 200, list ? json_pack("{s:o}", "banks", list) : NULL);
        return;
    }
    if (kind == 1) {
        vg_curated_bank b;
        int found = 0;
        vg_status st = vg_hotline_curated_bank(h, name, strlen(name), &b, &found, &err);
        if (!refused(req, st, &err, found ? VG_CURATE_DONE : VG_CURATE_NO_BANK, 0))
            vg_hma_json(req, 200, bank_json(&b));
        return;
    }
    if (kind == 2) {
        vg_http_json_error(req, 405, "method_not_allowed",
                           "Content is added with POST and read one at a time, by its id.");
        return;
    }
    vg_curated_content c;
    vg_curate_outcome outcome;
    vg_status st = vg_hotline_bank_content(h, name, id, &c, &outcome, &err);
    if (!refused(req, st, &err, outcome, 0))
        vg_hma_json(req, 200, content_json(&c, (int64_t)time(NULL)));
    vg_curated_content_clear(&c);
}

/* The ratio of {"matching_enabled_ratio": x} or {"enabled": bool}; *set 0
 * when neither; 0 after answering 400. */
static int ratio_of(vg_http_request *req, json_t *in, int *set, double *ratio)
{
    json_t *r = json_object_get(in, "matching_enabled_ratio"), *e = json_object_get(in, "enabled");
    *set = 0;
    if (r && !json_is_null(r)) {
        if (!json_is_number(r) || !isfinite(json_number_value(r))) {
            vg_http_json_error(req, 400, "invalid_field",
                               "matching_enabled_ratio is a number from 0 to 1.");
            return 0;
        }
        *ratio = json_number_value(r);
        *set = 1;
    } else if (e && !json_is_null(e)) {
        if (!json_is_boolean(e)) {
            vg_http_json_error(req, 400, "invalid_field", "enabled is true or false.");
            return 0;
        }
        *ratio = json_is_true(e) ? 1.0 : 0.0;
        *set = 1;
    }
    return 1;
}

void vg_v1_bank_put(vg_http_request *req)
{
    vg_hotline *h = hotline_of(req);
    char name[128];
    int kind;
    int64_t id;
    if (!parse(req, name, &kind, &id))
        return;
    if (kind != 1 && kind != 3) {
        vg_http_json_error(req, 405, "method_not_allowed", "Change a bank or one content.");
        return;
    }
    json_t *in = object_body(req);
    if (!in)
        return;
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    if (kind == 1) {
        int set = 0;
        double ratio = 0;
        if (ratio_of(req, in, &set, &ratio)) {
            vg_curated_bank after;
            json_t *n = json_object_get(in, "name");
            vg_status st =
                vg_hotline_bank_update(h, name, json_string_value(n), set, ratio,
                                       vg_http_actor(req), now, &after, &outcome, &verdict, &err);
            if (!refused(req, st, &err, outcome, verdict))
                vg_hma_json(req, 200, bank_json(&after));
        }
        json_decref(in);
        return;
    }
    /* {"enabled": bool} or {"disabled_until": Unix time}, and "note" */
    json_t *e = json_object_get(in, "enabled"), *u = json_object_get(in, "disabled_until");
    json_t *note = json_object_get(in, "note");
    int set = 0;
    int64_t hma_value = 1;
    if (u && !json_is_null(u)) {
        if (!json_is_integer(u) || json_integer_value(u) <= 1) {
            vg_http_json_error(req, 400, "invalid_field", "disabled_until is a Unix time.");
            json_decref(in);
            return;
        }
        hma_value = json_integer_value(u);
        set = 1;
    } else if (e && !json_is_null(e)) {
        if (!json_is_boolean(e)) {
            vg_http_json_error(req, 400, "invalid_field", "enabled is true or false.");
            json_decref(in);
            return;
        }
        hma_value = json_is_true(e) ? 1 : 0;
        set = 1;
    }
    if (note && !json_is_null(note) && !json_is_string(note)) {
        vg_http_json_error(req, 400, "invalid_field", "note is a string.");
        json_decref(in);
        return;
    }
    vg_curated_content c;
    vg_status st = vg_hotline_bank_content_update(h, name, id, set, hma_value, note != NULL,
                                                  json_string_value(note), vg_http_actor(req), now,
                                                  &c, &outcome, &verdict, &err);
    if (!refused(req, st, &err, outcome, verdict))
        vg_hma_json(req, 200, content_json(&c, now));
    vg_curated_content_clear(&c);
    json_decref(in);
}

void vg_v1_bank_delete(vg_http_request *req)
{
    vg_hotline *h = hotline_of(req);
    char name[128];
    int kind;
    int64_t id;
    if (!parse(req, name, &kind, &id))
        return;
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    vg_status st;
    if (kind == 1) {
        /* a bank that is not there is not found here (HMA answers "Done") */
        vg_curated_bank b;
        int found = 0;
        st = vg_hotline_curated_bank(h, name, strlen(name), &b, &found, &err);
        if (refused(req, st, &err, found ? VG_CURATE_DONE : VG_CURATE_NO_BANK, 0))
            return;
        st = vg_hotline_bank_delete(h, name, vg_http_actor(req), now, &outcome, &verdict, &err);
        if (!refused(req, st, &err, outcome, verdict))
            vg_hma_json(req, 200, json_pack("{s:b}", "deleted", 1));
        return;
    }
    if (kind != 3) {
        vg_http_json_error(req, 405, "method_not_allowed", "Delete a bank or one content.");
        return;
    }
    int deleted = 0;
    st = vg_hotline_bank_content_delete(h, name, id, vg_http_actor(req), now, &deleted, &outcome,
                                        &verdict, &err);
    if (!refused(req, st, &err,
                 deleted || outcome != VG_CURATE_DONE ? outcome : VG_CURATE_NO_CONTENT, verdict))
        vg_hma_json(req, 200, json_pack("{s:b}", "deleted", 1));
}

/* Add the signals (an object, name to text) to bank and answer the content. */
static void add_content(vg_http_request *req, const char *bank, json_t *signals, const char *note,
                        json_t *metadata)
{
    vg_hotline *h = hotline_of(req);
    size_t n = json_object_size(signals), i = 0;
    vg_curated_signal *list = calloc(n ? n : 1, sizeof *list);
    const char *type;
    json_t *value;
    int strings = 1;
    json_object_foreach(signals, type, value)
    {
        strings &= json_is_string(value);
        if (list)
            list[i++] = (vg_curated_signal){type, json_string_value(value)};
    }
    if (!list || !strings || (metadata && !json_is_object(metadata))) {
        free(list);
        if (!list)
            vg_hma_refuse(req, 500, "out of memory");
        else
            vg_http_json_error(req, 400, "invalid_field",
                               strings ? "metadata is an object." : "Each signal is a string.");
        return;
    }
    char *meta = metadata && json_object_size(metadata)
                     ? json_dumps(metadata, JSON_COMPACT | JSON_SORT_KEYS)
                     : NULL;
    int64_t id = 0;
    int64_t now = (int64_t)time(NULL);
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    vg_status st = vg_hotline_bank_content_add(h, bank, list, n, note, meta, vg_http_actor(req),
                                               now, &id, NULL, &outcome, &verdict, &err);
    free(list);
    free(meta);
    if (refused(req, st, &err, outcome, verdict))
        return;
    vg_curated_content c;
    st = vg_hotline_bank_content(h, bank, id, &c, &outcome, &err);
    if (!refused(req, st, &err, outcome, 0))
        vg_hma_json(req, 201, content_json(&c, now));
    vg_curated_content_clear(&c);
}

void vg_v1_bank_post(vg_http_request *req)
{
    char name[128];
    int kind;
    int64_t id;
    if (!parse(req, name, &kind, &id))
        return;
    if (kind == 0) {
        banks_create(req);
        return;
    }
    if (kind != 2) {
        vg_http_json_error(req, 405, "method_not_allowed",
                           "POST makes a bank (/api/v1/banks) or adds content "
                           "(/api/v1/banks/NAME/content).");
        return;
    }
    vg_curated_bank b;
    int found = 0;
    vg_error err;
    vg_status st = vg_hotline_curated_bank(hotline_of(req), name, strlen(name), &b, &found, &err);
    if (refused(req, st, &err, found ? VG_CURATE_DONE : VG_CURATE_NO_BANK, 0))
        return;
    if (vg_http_content_type_is(req, "application/json")) {
        json_t *in = object_body(req);
        if (!in)
            return;
        json_t *signals = json_object_get(in, "signals"), *note = json_object_get(in, "note");
        if (!json_is_object(signals) || !json_object_size(signals))
            vg_http_json_error(req, 400, "invalid_field",
                               "signals is an object of signal type to signal, not empty.");
        else if (note && !json_is_null(note) && !json_is_string(note))
            vg_http_json_error(req, 400, "invalid_field", "note is a string.");
        else
            add_content(req, name, signals, json_string_value(note),
                        json_object_get(in, "metadata"));
        json_decref(in);
        return;
    }
    /* a file, in a part named by its content type as HMA's */
    json_t *metadata = NULL;
    const char *meta_text = vg_http_param(req, "metadata");
    if (meta_text && !(metadata = json_loads(meta_text, 0, NULL))) {
        vg_http_json_error(req, 400, "invalid_field", "metadata is a JSON object.");
        return;
    }
    json_t *signals = NULL;
    if (vg_hma_hash_request(req, (void **)&signals)) {
        add_content(req, name, signals, vg_http_param(req, "note"), metadata);
        json_decref(signals);
    }
    json_decref(metadata);
}

static void banks_create(vg_http_request *req)
{
    json_t *in = object_body(req);
    if (!in)
        return;
    const char *name = json_string_value(json_object_get(in, "name"));
    int set = 0;
    double ratio = 1.0;
    if (!name)
        vg_http_json_error(req, 400, "invalid_field", "name is required.");
    else if (ratio_of(req, in, &set, &ratio)) {
        vg_curate_outcome outcome;
        vg_curate_verdict verdict;
        vg_error err;
        vg_status st =
            vg_hotline_bank_create(hotline_of(req), name, set ? ratio : 1.0, vg_http_actor(req),
                                   (int64_t)time(NULL), &outcome, &verdict, &err);
        if (!refused(req, st, &err, outcome, verdict)) {
            vg_curated_bank b = {.enabled_ratio = set ? ratio : 1.0, .made_by_api = 1};
            snprintf(b.name, sizeof b.name, "%s", name);
            vg_hma_json(req, 201, bank_json(&b));
        }
    }
    json_decref(in);
}

/* The matches of one signal, each with everything about it. */
static int matches_of(vg_http_request *req, const char *type, const char *signal, json_t *out)
{
    vg_hma *hma = vg_http_route_ctx(req);
    const char *banks = vg_http_query(req, "banks");
    vg_bank_hits hits = {0};
    vg_error err;
    vg_status st =
        vg_hotline_bank_lookup(hma->srv->hotline, type, signal, hma->pdq_threshold, &hits, &err);
    if (st != VG_OK) {
        vg_hma_refuse(req,
                      st == VG_ERR_UNSUPPORTED ? 503
                      : st == VG_ERR_NOMEM     ? 500
                                               : 400,
                      err.message);
        vg_bank_hits_free(&hits);
        return 0;
    }
    for (size_t i = 0; i < hits.count; i++) {
        const vg_bank_hit *hit = &hits.items[i];
        if (banks) {
            size_t n = strlen(hit->bank);
            int chosen = 0;
            for (const char *p = banks; *p && !chosen;) {
                size_t len = strcspn(p, ",");
                chosen = len == n && !strncmp(p, hit->bank, n);
                p += len + (p[len] == ',');
            }
            if (!chosen)
                continue;
        }
        json_t *m = json_pack("{s:s, s:s, s:I, s:i}", "signal_type", type, "bank", hit->bank,
                              "content_id", (json_int_t)hit->entry, "distance", hit->distance);
        if (m && !strcmp(type, "vpdq")) {
            json_object_set_new(m, "query_match_percent", json_real(hit->query_percent));
            json_object_set_new(m, "compared_match_percent", json_real(hit->compared_percent));
        }
        json_array_append_new(out, m);
    }
    vg_bank_hits_free(&hits);
    return 1;
}

void vg_v1_lookup(vg_http_request *req)
{
    json_t *matches = json_array();
    if (!strcmp(vg_http_method(req), "GET") && !vg_http_query(req, "url")) {
        const char *type = vg_http_query(req, "signal_type");
        const char *signal = vg_http_query(req, "signal");
        if (!type || !*type || !signal || !*signal)
            vg_http_json_error(req, 400, "invalid_request",
                               "signal_type and signal are both required.");
        else if (matches_of(req, type, signal, matches))
            vg_hma_json(req, 200, json_pack("{s:O}", "matches", matches));
        json_decref(matches);
        return;
    }
    json_t *signals = NULL;
    if (vg_hma_hash_request(req, (void **)&signals)) {
        const char *type;
        json_t *value;
        int ok = 1;
        json_object_foreach(signals, type, value)
        {
            if (ok)
                ok = matches_of(req, type, json_string_value(value), matches);
        }
        if (ok)
            vg_hma_json(req, 200, json_pack("{s:O, s:O}", "signals", signals, "matches", matches));
        json_decref(signals);
    }
    json_decref(matches);
}
