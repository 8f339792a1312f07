/*
 * video.c - vPDQ of a video: open the container on a video_input, decode
 * the first video stream, convert each sampled frame to RGB24 at the
 * stream's size and PDQ-hash it row by row (see vigie/video.h for the
 * contract and the reference's rules this follows).
 *
 * One call holds the demuxer's read buffer, one packet, one decoded frame
 * (plus what the decoder keeps for reference frames) and one RGB frame; the
 * hasher keeps the RGB buffer, the scaler and the PDQ state between calls.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "pdq/pdq_internal.h"
#include "video/video_internal.h"
#include "vigie/image.h"
#include "vigie/pdq.h"

#define LOG_CAPTURE_BYTES 200
/* Packets read per decoded frame allowed before the stream is taken for
 * one that never yields frames (empty or undecodable packets, other
 * streams' packets that the demuxer does not drop). */
#define PACKETS_PER_FRAME 16
#define PACKETS_SLACK 100000
#define ROW_ALIGN 64

struct vg_video_hasher {
    vg_video_options opts;
    vg_pdq_stream *pdq;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *sws;
    uint8_t *scratch; /* luma and chroma rows (exact path) or an RGB frame (swscale) */
    size_t scratch_bytes;
    video_yuv_table yuv_limited, yuv_full;
    char log[LOG_CAPTURE_BYTES]; /* last error FFmpeg logged during the current call */
};

/* ---- logging ----------------------------------------------------------- */

/* The log buffer of the hasher running on this thread, if any. FFmpeg's
 * callback is process-wide; this is how a message finds its call. */
static _Thread_local char *capture_log;

static void log_callback(void *avcl, int level, const char *fmt, va_list ap)
{
    (void)avcl;
    if (level > AV_LOG_ERROR || !capture_log)
        return;
    char line[LOG_CAPTURE_BYTES];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '.'))
        line[--n] = '\0';
    if (n)
        memcpy(capture_log, line, n + 1);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void install_log_callback(void)
{
    av_log_set_callback(log_callback);
}

/* ---- options and sniffing ------------------------------------------------ */

void vg_video_options_init(vg_video_options *opts)
{
    *opts = (vg_video_options){.interval = VG_VIDEO_DEFAULT_INTERVAL, .threads = 1};
}

static void apply_default_limits(vg_video_limits *l)
{
    if (!l->max_bytes)
        l->max_bytes = VG_VIDEO_DEFAULT_MAX_BYTES;
    if (!(l->max_duration > 0))
        l->max_duration = VG_VIDEO_DEFAULT_MAX_DURATION;
    if (!l->max_frames)
        l->max_frames = VG_VIDEO_DEFAULT_MAX_FRAMES;
    if (!l->max_pixels)
        l->max_pixels = VG_VIDEO_DEFAULT_MAX_PIXELS;
    if (!l->max_streams)
        l->max_streams = VG_VIDEO_DEFAULT_MAX_STREAMS;
    if (!l->max_decode_errors)
        l->max_decode_errors = VG_VIDEO_DEFAULT_MAX_DECODE_ERRORS;
}

static bool starts(const uint8_t *data, size_t len, size_t at, const char *magic, size_t n)
{
    return len >= at + n && memcmp(data + at, magic, n) == 0;
}

const char *vg_video_media_type(const uint8_t *data, size_t len)
{
    if (!data || len < 4)
        return NULL;
    if (vg_image_sniff(data, len) != VG_FORMAT_UNKNOWN)
        return NULL; /* HEIF, AVIF (ISO boxes too), GIF: pictures */
    static const char *const quicktime_boxes[] = {"ftyp", "moov", "mdat", "free",
                                                  "skip", "wide", "pnot"};
    for (size_t i = 0; i < sizeof quicktime_boxes / sizeof *quicktime_boxes; i++)
        if (starts(data, len, 4, quicktime_boxes[i], 4))
            return starts(data, len, 8, "qt  ", 4) ? "video/quicktime" : "video/mp4";
    if (starts(data, len, 0, "\x1A\x45\xDF\xA3", 4))
        return "video/x-matroska";
    if (starts(data, len, 0, "OggS", 4))
        return "video/ogg";
    if (starts(data, len, 0, "FLV\x01", 4))
        return "video/x-flv";
    if (starts(data, len, 0, "\x00\x00\x01\xBA", 4))
        return "video/mpeg";
    if (starts(data, len, 0, "RIFF", 4) && starts(data, len, 8, "AVI ", 4))
        return "video/x-msvideo";
    if (starts(data, len, 0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C",
               16))
        return "video/x-ms-asf";
    /* MPEG-TS: a sync byte every 188 bytes (192 for M2TS, after a 4-byte
     * time code); one lone 'G' proves nothing, so two are needed. */
    if ((len > 188 && data[0] == 0x47 && data[188] == 0x47) ||
        (len > 196 && data[4] == 0x47 && data[196] == 0x47))
        return "video/mp2t";
    return NULL;
}

bool vg_video_sniff(const uint8_t *data, size_t len)
{
    return vg_video_media_type(data, len) != NULL;
}

/* ---- the hasher -------------------------------------------------------- */

vg_status vg_video_hasher_new(const vg_video_options *opts, vg_video_hasher **out, vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_video_hasher_new: out is NULL");
    *out = NULL;
    vg_video_options o;
    if (opts)
        o = *opts;
    else
        vg_video_options_init(&o);
    if (!(o.interval >= 0) || !isfinite(o.interval))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the video interval must be 0 or a positive number of seconds");
    apply_default_limits(&o.limits);
    pthread_once(&log_once, install_log_callback);

    vg_video_hasher *h = calloc(1, sizeof *h);
    if (!h)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating a video hasher");
    h->opts = o;
    video_yuv_table_init(&h->yuv_limited, false);
    video_yuv_table_init(&h->yuv_full, true);
    vg_status st = vg_pdq_stream_new(false, &h->pdq, err);
    if (st == VG_OK && (!(h->packet = av_packet_alloc()) || !(h->frame = av_frame_alloc())))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating a video hasher");
    if (st != VG_OK) {
        vg_video_hasher_free(h);
        return st;
    }
    *out = h;
    return VG_OK;
}

void vg_video_hasher_free(vg_video_hasher *h)
{
    if (!h)
        return;
    vg_pdq_stream_free(h->pdq);
    av_packet_free(&h->packet);
    av_frame_free(&h->frame);
    sws_freeContext(h->sws);
    free(h->scratch);
    free(h);
}

/* ---- one call ---------------------------------------------------------- */

typedef struct video_run {
    vg_video_hasher *h;
    const vg_video_limits *limits;
    video_input input;
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVStream *stream;
    uint32_t width, height; /* of the stream: what frames are converted to */
    float rate;             /* frames per second, single precision as the reference */
    uint64_t frame_mod;     /* hash frame n when n % frame_mod == 0 */
    uint64_t packets;
    uint64_t max_packets;
    vg_video_frame_fn on_frame;
    void *user;
    vg_video_info *info;
    struct stills *stills; /* vg_video_stills: frames kept for people, not hashed */
} video_run;

static const char *av_message(int code, char *buf, size_t size)
{
    if (av_strerror(code, buf, size) < 0)
        snprintf(buf, size, "error %d", code);
    return buf;
}

/* A failure of FFmpeg: the input's own reason when it has one, else the
 * message FFmpeg logged, else its error code, after `what`. */
static vg_status ffmpeg_failure(video_run *run, int code, vg_status status, const char *what,
                                vg_error *err)
{
    vg_status st = video_input_failure(&run->input, err);
    if (st != VG_OK)
        return st;
    if (code == AVERROR(ENOMEM))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what);
    char buf[AV_ERROR_MAX_STRING_SIZE];
    const char *detail = run->h->log[0] ? run->h->log : av_message(code, buf, sizeof buf);
    /* MP4 and QuickTime files usually keep their index after the frames. */
    const char *hint = run->input.avio && !run->input.avio->seekable && status == VG_ERR_CORRUPT
                           ? "; the input cannot seek, which MP4 and QuickTime files need"
                           : "";
    return vg_error_set(err, status, "%s (%s)%s", what, detail, hint);
}

static void keep_name(char *dst, size_t size, const char *name)
{
    snprintf(dst, size, "%s", name ? name : "");
}

/* Refuse every nested open: playlists, references and the like must not
 * reach another file or the network. */
static int refuse_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                          AVDictionary **options)
{
    (void)s, (void)pb, (void)url, (void)flags, (void)options;
    return AVERROR(EPERM);
}

static vg_status too_many_streams(const video_run *run, vg_error *err)
{
    return vg_error_set(err, VG_ERR_TOO_LARGE,
                        "the container has more than the %u streams "
                        "allowed",
                        run->limits->max_streams - 1);
}

static vg_status open_container(video_run *run, vg_error *err)
{
    const vg_video_limits *limits = run->limits;
    const AVInputFormat *format = NULL;
    int r = av_probe_input_buffer2(run->input.avio, &format, "", NULL, 0, 0);
    if (r < 0 || !format)
        return ffmpeg_failure(run, r, VG_ERR_UNSUPPORTED, "not a video container", err);
    keep_name(run->info->container, sizeof run->info->container, format->name);
    if (av_match_list(format->name, VG_VIDEO_CONTAINERS, ',') <= 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "container '%s' is not one vigie decodes",
                            format->name);

    AVFormatContext *ctx = avformat_alloc_context();
    if (!ctx)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the container");
    ctx->pb = run->input.avio;
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
    ctx->io_open = refuse_io_open;
    ctx->max_streams = (int)(limits->max_streams < INT_MAX ? limits->max_streams : INT_MAX);
    ctx->format_whitelist = av_strdup(VG_VIDEO_CONTAINERS);
    ctx->codec_whitelist = av_strdup(VG_VIDEO_CODECS);
    if (!ctx->format_whitelist || !ctx->codec_whitelist) {
        avformat_free_context(ctx);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the container");
    }
    /* avformat_open_input frees ctx when it fails. */
    r = avformat_open_input(&ctx, "", format, NULL);
    /* A demuxer refused a stream over max_streams; it says so only in its
     * log, and returns "out of memory". */
    if (r == AVERROR(ENOMEM) && strstr(run->h->log, "max_streams"))
        return too_many_streams(run, err);
    if (r < 0)
        return ffmpeg_failure(run, r, VG_ERR_CORRUPT, "cannot read the container", err);
    run->format = ctx;
    if (ctx->nb_streams >= limits->max_streams)
        return too_many_streams(run, err);
    return VG_OK;
}

static AVStream *first_video_stream(AVFormatContext *ctx)
{
    for (unsigned i = 0; i < ctx->nb_streams; i++) {
        AVStream *st = ctx->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            return st;
    }
    return NULL;
}

/* The declared frame size against the budget (0 means not known yet). */
static vg_status check_frame_size(const video_run *run, const AVCodecParameters *par, vg_error *err)
{
    if (par->width < 0 || par->height < 0)
        return vg_error_set(err, VG_ERR_CORRUPT, "the video stream has a negative frame size");
    if ((uint64_t)par->width * (uint64_t)par->height > run->limits->max_pixels)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "frames of %dx%d are over the %" PRIu64 "-pixel limit", par->width,
                            par->height, run->limits->max_pixels);
    return VG_OK;
}

/* Find the video stream, learn its frame rate, drop the other streams. */
static vg_status select_stream(video_run *run, vg_error *err)
{
    AVFormatContext *ctx = run->format;
    /* Streams already known from the header: only the video one is probed
     * further. Containers that announce streams as they go (MPEG-TS) are
     * probed whole. */
    AVStream *video = first_video_stream(ctx);
    if (video) {
        vg_status st = check_frame_size(run, video->codecpar, err);
        if (st != VG_OK)
            return st;
    }
    if (video)
        for (unsigned i = 0; i < ctx->nb_streams; i++)
            if (ctx->streams[i] != video)
                ctx->streams[i]->discard = AVDISCARD_ALL;
    /* Probing decodes a few frames with decoders of FFmpeg's own: they get
     * the pixel budget and one thread too. */
    unsigned probed = ctx->nb_streams;
    AVDictionary **probe_options = calloc(probed ? probed : 1, sizeof *probe_options);
    if (!probe_options)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory probing the streams");
    int r = 0;
    for (unsigned i = 0; i < probed && r >= 0; i++) {
        r = av_dict_set_int(&probe_options[i], "max_pixels", (int64_t)run->limits->max_pixels, 0);
        if (r >= 0)
            r = av_dict_set(&probe_options[i], "threads", "1", 0);
    }
    if (r >= 0)
        r = avformat_find_stream_info(ctx, probe_options);
    for (unsigned i = 0; i < probed; i++)
        av_dict_free(&probe_options[i]);
    free(probe_options);
    if (r < 0)
        return ffmpeg_failure(run, r, VG_ERR_CORRUPT, "cannot read the stream parameters", err);
    if (ctx->nb_streams >= run->limits->max_streams)
        return too_many_streams(run, err);
    if (!video && !(video = first_video_stream(ctx)))
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "no video stream");
    for (unsigned i = 0; i < ctx->nb_streams; i++)
        ctx->streams[i]->discard = ctx->streams[i] == video ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    run->stream = video;
    run->info->has_video = true;

    const AVCodecParameters *par = video->codecpar;
    vg_status st = check_frame_size(run, par, err);
    if (st != VG_OK)
        return st;
    if (par->width <= 0 || par->height <= 0)
        return vg_error_set(err, VG_ERR_CORRUPT, "the video stream has no frame size");
    run->width = (uint32_t)par->width;
    run->height = (uint32_t)par->height;
    run->info->width = run->width;
    run->info->height = run->height;

    AVRational rate = video->avg_frame_rate;
    if (rate.num <= 0 || rate.den <= 0)
        rate = video->r_frame_rate;
    if (rate.num <= 0 || rate.den <= 0)
        return vg_error_set(err, VG_ERR_CORRUPT, "the video stream has no frame rate");
    double fps = (double)rate.num / (double)rate.den;
    run->rate = (float)fps;
    if (!(run->rate > 0) || !isfinite(run->rate))
        return vg_error_set(err, VG_ERR_CORRUPT, "the video stream has an unusable frame rate");
    run->info->frame_rate = fps;
    /* The reference truncates interval * rate to an integer, at least 1. */
    double mod = floor(run->h->opts.interval * fps);
    run->frame_mod = mod < 1 ? 1 : mod >= 1e18 ? UINT64_MAX : (uint64_t)mod;
    return VG_OK;
}

static vg_status open_decoder(video_run *run, vg_error *err)
{
    const AVCodecParameters *par = run->stream->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "no decoder for the codec '%s'",
                            avcodec_get_name(par->codec_id));
    keep_name(run->info->codec, sizeof run->info->codec, codec->name);
    if (av_match_list(codec->name, VG_VIDEO_CODECS, ',') <= 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "codec '%s' is not one vigie decodes",
                            codec->name);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    if (!dec)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the decoder");
    run->decoder = dec;
    int r = avcodec_parameters_to_context(dec, par);
    if (r < 0)
        return ffmpeg_failure(run, r, VG_ERR_CORRUPT, "bad codec parameters", err);
    dec->thread_count = (int)(run->h->opts.threads > 64 ? 64 : run->h->opts.threads);
    dec->max_pixels = (int64_t)run->limits->max_pixels;
    dec->pkt_timebase = run->stream->time_base;
    r = avcodec_open2(dec, codec, NULL);
    if (r < 0)
        return ffmpeg_failure(run, r, VG_ERR_CORRUPT, "cannot open the decoder", err);
    return VG_OK;
}

static vg_status reserve_scratch(vg_video_hasher *h, size_t bytes, const video_run *run,
                                 vg_error *err)
{
    if (bytes <= h->scratch_bytes)
        return VG_OK;
    free(h->scratch);
    h->scratch_bytes = 0;
    bytes = (bytes + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    if (!(h->scratch = aligned_alloc(ROW_ALIGN, bytes)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory for the buffers of a %ux%u frame",
                            run->width, run->height);
    h->scratch_bytes = bytes;
    return VG_OK;
}

/* The table of yuv.c that reproduces swscale's C converter for this frame,
 * or NULL when swscale would not use that converter: another pixel format,
 * a frame of another size than the stream's (scaled), or an odd height
 * (swscale's fast converters work on row pairs). */
static const video_yuv_table *exact_table(const video_run *run, const AVFrame *frame,
                                          bool *chroma_422)
{
    if ((uint32_t)frame->width != run->width || (uint32_t)frame->height != run->height ||
        (run->height & 1))
        return NULL;
    *chroma_422 = false;
    switch (frame->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVA420P: return &run->h->yuv_limited;
    case AV_PIX_FMT_YUVJ420P: return &run->h->yuv_full;
    case AV_PIX_FMT_YUV422P: *chroma_422 = true; return &run->h->yuv_limited;
    case AV_PIX_FMT_YUVJ422P: *chroma_422 = true; return &run->h->yuv_full;
    default: return NULL;
    }
}

/* Each row's luma straight from YUV with yuv.c, into the PDQ stream. The
 * hasher's buffer holds the luma row, then the three chroma offset rows. */
static vg_status rows_exact(video_run *run, const AVFrame *frame, const video_yuv_table *t,
                            bool chroma_422, vg_error *err)
{
    vg_video_hasher *h = run->h;
    size_t row_bytes = ((size_t)run->width * sizeof(float) + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    vg_status st = reserve_scratch(h, 4 * row_bytes, run, err);
    float *luma = (float *)(void *)h->scratch;
    video_yuv_offsets offsets = {(int32_t *)(void *)(h->scratch + row_bytes),
                                 (int32_t *)(void *)(h->scratch + 2 * row_bytes),
                                 (int32_t *)(void *)(h->scratch + 3 * row_bytes)};
    size_t chroma_row = SIZE_MAX;
    for (uint32_t y = 0; st == VG_OK && y < run->height; y++) {
        size_t c = chroma_422 ? (y & ~1u) : y >> 1;
        if (c != chroma_row) {
            video_yuv_chroma(t, frame->data[1] + c * (size_t)frame->linesize[1],
                             frame->data[2] + c * (size_t)frame->linesize[2], run->width, &offsets);
            chroma_row = c;
        }
        video_yuv_luma_row(t, frame->data[0] + (size_t)y * (size_t)frame->linesize[0], &offsets,
                           run->width, luma);
        st = pdq_stream_luma_row(h->pdq, y, luma, err);
    }
    return st;
}

/* Any other frame: swscale converts it whole to RGB24 at the stream's size
 * (with the reference's flags), then the rows go to the sink. */
static vg_status rows_swscale(video_run *run, const AVFrame *frame, const vg_row_sink *sink,
                              vg_error *err)
{
    vg_video_hasher *h = run->h;
    enum AVPixelFormat format = (enum AVPixelFormat)frame->format;
    h->sws = sws_getCachedContext(h->sws, frame->width, frame->height, format, (int)run->width,
                                  (int)run->height, AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    if (!h->sws) {
        const char *name = av_get_pix_fmt_name(format);
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "cannot convert frames of pixel format '%s' to RGB",
                            name ? name : "unknown");
    }
    /* Rows padded: swscale's vector code may write past the last pixel. */
    size_t stride = ((size_t)run->width * 3 + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    vg_status st = reserve_scratch(h, stride * run->height + ROW_ALIGN, run, err);
    if (st != VG_OK)
        return st;
    uint8_t *dst[4] = {h->scratch, NULL, NULL, NULL};
    int dst_stride[4] = {(int)stride, 0, 0, 0};
    int rows = sws_scale(h->sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
                         frame->height, dst, dst_stride);
    if (rows != (int)run->height)
        return vg_error_set(err, VG_ERR_CORRUPT, "cannot convert a frame to RGB");
    for (uint32_t y = 0; st == VG_OK && y < run->height; y++)
        st = sink->row(sink->user, y, h->scratch + (size_t)y * stride, err);
    return st;
}

static vg_status hash_frame(video_run *run, const AVFrame *frame, uint64_t number, vg_error *err)
{
    vg_video_hasher *h = run->h;
    if (frame->width <= 0 || frame->height <= 0 ||
        (uint64_t)frame->width * (uint64_t)frame->height > run->limits->max_pixels)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "a frame of %dx%d is over the %" PRIu64 "-pixel limit", frame->width,
                            frame->height, run->limits->max_pixels);
    vg_pdq_stream_reset(h->pdq);
    vg_row_sink sink = vg_pdq_stream_sink(h->pdq);
    vg_image_info image = {.width = run->width,
                           .height = run->height,
                           .layout = VG_PIXEL_RGB8,
                           .color_model = VG_COLOR_RGB,
                           .bits_per_sample = 8};
    vg_status st = sink.begin(sink.user, &image, err);
    bool chroma_422;
    const video_yuv_table *table = exact_table(run, frame, &chroma_422);
    if (st == VG_OK)
        st = table ? rows_exact(run, frame, table, chroma_422, err)
                   : rows_swscale(run, frame, &sink, err);
    vg_pdq_result pdq;
    if (st == VG_OK)
        st = vg_pdq_stream_finish(h->pdq, &pdq, err);
    if (st != VG_OK)
        return st;
    vg_vpdq_frame out = {.hash = pdq.hashes[0],
                         .number = number,
                         .quality = pdq.quality,
                         .timestamp = (float)number / run->rate};
    run->info->frames_hashed++;
    return run->on_frame(run->user, &out, err);
}

/* ---- stills for people ------------------------------------------------- */

/* Frames kept for vg_video_stills: at most 2 * count of them, small, every
 * `every`-th frame; when the slots are full, every other one is dropped and
 * `every` doubles, so the kept frames stay spread over what was decoded
 * whatever the video's length, known or not. */
typedef struct still_slot {
    uint64_t number;
    uint32_t width, height;
    uint8_t *rgb;
} still_slot;

typedef struct stills {
    unsigned count, cap, used;
    uint32_t max_side;
    uint64_t every;
    still_slot *slots;
    struct SwsContext *sws;
} stills;

static void drop_still(still_slot *slot)
{
    if (slot->rgb) {
        memset(slot->rgb, 0, (size_t)slot->width * slot->height * 3); /* evidence pixels */
        free(slot->rgb);
    }
    slot->rgb = NULL;
}

static vg_status keep_still(video_run *run, const AVFrame *frame, uint64_t number, vg_error *err)
{
    stills *s = run->stills;
    if (number % s->every)
        return VG_OK;
    if (s->used == s->cap) {
        unsigned kept = 0;
        for (unsigned i = 0; i < s->used; i++) {
            if (i % 2 == 0)
                s->slots[kept++] = s->slots[i];
            else
                drop_still(&s->slots[i]);
        }
        s->used = kept;
        s->every *= 2;
        if (number % s->every)
            return VG_OK;
    }
    if (frame->width <= 0 || frame->height <= 0 ||
        (uint64_t)frame->width * (uint64_t)frame->height > run->limits->max_pixels)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "a frame of %dx%d is over the %" PRIu64 "-pixel limit", frame->width,
                            frame->height, run->limits->max_pixels);
    uint32_t w = (uint32_t)frame->width, h = (uint32_t)frame->height;
    uint32_t tw = w, th = h;
    if (w > s->max_side || h > s->max_side) {
        tw = w >= h ? s->max_side : (uint32_t)((uint64_t)w * s->max_side / h);
        th = w >= h ? (uint32_t)((uint64_t)h * s->max_side / w) : s->max_side;
    }
    tw = tw ? tw : 1;
    th = th ? th : 1;
    enum AVPixelFormat format = (enum AVPixelFormat)frame->format;
    s->sws = sws_getCachedContext(s->sws, frame->width, frame->height, format, (int)tw, (int)th,
                                  AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    if (!s->sws)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "cannot convert frames of this pixel format");
    /* Rows padded for swscale's vector code, then packed. */
    size_t stride = ((size_t)tw * 3 + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    uint8_t *padded = aligned_alloc(ROW_ALIGN, stride * th + ROW_ALIGN);
    uint8_t *rgb = malloc((size_t)tw * th * 3);
    if (!padded || !rgb) {
        free(padded);
        free(rgb);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory keeping a still");
    }
    uint8_t *dst[4] = {padded, NULL, NULL, NULL};
    int dst_stride[4] = {(int)stride, 0, 0, 0};
    int rows = sws_scale(s->sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
                         frame->height, dst, dst_stride);
    for (uint32_t y = 0; rows == (int)th && y < th; y++)
        memcpy(rgb + (size_t)y * tw * 3, padded + (size_t)y * stride, (size_t)tw * 3);
    memset(padded, 0, stride * th);
    free(padded);
    if (rows != (int)th) {
        memset(rgb, 0, (size_t)tw * th * 3);
        free(rgb);
        return vg_error_set(err, VG_ERR_CORRUPT, "cannot convert a frame to RGB");
    }
    s->slots[s->used++] = (still_slot){number, tw, th, rgb};
    return VG_OK;
}

static vg_status decode_error(video_run *run, int code, vg_error *err)
{
    if (++run->info->decode_errors <= run->limits->max_decode_errors)
        return VG_OK;
    char what[96];
    snprintf(what, sizeof what, "more than %u damaged packets, after frame %" PRIu64,
             run->limits->max_decode_errors, run->info->frames_decoded);
    return ffmpeg_failure(run, code, VG_ERR_CORRUPT, what, err);
}

/* Take every frame the decoder has ready. */
static vg_status receive_frames(video_run *run, vg_error *err)
{
    vg_video_hasher *h = run->h;
    for (;;) {
        int r = avcodec_receive_frame(run->decoder, h->frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return VG_OK;
        if (r < 0) {
            vg_status st = decode_error(run, r, err);
            if (st != VG_OK)
                return st;
            continue;
        }
        uint64_t number = run->info->frames_decoded++;
        vg_status st = VG_OK;
        if ((h->frame->flags & AV_FRAME_FLAG_CORRUPT) || h->frame->decode_error_flags)
            st = decode_error(run, AVERROR_INVALIDDATA, err);
        if (st == VG_OK && run->info->frames_decoded > run->limits->max_frames)
            st = vg_error_set(err, VG_ERR_TOO_LARGE, "more than %" PRIu64 " frames",
                              run->limits->max_frames);
        if (st == VG_OK && (float)number / run->rate > run->limits->max_duration)
            st = vg_error_set(err, VG_ERR_TOO_LARGE, "longer than %.0f seconds",
                              run->limits->max_duration);
        if (st == VG_OK && number % run->frame_mod == 0)
            st = run->stills ? keep_still(run, h->frame, number, err)
                             : hash_frame(run, h->frame, number, err);
        av_frame_unref(h->frame);
        if (st != VG_OK)
            return st;
    }
}

static bool cancelled(const video_run *run)
{
    const vg_video_options *o = &run->h->opts;
    return o->cancelled && o->cancelled(o->cancel_user);
}

static vg_status decode_all(video_run *run, vg_error *err)
{
    vg_video_hasher *h = run->h;
    AVPacket *pkt = h->packet;
    run->max_packets = run->limits->max_frames > (UINT64_MAX - PACKETS_SLACK) / PACKETS_PER_FRAME
                           ? UINT64_MAX
                           : run->limits->max_frames * PACKETS_PER_FRAME + PACKETS_SLACK;
    for (;;) {
        if (cancelled(run))
            return vg_error_set(err, VG_ERR_ABORTED, "cancelled");
        h->log[0] = '\0';
        int r = av_read_frame(run->format, pkt);
        if (r == AVERROR_EOF)
            break;
        if (r < 0) {
            char what[96];
            snprintf(what, sizeof what,
                     "the container is damaged or truncated after frame %" PRIu64,
                     run->info->frames_decoded);
            vg_status st = ffmpeg_failure(run, r, VG_ERR_CORRUPT, what, err);
            /* What the decoder still holds was read before the damage. */
            avcodec_send_packet(run->decoder, NULL);
            vg_error flush_err;
            receive_frames(run, &flush_err);
            return st;
        }
        if (++run->packets > run->max_packets) {
            av_packet_unref(pkt);
            return vg_error_set(err, VG_ERR_TOO_LARGE,
                                "more than %" PRIu64 " packets for %" PRIu64 " frames",
                                run->max_packets, run->info->frames_decoded);
        }
        if (pkt->stream_index != run->stream->index || pkt->size == 0) {
            av_packet_unref(pkt);
            continue;
        }
        vg_status st = VG_OK;
        if (pkt->flags & AV_PKT_FLAG_CORRUPT)
            st = decode_error(run, AVERROR_INVALIDDATA, err);
        r = avcodec_send_packet(run->decoder, pkt);
        av_packet_unref(pkt);
        if (st == VG_OK && r < 0 && r != AVERROR(EAGAIN))
            st = decode_error(run, r, err);
        if (st == VG_OK)
            st = receive_frames(run, err);
        if (st != VG_OK)
            return st;
    }
    int r = avcodec_send_packet(run->decoder, NULL);
    if (r < 0 && r != AVERROR_EOF)
        return ffmpeg_failure(run, r, VG_ERR_CORRUPT, "cannot flush the decoder", err);
    vg_status st = receive_frames(run, err);
    if (st == VG_OK && run->info->frames_decoded == 0)
        st = ffmpeg_failure(run, AVERROR_INVALIDDATA, VG_ERR_CORRUPT, "no frame could be decoded",
                            err);
    return st;
}

static const char *display_name(const char *name)
{
    return name ? name : "video";
}

vg_status vg_video_hash(vg_video_hasher *h, const vg_video_source *src, const char *name,
                        vg_video_frame_fn on_frame, void *user, vg_video_info *info, vg_error *err)
{
    vg_video_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!h || !src || !on_frame)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no hasher, source or frame callback",
                            display_name(name));
    video_run run = {
        .h = h, .limits = &h->opts.limits, .on_frame = on_frame, .user = user, .info = info};
    h->log[0] = '\0';
    capture_log = h->log;
    vg_status st = video_input_open(&run.input, src, &h->opts, err);
    if (st == VG_OK)
        st = open_container(&run, err);
    if (st == VG_OK)
        st = select_stream(&run, err);
    if (st == VG_OK)
        st = open_decoder(&run, err);
    if (st == VG_OK)
        st = decode_all(&run, err);
    info->bytes_read = run.input.bytes_read;
    avcodec_free_context(&run.decoder);
    avformat_close_input(&run.format);
    video_input_close(&run.input);
    capture_log = NULL;
    if (st != VG_OK)
        vg_error_prefix(err, "%s: ", display_name(name));
    return st;
}

static vg_status append_frame(void *user, const vg_vpdq_frame *frame, vg_error *err)
{
    return vg_vpdq_append(user, frame, err);
}

vg_status vg_video_hash_frames(vg_video_hasher *h, const vg_video_source *src, const char *name,
                               vg_vpdq *out, vg_video_info *info, vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no frame list given", display_name(name));
    return vg_video_hash(h, src, name, append_frame, out, info, err);
}

vg_status vg_video_stills(vg_video_hasher *h, const vg_video_source *src, const char *name,
                          unsigned count, uint32_t max_side, vg_video_still_fn on_still, void *user,
                          vg_video_info *info, vg_error *err)
{
    vg_video_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!h || !src || !on_still || count == 0 || count > 1024 || max_side == 0 || max_side > 4096)
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: stills need a hasher, a source, a callback, 1 to 1024 stills "
                            "and a side of 1 to 4096 pixels",
                            display_name(name));
    stills s = {.count = count, .cap = 2 * count, .max_side = max_side, .every = 1};
    if (!(s.slots = calloc(s.cap, sizeof *s.slots)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory keeping stills");
    video_run run = {.h = h, .limits = &h->opts.limits, .info = info, .stills = &s};
    h->log[0] = '\0';
    capture_log = h->log;
    vg_status st = video_input_open(&run.input, src, &h->opts, err);
    if (st == VG_OK)
        st = open_container(&run, err);
    if (st == VG_OK)
        st = select_stream(&run, err);
    run.frame_mod = 1; /* every frame is a candidate; keep_still spreads them */
    if (st == VG_OK)
        st = open_decoder(&run, err);
    if (st == VG_OK)
        st = decode_all(&run, err);
    info->bytes_read = run.input.bytes_read;
    avcodec_free_context(&run.decoder);
    avformat_close_input(&run.format);
    video_input_close(&run.input);
    capture_log = NULL;
    if (st != VG_OK)
        vg_error_prefix(err, "%s: ", display_name(name));
    /* What was kept is handed over even when decoding stopped early: a
     * damaged video still shows what came before the damage. */
    unsigned shown = s.used < count ? s.used : count;
    vg_status cb = VG_OK;
    vg_error cb_err;
    for (unsigned i = 0; cb == VG_OK && i < shown; i++) {
        unsigned at = shown == 1 || s.used <= count
                          ? i
                          : (unsigned)((uint64_t)i * (s.used - 1) / (shown - 1));
        const still_slot *k = &s.slots[at];
        vg_video_still still = {.number = k->number,
                                .timestamp = run.rate > 0 ? (float)k->number / run.rate : 0,
                                .width = k->width,
                                .height = k->height,
                                .rgb = k->rgb};
        cb = on_still(user, &still, &cb_err);
    }
    for (unsigned i = 0; i < s.used; i++)
        drop_still(&s.slots[i]);
    free(s.slots);
    sws_freeContext(s.sws);
    if (cb != VG_OK && st == VG_OK) {
        if (err)
            *err = cb_err;
        st = cb;
    }
    return st;
}
