/*
 * src/model/blocklist.h - the blocking list's safeguards, as pure rules.
 *
 * Access to a URL (or to a whole domain dedicated to CSAM) is blocked only
 * while its removal at the source is pending abroad, never instead of it:
 *
 *   - an analyst proposes an entry from an approved route of confirmed CSAM
 *     hosted abroad whose removal is still pending, with a legal basis from
 *     the configured list (blocklist.legal_bases);
 *   - the evidence is vigie's own: a file it holds or the material it
 *     fetched from the URL, never a digest a sender quoted;
 *   - a supervisor who is not the proposer approves it (four-eyes);
 *   - it is listed for blocklist.days, then leaves the list unless a
 *     renewal, proposed and approved again by two people, extends it;
 *   - it leaves earlier when the material is verified gone or an appeal
 *     succeeds.
 *
 * Words: VG_BLOCK_*, VG_APPEAL_* (model/vocab.h). Pure: no I/O.
 */
#ifndef VIGIE_MODEL_BLOCKLIST_H
#define VIGIE_MODEL_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/people.h"
#include "vigie/error.h"

/* An entry of the list as kept (store/blocklist.h); owns its strings. */
typedef struct vg_block_entry {
    int64_t id;            /* set when read back */
    char *target;          /* the canonical URL, or the domain (kind "domain") */
    char *kind;            /* VG_BLOCK_KIND_* */
    int64_t route_id;      /* the route it was proposed from */
    int64_t report_id;
    char *proposed_by;
    int64_t proposed_at;
    char *approved_by;     /* "" until approved */
    int64_t approved_at;
    char *legal_basis;     /* one of blocklist.legal_bases */
    char *category;        /* the report's category (vocab: VG_CATEGORY_*) */
    int64_t starts_at;     /* 0 until listed */
    int64_t expires_at;    /* 0 until listed */
    int64_t review_at;     /* when a supervisor looks at it again */
    char *state;           /* VG_BLOCK_* */
    char *removal_reason;  /* VG_BLOCK_GONE, _EXPIRED, _APPEAL, or a refusal's reason; "" */
    int64_t removed_at;
    char *renewal_by;      /* who proposed a renewal awaiting approval; "" */
    int64_t listed_version;  /* the list's version that added it (0: never listed) */
    int64_t removed_version; /* the list's version that removed it (0: not removed) */
} vg_block_entry;
void vg_block_entry_clear(vg_block_entry *e);
void vg_block_entries_free(vg_block_entry *e, size_t count);

/* An appeal against an entry (or against a URL someone quotes, which may
 * match no entry: entry_id 0); owns its strings. */
typedef struct vg_block_appeal {
    int64_t id;
    int64_t entry_id;   /* 0: no entry matched the URL quoted */
    char *url;          /* as the appellant quoted it */
    char *reason;       /* why they think it is an error */
    char *contact;      /* optional, "" */
    int64_t created_at;
    char *state;        /* VG_APPEAL_* */
    char *decided_by;   /* "" while open */
    int64_t decided_at;
    char *decision;     /* the supervisor's reason, "" while open */
} vg_block_appeal;
void vg_block_appeal_clear(vg_block_appeal *a);
void vg_block_appeals_free(vg_block_appeal *a, size_t count);

/* What a proposal rests on, read by the use case (borrowed strings). */
typedef struct vg_block_facts {
    vg_role role;               /* the proposer's */
    const char *route_state;    /* VG_URL_ROUTE_* */
    const char *route_country;  /* where the URL is hosted, "" unknown */
    const char *home_country;   /* routing.country */
    int removed;                /* the material is recorded or verified gone */
    const char *item_state;     /* VG_ITEM_* of the route's report */
    const char *item_legal;     /* its decision, VG_LEGAL_* (NULL: none) */
    int64_t files_held;         /* files of the report vigie holds (not quoted digests) */
    int fetched;                /* vigie fetched the URL and kept what it served */
    int basis_listed;           /* the legal basis is one of blocklist.legal_bases */
    const char *kind;           /* VG_BLOCK_KIND_* */
} vg_block_facts;

/* Whether the entry may be proposed: 1, or 0 with *why (cap bytes) saying
 * what is missing. */
int vg_rule_block_propose(const vg_block_facts *f, char *why, size_t cap);

/* Whether actor (role) may approve or refuse a proposal (or a renewal)
 * in state made by proposer: a supervisor, not the proposer. 1, or 0
 * with *why. */
int vg_rule_block_approve(vg_role role, const char *actor, const char *state,
                          const char *proposer, char *why, size_t cap);

/* Whether actor (role) may propose renewing a listed entry: an analyst
 * (or above), while the entry is listed and no renewal waits. */
int vg_rule_block_renew_propose(vg_role role, const char *state, const char *renewal_by,
                                char *why, size_t cap);

/* An entry approved (or renewed) at now for days days: when it expires,
 * and when a supervisor reviews it (half-way, at least a day before it
 * expires). */
void vg_rule_block_term(int64_t now, int64_t days, int64_t *expires_at, int64_t *review_at);

/* Whether a listed entry has expired at now. */
int vg_rule_block_expired(const char *state, int64_t expires_at, int64_t now);

/* Whether actor (role) may decide an appeal in state: a supervisor, with a
 * reason. */
int vg_rule_appeal_decide(vg_role role, const char *state, const char *reason, char *why,
                          size_t cap);

/* The legal bases of blocklist.legal_bases: entries separated by ';' (a
 * law article or an order reference may hold commas), trimmed. Whether
 * basis is one of them. */
int vg_block_basis_listed(const char *legal_bases, const char *basis);

/* ---- what members receive (hotline/blocklist_feed.h) ---------------------- */

/* The full hash of an entry (VG_URLHASH_FULL_BYTES into out): SHA-256 of
 * the one Safe Browsing expression the entry stands for, so that a member
 * looking a URL up by its expressions (vigie/urlhash.h) finds it. A URL
 * entry's expression is the exact one of its canonical form
 * ("host/path?query"); a domain entry's is its host with the root path
 * ("host/"), which every address on that host and below it looks up.
 * VG_ERR_INVALID for a target that is no address. */
vg_status vg_block_full_hash(const char *kind, const char *target, unsigned char out[32],
                             vg_error *err);

/* Sort prefixes[count] and drop repeats in place (two entries may stand
 * for the same expression, or two expressions share a prefix): the count
 * left. */
size_t vg_block_prefixes_normalize(uint32_t *prefixes, size_t count);

/* What turns the sorted, distinct set old[old_count] into new[new_count]:
 * the prefixes only new holds into added (room for new_count), those only
 * old holds into removed (room for old_count), both sorted. */
void vg_block_prefixes_diff(const uint32_t *old, size_t old_count, const uint32_t *now,
                            size_t now_count, uint32_t *added, size_t *added_count,
                            uint32_t *removed, size_t *removed_count);

/* Whether host may be written as an owner name of a response policy zone:
 * dot-separated labels of 1 to 63 lowercase letters, digits, '-' or '_',
 * at most 253 bytes, at least two labels, not a dotted-quad address (an
 * RPZ name trigger matches a queried name; an address is no name). A
 * target is hostile text from a reported URL: anything else would let it
 * write zone file syntax. */
int vg_block_rpz_name_ok(const char *host);

#endif
