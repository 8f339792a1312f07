/*
 * src/web/http.c - routes, callers, bodies and responses over
 * libmicrohttpd (see http.h for the contract).
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers (we route, identify the caller and check the role there,
 * so a refused request never gets its body read), once per body chunk, and
 * once at the end (CSRF check, handler, response). Each connection has its
 * own thread: a handler waiting for a group commit stalls only its own
 * client, and the writer gathers every waiting request into one commit.
 */
#include "web/http.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util/form.h"
#include "web/address.h"
#include "util/secure.h"
#include "web/throttle.h"
#include "vigie/digest.h"

#define SESSION_COOKIE "vigie_session"
#define CSRF_COOKIE "vigie_csrf"
#define MAX_HEADERS_OUT 16
#define RATE_SLOTS 64

/* Latency histogram bounds, seconds (Prometheus "le" labels). */
static const double latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,   0.5,   1,    2.5,   5};
#define LATENCY_BUCKETS (sizeof latency_bounds / sizeof latency_bounds[0])

typedef struct route_stats {
    atomic_uint_fast64_t requests;
} route_stats;

/* Who words the refusals of the requests below a path prefix. */
typedef struct refusal_style {
    char *prefix;
    vg_http_refuse_fn fn;
} refusal_style;

typedef struct rate_bucket {
    int64_t key_id;
    double tokens, last;
    struct rate_bucket *next;
} rate_bucket;

/* One open connection, watched until its request's headers are in: a
 * client that trickles header bytes is cut off after header_timeout. */
typedef struct conn_watch {
    int fd;
    double since; /* opened, or last answered */
    int busy;     /* headers complete: the request is being served */
    int cut;      /* already shut down by the watchdog */
    struct conn_watch *prev, *next;
} conn_watch;

/* Who renders the error pages of an address (vg_http_add_error_page). */
typedef struct error_pages {
    char *path; /* NULL: addresses no route serves */
    unsigned flags;
    vg_http_error_fn fn;
    void *ctx;
} error_pages;

struct vg_http {
    vg_http_options opt;
    char *listen, *tls_cert, *tls_key;
    unsigned char secret[32];
    void *app;
    struct MHD_Daemon *daemon;
    vg_route *routes;
    route_stats *route_stats;
    size_t route_count;
    refusal_style *styles;
    size_t style_count;
    error_pages *error_pages;
    size_t error_page_count;
    char *host_only, *host_path; /* vg_http_set_host_path, or NULL */
    atomic_int in_flight;
    atomic_uint_fast64_t by_class[6]; /* index: status / 100 */
    atomic_uint_fast64_t latency[LATENCY_BUCKETS + 1];
    atomic_uint_fast64_t latency_sum_us, unrouted;
    pthread_mutex_t rate_lock, log_lock;
    rate_bucket *rate[RATE_SLOTS];
    vg_throttle *public_throttle;
    vg_net_list proxies; /* http.trusted_proxies */
    /* the watchdog of slow requests */
    pthread_mutex_t watch_lock;
    pthread_cond_t watch_cond;
    conn_watch *watched;
    pthread_t watchdog;
    int watchdog_running, watchdog_stop;
};

struct vg_http_request {
    vg_http *http;
    struct MHD_Connection *conn;
    const vg_route *route;
    size_t route_index;
    const char *method, *path;
    struct timespec start;

    vg_params cookies, params;
    int cookies_parsed;
    vg_http_caller caller;
    char actor[64];
    char language[16]; /* caller.language's */
    char *username, *org, *session_csrf, *anon_csrf;
    int64_t pending_account_id;
    char client[INET6_ADDRSTRLEN + 2];
    char client_limits[INET6_ADDRSTRLEN + 2];
    int close_after;   /* answer with Connection: close */
    uint32_t api_rate; /* the partner key's requests a second */

    /* body */
    uint64_t limit, received;
    char *body;
    size_t body_len, body_cap;
    int is_urlencoded, is_multipart;
    struct MHD_PostProcessor *pp;
    char *field_name, *field_value;
    size_t field_len, field_cap;
    unsigned fail_status;
    char fail_message[VG_ERROR_MESSAGE_MAX];
    int responded;
    int in_error_page; /* a module's error page is being made: no second one */

    /* response */
    unsigned status;
    unsigned answers; /* how many times the response was set */
    char *out, *out_type;
    size_t out_len;
    char *headers[MAX_HEADERS_OUT][2];
    size_t header_count;

    void *state;
    void (*cleanup)(void *);
};

/* ---- logging ---------------------------------------------------------- */

static void log_line(vg_http *http, const char *line)
{
    if (http->opt.log) {
        http->opt.log(http->opt.log_ctx, line);
        return;
    }
    pthread_mutex_lock(&http->log_lock);
    fputs(line, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&http->log_lock);
}

void vg_http_log_json(vg_http *http, const char *level, const char *msg, json_t *fields)
{
    char ts[40];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
    json_t *o = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level, "msg", msg);
    if (!o)
        return;
    if (json_is_object(fields))
        json_object_update(o, fields);
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (line) {
        log_line(http, line);
        free(line);
    }
}

void vg_http_log(vg_http *http, const char *level, const char *msg)
{
    vg_http_log_json(http, level, msg, NULL);
}

/* ---- the request: reading --------------------------------------------- */

const char *vg_http_method(const vg_http_request *req)
{
    return req->method;
}
const char *vg_http_path(const vg_http_request *req)
{
    return req->path;
}

const char *vg_http_path_below(const vg_http_request *req, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *path = req->path;
    return !strncmp(path, prefix, n) && path[n] == '/' ? path + n + 1 : "";
}

const char *vg_http_query(vg_http_request *req, const char *name)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    /* Query strings are attacker text like any other: refuse non-UTF-8. */
    return v && vg_utf8_valid(v, strlen(v)) ? v : NULL;
}

const char *vg_http_param(vg_http_request *req, const char *name)
{
    return vg_params_get(&req->params, name);
}

size_t vg_http_params(vg_http_request *req, const char *name, const char **values, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < req->params.count; i++)
        if (!strcmp(req->params.names[i], name)) {
            if (n < max)
                values[n] = req->params.values[i];
            n++;
        }
    return n;
}

const char *vg_http_header(vg_http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *vg_http_cookie(vg_http_request *req, const char *name)
{
    if (!req->cookies_parsed) {
        req->cookies_parsed = 1;
        const char *h = vg_http_header(req, "Cookie");
        if (h)
            vg_cookie_parse(h, &req->cookies, NULL);
    }
    return vg_params_get(&req->cookies, name);
}

/* The peer's address as text into out (INET6_ADDRSTRLEN + 2 bytes); "" when
 * libmicrohttpd cannot tell. */
static void peer_address(vg_http_request *req, char *out, size_t cap)
{
    out[0] = 0;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

const char *vg_http_client_for_limits(vg_http_request *req)
{
    if (req->client_limits[0])
        return req->client_limits;
    char peer[INET6_ADDRSTRLEN + 2];
    peer_address(req, peer, sizeof peer);
    return vg_address_client(&req->http->proxies, peer, vg_http_header(req, "X-Forwarded-For"),
                             req->client_limits, sizeof req->client_limits);
}

const char *vg_http_client_address(vg_http_request *req)
{
    if (!req->http->opt.store_client_address)
        return NULL;
    if (!req->client[0])
        snprintf(req->client, sizeof req->client, "%s", vg_http_client_for_limits(req));
    return req->client[0] ? req->client : NULL;
}

const char *vg_http_body(vg_http_request *req, size_t *len)
{
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

const vg_http_caller *vg_http_caller_of(vg_http_request *req)
{
    return &req->caller;
}
const char *vg_http_actor(vg_http_request *req)
{
    return req->actor;
}
int64_t vg_http_pending_account(vg_http_request *req)
{
    return req->pending_account_id;
}
void *vg_http_app(vg_http_request *req)
{
    return req->http->app;
}
void *vg_http_route_ctx(vg_http_request *req)
{
    return req->route ? req->route->ctx : NULL;
}
vg_http *vg_http_server(vg_http_request *req)
{
    return req->http;
}

void vg_http_set_state(vg_http_request *req, void *state, void (*cleanup)(void *state))
{
    req->state = state;
    req->cleanup = cleanup;
}
void *vg_http_state(vg_http_request *req)
{
    return req->state;
}

/* ---- CSRF ------------------------------------------------------------- */

static void anon_token(vg_http *http, const char *cookie, char out[65])
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "csrf:%s", cookie);
    vg_hmac_sha256_hex(http->secret, sizeof http->secret, msg, (size_t)n, out);
}

const char *vg_http_csrf_token(vg_http_request *req)
{
    if (req->session_csrf)
        return req->session_csrf;
    if (req->anon_csrf)
        return req->anon_csrf;
    const char *cookie = vg_http_cookie(req, CSRF_COOKIE);
    char fresh[65];
    if (!cookie || strlen(cookie) != 64) {
        vg_random_hex(fresh, 32);
        vg_http_set_cookie(req, CSRF_COOKIE, fresh, -1);
        cookie = fresh;
    }
    char token[65];
    anon_token(req->http, cookie, token);
    req->anon_csrf = strdup(token);
    return req->anon_csrf;
}

/* The token this caller's forms must carry; NULL when it has none yet. */
static int csrf_ok(vg_http_request *req)
{
    const char *sent = vg_http_param(req, "csrf_token");
    if (!sent)
        return 0;
    if (req->session_csrf)
        return vg_secure_equal(sent, req->session_csrf);
    const char *cookie = vg_http_cookie(req, CSRF_COOKIE);
    if (!cookie || strlen(cookie) != 64)
        return 0;
    char token[65];
    anon_token(req->http, cookie, token);
    return vg_secure_equal(sent, token);
}

/* ---- the response ----------------------------------------------------- */

void vg_http_respond(vg_http_request *req, unsigned status, const char *content_type,
                     const void *body, size_t len)
{
    free(req->out);
    free(req->out_type);
    req->out = malloc(len ? len : 1);
    req->out_type = strdup(content_type ? content_type : "text/plain; charset=utf-8");
    if (req->out && len)
        memcpy(req->out, body, len);
    req->out_len = req->out ? len : 0;
    req->status = req->out && req->out_type ? status : 500;
    req->answers++;
}

void vg_http_html(vg_http_request *req, unsigned status, const char *html)
{
    vg_http_respond(req, status, "text/html; charset=utf-8", html, strlen(html));
}

void vg_http_text(vg_http_request *req, unsigned status, const char *text)
{
    vg_http_respond(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

void vg_http_json(vg_http_request *req, unsigned status, const void *json)
{
    char *text = json_dumps((const json_t *)json, JSON_COMPACT);
    if (!text) {
        vg_http_text(req, 500, "out of memory");
        return;
    }
    vg_http_respond(req, status, "application/json", text, strlen(text));
    free(text);
}

void vg_http_json_error(vg_http_request *req, unsigned status, const char *code, const char *fmt,
                        ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    if (!o) {
        vg_http_text(req, status, message);
        return;
    }
    vg_http_json(req, status, o);
    json_decref(o);
}

char *vg_html_escape(const char *text)
{
    size_t n = 0;
    for (const char *s = text; *s; s++)
        n += *s == '&' ? 5 : *s == '<' || *s == '>' ? 4 : *s == '"' || *s == '\'' ? 6 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *s = text; *s; s++) {
        const char *rep = *s == '&'    ? "&amp;"
                          : *s == '<'  ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&#x27;"
                                       : NULL;
        if (rep) {
            size_t k = strlen(rep);
            memcpy(o, rep, k);
            o += k;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
    return out;
}

static const char *reason(unsigned status)
{
    switch (status) {
    case 400: return "Bad request";
    case 401: return "Sign-in needed";
    case 403: return "Not allowed";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 408: return "Too slow";
    case 413: return "Too large";
    case 415: return "Unsupported content type";
    case 429: return "Too many requests";
    case 500: return "Server error";
    case 503: return "Unavailable";
    default: return "Error";
    }
}

static int path_matches(const char *route_path, unsigned flags, const char *path);

/* The module that renders req's error pages, or NULL. */
static const error_pages *error_pages_for(const vg_http_request *req)
{
    const error_pages *best = NULL, *unrouted = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < req->http->error_page_count; i++) {
        const error_pages *e = &req->http->error_pages[i];
        if (!e->path) {
            unrouted = unrouted ? unrouted : e;
            continue;
        }
        size_t n = strlen(e->path);
        if (req->path && path_matches(e->path, e->flags, req->path) && (!best || n > best_len)) {
            best = e;
            best_len = n;
        }
    }
    return best ? best : req->route ? NULL : unrouted;
}

void vg_http_error_page(vg_http_request *req, unsigned status, const char *message)
{
    const error_pages *own = req->in_error_page ? NULL : error_pages_for(req);
    if (own) {
        unsigned before = req->answers;
        req->in_error_page = 1;
        own->fn(own->ctx, req, status, message);
        req->in_error_page = 0;
        /* Its page, unless making it failed (a plain 500 then): the plain
         * page of the status asked for is better. */
        if (req->answers != before && (req->status != 500 || status == 500))
            return;
    }
    char *esc = vg_html_escape(message ? message : "");
    char page[2048];
    snprintf(page, sizeof page,
             "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             "<title>%s</title></head><body><main><h1>%s</h1><p>%s</p>%s"
             "<p><a href=\"/\">Home</a></p></main></body></html>\n",
             reason(status), reason(status), esc ? esc : "",
             status == 401 ? "<p><a href=\"/login\">Sign in</a></p>" : "");
    free(esc);
    vg_http_html(req, status, page);
}

void vg_http_redirect(vg_http_request *req, const char *location)
{
    /* Only local paths: a redirect never sends people elsewhere. */
    if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\' ||
        strpbrk(location, "\r\n"))
        location = "/";
    vg_http_add_header(req, "Location", location);
    vg_http_respond(req, 303, "text/plain; charset=utf-8", "See other\n", 10);
}

void vg_http_add_header(vg_http_request *req, const char *name, const char *value)
{
    if (req->header_count >= MAX_HEADERS_OUT || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return;
    }
    req->headers[req->header_count][0] = n;
    req->headers[req->header_count][1] = v;
    req->header_count++;
}

void vg_http_set_cookie_at(vg_http_request *req, const char *name, const char *value, int max_age,
                           const char *path)
{
    char line[1024], age[48] = "";
    if (max_age >= 0)
        snprintf(age, sizeof age, "; Max-Age=%d", max_age);
    if (strpbrk(value, ";, \t\r\n\"\\") || strpbrk(name, "=;, \t\r\n") || !path ||
        path[0] != '/' || strpbrk(path, ";, \t\r\n"))
        return;
    int n = snprintf(line, sizeof line, "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s", name,
                     max_age == 0 ? "" : value, path,
                     req->http->opt.secure_cookies ? "; Secure" : "", age);
    if (n > 0 && (size_t)n < sizeof line)
        vg_http_add_header(req, "Set-Cookie", line);
}

void vg_http_set_cookie(vg_http_request *req, const char *name, const char *value, int max_age)
{
    vg_http_set_cookie_at(req, name, value, max_age, "/");
}

static void fail(vg_http_request *req, unsigned status, const char *message)
{
    if (req->fail_status)
        return;
    req->fail_status = status;
    snprintf(req->fail_message, sizeof req->fail_message, "%s", message);
}

/* The style of refusals for path: that of the longest prefix, or NULL. */
static const refusal_style *refusal_for(const vg_http *http, const char *path)
{
    const refusal_style *best = NULL;
    for (size_t i = 0; path && i < http->style_count; i++) {
        size_t n = strlen(http->styles[i].prefix);
        if (!strncmp(path, http->styles[i].prefix, n) && (!best || n > strlen(best->prefix)))
            best = &http->styles[i];
    }
    return best;
}

/* A refusal in the style of its address: its own, or JSON for APIs, a
 * page for people. */
static void respond_error(vg_http_request *req, unsigned status, const char *message)
{
    const refusal_style *style = refusal_for(req->http, req->path);
    if (style) {
        style->fn(req, status, message);
        return;
    }
    /* API clients (they send a key, or call an API address) read JSON. */
    int json = vg_http_header(req, "Authorization") != NULL || !strncmp(req->path, "/api/", 5);
    if (req->route && (req->route->role == VG_ROLE_PARTNER || (req->route->flags & VG_ROUTE_RAW)))
        json = 1;
    if (json) {
        const char *code = status == 401   ? "unauthenticated"
                           : status == 403 ? "forbidden"
                           : status == 404 ? "not_found"
                           : status == 405 ? "method_not_allowed"
                           : status == 413 ? "too_large"
                           : status == 429 ? "rate_limited"
                           : status >= 500 ? "server_error"
                                           : "bad_request";
        vg_http_json_error(req, status, code, "%s", message);
    } else {
        vg_http_error_page(req, status, message);
    }
}

/* libmicrohttpd's own messages (malformed requests it refused itself)
 * become structured log lines like ours. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
        msg[--n] = 0;
    json_t *fields = json_pack("{s:s}", "detail", msg);
    vg_http_log_json(cls, "info", "http", fields);
    json_decref(fields);
}

static enum MHD_Result send_response(vg_http_request *req)
{
    if (req->responded)
        return MHD_YES;
    req->responded = 1;
    if (!req->status)
        vg_http_error_page(req, 500, "The page produced no answer.");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(req->out_len, req->out, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", req->out_type ? req->out_type : "text/plain");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    /* no-store unless the handler chose (public, immutable files: the
     * transparency log's tiles) */
    int cache_chosen = 0;
    for (size_t i = 0; i < req->header_count; i++)
        cache_chosen |= !strcasecmp(req->headers[i][0], "Cache-Control");
    if (!cache_chosen)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'self' 'unsafe-inline'; "
                            "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'");
    for (size_t i = 0; i < req->header_count; i++)
        MHD_add_response_header(resp, req->headers[i][0], req->headers[i][1]);
    if (req->close_after)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result r = MHD_queue_response(req->conn, req->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_error(vg_http_request *req, unsigned status, const char *message)
{
    respond_error(req, status, message);
    return send_response(req);
}

/* ---- routing and callers ---------------------------------------------- */

static int path_matches(const char *route_path, unsigned flags, const char *path)
{
    size_t n = strlen(route_path);
    if (strncmp(path, route_path, n) != 0)
        return 0;
    if (path[n] == 0)
        return 1;
    return (flags & VG_ROUTE_PREFIX) && (path[n] == '/' || route_path[n - 1] == '/');
}

/* The route for method and path; *path_known = 1 when another method has one. */
static const vg_route *find_route(vg_http *http, const char *method, const char *path,
                                  size_t *index, int *path_known)
{
    int head = !strcmp(method, "HEAD");
    *path_known = 0;
    for (size_t i = 0; i < http->route_count; i++) {
        const vg_route *r = &http->routes[i];
        if (!path_matches(r->path, r->flags, path))
            continue;
        if (!strcmp(r->method, method) || (head && !strcmp(r->method, "GET"))) {
            *index = i;
            return r;
        }
        *path_known = 1;
    }
    return NULL;
}

/* Rate limiting of partner keys: a token bucket per key, refilled at the
 * key's rate, holding one second's worth. */
static int rate_allows(vg_http *http, int64_t key_id, uint32_t rate)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    size_t slot = (size_t)key_id % RATE_SLOTS;
    int ok = 1;
    pthread_mutex_lock(&http->rate_lock);
    rate_bucket *b = http->rate[slot];
    while (b && b->key_id != key_id)
        b = b->next;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (b) {
            b->key_id = key_id;
            b->tokens = rate;
            b->last = now;
            b->next = http->rate[slot];
            http->rate[slot] = b;
        }
    }
    if (b) {
        b->tokens += (now - b->last) * rate;
        if (b->tokens > rate)
            b->tokens = rate;
        b->last = now;
        if (b->tokens >= 1)
            b->tokens -= 1;
        else
            ok = 0;
    }
    pthread_mutex_unlock(&http->rate_lock);
    return ok;
}

/* The password of "Basic base64(user:password)" into out[cap]; 0 when
 * the credentials are malformed. The user name is ignored: a partner is
 * known by its key alone. */
static int basic_password(const char *credentials, char *out, size_t cap)
{
    unsigned char decoded[512];
    size_t len = 0;
    while (*credentials == ' ')
        credentials++;
    if (sodium_base642bin(decoded, sizeof decoded - 1, credentials, strlen(credentials), " ",
                          &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return 0;
    decoded[len] = 0;
    const unsigned char *colon = memchr(decoded, ':', len);
    size_t n = colon ? len - (size_t)(colon + 1 - decoded) : 0;
    int ok = colon && n > 0 && n < cap && !memchr(colon + 1, 0, n);
    if (ok) {
        memcpy(out, colon + 1, n);
        out[n] = 0;
    }
    sodium_memzero(decoded, sizeof decoded);
    return ok;
}

/* Fill req->caller through the identify callback, from a bearer key (or
 * Basic credentials on routes that take them) or a session cookie.
 * Returns 0, or an HTTP status to refuse with. */
static unsigned identify(vg_http_request *req)
{
    vg_http *http = req->http;
    snprintf(req->actor, sizeof req->actor, "anonymous");
    const char *auth =
        (req->route->flags & VG_ROUTE_OWN_AUTH) ? NULL : vg_http_header(req, "Authorization");
    const char *bearer = NULL;
    char password[256];
    if (auth) {
        if ((req->route->flags & VG_ROUTE_BASIC_AUTH) && !strncasecmp(auth, "Basic ", 6)) {
            if (!basic_password(auth + 6, password, sizeof password))
                return 401;
            bearer = password;
        } else if (strncasecmp(auth, "Bearer ", 7) != 0) {
            return 401;
        } else {
            bearer = auth + 7;
        }
        while (*bearer == ' ')
            bearer++;
    }
    const char *token = bearer ? NULL : vg_http_cookie(req, SESSION_COOKIE);
    if (token && strlen(token) != 64)
        token = NULL;
    if (!bearer && !token)
        return 0;
    vg_http_identity id;
    memset(&id, 0, sizeof id);
    unsigned refuse = http->opt.identify(http->opt.identify_ctx, bearer, token, &id);
    if (bearer == password)
        sodium_memzero(password, sizeof password);
    if (refuse)
        return refuse;
    if (id.api_key_id) {
        req->caller.role = VG_ROLE_PARTNER;
        req->caller.api_key_id = id.api_key_id;
        req->caller.scopes = id.scopes;
        req->org = strdup(id.org);
        req->caller.org = req->org;
        req->api_rate = id.rate ? id.rate : http->opt.default_api_rate;
        snprintf(req->actor, sizeof req->actor, "key:%" PRId64, id.api_key_id);
        return 0;
    }
    if (id.csrf[0])
        req->session_csrf = strdup(id.csrf);
    if (id.pending_account_id) {
        req->pending_account_id = id.pending_account_id;
    } else if (id.account_id) {
        req->caller.role = id.role;
        req->caller.account_id = id.account_id;
        req->username = strdup(id.username);
        req->caller.username = req->username;
        if (id.language[0]) {
            snprintf(req->language, sizeof req->language, "%s", id.language);
            req->caller.language = req->language;
        }
        snprintf(req->actor, sizeof req->actor, "user:%.50s", id.username);
    }
    memset(id.csrf, 0, sizeof id.csrf);
    return 0;
}

/* 0 when the caller may use the route, else the status refusing it. */
static unsigned authorise(const vg_http_request *req)
{
    vg_role need = req->route->role, have = req->caller.role;
    if (need == VG_ROLE_NONE)
        return 0;
    if (need == VG_ROLE_PARTNER) {
        if (have != VG_ROLE_PARTNER)
            return have == VG_ROLE_NONE ? 401 : 403;
        unsigned scopes = VG_ROUTE_SCOPES_OF(req->route->flags);
        return (req->caller.scopes & scopes) == scopes ? 0 : 403;
    }
    if (have == VG_ROLE_NONE)
        return 401;
    if (have == VG_ROLE_PARTNER || have < need)
        return 403;
    return 0;
}

/* ---- bodies ----------------------------------------------------------- */

static vg_status body_append(vg_http_request *req, const char *data, size_t size)
{
    if (req->body_len + size + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + size + 1)
            cap *= 2;
        char *grown = realloc(req->body, cap);
        if (!grown)
            return VG_ERR_NOMEM;
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, size);
    req->body_len += size;
    req->body[req->body_len] = 0;
    return VG_OK;
}

/* A multipart text field is complete: keep it as a param. */
static void field_flush(vg_http_request *req)
{
    if (!req->field_name)
        return;
    vg_error err;
    vg_status st = vg_params_add(&req->params, req->field_name, strlen(req->field_name),
                                 req->field_value ? req->field_value : "", req->field_len, &err);
    if (st != VG_OK)
        fail(req, st == VG_ERR_TOO_LARGE ? 413 : 400, err.message);
    free(req->field_name);
    req->field_name = NULL;
    req->field_len = 0;
}

static enum MHD_Result post_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    vg_http_request *req = cls;
    if (req->fail_status)
        return MHD_NO;
    if (!key)
        key = "";
    if (filename) {
        if (!(req->route->flags & VG_ROUTE_FILES) || !req->route->on_file) {
            fail(req, 400, "This form does not take files.");
            return MHD_NO;
        }
        field_flush(req);
        vg_error err;
        vg_error_clear(&err);
        vg_status st = req->route->on_file(req, key, filename, content_type, data, size, off, &err);
        if (st != VG_OK) {
            fail(req, st == VG_ERR_TOO_LARGE ? 413 : 400,
                 err.message[0] ? err.message : "The file was refused.");
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (off == 0 || !req->field_name || strcmp(req->field_name, key) != 0) {
        field_flush(req);
        req->field_name = strdup(key);
        if (!req->field_name) {
            fail(req, 500, "out of memory");
            return MHD_NO;
        }
    }
    if (req->field_len + size + 1 > req->field_cap) {
        size_t cap = req->field_cap ? req->field_cap : 256;
        while (cap < req->field_len + size + 1)
            cap *= 2;
        char *grown = realloc(req->field_value, cap);
        if (!grown) {
            fail(req, 500, "out of memory");
            return MHD_NO;
        }
        req->field_value = grown;
        req->field_cap = cap;
    }
    if (size)
        memcpy(req->field_value + req->field_len, data, size);
    req->field_len += size;
    req->field_value[req->field_len] = 0;
    return MHD_YES;
}

/* Take one chunk of the body. Returns 0 when the connection must close:
 * past the size limit, libmicrohttpd 0.9 cannot answer in the middle of a
 * body, and reading on would let a client feed us without end. Other
 * failures drain the rest of the body (still within the limit) and are
 * answered cleanly at its end. */
static int body_chunk(vg_http_request *req, const char *data, size_t size)
{
    req->received += size;
    /* A body trickled in to hold the connection: past header_timeout, it
     * must have come at min_body_rate on average. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed =
        (double)(now.tv_sec - req->start.tv_sec) + (double)(now.tv_nsec - req->start.tv_nsec) / 1e9;
    if (elapsed > req->http->opt.header_timeout &&
        (double)req->received < elapsed * (double)req->http->opt.min_body_rate) {
        fail(req, 408, "The request body came too slowly.");
        return 0;
    }
    if (req->received > req->limit) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "The request is larger than this address accepts (%" PRIu64 " bytes).",
                 req->limit);
        fail(req, 413, msg);
        return 0;
    }
    if (req->fail_status)
        return 1;
    if (req->pp) {
        if (MHD_post_process(req->pp, data, size) != MHD_YES && !req->fail_status)
            fail(req, 400, "The form could not be read (malformed multipart body).");
        return 1;
    }
    if (body_append(req, data, size) != VG_OK)
        fail(req, 500, "out of memory");
    return 1;
}

static int content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

int vg_http_content_type_is(vg_http_request *req, const char *type)
{
    return content_type_is(vg_http_header(req, "Content-Type"), type);
}

/* ---- the watchdog of slow requests ------------------------------------ */

/* libmicrohttpd's own timeout is an idle timeout: a client sending a byte
 * now and then is never idle. The watchdog gives each request's headers a
 * deadline instead, and shuts the socket of a connection that misses it
 * (the connection's thread then sees the peer gone and closes it).
 * libmicrohttpd tells us of a connection's end before it closes the
 * socket, and the entry leaves the list under the lock first, so the
 * watchdog never touches a descriptor that was closed and reused. */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    vg_http *http = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_watch *w = info ? calloc(1, sizeof *w) : NULL;
        *socket_context = w;
        if (!w)
            return;
        w->fd = info->connect_fd;
        w->since = mono_now();
        pthread_mutex_lock(&http->watch_lock);
        w->next = http->watched;
        if (w->next)
            w->next->prev = w;
        http->watched = w;
        pthread_mutex_unlock(&http->watch_lock);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_watch *w = *socket_context;
        *socket_context = NULL;
        if (!w)
            return;
        pthread_mutex_lock(&http->watch_lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            http->watched = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&http->watch_lock);
        free(w);
    }
}

/* The connection's request has its headers (busy = 1), or was answered
 * and the connection now waits for the next one (busy = 0). */
static void watch_busy(vg_http *http, struct MHD_Connection *conn, int busy)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_watch *w = info ? info->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&http->watch_lock);
    w->busy = busy;
    w->since = mono_now();
    pthread_mutex_unlock(&http->watch_lock);
}

static void *watchdog_main(void *arg)
{
    vg_http *http = arg;
    pthread_mutex_lock(&http->watch_lock);
    while (!http->watchdog_stop) {
        double now = mono_now();
        for (conn_watch *w = http->watched; w; w = w->next)
            if (!w->busy && !w->cut && now - w->since > http->opt.header_timeout) {
                shutdown(w->fd, SHUT_RDWR);
                w->cut = 1;
            }
        struct timespec wake;
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_nsec += 250 * 1000 * 1000;
        if (wake.tv_nsec >= 1000000000) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&http->watch_cond, &http->watch_lock, &wake);
    }
    pthread_mutex_unlock(&http->watch_lock);
    return NULL;
}

/* ---- the access handler ----------------------------------------------- */

static int path_ok(const char *path)
{
    size_t n = strlen(path);
    if (path[0] != '/' || n > 2048 || !vg_utf8_valid(path, n))
        return 0;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
            return 0;
    return strstr(path, "/../") == NULL && strstr(path, "/./") == NULL &&
           (n < 3 || strcmp(path + n - 3, "/..") != 0);
}

/* Whether the request came for the host of vg_http_set_host_path at an
 * address outside its path: the Host header's name (its port aside)
 * compared without case, as DNS names are. */
static int host_pinned(vg_http_request *req, const char *url)
{
    const vg_http *http = req->http;
    const char *host = http->host_only ? vg_http_header(req, "Host") : NULL;
    if (!host)
        return 0;
    size_t n = strlen(http->host_only);
    if (strncasecmp(host, http->host_only, n) || (host[n] && host[n] != ':'))
        return 0;
    return !path_matches(http->host_path, VG_ROUTE_PREFIX, url);
}

static enum MHD_Result begin(vg_http *http, struct MHD_Connection *conn, const char *url,
                             const char *method, void **con_cls)
{
    vg_http_request *req = calloc(1, sizeof *req);
    if (!req)
        return MHD_NO;
    *con_cls = req;
    req->http = http;
    req->conn = conn;
    req->method = method;
    req->path = url;
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    vg_params_init(&req->params);
    vg_params_init(&req->cookies);
    atomic_fetch_add(&http->in_flight, 1);
    snprintf(req->actor, sizeof req->actor, "anonymous");

    watch_busy(http, conn, 1);

    /* A body framed two ways is how requests are smuggled past a proxy:
     * refuse it, and close so nothing after it is read as a request. */
    if (vg_http_header(req, "Content-Length") && vg_http_header(req, "Transfer-Encoding")) {
        req->close_after = 1;
        return send_error(req, 400,
                          "A request may not carry both Content-Length and "
                          "Transfer-Encoding.");
    }
    if (!path_ok(url))
        return send_error(req, 400, "The address is malformed.");
    if (host_pinned(req, url))
        url = req->path = http->host_path;
    int path_known = 0;
    req->route = find_route(http, method, url, &req->route_index, &path_known);
    if (!req->route) {
        atomic_fetch_add(&http->unrouted, 1);
        if (path_known)
            return send_error(req, 405, "This address does not take that method.");
        return send_error(req, 404, "There is nothing at this address.");
    }
    atomic_fetch_add(&http->route_stats[req->route_index].requests, 1);
    /* HEAD must not do what GET does when GET has effects (decrypting and
     * auditing a view of evidence): it is refused before any of it. */
    if ((req->route->flags & VG_ROUTE_EFFECTS) && !strcmp(method, "HEAD")) {
        vg_http_add_header(req, "Allow", "GET, POST");
        return send_error(req, 405, "This address does not answer HEAD.");
    }

    unsigned refuse = identify(req);
    if (!refuse)
        refuse = authorise(req);
    int64_t retry_after = 0;
    /* A partner's rate counts the requests it may make, after the refusals
     * that say it may not make them at all. */
    if (!refuse && req->caller.api_key_id &&
        !rate_allows(http, req->caller.api_key_id, req->api_rate))
        refuse = 429;
    if (!refuse && (req->route->flags & VG_ROUTE_THROTTLED) && req->caller.role == VG_ROLE_NONE &&
        strcmp(method, "GET") && strcmp(method, "HEAD")) {
        uint8_t key[VG_THROTTLE_KEY_BYTES];
        vg_throttle_key(http->public_throttle, vg_http_client_for_limits(req), key);
        if (!vg_throttle_admit(http->public_throttle, key, vg_throttle_now(), &retry_after))
            refuse = 429;
    }
    if (refuse) {
        const char *why = refuse == 401   ? "Sign in, or give a valid API key, to use this address."
                          : refuse == 403 && req->caller.api_key_id
                              ? "This API key may not use this address: ask the hotline for "
                                "the scope it needs."
                          : refuse == 403 ? "Your account may not use this address."
                          : refuse == 429 ? "Too many requests from your connection; wait a "
                                            "little and try again."
                                          : "The service is unavailable; try again shortly.";
        if (refuse == 429) {
            char wait[24];
            snprintf(wait, sizeof wait, "%" PRId64, retry_after > 0 ? retry_after : 1);
            vg_http_add_header(req, "Retry-After", wait);
        }
        if (refuse == 401 && req->route->role == VG_ROLE_PARTNER)
            vg_http_add_header(req, "WWW-Authenticate",
                               (req->route->flags & VG_ROUTE_BASIC_AUTH)
                                   ? "Basic realm=\"vigie\", charset=\"UTF-8\""
                                   : "Bearer");
        return send_error(req, refuse, why);
    }

    const char *ct = vg_http_header(req, "Content-Type");
    req->limit = req->route->body_limit ? req->route->body_limit : http->opt.body_limit;
    /* Only multipart bodies stream (their files go to on_file); any other
     * body is held whole in memory, so it gets the small limit. */
    if (!content_type_is(ct, "multipart/form-data") && req->limit > http->opt.buffered_limit)
        req->limit = http->opt.buffered_limit;
    const char *cl = vg_http_header(req, "Content-Length");
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == 0 && n > req->limit) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "The request is larger than this address accepts (%" PRIu64 " bytes).",
                     req->limit);
            return send_error(req, 413, msg);
        }
    }
    if (content_type_is(ct, "multipart/form-data")) {
        req->is_multipart = 1;
        req->pp = MHD_create_post_processor(conn, 16384, post_iterator, req);
        if (!req->pp)
            return send_error(req, 400, "The multipart form has no usable boundary.");
    } else if (content_type_is(ct, "application/x-www-form-urlencoded")) {
        req->is_urlencoded = 1;
    }
    return MHD_YES;
}

static enum MHD_Result finish(vg_http_request *req)
{
    if (req->pp) {
        if (!req->fail_status && MHD_destroy_post_processor(req->pp) != MHD_YES)
            fail(req, 400, "The form ended before it was complete.");
        else if (req->fail_status)
            MHD_destroy_post_processor(req->pp);
        req->pp = NULL;
        if (!req->fail_status)
            field_flush(req);
    }
    if (req->fail_status)
        return send_error(req, req->fail_status, req->fail_message);
    if (req->is_urlencoded && !(req->route->flags & VG_ROUTE_RAW)) {
        vg_error err;
        vg_status st = vg_form_parse(req->body ? req->body : "", req->body_len, &req->params, &err);
        if (st != VG_OK)
            return send_error(req, st == VG_ERR_TOO_LARGE ? 413 : 400, err.message);
    }
    if ((req->route->flags & VG_ROUTE_CSRF) && !csrf_ok(req))
        return send_error(req, 403,
                          "This form has expired or did not come from this site. Go back, "
                          "reload the page and send it again.");
    req->route->handler(req);
    return send_response(req);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)version;
    vg_http *http = cls;
    if (!*con_cls)
        return begin(http, conn, url, method, con_cls);
    vg_http_request *req = *con_cls;
    if (req->responded) {
        *upload_data_size = 0; /* refused early: drop what still comes */
        return MHD_YES;
    }
    if (*upload_data_size) {
        int go_on = body_chunk(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return go_on ? MHD_YES : MHD_NO;
    }
    return finish(req);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    vg_http *http = cls;
    watch_busy(http, conn, 0);
    vg_http_request *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs =
        (double)(end.tv_sec - req->start.tv_sec) + (double)(end.tv_nsec - req->start.tv_nsec) / 1e9;
    unsigned status = req->responded ? req->status : 0;
    atomic_fetch_add(&http->by_class[status / 100 < 6 ? status / 100 : 0], 1);
    size_t b = 0;
    while (b < LATENCY_BUCKETS && secs > latency_bounds[b])
        b++;
    atomic_fetch_add(&http->latency[b], 1);
    atomic_fetch_add(&http->latency_sum_us, (uint_fast64_t)(secs * 1e6));
    if (status >= 400 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        json_t *fields =
            json_pack("{s:s?, s:s?, s:I, s:I, s:b}", "method", req->method, "path", req->path,
                      "status", (json_int_t)status, "us", (json_int_t)(secs * 1e6), "completed",
                      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
        vg_http_log_json(http, status >= 500 ? "error" : "info", "request", fields);
        json_decref(fields);
    }
    if (req->pp)
        MHD_destroy_post_processor(req->pp);
    if (req->cleanup)
        req->cleanup(req->state);
    vg_params_free(&req->params);
    vg_params_free(&req->cookies);
    free(req->field_name);
    free(req->field_value);
    free(req->body);
    free(req->out);
    free(req->out_type);
    free(req->username);
    free(req->org);
    free(req->session_csrf);
    free(req->anon_csrf);
    for (size_t i = 0; i < req->header_count; i++) {
        free(req->headers[i][0]);
        free(req->headers[i][1]);
    }
    free(req);
    atomic_fetch_sub(&http->in_flight, 1);
}

/* ---- metrics ---------------------------------------------------------- */

void vg_http_metrics(vg_http *http, vg_http_request *req, const char *extra)
{
    size_t cap = 4096 + http->route_count * 160 + (extra ? strlen(extra) : 0), n = 0;
    char *out = malloc(cap);
    if (!out) {
        vg_http_text(req, 500, "out of memory");
        return;
    }
#define EMIT(...)                                                                                  \
    do {                                                                                           \
        if (n < cap)                                                                               \
            n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__);                                  \
    } while (0)
    EMIT("# HELP vigie_http_requests_total Requests answered, by status class.\n"
         "# TYPE vigie_http_requests_total counter\n");
    for (int c = 1; c < 6; c++)
        EMIT("vigie_http_requests_total{class=\"%dxx\"} %" PRIuFAST64 "\n", c,
             atomic_load(&http->by_class[c]));
    EMIT("# HELP vigie_http_route_requests_total Requests received, by route.\n"
         "# TYPE vigie_http_route_requests_total counter\n");
    for (size_t i = 0; i < http->route_count; i++)
        EMIT("vigie_http_route_requests_total{method=\"%s\",route=\"%s\"} %" PRIuFAST64 "\n",
             http->routes[i].method, http->routes[i].path,
             atomic_load(&http->route_stats[i].requests));
    EMIT("vigie_http_route_requests_total{method=\"\",route=\"(none)\"} %" PRIuFAST64 "\n",
         atomic_load(&http->unrouted));
    EMIT("# HELP vigie_http_request_duration_seconds Time from headers to answer.\n"
         "# TYPE vigie_http_request_duration_seconds histogram\n");
    uint_fast64_t total = 0;
    for (size_t b = 0; b < LATENCY_BUCKETS; b++) {
        total += atomic_load(&http->latency[b]);
        EMIT("vigie_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIuFAST64 "\n",
             latency_bounds[b], total);
    }
    total += atomic_load(&http->latency[LATENCY_BUCKETS]);
    EMIT("vigie_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIuFAST64 "\n", total);
    EMIT("vigie_http_request_duration_seconds_sum %.6f\n",
         (double)atomic_load(&http->latency_sum_us) / 1e6);
    EMIT("vigie_http_request_duration_seconds_count %" PRIuFAST64 "\n", total);
    EMIT("# HELP vigie_http_in_flight Requests being served.\n# TYPE vigie_http_in_flight gauge\n"
         "vigie_http_in_flight %d\n",
         atomic_load(&http->in_flight));
    if (extra)
        EMIT("%s", extra);
#undef EMIT
    if (n >= cap)
        n = cap - 1;
    vg_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", out, n);
    free(out);
}

/* ---- the server ------------------------------------------------------- */

static char *read_small_file(const char *path, vg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vg_error_set(err, VG_ERR_IO, "%s: cannot open", path);
        return NULL;
    }
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

vg_status vg_http_new(const vg_http_options *options, void *app, vg_http **out, vg_error *err)
{
    *out = NULL;
    vg_http *http = calloc(1, sizeof *http);
    if (!http)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->opt = *options;
    http->app = app;
    pthread_mutex_init(&http->rate_lock, NULL);
    pthread_mutex_init(&http->log_lock, NULL);
    pthread_mutex_init(&http->watch_lock, NULL);
    pthread_cond_init(&http->watch_cond, NULL);
    if (!http->opt.max_connections)
        http->opt.max_connections = 512;
    if (!http->opt.connection_timeout)
        http->opt.connection_timeout = 30;
    if (!http->opt.header_timeout)
        http->opt.header_timeout = 10;
    if (!http->opt.min_body_rate)
        http->opt.min_body_rate = 4096;
    if (!http->opt.body_limit)
        http->opt.body_limit = 1 << 20;
    if (!http->opt.buffered_limit)
        http->opt.buffered_limit = 1 << 20;
    if (!http->opt.default_api_rate)
        http->opt.default_api_rate = 10;
    if (http->opt.public_rate <= 0)
        http->opt.public_rate = 0.2;
    if (http->opt.public_burst < 1)
        http->opt.public_burst = 20;
    http->opt.trusted_proxies = NULL;
    vg_throttle_rule public_rule = {.rate = http->opt.public_rate, .burst = http->opt.public_burst};
    vg_status st = vg_throttle_new(&public_rule, 16384, &http->public_throttle, err);
    if (st == VG_OK)
        st = vg_net_list_parse(&http->proxies, options->trusted_proxies, "http.trusted_proxies",
                               err);
    if (st != VG_OK) {
        vg_http_free(http);
        return st;
    }
    if (!http->opt.identify) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_INVALID, "the HTTP layer needs an identify callback");
    }
    http->listen = strdup(options->listen ? options->listen : "127.0.0.1:8080");
    http->opt.listen = http->listen;
    if (!http->listen) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (!options->secret_hex || strlen(options->secret_hex) != 64 ||
        vg_hex_decode(options->secret_hex, http->secret, 32) != VG_OK) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_INVALID, "the server secret must be 64 hex digits");
    }
    http->opt.secret_hex = NULL;
    if ((options->tls_cert_file == NULL) != (options->tls_key_file == NULL)) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_INVALID,
                            "TLS needs both a certificate and a key file (or neither)");
    }
    if (options->tls_cert_file) {
        http->tls_cert = read_small_file(options->tls_cert_file, err);
        http->tls_key = http->tls_cert ? read_small_file(options->tls_key_file, err) : NULL;
        if (!http->tls_key) {
            vg_http_free(http);
            return err ? err->status : VG_ERR_IO;
        }
    }
    if (!http->opt.secure_cookies && !vg_address_listen_is_loopback(http->listen)) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_INVALID,
                            "http.secure_cookies = false is for plain-http development on a "
                            "loopback address only (listen is %s)",
                            options->listen);
    }
    if (!http->opt.secure_cookies && http->tls_cert) {
        vg_http_free(http);
        return vg_error_set(err, VG_ERR_INVALID,
                            "http.secure_cookies = false makes no sense with TLS: remove it");
    }
    *out = http;
    return VG_OK;
}

vg_status vg_http_add_routes(vg_http *http, const vg_route *routes, size_t count, vg_error *err)
{
    vg_route *grown = realloc(http->routes, (http->route_count + count) * sizeof *grown);
    if (!grown)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->routes = grown;
    route_stats *stats = realloc(http->route_stats, (http->route_count + count) * sizeof *stats);
    if (!stats)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->route_stats = stats;
    for (size_t i = 0; i < count; i++) {
        if (!routes[i].method || !routes[i].path || routes[i].path[0] != '/' || !routes[i].handler)
            return vg_error_set(err, VG_ERR_INVALID, "route %zu is incomplete", i);
        http->routes[http->route_count] = routes[i];
        atomic_init(&http->route_stats[http->route_count].requests, 0);
        http->route_count++;
    }
    return VG_OK;
}

vg_status vg_http_set_refusal(vg_http *http, const char *prefix, vg_http_refuse_fn fn,
                              vg_error *err)
{
    refusal_style *grown = realloc(http->styles, (http->style_count + 1) * sizeof *grown);
    if (!grown)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->styles = grown;
    char *copy = strdup(prefix);
    if (!copy || prefix[0] != '/' || !fn) {
        free(copy);
        return vg_error_set(err, copy ? VG_ERR_INVALID : VG_ERR_NOMEM,
                            copy ? "a refusal style needs a path prefix and a function"
                                 : "out of memory");
    }
    http->styles[http->style_count++] = (refusal_style){copy, fn};
    return VG_OK;
}

vg_status vg_http_set_host_path(vg_http *http, const char *host, const char *path,
                                 vg_error *err)
{
    if (!host || !*host || strpbrk(host, ":/ ") || !path || path[0] != '/')
        return vg_error_set(err, VG_ERR_INVALID,
                            "a pinned host is a bare name (no port), its path an address");
    char *h = strdup(host), *p = strdup(path);
    if (!h || !p) {
        free(h);
        free(p);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    free(http->host_only);
    free(http->host_path);
    http->host_only = h;
    http->host_path = p;
    return VG_OK;
}

vg_status vg_http_add_error_page(vg_http *http, const char *path, unsigned flags,
                                 vg_http_error_fn fn, void *ctx, vg_error *err)
{
    if (!fn || (path && path[0] != '/'))
        return vg_error_set(err, VG_ERR_INVALID, "an error page needs a function and a path");
    error_pages *grown =
        realloc(http->error_pages, (http->error_page_count + 1) * sizeof *grown);
    if (!grown)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->error_pages = grown;
    error_pages *e = &grown[http->error_page_count];
    *e = (error_pages){path ? strdup(path) : NULL, flags, fn, ctx};
    if (path && !e->path)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    http->error_page_count++;
    return VG_OK;
}

const vg_route *vg_http_routes(const vg_http *http, size_t *count)
{
    *count = http->route_count;
    return http->routes;
}

vg_status vg_http_start(vg_http *http, uint16_t *port, vg_error *err)
{
    struct sockaddr_storage ss;
    vg_status st = vg_address_parse_listen(http->listen, &ss, err);
    if (st != VG_OK)
        return st;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (http->tls_cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, http->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, http->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    http->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, http, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, http,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)http->opt.connection_timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)http->opt.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)http->opt.per_ip_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)65536, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_NOTIFY_COMPLETED, completed, http,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, http, MHD_OPTION_ARRAY,
        http->tls_cert ? tls : tls + 2, MHD_OPTION_END);
    if (!http->daemon)
        return vg_error_set(err, VG_ERR_IO,
                            "cannot listen on %s (address in use, not local, or TLS files "
                            "unreadable)",
                            http->listen);
    http->watchdog_stop = 0;
    if (pthread_create(&http->watchdog, NULL, watchdog_main, http) != 0) {
        MHD_stop_daemon(http->daemon);
        http->daemon = NULL;
        return vg_error_set(err, VG_ERR_IO, "cannot start the watchdog thread");
    }
    http->watchdog_running = 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (port)
        *port = info ? info->port : 0;
    return VG_OK;
}

void vg_http_stop(vg_http *http, unsigned grace_seconds)
{
    if (!http || !http->daemon)
        return;
    MHD_socket fd = MHD_quiesce_daemon(http->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (unsigned i = 0; i < grace_seconds * 20 && atomic_load(&http->in_flight) > 0; i++) {
        struct timespec t = {0, 50 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    MHD_stop_daemon(http->daemon);
    http->daemon = NULL;
    if (http->watchdog_running) {
        pthread_mutex_lock(&http->watch_lock);
        http->watchdog_stop = 1;
        pthread_cond_signal(&http->watch_cond);
        pthread_mutex_unlock(&http->watch_lock);
        pthread_join(http->watchdog, NULL);
        http->watchdog_running = 0;
    }
}

void vg_http_free(vg_http *http)
{
    if (!http)
        return;
    vg_http_stop(http, 0);
    for (size_t i = 0; i < RATE_SLOTS; i++)
        for (rate_bucket *b = http->rate[i], *next; b; b = next) {
            next = b->next;
            free(b);
        }
    pthread_mutex_destroy(&http->rate_lock);
    pthread_mutex_destroy(&http->log_lock);
    pthread_mutex_destroy(&http->watch_lock);
    pthread_cond_destroy(&http->watch_cond);
    vg_throttle_free(http->public_throttle);
    free(http->host_only);
    free(http->host_path);
    vg_net_list_clear(&http->proxies);
    free(http->routes);
    free(http->route_stats);
    for (size_t i = 0; i < http->style_count; i++)
        free(http->styles[i].prefix);
    free(http->styles);
    for (size_t i = 0; i < http->error_page_count; i++)
        free(http->error_pages[i].path);
    free(http->error_pages);
    free(http->listen);
    free(http->tls_cert);
    if (http->tls_key) {
        memset(http->tls_key, 0, strlen(http->tls_key));
        free(http->tls_key);
    }
    memset(http->secret, 0, sizeof http->secret);
    free(http);
}

/* ---- used by the server's own modules --------------------------------- */

int vg_http_secure_cookies(const vg_http *http)
{
    return http->opt.secure_cookies;
}
