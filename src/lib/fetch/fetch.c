/*
 * The safe fetcher on libcurl (vigie/fetch.h): one easy handle per hop,
 * redirects followed here so that every hop is checked and recorded.
 */
#include "vigie/fetch.h"
#include "vigie/digest.h"
#include "vigie/outbound.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    /* Not thread-safe in libcurl before 7.84: done once, here. */
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

#define MAX_HEADER_BYTES 16384

/* ---- one hop ---------------------------------------------------------------- */

typedef struct hop_transfer {
    const vg_fetch_options *opts;
    vg_fetch_sink sink;
    void *sink_ctx;
    vg_fetch_record *record;
    vg_fetch_hop *hop;
    size_t header_len;
    int headers_done; /* the current answer's header block ended */
    int body_wanted;  /* a 2xx answer whose body goes to the sink */
    uint64_t dropped; /* bytes of a body read and dropped */
    int too_large;
    char refused[200];   /* why the rules stopped the transfer */
    vg_status sink_status;
    vg_error sink_err;
} hop_transfer;

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *address)
{
    hop_transfer *t = ctx;
    (void)purpose;
    /* With a proxy, the proxy (the operator's choice) is the only peer.
     * The tests' allowance is loopback alone: a test server on 127.0.0.1
     * can then show a redirect into a private network refused. */
    bool allow = (t->opts->allow_private_addresses && is_loopback(&address->addr)) ||
                 (t->opts->proxy && *t->opts->proxy);
    int fd = vg_outbound_socket(&address->addr, address->family, address->socktype,
                                address->protocol, allow, "", t->refused, sizeof t->refused);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

bool vg_fetch_type_accepted(const char *accepted, const char *content_type)
{
    if (!accepted || !*accepted)
        return true;
    if (!content_type)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t type_len = strcspn(content_type, "; \t");
    if (!type_len)
        return false;
    const char *p = accepted;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n) {
            int prefix = p[n - 1] == '/';
            if (prefix ? type_len > n && !strncasecmp(content_type, p, n)
                       : type_len == n && !strncasecmp(content_type, p, n))
                return true;
        }
        p += n;
    }
    return false;
}

/* A header block starts with its status line; a proxy's CONNECT answer or
 * a 100 Continue comes as a block of its own before the real one. */
static size_t receive_header(char *data, size_t size, size_t n, void *ctx)
{
    hop_transfer *t = ctx;
    size_t len = size * n;
    vg_fetch_hop *hop = t->hop;
    size_t line = len;
    while (line && (data[line - 1] == '\n' || data[line - 1] == '\r'))
        line--;
    if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
        const char *sp = memchr(data, ' ', line);
        hop->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        t->header_len = 0;
        t->headers_done = 0;
        if (hop->headers)
            hop->headers[0] = 0;
        return len;
    }
    if (!line) {
        t->headers_done = 1;
        t->body_wanted = hop->status >= 200 && hop->status <= 299;
        if (t->body_wanted) {
            const char *type = NULL;
            for (const char *h = hop->headers; h && *h;) {
                if (!strncasecmp(h, "Content-Type:", 13))
                    type = h + 13;
                const char *eol = strchr(h, '\n');
                h = eol ? eol + 1 : NULL;
            }
            char value[128] = "";
            if (type) {
                size_t vlen = strcspn(type, "\n");
                while (vlen && (*type == ' ' || *type == '\t'))
                    type++, vlen--;
                snprintf(value, sizeof value, "%.*s", (int)vlen, type);
            }
            snprintf(t->record->content_type, sizeof t->record->content_type, "%s", value);
            if (!vg_fetch_type_accepted(t->opts->content_types, value)) {
                snprintf(t->refused, sizeof t->refused,
                         "the content type '%.60s' is not among those fetched (%.80s)",
                         value[0] ? value : "(none)", t->opts->content_types);
                return 0;
            }
        }
        return len;
    }
    /* Kept as seen, one line each, without control characters: headers
     * are evidence, and an attacker's bytes must not forge lines. */
    if (!hop->headers) {
        hop->headers = calloc(1, MAX_HEADER_BYTES + 1);
        if (!hop->headers)
            return 0;
    }
    if (t->header_len + line + 1 <= MAX_HEADER_BYTES) {
        for (size_t i = 0; i < line; i++) {
            unsigned char c = (unsigned char)data[i];
            hop->headers[t->header_len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
        hop->headers[t->header_len++] = '\n';
        hop->headers[t->header_len] = 0;
    }
    return len;
}

static size_t receive_body(char *data, size_t size, size_t n, void *ctx)
{
    hop_transfer *t = ctx;
    size_t len = size * n;
    uint64_t *counted = t->body_wanted ? &t->record->bytes : &t->dropped;
    if (len > t->opts->max_bytes - *counted) {
        t->too_large = 1;
        return 0;
    }
    *counted += len;
    if (!t->body_wanted || !t->sink)
        return len;
    t->sink_status = t->sink(t->sink_ctx, (const uint8_t *)data, len, &t->sink_err);
    return t->sink_status == VG_OK ? len : 0;
}

static void read_certificate(CURL *c, vg_fetch_hop *hop)
{
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || !info ||
        info->num_of_certs < 1)
        return;
    for (struct curl_slist *s = info->certinfo[0]; s; s = s->next)
        if (!strncmp(s->data, "Cert:", 5)) {
            vg_fetch_pem_sha256(s->data + 5, strlen(s->data + 5), hop->tls_sha256);
            return;
        }
}

/* ---- URLs ---------------------------------------------------------------------- */

static vg_status check_url(const char *url, const vg_fetch_options *opts, vg_error *err)
{
    int https = url && !strncmp(url, "https://", 8);
    int http = url && !strncmp(url, "http://", 7);
    if (!https && !(http && opts->allow_plain_http))
        return vg_error_set(err, VG_ERR_INVALID, "only https:// URLs are fetched, not '%.100s'",
                            url ? url : "");
    const char *host = url + (https ? 8 : 7);
    size_t authority = strcspn(host, "/?#");
    if (!authority || memchr(host, '@', authority) || strpbrk(url, " \t\r\n\\") ||
        strlen(url) > 8192)
        return vg_error_set(err, VG_ERR_INVALID,
                            "the URL must be scheme://host[:port]/..., without credentials");
    if (!opts->proxy || !*opts->proxy || opts->allow_private_addresses)
        return VG_OK;
    /* Through a proxy the name is resolved there: refuse what is private
     * on its face. */
    CURLU *u = curl_url();
    char *name = NULL;
    vg_status st = VG_OK;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK)
        st = vg_error_set(err, VG_ERR_INVALID, "the URL cannot be read");
    if (st == VG_OK) {
        struct sockaddr_storage sa = {0};
        char *literal = name;
        size_t nlen = strlen(name);
        if (nlen > 2 && name[0] == '[') {
            literal = name + 1;
            name[nlen - 1] = 0;
        }
        struct sockaddr_in *v4 = (struct sockaddr_in *)&sa;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sa;
        int is_literal = 0;
        if (inet_pton(AF_INET, literal, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            is_literal = 1;
        } else if (inet_pton(AF_INET6, literal, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            is_literal = 1;
        }
        if ((is_literal && !vg_outbound_address_is_public((struct sockaddr *)&sa)) ||
            !strcasecmp(literal, "localhost") ||
            (strlen(literal) > 10 && !strcasecmp(literal + strlen(literal) - 10, ".localhost")))
            st = vg_error_set(err, VG_ERR_INVALID, "the host %.80s is not a public one", literal);
    }
    curl_free(name);
    curl_url_cleanup(u);
    return st;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request of the chain. *next gets the redirect's target (malloc'd)
 * when the answer was a redirect to follow. */
static vg_status one_hop(const char *url, const vg_fetch_options *opts, vg_fetch_sink sink,
                         void *ctx, vg_fetch_record *record, long timeout_ms, char **next,
                         vg_error *err)
{
    vg_fetch_hop *hop = &record->hops[record->hop_count++];
    *next = NULL;
    if (!(hop->url = strdup(url)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    CURL *c = curl_easy_init();
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    hop_transfer t = {.opts = opts, .sink = sink, .sink_ctx = ctx, .record = record, .hop = hop,
                      .sink_status = VG_OK};
    vg_error_clear(&t.sink_err);
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, opts->allow_plain_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, opts->proxy ? opts->proxy : "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     (long)(opts->stall_seconds ? opts->stall_seconds : 10));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opts->max_bytes);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, receive_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, receive_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
    curl_easy_setopt(c, CURLOPT_USERAGENT,
                     opts->user_agent && *opts->user_agent ? opts->user_agent : "vigie");
    CURLcode rc = curl_easy_perform(c);
    char *ip = NULL;
    if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
        snprintf(hop->address, sizeof hop->address, "%s", ip);
    read_certificate(c, hop);
    record->status = hop->status;
    char *location = NULL;
    if (rc == CURLE_OK && hop->status >= 300 && hop->status <= 399 &&
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location &&
        !(*next = strdup(location))) {
        curl_easy_cleanup(c);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    curl_easy_cleanup(c);

    if (t.sink_status != VG_OK) {
        record->outcome = VG_FETCH_FAILED;
        return vg_error_set(err, t.sink_status, "%s", t.sink_err.message);
    }
    if (t.refused[0]) {
        record->outcome = VG_FETCH_REFUSED;
        return vg_error_set(err, VG_ERR_IO, "%s", t.refused);
    }
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        record->outcome = VG_FETCH_REFUSED;
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the answer is larger than %llu bytes",
                            (unsigned long long)opts->max_bytes);
    }
    if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        record->outcome = VG_FETCH_NO_HOST;
        return vg_error_set(err, VG_ERR_IO, "the host name does not resolve: %s", curl_error);
    }
    if (rc != CURLE_OK) {
        record->outcome = VG_FETCH_FAILED;
        return vg_error_set(err, VG_ERR_IO, "fetching failed: %s",
                            curl_error[0] ? curl_error : curl_easy_strerror(rc));
    }
    if (hop->status >= 200 && hop->status <= 299) {
        record->outcome = VG_FETCH_BODY;
        return VG_OK;
    }
    record->outcome = VG_FETCH_HTTP_ERROR;
    if (*next)
        return VG_OK; /* the caller follows it, or says there were too many */
    return vg_error_set(err, VG_ERR_IO, "the server answered %ld", hop->status);
}

vg_status vg_fetch_stream(const char *url, const vg_fetch_options *opts, vg_fetch_sink sink,
                          void *ctx, vg_fetch_record *record, vg_error *err)
{
    memset(record, 0, sizeof *record);
    record->started_at = (int64_t)time(NULL);
    record->outcome = VG_FETCH_REFUSED;
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libcurl cannot start");
    vg_status st = check_url(url, opts, err);
    if (st != VG_OK)
        return st;
    const int64_t deadline =
        now_ms() + 1000 * (int64_t)(opts->timeout_seconds ? opts->timeout_seconds : 30);
    unsigned max_hops = (opts->max_redirects < VG_FETCH_MAX_HOPS - 1 ? opts->max_redirects
                                                                     : VG_FETCH_MAX_HOPS - 1) +
                        1;
    char *current = strdup(url);
    if (!current)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            record->outcome = VG_FETCH_FAILED;
            st = vg_error_set(err, VG_ERR_IO, "fetching failed: the deadline passed");
            break;
        }
        char *next = NULL;
        st = one_hop(current, opts, sink, ctx, record, (long)left, &next, err);
        free(current);
        current = next;
        if (st != VG_OK || !next)
            break;
        if (record->hop_count >= max_hops) {
            record->outcome = VG_FETCH_REFUSED;
            st = vg_error_set(err, VG_ERR_IO,
                              "the server answered %ld, a redirect to %.200s: more than %u "
                              "redirects are not followed",
                              record->status, next, opts->max_redirects);
            break;
        }
        for (size_t i = 0; i < record->hop_count; i++)
            if (!strcmp(record->hops[i].url, next)) {
                record->outcome = VG_FETCH_REFUSED;
                st = vg_error_set(err, VG_ERR_IO, "redirect loop at %.200s", next);
                break;
            }
        if (st == VG_OK)
            st = check_url(next, opts, err);
        if (st != VG_OK) {
            record->outcome = VG_FETCH_REFUSED;
            break;
        }
    }
    free(current);
    return st;
}

void vg_fetch_record_free(vg_fetch_record *record)
{
    for (size_t i = 0; i < record->hop_count; i++) {
        free(record->hops[i].url);
        free(record->hops[i].headers);
    }
    memset(record, 0, sizeof *record);
}

static const char *outcome_name(vg_fetch_outcome o)
{
    switch (o) {
    case VG_FETCH_BODY:
        return "body";
    case VG_FETCH_HTTP_ERROR:
        return "http_error";
    case VG_FETCH_NO_HOST:
        return "no_host";
    case VG_FETCH_REFUSED:
        return "refused";
    case VG_FETCH_FAILED:
        break;
    }
    return "failed";
}

char *vg_fetch_record_json(const vg_fetch_record *record)
{
    json_t *hops = json_array();
    for (size_t i = 0; hops && i < record->hop_count; i++) {
        const vg_fetch_hop *h = &record->hops[i];
        /* Headers are bytes from a stranger: kept only when they are
         * UTF-8, which JSON requires; otherwise said so. */
        json_t *headers = h->headers ? json_string(h->headers) : json_null();
        if (!headers)
            headers = json_string("(not UTF-8)");
        json_array_append_new(hops, json_pack("{s:s, s:s, s:i, s:o, s:s}", "url", h->url ? h->url : "",
                                              "address", h->address, "status", (int)h->status,
                                              "headers", headers, "tls_sha256", h->tls_sha256));
    }
    json_t *o = json_pack("{s:I, s:s, s:i, s:s, s:I, s:o}", "started_at",
                          (json_int_t)record->started_at, "outcome", outcome_name(record->outcome),
                          "status", (int)record->status, "content_type", record->content_type,
                          "bytes", (json_int_t)record->bytes, "hops", hops);
    if (!o)
        return NULL;
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* ---- certificates --------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool vg_fetch_pem_sha256(const char *pem, size_t len, char hex[65])
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    hex[0] = 0;
    const char *p = NULL;
    for (size_t i = 0; i + sizeof begin - 1 <= len; i++)
        if (!memcmp(pem + i, begin, sizeof begin - 1)) {
            p = pem + i + sizeof begin - 1;
            break;
        }
    if (!p)
        return false;
    const char *stop = pem + len;
    /* The certificate is decoded into a bounded buffer: a few kilobytes
     * for any real one; longer is not a certificate we keep. */
    uint8_t der[16384];
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0, ended = 0;
    for (; p < stop; p++) {
        if ((size_t)(stop - p) >= sizeof end - 1 && !memcmp(p, end, sizeof end - 1)) {
            ended = 1;
            break;
        }
        unsigned char ch = (unsigned char)*p;
        if (ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t' || ch == '=')
            continue;
        int v = b64_value(ch);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == sizeof der)
                return false;
            der[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (!ended || n == 0)
        return false;
    vg_digests d;
    if (vg_digest_buffer(der, n, &d, NULL) != VG_OK)
        return false;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = digits[d.sha256[i] >> 4];
        hex[2 * i + 1] = digits[d.sha256[i] & 15];
    }
    hex[64] = 0;
    return true;
}

/* ---- into memory ---------------------------------------------------------------- */

typedef struct memory_sink {
    vg_fetch_result *out;
    size_t cap;
} memory_sink;

static vg_status to_memory(void *ctx, const uint8_t *data, size_t len, vg_error *err)
{
    memory_sink *m = ctx;
    vg_fetch_result *r = m->out;
    if (r->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < r->len + len)
            cap *= 2;
        /* Grown by copy, the old copy wiped: what is fetched may be
         * evidence, and realloc would leave it in freed memory. */
        uint8_t *grown = malloc(cap);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        if (r->data) {
            memcpy(grown, r->data, r->len);
            memset(r->data, 0, m->cap);
            free(r->data);
        }
        r->data = grown;
        m->cap = cap;
    }
    memcpy(r->data + r->len, data, len);
    r->len += len;
    return VG_OK;
}

vg_status vg_fetch(const char *url, const vg_fetch_options *opts, vg_fetch_result *out,
                   vg_error *err)
{
    memset(out, 0, sizeof *out);
    memory_sink m = {.out = out};
    vg_fetch_record record;
    vg_status st = vg_fetch_stream(url, opts, to_memory, &m, &record, err);
    snprintf(out->content_type, sizeof out->content_type, "%s", record.content_type);
    vg_fetch_record_free(&record);
    if (st != VG_OK) {
        if (out->data) {
            memset(out->data, 0, m.cap);
            free(out->data);
        }
        memset(out, 0, sizeof *out);
    }
    return st;
}

void vg_fetch_result_free(vg_fetch_result *r)
{
    if (r->data) {
        memset(r->data, 0, r->len);
        free(r->data);
    }
    memset(r, 0, sizeof *r);
}
