/* Depth-first, sorted, streaming walk of files and directories: see walk.h. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* One directory being visited: its sorted entry names. */
typedef struct walk_level {
    size_t path_len; /* length of the directory's path in walk->path */
    char *names;     /* NUL-separated names */
    size_t *offsets; /* into names, sorted */
    size_t count, next;
} walk_level;

struct vg_walk {
    char *const *roots;
    size_t root_count, next_root;
    walk_level *levels;
    size_t depth, level_cap;
    char *path; /* the current path, rebuilt in place */
    size_t path_cap;
    char message[320];
};

vg_walk *vg_walk_new(char *const *roots, size_t count)
{
    vg_walk *w = calloc(1, sizeof *w);
    if (w) {
        w->roots = roots;
        w->root_count = count;
    }
    return w;
}

static void pop_level(vg_walk *w)
{
    walk_level *l = &w->levels[--w->depth];
    free(l->names);
    free(l->offsets);
}

void vg_walk_free(vg_walk *w)
{
    if (!w)
        return;
    while (w->depth)
        pop_level(w);
    free(w->levels);
    free(w->path);
    free(w);
}

/* w->path becomes its first `keep` bytes, a slash unless one ends them, and name. */
static bool set_path(vg_walk *w, size_t keep, const char *name)
{
    size_t nlen = strlen(name);
    bool sep = keep > 0 && w->path[keep - 1] != '/';
    size_t need = keep + sep + nlen + 1;
    if (need > w->path_cap) {
        size_t cap = w->path_cap ? w->path_cap : 256;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(w->path, cap);
        if (!grown)
            return false;
        w->path = grown;
        w->path_cap = cap;
    }
    if (sep)
        w->path[keep++] = '/';
    memcpy(w->path + keep, name, nlen + 1);
    return true;
}

static int compare_offsets(const void *a, const void *b, void *names)
{
    const char *base = names;
    return strcmp(base + *(const size_t *)a, base + *(const size_t *)b);
}

/*
 * Read and sort the directory at w->path and make it the current level.
 * Returns 0, -1 when out of memory, or 1 when the directory cannot be read
 * (w->message says why).
 */
static int push_level(vg_walk *w)
{
    DIR *dir = opendir(w->path);
    if (!dir) {
        snprintf(w->message, sizeof w->message, "cannot read directory: %s", strerror(errno));
        return 1;
    }
    char *names = NULL;
    size_t *offsets = NULL;
    size_t used = 0, cap = 0, count = 0, offcap = 0;
    int result = 0;
    for (;;) {
        errno = 0;
        struct dirent *d = readdir(dir);
        if (!d) {
            if (errno) {
                snprintf(w->message, sizeof w->message, "cannot read directory: %s",
                         strerror(errno));
                result = 1;
            }
            break;
        }
        if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
            continue;
        size_t len = strlen(d->d_name) + 1;
        if (used + len > cap || count == offcap) {
            size_t ncap = cap ? cap : 4096, noff = offcap ? offcap : 64;
            while (ncap < used + len)
                ncap *= 2;
            if (count == offcap)
                noff *= 2;
            char *gn = realloc(names, ncap);
            if (gn)
                names = gn;
            size_t *go = realloc(offsets, noff * sizeof *offsets);
            if (go)
                offsets = go;
            if (!gn || !go) {
                result = -1;
                break;
            }
            cap = ncap;
            offcap = noff;
        }
        memcpy(names + used, d->d_name, len);
        offsets[count++] = used;
        used += len;
    }
    closedir(dir);
    if (result != 0) {
        free(names);
        free(offsets);
        return result;
    }
    if (w->depth == w->level_cap) {
        size_t ncap = w->level_cap ? 2 * w->level_cap : 16;
        walk_level *grown = realloc(w->levels, ncap * sizeof *grown);
        if (!grown) {
            free(names);
            free(offsets);
            return -1;
        }
        w->levels = grown;
        w->level_cap = ncap;
    }
    if (count > 1)
        qsort_r(offsets, count, sizeof *offsets, compare_offsets, names);
    w->levels[w->depth++] = (walk_level){.path_len = strlen(w->path), .names = names,
                                         .offsets = offsets, .count = count};
    return 0;
}

static const char *special_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "FIFO";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "character device";
    if (S_ISBLK(mode))
        return "block device";
    return "special file";
}

static uint64_t block_device_size(const char *path)
{
    uint64_t size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        if (ioctl(fd, BLKGETSIZE64, &size) != 0)
            size = 0;
        close(fd);
    }
    return size;
}

static int report(vg_walk_entry *e, const char *path, const char *message)
{
    *e = (vg_walk_entry){.kind = VG_WALK_ERROR, .path = path, .message = message};
    return 1;
}

/* Classify an explicit root, following symbolic links. */
static int visit_root(vg_walk *w, vg_walk_entry *e)
{
    const char *root = w->roots[w->next_root++];
    if (!set_path(w, 0, root))
        return -1;
    struct stat st;
    if (stat(w->path, &st) != 0) {
        struct stat lst;
        if (errno == ENOENT && lstat(w->path, &lst) == 0 && S_ISLNK(lst.st_mode))
            snprintf(w->message, sizeof w->message, "dangling symbolic link");
        else
            snprintf(w->message, sizeof w->message, "cannot stat: %s", strerror(errno));
        return report(e, w->path, w->message);
    }
    if (S_ISDIR(st.st_mode)) {
        int r = push_level(w);
        return r == 1 ? report(e, w->path, w->message) : r;
    }
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
        *e = (vg_walk_entry){.kind = VG_WALK_FILE, .path = w->path,
                             .size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size
                                                         : block_device_size(w->path)};
        return 1;
    }
    snprintf(w->message, sizeof w->message, "not a regular file (%s)", special_kind(st.st_mode));
    return report(e, w->path, w->message);
}

/* Classify the next name of the current directory, not following
 * directory links. Returns 0 when the name yields nothing to report. */
static int visit_child(vg_walk *w, vg_walk_entry *e)
{
    walk_level *l = &w->levels[w->depth - 1];
    const char *name = l->names + l->offsets[l->next++];
    if (!set_path(w, l->path_len, name))
        return -1;
    struct stat st;
    if (lstat(w->path, &st) != 0) {
        snprintf(w->message, sizeof w->message, "cannot stat: %s", strerror(errno));
        return report(e, w->path, w->message);
    }
    if (S_ISLNK(st.st_mode)) {
        if (stat(w->path, &st) != 0) {
            if (errno == ENOENT)
                snprintf(w->message, sizeof w->message, "dangling symbolic link");
            else
                snprintf(w->message, sizeof w->message, "cannot follow symbolic link: %s",
                         strerror(errno));
            return report(e, w->path, w->message);
        }
        if (S_ISDIR(st.st_mode))
            return 0;
    } else if (S_ISDIR(st.st_mode)) {
        int r = push_level(w);
        return r == 1 ? report(e, w->path, w->message) : r;
    }
    if (S_ISREG(st.st_mode)) {
        *e = (vg_walk_entry){.kind = VG_WALK_FILE, .path = w->path, .size = (uint64_t)st.st_size};
        return 1;
    }
    snprintf(w->message, sizeof w->message, "not a regular file (%s)", special_kind(st.st_mode));
    return report(e, w->path, w->message);
}

int vg_walk_next(vg_walk *w, vg_walk_entry *e)
{
    for (;;) {
        int r;
        if (w->depth == 0) {
            if (w->next_root == w->root_count)
                return 0;
            r = visit_root(w, e);
        } else if (w->levels[w->depth - 1].next == w->levels[w->depth - 1].count) {
            pop_level(w);
            continue;
        } else {
            r = visit_child(w, e);
        }
        if (r != 0)
            return r < 0 ? -1 : 1;
    }
}
