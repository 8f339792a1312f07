/*
 * src/lib/blclient/blclient.c - the member's prefix set, its updates and
 * the decision about an address (vigie/blclient.h).
 *
 * The set is a sorted array of prefixes as numbers (big-endian, as
 * vg_urlhash_prefix gives them): 4 bytes a listed expression, looked up by
 * binary search, with no trace of what the expressions were.
 */
#include "vigie/blclient.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigie/digest.h"
#include "vigie/outbound.h"
#include "vigie/urlhash.h"

/* A list of a million prefixes is about 11 MB of JSON; more than this is
 * no answer of ours. */
#define PREFIX_ANSWER_MAX ((size_t)256 << 20)
#define FULL_ANSWER_MAX ((size_t)1 << 20)
#define STATE_MAX_COUNT ((size_t)1 << 26)
#define CACHE_MAX 4096
#define STATE_MAGIC "vigie-blocklist-state 1\n"

/* A full-hash answer kept: the hashes listed under prefix at version, until
 * expires (monotonic seconds). */
typedef struct cached {
    uint32_t prefix;
    int64_t version;
    double expires;
    unsigned char *hashes;
    size_t count;
} cached;

struct vg_blclient {
    char *server; /* without trailing '/' */
    char *authorization;
    vg_outbound_options outbound;
    unsigned cache_seconds;
    pthread_mutex_t update_lock; /* one update at a time */
    pthread_mutex_t lock;        /* the set and the cache */
    uint32_t *set;
    size_t count;
    int64_t version;
    cached *cache; /* CACHE_MAX slots, allocated at the first answer kept */
    size_t cache_count;
};

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

vg_status vg_blclient_new(const vg_blclient_options *options, vg_blclient **out, vg_error *err)
{
    *out = NULL;
    const char *server = options ? options->server : NULL;
    const char *key = options ? options->key : NULL;
    if (!server || (strncmp(server, "https://", 8) && strncmp(server, "http://", 7)))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the blocking list server must be an https:// address");
    if (!key || !*key || strlen(key) > 200)
        return vg_error_set(err, VG_ERR_INVALID, "give the member's API key");
    for (const char *p = key; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return vg_error_set(err, VG_ERR_INVALID,
                                "the API key has a character a key never has (a space, a "
                                "control character or a non-ASCII byte)");
    vg_blclient *c = calloc(1, sizeof *c);
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = strlen(server);
    while (n && server[n - 1] == '/')
        n--;
    c->server = strndup(server, n);
    size_t auth_len = strlen(key) + 32;
    c->authorization = malloc(auth_len);
    if (!c->server || !c->authorization) {
        free(c->server);
        free(c->authorization);
        free(c);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    snprintf(c->authorization, auth_len, "Authorization: Bearer %s", key);
    c->outbound.timeout_seconds = options->timeout_seconds ? options->timeout_seconds : 30;
    c->outbound.ca_file = options->ca_file;
    c->outbound.allow_local = options->allow_local;
    c->cache_seconds = options->cache_seconds ? options->cache_seconds : 300;
    pthread_mutex_init(&c->update_lock, NULL);
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return VG_OK;
}

static void cache_clear(vg_blclient *c)
{
    for (size_t i = 0; i < c->cache_count; i++)
        free(c->cache[i].hashes);
    c->cache_count = 0;
}

void vg_blclient_free(vg_blclient *client)
{
    if (!client)
        return;
    cache_clear(client);
    free(client->cache);
    free(client->set);
    free(client->server);
    sodium_memzero(client->authorization, strlen(client->authorization));
    free(client->authorization);
    pthread_mutex_destroy(&client->lock);
    pthread_mutex_destroy(&client->update_lock);
    free(client);
}

int64_t vg_blclient_version(vg_blclient *client)
{
    pthread_mutex_lock(&client->lock);
    int64_t v = client->version;
    pthread_mutex_unlock(&client->lock);
    return v;
}

size_t vg_blclient_count(vg_blclient *client)
{
    pthread_mutex_lock(&client->lock);
    size_t n = client->count;
    pthread_mutex_unlock(&client->lock);
    return n;
}

/* SHA-256 of the sorted prefixes, 4 big-endian bytes each: the checksum
 * the server sends with every update. */
static void set_checksum(const uint32_t *set, size_t n, unsigned char out[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char chunk[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        chunk[used++] = (unsigned char)(set[i] >> 24);
        chunk[used++] = (unsigned char)(set[i] >> 16);
        chunk[used++] = (unsigned char)(set[i] >> 8);
        chunk[used++] = (unsigned char)set[i];
        if (used == sizeof chunk) {
            crypto_hash_sha256_update(&st, chunk, used);
            used = 0;
        }
    }
    crypto_hash_sha256_update(&st, chunk, used);
    crypto_hash_sha256_final(&st, out);
}

/* Exactly 2 * len hex digits (either case) into len bytes. */
static bool hex_bytes(const char *hex, size_t len, unsigned char *out)
{
    return hex && vg_hex_decode(hex, out, len) == VG_OK;
}

static bool prefix_of_text(const char *hex, uint32_t *out)
{
    unsigned char b[4];
    if (!hex_bytes(hex, 4, b))
        return false;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

static int prefix_order(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A JSON array of prefixes, sorted and without repeats: *out malloc'd. */
static vg_status prefix_list(json_t *array, const char *name, uint32_t **out, size_t *n,
                             vg_error *err)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(array))
        return vg_error_set(err, VG_ERR_CORRUPT, "the update has no \"%s\" list", name);
    size_t count = json_array_size(array);
    uint32_t *p = malloc((count ? count : 1) * sizeof *p);
    if (!p)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        if (!prefix_of_text(json_string_value(json_array_get(array, i)), &p[i])) {
            free(p);
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "the update's \"%s\" list has an item that is not 8 "
                                "hexadecimal digits",
                                name);
        }
    qsort(p, count, sizeof *p, prefix_order);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (!kept || p[kept - 1] != p[i])
            p[kept++] = p[i];
    *out = p;
    *n = kept;
    return VG_OK;
}

static bool contains(const uint32_t *set, size_t n, uint32_t prefix)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set[mid] < prefix)
            lo = mid + 1;
        else if (set[mid] > prefix)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* (base + add) - del, all sorted without repeats: *out malloc'd. */
static vg_status merge(const uint32_t *base, size_t nb, const uint32_t *add, size_t na,
                       const uint32_t *del, size_t nd, uint32_t **out, size_t *n)
{
    uint32_t *r = malloc((nb + na ? nb + na : 1) * sizeof *r);
    if (!r)
        return VG_ERR_NOMEM;
    size_t i = 0, j = 0, k = 0, m = 0;
    while (i < nb || j < na) {
        uint32_t next;
        if (j >= na || (i < nb && base[i] < add[j]))
            next = base[i++];
        else if (i >= nb || add[j] < base[i])
            next = add[j++];
        else {
            next = base[i++];
            j++;
        }
        while (k < nd && del[k] < next)
            k++;
        if (k < nd && del[k] == next)
            continue;
        r[m++] = next;
    }
    *out = r;
    *n = m;
    return VG_OK;
}

vg_status vg_blclient_apply_answer(vg_blclient *client, const char *text, size_t len,
                                   vg_blclient_update_info *info, vg_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return vg_error_set(err, VG_ERR_CORRUPT, "the prefix update is not a JSON object");
    }
    json_t *version = json_object_get(doc, "version"), *reset = json_object_get(doc, "reset");
    json_t *count = json_object_get(doc, "count");
    unsigned char want[32];
    if (!json_is_integer(version) || json_integer_value(version) < 0 || !json_is_boolean(reset) ||
        !json_is_integer(count) || json_integer_value(count) < 0 ||
        !hex_bytes(json_string_value(json_object_get(doc, "checksum")), 32, want)) {
        json_decref(doc);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the prefix update lacks its version, reset, count or checksum");
    }
    uint32_t *add = NULL, *del = NULL;
    size_t na = 0, nd = 0;
    vg_status st = prefix_list(json_object_get(doc, "additions"), "additions", &add, &na, err);
    if (st == VG_OK)
        st = prefix_list(json_object_get(doc, "removals"), "removals", &del, &nd, err);
    bool is_reset = json_is_true(reset);
    int64_t new_version = json_integer_value(version);
    json_int_t want_count = json_integer_value(count);
    json_decref(doc);
    if (st != VG_OK) {
        free(add);
        free(del);
        return st;
    }
    pthread_mutex_lock(&client->lock);
    int64_t from = client->version;
    uint32_t *merged = NULL;
    size_t nm = 0;
    if (merge(is_reset ? NULL : client->set, is_reset ? 0 : client->count, add, na, del, nd,
              &merged, &nm) != VG_OK)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    unsigned char got[32];
    if (st == VG_OK) {
        set_checksum(merged, nm, got);
        if ((json_int_t)nm != want_count || sodium_memcmp(got, want, 32) != 0)
            st = vg_error_set(err, VG_ERR_INVALID,
                              "the set after the update from version %" PRId64
                              " does not match the server's checksum (%zu prefixes, the "
                              "server has %" PRId64 ")",
                              from, nm, (int64_t)want_count);
    }
    if (st == VG_OK) {
        free(client->set);
        client->set = merged;
        client->count = nm;
        merged = NULL;
        if (client->version != new_version || is_reset)
            cache_clear(client);
        client->version = new_version;
        if (info) {
            info->from_version = from;
            info->version = new_version;
            info->reset = is_reset;
            info->added = na;
            info->removed = nd;
            info->count = nm;
        }
    }
    pthread_mutex_unlock(&client->lock);
    free(merged);
    free(add);
    free(del);
    return st;
}

/* GET path (below the server's base) into *answer. */
static vg_status get(vg_blclient *c, const char *path, size_t max, char **answer, size_t *len,
                     vg_error *err)
{
    size_t url_len = strlen(c->server) + strlen(path) + 1;
    char *url = malloc(url_len);
    if (!url)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    snprintf(url, url_len, "%s%s", c->server, path);
    const char *headers[] = {c->authorization, "Accept: application/json", NULL};
    long status = 0;
    vg_status st = vg_outbound_request(&c->outbound, "blocking list server", "GET", url, headers,
                                       NULL, 0, max, &status, answer, len, err);
    free(url);
    return st;
}

/* One update from since; *mismatch when the answer was read but the result
 * did not match its checksum (apart from the request's own refusals). */
static vg_status fetch_and_apply(vg_blclient *c, int64_t since, vg_blclient_update_info *info,
                                 bool *mismatch, vg_error *err)
{
    char path[80], *answer = NULL;
    size_t len = 0;
    *mismatch = false;
    snprintf(path, sizeof path, "/api/v1/blocklist/prefixes?since=%" PRId64, since);
    vg_status st = get(c, path, PREFIX_ANSWER_MAX, &answer, &len, err);
    if (st != VG_OK)
        return st;
    info->bytes += len;
    st = vg_blclient_apply_answer(c, answer, len, info, err);
    *mismatch = st == VG_ERR_INVALID;
    free(answer);
    return st;
}

vg_status vg_blclient_update(vg_blclient *client, vg_blclient_update_info *info, vg_error *err)
{
    vg_blclient_update_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    bool mismatch = false;
    pthread_mutex_lock(&client->update_lock);
    vg_status st = fetch_and_apply(client, vg_blclient_version(client), info, &mismatch, err);
    if (mismatch) {
        /* the set held has drifted from the server's: start again from
         * nothing, as Safe Browsing clients do on a checksum mismatch */
        size_t bytes = info->bytes;
        memset(info, 0, sizeof *info);
        info->bytes = bytes;
        st = fetch_and_apply(client, 0, info, &mismatch, err);
        info->checksum_reset = true;
        if (mismatch)
            st = vg_error_set(err, VG_ERR_CORRUPT,
                              "the server's whole set does not match its own checksum");
    }
    pthread_mutex_unlock(&client->update_lock);
    return st;
}

vg_status vg_blclient_parse_full_hashes(const char *text, size_t len, uint32_t prefix,
                                        unsigned char **hashes, size_t *count, vg_error *err)
{
    *hashes = NULL;
    *count = 0;
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *list = json_object_get(doc, "full_hashes");
    if (!json_is_object(doc) || !json_is_array(list)) {
        json_decref(doc);
        return vg_error_set(err, VG_ERR_CORRUPT, "the full-hash answer has no full_hashes list");
    }
    size_t n = json_array_size(list);
    unsigned char *h = malloc(n ? n * 32 : 1);
    if (!h) {
        json_decref(doc);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char *one = h + i * 32;
        if (!hex_bytes(json_string_value(json_array_get(list, i)), 32, one) ||
            vg_urlhash_prefix(one) != prefix) {
            free(h);
            json_decref(doc);
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "the full-hash answer for %08" PRIx32
                                " has an item that is not a full hash with that prefix",
                                prefix);
        }
    }
    json_decref(doc);
    *hashes = h;
    *count = n;
    return VG_OK;
}

/* The cached answer for prefix at the set's version, if still fresh:
 * whether full is among its hashes (*found), under the lock. */
static bool cache_lookup(vg_blclient *c, uint32_t prefix, const unsigned char full[32], double now,
                         bool *found)
{
    for (size_t i = 0; i < c->cache_count; i++) {
        cached *e = &c->cache[i];
        if (e->prefix != prefix || e->version != c->version || e->expires <= now)
            continue;
        *found = false;
        for (size_t k = 0; k < e->count; k++)
            if (!memcmp(e->hashes + 32 * k, full, 32))
                *found = true;
        return true;
    }
    return false;
}

/* Keep an answer (taking hashes), under the lock. A full cache drops what
 * expired, or everything when nothing has. */
static void cache_store(vg_blclient *c, uint32_t prefix, int64_t version, unsigned char *hashes,
                        size_t count, double now)
{
    if (!c->cache && !(c->cache = calloc(CACHE_MAX, sizeof *c->cache))) {
        free(hashes); /* the answer is only not kept */
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < c->cache_count; i++) {
        cached *e = &c->cache[i];
        if (e->prefix == prefix || e->expires <= now || e->version != c->version)
            free(e->hashes);
        else
            c->cache[kept++] = *e;
    }
    c->cache_count = kept;
    if (c->cache_count == CACHE_MAX)
        cache_clear(c);
    c->cache[c->cache_count++] =
        (cached){prefix, version, now + c->cache_seconds, hashes, count};
}

/* Whether full is listed under its prefix, asking the server unless the
 * cache knows. */
static vg_status full_hash_listed(vg_blclient *c, const unsigned char full[32], bool *listed,
                                  size_t *requests, vg_error *err)
{
    uint32_t prefix = vg_urlhash_prefix(full);
    pthread_mutex_lock(&c->lock);
    int64_t version = c->version;
    bool known = cache_lookup(c, prefix, full, monotonic_seconds(), listed);
    pthread_mutex_unlock(&c->lock);
    if (known)
        return VG_OK;
    char path[64], *answer = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "/api/v1/blocklist/full-hashes?prefix=%08" PRIx32, prefix);
    (*requests)++;
    vg_status st = get(c, path, FULL_ANSWER_MAX, &answer, &len, err);
    unsigned char *hashes = NULL;
    size_t n = 0;
    if (st == VG_OK)
        st = vg_blclient_parse_full_hashes(answer, len, prefix, &hashes, &n, err);
    free(answer);
    if (st != VG_OK)
        return st;
    *listed = false;
    for (size_t k = 0; k < n; k++)
        if (!memcmp(hashes + 32 * k, full, 32))
            *listed = true;
    pthread_mutex_lock(&c->lock);
    if (c->version == version)
        cache_store(c, prefix, version, hashes, n, monotonic_seconds());
    else
        free(hashes);
    pthread_mutex_unlock(&c->lock);
    return VG_OK;
}

vg_status vg_blclient_check(vg_blclient *client, const char *url, size_t len,
                            vg_blclient_verdict *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    vg_urlhash_expressions ex;
    vg_status st = vg_urlhash_expressions_of(url, len, &ex, err);
    if (st != VG_OK)
        return st;
    for (size_t i = 0; i < ex.count && st == VG_OK && !out->listed; i++) {
        unsigned char full[VG_URLHASH_FULL_BYTES];
        vg_urlhash_full(ex.items[i], strlen(ex.items[i]), full);
        pthread_mutex_lock(&client->lock);
        bool held = contains(client->set, client->count, vg_urlhash_prefix(full));
        pthread_mutex_unlock(&client->lock);
        if (!held)
            continue;
        bool listed = false;
        st = full_hash_listed(client, full, &listed, &out->full_hash_requests, err);
        if (st == VG_OK && listed) {
            out->expression = strdup(ex.items[i]);
            if (!out->expression)
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            else
                out->listed = true;
        }
    }
    vg_urlhash_expressions_clear(&ex);
    if (st != VG_OK)
        vg_blclient_verdict_clear(out);
    return st;
}

void vg_blclient_verdict_clear(vg_blclient_verdict *verdict)
{
    free(verdict->expression);
    memset(verdict, 0, sizeof *verdict);
}

/* The state file: a text head, then the prefixes, 4 big-endian bytes each:
 *   vigie-blocklist-state 1
 *   server URL
 *   version V
 *   count N
 *   checksum HEX
 *   (empty line)
 *   N * 4 bytes
 */
vg_status vg_blclient_save(vg_blclient *client, const char *path, vg_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        vg_error_set(err, VG_ERR_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return VG_ERR_IO;
    }
    pthread_mutex_lock(&client->lock);
    unsigned char sum[32];
    char hex[65];
    set_checksum(client->set, client->count, sum);
    vg_hex_encode(sum, sizeof sum, hex);
    fprintf(f, STATE_MAGIC "server %s\nversion %" PRId64 "\ncount %zu\nchecksum %s\n\n",
            client->server, client->version, client->count, hex);
    for (size_t i = 0; i < client->count; i++) {
        unsigned char b[4] = {(unsigned char)(client->set[i] >> 24),
                              (unsigned char)(client->set[i] >> 16),
                              (unsigned char)(client->set[i] >> 8), (unsigned char)client->set[i]};
        fwrite(b, 1, 4, f);
    }
    pthread_mutex_unlock(&client->lock);
    int failed = ferror(f);
    failed |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) != 0) {
        vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return VG_ERR_IO;
    }
    free(tmp);
    return VG_OK;
}

/* One head line "name VALUE\n" at *p, advancing it: the value's bytes. */
static bool head_line(const unsigned char **p, const unsigned char *end, const char *name,
                      char *value, size_t cap)
{
    size_t nl = strlen(name);
    if ((size_t)(end - *p) < nl + 1 || memcmp(*p, name, nl) || (*p)[nl] != ' ')
        return false;
    const unsigned char *v = *p + nl + 1;
    const unsigned char *eol = memchr(v, '\n', (size_t)(end - v));
    if (!eol || (size_t)(eol - v) >= cap || eol == v)
        return false;
    memcpy(value, v, (size_t)(eol - v));
    value[eol - v] = 0;
    if (strlen(value) != (size_t)(eol - v))
        return false;
    *p = eol + 1;
    return true;
}

static bool decimal(const char *text, uint64_t max, uint64_t *out)
{
    size_t n = strlen(text);
    if (!n || n > 19 || strspn(text, "0123456789") != n)
        return false;
    *out = strtoull(text, NULL, 10);
    return *out <= max;
}

vg_status vg_blclient_load_bytes(vg_blclient *client, const unsigned char *data, size_t len,
                                 vg_error *err)
{
    const unsigned char *p = data, *end = data + len;
    size_t ml = strlen(STATE_MAGIC);
    char server[2048], version_text[32], count_text[32], sum_text[80];
    uint64_t version = 0, count = 0;
    unsigned char sum[32];
    if (len < ml || memcmp(p, STATE_MAGIC, ml))
        return vg_error_set(err, VG_ERR_CORRUPT, "not a blocking list state file");
    p += ml;
    if (!head_line(&p, end, "server", server, sizeof server) ||
        !head_line(&p, end, "version", version_text, sizeof version_text) ||
        !head_line(&p, end, "count", count_text, sizeof count_text) ||
        !head_line(&p, end, "checksum", sum_text, sizeof sum_text) || p >= end || *p != '\n' ||
        !decimal(version_text, INT64_MAX, &version) ||
        !decimal(count_text, STATE_MAX_COUNT, &count) || !hex_bytes(sum_text, 32, sum))
        return vg_error_set(err, VG_ERR_CORRUPT, "the state file's head is damaged");
    p++;
    if (strcmp(server, client->server))
        return vg_error_set(err, VG_ERR_CORRUPT, "the state file is the list of another server (%s)",
                            server);
    if ((size_t)(end - p) != count * 4)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the state file holds %zu bytes of prefixes, its head says %" PRIu64,
                            (size_t)(end - p), count * 4);
    uint32_t *set = malloc(count ? count * sizeof *set : 1);
    if (!set)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++, p += 4) {
        set[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (i && set[i] <= set[i - 1]) {
            free(set);
            return vg_error_set(err, VG_ERR_CORRUPT, "the state file's prefixes are not in order");
        }
    }
    unsigned char got[32];
    set_checksum(set, count, got);
    if (sodium_memcmp(got, sum, 32) != 0) {
        free(set);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the state file's prefixes do not match its checksum");
    }
    pthread_mutex_lock(&client->lock);
    free(client->set);
    client->set = set;
    client->count = count;
    client->version = (int64_t)version;
    cache_clear(client);
    pthread_mutex_unlock(&client->lock);
    return VG_OK;
}

vg_status vg_blclient_load(vg_blclient *client, const char *path, bool *missing, vg_error *err)
{
    if (missing)
        *missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (missing && errno == ENOENT)
            *missing = true;
        return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
    }
    size_t cap = 1 << 16, len = 0, limit = STATE_MAX_COUNT * 4 + 4096;
    unsigned char *data = malloc(cap);
    vg_status st = data ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    while (st == VG_OK) {
        if (len == cap) {
            unsigned char *bigger = cap < limit ? realloc(data, cap * 2) : NULL;
            if (!bigger) {
                st = vg_error_set(err, VG_ERR_CORRUPT, "%s: too large for a state file", path);
                break;
            }
            data = bigger;
            cap *= 2;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = vg_error_set(err, VG_ERR_IO, "%s: cannot be read", path);
            break;
        }
    }
    fclose(f);
    if (st == VG_OK) {
        st = vg_blclient_load_bytes(client, data, len, err);
        if (st != VG_OK)
            vg_error_prefix(err, "%s: ", path);
    }
    free(data);
    return st;
}
