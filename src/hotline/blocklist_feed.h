/*
 * src/hotline/blocklist_feed.h - what members of the blocking list (ISPs,
 * DNS resolvers, platforms) receive: the list as Safe Browsing v4 hands a
 * list out (4-byte prefixes of SHA-256 full hashes, updates from a version
 * with a checksum of the resulting set, full hashes fetched by prefix), and
 * its whole domains as a DNS response policy zone. Never a readable URL,
 * except the domains of the zone, which a resolver cannot match otherwise.
 *
 * Only entries listed at the list's current version count; an entry that
 * left the list (gone, expired, appeal granted) is a removal in the next
 * update. Each answer is read in one transaction, so its version, its
 * changes and its checksum agree. docs/blocklist.md, "Members".
 */
#ifndef VIGIE_HOTLINE_BLOCKLIST_FEED_H
#define VIGIE_HOTLINE_BLOCKLIST_FEED_H

#include <stdint.h>

#include "hotline/hotline.h"

/* An update from a member's version to the current one. Prefixes are the
 * first 4 bytes of a full hash, big-endian (vg_urlhash_prefix), sorted and
 * distinct. Owns its arrays (vg_block_update_clear). */
typedef struct vg_block_update {
    int64_t version;       /* the list's version the update brings the member to */
    int reset;             /* 1: drop what you hold; added is the whole set */
    uint32_t *added;
    size_t added_count;
    uint32_t *removed;     /* none when reset */
    size_t removed_count;
    size_t set_count;      /* prefixes held at version */
    /* SHA-256 of the set at version: its prefixes in ascending order, 4
     * bytes each, concatenated (the empty set: SHA-256 of nothing) */
    unsigned char checksum[32];
} vg_block_update;
void vg_block_update_clear(vg_block_update *u);

/* The update from version since (what the member holds; 0: nothing) to the
 * current version. A reset when since is 0, is not a version the list has
 * had (beyond the current one), or when the changes would outnumber the
 * whole set (a member far behind downloads less that way).
 * VG_ERR_INVALID when since < 0. */
vg_status vg_hotline_block_update(vg_hotline *h, int64_t since, vg_block_update *out,
                                  vg_error *err);
/* The same update, without the cache of prefix sets (blocklist_cache.h):
 * every entry listed at both versions read and hashed again. What the
 * cache saves, for the tests and bench/blocklist_cache. */
vg_status vg_hotline_block_update_uncached(vg_hotline *h, int64_t since, vg_block_update *out,
                                           vg_error *err);

/* The full hashes (32 bytes each, sorted, distinct) of the entries listed
 * now whose prefix is prefix: *hashes (malloc'd, *count of them; NULL when
 * none) is the caller's to free; *version the list's version. */
vg_status vg_hotline_block_full_hashes(vg_hotline *h, uint32_t prefix, unsigned char **hashes,
                                       size_t *count, int64_t *version, vg_error *err);

/* The domain entries listed now as a response policy zone file (RPZ, as
 * BIND, Unbound and Knot Resolver load it): SOA (serial: the list's
 * version) and NS, then for each domain, sorted, "name CNAME stop." and
 * "*.name CNAME stop." where stop is blocklist.stop_host. Names are
 * relative: the member names the zone. A domain that cannot be an owner
 * name (vg_block_rpz_name_ok) is left out and counted in *skipped (may be
 * NULL). *text (malloc'd, NUL-terminated, *len bytes) is the caller's.
 * VG_ERR_UNSUPPORTED when blocklist.stop_host is not set. */
vg_status vg_hotline_block_rpz(vg_hotline *h, char **text, size_t *len, size_t *skipped,
                               vg_error *err);

#endif
