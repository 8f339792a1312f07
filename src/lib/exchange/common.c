/*
 * What every format's reader and writer uses (exchange_internal.h): the
 * formats' names and metadata columns, words
 * and times as the formats spell them, signals checked and normalised,
 * records handed to the caller, sinks, vigie CSV lines, and the writer's
 * current group. The format files call these; these call no format file,
 * so the dispatchers (exchange.c, writer.c) and the formats never call
 * each other in a circle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange_internal.h"
#include "vigie/digest.h"

static const char *const format_names[VG_EXCHANGE_FORMAT_COUNT] = {"te", "vics", "ncmec",
                                                                     "stopncii"};

const char *vg_exchange_format_name(vg_exchange_format format)
{
    return (unsigned)format < VG_EXCHANGE_FORMAT_COUNT ? format_names[format] : "unknown";
}

vg_status vg_exchange_format_parse(const char *name, vg_exchange_format *out)
{
    for (int f = 0; f < VG_EXCHANGE_FORMAT_COUNT; f++) {
        if (!strcmp(name, format_names[f])) {
            *out = (vg_exchange_format)f;
            return VG_OK;
        }
    }
    return VG_ERR_INVALID;
}

static const char *const te_columns[] = {"te_type"};
static const char *const vics_columns[] = {"vics_category",      "legal",
                                           "severity",           "series",
                                           "victim_identified",  "offender_identified",
                                           "is_distributed",     "media_size"};
static const char *const ncmec_columns[] = {"entry_type", "classification", "member_id", "member",
                                            "timestamp",  "upvotes",        "downvotes"};
static const char *const stopncii_columns[] = {"hash_status", "last_modified", "cases", "blocked",
                                               "not_blocked"};

const char *const *vg_exchange_columns(vg_exchange_format format, size_t *count)
{
#define COLUMNS(a) (*count = sizeof a / sizeof a[0], a)
    switch (format) {
    case VG_EXCHANGE_TE: return COLUMNS(te_columns);
    case VG_EXCHANGE_VICS: return COLUMNS(vics_columns);
    case VG_EXCHANGE_NCMEC: return COLUMNS(ncmec_columns);
    case VG_EXCHANGE_STOPNCII: return COLUMNS(stopncii_columns);
    case VG_EXCHANGE_FORMAT_COUNT: break;
    }
#undef COLUMNS
    *count = 0;
    return NULL;
}


bool exchange_equals_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        char b = word[i] >= 'A' && word[i] <= 'Z' ? (char)(word[i] + 32) : word[i];
        if (a != b)
            return false;
    }
    return true;
}

bool exchange_parse_time(const char *text, int64_t *out)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return false;
    const char *rest = text + n;
    if (*rest == '.') {
        rest++;
        if (*rest < '0' || *rest > '9')
            return false;
        while (*rest >= '0' && *rest <= '9')
            rest++;
    }
    if (strcmp(rest, "Z") != 0 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    *out = (int64_t)timegm(&tm);
    return true;
}

void exchange_format_time(int64_t seconds, char out[32])
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool exchange_hex_signal(vg_signal_type type, const char *text, size_t len, char *out)
{
    size_t bytes = vg_signal_type_bytes(type);
    if (bytes == 0 || len != 2 * bytes)
        return false;
    for (size_t i = 0; i < len; i++) {
        int v = vg_hex_value(text[i]);
        if (v < 0)
            return false;
        out[i] = "0123456789abcdef"[v];
    }
    out[len] = '\0';
    return true;
}

/* One frame of a vpdq hash: "pdq_hex,quality,seconds". */
static bool vpdq_frame(const char *s, size_t len, char *out, size_t *used, const char **why)
{
    if (len < 64 + 4 || s[64] != ',') {
        *why = "a vpdq frame is not \"pdq_hex,quality,seconds\"";
        return false;
    }
    if (!exchange_hex_signal(VG_SIGNAL_PDQ, s, 64, out)) {
        *why = "a vpdq frame's PDQ hash is not 64 hex digits";
        return false;
    }
    size_t i = 65, q = 0;
    unsigned quality = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && q < 3) {
        quality = quality * 10 + (unsigned)(s[i] - '0');
        i++, q++;
    }
    if (q == 0 || quality > 100 || i >= len || s[i] != ',') {
        *why = "a vpdq frame's quality is not a number from 0 to 100";
        return false;
    }
    size_t t = ++i, digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0 || i != len || len - t > 24) {
        *why = "a vpdq frame's time is not a non-negative number of seconds";
        return false;
    }
    memcpy(out + 64, s + 64, len - 64);
    *used = len;
    return true;
}

bool exchange_vpdq_signal(const char *text, size_t len, char *out, size_t cap, const char **why)
{
    size_t i = 0, n = 0, frames = 0;
#define SKIP_SPACE() while (i < len && (text[i] == ' ' || text[i] == '\t')) i++
    SKIP_SPACE();
    if (i == len || text[i] != '[') {
        *why = "a vpdq hash is not a JSON array of frames";
        return false;
    }
    i++;
    if (cap < 3)
        goto too_long;
    out[n++] = '[';
    for (;;) {
        SKIP_SPACE();
        if (i < len && text[i] == ']' && frames == 0)
            break;
        if (i == len || text[i] != '"') {
            *why = "a vpdq hash is not a JSON array of frames";
            return false;
        }
        const char *start = text + ++i;
        const char *close = memchr(start, '"', len - i);
        if (!close) {
            *why = "a vpdq frame is not terminated";
            return false;
        }
        size_t flen = (size_t)(close - start);
        if (n + flen + 4 > cap)
            goto too_long;
        if (frames)
            out[n++] = ',';
        out[n++] = '"';
        size_t used = 0;
        if (!vpdq_frame(start, flen, out + n, &used, why))
            return false;
        n += used;
        out[n++] = '"';
        frames++;
        i += flen + 1;
        SKIP_SPACE();
        if (i < len && text[i] == ',') {
            i++;
            continue;
        }
        if (i < len && text[i] == ']')
            break;
        *why = "a vpdq hash is not a JSON array of frames";
        return false;
    }
    i++;
    SKIP_SPACE();
#undef SKIP_SPACE
    if (i != len) {
        *why = "text after a vpdq hash";
        return false;
    }
    if (frames == 0) {
        *why = "a vpdq hash without frames";
        return false;
    }
    out[n++] = ']';
    out[n] = '\0';
    return true;
too_long:
    *why = "a vpdq hash longer than the limit";
    return false;
}

/* ---- reader plumbing ----------------------------------------------------- */

void vg_exchange_read_options_init(vg_exchange_read_options *opts)
{
    *opts = (vg_exchange_read_options){0};
}

void exchange_bad(exchange_reader *r, uint64_t position, const char *fmt, ...)
{
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (r->stats.bad++ == 0) {
        r->first_bad_at = position;
        snprintf(r->first_bad, sizeof r->first_bad, "%s", reason);
    }
    if (r->cb->on_bad)
        r->cb->on_bad(r->cb->ctx, position, reason);
}

void exchange_unsupported(exchange_reader *r, const char *type_name)
{
    r->stats.unsupported++;
    if (r->cb->on_unsupported)
        r->cb->on_unsupported(r->cb->ctx, type_name);
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* A copy of s with control characters as spaces: a value may hold a line
 * end in XML or JSON, but a bank row is one line. */
static const char *without_controls(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
    out[n] = '\0';
    return out;
}

vg_status exchange_deliver(exchange_reader *r, const vg_exchange_record *record, vg_error *err)
{
    size_t count;
    vg_exchange_columns(r->format, &count);
    bool controls = has_control(record->id);
    for (size_t i = 0; i < count && !controls; i++)
        controls = has_control(record->values[i]);
    if (controls) {
        char id[512], values[8][1024];
        const char *clean[8];
        vg_exchange_record copy = *record;
        copy.id = without_controls(record->id, id, sizeof id);
        for (size_t i = 0; i < count && i < 8; i++)
            clean[i] = without_controls(record->values[i], values[i], sizeof values[i]);
        copy.values = clean;
        vg_status st = r->cb->on_record(r->cb->ctx, &copy, err);
        if (st == VG_OK) {
            r->stats.records++;
            r->stats.removals += record->removed;
        }
        return st;
    }
    vg_status st = r->cb->on_record(r->cb->ctx, record, err);
    if (st == VG_OK) {
        r->stats.records++;
        if (record->removed)
            r->stats.removals++;
    }
    return st;
}

/* ---- sinks ---------------------------------------------------------------- */

vg_status sink_put(const vg_exchange_sink *sink, const char *text, size_t len, vg_error *err)
{
    return len ? sink->write(sink->ctx, text, len, err) : VG_OK;
}

vg_status sink_puts(const vg_exchange_sink *sink, const char *text, vg_error *err)
{
    return sink_put(sink, text, strlen(text), err);
}

vg_status sink_printf(const vg_exchange_sink *sink, vg_error *err, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return vg_error_set(err, VG_ERR_INVALID, "exchange writer: a formatted item is too long");
    return sink_put(sink, buf, (size_t)n, err);
}

vg_status sink_json_string(const vg_exchange_sink *sink, const char *text, size_t len,
                           vg_error *err)
{
    vg_status st = sink_put(sink, "\"", 1, err);
    size_t run = 0;
    for (size_t i = 0; st == VG_OK && i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)text[i] : 0;
        if (i < len && c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        st = sink_put(sink, text + i - run, run, err);
        run = 0;
        if (st != VG_OK || i == len)
            break;
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        st = sink_puts(sink, esc, err);
    }
    return st == VG_OK ? sink_put(sink, "\"", 1, err) : st;
}

vg_status sink_xml_text(const vg_exchange_sink *sink, const char *text, size_t len,
                        vg_error *err)
{
    vg_status st = VG_OK;
    size_t run = 0;
    for (size_t i = 0; st == VG_OK && i <= len; i++) {
        char c = i < len ? text[i] : '\0';
        const char *esc = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                          : c == '"' ? "&quot;" : NULL;
        if (i < len && !esc) {
            run++;
            continue;
        }
        st = sink_put(sink, text + i - run, run, err);
        run = 0;
        if (st == VG_OK && esc)
            st = sink_puts(sink, esc, err);
    }
    return st;
}

/* ---- vigie CSV -------------------------------------------------------------- */

vg_status vg_exchange_csv_field(const char *text, size_t len, const vg_exchange_sink *sink,
                                vg_error *err)
{
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
    /* Blanks around a field are trimmed by vigie's reader: keep them. */
    if (len && (text[0] == ' ' || text[0] == '\t' || text[len - 1] == ' ' ||
                text[len - 1] == '\t'))
        quote = true;
    if (!quote)
        return sink_put(sink, text, len, err);
    vg_status st = sink_put(sink, "\"", 1, err);
    size_t start = 0;
    for (size_t i = 0; st == VG_OK && i < len; i++) {
        if (text[i] != '"')
            continue;
        st = sink_put(sink, text + start, i + 1 - start, err);
        if (st == VG_OK)
            st = sink_put(sink, "\"", 1, err);
        start = i + 1;
    }
    if (st == VG_OK)
        st = sink_put(sink, text + start, len - start, err);
    return st == VG_OK ? sink_put(sink, "\"", 1, err) : st;
}

vg_status vg_exchange_csv_header(vg_exchange_format format, const char *prefix,
                                 size_t prefix_len, const vg_exchange_sink *sink, vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && prefix && i < prefix_len;) {
        size_t n = strnlen(prefix + i, prefix_len - i);
        st = sink_put(sink, prefix + i, n, err);
        if (st == VG_OK)
            st = sink_put(sink, ",", 1, err);
        i += n + 1;
    }
    if (st == VG_OK)
        st = sink_puts(sink, "signal_type,signal,id", err);
    size_t count;
    const char *const *columns = vg_exchange_columns(format, &count);
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        st = sink_put(sink, ",", 1, err);
        if (st == VG_OK)
            st = sink_puts(sink, columns[i], err);
    }
    return st == VG_OK ? sink_put(sink, "\n", 1, err) : st;
}

vg_status vg_exchange_csv_record(vg_exchange_format format, const vg_exchange_record *record,
                                 const char *const *prefix_values, size_t prefix_count,
                                 const vg_exchange_sink *sink, vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < prefix_count; i++) {
        st = vg_exchange_csv_field(prefix_values[i], strlen(prefix_values[i]), sink, err);
        if (st == VG_OK)
            st = sink_put(sink, ",", 1, err);
    }
    const char *fixed[] = {record->signal_type, record->signal, record->id};
    for (size_t i = 0; st == VG_OK && i < 3; i++) {
        if (i)
            st = sink_put(sink, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(fixed[i], strlen(fixed[i]), sink, err);
    }
    size_t count;
    vg_exchange_columns(format, &count);
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        st = sink_put(sink, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(record->values[i], strlen(record->values[i]), sink, err);
    }
    return st == VG_OK ? sink_put(sink, "\n", 1, err) : st;
}

/* ---- the writer ----------------------------------------------------------- */

bool exchange_grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    char *grown = realloc(*buf, n);
    if (!grown)
        return false;
    *buf = grown;
    *cap = n;
    return true;
}

const char *writer_value(const vg_exchange_writer *w, size_t i)
{
    if (i >= WRITER_KNOWN_MAX || w->known[i] < 0)
        return "";
    const char *v = w->meta;
    const char *end = w->meta + w->meta_len;
    for (int c = 0; v < end; c++) {
        if (c == w->known[i])
            return v;
        v += strlen(v) + 1;
    }
    return "";
}

const char *writer_signal_text(const vg_exchange_writer *w, size_t i)
{
    return w->text + w->signals[i].offset;
}

