/*
 * src/util/table.h - rows of named columns as CSV or JSON lines.
 *
 * CSV: a header line, then one line per row, fields quoted as RFC 4180
 * says (a field containing a comma, quote, CR or LF is wrapped in quotes
 * and its quotes doubled); lines end with LF. A missing value is empty.
 * JSON: one object per line with every column as a key, in column order;
 * numbers as numbers, a missing value as null. Strings are written as
 * UTF-8; bytes that are not valid UTF-8 (possible in Linux paths) become
 * U+FFFD, so use CSV when paths must round-trip byte for byte.
 *
 * Fields are given in column order: one vg_table_* call per column, then
 * vg_table_end_row.
 */
#ifndef VIGIE_UTIL_TABLE_H
#define VIGIE_UTIL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum vg_table_format { VG_TABLE_CSV, VG_TABLE_JSON } vg_table_format;

typedef struct vg_table {
    FILE *out;
    vg_table_format format;
    const char *const *columns; /* borrowed */
    size_t column_count;
    size_t next_column;
} vg_table;

/* "csv" or "json"; false for anything else. */
bool vg_table_parse_format(const char *name, vg_table_format *format);

void vg_table_init(vg_table *t, FILE *out, vg_table_format format, const char *const *columns,
                   size_t column_count);
/* The CSV header line (nothing for JSON). */
void vg_table_header(vg_table *t);
/* A string value; NULL is the missing value. */
void vg_table_string(vg_table *t, const char *value);
void vg_table_uint(vg_table *t, uint64_t value);
void vg_table_int(vg_table *t, int64_t value);
/* A number with a fixed count of decimals ("83.333"). */
void vg_table_decimal(vg_table *t, double value, int decimals);
void vg_table_null(vg_table *t);
void vg_table_end_row(vg_table *t);

#endif
