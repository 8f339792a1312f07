/*
 * src/store/exchange.c - the rows of store/exchange.h released. Apart from
 * store.c, which opens the backends: the backends fill and clear these
 * rows, and must not call back into what opens them.
 */
#include "store/exchange.h"

#include <stdlib.h>
#include <string.h>

void vg_exchange_bank_clear(vg_exchange_bank *row)
{
    if (!row)
        return;
    free(row->name);
    free(row->created_by);
    memset(row, 0, sizeof *row);
}

void vg_exchange_banks_free(vg_exchange_bank *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        vg_exchange_bank_clear(&rows[i]);
    free(rows);
}

void vg_exchange_content_clear(vg_exchange_content *row)
{
    if (!row)
        return;
    free(row->bank);
    free(row->bank_id);
    free(row->note);
    free(row->metadata);
    free(row->signals);
    memset(row, 0, sizeof *row);
}

void vg_exchange_report_clear(vg_exchange_report *row)
{
    if (!row)
        return;
    free(row->draft);
    memset(row, 0, sizeof *row);
}

void vg_exchange_reports_free(vg_exchange_report *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        vg_exchange_report_clear(&rows[i]);
    free(rows);
}
