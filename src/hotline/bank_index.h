/*
 * src/hotline/bank_index.h - the hash-bank index intake matches against
 * (intake.index), reloaded when its file is replaced.
 *
 * Banks change while the server runs: an operator (or a sync job, on any
 * node) builds a new index and moves it over the old file with a rename.
 * Every node sees the new file at its next check (every check_seconds) and
 * opens it; requests that hold the old index finish with it, and it is
 * closed when the last of them lets go. With several nodes the index file
 * lives on the storage they share, like the vault (docs/storage.md).
 *
 * Threads: any number may acquire and release at once.
 */
#ifndef VIGIE_HOTLINE_BANK_INDEX_H
#define VIGIE_HOTLINE_BANK_INDEX_H

#include <stdint.h>

#include "vigie/index.h"

typedef struct vg_bank_index vg_bank_index;

/* Open the index at path; check_seconds (0: at every acquire) between two
 * looks at whether the file was replaced. */
vg_status vg_bank_index_open(const char *path, int64_t check_seconds, vg_bank_index **out,
                             vg_error *err);
/* Close it; no request may hold it any more. NULL is allowed. */
void vg_bank_index_close(vg_bank_index *b);

/* The index in use, for the caller to read until it passes *held to
 * vg_bank_index_release. A file replaced since (another inode, size or
 * modification time) is opened first; when the new file cannot be opened
 * (half copied, damaged), the index in use stays and the next check tries
 * again. */
vg_index *vg_bank_index_acquire(vg_bank_index *b, void **held);
void vg_bank_index_release(vg_bank_index *b, void *held);
/* How many times a replaced file was opened (for logs and tests). */
uint64_t vg_bank_index_reloads(vg_bank_index *b);

#endif
