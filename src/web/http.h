/*
 * src/web/http.h - the HTTP layer of the hotline server.
 *
 * A thin, strict layer over libmicrohttpd: nothing outside src/web/http.c
 * includes <microhttpd.h>. Modules declare routes; the layer does everything
 * that must be the same for every route before a handler runs:
 *
 *   1. match the route (method + exact path, or path prefix);
 *   2. identify the caller: a session cookie (a person, with a role) or an
 *      "Authorization: Bearer KEY" header (a partner API key), through the
 *      identify callback the server gives (the layer knows callers, not
 *      where they are kept);
 *   3. refuse callers below the route's role (401 when not identified, 403
 *      when identified but not allowed), and apply the partner key's rate;
 *   4. read the body within the route's limit (413 beyond it), parsing
 *      application/x-www-form-urlencoded and multipart/form-data fields into
 *      params, and streaming multipart file parts to the route's on_file
 *      callback (never buffered whole);
 *   5. for routes flagged VG_ROUTE_CSRF, check the form's csrf_token field
 *      (403 when missing or wrong);
 *   6. call the handler, which builds the response with the helpers below.
 *
 * Threads: handlers run on the server's worker threads, several at once; a
 * request object belongs to one thread for its whole life. Handlers must
 * not block for long (a store write with group commit is fine).
 *
 * Ownership: every string a request returns lives until the handler
 * returns. Response helpers copy what they are given.
 */
#ifndef VIGIE_WEB_HTTP_H
#define VIGIE_WEB_HTTP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "model/people.h"
#include "vigie/error.h"

typedef struct vg_http vg_http;
typedef struct vg_http_request vg_http_request;

/* ---- routes ----------------------------------------------------------- */

/* Route flags. */
#define VG_ROUTE_PREFIX 0x1u /* path matches itself and anything below "path/" */
#define VG_ROUTE_CSRF 0x2u   /* a form post: the csrf_token field must be valid */
#define VG_ROUTE_FILES 0x4u  /* multipart file parts go to on_file (else: 400) */
#define VG_ROUTE_RAW 0x8u    /* keep the raw body (JSON APIs): vg_http_body(); a
                                multipart body is still parsed (fields, files) */
#define VG_ROUTE_THROTTLED 0x10u /* anonymous callers are throttled per client
                                    (http.public_rate): public forms, sign-in */
#define VG_ROUTE_EFFECTS 0x20u /* the GET handler has effects (it audits a view of
                                  evidence): HEAD is refused, never answered */
#define VG_ROUTE_OWN_AUTH 0x40u /* the handler reads Authorization itself (a token
                                   of its own, e.g. /metrics): no key lookup */
#define VG_ROUTE_BASIC_AUTH 0x80u /* a partner key may also come as the password of
                                     "Authorization: Basic" (any user name): for
                                     clients of APIs that authenticate that way */
/* With VG_ROLE_PARTNER: the VG_SCOPE_* bits (model/people.h) the key must
 * all have, in the flags' high bits; a key lacking one is refused (403)
 * before the body is read. */
#define VG_ROUTE_SCOPES(scopes) ((unsigned)(scopes) << 16)
#define VG_ROUTE_SCOPES_OF(flags) ((unsigned)(flags) >> 16)

/* Streaming file upload: called for each chunk of a multipart part that has
 * a filename, in order; offset is the chunk's place in that part (0 starts
 * a new file). Return VG_OK to go on; any other status aborts the request
 * with 400 (VG_ERR_TOO_LARGE: 413) and msg's text. Chunks arrive before the
 * CSRF check and the handler: an on_file receiver keeps its work in
 * request-scoped state (vg_http_set_state) and its cleanup releases it when
 * the request ends, whatever the outcome. */
typedef vg_status (*vg_http_file_fn)(vg_http_request *req, const char *field,
                                     const char *filename, const char *content_type,
                                     const void *data, size_t size, uint64_t offset,
                                     vg_error *msg);
typedef void (*vg_http_handler_fn)(vg_http_request *req);
/* How an API words a refusal the layer makes before or instead of a
 * handler (401, 403, 404, 405, 408, 413, 429, 5xx...; vg_http_set_refusal
 * below): set the response with the helpers below; status is the HTTP
 * status, message a sentence. Headers the refusal needs (Retry-After,
 * WWW-Authenticate) are added by the layer. */
typedef void (*vg_http_refuse_fn)(vg_http_request *req, unsigned status, const char *message);

typedef struct vg_route {
    const char *method;    /* "GET", "POST", ... (HEAD is served by GET routes) */
    const char *path;      /* "/healthz"; with VG_ROUTE_PREFIX, "/api/v1/reports" */
    vg_role role;          /* least role needed; VG_ROLE_NONE = public;
                              VG_ROLE_PARTNER = API key only (people are refused) */
    unsigned flags;
    uint64_t body_limit;   /* whole-body limit in bytes; 0 = the server default */
    vg_http_handler_fn handler;
    vg_http_file_fn on_file; /* with VG_ROUTE_FILES */
    void *ctx;             /* the module's state: vg_http_route_ctx() */
} vg_route;

/* ---- error pages ------------------------------------------------------ */

/* A module's own page for an error on its addresses, so that people read
 * it in the module's frame and language: it answers with the response
 * helpers (vg_http_html...), usually with status. message is the layer's
 * explanation, in English (for a fallback, or the log). */
typedef void (*vg_http_error_fn)(void *ctx, vg_http_request *req, unsigned status,
                                 const char *message);

/* ---- the server ------------------------------------------------------- */

/* Who a request comes from, as the identify callback finds it. */
typedef struct vg_http_identity {
    vg_role role;              /* VG_ROLE_NONE when nobody is identified */
    int64_t account_id;        /* a person's account, or 0 */
    char username[128];
    char language[16];         /* the person's chosen language code, or "" */
    int64_t pending_account_id; /* between password and second factor, or 0 */
    char csrf[65];             /* the session's form token (a person's session) */
    int64_t api_key_id;        /* a partner key, or 0 */
    char org[256];
    uint32_t rate;             /* the partner key's requests a second (0: the default) */
    unsigned scopes;           /* the partner key's VG_SCOPE_* bits */
} vg_http_identity;

/* Identify a caller from a bearer key (or NULL) or else a session token
 * (64 hex digits, or NULL). Return 0 with *out filled (role VG_ROLE_NONE
 * for nobody), or an HTTP status refusing the request: 401 for a bearer
 * key that is unknown or revoked (a client sending credentials wants to
 * know they are wrong), 503 when identities cannot be read. */
typedef unsigned (*vg_http_identify_fn)(void *ctx, const char *bearer, const char *session,
                                        vg_http_identity *out);

typedef struct vg_http_options {
    const char *listen;        /* "127.0.0.1:8080", "[::1]:8080", ":8080"; port 0 = ephemeral */
    const char *tls_cert_file; /* PEM; both or neither */
    const char *tls_key_file;
    /* Each connection has its own thread (handlers may wait for a group
     * commit without stalling others), so this also caps threads. */
    unsigned max_connections;  /* default 512 */
    unsigned per_ip_connections; /* 0 = no limit */
    unsigned connection_timeout; /* seconds an idle connection may stay (default 30) */
    /* A request's headers must all arrive within this many seconds of the
     * connection opening or of the previous answer (default 10), and its
     * body at min_body_rate bytes a second on average once that long has
     * passed: a client trickling bytes cannot hold a thread for ever. */
    unsigned header_timeout;
    uint64_t min_body_rate;    /* default 4096 */
    uint64_t body_limit;       /* default whole-body limit (default 1 MiB) */
    /* Bodies kept whole in memory (urlencoded forms, JSON) are refused
     * beyond this, whatever the route allows for streamed multipart files
     * (default 1 MiB). */
    uint64_t buffered_limit;
    /* Anonymous callers of VG_ROUTE_THROTTLED routes: requests a second
     * per client and burst (defaults 0.2 and 20). */
    double public_rate, public_burst;
    /* Addresses of reverse proxies whose X-Forwarded-For is believed:
     * comma-separated addresses or CIDR blocks ("127.0.0.1, 10.0.0.0/8");
     * NULL: none, the peer is the client. */
    const char *trusted_proxies;
    int secure_cookies;        /* 1 (default): cookies carry Secure. 0 only for http dev */
    int store_client_address;  /* 1 when the operator chose to keep client addresses */
    uint32_t default_api_rate; /* requests/s per partner key when the key has none (10) */
    const char *secret_hex;    /* 64 hex digits: the server's HMAC key (CSRF tokens) */
    vg_http_identify_fn identify; /* required */
    void *identify_ctx;
    /* Structured log lines (one JSON object each) go here; NULL = stderr. */
    void (*log)(void *log_ctx, const char *json_line);
    void *log_ctx;
} vg_http_options;

/* Create the server. app is the application state every handler can reach
 * with vg_http_app(). */
vg_status vg_http_new(const vg_http_options *options, void *app, vg_http **out, vg_error *err);
/* Refusals the layer makes for requests whose path starts with prefix
 * ("/hma/" ...; a route's own refusals and unknown addresses below it
 * alike) are worded by fn instead of the layer's JSON or page: for APIs
 * whose clients read errors in a shape of their own. The longest prefix
 * wins; before vg_http_start. */
vg_status vg_http_set_refusal(vg_http *http, const char *prefix, vg_http_refuse_fn fn,
                              vg_error *err);
/* Register routes (copied); before vg_http_start. A later route with the same
 * method and path replaces nothing: the first registered one wins. */
vg_status vg_http_add_routes(vg_http *http, const vg_route *routes, size_t count,
                             vg_error *err);
/* Render the HTML error pages of path with fn (its ctx given back): path
 * exactly, or with VG_ROUTE_PREFIX path and every address below it; path
 * NULL: the addresses no route serves. The longest matching path wins,
 * then NULL for unrouted addresses, then the layer's plain page. It covers
 * the refusals the layer makes itself (404, 405, 403 for a form's token,
 * 413, 429...) and every vg_http_error_page on those addresses; answers in
 * JSON (APIs) never use it. When fn answers nothing, or its own page
 * fails, the plain page is sent. Before vg_http_start. */
vg_status vg_http_add_error_page(vg_http *http, const char *path, unsigned flags,
                                 vg_http_error_fn fn, void *ctx, vg_error *err);
/* The registered routes (tests walk them: every route x every role). */
/* Requests whose Host is host (a name, compared without case; its port
 * aside) are served as if they asked for path, whatever address they
 * give, unless it is path or below it: the server is the page an ISP or
 * a resolver sends blocked names to (the stop page), and the page's own
 * form still posts below it. The query is kept. One host; before
 * vg_http_start. */
vg_status vg_http_set_host_path(vg_http *http, const char *host, const char *path,
                                vg_error *err);
const vg_route *vg_http_routes(const vg_http *http, size_t *count);
/* Start listening; the bound port (useful with port 0) goes to *port. */
vg_status vg_http_start(vg_http *http, uint16_t *port, vg_error *err);
/* Graceful stop: stop accepting, let in-flight requests finish (up to
 * grace_seconds), then close. Acknowledged writes are already durable. */
void vg_http_stop(vg_http *http, unsigned grace_seconds);
void vg_http_free(vg_http *http);

/* Write the Prometheus text exposition of the layer's counters, followed
 * by extra (the application's own, may be NULL), to the response (used by
 * GET /metrics). */
void vg_http_metrics(vg_http *http, vg_http_request *req, const char *extra);

/* Emit one structured log line: {"ts":..,"level":..,"msg":..,<fields>};
 * fields is a JSON object whose members are added (borrowed; NULL: none). */
struct json_t;
void vg_http_log_json(vg_http *http, const char *level, const char *msg, struct json_t *fields);
/* The same without extra members. */
void vg_http_log(vg_http *http, const char *level, const char *msg);

/* ---- the request ------------------------------------------------------ */

const char *vg_http_method(const vg_http_request *req);
const char *vg_http_path(const vg_http_request *req);
/* What follows "prefix/" in the path (a VG_ROUTE_PREFIX route's own part),
 * or "" when the path is the prefix itself or lies elsewhere. Never NULL;
 * points into the request. */
const char *vg_http_path_below(const vg_http_request *req, const char *prefix);
/* Query-string argument, or NULL. */
const char *vg_http_query(vg_http_request *req, const char *name);
/* Form field (urlencoded or multipart, not files), or NULL. When a name is
 * repeated, vg_http_param returns the first. vg_http_params stores the first
 * max values in values[] and returns how many there are in all, which may
 * be more than max: read only min(result, max) entries. */
const char *vg_http_param(vg_http_request *req, const char *name);
size_t vg_http_params(vg_http_request *req, const char *name, const char **values, size_t max);
/* Request header (case-insensitive name), or NULL. */
const char *vg_http_header(vg_http_request *req, const char *name);
/* Cookie value, or NULL. */
const char *vg_http_cookie(vg_http_request *req, const char *name);
/* The client address as text, or NULL unless the operator enabled
 * store_client_address. */
const char *vg_http_client_address(vg_http_request *req);
/* The client's address for throttling, never stored: the peer, or, when
 * the peer is a trusted proxy, the nearest untrusted address of
 * X-Forwarded-For. Borrowed from the request. */
const char *vg_http_client_for_limits(vg_http_request *req);
/* 1 when the request's Content-Type is exactly the media type `type`
 * (case-insensitive, parameters after ';' allowed): "application/jsonx"
 * is not "application/json". */
int vg_http_content_type_is(vg_http_request *req, const char *type);
/* Raw body of a VG_ROUTE_RAW route (NUL-terminated for convenience). */
const char *vg_http_body(vg_http_request *req, size_t *len);

/* Who is calling. */
typedef struct vg_http_caller {
    vg_role role;          /* VG_ROLE_NONE when anonymous */
    int64_t account_id;    /* a person's account, or 0 */
    const char *username;  /* or NULL */
    const char *language;  /* the person's chosen language code, or NULL */
    int64_t api_key_id;    /* a partner key, or 0 */
    const char *org;       /* the partner key's organisation, or NULL */
    unsigned scopes;       /* the partner key's VG_SCOPE_* bits, or 0 */
} vg_http_caller;
const vg_http_caller *vg_http_caller_of(vg_http_request *req);
/* "user:NAME", "key:ID" or "anonymous": the actor of audit entries. */
const char *vg_http_actor(vg_http_request *req);

/* The CSRF token to put in this caller's forms as
 * <input type="hidden" name="csrf_token" value="...">. For a person it is
 * the session's; for an anonymous visitor it is bound to a cookie this call
 * sets on the response when missing. Valid for the whole session. */
const char *vg_http_csrf_token(vg_http_request *req);

void *vg_http_app(vg_http_request *req);       /* the app given to vg_http_new */
void *vg_http_route_ctx(vg_http_request *req); /* the route's ctx */
vg_http *vg_http_server(vg_http_request *req);

/* Request-scoped state for on_file receivers: cleanup(state) runs when the
 * request ends, after the handler or on abort. */
void vg_http_set_state(vg_http_request *req, void *state, void (*cleanup)(void *state));
void *vg_http_state(vg_http_request *req);

/* ---- the response ----------------------------------------------------- */

/* Set status and body (copied). The last call wins. */
void vg_http_respond(vg_http_request *req, unsigned status, const char *content_type,
                     const void *body, size_t len);
void vg_http_html(vg_http_request *req, unsigned status, const char *html);
void vg_http_text(vg_http_request *req, unsigned status, const char *text);
/* JSON text: pass the output of json_dumps (vg_http_json takes a jansson
 * json_t * through void * so this header does not need jansson.h; the
 * reference is NOT stolen). */
void vg_http_json(vg_http_request *req, unsigned status, const void *json);
/* {"error":{"code":code,"message":message}} */
void vg_http_json_error(vg_http_request *req, unsigned status, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An HTML error page for people: the page of the module that renders
 * errors for this address (vg_http_add_error_page), else a plain one
 * showing message. */
void vg_http_error_page(vg_http_request *req, unsigned status, const char *message);
/* 303 See Other to location (a local path). */
void vg_http_redirect(vg_http_request *req, const char *location);
/* Add a response header (copied). Security headers (CSP, nosniff,
 * frame-ancestors, no-referrer, no-store) are always added by the layer. */
void vg_http_add_header(vg_http_request *req, const char *name, const char *value);
/* Set-Cookie with HttpOnly, SameSite=Strict, Path=/ and Secure (unless the
 * server runs with secure_cookies = 0). max_age < 0: session cookie;
 * max_age = 0: delete. */
void vg_http_set_cookie(vg_http_request *req, const char *name, const char *value, int max_age);
/* The same, sent back only to path and the addresses below it ("/report"). */
void vg_http_set_cookie_at(vg_http_request *req, const char *name, const char *value, int max_age,
                           const char *path);

/* For the server's own sign-in code: the account between password and
 * second factor (0 when none), and the cookie option. */
int64_t vg_http_pending_account(vg_http_request *req);
int vg_http_secure_cookies(const vg_http *http);

/* HTML-escape text into a malloc'd string (NULL on allocation failure). */
char *vg_html_escape(const char *text);

#endif
