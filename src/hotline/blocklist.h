/*
 * src/hotline/blocklist.h - the blocking list: proposals, approvals,
 * renewals, removals and appeals (model/blocklist.h says who may do what).
 *
 * Every change is written with its audit entry and, when it changes what
 * the public log tells (added, renewed, removed, appeal decided), its
 * transparency log entry (hotline/tlog.h), in one transaction. A change of
 * what is listed takes a new version of the list, which members' updates
 * count from.
 *
 * An entry's target is the URL in its Safe Browsing canonical form
 * (vigie/urlhash.h), or the bare host for a whole domain.
 *
 * Configuration (read by vg_hotline_open; docs/console.md):
 *   blocklist.legal_bases  the legal bases an entry may rest on, separated
 *                          by ';' (law articles, order references)
 *   blocklist.days         how long an approval lists an entry (default 30)
 *   blocklist.stop_host    the stop page's host name, where the members'
 *                          response policy zone points listed domains
 *   blocklist.cache_versions  how many versions' prefix sets the members'
 *                          updates keep in memory (default 8; 0: none)
 */
#ifndef VIGIE_HOTLINE_BLOCKLIST_H
#define VIGIE_HOTLINE_BLOCKLIST_H

#include "hotline/assessment.h"
#include "hotline/hotline.h"
#include "model/blocklist.h"
#include "store/blocklist.h"

/* Read blocklist.* (h->blocklisting); vg_hotline_free releases it. */
vg_status vg_hotline_blocklist_open(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_blocklist_free(vg_hotline *h);
/* blocklist.legal_bases as configured ("" when none). */
const char *vg_hotline_block_bases(const vg_hotline *h);
/* blocklist.stop_host without a trailing dot ("" when not set). */
const char *vg_hotline_block_stop_host(const vg_hotline *h);
/* The members' prefix sets by version (blocklist_cache.h), or NULL when
 * blocklist.cache_versions is 0. */
struct vg_block_cache *vg_hotline_block_cache(const vg_hotline *h);

/* who (an analyst) proposes blocking the URL of route_id, or its whole
 * domain (kind VG_BLOCK_KIND_*), on basis. *entry_id > 0 when proposed;
 * 0 with why (cap bytes) when the rules refuse. */
vg_status vg_hotline_block_propose(vg_hotline *h, const vg_actor *who, int64_t route_id,
                                   const char *kind, const char *basis, int64_t now,
                                   int64_t *entry_id, char *why, size_t cap, vg_error *err);

/* who (a supervisor, not the proposer) approves (approve = 1) or refuses
 * a proposal or a renewal of entry_id; a refusal keeps reason. *done = 0
 * with why when the rules refuse. */
vg_status vg_hotline_block_decide(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                  int approve, const char *reason, int64_t now, int *done,
                                  char *why, size_t cap, vg_error *err);

/* who (an analyst) proposes renewing a listed entry; a supervisor then
 * decides it as a proposal. */
vg_status vg_hotline_block_renew(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                 int64_t now, int *done, char *why, size_t cap, vg_error *err);

/* The opening of entry_id's URL commitment in the public transparency log,
 * for a site owner who appeals (docs/blocklist.md): who must be a
 * supervisor; the opening is audited (block.opening) in the same
 * transaction. On success *target (the entry's URL or domain as the log
 * commits to it, the caller frees it), opening and commitment (32 bytes
 * each) are set; when the rules refuse, *target is NULL and why says why. */
vg_status vg_hotline_block_opening(vg_hotline *h, const vg_actor *who, int64_t entry_id,
                                   int64_t now, unsigned char opening[32],
                                   unsigned char commitment[32], char **target, char *why,
                                   size_t cap, vg_error *err);

/* Remove the listed entries expired at now (the blocklist job); *removed
 * (may be NULL) counts them. */
vg_status vg_hotline_block_expire(vg_hotline *h, int64_t now, size_t *removed, vg_error *err);

/* Inside the caller's write transaction: the material of url (a routed
 * URL of report_id) is gone, so the entries proposed from its route leave
 * the list (VG_BLOCK_GONE), by actor. For the notices' verification and
 * a person's record of removal. */
vg_status vg_hotline_block_gone_tx(vg_tx *tx, int64_t report_id, const char *url,
                                   const char *actor, int64_t now, vg_error *err);

/* The entries the filter selects (NULL: all), at most limit
 * (vg_block_entries_free). */
vg_status vg_hotline_blocks(vg_hotline *h, const vg_block_filter *filter, size_t limit,
                            vg_block_entry **rows, size_t *count, vg_error *err);

/* The listed entry blocking url (an address as a visitor gives it, or a
 * bare host): by its canonical URL, else by its host's domain entry.
 * *found = 0 when none, or when url is not an address; else *entry is
 * filled (vg_block_entry_clear). For the stop page's legal basis. */
vg_status vg_hotline_block_listed(vg_hotline *h, const char *url, vg_block_entry *entry,
                                  int *found, vg_error *err);

/* Someone reports an error (the stop page, or a site owner): url as
 * quoted, reason (1 to 2,000 bytes), contact (optional, up to 200). The
 * appeal names the entry the URL is listed by, if any. Nothing of the
 * visitor (no address) is kept. VG_ERR_INVALID with a message the visitor
 * can act on for an empty or oversized field. */
vg_status vg_hotline_appeal_add(vg_hotline *h, const char *url, const char *reason,
                                const char *contact, int64_t now, int64_t *appeal_id,
                                vg_error *err);

/* who (a supervisor) decides appeal_id, granting it (the entry leaves the
 * list) or not, with reason; logged publicly. *done = 0 with why when the
 * rules refuse. */
vg_status vg_hotline_appeal_decide(vg_hotline *h, const vg_actor *who, int64_t appeal_id,
                                   int grant, const char *reason, int64_t now, int *done,
                                   char *why, size_t cap, vg_error *err);

/* Appeals (id > 0: that one; state non-NULL: in that state), oldest first
 * (vg_block_appeals_free). */
vg_status vg_hotline_appeals(vg_hotline *h, int64_t id, const char *state, size_t limit,
                             vg_block_appeal **rows, size_t *count, vg_error *err);

#endif
