/*
 * src/store/signed_lists.h - the last verified list of each signed source
 * (hotline/syncing.h), line by line (operations inside a transaction,
 * store/store.h): kept in the store rather than beside one node's index,
 * so that whichever node runs the next synchronisation rebuilds the list
 * a delta applies to. The source's state (version, publisher, header,
 * hash) is its setting "sync:NAME"; these are its entry lines, the
 * canonical form's without their LF.
 *
 * Lines are added and removed in batches (a list of millions is written
 * a few thousand lines a statement, all in the caller's one transaction).
 */
#ifndef VIGIE_STORE_SIGNED_LISTS_H
#define VIGIE_STORE_SIGNED_LISTS_H

#include "store/store.h"

/* Add count lines (NUL-terminated, none already there) to source's list. */
vg_status vg_tx_signed_lines_add(vg_tx *tx, const char *source, const char *const *lines,
                                 size_t count, vg_error *err);
/* Remove these lines from source's list (lines not there are ignored). */
vg_status vg_tx_signed_lines_remove(vg_tx *tx, const char *source, const char *const *lines,
                                    size_t count, vg_error *err);
/* Remove every line of source's list. */
vg_status vg_tx_signed_lines_clear(vg_tx *tx, const char *source, vg_error *err);

/* Each line of source's list in the order of its bytes (memcmp: the
 * canonical form's), to fn; the line is borrowed for the call. fn's
 * failure stops the reading and is returned. */
typedef vg_status (*vg_signed_line_fn)(void *ctx, const char *line, size_t len, vg_error *err);
vg_status vg_tx_signed_lines_each(vg_tx *tx, const char *source, vg_signed_line_fn fn,
                                  void *ctx, vg_error *err);

#endif
