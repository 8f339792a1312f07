/*
 * src/hotline/forwarding.h - what the deliveries job (src/jobs/deliveries.c)
 * reads and records: the deliveries an approved route made (routing.h),
 * the report a forward carries to a partner hotline, each try, and what
 * the partner says it did. The job does the talking; each record here is
 * one transaction with its audit entry.
 */
#ifndef VIGIE_HOTLINE_FORWARDING_H
#define VIGIE_HOTLINE_FORWARDING_H

#include "hotline/hotline.h"
#include "model/route.h"

/* Deliveries with something to do at now (to send, or to poll), at most
 * limit (*rows: vg_route_deliveries_free). */
vg_status vg_hotline_deliveries_due(vg_hotline *h, int64_t now, size_t limit,
                                    vg_route_delivery **rows, size_t *count, vg_error *err);

/* The report a forward d carries, as the JSON of the partner API's POST
 * /api/v1/reports (docs/api.md): the URL, the category, the digests of
 * the files this hotline hashed itself, and "origin" (this hotline, its
 * reference, its classification). *json is malloc'd. */
vg_status vg_hotline_forward_body(vg_hotline *h, const vg_route_delivery *d, char **json,
                                  vg_error *err);

/* Whom d goes to, by name (the partner hotline, the police unit...). */
const char *vg_hotline_delivery_to(const vg_hotline *h, const vg_route_delivery *d);

/* Record a try at sending d, made at now: taken, with the receiver's
 * reference and how it went (may be NULL; "by e-mail to ..."), recorded as
 * done: "forwarded" or "referred", audited with both; or not, with detail
 * (what went wrong); it is then tried again at *next_at (may be NULL;
 * model/route.h's back-off). */
vg_status vg_hotline_delivery_attempted(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                        int taken, const char *reference, const char *how,
                                        const char *detail, int64_t *next_at, vg_error *err);

/* Record what the partner said at now about forward d: its actions
 * (remote[0..count), detail NULL), each new one recorded as done by the
 * partner and audited ("route.outcome"), and its status (VG_REPORT_*, or
 * NULL), kept while the partner never called back (callbacks are ordered
 * by their version, polls by nothing); or detail, why it could not be
 * asked. The partner is asked again after routing.poll_seconds, until it
 * says the material was removed. *learned (may be NULL): new actions. */
vg_status vg_hotline_forward_polled(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                    const vg_route_action *remote, size_t count,
                                    const char *status, const char *detail, size_t *learned,
                                    vg_error *err);

/* ---- callbacks ---------------------------------------------------------------------
 * A report a partner hotline forwarded here (sent with a key whose org is
 * that partner's key_org, util/partners.h) is called back: whenever
 * something is recorded on it (vg_routing_callback_tx), its fate (what
 * GET /api/v1/reports/{id} answers its sender) is POSTed to the partner's
 * POST /api/v1/forwards/{id}/fate, by the deliveries job, tried until
 * taken with the back-off of deliveries. The partner records it as it
 * records a poll's answer; its polling stays, in case a callback is
 * lost. */

/* Callbacks due at now, at most limit (*rows: vg_partner_callbacks_free). */
vg_status vg_hotline_callbacks_due(vg_hotline *h, int64_t now, size_t limit,
                                   vg_partner_callback **rows, size_t *count, vg_error *err);
/* The body of callback c: its report's fate as JSON (*json malloc'd). */
vg_status vg_hotline_callback_body(vg_hotline *h, const vg_partner_callback *c, char **json,
                                   vg_error *err);
/* Record a try at c made at now: taken (the partner has c->version,
 * audited "route.callback"), or not with detail, tried again at *next_at
 * (may be NULL). A change recorded since c was read keeps it due. */
vg_status vg_hotline_callback_attempted(vg_hotline *h, const vg_partner_callback *c,
                                        int64_t now, int taken, const char *detail,
                                        int64_t *next_at, vg_error *err);

typedef enum vg_callback_verdict {
    VG_CALLBACK_TAKEN = 0,     /* recorded (each action once, whatever came before) */
    VG_CALLBACK_INVALID,       /* the body is not a fate document (why says what is wrong) */
    VG_CALLBACK_NOT_PARTNER,   /* the key's org is no partner's key_org (audited) */
    VG_CALLBACK_NOT_FORWARDED, /* nothing was forwarded to that partner under that
                                  reference (audited) */
} vg_callback_verdict;

/* A partner calls back at now (POST /api/v1/forwards/{reference}/fate)
 * with a key whose organisation is org (actor: "key:ID", for the audit):
 * body[0..len) is the fate of the report it made of our forward
 * (reference: its id for it), read as hostile (vg_partner_fate_parse).
 * Its actions are recorded as a poll's answer would be (forwarding's
 * vg_hotline_forward_polled), audited "route.outcome" via "callback";
 * *learned (may be NULL): how many were new. Its "status" is kept when
 * its "version" is above the last kept (a replay or an older callback
 * changes nothing), audited "route.partner_status" when it changed.
 * *verdict says which. */
vg_status vg_hotline_partner_called_back(vg_hotline *h, const char *org, const char *actor,
                                         const char *reference, const char *body, size_t len,
                                         int64_t now, vg_callback_verdict *verdict,
                                         size_t *learned, vg_error *why, vg_error *err);

#endif
