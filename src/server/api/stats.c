/*
 * src/server/api/stats.c - GET /api/v1/stats: the hotline's figures for the
 * operator's own tools (a key with the "stats" scope; docs/stats.md), the
 * same table as `vigie stats` and the console's statistics page.
 *
 *   GET /api/v1/stats?from=2026-01-01&to=2027-01-01&by=month,category
 *
 * answers {"from":"2026-01-01","to":"2027-01-01","by":["month","category"],
 * "rows":[...]} where each row is the object `vigie stats --format json`
 * prints for it; with format=csv, the CSV `vigie stats` prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hotline/stats.h"
#include "server/api/api.h"

/* The JSON lines of the table as one array's members: "a\nb\n" -> "a,b". */
static char *lines_as_members(const char *lines, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (lines[i] != '\n')
            out[n++] = lines[i];
        else if (i + 1 < len)
            out[n++] = ',';
    }
    out[n] = 0;
    return out;
}

static void send_table(vg_http_request *req, const vg_stats_table *t, const char *from,
                       const char *to, vg_table_format format)
{
    char *buf = NULL;
    size_t len = 0;
    vg_error err;
    if (vg_hotline_stats_text(t, format, &buf, &len, &err) != VG_OK) {
        vg_http_json_error(req, 500, "internal", "Out of memory.");
        return;
    }
    if (format == VG_TABLE_CSV) {
        vg_http_respond(req, 200, "text/csv; charset=utf-8", buf, len);
        free(buf);
        return;
    }
    json_t *head = json_pack("{s:s?, s:s?, s:[]}", "from", from && *from ? from : NULL, "to",
                             to && *to ? to : NULL, "by");
    for (size_t d = 0; head && d < vg_stats_dim_count(t); d++)
        json_array_append_new(json_object_get(head, "by"),
                              json_string(vg_stat_dim_name(vg_stats_dim_at(t, d))));
    char *head_text = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(head);
    char *members = lines_as_members(buf, len);
    free(buf);
    char *body = NULL;
    /* head_text ends with "}": the rows go in before it */
    if (head_text && members &&
        asprintf(&body, "%.*s,\"rows\":[%s]}\n", (int)strlen(head_text) - 1, head_text,
                 members) < 0)
        body = NULL;
    free(head_text);
    free(members);
    if (!body) {
        vg_http_json_error(req, 500, "internal", "Out of memory.");
        return;
    }
    vg_http_respond(req, 200, "application/json", body, strlen(body));
    free(body);
}

void vg_api_stats_get(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    const char *from = vg_http_query(req, "from"), *to = vg_http_query(req, "to");
    const char *by = vg_http_query(req, "by"), *format = vg_http_query(req, "format");
    vg_table_format fmt = VG_TABLE_JSON;
    if (format && *format && !vg_table_parse_format(format, &fmt)) {
        vg_http_json_error(req, 400, "invalid_query", "format: say csv or json.");
        return;
    }
    vg_stats_query q;
    vg_error err;
    if (vg_stats_query_parse(from, to, by, h->stats_zone, &q, &err) != VG_OK) {
        vg_http_json_error(req, 400, "invalid_query", "%s", err.message);
        return;
    }
    vg_stats_table *t = NULL;
    if (vg_hotline_stats(h->store, &q, &t, &err) != VG_OK) {
        vg_http_json_error(req, 503, "unavailable", "The statistics cannot be read now: %s",
                           err.message);
        return;
    }
    send_table(req, t, from, to, fmt);
    vg_stats_free(t);
}
