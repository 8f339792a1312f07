/*
 * src/model/audit.h - the audit log: entries, their chained hash, and the
 * check that the chain is whole.
 *
 * Every change to the hotline's data and every security event is an entry,
 * chained to the one before it:
 *
 *   hash = SHA-256("14:vigie-audit-v1\n" + field(seq) + field(time) +
 *                  field(actor) + field(action) + field(target) +
 *                  field(detail) + field(prev_hash))
 *   field(x) = decimal length of x + ":" + x + "\n"
 *
 * with prev_hash = 64 zeros for the first entry. Pure: no I/O.
 */
#ifndef VIGIE_MODEL_AUDIT_H
#define VIGIE_MODEL_AUDIT_H

#include <stdint.h>

typedef struct vg_audit_entry {
    int64_t seq;     /* 1, 2, 3...: a gap is a removed entry */
    int64_t time;
    char *actor;     /* "user:alice", "key:12", "cli:root", "anonymous", "console" */
    char *action;    /* "login.success", "item.assess", ... */
    char *target;    /* what it concerns, or "" */
    char *detail;    /* JSON object text, or "" */
    char *prev_hash; /* hex; 64 zeros for the first entry */
    char *hash;      /* hex */
} vg_audit_entry;
void vg_audit_entry_clear(vg_audit_entry *entry);

/* An entry to append, in the same transaction as the change it records. */
typedef struct vg_audit_note {
    const char *actor, *action, *target, *detail; /* detail: JSON object text or NULL */
} vg_audit_note;

/* What a person looks for in the log: every member set must match. */
typedef struct vg_audit_filter {
    const char *actor;  /* exactly, or NULL */
    const char *action; /* exactly, or every action under a prefix ending in '.'
                           ("item." matches item.claim and item.assess.auto), or NULL */
    const char *target; /* exactly, or NULL */
    int64_t from, to;   /* time in [from, to); 0: unbounded */
    int64_t before_seq; /* entries older than this one (the next page); 0: the newest */
} vg_audit_filter;

/* Whether entry matches filter (the backends' queries must agree). */
int vg_audit_filter_match(const vg_audit_filter *filter, const vg_audit_entry *entry);

/* The chained hash of entry (its fields and prev_hash) into hex[65]. */
void vg_audit_entry_hash(const vg_audit_entry *entry, char hex[65]);

/* Checking a chain: feed every entry in sequence order, then the chain
 * head kept apart from the entries. */
typedef struct vg_audit_check {
    int64_t entries;  /* entries checked so far */
    char prev[65];    /* hash of the last one */
    char *problem;    /* the first problem found (owned), or NULL */
} vg_audit_check;

void vg_audit_check_init(vg_audit_check *c);
/* 0 to go on, 1 when the entry shows a problem (then c->problem says which). */
int vg_audit_check_entry(vg_audit_check *c, const vg_audit_entry *entry);
/* After the last entry: compare with the head (head_seq 0: no entry kept);
 * removing the newest entries is noticed this way. 1 when the chain holds. */
int vg_audit_check_head(vg_audit_check *c, int64_t head_seq, const char *head_hash);
void vg_audit_check_clear(vg_audit_check *c);

#endif
