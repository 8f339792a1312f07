/*
 * Opening an index file: map it, check what is cheap to check (header,
 * section table, sizes of every section against the counts, checksums of
 * the small sections) and point the segment structures into the mapping.
 * The large sections are checksummed only by vg_index_verify, so opening
 * a 10-million-entry index costs microseconds; queries bound-check every
 * position they read from the file, so damage cannot make them stray.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/index_internal.h"

static const char *const kind_names[SEC_KIND_COUNT] = {
    [SEC_FILE_META] = "file-meta",         [SEC_BANKS] = "banks",
    [SEC_TOMBSTONES] = "tombstones",       [SEC_SEG_META] = "segment-meta",
    [SEC_ENTRY_TYPE] = "entry-type",       [SEC_ENTRY_RANKS] = "entry-ranks",
    [SEC_BANK_RUNS] = "bank-runs",         [SEC_ID_RUNS] = "id-runs",
    [SEC_ID_STRINGS] = "id-strings",       [SEC_META_STRINGS] = "metadata-strings",
    [SEC_EXACT_DIR] = "exact-directory",   [SEC_EXACT_REC] = "exact-records",
    [SEC_EXACT_SLOT] = "exact-slots",      [SEC_HAM_HASH] = "hamming-hashes",
    [SEC_HAM_DIR] = "hamming-directory",   [SEC_HAM_INLINE] = "hamming-inline",
    [SEC_HAM_POS] = "hamming-positions",   [SEC_VIDEO] = "video-frames",
    [SEC_PATCH_OFFSETS] = "patch-offsets", [SEC_PATCH_VALUES] = "patch-values",
    [SEC_PATCH_DIR] = "patch-directory",   [SEC_PATCH_ENTRIES] = "patch-entries"};

static const char *kind_name(uint32_t id)
{
    uint32_t kind = id >> 24;
    return kind < SEC_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "unknown";
}

/* "exact-records (sha1, segment 0, part 0)" for error messages. */
static const char *section_name(uint32_t id, char *buf, size_t size)
{
    unsigned type = id >> 16 & 0xFF;
    snprintf(buf, size, "%s (%s%ssegment %u, part %u)", kind_name(id),
             type < INDEX_TYPES && (id >> 24) >= SEC_EXACT_DIR
                 ? vg_signal_type_name((vg_signal_type)type) : "",
             (id >> 24) >= SEC_EXACT_DIR ? ", " : "", id >> 8 & 0xFF, id & 0xFF);
    return buf;
}

static const section_entry *find(const vg_index *x, uint32_t id)
{
    for (uint32_t i = 0; i < x->section_count; i++)
        if (x->sections[i].id == id)
            return &x->sections[i];
    return NULL;
}

static vg_status corrupt(const vg_index *x, vg_error *err, const char *what)
{
    return vg_error_set(err, VG_ERR_CORRUPT, "%s: corrupt index: %s", x->path, what);
}

/* The section `id`, which must be exactly `bytes` long (or any length when
 * bytes is UINT64_MAX). */
static vg_status section(const vg_index *x, uint32_t id, uint64_t bytes, const void **out,
                         uint64_t *len, vg_error *err)
{
    const section_entry *e = find(x, id);
    char name[96];
    if (!e)
        return vg_error_set(err, VG_ERR_CORRUPT, "%s: corrupt index: section %s is missing",
                            x->path, section_name(id, name, sizeof name));
    if (bytes != UINT64_MAX && e->bytes != bytes)
        return vg_error_set(err, VG_ERR_CORRUPT, "%s: corrupt index: section %s has %llu "
                            "bytes where %llu are expected", x->path,
                            section_name(id, name, sizeof name), (unsigned long long)e->bytes,
                            (unsigned long long)bytes);
    *out = x->map + e->offset;
    if (len)
        *len = e->bytes;
    return VG_OK;
}

static vg_status check_header(vg_index *x, vg_error *err)
{
    if (x->map_bytes < VG_INDEX_HEADER_BYTES || memcmp(x->map, VG_INDEX_MAGIC, 8) != 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "%s: not a vigie index file", x->path);
    file_header h;
    memcpy(&h, x->map, sizeof h);
    if (h.version != VG_INDEX_FORMAT_VERSION)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "%s: index format version %u, but this vigie reads version %u: "
                            "rebuild the index from its banks with 'vigie index build'",
                            x->path, h.version, VG_INDEX_FORMAT_VERSION);
    uint64_t stored = h.header_checksum;
    h.header_checksum = 0;
    if (vg_checksum_buffer(&h, sizeof h) != stored)
        return corrupt(x, err, "header checksum mismatch");
    if (h.file_bytes != x->map_bytes)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: index file is %llu bytes but was written with %llu: %s",
                            x->path, (unsigned long long)x->map_bytes,
                            (unsigned long long)h.file_bytes,
                            x->map_bytes < h.file_bytes ? "truncated" : "extra data appended");
    if (h.header_bytes != VG_INDEX_HEADER_BYTES || h.section_count > VG_INDEX_MAX_SECTIONS)
        return corrupt(x, err, "bad header fields");
    uint64_t front = VG_INDEX_HEADER_BYTES + (uint64_t)VG_INDEX_MAX_SECTIONS * sizeof(section_entry);
    if (x->map_bytes < front)
        return corrupt(x, err, "file shorter than its section table");
    x->header = (const file_header *)x->map;
    x->sections = (const section_entry *)(x->map + VG_INDEX_HEADER_BYTES);
    x->section_count = h.section_count;
    if (vg_checksum_buffer(x->sections, x->section_count * sizeof(section_entry)) !=
        h.table_checksum)
        return corrupt(x, err, "section table checksum mismatch");
    for (uint32_t i = 0; i < x->section_count; i++) {
        const section_entry *e = &x->sections[i];
        if (e->offset < front || e->offset % VG_INDEX_ALIGN || e->offset > x->map_bytes ||
            e->bytes > x->map_bytes - e->offset)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "%s: corrupt index: section %s lies outside the file", x->path,
                                kind_name(e->id));
        for (uint32_t j = 0; j < i; j++)
            if (x->sections[j].id == e->id)
                return corrupt(x, err, "a section appears twice");
        if (e->bytes <= VG_INDEX_OPEN_VERIFY_BYTES &&
            vg_checksum_buffer(x->map + e->offset, e->bytes) != e->checksum)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "%s: corrupt index: checksum mismatch in section %s", x->path,
                                kind_name(e->id));
    }
    return VG_OK;
}

static vg_status load_banks(vg_index *x, uint32_t count, vg_error *err)
{
    const uint8_t *p = NULL;
    uint64_t len = 0;
    vg_status st = section(x, section_id(SEC_BANKS, 0, 0, 0), UINT64_MAX, (const void **)&p, &len,
                           err);
    if (st != VG_OK)
        return st;
    if (count > len / 8 + 1)
        return corrupt(x, err, "bank count exceeds the bank table");
    x->banks = calloc(count + 1, sizeof *x->banks);
    x->bank_strings = malloc(len + count + 1);
    if (!x->banks || !x->bank_strings)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", x->path);
    uint64_t at = 0, out = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t nlen, clen;
        if (len - at < 4)
            return corrupt(x, err, "bank table truncated");
        memcpy(&nlen, p + at, 4);
        at += 4;
        if (len - at < (uint64_t)nlen + 4)
            return corrupt(x, err, "bank table truncated");
        memcpy(x->bank_strings + out, p + at, nlen);
        x->bank_strings[out + nlen] = '\0';
        x->banks[i].name = x->bank_strings + out;
        out += nlen + 1;
        at += nlen;
        memcpy(&clen, p + at, 4);
        at += 4;
        if (len - at < clen)
            return corrupt(x, err, "bank table truncated");
        x->banks[i].columns = (const char *)p + at;
        x->banks[i].columns_len = clen;
        at += clen;
    }
    x->bank_count = count;
    return VG_OK;
}

/* A string table: its three sections, bytes and offsets either both
 * empty or consistent with `count` strings. */
static vg_status load_strings(vg_index *x, unsigned kind, unsigned s, uint64_t count,
                              string_view *out, vg_error *err)
{
    const void *p = NULL;
    uint64_t len = 0;
    vg_status st = section(x, section_id(kind, 0, s, STRINGS_BYTES), UINT64_MAX, &p, &len, err);
    if (st != VG_OK)
        return st;
    out->count = count;
    out->bytes = p;
    out->bytes_len = len;
    uint64_t blocks = (count + VG_INDEX_STRING_BLOCK - 1) / VG_INDEX_STRING_BLOCK;
    bool any = len > 0;
    st = section(x, section_id(kind, 0, s, STRINGS_BASES), any ? blocks * 8 : 0, &p, NULL, err);
    if (st != VG_OK)
        return st;
    out->bases = p;
    st = section(x, section_id(kind, 0, s, STRINGS_OFFSETS), any ? count * 4 : 0, &p, NULL, err);
    out->offsets = p;
    return st;
}

static vg_status load_exact(vg_index *x, unsigned s, vg_signal_type t, const type_meta *tm,
                            vg_error *err)
{
    exact_view *v = &x->segments[s].types[t].exact;
    if (tm->structure != STRUCT_EXACT || tm->param < 1 || tm->param > 24)
        return corrupt(x, err, "bad exact-table geometry");
    v->bits = tm->param;
    uint64_t rs = vg_signal_type_bytes(t) + 4;
    const void *p;
    vg_status st = section(x, section_id(SEC_EXACT_DIR, t, s, 0), ((1ull << v->bits) + 1) * 4,
                           &p, NULL, err);
    v->dir = p;
    if (st == VG_OK)
        st = section(x, section_id(SEC_EXACT_REC, t, s, 0), tm->count * rs, &p, NULL, err);
    v->rec = p;
    if (st == VG_OK)
        st = section(x, section_id(SEC_EXACT_SLOT, t, s, 0), tm->count * 4, &p, NULL, err);
    v->slot = p;
    return st;
}

static vg_status load_hamming(vg_index *x, unsigned s, vg_signal_type t, const type_meta *tm,
                              vg_error *err)
{
    hamming_view *v = &x->segments[s].types[t].ham;
    uint64_t n = tm->count;
    if (tm->structure == STRUCT_HAMMING_TABLES) {
        if ((tm->param != 3 && tm->param != 4) || (tm->param == 3 && n > (1u << 24)))
            return corrupt(x, err, "bad hash-table geometry");
        v->tables = true;
        v->pos_bytes = tm->param;
    } else if (tm->structure != STRUCT_HAMMING_SCAN) {
        return corrupt(x, err, "bad hash-table geometry");
    }
    const void *p;
    vg_status st = section(x, section_id(SEC_HAM_HASH, t, s, 0), n * HAM_BYTES, &p, NULL, err);
    v->hash = p;
    for (unsigned k = 0; st == VG_OK && v->tables && k < HAM_TABLES; k++) {
        st = section(x, section_id(SEC_HAM_DIR, t, s, k), (HAM_BUCKETS + 1) * 4, &p, NULL, err);
        v->dir[k] = p;
        if (st == VG_OK)
            st = section(x, section_id(SEC_HAM_INLINE, t, s, k), n * 2, &p, NULL, err);
        v->inl[k] = p;
        if (st == VG_OK && k % 2 == 0) {
            st = section(x, section_id(SEC_HAM_POS, t, s, k / 2), n * v->pos_bytes, &p, NULL,
                         err);
            v->pos[k / 2] = p;
        }
    }
    return st;
}

static vg_status load_patch(vg_index *x, unsigned s, vg_signal_type t, const type_meta *tm,
                            vg_error *err)
{
    patch_view *v = &x->segments[s].types[t].patch;
    uint64_t n = tm->count;
    if (tm->structure != STRUCT_PATCH || tm->param < 1 || tm->param > 24 ||
        n > VG_PATCH_INDEX_MAX_PICTURES)
        return corrupt(x, err, "bad patch-index geometry");
    const void *p;
    uint64_t len = 0;
    vg_status st = section(x, section_id(SEC_PATCH_OFFSETS, t, s, 0), (n + 1) * 8, &p, NULL, err);
    v->offsets = p;
    if (st == VG_OK)
        st = section(x, section_id(SEC_PATCH_VALUES, t, s, 0), UINT64_MAX, &p, &len, err);
    v->values = p;
    v->values_len = len;
    if (st == VG_OK)
        st = section(x, section_id(SEC_PATCH_DIR, t, s, 0), ((1ull << tm->param) + 1) * 4, &p,
                     NULL, err);
    v->index.key_bits = tm->param;
    v->index.directory = p;
    if (st == VG_OK)
        st = section(x, section_id(SEC_PATCH_ENTRIES, t, s, 0), UINT64_MAX, &p, &len, err);
    if (st == VG_OK && len % sizeof(vg_patch_entry))
        return corrupt(x, err, "the patch entries are not whole");
    v->index.entries = p;
    v->index.count = len / sizeof(vg_patch_entry);
    return st;
}

static vg_status load_segment(vg_index *x, unsigned s, uint64_t base, vg_error *err)
{
    vg_segment *g = &x->segments[s];
    const seg_meta *m = NULL;
    vg_status st = section(x, section_id(SEC_SEG_META, 0, s, 0), sizeof(seg_meta),
                           (const void **)&m, NULL, err);
    if (st != VG_OK)
        return st;
    seg_meta meta;
    memcpy(&meta, m, sizeof meta);
    uint64_t n = meta.entries, sum = 0;
    if (meta.entry_base != base || n > VG_INDEX_MAX_SEGMENT_ENTRIES)
        return corrupt(x, err, "segment entry numbering is inconsistent");
    for (unsigned t = 0; t < VG_INDEX_TYPE_SLOTS; t++) {
        const type_meta *tm = &meta.types[t];
        if (t >= INDEX_TYPES && (tm->count || tm->structure != STRUCT_NONE))
            return vg_error_set(err, VG_ERR_UNSUPPORTED,
                                "%s: the index holds signals of a type this vigie does not "
                                "know (type %u): use the vigie that wrote it", x->path, t);
        if (tm->count > n)
            return corrupt(x, err, "segment type counts exceed its entries");
        sum += tm->count;
    }
    if (sum != n)
        return corrupt(x, err, "segment type counts do not add up");
    if (meta.rank_width < INDEX_TYPES || meta.rank_width > VG_INDEX_TYPE_SLOTS ||
        meta.explicit_ids > n)
        return corrupt(x, err, "bad entry-table geometry");
    if (meta.frames > meta.types[VG_SIGNAL_PDQ].count || meta.videos > meta.frames ||
        (meta.frames && !meta.videos))
        return corrupt(x, err, "segment video counts are inconsistent");
    g->entry_base = base;
    g->entries = n;
    g->rank_width = meta.rank_width;
    g->videos = meta.videos;
    g->frames = meta.frames;
    uint64_t blocks = (n + VG_INDEX_RANK_BLOCK - 1) / VG_INDEX_RANK_BLOCK;
    const void *p;
    uint64_t len;
#define NEED(kind, part, bytes, field)                                                      \
    do {                                                                                    \
        st = section(x, section_id(kind, 0, s, part), bytes, &p, NULL, err);                \
        if (st != VG_OK)                                                                    \
            return st;                                                                      \
        field = p;                                                                          \
    } while (0)
    NEED(SEC_ENTRY_TYPE, 0, n, g->entry_type);
    NEED(SEC_ENTRY_RANKS, 0, blocks * meta.rank_width * 4, g->ranks);
    g->video = NULL;
    if (meta.videos)
        NEED(SEC_VIDEO, 0, n * 4, g->video);
#undef NEED
    st = section(x, section_id(SEC_BANK_RUNS, 0, s, 0), UINT64_MAX, &p, &len, err);
    if (st != VG_OK)
        return st;
    if (len % sizeof(bank_run) || len / sizeof(bank_run) > n)
        return corrupt(x, err, "the bank runs do not fit the segment");
    g->bank_runs = p;
    g->bank_run_count = len / sizeof(bank_run);
    st = section(x, section_id(SEC_ID_RUNS, 0, s, 0), UINT64_MAX, &p, &len, err);
    if (st != VG_OK)
        return st;
    if (len % sizeof(id_run) || len / sizeof(id_run) > n)
        return corrupt(x, err, "the id runs do not fit the segment");
    g->id_runs = p;
    g->id_run_count = len / sizeof(id_run);
    st = load_strings(x, SEC_ID_STRINGS, s, meta.explicit_ids, &g->ids, err);
    if (st == VG_OK)
        st = load_strings(x, SEC_META_STRINGS, s, n, &g->meta, err);
    for (unsigned t = 0; st == VG_OK && t < INDEX_TYPES; t++) {
        g->types[t].count = meta.types[t].count;
        switch (index_family_of((vg_signal_type)t)) {
        case FAMILY_EXACT:
            st = load_exact(x, s, (vg_signal_type)t, &meta.types[t], err);
            break;
        case FAMILY_HAMMING:
            st = load_hamming(x, s, (vg_signal_type)t, &meta.types[t], err);
            break;
        case FAMILY_PATCH:
            st = load_patch(x, s, (vg_signal_type)t, &meta.types[t], err);
            break;
        }
    }
    return st;
}

static vg_status build_masks(vg_index *x, vg_error *err)
{
    x->masks = malloc(HAM_BUCKETS * sizeof *x->masks);
    if (!x->masks)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", x->path);
    /* Counting sort of all 16-bit masks by weight. */
    uint32_t count[17] = {0};
    for (uint32_t m = 0; m < HAM_BUCKETS; m++)
        count[__builtin_popcount(m)]++;
    uint32_t at = 0, next[17];
    for (unsigned w = 0; w <= 16; w++) {
        x->mask_start[w] = next[w] = at;
        at += count[w];
    }
    for (uint32_t m = 0; m < HAM_BUCKETS; m++)
        x->masks[next[__builtin_popcount(m)]++] = (uint16_t)m;
    x->mask_start[17] = at;
    return VG_OK;
}

static vg_status load(vg_index *x, vg_error *err)
{
    vg_status st = check_header(x, err);
    if (st != VG_OK)
        return st;
    const file_meta *fmp;
    st = section(x, section_id(SEC_FILE_META, 0, 0, 0), sizeof(file_meta), (const void **)&fmp,
                 NULL, err);
    if (st != VG_OK)
        return st;
    file_meta fm;
    memcpy(&fm, fmp, sizeof fm);
    if (fm.segments < 1 || fm.segments > 2)
        return corrupt(x, err, "bad segment count");
    x->segment_count = fm.segments;
    st = load_banks(x, fm.banks, err);
    uint64_t base = 0;
    for (unsigned s = 0; st == VG_OK && s < x->segment_count; s++) {
        st = load_segment(x, s, base, err);
        base += x->segments[s].entries;
    }
    if (st != VG_OK)
        return st;
    if (base != fm.entries)
        return corrupt(x, err, "entry count does not match the segments");
    x->entries = base;
    const void *p = NULL;
    uint64_t len = 0;
    st = section(x, section_id(SEC_TOMBSTONES, 0, 0, 0), UINT64_MAX, &p, &len, err);
    if (st != VG_OK)
        return st;
    if (len % 8)
        return corrupt(x, err, "tombstone list has a partial entry");
    x->tombstones = p;
    x->tombstone_count = len / 8;
    if (x->tombstone_count) {
        x->removed_bits = calloc(x->entries / 8 + 1, 1);
        if (!x->removed_bits)
            return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", x->path);
        for (uint64_t i = 0; i < x->tombstone_count; i++) {
            uint64_t e = x->tombstones[i];
            if (e >= x->entries || (i && e <= x->tombstones[i - 1]))
                return corrupt(x, err, "tombstone list is not a sorted list of entries");
            x->removed_bits[e >> 3] |= (uint8_t)(1u << (e & 7));
        }
    }
    return build_masks(x, err);
}

vg_status vg_index_open(const char *path, vg_index **out, vg_error *err)
{
    *out = NULL;
    vg_index *x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        free(x);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", path);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vg_status st = vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        vg_index_close(x);
        return st;
    }
    struct stat sb;
    vg_status st = VG_OK;
    if (fstat(fd, &sb) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = vg_error_set(err, VG_ERR_INVALID, "%s: not a regular file", path);
    else if (sb.st_size < VG_INDEX_HEADER_BYTES)
        st = vg_error_set(err, VG_ERR_UNSUPPORTED, "%s: not a vigie index file (%lld bytes)",
                          path, (long long)sb.st_size);
    if (st == VG_OK) {
        void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            st = vg_error_set(err, VG_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
        else {
            x->map = map;
            x->map_bytes = (size_t)sb.st_size;
            x->owns_map = true;
        }
    }
    close(fd);
    if (st == VG_OK)
        st = load(x, err);
    if (st != VG_OK) {
        vg_index_close(x);
        return st;
    }
    *out = x;
    return VG_OK;
}

void vg_index_close(vg_index *x)
{
    if (!x)
        return;
    if (x->owns_map)
        munmap((void *)x->map, x->map_bytes);
    free(x->banks);
    free(x->bank_strings);
    free(x->removed_bits);
    free(x->masks);
    free(x->path);
    free(x);
}

void vg_index_get_stats(const vg_index *x, vg_index_stats *out)
{
    memset(out, 0, sizeof *out);
    out->version = x->header->version;
    out->file_bytes = x->map_bytes;
    out->entries = x->entries;
    out->removed = x->tombstone_count;
    out->live_entries = x->entries - x->tombstone_count;
    out->banks = x->bank_count;
    if (x->segment_count > 1)
        out->delta_entries = x->segments[1].entries;
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        for (int t = 0; t < INDEX_TYPES; t++)
            out->by_type[t] += g->types[t].count;
        out->by_type[VG_SIGNAL_PDQ] -= g->frames;
        out->by_type[VG_SIGNAL_VPDQ] += g->videos;
    }
    for (uint64_t i = 0; i < x->tombstone_count; i++) {
        uint64_t e = x->tombstones[i];
        for (unsigned s = 0; s < x->segment_count; s++) {
            const vg_segment *g = &x->segments[s];
            if (e < g->entry_base || e >= g->entry_base + g->entries)
                continue;
            uint8_t t = g->entry_type[e - g->entry_base];
            uint32_t link = index_video_link(x, e);
            if (link)
                t = (link & VIDEO_FIRST) ? VG_SIGNAL_VPDQ : VG_SIGNAL_TYPE_COUNT; /* frame */
            if (t < VG_SIGNAL_TYPE_COUNT && out->by_type[t])
                out->by_type[t]--;
        }
    }
}

uint32_t index_video_link(const vg_index *x, uint64_t entry)
{
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        if (entry >= g->entry_base && entry < g->entry_base + g->entries)
            return g->video ? g->video[entry - g->entry_base] : 0;
    }
    return 0;
}

bool index_frame_video(const vg_index *x, uint64_t entry, uint64_t *video, uint32_t *frames)
{
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        if (entry < g->entry_base || entry >= g->entry_base + g->entries)
            continue;
        if (!g->video)
            return false;
        uint64_t local = entry - g->entry_base;
        uint32_t link = g->video[local];
        if (!link)
            return false;
        uint64_t first = (link & VIDEO_FIRST) ? local : local >= link ? local - link : UINT64_MAX;
        if (first == UINT64_MAX || !(g->video[first] & VIDEO_FIRST))
            return false;
        uint32_t count = g->video[first] & VIDEO_MAX_FRAMES;
        if (local - first >= count || count > g->entries - first)
            return false;
        *video = g->entry_base + first;
        *frames = count;
        return true;
    }
    return false;
}

const char *vg_index_bank_name(const vg_index *x, uint32_t bank)
{
    return bank < x->bank_count ? x->banks[bank].name : "";
}

vg_status vg_index_entry_get(const vg_index *x, uint64_t entry, vg_index_entry *out,
                             vg_error *err)
{
    memset(out, 0, sizeof *out);
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        if (entry < g->entry_base || entry >= g->entry_base + g->entries)
            continue;
        uint64_t local = entry - g->entry_base;
        uint64_t rank = segment_rank(g, local);
        if (rank == NO_ENTRY)
            return corrupt(x, err, "entry table damaged (run vigie index verify)");
        out->type = (vg_signal_type)g->entry_type[local];
        const type_view *tv = &g->types[out->type];
        size_t vb = vg_signal_type_bytes(out->type);
        if (index_family_of(out->type) == FAMILY_HAMMING) {
            memcpy(out->value, tv->ham.hash + rank * HAM_BYTES, vb);
        } else if (index_family_of(out->type) == FAMILY_PATCH) {
            uint64_t from = tv->patch.offsets[rank], to = tv->patch.offsets[rank + 1];
            if (from > to || to > tv->patch.values_len)
                return corrupt(x, err, "patch sets damaged (run vigie index verify)");
            out->long_value = tv->patch.values + from;
            out->long_value_len = to - from;
        } else {
            uint32_t slot = tv->exact.slot[rank];
            if (slot >= tv->count)
                return corrupt(x, err, "entry table damaged (run vigie index verify)");
            memcpy(out->value, tv->exact.rec + (uint64_t)slot * (vb + 4), vb);
        }
        out->bank = segment_bank(g, local);
        if (out->bank >= x->bank_count ||
            !segment_id(g, local, out->id_buf, &out->id, &out->id_len) ||
            !string_get(&g->meta, local, &out->metadata, &out->metadata_len))
            return corrupt(x, err, "entry table damaged (run vigie index verify)");
        /* A video's frame stands for the video (its value: this frame's PDQ). */
        if (index_frame_video(x, entry, &out->video, &out->video_frames))
            out->type = VG_SIGNAL_VPDQ;
        out->bank_name = x->banks[out->bank].name;
        out->columns = x->banks[out->bank].columns;
        out->columns_len = x->banks[out->bank].columns_len;
        out->removed = index_removed(x, entry);
        return VG_OK;
    }
    return vg_error_set(err, VG_ERR_INVALID, "%s: no entry %llu (the index has %llu)", x->path,
                        (unsigned long long)entry, (unsigned long long)x->entries);
}

/* ---- full verification ---- */

static vg_status verify_dir(const vg_index *x, const uint32_t *dir, uint64_t buckets,
                            uint64_t count, vg_error *err)
{
    if (dir[0] != 0 || dir[buckets] != count)
        return corrupt(x, err, "a directory does not cover its table");
    for (uint64_t k = 0; k < buckets; k++)
        if (dir[k] > dir[k + 1])
            return corrupt(x, err, "a directory is not in order");
    return VG_OK;
}

/* Every patch set decodes, and the patch index is in order and names only
 * patch sets that exist. */
static vg_status verify_patch(const vg_index *x, const type_view *tv, vg_error *err)
{
    const patch_view *v = &tv->patch;
    if (v->offsets[0] != 0 || v->offsets[tv->count] != v->values_len)
        return corrupt(x, err, "the patch offsets do not cover the patch sets");
    for (uint64_t r = 0; r < tv->count; r++) {
        vg_patchset set;
        if (v->offsets[r] > v->offsets[r + 1] ||
            vg_patchset_decode(v->values + v->offsets[r], v->offsets[r + 1] - v->offsets[r], &set,
                               NULL) != VG_OK)
            return corrupt(x, err, "a patch set does not decode");
    }
    vg_error why;
    if (vg_patch_index_check(&v->index, &why) != VG_OK)
        return corrupt(x, err, why.message);
    for (uint64_t i = 0; i < v->index.count; i++)
        if ((v->index.entries[i].ref >> 6) >= tv->count)
            return corrupt(x, err, "the patch index names a patch set that does not exist");
    return VG_OK;
}

static vg_status verify_types(const vg_index *x, const vg_segment *g, vg_error *err)
{
    for (unsigned t = 0; t < INDEX_TYPES; t++) {
        const type_view *tv = &g->types[t];
        vg_status st = VG_OK;
        if (index_family_of((vg_signal_type)t) == FAMILY_PATCH) {
            st = verify_patch(x, tv, err);
            if (st != VG_OK)
                return st;
            continue;
        }
        if (index_family_of((vg_signal_type)t) == FAMILY_EXACT) {
            st = verify_dir(x, tv->exact.dir, 1ull << tv->exact.bits, tv->count, err);
            if (st != VG_OK)
                return st;
            continue;
        }
        for (unsigned k = 0; st == VG_OK && tv->ham.tables && k < HAM_TABLES; k++)
            st = verify_dir(x, tv->ham.dir[k], HAM_BUCKETS, tv->count, err);
        for (unsigned p = 0; st == VG_OK && tv->ham.tables && p < HAM_PAIRS; p++)
            for (uint64_t i = 0; i < tv->count; i++)
                if (ham_position(&tv->ham, p, i) >= tv->count)
                    return corrupt(x, err, "a hash table points outside the hashes");
        if (st != VG_OK)
            return st;
    }
    /* Every digest record and its entry point at each other. */
    uint64_t rank[INDEX_TYPES] = {0};
    for (uint64_t i = 0; i < g->entries; i++) {
        vg_signal_type t = (vg_signal_type)g->entry_type[i];
        uint64_t r = rank[t]++;
        if (index_family_of(t) != FAMILY_EXACT)
            continue;
        const exact_view *v = &g->types[t].exact;
        uint32_t slot = v->slot[r], back;
        if (slot >= g->types[t].count)
            return corrupt(x, err, "a digest points outside its records");
        size_t vb = vg_signal_type_bytes(t);
        memcpy(&back, v->rec + (uint64_t)slot * (vb + 4) + vb, 4);
        if (back != i)
            return corrupt(x, err, "a digest record points at another entry");
    }
    return VG_OK;
}

vg_status vg_index_verify(const vg_index *x, vg_error *err)
{
    for (uint32_t i = 0; i < x->section_count; i++) {
        const section_entry *e = &x->sections[i];
        char name[96];
        if (vg_checksum_buffer(x->map + e->offset, e->bytes) != e->checksum)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "%s: corrupt index: checksum mismatch in section %s", x->path,
                                section_name(e->id, name, sizeof name));
    }
    for (unsigned s = 0; s < x->segment_count; s++) {
        const vg_segment *g = &x->segments[s];
        /* The entry table first: verify_types relies on its type bytes. */
        vg_status st = segment_verify_entries(x, g, err);
        if (st == VG_OK)
            st = verify_types(x, g, err);
        if (st != VG_OK)
            return st;
        uint64_t videos = 0, frames = 0;
        for (uint64_t i = 0; g->video && i < g->entries; i++) {
            uint32_t link = g->video[i];
            if (!link)
                continue;
            uint32_t count = link & VIDEO_MAX_FRAMES;
            if (!(link & VIDEO_FIRST) || count == 0 || count > g->entries - i)
                return corrupt(x, err, "the video-frames table is inconsistent");
            for (uint32_t k = 0; k < count; k++)
                if ((k && g->video[i + k] != k) || g->entry_type[i + k] != VG_SIGNAL_PDQ)
                    return corrupt(x, err, "the video-frames table is inconsistent");
            videos++;
            frames += count;
            i += count - 1;
        }
        if (videos != g->videos || frames != g->frames)
            return corrupt(x, err, "the video counts do not match the video-frames table");
    }
    return VG_OK;
}
