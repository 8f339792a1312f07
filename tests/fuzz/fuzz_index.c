/* libFuzzer target: opening and querying damaged index files. Small valid
 * indexes (every signal type) are built once; each input patches
 * it: byte 0 holds flags (bit 0: recompute every checksum afterwards, so the
 * damage reaches the structural checks and the queries; bit 1: truncate to
 * 8 times the length in bytes 1-2; bit 2: start from the index with PDQ
 * tables), then (offset:2, value:1) triples. The result is
 * opened, verified and searched; nothing may crash or read out of bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "index/index_internal.h"

/* Two starting points: [0] without PDQ tables (small, fast to mutate),
 * [1] with them (4 MiB of directories). */
static uint8_t *bases[2];
static size_t base_lens[2];
/* The patch sets filed in them (the first is searched for). */
static vg_patchset sets[64];

static void build_base(int tables, uint8_t **base, size_t *base_len)
{
    char path[] = "/tmp/vigie-fuzz-index-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    vg_index_builder *b;
    uint32_t bank;
    if (vg_index_builder_new(&b, NULL) != VG_OK ||
        vg_index_builder_add_bank(b, "fuzz", "c\0", 2, &bank, NULL) != VG_OK)
        abort();
    if (tables)
        vg_index_builder_set_pdq_multi_min(b, 1);
    uint64_t x = 1;
    /* Every signal type, videos included (three frames each), so that the
     * fuzzed files have a video-frames section too. */
    vg_vpdq video = VG_VPDQ_INIT;
    for (int i = 0; i < 64; i++) {
        vg_bank_entry e = {.type = (vg_signal_type)(i % VG_SIGNAL_TYPE_COUNT), .id = "id",
                           .id_len = 2, .metadata = "m", .metadata_len = 2};
        vg_vpdq_clear(&video);
        for (int f = 0; f < 3; f++) {
            vg_vpdq_frame frame = {.quality = 100, .number = (uint64_t)f};
            for (int k = 0; k < 32; k++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                e.value[k] = frame.hash.bytes[k] = (uint8_t)(x >> 56);
            }
            if (vg_vpdq_append(&video, &frame, NULL) != VG_OK)
                abort();
        }
        uint8_t encoded[VG_PATCHSET_MAX_BYTES];
        if (e.type == VG_SIGNAL_PATCHSET) {
            vg_patchset *set = &sets[i];
            set->count = 8;
            for (uint32_t k = 0; k < set->count; k++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                set->items[k] = (vg_patch){.hash = x, .x = (uint16_t)(x >> 20 & 4095),
                                           .y = (uint16_t)(x >> 40 & 4095),
                                           .scale = (uint8_t)(140 + k)};
                memset(set->items[k].weak, 0xff, sizeof set->items[k].weak);
            }
            e.long_value = encoded;
            e.long_value_len = vg_patchset_encode(set, encoded);
        }
        if (e.type == VG_SIGNAL_VPDQ)
            e.video = &video;
        if (vg_index_builder_add(b, bank, &e, NULL) != VG_OK)
            abort();
    }
    vg_vpdq_free(&video);
    if (vg_index_builder_write(b, path, NULL) != VG_OK)
        abort();
    vg_index_builder_free(b);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *base_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    *base = malloc(*base_len);
    if (fread(*base, 1, *base_len, f) != *base_len)
        abort();
    fclose(f);
    unlink(path);
}

static void fix_checksums(uint8_t *d, size_t len)
{
    if (len < VG_INDEX_HEADER_BYTES + VG_INDEX_MAX_SECTIONS * sizeof(section_entry))
        return;
    file_header h;
    memcpy(&h, d, sizeof h);
    uint32_t n = h.section_count <= VG_INDEX_MAX_SECTIONS ? h.section_count : 0;
    section_entry *t = (section_entry *)(d + VG_INDEX_HEADER_BYTES);
    for (uint32_t i = 0; i < n; i++)
        if (t[i].offset <= len && t[i].bytes <= len - t[i].offset)
            t[i].checksum = vg_checksum_buffer(d + t[i].offset, t[i].bytes);
    h.table_checksum = vg_checksum_buffer(t, n * sizeof(section_entry));
    h.file_bytes = len;
    h.header_checksum = 0;
    h.header_checksum = vg_checksum_buffer(&h, sizeof h);
    memcpy(d, &h, sizeof h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!bases[0]) {
        build_base(0, &bases[0], &base_lens[0]);
        build_base(1, &bases[1], &base_lens[1]);
    }
    if (size < 3)
        return 0;
    const uint8_t *base = bases[data[0] >> 2 & 1];
    size_t base_len = base_lens[data[0] >> 2 & 1];
    uint8_t *copy = malloc(base_len);
    memcpy(copy, base, base_len);
    size_t len = base_len;
    if (data[0] & 2) {
        size_t cut = (size_t)data[1] << 8 | data[2];
        len = cut * 8 < len ? cut * 8 : len;
    }
    for (size_t i = 3; i + 3 <= size; i += 3) {
        /* Offsets cover the header, table and the small sections densely. */
        size_t at = ((size_t)data[i] << 8 | data[i + 1]) * 3 % (len ? len : 1);
        if (len)
            copy[at] = data[i + 2];
    }
    if (data[0] & 1)
        fix_checksums(copy, len);
    int fd = memfd_create("vigie-fuzz", 0);
    if (fd < 0)
        abort();
    if (len && write(fd, copy, len) != (ssize_t)len)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    vg_index *x = NULL;
    if (vg_index_open(path, &x, NULL) == VG_OK) {
        vg_index_verify(x, NULL);
        vg_index_matches m = {0};
        vg_pdq_hash q;
        memcpy(q.bytes, base + 200, 32);
        for (int r = 0; r <= 64; r += 16)
            vg_index_search_pdq(x, &q, r, &m, NULL);
        vg_index_find_exact(x, VG_SIGNAL_SHA1, q.bytes, &m, NULL);
        vg_patch_search ps = {0};
        vg_index_search_patchset(x, &sets[VG_SIGNAL_PATCHSET], 2, &ps, &m, NULL);
        vg_patch_search_free(&ps);
        vg_pdq_hash frames[2] = {q, q};
        frames[1].bytes[0] ^= 0xFF;
        vg_vpdq_set set = {frames, 2};
        vg_index_video_matches videos = {0};
        vg_index_search_vpdq(x, &set, NULL, &videos, NULL);
        vg_index_video_matches_free(&videos);
        vg_index_stats s;
        vg_index_get_stats(x, &s);
        for (uint64_t i = 0; i < s.entries && i < 80; i++) {
            vg_index_entry e;
            if (vg_index_entry_get(x, i, &e, NULL) == VG_OK && e.id_len)
                (void)(volatile char)e.id[e.id_len - 1];
            if (e.long_value_len)
                (void)(volatile uint8_t)e.long_value[e.long_value_len - 1];
        }
        vg_index_matches_free(&m);
        vg_index_close(x);
    }
    close(fd);
    free(copy);
    return 0;
}
