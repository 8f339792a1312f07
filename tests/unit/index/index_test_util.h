/* Helpers shared by the index tests: a seeded generator, temporary paths,
 * and building an index file from in-memory entries. */
#ifndef VIGIE_TEST_INDEX_UTIL_H
#define VIGIE_TEST_INDEX_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "index/index_internal.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static inline uint64_t rng(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void random_bytes(uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)rng();
}

/* Flip exactly `bits` distinct bits of a 256-bit hash. */
static inline void flip_bits(uint8_t *h, int bits)
{
    uint8_t used[256] = {0};
    for (int done = 0; done < bits;) {
        unsigned b = (unsigned)(rng() % 256);
        if (used[b])
            continue;
        used[b] = 1;
        h[b / 8] ^= (uint8_t)(1u << (b % 8));
        done++;
    }
}

static inline int distance256(const uint8_t *a, const uint8_t *b)
{
    int d = 0;
    for (int i = 0; i < 32; i++)
        d += __builtin_popcount((unsigned)(a[i] ^ b[i]));
    return d;
}

/* A path in a temporary directory made for this test program and removed
 * when it exits. */
static inline const char *temp_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", vg_test_temp_dir("vigie-index-test"), name);
    return path;
}

static inline void add_entry(vg_index_builder *b, uint32_t bank, vg_signal_type type,
                             const uint8_t *value, const char *id)
{
    vg_bank_entry e = {.type = type, .id = id, .id_len = strlen(id), .metadata = "",
                       .metadata_len = 0};
    memcpy(e.value, value, vg_signal_type_bytes(type));
    vg_error err;
    vg_status st = vg_index_builder_add(b, bank, &e, &err);
    if (st != VG_OK) {
        fprintf(stderr, "builder_add: %s\n", err.message);
        exit(1);
    }
}

#endif
