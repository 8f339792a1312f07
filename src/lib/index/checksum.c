/*
 * The section checksum: four independent lanes of multiply-rotate rounds
 * over 64-bit words, so the loop runs at memory speed, folded together
 * with the length at the end. It detects damage, not tampering.
 */
#include <string.h>

#include "index/index_internal.h"

#define K1 0x9E3779B185EBCA87ull
#define K2 0xC2B2AE3D27D4EB4Full
#define K3 0x165667B19E3779F9ull

static inline uint64_t rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t round64(uint64_t lane, uint64_t word)
{
    return rotl(lane + word * K2, 31) * K1;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

void vg_checksum_init(vg_checksum *c)
{
    c->lane[0] = K1 + K2;
    c->lane[1] = K2;
    c->lane[2] = 0;
    c->lane[3] = 0 - K1;
    c->total = 0;
    c->pending_len = 0;
}

static void blocks(vg_checksum *c, const uint8_t *p, size_t n)
{
    uint64_t l0 = c->lane[0], l1 = c->lane[1], l2 = c->lane[2], l3 = c->lane[3];
    for (size_t i = 0; i < n; i++, p += 32) {
        l0 = round64(l0, load64(p));
        l1 = round64(l1, load64(p + 8));
        l2 = round64(l2, load64(p + 16));
        l3 = round64(l3, load64(p + 24));
    }
    c->lane[0] = l0;
    c->lane[1] = l1;
    c->lane[2] = l2;
    c->lane[3] = l3;
}

void vg_checksum_update(vg_checksum *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->pending_len) {
        size_t take = 32 - c->pending_len < len ? 32 - c->pending_len : len;
        memcpy(c->pending + c->pending_len, p, take);
        c->pending_len += (unsigned)take;
        p += take;
        len -= take;
        if (c->pending_len < 32)
            return;
        blocks(c, c->pending, 1);
        c->pending_len = 0;
    }
    blocks(c, p, len / 32);
    p += len / 32 * 32;
    len %= 32;
    memcpy(c->pending, p, len);
    c->pending_len = (unsigned)len;
}

uint64_t vg_checksum_final(const vg_checksum *c)
{
    uint64_t h = rotl(c->lane[0], 1) + rotl(c->lane[1], 7) + rotl(c->lane[2], 12) +
                 rotl(c->lane[3], 18);
    h ^= c->total * K3;
    uint8_t tail[32] = {0};
    memcpy(tail, c->pending, c->pending_len);
    for (unsigned i = 0; i < (c->pending_len + 7) / 8; i++)
        h = rotl(h ^ round64(0, load64(tail + 8 * i)), 27) * K1 + K3;
    h ^= h >> 33;
    h *= K2;
    h ^= h >> 29;
    h *= K3;
    h ^= h >> 32;
    return h;
}

uint64_t vg_checksum_buffer(const void *data, size_t len)
{
    vg_checksum c;
    vg_checksum_init(&c);
    vg_checksum_update(&c, data, len);
    return vg_checksum_final(&c);
}
