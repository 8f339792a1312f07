/*
 * src/server/api/report_parse.c - the partner API's report: JSON text to a
 * draft (report_parse.h). No HTTP here, so tests/fuzz drives it directly.
 *
 * Unknown members are refused, so a typo does not lose a field silently;
 * strings are checked for length, NUL bytes and closed lists; URLs are
 * canonicalised and files by digest validated as they are read.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"
#include "server/api/report_parse.h"

static const char *const report_members[] = {
    "urls",        "files",         "category", "platform", "account", "occurred_at",
    "description", "reporter_kind", "language", "country",  "contact", "child_in_danger",
    "origin",      NULL,
};
/* A report forwarded by a partner hotline says where it comes from and
 * what that hotline found (docs/api.md); shown to analysts, never a
 * classification here: the hotline assesses under its own law. */
static const char *const origin_members[] = {"hotline",  "country",  "reference", "classification",
                                             "severity", "age",      "automatic", NULL};
static const char *const file_members[] = {"sha256",   "md5",  "sha1", "pdq",
                                           "filename", "size", NULL};

static int listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* An optional string member: NULL when absent or null; -1 when another type. */
static int member_string(json_t *obj, const char *name, const char **out)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    /* jansson allows NUL inside strings; our fields never hold one. */
    return strlen(*out) == json_string_length(v) ? 0 : -1;
}

static int refuse(vg_api_refusal *why, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(vg_api_refusal *why, unsigned status, const char *code, const char *fmt, ...)
{
    why->status = status;
    snprintf(why->code, sizeof why->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->message, sizeof why->message, fmt, ap);
    va_end(ap);
    return 0;
}

/* "origin" into the report's further fields (extra_json), as
 * origin_hotline, origin_country... */
static int read_origin(json_t *origin, vg_intake_draft *d, vg_api_refusal *why)
{
    const char *name;
    json_t *value;
    if (!json_is_object(origin))
        return refuse(why, 400, "invalid_field", "\"origin\" must be an object.");
    json_t *extra = json_object();
    json_object_foreach(origin, name, value)
    {
        if (!listed(origin_members, name)) {
            json_decref(extra);
            return refuse(why, 400, "unknown_field",
                          "\"origin.%.64s\" is not a field of a report's origin.", name);
        }
        char key[48];
        snprintf(key, sizeof key, "origin_%s", name);
        if (!strcmp(name, "automatic")) {
            if (!json_is_boolean(value)) {
                json_decref(extra);
                return refuse(why, 400, "invalid_field",
                              "\"origin.automatic\" must be true or false.");
            }
            json_object_set(extra, key, value);
            continue;
        }
        const char *text;
        if (member_string(origin, name, &text) != 0 || (text && strlen(text) > 200)) {
            json_decref(extra);
            return refuse(why, 400, "invalid_field",
                          "\"origin.%s\" must be a string of at most 200 bytes.", name);
        }
        if (text)
            json_object_set_new(extra, key, json_string(text));
    }
    char *text = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(extra);
    vg_error err;
    vg_status st = text ? vg_intake_draft_text(d, &d->report.extra_json, text, 4096, &err)
                        : VG_ERR_NOMEM;
    free(text);
    if (st != VG_OK)
        return refuse(why, 400, "invalid_field", "\"origin\" could not be read.");
    return 1;
}

static int read_report(vg_hotline *h, json_t *root, vg_intake_draft *d, vg_api_refusal *why)
{
    vg_error err;
    const char *name;
    json_t *value;
    if (!json_is_object(root)) {
        refuse(why, 400, "invalid_json", "The report must be a JSON object.");
        return 0;
    }
    json_object_foreach(root, name, value)
    {
        if (!listed(report_members, name)) {
            refuse(why, 400, "unknown_field",
                   "\"%.64s\" is not a field of a report (see /api/v1/openapi.json).", name);
            return 0;
        }
    }
    const struct {
        const char **slot;
        const char *name;
        size_t max;
        const vg_term *choices;
    } texts[] = {
        {&d->report.category, "category", VG_INTAKE_MAX_FIELD, vg_category_terms},
        {&d->report.reporter_kind, "reporter_kind", VG_INTAKE_MAX_FIELD, vg_reporter_kind_terms},
        {&d->report.platform, "platform", VG_INTAKE_MAX_FIELD, NULL},
        {&d->report.account, "account", VG_INTAKE_MAX_FIELD, NULL},
        {&d->report.occurred_at, "occurred_at", VG_INTAKE_MAX_FIELD, NULL},
        {&d->report.description, "description", VG_INTAKE_MAX_TEXT, NULL},
        {&d->report.language, "language", 35, NULL},
        {&d->report.country, "country", VG_INTAKE_MAX_FIELD, NULL},
        {&d->report.contact, "contact", VG_INTAKE_MAX_FIELD, NULL},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *text;
        if (member_string(root, texts[i].name, &text) != 0) {
            refuse(why, 400, "invalid_field", "\"%s\" must be a string.", texts[i].name);
            return 0;
        }
        if (text && texts[i].choices && !vg_term_find(texts[i].choices, text)) {
            refuse(why, 400, "invalid_field",
                   "\"%s\" is not one of the values listed in /api/v1/openapi.json.",
                   texts[i].name);
            return 0;
        }
        vg_status st = vg_intake_draft_text(d, texts[i].slot, text, texts[i].max, &err);
        if (st != VG_OK) {
            refuse(why, st == VG_ERR_TOO_LARGE ? 413 : 400,
                   st == VG_ERR_TOO_LARGE ? "too_large" : "invalid_field", "\"%s\": %s.",
                   texts[i].name, err.message);
            return 0;
        }
    }

    /* The sender says a child is in danger now: first in the queue, and an
     * alert to whoever is on duty (hotline/alerts.h). */
    json_t *danger = json_object_get(root, "child_in_danger");
    if (danger && !json_is_null(danger)) {
        if (!json_is_boolean(danger)) {
            refuse(why, 400, "invalid_field", "\"child_in_danger\" must be true or false.");
            return 0;
        }
        d->report.danger = json_is_true(danger);
    }

    json_t *origin = json_object_get(root, "origin");
    if (origin && !json_is_null(origin) && !read_origin(origin, d, why))
        return 0;

    json_t *urls = json_object_get(root, "urls");
    if (urls && !json_is_null(urls)) {
        if (!json_is_array(urls)) {
            refuse(why, 400, "invalid_field", "\"urls\" must be an array of strings.");
            return 0;
        }
        if (json_array_size(urls) > VG_INTAKE_MAX_URLS) {
            refuse(why, 413, "too_large", "At most %d URLs are accepted per report.",
                   VG_INTAKE_MAX_URLS);
            return 0;
        }
        size_t i;
        json_array_foreach(urls, i, value)
        {
            if (!json_is_string(value) ||
                strlen(json_string_value(value)) != json_string_length(value)) {
                refuse(why, 400, "invalid_field", "urls[%zu] must be a string.", i);
                return 0;
            }
            if (vg_intake_draft_url(d, json_string_value(value), &err) != VG_OK) {
                refuse(why, 400, "invalid_url", "urls[%zu]: %s", i, err.message);
                return 0;
            }
        }
    }

    json_t *files = json_object_get(root, "files");
    if (files && !json_is_null(files)) {
        if (!json_is_array(files)) {
            refuse(why, 400, "invalid_field", "\"files\" must be an array of objects.");
            return 0;
        }
        if (json_array_size(files) > h->max_files) {
            refuse(why, 413, "too_large", "At most %llu files are accepted per report.",
                   (unsigned long long)h->max_files);
            return 0;
        }
        size_t i;
        json_array_foreach(files, i, value)
        {
            const char *sha256, *md5, *sha1, *pdq, *filename, *member;
            json_t *unused;
            if (!json_is_object(value)) {
                refuse(why, 400, "invalid_file", "files[%zu] must be an object.", i);
                return 0;
            }
            json_object_foreach(value, member, unused)
            {
                if (!listed(file_members, member)) {
                    refuse(why, 400, "unknown_field",
                           "files[%zu]: \"%.64s\" is not a field of a file.", i, member);
                    return 0;
                }
            }
            json_t *size = json_object_get(value, "size");
            if (member_string(value, "sha256", &sha256) || member_string(value, "md5", &md5) ||
                member_string(value, "sha1", &sha1) || member_string(value, "pdq", &pdq) ||
                member_string(value, "filename", &filename) ||
                (size && !json_is_null(size) &&
                 (!json_is_integer(size) || json_integer_value(size) < 0))) {
                refuse(why, 400, "invalid_file",
                       "files[%zu]: digests and filename are strings, size a "
                       "whole number of bytes.",
                       i);
                return 0;
            }
            uint64_t bytes = size && json_is_integer(size) ? (uint64_t)json_integer_value(size) : 0;
            vg_status st =
                vg_intake_draft_digests(h, d, sha256, md5, sha1, pdq, filename, bytes, &err);
            if (st != VG_OK) {
                refuse(why, st == VG_ERR_TOO_LARGE ? 413 : 400,
                       st == VG_ERR_TOO_LARGE ? "too_large" : "invalid_file", "files[%zu]: %s", i,
                       err.message);
                return 0;
            }
        }
    }
    return 1;
}

int vg_api_report_parse(vg_hotline *h, const char *text, size_t len, vg_intake_draft *d,
                        vg_api_refusal *why)
{
    json_error_t jerr;
    json_t *root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return refuse(why, 400, "invalid_json", "The body is not valid JSON: %.200s (line %d).",
                      jerr.text, jerr.line);
    int ok = read_report(h, root, d, why);
    json_decref(root);
    return ok;
}
