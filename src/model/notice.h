/*
 * src/model/notice.h - notice and takedown, and stay-down, as rules.
 *
 * A route that asks for a notice to the host (VG_ACTION_NOTICE_HOST) gets
 * a notice. Its life, decided on what vigie itself fetched from the URL
 * (never on the host's word alone):
 *
 *   pending       waiting for proof that the URL serves the material: a
 *                 fetch that found it (same SHA-256, or PDQ within the
 *                 threshold, of a file of the case whose bytes vigie
 *                 hashed), or a person who confirmed it
 *   sent          notified; re-notified every renotice interval while
 *                 the material is still served
 *   escalated     after escalate_after notices without removal: the
 *                 police or the partner hotline was told; still checked
 *   removed       a fetch found it gone (404/410, or something else
 *                 served); checked on, slowly, for the
 *                 stay-down period
 *   closed        the stay-down period passed without a reappearance
 *   no_contact    the route has no abuse contact: an analyst must find one
 *
 * A removed notice whose material is found again (at its URL, or at
 * another URL vigie fetched) reappears: back to sent, a new notice, a
 * stay-down record, and the staff are alerted.
 *
 * A fetch that neither found the material nor proved it gone (a name that
 * does not resolve, a connection error, a time-out, a 5xx, a refusal)
 * concludes nothing: the check is tried again later, and its custody
 * record says what happened.
 *
 * Pure: no I/O.
 */
#ifndef VIGIE_MODEL_NOTICE_H
#define VIGIE_MODEL_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#define VG_NOTICE_PENDING "pending"
#define VG_NOTICE_SENT "sent"
#define VG_NOTICE_ESCALATED "escalated"
#define VG_NOTICE_REMOVED "removed"
#define VG_NOTICE_CLOSED "closed"
#define VG_NOTICE_NO_CONTACT "no_contact"

/* The kinds of a notice's history (store/notices.h). */
#define VG_NOTICE_EVENT_FETCH "fetch"         /* a check: the custody record */
#define VG_NOTICE_EVENT_MESSAGE "message"     /* a message sent or tried */
#define VG_NOTICE_EVENT_STAYDOWN "staydown"   /* the material came back */
#define VG_NOTICE_EVENT_HOST "host"           /* the host acknowledged or said removed */
#define VG_NOTICE_EVENT_CONFIRM "confirm"     /* a person confirmed the URL serves it */

/* What a check saw at the URL. */
typedef enum vg_notice_seen {
    VG_SEEN_NOTHING = 0, /* no conclusion: failure, time-out, 5xx, refusal */
    VG_SEEN_MATERIAL,    /* the material is served */
    VG_SEEN_GONE,        /* 404/410, or other content */
} vg_notice_seen;

/* notices.* (docs/notices.md). */
typedef struct vg_notice_policy {
    int64_t renotice_seconds;  /* notices.renotice_hours: 24 h */
    int64_t check_seconds;     /* notices.check_minutes: how often an open notice is checked */
    int64_t retry_seconds;     /* after a check that concluded nothing, or a failed send */
    int escalate_after;        /* notices.escalate_after: notices sent before escalating */
    int64_t staydown_check_seconds; /* notices.staydown_hours: a removed URL re-checked */
    int64_t staydown_seconds;  /* notices.staydown_days: how long after removal */
} vg_notice_policy;

/* The defaults (INHOPE and Project Arachnid practice: a re-notice every
 * 24 hours; escalation after 3 notices). */
void vg_notice_policy_default(vg_notice_policy *p);

/* A notice's state as the rule reads it. */
typedef struct vg_notice_facts {
    const char *state;
    int confirmed;           /* a person confirmed the URL serves the material */
    int sent_count;          /* notices sent so far (the first and re-notices) */
    int64_t last_sent_at;    /* 0: never */
    int64_t removed_at;      /* 0: never */
    int escalated;           /* escalated already */
} vg_notice_facts;

/* What to do after a check. */
typedef struct vg_notice_step {
    const char *state;  /* the new state */
    int send_notice;    /* send a notice to the host now (first, re-notice, reappeared) */
    int escalate;       /* tell the escalation address now */
    int removed;        /* removal seen now: record the time */
    int reappeared;     /* removed material seen again: stay-down record and alert */
    int64_t next_check_at; /* 0: never again */
} vg_notice_step;

/* The step after a check at now that saw seen. */
void vg_rule_notice_step(const vg_notice_policy *p, const vg_notice_facts *f, vg_notice_seen seen,
                         int64_t now, vg_notice_step *out);

/* What a fetch saw, from its outcome: status is the HTTP status (0 when
 * there was none), has_body a 2xx body was read whole, matches 1 when it
 * matched the case's material, 0 when it did not, -1 when the case has no
 * file whose bytes vigie hashed (a body then proves nothing either way).
 * Only the host's own answer proves removal: 404/410, or a body that no
 * longer matches. A name that does not resolve, a connection refused or
 * cut, a time-out is the network's or the resolver's failure, as likely
 * ours as the host's: no conclusion, tried again. */
vg_notice_seen vg_rule_notice_seen(long status, int has_body, int matches);

/* Whether a state is still checked on (every state but closed and
 * no_contact). */
int vg_notice_state_open(const char *state);

/* Whether a removed notice has handed its watch over: the crawl job found
 * its material again (reappeared_at after removed_at while still removed)
 * and made a new report, whose own route and notice act on it from then
 * on. Such a notice is not checked again, and no later sighting of its
 * material counts as its reappearance a second time. */
int vg_rule_notice_handed_over(const char *state, int64_t removed_at, int64_t reappeared_at);

/* Whether the crawl job still crawls a target whose report's item is in
 * item_state with the classification legal (VG_LEGAL_*; NULL or "" when
 * there is none yet). A report nobody has assessed is crawled: it is what
 * the crawler is for. One decided (confirmed by four eyes, or by the banks)
 * as not illegal, or as illegal but not CSAM, is not: the hotline said the
 * page holds no CSAM, and the crawler must not go on fetching from a site
 * on its account. An undetermined age may still be CSAM: crawled. An
 * assessment still in progress
 * changes nothing until it is final; a later reassessment as CSAM brings
 * the target back. */
int vg_rule_crawl_target_wanted(const char *item_state, const char *legal);

/* ---- rows (store/notices.h) ---------------------------------------------- */

typedef struct vg_notice_row {
    int64_t id, report_id, case_id;
    char *url;         /* canonical */
    char *state;       /* VG_NOTICE_* */
    char *contact;     /* the host's abuse e-mail, "" when none */
    char *language;    /* the notice's language ("de"), "" for the default */
    char *provider;    /* the host's name (AS name or directory), for the console */
    char *token_hash;  /* SHA-256 hex of the /notice/{token} token */
    char *material_sha256, *material_pdq; /* what the URL served when found, "" */
    int confirmed;     /* a person confirmed the URL serves the material */
    int sent_count;
    int64_t created_at, first_sent_at, last_sent_at, acked_at, host_removed_at, removed_at,
        verified_at, escalated_at, reappeared_at, next_check_at, last_check_at;
    int reappeared_count;
} vg_notice_row;
void vg_notice_row_clear(vg_notice_row *row);
void vg_notice_rows_free(vg_notice_row *rows, size_t count);

/* One entry of a notice's history. */
typedef struct vg_notice_event {
    int64_t id, notice_id, at;
    char *kind;   /* VG_NOTICE_EVENT_* */
    char *detail; /* JSON */
} vg_notice_event;
void vg_notice_events_free(vg_notice_event *events, size_t count);

/* A route asking for a notice that has none yet. */
typedef struct vg_notice_todo {
    int64_t report_id, case_id;
    char *url, *hosting; /* the route's canonical URL and lookup facts (JSON) */
} vg_notice_todo;
void vg_notice_todos_free(vg_notice_todo *todo, size_t count);

#endif
