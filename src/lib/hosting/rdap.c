/*
 * RDAP answers (RFC 9083). The abuse contact is an entity with the role
 * "abuse", usually nested in the registrant's entity; its e-mail is in its
 * jCard (RFC 7095): "vcardArray": ["vcard", [["email", {}, "text", "x@y"],
 * ...]]. Answers come from servers vigie does not control: nesting, count
 * of entities and sizes are bounded, and an e-mail is kept only when it is
 * a plain address (no display name, no line break that could reach the
 * header of a notice).
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "hosting_internal.h"

typedef struct walk {
    rdap_contact *out;
    unsigned entities;
} walk;

static bool has_role(json_t *entity, const char *role)
{
    json_t *roles = json_object_get(entity, "roles");
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        if (json_is_string(r) && !strcasecmp(json_string_value(r), role))
            return true;
    }
    return false;
}

/* The text value of a jCard property ("email", "fn"): the fourth element
 * of the first property of that name whose value is a string. */
static const char *vcard_text(json_t *entity, const char *name)
{
    json_t *vcard = json_object_get(entity, "vcardArray");
    if (!json_is_array(vcard) || json_array_size(vcard) < 2)
        return NULL;
    json_t *props = json_array_get(vcard, 1);
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p)
    {
        if (i >= 1024)
            break;
        json_t *key = json_array_get(p, 0);
        json_t *value = json_array_get(p, 3);
        if (json_is_string(key) && !strcasecmp(json_string_value(key), name) &&
            json_is_string(value))
            return json_string_value(value);
    }
    return NULL;
}

static void copy_email(const char *value, rdap_contact *out)
{
    /* RFC 9083 allows the value as a mailto: URI. */
    if (!strncasecmp(value, "mailto:", 7))
        value += 7;
    if (strlen(value) < sizeof out->email && contact_is_email(value))
        memcpy(out->email, value, strlen(value) + 1);
}

static void copy_name(const char *value, rdap_contact *out)
{
    size_t n = 0;
    for (const char *p = value; *p && n + 1 < sizeof out->name; p++)
        out->name[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
    out->name[n] = '\0';
}

static bool visit(json_t *entities, unsigned depth, walk *w)
{
    if (depth > RDAP_MAX_DEPTH || !json_is_array(entities))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(entities, i, e)
    {
        if (++w->entities > RDAP_MAX_ENTITIES)
            return false;
        if (!json_is_object(e))
            continue;
        if (has_role(e, "abuse")) {
            const char *email = vcard_text(e, "email");
            if (email) {
                copy_email(email, w->out);
                if (w->out->email[0]) {
                    const char *fn = vcard_text(e, "fn");
                    if (fn)
                        copy_name(fn, w->out);
                    return true;
                }
            }
        }
        if (visit(json_object_get(e, "entities"), depth + 1, w))
            return true;
    }
    return false;
}

vg_status rdap_parse(const char *text, size_t len, rdap_contact *out, vg_error *err)
{
    *out = (rdap_contact){0};
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vg_error_set(err, VG_ERR_CORRUPT, "the RDAP answer is not JSON (line %d: %s)",
                            jerr.line, jerr.text);
    vg_status st = VG_OK;
    if (!json_is_object(root)) {
        st = vg_error_set(err, VG_ERR_CORRUPT, "the RDAP answer is not a JSON object");
    } else if (json_is_integer(json_object_get(root, "errorCode"))) {
        json_t *title = json_object_get(root, "title");
        st = vg_error_set(err, VG_ERR_IO, "the RDAP service answered error %lld%s%.120s",
                          (long long)json_integer_value(json_object_get(root, "errorCode")),
                          json_is_string(title) ? ": " : "",
                          json_is_string(title) ? json_string_value(title) : "");
    } else if (!json_is_string(json_object_get(root, "objectClassName"))) {
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "the RDAP answer has no objectClassName: not an RDAP object");
    } else {
        walk w = {.out = out};
        /* The object itself may be the abuse entity (an entity lookup). */
        json_t *self = json_array();
        if (!self || json_array_append(self, root) != 0)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else
            visit(self, 0, &w);
        json_decref(self);
    }
    json_decref(root);
    return st;
}
