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
 * partner and audited ("route.outcome"); or detail, why it could not be
 * asked. The partner is asked again after routing.poll_seconds, until it
 * says the material was removed. *learned (may be NULL): new actions. */
vg_status vg_hotline_forward_polled(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                    const vg_route_action *remote, size_t count,
                                    const char *detail, size_t *learned, vg_error *err);

#endif
