/*
 * src/store/sqlite_rows.c - helpers of the SQLite backends (sqlite_rows.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_rows.h"

char *vg_sqlite_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

void vg_sqlite_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int vg_sqlite_collect(sqlite3_stmt *st, size_t size, vg_sqlite_row_fn read,
                      vg_sqlite_clear_fn clear, void **items, size_t *count)
{
    char *out = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 16;
            char *grown = realloc(out, grown_cap * size);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            out = grown;
            cap = grown_cap;
        }
        void *item = out + n++ * size;
        memset(item, 0, size);
        read(st, item);
    }
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < n; i++)
            clear(out + i * size);
        free(out);
        out = NULL;
        n = 0;
    }
    *items = out;
    *count = n;
    return rc;
}
