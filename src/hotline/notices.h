/*
 * src/hotline/notices.h - notice and takedown, and stay-down: every route
 * asking for a notice to the host (model/route.h) gets one, sent by
 * e-mail to the host's abuse contact once vigie has fetched the material
 * at the URL (or a person confirmed it), re-sent until vigie's own fetch
 * finds it gone, escalated after notices.escalate_after notices, and
 * watched for its return (model/notice.h has the rules).
 *
 * Every check goes through the safe fetcher (vigie/fetch.h): the body
 * streams into the evidence vault, which hashes it (digests, PDQ), and
 * the check's chain-of-custody record is kept in the notice's history;
 * the material is compared with the case's files whose bytes vigie hashed
 * (a digest a sender quoted never counts). Messages go through the
 * alerts' mail server (alerts.email.*); each is kept in the history.
 *
 * Configuration (docs/notices.md): notices.enabled, notices.email.from,
 * notices.hotline_name, notices.reference_prefix, notices.legal_basis,
 * notices.public_url, notices.escalate_to, notices.renotice_hours,
 * notices.check_minutes, notices.escalate_after, notices.staydown_hours,
 * notices.staydown_days, and the fetcher's fetch.* (fetch.allow_private
 * for tests, fetch.proxy, fetch.user_agent, fetch.max_bytes,
 * fetch.timeout_seconds, fetch.max_redirects).
 *
 * Fetches and mail wait on the network: never inside a transaction.
 */
#ifndef VIGIE_HOTLINE_NOTICES_H
#define VIGIE_HOTLINE_NOTICES_H

#include "hotline/hotline.h"
#include "model/notice.h"
#include "store/notices.h"

/* Read notices.* and fetch.* (h->noticing stays NULL unless
 * notices.enabled); needs the alerts' mail server. */
vg_status vg_hotline_notices_open(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_notices_free(vg_hotline *h);

/* What one pass did. */
typedef struct vg_notice_pass {
    size_t created, checked, sent, removed, reappeared, escalated, failed;
    char first_failure[240];
} vg_notice_pass;

/* One pass at now: notices for new routes, then at most limit checks that
 * are due (each: fetch, compare, send what the rules say, record). */
vg_status vg_hotline_notices_run(vg_hotline *h, int64_t now, size_t limit, vg_notice_pass *pass,
                                 vg_error *err);

/* For the console: notices by filter (NULL: all; newest first). */
vg_status vg_hotline_notices(vg_hotline *h, const vg_notice_filter *filter, size_t limit,
                             vg_notice_row **rows, size_t *count, vg_error *err);
/* One notice and its history (*found 0 when there is none). */
vg_status vg_hotline_notice_history(vg_hotline *h, int64_t id, vg_notice_row *row, int *found,
                                    vg_notice_event **events, size_t *count, vg_error *err);
/* A person confirmed that the URL serves the material (audited): the
 * notice goes at the next check unless the URL is found gone. */
vg_status vg_hotline_notice_confirm(vg_hotline *h, int64_t id, const char *actor, int64_t now,
                                    vg_error *err);

/* The host, on /notice/{token}: acknowledged ("ack") or says it removed
 * the material ("removed"; checked at once by a fetch, never believed
 * alone). *found 0 for an unknown token. */
vg_status vg_hotline_notice_by_token(vg_hotline *h, const char *token, vg_notice_row *row,
                                     int *found, vg_error *err);
vg_status vg_hotline_notice_host_says(vg_hotline *h, const char *token, const char *what,
                                      int64_t now, int *found, vg_error *err);

/* Inside tx: what was done about notice n's URL, as the sender of its
 * report reads it (store/routes.h actions: /status, GET /api/v1/reports):
 * type VG_DONE_NOTICE_SENT (the first time only), VG_DONE_REMOVED (a
 * verified removal) or VG_DONE_REAPPEARED (after n's reappeared_count was
 * counted). Used by the notices job and by the crawl job's stay-down.
 * When a partner hotline forwarded the report, a callback is then owed to
 * it (h's routing), so the notice sent, the removal and a reappearance
 * reach it without a poll. */
vg_status vg_hotline_notice_action_tx(const vg_hotline *h, vg_tx *tx, const vg_notice_row *n,
                                      const char *type, int64_t at, vg_error *err);

#endif
