/*
 * src/hotline/index_ref.c - the index as it is now, shared by reference
 * (index_ref.h, hotline.h).
 */
#include "hotline/index_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One opened index and how many hold it (the hotline counts as one while
 * it is the current one). */
typedef struct vg_index_ref {
    vg_index *index;
    int refs;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} vg_index_ref;

static void unref(vg_index_ref *r)
{
    if (r && --r->refs == 0) {
        vg_index_close(r->index);
        free(r);
    }
}

static int same_file(const vg_index_ref *r, const struct stat *st)
{
    return r->dev == st->st_dev && r->ino == st->st_ino && r->size == st->st_size &&
           r->mtime.tv_sec == st->st_mtim.tv_sec && r->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void identity(const struct stat *st, uint64_t out[4])
{
    out[0] = (uint64_t)st->st_dev;
    out[1] = (uint64_t)st->st_ino;
    out[2] = (uint64_t)st->st_size;
    out[3] = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
}

/* Open the file now at h->index_path into a new reference (refs 1). */
static vg_status open_ref(const char *path, vg_index_ref **out, vg_error *err)
{
    *out = NULL;
    vg_index_ref *r = calloc(1, sizeof *r);
    if (!r)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* The identity is taken before opening: a file replaced in between is
     * then seen as changed at the next acquire, and opened again. */
    struct stat st;
    if (stat(path, &st) == 0) {
        r->dev = st.st_dev;
        r->ino = st.st_ino;
        r->size = st.st_size;
        r->mtime = st.st_mtim;
    }
    vg_status status = vg_index_open(path, &r->index, err);
    if (status != VG_OK) {
        free(r);
        return status;
    }
    r->refs = 1;
    *out = r;
    return VG_OK;
}

/* Make next the current index (under index_lock): the old one goes when
 * its last search ends. */
static void install(vg_hotline *h, vg_index_ref *next)
{
    vg_index_ref *old = h->index_ref;
    h->index_ref = next;
    h->index_problem[0] = 0;
    memset(h->index_failed, 0, sizeof h->index_failed);
    unref(old);
}

vg_status vg_hotline_index_open(vg_hotline *h, vg_error *err)
{
    vg_index_ref *r = NULL;
    vg_status st = open_ref(h->index_path, &r, err);
    if (st == VG_OK) {
        pthread_mutex_lock(&h->index_lock);
        install(h, r);
        pthread_mutex_unlock(&h->index_lock);
    }
    return st;
}

vg_status vg_hotline_index_reload(vg_hotline *h, vg_error *err)
{
    vg_error own;
    if (!err)
        err = &own;
    if (!h->index_path)
        return VG_OK;
    vg_index_ref *r = NULL;
    vg_status st = open_ref(h->index_path, &r, err);
    struct stat now;
    int known = stat(h->index_path, &now) == 0;
    pthread_mutex_lock(&h->index_lock);
    if (st == VG_OK) {
        install(h, r);
    } else {
        snprintf(h->index_problem, sizeof h->index_problem, "%s", err->message);
        if (known)
            identity(&now, h->index_failed);
    }
    pthread_mutex_unlock(&h->index_lock);
    return st;
}

void vg_hotline_index_close(vg_hotline *h)
{
    pthread_mutex_lock(&h->index_lock);
    unref(h->index_ref);
    h->index_ref = NULL;
    pthread_mutex_unlock(&h->index_lock);
}

const vg_index *vg_hotline_index_acquire(vg_hotline *h, void **ticket)
{
    *ticket = NULL;
    if (!h->index_path)
        return NULL;
    struct stat st;
    int changed = 0;
    pthread_mutex_lock(&h->index_lock);
    if (h->index_ref && stat(h->index_path, &st) == 0 && !same_file(h->index_ref, &st)) {
        uint64_t id[4];
        identity(&st, id);
        changed = memcmp(id, h->index_failed, sizeof id) != 0;
    }
    pthread_mutex_unlock(&h->index_lock);
    /* Opening checks the file's header and small sections: done outside
     * the lock, so searches on the index open meanwhile are not held up.
     * A file that cannot be opened leaves the one open before in use. */
    if (changed) {
        vg_error err;
        vg_hotline_index_reload(h, &err);
    }
    pthread_mutex_lock(&h->index_lock);
    vg_index_ref *r = h->index_ref;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&h->index_lock);
    *ticket = r;
    return r ? r->index : NULL;
}

void vg_hotline_index_release(vg_hotline *h, void *ticket)
{
    if (!ticket)
        return;
    pthread_mutex_lock(&h->index_lock);
    unref(ticket);
    pthread_mutex_unlock(&h->index_lock);
}
