/*
 * src/hotline/evidence.h - evidence in and out of the vault: files as they
 * stream in with a report, and the one way a person sees a file.
 *
 * In: a vg_upload_set takes a request's files chunk by chunk, encrypting
 * each into the vault as it arrives. A file is committed (sealed, durable,
 * hashed) when the next one starts or when the set is handed to a draft,
 * so a request holds at most one image's plaintext in memory however many
 * files it carries. Files the draft did not take are removed from the
 * vault when the set is freed, however the request ended.
 *
 * Out: vg_hotline_preview decides whether the person may look
 * (assessment.h: vg_hotline_view_file audits the view first, in one
 * transaction), then decrypts and shrinks the picture in memory. Plaintext
 * never touches disk and is wiped once the preview is built.
 */
#ifndef VIGIE_HOTLINE_EVIDENCE_H
#define VIGIE_HOTLINE_EVIDENCE_H

#include <stdint.h>

#include "hotline/assessment.h"
#include "hotline/intake.h"
#include "vigie/thumb.h"

typedef struct vg_upload_set vg_upload_set;

/* A set for one request; the hotline must have its vault open. */
vg_status vg_upload_set_new(vg_hotline *h, vg_upload_set **out, vg_error *err);
/* Release the set: files not taken by a draft leave the vault. NULL is fine. */
void vg_upload_set_free(vg_upload_set *set);

/* One chunk of a file: first = 1 starts a new file (named filename, as the
 * sender gave it; it is cleaned here). VG_ERR_TOO_LARGE past
 * intake.max_files or the vault's size limits; VG_ERR_IO when the vault
 * fails. err's message is fit for the sender (the vault's own message,
 * which names files on the server, is not passed on). */
vg_status vg_upload_set_write(vg_upload_set *set, int first, const char *filename, const void *data,
                              size_t size, vg_error *err);
/* Commit the files and add each non-empty one to the draft, which then
 * owns it (an empty file is no evidence: it is dropped). */
vg_status vg_upload_set_take(vg_upload_set *set, vg_intake_draft *d, vg_error *err);

/* Add item, a file committed to the vault (filename: malloc'd or NULL,
 * taken), to the draft, which then owns it, and hash it as evidence: its
 * digests and PDQ (the vault's), and when its first bytes (head, head_len:
 * at most VG_VIDEO_SNIFF_BYTES are looked at) say it is a video, its vPDQ
 * matched against the banks' videos (vg_intake_draft_video). Used for
 * uploads and for what the crawl job fetched. */
vg_status vg_evidence_take(vg_hotline *h, vg_intake_draft *d, const vg_vault_item *item,
                           char *filename, const uint8_t *head, size_t head_len, vg_error *err);

/* Stills in a video's contact sheet (three to a row). */
#define VG_SHEET_STILLS 6

/* A preview of file_id for who, made with opt (clear: the sharper view;
 * the caller's options say how sharp): a picture's thumbnail, or for a
 * video a contact sheet of VG_SHEET_STILLS stills spread over it (videos
 * are never played), each cell opt->max_side pixels. On VG_ITEM_DONE with
 * VG_OK, *png (release with vg_thumb_free) holds it. Otherwise *outcome
 * says why it was refused (vg_rule_may_view), or *not_image = 1 when
 * nothing may be made of the file (vg_rule_preview_kind).
 * VG_ERR_UNSUPPORTED: the file could not be decoded.
 * VG_ERR_IO: the vault could not give it back (err names files on the
 * server: for the log, not for the page). */
vg_status vg_hotline_preview(vg_hotline *h, int64_t file_id, const vg_actor *who, int clear,
                             const vg_thumb_options *opt, int64_t now, vg_item_outcome *outcome,
                             int *not_image, uint8_t **png, size_t *png_len, vg_error *err);

#endif
