/*
 * Writing an index file: sections are appended to a temporary file next to
 * the destination, then the header and section table are written at the
 * front, the file is synced and renamed over the destination, so a reader
 * sees either the old index or the complete new one; the directory is
 * synced last, so that the rename survives a power cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/index_internal.h"

#define WRITE_BUFFER (1u << 20)

struct vg_writer {
    char *path;
    char *temp_path;
    int fd;
    uint64_t offset; /* file offset of the next byte appended */
    uint8_t *buffer;
    size_t buffered;
    section_entry table[VG_INDEX_MAX_SECTIONS];
    uint32_t count;
    bool in_section;
    vg_checksum sum;
};

static vg_status flush(vg_writer *w, vg_error *err)
{
    size_t done = 0;
    while (done < w->buffered) {
        ssize_t n = write(w->fd, w->buffer + done, w->buffered - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", w->path,
                                strerror(errno));
        }
        done += (size_t)n;
    }
    w->buffered = 0;
    return VG_OK;
}

static vg_status put(vg_writer *w, const void *data, size_t len, vg_error *err)
{
    const uint8_t *p = data;
    if (len >= WRITE_BUFFER) {
        /* Large arrays go straight from the caller's memory to the file. */
        vg_status st = flush(w, err);
        while (st == VG_OK && len) {
            ssize_t n = write(w->fd, p, len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", w->path,
                                    strerror(errno));
            p += n;
            len -= (size_t)n;
            w->offset += (uint64_t)n;
        }
        return st;
    }
    while (len) {
        if (w->buffered == WRITE_BUFFER) {
            vg_status st = flush(w, err);
            if (st != VG_OK)
                return st;
        }
        size_t take = WRITE_BUFFER - w->buffered < len ? WRITE_BUFFER - w->buffered : len;
        memcpy(w->buffer + w->buffered, p, take);
        w->buffered += take;
        w->offset += take;
        p += take;
        len -= take;
    }
    return VG_OK;
}

vg_status vg_writer_open(const char *path, vg_writer **out, vg_error *err)
{
    vg_writer *w = calloc(1, sizeof *w);
    size_t plen = strlen(path);
    if (w) {
        w->path = strdup(path);
        w->temp_path = malloc(plen + 16);
        w->buffer = malloc(WRITE_BUFFER);
    }
    if (!w || !w->path || !w->temp_path || !w->buffer) {
        if (w) {
            free(w->path);
            free(w->temp_path);
            free(w->buffer);
            free(w);
        }
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(w->temp_path, path, plen);
    memcpy(w->temp_path + plen, ".tmp-XXXXXX", 12);
    w->fd = mkstemp(w->temp_path);
    if (w->fd < 0) {
        vg_status st = vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", w->temp_path,
                                    strerror(errno));
        free(w->path);
        free(w->temp_path);
        free(w->buffer);
        free(w);
        return st;
    }
    /* Room for the header and the largest section table. */
    uint64_t front = VG_INDEX_HEADER_BYTES + (uint64_t)VG_INDEX_MAX_SECTIONS * sizeof(section_entry);
    static const uint8_t zeros[VG_INDEX_ALIGN];
    while (w->offset < front) {
        uint64_t n = front - w->offset < sizeof zeros ? front - w->offset : sizeof zeros;
        vg_status st = put(w, zeros, (size_t)n, err);
        if (st != VG_OK) {
            vg_writer_abort(w);
            return st;
        }
    }
    *out = w;
    return VG_OK;
}

static void end_section(vg_writer *w)
{
    if (!w->in_section)
        return;
    section_entry *e = &w->table[w->count - 1];
    e->bytes = w->offset - e->offset;
    e->checksum = vg_checksum_final(&w->sum);
    w->in_section = false;
}

vg_status vg_writer_begin(vg_writer *w, uint32_t id, vg_error *err)
{
    end_section(w);
    if (w->count == VG_INDEX_MAX_SECTIONS)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "%s: too many sections", w->path);
    static const uint8_t zeros[VG_INDEX_ALIGN];
    size_t pad = (size_t)((VG_INDEX_ALIGN - w->offset % VG_INDEX_ALIGN) % VG_INDEX_ALIGN);
    vg_status st = put(w, zeros, pad, err);
    if (st != VG_OK)
        return st;
    section_entry *e = &w->table[w->count++];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->offset = w->offset;
    vg_checksum_init(&w->sum);
    w->in_section = true;
    return VG_OK;
}

vg_status vg_writer_append(vg_writer *w, const void *data, size_t len, vg_error *err)
{
    if (len == 0)
        return VG_OK;
    vg_checksum_update(&w->sum, data, len);
    return put(w, data, len, err);
}

vg_status vg_writer_section(vg_writer *w, uint32_t id, const void *data, size_t len,
                            vg_error *err)
{
    vg_status st = vg_writer_begin(w, id, err);
    if (st == VG_OK)
        st = vg_writer_append(w, data, len, err);
    return st;
}

static vg_status pwrite_all(vg_writer *w, const void *data, size_t len, off_t at, vg_error *err)
{
    const uint8_t *p = data;
    while (len) {
        ssize_t n = pwrite(w->fd, p, len, at);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", w->path,
                                strerror(errno));
        }
        p += n;
        len -= (size_t)n;
        at += n;
    }
    return VG_OK;
}

static vg_status sync_directory_of(const char *path, vg_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_status st = VG_OK;
    if (fd < 0 || fsync(fd) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot sync the directory: %s", dir,
                          strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return st;
}

vg_status vg_writer_commit(vg_writer *w, vg_error *err)
{
    end_section(w);
    vg_status st = flush(w, err);
    if (st == VG_OK) {
        size_t table_bytes = w->count * sizeof(section_entry);
        file_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, VG_INDEX_MAGIC, 8);
        h.version = VG_INDEX_FORMAT_VERSION;
        h.header_bytes = VG_INDEX_HEADER_BYTES;
        h.section_count = w->count;
        h.file_bytes = w->offset;
        h.table_checksum = vg_checksum_buffer(w->table, table_bytes);
        h.header_checksum = vg_checksum_buffer(&h, sizeof h);
        st = pwrite_all(w, w->table, table_bytes, VG_INDEX_HEADER_BYTES, err);
        if (st == VG_OK)
            st = pwrite_all(w, &h, sizeof h, 0, err);
    }
    if (st == VG_OK && fsync(w->fd) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot sync: %s", w->path, strerror(errno));
    if (st == VG_OK && fchmod(w->fd, 0644) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot set permissions: %s", w->path,
                          strerror(errno));
    if (st == VG_OK && rename(w->temp_path, w->path) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot rename %s over it: %s", w->path,
                          w->temp_path, strerror(errno));
    if (st != VG_OK) {
        vg_writer_abort(w);
        return st;
    }
    /* Should this fail, the new index is in place and complete, only its
     * durability is in doubt: say so rather than remove what readers may
     * already be using. */
    st = sync_directory_of(w->path, err);
    close(w->fd);
    free(w->path);
    free(w->temp_path);
    free(w->buffer);
    free(w);
    return st;
}

void vg_writer_abort(vg_writer *w)
{
    if (!w)
        return;
    close(w->fd);
    unlink(w->temp_path);
    free(w->path);
    free(w->temp_path);
    free(w->buffer);
    free(w);
}
