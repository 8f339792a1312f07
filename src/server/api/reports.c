/*
 * src/server/api/reports.c - the partner API: POST /api/v1/reports and its
 * OpenAPI description at GET /api/v1/openapi.json (docs/api.md).
 *
 * A report is a JSON object (application/json), or a multipart/form-data
 * body with the JSON in a part named "report" and each file in a part named
 * "file" (streamed into the vault as it arrives). Files may also be given
 * by digest only. Unknown members are refused, so a typo does not lose a
 * field silently. An Idempotency-Key header makes retries safe: the retry
 * gets the first answer and nothing is counted twice (store.h). The caller
 * key's rate limit is applied by the HTTP layer before the body is read.
 *
 * The answer says what was stored (id, receipt) and nothing about hash-bank
 * matches: a partner key must not become a way to test what the banks hold.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server/api/api.h"
#include "server/api/report_parse.h"
#include "hotline/partner_answer.h"
#include "hotline/routing.h"
#include "server/uploads.h"
#include "vigie/digest.h"

static int key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 0x21 || key[i] > 0x7e)
            return 0;
    return 1;
}

/* What makes two requests the same report for an Idempotency-Key: the
 * report's JSON text and the SHA-256 of each file, in order. */
static void request_fingerprint(const char *text, size_t len, const vg_intake_draft *d,
                                char out[65])
{
    crypto_hash_sha256_state ctx;
    crypto_hash_sha256_init(&ctx);
    crypto_hash_sha256_update(&ctx, (const unsigned char *)text, len);
    for (size_t i = 0; i < d->report.file_count; i++) {
        const char *sha = d->report.files[i].sha256 ? d->report.files[i].sha256 : "";
        crypto_hash_sha256_update(&ctx, (const unsigned char *)"\n", 1);
        crypto_hash_sha256_update(&ctx, (const unsigned char *)sha, strlen(sha));
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&ctx, digest);
    vg_hex_encode(digest, sizeof digest, out);
}

static vg_status report_file(vg_http_request *req, const char *field, const char *filename,
                             const char *content_type, const void *data, size_t size,
                             uint64_t offset, vg_error *msg)
{
    (void)content_type;
    return vg_uploads_receive(vg_http_route_ctx(req), req, field, filename, data, size, offset,
                              msg);
}

static void post_reports(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    const char *text;
    size_t len = 0;
    if (vg_http_content_type_is(req, "multipart/form-data")) {
        text = vg_http_param(req, "report");
        if (!text)
            text = "{}"; /* files alone are a report */
        len = strlen(text);
    } else if (vg_http_content_type_is(req, "application/json")) {
        text = vg_http_body(req, &len);
    } else {
        vg_http_json_error(req, 415, "unsupported_media_type",
                           "Send the report as application/json, or as multipart/form-data "
                           "with the JSON in a part named \"report\".");
        return;
    }
    const char *key = vg_http_header(req, "Idempotency-Key");
    if (key && !key_valid(key)) {
        vg_http_json_error(req, 400, "invalid_idempotency_key",
                           "The Idempotency-Key header must be 1 to 255 visible ASCII characters.");
        return;
    }
    vg_intake_draft d;
    vg_error err;
    vg_intake_draft_init(&d, "api", &err);
    const vg_http_caller *caller = vg_http_caller_of(req);
    d.report.api_key_id = caller ? caller->api_key_id : 0;
    /* Partners track reports by id; a receipt secret would only be one
     * more secret stored in their systems, so API reports have none. */
    d.report.receipt_secret_hash = NULL;
    vg_api_refusal why;
    if (!vg_api_report_parse(h, text, len, &d, &why)) {
        vg_http_json_error(req, why.status, why.code, "%s", why.message);
        vg_intake_draft_free(h, &d);
        return;
    }
    vg_status st = vg_uploads_take(req, &d, &err);
    if (st == VG_ERR_TOO_LARGE) {
        vg_http_json_error(req, 413, "too_large", "%s.", err.message);
        vg_intake_draft_free(h, &d);
        return;
    }
    if (st != VG_OK) {
        vg_http_json_error(req, 503, "storage_error", "A file could not be stored; try again.");
        vg_intake_draft_free(h, &d);
        return;
    }
    if (!vg_intake_draft_locates(&d)) {
        vg_http_json_error(req, 400, "no_location",
                           "A report needs at least one URL, one file or an account name.");
        vg_intake_draft_free(h, &d);
        return;
    }

    json_t *answer =
        json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", d.public_id, "receipt", d.receipt_code,
                  "status", VG_REPORT_RECEIVED, "urls", (json_int_t)d.report.url_count, "files",
                  (json_int_t)d.report.file_count);
    char *body = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    json_decref(answer);
    if (!body) {
        vg_http_json_error(req, 500, "server_error", "Out of memory.");
        vg_intake_draft_free(h, &d);
        return;
    }
    char request_hash[65];
    request_fingerprint(text, len, &d, request_hash);
    vg_idempotency idem = {key, request_hash, body};
    vg_report_ack ack = {0};
    if (vg_hotline_submit(h, &d, &idem, (int64_t)time(NULL), &ack, &err) != VG_OK) {
        vg_http_json_error(req, 503, "storage_error",
                           "The report could not be stored; try again (with the same "
                           "Idempotency-Key, it will not be counted twice).");
    } else if (ack.conflict) {
        vg_http_json_error(req, 422, "idempotency_key_reused",
                           "This Idempotency-Key was already used for a different report, "
                           "which was stored; this one was NOT. Send it with a new key.");
    } else {
        const char *sent = ack.duplicate && ack.response ? ack.response : body;
        vg_http_respond(req, 201, "application/json", sent, strlen(sent));
    }
    vg_report_ack_clear(&ack);
    free(body);
    vg_intake_draft_free(h, &d);
}

/* GET /api/v1/reports/{id}: what became of a report, for the key that
 * sent it; any other key is told there is no such report. */
static void get_report(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    /* the prefix route also matches "/api/v1/reports" itself: no id then */
    const char *id = vg_http_path_below(req, "/api/v1/reports");
    const vg_http_caller *caller = vg_http_caller_of(req);
    size_t n = strlen(id);
    int id_ok = n > 0 && n <= 128;
    for (size_t i = 0; id_ok && i < n; i++)
        id_ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
                (id[i] >= 'A' && id[i] <= 'Z') || id[i] == '-' || id[i] == '_';
    char *fate = NULL;
    int found = 0;
    vg_error err;
    if (id_ok && vg_hotline_report_fate(h, id, caller ? caller->api_key_id : 0, &fate, &found,
                                        &err) != VG_OK) {
        vg_http_json_error(req, 503, "storage_error", "The report could not be read; try again.");
        return;
    }
    if (!found) {
        vg_http_json_error(req, 404, "not_found",
                           "No report with this id was sent with your key.");
        return;
    }
    vg_http_respond(req, 200, "application/json", fate, strlen(fate));
    free(fate);
}

/* OpenAPI 3.0 description of the partner API. */
static const char openapi[] =
    "{\"openapi\":\"3.0.3\","
    "\"info\":{\"title\":\"vigie hotline partner API\",\"version\":\"1\","
    "\"description\":\"Report locations and files of suspected child sexual abuse material "
    "(CSAM) to the hotline. See docs/api.md.\"},"
    "\"paths\":{\"/api/v1/reports\":{\"post\":{"
    "\"summary\":\"Submit a report\",\"operationId\":\"createReport\","
    "\"security\":[{\"bearer\":[]}],"
    "\"parameters\":[{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"required\":false,"
    "\"description\":\"Retries with the same key return the first answer; the report is "
    "counted once.\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255}}],"
    "\"requestBody\":{\"required\":true,\"content\":{"
    "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Report\"}},"
    "\"multipart/form-data\":{\"schema\":{\"type\":\"object\",\"properties\":{"
    "\"report\":{\"$ref\":\"#/components/schemas/Report\"},"
    "\"file\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"binary\"}}}},"
    "\"encoding\":{\"report\":{\"contentType\":\"application/json\"}}}}},"
    "\"responses\":{"
    "\"201\":{\"description\":\"Stored durably\",\"content\":{\"application/json\":{\"schema\":"
    "{\"$ref\":\"#/components/schemas/Receipt\"}}}},"
    "\"400\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"413\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"415\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"422\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"429\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    /* the banks and lookups (key scopes curate and match; docs/api.md) */
    "\"/api/v1/banks\":{"
    "\"get\":{\"summary\":\"The banks (scope curate)\",\"operationId\":\"listBanks\","
    "\"security\":[{\"bearer\":[]}],\"responses\":{\"200\":{\"description\":"
    "\"{banks: [Bank]}\"}}},"
    "\"post\":{\"summary\":\"Make a bank of the partners' own (scope curate)\","
    "\"operationId\":\"createBank\",\"security\":[{\"bearer\":[]}],"
    "\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{"
    "\"type\":\"object\",\"required\":[\"name\"],\"properties\":{"
    "\"name\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-]{1,64}$\"},"
    "\"matching_enabled_ratio\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"enabled\":{\"type\":\"boolean\"}}}}}},"
    "\"responses\":{\"201\":{\"description\":\"The bank\"},"
    "\"409\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    "\"/api/v1/banks/{name}\":{\"parameters\":[{\"name\":\"name\",\"in\":\"path\","
    "\"required\":true,\"schema\":{\"type\":\"string\"}}],"
    "\"get\":{\"summary\":\"One bank\",\"security\":[{\"bearer\":[]}],\"responses\":{"
    "\"200\":{\"description\":\"The bank\"},\"404\":{\"$ref\":"
    "\"#/components/responses/Error\"}}},"
    "\"put\":{\"summary\":\"Switch a bank on or off\",\"security\":[{\"bearer\":[]}],"
    "\"responses\":{\"200\":{\"description\":\"The bank\"}}},"
    "\"delete\":{\"summary\":\"Delete a bank and its entries\",\"security\":"
    "[{\"bearer\":[]}],\"responses\":{\"200\":{\"description\":\"{deleted: true}\"}}}},"
    "\"/api/v1/banks/{name}/content\":{\"parameters\":[{\"name\":\"name\",\"in\":"
    "\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}],"
    "\"post\":{\"summary\":\"Add content by its signals (JSON) or by a file (multipart "
    "photo or video)\",\"security\":[{\"bearer\":[]}],\"responses\":{\"201\":"
    "{\"description\":\"The content\"}}}},"
    "\"/api/v1/banks/{name}/content/{id}\":{\"parameters\":[{\"name\":\"name\",\"in\":"
    "\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}},{\"name\":\"id\","
    "\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\"}}],"
    "\"get\":{\"summary\":\"One content\",\"security\":[{\"bearer\":[]}],"
    "\"responses\":{\"200\":{\"description\":\"The content\"}}},"
    "\"put\":{\"summary\":\"Enable, disable (for a time) or annotate a content\","
    "\"security\":[{\"bearer\":[]}],\"responses\":{\"200\":{\"description\":"
    "\"The content\"}}},"
    "\"delete\":{\"summary\":\"Remove a content\",\"security\":[{\"bearer\":[]}],"
    "\"responses\":{\"200\":{\"description\":\"{deleted: true}\"}}}},"
    "\"/api/v1/lookup\":{"
    "\"get\":{\"summary\":\"Look a signal up (scope match)\",\"operationId\":"
    "\"lookup\",\"security\":[{\"bearer\":[]}],\"parameters\":["
    "{\"name\":\"signal_type\",\"in\":\"query\",\"required\":true,\"schema\":{"
    "\"type\":\"string\",\"enum\":[\"pdq\",\"video_md5\",\"vpdq\",\"md5\",\"sha1\","
    "\"sha256\"]}},{\"name\":\"signal\",\"in\":\"query\",\"required\":true,"
    "\"schema\":{\"type\":\"string\"}},{\"name\":\"banks\",\"in\":\"query\","
    "\"schema\":{\"type\":\"string\"}}],"
    "\"responses\":{\"200\":{\"description\":\"{matches: [{signal_type, bank, "
    "content_id, distance}]}\"}}},"
    "\"post\":{\"summary\":\"Hash a file (multipart photo or video) and look it up\","
    "\"security\":[{\"bearer\":[]}],\"responses\":{\"200\":{\"description\":"
    "\"{signals, matches}\"}}}},"
    /* the statistics for the operator's own tools (key scope stats; docs/stats.md) */
    "\"/api/v1/stats\":{\"get\":{"
    "\"summary\":\"The hotline's figures over a period, by up to two dimensions (scope "
    "stats)\",\"operationId\":\"getStats\",\"security\":[{\"bearer\":[]}],"
    "\"parameters\":[{\"name\":\"from\",\"in\":\"query\",\"schema\":{\"type\":"
    "\"string\",\"format\":\"date\"},\"description\":\"First day, included, on the clock "
    "of stats.time_zone; absent: from the start\"},{\"name\":\"to\",\"in\":\"query\","
    "\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"First day "
    "after the period, excluded; absent: up to now\"},{\"name\":\"by\",\"in\":\"query\","
    "\"schema\":{\"type\":\"string\"},\"description\":\"Dimensions separated by commas, "
    "e.g. month,category (docs/stats.md lists them); absent: the period's totals\"},"
    "{\"name\":\"format\",\"in\":\"query\",\"schema\":{\"type\":\"string\","
    "\"enum\":[\"json\",\"csv\"],\"default\":\"json\"}}],"
    "\"responses\":{\"200\":{\"description\":\"One row per group: a column per dimension "
    "named after it, then one per measure (the columns of vigie stats)\",\"content\":{"
    "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Stats\"}},"
    "\"text/csv\":{\"schema\":{\"type\":\"string\"}}}},"
    "\"400\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    /* the blocking list for its members (key scope blocklist; docs/blocklist.md) */
    "\"/api/v1/blocklist/prefixes\":{\"get\":{"
    "\"summary\":\"The listed entries' 4-byte SHA-256 prefixes, as an update from a version "
    "(scope blocklist)\",\"operationId\":\"blocklistPrefixes\","
    "\"security\":[{\"bearer\":[]}],\"parameters\":[{\"name\":\"since\",\"in\":"
    "\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":0},\"description\":"
    "\"The version you hold; 0 or absent: none\"}],"
    "\"responses\":{\"200\":{\"description\":\"The update\",\"content\":{"
    "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/PrefixUpdate\"}}}},"
    "\"400\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    "\"/api/v1/blocklist/full-hashes\":{\"get\":{"
    "\"summary\":\"The full hashes of the listed entries with a prefix (scope blocklist)\","
    "\"operationId\":\"blocklistFullHashes\",\"security\":[{\"bearer\":[]}],"
    "\"parameters\":[{\"name\":\"prefix\",\"in\":\"query\",\"required\":true,"
    "\"schema\":{\"type\":\"string\",\"pattern\":\"^[0-9a-fA-F]{8}$\"}}],"
    "\"responses\":{\"200\":{\"description\":\"The full hashes\",\"content\":{"
    "\"application/json\":{\"schema\":{\"type\":\"object\",\"required\":[\"version\","
    "\"prefix\",\"full_hashes\"],\"properties\":{\"version\":{\"type\":\"integer\"},"
    "\"prefix\":{\"type\":\"string\"},\"full_hashes\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"}}}}}}},"
    "\"400\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    "\"/api/v1/blocklist/rpz\":{\"get\":{"
    "\"summary\":\"The domain entries as a DNS response policy zone (scope blocklist)\","
    "\"operationId\":\"blocklistRpz\",\"security\":[{\"bearer\":[]}],"
    "\"responses\":{\"200\":{\"description\":\"The zone file\",\"content\":{"
    "\"text/dns\":{\"schema\":{\"type\":\"string\"}}}},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"404\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    "\"/api/v1/reports/{id}\":{\"get\":{"
    "\"summary\":\"What became of a report you sent\",\"operationId\":\"getReport\","
    "\"security\":[{\"bearer\":[]}],"
    "\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,"
    "\"schema\":{\"type\":\"string\"}}],"
    "\"responses\":{"
    "\"200\":{\"description\":\"Its status and what was done\",\"content\":{"
    "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Fate\"}}}},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"404\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"429\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}},"
    /* a partner hotline's callback (key_org in routing.partners; docs/api.md#callbacks) */
    "\"/api/v1/forwards/{id}/fate\":{\"post\":{"
    "\"summary\":\"A partner hotline tells what became of a report we forwarded to it "
    "(a key we issued to that partner)\",\"operationId\":\"forwardFate\","
    "\"security\":[{\"bearer\":[]}],"
    "\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,"
    "\"description\":\"Your id for the report (the id you answered to the forward)\","
    "\"schema\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-]{1,128}$\"}}],"
    "\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":"
    "{\"$ref\":\"#/components/schemas/Fate\"}}}},"
    "\"responses\":{"
    "\"200\":{\"description\":\"Recorded; the same callback again, or an older one, changes "
    "nothing\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\","
    "\"properties\":{\"learned\":{\"type\":\"integer\",\"description\":"
    "\"Actions new to us\"}}}}}},"
    "\"400\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"401\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"403\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"404\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"413\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"415\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"429\":{\"$ref\":\"#/components/responses/Error\"},"
    "\"503\":{\"$ref\":\"#/components/responses/Error\"}}}}},"
    "\"components\":{"
    "\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},"
    "\"responses\":{\"Error\":{\"description\":\"Refused\",\"content\":{\"application/json\":"
    "{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}},"
    "\"schemas\":{"
    "\"Report\":{\"type\":\"object\",\"additionalProperties\":false,"
    "\"description\":\"At least one URL, one file or an account is required.\","
    "\"properties\":{"
    "\"urls\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"type\":\"string\"}},"
    "\"files\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/FileDigest\"}},"
    "\"category\":{\"type\":\"string\",\"enum\":[\"image_video\",\"grooming\",\"sextortion\","
    "\"livestream\",\"image_of_me\",\"other\"]},"
    "\"platform\":{\"type\":\"string\",\"maxLength\":1000},"
    "\"account\":{\"type\":\"string\",\"maxLength\":1000},"
    "\"occurred_at\":{\"type\":\"string\",\"maxLength\":1000},"
    "\"description\":{\"type\":\"string\",\"maxLength\":20000},"
    "\"reporter_kind\":{\"type\":\"string\",\"enum\":[\"public\",\"child\",\"depicted\","
    "\"professional\",\"company\",\"police\",\"hotline\"]},"
    "\"language\":{\"type\":\"string\",\"maxLength\":35},"
    "\"country\":{\"type\":\"string\",\"maxLength\":1000},"
    "\"contact\":{\"type\":\"string\",\"maxLength\":1000},"
    "\"child_in_danger\":{\"type\":\"boolean\",\"description\":\"The sender believes a child "
    "is in danger now (or the abuse is live): the report comes first and alerts whoever is on "
    "duty.\"},"
    "\"origin\":{\"$ref\":\"#/components/schemas/Origin\"}}},"
    "\"Origin\":{\"type\":\"object\",\"additionalProperties\":false,"
    "\"description\":\"A report forwarded by a partner hotline: who it is and what it found.\","
    "\"properties\":{\"hotline\":{\"type\":\"string\"},\"country\":{\"type\":\"string\"},"
    "\"reference\":{\"type\":\"string\"},\"classification\":{\"type\":\"string\"},"
    "\"severity\":{\"type\":\"string\"},\"age\":{\"type\":\"string\"},"
    "\"automatic\":{\"type\":\"boolean\"}}},"
    "\"Fate\":{\"type\":\"object\",\"required\":[\"id\",\"status\",\"actions\"],"
    "\"properties\":{\"id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},"
    "\"actions\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"required\":[\"type\",\"at\"],\"properties\":{"
    "\"type\":{\"type\":\"string\",\"enum\":[\"forwarded\",\"notice_sent\",\"referred\","
    "\"removed\",\"reappeared\"]},\"at\":{\"type\":\"integer\"},\"to\":{\"type\":\"string\"},"
    "\"reference\":{\"type\":\"string\"},\"url\":{\"type\":\"string\"},"
    "\"by\":{\"type\":\"string\"}}}}}},"
    "\"FileDigest\":{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"sha256\"],\"properties\":{"
    "\"sha256\":{\"type\":\"string\",\"pattern\":\"^[0-9a-fA-F]{64}$\"},"
    "\"md5\":{\"type\":\"string\",\"pattern\":\"^[0-9a-fA-F]{32}$\"},"
    "\"sha1\":{\"type\":\"string\",\"pattern\":\"^[0-9a-fA-F]{40}$\"},"
    "\"pdq\":{\"type\":\"string\",\"pattern\":\"^[0-9a-fA-F]{64}$\"},"
    "\"filename\":{\"type\":\"string\"},\"size\":{\"type\":\"integer\",\"minimum\":0}}},"
    "\"PrefixUpdate\":{\"type\":\"object\",\"required\":[\"version\",\"reset\","
    "\"additions\",\"removals\",\"count\",\"checksum\"],\"properties\":{"
    "\"version\":{\"type\":\"integer\"},\"reset\":{\"type\":\"boolean\",\"description\":"
    "\"Drop what you hold: additions is the whole set\"},"
    "\"additions\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"pattern\":"
    "\"^[0-9a-f]{8}$\"}},\"removals\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"string\",\"pattern\":\"^[0-9a-f]{8}$\"}},\"count\":{\"type\":\"integer\"},"
    "\"checksum\":{\"type\":\"string\",\"description\":\"SHA-256 of the set at version: "
    "its prefixes as bytes, ascending, concatenated\"}}},"
    "\"Stats\":{\"type\":\"object\",\"required\":[\"by\",\"rows\"],\"properties\":{"
    "\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"},"
    "\"by\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"description\":\"Dimension values as strings; counts as integers; times in hours "
    "(null when no report of the group got there)\",\"additionalProperties\":{"
    "\"nullable\":true}}}}},"
    "\"Receipt\":{\"type\":\"object\",\"required\":[\"id\",\"receipt\"],\"properties\":{"
    "\"id\":{\"type\":\"string\"},\"receipt\":{\"type\":\"string\"},"
    "\"status\":{\"type\":\"string\"},\"urls\":{\"type\":\"integer\"},"
    "\"files\":{\"type\":\"integer\"}}},"
    "\"Error\":{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":{"
    "\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"
    "\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}}}}";

static void get_openapi(vg_http_request *req)
{
    vg_http_respond(req, 200, "application/json", openapi, sizeof openapi - 1);
}

vg_status vg_api_routes(vg_server *srv, void *state, vg_error *err)
{
    (void)state;
    const vg_route routes[] = {
        {"POST", "/api/v1/reports", VG_ROLE_PARTNER,
         VG_ROUTE_RAW | VG_ROUTE_FILES | VG_ROUTE_SCOPES(VG_SCOPE_REPORT), srv->max_request_bytes,
         post_reports, report_file, srv->hotline},
        {"GET", "/api/v1/openapi.json", VG_ROLE_NONE, 0, 0, get_openapi, NULL, NULL},
        {"GET", "/api/v1/reports", VG_ROLE_PARTNER,
         VG_ROUTE_PREFIX | VG_ROUTE_SCOPES(VG_SCOPE_REPORT), 0, get_report, NULL, srv->hotline},
        {"GET", "/api/v1/stats", VG_ROLE_PARTNER, VG_ROUTE_SCOPES(VG_SCOPE_STATS), 0,
         vg_api_stats_get, NULL, srv->hotline},
        {"GET", "/api/v1/blocklist/prefixes", VG_ROLE_PARTNER,
         VG_ROUTE_SCOPES(VG_SCOPE_BLOCKLIST), 0, vg_api_blocklist_prefixes, NULL, srv->hotline},
        {"GET", "/api/v1/blocklist/full-hashes", VG_ROLE_PARTNER,
         VG_ROUTE_SCOPES(VG_SCOPE_BLOCKLIST), 0, vg_api_blocklist_full_hashes, NULL,
         srv->hotline},
        {"GET", "/api/v1/blocklist/rpz", VG_ROLE_PARTNER, VG_ROUTE_SCOPES(VG_SCOPE_BLOCKLIST),
         0, vg_api_blocklist_rpz, NULL, srv->hotline},
        {"POST", "/api/v1/forwards", VG_ROLE_PARTNER,
         VG_ROUTE_PREFIX | VG_ROUTE_RAW | VG_ROUTE_SCOPES(VG_SCOPE_REPORT), VG_PARTNER_ANSWER_MAX,
         vg_api_forward_fate, NULL, srv->hotline},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}
