/*
 * src/store/quarantine.c - the rows of store/quarantine.h released. Apart
 * from store.c, which opens the backends: the backends fill and clear
 * these rows, and must not call back into what opens them.
 */
#include "store/quarantine.h"

#include <stdlib.h>
#include <string.h>

void vg_quarantine_row_clear(vg_quarantine_row *row)
{
    if (!row)
        return;
    free(row->bank);
    free(row->entry);
    free(row->released_by);
    memset(row, 0, sizeof *row);
}

void vg_quarantine_rows_free(vg_quarantine_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        vg_quarantine_row_clear(&rows[i]);
    free(rows);
}
