/*
 * src/lib/tlog/merkle.c - the RFC 9162 Merkle tree: hashes, roots, proofs
 * and their verification (vigie/tlog.h).
 *
 * Roots and proofs are computed from the hashes of complete subtrees that
 * a reader supplies at tile levels (tree level 8L), so that a log of
 * millions of entries computes a root from a few hundred stored hashes
 * rather than rehashing every leaf.
 */
#include "vigie/tlog.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HB VG_TLOG_HASH_BYTES

void vg_tlog_leaf_hash(const void *data, size_t len, unsigned char out[HB])
{
    crypto_hash_sha256_state s;
    static const unsigned char zero = 0;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &zero, 1);
    crypto_hash_sha256_update(&s, data, len);
    crypto_hash_sha256_final(&s, out);
}

void vg_tlog_node_hash(const unsigned char left[HB], const unsigned char right[HB],
                       unsigned char out[HB])
{
    unsigned char in[1 + 2 * HB];
    in[0] = 1;
    memcpy(in + 1, left, HB);
    memcpy(in + 1 + HB, right, HB);
    crypto_hash_sha256(out, in, sizeof in);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

void vg_tlog_hash_of(const unsigned char *hashes, size_t count, unsigned char out[HB])
{
    if (count == 1) {
        memcpy(out, hashes, HB);
        return;
    }
    size_t k = (size_t)split_point(count);
    unsigned char left[HB], right[HB];
    vg_tlog_hash_of(hashes, k, left);
    vg_tlog_hash_of(hashes + k * HB, count - k, right);
    vg_tlog_node_hash(left, right, out);
}

static vg_status memory_read(void *ctx, unsigned level, uint64_t index, size_t count,
                             unsigned char *out, vg_error *err)
{
    const vg_tlog_memory *m = ctx;
    if (level != 0 || index > m->count || count > m->count - index)
        return vg_error_set(err, VG_ERR_INVALID, "hashes beyond the tree in memory");
    memcpy(out, m->hashes + index * HB, count * HB);
    return VG_OK;
}

vg_tlog_reader vg_tlog_memory_reader(vg_tlog_memory *memory)
{
    vg_tlog_reader r = {memory_read, memory, 0};
    return r;
}

/* The hash of the complete subtree of size leaves (a power of two) that
 * starts at leaf start (a multiple of size), from the highest stored level
 * that fits. */
static vg_status complete_hash(const vg_tlog_reader *r, uint64_t start, uint64_t size,
                               unsigned char out[HB], vg_error *err)
{
    unsigned level = 0;
    while (level < r->max_level && level < VG_TLOG_MAX_LEVEL &&
           size >> (VG_TLOG_TILE_HEIGHT * (level + 1)) > 0)
        level++;
    uint64_t count = size >> (VG_TLOG_TILE_HEIGHT * level);
    if (count > VG_TLOG_TILE_WIDTH) {
        unsigned char left[HB], right[HB];
        vg_status st;
        if ((st = complete_hash(r, start, size / 2, left, err)) ||
            (st = complete_hash(r, start + size / 2, size / 2, right, err)))
            return st;
        vg_tlog_node_hash(left, right, out);
        return VG_OK;
    }
    unsigned char buf[VG_TLOG_TILE_WIDTH * HB];
    vg_status st = r->read(r->ctx, level, start >> (VG_TLOG_TILE_HEIGHT * level), (size_t)count,
                           buf, err);
    if (st)
        return st;
    vg_tlog_hash_of(buf, (size_t)count, out);
    return VG_OK;
}

/* MTH(D[start : start+n]), n >= 1, as the RFC's recursion splits it. */
static vg_status range_hash(const vg_tlog_reader *r, uint64_t start, uint64_t n,
                            unsigned char out[HB], vg_error *err)
{
    if ((n & (n - 1)) == 0)
        return complete_hash(r, start, n, out, err);
    uint64_t k = split_point(n);
    unsigned char left[HB], right[HB];
    vg_status st;
    if ((st = complete_hash(r, start, k, left, err)) ||
        (st = range_hash(r, start + k, n - k, right, err)))
        return st;
    vg_tlog_node_hash(left, right, out);
    return VG_OK;
}

vg_status vg_tlog_tree_hash(const vg_tlog_reader *reader, uint64_t size, unsigned char root[HB],
                            vg_error *err)
{
    if (size == 0) {
        crypto_hash_sha256(root, NULL, 0);
        return VG_OK;
    }
    return range_hash(reader, 0, size, root, err);
}

/* Reverse the first n hashes of proof: the recursions below find the
 * siblings from the top down, proofs list them from the leaf up. */
static void reverse(unsigned char proof[][HB], size_t n)
{
    unsigned char t[HB];
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(t, proof[i], HB);
        memcpy(proof[i], proof[n - 1 - i], HB);
        memcpy(proof[n - 1 - i], t, HB);
    }
}

vg_status vg_tlog_prove_inclusion(const vg_tlog_reader *reader, uint64_t size, uint64_t index,
                                  unsigned char proof[][HB], size_t *count, vg_error *err)
{
    *count = 0;
    if (index >= size)
        return vg_error_set(err, VG_ERR_INVALID,
                            "leaf %llu is not in a tree of %llu leaves",
                            (unsigned long long)index, (unsigned long long)size);
    uint64_t start = 0, n = size, m = index;
    size_t c = 0;
    while (n > 1) {
        uint64_t k = split_point(n);
        vg_status st;
        if (m < k) {
            st = range_hash(reader, start + k, n - k, proof[c++], err);
            n = k;
        } else {
            st = complete_hash(reader, start, k, proof[c++], err);
            start += k;
            m -= k;
            n -= k;
        }
        if (st)
            return st;
    }
    reverse(proof, c);
    *count = c;
    return VG_OK;
}

vg_status vg_tlog_prove_consistency(const vg_tlog_reader *reader, uint64_t old_size,
                                    uint64_t new_size, unsigned char proof[][HB], size_t *count,
                                    vg_error *err)
{
    *count = 0;
    if (old_size == 0 || old_size > new_size)
        return vg_error_set(err, VG_ERR_INVALID,
                            "no consistency proof from %llu to %llu leaves",
                            (unsigned long long)old_size, (unsigned long long)new_size);
    uint64_t start = 0, n = new_size, m = old_size;
    int whole = 1; /* SUBPROOF's b: the old tree is the whole of this subtree */
    size_t c = 0;
    vg_status st = VG_OK;
    while (m != n) {
        uint64_t k = split_point(n);
        if (m <= k) {
            st = range_hash(reader, start + k, n - k, proof[c++], err);
            n = k;
        } else {
            st = complete_hash(reader, start, k, proof[c++], err);
            start += k;
            m -= k;
            n -= k;
            whole = 0;
        }
        if (st)
            return st;
    }
    if (!whole && (st = range_hash(reader, start, m, proof[c++], err)))
        return st;
    reverse(proof, c);
    *count = c;
    return VG_OK;
}

vg_status vg_tlog_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[HB],
                                   const unsigned char proof[][HB], size_t count,
                                   const unsigned char root[HB], vg_error *err)
{
    if (index >= size)
        return vg_error_set(err, VG_ERR_CORRUPT, "leaf %llu is beyond a tree of %llu leaves",
                            (unsigned long long)index, (unsigned long long)size);
    uint64_t fn = index, sn = size - 1;
    unsigned char r[HB];
    memcpy(r, leaf, HB);
    for (size_t i = 0; i < count; i++) {
        if (sn == 0)
            return vg_error_set(err, VG_ERR_CORRUPT, "the inclusion proof is too long");
        if ((fn & 1) || fn == sn) {
            vg_tlog_node_hash(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            vg_tlog_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return vg_error_set(err, VG_ERR_CORRUPT, "the inclusion proof is too short");
    if (sodium_memcmp(r, root, HB) != 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the inclusion proof does not lead to the tree's root");
    return VG_OK;
}

vg_status vg_tlog_verify_consistency(uint64_t old_size, uint64_t new_size,
                                     const unsigned char old_root[HB],
                                     const unsigned char new_root[HB],
                                     const unsigned char proof[][HB], size_t count,
                                     vg_error *err)
{
    if (old_size > new_size)
        return vg_error_set(err, VG_ERR_CORRUPT, "the tree shrank from %llu to %llu leaves",
                            (unsigned long long)old_size, (unsigned long long)new_size);
    if (old_size == 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "a consistency proof from the empty tree proves nothing: "
                            "check the tree itself");
    if (old_size == new_size) {
        if (count)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "a consistency proof from a tree to itself must be empty");
        if (sodium_memcmp(old_root, new_root, HB) != 0)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "two trees of the same size have different roots");
        return VG_OK;
    }
    /* the old root is implied when the old tree is a complete subtree */
    size_t i = 0;
    unsigned char fr[HB], sr[HB];
    if ((old_size & (old_size - 1)) == 0) {
        memcpy(fr, old_root, HB);
    } else {
        if (count == 0)
            return vg_error_set(err, VG_ERR_CORRUPT, "the consistency proof is empty");
        memcpy(fr, proof[i++], HB);
    }
    memcpy(sr, fr, HB);
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < count; i++) {
        if (sn == 0)
            return vg_error_set(err, VG_ERR_CORRUPT, "the consistency proof is too long");
        if ((fn & 1) || fn == sn) {
            vg_tlog_node_hash(proof[i], fr, fr);
            vg_tlog_node_hash(proof[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            vg_tlog_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return vg_error_set(err, VG_ERR_CORRUPT, "the consistency proof is too short");
    if (sodium_memcmp(fr, old_root, HB) != 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the consistency proof does not lead to the old root");
    if (sodium_memcmp(sr, new_root, HB) != 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the consistency proof does not lead to the new root");
    return VG_OK;
}
