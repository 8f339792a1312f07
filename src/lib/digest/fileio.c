/* Opening and reading files for hashing: see fileio.h. */
#include "digest/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint8_t *vg_read_buffer_new(void)
{
    return aligned_alloc(VG_READ_ALIGN, VG_READ_BLOCK);
}

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    return "a special file";
}

vg_status vg_open_for_hashing(const char *path, int *fd, vg_error *err)
{
    *fd = -1;
    if (!path)
        return vg_error_set(err, VG_ERR_INVALID, "no path given");
    /* O_NONBLOCK so that opening a FIFO returns at once; it is refused below.
     * O_NOATIME so that hashing evidence leaves its access times alone; the
     * kernel allows it only to the file's owner (or root), so retry without. */
    const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int f = open(path, flags | O_NOATIME);
    if (f < 0 && errno == EPERM)
        f = open(path, flags);
    if (f < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        close(f);
        return vg_error_set(err, VG_ERR_IO, "%s: not a regular file (it is %s)", path,
                            file_kind(st.st_mode));
    }
    int now = fcntl(f, F_GETFL);
    if (now < 0 || fcntl(f, F_SETFL, now & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(f);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot configure descriptor: %s", path,
                            strerror(e));
    }
    *fd = f;
    return VG_OK;
}

/* Advice only, here and below: a descriptor that cannot take it (a pipe)
 * reads the same. */
void vg_advise_sequential(int fd)
{
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos >= 0)
        (void)posix_fadvise(fd, pos, VG_PREFETCH_BYTES, POSIX_FADV_WILLNEED);
}

/* Keep [pos, pos + VG_PREFETCH_BYTES) requested: after reading `got` bytes
 * only its last `got` bytes are new. */
static void prefetch_ahead(int fd, size_t got)
{
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos >= 0 && got)
        (void)posix_fadvise(fd, pos + (off_t)VG_PREFETCH_BYTES - (off_t)got, (off_t)got,
                            POSIX_FADV_WILLNEED);
}

vg_status vg_read_fill(int fd, uint8_t *buf, size_t cap, size_t *got, const char *name,
                       vg_error *err)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r > 0) {
            n += (size_t)r;
        } else if (r == 0) {
            break;
        } else if (errno != EINTR) {
            *got = n;
            return vg_error_set(err, VG_ERR_IO, "%s: read failed: %s", name ? name : "input",
                                strerror(errno));
        }
    }
    *got = n;
    if (n == cap)
        prefetch_ahead(fd, n);
    return VG_OK;
}
