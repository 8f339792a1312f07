/*
 * src/model/curation.h - the rules of the bank writes HMA clients make
 * (the HMA-compatible API's /c/..., docs/interop-server.md): which banks a
 * partner may change, when a bank matches, and HMA's magic values of a
 * content's disable_until_ts. Pure functions.
 */
#ifndef VIGIE_MODEL_CURATION_H
#define VIGIE_MODEL_CURATION_H

#include <stdint.h>

/* Why a partner may not write a bank, or VG_CURATE_WRITABLE. */
typedef enum vg_curate_verdict {
    VG_CURATE_WRITABLE = 0,
    VG_CURATE_OPERATOR_BANK, /* the operator's bank (an index file, `vigie bank sync`...) */
    VG_CURATE_TRUSTED_NAME,  /* named in console.trusted_banks: it would decide reports */
} vg_curate_verdict;

/* Whether a partner may change (or, exists = 0, create) the bank: only
 * banks made through the API (made_by_api), never one whose name
 * console.trusted_banks lists (trusted): a bank that decides reports
 * without anyone looking is the operator's alone, and so is every bank
 * the operator built. */
vg_curate_verdict vg_rule_curate_bank(int exists, int made_by_api, int trusted);

/* A sentence for people saying why (VG_CURATE_WRITABLE: ""). */
const char *vg_curate_verdict_text(vg_curate_verdict verdict);

/* Whether a bank with HMA's matching_enabled_ratio takes part in one
 * lookup, given coin in [0, 1) drawn for that lookup (as HMA does: a
 * ratio between 0 and 1 tries a bank on that share of lookups). A ratio
 * of 0 never matches, 1 always. */
int vg_rule_bank_matches(double enabled_ratio, double coin);

/* HMA's disable_until_ts (0: disabled for good, 1: enabled, else disabled
 * until that Unix time) as the store keeps it (the time before which the
 * content does not match: 0 enabled, INT64_MAX for good), and back. */
int64_t vg_rule_disable_until_store(int64_t hma_value);
int64_t vg_rule_disable_until_hma(int64_t stored);

/* Whether content stored with disable_until matches at now. */
int vg_rule_content_enabled(int64_t disable_until, int64_t now);

/* Whether name may name a bank: 1 to 64 letters, digits, '-' or '_' (it
 * becomes part of entry ids and file names). */
int vg_rule_bank_name_valid(const char *name);

#endif
