/*
 * Writing: the writer that groups bank rows sharing an id before handing
 * them to the format (te.c, vics.c, ncmec.c, stopncii.c), and the
 * conversion of a whole bank file. What the formats use to write is in
 * common.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_internal.h"
#include "vigie/digest.h"

vg_status vg_exchange_writer_new(vg_exchange_format format, const char *columns,
                                 size_t columns_len, const vg_exchange_write_options *opts,
                                 const vg_exchange_sink *sink, vg_exchange_writer **out,
                                 vg_error *err)
{
    *out = NULL;
    if ((unsigned)format >= VG_EXCHANGE_FORMAT_COUNT || !sink || !sink->write)
        return vg_error_set(err, VG_ERR_INVALID, "exchange writer: bad format or sink");
    vg_exchange_writer *w = calloc(1, sizeof *w);
    if (!w)
        return vg_error_set(err, VG_ERR_NOMEM, "exchange writer: out of memory");
    w->format = format;
    w->sink = *sink;
    if (opts) {
        w->opts = *opts;
        if (opts->categories) {
            w->categories = *opts->categories;
            w->has_categories = true;
        }
    }
    w->opts.categories = NULL;
    size_t count;
    const char *const *names = vg_exchange_columns(format, &count);
    for (size_t i = 0; i < WRITER_KNOWN_MAX; i++)
        w->known[i] = -1;
    int index = 0;
    for (size_t at = 0; columns && at < columns_len; index++) {
        const char *name = columns + at;
        size_t len = strnlen(name, columns_len - at);
        for (size_t i = 0; i < count && i < WRITER_KNOWN_MAX; i++)
            if (w->known[i] < 0 && exchange_equals_nocase(name, len, names[i]))
                w->known[i] = index;
        at += len + 1;
    }
    w->bank_columns = (size_t)index;
    *out = w;
    return VG_OK;
}

/* What each format writes at the start, for a group of rows, and at the end. */
typedef struct writer_ops {
    vg_status (*start)(vg_exchange_writer *w, vg_error *err);
    vg_status (*group)(vg_exchange_writer *w, vg_error *err);
    vg_status (*end)(vg_exchange_writer *w, vg_error *err);
} writer_ops;

static const writer_ops format_ops[VG_EXCHANGE_FORMAT_COUNT] = {
    [VG_EXCHANGE_TE] = {NULL, te_write_group, NULL},
    [VG_EXCHANGE_VICS] = {vics_write_start, vics_write_group, vics_write_end},
    [VG_EXCHANGE_NCMEC] = {ncmec_write_start, ncmec_write_group, ncmec_write_end},
    [VG_EXCHANGE_STOPNCII] = {stopncii_write_start, stopncii_write_group, stopncii_write_end},
};

static vg_status start_document(vg_exchange_writer *w, vg_error *err)
{
    if (w->started)
        return VG_OK;
    w->started = true;
    const writer_ops *ops = &format_ops[w->format];
    return ops->start ? ops->start(w, err) : VG_OK;
}

static vg_status flush_group(vg_exchange_writer *w, vg_error *err)
{
    if (w->signal_count == 0)
        return VG_OK;
    vg_status st = start_document(w, err);
    if (st == VG_OK)
        st = format_ops[w->format].group(w, err);
    w->signal_count = 0;
    w->text_len = 0;
    return st;
}

vg_status vg_exchange_writer_row(vg_exchange_writer *w, const vg_exchange_row *row, vg_error *err)
{
    w->stats.rows++;
    bool same = w->signal_count > 0 && w->signal_count < WRITER_GROUP_MAX &&
                row->id_len == w->id_len && !memcmp(row->id, w->id, row->id_len);
    if (!same) {
        vg_status st = flush_group(w, err);
        if (st != VG_OK)
            return st;
        if (!exchange_grow(&w->id, &w->id_cap, row->id_len + 1) ||
            !exchange_grow(&w->meta, &w->meta_cap, row->metadata_len + 1))
            return vg_error_set(err, VG_ERR_NOMEM, "exchange writer: out of memory");
        memcpy(w->id, row->id, row->id_len);
        w->id[row->id_len] = '\0';
        w->id_len = row->id_len;
        memcpy(w->meta, row->metadata, row->metadata_len);
        w->meta_len = row->metadata_len;
    }
    if (row->signal_type_len >= sizeof w->signals[0].type)
        return vg_error_set(err, VG_ERR_INVALID, "exchange writer: a signal type is too long");
    if (!exchange_grow(&w->text, &w->text_cap, w->text_len + row->signal_len + 1))
        return vg_error_set(err, VG_ERR_NOMEM, "exchange writer: out of memory");
    writer_signal *s = &w->signals[w->signal_count++];
    for (size_t i = 0; i < row->signal_type_len; i++) {
        char c = row->signal_type[i];
        s->type[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    s->type[row->signal_type_len] = '\0';
    s->offset = w->text_len;
    s->len = row->signal_len;
    memcpy(w->text + w->text_len, row->signal, row->signal_len);
    w->text_len += row->signal_len;
    w->text[w->text_len++] = '\0';
    return VG_OK;
}

vg_status vg_exchange_writer_finish(vg_exchange_writer *w, vg_error *err)
{
    vg_status st = flush_group(w, err);
    if (st == VG_OK)
        st = start_document(w, err); /* an empty list is still a document */
    const writer_ops *ops = &format_ops[w->format];
    if (st == VG_OK && ops->end)
        st = ops->end(w, err);
    return st;
}

void vg_exchange_writer_get_stats(const vg_exchange_writer *w, vg_exchange_write_stats *out)
{
    *out = w->stats;
}

void vg_exchange_writer_free(vg_exchange_writer *w)
{
    if (!w)
        return;
    free(w->id);
    free(w->meta);
    free(w->text);
    free(w);
}

/* ---- a bank file into a format ------------------------------------------ */

typedef struct export_ctx {
    vg_exchange_format format;
    const vg_exchange_write_options *opts;
    const vg_exchange_sink *sink;
    vg_exchange_writer *w;
    /* ncmec: which section this pass writes (0 images, 1 videos, -1 any),
     * and the first pass's counts. */
    int only_section;
    bool counting;
    int entry_type_column;
    int timestamp_column;
    char last_id[256];
    bool have_last;
    int last_section;
    uint64_t count[2];
    int64_t max_timestamp[2];
    void (*on_bad_line)(void *ctx, uint64_t line, const char *reason);
    void *user;
} export_ctx;

static vg_status export_start(void *ctx, const vg_bank_info *info, vg_error *err)
{
    export_ctx *x = ctx;
    x->entry_type_column = x->timestamp_column = -1;
    int index = 0;
    for (size_t at = 0; at < info->columns_len; index++) {
        const char *name = info->columns + at;
        if (!strcmp(name, "entry_type"))
            x->entry_type_column = index;
        else if (!strcmp(name, "timestamp"))
            x->timestamp_column = index;
        at += strlen(name) + 1;
    }
    if (x->counting || x->w)
        return VG_OK;
    return vg_exchange_writer_new(x->format, info->columns, info->columns_len, x->opts, x->sink,
                                  &x->w, err);
}

static const char *metadata_value(const char *metadata, size_t len, int column)
{
    const char *v = metadata;
    for (int c = 0; column >= 0 && v < metadata + len; c++) {
        if (c == column)
            return v;
        v += strlen(v) + 1;
    }
    return "";
}

/* For ncmec: the section of a row, and the first pass's counting. */
static int row_section(export_ctx *x, const char *metadata, size_t metadata_len)
{
    const char *type = metadata_value(metadata, metadata_len, x->entry_type_column);
    return !strcmp(type, "video") ? 1 : 0;
}

static vg_status export_row(export_ctx *x, vg_exchange_row *row, vg_error *err)
{
    if (x->format == VG_EXCHANGE_NCMEC) {
        int section = row_section(x, row->metadata, row->metadata_len);
        if (x->counting) {
            vg_signal_type type;
            if (vg_signal_type_parse(row->signal_type, row->signal_type_len, &type) != VG_OK ||
                type == VG_SIGNAL_SHA256 || type == VG_SIGNAL_VPDQ)
                return VG_OK; /* no NCMEC fingerprint for it: no entry */
            bool same = x->have_last && section == x->last_section &&
                        strlen(x->last_id) == row->id_len &&
                        !memcmp(x->last_id, row->id, row->id_len);
            if (!same)
                x->count[section]++;
            snprintf(x->last_id, sizeof x->last_id, "%.*s", (int)row->id_len, row->id);
            x->have_last = true;
            x->last_section = section;
            int64_t t;
            const char *ts = metadata_value(row->metadata, row->metadata_len, x->timestamp_column);
            if (exchange_parse_time(ts, &t) && t > x->max_timestamp[section])
                x->max_timestamp[section] = t;
            return VG_OK;
        }
        if (section != x->only_section)
            return VG_OK;
    }
    return vg_exchange_writer_row(x->w, row, err);
}

static vg_status export_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    char hex[2 * VG_SIGNAL_MAX_BYTES + 1];
    size_t bytes = vg_signal_type_bytes(e->type);
    vg_hex_encode(e->value, bytes, hex);
    const char *type = vg_signal_type_name(e->type);
    /* a video's signal goes on as the bank wrote it */
    int video = e->type == VG_SIGNAL_VPDQ;
    vg_exchange_row row = {type, strlen(type), video ? e->signal : hex,
                           video ? e->signal_len : 2 * bytes, e->id, e->id_len,
                           e->metadata, e->metadata_len};
    return export_row(ctx, &row, err);
}

static vg_status export_other(void *ctx, const vg_bank_other_entry *e, vg_error *err)
{
    vg_exchange_row row = {e->type_name, e->type_len, e->signal, e->signal_len,
                           e->id, e->id_len, e->metadata, e->metadata_len};
    return export_row(ctx, &row, err);
}

static void export_bad(void *ctx, uint64_t line, const char *reason)
{
    export_ctx *x = ctx;
    if (x->on_bad_line && !x->counting)
        x->on_bad_line(x->user, line, reason);
}

static vg_status export_pass(export_ctx *x, const char *bank_path, const vg_bank_options *base,
                             vg_error *err)
{
    vg_bank_options opts;
    if (base)
        opts = *base;
    else
        vg_bank_options_init(&opts);
    opts.on_other_type = export_other;
    vg_bank_callbacks cb = {export_start, export_entry, export_bad, x};
    return vg_bank_parse_file(bank_path, &opts, &cb, NULL, err);
}

vg_status vg_exchange_export_bank(vg_exchange_format format, const char *bank_path,
                                  const vg_bank_options *bank_opts,
                                  const vg_exchange_write_options *opts,
                                  const vg_exchange_sink *sink,
                                  void (*on_bad_line)(void *ctx, uint64_t line,
                                                      const char *reason),
                                  void *ctx, vg_exchange_write_stats *stats, vg_error *err)
{
    vg_exchange_write_options local = {0};
    if (opts)
        local = *opts;
    export_ctx x = {.format = format, .opts = &local, .sink = sink, .only_section = -1,
                    .on_bad_line = on_bad_line, .user = ctx};
    vg_status st = VG_OK;
    if (format == VG_EXCHANGE_NCMEC) {
        /* NCMEC's sections announce their size and latest change before
         * their entries, and hold images then videos: count first. */
        x.counting = true;
        st = export_pass(&x, bank_path, bank_opts, err);
        x.counting = false;
        for (int i = 0; i < 2; i++) {
            local.ncmec_count[i] = x.count[i];
            local.ncmec_max_timestamp[i] = x.max_timestamp[i];
        }
        for (int section = 0; st == VG_OK && section < 2; section++) {
            x.only_section = section;
            if (x.count[section] || (section == 0 && !x.count[1]))
                st = export_pass(&x, bank_path, bank_opts, err);
        }
    } else {
        st = export_pass(&x, bank_path, bank_opts, err);
    }
    if (st == VG_OK && !x.w)
        st = vg_exchange_writer_new(format, NULL, 0, &local, sink, &x.w, err);
    if (st == VG_OK)
        st = vg_exchange_writer_finish(x.w, err);
    if (stats) {
        if (x.w)
            vg_exchange_writer_get_stats(x.w, stats);
        else
            *stats = (vg_exchange_write_stats){0};
    }
    vg_exchange_writer_free(x.w);
    return st;
}
