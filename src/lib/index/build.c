/*
 * Building an index: entries are collected in flat arrays (one allocation
 * per array, grown geometrically, never one per entry): the entry table
 * (entries.c) and, per signal type, the values in rank order. Writing
 * computes each type's structure and streams it to the file one at a
 * time, so the peak memory is the collected entries plus one structure
 * being sorted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index/index_internal.h"
#include "vigie/vpdq.h"

typedef struct typed_values {
    uint8_t *values;  /* bytes(type) per entry, in rank order; patch sets: their
                         encoded bytes one after the other */
    uint32_t *entry;  /* exact family: the segment-local entry of each rank */
    uint64_t *offset; /* patch sets: where rank i starts in values (count + 1) */
    uint64_t count, values_cap, entry_cap, offset_cap, values_len;
} typed_values;

typedef struct bank_decl {
    char *name;
    char *columns;
    size_t columns_len;
} bank_decl;

struct vg_index_builder {
    bank_decl *banks;
    uint32_t bank_count;
    uint64_t bank_capacity;
    entry_builder entries;
    typed_values typed[INDEX_TYPES];
    /* video-frames value per entry (see VIDEO_FIRST), allocated with the
     * first video; entries before it are 0. */
    uint32_t *video;
    uint64_t video_capacity;
    uint64_t videos, frames;
    uint64_t pdq_multi_min;
    bool consumed;
};

vg_status vg_index_builder_new(vg_index_builder **out, vg_error *err)
{
    vg_index_builder *b = calloc(1, sizeof *b);
    if (!b)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for an index builder");
    b->pdq_multi_min = VG_INDEX_PDQ_MULTI_MIN;
    *out = b;
    return VG_OK;
}

void vg_index_builder_free(vg_index_builder *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->bank_count; i++) {
        free(b->banks[i].name);
        free(b->banks[i].columns);
    }
    free(b->banks);
    entry_builder_free(&b->entries);
    for (int t = 0; t < INDEX_TYPES; t++) {
        free(b->typed[t].values);
        free(b->typed[t].entry);
        free(b->typed[t].offset);
    }
    free(b->video);
    free(b);
}

vg_status vg_index_builder_set_pdq_multi_min(vg_index_builder *b, uint64_t min)
{
    b->pdq_multi_min = min;
    return VG_OK;
}

uint32_t vg_builder_bank_count(const vg_index_builder *b)
{
    return b->bank_count;
}

uint64_t vg_builder_entry_count(const vg_index_builder *b)
{
    return b->entries.count;
}

vg_status vg_index_builder_add_bank(vg_index_builder *b, const char *name, const char *columns,
                                    size_t columns_len, uint32_t *bank, vg_error *err)
{
    if (b->consumed)
        return vg_error_set(err, VG_ERR_INVALID, "index builder already written");
    if (b->bank_count == UINT32_MAX)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "too many banks");
    void *p = b->banks;
    if (!index_grow(&p, &b->bank_capacity, (uint64_t)b->bank_count + 1, sizeof(bank_decl)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for banks");
    b->banks = p;
    bank_decl *d = &b->banks[b->bank_count];
    d->name = strdup(name ? name : "");
    d->columns = malloc(columns_len + 1);
    if (!d->name || !d->columns) {
        free(d->name);
        free(d->columns);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for banks");
    }
    if (columns_len)
        memcpy(d->columns, columns, columns_len);
    d->columns_len = columns_len;
    *bank = b->bank_count++;
    return VG_OK;
}

/* A patch set: its encoded bytes appended to the type's values. */
static vg_status add_patchset(vg_index_builder *b, typed_values *tv, uint32_t bank,
                              const vg_bank_entry *e, vg_error *err)
{
    vg_patchset set;
    vg_error why;
    if (!e->long_value || vg_patchset_decode(e->long_value, e->long_value_len, &set, &why) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID, "index builder: a patchset entry without a "
                                                 "valid encoded value");
    if (tv->count >= VG_PATCH_INDEX_MAX_PICTURES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "an index holds at most %u patch sets",
                            VG_PATCH_INDEX_MAX_PICTURES);
    void *v = tv->values, *off = tv->offset;
    bool ok = index_grow(&v, &tv->values_cap, tv->values_len + e->long_value_len, 1);
    tv->values = v;
    ok = ok && index_grow(&off, &tv->offset_cap, tv->count + 2, 8);
    tv->offset = off;
    if (!ok || !entry_builder_add(&b->entries, e->type, bank, e->id, e->id_len, e->metadata,
                                  e->metadata_len))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for %llu entries",
                            (unsigned long long)b->entries.count);
    memcpy(tv->values + tv->values_len, e->long_value, e->long_value_len);
    tv->offset[tv->count] = tv->values_len;
    tv->values_len += e->long_value_len;
    tv->offset[++tv->count] = tv->values_len;
    return VG_OK;
}

static vg_status add_entry(vg_index_builder *b, uint32_t bank, const vg_bank_entry *e,
                           vg_error *err);

/* Room for the video-frames values of entries 0..n-1, zero-filled. */
static bool reserve_links(vg_index_builder *b, uint64_t n)
{
    uint64_t before = b->video_capacity;
    void *p = b->video;
    if (!index_grow(&p, &b->video_capacity, n, 4))
        return false;
    b->video = p;
    if (b->video_capacity > before)
        memset(b->video + before, 0, (b->video_capacity - before) * 4);
    return true;
}

static vg_status set_video_link(vg_index_builder *b, uint64_t n, uint32_t link, vg_error *err)
{
    if (!reserve_links(b, n + 1))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for video frames");
    b->video[n] = link;
    return VG_OK;
}

vg_status vg_builder_set_video_link(vg_index_builder *b, uint32_t link, vg_error *err)
{
    if (b->entries.count == 0 || link == 0)
        return VG_OK;
    if (link & VIDEO_FIRST) {
        b->videos++;
        b->frames += link & VIDEO_MAX_FRAMES;
    }
    return set_video_link(b, b->entries.count - 1, link, err);
}

/* A video: one pdq entry per unique frame of quality >= 50, the first
 * carrying the metadata, all carrying the id (so that removing the id
 * removes the whole video). */
static vg_status add_video(vg_index_builder *b, uint32_t bank, const vg_bank_entry *e,
                           vg_error *err)
{
    vg_vpdq_set set;
    vg_status st = vg_vpdq_set_from(e->video, VG_VPDQ_QUALITY_THRESHOLD, &set, err);
    if (st != VG_OK)
        return st;
    if (set.count == 0 || set.count > VIDEO_MAX_FRAMES) {
        vg_vpdq_set_free(&set);
        return vg_error_set(err, VG_ERR_INVALID, set.count ? "video '%.*s' has too many frames"
                            : "video '%.*s' has no frame of quality 50 or more",
                            (int)(e->id_len > 200 ? 200 : e->id_len), e->id);
    }
    uint64_t first = b->entries.count;
    for (size_t i = 0; st == VG_OK && i < set.count; i++) {
        vg_bank_entry frame = *e;
        frame.type = VG_SIGNAL_PDQ;
        frame.video = NULL;
        memcpy(frame.value, set.hashes[i].bytes, VG_PDQ_BYTES);
        if (i > 0)
            frame.metadata_len = 0;
        st = add_entry(b, bank, &frame, err);
        if (st == VG_OK)
            st = set_video_link(b, first + i, i ? (uint32_t)i : VIDEO_FIRST | (uint32_t)set.count,
                                err);
    }
    if (st == VG_OK) {
        b->videos++;
        b->frames += set.count;
    }
    vg_vpdq_set_free(&set);
    return st;
}

vg_status vg_index_builder_add(vg_index_builder *b, uint32_t bank, const vg_bank_entry *e,
                               vg_error *err)
{
    if (b->consumed)
        return vg_error_set(err, VG_ERR_INVALID, "index builder already written");
    if (bank >= b->bank_count || (unsigned)e->type >= VG_SIGNAL_TYPE_COUNT ||
        (e->type == VG_SIGNAL_VPDQ && !e->video))
        return vg_error_set(err, VG_ERR_INVALID, "index builder: bad bank or signal type");
    if (e->type == VG_SIGNAL_VPDQ)
        return add_video(b, bank, e, err);
    return add_entry(b, bank, e, err);
}

static vg_status add_entry(vg_index_builder *b, uint32_t bank, const vg_bank_entry *e,
                           vg_error *err)
{
    if (b->entries.count >= VG_INDEX_MAX_SEGMENT_ENTRIES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "an index holds at most %llu entries",
                            VG_INDEX_MAX_SEGMENT_ENTRIES);
    if (e->id_len > VG_INDEX_STRING_MAX || e->metadata_len > VG_INDEX_STRING_MAX)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "an entry's id and metadata are limited to %d bytes each",
                            VG_INDEX_STRING_MAX);
    uint64_t n = b->entries.count;
    typed_values *tv = &b->typed[e->type];
    if (index_family_of(e->type) == FAMILY_PATCH)
        return add_patchset(b, tv, bank, e, err);
    size_t bytes = vg_signal_type_bytes(e->type);
    bool exact = index_family_of(e->type) == FAMILY_EXACT;
    void *v = tv->values, *en = tv->entry;
    bool ok = index_grow(&v, &tv->values_cap, tv->count + 1, bytes);
    tv->values = v;
    ok = ok && (!exact || index_grow(&en, &tv->entry_cap, tv->count + 1, 4));
    tv->entry = en;
    if (!ok || !entry_builder_add(&b->entries, e->type, bank, e->id, e->id_len, e->metadata,
                                  e->metadata_len))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for %llu entries",
                            (unsigned long long)n);
    memcpy(tv->values + tv->count * bytes, e->value, bytes);
    if (exact)
        tv->entry[tv->count] = (uint32_t)n;
    tv->count++;
    return VG_OK;
}

/* ---- adding a bank file, all or nothing ---- */

typedef struct file_ctx {
    vg_index_builder *b;
    const char *name;
    uint32_t bank;
    bool declared;
    void (*on_bad_line)(void *, uint64_t, const char *);
    void *ctx;
} file_ctx;

static vg_status file_start(void *ctx, const vg_bank_info *info, vg_error *err)
{
    file_ctx *f = ctx;
    vg_status st = vg_index_builder_add_bank(f->b, f->name, info->columns, info->columns_len,
                                             &f->bank, err);
    f->declared = st == VG_OK;
    return st;
}

static vg_status file_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    file_ctx *f = ctx;
    return vg_index_builder_add(f->b, f->bank, e, err);
}

static void file_bad(void *ctx, uint64_t line, const char *reason)
{
    file_ctx *f = ctx;
    if (f->on_bad_line)
        f->on_bad_line(f->ctx, line, reason);
}

static char *bank_name_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return strndup(base, len);
}

/* One video from a hash file: id = the file name without its extension. */
static vg_status add_hash_file(vg_index_builder *b, uint32_t bank, const char *path,
                               vg_error *err)
{
    vg_vpdq video = VG_VPDQ_INIT;
    vg_status st = vg_vpdq_load_file(path, 0, &video, err);
    char *id = st == VG_OK ? bank_name_of(path) : NULL;
    if (st == VG_OK && !id)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK) {
        vg_bank_entry e = {.type = VG_SIGNAL_VPDQ, .video = &video, .id = id,
                           .id_len = strlen(id), .metadata = "", .line = 1};
        st = vg_index_builder_add(b, bank, &e, err);
        if (st != VG_OK)
            vg_error_prefix(err, "%s: ", path);
    }
    free(id);
    vg_vpdq_free(&video);
    return st;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory of hash files (NAME.txt, in byte order of names): one bank. */
static vg_status add_hash_dir(vg_index_builder *b, uint32_t bank, const char *path,
                              vg_error *err)
{
    DIR *dir = opendir(path);
    if (!dir)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char **names = NULL;
    size_t count = 0, cap = 0;
    vg_status st = VG_OK;
    struct dirent *d;
    while (st == VG_OK && (d = readdir(dir))) {
        size_t n = strlen(d->d_name);
        if (d->d_name[0] == '.' || n < 5 || strcmp(d->d_name + n - 4, ".txt") != 0)
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            names = grown;
        }
        if (!(names[count] = strdup(d->d_name)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else
            count++;
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        if (st == VG_OK) {
            char *file = malloc(strlen(path) + strlen(names[i]) + 2);
            if (!file) {
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            } else {
                sprintf(file, "%s/%s", path, names[i]);
                st = add_hash_file(b, bank, file, err);
                free(file);
            }
        }
        free(names[i]);
    }
    free(names);
    return st;
}

vg_status vg_index_builder_add_file(vg_index_builder *b, const char *path, const char *name,
                                    const vg_bank_options *opts,
                                    void (*on_bad_line)(void *, uint64_t, const char *),
                                    void *ctx, vg_bank_stats *stats, vg_error *err)
{
    if (b->consumed)
        return vg_error_set(err, VG_ERR_INVALID, "index builder already written");
    struct stat st_path;
    bool directory = stat(path, &st_path) == 0 && S_ISDIR(st_path.st_mode);
    bool videos = directory || vg_vpdq_is_file(path);
    char *derived = name ? NULL : bank_name_of(path);
    if (!name && !derived)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* Remember where the builder stood so that a refused bank can be taken
     * back out. */
    entry_mark mark;
    entry_builder_mark(&b->entries, &mark);
    uint64_t typed[INDEX_TYPES];
    for (int t = 0; t < INDEX_TYPES; t++)
        typed[t] = b->typed[t].count;
    uint64_t videos_at_start = b->videos, frames = b->frames;
    uint32_t banks = b->bank_count;

    file_ctx f = {b, name ? name : derived, 0, false, on_bad_line, ctx};
    vg_status st;
    if (videos) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        st = vg_index_builder_add_bank(b, f.name, NULL, 0, &f.bank, err);
        if (st == VG_OK)
            st = directory ? add_hash_dir(b, f.bank, path, err)
                           : add_hash_file(b, f.bank, path, err);
        if (stats)
            stats->entries = b->videos - videos_at_start;
    } else {
        vg_bank_callbacks cb = {file_start, file_entry, file_bad, &f};
        st = vg_bank_parse_file(path, opts, &cb, stats, err);
        if (st == VG_OK && !f.declared)
            st = vg_index_builder_add_bank(b, f.name, NULL, 0, &f.bank, err); /* empty file */
    }
    if (st != VG_OK) {
        entry_builder_rollback(&b->entries, &mark);
        b->videos = videos_at_start;
        b->frames = frames;
        if (b->video && b->video_capacity > mark.count)
            memset(b->video + mark.count, 0, (b->video_capacity - mark.count) * 4);
        for (int t = 0; t < INDEX_TYPES; t++) {
            b->typed[t].count = typed[t];
            if (b->typed[t].offset)
                b->typed[t].values_len = b->typed[t].offset[typed[t]];
        }
        while (b->bank_count > banks) {
            b->bank_count--;
            free(b->banks[b->bank_count].name);
            free(b->banks[b->bank_count].columns);
        }
    }
    free(derived);
    return st;
}

/* ---- writing ---- */

vg_status vg_builder_write_banks(vg_index_builder *b, vg_writer *w, vg_error *err)
{
    vg_status st = vg_writer_begin(w, section_id(SEC_BANKS, 0, 0, 0), err);
    for (uint32_t i = 0; st == VG_OK && i < b->bank_count; i++) {
        uint32_t len = (uint32_t)strlen(b->banks[i].name);
        uint32_t clen = (uint32_t)b->banks[i].columns_len;
        st = vg_writer_append(w, &len, 4, err);
        if (st == VG_OK)
            st = vg_writer_append(w, b->banks[i].name, len, err);
        if (st == VG_OK)
            st = vg_writer_append(w, &clen, 4, err);
        if (st == VG_OK)
            st = vg_writer_append(w, b->banks[i].columns, clen, err);
    }
    return st;
}

/* ---- exact digests: records sorted by value, found through a directory
 * of their first bits ---- */

static uint32_t exact_bits_for(uint64_t n)
{
    uint32_t bits = 1;
    while (bits < 24 && (2ull << bits) <= n)
        bits++;
    return bits;
}

static inline uint32_t prefix32(const uint8_t *v)
{
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* Sort records (value, u32) of one bucket by value, stably. */
static void sort_bucket(uint8_t *rec, size_t n, size_t rs, size_t vb, uint8_t *tmp)
{
    /* Insertion sort: buckets hold about one record; records of equal value
     * arrive in rank order and insertion sort is stable, so ties stay put. */
    for (size_t i = 1; i < n; i++) {
        memcpy(tmp, rec + i * rs, rs);
        size_t j = i;
        while (j > 0 && memcmp(rec + (j - 1) * rs, tmp, vb) > 0) {
            memcpy(rec + j * rs, rec + (j - 1) * rs, rs);
            j--;
        }
        memcpy(rec + j * rs, tmp, rs);
    }
}

/* A merge sort for the rare crowded bucket, stable like the above. */
static void merge_sort(uint8_t *rec, size_t n, size_t rs, size_t vb, uint8_t *scratch,
                       uint8_t *tmp)
{
    if (n <= 16) {
        sort_bucket(rec, n, rs, vb, tmp);
        return;
    }
    size_t half = n / 2;
    merge_sort(rec, half, rs, vb, scratch, tmp);
    merge_sort(rec + half * rs, n - half, rs, vb, scratch, tmp);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        if (memcmp(rec + j * rs, rec + i * rs, vb) < 0)
            memcpy(scratch + k++ * rs, rec + j++ * rs, rs);
        else
            memcpy(scratch + k++ * rs, rec + i++ * rs, rs);
    }
    while (i < half)
        memcpy(scratch + k++ * rs, rec + i++ * rs, rs);
    while (j < n)
        memcpy(scratch + k++ * rs, rec + j++ * rs, rs);
    memcpy(rec, scratch, n * rs);
}

static vg_status write_exact(vg_index_builder *b, vg_writer *w, unsigned segment,
                             vg_signal_type type, type_meta *tm, vg_error *err)
{
    typed_values *tv = &b->typed[type];
    size_t vb = vg_signal_type_bytes(type), rs = vb + 4;
    uint64_t n = tv->count;
    uint32_t bits = exact_bits_for(n);
    uint64_t buckets = 1ull << bits;
    tm->structure = STRUCT_EXACT;
    tm->param = bits;
    uint32_t *dir = calloc(buckets + 1, 4), *cursor = malloc(buckets * 4);
    uint32_t *slot = malloc(n * 4 + 4);
    uint8_t *rec = malloc(n * rs + 1), *scratch = NULL;
    vg_status st = VG_OK;
    if (!dir || !cursor || !slot || !rec) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory building the %s table",
                          vg_signal_type_name(type));
        goto done;
    }
    for (uint64_t i = 0; i < n; i++)
        dir[(prefix32(tv->values + i * vb) >> (32 - bits)) + 1]++;
    for (uint64_t k = 0; k < buckets; k++)
        dir[k + 1] += dir[k];
    /* Scatter (value, rank) by prefix, then sort each bucket; ranks keep
     * equal values in entry order. */
    memcpy(cursor, dir, buckets * 4);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *v = tv->values + i * vb;
        uint32_t at = cursor[prefix32(v) >> (32 - bits)]++, rank = (uint32_t)i;
        memcpy(rec + (uint64_t)at * rs, v, vb);
        memcpy(rec + (uint64_t)at * rs + vb, &rank, 4);
    }
    uint8_t tmp[VG_SIGNAL_MAX_BYTES + 4];
    for (uint64_t k = 0; k < buckets; k++) {
        size_t count = dir[k + 1] - dir[k];
        uint8_t *base = rec + (uint64_t)dir[k] * rs;
        if (count <= 16) {
            sort_bucket(base, count, rs, vb, tmp);
            continue;
        }
        uint8_t *grown = realloc(scratch, count * rs);
        if (!grown) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory building an exact table");
            goto done;
        }
        scratch = grown;
        merge_sort(base, count, rs, vb, scratch, tmp);
    }
    /* Each rank learns its record; each record then holds its entry. */
    for (uint64_t i = 0; i < n; i++) {
        uint32_t rank;
        memcpy(&rank, rec + i * rs + vb, 4);
        slot[rank] = (uint32_t)i;
        memcpy(rec + i * rs + vb, &tv->entry[rank], 4);
    }
    st = vg_writer_section(w, section_id(SEC_EXACT_DIR, type, segment, 0), dir,
                           (buckets + 1) * 4, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_EXACT_REC, type, segment, 0), rec, n * rs,
                               err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_EXACT_SLOT, type, segment, 0), slot, n * 4,
                               err);
done:
    free(dir);
    free(cursor);
    free(slot);
    free(rec);
    free(scratch);
    return st;
}

/* ---- Hamming-distance hashes: 16 tables, two per pair of 16-bit parts
 * (docs/match.md) ---- */

typedef struct ham_scratch {
    uint32_t *pair;    /* the pair's 32 bits of every hash (a | b << 16), in rank order */
    uint64_t *spare;   /* bucket half << 48 | inline half << 32 | rank, by inline half */
    uint16_t *inl;     /* the table's inline halves, in table order */
    uint8_t *pos;      /* table A: the rank at each position, pos_bytes each */
    uint32_t *start_a; /* 65537: where each value of a starts in an order by a */
    uint32_t *start_b;
    uint32_t *cursor;
} ham_scratch;

/* The pair's values and where each value of a and of b starts when the
 * ranks are ordered by it. */
static void load_pair(ham_scratch *s, const uint8_t *hashes, uint64_t n, unsigned pair)
{
    memset(s->start_a, 0, (HAM_BUCKETS + 1) * 4);
    memset(s->start_b, 0, (HAM_BUCKETS + 1) * 4);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, hashes + i * HAM_BYTES + 4 * pair, 4);
        s->pair[i] = v;
        s->start_a[(v & 0xFFFF) + 1]++;
        s->start_b[(v >> 16) + 1]++;
    }
    for (uint32_t k = 0; k < HAM_BUCKETS; k++) {
        s->start_a[k + 1] += s->start_a[k];
        s->start_b[k + 1] += s->start_b[k];
    }
}

/* Order the ranks by (key half, inline half), two stable counting passes
 * (the inline half, then the key half), and lay out the table: the inline
 * halves and, for table A, the ranks. Table A's key is a, B's is b. */
static void sort_table(ham_scratch *s, uint64_t n, bool table_b, unsigned pos_bytes)
{
    const uint32_t *key_start = table_b ? s->start_b : s->start_a;
    const uint32_t *inline_start = table_b ? s->start_a : s->start_b;
    memcpy(s->cursor, inline_start, HAM_BUCKETS * 4);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = s->pair[i];
        uint64_t key = table_b ? v >> 16 : v & 0xFFFF, inl = table_b ? v & 0xFFFF : v >> 16;
        s->spare[s->cursor[inl]++] = key << 48 | inl << 32 | i;
    }
    memcpy(s->cursor, key_start, HAM_BUCKETS * 4);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t item = s->spare[i];
        uint32_t at = s->cursor[item >> 48]++;
        s->inl[at] = (uint16_t)(item >> 32);
        if (table_b)
            continue;
        uint8_t *p = s->pos + (uint64_t)at * pos_bytes;
        p[0] = (uint8_t)item;
        p[1] = (uint8_t)(item >> 8);
        p[2] = (uint8_t)(item >> 16);
        if (pos_bytes == 4)
            p[3] = (uint8_t)(item >> 24);
    }
}

static vg_status write_hamming(vg_index_builder *b, vg_writer *w, unsigned segment,
                               vg_signal_type type, type_meta *tm, vg_error *err)
{
    typed_values *tv = &b->typed[type];
    uint64_t n = tv->count;
    vg_status st = vg_writer_section(w, section_id(SEC_HAM_HASH, type, segment, 0), tv->values,
                                     n * HAM_BYTES, err);
    if (st != VG_OK || n < b->pdq_multi_min || n == 0) {
        tm->structure = STRUCT_HAMMING_SCAN;
        return st;
    }
    unsigned pos_bytes = n <= (1u << 24) ? 3 : 4;
    tm->structure = STRUCT_HAMMING_TABLES;
    tm->param = pos_bytes;
    ham_scratch s = {.pair = malloc(n * 4), .spare = malloc(n * 8), .inl = malloc(n * 2),
                     .pos = malloc(n * pos_bytes), .start_a = malloc((HAM_BUCKETS + 1) * 4),
                     .start_b = malloc((HAM_BUCKETS + 1) * 4),
                     .cursor = malloc(HAM_BUCKETS * 4)};
    if (!s.pair || !s.spare || !s.inl || !s.pos || !s.start_a || !s.start_b || !s.cursor)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory building the %s index",
                          vg_signal_type_name(type));
    index_advise_huge(s.pair, n * 4);
    index_advise_huge(s.spare, n * 8);
    index_advise_huge(s.inl, n * 2);
    index_advise_huge(s.pos, n * pos_bytes);
    for (unsigned pair = 0; st == VG_OK && pair < HAM_PAIRS; pair++) {
        load_pair(&s, tv->values, n, pair);
        for (unsigned side = 0; st == VG_OK && side < 2; side++) {
            unsigned table = 2 * pair + side;
            sort_table(&s, n, side == 1, pos_bytes);
            st = vg_writer_section(w, section_id(SEC_HAM_DIR, type, segment, table),
                                   side ? s.start_b : s.start_a, (HAM_BUCKETS + 1) * 4, err);
            if (st == VG_OK)
                st = vg_writer_section(w, section_id(SEC_HAM_INLINE, type, segment, table),
                                       s.inl, n * 2, err);
            if (st == VG_OK && side == 0) /* table B finds its entries through table A */
                st = vg_writer_section(w, section_id(SEC_HAM_POS, type, segment, pair), s.pos,
                                       n * pos_bytes, err);
        }
    }
    free(s.pair);
    free(s.spare);
    free(s.inl);
    free(s.pos);
    free(s.start_a);
    free(s.start_b);
    free(s.cursor);
    return st;
}

/* ---- patch sets: the encoded sets by rank, and the inverted index of
 * their patches (vigie/patch.h) with ranks as picture numbers ---- */

static vg_status write_patch(vg_index_builder *b, vg_writer *w, unsigned segment,
                             vg_signal_type type, type_meta *tm, vg_error *err)
{
    typed_values *tv = &b->typed[type];
    uint64_t n = tv->count, zero = 0;
    const uint64_t *offsets = n ? tv->offset : &zero;
    vg_status st = vg_writer_section(w, section_id(SEC_PATCH_OFFSETS, type, segment, 0), offsets,
                                     (n + 1) * 8, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_PATCH_VALUES, type, segment, 0), tv->values,
                               tv->values_len, err);
    vg_patch_index_builder *pb = NULL;
    vg_patch_index ix;
    if (st == VG_OK)
        st = vg_patch_index_builder_new(&pb, err);
    if (st == VG_OK)
        st = vg_patch_index_builder_reserve(pb, tv->values_len / VG_PATCHSET_RECORD_BYTES, err);
    for (uint64_t r = 0; st == VG_OK && r < n; r++) {
        vg_patchset set;
        st = vg_patchset_decode(tv->values + tv->offset[r], tv->offset[r + 1] - tv->offset[r],
                                &set, err);
        if (st == VG_OK)
            st = vg_patch_index_builder_add(pb, (uint32_t)r, &set, err);
    }
    if (st == VG_OK)
        st = vg_patch_index_builder_finish(pb, &ix, err);
    if (st == VG_OK) {
        tm->structure = STRUCT_PATCH;
        tm->param = ix.key_bits;
        st = vg_writer_section(w, section_id(SEC_PATCH_DIR, type, segment, 0), ix.directory,
                               ((1ull << ix.key_bits) + 1) * 4, err);
    }
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_PATCH_ENTRIES, type, segment, 0), ix.entries,
                               ix.count * sizeof *ix.entries, err);
    vg_patch_index_builder_free(pb);
    return st;
}

vg_status vg_builder_write_segment(vg_index_builder *b, vg_writer *w, unsigned segment,
                                   uint64_t entry_base, vg_error *err)
{
    b->consumed = true;
    seg_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.entry_base = entry_base;
    meta.videos = b->videos;
    meta.frames = b->frames;
    vg_status st = entry_builder_write(&b->entries, w, segment, &meta, err);
    for (int t = 0; st == VG_OK && t < INDEX_TYPES; t++) {
        type_meta *tm = &meta.types[t];
        tm->count = b->typed[t].count;
        switch (index_family_of((vg_signal_type)t)) {
        case FAMILY_EXACT:
            st = write_exact(b, w, segment, (vg_signal_type)t, tm, err);
            break;
        case FAMILY_HAMMING:
            st = write_hamming(b, w, segment, (vg_signal_type)t, tm, err);
            break;
        case FAMILY_PATCH:
            st = write_patch(b, w, segment, (vg_signal_type)t, tm, err);
            break;
        }
    }
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_SEG_META, 0, segment, 0), &meta, sizeof meta,
                               err);
    if (st == VG_OK && b->videos) {
        uint64_t n = b->entries.count;
        if (!reserve_links(b, n + 1))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory for video frames");
        else
            st = vg_writer_section(w, section_id(SEC_VIDEO, 0, segment, 0), b->video, n * 4,
                                   err);
    }
    return st;
}

vg_status vg_index_builder_write(vg_index_builder *b, const char *path, vg_error *err)
{
    if (b->consumed)
        return vg_error_set(err, VG_ERR_INVALID, "index builder already written");
    vg_writer *w = NULL;
    vg_status st = vg_writer_open(path, &w, err);
    if (st != VG_OK)
        return st;
    file_meta fm;
    memset(&fm, 0, sizeof fm);
    fm.segments = 1;
    fm.banks = b->bank_count;
    fm.entries = b->entries.count;
    st = vg_writer_section(w, section_id(SEC_FILE_META, 0, 0, 0), &fm, sizeof fm, err);
    if (st == VG_OK)
        st = vg_builder_write_banks(b, w, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_TOMBSTONES, 0, 0, 0), NULL, 0, err);
    if (st == VG_OK)
        st = vg_builder_write_segment(b, w, 0, 0, err);
    if (st != VG_OK) {
        vg_writer_abort(w);
        return st;
    }
    return vg_writer_commit(w, err);
}
