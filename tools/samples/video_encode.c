/*
 * video_encode.c - encode procedural frames into a video in memory with
 * libavformat and libavcodec (see video_encode.h).
 */
#include "video_encode.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* ---- the scene ---------------------------------------------------------- */

static double hash01(int x, int y, unsigned seed)
{
    uint32_t h = (uint32_t)x * 2654435761u ^ (uint32_t)y * 2246822519u ^ seed * 3266489917u;
    h ^= h >> 15;
    h *= 668265263u;
    h ^= h >> 13;
    return (double)(h & 0xFFFFFF) / 16777216.0;
}

static double smooth_noise(double x, double y, unsigned seed)
{
    int xi = (int)floor(x), yi = (int)floor(y);
    double fx = x - xi, fy = y - yi;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    double a = hash01(xi, yi, seed), b = hash01(xi + 1, yi, seed);
    double c = hash01(xi, yi + 1, seed), d = hash01(xi + 1, yi + 1, seed);
    return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

static uint8_t to8(double v)
{
    return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

void vg_scene_frame(unsigned seed, uint32_t index, uint8_t *rgb, uint32_t width,
                    uint32_t height)
{
    /* The camera pans right by 1 % of the width per frame; a disc crosses
     * the view faster; the scene's colours and hill shapes follow the seed. */
    double pan = index * 0.01 * width;
    double hue = hash01(1, 2, seed);
    double disc_x = fmod(index * 0.03 * width, 1.4 * width) - 0.2 * width;
    double disc_y = height * (0.3 + 0.2 * hash01(3, 4, seed));
    double disc_r = height * 0.12;
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            double wx = (x + pan) / width, wy = (double)y / height;
            double ridge = 0.55 + 0.15 * sin(wx * (5 + 4 * hue) + seed) +
                           0.08 * smooth_noise(wx * 6, 0.5, seed);
            double tex = smooth_noise(wx * 24, wy * 24, seed + 7);
            double r, g, b;
            if (wy < ridge) { /* sky, brighter towards the horizon */
                r = 80 + 120 * wy + 40 * hue;
                g = 120 + 100 * wy;
                b = 200 + 40 * wy;
            } else { /* hills with grass texture */
                r = 40 + 60 * tex + 80 * hue;
                g = 90 + 110 * tex;
                b = 30 + 40 * tex;
            }
            double dx = x - disc_x, dy = y - disc_y;
            if (dx * dx + dy * dy < disc_r * disc_r) {
                r = 230;
                g = 180 * (1 - hue);
                b = 40;
            }
            uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            p[0] = to8(r), p[1] = to8(g), p[2] = to8(b);
        }
    }
}

/* ---- in-memory output ------------------------------------------------- */

typedef struct memory_out {
    uint8_t *data;
    size_t len, cap, pos;
    bool failed;
} memory_out;

static int write_packet(void *opaque, uint8_t *buf, int size)
{
    memory_out *m = opaque;
    size_t end = m->pos + (size_t)size;
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < end)
            cap *= 2;
        uint8_t *grown = realloc(m->data, cap);
        if (!grown) {
            m->failed = true;
            return AVERROR(ENOMEM);
        }
        m->data = grown;
        m->cap = cap;
    }
    if (m->pos > m->len)
        memset(m->data + m->len, 0, m->pos - m->len);
    memcpy(m->data + m->pos, buf, (size_t)size);
    m->pos = end;
    if (end > m->len)
        m->len = end;
    return size;
}

static int64_t seek_out(void *opaque, int64_t offset, int whence)
{
    memory_out *m = opaque;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        return (int64_t)m->len;
    case SEEK_SET:
        break;
    case SEEK_CUR:
        offset += (int64_t)m->pos;
        break;
    case SEEK_END:
        offset += (int64_t)m->len;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if (offset < 0)
        return AVERROR(EINVAL);
    m->pos = (size_t)offset;
    return offset;
}

/* ---- encoding --------------------------------------------------------- */

typedef struct encoder {
    const vg_video_encode_options *o;
    AVFormatContext *oc;
    AVCodecContext *ctx;
    AVStream *stream;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    uint8_t *rgb;
    memory_out out;
} encoder;

static vg_status fail(vg_error *err, const char *what, int code)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(code, msg, sizeof msg);
    return vg_error_set(err, VG_ERR_INVALID, "%s: %s", what, msg);
}

static vg_status drain(encoder *e, vg_error *err)
{
    for (;;) {
        int r = avcodec_receive_packet(e->ctx, e->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return VG_OK;
        if (r < 0)
            return fail(err, "encoding", r);
        av_packet_rescale_ts(e->pkt, e->ctx->time_base, e->stream->time_base);
        e->pkt->stream_index = e->stream->index;
        r = av_interleaved_write_frame(e->oc, e->pkt);
        if (r < 0)
            return fail(err, "writing a packet", r);
    }
}

static vg_status open_codec(encoder *e, vg_error *err)
{
    const vg_video_encode_options *o = e->o;
    const AVCodec *codec = avcodec_find_encoder_by_name(o->codec);
    if (!codec)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "no encoder '%s'", o->codec);
    if (!(e->stream = avformat_new_stream(e->oc, NULL)) ||
        !(e->ctx = avcodec_alloc_context3(codec)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    AVCodecContext *c = e->ctx;
    AVRational rate = {o->rate_num ? o->rate_num : 25, o->rate_den ? o->rate_den : 1};
    c->width = (int)o->width;
    c->height = (int)o->height;
    c->time_base = av_inv_q(rate);
    c->framerate = rate;
    c->gop_size = 12;
    c->thread_count = 1;
    c->pix_fmt = o->pix_fmt ? av_get_pix_fmt(o->pix_fmt)
                 : codec->pix_fmts ? codec->pix_fmts[0]
                                   : AV_PIX_FMT_YUV420P;
    if (o->quality > 0) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * o->quality;
        av_opt_set_int(c->priv_data, "crf", o->quality, 0);
    }
    av_opt_set(c->priv_data, "preset", "veryfast", 0);
    av_opt_set(c->priv_data, "x265-params", "log-level=error", 0);
    if (e->oc->oformat->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int r = avcodec_open2(c, codec, NULL);
    if (r < 0)
        return fail(err, "opening the encoder", r);
    if ((r = avcodec_parameters_from_context(e->stream->codecpar, c)) < 0)
        return fail(err, "codec parameters", r);
    e->stream->time_base = c->time_base;
    e->stream->avg_frame_rate = rate;
    for (unsigned i = 0; i < o->extra_streams; i++) {
        AVStream *extra = avformat_new_stream(e->oc, NULL);
        if (!extra || avcodec_parameters_copy(extra->codecpar, e->stream->codecpar) < 0)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding streams");
        extra->time_base = c->time_base;
    }
    return VG_OK;
}

static vg_status encode_frames(encoder *e, vg_error *err)
{
    const vg_video_encode_options *o = e->o;
    AVCodecContext *c = e->ctx;
    e->frame->format = c->pix_fmt;
    e->frame->width = c->width;
    e->frame->height = c->height;
    int r = av_frame_get_buffer(e->frame, 0);
    if (r < 0)
        return fail(err, "frame buffer", r);
    e->sws = sws_getContext(c->width, c->height, AV_PIX_FMT_RGB24, c->width, c->height,
                            c->pix_fmt, SWS_BICUBIC, NULL, NULL, NULL);
    e->rgb = malloc((size_t)o->width * o->height * 3);
    if (!e->sws || !e->rgb)
        return vg_error_set(err, VG_ERR_NOMEM, "cannot convert frames to %s",
                            av_get_pix_fmt_name(c->pix_fmt));
    for (uint32_t i = 0; i < o->frames; i++) {
        if (o->frame)
            o->frame(o->frame_user, i, e->rgb, o->width, o->height);
        else
            vg_scene_frame(o->seed, i, e->rgb, o->width, o->height);
        if ((r = av_frame_make_writable(e->frame)) < 0)
            return fail(err, "frame", r);
        const uint8_t *src[1] = {e->rgb};
        int src_stride[1] = {(int)o->width * 3};
        sws_scale(e->sws, src, src_stride, 0, c->height, e->frame->data, e->frame->linesize);
        e->frame->pts = i;
        if ((r = avcodec_send_frame(c, e->frame)) < 0)
            return fail(err, "encoding a frame", r);
        vg_status st = drain(e, err);
        if (st != VG_OK)
            return st;
    }
    if ((r = avcodec_send_frame(c, NULL)) < 0)
        return fail(err, "flushing the encoder", r);
    return drain(e, err);
}

vg_status vg_encode_video(const vg_video_encode_options *o, uint8_t **out, size_t *out_len,
                          vg_error *err)
{
    *out = NULL;
    *out_len = 0;
    encoder e = {.o = o};
    vg_status st = VG_OK;
    uint8_t *io_buffer = av_malloc(65536);
    AVIOContext *avio = io_buffer ? avio_alloc_context(io_buffer, 65536, 1, &e.out, NULL,
                                                       write_packet, seek_out)
                                  : NULL;
    int r = avio ? avformat_alloc_output_context2(&e.oc, NULL, o->container, NULL)
                 : AVERROR(ENOMEM);
    if (r < 0 || !e.oc) {
        st = fail(err, "output container", r);
        goto done;
    }
    e.oc->pb = avio;
    e.frame = av_frame_alloc();
    e.pkt = av_packet_alloc();
    if (!e.frame || !e.pkt) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = open_codec(&e, err)) != VG_OK)
        goto done;
    if ((r = avformat_write_header(e.oc, NULL)) < 0) {
        st = fail(err, "writing the header", r);
        goto done;
    }
    if ((st = encode_frames(&e, err)) != VG_OK)
        goto done;
    if ((r = av_write_trailer(e.oc)) < 0) {
        st = fail(err, "writing the trailer", r);
        goto done;
    }
    avio_flush(avio);
    if (e.out.failed) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    *out = e.out.data;
    *out_len = e.out.len;
    e.out.data = NULL;
done:
    free(e.out.data);
    free(e.rgb);
    sws_freeContext(e.sws);
    av_frame_free(&e.frame);
    av_packet_free(&e.pkt);
    avcodec_free_context(&e.ctx);
    avformat_free_context(e.oc);
    if (avio) {
        av_freep(&avio->buffer);
        avio_context_free(&avio);
    } else {
        av_free(io_buffer);
    }
    return st;
}
