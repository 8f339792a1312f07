/*
 * src/store/signed_lists.h - the last verified list of each signed source
 * (hotline/syncing.h), line by line (operations inside a transaction,
 * store/store.h): kept in the store rather than beside one node's index,
 * so that whichever node runs the next synchronisation rebuilds the list
 * a delta applies to. The source's state (version, publisher, header,
 * hash, the generation of its lines) is its setting "sync:NAME"; these
 * are its entry lines, the canonical form's without their LF.
 *
 * Every line belongs to a generation (a positive number the caller
 * chooses): a list of millions is written as a new generation in many
 * small transactions, which no reader sees until the state names it (one
 * small transaction), so that other writers (public intake) never wait
 * for the whole list; the lines of other generations (the one replaced,
 * or one a failed or killed run left half-written) are then pruned, a
 * bounded number per transaction.
 *
 * A line's key is bounded whatever its length: its first
 * VG_SIGNED_LINE_HEAD bytes and, for a longer line only, the SHA-256 of
 * the whole line (PostgreSQL's B-tree refuses keys beyond ~2.7 KB; a
 * vPDQ line is longer). Lines still come back in the order of their bytes.
 */
#ifndef VIGIE_STORE_SIGNED_LISTS_H
#define VIGIE_STORE_SIGNED_LISTS_H

#include "store/store.h"

#define VG_SIGNED_LINE_HEAD 256

/* Add count lines (NUL-terminated, none already in that generation) to
 * generation of source's list. */
vg_status vg_tx_signed_lines_add(vg_tx *tx, const char *source, int64_t generation,
                                 const char *const *lines, size_t count, vg_error *err);
/* Remove these lines from generation of source's list (lines not there
 * are ignored). */
vg_status vg_tx_signed_lines_remove(vg_tx *tx, const char *source, int64_t generation,
                                    const char *const *lines, size_t count, vg_error *err);
/* Remove about limit lines of source's list that are not of generation
 * keep (0: keep none; a few more when lines share their head); *removed
 * says how many went (fewer than limit: none is left). */
vg_status vg_tx_signed_lines_prune(vg_tx *tx, const char *source, int64_t keep, size_t limit,
                                   size_t *removed, vg_error *err);

/* Each line of generation of source's list in the order of its bytes
 * (memcmp: the canonical form's), to fn; the line is borrowed for the
 * call. fn's failure stops the reading and is returned. */
typedef vg_status (*vg_signed_line_fn)(void *ctx, const char *line, size_t len, vg_error *err);
vg_status vg_tx_signed_lines_each(vg_tx *tx, const char *source, int64_t generation,
                                  vg_signed_line_fn fn, void *ctx, vg_error *err);

#endif
