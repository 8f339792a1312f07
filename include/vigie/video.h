/*
 * vigie/video.h - vPDQ of videos: decode, sample frames, PDQ each one.
 *
 * A video is decoded with FFmpeg's libraries in a streaming loop that holds
 * one decoded frame and its RGB conversion at a time; every sampled frame is
 * PDQ-hashed (vigie's canonical PDQ, vigie/pdq.h) and handed to a callback
 * with its frame number, quality and timestamp (vigie/vpdq.h), so memory
 * does not grow with the video's length.
 *
 * Compatibility with the reference vPDQ hasher (ThreatExchange vpdq/):
 *   - the first video stream is hashed (attached cover pictures are not
 *     video streams here);
 *   - every decoded frame, in output order, is numbered from 0; frames are
 *     converted to RGB24 at the stream's own size with swscale, and PDQ runs
 *     on those pixels at full resolution;
 *   - the frame rate is the stream's average frame rate, else its real base
 *     frame rate; a frame's timestamp is number / rate computed in single
 *     precision, as the reference does;
 *   - with interval > 0, frame n is hashed when n is a multiple of
 *     floor(interval * rate) (at least 1); interval 0 hashes every frame.
 * The reference files of ThreatExchange are met with the same frames and
 * timestamps and PDQ distances well under 31 (tests/unit/video).
 *
 * Input never needs a file: a source reads from memory, from a descriptor
 * (pread, so the descriptor's offset is untouched) or from caller
 * callbacks. Containers such as MP4 need to seek; a source without seek
 * works for streamable containers (Matroska, MPEG-TS, fragmented MP4) and
 * gives a clear error otherwise.
 *
 * Hostile input: the containers and codecs tried are fixed lists
 * (VG_VIDEO_CONTAINERS, VG_VIDEO_CODECS); no container may open another
 * file or URL (playlists, references); budgets bound the bytes read, the
 * frames decoded, the duration, the pixels of a frame, the streams and the
 * decoder errors, each failing with VG_ERR_TOO_LARGE or VG_ERR_CORRUPT and a
 * sentence naming the limit. A caller's `cancelled` callback bounds wall
 * time (the server's deadline).
 *
 * Logging: FFmpeg logs through one process-wide callback. On first use
 * libvigie installs one that never prints; an error FFmpeg logs while a
 * video is hashed on the calling thread is kept for that call's message.
 *
 * Thread safety: a vg_video_hasher is used by one thread at a time; any
 * number of hashers may run at once.
 */
#ifndef VIGIE_VIDEO_H
#define VIGIE_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/vpdq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The demuxers and decoders vigie lets FFmpeg use (FFmpeg's names). */
#define VG_VIDEO_CONTAINERS "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,asf,ogg"
#define VG_VIDEO_CODECS                                                                   \
    "h264,hevc,mpeg4,msmpeg4v1,msmpeg4v2,msmpeg4,mpeg1video,mpeg2video,h263,h263i,h263p," \
    "flv,vp6,vp6f,vp6a,vp8,vp9,libdav1d,wmv1,wmv2,wmv3,vc1,mjpeg,theora,ffv1,rawvideo,"    \
    "svq1,svq3,cinepak,prores,dnxhd"

/* Seconds between hashed frames by default, as python-threatexchange. */
#define VG_VIDEO_DEFAULT_INTERVAL 1.0

/* Bytes that let vg_video_sniff recognise every container it knows
 * (MPEG-TS needs two sync bytes 188 or 192 bytes apart). */
#define VG_VIDEO_SNIFF_BYTES 200

/* Recognise a video container (MP4/MOV/3GP, Matroska/WebM, AVI, FLV,
 * MPEG-TS, MPEG-PS, ASF/WMV, Ogg) from its first bytes. HEIF and AVIF
 * pictures (also ISO boxes) are not videos here: vigie/image.h has them. */
bool vg_video_sniff(const uint8_t *data, size_t len);
/* The same, as a media type ("video/mp4", "video/x-matroska", "video/mp2t"...),
 * or NULL when data does not start like a video. */
const char *vg_video_media_type(const uint8_t *data, size_t len);

/* Budgets; 0 in any field means its default. */
typedef struct vg_video_limits {
    uint64_t max_bytes;        /* bytes the demuxer may read, re-reads included: 64 GiB */
    double max_duration;       /* seconds, timestamp of the last frame: 86400 (a day) */
    uint64_t max_frames;       /* frames decoded: 10,000,000 */
    uint64_t max_pixels;       /* width * height of a frame: 40,000,000 (8K fits) */
    uint32_t max_streams;      /* streams in the container: 100 */
    uint32_t max_decode_errors; /* damaged packets tolerated (concealed): 100 */
} vg_video_limits;

#define VG_VIDEO_DEFAULT_MAX_BYTES (64ull << 30)
#define VG_VIDEO_DEFAULT_MAX_DURATION 86400.0
#define VG_VIDEO_DEFAULT_MAX_FRAMES 10000000ull
#define VG_VIDEO_DEFAULT_MAX_PIXELS 40000000ull
#define VG_VIDEO_DEFAULT_MAX_STREAMS 100u
#define VG_VIDEO_DEFAULT_MAX_DECODE_ERRORS 100u

typedef struct vg_video_options {
    /* Seconds between hashed frames; 0 hashes every frame. */
    double interval;
    vg_video_limits limits;
    /* Decoder threads for one video: 1 (0 = FFmpeg's choice). Run several
     * hashers to use more cores on many videos. */
    unsigned threads;
    /* Polled between packets and reads; returning true stops the call with
     * VG_ERR_ABORTED. May be NULL. */
    bool (*cancelled)(void *user);
    void *cancel_user;
} vg_video_options;

/* interval 1 s, default limits, one thread, no cancel callback. */
void vg_video_options_init(vg_video_options *opts);

/* ---- sources ------------------------------------------------------------ */

/* Read up to len bytes into buf: the count, 0 at the end, or -1 on error
 * (then errno may say why). */
typedef int64_t (*vg_video_read_fn)(void *user, uint8_t *buf, size_t len);
/* Move to absolute offset; 0 on success, -1 on error. */
typedef int (*vg_video_seek_fn)(void *user, uint64_t offset);

typedef enum vg_video_source_kind {
    VG_VIDEO_MEMORY = 1,
    VG_VIDEO_FD,
    VG_VIDEO_CALLBACKS
} vg_video_source_kind;

/* Where the bytes come from; borrowed for the duration of vg_video_hash. */
typedef struct vg_video_source {
    vg_video_source_kind kind;
    const uint8_t *data; /* VG_VIDEO_MEMORY */
    size_t len;
    int fd;              /* VG_VIDEO_FD: read with pread from offset 0; not closed */
    vg_video_read_fn read; /* VG_VIDEO_CALLBACKS */
    vg_video_seek_fn seek; /* may be NULL: the input cannot seek */
    int64_t size;          /* total bytes, or -1 when unknown */
    void *user;
} vg_video_source;

vg_video_source vg_video_source_memory(const uint8_t *data, size_t len);
vg_video_source vg_video_source_fd(int fd);
vg_video_source vg_video_source_callbacks(vg_video_read_fn read, vg_video_seek_fn seek,
                                          int64_t size, void *user);

/* ---- hashing ------------------------------------------------------------ */

/* What was learned about the video; valid after vg_video_hash whatever its
 * status (fields not reached are 0 or empty). */
typedef struct vg_video_info {
    bool has_video;          /* a video stream was found */
    char container[32];      /* FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
    char codec[32];          /* decoder name, e.g. "h264" */
    uint32_t width, height;  /* of the hashed frames */
    double frame_rate;       /* frames per second used for timestamps */
    uint64_t frames_decoded;
    uint64_t frames_hashed;
    uint64_t decode_errors;  /* damaged packets or frames the decoder concealed */
    uint64_t bytes_read;
} vg_video_info;

/* Receives each hashed frame, in frame order. Returning anything but VG_OK
 * stops hashing with that status (and err). */
typedef vg_status (*vg_video_frame_fn)(void *user, const vg_vpdq_frame *frame, vg_error *err);

/* A reusable hasher: its decoder scratch, RGB frame and PDQ state persist
 * between videos. */
typedef struct vg_video_hasher vg_video_hasher;

vg_status vg_video_hasher_new(const vg_video_options *opts, vg_video_hasher **out,
                              vg_error *err);
void vg_video_hasher_free(vg_video_hasher *hasher);

/*
 * Decode the video from src and hand every sampled frame to on_frame.
 * `name` prefixes messages ("clip.mp4: ..."); may be NULL. info may be NULL.
 *
 * VG_OK: the stream was decoded to its end (info->decode_errors may count
 * damage the decoder concealed). Otherwise the status says why it stopped
 * (VG_ERR_UNSUPPORTED: no video stream, or a container or codec outside the
 * lists; VG_ERR_CORRUPT: unreadable, truncated, or too damaged;
 * VG_ERR_TOO_LARGE: a budget; VG_ERR_IO: the source failed; VG_ERR_ABORTED)
 * and the frames already handed over remain valid: a truncated video
 * still has the hashes of the frames before the damage.
 */
vg_status vg_video_hash(vg_video_hasher *hasher, const vg_video_source *src, const char *name,
                        vg_video_frame_fn on_frame, void *user, vg_video_info *info,
                        vg_error *err);

/* The same, appending the frames to out (which the caller owns). */
vg_status vg_video_hash_frames(vg_video_hasher *hasher, const vg_video_source *src,
                               const char *name, vg_vpdq *out, vg_video_info *info,
                               vg_error *err);

/* ---- stills for people ------------------------------------------------ */

/* A frame to show a person (the console's contact sheet of a video). */
typedef struct vg_video_still {
    uint64_t number;        /* frame number, from 0 */
    float timestamp;        /* seconds */
    uint32_t width, height; /* fitted within max_side, aspect kept */
    const uint8_t *rgb;     /* RGB24, width * 3 bytes a row; borrowed during the callback */
} vg_video_still;

typedef vg_status (*vg_video_still_fn)(void *user, const vg_video_still *still, vg_error *err);

/*
 * Decode the whole video from src and hand `count` (1 to 1024) frames spread
 * over it, in order, each scaled down (area average) to fit within max_side
 * (1 to 4096) pixels; fewer when the video has fewer frames. Whatever the
 * video's length, memory holds at most 2 * count stills of that size, and
 * their pixels are wiped before they are freed. The hasher's limits and
 * cancel callback apply; its interval does not (every frame is a
 * candidate). When decoding stops early (damage, a budget), the stills kept
 * until then are still handed over before the status is returned.
 */
vg_status vg_video_stills(vg_video_hasher *hasher, const vg_video_source *src, const char *name,
                          unsigned count, uint32_t max_side, vg_video_still_fn on_still,
                          void *user, vg_video_info *info, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
