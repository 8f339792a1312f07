/*
 * fuzz_video - libFuzzer target for the container and decoder path of
 * vg_video_hash, from memory (as the server hashes what the vault
 * decrypts), every frame hashed; then the same input through
 * vg_video_stills (the console's contact sheet), whose stills must be in
 * frame order and within the size asked. Budgets are lowered so that each input
 * stays within the fuzzer's time and memory limits; the frame callback
 * checks the contract (frame numbers increase, quality 0..100, timestamps
 * not negative) and the counts in the info.
 *
 * FFmpeg itself is not instrumented (Debian's libraries): coverage guides
 * the fuzzer through vigie's side (input callbacks, budgets, stream
 * selection, conversions), while ASan watches every buffer vigie hands
 * to or takes from FFmpeg.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vigie/video.h"

typedef struct fuzz_state {
    uint64_t frames;
    uint64_t last;
} fuzz_state;

static vg_status on_frame(void *user, const vg_vpdq_frame *frame, vg_error *err)
{
    (void)err;
    fuzz_state *s = user;
    if ((s->frames && frame->number <= s->last) || frame->quality < 0 ||
        frame->quality > 100 || !(frame->timestamp >= 0))
        abort();
    s->last = frame->number;
    s->frames++;
    return VG_OK;
}

typedef struct stills_state {
    unsigned count;
    uint64_t last;
} stills_state;

static vg_status on_still(void *user, const vg_video_still *still, vg_error *err)
{
    (void)err;
    stills_state *s = user;
    if ((s->count && still->number <= s->last) || still->width == 0 || still->height == 0 ||
        still->width > 32 || still->height > 32 || !still->rgb)
        abort();
    /* every pixel readable (ASan checks the reads) */
    unsigned sum = 0;
    for (size_t i = 0; i < (size_t)still->width * still->height * 3; i++)
        sum += still->rgb[i];
    if (sum > (size_t)still->width * still->height * 3 * 255)
        abort();
    s->last = still->number;
    s->count++;
    return VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_video_hasher *hasher;
    if (!hasher) {
        vg_video_options o;
        vg_video_options_init(&o);
        o.interval = 0;
        o.limits.max_pixels = 1u << 20;
        o.limits.max_frames = 300;
        o.limits.max_streams = 32;
        o.limits.max_decode_errors = 20;
        o.limits.max_bytes = 64u << 20;
        if (vg_video_hasher_new(&o, &hasher, NULL) != VG_OK)
            abort();
    }
    fuzz_state s = {0};
    vg_video_source src = vg_video_source_memory(data, size);
    vg_video_info info;
    vg_error err;
    vg_status st = vg_video_hash(hasher, &src, "fuzz", on_frame, &s, &info, &err);
    if (info.frames_hashed != s.frames || info.frames_hashed > info.frames_decoded ||
        info.frames_decoded > 301 || (st != VG_OK && err.message[0] == '\0'))
        abort();
    stills_state t = {0};
    st = vg_video_stills(hasher, &src, "fuzz", 4, 32, on_still, &t, &info, &err);
    if (t.count > 4 || (st != VG_OK && err.message[0] == '\0'))
        abort();
    return 0;
}
