/*
 * src/hotline/bank_index.c - the bank index, reloaded when its file is
 * replaced (bank_index.h).
 *
 * Each opened version of the file is counted: the bank_index holds one
 * reference on the current version, and each request one on the version it
 * acquired. A new version replaces the current one under the lock; the old
 * one is closed (its mapping undone) by whoever drops its last reference.
 */
#include "hotline/bank_index.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct version {
    vg_index *index;
    unsigned refs;
} version;

struct vg_bank_index {
    char *path;
    int64_t check_seconds;
    pthread_mutex_t lock;
    version *current; /* under lock */
    struct stat seen; /* the file current was opened from */
    int64_t checked_at;
    uint64_t reloads;
};

static void drop(version *v)
{
    if (--v->refs == 0) {
        vg_index_close(v->index);
        free(v);
    }
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* A version of the file at path, as it is now; its identity into seen. */
static vg_status open_version(const char *path, version **out, struct stat *seen, vg_error *err)
{
    /* stat first: a file replaced between the two is seen again next time */
    if (stat(path, seen) != 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read it", path);
    version *v = calloc(1, sizeof *v);
    if (!v)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = vg_index_open(path, &v->index, err);
    if (st != VG_OK) {
        free(v);
        return st;
    }
    v->refs = 1;
    *out = v;
    return VG_OK;
}

vg_status vg_bank_index_open(const char *path, int64_t check_seconds, vg_bank_index **out,
                             vg_error *err)
{
    *out = NULL;
    vg_bank_index *b = calloc(1, sizeof *b);
    if (!b || !(b->path = strdup(path))) {
        free(b);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    vg_status st = open_version(path, &b->current, &b->seen, err);
    if (st != VG_OK) {
        free(b->path);
        free(b);
        return st;
    }
    b->check_seconds = check_seconds;
    b->checked_at = (int64_t)time(NULL);
    pthread_mutex_init(&b->lock, NULL);
    *out = b;
    return VG_OK;
}

void vg_bank_index_close(vg_bank_index *b)
{
    if (!b)
        return;
    drop(b->current);
    pthread_mutex_destroy(&b->lock);
    free(b->path);
    free(b);
}

/* Under lock: open the file again when it was replaced since. */
static void check(vg_bank_index *b)
{
    int64_t now = (int64_t)time(NULL);
    if (now - b->checked_at < b->check_seconds)
        return;
    b->checked_at = now;
    struct stat st;
    if (stat(b->path, &st) != 0 || same_file(&st, &b->seen))
        return;
    version *fresh = NULL;
    struct stat seen;
    if (open_version(b->path, &fresh, &seen, NULL) != VG_OK)
        return; /* keep the one in use; try again at the next check */
    drop(b->current);
    b->current = fresh;
    b->seen = seen;
    b->reloads++;
}

vg_index *vg_bank_index_acquire(vg_bank_index *b, void **held)
{
    pthread_mutex_lock(&b->lock);
    check(b);
    version *v = b->current;
    v->refs++;
    pthread_mutex_unlock(&b->lock);
    *held = v;
    return v->index;
}

void vg_bank_index_release(vg_bank_index *b, void *held)
{
    pthread_mutex_lock(&b->lock);
    drop(held);
    pthread_mutex_unlock(&b->lock);
}

uint64_t vg_bank_index_reloads(vg_bank_index *b)
{
    pthread_mutex_lock(&b->lock);
    uint64_t n = b->reloads;
    pthread_mutex_unlock(&b->lock);
    return n;
}
