/*
 * src/server/api/blocklist.c - the blocking list for its members (ISPs,
 * DNS resolvers, platforms), behind a key with the "blocklist" scope
 * (docs/api.md, docs/blocklist.md "Members"):
 *
 *   GET /api/v1/blocklist/prefixes?since=VERSION
 *     {"version":V,"reset":false,"additions":["1a2b3c4d",...],
 *      "removals":[...],"count":N,"checksum":"<SHA-256, hex>"}
 *     (reset: true, and additions the whole set, when the member must
 *     start again)
 *   GET /api/v1/blocklist/full-hashes?prefix=1a2b3c4d
 *     {"version":V,"prefix":"1a2b3c4d","full_hashes":["<64 hex>",...]}
 *   GET /api/v1/blocklist/rpz
 *     the domain entries as a response policy zone (text/dns)
 *
 * The JSON is written by hand rather than through jansson: a list of a
 * million prefixes is one flat array of fixed-size strings, and a tree of a
 * million nodes would only cost memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/blocklist_feed.h"
#include "server/api/api.h"
#include "vigie/digest.h"

static void prefix_array(FILE *f, const char *name, const uint32_t *p, size_t n)
{
    fprintf(f, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\"%08" PRIx32 "\"", i ? "," : "", p[i]);
    fputc(']', f);
}

/* A version as the query gives it: decimal digits only, no sign. */
static int parse_version(const char *text, int64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > 18 || strspn(text, "0123456789") != n)
        return 0;
    *out = strtoll(text, NULL, 10);
    return 1;
}

void vg_api_blocklist_prefixes(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    const char *since_text = vg_http_query(req, "since");
    int64_t since = 0;
    if (since_text && *since_text && !parse_version(since_text, &since)) {
        vg_http_json_error(req, 400, "invalid_query",
                           "since: give the version of the list you hold, a whole number (0 "
                           "when you hold nothing).");
        return;
    }
    vg_block_update u;
    vg_error err;
    if (vg_hotline_block_update(h, since, &u, &err) != VG_OK) {
        vg_http_json_error(req, 503, "unavailable", "The list cannot be read now: %s",
                           err.message);
        return;
    }
    char checksum[65];
    vg_hex_encode(u.checksum, sizeof u.checksum, checksum);
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (f) {
        fprintf(f, "{\"version\":%" PRId64 ",\"reset\":%s", u.version,
                u.reset ? "true" : "false");
        prefix_array(f, "additions", u.added, u.added_count);
        prefix_array(f, "removals", u.removed, u.removed_count);
        fprintf(f, ",\"count\":%zu,\"checksum\":\"%s\"}\n", u.set_count, checksum);
        int failed = ferror(f);
        failed |= fclose(f) != 0;
        if (failed) {
            free(body);
            body = NULL;
        }
    }
    vg_block_update_clear(&u);
    if (!body) {
        vg_http_json_error(req, 500, "internal", "Out of memory.");
        return;
    }
    vg_http_respond(req, 200, "application/json", body, len);
    free(body);
}

void vg_api_blocklist_full_hashes(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    const char *hex = vg_http_query(req, "prefix");
    uint8_t bytes[4];
    if (!hex || strlen(hex) != 8 || strspn(hex, "0123456789abcdefABCDEF") != 8 ||
        vg_hex_decode(hex, bytes, sizeof bytes) != VG_OK) {
        vg_http_json_error(req, 400, "invalid_query",
                           "prefix: give the 4-byte prefix as 8 hexadecimal digits, as "
                           "/api/v1/blocklist/prefixes lists it.");
        return;
    }
    uint32_t prefix = (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
                      (uint32_t)bytes[2] << 8 | bytes[3];
    unsigned char *hashes = NULL;
    size_t count = 0;
    int64_t version = 0;
    vg_error err;
    if (vg_hotline_block_full_hashes(h, prefix, &hashes, &count, &version, &err) != VG_OK) {
        vg_http_json_error(req, 503, "unavailable", "The list cannot be read now: %s",
                           err.message);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (f) {
        fprintf(f, "{\"version\":%" PRId64 ",\"prefix\":\"%08" PRIx32 "\",\"full_hashes\":[",
                version, prefix);
        for (size_t i = 0; i < count; i++) {
            char text[65];
            vg_hex_encode(hashes + i * 32, 32, text);
            fprintf(f, "%s\"%s\"", i ? "," : "", text);
        }
        fputs("]}\n", f);
        int failed = ferror(f);
        failed |= fclose(f) != 0;
        if (failed) {
            free(body);
            body = NULL;
        }
    }
    free(hashes);
    if (!body) {
        vg_http_json_error(req, 500, "internal", "Out of memory.");
        return;
    }
    vg_http_respond(req, 200, "application/json", body, len);
    free(body);
}

void vg_api_blocklist_rpz(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    char *text = NULL;
    size_t len = 0;
    vg_error err;
    vg_status st = vg_hotline_block_rpz(h, &text, &len, NULL, &err);
    /* no zone exists until the hotline says where it points: a zone
     * answering NXDOMAIN instead would block without the stop page's
     * explanation and help */
    if (st == VG_ERR_UNSUPPORTED) {
        vg_http_json_error(req, 404, "not_configured", "%s", err.message);
        return;
    }
    if (st != VG_OK) {
        vg_http_json_error(req, 503, "unavailable", "The list cannot be read now: %s",
                           err.message);
        return;
    }
    /* text/dns: the zone file's media type (RFC 4027) */
    vg_http_respond(req, 200, "text/dns", text, len);
    free(text);
}
