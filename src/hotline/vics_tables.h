/*
 * src/hotline/vics_tables.h - the VICS category tables the server offers
 * (issue 19): the built-in "us" and "uk" (vigie/exchange.h), and the
 * hotline's own, each a configuration key
 *
 *     exchange.vics_categories.NAME = 0=not_illegal, 1=illegal_csam/A, ...
 *
 * (vg_vics_categories_parse's syntax; NAME letters, digits, '-' or '_'; a
 * table named "us" or "uk" replaces the built-in one in the server). A
 * table that does not parse stops the server, naming its key. Read at
 * open, read-only afterwards.
 */
#ifndef VIGIE_HOTLINE_VICS_TABLES_H
#define VIGIE_HOTLINE_VICS_TABLES_H

#include "hotline/hotline.h"
#include "vigie/exchange.h"

#define VG_VICS_TABLES_MAX 32

typedef struct vg_vics_table {
    char name[65];
    vg_vics_categories table;
} vg_vics_table;

typedef struct vg_vics_tables {
    vg_vics_table items[VG_VICS_TABLES_MAX];
    size_t count;
} vg_vics_tables;

/* Read exchange.vics_categories.* into h->vics_tables (at open). */
vg_status vg_hotline_vics_tables_load(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_vics_tables_free(vg_hotline *h);

/* The table called name: *set = 0 for NULL, "" or "none" (only the
 * numbers are kept), else the configured table of that name, else the
 * built-in one. VG_ERR_INVALID when there is none of that name. */
vg_status vg_hotline_vics_table(const vg_hotline *h, const char *name, vg_vics_categories *out,
                                int *set, vg_error *err);
/* The configured tables' names (borrowed), at most max, in file order;
 * returns how many. */
size_t vg_hotline_vics_table_names(const vg_hotline *h, const char **names, size_t max);

#endif
