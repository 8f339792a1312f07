/*
 * The IPFire location database through libloc. libloc's objects count
 * their references without atomics, so one lock serialises the calls into
 * it; a lookup is a walk down a memory-mapped tree, short enough that the
 * lock is not what limits a hotline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/network.h>

#include "hosting_internal.h"

struct location {
    struct loc_ctx *ctx;
    struct loc_database *db;
    FILE *file;
    pthread_mutex_t lock;
};

/* libloc prints its errors to stderr by default; the library must not. */
static void quiet(struct loc_ctx *ctx, int priority, const char *file, int line, const char *fn,
                  const char *format, va_list args)
{
    (void)ctx, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

vg_status location_open(const char *path, location **out, vg_error *err)
{
    *out = NULL;
    location *l = calloc(1, sizeof *l);
    if (!l)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&l->lock, NULL);
    if (loc_new(&l->ctx) != 0) {
        location_close(l);
        return vg_error_set(err, VG_ERR_NOMEM, "libloc cannot start");
    }
    loc_set_log_fn(l->ctx, quiet);
    l->file = fopen(path, "re");
    if (!l->file) {
        int e = errno;
        location_close(l);
        return vg_error_set(err, VG_ERR_IO, "%s: %s (the location database, hosting.location_db)",
                            path, strerror(e));
    }
    if (loc_database_new(l->ctx, &l->db, l->file) != 0) {
        location_close(l);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: not a location database libloc can read", path);
    }
    *out = l;
    return VG_OK;
}

void location_close(location *l)
{
    if (!l)
        return;
    if (l->db)
        loc_database_unref(l->db);
    if (l->ctx)
        loc_unref(l->ctx);
    if (l->file)
        fclose(l->file);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void location_find(location *l, const struct in6_addr *addr, vg_hosting_address *out)
{
    pthread_mutex_lock(&l->lock);
    struct loc_network *net = NULL;
    if (loc_database_lookup(l->db, addr, &net) == 0 && net) {
        const char *cc = loc_network_get_country_code(net);
        /* libloc's special codes (A1 anonymous proxy, A2 satellite, A3
         * anycast, XD drop) are flags, not countries. */
        if (cc && strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' &&
            cc[1] <= 'Z' && strcmp(cc, "A1") && strcmp(cc, "A2") && strcmp(cc, "A3") &&
            strcmp(cc, "XD"))
            memcpy(out->country, cc, 3);
        out->asn = loc_network_get_asn(net);
        out->anycast = loc_network_has_flag(net, LOC_NETWORK_FLAG_ANYCAST) != 0;
        const char *text = loc_network_str(net);
        if (text)
            snprintf(out->network, sizeof out->network, "%s", text);
        struct loc_as *as = NULL;
        if (out->asn && loc_database_get_as(l->db, &as, out->asn) == 0 && as) {
            const char *name = loc_as_get_name(as);
            if (name)
                snprintf(out->as_name, sizeof out->as_name, "%s", name);
            loc_as_unref(as);
        }
        loc_network_unref(net);
    }
    pthread_mutex_unlock(&l->lock);
}
