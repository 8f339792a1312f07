/*
 * src/cli/walk.h - stream the files named on a command line, recursively.
 *
 * The walk is an iterator: it holds only the sorted entry names of the
 * directories on the current path, never the whole tree, so a tree of a
 * million files costs the memory of its largest directory.
 *
 * Rules, shared by every command that walks:
 *   - roots are visited in the order given; a directory's entries in
 *     byte-wise name order (strcmp), depth first, so output is the same on
 *     every run and machine;
 *   - an explicit root may be a regular file, a directory, a block device
 *     (a seized disk) or a symbolic link to one of those;
 *   - inside directories, symbolic links to regular files are files, symbolic
 *     links to directories are skipped (they can form loops), and dangling
 *     links, FIFOs, sockets and devices are reported as errors without being
 *     opened (opening a FIFO blocks);
 *   - a directory that cannot be read is reported as an error and the walk
 *     goes on.
 */
#ifndef VIGIE_CLI_WALK_H
#define VIGIE_CLI_WALK_H

#include <stddef.h>
#include <stdint.h>

typedef enum vg_walk_kind {
    VG_WALK_FILE,  /* something to read: a regular file or an explicit block device */
    VG_WALK_ERROR  /* something to report: see message */
} vg_walk_kind;

typedef struct vg_walk_entry {
    vg_walk_kind kind;
    const char *path;    /* valid until the next vg_walk_next call */
    uint64_t size;       /* bytes, when known (0 otherwise) */
    const char *message; /* VG_WALK_ERROR: why, e.g. "not a regular file (FIFO)" */
} vg_walk_entry;

typedef struct vg_walk vg_walk;

/* The roots are borrowed and must outlive the walk. NULL when out of memory. */
vg_walk *vg_walk_new(char *const *roots, size_t count);
/* Next entry; 0 at the end, -1 when out of memory (the walk cannot go on). */
int vg_walk_next(vg_walk *walk, vg_walk_entry *entry);
void vg_walk_free(vg_walk *walk);

#endif
