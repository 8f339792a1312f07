/*
 * src/hotline/partner_answer.h - what a partner hotline's API answers,
 * read as hostile input (tests/fuzz/fuzz_partner_answer.c): its receipt
 * for a forwarded report, and the fate of that report.
 */
#ifndef VIGIE_HOTLINE_PARTNER_ANSWER_H
#define VIGIE_HOTLINE_PARTNER_ANSWER_H

#include <stddef.h>

#include "model/route.h"
#include "vigie/error.h"

#define VG_PARTNER_REFERENCE_MAX 128
#define VG_PARTNER_ANSWER_MAX (256u << 10) /* bytes read of any answer */
#define VG_PARTNER_ACTIONS_MAX 200

/* The "id" of a POST /api/v1/reports answer (1 to 127 visible ASCII
 * characters, no '/') into id; VG_ERR_CORRUPT saying what is wrong
 * otherwise. */
vg_status vg_partner_receipt_parse(const char *text, size_t len,
                                   char id[VG_PARTNER_REFERENCE_MAX], vg_error *err);

/* The actions of a GET /api/v1/reports/{id} answer: each {type, at, to,
 * reference} whose type is one of VG_DONE_* (others are skipped: a newer
 * partner may know more), at most VG_PARTNER_ACTIONS_MAX; *actions
 * (vg_route_actions_free) have report_id 0, url and by "". VG_ERR_CORRUPT
 * when the answer is not such a document. */
vg_status vg_partner_fate_parse(const char *text, size_t len, vg_route_action **actions,
                                size_t *count, vg_error *err);

/* Where the report stands at the partner, from the same answer: *status
 * its "status" as one of VG_REPORT_* (a static string), NULL when absent
 * or unknown (a newer partner may know more); *version its callback's
 * "version" (a callback carries one: the newest is kept), 0 when absent
 * (a poll's answer). VG_ERR_CORRUPT when the answer is not a JSON object
 * or "version" is not an integer from 1 to 2^53. */
vg_status vg_partner_fate_status(const char *text, size_t len, const char **status,
                                 int64_t *version, vg_error *err);

#endif
