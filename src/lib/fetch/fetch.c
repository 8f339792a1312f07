/*
 * One URL fetched into memory, on libcurl, held to the project's rules for
 * talking to the outside (vigie/fetch.h).
 */
#include "vigie/fetch.h"
#include "vigie/outbound.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    /* Not thread-safe in libcurl before 7.84: done once, here. */
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the transfer ---------------------------------------------------------------- */

typedef struct transfer {
    const vg_fetch_options *opts;
    vg_fetch_result *out;
    size_t cap;
    int too_large;
    char refused[160];
} transfer;

static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *address)
{
    transfer *t = ctx;
    (void)purpose;
    int fd = vg_outbound_socket(&address->addr, address->family, address->socktype,
                                address->protocol, t->opts->allow_private_addresses, "", t->refused,
                                sizeof t->refused);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static size_t receive(char *data, size_t size, size_t n, void *ctx)
{
    transfer *t = ctx;
    size_t len = size * n;
    vg_fetch_result *r = t->out;
    if (len > t->opts->max_bytes - r->len) {
        t->too_large = 1;
        return 0;
    }
    if (r->len + len > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        while (cap < r->len + len)
            cap *= 2;
        uint8_t *grown = malloc(cap);
        if (!grown)
            return 0;
        if (r->data) {
            memcpy(grown, r->data, r->len);
            memset(r->data, 0, t->cap);
            free(r->data);
        }
        r->data = grown;
        t->cap = cap;
    }
    memcpy(r->data + r->len, data, len);
    r->len += len;
    return len;
}

vg_status vg_fetch(const char *url, const vg_fetch_options *opts, vg_fetch_result *out,
                   vg_error *err)
{
    memset(out, 0, sizeof *out);
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libcurl cannot start");
    int https = url && !strncmp(url, "https://", 8);
    int http = url && !strncmp(url, "http://", 7);
    if (!https && !(http && opts->allow_plain_http))
        return vg_error_set(err, VG_ERR_INVALID, "only https:// URLs are fetched");
    const char *host = url + (https ? 8 : 7);
    size_t authority = strcspn(host, "/?#");
    if (!authority || memchr(host, '@', authority) || strpbrk(url, " \t\r\n\\"))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the URL must be scheme://host[:port]/..., without credentials");
    CURL *c = curl_easy_init();
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    transfer t = {.opts = opts, .out = out};
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, opts->allow_plain_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT,
                     (long)(opts->timeout_seconds ? opts->timeout_seconds : 30));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opts->max_bytes);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, receive);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigie");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    char *type = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
    if (type)
        snprintf(out->content_type, sizeof out->content_type, "%s", type);
    curl_easy_cleanup(c);
    vg_status st = VG_OK;
    if (t.refused[0])
        st = vg_error_set(err, VG_ERR_IO, "%s", t.refused);
    else if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        st = vg_error_set(err, VG_ERR_TOO_LARGE, "the answer is larger than %llu bytes",
                          (unsigned long long)opts->max_bytes);
    else if (rc != CURLE_OK)
        st = vg_error_set(err, VG_ERR_IO, "fetching failed: %s",
                          curl_error[0] ? curl_error : curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        st = vg_error_set(err, VG_ERR_IO, "the server answered %ld", status);
    if (st != VG_OK)
        vg_fetch_result_free(out);
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
