/*
 * src/hotline/ispws.h - reports sent the CyberTipline way: opened, given
 * files and file details over several calls, then finished (written as
 * one report, like any partner report) or retracted (docs/interop-server.md).
 *
 * An open report is kept in the store (store/exchange.h) with its files
 * already encrypted in the vault, so that every node answers for it and a
 * restart keeps it; it belongs to the key that opened it (another key is
 * told it does not exist), and it expires as model/ispws.h says: expired
 * and retracted reports leave nothing behind, their files removed from
 * the vault. A finished report is remembered a day, to tell its sender it
 * was (5102). Everything the sender says about the report and its files
 * (incident type, industry classification, annotations, the digests it
 * quotes) is kept with the report as the sender's claim, in its extra
 * fields, and never decides anything: only the files themselves are
 * matched against the banks.
 *
 * Thread safety: every call may come from any thread.
 */
#ifndef VIGIE_HOTLINE_ISPWS_H
#define VIGIE_HOTLINE_ISPWS_H

#include <stddef.h>
#include <stdint.h>

#include "hotline/evidence.h"
#include "hotline/intake.h"
#include "model/ispws.h"

typedef struct vg_ispws vg_ispws;

/* At most max_open reports open at once, on every node together (the
 * oldest is never dropped: a new one is refused with
 * VG_ISPWS_SERVER_ERROR). */
vg_status vg_ispws_new(vg_hotline *h, size_t max_open, vg_ispws **out, vg_error *err);
/* Release s (the open reports stay in the store). NULL is fine. */
void vg_ispws_free(vg_ispws *s);

/* Open a report from d (malloc'd, initialised, filled: taken over in every
 * case) with the sender's claim about it (a JSON object text, copied; may
 * be NULL) for key_id at now: *report_id gets its number. */
vg_ispws_code vg_ispws_open(vg_ispws *s, int64_t key_id, vg_intake_draft *d, const char *claim,
                            int64_t now, int64_t *report_id, vg_error *err);

/* Add the files of set (one upload request) to an open report: the first
 * file's id goes to file_id[33] and the MD5 of what was received to
 * md5[33]. */
vg_ispws_code vg_ispws_upload(vg_ispws *s, int64_t key_id, int64_t report_id, vg_upload_set *set,
                              int64_t now, char file_id[33], char md5[33], vg_error *err);

/* Keep the sender's details of one of the report's files (a JSON object
 * text). VG_ISPWS_INVALID when the report has no such file. */
vg_ispws_code vg_ispws_file_details(vg_ispws *s, int64_t key_id, int64_t report_id,
                                    const char *file_id, const char *details, int64_t now,
                                    vg_error *err);

/* Write the report (vg_hotline_submit, once: a finish retried after a
 * failure, or sent to two nodes at once, writes one report); *file_ids (malloc'd array of
 * malloc'd strings, *file_count of them) gets its files' ids. */
vg_ispws_code vg_ispws_finish(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                              char ***file_ids, size_t *file_count, vg_error *err);

/* Drop an open report and its files. */
vg_ispws_code vg_ispws_retract(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                               vg_error *err);

/* How many reports are open (after expiring the old ones). */
size_t vg_ispws_open_count(vg_ispws *s, int64_t now);

#endif
