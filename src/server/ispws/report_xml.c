/*
 * src/server/ispws/report_xml.c - CyberTipline documents read into
 * vigie's report model (ispws.h).
 *
 * libxml2 reads the document with no network access and no entity
 * substitution, and a document that declares a document type is refused
 * before libxml2 sees it: no entity can be declared, so none is expanded
 * and no external subset fetched. The tree becomes a JSON value (elements
 * as members, repeated ones as arrays, attributes as "@name"), bounded in
 * depth and size: that value is kept whole as the sender's claim, and the
 * few members vigie files a report by are read from it.
 */
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/ispws/ispws.h"

#define MAX_DEPTH 32
#define MAX_NODES 20000

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_libxml(void)
{
    xmlInitParser();
}

/* Whether the bytes hold a document type declaration anywhere. */
static int declares_doctype(const char *xml, size_t len)
{
    for (size_t i = 0; i + 9 <= len; i++)
        if (xml[i] == '<' && xml[i + 1] == '!' && !strncasecmp(xml + i + 2, "DOCTYPE", 7))
            return 1;
    return 0;
}

typedef struct walk {
    size_t nodes;
    int failed;
} walk;

static json_t *text_of(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    json_t *s = json_string(t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

/* Add value under name to object: a second one makes an array. */
static void add_member(json_t *object, const char *name, json_t *value)
{
    json_t *prev = json_object_get(object, name);
    if (!prev) {
        json_object_set_new(object, name, value);
    } else if (json_is_array(prev)) { /* elements are never arrays: a repetition */
        json_array_append_new(prev, value);
    } else {
        json_t *list = json_array();
        json_array_append(list, prev);
        json_array_append_new(list, value);
        json_object_set_new(object, name, list);
    }
}

static json_t *element_json(xmlNode *e, int depth, walk *w)
{
    if (++w->nodes > MAX_NODES || depth > MAX_DEPTH) {
        w->failed = 1;
        return NULL;
    }
    int has_children = 0;
    for (xmlNode *c = e->children; c; c = c->next)
        has_children |= c->type == XML_ELEMENT_NODE;
    if (!has_children && !e->properties)
        return text_of(e);
    json_t *o = json_object();
    for (xmlAttr *a = e->properties; o && a; a = a->next) {
        char name[128];
        snprintf(name, sizeof name, "@%s", (const char *)a->name);
        xmlChar *v = xmlNodeListGetString(e->doc, a->children, 1);
        json_object_set_new(o, name, json_string(v ? (const char *)v : ""));
        xmlFree(v);
    }
    if (!has_children) {
        json_object_set_new(o, "#text", text_of(e));
        return o;
    }
    for (xmlNode *c = e->children; o && c && !w->failed; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        json_t *v = element_json(c, depth + 1, w);
        if (!v) {
            w->failed = 1;
            break;
        }
        add_member(o, (const char *)c->name, v);
    }
    if (w->failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Parse xml into the JSON of its root, whose name must be root. */
static vg_ispws_code parse(const char *xml, size_t len, const char *root, json_t **out,
                           char why[256])
{
    *out = NULL;
    pthread_once(&init_once, init_libxml);
    if (len > INT32_MAX) {
        snprintf(why, 256, "the document is too large");
        return VG_ISPWS_INVALID;
    }
    if (declares_doctype(xml, len)) {
        snprintf(why, 256, "documents with a document type declaration are not accepted");
        return VG_ISPWS_MALFORMED;
    }
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "report.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *top = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!doc || !top || doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        snprintf(why, 256, "the body is not well-formed XML");
        return VG_ISPWS_MALFORMED;
    }
    if (strcmp((const char *)top->name, root)) {
        snprintf(why, 256, "the document's root must be <%s>, not <%.64s>", root,
                 (const char *)top->name);
        xmlFreeDoc(doc);
        return VG_ISPWS_INVALID;
    }
    walk w = {0};
    json_t *j = element_json(top, 0, &w);
    xmlFreeDoc(doc);
    if (!j || w.failed) {
        json_decref(j);
        snprintf(why, 256, "the document is too deep or too large");
        return VG_ISPWS_INVALID;
    }
    if (!json_is_object(j)) { /* <report>text</report> */
        json_decref(j);
        j = json_object();
    }
    *out = j;
    return VG_ISPWS_OK;
}

/* The text of path (NULL-terminated member names) in j: one element, or
 * the first of repeated ones; NULL when absent or not text. */
static const char *text_at(json_t *j, const char *const *path)
{
    for (; j && *path; path++) {
        if (json_is_array(j))
            j = json_array_get(j, 0);
        j = json_object_get(j, *path);
    }
    if (json_is_array(j))
        j = json_array_get(j, 0);
    if (json_is_object(j))
        j = json_object_get(j, "#text");
    return json_string_value(j);
}

#define TEXT_AT(j, ...) text_at((j), (const char *const[]){__VA_ARGS__, NULL})

/* A member given once or repeated: how many, and the i-th. */
static size_t each_size(json_t *j)
{
    return json_is_array(j) ? json_array_size(j) : j ? 1 : 0;
}
static json_t *each_get(json_t *j, size_t i)
{
    return json_is_array(j) ? json_array_get(j, i) : j;
}

vg_ispws_code vg_ispws_read_report(vg_hotline *h, const char *xml, size_t len, const char *platform,
                                   vg_intake_draft *d, char **claim, char why[256])
{
    (void)h;
    *claim = NULL;
    why[0] = 0;
    json_t *r;
    vg_ispws_code code = parse(xml, len, "report", &r, why);
    if (code != VG_ISPWS_OK)
        return code;
    vg_error err;
    const char *type = TEXT_AT(r, "incidentSummary", "incidentType");
    const char *category = vg_rule_ispws_category(type);
    if (!category) {
        snprintf(why, 256,
                 "incidentSummary/incidentType is missing or not one of the "
                 "documented incident types");
        code = VG_ISPWS_INVALID;
        goto done;
    }
    d->report.category = category; /* a static string of the model */
    const char *when = TEXT_AT(r, "incidentSummary", "incidentDateTime");
    const char *service = TEXT_AT(r, "personOrUserReported", "espService");
    const char *account = TEXT_AT(r, "personOrUserReported", "screenName");
    if (!account)
        account = TEXT_AT(r, "personOrUserReported", "espIdentifier");
    struct {
        const char **field;
        const char *text;
        size_t max;
    } texts[] = {
        {&d->report.occurred_at, when, VG_INTAKE_MAX_FIELD},
        {&d->report.platform, service ? service : platform, VG_INTAKE_MAX_FIELD},
        {&d->report.account, account, VG_INTAKE_MAX_FIELD},
        {&d->report.description, TEXT_AT(r, "additionalInfo"), VG_INTAKE_MAX_TEXT},
        {&d->report.contact, TEXT_AT(r, "reporter", "reportingPerson", "email"),
         VG_INTAKE_MAX_FIELD},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (vg_intake_draft_text(d, texts[i].field, texts[i].text, texts[i].max, &err) != VG_OK) {
            snprintf(why, 256, "%.250s", err.message);
            code = VG_ISPWS_INVALID;
            goto done;
        }
    /* where the material is: every webPageIncident's url */
    json_t *details = json_object_get(r, "internetDetails");
    for (size_t i = 0; i < each_size(details); i++) {
        json_t *pages = json_object_get(each_get(details, i), "webPageIncident");
        for (size_t k = 0; k < each_size(pages); k++) {
            json_t *urls = json_object_get(each_get(pages, k), "url");
            for (size_t u = 0; u < each_size(urls); u++) {
                const char *url = json_string_value(each_get(urls, u));
                if (!url)
                    continue;
                if (d->report.url_count >= VG_INTAKE_MAX_URLS) {
                    snprintf(why, 256, "at most %d URLs in a report", VG_INTAKE_MAX_URLS);
                    code = VG_ISPWS_INVALID;
                    goto done;
                }
                if (vg_intake_draft_url(d, url, &err) != VG_OK) {
                    snprintf(why, 256, "%.250s", err.message);
                    code = VG_ISPWS_INVALID;
                    goto done;
                }
            }
        }
    }
    *claim = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    if (!*claim) {
        snprintf(why, 256, "out of memory");
        code = VG_ISPWS_SERVER_ERROR;
    }
done:
    json_decref(r);
    return code;
}

vg_ispws_code vg_ispws_read_file_details(const char *xml, size_t len, int64_t *report_id,
                                         char file_id[64], char **details, char why[256])
{
    *details = NULL;
    *report_id = 0;
    file_id[0] = 0;
    why[0] = 0;
    json_t *j;
    vg_ispws_code code = parse(xml, len, "fileDetails", &j, why);
    if (code != VG_ISPWS_OK)
        return code;
    const char *id = TEXT_AT(j, "reportId"), *file = TEXT_AT(j, "fileId");
    char *end = NULL;
    long long n = id ? strtoll(id, &end, 10) : 0;
    if (!id || !*id || *end || n <= 0 || !file || !*file || strlen(file) >= 64) {
        snprintf(why, 256, "fileDetails needs a reportId and a fileId");
        json_decref(j);
        return VG_ISPWS_INVALID;
    }
    *report_id = n;
    snprintf(file_id, 64, "%s", file);
    json_object_del(j, "reportId");
    json_object_del(j, "fileId");
    *details = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!*details) {
        snprintf(why, 256, "out of memory");
        return VG_ISPWS_SERVER_ERROR;
    }
    return VG_ISPWS_OK;
}
