/*
 * src/store/sqlite_rows.h - small helpers shared by the SQLite code of the
 * store (sqlite.c) and of the console (console_sqlite.c): reading text
 * columns, binding text, and collecting a query's rows into an array.
 */
#ifndef VIGIE_STORE_SQLITE_ROWS_H
#define VIGIE_STORE_SQLITE_ROWS_H

#include <sqlite3.h>
#include <stddef.h>

/* A malloc'd copy of column i's text, or NULL (SQL NULL or out of memory). */
char *vg_sqlite_text(sqlite3_stmt *st, int i);

/* Bind text, or SQL NULL when text is NULL. Not copied: text must live
 * until the statement has been stepped. */
void vg_sqlite_bind_text(sqlite3_stmt *st, int i, const char *text);

/* Fill item (zeroed) from the row st stands on. */
typedef void (*vg_sqlite_row_fn)(sqlite3_stmt *st, void *item);
/* Release what a row function stored in item. */
typedef void (*vg_sqlite_clear_fn)(void *item);

/* Step st to its end, reading every row into a growing array of elements
 * of size bytes. On SQLITE_DONE, *items (malloc'd, NULL when no row) and
 * *count hold them. Otherwise the rows read are cleared and freed, *items
 * is NULL, *count 0, and the answer is SQLITE_NOMEM or the failing step's
 * code. The statement is neither reset nor finalised. */
int vg_sqlite_collect(sqlite3_stmt *st, size_t size, vg_sqlite_row_fn read,
                      vg_sqlite_clear_fn clear, void **items, size_t *count);

#endif
