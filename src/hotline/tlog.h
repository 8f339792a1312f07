/*
 * src/hotline/tlog.h - the blocking list's public transparency log
 * (vigie/tlog.h): appending its entries, signing its checkpoints, and
 * what /transparency/ publishes.
 *
 * Every change of the blocking list appends one entry inside the write
 * transaction that makes the change (vg_hotline_tlog_append), so that the
 * list, its audit entry and its log entry commit together or not at all:
 * the log cannot miss a change, nor hold one that did not happen.
 *
 * Checkpoints are signed apart (vg_hotline_tlog_checkpoint, run by the
 * server's jobs about once a second): signing needs the key, which only
 * the server holds, and a checkpoint per append would be wasted work. The
 * log keeps every signed checkpoint's size and root, so that a tree that
 * does not extend the previous one is never signed.
 *
 * Configuration (read by vg_hotline_open into h->transparency):
 *   transparency.origin       the log's name, in its checkpoints and its
 *                             verifier key ("example.org/transparency");
 *                             default "vigie.invalid/transparency"
 *   transparency.signing_key  the Ed25519 seed's key file (64 hex digits,
 *                             made on first use; DATA/transparency.key)
 * The URL commitment key (vigie/tlog.h) is a secret of the store, made by
 * the first append, never published.
 *
 * Threads: any; each call is its own transaction but for
 * vg_hotline_tlog_append, which runs in the caller's.
 */
#ifndef VIGIE_HOTLINE_TLOG_H
#define VIGIE_HOTLINE_TLOG_H

#include <stdint.h>

#include "hotline/hotline.h"
#include "store/store.h"
#include "vigie/tlog.h"

/* One change of the blocking list, as the log will tell it. */
typedef struct vg_hotline_tlog_change {
    vg_tlog_action action;
    int64_t time;         /* when the change takes effect (Unix seconds) */
    int64_t expires;      /* the entry's expiry after the change, 0 for none */
    const char *basis;    /* the legal basis, as configured (1..256 bytes) */
    const char *category; /* the category code (1..64 bytes, vocab.h) */
    const char *reason;   /* why, in words (1..1024 bytes; line breaks become spaces) */
    const char *url;      /* the listed address in its canonical form
                           * (vg_urlhash_canonicalize), or a bare domain for a
                           * domain entry: the log holds only its commitment */
} vg_hotline_tlog_change;

/* Append change to the log inside tx, the caller's write transaction
 * (vg_store_write): the entry is committed with the caller's change, or
 * rolled back with it. *index (may be NULL) gets the entry's position in
 * the log (0 for the first). VG_ERR_INVALID for a change the entry format
 * refuses (vg_tlog_entry_encode), saying which field. */
vg_status vg_hotline_tlog_append(vg_tx *tx, const vg_hotline_tlog_change *change,
                                 int64_t *index, vg_error *err);

/* The opening of url's commitment (vigie/tlog.h), for a site owner who
 * appeals: opening and commitment, 32 bytes each. Changes nothing the
 * public sees (it may create the commitment key on a log never written). */
vg_status vg_hotline_tlog_opening(vg_hotline *h, const char *url, unsigned char opening[32],
                                  unsigned char commitment[32], vg_error *err);

/* The same inside a transaction of the caller's (a use case that audits
 * the opening in the same transaction). */
vg_status vg_hotline_tlog_opening_tx(vg_tx *tx, const char *url, unsigned char opening[32],
                                     unsigned char commitment[32], vg_error *err);

/* Sign a checkpoint of the log as it is now when it grew since the last
 * one (*signed_one = 1), else do nothing (*signed_one = 0; may be NULL).
 * VG_ERR_INVALID when h has no transparency log open. */
vg_status vg_hotline_tlog_checkpoint(vg_hotline *h, int64_t now, int *signed_one,
                                     vg_error *err);

/* The latest signed checkpoint (a signed note, malloc'd, *len bytes); one
 * of the empty log is signed first if there is none. */
vg_status vg_hotline_tlog_latest(vg_hotline *h, char **note, size_t *len, vg_error *err);

/* A tile or entry bundle (vg_tlog_tile) of the log as stored: *data
 * malloc'd, *len bytes. VG_ERR_INVALID when the log does not hold it
 * (beyond its size, or a partial tile of another width than the log has
 * now or had at a smaller size: a partial tile of any width up to the
 * current one is served). */
vg_status vg_hotline_tlog_tile(vg_hotline *h, const vg_tlog_tile *tile, unsigned char **data,
                               size_t *len, vg_error *err);

/* The log's verifier key ("ORIGIN+KEYID+BASE64"), malloc'd. */
vg_status vg_hotline_tlog_verifier_key(vg_hotline *h, char **out, vg_error *err);

/* For vg_hotline_open and vg_hotline_free: read transparency.* and the
 * signing key (data_dir: the default folder of its file) into
 * h->transparency, and free it. */
vg_status vg_hotline_tlog_open(vg_hotline *h, vg_config *cfg, const char *data_dir,
                               vg_error *err);
void vg_hotline_tlog_free(vg_hotline *h);

#endif
