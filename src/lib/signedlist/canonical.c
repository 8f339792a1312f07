/*
 * The canonical form of a bank (see vigie/signedlist.h): every entry as a
 * normalised CSV line, sorted and without duplicates. Lines are gathered
 * up to a memory budget, sorted and written as a run; runs are then merged.
 * Runs are plain line files beside the output, removed afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signedlist_internal.h"
#include "vigie/digest.h"
#include "vigie/exchange.h"

#define DEFAULT_BUDGET ((size_t)256 << 20)
#define MAX_RUNS 512

typedef struct lineref {
    size_t offset;
    size_t len;
} lineref;

typedef struct canon {
    const char *out_path;
    const char *temp_dir;
    size_t budget;
    char *arena;
    size_t arena_len, arena_cap;
    lineref *lines;
    size_t line_count, line_cap;
    char *header;
    size_t header_len;
    char *runs[MAX_RUNS];
    size_t run_count;
    uint64_t duplicates;
    vg_error *err;
} canon;

static vg_status arena_write(void *ctx, const void *data, size_t len, vg_error *err)
{
    canon *c = ctx;
    if (c->arena_len + len > c->arena_cap) {
        size_t cap = c->arena_cap ? c->arena_cap : 1 << 20;
        while (cap < c->arena_len + len)
            cap *= 2;
        char *grown = realloc(c->arena, cap);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "canonical form: out of memory");
        c->arena = grown;
        c->arena_cap = cap;
    }
    memcpy(c->arena + c->arena_len, data, len);
    c->arena_len += len;
    return VG_OK;
}

/* qsort has no context argument; the arena is passed through a
 * thread-local so that canonicalisations may run in parallel. */
static _Thread_local const char *tls_arena;

static int compare_refs(const void *a, const void *b)
{
    const lineref *x = a, *y = b;
    return line_compare(tls_arena + x->offset, x->len, tls_arena + y->offset, y->len);
}

static void sort_lines(canon *c)
{
    tls_arena = c->arena;
    qsort(c->lines, c->line_count, sizeof *c->lines, compare_refs);
}

/* Write the sorted lines held in memory, without duplicates. */
static void emit_sorted(canon *c, lwriter *w)
{
    const char *prev = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < c->line_count; i++) {
        const char *line = c->arena + c->lines[i].offset;
        size_t len = c->lines[i].len;
        if (prev && line_compare(prev, prev_len, line, len) == 0) {
            c->duplicates++;
            continue;
        }
        lwriter_line(w, line, len);
        prev = line;
        prev_len = len;
    }
}

static vg_status spill(canon *c)
{
    if (c->run_count == MAX_RUNS)
        return vg_error_set(c->err, VG_ERR_TOO_LARGE,
                            "%s: the list needs more than %d sorted runs; give the sort more "
                            "memory",
                            c->out_path, MAX_RUNS);
    char path[4096];
    const char *dir = c->temp_dir;
    if (dir)
        snprintf(path, sizeof path, "%s/vigie-run-%zu", dir, c->run_count);
    else
        snprintf(path, sizeof path, "%s.run-%zu", c->out_path, c->run_count);
    sort_lines(c);
    lwriter w;
    vg_status st = lwriter_open(&w, path, c->err);
    if (st != VG_OK)
        return st;
    w.scratch = true;
    emit_sorted(c, &w);
    st = lwriter_commit(&w, NULL, c->err);
    if (st != VG_OK)
        return st;
    c->runs[c->run_count] = strdup(path);
    if (!c->runs[c->run_count]) {
        unlink(path);
        return vg_error_set(c->err, VG_ERR_NOMEM, "canonical form: out of memory");
    }
    c->run_count++;
    c->arena_len = 0;
    c->line_count = 0;
    return VG_OK;
}

static vg_status add_line(canon *c, size_t start, vg_error *err)
{
    if (c->line_count == c->line_cap) {
        size_t cap = c->line_cap ? c->line_cap * 2 : 65536;
        lineref *grown = realloc(c->lines, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "canonical form: out of memory");
        c->lines = grown;
        c->line_cap = cap;
    }
    c->lines[c->line_count++] = (lineref){start, c->arena_len - start};
    if (c->arena_len + c->line_count * sizeof(lineref) > c->budget)
        return spill(c);
    return VG_OK;
}

/* One entry as a canonical line: type, signal, id and metadata values. */
static vg_status entry_line(canon *c, const char *type, size_t type_len, const char *signal,
                            size_t signal_len, const char *id, size_t id_len,
                            const char *metadata, size_t metadata_len, vg_error *err)
{
    vg_exchange_sink sink = {arena_write, c};
    size_t start = c->arena_len;
    char lower[64];
    if (type_len >= sizeof lower)
        return vg_error_set(err, VG_ERR_INVALID, "canonical form: a signal type is too long");
    for (size_t i = 0; i < type_len; i++)
        lower[i] = type[i] >= 'A' && type[i] <= 'Z' ? (char)(type[i] + 32) : type[i];
    vg_status st = vg_exchange_csv_field(lower, type_len, &sink, err);
    if (st == VG_OK)
        st = arena_write(c, ",", 1, err);
    if (st == VG_OK)
        st = vg_exchange_csv_field(signal, signal_len, &sink, err);
    if (st == VG_OK)
        st = arena_write(c, ",", 1, err);
    if (st == VG_OK)
        st = vg_exchange_csv_field(id, id_len, &sink, err);
    for (size_t at = 0; st == VG_OK && at < metadata_len;) {
        size_t n = strnlen(metadata + at, metadata_len - at);
        st = arena_write(c, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(metadata + at, n, &sink, err);
        at += n + 1;
    }
    return st == VG_OK ? add_line(c, start, err) : st;
}

static vg_status on_start(void *ctx, const vg_bank_info *info, vg_error *err)
{
    canon *c = ctx;
    vg_exchange_sink sink = {arena_write, c};
    vg_status st = arena_write(c, "signal_type,signal,id", 21, err);
    for (size_t at = 0; st == VG_OK && at < info->columns_len;) {
        size_t n = strnlen(info->columns + at, info->columns_len - at);
        st = arena_write(c, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(info->columns + at, n, &sink, err);
        at += n + 1;
    }
    if (st != VG_OK)
        return st;
    c->header = malloc(c->arena_len);
    if (!c->header)
        return vg_error_set(err, VG_ERR_NOMEM, "canonical form: out of memory");
    memcpy(c->header, c->arena, c->arena_len);
    c->header_len = c->arena_len;
    c->arena_len = 0;
    return VG_OK;
}

static vg_status on_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    char hex[2 * VG_SIGNAL_MAX_BYTES + 1];
    size_t bytes = vg_signal_type_bytes(e->type);
    vg_hex_encode(e->value, bytes, hex);
    const char *type = vg_signal_type_name(e->type);
    /* a video's signal goes on as the bank wrote it */
    int video = e->type == VG_SIGNAL_VPDQ;
    return entry_line(ctx, type, strlen(type), video ? e->signal : hex,
                      video ? e->signal_len : 2 * bytes, e->id, e->id_len, e->metadata,
                      e->metadata_len, err);
}

static vg_status on_other(void *ctx, const vg_bank_other_entry *e, vg_error *err)
{
    return entry_line(ctx, e->type_name, e->type_len, e->signal, e->signal_len, e->id, e->id_len,
                      e->metadata, e->metadata_len, err);
}

/* Merge the runs into w, without duplicates. */
static vg_status merge_runs(canon *c, lwriter *w)
{
    lreader *readers = calloc(c->run_count, sizeof *readers);
    const char **heads = calloc(c->run_count, sizeof *heads);
    size_t *lens = calloc(c->run_count, sizeof *lens);
    char *prev = NULL;
    size_t prev_len = 0, prev_cap = 0;
    vg_status st = VG_OK;
    if (!readers || !heads || !lens) {
        st = vg_error_set(c->err, VG_ERR_NOMEM, "canonical form: out of memory");
        goto done;
    }
    for (size_t i = 0; st == VG_OK && i < c->run_count; i++) {
        st = lreader_open(&readers[i], c->runs[i], c->err);
        bool got = false;
        if (st == VG_OK)
            st = lreader_next(&readers[i], &heads[i], &lens[i], &got, c->err);
        if (!got)
            heads[i] = NULL;
    }
    while (st == VG_OK) {
        size_t best = c->run_count;
        for (size_t i = 0; i < c->run_count; i++)
            if (heads[i] && (best == c->run_count ||
                             line_compare(heads[i], lens[i], heads[best], lens[best]) < 0))
                best = i;
        if (best == c->run_count)
            break;
        if (prev && line_compare(prev, prev_len, heads[best], lens[best]) == 0) {
            c->duplicates++;
        } else {
            lwriter_line(w, heads[best], lens[best]);
            if (lens[best] > prev_cap) {
                char *grown = realloc(prev, lens[best]);
                if (!grown) {
                    st = vg_error_set(c->err, VG_ERR_NOMEM, "canonical form: out of memory");
                    break;
                }
                prev = grown;
                prev_cap = lens[best];
            }
            memcpy(prev, heads[best], lens[best]);
            prev_len = lens[best];
        }
        bool got = false;
        st = lreader_next(&readers[best], &heads[best], &lens[best], &got, c->err);
        if (!got)
            heads[best] = NULL;
    }
done:
    for (size_t i = 0; readers && i < c->run_count; i++)
        lreader_close(&readers[i]);
    free(readers);
    free(heads);
    free(lens);
    free(prev);
    return st;
}

vg_status vg_signed_canonicalize(const char *bank_path, const vg_bank_options *bank_opts,
                                 const char *out_path, const vg_signed_sort_options *sort,
                                 vg_signed_list_info *info, vg_error *err)
{
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libsodium cannot start");
    canon c = {.out_path = out_path, .err = err, .budget = DEFAULT_BUDGET};
    if (sort && sort->memory_bytes)
        c.budget = sort->memory_bytes < (1 << 16) ? 1 << 16 : sort->memory_bytes;
    if (sort)
        c.temp_dir = sort->temp_dir;
    vg_bank_options opts;
    if (bank_opts)
        opts = *bank_opts;
    else
        vg_bank_options_init(&opts);
    opts.on_other_type = on_other;
    vg_bank_callbacks cb = {on_start, on_entry, NULL, &c};
    vg_status st = vg_bank_parse_file(bank_path, &opts, &cb, NULL, err);
    if (st == VG_OK && !c.header)
        st = on_start(&c, &(vg_bank_info){0}, err);
    lwriter w = {0};
    if (st == VG_OK && c.run_count && c.line_count)
        st = spill(&c);
    if (st == VG_OK)
        st = lwriter_open(&w, out_path, err);
    if (st == VG_OK) {
        lwriter_line(&w, c.header, c.header_len);
        if (c.run_count) {
            st = merge_runs(&c, &w);
        } else {
            sort_lines(&c);
            emit_sorted(&c, &w);
        }
        uint8_t digest[32];
        uint64_t entries = w.lines - 1;
        if (st == VG_OK)
            st = lwriter_commit(&w, digest, err);
        else
            lwriter_abort(&w);
        if (st == VG_OK && info) {
            info->entries = entries;
            info->duplicates = c.duplicates;
            memcpy(info->sha256, digest, 32);
        }
    }
    for (size_t i = 0; i < c.run_count; i++) {
        unlink(c.runs[i]);
        free(c.runs[i]);
    }
    free(c.arena);
    free(c.lines);
    free(c.header);
    return st;
}
