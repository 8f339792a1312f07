/*
 * HTTP for the hash sharing clients, on libcurl, held to the project's
 * rules for talking to the outside: https only, public addresses only (the
 * check runs on the address actually connected to, after resolution),
 * no redirects, no proxy from the environment, bounded answers, and
 * retries with growing waits on the failures a service asks to retry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hashsync_internal.h"
#include "vigie/outbound.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    /* Not thread-safe in libcurl before 7.84: done once, here. */
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *vg_sync_source_name(vg_sync_source source)
{
    return source == VG_SYNC_NCMEC      ? "ncmec"
           : source == VG_SYNC_STOPNCII ? "stopncii"
           : source == VG_SYNC_SIGNED   ? "signed"
                                        : "unknown";
}

vg_status vg_sync_source_parse(const char *name, vg_sync_source *out)
{
    if (!strcmp(name, "ncmec"))
        *out = VG_SYNC_NCMEC;
    else if (!strcmp(name, "stopncii"))
        *out = VG_SYNC_STOPNCII;
    else if (!strcmp(name, "signed"))
        *out = VG_SYNC_SIGNED;
    else
        return VG_ERR_INVALID;
    return VG_OK;
}

void vg_sync_config_init(vg_sync_config *config, vg_sync_source source)
{
    *config = (vg_sync_config){.source = source, .page_size = 800};
    config->http.timeout_seconds = 60;
    config->http.max_response_bytes = (size_t)256 << 20;
    config->http.max_file_bytes = (uint64_t)64 << 30;
    config->http.retries = 3;
    config->http.retry_delay_ms = 500;
}

/* ---- addresses ------------------------------------------------------------------- */

/* The address policy of vigie/outbound.h, on the address actually connected to. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *address)
{
    vg_sync_client *c = ctx;
    (void)purpose;
    int fd = vg_outbound_socket(&address->addr, address->family, address->socktype,
                                address->protocol, c->config.http.allow_private_addresses, "service's", c->refused,
                                sizeof c->refused);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* ---- the client ------------------------------------------------------------------ */

static char *dup_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

vg_status vg_sync_client_new(const vg_sync_config *config, vg_sync_client **out, vg_error *err)
{
    *out = NULL;
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libcurl cannot start");
    const char *base = config->base_url;
    bool https = base && !strncmp(base, "https://", 8);
    bool http = base && !strncmp(base, "http://", 7);
    if (!https && !(http && config->http.allow_plain_http))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the service's address must be an https:// URL, not '%s'",
                            base ? base : "");
    const char *host = base + (https ? 8 : 7);
    if (strpbrk(host, "?#@\\ \t\r\n") || !*host)
        return vg_error_set(err, VG_ERR_INVALID,
                            "the service's address '%s' must be scheme://host[:port][/path], "
                            "without credentials, query or fragment",
                            base);
    if (config->source == VG_SYNC_NCMEC && (!config->username || !config->password ||
                                            !*config->username || !*config->password))
        return vg_error_set(err, VG_ERR_INVALID, "NCMEC needs a user name and a password");
    if (config->source == VG_SYNC_STOPNCII &&
        (!config->subscription_key || !config->fetch_function_key ||
         !*config->subscription_key || !*config->fetch_function_key))
        return vg_error_set(err, VG_ERR_INVALID,
                            "StopNCII needs a subscription key and a FetchHashes function key");
    vg_sync_client *c = calloc(1, sizeof *c);
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    c->config = *config;
    bool ok = true;
    c->base_url = dup_or_null(config->base_url, &ok);
    c->username = dup_or_null(config->username, &ok);
    c->password = dup_or_null(config->password, &ok);
    c->subscription_key = dup_or_null(config->subscription_key, &ok);
    c->fetch_function_key = dup_or_null(config->fetch_function_key, &ok);
    c->ca_file = dup_or_null(config->http.ca_file, &ok);
    c->curl = curl_easy_init();
    if (!ok || !c->curl) {
        vg_sync_client_free(c);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (c->config.page_size == 0)
        c->config.page_size = 800;
    size_t len = strlen(c->base_url);
    while (len > 8 && c->base_url[len - 1] == '/')
        c->base_url[--len] = '\0';
    *out = c;
    return VG_OK;
}

void vg_sync_client_free(vg_sync_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base_url);
    free(c->username);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->password);
    free(c->subscription_key);
    free(c->fetch_function_key);
    free(c->ca_file);
    free(c);
}

vg_status http_url(vg_sync_client *c, const char *suffix, char *out, size_t cap, vg_error *err)
{
    if ((size_t)snprintf(out, cap, "%s%s", c->base_url, suffix) >= cap)
        return vg_error_set(err, VG_ERR_INVALID, "a request address is too long");
    return VG_OK;
}

vg_status http_escape(vg_sync_client *c, const char *s, char *out, size_t cap, vg_error *err)
{
    char *e = curl_easy_escape(c->curl, s, 0);
    if (!e)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    bool fits = strlen(e) < cap;
    if (fits)
        memcpy(out, e, strlen(e) + 1);
    curl_free(e);
    return fits ? VG_OK : vg_error_set(err, VG_ERR_INVALID, "a request value is too long");
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    http_response *r = ctx;
    size_t len = size * n;
    long code = 0;
    if (r->file && curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
        code == 200) {
        /* the file asked for: straight to disk, never held */
        if (r->file_len + len > r->file_max) {
            r->truncated = r->file_too_large = true;
            return 0;
        }
        if (fwrite(data, 1, len, r->file) != len) {
            r->file_failed = true;
            return 0;
        }
        r->file_len += len;
        return len;
    }
    if (r->len + len > r->max) {
        r->truncated = true;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    char *grown = realloc(r->body, r->len + len + 1);
    if (!grown)
        return 0;
    r->body = grown;
    memcpy(r->body + r->len, data, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

void http_response_free(http_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static const char *service_name(const vg_sync_client *c)
{
    return c->config.source == VG_SYNC_NCMEC      ? "NCMEC"
           : c->config.source == VG_SYNC_STOPNCII ? "StopNCII"
                                                  : "the publisher";
}

vg_status http_status_error(vg_sync_client *c, const char *what, const http_response *r,
                            vg_error *err)
{
    /* A short, printable excerpt of what the service said. */
    char excerpt[160] = "";
    size_t n = 0;
    for (size_t i = 0; r->body && i < r->len && n + 1 < sizeof excerpt; i++) {
        unsigned char ch = (unsigned char)r->body[i];
        excerpt[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    excerpt[n] = '\0';
    const char *hint = r->status == 401 || r->status == 403 ? " (check the credentials)" : "";
    return vg_error_set(err, r->status == 401 || r->status == 403 ? VG_ERR_INVALID : VG_ERR_IO,
                        "%s: %s answered HTTP %ld%s%s%s", what, service_name(c), r->status, hint,
                        n ? ": " : "", excerpt);
}

static void wait_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static vg_status perform(vg_sync_client *c, const char *method, const char *url,
                        const char *const *headers, const char *body, size_t body_len,
                        http_response *out, vg_error *err);

vg_status http_request(vg_sync_client *c, const char *method, const char *url,
                       const char *const *headers, const char *body, size_t body_len,
                       http_response *out, vg_error *err)
{
    *out = (http_response){.max = c->config.http.max_response_bytes};
    return perform(c, method, url, headers, body, body_len, out, err);
}

vg_status http_get_file(vg_sync_client *c, const char *url, FILE *file, http_response *out,
                        vg_error *err)
{
    *out = (http_response){.max = c->config.http.max_response_bytes, .file = file,
                           .curl = c->curl, .file_max = c->config.http.max_file_bytes};
    return perform(c, "GET", url, NULL, NULL, 0, out, err);
}

static vg_status perform(vg_sync_client *c, const char *method, const char *url,
                         const char *const *headers, const char *body, size_t body_len,
                         http_response *out, vg_error *err)
{
    bool get = !strcmp(method, "GET");
    unsigned attempts = get ? c->config.http.retries + 1 : 1;
    unsigned delay = c->config.http.retry_delay_ms;
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *more = curl_slist_append(list, headers[i]);
        if (!more) {
            curl_slist_free_all(list);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        list = more;
    }
    vg_status st = VG_OK;
    for (unsigned attempt = 0; attempt < attempts; attempt++) {
        if (attempt && delay) {
            wait_ms(delay);
            delay *= 2;
        }
        http_response_free(out);
        out->truncated = out->file_too_large = out->file_failed = false;
        if (out->file) {
            /* an attempt starts the file afresh */
            out->file_len = 0;
            if (fflush(out->file) != 0 || ftruncate(fileno(out->file), 0) != 0 ||
                fseeko(out->file, 0, SEEK_SET) != 0) {
                st = vg_error_set(err, VG_ERR_IO, "%s: cannot write the answer: %s", url,
                                  strerror(errno));
                break;
            }
        }
        c->refused[0] = '\0';
        CURL *h = c->curl;
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                         c->config.http.allow_plain_http ? "http,https" : "https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_PROXY, "");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, c->config.http.timeout_seconds);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "vigie");
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        if (c->ca_file)
            curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        if (list)
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
        if (c->username) {
            curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
            curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
        }
        if (!get) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
        }
        CURLcode rc = curl_easy_perform(h);
        if (rc == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
            if (out->status == 429 || out->status >= 500) {
                st = http_status_error(c, url, out, err);
                continue;
            }
            st = VG_OK;
            break;
        }
        if (c->refused[0]) {
            st = vg_error_set(err, VG_ERR_INVALID, "%s: %s", url, c->refused);
            break; /* a policy, not a failure: retrying cannot help */
        }
        if (out->truncated) {
            st = out->file_too_large ? vg_error_set(err, VG_ERR_TOO_LARGE,
                                              "%s: the file is larger than %llu bytes", url,
                                              (unsigned long long)out->file_max)
                               : vg_error_set(err, VG_ERR_TOO_LARGE,
                                              "%s: the answer is larger than %zu bytes", url,
                                              c->config.http.max_response_bytes);
            break;
        }
        if (out->file_failed) {
            st = vg_error_set(err, VG_ERR_IO, "%s: cannot write the answer: %s", url,
                              strerror(errno));
            break;
        }
        st = vg_error_set(err, VG_ERR_IO, "%s: %s", url, curl_easy_strerror(rc));
        if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
            break;
    }
    curl_slist_free_all(list);
    if (st != VG_OK)
        http_response_free(out);
    return st;
}
