/*
 * src/server/public/public.c - the public module: its settings (checked at
 * start), its routes, and the addresses whose error pages it renders.
 */
#include "server/public/public.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sealed.h"
#include "util/secure.h"
#include "vigie/digest.h"

/* A copy of the setting key, or of fallback (NULL stays NULL). */
static vg_status setting(vg_server *srv, const char *key, const char *fallback, char **out,
                         vg_error *err)
{
    const char *v = vg_config_get(srv->config, key, fallback);
    *out = NULL;
    if (v && !*v)
        v = fallback;
    if (v && !(*out = strdup(v)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return VG_OK;
}

/* A web address people are sent to: http(s), no spaces or quotes. */
static vg_status check_url(const char *key, const char *url, vg_error *err)
{
    if (url && ((strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
                strpbrk(url, " \t\"<>")))
        return vg_error_set(err, VG_ERR_INVALID, "%s must be an http(s) address, not \"%s\"",
                            key, url);
    return VG_OK;
}

/* A number people call: digits, with spaces, '+' or '-' between. */
static vg_status check_number(const char *key, const char *number, vg_error *err)
{
    int digits = 0;
    for (const char *c = number; c && *c; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else if (*c != ' ' && *c != '+' && *c != '-')
            digits = -1000;
    }
    if (!number || digits < 2 || digits > 20)
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s must be a telephone number (digits, spaces, '+', '-'), not \"%s\"",
                            key, number ? number : "");
    return VG_OK;
}

static vg_status helplines(vg_server *srv, vg_public *pub, vg_error *err)
{
    vg_status st = VG_OK;
    for (int i = 1; st == VG_OK && i <= VG_PUBLIC_MAX_HELPLINES; i++) {
        char key[64];
        vg_public_helpline *h = &pub->helplines[pub->helpline_count];
        snprintf(key, sizeof key, "helpline.%d.name", i);
        if (!vg_config_get(srv->config, key, NULL))
            continue;
        if ((st = setting(srv, key, NULL, &h->name, err)) != VG_OK)
            break;
        pub->helpline_count++;
        snprintf(key, sizeof key, "helpline.%d.number", i);
        if ((st = setting(srv, key, NULL, &h->number, err)) != VG_OK ||
            (st = check_number(key, h->number, err)) != VG_OK)
            break;
        snprintf(key, sizeof key, "helpline.%d.url", i);
        if ((st = setting(srv, key, NULL, &h->url, err)) != VG_OK ||
            (st = check_url(key, h->url, err)) != VG_OK)
            break;
        snprintf(key, sizeof key, "helpline.%d.for", i);
        if ((st = setting(srv, key, "children", &h->topic, err)) != VG_OK)
            break;
        if (strcmp(h->topic, "children") && strcmp(h->topic, "online"))
            st = vg_error_set(err, VG_ERR_INVALID, "%s is children or online, not \"%s\"", key,
                              h->topic);
    }
    return st;
}

/* blocklist.help: "name|number|url" entries separated by ';', number or
 * url left empty when a service has none. */
static vg_status stop_help(vg_server *srv, vg_public *pub, vg_error *err)
{
    const char *text = vg_config_get(srv->config, "blocklist.help", NULL);
    vg_status st = VG_OK;
    while (st == VG_OK && text && *text) {
        size_t len = strcspn(text, ";");
        char entry[512];
        if (len >= sizeof entry)
            return vg_error_set(err, VG_ERR_INVALID,
                                "a blocklist.help entry is at most %zu bytes", sizeof entry - 1);
        snprintf(entry, sizeof entry, "%.*s", (int)len, text);
        text += len + (text[len] == ';');
        char *parts[3] = {NULL, NULL, NULL}, *rest = entry;
        for (size_t i = 0; i < 3; i++) {
            char *bar = strchr(rest, '|');
            if (bar)
                *bar = 0;
            char *start = rest, *end = rest + strlen(rest);
            while (*start == ' ' || *start == '\t')
                start++;
            while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                *--end = 0;
            parts[i] = *start ? start : NULL;
            if (!bar)
                break;
            rest = bar + 1;
        }
        if (!parts[0] && !parts[1] && !parts[2])
            continue;
        if (pub->stop_help_count == VG_PUBLIC_MAX_HELPLINES)
            return vg_error_set(err, VG_ERR_INVALID, "blocklist.help has at most %d services",
                                VG_PUBLIC_MAX_HELPLINES);
        if (!parts[0] || (!parts[1] && !parts[2]))
            return vg_error_set(err, VG_ERR_INVALID,
                                "blocklist.help entries are \"name|number|url\" with a name and "
                                "a number or an address, not \"%s\"",
                                entry);
        if ((parts[1] && (st = check_number("blocklist.help", parts[1], err)) != VG_OK) ||
            (parts[2] && (st = check_url("blocklist.help", parts[2], err)) != VG_OK))
            return st;
        vg_public_helpline *h = &pub->stop_help[pub->stop_help_count++];
        if (!(h->name = strdup(parts[0])) || (parts[1] && !(h->number = strdup(parts[1]))) ||
            (parts[2] && !(h->url = strdup(parts[2]))))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    return st;
}

/* The key sealing receipts: derived from the server's secret, so every
 * node of a deployment opens what another sealed, and no receipt outlives
 * a change of that secret. */
static vg_status receipt_sealer(vg_server *srv, vg_public *pub, vg_error *err)
{
    static const char label[] = "vigie receipt view v1";
    char secret[65], derived[65];
    unsigned char key[32];
    vg_status st = vg_hotline_secret(srv->hotline, secret, err);
    if (st == VG_OK) {
        vg_hmac_sha256_hex(secret, 64, label, sizeof label - 1, derived);
        if (vg_hex_decode(derived, key, sizeof key) != VG_OK)
            st = vg_error_set(err, VG_ERR_CORRUPT, "the receipt key could not be made");
    }
    if (st == VG_OK)
        st = vg_sealer_from_key(key, &pub->receipts, err);
    vg_secure_wipe(secret, sizeof secret);
    vg_secure_wipe(derived, sizeof derived);
    vg_secure_wipe(key, sizeof key);
    return st;
}

vg_status vg_public_open(vg_server *srv, void **state, vg_error *err)
{
    vg_public *pub = calloc(1, sizeof *pub);
    if (!pub)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *state = pub;
    pub->hotline = srv->hotline;
    pub->i18n = srv->i18n;
    pub->max_request_bytes = srv->max_request_bytes;
    pub->store_client_address = srv->store_client_address;
    int64_t minutes = 0;
    vg_status st;
    if ((st = setting(srv, "public.name", NULL, &pub->name, err)) ||
        (st = setting(srv, "public.operator", NULL, &pub->operator_name, err)) ||
        (st = setting(srv, "public.operator_url", NULL, &pub->operator_url, err)) ||
        (st = check_url("public.operator_url", pub->operator_url, err)) ||
        (st = setting(srv, "public.contact", NULL, &pub->contact, err)) ||
        (st = setting(srv, "public.emergency_number", "112", &pub->emergency, err)) ||
        (st = check_number("public.emergency_number", pub->emergency, err)) ||
        (st = setting(srv, "public.quick_exit_url", "https://www.wikipedia.org/",
                      &pub->quick_exit, err)) ||
        (st = check_url("public.quick_exit_url", pub->quick_exit, err)) ||
        (st = setting(srv, "report.helpline_name", "Child Helpline International",
                      &pub->directory_name, err)) ||
        (st = setting(srv, "report.helpline_url",
                      "https://childhelplineinternational.org/helplines/", &pub->directory_url,
                      err)) ||
        (st = check_url("report.helpline_url", pub->directory_url, err)) ||
        (st = helplines(srv, pub, err)) || (st = stop_help(srv, pub, err)) ||
        (st = setting(srv, "blocklist.stop_host", NULL, &pub->stop_host, err)) ||
        (st = pub->stop_host && strpbrk(pub->stop_host, ":/ \t")
                  ? vg_error_set(err, VG_ERR_INVALID,
                                 "blocklist.stop_host is a host name, without a port or a "
                                 "path, not \"%s\"",
                                 pub->stop_host)
                  : VG_OK) ||
        (st = vg_config_int(srv->config, "public.check_back_days", 3, 1, 365,
                            &pub->check_back_days, err)) ||
        (st = vg_config_int(srv->config, "public.receipt_minutes", 15, 1, 120, &minutes, err)) ||
        (st = vg_config_int(srv->config, "transparency.suppress_below", 10, 1, 1000,
                            &pub->suppress_below, err)) ||
        (st = receipt_sealer(srv, pub, err)))
        return st;
    pub->receipt_seconds = minutes * 60;
    /* "Check again in N days" must not send people back before a decision
     * can show (status.reveal_hours). */
    int64_t reveal_days = (srv->hotline->reveal_seconds + 86399) / 86400;
    if (pub->check_back_days < reveal_days)
        pub->check_back_days = reveal_days;
    return VG_OK;
}

void vg_public_free(void *state)
{
    vg_public *pub = state;
    if (!pub)
        return;
    char *strings[] = {pub->name,           pub->operator_name, pub->operator_url,
                       pub->contact,        pub->emergency,     pub->quick_exit,
                       pub->directory_name, pub->directory_url, pub->stop_host};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    for (size_t i = 0; i < VG_PUBLIC_MAX_HELPLINES; i++) {
        free(pub->helplines[i].name);
        free(pub->helplines[i].number);
        free(pub->helplines[i].url);
        free(pub->helplines[i].topic);
        free(pub->stop_help[i].name);
        free(pub->stop_help[i].number);
        free(pub->stop_help[i].url);
    }
    vg_sealer_free(pub->receipts);
    free(pub);
}

vg_status vg_public_routes(vg_server *srv, void *state, vg_error *err)
{
    vg_public *pub = state;
    const vg_route routes[] = {
        {"GET", "/", VG_ROLE_NONE, 0, 0, vg_public_home_get, NULL, pub},
        {"GET", "/privacy", VG_ROLE_NONE, 0, 0, vg_public_privacy_get, NULL, pub},
        {"GET", "/report", VG_ROLE_NONE, 0, 0, vg_public_report_get, NULL, pub},
        {"POST", "/report", VG_ROLE_NONE, VG_ROUTE_CSRF | VG_ROUTE_FILES | VG_ROUTE_THROTTLED,
         pub->max_request_bytes, vg_public_report_post, vg_public_report_file, pub},
        {"GET", "/report/receipt", VG_ROLE_NONE, 0, 0, vg_public_receipt_get, NULL, pub},
        {"POST", "/report/receipt", VG_ROLE_NONE, VG_ROUTE_CSRF, 16384, vg_public_receipt_post,
         NULL, pub},
        {"GET", "/status", VG_ROLE_NONE, 0, 0, vg_public_status_get, NULL, pub},
        {"GET", "/transparency/report", VG_ROLE_NONE, 0, 0, vg_public_transparency_get, NULL, pub},
        {"POST", "/status", VG_ROLE_NONE, VG_ROUTE_CSRF | VG_ROUTE_THROTTLED, 16384,
         vg_public_status_post, NULL, pub},
        {"GET", "/notice", VG_ROLE_NONE, VG_ROUTE_PREFIX, 0, vg_public_notice_get, NULL, pub},
        {"POST", "/notice", VG_ROLE_NONE, VG_ROUTE_PREFIX | VG_ROUTE_CSRF | VG_ROUTE_THROTTLED,
         4096, vg_public_notice_post, NULL, pub},
        {"GET", "/stop", VG_ROLE_NONE, 0, 0, vg_public_stop_get, NULL, pub},
        /* room for the longest answers the form accepts, percent-encoded,
         * so an over-long one is said in words, not refused whole */
        {"POST", "/stop/appeal", VG_ROLE_NONE, VG_ROUTE_CSRF | VG_ROUTE_THROTTLED, 32768,
         vg_public_stop_appeal_post, NULL, pub},
    };
    vg_status st = vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
    /* The module's addresses, and every address no route serves (people
     * mistyping one are most likely the public), get its error pages. */
    static const struct {
        const char *path;
        unsigned flags;
    } own[] = {{"/", 0}, {"/privacy", 0}, {"/report", VG_ROUTE_PREFIX},
               {"/status", VG_ROUTE_PREFIX}, {"/transparency", VG_ROUTE_PREFIX},
               {"/stop", VG_ROUTE_PREFIX}, {NULL, 0}};
    for (size_t i = 0; st == VG_OK && i < sizeof own / sizeof own[0]; i++)
        st = vg_http_add_error_page(srv->http, own[i].path, own[i].flags, vg_public_error_hook,
                                    pub, err);
    if (st == VG_OK && pub->stop_host)
        st = vg_http_set_host_path(srv->http, pub->stop_host, "/stop", err);
    return st;
}
