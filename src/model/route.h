/*
 * src/model/route.h - orientation: who must act on a confirmed URL.
 *
 * The rule takes what a hosting lookup found for one URL (the countries of
 * its addresses, anycast) and the hotline's network (its own country, its
 * partner hotlines by country) and proposes the actions, each with the
 * reasons an analyst reads (vocab: VG_ACTION_*, VG_REASON_*):
 *
 *   hosted at home                 -> notice to the host, referral to the police
 *   abroad, a partner hotline there -> forward to that partner
 *   abroad, no partner             -> notice to the host, propose for blocking
 *   behind a CDN (anycast)         -> ask the CDN for the origin; the analyst decides
 *   unresolved, not public, or in several countries -> the analyst decides
 *   a child in danger              -> also refer to child protection at once
 *
 * The rule never guesses a country: an anycast address's country is where
 * the answer came from, not where the material is. Pure: no I/O.
 */
#ifndef VIGIE_MODEL_ROUTE_H
#define VIGIE_MODEL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "util/partners.h"



/* One address of the URL's host, as the lookup gave it (borrowed). */
typedef struct vg_url_route_address {
    const char *country; /* "" when unknown */
    int anycast;
    int is_public;
} vg_url_route_address;

typedef struct vg_url_route_facts {
    const char *home_country;          /* routing.country */
    const vg_partner *partners;
    size_t partner_count;
    int resolved;                      /* the host resolved */
    const vg_url_route_address *addresses;
    size_t address_count;
    int child_in_danger;
} vg_url_route_facts;

#define VG_URL_ROUTE_TEXT 160

typedef struct vg_url_route {
    char actions[VG_URL_ROUTE_TEXT]; /* comma-separated VG_ACTION_* codes, most urgent first */
    char reasons[VG_URL_ROUTE_TEXT]; /* comma-separated VG_REASON_* codes */
    char country[3];             /* the hosting country, "" when it is not known */
    const vg_partner *partner;   /* the partner to forward to, or NULL */
} vg_url_route;

/* The route of one URL (see the top of this file). */
void vg_rule_url_route(const vg_url_route_facts *facts, vg_url_route *out);

/* Whether a report puts a child in immediate danger: its sender said so
 * (danger), or it is about a live stream or sextortion. Such routes also
 * refer to child protection. */
int vg_rule_child_in_danger(const char *category, int danger);

/* A route as kept (store/routes.h); owns its strings (vg_url_route_rows_free). */
typedef struct vg_url_route_row {
    int64_t id; /* set when read back */
    int64_t report_id;
    char *url;     /* the canonical URL */
    char *state;   /* VG_ROUTE_* */
    char *actions, *reasons, *country, *partner; /* as vg_url_route; "" when none */
    char *hosting; /* the lookup's facts: a JSON object {"host", "addresses": [...]} */
    int64_t created_at;
    char *changed_by; /* who changed its actions, awaiting a second person; "" */
    char *decided_by; /* who approved it ("orientation" when automatic); "" */
    int64_t decided_at;
} vg_url_route_row;
void vg_url_route_row_clear(vg_url_route_row *row);
void vg_url_route_rows_free(vg_url_route_row *rows, size_t count);

/* A confirmed URL that has no route yet (owns its strings). */
typedef struct vg_url_route_todo {
    int64_t report_id;
    char *url;      /* canonical */
    char *category; /* the report's */
    int danger;     /* its sender says a child is in danger now */
} vg_url_route_todo;
void vg_url_route_todos_free(vg_url_route_todo *todo, size_t count);

/* ---- approval ------------------------------------------------------------ */

/* What an analyst's approval of a route does (vg_rule_route_approval). */
typedef enum vg_route_verdict {
    VG_ROUTE_APPROVE = 0,   /* the route is approved with these actions */
    VG_ROUTE_CHANGE,        /* the actions change; a second person must approve them */
    VG_ROUTE_REFUSED,       /* nothing changes; why says what to do */
} vg_route_verdict;

/* An analyst (actor) approves a route in state (changed_by: who changed it
 * last, "" for nobody) whose actions are now `current`, asking for the
 * actions `wanted` (comma-separated VG_ACTION_* codes; has_partner: the
 * route has a partner hotline to forward to). A route proposed by the
 * rule is approved as it is by one person; a route whose actions a person
 * changed needs a second person, since it departs from the rule
 * (four-eyes, as an assessment); an approved route is final. *why (cap
 * bytes) explains a refusal. */
vg_route_verdict vg_rule_route_approval(const char *state, const char *changed_by,
                                        const char *actor, const char *current,
                                        const char *wanted, int has_partner, char *why,
                                        size_t cap);

/* Whether a route can be approved without anyone (routing.auto_known): the
 * item was decided by the banks alone (decided_by VG_DECIDED_BANK, state
 * VG_ITEM_AUTO) from files vigie hashed itself (every file known, none a
 * quoted digest), and the route only forwards to a partner hotline. A
 * notice or a referral names the URL, which an uploaded file does not
 * prove: those wait for a person, unless vigie fetched the file from that
 * very URL itself (fetched_at_url: a report the crawler made, whose one URL
 * is where it fetched its one file). Then a notice to the host and a
 * referral to the police go at once too: the fetch proves what the URL
 * serves. A referral to child protection, a CDN, a blocking proposal or
 * "the analyst decides" always wait for a person. */
typedef struct vg_route_known {
    int auto_known;               /* routing.auto_known */
    const char *item_state;       /* VG_ITEM_* */
    const char *decided_by;
    int64_t files, files_known, files_claimed;
    const char *actions;          /* the route's */
    int fetched_at_url;           /* vigie fetched the files from the route's URL */
} vg_route_known;
int vg_rule_route_automatic(const vg_route_known *k);

/* Whether the comma-separated list has code in it. */
int vg_route_has_action(const char *actions, const char *code);

/* ---- what approval sends ---------------------------------------------------- */

/* A delivery made by an approved route: a forward to a partner hotline or
 * a referral (VG_DELIVERY_*), tried until the receiver takes it; a
 * forward is then polled for what the partner did. Owns its strings. */
typedef struct vg_route_delivery {
    int64_t id, route_id, report_id;
    char *kind;       /* VG_DELIVERY_* */
    char *target;     /* the partner's country, or "police", "child_protection" */
    char *url;        /* the route's URL */
    int64_t attempts; /* tries so far */
    int64_t next_at;  /* when to try (while not sent) */
    int64_t sent_at;  /* when the receiver took it; 0: not yet */
    char *reference;  /* the receiver's name for it ("" until sent) */
    char *last_error; /* why the last try failed ("" when it did not) */
    int64_t poll_at;  /* forwards: when to ask the partner what it did; 0: no more */
    int64_t created_at;
    /* forwards: where the report stands at the partner, as it last said
     * (VG_REPORT_*, "" until it says), the version of the callback that
     * said it (0: a poll, or nothing yet) and when it was recorded */
    char *partner_status;
    int64_t partner_version, partner_status_at;
} vg_route_delivery;
void vg_route_delivery_clear(vg_route_delivery *d);
void vg_route_deliveries_free(vg_route_delivery *d, size_t count);

/* A callback owed to the partner hotline that forwarded a report: its
 * fate, sent when something is recorded on the report (each such change
 * raises version) and tried until the partner takes the latest version.
 * Owns its strings. */
typedef struct vg_partner_callback {
    int64_t id, report_id;
    char *target;         /* the partner's country */
    char *reference;      /* the report's public id, as the partner knows it */
    int64_t version;      /* changes recorded so far */
    int64_t sent_version; /* the version the partner took; < version: due */
    int64_t attempts;     /* failed tries since the last change */
    int64_t next_at;      /* when to try */
    char *last_error;     /* why the last try failed ("" when it did not) */
    int64_t created_at;
} vg_partner_callback;
void vg_partner_callbacks_free(vg_partner_callback *c, size_t count);

/* The deliveries an approved route's actions make, as kinds (VG_DELIVERY_*,
 * static strings) into kinds[0..3); returns how many. A forward needs
 * a partner; notices and blocking belong to the notices' own work. */
size_t vg_rule_route_deliveries(const char *actions, int has_partner, const char *kinds[3]);

/* When a failed try (the attempts-th) is tried again: a minute, doubled
 * each time, at most six hours: a partner or a police service that is down
 * loses nothing, and is not hammered. */
int64_t vg_rule_delivery_retry_at(int64_t now, int64_t attempts);

/* One thing done about a report (VG_DONE_*), as its sender reads it.
 * Owns its strings. */
typedef struct vg_route_action {
    int64_t report_id;
    char *type;      /* VG_DONE_* */
    int64_t at;
    char *to;        /* whom: the partner hotline, the police unit, the host */
    char *reference; /* the receiver's reference, or "" */
    char *url;       /* the URL it was about, or "" */
    char *by;        /* who did it: "" for this hotline, a partner's name when
                        the partner said so */
} vg_route_action;
void vg_route_actions_free(vg_route_action *a, size_t count);

/* What the person who reported it may read of what was done (the /status
 * page): whether it was forwarded to a partner hotline, a notice sent to
 * the host, a referral made, how many of its URLs are gone and when the
 * last went, and how many came back online after their removal (stay-down:
 * the hotline acts again). Never whom, nor a receiver's reference, nor who did it:
 * a stolen receipt must tell its holder no more than that. */
typedef struct vg_reporter_outcome {
    int forwarded, notice_sent, referred;
    size_t removed_urls;    /* distinct URLs recorded removed (and not back since) */
    int64_t removed_at;     /* the latest removal of those; 0 when none */
    size_t reappeared_urls; /* distinct URLs found online again after their removal */
    int partner_assessed;   /* a partner hotline it was forwarded to assessed it */
} vg_reporter_outcome;
void vg_rule_reporter_outcome(const vg_route_action *actions, size_t count,
                              vg_reporter_outcome *out);
/* Whether a partner hotline one of the forwards d[0..count) went to says
 * it assessed the report (its status there is assessed, or closed: its
 * verdict is not the reporter's to read). */
int vg_rule_partner_assessed(const vg_route_delivery *d, size_t count);

#endif
