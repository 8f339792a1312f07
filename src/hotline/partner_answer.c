/*
 * src/hotline/partner_answer.c - a partner hotline's answers
 * (partner_answer.h).
 */
#include "hotline/partner_answer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"

/* Printable ASCII without '/', 1 to max-1 bytes. */
static int token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n >= max)
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '/')
            return 0;
    return 1;
}

static json_t *load(const char *text, size_t len, vg_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        vg_error_set(err, VG_ERR_CORRUPT, "the partner's answer is not JSON (%.80s)", je.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        vg_error_set(err, VG_ERR_CORRUPT, "the partner's answer is not a JSON object");
        return NULL;
    }
    return o;
}

vg_status vg_partner_receipt_parse(const char *text, size_t len,
                                   char id[VG_PARTNER_REFERENCE_MAX], vg_error *err)
{
    id[0] = 0;
    json_t *o = load(text, len, err);
    if (!o)
        return VG_ERR_CORRUPT;
    const char *s = json_string_value(json_object_get(o, "id"));
    vg_status st = VG_OK;
    if (!s || !token_ok(s, VG_PARTNER_REFERENCE_MAX))
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "the partner's answer has no usable \"id\" (1 to 127 visible "
                          "characters)");
    else
        memcpy(id, s, strlen(s) + 1);
    json_decref(o);
    return st;
}

static char *text_or_empty(json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    return strndup(s && strlen(s) < max ? s : "", max);
}

vg_status vg_partner_fate_parse(const char *text, size_t len, vg_route_action **actions,
                                size_t *count, vg_error *err)
{
    *actions = NULL;
    *count = 0;
    json_t *o = load(text, len, err);
    if (!o)
        return VG_ERR_CORRUPT;
    json_t *list = json_object_get(o, "actions");
    if (!json_is_array(list)) {
        json_decref(o);
        return vg_error_set(err, VG_ERR_CORRUPT, "the partner's answer has no \"actions\" list");
    }
    size_t n = json_array_size(list);
    vg_route_action *out = calloc(n ? (n < VG_PARTNER_ACTIONS_MAX ? n : VG_PARTNER_ACTIONS_MAX) : 1,
                                  sizeof *out);
    if (!out) {
        json_decref(o);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    vg_status st = VG_OK;
    for (size_t i = 0; i < n && k < VG_PARTNER_ACTIONS_MAX; i++) {
        json_t *e = json_array_get(list, i);
        const char *type = json_string_value(json_object_get(e, "type"));
        json_t *at = json_object_get(e, "at");
        if (!json_is_object(e) || !type || !json_is_integer(at) || json_integer_value(at) < 0) {
            st = vg_error_set(err, VG_ERR_CORRUPT,
                              "actions[%zu] of the partner's answer is not {type, at, ...}", i);
            break;
        }
        const vg_term *term = vg_term_find(vg_done_terms, type);
        if (!term)
            continue;
        vg_route_action *a = &out[k++];
        a->type = strdup(term->code);
        a->at = (int64_t)json_integer_value(at);
        a->to = text_or_empty(json_object_get(e, "to"), 256);
        a->reference = text_or_empty(json_object_get(e, "reference"), VG_PARTNER_REFERENCE_MAX);
        a->url = strdup("");
        a->by = strdup("");
        if (!a->type || !a->to || !a->reference || !a->url || !a->by) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
    }
    json_decref(o);
    if (st != VG_OK) {
        vg_route_actions_free(out, k);
        return st;
    }
    *actions = out;
    *count = k;
    return VG_OK;
}

vg_status vg_partner_fate_status(const char *text, size_t len, const char **status,
                                 int64_t *version, vg_error *err)
{
    *status = NULL;
    *version = 0;
    json_t *o = load(text, len, err);
    if (!o)
        return VG_ERR_CORRUPT;
    json_t *v = json_object_get(o, "version");
    vg_status st = VG_OK;
    if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
              json_integer_value(v) > ((json_int_t)1 << 53)))
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "the partner's \"version\" is not a positive integer");
    else
        *version = v ? (int64_t)json_integer_value(v) : 0;
    const vg_term *term =
        st == VG_OK ? vg_term_find(vg_report_status_terms,
                                   json_string_value(json_object_get(o, "status")))
                    : NULL;
    *status = term ? term->code : NULL;
    json_decref(o);
    return st;
}
