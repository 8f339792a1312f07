/*
 * input.c - an AVIOContext over a vg_video_source: memory, a descriptor
 * read with pread, or the caller's callbacks. No file name ever reaches
 * FFmpeg, so no plaintext copy of the video is needed, and every byte the
 * demuxer reads goes through read_packet, where the byte budget and the
 * cancel callback are enforced.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/mem.h>

#include "video/video_internal.h"

/* The demuxer's read unit. */
#define INPUT_BUFFER_BYTES (64 * 1024)

vg_video_source vg_video_source_memory(const uint8_t *data, size_t len)
{
    return (vg_video_source){.kind = VG_VIDEO_MEMORY, .data = data, .len = len, .fd = -1,
                             .size = (int64_t)len};
}

vg_video_source vg_video_source_fd(int fd)
{
    return (vg_video_source){.kind = VG_VIDEO_FD, .fd = fd, .size = -1};
}

vg_video_source vg_video_source_callbacks(vg_video_read_fn read, vg_video_seek_fn seek,
                                          int64_t size, void *user)
{
    return (vg_video_source){.kind = VG_VIDEO_CALLBACKS, .fd = -1, .read = read, .seek = seek,
                             .size = size, .user = user};
}

static int read_packet(void *opaque, uint8_t *buf, int buf_size)
{
    video_input *in = opaque;
    if (in->cancelled && in->cancelled(in->cancel_user)) {
        in->was_cancelled = true;
        return AVERROR_EXIT;
    }
    if (buf_size <= 0)
        return 0;
    size_t want = (size_t)buf_size;
    if (in->bytes_read >= in->max_bytes) {
        in->over_budget = true;
        return AVERROR(EFBIG);
    }
    if (want > in->max_bytes - in->bytes_read)
        want = (size_t)(in->max_bytes - in->bytes_read);

    const vg_video_source *src = in->src;
    int64_t got;
    switch (src->kind) {
    case VG_VIDEO_MEMORY:
        if (in->pos >= src->len)
            return AVERROR_EOF;
        got = (int64_t)(src->len - in->pos < want ? src->len - in->pos : want);
        memcpy(buf, src->data + in->pos, (size_t)got);
        break;
    case VG_VIDEO_FD:
        do
            got = pread(src->fd, buf, want, (off_t)in->pos);
        while (got < 0 && errno == EINTR);
        break;
    default:
        errno = 0;
        got = src->read(src->user, buf, want);
        if (got > (int64_t)want)
            got = -1;
        break;
    }
    if (got < 0) {
        in->io_failed = true;
        in->io_errno = errno;
        return AVERROR(EIO);
    }
    if (got == 0)
        return AVERROR_EOF;
    in->pos += (uint64_t)got;
    in->bytes_read += (uint64_t)got;
    return (int)got;
}

static int64_t seek_to(video_input *in, uint64_t target)
{
    const vg_video_source *src = in->src;
    if (src->kind == VG_VIDEO_CALLBACKS && src->seek(src->user, target) != 0) {
        in->io_failed = true;
        in->io_errno = errno;
        return AVERROR(EIO);
    }
    in->pos = target;
    return (int64_t)target;
}

static int64_t seek_packet(void *opaque, int64_t offset, int whence)
{
    video_input *in = opaque;
    int64_t size = in->size;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        return size >= 0 ? size : AVERROR(ENOSYS);
    case SEEK_SET:
        break;
    case SEEK_CUR:
        if (offset > INT64_MAX - (int64_t)in->pos)
            return AVERROR(EINVAL);
        offset += (int64_t)in->pos;
        break;
    case SEEK_END:
        if (size < 0 || offset > INT64_MAX - size)
            return AVERROR(ENOSYS);
        offset += size;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if (offset < 0)
        return AVERROR(EINVAL);
    return seek_to(in, (uint64_t)offset);
}

vg_status video_input_open(video_input *in, const vg_video_source *src,
                           const vg_video_options *opts, vg_error *err)
{
    memset(in, 0, sizeof *in);
    in->src = src;
    in->max_bytes = opts->limits.max_bytes;
    in->cancelled = opts->cancelled;
    in->cancel_user = opts->cancel_user;

    bool seekable = true;
    in->size = src->size;
    switch (src->kind) {
    case VG_VIDEO_MEMORY:
        if (!src->data && src->len)
            return vg_error_set(err, VG_ERR_INVALID, "memory source without data");
        if (src->len > in->max_bytes)
            return vg_error_set(err, VG_ERR_TOO_LARGE,
                                "video is %zu bytes, over the %llu-byte limit", src->len,
                                (unsigned long long)in->max_bytes);
        in->size = (int64_t)src->len;
        break;
    case VG_VIDEO_FD:
        if (src->fd < 0)
            return vg_error_set(err, VG_ERR_INVALID, "descriptor source without a descriptor");
        struct stat st;
        if (fstat(src->fd, &st) == 0 && S_ISREG(st.st_mode))
            in->size = st.st_size;
        break;
    case VG_VIDEO_CALLBACKS:
        if (!src->read)
            return vg_error_set(err, VG_ERR_INVALID, "callback source without a read callback");
        seekable = src->seek != NULL;
        break;
    default:
        return vg_error_set(err, VG_ERR_INVALID, "unknown video source kind %d", (int)src->kind);
    }

    uint8_t *buffer = av_malloc(INPUT_BUFFER_BYTES);
    if (!buffer)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating the video input");
    in->avio = avio_alloc_context(buffer, INPUT_BUFFER_BYTES, 0, in, read_packet,
                                  NULL, seekable ? seek_packet : NULL);
    if (!in->avio) {
        av_free(buffer);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating the video input");
    }
    in->avio->seekable = seekable ? AVIO_SEEKABLE_NORMAL : 0;
    return VG_OK;
}

void video_input_close(video_input *in)
{
    if (!in->avio)
        return;
    av_freep(&in->avio->buffer);
    avio_context_free(&in->avio);
}

vg_status video_input_failure(const video_input *in, vg_error *err)
{
    if (in->was_cancelled)
        return vg_error_set(err, VG_ERR_ABORTED, "cancelled");
    if (in->over_budget)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "read %llu bytes, the limit for one video",
                            (unsigned long long)in->max_bytes);
    if (in->io_failed)
        return vg_error_set(err, VG_ERR_IO, "cannot read the video: %s",
                            in->io_errno ? strerror(in->io_errno) : "the source failed");
    return VG_OK;
}
