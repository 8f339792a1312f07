/* CSV and JSON-lines rows: see table.h. */
#include "util/table.h"

#include <inttypes.h>
#include <string.h>

bool vg_table_parse_format(const char *name, vg_table_format *format)
{
    if (!strcmp(name, "csv"))
        *format = VG_TABLE_CSV;
    else if (!strcmp(name, "json"))
        *format = VG_TABLE_JSON;
    else
        return false;
    return true;
}

void vg_table_init(vg_table *t, FILE *out, vg_table_format format, const char *const *columns,
                   size_t column_count)
{
    *t = (vg_table){.out = out, .format = format, .columns = columns,
                    .column_count = column_count};
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    putc('"', out);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", c); break;
            }
            s++;
        } else {
            size_t len = utf8_sequence(s);
            if (len == 0) {
                fputs("\\ufffd", out);
                s++;
            } else {
                fwrite(s, 1, len, out);
                s += len;
            }
        }
    }
    putc('"', out);
}

void vg_table_header(vg_table *t)
{
    if (t->format != VG_TABLE_CSV)
        return;
    for (size_t i = 0; i < t->column_count; i++) {
        if (i)
            putc(',', t->out);
        csv_field(t->out, t->columns[i]);
    }
    putc('\n', t->out);
}

/* Separator and, for JSON, the key of the next column. */
static void begin_field(vg_table *t)
{
    size_t i = t->next_column++;
    if (t->format == VG_TABLE_CSV) {
        if (i)
            putc(',', t->out);
        return;
    }
    fputs(i ? "," : "{", t->out);
    json_string(t->out, i < t->column_count ? t->columns[i] : "");
    putc(':', t->out);
}

void vg_table_string(vg_table *t, const char *value)
{
    if (!value) {
        vg_table_null(t);
        return;
    }
    begin_field(t);
    if (t->format == VG_TABLE_CSV)
        csv_field(t->out, value);
    else
        json_string(t->out, value);
}

void vg_table_uint(vg_table *t, uint64_t value)
{
    begin_field(t);
    fprintf(t->out, "%" PRIu64, value);
}

void vg_table_int(vg_table *t, int64_t value)
{
    begin_field(t);
    fprintf(t->out, "%" PRId64, value);
}

void vg_table_decimal(vg_table *t, double value, int decimals)
{
    begin_field(t);
    fprintf(t->out, "%.*f", decimals, value);
}

void vg_table_null(vg_table *t)
{
    begin_field(t);
    if (t->format == VG_TABLE_JSON)
        fputs("null", t->out);
}

void vg_table_end_row(vg_table *t)
{
    if (t->format == VG_TABLE_JSON)
        putc(t->next_column ? '}' : '{', t->out);
    if (t->format == VG_TABLE_JSON && t->next_column == 0)
        putc('}', t->out);
    putc('\n', t->out);
    t->next_column = 0;
}
