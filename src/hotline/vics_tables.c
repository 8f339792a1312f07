/*
 * src/hotline/vics_tables.c - the VICS category tables the server offers
 * (vics_tables.h).
 */
#include "hotline/vics_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "exchange.vics_categories."

static int name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return strcmp(name, "none") != 0;
}

vg_status vg_hotline_vics_tables_load(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    const char *key, *value;
    vg_vics_tables *t = NULL;
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && vg_config_entry(cfg, i, &key, &value); i++) {
        if (strncmp(key, PREFIX, strlen(PREFIX)))
            continue;
        const char *name = key + strlen(PREFIX);
        vg_config_get(cfg, key, NULL); /* read: not reported as unknown */
        if (!name_valid(name)) {
            st = vg_error_set(err, VG_ERR_INVALID,
                              "%s: a table's name is 1 to 64 letters, digits, '-' or '_', and "
                              "not \"none\"",
                              key);
            break;
        }
        if (!t && !(t = calloc(1, sizeof *t))) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        size_t k = 0;
        while (k < t->count && strcmp(t->items[k].name, name))
            k++;
        if (k == VG_VICS_TABLES_MAX) {
            st = vg_error_set(err, VG_ERR_INVALID, "%s: at most %d VICS tables", key,
                              VG_VICS_TABLES_MAX);
            break;
        }
        vg_vics_table *slot = &t->items[k];
        memset(&slot->table, 0, sizeof slot->table);
        st = vg_vics_categories_parse(value, strlen(value), &slot->table, err);
        if (st != VG_OK) {
            vg_error_prefix(err, "%s: ", key);
            break;
        }
        snprintf(slot->name, sizeof slot->name, "%s", name);
        if (k == t->count)
            t->count++;
    }
    if (st != VG_OK) {
        free(t);
        return st;
    }
    h->vics_tables = t;
    return VG_OK;
}

void vg_hotline_vics_tables_free(vg_hotline *h)
{
    free(h->vics_tables);
    h->vics_tables = NULL;
}

vg_status vg_hotline_vics_table(const vg_hotline *h, const char *name, vg_vics_categories *out,
                                int *set, vg_error *err)
{
    *set = 0;
    if (!name || !*name || !strcmp(name, "none"))
        return VG_OK;
    const vg_vics_tables *t = h->vics_tables;
    for (size_t i = 0; t && i < t->count; i++) {
        if (!strcmp(t->items[i].name, name)) {
            *out = t->items[i].table;
            *set = 1;
            return VG_OK;
        }
    }
    if (vg_vics_categories_builtin(name, out, NULL) == VG_OK) {
        *set = 1;
        return VG_OK;
    }
    return vg_error_set(err, VG_ERR_INVALID,
                        "The VICS categories are none, us, uk or a table of the configuration "
                        "(exchange.vics_categories.NAME).");
}

size_t vg_hotline_vics_table_names(const vg_hotline *h, const char **names, size_t max)
{
    const vg_vics_tables *t = h->vics_tables;
    size_t n = 0;
    for (size_t i = 0; t && i < t->count && n < max; i++)
        names[n++] = t->items[i].name;
    return n;
}
