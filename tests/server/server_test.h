/*
 * tests/server/server_test.h - run the hotline server inside a test.
 *
 * ts_start opens a server on a fresh temporary data directory, listening
 * on 127.0.0.1 with an ephemeral port; with VIGIE_TEST_BACKEND=postgresql
 * (CTest's *_pg registrations) its database is a fresh one of the test
 * cluster instead of the directory's SQLite file (pg_test.h); ts_call sends one HTTP request with
 * libcurl and returns status, headers and body. Cookies are handled by
 * hand (the Cookie header is built by the test), so that Secure cookies
 * still travel over the test's plain http.
 */
#ifndef VIGIE_TESTS_SERVER_TEST_H
#define VIGIE_TESTS_SERVER_TEST_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pg_test.h"
#include "hotline/accounts.h"
#include "server/server.h"
#include "util/secure.h"
#include "vigie/digest.h"

typedef struct ts_server {
    vg_server *srv;
    uint16_t port;
    char dir[256];
    char db[512]; /* the PostgreSQL database's URI, "" on SQLite */
} ts_server;

/* 1 when the tests run on PostgreSQL (VIGIE_TEST_BACKEND=postgresql). */
static inline int ts_on_postgres(void)
{
    const char *b = getenv("VIGIE_TEST_BACKEND");
    return b && !strcmp(b, "postgresql");
}

/* Where t's store is, for vg_store_open: its database, or its data
 * directory. */
static inline const char *ts_store_location(const ts_server *t, char *out, size_t cap)
{
    if (t->db[0])
        snprintf(out, cap, "%s", t->db);
    else
        snprintf(out, cap, "%s/data", t->dir);
    return out;
}

typedef struct ts_response {
    long status;
    char *body;
    size_t body_len;
    char *headers;
    size_t headers_len;
} ts_response;

static inline void ts_response_free(ts_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

/* Open a server on the data already in t->dir (also a restart), without
 * listening yet; extra is more configuration text ("key = value\n...") or
 * NULL. */
static inline int ts_open_in(ts_server *t, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, "data_dir = %s/data\nlisten = 127.0.0.1:0\n%s%s%s%s", t->dir,
             t->db[0] ? "database = " : "", t->db, t->db[0] ? "\n" : "", extra ? extra : "");
    vg_config *cfg = NULL;
    vg_error err;
    if (vg_config_new(&cfg, &err) != VG_OK ||
        vg_config_parse(cfg, text, strlen(text), "test", &err) != VG_OK) {
        fprintf(stderr, "config: %s\n", err.message);
        vg_config_free(cfg);
        return 0;
    }
    if (vg_server_open(cfg, &t->srv, &err) != VG_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 0;
    }
    return 1;
}

/* The same on a fresh temporary directory (tests may add routes before
 * listening). */
static inline int ts_open(ts_server *t, const char *extra)
{
    memset(t, 0, sizeof *t);
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/vigie-server-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(t->dir))
        return 0;
    if (ts_on_postgres()) {
        pgt_require("server test");
        if (!pgt_create(t->db, sizeof t->db))
            return 0;
    }
    return ts_open_in(t, extra);
}

static inline int ts_listen(ts_server *t)
{
    vg_error err;
    if (vg_server_start(t->srv, &t->port, &err) != VG_OK) {
        fprintf(stderr, "start: %s\n", err.message);
        vg_server_free(t->srv);
        t->srv = NULL;
        return 0;
    }
    return 1;
}

/* Open and listen. */
static inline int ts_start(ts_server *t, const char *extra)
{
    return ts_open(t, extra) && ts_listen(t);
}

static inline void ts_remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static inline void ts_stop(ts_server *t)
{
    if (t->srv) {
        vg_server_stop(t->srv, 5);
        vg_server_free(t->srv);
    }
    t->srv = NULL;
    ts_remove_dir(t->dir);
    if (t->db[0])
        pgt_drop(t->db);
    t->db[0] = 0;
}

static size_t ts_collect(char *data, size_t size, size_t n, void *ctx)
{
    char **buf = ((char ***)ctx)[0];
    size_t *len = ((size_t **)ctx)[1];
    size_t add = size * n;
    char *grown = realloc(*buf, *len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + *len, data, add);
    *len += add;
    grown[*len] = 0;
    *buf = grown;
    return add;
}

/* One request. headers: NULL-terminated list of "Name: value" lines (may
 * be NULL). body may be NULL. Returns 1 when an HTTP answer came back. */
static inline int ts_call(const ts_server *t, const char *method, const char *path,
                          const char *const *headers, const char *body, size_t body_len,
                          ts_response *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", t->port, path);
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    list = curl_slist_append(list, "Expect:");
    void *body_ctx[2] = {&r->body, &r->body_len};
    void *head_ctx[2] = {&r->headers, &r->headers_len};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ts_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)body_ctx);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ts_collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)head_ctx);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    if (!r->body)
        r->body = calloc(1, 1);
    if (!r->headers)
        r->headers = calloc(1, 1);
    return rc == CURLE_OK;
}

/* A raw TCP connection to the server (receive timeout 10 s), or -1. */
static inline int ts_connect(const ts_server *t)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(t->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Send all of data; 0 when the connection broke. */
static inline int ts_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* Read until the peer closes or the receive timeout; returns what came
 * (malloc'd, NUL-terminated), its length in *len, and *closed = 1 when the
 * peer closed (not a timeout). */
static inline char *ts_read_all(int fd, size_t *len, int *closed)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    *closed = 0;
    for (;;) {
        if (n + 1024 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t got = recv(fd, buf + n, cap - n - 1, 0);
        if (got > 0) {
            n += (size_t)got;
            continue;
        }
        *closed = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The value of a Set-Cookie for name in r's headers, copied into out
 * (NULL when absent); attrs (may be NULL) receives the whole line. */
static inline const char *ts_set_cookie(const ts_response *r, const char *name, char *out,
                                        size_t cap, char *attrs, size_t attrs_cap)
{
    const char *p = r->headers;
    size_t n = strlen(name);
    while (p && (p = strcasestr(p, "Set-Cookie: ")) != NULL) {
        p += 12;
        if (!strncmp(p, name, n) && p[n] == '=') {
            const char *v = p + n + 1;
            size_t len = strcspn(v, ";\r\n");
            snprintf(out, cap, "%.*s", (int)len, v);
            if (attrs)
                snprintf(attrs, attrs_cap, "%.*s", (int)strcspn(p, "\r\n"), p);
            return out;
        }
    }
    return NULL;
}

/* A header's value in r (first match), copied into out, or NULL. */
static inline const char *ts_header(const ts_response *r, const char *name, char *out,
                                    size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        if (!strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%.*s", (int)strcspn(v, "\r\n"), v);
            return out;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* Create an account with password; returns its id (0 on failure). */
static inline int64_t ts_account(ts_server *t, const char *user, const char *password,
                                 vg_role role)
{
    char hash[128];
    int64_t id = 0;
    if (vg_password_hash(password, hash, NULL) != VG_OK ||
        vg_hotline_account_create(t->srv->hotline, user, hash, role, "test", time(NULL), &id,
                                  NULL) != VG_OK)
        return 0;
    return id;
}

/* Create an API key that may do what scopes says (VG_SCOPE_* bits); the
 * key text goes to key[80]. */
static inline int64_t ts_api_key_scoped(ts_server *t, const char *org, uint32_t rate,
                                        unsigned scopes, char key[80])
{
    int64_t id = 0;
    if (vg_hotline_api_key_create(t->srv->hotline, org, rate, VG_API_KEY_TRUST_DEFAULT, scopes,
                                  "test", time(NULL), &id, key, NULL) != VG_OK)
        return 0;
    return id;
}

/* The same with every scope. */
static inline int64_t ts_api_key(ts_server *t, const char *org, uint32_t rate, char key[80])
{
    return ts_api_key_scoped(t, org, rate, VG_SCOPE_ALL, key);
}

/* A fresh session for account_id (no password round trip): the cookie
 * token goes to token[65], its CSRF token to csrf[65]. */
static inline int ts_session(ts_server *t, int64_t account_id, int pending, char token[65],
                             char csrf[65])
{
    char hash[65];
    vg_random_hex(token, 32);
    vg_random_hex(csrf, 32);
    vg_sha256_hex(token, 64, hash);
    vg_session s = {.token_hash = hash, .account_id = account_id, .csrf_token = csrf,
                    .totp_pending = pending, .created_at = time(NULL),
                    .expires_at = time(NULL) + 3600};
    return vg_hotline_session_open(t->srv->hotline, &s, time(NULL), NULL) == VG_OK;
}

/* What an anonymous visitor gets from GET path (a page with a form): the
 * vigie_csrf cookie the server sets, as a "Cookie: vigie_csrf=..." header
 * line into cookie, and the csrf_token of the page's form into csrf. The
 * test never derives a token itself: it uses the one the server served. */
static inline int ts_anon_form(const ts_server *t, const char *path, char cookie[200],
                               char csrf[65])
{
    static const char field[] = "name=\"csrf_token\" value=\"";
    ts_response r;
    char value[128];
    int ok = ts_call(t, "GET", path, NULL, NULL, 0, &r) && r.status == 200 &&
             ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0) &&
             strstr(r.body, field);
    if (ok) {
        const char *v = strstr(r.body, field) + strlen(field);
        ok = strcspn(v, "\"") == 64;
        snprintf(csrf, 65, "%.64s", v);
        snprintf(cookie, 200, "Cookie: vigie_csrf=%s", value);
    }
    ts_response_free(&r);
    return ok;
}

#endif
