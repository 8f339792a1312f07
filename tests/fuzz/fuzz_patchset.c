/* libFuzzer target: patch sets (vigie/patch.h) from hostile bytes.
 *
 * First byte even: the rest is a bank's patchset value. A value that
 * decodes must encode back to the same bytes, and comparing or indexing it
 * must stay in bounds whatever its hashes, places and scales.
 * First byte odd: the rest is an index view as a file would hold it (key
 * bits, directory, entries); vg_patch_index_check must refuse what a search
 * could not read safely, and a search of an unchecked view must stay in
 * bounds too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/patch.h"

static void value(const uint8_t *data, size_t size)
{
    vg_patchset set;
    vg_error err;
    if (vg_patchset_decode(data, size, &set, &err) != VG_OK)
        return;
    uint8_t again[VG_PATCHSET_MAX_BYTES];
    size_t len = vg_patchset_encode(&set, again);
    if (len != size || memcmp(again, data, size) != 0)
        abort();
    vg_patch_verdict v;
    vg_patchset_compare(&set, &set, &v);
    vg_patch_index_builder *b;
    vg_patch_index ix;
    if (vg_patch_index_builder_new(&b, &err) != VG_OK)
        return;
    if (vg_patch_index_builder_add(b, 1, &set, &err) == VG_OK &&
        vg_patch_index_builder_finish(b, &ix, &err) == VG_OK) {
        if (vg_patch_index_check(&ix, &err) != VG_OK)
            abort();
        vg_patch_search s = {0};
        vg_patch_index_search(&ix, &set, VG_PATCH_MIN_INLIERS, &s, &err);
        vg_patch_search_free(&s);
    }
    vg_patch_index_builder_free(b);
}

static void view(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    uint32_t bits = 1 + data[0] % 10; /* small tables: the fuzzer fills them */
    data++, size--;
    size_t dir_count = ((size_t)1 << bits) + 1;
    uint32_t *dir = calloc(dir_count, sizeof *dir);
    size_t dir_bytes = dir_count * sizeof *dir < size ? dir_count * sizeof *dir : size;
    memcpy(dir, data, dir_bytes);
    data += dir_bytes, size -= dir_bytes;
    size_t n = size / sizeof(vg_patch_entry);
    vg_patch_entry *entries = malloc((n ? n : 1) * sizeof *entries);
    memcpy(entries, data, n * sizeof *entries);
    vg_patch_index ix = {.key_bits = bits, .directory = dir, .entries = entries, .count = n};
    vg_error err;
    vg_patch_index_check(&ix, &err);
    vg_patchset q = {.count = n < VG_PATCH_MAX ? (uint32_t)n : VG_PATCH_MAX};
    for (uint32_t i = 0; i < q.count; i++) {
        q.items[i] = (vg_patch){.hash = entries[i].hash, .x = entries[i].geometry & 0xfff,
                                .y = (entries[i].geometry >> 12) & 0xfff,
                                .scale = (uint8_t)(entries[i].geometry >> 24)};
        memcpy(q.items[i].weak, &entries[i].ref, 4);
        memcpy(q.items[i].weak + 4, &entries[i].geometry, 4);
    }
    vg_patch_search s = {0};
    vg_patch_index_search(&ix, &q, 2, &s, &err);
    vg_patch_search_free(&s);
    free(dir);
    free(entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        view(data + 1, size - 1);
    else
        value(data + 1, size - 1);
    return 0;
}
