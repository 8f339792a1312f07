/*
 * Streaming reader of hash banks (see vigie/bank.h for the accepted forms).
 *
 * The file is read in blocks into one buffer; lines are cut out of it in
 * place, so a bank of 46 million lines costs a handful of allocations. A
 * line longer than VG_BANK_LINE_MAX is not buffered: the reader reports it
 * and skips to the next line end, so a file without any newline cannot make
 * memory grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigie/bank.h"
#include "vigie/patch.h"
#include "vigie/digest.h"

/* A block holds the longest line and a little more. */
#define BLOCK_BYTES (VG_BANK_LINE_MAX + (1u << 20))

static const char *const type_names[VG_SIGNAL_TYPE_COUNT] = {
    "md5", "sha1", "sha256", "pdq", "pdq_trimmed", "patchset", "vpdq"};
static const size_t type_bytes[VG_SIGNAL_TYPE_COUNT] = {16, 20, 32, 32, 32, 0, 0};

const char *vg_signal_type_name(vg_signal_type type)
{
    return (unsigned)type < VG_SIGNAL_TYPE_COUNT ? type_names[type] : "unknown";
}

size_t vg_signal_type_bytes(vg_signal_type type)
{
    return (unsigned)type < VG_SIGNAL_TYPE_COUNT ? type_bytes[type] : 0;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool equals_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != word[i])
            return false;
    return true;
}

vg_status vg_signal_type_parse(const char *name, size_t len, vg_signal_type *out)
{
    for (int t = 0; t < VG_SIGNAL_TYPE_COUNT; t++) {
        if (equals_nocase(name, len, type_names[t])) {
            *out = (vg_signal_type)t;
            return VG_OK;
        }
    }
    return VG_ERR_INVALID;
}

void vg_bank_options_init(vg_bank_options *opts)
{
    opts->plain_type = VG_SIGNAL_TYPE_COUNT;
    opts->skip_bad = false;
    opts->on_other_type = NULL;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

typedef struct field {
    const char *text;
    size_t len;
} field;

#define MAX_FIELDS (VG_BANK_MAX_COLUMNS + 3)

/* Parser state for one bank. */
typedef struct parser {
    const char *name;
    const vg_bank_options *opts;
    const vg_bank_callbacks *cb;
    vg_bank_stats stats;
    bool seen_first; /* the first non-blank line decides CSV or plain */
    bool is_csv;
    size_t column_count;   /* CSV: fields per row */
    int col_type, col_signal, col_id;
    char *scratch;         /* unquoted CSV fields, VG_BANK_LINE_MAX bytes */
    char *metadata;        /* NUL-separated metadata, VG_BANK_LINE_MAX + MAX_FIELDS bytes */
    uint8_t long_value[VG_PATCHSET_MAX_BYTES]; /* the current entry's patchset value */
    vg_vpdq video;         /* the frames of the current vpdq row */
    char first_bad[160];   /* reason of the first bad line, for the final error */
    uint64_t first_bad_line;
} parser;

static void bad_line(parser *p, const char *reason)
{
    p->stats.bad_lines++;
    if (p->stats.bad_lines == 1) {
        p->first_bad_line = p->stats.lines;
        snprintf(p->first_bad, sizeof p->first_bad, "%.150s", reason);
    }
    if (p->cb->on_bad_line)
        p->cb->on_bad_line(p->cb->ctx, p->stats.lines, reason);
}

/* Split a CSV line into fields, unquoting into p->scratch. Returns the
 * field count, or -1 with *why set. */
static int split_csv(parser *p, const char *line, size_t len, field *fields, const char **why)
{
    int count = 0;
    size_t i = 0;
    char *out = p->scratch;
    for (;;) {
        if (count == MAX_FIELDS) {
            *why = "too many columns";
            return -1;
        }
        if (i < len && line[i] == '"') {
            char *start = out;
            i++;
            for (;;) {
                if (i >= len) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        *out++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                *out++ = line[i++];
            }
            fields[count].text = start;
            fields[count].len = (size_t)(out - start);
            count++;
            if (i == len)
                return count;
            if (line[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
            i++;
        } else {
            const char *comma = memchr(line + i, ',', len - i);
            size_t end = comma ? (size_t)(comma - line) : len;
            fields[count].text = line + i;
            fields[count].len = end - i;
            count++;
            if (!comma)
                return count;
            i = end + 1;
        }
    }
}

static vg_status header(parser *p, const field *fields, int count, vg_error *err)
{
    p->col_type = p->col_signal = p->col_id = -1;
    size_t meta_len = 0;
    for (int i = 0; i < count; i++) {
        const char *name = fields[i].text;
        size_t len = fields[i].len;
        trim(&name, &len);
        int *slot = equals_nocase(name, len, "signal_type") ? &p->col_type
                    : equals_nocase(name, len, "signal")    ? &p->col_signal
                    : equals_nocase(name, len, "id")        ? &p->col_id
                                                            : NULL;
        if (slot) {
            if (*slot >= 0)
                return vg_error_set(err, VG_ERR_CORRUPT, "%s: line %llu: column '%.*s' appears twice",
                                    p->name, (unsigned long long)p->stats.lines, (int)len, name);
            *slot = i;
            continue;
        }
        memcpy(p->metadata + meta_len, name, len);
        meta_len += len;
        p->metadata[meta_len++] = '\0';
    }
    const char *missing = p->col_type < 0 ? "signal_type" : p->col_signal < 0 ? "signal"
                          : p->col_id < 0 ? "id" : NULL;
    if (missing)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: the CSV header has no '%s' column (expected signal_type,signal,id)",
                            p->name, missing);
    p->column_count = (size_t)count;
    if (p->cb->on_start) {
        vg_bank_info info = {true, p->metadata, meta_len, (size_t)count - 3};
        return p->cb->on_start(p->cb->ctx, &info, err);
    }
    return VG_OK;
}

static vg_status deliver(parser *p, vg_bank_entry *entry, vg_error *err)
{
    entry->line = p->stats.lines;
    vg_status st = p->cb->on_entry(p->cb->ctx, entry, err);
    if (st == VG_OK)
        p->stats.entries++;
    return st;
}

/* Copy the metadata columns of a row into p->metadata, NUL-separated;
 * returns their length. */
static size_t gather_metadata(parser *p, const field *fields, int count)
{
    size_t meta_len = 0;
    for (int i = 0; i < count; i++) {
        if (i == p->col_type || i == p->col_signal || i == p->col_id)
            continue;
        memcpy(p->metadata + meta_len, fields[i].text, fields[i].len);
        meta_len += fields[i].len;
        p->metadata[meta_len++] = '\0';
    }
    return meta_len;
}

/* A row of a type vigie does not match, for opts->on_other_type. */
static vg_status other_row(parser *p, const char *type_name, size_t type_len, const char *signal,
                           size_t signal_len, const vg_bank_entry *entry, const field *fields,
                           int count, vg_error *err)
{
    vg_bank_other_entry other = {
        .type_name = type_name, .type_len = type_len, .signal = signal,
        .signal_len = signal_len, .id = entry->id, .id_len = entry->id_len,
        .metadata = p->metadata, .line = p->stats.lines,
    };
    other.metadata_len = gather_metadata(p, fields, count);
    vg_status st = p->opts->on_other_type(p->cb->ctx, &other, err);
    if (st == VG_OK)
        p->stats.entries++;
    return st;
}

/* Decode the signal of an entry of known type (hex digits, or a vpdq signal
 * string) into entry; false (the line reported bad) when it is not a value
 * of that type. */
static bool signal_value(parser *p, vg_bank_entry *entry, const char *text, size_t len,
                         const char *what)
{
    entry->long_value = NULL;
    entry->long_value_len = 0;
    entry->video = NULL;
    entry->signal = text;
    entry->signal_len = len;
    memset(entry->value, 0, sizeof entry->value);
    size_t bytes = type_bytes[entry->type];
    char reason[112];
    if (entry->type == VG_SIGNAL_VPDQ) {
        vg_error why;
        vg_vpdq_clear(&p->video);
        if (vg_vpdq_parse_signal(text, len, &p->video, &why) != VG_OK) {
            bad_line(p, why.message);
            return false;
        }
        if (!vg_vpdq_usable(&p->video)) {
            bad_line(p, "a vpdq signal without a frame of quality 50 or more matches nothing");
            return false;
        }
        entry->video = &p->video;
        return true;
    }
    if (bytes == 0) {
        /* A patchset: its length says how many patches; decoding checks it. */
        if (len % 2 || len / 2 > sizeof p->long_value) {
            snprintf(reason, sizeof reason, "a %s %s has an even number of hex digits, at most %zu",
                     type_names[entry->type], what, 2 * sizeof p->long_value);
            bad_line(p, reason);
            return false;
        }
        vg_patchset set;
        vg_error why;
        if (!vg_hex_parse(text, len / 2, p->long_value)) {
            bad_line(p, "the signal is not hexadecimal");
            return false;
        }
        if (vg_patchset_decode(p->long_value, len / 2, &set, &why) != VG_OK) {
            snprintf(reason, sizeof reason, "bad patchset: %.90s", why.message);
            bad_line(p, reason);
            return false;
        }
        entry->long_value = p->long_value;
        entry->long_value_len = len / 2;
        return true;
    }
    if (len != 2 * bytes) {
        snprintf(reason, sizeof reason, "a %s %s has %zu hex digits, not %zu",
                 type_names[entry->type], what, 2 * bytes, len);
        bad_line(p, reason);
        return false;
    }
    if (!vg_hex_parse(text, bytes, entry->value)) {
        bad_line(p, "the signal is not hexadecimal");
        return false;
    }
    return true;
}

static vg_status csv_row(parser *p, const char *line, size_t len, vg_error *err)
{
    field fields[MAX_FIELDS];
    const char *why = NULL;
    int count = split_csv(p, line, len, fields, &why);
    if (count < 0) {
        bad_line(p, why);
        return VG_OK;
    }
    if ((size_t)count != p->column_count) {
        char reason[96];
        snprintf(reason, sizeof reason, "%d fields where the header has %zu", count,
                 p->column_count);
        bad_line(p, reason);
        return VG_OK;
    }
    vg_bank_entry entry;
    const char *type_name = fields[p->col_type].text;
    size_t type_len = fields[p->col_type].len;
    trim(&type_name, &type_len);
    const char *text = fields[p->col_signal].text;
    size_t tlen = fields[p->col_signal].len;
    trim(&text, &tlen);
    entry.id = fields[p->col_id].text;
    entry.id_len = fields[p->col_id].len;
    trim(&entry.id, &entry.id_len);
    if (vg_signal_type_parse(type_name, type_len, &entry.type) != VG_OK) {
        if (p->opts->on_other_type && type_len && tlen && entry.id_len)
            return other_row(p, type_name, type_len, text, tlen, &entry, fields, count, err);
        bad_line(p, "unknown signal_type (expected md5, sha1, sha256, pdq, pdq_trimmed, "
                    "patchset or vpdq)");
        return VG_OK;
    }
    if (!signal_value(p, &entry, text, tlen, "signal"))
        return VG_OK;
    if (entry.id_len == 0) {
        bad_line(p, "empty id");
        return VG_OK;
    }
    entry.metadata = p->metadata;
    entry.metadata_len = gather_metadata(p, fields, count);
    return deliver(p, &entry, err);
}

/* The decimal digits of v into out (at least 20 bytes, no NUL); their
 * count. Called once per line of a plain bank, where snprintf would show. */
static size_t format_decimal(uint64_t v, char *out)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static vg_status plain_row(parser *p, const char *line, size_t len, vg_error *err)
{
    vg_bank_entry entry;
    vg_signal_type type = p->opts->plain_type;
    if ((unsigned)type >= VG_SIGNAL_TYPE_COUNT) {
        type = len == 32 ? VG_SIGNAL_MD5 : len == 40 ? VG_SIGNAL_SHA1
               : len == 64 ? VG_SIGNAL_SHA256 : VG_SIGNAL_TYPE_COUNT;
        if (type == VG_SIGNAL_TYPE_COUNT) {
            char reason[96];
            snprintf(reason, sizeof reason, "%zu characters: a hash has 32, 40 or 64 hex digits",
                     len);
            bad_line(p, reason);
            return VG_OK;
        }
    } else if (type == VG_SIGNAL_VPDQ) {
        bad_line(p, "a vpdq signal needs a CSV bank or a vPDQ hash file");
        return VG_OK;
    }
    entry.type = type;
    if (!signal_value(p, &entry, line, len, "line"))
        return VG_OK;
    char id[24];
    entry.id_len = format_decimal(p->stats.lines - 1, id);
    entry.id = id;
    entry.metadata = "";
    entry.metadata_len = 0;
    return deliver(p, &entry, err);
}

static vg_status line(parser *p, const char *text, size_t len, vg_error *err)
{
    p->stats.lines++;
    if (p->stats.lines == 1 && len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    if (len && text[len - 1] == '\r')
        len--;
    trim(&text, &len);
    if (len == 0)
        return VG_OK;
    if (len > VG_BANK_LINE_MAX) {
        bad_line(p, "line too long");
        return VG_OK;
    }
    if (memchr(text, '\0', len)) {
        bad_line(p, "contains a NUL byte");
        return VG_OK;
    }
    if (!p->seen_first) {
        p->seen_first = true;
        field fields[MAX_FIELDS];
        const char *why = NULL;
        int count = split_csv(p, text, len, fields, &why);
        for (int i = 0; i < count; i++) {
            const char *name = fields[i].text;
            size_t nlen = fields[i].len;
            trim(&name, &nlen);
            if (equals_nocase(name, nlen, "signal_type")) {
                p->is_csv = true;
                return header(p, fields, count, err);
            }
        }
        if (p->cb->on_start) {
            vg_bank_info info = {false, "", 0, 0};
            vg_status st = p->cb->on_start(p->cb->ctx, &info, err);
            if (st != VG_OK)
                return st;
        }
    }
    if (p->is_csv)
        return csv_row(p, text, len, err);
    if (text[0] == '#')
        return VG_OK;
    return plain_row(p, text, len, err);
}

/* Where the bytes come from: a descriptor or a memory buffer. */
typedef struct source {
    int fd;
    const uint8_t *data;
    size_t len, pos;
} source;

static vg_status source_read(parser *p, source *src, char *into, size_t room, size_t *got,
                             vg_error *err)
{
    if (!src->data) {
        for (;;) {
            ssize_t n = read(src->fd, into, room);
            if (n >= 0) {
                *got = (size_t)n;
                return VG_OK;
            }
            if (errno != EINTR)
                return vg_error_set(err, VG_ERR_IO, "%s: cannot read: %s", p->name,
                                    strerror(errno));
        }
    }
    size_t n = src->len - src->pos < room ? src->len - src->pos : room;
    memcpy(into, src->data + src->pos, n);
    src->pos += n;
    *got = n;
    return VG_OK;
}

static vg_status run(parser *p, source *src, vg_error *err)
{
    char *buf = malloc(BLOCK_BYTES);
    p->scratch = malloc(VG_BANK_LINE_MAX);
    p->metadata = malloc(VG_BANK_LINE_MAX + MAX_FIELDS);
    vg_status st = VG_OK;
    if (!buf || !p->scratch || !p->metadata) {
        st = vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", p->name);
        goto done;
    }
    size_t start = 0, end = 0;
    bool skipping = false; /* inside an over-long line */
    bool eof = false;
    while (st == VG_OK) {
        char *nl = memchr(buf + start, '\n', end - start);
        if (nl) {
            size_t len = (size_t)(nl - (buf + start));
            if (skipping) {
                skipping = false;
            } else {
                st = line(p, buf + start, len, err);
            }
            start += len + 1;
            continue;
        }
        if (end - start > VG_BANK_LINE_MAX && !skipping) {
            p->stats.lines++;
            bad_line(p, "line too long");
            skipping = true;
        }
        if (skipping)
            start = end;
        if (eof) {
            if (end > start && !skipping)
                st = line(p, buf + start, end - start, err);
            break;
        }
        memmove(buf, buf + start, end - start);
        end -= start;
        start = 0;
        size_t got = 0;
        st = source_read(p, src, buf + end, BLOCK_BYTES - end, &got, err);
        if (got == 0)
            eof = true;
        end += got;
    }
    if (st == VG_OK && p->stats.bad_lines && !p->opts->skip_bad)
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "%s: %llu bad line%s (first at line %llu: %s); the bank is refused "
                          "unless bad lines are skipped",
                          p->name, (unsigned long long)p->stats.bad_lines,
                          p->stats.bad_lines == 1 ? "" : "s",
                          (unsigned long long)p->first_bad_line, p->first_bad);
done:
    free(buf);
    free(p->scratch);
    free(p->metadata);
    vg_vpdq_free(&p->video);
    return st;
}

static vg_status parse(source *src, const char *name, const vg_bank_options *opts,
                       const vg_bank_callbacks *cb, vg_bank_stats *stats, vg_error *err)
{
    vg_bank_options defaults;
    if (!opts) {
        vg_bank_options_init(&defaults);
        opts = &defaults;
    }
    if (!cb || !cb->on_entry)
        return vg_error_set(err, VG_ERR_INVALID, "bank parse: no entry callback");
    parser p = {.name = name ? name : "bank", .opts = opts, .cb = cb};
    vg_status st = run(&p, src, err);
    if (stats)
        *stats = p.stats;
    return st;
}

vg_status vg_bank_parse_fd(int fd, const char *name, const vg_bank_options *opts,
                           const vg_bank_callbacks *cb, vg_bank_stats *stats, vg_error *err)
{
    source src = {.fd = fd};
    return parse(&src, name, opts, cb, stats, err);
}

vg_status vg_bank_parse_buffer(const void *data, size_t len, const char *name,
                               const vg_bank_options *opts, const vg_bank_callbacks *cb,
                               vg_bank_stats *stats, vg_error *err)
{
    source src = {.fd = -1, .data = data ? data : (const void *)"", .len = len};
    return parse(&src, name, opts, cb, stats, err);
}

vg_status vg_bank_parse_file(const char *path, const vg_bank_options *opts,
                             const vg_bank_callbacks *cb, vg_bank_stats *stats, vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vg_status st = vg_bank_parse_fd(fd, path, opts, cb, stats, err);
    close(fd);
    return st;
}
