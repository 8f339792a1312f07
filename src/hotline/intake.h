/*
 * src/hotline/intake.h - taking a report in: gathering it in a draft,
 * writing it with its cross-references, and telling its reporter what
 * became of it.
 *
 * A report is gathered in a draft: fields are copied in, URLs are
 * canonicalised as they are added, files committed to the vault (by the
 * caller, as they stream in) are added with their digests, PDQ and bank
 * matches; files given by digest only are the sender's claim.
 * vg_hotline_submit writes it in one transaction: it joins the case of the
 * most recent earlier report sharing a canonical URL, a file SHA-256 or a
 * (platform, account) pair, else the case of the nearest picture within
 * intake.pdq_threshold, else a case of its own; a partner's idempotency key
 * is kept with it; it raises an alert when its sender says a child is in
 * danger now or it is about live abuse (alerts.h); and it is decided at
 * once when banks or an earlier copy decide it (assessment.h). A draft released without being stored removes
 * the evidence files it took from the vault.
 */
#ifndef VIGIE_HOTLINE_INTAKE_H
#define VIGIE_HOTLINE_INTAKE_H

#include <stdint.h>

#include "hotline/hotline.h"
#include "model/route.h"
#include "model/report.h"
#include "vigie/vault.h"
#include "vigie/vpdq.h"

#define VG_INTAKE_MAX_URLS 100
#define VG_INTAKE_MAX_TEXT 20000 /* bytes of a description */
#define VG_INTAKE_MAX_FIELD 1000 /* bytes of any other text field */

typedef struct vg_intake_draft {
    vg_report report;    /* its strings point into the draft */
    vg_report_url *urls; /* report.urls */
    vg_report_file *files;
    size_t file_cap;
    char **owned; /* every string the draft allocated */
    size_t owned_count, owned_cap;
    int stored;    /* the report was written: keep the evidence */
    int duplicate; /* an idempotent retry: the evidence is not needed */
    char public_id[33];
    char receipt_code[13];
    char receipt_secret[25];
    char secret_hash[65];
} vg_intake_draft;

/* A new draft with a fresh id and receipt; source is "web" or "api". */
vg_status vg_intake_draft_init(vg_intake_draft *d, const char *source, vg_error *err);
/* Release the draft; unless stored, remove the evidence it took. */
void vg_intake_draft_free(vg_hotline *h, vg_intake_draft *d);
/* Copy text into *field (NULL or "" leaves it NULL), trimmed. VG_ERR_TOO_LARGE
 * beyond max bytes, VG_ERR_INVALID for invalid UTF-8. */
vg_status vg_intake_draft_text(vg_intake_draft *d, const char **field, const char *text,
                               size_t max, vg_error *err);
/* Canonicalise and add a URL (VG_ERR_INVALID names it). */
vg_status vg_intake_draft_url(vg_intake_draft *d, const char *url, vg_error *err);
/* Add a file just committed to the vault (its item), taking filename
 * (malloc'd or NULL); the file is removed from the vault if it cannot be
 * added (VG_ERR_TOO_LARGE past intake.max_files). */
vg_status vg_intake_draft_add_item(vg_hotline *h, vg_intake_draft *d, const vg_vault_item *item,
                                   char *filename, vg_error *err);
/* The media type of file `index` when the vault could not tell it (a
 * video, recognised from its first bytes). */
vg_status vg_intake_draft_media_type(vg_intake_draft *d, size_t index, const char *type,
                                     vg_error *err);
/* The fingerprint of video file `index` (frames vigie hashed from the
 * bytes it holds; borrowed), or the reason it has none (`why`, NULL when
 * frames are given): matched against the videos of the index. A match
 * makes the file known, with the shares of frames and the stretches of the
 * video that matched (vg_report_file.video_match); a file already known by
 * its digests keeps that exact match. */
vg_status vg_intake_draft_video(vg_hotline *h, vg_intake_draft *d, size_t index,
                                const vg_vpdq *frames, const char *why, vg_error *err);
/* A file known only by its digests (the API): the sender's claim. sha256
 * is required; the others and filename may be NULL. */
vg_status vg_intake_draft_digests(vg_hotline *h, vg_intake_draft *d, const char *sha256,
                                  const char *md5, const char *sha1, const char *pdq,
                                  const char *filename, uint64_t size, vg_error *err);
/* True when the report says where the material is (URL, file or account). */
int vg_intake_draft_locates(const vg_intake_draft *d);

/* The draft (its fields, URLs and files as they are, matches included,
 * and its ids) as a JSON object text, for a report gathered over several
 * requests (ispws.h): *text malloc'd. */
vg_status vg_intake_draft_save(const vg_intake_draft *d, char **text, vg_error *err);
/* Fill d (initialised, empty) from vg_intake_draft_save's text, ids
 * included. VG_ERR_CORRUPT when it is not one. */
vg_status vg_intake_draft_load(vg_intake_draft *d, const char *text, vg_error *err);

/* Sanitise a sender's file name: its last path component, control
 * characters and quotes removed, at most 200 bytes of valid UTF-8.
 * Returns a malloc'd string, or NULL when nothing usable remains. */
char *vg_intake_clean_filename(const char *name);

/* Write the draft's report (idem: the partner's idempotency key, or NULL)
 * at now. See the top of this header. */
vg_status vg_hotline_submit(vg_hotline *h, vg_intake_draft *d, const vg_idempotency *idem,
                            int64_t now, vg_report_ack *ack, vg_error *err);
/* vg_hotline_submit, with also run in the same transaction once the
 * report is written and assessed (ack->id and ack->case_id set): what the
 * caller writes with it, its audit entry first of all. Not run for an
 * idempotent retry. */
typedef vg_status (*vg_submit_also_fn)(vg_tx *tx, void *ctx, const vg_report_ack *ack,
                                       vg_error *err);
vg_status vg_hotline_submit_also(vg_hotline *h, vg_intake_draft *d, const vg_idempotency *idem,
                                 int64_t now, vg_submit_also_fn also, void *also_ctx,
                                 vg_report_ack *ack, vg_error *err);

/* What the reporter holding a receipt may read of their report (the
 * /status page). status is NULL when the receipt is wrong. */
typedef struct vg_reporter_view {
    const char *status;       /* a VG_REPORT_* code (static), or NULL */
    int young;                /* a child or the young person shown reported it */
    size_t url_count;         /* the URLs the report gave */
    vg_reporter_outcome done; /* what was done (all zero until a decision shows) */
} vg_reporter_view;

/* Fill *view for the receipt (code and secret, as typed: case, spaces and
 * dashes do not matter); a wrong code and a wrong secret read the same.
 * What was done shows only once the status does (vg_rule_reporter_status):
 * a forward of known material made the minute it came in would otherwise
 * tell that the hotline knew it. */
vg_status vg_hotline_reporter_status(vg_hotline *h, const char *code, const char *secret,
                                     int64_t now, vg_reporter_view *view, vg_error *err);

/* How many reports are kept; the newest ones, newest first (at most limit). */
vg_status vg_hotline_report_count(vg_hotline *h, int64_t *count, vg_error *err);
vg_status vg_hotline_reports_recent(vg_hotline *h, size_t limit, vg_report_row **rows,
                                    size_t *count, vg_error *err);

#endif
