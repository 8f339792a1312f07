/*
 * src/hotline/takedown.h - the provider page's figures (issue 15): time
 * to removal per provider and per AS, from every notice sent, read in one
 * transaction (model/takedown.h says what each figure means).
 *
 * Reading figures changes nothing the hotline knows: no audit entry, as
 * for the statistics.
 */
#ifndef VIGIE_HOTLINE_TAKEDOWN_H
#define VIGIE_HOTLINE_TAKEDOWN_H

#include <stdio.h>

#include "hotline/hotline.h"
#include "model/takedown.h"
#include "util/table.h"

/* The table at now, its rows in order, into *out (the caller frees it
 * with vg_takedown_free). The notices sent are streamed from the store;
 * the table keeps each one's two times (model/takedown.h), about 40 bytes. */
vg_status vg_hotline_takedown(vg_hotline *h, int64_t now, vg_takedown_order order,
                              vg_takedown **out, vg_error *err);

/* The rows of by as CSV (a header line, then a row each) or JSON lines:
 * provider rows "provider", AS rows "asn" ("AS64500", empty when not
 * known) and "as_name", then sent, removed, still_up, median_h and p90_h
 * (two decimals; empty or null when none was removed), the counts
 * within_24h, within_3d, within_7d, over_42d and their shares of sent
 * (share_24h, share_3d, share_7d, share_over_42d: 0 to 1, four decimals).
 * The one layout of the console's downloads. */
void vg_hotline_takedown_write(const vg_takedown *t, vg_takedown_by by, FILE *out,
                               vg_table_format format);
/* The same into a buffer (*text malloc'd, the caller frees it; *len its
 * length); VG_ERR_NOMEM when it cannot. */
vg_status vg_hotline_takedown_text(const vg_takedown *t, vg_takedown_by by,
                                   vg_table_format format, char **text, size_t *len,
                                   vg_error *err);

#endif
