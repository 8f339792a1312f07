/*
 * src/model/report.h - reports, and the rules about what they locate.
 *
 * A report says where material is (URLs, files, an account) and what it is
 * about. The rules here decide which earlier case a new report joins, when
 * two reports are copies of each other, and what its reporter may read of
 * it. Pure: no I/O; times are given by the caller.
 *
 * Ownership: structs whose strings are `const char *` borrow them (the
 * caller's draft); structs with `char *` own them and have a *_clear.
 */
#ifndef VIGIE_MODEL_REPORT_H
#define VIGIE_MODEL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "model/vocab.h"
#include "vigie/error.h"
#include "vigie/pdq.h"

typedef struct vg_report_url {
    const char *url;       /* as reported */
    const char *canonical; /* canonical form (src/lib/url); cross-referencing uses it */
} vg_report_url;

typedef struct vg_report_file {
    const char *vault_id;     /* where the encrypted evidence lives; NULL: digests only */
    const char *filename;     /* as given by the sender, sanitised; may be NULL */
    const char *content_type; /* as detected; may be NULL */
    uint64_t size;
    const char *md5, *sha1, *sha256; /* lowercase hex; sha256 drives cross-referencing */
    const char *pdq;                 /* 64 hex digits, or NULL for non-images */
    int pdq_quality;
    int known;                       /* VG_FILE_NEW, VG_FILE_KNOWN or VG_FILE_CLAIMED */
    const char *bank, *bank_entry;   /* the match, when known or claimed */
    int distance;                    /* PDQ bits apart (0 for an exact digest match) */
    const char *match_signal;        /* VG_MATCH_*: what found the match; NULL for none */
    /* A video vigie fingerprinted: how it matched a known video, as a JSON
     * object text (vg_rule_video_match_json); NULL for anything else. */
    const char *video_match;
} vg_report_file;

/* A report as intake writes it. Every string may be NULL (unknown). */
typedef struct vg_report {
    const char *public_id;      /* caller-generated opaque id, unique ("id" in the API) */
    const char *receipt_code;   /* short code shown to the reporter, unique */
    const char *receipt_secret_hash; /* hash of the receipt secret; the secret is never stored */
    const char *source;         /* "web" or "api" */
    int64_t api_key_id;         /* the partner key for "api", else 0 */
    const char *category;       /* what it is about */
    int danger;                 /* 1: the sender says a child is in danger now (the form's
                                   box, the API's child_in_danger) */
    const char *platform, *account, *occurred_at;
    const char *description;
    const char *reporter_kind, *language, *country, *contact;
    const char *client_ip, *user_agent; /* only when the operator enabled it */
    const char *extra_json;     /* further fields as a JSON object text, or NULL */
    const char *content_key;    /* vg_rule_content_key: what it locates */
    const vg_report_url *urls;
    size_t url_count;
    const vg_report_file *files;
    size_t file_count;
} vg_report;

/* What writing a report did. */
typedef struct vg_report_ack {
    int64_t id;        /* internal row id */
    int64_t case_id;   /* the case the report was linked to (new or earlier) */
    int linked;        /* 1 when an earlier report's case was reused */
    int duplicate;     /* 1 when the idempotency key had been seen: nothing was written */
    int conflict;      /* with duplicate: the key had been used for another request */
    int64_t alert_id;  /* the alert the report raised (a child in danger...), or 0 */
    char *response;    /* for a duplicate: the response stored with the key (owned) */
} vg_report_ack;
void vg_report_ack_clear(vg_report_ack *ack);

/* A partner's idempotency key: key (NULL: none), the hash of the request
 * it came with, and the response the caller will send. */
typedef struct vg_idempotency {
    const char *key, *request_hash, *response;
} vg_idempotency;

/* A report as read back (the status page, the newest reports). */
typedef struct vg_report_row {
    int64_t id, case_id, created_at, api_key_id;
    char *public_id, *receipt_code, *receipt_secret_hash, *status, *source, *category;
    size_t url_count, file_count;
    char *reporter_kind; /* as the reporter said (vg_reporter_kind_terms), or NULL */
} vg_report_row;
void vg_report_row_clear(vg_report_row *row);

/* ---- rules ------------------------------------------------------------- */

/* An earlier report a new one could join: it shares a canonical URL, a
 * file SHA-256 or a (platform, account) pair. */
typedef struct vg_case_candidate {
    int64_t case_id, report_id;
} vg_case_candidate;

/* The case a new report joins: that of the most recent candidate (the
 * highest report id), or 0 for a case of its own. */
int64_t vg_rule_case_to_join(const vg_case_candidate *candidates, size_t count);

/* A stored picture's PDQ hash and its case. */
typedef struct vg_case_pdq {
    vg_pdq_hash hash;
    int64_t case_id;
} vg_case_pdq;

/* The case of the stored picture nearest to one of queries, if within
 * threshold bits (inclusive); among equally near ones, the last in known
 * (the most recent). 0 when none is near enough. */
int64_t vg_rule_near_case(const vg_pdq_hash *queries, size_t query_count,
                          const vg_case_pdq *known, size_t known_count, int threshold);

/* The fingerprint of what a report locates: its category, platform and
 * account, its canonical URLs and its files' SHA-256, in a fixed order and
 * each field length-prefixed, as 64 hex digits into out. Two reports of one
 * case with the same key are copies: one assessment decides both. The
 * description is not part of it. VG_ERR_NOMEM only. */
vg_status vg_rule_content_key(const vg_report *report, char out[65], vg_error *err);

/* What the reporter may read of a report now: its status, except that a
 * decision shows only reveal_seconds after the report came in (known
 * material is decided the moment it arrives, new material later: before
 * that time, every report reads "received"). Returns a VG_REPORT_* code. */
const char *vg_rule_reporter_status(const char *status, int64_t created_at, int64_t now,
                                    int64_t reveal_seconds);

#endif
