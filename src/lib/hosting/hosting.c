/*
 * A hosting lookup put together: inputs to host names, names to addresses
 * (resolve.c), addresses to places (location.c), and to whom to write: the
 * operator's directory first (directory.c), then RDAP (rdap.c), whose
 * answers are cached per network so that a batch of URLs on one provider
 * asks its registry once.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "hosting_internal.h"
#include "vigie/outbound.h"
#include "vigie/url.h"

typedef struct cache_entry {
    char key[64];        /* the network, or the address when the database has none */
    int64_t expires;
    char email[VG_HOSTING_CONTACT_MAX];
    char name[256];
    char note[256];
} cache_entry;

struct vg_hosting {
    vg_hosting_config config;
    char *location_db, *providers, *rdap_url, *dns_servers, *ca_file; /* owned copies */
    location *loc;
    directory dir;
    pthread_mutex_t cache_lock;
    cache_entry *cache;
    size_t cache_used;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void vg_hosting_config_init(vg_hosting_config *c)
{
    *c = (vg_hosting_config){
        .dns_timeout_ms = 2000,
        .dns_tries = 2,
        .deadline_ms = 10000,
        .rdap_timeout_seconds = 10,
        .rdap_max_bytes = 1u << 20,
        .rdap_cache_seconds = 86400,
        .rdap_negative_seconds = 3600,
        .rdap_cache_entries = 4096,
    };
}

const char *vg_contact_source_name(vg_contact_source source)
{
    return source == VG_CONTACT_DIRECTORY ? "directory" : source == VG_CONTACT_RDAP ? "rdap" : "";
}

static char *dup_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

static vg_status read_directory(vg_hosting *h, vg_error *err)
{
    FILE *f = fopen(h->providers, "re");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: %s (the directory of providers)", h->providers,
                            strerror(errno));
    char *text = malloc(DIRECTORY_MAX_BYTES + 1);
    size_t len = text ? fread(text, 1, DIRECTORY_MAX_BYTES + 1, f) : 0;
    bool failed = ferror(f);
    fclose(f);
    vg_status st;
    if (!text)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    else if (failed)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot be read", h->providers);
    else
        st = directory_parse(text, len, h->providers, &h->dir, err);
    free(text);
    return st;
}

vg_status vg_hosting_open(const vg_hosting_config *config, vg_hosting **out, vg_error *err)
{
    *out = NULL;
    if (config->rdap_url) {
        const char *u = config->rdap_url;
        if (strncmp(u, "https://", 8) && !(config->allow_plain_http && !strncmp(u, "http://", 7)))
            return vg_error_set(err, VG_ERR_INVALID,
                                "the RDAP service must be an https:// URL, not '%s'", u);
        if (strpbrk(u, "?#@\\ \t\r\n"))
            return vg_error_set(err, VG_ERR_INVALID,
                                "the RDAP service '%s' must be scheme://host[:port][/path]", u);
    }
    if (config->dns_timeout_ms <= 0 || config->deadline_ms <= 0 || !config->dns_tries ||
        config->rdap_timeout_seconds <= 0 || !config->rdap_max_bytes ||
        !config->rdap_cache_entries)
        return vg_error_set(err, VG_ERR_INVALID, "hosting lookup: timeouts and limits must be positive");
    vg_hosting *h = calloc(1, sizeof *h);
    if (!h)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&h->cache_lock, NULL);
    h->config = *config;
    bool ok = true;
    h->location_db = dup_or_null(config->location_db, &ok);
    h->providers = dup_or_null(config->providers, &ok);
    h->rdap_url = dup_or_null(config->rdap_url, &ok);
    h->dns_servers = dup_or_null(config->dns_servers, &ok);
    h->ca_file = dup_or_null(config->ca_file, &ok);
    h->cache = calloc(config->rdap_cache_entries, sizeof *h->cache);
    vg_status st = ok && h->cache ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (h->rdap_url) {
        size_t len = strlen(h->rdap_url);
        while (len && h->rdap_url[len - 1] == '/')
            h->rdap_url[--len] = '\0';
    }
    h->config.location_db = h->location_db;
    h->config.providers = h->providers;
    h->config.rdap_url = h->rdap_url;
    h->config.dns_servers = h->dns_servers;
    h->config.ca_file = h->ca_file;
    if (st == VG_OK && h->location_db)
        st = location_open(h->location_db, &h->loc, err);
    if (st == VG_OK && h->providers)
        st = read_directory(h, err);
    if (st == VG_OK && h->rdap_url) {
        pthread_once(&curl_once, init_curl);
        if (curl_init_result != CURLE_OK)
            st = vg_error_set(err, VG_ERR_UNSUPPORTED, "libcurl cannot start");
    }
    if (st != VG_OK) {
        vg_hosting_close(h);
        return st;
    }
    *out = h;
    return VG_OK;
}

void vg_hosting_close(vg_hosting *h)
{
    if (!h)
        return;
    location_close(h->loc);
    directory_free(&h->dir);
    free(h->cache);
    free(h->location_db);
    free(h->providers);
    free(h->rdap_url);
    free(h->dns_servers);
    free(h->ca_file);
    pthread_mutex_destroy(&h->cache_lock);
    free(h);
}

/* ---- inputs ---------------------------------------------------------------------------- */

/* The host of an input: a URL's (after canonicalisation), or the input
 * itself; IPv6 literals without brackets. NULL with a reason when unusable. */
static char *input_host(const char *input, char *why, size_t why_cap)
{
    size_t len = strlen(input);
    char *text = NULL;
    const char *host = input;
    size_t host_len = len;
    if (strstr(input, "://") || strchr(input, '/')) {
        vg_error e;
        if (vg_url_canonicalize(input, len, &text, &e) != VG_OK) {
            snprintf(why, why_cap, "not a usable address: %.400s", e.message);
            return NULL;
        }
        const char *auth = strstr(text, "://");
        if (!auth) {
            snprintf(why, why_cap, "an address without a host");
            free(text);
            return NULL;
        }
        auth += 3;
        size_t auth_len = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', auth_len);
        if (at) {
            auth_len -= (size_t)(at + 1 - auth);
            auth = at + 1;
        }
        host = auth;
        host_len = auth_len;
    }
    if (host_len && host[0] == '[') {
        const char *close = memchr(host, ']', host_len);
        host_len = close ? (size_t)(close - host - 1) : 0;
        host++;
    } else if (host != input || memchr(host, ':', host_len) == memrchr(host, ':', host_len)) {
        /* host:port (one colon); an input with several is an IPv6 literal */
        const char *colon = memchr(host, ':', host_len);
        if (colon)
            host_len = (size_t)(colon - host);
    }
    char *out = NULL;
    if (host_len && host_len <= 253 && (out = malloc(host_len + 1))) {
        memcpy(out, host, host_len);
        out[host_len] = '\0';
        if (out[host_len - 1] == '.' && host_len > 1)
            out[host_len - 1] = '\0';
    }
    free(text);
    if (!out)
        snprintf(why, why_cap, host_len ? "the host name is too long" : "no host");
    return out;
}

static bool parse_ip(const char *s, struct in6_addr *out)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, s, &v4) == 1) {
        *out = (struct in6_addr){0};
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool valid_name(char *s)
{
    for (char *p = s; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
            return false;
    }
    return *s && *s != '.' && !strstr(s, "..");
}

static bool is_v4_mapped(const struct in6_addr *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return !memcmp(a->s6_addr, prefix, 12);
}

static void address_text(const struct in6_addr *a, char *out, size_t cap)
{
    if (is_v4_mapped(a))
        inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)cap);
}

static bool public_address(const struct in6_addr *a)
{
    struct sockaddr_storage ss = {0};
    if (is_v4_mapped(a)) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, &a->s6_addr[12], 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = *a;
    }
    return vg_outbound_address_is_public((struct sockaddr *)&ss);
}

/* ---- RDAP ------------------------------------------------------------------------------ */

typedef struct fetch {
    vg_hosting *h;
    CURL *curl;
    char *body;
    size_t len, max;
    bool truncated;
    char refused[160];
} fetch;

static int64_t now(vg_hosting *h)
{
    return h->config.now ? h->config.now(h->config.now_ctx) : (int64_t)time(NULL);
}

static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *address)
{
    fetch *f = ctx;
    (void)purpose;
    int fd = vg_outbound_socket(&address->addr, address->family, address->socktype,
                                address->protocol, f->h->config.allow_private_addresses, "RDAP service's", f->refused,
                                sizeof f->refused);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    fetch *f = ctx;
    size_t len = size * n;
    if (f->len + len > f->max) {
        f->truncated = true;
        return 0;
    }
    char *grown = realloc(f->body, f->len + len + 1);
    if (!grown)
        return 0;
    f->body = grown;
    memcpy(f->body + f->len, data, len);
    f->len += len;
    f->body[f->len] = '\0';
    return len;
}

/* GET base + path and read the abuse contact. A 404 is an answer (the
 * registry has no such object): VG_OK with no e-mail. */
static vg_status rdap_get(fetch *f, const char *path, rdap_contact *out, vg_error *err)
{
    *out = (rdap_contact){0};
    char url[1024];
    if ((size_t)snprintf(url, sizeof url, "%s%s", f->h->rdap_url, path) >= sizeof url)
        return vg_error_set(err, VG_ERR_INVALID, "RDAP: the request address is too long");
    free(f->body);
    f->body = NULL;
    f->len = 0;
    f->truncated = false;
    f->refused[0] = '\0';
    f->max = f->h->config.rdap_max_bytes;
    CURL *c = f->curl;
    curl_easy_reset(c);
    const char *protocols = f->h->config.allow_plain_http ? "http,https" : "https";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
    /* Registries redirect to the one responsible for the address. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, f->h->config.rdap_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigie");
    if (f->h->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, f->h->ca_file);
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/rdap+json");
    if (headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        if (f->refused[0])
            return vg_error_set(err, VG_ERR_INVALID, "RDAP: %s", f->refused);
        if (f->truncated)
            return vg_error_set(err, VG_ERR_TOO_LARGE, "RDAP: the answer is larger than %zu bytes",
                                f->max);
        return vg_error_set(err, VG_ERR_IO, "RDAP: %s", curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 404)
        return VG_OK;
    if (status != 200)
        return vg_error_set(err, VG_ERR_IO, "RDAP: the service answered HTTP %ld", status);
    vg_status st = rdap_parse(f->body ? f->body : "", f->len, out, err);
    if (st != VG_OK)
        vg_error_prefix(err, "RDAP: ");
    return st;
}

static bool cache_get(vg_hosting *h, const char *key, cache_entry *out)
{
    bool found = false;
    int64_t t = now(h);
    pthread_mutex_lock(&h->cache_lock);
    for (size_t i = 0; i < h->cache_used; i++)
        if (!strcmp(h->cache[i].key, key) && h->cache[i].expires > t) {
            *out = h->cache[i];
            found = true;
            break;
        }
    pthread_mutex_unlock(&h->cache_lock);
    return found;
}

static void cache_put(vg_hosting *h, const cache_entry *e)
{
    pthread_mutex_lock(&h->cache_lock);
    size_t slot = h->cache_used;
    for (size_t i = 0; i < h->cache_used; i++)
        if (!strcmp(h->cache[i].key, e->key)) {
            slot = i;
            break;
        }
    if (slot == h->config.rdap_cache_entries) {
        /* Full: the entry closest to expiring makes room. */
        slot = 0;
        for (size_t i = 1; i < h->cache_used; i++)
            if (h->cache[i].expires < h->cache[slot].expires)
                slot = i;
    }
    h->cache[slot] = *e;
    if (slot == h->cache_used)
        h->cache_used++;
    pthread_mutex_unlock(&h->cache_lock);
}

static void rdap_contact_for(vg_hosting *h, fetch *f, vg_hosting_address *a)
{
    cache_entry e = {0};
    snprintf(e.key, sizeof e.key, "%s", a->network[0] ? a->network : a->ip);
    if (!cache_get(h, e.key, &e)) {
        if (!f->curl && !(f->curl = curl_easy_init())) {
            snprintf(a->note, sizeof a->note, "RDAP: out of memory");
            return;
        }
        char path[128];
        snprintf(path, sizeof path, "/ip/%s", a->ip);
        rdap_contact c;
        vg_error err;
        vg_status st = rdap_get(f, path, &c, &err);
        if (st == VG_OK && !c.email[0] && a->asn) {
            /* The network names no abuse contact: its AS may. */
            snprintf(path, sizeof path, "/autnum/%u", a->asn);
            st = rdap_get(f, path, &c, &err);
        }
        if (st == VG_OK) {
            memcpy(e.email, c.email, sizeof e.email);
            memcpy(e.name, c.name, sizeof e.name);
            if (!c.email[0])
                snprintf(e.note, sizeof e.note, "RDAP names no abuse contact");
        } else {
            snprintf(e.note, sizeof e.note, "%.250s", err.message);
        }
        e.expires = now(h) + (e.email[0] ? h->config.rdap_cache_seconds
                                         : h->config.rdap_negative_seconds);
        cache_put(h, &e);
    }
    if (e.email[0]) {
        memcpy(a->abuse_contact, e.email, sizeof a->abuse_contact);
        memcpy(a->provider, e.name, sizeof e.name);
        a->contact_source = VG_CONTACT_RDAP;
    } else {
        snprintf(a->note, sizeof a->note, "%s", e.note);
    }
}

/* ---- lookups --------------------------------------------------------------------------- */

static void describe(vg_hosting *h, fetch *f, const char *name, const struct in6_addr *addr,
                     vg_hosting_address *a)
{
    *a = (vg_hosting_address){0};
    address_text(addr, a->ip, sizeof a->ip);
    a->is_public = public_address(addr) || h->config.allow_private_addresses;
    if (!a->is_public) {
        snprintf(a->note, sizeof a->note,
                 "not a public address (loopback, private, reserved...): nothing to look up");
        return;
    }
    if (h->loc)
        location_find(h->loc, addr, a);
    const provider *p = directory_find(&h->dir, name, a->asn);
    if (p) {
        snprintf(a->provider, sizeof a->provider, "%s", p->name);
        snprintf(a->abuse_contact, sizeof a->abuse_contact, "%s", p->contact);
        snprintf(a->language, sizeof a->language, "%s", p->language);
        a->contact_source = VG_CONTACT_DIRECTORY;
        a->anycast = a->anycast || p->cdn;
    } else if (h->rdap_url) {
        rdap_contact_for(h, f, a);
    }
}

void vg_hosting_results_free(vg_hosting_result *results, size_t count)
{
    if (!results)
        return;
    for (size_t i = 0; i < count; i++) {
        free(results[i].input);
        free(results[i].host);
        free(results[i].addresses);
    }
    free(results);
}

vg_status vg_hosting_lookup(vg_hosting *h, const char *const *inputs, size_t count,
                            vg_hosting_result **out, vg_error *err)
{
    *out = NULL;
    vg_hosting_result *results = calloc(count ? count : 1, sizeof *results);
    resolved *res = calloc(count ? count : 1, sizeof *res);
    const char **names = calloc(count ? count : 1, sizeof *names);
    if (!results || !res || !names) {
        free(results), free(res), free(names);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    vg_status st = VG_OK;
    for (size_t i = 0; i < count && st == VG_OK; i++) {
        vg_hosting_result *r = &results[i];
        if (!(r->input = strdup(inputs[i]))) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        r->host = input_host(inputs[i], r->error, sizeof r->error);
        struct in6_addr ip;
        if (!r->host) {
            r->status = VG_ERR_INVALID;
        } else if (parse_ip(r->host, &ip)) {
            if (!(res[i].addrs = malloc(sizeof ip)))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            else
                res[i].addrs[res[i].count++] = ip;
        } else if (!valid_name(r->host)) {
            r->status = VG_ERR_INVALID;
            snprintf(r->error, sizeof r->error, "'%.200s' is not a host name", r->host);
        } else {
            names[i] = r->host;
        }
    }
    if (st == VG_OK)
        st = resolve_all(&h->config, names, count, res, err);
    fetch f = {.h = h};
    for (size_t i = 0; i < count && st == VG_OK; i++) {
        vg_hosting_result *r = &results[i];
        if (r->status != VG_OK)
            continue;
        if (res[i].status != VG_OK) {
            r->status = res[i].status;
            snprintf(r->error, sizeof r->error, "%s", res[i].error);
            continue;
        }
        if (res[i].count && !(r->addresses = calloc(res[i].count, sizeof *r->addresses))) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k < res[i].count; k++)
            describe(h, &f, names[i], &res[i].addrs[k], &r->addresses[r->address_count++]);
    }
    if (f.curl)
        curl_easy_cleanup(f.curl);
    free(f.body);
    for (size_t i = 0; i < count; i++)
        resolved_free(&res[i]);
    free(res);
    free(names);
    if (st != VG_OK) {
        vg_hosting_results_free(results, count);
        return st;
    }
    *out = results;
    return VG_OK;
}

vg_status vg_hosting_locate(vg_hosting *h, const char *ip, vg_hosting_address *out, vg_error *err)
{
    *out = (vg_hosting_address){0};
    struct in6_addr a;
    if (!parse_ip(ip, &a))
        return vg_error_set(err, VG_ERR_INVALID, "'%.80s' is not an IP address", ip);
    address_text(&a, out->ip, sizeof out->ip);
    out->is_public = public_address(&a);
    if (h->loc)
        location_find(h->loc, &a, out);
    return VG_OK;
}
