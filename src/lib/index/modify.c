/*
 * Changing an index file without rebuilding its base: adding entries
 * rewrites only the small delta segment, removing entries rewrites only
 * the tombstone list; every other section is copied byte for byte (after
 * its checksum is confirmed, so damage is not carried forward). Compacting
 * rebuilds one base segment from the live entries.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_internal.h"

static vg_status copy_section(vg_writer *w, const vg_index *x, const section_entry *e,
                              vg_error *err)
{
    const uint8_t *data = x->map + e->offset;
    if (vg_checksum_buffer(data, e->bytes) != e->checksum)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: corrupt index: checksum mismatch (compact cannot help; "
                            "rebuild it from the banks)", x->path);
    return vg_writer_section(w, e->id, data, e->bytes, err);
}

static vg_status declare_banks(vg_index_builder *b, const vg_index *x, vg_error *err)
{
    for (uint32_t i = 0; i < x->bank_count; i++) {
        uint32_t bank;
        vg_status st = vg_index_builder_add_bank(b, x->banks[i].name, x->banks[i].columns,
                                                 x->banks[i].columns_len, &bank, err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

/* Add the live entries [from, to) of x to b, keeping their banks. */
static vg_status carry_entries(vg_index_builder *b, const vg_index *x, uint64_t from,
                               uint64_t to, vg_error *err)
{
    for (uint64_t i = from; i < to; i++) {
        vg_index_entry e;
        vg_status st = vg_index_entry_get(x, i, &e, err);
        if (st != VG_OK)
            return st;
        if (e.removed)
            continue;
        /* A video's frames are carried as the pdq entries they are stored
         * as, with their place in the video. */
        bool frame = e.type == VG_SIGNAL_VPDQ;
        vg_bank_entry be = {.type = frame ? VG_SIGNAL_PDQ : e.type, .id = e.id,
                            .id_len = e.id_len, .metadata = e.metadata,
                            .metadata_len = e.metadata_len, .long_value = e.long_value,
                            .long_value_len = e.long_value_len};
        memcpy(be.value, e.value, sizeof be.value);
        st = vg_index_builder_add(b, e.bank, &be, err);
        if (st == VG_OK && frame)
            st = vg_builder_set_video_link(b, index_video_link(x, i), err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

static vg_status write_file_meta(vg_writer *w, uint32_t segments, uint32_t banks,
                                 uint64_t entries, uint64_t tombstones, vg_error *err)
{
    file_meta fm;
    memset(&fm, 0, sizeof fm);
    fm.segments = segments;
    fm.banks = banks;
    fm.entries = entries;
    fm.tombstones = tombstones;
    return vg_writer_section(w, section_id(SEC_FILE_META, 0, 0, 0), &fm, sizeof fm, err);
}

static bool is_segment_section(uint32_t id, unsigned segment)
{
    return (id >> 24) >= SEC_SEG_META && (id >> 8 & 0xFF) == segment;
}

vg_status vg_index_add_files(const char *path, const char *const *banks, size_t bank_count,
                             const vg_bank_options *opts,
                             void (*on_bad_line)(void *, uint64_t, const char *), void *ctx,
                             vg_error *err)
{
    vg_index *x = NULL;
    vg_index_builder *b = NULL;
    vg_writer *w = NULL;
    vg_status st = vg_index_open(path, &x, err);
    if (st == VG_OK)
        st = vg_index_builder_new(&b, err);
    if (st == VG_OK)
        st = declare_banks(b, x, err);
    uint64_t base = x ? x->segments[0].entries : 0;
    if (st == VG_OK)
        st = carry_entries(b, x, base, x->entries, err);
    for (size_t i = 0; st == VG_OK && i < bank_count; i++)
        st = vg_index_builder_add_file(b, banks[i], NULL, opts, on_bad_line, ctx, NULL, err);
    /* Tombstones of the old delta vanish with it: its live entries were
     * carried over, its removed ones were not. */
    uint64_t kept = 0;
    while (x && kept < x->tombstone_count && x->tombstones[kept] < base)
        kept++;
    if (st == VG_OK)
        st = vg_writer_open(path, &w, err);
    if (st == VG_OK)
        st = write_file_meta(w, 2, vg_builder_bank_count(b), base + vg_builder_entry_count(b),
                             kept, err);
    if (st == VG_OK)
        st = vg_builder_write_banks(b, w, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_TOMBSTONES, 0, 0, 0), x->tombstones, kept * 8,
                               err);
    for (uint32_t i = 0; st == VG_OK && i < x->section_count; i++)
        if (is_segment_section(x->sections[i].id, 0))
            st = copy_section(w, x, &x->sections[i], err);
    if (st == VG_OK)
        st = vg_builder_write_segment(b, w, 1, base, err);
    if (st == VG_OK) {
        st = vg_writer_commit(w, err);
        w = NULL;
    }
    vg_writer_abort(w);
    vg_index_builder_free(b);
    vg_index_close(x);
    return st;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

vg_status vg_index_remove_ids(const char *path, const char *bank, const char *const *ids,
                              size_t id_count, uint64_t *removed, vg_error *err)
{
    if (removed)
        *removed = 0;
    vg_index *x = NULL;
    vg_status st = vg_index_open(path, &x, err);
    if (st != VG_OK)
        return st;
    const char **sorted = malloc((id_count + 1) * sizeof *sorted);
    uint64_t *dead = NULL;
    vg_writer *w = NULL;
    uint64_t dead_count = 0, newly = 0;
    char *key = malloc(VG_BANK_LINE_MAX + 1);
    if (!sorted || !key) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(sorted, ids, id_count * sizeof *sorted);
    qsort(sorted, id_count, sizeof *sorted, compare_strings);
    dead = malloc((x->tombstone_count + 1) * sizeof *dead);
    if (!dead) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t cap = x->tombstone_count + 1;
    /* Walk entries in order, merging old tombstones and new removals, so the
     * list stays sorted. */
    for (uint64_t i = 0; i < x->entries; i++) {
        vg_index_entry e;
        st = vg_index_entry_get(x, i, &e, err);
        if (st != VG_OK)
            goto done;
        bool kill = e.removed;
        if (!kill && (!bank || !strcmp(bank, e.bank_name)) && e.id_len <= VG_BANK_LINE_MAX) {
            memcpy(key, e.id, e.id_len);
            key[e.id_len] = '\0';
            const char *k = key;
            if (bsearch(&k, sorted, id_count, sizeof *sorted, compare_strings)) {
                kill = true;
                /* A video counts once, not once per frame. */
                newly += e.type != VG_SIGNAL_VPDQ || e.video == i;
            }
        }
        if (!kill)
            continue;
        if (dead_count == cap) {
            cap *= 2;
            uint64_t *grown = realloc(dead, cap * sizeof *dead);
            if (!grown) {
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                goto done;
            }
            dead = grown;
        }
        dead[dead_count++] = i;
    }
    if (newly == 0)
        goto done; /* nothing to change: leave the file alone */
    st = vg_writer_open(path, &w, err);
    if (st == VG_OK)
        st = write_file_meta(w, x->segment_count, x->bank_count, x->entries, dead_count, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_TOMBSTONES, 0, 0, 0), dead, dead_count * 8, err);
    for (uint32_t i = 0; st == VG_OK && i < x->section_count; i++) {
        uint32_t kind = x->sections[i].id >> 24;
        if (kind != SEC_FILE_META && kind != SEC_TOMBSTONES)
            st = copy_section(w, x, &x->sections[i], err);
    }
    if (st == VG_OK) {
        st = vg_writer_commit(w, err);
        w = NULL;
    }
done:
    vg_writer_abort(w);
    if (removed && st == VG_OK)
        *removed = newly;
    free(sorted);
    free(dead);
    free(key);
    vg_index_close(x);
    return st;
}

vg_status vg_index_compact(const char *path, vg_error *err)
{
    vg_index *x = NULL;
    vg_index_builder *b = NULL;
    vg_status st = vg_index_open(path, &x, err);
    if (st == VG_OK)
        st = vg_index_verify(x, err);
    if (st == VG_OK)
        st = vg_index_builder_new(&b, err);
    if (st == VG_OK)
        st = declare_banks(b, x, err);
    if (st == VG_OK)
        st = carry_entries(b, x, 0, x->entries, err);
    if (st == VG_OK)
        st = vg_index_builder_write(b, path, err);
    vg_index_builder_free(b);
    vg_index_close(x);
    return st;
}
