/*
 * src/store/copy.h - copying a whole store from one backend to another
 * (vigie migrate): a hotline outgrowing SQLite moves to PostgreSQL with
 * its reports, cases, console state, accounts, keys and audit chain.
 *
 * The copy is of rows, not of meaning: every table the destination's schema
 * has is copied column by column with its ids, so that the audit chain's
 * hashes, which cover ids and targets, still hold on the copy. Both stores
 * are first brought to their latest schema; a column or table the source
 * has and the destination lacks stops the copy (nothing would be silently
 * left behind).
 */
#ifndef VIGIE_STORE_COPY_H
#define VIGIE_STORE_COPY_H

#include <stdint.h>

#include "vigie/error.h"

typedef struct vg_store_copy_stats {
    unsigned tables; /* tables copied */
    int64_t rows;    /* rows copied, over all tables */
} vg_store_copy_stats;

/* Copy the SQLite store of data directory from_dir into the PostgreSQL
 * database to_url, which must hold no hotline data yet (an empty database,
 * or one whose vigie tables are empty). The copy runs in one PostgreSQL
 * transaction: on failure the destination is left as it was. The source is
 * read in one read transaction (a consistent snapshot), but a server
 * writing to it meanwhile would see its later writes missing from the copy:
 * stop it first. stats may be NULL. */
vg_status vg_store_copy(const char *from_dir, const char *to_url, vg_store_copy_stats *stats,
                        vg_error *err);

#endif
