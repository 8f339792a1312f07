/*
 * src/server/console/routes.c - the routes of a report's or a case's URLs,
 * as the item and case pages show them: what must be done, why, and the
 * hosting facts it rests on, so an analyst can check the route before
 * approving it.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hotline/routing.h"
#include "model/vocab.h"
#include "server/console/console.h"

/* Labels of a comma-separated list of codes, one per line. */
static void labels(vg_page *p, const vg_term *list, const char *codes)
{
    char copy[VG_URL_ROUTE_TEXT * 2];
    snprintf(copy, sizeof copy, "%s", codes ? codes : "");
    int first = 1;
    for (char *save = NULL, *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        if (!first)
            vg_page_put(p, "<br>");
        vg_page_text(p, vg_term_label(list, c));
        first = 0;
    }
}

static const char *text_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* One line per address: "192.0.2.7 DE AS64500 Example Hosting - anycast -
 * abuse@... (rdap)", or the lookup's error. */
static void hosting(vg_page *p, const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        vg_page_put(p, "?");
        json_decref(o);
        return;
    }
    if (*text_of(o, "error"))
        vg_page_text(p, text_of(o, "error"));
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(o, "addresses"), i, a)
    {
        vg_page_put(p, i || *text_of(o, "error") ? "<br>" : "");
        vg_page_text(p, text_of(a, "ip"));
        if (*text_of(a, "country")) {
            vg_page_put(p, " ");
            vg_page_text(p, text_of(a, "country"));
        }
        json_int_t asn = json_integer_value(json_object_get(a, "asn"));
        if (asn)
            vg_page_fmt(p, " AS%" JSON_INTEGER_FORMAT, asn);
        if (*text_of(a, "as_name")) {
            vg_page_put(p, " ");
            vg_page_text(p, text_of(a, "as_name"));
        }
        if (json_is_true(json_object_get(a, "anycast")))
            vg_page_put(p, " · <strong>anycast/CDN</strong>");
        if (*text_of(a, "abuse_contact")) {
            vg_page_put(p, " · ");
            vg_page_text(p, text_of(a, "abuse_contact"));
            vg_page_put(p, " (");
            vg_page_text(p, text_of(a, "contact_source"));
            vg_page_put(p, ")");
        }
        if (*text_of(a, "note")) {
            vg_page_put(p, " · ");
            vg_page_text(p, text_of(a, "note"));
        }
    }
    json_decref(o);
}

void vg_console_routes_table(vg_page *p, const vg_console *con, int64_t report_id,
                             int64_t case_id)
{
    vg_url_route_row *rows = NULL;
    size_t n = 0;
    vg_error err;
    vg_page_put(p, "<h2>Routes</h2>");
    if (vg_hotline_routes(con->hotline, report_id, case_id, &rows, &n, &err) != VG_OK) {
        vg_page_put(p, "<p class=\"msg err\">The routes cannot be read now.</p>");
        return;
    }
    if (!n) {
        vg_page_put(p, "<p>No route yet: URLs confirmed as CSAM are looked up and routed in "
                       "the background.</p>");
        return;
    }
    vg_page_put(p, "<table><thead><tr><th scope=\"col\">URL</th><th scope=\"col\">To do</th>"
                   "<th scope=\"col\">Why</th><th scope=\"col\">Hosted</th>"
                   "<th scope=\"col\">Proposed</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_url_route_row *r = &rows[i];
        vg_page_put(p, "<tr><td class=\"hash\">");
        vg_page_text(p, r->url);
        vg_page_put(p, "</td><td>");
        labels(p, vg_action_terms, r->actions);
        if (r->partner && *r->partner) {
            vg_page_put(p, ": ");
            vg_page_text(p, r->partner);
        }
        vg_page_put(p, "</td><td>");
        labels(p, vg_reason_terms, r->reasons);
        vg_page_put(p, "</td><td>");
        hosting(p, r->hosting);
        vg_page_put(p, "</td><td>");
        vg_console_time(p, r->created_at);
        vg_page_put(p, " · ");
        vg_page_text(p, vg_term_label(vg_url_route_state_terms, r->state));
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
    vg_url_route_rows_free(rows, n);
}
