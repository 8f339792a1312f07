/*
 * src/server/hma/curation.c - HMA's bank endpoints (hma.h): GET|POST
 * /c/banks, GET|PUT|DELETE /c/bank/NAME, POST /c/bank/NAME/content and
 * /signal, GET|PUT|DELETE /c/bank/NAME/content/ID. The banks are those of
 * the server's index with what HMA keeps besides (hotline/bank_curation.h);
 * a content id is the number of its first entry in the index.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hotline/bank_curation.h"
#include "server/hma/hma.h"

/* HMA's BankConfig. */
static json_t *bank_json(const vg_curated_bank *b)
{
    return json_pack("{s:s, s:f}", "name", b->name, "matching_enabled_ratio", b->enabled_ratio);
}

void vg_hma_banks(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_curated_bank *banks = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_curated_banks(hma->srv->hotline, &banks, &n, &err) != VG_OK) {
        vg_hma_error(req, 500, "%s", err.message);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, bank_json(&banks[i]));
    free(banks);
    vg_hma_json(req, 200, list);
}

/* The request's JSON object body; NULL after answering 400. */
static json_t *json_body(vg_http_request *req)
{
    size_t len;
    const char *body = vg_http_body(req, &len);
    json_t *j = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        vg_hma_error(req, 400, "this endpoint expects a json object payload");
        return NULL;
    }
    return j;
}

/* HMA reads booleans given as text too ("true", "1"...). */
static int truthy(json_t *v)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        return !strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "1") || !strcmp(s, "yes") ||
               !strcmp(s, "on");
    }
    return json_is_true(v) || (json_is_number(v) && json_number_value(v) != 0);
}

/* A ratio given as a number or its text; 0 after answering 400. */
static int ratio_of(vg_http_request *req, json_t *v, double *out)
{
    char *end = NULL;
    if (json_is_number(v))
        *out = json_number_value(v);
    else if (json_is_string(v))
        *out = strtod(json_string_value(v), &end);
    if ((!json_is_number(v) && !(end && !*end && end != json_string_value(v))) || !isfinite(*out)) {
        vg_hma_error(req, 400, "enabled_ratio must be a number between 0 and 1");
        return 0;
    }
    return 1;
}

/* Answer an outcome other than done, or a failure; 0 when neither. */
static int refused(vg_http_request *req, vg_status st, const vg_error *err,
                   vg_curate_outcome outcome, vg_curate_verdict verdict, const char *bank,
                   int64_t content)
{
    if (st != VG_OK) {
        vg_hma_error(req,
                     st == VG_ERR_INVALID       ? 400
                     : st == VG_ERR_UNSUPPORTED ? 503
                                                : 500,
                     "%s", err->message);
        return 1;
    }
    switch (outcome) {
    case VG_CURATE_DONE: return 0;
    case VG_CURATE_NO_BANK: vg_hma_error(req, 404, "bank '%.100s' not found", bank); break;
    case VG_CURATE_NO_CONTENT:
        vg_hma_error(req, 404, "content '%" PRId64 "' not found", content);
        break;
    case VG_CURATE_EXISTS: vg_hma_error(req, 403, "Bank already exists"); break;
    case VG_CURATE_READ_ONLY: vg_hma_error(req, 403, "%s", vg_curate_verdict_text(verdict)); break;
    }
    return 1;
}

void vg_hma_banks_create(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    json_t *in = json_body(req);
    if (!in)
        return;
    const char *name = json_string_value(json_object_get(in, "name"));
    double ratio = 1.0;
    json_t *r = json_object_get(in, "enabled_ratio"), *e = json_object_get(in, "enabled");
    if (!name) {
        vg_hma_error(req, 400, "Missing required parameter: name");
    } else if (r && !json_is_null(r) ? ratio_of(req, r, &ratio) : 1) {
        if (!(r && !json_is_null(r)) && e && !json_is_null(e))
            ratio = truthy(e) ? 1.0 : 0.0;
        vg_curate_outcome outcome;
        vg_curate_verdict verdict;
        vg_error err;
        vg_status st = vg_hotline_bank_create(hma->srv->hotline, name, ratio, vg_http_actor(req),
                                              (int64_t)time(NULL), &outcome, &verdict, &err);
        if (!refused(req, st, &err, outcome, verdict, name, 0)) {
            vg_curated_bank b = {.enabled_ratio = ratio};
            snprintf(b.name, sizeof b.name, "%s", name);
            vg_hma_json(req, 201, bank_json(&b));
        }
    }
    json_decref(in);
}

/* /c/bank/NAME[/TAIL]: the name into name[128] and the rest (after the
 * name, "" or "/..."); 0 after answering 404. */
static int bank_path(vg_http_request *req, char name[128], const char **tail)
{
    vg_hma *hma = vg_http_route_ctx(req);
    const char *path = vg_http_path(req);
    size_t base = strlen(hma->prefix) + strlen("/c/bank/");
    const char *rest = strlen(path) > base ? path + base : "";
    size_t len = strcspn(rest, "/");
    if (len == 0 || len >= 128) {
        vg_hma_error(req, 404, "bank '%.*s' not found", (int)(len < 100 ? len : 100), rest);
        return 0;
    }
    memcpy(name, rest, len);
    name[len] = 0;
    *tail = rest + len;
    return 1;
}

/* "/content/ID" as a number into *id; 0 when it is not one. */
static int content_path(const char *tail, int64_t *id)
{
    if (strncmp(tail, "/content/", 9))
        return 0;
    const char *text = tail + 9;
    char *end = NULL;
    unsigned long long v = *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
    if (!end || *end || v > INT64_MAX)
        return 0;
    *id = (int64_t)v;
    return 1;
}

/* HMA's BankContentResponse: signals only when asked, metadata unless
 * refused, note when there is one. */
static json_t *content_json(vg_http_request *req, const vg_curated_content *c)
{
    const char *with = vg_http_query(req, "include_signals");
    const char *meta = vg_http_query(req, "include_metadata");
    json_t *o = json_pack("{s:I, s:I, s:n, s:o}", "id", (json_int_t)c->id, "disable_until_ts",
                          (json_int_t)c->disable_until_ts, "original_media_uri", "bank",
                          bank_json(&c->bank));
    if (o && with && !strcasecmp(with, "true"))
        json_object_set_new(o, "signals", json_loads(c->signals, 0, NULL));
    if (o && !(meta && strcasecmp(meta, "true"))) {
        json_t *m = c->metadata ? json_loads(c->metadata, 0, NULL) : NULL;
        if (!c->made_by_api && m) {
            /* an operator's entry: its id in the bank and the bank's columns */
            json_t *wrapped = json_pack("{s:s, s:o}", "content_id", c->original_id, "json", m);
            m = wrapped;
        }
        if (json_object_size(m))
            json_object_set_new(o, "metadata", m);
        else
            json_decref(m);
    }
    if (o && c->note)
        json_object_set_new(o, "note", json_string(c->note));
    return o;
}

/* GET /c/bank/NAME and /c/bank/NAME/content/ID */
void vg_hma_bank(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_hotline *h = hma->srv->hotline;
    char name[128];
    const char *tail;
    if (!bank_path(req, name, &tail))
        return;
    vg_error err;
    int64_t id;
    if (!*tail || !strcmp(tail, "/")) {
        vg_curated_bank b;
        int found = 0;
        if (vg_hotline_curated_bank(h, name, strlen(name), &b, &found, &err) != VG_OK)
            vg_hma_error(req, 500, "%s", err.message);
        else if (!found)
            vg_hma_error(req, 404, "bank '%.100s' not found", name);
        else
            vg_hma_json(req, 200, bank_json(&b));
        return;
    }
    if (!content_path(tail, &id)) {
        vg_curated_bank b;
        int found = 0;
        if (vg_hotline_curated_bank(h, name, strlen(name), &b, &found, &err) == VG_OK && !found)
            vg_hma_error(req, 404, "bank '%.100s' not found", name);
        else
            vg_hma_error(req, 404, "Not found");
        return;
    }
    vg_curated_content c;
    vg_curate_outcome outcome;
    vg_status st = vg_hotline_bank_content(h, name, id, &c, &outcome, &err);
    if (!refused(req, st, &err, outcome, VG_CURATE_WRITABLE, name, id))
        vg_hma_json(req, 200, content_json(req, &c));
    vg_curated_content_clear(&c);
}

/* PUT /c/bank/NAME and /c/bank/NAME/content/ID */
void vg_hma_bank_put(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_hotline *h = hma->srv->hotline;
    char name[128];
    const char *tail;
    int64_t id = 0;
    if (!bank_path(req, name, &tail))
        return;
    int whole = !*tail || !strcmp(tail, "/");
    if (!whole && !content_path(tail, &id)) {
        vg_hma_error(req, 404, "Not found");
        return;
    }
    json_t *in = json_body(req);
    if (!in)
        return;
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    if (whole) {
        json_t *r = json_object_get(in, "enabled_ratio"), *e = json_object_get(in, "enabled");
        json_t *n = json_object_get(in, "name");
        double ratio = 0;
        int set = 0;
        if (e && !json_is_null(e)) {
            ratio = truthy(e) ? 1.0 : 0.0;
            set = 1;
        }
        if (r && !json_is_null(r)) {
            if (!ratio_of(req, r, &ratio)) {
                json_decref(in);
                return;
            }
            set = 1;
        }
        if (n && !json_is_null(n) && !json_is_string(n)) {
            vg_hma_error(req, 400, "name must be a string");
            json_decref(in);
            return;
        }
        vg_curated_bank after;
        vg_status st =
            vg_hotline_bank_update(h, name, json_string_value(n), set, ratio, vg_http_actor(req),
                                   now, &after, &outcome, &verdict, &err);
        if (!refused(req, st, &err, outcome, verdict, name, 0))
            vg_hma_json(req, 200, bank_json(&after));
        json_decref(in);
        return;
    }
    json_t *d = json_object_get(in, "disable_until_ts"), *note = json_object_get(in, "note");
    int64_t until = 0;
    int set_disable = d && !json_is_null(d);
    if (set_disable) {
        char *end = NULL;
        if (json_is_integer(d))
            until = json_integer_value(d);
        else if (json_is_string(d))
            until = strtoll(json_string_value(d), &end, 10);
        if (!json_is_integer(d) && !(end && !*end && end != json_string_value(d))) {
            vg_hma_error(req, 400, "disable_until_ts must be an integer");
            json_decref(in);
            return;
        }
    }
    if (note && !json_is_null(note) && !json_is_string(note)) {
        vg_hma_error(req, 400, "note should be a string");
        json_decref(in);
        return;
    }
    vg_curated_content c;
    vg_status st = vg_hotline_bank_content_update(h, name, id, set_disable, until, note != NULL,
                                                  json_string_value(note), vg_http_actor(req), now,
                                                  &c, &outcome, &verdict, &err);
    if (!refused(req, st, &err, outcome, verdict, name, id)) {
        /* HMA answers the content's config as it is stored */
        json_t *o =
            json_pack("{s:I, s:I, s:{}, s:n, s:o, s:o, s:s?}", "id", (json_int_t)c.id,
                      "disable_until_ts", (json_int_t)c.disable_until_ts, "collab_metadata",
                      "original_media_uri", "bank", bank_json(&c.bank), "user_metadata",
                      c.metadata ? json_loads(c.metadata, 0, NULL) : json_null(), "note", c.note);
        vg_hma_json(req, 200, o);
    }
    vg_curated_content_clear(&c);
    json_decref(in);
}

/* DELETE /c/bank/NAME and /c/bank/NAME/content/ID */
void vg_hma_bank_delete(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_hotline *h = hma->srv->hotline;
    char name[128];
    const char *tail;
    int64_t id = 0;
    if (!bank_path(req, name, &tail))
        return;
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    if (!*tail || !strcmp(tail, "/")) {
        vg_status st =
            vg_hotline_bank_delete(h, name, vg_http_actor(req), now, &outcome, &verdict, &err);
        if (!refused(req, st, &err, outcome, verdict, name, 0))
            vg_hma_json(req, 200, json_pack("{s:s}", "message", "Done"));
        return;
    }
    if (!content_path(tail, &id)) {
        vg_hma_error(req, 404, "Not found");
        return;
    }
    int deleted = 0;
    vg_status st = vg_hotline_bank_content_delete(h, name, id, vg_http_actor(req), now, &deleted,
                                                  &outcome, &verdict, &err);
    if (!refused(req, st, &err, outcome, verdict, name, id))
        vg_hma_json(req, 200, json_pack("{s:i}", "deleted", deleted));
}

/* Add the signals of object `signals` (name to text) to bank; answers
 * {"id", "signals"} as HMA. */
static void add_signals(vg_http_request *req, const char *bank, json_t *signals, const char *note,
                        const char *metadata)
{
    vg_hma *hma = vg_http_route_ctx(req);
    size_t n = json_object_size(signals), i = 0;
    vg_curated_signal *list = calloc(n ? n : 1, sizeof *list);
    const char *type;
    json_t *value;
    int strings = 1;
    json_object_foreach(signals, type, value)
    {
        strings &= json_is_string(value);
        if (list && i < n)
            list[i++] = (vg_curated_signal){type, json_string_value(value)};
    }
    if (!list) {
        vg_hma_error(req, 500, "out of memory");
        return;
    }
    if (!strings) {
        free(list);
        vg_hma_error(req, 400, "each signal is a string");
        return;
    }
    int64_t id = 0;
    char *kept = NULL;
    vg_curate_outcome outcome;
    vg_curate_verdict verdict;
    vg_error err;
    vg_status st = vg_hotline_bank_content_add(hma->srv->hotline, bank, list, n, note, metadata,
                                               vg_http_actor(req), (int64_t)time(NULL), &id, &kept,
                                               &outcome, &verdict, &err);
    free(list);
    if (!refused(req, st, &err, outcome, verdict, bank, 0))
        vg_hma_json(req, 200,
                    json_pack("{s:I, s:o}", "id", (json_int_t)id, "signals",
                              kept ? json_loads(kept, 0, NULL) : json_object()));
    free(kept);
}

/* The metadata HMA takes with content: an object of content_id,
 * content_uri and json (a JSON body's member, or a form field holding its
 * text). *text malloc'd (NULL: none); 0 after answering 400. */
static int metadata_of(vg_http_request *req, json_t *in, char **text)
{
    *text = NULL;
    json_t *m = in ? json_incref(json_object_get(in, "metadata")) : NULL;
    const char *field = in ? NULL : vg_http_param(req, "metadata");
    if (field && !(m = json_loads(field, 0, NULL))) {
        vg_hma_error(req, 400, "metadata form field must be valid JSON");
        return 0;
    }
    if (!m || json_is_null(m)) {
        json_decref(m);
        return 1;
    }
    const char *key;
    json_t *v;
    int ok = json_is_object(m);
    json_object_foreach(m, key, v)
    {
        if (!strcmp(key, "content_id") || !strcmp(key, "content_uri"))
            ok &= json_is_string(v) || json_is_null(v);
        else if (!strcmp(key, "json"))
            ok &= json_is_object(v) || json_is_null(v);
        else if (strcmp(key, "collab"))
            ok = 0;
    }
    json_object_del(m, "collab"); /* HMA's own, never the sender's */
    if (!ok) {
        json_decref(m);
        vg_hma_error(req, 400, "Invalid metadata: an object of content_id, content_uri, json");
        return 0;
    }
    *text = json_object_size(m) ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    return 1;
}

/* POST /c/bank/NAME/content (a file, or ?url=) and /c/bank/NAME/signal */
void vg_hma_bank_post(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    char name[128];
    const char *tail;
    if (!bank_path(req, name, &tail))
        return;
    int signal = !strcmp(tail, "/signal"), content = !strcmp(tail, "/content");
    if (!signal && !content) {
        vg_hma_error(req, 404, "Not found");
        return;
    }
    /* the bank first, as HMA: an unknown bank is 404 whatever was sent */
    vg_curated_bank b;
    int found = 0;
    vg_error err;
    if (vg_hotline_curated_bank(hma->srv->hotline, name, strlen(name), &b, &found, &err) != VG_OK) {
        vg_hma_error(req, 500, "%s", err.message);
        return;
    }
    if (!found) {
        vg_hma_error(req, 404, "bank '%.100s' not found", name);
        return;
    }
    int is_json = vg_http_content_type_is(req, "application/json");
    json_t *in = is_json ? json_body(req) : NULL;
    if (is_json && !in)
        return;
    if (signal) {
        if (!in) {
            vg_hma_error(req, 400, "this endpoint expects a json object payload");
            return;
        }
        json_t *note = json_incref(json_object_get(in, "note"));
        json_object_del(in, "note");
        if (note && !json_is_null(note) && !json_is_string(note))
            vg_hma_error(req, 400, "note should be a string");
        else if (!json_object_size(in))
            vg_hma_error(req, 400, "No signals given");
        else
            add_signals(req, name, in, json_string_value(note), NULL);
        json_decref(note);
        json_decref(in);
        return;
    }
    char *metadata = NULL;
    if (!metadata_of(req, in, &metadata)) {
        json_decref(in);
        return;
    }
    const char *note =
        in ? json_string_value(json_object_get(in, "note")) : vg_http_param(req, "note");
    vg_hma_upload *u = vg_http_state(req);
    if (!vg_http_query(req, "url") && (!u || !u->files))
        vg_hma_error(req, 400, "Neither `url` nor multipart file upload was received");
    else {
        json_t *signals = NULL;
        if (vg_hma_hash_request(req, (void **)&signals)) {
            add_signals(req, name, signals, note, metadata);
            json_decref(signals);
        }
    }
    free(metadata);
    json_decref(in);
}
