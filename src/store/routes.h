/*
 * src/store/routes.h - the routes of confirmed URLs: who must act on each
 * (model/route.h), proposed by the orientation job (operations inside a
 * transaction, store/store.h).
 */
#ifndef VIGIE_STORE_ROUTES_H
#define VIGIE_STORE_ROUTES_H

#include "model/route.h"
#include "store/store.h"

/* URLs of finished items (confirmed or automatic) whose decision is legal,
 * that have no route yet, oldest URL first, at most limit. */
vg_status vg_tx_routes_todo(vg_tx *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                            size_t *count, vg_error *err);
/* Keep a route (report_id, url, state, actions, reasons, country, partner,
 * hosting, created_at of *row; NULL strings are stored as ""). A URL of a
 * report has one route: when it has one already nothing changes and
 * *inserted = 0. */
vg_status vg_tx_route_put(vg_tx *tx, const vg_url_route_row *row, int *inserted, vg_error *err);
/* Routes of one report (report_id > 0) or of one case (case_id > 0), in
 * the order they were proposed (at most 10,000). */
vg_status vg_tx_routes(vg_tx *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                       size_t *count, vg_error *err);

#endif
