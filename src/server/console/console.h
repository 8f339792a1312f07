/*
 * src/server/console/console.h - the analyst console: what its pages share.
 *
 * Pages: home.c (/console, the newest reports), queue.c (the queue, the
 * assessed list, claims), item.c (one item and its assessment form),
 * files.c (the files table and previews), case.c (everything linked to a
 * case), alerts.c (urgent reports' alerts and their acknowledgement),
 * blocklist.c (the blocking list: proposals, the list, expiries,
 * appeals). Each handler reads the caller, calls a use case of the
 * hotline (hotline/assessment.h, cases.h, evidence.h, blocklist.h) and
 * renders the answer in the staff frame (web/page.h).
 *
 * Every console page is plain HTML that works without JavaScript; forms
 * post with the session's CSRF token and the item's version, so that a
 * stale form is recognised instead of overwriting someone's work.
 */
#ifndef VIGIE_SERVER_CONSOLE_H
#define VIGIE_SERVER_CONSOLE_H

#include <stdint.h>

#include "hotline/assessment.h"
#include "model/notice.h"
#include "model/route.h"
#include "server/server.h"
#include "util/table.h"
#include "vigie/thumb.h"
#include "web/page.h"

typedef struct vg_console {
    vg_hotline *hotline;      /* the server's */
    const vg_i18n *i18n;      /* the server's: what reporters read */
    int64_t target_hours;     /* console.target_hours: waiting time aimed at */
    vg_thumb_options blurred; /* console.preview_size, console.preview_blur */
    vg_thumb_options clear;   /* console.preview_clear_size: a deliberate sharper view */
} vg_console;

vg_status vg_console_open(vg_server *srv, void **state, vg_error *err);
vg_status vg_console_routes(vg_server *srv, void *state, vg_error *err);
void vg_console_free(void *state);

/* ---- what the pages share (console.c) ------------------------------------- */

/* Open a console page in the staff frame, with the navigation (current:
 * the address of the page, to mark it in the navigation, or NULL). A page
 * translated into the catalogue languages sets p->lang first
 * (vg_server_staff_lang); one that does not is shown in English whole. */
void vg_console_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current);
/* The error pages of the console's and the sign-in addresses in the staff
 * frame (vg_http_add_error_page): the layer's refusals (404, 403 for a lost
 * form token, 413...) and every vg_http_error_page there, with the way back
 * into the console rather than the public home. */
void vg_console_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message);
/* vg_page_t1 with a number. */
void vg_console_tn(vg_page *p, const char *key, const char *name, int64_t value);
/* "3 h 05 min" for a number of seconds; a UTC date and time. */
void vg_console_duration(vg_page *p, int64_t seconds);
void vg_console_time(vg_page *p, int64_t when);
/* The caller's language for the console's words (vg_server_staff_lang),
 * and the text of key in it (owned by the catalogue), for what is shown
 * before a page exists (error pages' messages, titles). */
const char *vg_console_tr(vg_http_request *req, const char *key);
/* A role's name in lang ("console.role.NAME"), or its code. */
const char *vg_console_role(const vg_i18n_lang *lang, vg_role role);
/* A code's label in the page's language ("term.CODE" in the catalogue),
 * else the English label of vg_console_label. Codes stay codes in
 * addresses, forms and downloads: this is for what is shown. */
const char *vg_console_term(const vg_page *p, const char *code);
/* The label of code in one of the model's lists (vocab.h) in the page's
 * language: prefix + code in the catalogue ("term.action.", as the lists'
 * codes collide: "url", "removed"), else the list's English label, else
 * the code. */
const char *vg_console_vocab(const vg_page *p, const char *prefix, const vg_term *terms,
                             const char *code);
/* A report's source ("web", "api", "crawler") as the page's language
 * says it, else the code. */
const char *vg_console_source(const vg_page *p, const char *source);
/* Query or form integer >= 1, or 0. */
int64_t vg_console_id(const char *text);
/* The label of any code the console shows (vocab), or the code itself. */
const char *vg_console_label(const char *code);
/* The item a form is about: its report and the version the form was made
 * from (0 is a version). 0 after answering 400 when either is missing. */
int vg_console_form_item(vg_http_request *req, int64_t *report, int64_t *version);
/* Who is acting, from the request. */
vg_actor vg_console_actor(vg_http_request *req);
/* True when someone's claim on it has lapsed (console.claim_timeout_minutes):
 * another analyst may take it over. */
int vg_console_claim_lapsed(const vg_console *con, const vg_item *item, int64_t now);
/* What the reporter reads on /status for this report status (the English
 * catalogue's sentence, else the status itself). */
void vg_console_reporter_sees(vg_page *p, const vg_console *con, const char *status);
/* "found by the crawler on PAGE" for an item the crawl job made (its
 * extra_json names the page), as a small line; nothing for any other. */
void vg_console_found_by_crawler(vg_page *p, const vg_item *item);
/* A 409 (404) page saying why a change was not made. */
void vg_console_refused(vg_http_request *req, vg_item_outcome outcome, int64_t report);
/* A 503 page for a use case that failed, its reason in the log. */
void vg_console_unavailable(vg_http_request *req, const vg_error *err);
/* A table to download: buf (len bytes, as format says) answered as the
 * attachment NAME.csv or NAME.jsonl. */
void vg_console_send_table(vg_http_request *req, vg_table_format format, const char *name,
                           const char *buf, size_t len);
/* Render the files of a report or a case: hashes, bank matches and, for an
 * item (it not NULL), the previews the caller may see. */
void vg_console_files_table(vg_page *p, vg_http_request *req, const vg_console *con,
                            const vg_item *it, const vg_item_file *files, size_t count);
/* Render the routes of a report (report_id > 0) or a case (case_id > 0):
 * what must be done about each URL, why, and where it is hosted. */
void vg_console_routes_table(vg_page *p, vg_http_request *req, const vg_console *con,
                             int64_t report_id, int64_t case_id);
/* POST /console/route (approve or change a route) and
 * /console/route/removed (the material is gone), in routes.c. */
void vg_console_route_post(vg_http_request *req);
void vg_console_route_removed_post(vg_http_request *req);

/* What the reporter told us (reporter.c): who they are, when they saw it,
 * their country and language, further fields, and whether they left
 * contact details, with the audited button to read them when the caller
 * may (vg_rule_may_contact). heading: with an <h2>. */
void vg_console_reporter_section(vg_page *p, vg_http_request *req, const vg_item *it,
                                 int heading);
/* A dispute's two assessments side by side, what differs marked, and the
 * buttons accepting one of them for who may settle it (decision.c). */
void vg_console_dispute_view(vg_page *p, vg_http_request *req, const vg_item *it);
/* The form reopening a confirmed classification, for supervisors. */
void vg_console_reopen_form(vg_page *p, vg_http_request *req, const vg_item *it);

/* ---- the handlers ------------------------------------------------------------ */

/* /console/account (account.c): the person's language. */
void vg_console_account_page(vg_http_request *req);
void vg_console_account_post(vg_http_request *req);
void vg_console_home_page(vg_http_request *req);
void vg_console_queue_page(vg_http_request *req);
void vg_console_claim_post(vg_http_request *req);
void vg_console_release_post(vg_http_request *req);
void vg_console_item_page(vg_http_request *req);
void vg_console_assess_post(vg_http_request *req);
void vg_console_preview(vg_http_request *req);
void vg_console_case_page(vg_http_request *req);
void vg_console_contact_post(vg_http_request *req);
void vg_console_settle_post(vg_http_request *req);
void vg_console_reopen_post(vg_http_request *req);
void vg_console_next_post(vg_http_request *req);
void vg_console_search_page(vg_http_request *req);
/* /console/stats (stats.c): the figures of a period, a chart, downloads. */
void vg_console_stats_page(vg_http_request *req);
void vg_console_alerts_page(vg_http_request *req);
void vg_console_alert_ack_post(vg_http_request *req);
void vg_console_notices_page(vg_http_request *req);
/* The table of notices (the notices page's and the case page's). */
void vg_console_notice_table(vg_page *p, const vg_notice_row *rows, size_t count, int64_t now);
void vg_console_notice_page(vg_http_request *req);
void vg_console_notice_confirm_post(vg_http_request *req);
/* /console/providers (providers.c): time to removal per provider and AS. */
void vg_console_providers_page(vg_http_request *req);
/* The blocking list (blocklist.c): the list with its filters, proposals
 * and renewals to decide, entries expiring soon, appeals, and the forms
 * that change them through hotline/blocklist.h. */
void vg_console_blocklist_page(vg_http_request *req);
void vg_console_block_proposals_page(vg_http_request *req);
void vg_console_block_expiring_page(vg_http_request *req);
void vg_console_block_appeals_page(vg_http_request *req);
void vg_console_block_propose_post(vg_http_request *req);
void vg_console_block_decide_post(vg_http_request *req);
void vg_console_block_renew_post(vg_http_request *req);
void vg_console_block_appeal_post(vg_http_request *req);
void vg_console_block_opening_post(vg_http_request *req);
/* Under an item's approved route that proposes blocking: its entries on
 * the list, or the form proposing it (blocklist.c). */
void vg_console_block_route(vg_page *p, vg_http_request *req, const vg_console *con,
                            const vg_url_route_row *r);

#endif
