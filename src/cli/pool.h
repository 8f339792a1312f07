/*
 * src/cli/pool.h - worker threads with output in submission order.
 *
 * The submitting thread claims a slot, fills it and submits it; worker
 * threads process slots in any order; the submitting thread gets every
 * slot back through `emit`, strictly in submission order, from inside
 * vg_pool_claim and vg_pool_drain. The number of slots is fixed, so a
 * producer that runs ahead (a directory walk) blocks instead of queueing
 * without bound, and output is the same whatever the number of threads.
 */
#ifndef VIGIE_CLI_POOL_H
#define VIGIE_CLI_POOL_H

#include <stdbool.h>
#include <stddef.h>

/* Runs on a worker thread; `worker` is that thread's own state. */
typedef void (*vg_pool_work_fn)(void *worker, void *item);
/* Runs on the submitting thread, once per item, in submission order. */
typedef void (*vg_pool_emit_fn)(void *user, void *item);

typedef struct vg_pool_config {
    size_t threads;      /* >= 1 */
    void **workers;      /* threads entries, one per thread, borrowed */
    size_t item_size;    /* bytes per slot */
    size_t depth;        /* slots; 0 = 4 per thread + 8 */
    vg_pool_work_fn work;
    vg_pool_emit_fn emit;
    void *user;          /* passed to emit */
} vg_pool_config;

typedef struct vg_pool vg_pool;

/* NULL when out of memory or threads cannot start. */
vg_pool *vg_pool_new(const vg_pool_config *config);
/* The next slot to fill (zeroed), waiting for room while emitting finished
 * items. Every claim must be followed by one vg_pool_submit. */
void *vg_pool_claim(vg_pool *pool);
/* Hand over the claimed slot: to a worker, or with needs_work false
 * straight to output (an entry that is already an error). */
void vg_pool_submit(vg_pool *pool, bool needs_work);
/* Wait for every submitted item and emit the rest. */
void vg_pool_drain(vg_pool *pool);
/* Drains, stops the threads and frees the pool. */
void vg_pool_free(vg_pool *pool);

#endif
