/*
 * src/hotline/bank_curation.h - the banks as HMA clients curate them (the
 * HMA-compatible API's /c/... and vigie's /api/v1/banks,
 * docs/interop-server.md): banks made, changed and deleted, content added
 * by its signals, disabled for a time, read and removed.
 *
 * The entries live in the server's index (intake.index), changed through
 * the administration's use cases (bank_admin.h); what HMA keeps besides
 * (a bank's matching ratio, that it was made or deleted through the API, a
 * content's note, metadata and disable time) is in the store
 * (store/exchange.h). Each change is audited in the transaction that
 * writes its row: when the index changes too, that transaction follows
 * the new index file (a file is not part of a transaction), so an entry
 * records a change that happened.
 *
 * Partners write only the banks made through the API, never a bank named
 * in console.trusted_banks (model/curation.h): the banks the operator
 * built stay the operator's.
 *
 * Thread safety: every call may come from any thread.
 */
#ifndef VIGIE_HOTLINE_BANK_CURATION_H
#define VIGIE_HOTLINE_BANK_CURATION_H

#include <stddef.h>
#include <stdint.h>

#include "hotline/hotline.h"
#include "model/curation.h"

/* A bank as HMA shows it. */
typedef struct vg_curated_bank {
    char name[128];
    double enabled_ratio; /* HMA's matching_enabled_ratio */
    int made_by_api;      /* made through the API (so partners may change it) */
} vg_curated_bank;

/* What a curation call did, when it did not fail. */
typedef enum vg_curate_outcome {
    VG_CURATE_DONE = 0,
    VG_CURATE_NO_BANK,    /* no such bank (HMA: 404) */
    VG_CURATE_NO_CONTENT, /* no such content in the bank (404) */
    VG_CURATE_EXISTS,     /* a bank of that name exists (HMA: 403) */
    VG_CURATE_READ_ONLY,  /* the bank is not the partners' to change (403; *verdict says why) */
} vg_curate_outcome;

/* The banks HMA clients see: the index's banks, then those made through
 * the API that have no entry yet, less those deleted through it. *out
 * malloc'd. */
vg_status vg_hotline_curated_banks(vg_hotline *h, vg_curated_bank **out, size_t *count,
                                   vg_error *err);
/* One of them by name (len bytes, not NUL-terminated); *found 0 when none. */
vg_status vg_hotline_curated_bank(vg_hotline *h, const char *name, size_t len, vg_curated_bank *out,
                                  int *found, vg_error *err);

/* Make a bank named name (vg_hotline_bank_name_valid) with HMA's matching
 * ratio (0 to 1), by actor ("key:ID") at now: audited "bank.create".
 * VG_ERR_INVALID: a bad name or ratio. */
vg_status vg_hotline_bank_create(vg_hotline *h, const char *name, double enabled_ratio,
                                 const char *actor, int64_t now, vg_curate_outcome *outcome,
                                 vg_curate_verdict *verdict, vg_error *err);

/* Change a bank's matching ratio (set_ratio) and name (new_name, NULL
 * keeps it: vigie's banks are named in the index, which does not rename
 * them, so another name is VG_ERR_INVALID): audited "bank.update".
 * *out gets the bank as it is after. */
vg_status vg_hotline_bank_update(vg_hotline *h, const char *name, const char *new_name,
                                 int set_ratio, double enabled_ratio, const char *actor,
                                 int64_t now, vg_curated_bank *out, vg_curate_outcome *outcome,
                                 vg_curate_verdict *verdict, vg_error *err);

/* Delete a bank: its entries leave the index and it is hidden: audited
 * "bank.delete" with how many entries left. A bank that does not exist is
 * VG_CURATE_DONE with nothing done, as HMA answers. */
vg_status vg_hotline_bank_delete(vg_hotline *h, const char *name, const char *actor, int64_t now,
                                 vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                 vg_error *err);

/* One signal of a content, as HMA names it ("pdq", "video_md5", "vpdq",
 * and vigie's "md5", "sha1", "sha256") with its text. */
typedef struct vg_curated_signal {
    const char *type, *value;
} vg_curated_signal;

/* Add one content of count signals (at least one) to bank, with a note
 * (at most 255 bytes, NULL: none) and metadata (a JSON object text, NULL:
 * none): each signal becomes an entry of the index under one new id;
 * *content_id gets the number of the first, HMA's content id; *normalised
 * (malloc'd JSON object text, may be NULL) the signals as kept. Audited
 * "bank.content.add". VG_ERR_INVALID names an unknown type or a malformed
 * signal. */
vg_status vg_hotline_bank_content_add(vg_hotline *h, const char *bank,
                                      const vg_curated_signal *signals, size_t count,
                                      const char *note, const char *metadata, const char *actor,
                                      int64_t now, int64_t *content_id, char **normalised,
                                      vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                      vg_error *err);

/* A content as HMA shows it. Strings malloc'd (vg_curated_content_clear). */
typedef struct vg_curated_content {
    int64_t id;
    vg_curated_bank bank;
    int64_t disable_until_ts; /* HMA's value: 1 enabled, 0 disabled for good, else until then */
    char *original_id;        /* the id the bank's entries carry */
    char *signals;            /* JSON object text: type name to signal */
    char *metadata;           /* JSON object text: the API's metadata, else the bank's columns */
    char *note;               /* or NULL */
    int made_by_api;
} vg_curated_content;
void vg_curated_content_clear(vg_curated_content *c);

/* The content numbered id of bank (a live entry; a video's own entry,
 * not one of its frames). */
vg_status vg_hotline_bank_content(vg_hotline *h, const char *bank, int64_t id,
                                  vg_curated_content *out, vg_curate_outcome *outcome,
                                  vg_error *err);

/* Change a content: HMA's disable_until_ts (set_disable; 0, 1, or a time
 * at most five years ahead, else VG_ERR_INVALID) and note (set_note; NULL
 * or "" removes it). Audited "bank.content.update"; *out as after. */
vg_status vg_hotline_bank_content_update(vg_hotline *h, const char *bank, int64_t id,
                                         int set_disable, int64_t disable_until_ts, int set_note,
                                         const char *note, const char *actor, int64_t now,
                                         vg_curated_content *out, vg_curate_outcome *outcome,
                                         vg_curate_verdict *verdict, vg_error *err);

/* Remove a content: its entries leave the index; *deleted how many
 * contents (0 or 1), as HMA counts. Audited "bank.content.delete". */
vg_status vg_hotline_bank_content_delete(vg_hotline *h, const char *bank, int64_t id,
                                         const char *actor, int64_t now, int *deleted,
                                         vg_curate_outcome *outcome, vg_curate_verdict *verdict,
                                         vg_error *err);

/* ---- for lookups (banks.c) ---- */

/* What lookups leave out now: banks that do not match (their ratio, a
 * coin drawn per lookup) or were deleted, and content disabled. Read from
 * the store at most once a second per process (a change made elsewhere
 * shows within that second; one made here at once). */
typedef struct vg_curation_filter vg_curation_filter;
/* The filter as it is now, held until vg_curation_filter_release. NULL
 * when nothing is left out (or it could not be read: lookups then see
 * every bank). */
vg_curation_filter *vg_curation_filter_acquire(vg_hotline *h, int64_t now);
void vg_curation_filter_release(vg_hotline *h, vg_curation_filter *f);
/* Whether a hit of entry in bank stays. *coin is the lookup's draw in
 * [0, 1), made here the first time a bank's ratio needs it (start it at
 * -1): most lookups meet no such bank and draw nothing. */
int vg_curation_filter_keeps(const vg_curation_filter *f, const char *bank, uint64_t entry,
                             double *coin);
/* Drop the process's copy (after a change here, and at close). */
void vg_curation_filter_reset(vg_hotline *h);

#endif
