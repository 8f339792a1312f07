/*
 * src/server/server.c - assemble the server from its configuration
 * (server.h): the store and the hotline, the HTTP layer with who is who,
 * the modules, and the background jobs.
 */
#include "server/server.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/accounts.h"
#include "hotline/alerts.h"
#include "hotline/audit.h"
#include "util/secure.h"
#include "vigie/digest.h"

/* ---- who is calling ------------------------------------------------------ */

static int64_t session_expiry(void *ctx, int64_t created_at, int64_t now)
{
    return vg_server_session_expiry(ctx, created_at, now);
}

/* The HTTP layer's identity callback: a partner key, or a person's session. */
static unsigned identify(void *ctx, const char *bearer, const char *session, vg_http_identity *out)
{
    vg_server *srv = ctx;
    char hash[65];
    int found = 0;
    if (bearer) {
        vg_sha256_hex(bearer, strlen(bearer), hash);
        vg_api_key k;
        if (vg_hotline_api_key(srv->hotline, hash, &k, &found, NULL) != VG_OK)
            return 503;
        if (!found)
            return 401;
        unsigned refuse = k.revoked ? 401 : 0;
        if (!refuse) {
            out->role = VG_ROLE_PARTNER;
            out->api_key_id = k.id;
            snprintf(out->org, sizeof out->org, "%s", k.org ? k.org : "");
            out->rate = k.rate;
            out->scopes = k.scopes;
        }
        vg_api_key_clear(&k);
        return refuse;
    }
    vg_sha256_hex(session, 64, hash);
    vg_session ses;
    vg_account acc;
    if (vg_hotline_session_identify(srv->hotline, hash, (int64_t)time(NULL), session_expiry, srv,
                                    &ses, &acc, &found, NULL) != VG_OK)
        return 503;
    if (!found)
        return 0;
    snprintf(out->csrf, sizeof out->csrf, "%s", ses.csrf_token ? ses.csrf_token : "");
    if (ses.totp_pending) {
        out->pending_account_id = acc.id;
    } else {
        out->role = acc.role;
        out->account_id = acc.id;
        snprintf(out->username, sizeof out->username, "%s", acc.username);
        if (acc.language && strlen(acc.language) < sizeof out->language)
            snprintf(out->language, sizeof out->language, "%s", acc.language);
    }
    vg_session_clear(&ses);
    vg_account_clear(&acc);
    return 0;
}

/* ---- logging and audit ------------------------------------------------------ */

static void server_log(void *ctx, const char *line)
{
    (void)ctx;
    /* One write per line so lines of concurrent requests never interleave. */
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (!buf)
        return;
    memcpy(buf, line, n);
    buf[n] = '\n';
    fwrite(buf, 1, n + 1, stderr);
    fflush(stderr);
    free(buf);
}

/* A configuration change is a security event (hotline/audit.h). */
static vg_status audit_configuration(vg_server *srv, vg_error *err)
{
    json_t *now = json_object();
    const char *key, *value;
    for (size_t i = 0; now && vg_config_entry(srv->config, i, &key, &value); i++)
        json_object_set_new(now, key, json_string(value));
    char *text = now ? json_dumps(now, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(now);
    vg_status st = text ? vg_hotline_config_seen(srv->hotline, text, (int64_t)time(NULL), err)
                        : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(text);
    return st;
}

/* A key file inside the data directory makes a copy of that directory a
 * copy of everything (docs/security.md#keys): say so at start. */
static void warn_key_location(vg_server *srv, const char *setting, const char *file_name)
{
    const char *given = vg_config_get(srv->config, setting, NULL);
    char path[4096];
    if (!given &&
        snprintf(path, sizeof path, "%s/%s", srv->data_dir, file_name) >= (int)sizeof path)
        return;
    char *copy = strdup(given ? given : path);
    char *key_dir = NULL, *data = realpath(srv->data_dir, NULL);
    if (copy) {
        char *slash = strrchr(copy, '/');
        if (slash)
            *slash = 0;
        key_dir = realpath(slash ? (copy[0] ? copy : "/") : ".", NULL);
    }
    if (key_dir && data && !strncmp(key_dir, data, strlen(data)) &&
        (key_dir[strlen(data)] == 0 || key_dir[strlen(data)] == '/')) {
        json_t *fields =
            json_pack("{s:s, s:s}", "setting", setting, "see", "docs/security.md#keys");
        vg_http_log_json(srv->http, "warning",
                         "a key file sits in the data directory: a copy of it is a copy of "
                         "everything; move the key elsewhere",
                         fields);
        json_decref(fields);
    }
    free(copy);
    free(key_dir);
    free(data);
}

/* ---- opening ---------------------------------------------------------------- */

static vg_status http_options(vg_server *srv, vg_http_options *opt, vg_error *err)
{
    vg_config *cfg = srv->config;
    int64_t max_conn, per_ip, timeout, header_timeout, rate, hours, idle_minutes, slots,
        public_per_minute, public_burst, source_failures, source_concurrent;
    uint64_t body_limit, buffered_limit, min_body_rate;
    int secure = 1;
    vg_status st;
    if ((st = vg_config_int(cfg, "http.max_connections", 512, 1, 100000, &max_conn, err)) ||
        (st = vg_config_int(cfg, "http.per_ip_connections", 64, 0, 100000, &per_ip, err)) ||
        (st = vg_config_int(cfg, "http.connection_timeout", 30, 1, 3600, &timeout, err)) ||
        (st = vg_config_int(cfg, "http.header_timeout", 10, 1, 3600, &header_timeout, err)) ||
        (st = vg_config_size(cfg, "http.min_body_rate", 4096, 1ull << 30, &min_body_rate, err)) ||
        (st = vg_config_size(cfg, "http.body_limit", 1 << 20, 1ull << 40, &body_limit, err)) ||
        (st = vg_config_size(cfg, "http.buffered_body_limit", 1 << 20, 1ull << 30, &buffered_limit,
                             err)) ||
        (st = vg_config_int(cfg, "http.public_per_minute", 12, 1, 1000000, &public_per_minute,
                            err)) ||
        (st = vg_config_int(cfg, "http.public_burst", 20, 1, 1000000, &public_burst, err)) ||
        (st = vg_config_bool(cfg, "http.secure_cookies", 1, &secure, err)) ||
        (st = vg_config_int(cfg, "api.default_rate", 10, 1, 10000000, &rate, err)) ||
        (st = vg_config_int(cfg, "session.hours", 8, 1, 24 * 30, &hours, err)) ||
        (st = vg_config_int(cfg, "session.idle_minutes", 30, 0, 24 * 60, &idle_minutes, err)) ||
        (st = vg_config_int(cfg, "login.source_failures", 10, 1, 100000, &source_failures, err)) ||
        (st = vg_config_int(cfg, "login.source_concurrent", 2, 1, 1000, &source_concurrent, err)) ||
        (st = vg_config_int(cfg, "login.concurrent_checks", 4, 1, 256, &slots, err)) ||
        (st = vg_config_bool(cfg, "privacy.store_client_address", 0, &srv->store_client_address,
                             err)) ||
        (st = vg_config_size(cfg, "intake.max_request_bytes", 256ull << 20, 1ull << 40,
                             &srv->max_request_bytes, err)))
        return st;
    srv->login_slots = (int)slots;
    srv->session_seconds = hours * 3600;
    srv->session_idle_seconds = idle_minutes * 60;
    /* One client: login.source_concurrent password checks at a time, and
     * after login.source_failures failures a pause that doubles each time. */
    vg_throttle_rule sources = {.max_in_flight = (int)source_concurrent,
                                .max_failures = (int)source_failures,
                                .block_seconds = 60,
                                .max_block_seconds = 3600};
    if ((st = vg_throttle_new(&sources, 16384, &srv->login_sources, err)) != VG_OK)
        return st;
    opt->log = server_log;
    opt->listen = vg_config_get(cfg, "listen", "127.0.0.1:8080");
    opt->tls_cert_file = vg_config_get(cfg, "tls.cert", NULL);
    opt->tls_key_file = vg_config_get(cfg, "tls.key", NULL);
    opt->max_connections = (unsigned)max_conn;
    opt->per_ip_connections = (unsigned)per_ip;
    opt->connection_timeout = (unsigned)timeout;
    opt->header_timeout = (unsigned)header_timeout;
    opt->min_body_rate = min_body_rate;
    opt->body_limit = body_limit;
    opt->buffered_limit = buffered_limit;
    opt->public_rate = (double)public_per_minute / 60.0;
    opt->public_burst = (double)public_burst;
    opt->trusted_proxies = vg_config_get(cfg, "http.trusted_proxies", NULL);
    opt->secure_cookies = secure;
    opt->store_client_address = srv->store_client_address;
    opt->default_api_rate = (uint32_t)rate;
    opt->identify = identify;
    opt->identify_ctx = srv;
    return VG_OK;
}

vg_status vg_server_open(vg_config *cfg, vg_server **out, vg_error *err)
{
    *out = NULL;
    vg_status st = vg_secure_init(err);
    if (st != VG_OK) {
        vg_config_free(cfg);
        return st;
    }
    vg_server *srv = calloc(1, sizeof *srv);
    void **states = calloc(vg_server_module_count, sizeof *states);
    if (!srv || !states) {
        free(srv);
        free(states);
        vg_config_free(cfg);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    srv->config = cfg;
    srv->states = states;
    pthread_mutex_init(&srv->login_lock, NULL);
    pthread_cond_init(&srv->login_cond, NULL);
    const char *dir = vg_config_get(cfg, "data_dir", NULL);
    srv->data_dir = dir ? strdup(dir) : NULL;
    vg_http_options opt = {0};
    if ((st = http_options(srv, &opt, err)) != VG_OK ||
        (st = vg_password_hash("vigie: no such account", srv->dummy_hash, err)) != VG_OK ||
        (st = vg_i18n_load(&srv->i18n, err)) != VG_OK) {
        vg_server_free(srv);
        return st;
    }
    vg_hotline_options ho = {.with_evidence = 1, .with_alerts = 1};
    if ((st = vg_hotline_open(cfg, &ho, &srv->hotline, err)) != VG_OK ||
        (st = vg_hotline_seal_secrets(srv->hotline, (int64_t)time(NULL), NULL, err)) != VG_OK) {
        vg_server_free(srv);
        return st;
    }
    /* Notices to hosts speak the hosts' languages from the same catalogues. */
    srv->hotline->words = vg_i18n_words;
    srv->hotline->words_ctx = srv->i18n;
    /* The HMAC key of CSRF tokens: the server's secret, made once and kept
     * with the data, so forms stay valid across restarts. */
    char secret[65];
    if ((st = vg_hotline_secret(srv->hotline, secret, err)) == VG_OK) {
        opt.secret_hex = secret;
        st = vg_http_new(&opt, srv, &srv->http, err);
        memset(secret, 0, sizeof secret);
    }
    for (size_t i = 0; st == VG_OK && i < vg_server_module_count; i++) {
        const vg_module *m = &vg_server_modules[i];
        if (m->open)
            st = m->open(srv, &srv->states[i], err);
        if (st == VG_OK)
            st = m->routes(srv, srv->states[i], err);
        if (st != VG_OK)
            vg_error_prefix(err, "%s: ", m->name);
    }
    if (st == VG_OK)
        st = audit_configuration(srv, err);
    if (st != VG_OK) {
        vg_server_free(srv);
        return st;
    }
    if (srv->hotline->alerting && srv->hotline->alerting->outbound.allow_local)
        vg_http_log(srv->http, "warning",
                    "alerts.test_allow_local is on: alerts may go to loopback and private "
                    "addresses without TLS; a setting for tests only");
    warn_key_location(srv, "vault.key_file", "vault.key");
    warn_key_location(srv, "secrets.key_file", "secrets.key");
    for (size_t i = 0; vg_config_unused(cfg, i); i++) {
        json_t *fields = json_pack("{s:s}", "setting", vg_config_unused(cfg, i));
        vg_http_log_json(srv->http, "warning", "unknown setting ignored", fields);
        json_decref(fields);
    }
    *out = srv;
    return VG_OK;
}

vg_status vg_server_start(vg_server *srv, uint16_t *port, vg_error *err)
{
    uint16_t bound = 0;
    vg_status st = vg_http_start(srv->http, &bound, err);
    if (st != VG_OK)
        return st;
    if (port)
        *port = bound;
    json_t *fields = json_pack("{s:i, s:i}", "port", (int)bound, "schema",
                               vg_hotline_schema_version(srv->hotline));
    vg_http_log_json(srv->http, "info", "listening", fields);
    json_decref(fields);
    return VG_OK;
}

void vg_server_stop(vg_server *srv, unsigned grace_seconds)
{
    if (srv && srv->http)
        vg_http_stop(srv->http, grace_seconds);
}

void vg_server_free(vg_server *srv)
{
    if (!srv)
        return;
    vg_http_free(srv->http); /* stops serving first */
    for (size_t i = vg_server_module_count; i-- > 0;)
        if (vg_server_modules[i].free && srv->states[i])
            vg_server_modules[i].free(srv->states[i]);
    free(srv->states);
    vg_hotline_free(srv->hotline); /* then flushes the store's writer */
    vg_config_free(srv->config);
    vg_i18n_free(srv->i18n);
    vg_throttle_free(srv->login_sources);
    pthread_mutex_destroy(&srv->login_lock);
    pthread_cond_destroy(&srv->login_cond);
    free(srv->data_dir);
    free(srv);
}
