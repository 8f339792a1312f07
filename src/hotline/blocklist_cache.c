/*
 * src/hotline/blocklist_cache.c - prefix sets per version of the blocking
 * list (blocklist_cache.h).
 *
 * A handful of slots searched in turn: members ask from a few versions
 * near the current one, so the cache is small and a scan is cheaper than
 * any index.
 */
#include "hotline/blocklist_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

struct vg_block_cache {
    pthread_mutex_t lock;
    size_t slots;
    vg_block_set **set;  /* slots of them, NULL when empty */
    uint64_t *last_used; /* the tick of each slot's last lookup or put */
    uint64_t tick, hits, misses;
};

vg_block_set *vg_block_set_new(int64_t version, uint32_t *prefixes, size_t count)
{
    vg_block_set *s = calloc(1, sizeof *s);
    if (!s) {
        free(prefixes);
        return NULL;
    }
    s->version = version;
    s->prefixes = prefixes;
    s->count = count;
    atomic_init(&s->refs, 1);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    for (size_t i = 0; i < count; i++) {
        unsigned char be[4] = {(unsigned char)(prefixes[i] >> 24),
                               (unsigned char)(prefixes[i] >> 16),
                               (unsigned char)(prefixes[i] >> 8), (unsigned char)prefixes[i]};
        crypto_hash_sha256_update(&sha, be, sizeof be);
    }
    crypto_hash_sha256_final(&sha, s->checksum);
    return s;
}

void vg_block_set_release(vg_block_set *set)
{
    if (!set || atomic_fetch_sub(&set->refs, 1) != 1)
        return;
    free(set->prefixes);
    free(set);
}

static vg_block_set *retain(vg_block_set *set)
{
    atomic_fetch_add(&set->refs, 1);
    return set;
}

vg_block_cache *vg_block_cache_new(size_t slots)
{
    vg_block_cache *c = calloc(1, sizeof *c);
    if (!c || slots == 0 || !(c->set = calloc(slots, sizeof *c->set)) ||
        !(c->last_used = calloc(slots, sizeof *c->last_used))) {
        if (c) {
            free(c->set);
            free(c);
        }
        return NULL;
    }
    c->slots = slots;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void vg_block_cache_free(vg_block_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->slots; i++)
        vg_block_set_release(cache->set[i]);
    pthread_mutex_destroy(&cache->lock);
    free(cache->set);
    free(cache->last_used);
    free(cache);
}

vg_block_set *vg_block_cache_get(vg_block_cache *cache, int64_t version)
{
    vg_block_set *found = NULL;
    pthread_mutex_lock(&cache->lock);
    for (size_t i = 0; i < cache->slots && !found; i++)
        if (cache->set[i] && cache->set[i]->version == version) {
            found = retain(cache->set[i]);
            cache->last_used[i] = ++cache->tick;
        }
    if (found)
        cache->hits++;
    else
        cache->misses++;
    pthread_mutex_unlock(&cache->lock);
    return found;
}

void vg_block_cache_put(vg_block_cache *cache, vg_block_set *set)
{
    vg_block_set *evicted = NULL;
    pthread_mutex_lock(&cache->lock);
    size_t slot = 0;
    for (size_t i = 0; i < cache->slots; i++) {
        if (cache->set[i] && cache->set[i]->version == set->version) {
            pthread_mutex_unlock(&cache->lock); /* another request read it first */
            return;
        }
        /* an empty slot, else the least recently used */
        if (!cache->set[i] || (cache->set[slot] && cache->last_used[i] < cache->last_used[slot]))
            slot = i;
    }
    evicted = cache->set[slot];
    cache->set[slot] = retain(set);
    cache->last_used[slot] = ++cache->tick;
    pthread_mutex_unlock(&cache->lock);
    vg_block_set_release(evicted); /* freeing a million prefixes outside the lock */
}

void vg_block_cache_stats(vg_block_cache *cache, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&cache->lock);
    *hits = cache->hits;
    *misses = cache->misses;
    pthread_mutex_unlock(&cache->lock);
}
