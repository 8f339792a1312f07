/*
 * src/lib/outbound/outbound.c - webhooks and e-mail on libcurl, held to the
 * rules of talking to the outside (vigie/outbound.h).
 */
#include "vigie/outbound.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    /* Not thread-safe in libcurl before 7.84: done once, here. */
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- addresses ------------------------------------------------------------------- */

static bool ipv4_public(uint32_t a)
{
    /* this network, private, shared (CGN), loopback, link-local, private,
     * IETF protocol assignments, TEST-NET-1, private, benchmarking,
     * TEST-NET-2, TEST-NET-3, multicast, reserved and broadcast */
    static const struct {
        uint32_t net;
        int bits;
    } blocked[] = {
        {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},  {0xa9fe0000, 16},
        {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24}, {0xc0a80000, 16}, {0xc6120000, 15},
        {0xc6336400, 24}, {0xcb007100, 24}, {0xe0000000, 4},  {0xf0000000, 4},
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
        uint32_t mask = blocked[i].bits ? 0xffffffffu << (32 - blocked[i].bits) : 0;
        if ((a & mask) == blocked[i].net)
            return false;
    }
    return true;
}

bool vg_outbound_address_is_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return ipv4_public(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(b, mapped, 12))
            return ipv4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
                               (uint32_t)b[14] << 8 | b[15]);
        /* Global unicast only (2000::/3), without documentation (2001:db8::/32),
         * Teredo (2001::/32) and 6to4 (2002::/16), which can carry private
         * IPv4 addresses. */
        if ((b[0] & 0xe0) != 0x20)
            return false;
        if (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0x0d && b[3] == 0xb8) || (!b[2] && !b[3])))
            return false;
        return !(b[0] == 0x20 && b[1] == 0x02);
    }
    return false;
}

/* ---- one exchange ------------------------------------------------------------------ */

typedef struct exchange {
    const vg_outbound_options *options;
    char refused[160]; /* why the address policy refused a connection, if it did */
    char excerpt[160]; /* the start of the answer's body, printable */
    size_t excerpt_len;
    const char *upload; /* the mail being sent, and how far */
    size_t upload_len, upload_at;
    char *answer; /* vg_outbound_request: the whole answer, up to answer_max */
    size_t answer_len, answer_max;
    bool answer_over; /* it was longer */
} exchange;

int vg_outbound_socket(const struct sockaddr *sa, int family, int socktype, int protocol,
                       bool allow_local, const char *whose, char *why, size_t cap)
{
    if (!allow_local && !vg_outbound_address_is_public(sa)) {
        char text[INET6_ADDRSTRLEN] = "?";
        if (family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
        else if (family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text,
                      sizeof text);
        snprintf(why, cap,
                 "the %s%saddress %s is not a public one (loopback, private, link-local...): "
                 "refused",
                 whose, *whose ? " " : "", text);
        return -1;
    }
    return socket(family, socktype | SOCK_CLOEXEC, protocol);
}

static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *address)
{
    exchange *x = ctx;
    (void)purpose;
    int fd = vg_outbound_socket(&address->addr, address->family, address->socktype,
                                address->protocol, x->options->allow_local, "", x->refused,
                                sizeof x->refused);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* Keep a short printable excerpt of the answer, drop the rest: a service's
 * answer is only ever a hint in an error message. */
static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    exchange *x = ctx;
    size_t len = size * n;
    if (x->answer_max) {
        if (x->answer_len + len > x->answer_max) {
            x->answer_over = true;
            return 0; /* ends the transfer: an answer this long is not one we asked for */
        }
        char *grown = realloc(x->answer, x->answer_len + len + 1);
        if (!grown)
            return 0;
        memcpy(grown + x->answer_len, data, len);
        x->answer_len += len;
        grown[x->answer_len] = 0;
        x->answer = grown;
    }
    for (size_t i = 0; i < len && x->excerpt_len + 1 < sizeof x->excerpt; i++) {
        unsigned char ch = (unsigned char)data[i];
        x->excerpt[x->excerpt_len++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    x->excerpt[x->excerpt_len] = '\0';
    return len;
}

static size_t on_upload(char *buffer, size_t size, size_t n, void *ctx)
{
    exchange *x = ctx;
    size_t room = size * n, left = x->upload_len - x->upload_at;
    size_t take = left < room ? left : room;
    memcpy(buffer, x->upload + x->upload_at, take);
    x->upload_at += take;
    return take;
}

static CURL *handle(exchange *x, const char *url, const char *protocols, vg_error *err)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK) {
        vg_error_set(err, VG_ERR_UNSUPPORTED, "libcurl cannot start");
        return NULL;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    const vg_outbound_options *o = x->options;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(o->timeout_seconds ? o->timeout_seconds : 20));
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    return h;
}

/* What a failed perform means: the address policy, or the transfer. */
static vg_status failure(const exchange *x, CURLcode rc, const char *what, vg_error *err)
{
    if (x->refused[0])
        return vg_error_set(err, VG_ERR_INVALID, "%s: %s", what, x->refused);
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
        return vg_error_set(err, VG_ERR_INVALID, "%s: %s", what, curl_easy_strerror(rc));
    return vg_error_set(err, VG_ERR_IO, "%s: %s", what, curl_easy_strerror(rc));
}

/* ---- webhooks ------------------------------------------------------------------------ */

/* One HTTP exchange under the rules; what names the peer in errors. */
static vg_status exchange_http(const vg_outbound_options *options, const char *what,
                               const char *method, const char *url, const char *const *headers,
                               const char *body, size_t len, exchange *x, long *status,
                               vg_error *err)
{
    if (status)
        *status = 0;
    if (!url ||
        (strncmp(url, "https://", 8) && !(options->allow_local && !strncmp(url, "http://", 7))))
        return vg_error_set(err, VG_ERR_INVALID, "the %s's address must be an https:// URL",
                            what);
    CURL *h = handle(x, url, options->allow_local ? "http,https" : "https", err);
    if (!h)
        return err ? err->status : VG_ERR_NOMEM;
    struct curl_slist *list = NULL;
    vg_status st = VG_OK;
    for (size_t i = 0; headers && headers[i] && st == VG_OK; i++) {
        struct curl_slist *more = curl_slist_append(list, headers[i]);
        if (!more)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else
            list = more;
    }
    /* libcurl would wait for "100 Continue" on larger bodies: no point. */
    struct curl_slist *more = st == VG_OK ? curl_slist_append(list, "Expect:") : NULL;
    if (st == VG_OK && !more)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (more)
        list = more;
    if (st == VG_OK) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "vigie");
        if (!strcmp(method, "POST")) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        } else {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        }
        CURLcode rc = curl_easy_perform(h);
        long code = 0;
        if (rc == CURLE_OK || x->answer_over)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        /* libcurl reads the status line's number without a range check:
         * a hostile receiver's "HTTP/2 1777777777..." comes back negative
         * or huge. Such an answer is malformed, not a status. */
        bool malformed = rc == CURLE_OK && (code < 100 || code > 599);
        if (malformed)
            code = 0;
        if (status)
            *status = code;
        if (malformed)
            st = vg_error_set(err, VG_ERR_IO, "%s: the answer's status line is malformed", what);
        else if (x->answer_over)
            st = vg_error_set(err, VG_ERR_IO, "%s: the answer is longer than %zu bytes", what,
                              x->answer_max);
        else if (rc != CURLE_OK)
            st = failure(x, rc, what, err);
        else if (code < 200 || code > 299)
            st = vg_error_set(err, VG_ERR_IO, "%s: answered HTTP %ld%s%s", what, code,
                              x->excerpt_len ? ": " : "", x->excerpt);
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    return st;
}

vg_status vg_outbound_post(const vg_outbound_options *options, const char *url,
                           const char *const *headers, const char *body, size_t len, long *status,
                           vg_error *err)
{
    exchange x = {.options = options};
    return exchange_http(options, "webhook", "POST", url, headers, body, len, &x, status, err);
}

vg_status vg_outbound_request(const vg_outbound_options *options, const char *what,
                              const char *method, const char *url, const char *const *headers,
                              const char *body, size_t len, size_t answer_max, long *status,
                              char **answer, size_t *answer_len, vg_error *err)
{
    *answer = NULL;
    *answer_len = 0;
    if (strcmp(method, "GET") && strcmp(method, "POST"))
        return vg_error_set(err, VG_ERR_INVALID, "%s: only GET and POST are sent", what);
    exchange x = {.options = options, .answer_max = answer_max ? answer_max : 1};
    vg_status st = exchange_http(options, what, method, url, headers, body, len, &x, status, err);
    if (st != VG_OK) {
        free(x.answer);
        return st;
    }
    if (!x.answer && !(x.answer = calloc(1, 1)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *answer = x.answer;
    *answer_len = x.answer_len;
    return VG_OK;
}

/* ---- e-mail ------------------------------------------------------------------------------ */

/* An envelope address: something@something, no spaces, brackets or
 * control characters (which would let it speak SMTP commands itself). */
static bool envelope_address(const char *a)
{
    if (!a || !*a || strlen(a) > 254 || !strchr(a, '@'))
        return false;
    for (const unsigned char *c = (const unsigned char *)a; *c; c++)
        if (*c <= 0x20 || *c == 0x7f || *c == '<' || *c == '>' || *c == '"' || *c == ',')
            return false;
    return true;
}

vg_status vg_outbound_send_mail(const vg_outbound_options *options, const vg_outbound_mail *m,
                                vg_error *err)
{
    const char *server = m->server;
    bool smtps = server && !strncmp(server, "smtps://", 8);
    if (!server || (!smtps && strncmp(server, "smtp://", 7)))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the mail server must be an smtp:// or smtps:// address");
    if (!envelope_address(m->from))
        return vg_error_set(err, VG_ERR_INVALID, "the sender '%s' is not an e-mail address",
                            m->from ? m->from : "");
    if (!m->to_count)
        return vg_error_set(err, VG_ERR_INVALID, "an e-mail needs at least one recipient");
    for (size_t i = 0; i < m->to_count; i++)
        if (!envelope_address(m->to[i]))
            return vg_error_set(err, VG_ERR_INVALID, "the recipient '%s' is not an e-mail address",
                                m->to[i] ? m->to[i] : "");
    if (!m->message)
        return vg_error_set(err, VG_ERR_INVALID, "an e-mail needs a message");
    exchange x = {.options = options, .upload = m->message, .upload_len = strlen(m->message)};
    CURL *h = handle(&x, server,
                     options->allow_local ? "smtp,smtps"
                     : smtps              ? "smtps"
                                          : "smtp",
                     err);
    if (!h)
        return err ? err->status : VG_ERR_NOMEM;
    vg_status st = VG_OK;
    char from[300];
    snprintf(from, sizeof from, "<%s>", m->from);
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; i < m->to_count && st == VG_OK; i++) {
        char to[300];
        snprintf(to, sizeof to, "<%s>", m->to[i]);
        struct curl_slist *more = curl_slist_append(rcpt, to);
        if (!more)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else
            rcpt = more;
    }
    if (st == VG_OK) {
        /* Plain smtp:// must upgrade with STARTTLS, or nothing is sent. */
        curl_easy_setopt(h, CURLOPT_USE_SSL,
                         (long)(options->allow_local ? CURLUSESSL_TRY : CURLUSESSL_ALL));
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(h, CURLOPT_READDATA, &x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x.upload_len);
        if (m->username) {
            curl_easy_setopt(h, CURLOPT_USERNAME, m->username);
            curl_easy_setopt(h, CURLOPT_PASSWORD, m->password ? m->password : "");
        }
        CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK) {
            long code = 0;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            st = failure(&x, rc, "e-mail", err);
            if (code && st == VG_ERR_IO)
                /* libcurl's words for a refusal ("Weird server reply") say
                 * less than the code's class does */
                st = vg_error_set(err, VG_ERR_IO, "e-mail: the mail server answered %ld (%s)", code,
                                  code >= 500 && code < 600 ? "refused: check the addresses "
                                                              "and the account"
                                  : code >= 400 && code < 500 ? "a temporary refusal"
                                                              : curl_easy_strerror(rc));
        }
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return st;
}
