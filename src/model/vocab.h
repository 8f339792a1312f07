/*
 * src/model/vocab.h - the hotline's words.
 *
 * Every code vigie stores, exchanges or compares (legal outcomes, age
 * bands, flags, the states of an item, the statuses a reporter reads...)
 * is defined once here, with the label people read. Code elsewhere names
 * a code through the VG_* macros below, never by spelling it again, and
 * checks a value against the list it belongs to with vg_term_find.
 *
 * Lists are NULL-terminated arrays in a meaningful order: the order forms
 * offer them in, and for legal outcomes the order of gravity (worst first).
 * Pure data: no I/O, no state.
 */
#ifndef VIGIE_MODEL_VOCAB_H
#define VIGIE_MODEL_VOCAB_H

#include <stddef.h>

typedef struct vg_term {
    const char *code;  /* stored and exchanged: never changes once shipped */
    const char *label; /* for people (English; the public pages use i18n/) */
} vg_term;

/* Legal assessment, worst first (vg_legal_worse ranks by this order). */
#define VG_LEGAL_CSAM "illegal_csam"
#define VG_LEGAL_OTHER "other_illegal"
#define VG_LEGAL_AGE_UNDETERMINED "age_undetermined"
#define VG_LEGAL_NOT_ILLEGAL "not_illegal"
extern const vg_term vg_legal_terms[];

/* Apparent age band of the youngest child shown. */
extern const vg_term vg_age_terms[];
#define VG_AGE_INFANT "b0"     /* 0-2 */
#define VG_AGE_YOUNG_CHILD "b1" /* 3-7 */
extern const vg_term vg_sex_terms[];
extern const vg_term vg_flag_terms[];
/* The Interpol baseline checklist, in checklist order. */
extern const vg_term vg_baseline_terms[];

/* What a report is about, and who sends it (the public form and the API). */
#define VG_CATEGORY_LIVESTREAM "livestream"
#define VG_CATEGORY_SEXTORTION "sextortion"
#define VG_CATEGORY_IMAGE_OF_ME "image_of_me"
extern const vg_term vg_category_terms[];
extern const vg_term vg_reporter_kind_terms[];
/* How old a young person reporting their own picture says they are: the
 * bands analysts need to tell a child (13-17 included) from an adult. Kept
 * in a report's extra fields as "reporter_age". */
extern const vg_term vg_reporter_age_terms[];

/* What a partner key may do (model/people.h: VG_SCOPE_*, bit i is term i). */
extern const vg_term vg_scope_terms[];

/* Why a report raised an alert (model/alert.h), and the ways an alert is
 * sent to whoever is on duty. */
#define VG_ALERT_DANGER "danger"         /* its sender says a child is in danger now */
#define VG_ALERT_LIVESTREAM "livestream" /* abuse streamed live */
extern const vg_term vg_alert_reason_terms[];
#define VG_CHANNEL_EMAIL "email"
#define VG_CHANNEL_WEBHOOK "webhook"
extern const vg_term vg_alert_channel_terms[];

/* The state of a report's assessment (an item of the console). */
#define VG_ITEM_OPEN "open"             /* nobody has assessed it yet */
#define VG_ITEM_SECOND "awaiting-second" /* one assessment, waiting for a second analyst */
#define VG_ITEM_DISPUTED "disputed"     /* two analysts disagreed: a supervisor decides */
#define VG_ITEM_CONFIRMED "confirmed"   /* four-eyes agreed (or a supervisor decided) */
#define VG_ITEM_AUTO "auto"             /* decided without anyone looking: banks or a copy */
extern const vg_term vg_item_state_terms[];

/* How an item was decided without anyone looking (its decided_by). */
#define VG_DECIDED_BANK "bank" /* every file in a bank that decides */
#define VG_DECIDED_COPY "copy" /* an identical report of its case was decided */
#define VG_DECIDED_URL "url"   /* its URLs were decided with an earlier report */
extern const vg_term vg_decision_source_terms[];

/* The audited actions people filter the log by, with what they mean. */
extern const vg_term vg_audit_action_terms[];

/* What the reporter reads of a report, in the order a report goes through. */
#define VG_REPORT_RECEIVED "received"
#define VG_REPORT_ASSESSING "assessing"
#define VG_REPORT_ASSESSED "assessed"
#define VG_REPORT_CLOSED "closed"
extern const vg_term vg_report_status_terms[];

/* Orientation (model/route.h): what must be done about a confirmed URL,
 * most urgent first, and why. */
#define VG_ACTION_CHILD_PROTECTION "refer_child_protection"
#define VG_ACTION_NOTICE_HOST "notice_host"
#define VG_ACTION_POLICE "refer_police"
#define VG_ACTION_FORWARD "forward_partner"
#define VG_ACTION_BLOCK "propose_blocking"
#define VG_ACTION_ASK_CDN "ask_cdn_origin"
#define VG_ACTION_ANALYST "analyst_decides"
extern const vg_term vg_action_terms[];
#define VG_REASON_CHILD_IN_DANGER "child_in_danger"
#define VG_REASON_HOME "hosted_home"
#define VG_REASON_ABROAD_PARTNER "hosted_abroad_partner"
#define VG_REASON_ABROAD_NO_PARTNER "hosted_abroad_no_partner"
#define VG_REASON_CDN "behind_cdn"
#define VG_REASON_UNRESOLVED "unresolved"
#define VG_REASON_NOT_LOCATED "not_located"
#define VG_REASON_SEVERAL_COUNTRIES "several_countries"
extern const vg_term vg_reason_terms[];
/* The state of a route: proposed by the orientation job, then approved or
 * changed by an analyst. */
#define VG_URL_ROUTE_PROPOSED "proposed"
#define VG_URL_ROUTE_APPROVED "approved"     /* a person approved it (maybe changed) */
#define VG_URL_ROUTE_AUTOMATIC "automatic"   /* routing.auto_known approved it */
extern const vg_term vg_url_route_state_terms[];
/* What a route's approval sends, one delivery each (store/routes.h). */
#define VG_DELIVERY_FORWARD "forward"                   /* to a partner hotline */
#define VG_DELIVERY_POLICE "referral_police"            /* a referral package */
#define VG_DELIVERY_CHILD_PROTECTION "referral_child_protection"
extern const vg_term vg_delivery_kind_terms[];
/* What was done about a report, as its sender reads it
 * (GET /api/v1/reports/{id}): {type, at, to, reference}. */
#define VG_DONE_FORWARDED "forwarded"
#define VG_DONE_NOTICE_SENT "notice_sent"
#define VG_DONE_REFERRED "referred"
#define VG_DONE_REMOVED "removed"
/* removed material found online again (stay-down): acted on again */
#define VG_DONE_REAPPEARED "reappeared"
extern const vg_term vg_done_terms[];

/* The source of a report the crawl job made (hotline/crawling.h). */
#define VG_REPORT_SOURCE_CRAWLER "crawler"

/* The blocking list (model/blocklist.h): an entry's kind, its state, why
 * it left the list, and the state of an appeal against it. */
#define VG_BLOCK_KIND_URL "url"       /* a page or a picture */
#define VG_BLOCK_KIND_DOMAIN "domain" /* a whole domain dedicated to CSAM */
extern const vg_term vg_block_kind_terms[];
#define VG_BLOCK_PROPOSED "proposed" /* an analyst proposed it; a supervisor decides */
#define VG_BLOCK_LISTED "listed"     /* approved: members block it until it leaves */
#define VG_BLOCK_REFUSED "refused"   /* a supervisor refused the proposal */
#define VG_BLOCK_REMOVED "removed"   /* it left the list (removal_reason says why) */
extern const vg_term vg_block_state_terms[];
#define VG_BLOCK_GONE "material_gone"     /* verification shows the material gone */
#define VG_BLOCK_EXPIRED "expired"        /* blocklist.days passed without renewal */
#define VG_BLOCK_APPEAL "appeal_granted"  /* an appeal succeeded */
extern const vg_term vg_block_removal_terms[];
#define VG_APPEAL_OPEN "open"
#define VG_APPEAL_GRANTED "granted"   /* the entry leaves the list */
#define VG_APPEAL_REJECTED "rejected" /* the entry stays */
extern const vg_term vg_appeal_state_terms[];

/* What a bank match of a file is worth. A digest the sender quoted (a file
 * given by digest only) proves nothing about what was sent or where it is:
 * its match is the sender's claim, shown as such, and never classifies. */
#define VG_FILE_NEW 0     /* no bank matched */
#define VG_FILE_KNOWN 1   /* a bank matched bytes vigie hashed itself */
#define VG_FILE_CLAIMED 2 /* a bank matched a digest the sender quoted */

/* Which fingerprint of a file found its bank match: the people who decide
 * what to do with a match by a robust signal want to know how it was
 * made (docs/robust.md). */
#define VG_MATCH_DIGEST "digest"       /* MD5, SHA-1 or SHA-256 */
#define VG_MATCH_PDQ "pdq"             /* canonical PDQ within the threshold */
#define VG_MATCH_TRIMMED "pdq_trimmed" /* PDQ of the picture inside its bars or frame */
#define VG_MATCH_CROP "patchset"       /* local features matched by geometry */
#define VG_MATCH_VIDEO "vpdq"          /* a video's frames */
extern const vg_term vg_match_terms[];

/* The term of code in list, or NULL (code may be NULL). */
const vg_term *vg_term_find(const vg_term *list, const char *code);
/* Its label, or code itself when the list does not have it ("" for NULL). */
const char *vg_term_label(const vg_term *list, const char *code);
/* Its place in the list, or -1. */
int vg_term_index(const vg_term *list, const char *code);
size_t vg_term_count(const vg_term *list);

/* 1 when legal outcome a is graver than b (an unknown code is the
 * mildest). */
int vg_legal_worse(const char *a, const char *b);

#endif
