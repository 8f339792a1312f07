/*
 * src/store/tlog.h - the transparency log kept in the store (operations
 * inside a transaction, store/store.h; what the log is: vigie/tlog.h and
 * hotline/tlog.h).
 *
 * Three tables: the entries in log order, the hashes of the tree's
 * complete subtrees at tile levels (level L: tree level 8L; level 0 is
 * the leaves' hashes), and the signed checkpoints. The backend stores
 * and reads; which hashes to store and what to sign is the use case's.
 */
#ifndef VIGIE_STORE_TLOG_H
#define VIGIE_STORE_TLOG_H

#include <stdint.h>

#include "store/store.h"

/* One stored hash: of the complete subtree index at tile level level. */
typedef struct vg_tlog_hash_row {
    unsigned level;
    uint64_t index;
    unsigned char hash[32];
} vg_tlog_hash_row;

/* The number of entries. In a write transaction, the log is locked until
 * the commit: two appends never race for the same index. */
vg_status vg_tx_tlog_size(vg_tx *tx, uint64_t *size, vg_error *err);

/* Store entry index (len bytes of text) and the hashes its append
 * completes. VG_ERR_INVALID unless index is the log's size (appends are
 * in order, without gaps). */
vg_status vg_tx_tlog_append(vg_tx *tx, uint64_t index, const char *entry, size_t len,
                            const vg_tlog_hash_row *hashes, size_t count, vg_error *err);

/* The hashes of subtrees index .. index+count-1 of tile level level into
 * out (count * 32 bytes); VG_ERR_INVALID when one is not stored. */
vg_status vg_tx_tlog_hashes(vg_tx *tx, unsigned level, uint64_t index, size_t count,
                            unsigned char *out, vg_error *err);

/* Entries index .. index+count-1 into texts[0..count) (each malloc'd,
 * NUL-terminated) and their lengths; VG_ERR_INVALID when one is missing
 * (texts then all NULL). */
vg_status vg_tx_tlog_entries(vg_tx *tx, uint64_t index, size_t count, char **texts,
                             size_t *lens, vg_error *err);

/* Keep a signed checkpoint of the tree of size entries (the note's text);
 * a second one of the same size replaces nothing (the first stays). */
vg_status vg_tx_tlog_checkpoint_put(vg_tx *tx, uint64_t size, const char *note, int64_t at,
                                    vg_error *err);
/* The checkpoint of the largest size: *note malloc'd, NULL when none. */
vg_status vg_tx_tlog_checkpoint_latest(vg_tx *tx, uint64_t *size, char **note, vg_error *err);

#endif
