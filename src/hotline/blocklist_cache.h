/*
 * src/hotline/blocklist_cache.h - the blocking list's prefix sets, kept per
 * version of the list in the server process (blocklist_feed.c).
 *
 * The set listed at a version never changes once that version is
 * committed (an entry's listed and removed versions are each written
 * once), so a set keyed by the version read from the store is never
 * stale, whichever node changed the list: each node keeps its own cache,
 * and a version it has not seen is simply a miss. The cache holds at most
 * its number of slots, the least recently used leaving first; a set is
 * 4 bytes a listed entry.
 *
 * Threads: every function may be called from any thread. A set is
 * immutable and shared by reference: whoever holds one from
 * vg_block_cache_get or vg_block_set_new releases it with
 * vg_block_set_release, and it stays valid until then even if the cache
 * has dropped it.
 */
#ifndef VIGIE_HOTLINE_BLOCKLIST_CACHE_H
#define VIGIE_HOTLINE_BLOCKLIST_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The sorted, distinct prefixes listed at a version, and the SHA-256 of
 * their big-endian bytes in that order (the members' checksum). */
typedef struct vg_block_set {
    int64_t version;
    uint32_t *prefixes; /* count of them; NULL when none */
    size_t count;
    unsigned char checksum[32];
    atomic_size_t refs; /* vg_block_set_release frees it at the last */
} vg_block_set;

typedef struct vg_block_cache vg_block_cache;

/* A set of version taking prefixes (malloc'd, sorted and distinct, count
 * of them; the set owns them from now on, even on failure), one reference
 * held by the caller; NULL when out of memory. */
vg_block_set *vg_block_set_new(int64_t version, uint32_t *prefixes, size_t count);
/* Drop a reference; the last frees the set. NULL is fine. */
void vg_block_set_release(vg_block_set *set);

/* A cache of at most slots sets (slots > 0); NULL when out of memory. */
vg_block_cache *vg_block_cache_new(size_t slots);
/* NULL is fine; sets still held elsewhere outlive it. */
void vg_block_cache_free(vg_block_cache *cache);

/* The set of version with a reference for the caller, or NULL (a miss). */
vg_block_set *vg_block_cache_get(vg_block_cache *cache, int64_t version);
/* Keep set (the cache takes a reference of its own; the caller keeps
 * theirs) unless one of its version is already there. */
void vg_block_cache_put(vg_block_cache *cache, vg_block_set *set);

/* Lookups answered from the cache and not, since it was made. */
void vg_block_cache_stats(vg_block_cache *cache, uint64_t *hits, uint64_t *misses);

#endif
