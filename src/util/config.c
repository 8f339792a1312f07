/*
 * src/util/config.c - "key = value" configuration files.
 */
#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/form.h"

typedef struct entry {
    char *key, *value;
    int used;
} entry;

struct vg_config {
    entry *entries;
    size_t count, cap;
};

vg_status vg_config_new(vg_config **out, vg_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

void vg_config_free(vg_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg);
}

static entry *find(vg_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (!strcmp(cfg->entries[i].key, key))
            return &cfg->entries[i];
    return NULL;
}

static vg_status add(vg_config *cfg, const char *key, size_t key_len, const char *value,
                     size_t value_len, vg_error *err)
{
    if (cfg->count >= VG_CONFIG_MAX_ENTRIES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "more than %d settings",
                            VG_CONFIG_MAX_ENTRIES);
    if (cfg->count == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 16;
        entry *grown = realloc(cfg->entries, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        cfg->entries = grown;
        cfg->cap = cap;
    }
    entry *e = &cfg->entries[cfg->count];
    e->key = strndup(key, key_len);
    e->value = strndup(value, value_len);
    e->used = 0;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    cfg->count++;
    return VG_OK;
}

static int key_char(char c)
{
    return (c >= 'a' && c <= 'z') || isdigit((unsigned char)c) || c == '_' || c == '.';
}

vg_status vg_config_parse(vg_config *cfg, const char *text, size_t len, const char *origin,
                          vg_error *err)
{
    if (len > VG_CONFIG_MAX_BYTES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "%s: larger than %u bytes", origin,
                            VG_CONFIG_MAX_BYTES);
    if (!vg_utf8_valid(text, len))
        return vg_error_set(err, VG_ERR_CORRUPT, "%s: not UTF-8 text (or has a NUL byte)",
                            origin);
    size_t line_no = 0, i = 0;
    while (i < len) {
        line_no++;
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        const char *s = text + i, *e = text + end;
        i = end + 1;
        if (e > s && e[-1] == '\r')
            e--;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (s == e || *s == '#')
            continue;
        const char *k = s;
        while (s < e && key_char(*s))
            s++;
        size_t key_len = (size_t)(s - k);
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (key_len == 0 || s == e || *s != '=')
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "%s:%zu: expected 'key = value' (keys use a-z, 0-9, _ and .)",
                                origin, line_no);
        s++;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (e - s >= 2 && *s == '"' && e[-1] == '"') {
            s++;
            e--;
        } else if (s < e && *s == '"') {
            return vg_error_set(err, VG_ERR_CORRUPT, "%s:%zu: unterminated quoted value", origin,
                                line_no);
        }
        for (const char *p = s; p < e; p++)
            if ((unsigned char)*p < 0x20 && *p != '\t')
                return vg_error_set(err, VG_ERR_CORRUPT, "%s:%zu: control character in value",
                                    origin, line_no);
        char key[128];
        if (key_len >= sizeof key)
            return vg_error_set(err, VG_ERR_CORRUPT, "%s:%zu: key too long", origin, line_no);
        memcpy(key, k, key_len);
        key[key_len] = 0;
        if (find(cfg, key))
            return vg_error_set(err, VG_ERR_CORRUPT, "%s:%zu: '%s' is set twice", origin,
                                line_no, key);
        vg_status st = add(cfg, k, key_len, s, (size_t)(e - s), err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

vg_status vg_config_load(vg_config *cfg, const char *path, vg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open the configuration: %s", path,
                            strerror(errno));
    char *buf = malloc(VG_CONFIG_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, VG_CONFIG_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    vg_status st = bad ? vg_error_set(err, VG_ERR_IO, "%s: read error", path)
                       : vg_config_parse(cfg, buf, n, path, err);
    free(buf);
    return st;
}

vg_status vg_config_set(vg_config *cfg, const char *key, const char *value, vg_error *err)
{
    entry *e = find(cfg, key);
    if (!e)
        return add(cfg, key, strlen(key), value, strlen(value), err);
    char *v = strdup(value);
    if (!v)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(e->value);
    e->value = v;
    return VG_OK;
}

const char *vg_config_get(vg_config *cfg, const char *key, const char *fallback)
{
    entry *e = find(cfg, key);
    if (!e)
        return fallback;
    e->used = 1;
    return e->value;
}

vg_status vg_config_int(vg_config *cfg, const char *key, int64_t fallback, int64_t min,
                        int64_t max, int64_t *out, vg_error *err)
{
    const char *v = vg_config_get(cfg, key, NULL);
    *out = fallback;
    if (!v)
        return VG_OK;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < min || n > max)
        return vg_error_set(err, VG_ERR_INVALID,
                            "setting %s = '%s': expected a whole number from %lld to %lld", key,
                            v, (long long)min, (long long)max);
    *out = n;
    return VG_OK;
}

vg_status vg_config_bool(vg_config *cfg, const char *key, int fallback, int *out, vg_error *err)
{
    const char *v = vg_config_get(cfg, key, NULL);
    *out = fallback;
    if (!v)
        return VG_OK;
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = 1;
            return VG_OK;
        }
        if (!strcasecmp(v, no[i])) {
            *out = 0;
            return VG_OK;
        }
    }
    return vg_error_set(err, VG_ERR_INVALID, "setting %s = '%s': expected true or false", key, v);
}

vg_status vg_config_size(vg_config *cfg, const char *key, uint64_t fallback, uint64_t max,
                         uint64_t *out, vg_error *err)
{
    const char *v = vg_config_get(cfg, key, NULL);
    *out = fallback;
    if (!v)
        return VG_OK;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    uint64_t mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024ull * 1024 * 1024, end++;
    if (!isdigit((unsigned char)*v) || *end || errno || n > max / mult)
        return vg_error_set(err, VG_ERR_INVALID,
                            "setting %s = '%s': expected a size such as 10M, at most %llu bytes",
                            key, v, (unsigned long long)max);
    *out = n * mult;
    return VG_OK;
}

int vg_config_entry(const vg_config *cfg, size_t i, const char **key, const char **value)
{
    if (i >= cfg->count)
        return 0;
    *key = cfg->entries[i].key;
    *value = cfg->entries[i].value;
    return 1;
}

const char *vg_config_unused(vg_config *cfg, size_t i)
{
    for (size_t k = 0; k < cfg->count; k++)
        if (!cfg->entries[k].used && i-- == 0)
            return cfg->entries[k].key;
    return NULL;
}

vg_status vg_config_for_command(const char *path, const char *data_dir, const char *database,
                                const char *listen, vg_config **out, vg_error *err)
{
    vg_config *cfg = NULL;
    vg_status st = vg_config_new(&cfg, err);
    if (st == VG_OK && path)
        st = vg_config_load(cfg, path, err);
    if (st == VG_OK && data_dir)
        st = vg_config_set(cfg, "data_dir", data_dir, err);
    if (st == VG_OK && database)
        st = vg_config_set(cfg, "database", database, err);
    if (st == VG_OK && listen)
        st = vg_config_set(cfg, "listen", listen, err);
    if (st == VG_OK && !vg_config_get(cfg, "data_dir", NULL) && !vg_config_get(cfg, "database", NULL))
        st = vg_error_set(err, VG_ERR_INVALID,
                          "no data directory: pass --data-dir DIR, or --config FILE with "
                          "data_dir = DIR");
    if (st != VG_OK) {
        vg_config_free(cfg);
        return st;
    }
    *out = cfg;
    return VG_OK;
}
