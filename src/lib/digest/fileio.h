/*
 * src/lib/digest/fileio.h - the read path shared by digest and filehash.
 *
 * Hashing is bound by how fast bytes reach the digest code, so every file
 * is read the same way: opened without blocking on FIFOs, announced to the
 * kernel as sequential, and read in large aligned blocks into a buffer the
 * caller owns and reuses.
 */
#ifndef VIGIE_DIGEST_FILEIO_H
#define VIGIE_DIGEST_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

/* Block size of every read: large enough that syscall cost vanishes, small
 * enough to stay friendly to the page cache readahead. */
#define VG_READ_BLOCK (1u << 20)
#define VG_READ_ALIGN 4096u

/* An aligned VG_READ_BLOCK buffer, freed with free(); NULL when out of memory. */
uint8_t *vg_read_buffer_new(void);

/*
 * Open path for reading. Only regular files and block devices are accepted:
 * a FIFO, socket, character device or directory is refused without ever
 * blocking in open(). On success *fd is a blocking descriptor the caller
 * closes. Messages name the path.
 */
vg_status vg_open_for_hashing(const char *path, int *fd, vg_error *err);

/* Tell the kernel the descriptor will be read once, front to back, and
 * start fetching the first VG_PREFETCH_BYTES. */
void vg_advise_sequential(int fd);

/* How far ahead of the reader the kernel is kept fetching, so that on a
 * cold disk reading overlaps hashing instead of alternating with it. */
#define VG_PREFETCH_BYTES (8u << 20)

/*
 * Read up to cap bytes, retrying short reads and EINTR, so *got < cap means
 * end of file; then ask for the bytes that just entered the prefetch
 * window. Messages name `name`.
 */
vg_status vg_read_fill(int fd, uint8_t *buf, size_t cap, size_t *got, const char *name,
                       vg_error *err);

#endif
