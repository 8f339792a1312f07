/*
 * src/model/report.c - reports and the rules about what they locate
 * (report.h).
 */
#include "model/report.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/digest.h"

void vg_report_ack_clear(vg_report_ack *ack)
{
    free(ack->response);
    memset(ack, 0, sizeof *ack);
}

void vg_report_row_clear(vg_report_row *r)
{
    free(r->public_id);
    free(r->receipt_code);
    free(r->receipt_secret_hash);
    free(r->status);
    free(r->source);
    free(r->category);
    free(r->reporter_kind);
    memset(r, 0, sizeof *r);
}

int64_t vg_rule_case_to_join(const vg_case_candidate *candidates, size_t count)
{
    int64_t case_id = 0, newest = 0;
    for (size_t i = 0; i < count; i++)
        if (candidates[i].report_id > newest) {
            newest = candidates[i].report_id;
            case_id = candidates[i].case_id;
        }
    return case_id;
}

int64_t vg_rule_near_case(const vg_pdq_hash *queries, size_t query_count,
                          const vg_case_pdq *known, size_t known_count, int threshold)
{
    int64_t found = 0;
    int best = threshold; /* within the threshold, inclusive */
    for (size_t q = 0; q < query_count; q++)
        for (size_t i = 0; i < known_count; i++) {
            int d = vg_pdq_distance(&queries[q], &known[i].hash);
            if (d <= best) {
                best = d;
                found = known[i].case_id;
            }
        }
    return found;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void hash_field(EVP_MD_CTX *md, const char *v)
{
    char len[32];
    int k = snprintf(len, sizeof len, "%zu:", v ? strlen(v) : 0);
    EVP_DigestUpdate(md, len, (size_t)k);
    if (v)
        EVP_DigestUpdate(md, v, strlen(v));
}

vg_status vg_rule_content_key(const vg_report *r, char out[65], vg_error *err)
{
    size_t n = r->url_count + r->file_count;
    const char **parts = malloc((n ? n : 1) * sizeof *parts);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!parts || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        free(parts);
        EVP_MD_CTX_free(md);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t urls = 0, files = 0;
    for (size_t i = 0; i < r->url_count; i++)
        parts[urls++] = r->urls[i].canonical ? r->urls[i].canonical : "";
    for (size_t i = 0; i < r->file_count; i++)
        parts[urls + files++] = r->files[i].sha256 ? r->files[i].sha256 : "";
    qsort(parts, urls, sizeof *parts, by_text);
    qsort(parts + urls, files, sizeof *parts, by_text);
    hash_field(md, r->category);
    hash_field(md, r->platform);
    hash_field(md, r->account);
    EVP_DigestUpdate(md, "|", 1); /* the URLs */
    for (size_t i = 0; i < urls; i++)
        hash_field(md, parts[i]);
    EVP_DigestUpdate(md, "|", 1); /* the files */
    for (size_t i = 0; i < files; i++)
        hash_field(md, parts[urls + i]);
    uint8_t digest[VG_SHA256_BYTES];
    unsigned int digest_len = 0;
    EVP_DigestFinal_ex(md, digest, &digest_len);
    EVP_MD_CTX_free(md);
    vg_hex_encode(digest, sizeof digest, out);
    free(parts);
    return VG_OK;
}

const char *vg_rule_reporter_status(const char *status, int64_t created_at, int64_t now,
                                    int64_t reveal_seconds)
{
    if (now - created_at < reveal_seconds)
        return VG_REPORT_RECEIVED;
    /* A status the public has no sentence for reads as "being assessed". */
    const vg_term *t = vg_term_find(vg_report_status_terms, status);
    return t ? t->code : VG_REPORT_ASSESSING;
}
