/*
 * src/model/item.h - a report's assessment (an item of the analysts'
 * queue), its files, and the rules of four-eyes.
 *
 * The rules here say who may take which step on an item, what an
 * assessment leads to, when banks decide without anyone looking, which
 * classification is the worst, and which items are copies of each other.
 * Storage keeps the items; the use cases apply these rules inside one
 * transaction. Pure: no I/O.
 *
 * Ownership: vg_item, vg_item_file and vg_item_url own their `char *`
 * strings (*_clear); vg_class borrows.
 */
#ifndef VIGIE_MODEL_ITEM_H
#define VIGIE_MODEL_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "model/vocab.h"
#include "vigie/error.h"

/* What four-eyes compares, and what a bank keeps (borrowed strings). */
typedef struct vg_class {
    const char *legal;    /* VG_LEGAL_* */
    const char *severity; /* a grade of the scheme, or "" */
    const char *age;      /* an age band, or "" */
    const char *sex;
    const char *flags;    /* sorted, comma-separated */
    const char *baseline; /* the Interpol baseline answers ticked, in checklist order */
    const char *country;  /* ISO 3166 code of the law that applies, or "" */
    const char *json;     /* the whole form as a JSON object text */
} vg_class;

/* The severity scheme (console.severity_scheme), most severe first. */
#define VG_MAX_GRADES 8
typedef struct vg_grading {
    char grades[VG_MAX_GRADES][8];
    int count;
} vg_grading;
/* Parse "A,B,C" (1 to 8 grades of letters and digits, at most 7 each). */
vg_status vg_grading_parse(vg_grading *g, const char *scheme, vg_error *err);
int vg_grading_has(const vg_grading *g, const char *grade);

/* A bank whose entries are confirmed classifications (console.trusted_banks). */
typedef struct vg_trusted_bank {
    char bank[200];
    char legal[32], severity[8], age[8];
} vg_trusted_bank;
typedef struct vg_trust {
    vg_trusted_bank *banks; /* owned */
    size_t count;
} vg_trust;
/* Parse "BANK=LEGAL[/GRADE[/AGE]], ..." against the scheme. */
vg_status vg_trust_parse(vg_trust *t, const char *text, const vg_grading *g, vg_error *err);
void vg_trust_clear(vg_trust *t);
const vg_trusted_bank *vg_trust_find(const vg_trust *t, const char *bank);

typedef struct vg_item {
    int64_t report_id, case_id, created_at, api_key_id;
    char *receipt_code, *source, *category, *status, *platform, *account, *description;
    char *reporter_kind, *language, *country, *contact, *occurred_at;
    int64_t files, files_known, files_claimed, files_own_bank, urls;
    char *state, *claimed_by, *first_by, *second_by, *decided_by;
    int64_t version, claimed_at, updated_at;
    char *first_json, *second_json, *final_json;
    char *first_key;              /* what four-eyes compares the second assessment with */
    char *legal, *severity, *age; /* the decision, once confirmed or automatic; else NULL */
    char *bank_classes;           /* the organisation's bank entries of its held files:
                                     "legal|severity|age" separated by ';' (or NULL) */
    char *content_key;            /* what it locates (report.h) */
    int64_t source_trust;         /* the partner key's trust, 0-100 (0: the public form) */
    int64_t copies;               /* other open items of its case locating the same things */
    int64_t copy_of;              /* the oldest open item it copies, or 0 */
    int64_t decided_from;         /* decided automatically as a copy or a URL duplicate of
                                     this report, or 0 */
    char *extra_json;             /* further fields the reporter gave (JSON object), or NULL */
    int64_t danger;               /* 1: its sender says a child is in danger now; in the
                                     queue, 1 when one of its copies says so */
} vg_item;
void vg_item_clear(vg_item *item);
void vg_items_free(vg_item *items, size_t count);

typedef struct vg_item_file {
    int64_t id, report_id, case_id, size;
    char *vault_id; /* NULL: given by digests only (a claim) */
    char *filename, *content_type, *md5, *sha1, *sha256, *pdq, *bank, *bank_entry;
    int64_t known, distance; /* VG_FILE_* and PDQ bits */
    char *own_legal, *own_severity, *own_age; /* the organisation's bank, when held and in it */
    char *video_match; /* JSON (vg_report_file.video_match), or NULL */
    char *match_signal; /* VG_MATCH_* (vg_report_file.match_signal), or NULL */
    int64_t quarantined; /* its bank entry is quarantined (hotline/quarantine.h): the
                            reports it matched in the window that tripped it; 0: not */
} vg_item_file;
void vg_item_file_clear(vg_item_file *file);
void vg_item_files_free(vg_item_file *files, size_t count);

typedef struct vg_item_url {
    int64_t report_id;
    char *url, *canonical;
} vg_item_url;
void vg_item_urls_free(vg_item_url *urls, size_t count);

/* An entry of the organisation's own bank: a file confirmed by four-eyes. */
typedef struct vg_own_entry {
    char *sha256, *pdq, *legal, *severity, *age;
    int64_t report_id, added_at;
} vg_own_entry;
void vg_own_entry_clear(vg_own_entry *entry);
void vg_own_entries_free(vg_own_entry *entries, size_t count);

/* Outcomes of a step on an item (the step happened only for VG_ITEM_DONE). */
typedef enum vg_item_outcome {
    VG_ITEM_DONE = 0,         /* the step was taken */
    VG_ITEM_STALE,            /* the item changed since the form was shown */
    VG_ITEM_CLAIMED,          /* someone else holds the claim */
    VG_ITEM_NOT_CLAIMED,      /* the step needs a claim held by the caller */
    VG_ITEM_SAME_ANALYST,     /* the second assessment must come from someone else */
    VG_ITEM_FINISHED,         /* already confirmed or assessed automatically */
    VG_ITEM_SUPERVISOR,       /* disputed: only a supervisor may decide */
    VG_ITEM_NO_SUCH_REPORT,
    VG_ITEM_OWN_ASSESSMENT,   /* the caller assessed it: they cannot settle its dispute */
    VG_ITEM_NOT_CONFIRMED,    /* only a confirmed classification can be reopened */
    VG_ITEM_ROLE,             /* the caller's role does not allow this step */
    VG_ITEM_NOT_DISPUTED,     /* only a dispute can be settled by accepting an answer */
} vg_item_outcome;

/* ---- rules ------------------------------------------------------------- */

int vg_item_finished(const vg_item *item);

/* Whether user (supervisor: 1 for supervisors and administrators) may take
 * the next step on the item, claiming it to assess: VG_ITEM_DONE, or why
 * not (finished; their own first assessment; a dispute that needs a
 * supervisor, or one they took part in). Pages offer only what this allows. */
vg_item_outcome vg_rule_may_finish(const vg_item *item, const char *user, int supervisor);

/* Whether user may read the reporter's contact details (a deliberate,
 * audited step): the holder of the item's claim, who is acting on it, or
 * a supervisor (who follows reports up, before or after their decision).
 * VG_ITEM_DONE, or VG_ITEM_NOT_CLAIMED. */
vg_item_outcome vg_rule_may_contact(const vg_item *item, const char *user, int supervisor);

/* The views of the queue. */
typedef enum vg_queue_view {
    VG_VIEW_FOR_ME = 0, /* what the viewer may take and finish now (or already holds) */
    VG_VIEW_MINE,       /* held by the viewer, or assessed by them and not yet finished */
    VG_VIEW_SECOND,     /* awaiting a second opinion */
    VG_VIEW_DISPUTED,   /* disputed: for a supervisor */
    VG_VIEW_ALL,        /* every open item */
} vg_queue_view;
/* Whether an open item is in the view for user (claims taken before
 * stale_before have lapsed: 0, claims never lapse). */
int vg_rule_in_view(const vg_item *item, vg_queue_view view, const char *user, int supervisor,
                    int64_t stale_before);

/* Whether a file was decided by a bank: held by vigie and in the
 * organisation's bank, or held and matched in a trusted bank by an entry
 * that is not quarantined (a sudden flood of matches is looked at by a
 * person first). */
int vg_rule_file_decided(const vg_item_file *file, const vg_trust *trust);

/* Whether a person may see a file's evidence: never a file a bank decided,
 * and otherwise only the holder of the item's claim, or a supervisor who may
 * settle its dispute. VG_ITEM_DONE, or why not (VG_ITEM_FINISHED for a
 * decided file, VG_ITEM_NOT_CLAIMED otherwise). */
vg_item_outcome vg_rule_may_view(const vg_item *item, const vg_item_file *file,
                                 const char *user, int supervisor, const vg_trust *trust);

/* What a person may be shown of a file: a picture (a small blurred
 * thumbnail), a video's stills (a contact sheet: videos are never played),
 * or nothing (any other file, and a file known by its digests only, which
 * vigie does not hold). */
typedef enum vg_preview_kind {
    VG_PREVIEW_NONE = 0,
    VG_PREVIEW_PICTURE,
    VG_PREVIEW_STILLS,
} vg_preview_kind;
vg_preview_kind vg_rule_preview_kind(const vg_item_file *file);

/* Claiming: someone else's claim taken before stale_before (0: claims never
 * go stale) has lapsed and may be taken over (*takes_over = 1). */
vg_item_outcome vg_rule_claim(const vg_item *item, const char *user, int supervisor,
                              int64_t version, int64_t stale_before, int *takes_over);
/* Releasing: one's own claim, or anyone's for a supervisor. */
vg_item_outcome vg_rule_release(const vg_item *item, const char *user, int supervisor,
                                int64_t version);

/* Settling a dispute by accepting one of its two answers: a disputed
 * item, a supervisor who assessed neither side (vg_rule_may_finish), the
 * version the page showed, and no one else's live claim on it. */
vg_item_outcome vg_rule_settle(const vg_item *item, const char *user, int supervisor,
                               int64_t version, int64_t stale_before);

/* Reopening a classification (a supervisor, with a reason): only a
 * confirmed one, at the version shown. Decisions taken without anyone
 * looking are reopened with the report they came from. */
vg_item_outcome vg_rule_reopen(const vg_item *item, int supervisor, int64_t version);

/* Assessing: an open item goes to awaiting a second opinion; a second
 * assessment by someone else confirms when every classifying answer agrees
 * with the first (legal, severity, age band, sex, flags, baseline,
 * country; not the note), else it is disputed; a supervisor who assessed
 * neither side decides a dispute. *next_state receives the state (a
 * VG_ITEM_* state code) when the outcome is VG_ITEM_DONE. */
vg_item_outcome vg_rule_assess(const vg_item *item, const char *user, int supervisor,
                               int64_t version, const vg_class *c, const char **next_state);

/* The answers four-eyes compares, as one string (malloc'd; NULL when out of
 * memory). with_v2: the current form; 0 gives the older five-field key. */
char *vg_rule_class_key(const vg_class *c, int with_v2);
/* Whether a second assessment agrees with the first one's stored key
 * (either form; NULL never agrees). */
int vg_rule_classes_agree(const char *first_key, const vg_class *c);

/* A classification as kept by banks (borrowed strings). */
typedef struct vg_verdict {
    const char *legal, *severity, *age;
} vg_verdict;

/* Fold v into *worst: the graver legal outcome (vocab order), the more
 * severe grade (scheme order), the younger age band (vocab order). */
void vg_rule_worst(vg_verdict *worst, const vg_verdict *v, const vg_grading *g);

/* Whether banks decide a report without anyone looking: it has files, and
 * every one is held by vigie and decided (vg_rule_file_decided); *out then
 * gets the worst of their classifications (strings borrowed from the files
 * and trust). A digest the sender quoted never decides. */
int vg_rule_banks_decide(const vg_item_file *files, size_t count, const vg_trust *trust,
                         const vg_grading *g, vg_verdict *out);

/* A canonical URL of a report already decided, with its decision. */
typedef struct vg_decided_url {
    const char *canonical;
    int64_t report_id;
    vg_verdict verdict;
} vg_decided_url;

/* Whether a report that gives URLs and no file (urls: its canonical URLs)
 * is a duplicate of decisions already taken: every one of its URLs was
 * decided (decided[]), and it does not report a live stream (a child in
 * danger now is not what was decided before). *out then gets the worst of
 * those decisions (strings borrowed from decided) and *from the oldest
 * report whose decision it inherits. */
int vg_rule_urls_decide(const vg_item *item, const char *const *urls, size_t url_count,
                        const vg_decided_url *decided, size_t decided_count,
                        const vg_grading *g, vg_verdict *out, int64_t *from);

/* A classification held by value. */
typedef struct vg_verdict_text {
    char legal[32], severity[8], age[8]; /* "" when none */
} vg_verdict_text;

/* What an item shows as its classification: its decision once it has one;
 * before, no legal outcome and the worst grade and age band of its held
 * files' entries in the organisation's bank (never a first assessment's
 * answers: four-eyes is blind, and so is the queue's priority). */
void vg_rule_item_verdict(const vg_item *item, const vg_grading *g, vg_verdict_text *out);

/* Mark copies among items sorted by report id: items of one case with the
 * same content key; the first stands for the others (its copies count
 * them, their copy_of names it, and it says a child is in danger when one
 * of them does, so that the row comes first). */
void vg_rule_mark_copies(vg_item *items, size_t count);

/* The report status a decision gives: "closed" when not illegal, else
 * "assessed". */
const char *vg_rule_status_after(const char *legal);

#endif
