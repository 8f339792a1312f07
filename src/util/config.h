/*
 * src/util/config.h - the server's configuration file.
 *
 * Format (docs/server.md): one "key = value" per line; '#' starts a comment
 * line; blank lines are ignored; keys are lowercase letters, digits, '_'
 * and '.'; a value may be wrapped in double quotes to keep surrounding
 * spaces. A key given twice is an error. Every module reads its own keys;
 * keys nobody read are reported by vg_config_unused so typos do not pass
 * silently.
 */
#ifndef VIGIE_UTIL_CONFIG_H
#define VIGIE_UTIL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#define VG_CONFIG_MAX_BYTES (1u << 20)
#define VG_CONFIG_MAX_ENTRIES 1024

typedef struct vg_config vg_config;

vg_status vg_config_new(vg_config **out, vg_error *err);
/* Parse text (len bytes) and add its entries; origin names it in errors
 * ("server.conf:12: ..."). */
vg_status vg_config_parse(vg_config *cfg, const char *text, size_t len, const char *origin,
                          vg_error *err);
vg_status vg_config_load(vg_config *cfg, const char *path, vg_error *err);
/* Set (or replace) a value, e.g. from a command-line option. */
vg_status vg_config_set(vg_config *cfg, const char *key, const char *value, vg_error *err);
void vg_config_free(vg_config *cfg);

/* The value of key (owned by cfg), or fallback when unset. */
const char *vg_config_get(vg_config *cfg, const char *key, const char *fallback);
/* Integers within [min, max]; booleans are true/false/yes/no/on/off/1/0.
 * VG_ERR_INVALID names the key and the bad value. */
vg_status vg_config_int(vg_config *cfg, const char *key, int64_t fallback, int64_t min,
                        int64_t max, int64_t *out, vg_error *err);
vg_status vg_config_bool(vg_config *cfg, const char *key, int fallback, int *out,
                         vg_error *err);
/* Sizes with an optional K, M or G suffix (powers of 1024). */
vg_status vg_config_size(vg_config *cfg, const char *key, uint64_t fallback, uint64_t max,
                         uint64_t *out, vg_error *err);

/* The i-th entry (in file order): 1 and its key and value, or 0 past the
 * last one. Both strings belong to cfg. */
int vg_config_entry(const vg_config *cfg, size_t i, const char **key, const char **value);

/* The i-th key nobody has read, or NULL past the last one. */
const char *vg_config_unused(vg_config *cfg, size_t i);

/* The configuration of a command line: FILE when path is given, then
 * data_dir, database and listen (each may be NULL) override it; data_dir
 * or database is required one way or the other (a command that needs a
 * data directory besides the database says so itself). */
vg_status vg_config_for_command(const char *path, const char *data_dir, const char *database,
                                const char *listen, vg_config **out, vg_error *err);

#endif
