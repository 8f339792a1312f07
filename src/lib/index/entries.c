/*
 * The entry table of a segment: for every entry its type, its rank among
 * the entries of that type, its bank, id and metadata, in a compact form.
 *
 * Types are one byte per entry, with a directory of ranks every
 * VG_INDEX_RANK_BLOCK entries, so an entry's rank (where its value sits in
 * its type's structure) and the entry of a rank are found without a
 * per-entry array. Banks are runs: entries of a bank arrive together. Ids
 * are runs too: a text bank's ids are its line numbers, consecutive
 * decimal numbers that need no storage; other ids are kept in a string
 * table. Metadata is a string table, empty (no bytes at all) when no
 * entry has any. Readers bound-check everything: a damaged file gives
 * NO_ENTRY or false, never a read outside the mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "index/index_internal.h"

void index_advise_huge(void *array, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (!array || bytes < (4u << 20))
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)array + page - 1) & ~(page - 1);
    uintptr_t b = ((uintptr_t)array + bytes) & ~(page - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_HUGEPAGE); /* advice only: failure changes nothing */
#else
    (void)array;
    (void)bytes;
#endif
}

bool index_grow(void **array, uint64_t *capacity, uint64_t needed, size_t elem)
{
    if (needed <= *capacity)
        return true;
    uint64_t cap = *capacity ? *capacity : 1024;
    while (cap < needed)
        cap *= 2;
    if (cap > SIZE_MAX / elem)
        return false;
    void *p = realloc(*array, cap * elem);
    if (!p)
        return false;
    *array = p;
    *capacity = cap;
    index_advise_huge(p, cap * elem);
    return true;
}

/* ---- string tables ---- */

static bool string_add(string_builder *s, const char *str, size_t len)
{
    if (len == 0 && !s->offsets) { /* every string so far is empty: nothing to store */
        s->count++;
        return true;
    }
    uint64_t blocks = (s->count + VG_INDEX_STRING_BLOCK - 1) / VG_INDEX_STRING_BLOCK;
    if (!s->offsets) {
        /* The first non-empty string: the empty ones before it start at 0. */
        uint64_t cap = 0;
        void *p = NULL;
        if (!index_grow(&p, &cap, s->count + 1, sizeof *s->offsets))
            return false;
        s->offsets = p;
        s->offsets_cap = cap;
        memset(s->offsets, 0, s->count * sizeof *s->offsets);
        p = s->bases;
        if (!index_grow(&p, &s->bases_cap, blocks + 1, sizeof *s->bases))
            return false;
        s->bases = p;
        memset(s->bases, 0, blocks * sizeof *s->bases);
    }
    void *o = s->offsets, *b = s->bases, *y = s->bytes;
    bool ok = index_grow(&o, &s->offsets_cap, s->count + 1, sizeof *s->offsets);
    s->offsets = o;
    ok = ok && index_grow(&b, &s->bases_cap, blocks + 1, sizeof *s->bases);
    s->bases = b;
    ok = ok && index_grow(&y, &s->bytes_cap, s->bytes_len + len + 1, 1);
    s->bytes = y;
    if (!ok)
        return false;
    if (s->count % VG_INDEX_STRING_BLOCK == 0)
        s->bases[s->count / VG_INDEX_STRING_BLOCK] = s->bytes_len;
    s->offsets[s->count] = (uint32_t)(s->bytes_len - s->bases[s->count / VG_INDEX_STRING_BLOCK]);
    if (len)
        memcpy(s->bytes + s->bytes_len, str, len);
    s->bytes_len += len;
    s->count++;
    return true;
}

static vg_status string_write(const string_builder *s, vg_writer *w, unsigned kind,
                              unsigned segment, vg_error *err)
{
    /* Without bytes, every string is empty: no offsets either. */
    bool any = s->bytes_len > 0;
    uint64_t blocks = (s->count + VG_INDEX_STRING_BLOCK - 1) / VG_INDEX_STRING_BLOCK;
    vg_status st = vg_writer_section(w, section_id(kind, 0, segment, STRINGS_BASES), s->bases,
                                     any ? blocks * 8 : 0, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(kind, 0, segment, STRINGS_OFFSETS), s->offsets,
                               any ? s->count * 4 : 0, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(kind, 0, segment, STRINGS_BYTES), s->bytes,
                               s->bytes_len, err);
    return st;
}

static void string_free(string_builder *s)
{
    free(s->bases);
    free(s->offsets);
    free(s->bytes);
}

bool string_get(const string_view *s, uint64_t i, const char **str, size_t *len)
{
    if (i >= s->count)
        return false;
    if (!s->bytes_len) {
        *str = "";
        *len = 0;
        return true;
    }
    uint64_t base = s->bases[i / VG_INDEX_STRING_BLOCK];
    if (base > s->bytes_len)
        return false;
    uint64_t a = base + s->offsets[i], b = s->bytes_len;
    if (i + 1 < s->count) {
        base = s->bases[(i + 1) / VG_INDEX_STRING_BLOCK];
        if (base > s->bytes_len)
            return false;
        b = base + s->offsets[i + 1];
    }
    if (a > b || b > s->bytes_len)
        return false;
    *str = s->bytes + a;
    *len = (size_t)(b - a);
    return true;
}

/* ---- building ---- */

/* A canonical decimal number (no sign, no leading zero, at most 19 digits). */
static bool parse_decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

static bool push_id_run(entry_builder *b, uint64_t first, uint32_t kind, uint64_t value)
{
    void *p = b->id_runs;
    if (!index_grow(&p, &b->id_run_cap, b->id_run_count + 1, sizeof *b->id_runs))
        return false;
    b->id_runs = p;
    b->id_runs[b->id_run_count++] = (id_run){(uint32_t)first, kind, value};
    return true;
}

/* A decimal run of one entry costs more than the number as text: store
 * the last run's single id in the string table instead. */
static bool demote_single_decimal(entry_builder *b, uint64_t next_entry)
{
    if (!b->id_run_count)
        return true;
    id_run *last = &b->id_runs[b->id_run_count - 1];
    if (last->kind != ID_DECIMAL || next_entry - last->first != 1)
        return true;
    char text[24];
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)last->value);
    if (b->id_run_count > 1 && last[-1].kind == ID_EXPLICIT)
        b->id_run_count--; /* the explicit run before it now reaches this entry */
    else
        *last = (id_run){last->first, ID_EXPLICIT, b->ids.count};
    return string_add(&b->ids, text, (size_t)len);
}

static bool add_id(entry_builder *b, uint64_t n, const char *id, size_t len)
{
    uint64_t number;
    bool decimal = parse_decimal(id, len, &number);
    if (b->id_run_count) {
        const id_run *last = &b->id_runs[b->id_run_count - 1];
        if (decimal && last->kind == ID_DECIMAL && last->value + (n - last->first) == number)
            return true;
    }
    if (!demote_single_decimal(b, n))
        return false;
    if (decimal)
        return push_id_run(b, n, ID_DECIMAL, number);
    if (!b->id_run_count || b->id_runs[b->id_run_count - 1].kind != ID_EXPLICIT)
        if (!push_id_run(b, n, ID_EXPLICIT, b->ids.count))
            return false;
    return string_add(&b->ids, id, len);
}

void entry_builder_mark(const entry_builder *b, entry_mark *m)
{
    memset(m, 0, sizeof *m);
    m->count = b->count;
    m->bank_run_count = b->bank_run_count;
    m->id_run_count = b->id_run_count;
    if (b->id_run_count)
        m->last_id_run = b->id_runs[b->id_run_count - 1];
    m->ids_count = b->ids.count;
    m->ids_bytes = b->ids.bytes_len;
    m->meta_count = b->meta.count;
    m->meta_bytes = b->meta.bytes_len;
}

void entry_builder_rollback(entry_builder *b, const entry_mark *m)
{
    b->count = m->count;
    b->bank_run_count = m->bank_run_count;
    b->id_run_count = m->id_run_count;
    if (m->id_run_count)
        b->id_runs[m->id_run_count - 1] = m->last_id_run;
    b->ids.count = m->ids_count;
    b->ids.bytes_len = m->ids_bytes;
    b->meta.count = m->meta_count;
    b->meta.bytes_len = m->meta_bytes;
}

bool entry_builder_add(entry_builder *b, vg_signal_type type, uint32_t bank, const char *id,
                       size_t id_len, const char *metadata, size_t metadata_len)
{
    entry_mark mark;
    entry_builder_mark(b, &mark);
    uint64_t n = b->count;
    void *p = b->type;
    bool ok = index_grow(&p, &b->type_cap, n + 1, 1);
    b->type = p;
    if (ok && (!b->bank_run_count || b->bank_runs[b->bank_run_count - 1].bank != bank)) {
        p = b->bank_runs;
        ok = index_grow(&p, &b->bank_run_cap, b->bank_run_count + 1, sizeof *b->bank_runs);
        b->bank_runs = p;
        if (ok)
            b->bank_runs[b->bank_run_count++] = (bank_run){(uint32_t)n, bank};
    }
    ok = ok && add_id(b, n, id, id_len) && string_add(&b->meta, metadata, metadata_len);
    if (!ok) {
        entry_builder_rollback(b, &mark);
        return false;
    }
    b->type[n] = (uint8_t)type;
    b->count = n + 1;
    return true;
}

static vg_status write_ranks(const entry_builder *b, vg_writer *w, unsigned segment,
                             vg_error *err)
{
    uint32_t seen[INDEX_TYPES] = {0};
    vg_status st = vg_writer_begin(w, section_id(SEC_ENTRY_RANKS, 0, segment, 0), err);
    for (uint64_t i = 0; st == VG_OK && i < b->count; i++) {
        if (i % VG_INDEX_RANK_BLOCK == 0)
            st = vg_writer_append(w, seen, sizeof seen, err);
        seen[b->type[i]]++;
    }
    return st;
}

vg_status entry_builder_write(entry_builder *b, vg_writer *w, unsigned segment, seg_meta *meta,
                              vg_error *err)
{
    if (!demote_single_decimal(b, b->count))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory writing the entry table");
    meta->entries = b->count;
    meta->explicit_ids = b->ids.count;
    meta->rank_width = INDEX_TYPES;
    vg_status st = vg_writer_section(w, section_id(SEC_ENTRY_TYPE, 0, segment, 0), b->type,
                                     b->count, err);
    if (st == VG_OK)
        st = write_ranks(b, w, segment, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_BANK_RUNS, 0, segment, 0), b->bank_runs,
                               b->bank_run_count * sizeof *b->bank_runs, err);
    if (st == VG_OK)
        st = vg_writer_section(w, section_id(SEC_ID_RUNS, 0, segment, 0), b->id_runs,
                               b->id_run_count * sizeof *b->id_runs, err);
    if (st == VG_OK)
        st = string_write(&b->ids, w, SEC_ID_STRINGS, segment, err);
    if (st == VG_OK)
        st = string_write(&b->meta, w, SEC_META_STRINGS, segment, err);
    return st;
}

void entry_builder_free(entry_builder *b)
{
    free(b->type);
    free(b->bank_runs);
    free(b->id_runs);
    string_free(&b->ids);
    string_free(&b->meta);
    memset(b, 0, sizeof *b);
}

/* ---- reading ---- */

uint64_t segment_rank(const vg_segment *g, uint64_t local)
{
    if (local >= g->entries)
        return NO_ENTRY;
    uint8_t type = g->entry_type[local];
    if (type >= INDEX_TYPES)
        return NO_ENTRY;
    if (g->types[type].count == g->entries)
        return local; /* a segment of one type: rank is entry */
    uint64_t block = local / VG_INDEX_RANK_BLOCK;
    uint64_t rank = g->ranks[block * g->rank_width + type];
    for (uint64_t i = block * VG_INDEX_RANK_BLOCK; i < local; i++)
        rank += g->entry_type[i] == type;
    return rank < g->types[type].count ? rank : NO_ENTRY;
}

uint64_t segment_select(const vg_segment *g, vg_signal_type type, uint64_t rank)
{
    if ((unsigned)type >= INDEX_TYPES || rank >= g->types[type].count)
        return NO_ENTRY;
    if (g->types[type].count == g->entries)
        return rank;
    /* The last block whose first rank is <= rank, then a scan inside it. */
    uint64_t blocks = (g->entries + VG_INDEX_RANK_BLOCK - 1) / VG_INDEX_RANK_BLOCK;
    uint64_t lo = 0, hi = blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (g->ranks[mid * g->rank_width + type] <= rank)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t seen = g->ranks[lo * g->rank_width + type];
    uint64_t end = (lo + 1) * VG_INDEX_RANK_BLOCK;
    for (uint64_t i = lo * VG_INDEX_RANK_BLOCK; seen <= rank && i < end && i < g->entries; i++)
        if (g->entry_type[i] == type && seen++ == rank)
            return i;
    return NO_ENTRY;
}

uint32_t segment_bank(const vg_segment *g, uint64_t local)
{
    uint64_t lo = 0, hi = g->bank_run_count;
    if (!hi)
        return UINT32_MAX;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (g->bank_runs[mid].first <= local)
            lo = mid;
        else
            hi = mid;
    }
    return g->bank_runs[lo].bank;
}

bool segment_id(const vg_segment *g, uint64_t local, char buf[24], const char **id, size_t *len)
{
    uint64_t lo = 0, hi = g->id_run_count;
    if (!hi)
        return false;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (g->id_runs[mid].first <= local)
            lo = mid;
        else
            hi = mid;
    }
    const id_run *run = &g->id_runs[lo];
    if (run->first > local)
        return false;
    uint64_t value = run->value + (local - run->first);
    if (run->kind == ID_DECIMAL) {
        *len = (size_t)snprintf(buf, 24, "%llu", (unsigned long long)value);
        *id = buf;
        return true;
    }
    return run->kind == ID_EXPLICIT && string_get(&g->ids, value, id, len);
}

static vg_status verify_strings(const vg_index *x, const string_view *s, const char *what,
                                vg_error *err)
{
    if (!s->bytes_len)
        return VG_OK;
    uint64_t previous = 0;
    for (uint64_t i = 0; i < s->count; i++) {
        uint64_t start = s->bases[i / VG_INDEX_STRING_BLOCK] + s->offsets[i];
        if ((i == 0 && start != 0) || start < previous || start > s->bytes_len)
            return vg_error_set(err, VG_ERR_CORRUPT, "%s: corrupt index: the %s table is "
                                "inconsistent", x->path, what);
        previous = start;
    }
    return VG_OK;
}

static vg_status inconsistent(const vg_index *x, const char *what, vg_error *err)
{
    return vg_error_set(err, VG_ERR_CORRUPT, "%s: corrupt index: %s", x->path, what);
}

vg_status segment_verify_entries(const vg_index *x, const vg_segment *g, vg_error *err)
{
    uint64_t seen[INDEX_TYPES] = {0};
    for (uint64_t i = 0; i < g->entries; i++) {
        uint8_t type = g->entry_type[i];
        if (type >= INDEX_TYPES)
            return inconsistent(x, "an entry has an unknown signal type", err);
        if (i % VG_INDEX_RANK_BLOCK == 0)
            for (unsigned t = 0; t < INDEX_TYPES; t++)
                if (g->ranks[i / VG_INDEX_RANK_BLOCK * g->rank_width + t] != seen[t])
                    return inconsistent(x, "the rank directory is inconsistent", err);
        seen[type]++;
    }
    for (unsigned t = 0; t < INDEX_TYPES; t++)
        if (seen[t] != g->types[t].count)
            return inconsistent(x, "the entry types do not match the type counts", err);
    for (uint64_t r = 0; r < g->bank_run_count; r++) {
        const bank_run *run = &g->bank_runs[r];
        if ((r == 0 && run->first != 0) || (r > 0 && run->first <= run[-1].first) ||
            run->first >= g->entries || run->bank >= x->bank_count)
            return inconsistent(x, "the bank runs are inconsistent", err);
    }
    if (g->entries && !g->bank_run_count)
        return inconsistent(x, "the bank runs are missing", err);
    for (uint64_t r = 0; r < g->id_run_count; r++) {
        const id_run *run = &g->id_runs[r];
        uint64_t end = r + 1 < g->id_run_count ? run[1].first : g->entries;
        if ((r == 0 && run->first != 0) || end <= run->first || end > g->entries ||
            run->kind > ID_DECIMAL ||
            (run->kind == ID_EXPLICIT &&
             (run->value > g->ids.count || end - run->first > g->ids.count - run->value)))
            return inconsistent(x, "the id runs are inconsistent", err);
    }
    if (g->entries && !g->id_run_count)
        return inconsistent(x, "the id runs are missing", err);
    vg_status st = verify_strings(x, &g->ids, "id", err);
    if (st == VG_OK)
        st = verify_strings(x, &g->meta, "metadata", err);
    return st;
}
