/*
 * src/hotline/sync_sources.c - reading sync.NAME.* (syncing.h). Apart from
 * syncing.c, which runs the sources: hotline.c opens this at start, and
 * what a run calls (assessment.c) calls back into hotline.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/sync_sources.h"
#include "hotline/syncing.h"
#include "model/curation.h"

/* ---- configuration ---------------------------------------------------------- */

/* A secret in a file of its own: its first line, not empty. */
static vg_status secret_file(const char *key, const char *path, char **out, vg_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read %s", key, path);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    vg_status st = VG_OK;
    if (!buf[0])
        st = vg_error_set(err, VG_ERR_INVALID, "%s: %s has an empty first line", key, path);
    else if (!(*out = strdup(buf)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memset(buf, 0, sizeof buf);
    return st;
}

static vg_status text_key(vg_config *cfg, const char *name, const char *what, int required,
                          char **out, vg_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "sync.%s.%s", name, what);
    const char *v = vg_config_get(cfg, key, NULL);
    *out = NULL;
    if (!v || !*v)
        return required ? vg_error_set(err, VG_ERR_INVALID, "%s is required", key) : VG_OK;
    return (*out = strdup(v)) ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

static vg_status secret_key(vg_config *cfg, const char *name, const char *what, int required,
                            char **out, vg_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "sync.%s.%s", name, what);
    const char *path = vg_config_get(cfg, key, NULL);
    *out = NULL;
    if (!path || !*path)
        return required ? vg_error_set(err, VG_ERR_INVALID, "%s is required", key) : VG_OK;
    return secret_file(key, path, out, err);
}

static void source_clear(sync_source *s)
{
    free(s->url);
    free(s->username);
    if (s->password)
        memset(s->password, 0, strlen(s->password));
    free(s->password);
    free(s->subscription_key);
    free(s->function_key);
    free(s->ca_file);
    vg_signed_keyring_free(s->keyring);
    memset(s, 0, sizeof *s);
}

static vg_status source_open(vg_config *cfg, const char *name, sync_source *s, vg_error *err)
{
    char key[128];
    if (!vg_rule_bank_name_valid(name) || strlen(name) >= sizeof s->name)
        return vg_error_set(err, VG_ERR_INVALID,
                            "sync.%s: a source's name is 1 to 64 letters, digits, '-' or '_'",
                            name);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(key, sizeof key, "sync.%s.source", name);
    if (vg_sync_source_parse(vg_config_get(cfg, key, ""), &s->kind) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID, "%s: ncmec, stopncii or signed", key);
    snprintf(key, sizeof key, "sync.%s.bank", name);
    const char *bank = vg_config_get(cfg, key, name);
    if (!vg_rule_bank_name_valid(bank))
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: a bank's name is 1 to 64 letters, digits, '-' or '_'", key);
    snprintf(s->bank, sizeof s->bank, "%s", bank);
    snprintf(key, sizeof key, "sync.%s.period_minutes", name);
    int64_t minutes = 60;
    vg_status st = vg_config_int(cfg, key, 60, 1, 7 * 24 * 60, &minutes, err);
    s->period_seconds = minutes * 60;
    int ncmec = s->kind == VG_SYNC_NCMEC, stopncii = s->kind == VG_SYNC_STOPNCII;
    if (st == VG_OK)
        st = text_key(cfg, name, "url", 1, &s->url, err);
    if (st == VG_OK)
        st = text_key(cfg, name, "ca_file", 0, &s->ca_file, err);
    if (st == VG_OK && ncmec)
        st = text_key(cfg, name, "username", 1, &s->username, err);
    if (st == VG_OK && ncmec)
        st = secret_key(cfg, name, "password_file", 1, &s->password, err);
    if (st == VG_OK && stopncii)
        st = secret_key(cfg, name, "subscription_key_file", 1, &s->subscription_key, err);
    if (st == VG_OK && stopncii)
        st = secret_key(cfg, name, "function_key_file", 1, &s->function_key, err);
    if (st == VG_OK && s->kind == VG_SYNC_SIGNED) {
        /* the keys are read now: a list is verified against what the
         * operator configured, never against a key the list brings */
        snprintf(key, sizeof key, "sync.%s.keyring", name);
        const char *ring = vg_config_get(cfg, key, NULL);
        vg_error e;
        if (!ring || !*ring)
            st = vg_error_set(err, VG_ERR_INVALID, "%s is required: the publisher keys trusted",
                              key);
        else if (vg_signed_keyring_load(ring, &s->keyring, &e) != VG_OK)
            st = vg_error_set(err, e.status, "%s: %s", key, e.message);
    }
    return st;
}

vg_status vg_hotline_syncing_open(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    vg_syncing *y = calloc(1, sizeof *y);
    if (!y)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    h->syncing = y;
    y->lines_per_commit = 20000;
    vg_status st = vg_config_bool(cfg, "sync.allow_private", 0, &y->allow_private, err);
    const char *key, *value;
    for (size_t i = 0; st == VG_OK && vg_config_entry(cfg, i, &key, &value); i++) {
        size_t len = strlen(key);
        if (strncmp(key, "sync.", 5) || len < 12 || strcmp(key + len - 7, ".source"))
            continue;
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(len - 12), key + 5);
        if (y->count == MAX_SOURCES) {
            st = vg_error_set(err, VG_ERR_INVALID, "sync: at most %d sources", MAX_SOURCES);
            break;
        }
        st = source_open(cfg, name, &y->sources[y->count], err);
        for (size_t k = 0; st == VG_OK && k < y->count; k++)
            if (!strcmp(y->sources[k].bank, y->sources[y->count].bank))
                st = vg_error_set(err, VG_ERR_INVALID,
                                  "sync.%s and sync.%s fill the same bank: each source has a "
                                  "bank of its own",
                                  y->sources[k].name, name);
        y->count++;
    }
    if (st == VG_OK && y->count && !h->index_path)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "sync: synchronised banks go into the index; set intake.index");
    if (st != VG_OK || !y->count)
        vg_hotline_syncing_free(h);
    return st;
}

void vg_hotline_syncing_free(vg_hotline *h)
{
    vg_syncing *y = h->syncing;
    if (!y)
        return;
    for (size_t i = 0; i < y->count; i++)
        source_clear(&y->sources[i]);
    free(y);
    h->syncing = NULL;
}

