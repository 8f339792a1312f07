/*
 * pdq_stream.c - the streaming PDQ hasher and the one-shot entry points.
 *
 * A stream receives decoded rows top to bottom (it is a vg_row_sink) and
 * pushes them through the pipeline described in pdq_internal.h. Memory is
 * one arena sized from the image's width and the vertical window:
 *
 *   stage1  luma of up to `lanes` rows, then their pass-1 row filter output
 *           (interleaved) before it moves to ring1
 *   lanes   the interleaved copy the vector row filter reads
 *   ring1   the rows of the column window of pass 1 (window + lanes rows)
 *   sums1   per-column running sums of pass 1
 *   stage2  up to `lanes` rows out of the column pass 1
 *   ring2, sums2  the same as ring1 and sums1 for pass 2, 64 columns wide
 *
 * That is about (window + 3 * lanes + 1) * width floats, a few hundredths
 * of a byte per pixel for photographs, where the reference holds two full
 * float copies of the image. Short images (height < PDQ_VECTOR_MIN_HEIGHT)
 * filter one row at a time, without the interleaved copies, so the
 * staging never exceeds a few rows.
 */
#include <stdlib.h>
#include <string.h>

#include "pdq/pdq_internal.h"

/* Below this height the 8-row staging would dominate memory. */
#define PDQ_VECTOR_MIN_HEIGHT 64
#define PDQ_ALIGN_FLOATS 8

typedef enum stream_state {
    STREAM_READY,     /* waiting for begin() */
    STREAM_RECEIVING, /* begin() done, rows arriving */
    STREAM_FAILED,    /* a row or begin() was rejected; only reset helps */
    STREAM_FINISHED   /* finish() done; only reset helps */
} stream_state;

typedef enum stream_mode {
    MODE_TINY,   /* below PDQ_MIN_DIM: the reference's all-zero hash */
    MODE_DIRECT, /* exactly 64x64: the reference uses the luma as is */
    MODE_FILTER  /* everything else: blur and sample */
} stream_mode;

struct vg_pdq_stream {
    bool dihedral;
    stream_state state;
    stream_mode mode;

    uint32_t width, height;
    vg_pixel_layout layout;
    uint32_t next_row;  /* rows received */
    uint32_t lanes;     /* rows filtered together: 1 or PDQ_LANES */
    uint32_t window_x;  /* box window along rows */
    uint32_t window_y;  /* box window along columns */
    uint32_t staged1;   /* rows waiting in stage1 */
    uint32_t staged2;   /* rows waiting in stage2 */
    uint32_t grid_rows; /* rows of grid filled */

    uint32_t sample_cols[PDQ_GRID];
    uint32_t sample_rows[PDQ_GRID];

    float *arena;
    size_t arena_floats;
    size_t row_floats; /* width rounded up for alignment */
    float *stage1, *stage2, *interleaved, *sums1, *sums2, *ring1, *ring2;
    pdq_vbox pass1, pass2;

    float dct_matrix[PDQ_DCT][PDQ_GRID];
    float grid[PDQ_GRID][PDQ_GRID];
    float row64[PDQ_GRID];
    float sampled[PDQ_GRID * PDQ_LANES]; /* pass-2 row filter output, interleaved */
};

static size_t round_up_floats(size_t n)
{
    return (n + PDQ_ALIGN_FLOATS - 1) / PDQ_ALIGN_FLOATS * PDQ_ALIGN_FLOATS;
}

vg_status vg_pdq_stream_new(bool dihedral, vg_pdq_stream **out, vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_pdq_stream_new: out is NULL");
    vg_pdq_stream *stream = calloc(1, sizeof *stream);
    if (!stream)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory creating a PDQ hasher");
    stream->dihedral = dihedral;
    stream->state = STREAM_READY;
    pdq_dct_matrix(stream->dct_matrix);
    *out = stream;
    return VG_OK;
}

void vg_pdq_stream_free(vg_pdq_stream *stream)
{
    if (!stream)
        return;
    free(stream->arena);
    free(stream);
}

size_t pdq_stream_memory(const vg_pdq_stream *stream)
{
    return sizeof *stream + stream->arena_floats * sizeof(float);
}

void vg_pdq_stream_reset(vg_pdq_stream *stream)
{
    if (!stream)
        return;
    stream->state = STREAM_READY;
    stream->width = stream->height = 0;
    stream->next_row = 0;
}

/* Lay out the arena for the current image, growing it only when needed. */
static vg_status prepare_buffers(vg_pdq_stream *s, vg_error *err)
{
    const size_t lanes = s->lanes;
    const size_t slots = (size_t)s->window_y + lanes;
    /* Rows are padded past a multiple of the alignment so that the 8 rows
     * read or written together do not fall into the same cache sets when
     * the width is a power of two. width < 2^32 and slots < 2^26: nothing
     * below overflows on 64-bit hosts; on 32-bit ones the checks catch it. */
    const size_t row = round_up_floats(s->width) + 2 * PDQ_ALIGN_FLOATS;
    size_t stage = row * lanes;
    size_t interleaved = lanes > 1 ? stage : 0;
    size_t ring1 = row * slots;
    size_t sums2 = round_up_floats(PDQ_GRID);
    size_t ring2 = sums2 * slots;
    if (row < s->width || ring1 / slots != row || stage / lanes != row)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "image of %u x %u pixels is too large to hash",
                            s->width, s->height);
    size_t total = 2 * stage + interleaved + row + ring1 + sums2 + ring2;
    if (total < ring1 || total > SIZE_MAX / sizeof(float) - PDQ_ALIGN_FLOATS)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "image of %u x %u pixels is too large to hash",
                            s->width, s->height);
    if (total > s->arena_floats) {
        free(s->arena);
        s->arena = NULL;
        s->arena_floats = 0;
        size_t bytes = round_up_floats(total) * sizeof(float);
        float *arena = aligned_alloc(PDQ_ALIGN_FLOATS * sizeof(float), bytes);
        if (!arena)
            return vg_error_set(err, VG_ERR_NOMEM,
                                "out of memory hashing a %u x %u image (%zu bytes needed)",
                                s->width, s->height, bytes);
        /* Vector lanes beyond the last staged row read stale values, which
         * must at least be initialised floats. */
        memset(arena, 0, bytes);
        s->arena = arena;
        s->arena_floats = total;
    }
    float *p = s->arena;
    s->row_floats = row;
    s->stage1 = p, p += stage;
    s->stage2 = p, p += stage;
    s->interleaved = p, p += interleaved;
    s->sums1 = p, p += row;
    s->ring1 = p, p += ring1;
    s->sums2 = p, p += sums2;
    s->ring2 = p;
    pdq_vbox_start(&s->pass1, s->sums1, s->ring1, (uint32_t)slots, row, s->width, s->height,
                   s->window_y);
    pdq_vbox_start(&s->pass2, s->sums2, s->ring2, (uint32_t)slots, sums2, PDQ_GRID, s->height,
                   s->window_y);
    return VG_OK;
}

static vg_status stream_begin(void *user, const vg_image_info *info, vg_error *err)
{
    vg_pdq_stream *s = user;
    if (!info)
        return vg_error_set(err, VG_ERR_INVALID, "PDQ hasher: no image description");
    if (s->state != STREAM_READY) {
        s->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_INVALID,
                            "PDQ hasher was given a second image; reset it between images");
    }
    if (info->width == 0 || info->height == 0) {
        s->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_INVALID, "cannot hash an image of %u x %u pixels",
                            info->width, info->height);
    }
    if (info->layout != VG_PIXEL_GRAY8 && info->layout != VG_PIXEL_RGB8) {
        s->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_INVALID, "PDQ hasher: unknown pixel layout %d",
                            (int)info->layout);
    }
    s->width = info->width;
    s->height = info->height;
    s->layout = info->layout;
    s->next_row = 0;
    s->staged1 = s->staged2 = 0;
    s->grid_rows = 0;
    memset(s->grid, 0, sizeof s->grid);
    s->state = STREAM_RECEIVING;

    if (s->width < PDQ_MIN_DIM || s->height < PDQ_MIN_DIM) {
        s->mode = MODE_TINY;
        return VG_OK;
    }
    if (s->width == PDQ_GRID && s->height == PDQ_GRID) {
        s->mode = MODE_DIRECT;
        return VG_OK;
    }
    s->mode = MODE_FILTER;
    s->lanes = s->height >= PDQ_VECTOR_MIN_HEIGHT ? PDQ_LANES : 1;
    s->window_x = pdq_window_size(s->width);
    s->window_y = pdq_window_size(s->height);
    for (uint32_t i = 0; i < PDQ_GRID; i++) {
        s->sample_cols[i] = pdq_sample_index(i, s->width);
        s->sample_rows[i] = pdq_sample_index(i, s->height);
    }
    vg_status status = prepare_buffers(s, err);
    if (status != VG_OK)
        s->state = STREAM_FAILED;
    return status;
}

/* A pass-2 output row is a full row of the blurred image at the sampled
 * columns; keep it for every grid row that samples it. */
static void take_blurred_row(vg_pdq_stream *s, uint32_t y)
{
    while (s->grid_rows < PDQ_GRID && s->sample_rows[s->grid_rows] == y)
        memcpy(s->grid[s->grid_rows++], s->row64, sizeof s->row64);
}

/* Row r of a stage (r < lanes). */
static float *stage_row(const vg_pdq_stream *s, float *stage, uint32_t r)
{
    return stage + (size_t)r * s->row_floats;
}

/* Pass 2: filter the staged column-pass-1 rows along the row, keeping the
 * sampled columns, into the pass-2 ring; then run its column sums. */
static void flush_stage2(vg_pdq_stream *s)
{
    pdq_vbox *box = &s->pass2;
    if (s->lanes == PDQ_LANES) {
        const float *rows[PDQ_LANES];
        float *outs[PDQ_LANES];
        for (uint32_t l = 0; l < PDQ_LANES; l++)
            rows[l] = stage_row(s, s->stage2, l);
        for (uint32_t l = 0; l < s->staged2; l++)
            outs[l] = pdq_vbox_slot(box, box->pushed + l);
        pdq_interleave8(rows, s->width, s->interleaved);
        pdq_box_rows_sampled(s->interleaved, PDQ_LANES, s->width, s->window_x, s->sample_cols,
                             PDQ_GRID, s->sampled);
        pdq_deinterleave8(s->sampled, PDQ_GRID, outs, s->staged2);
    } else {
        pdq_box_rows_sampled(s->stage2, 1, s->width, s->window_x, s->sample_cols, PDQ_GRID,
                             pdq_vbox_slot(box, box->pushed));
    }
    for (uint32_t l = 0; l < s->staged2; l++) {
        uint32_t y = box->emitted;
        if (pdq_vbox_push(box, s->row64))
            take_blurred_row(s, y);
    }
    s->staged2 = 0;
}

/* A column-pass-1 output row goes to the next free row of stage2. */
static float *stage2_next(vg_pdq_stream *s)
{
    return stage_row(s, s->stage2, s->staged2);
}

static void after_pass1_row(vg_pdq_stream *s)
{
    if (++s->staged2 == s->lanes)
        flush_stage2(s);
}

/* Pass 1: filter the staged luma rows along the row into the pass-1 ring,
 * then run the column sums over them. */
static void flush_stage1(vg_pdq_stream *s)
{
    pdq_vbox *box = &s->pass1;
    if (s->lanes == PDQ_LANES) {
        const float *rows[PDQ_LANES];
        float *outs[PDQ_LANES];
        for (uint32_t l = 0; l < PDQ_LANES; l++)
            rows[l] = stage_row(s, s->stage1, l);
        for (uint32_t l = 0; l < s->staged1; l++)
            outs[l] = pdq_vbox_slot(box, box->pushed + l);
        /* stage1 is free once interleaved: it takes the filter output. */
        pdq_interleave8(rows, s->width, s->interleaved);
        pdq_box_rows_full(s->interleaved, PDQ_LANES, s->width, s->window_x, s->stage1);
        pdq_deinterleave8(s->stage1, s->width, outs, s->staged1);
    } else {
        pdq_box_rows_full(s->stage1, 1, s->width, s->window_x, pdq_vbox_slot(box, box->pushed));
    }
    for (uint32_t l = 0; l < s->staged1; l++)
        if (pdq_vbox_push(box, stage2_next(s)))
            after_pass1_row(s);
    s->staged1 = 0;
}

/* All rows are in: empty the stages and the trailing column windows. */
static void flush_all(vg_pdq_stream *s)
{
    if (s->staged1)
        flush_stage1(s);
    while (pdq_vbox_drain(&s->pass1, stage2_next(s)))
        after_pass1_row(s);
    if (s->staged2)
        flush_stage2(s);
    for (;;) {
        uint32_t y = s->pass2.emitted;
        if (!pdq_vbox_drain(&s->pass2, s->row64))
            break;
        take_blurred_row(s, y);
    }
}

/*
 * Ask for the whole row at once. Decoders may write their rows with
 * non-temporal stores (libjpeg-turbo does for 32-byte-aligned rows), so the
 * row we are handed is often in DRAM, not in cache; reading it line by line
 * then waits a full memory latency per line. Prefetching it all first
 * overlaps those misses: about 1.5 ms/MP less on 2048x1280 JPEGs.
 */
static void prefetch_row(const uint8_t *pixels, size_t bytes)
{
#if defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
    for (size_t offset = 0; offset < bytes; offset += 64)
        __builtin_prefetch(pixels + offset);
#endif
#endif
    (void)pixels;
    (void)bytes;
}

/* The sink contract for row y: begun, in order, inside the image. */
static vg_status accept_row(vg_pdq_stream *s, uint32_t y, const void *pixels, vg_error *err)
{
    if (s->state != STREAM_RECEIVING) {
        s->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_INVALID, "PDQ hasher got a row before the image began");
    }
    if (y != s->next_row || y >= s->height || !pixels) {
        s->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_INVALID,
                            "PDQ hasher got row %u of %u where row %u was expected", y,
                            s->height, s->next_row);
    }
    s->next_row++;
    return VG_OK;
}

/* Where row y's luma goes (NULL for tiny images, which keep nothing), and
 * what follows once it is there. */
static float *luma_slot(vg_pdq_stream *s, uint32_t y)
{
    switch (s->mode) {
    case MODE_DIRECT:
        return s->grid[y];
    case MODE_FILTER:
        return stage_row(s, s->stage1, s->staged1);
    default:
        return NULL;
    }
}

static void luma_stored(vg_pdq_stream *s)
{
    if (s->mode == MODE_FILTER && ++s->staged1 == s->lanes)
        flush_stage1(s);
}

static vg_status stream_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    vg_pdq_stream *s = user;
    vg_status st = accept_row(s, y, pixels, err);
    float *luma = st == VG_OK ? luma_slot(s, y) : NULL;
    if (!luma)
        return st;
    if (s->mode == MODE_FILTER)
        prefetch_row(pixels, (size_t)s->width * s->layout);
    if (s->layout == VG_PIXEL_RGB8)
        pdq_luma_rgb(pixels, s->width, luma);
    else
        pdq_luma_gray(pixels, s->width, luma);
    luma_stored(s);
    return VG_OK;
}

vg_status pdq_stream_luma_row(vg_pdq_stream *s, uint32_t y, const float *luma, vg_error *err)
{
    vg_status st = accept_row(s, y, luma, err);
    float *slot = st == VG_OK ? luma_slot(s, y) : NULL;
    if (!slot)
        return st;
    memcpy(slot, luma, (size_t)s->width * sizeof *slot);
    luma_stored(s);
    return VG_OK;
}

vg_row_sink vg_pdq_stream_sink(vg_pdq_stream *stream)
{
    vg_row_sink sink = {stream_begin, stream_row, stream};
    return sink;
}

vg_status vg_pdq_stream_finish(vg_pdq_stream *stream, vg_pdq_result *out, vg_error *err)
{
    if (!stream || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_pdq_stream_finish: NULL argument");
    if (stream->state == STREAM_READY)
        return vg_error_set(err, VG_ERR_INVALID, "PDQ hasher finished before any image began");
    if (stream->state == STREAM_FAILED)
        return vg_error_set(err, VG_ERR_INVALID,
                            "PDQ hasher was fed an invalid image; reset it before reuse");
    if (stream->state == STREAM_FINISHED)
        return vg_error_set(err, VG_ERR_INVALID, "PDQ hasher already finished this image");
    if (stream->next_row != stream->height) {
        stream->state = STREAM_FAILED;
        return vg_error_set(err, VG_ERR_CORRUPT, "image ended after %u of its %u rows",
                            stream->next_row, stream->height);
    }
    stream->state = STREAM_FINISHED;

    memset(out, 0, sizeof *out);
    out->has_dihedral = stream->dihedral;
    if (stream->mode == MODE_TINY) {
        out->quality = 0;
        return VG_OK;
    }
    if (stream->mode == MODE_FILTER)
        flush_all(stream);
    out->quality = pdq_quality((const float(*)[PDQ_GRID])stream->grid);
    float dct[PDQ_DCT][PDQ_DCT];
    pdq_dct((const float(*)[PDQ_GRID])stream->dct_matrix,
            (const float(*)[PDQ_GRID])stream->grid, dct);
    pdq_hashes_from_dct((const float(*)[PDQ_DCT])dct, stream->dihedral, out);
    return VG_OK;
}

/* --- one-shot entry points -------------------------------------------- */

vg_status vg_pdq_from_pixels(const uint8_t *pixels, uint32_t width, uint32_t height,
                             size_t stride, vg_pixel_layout layout, bool dihedral,
                             vg_pdq_result *out, vg_error *err)
{
    if (!pixels || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_pdq_from_pixels: NULL argument");
    if (layout != VG_PIXEL_GRAY8 && layout != VG_PIXEL_RGB8)
        return vg_error_set(err, VG_ERR_INVALID, "vg_pdq_from_pixels: unknown pixel layout %d",
                            (int)layout);
    if (stride / (size_t)layout < width)
        return vg_error_set(err, VG_ERR_INVALID,
                            "vg_pdq_from_pixels: stride %zu is shorter than a row of %u pixels",
                            stride, width);
    vg_pdq_stream *stream = NULL;
    vg_status status = vg_pdq_stream_new(dihedral, &stream, err);
    if (status != VG_OK)
        return status;
    vg_image_info info = {.width = width, .height = height, .layout = layout};
    vg_row_sink sink = vg_pdq_stream_sink(stream);
    status = sink.begin(sink.user, &info, err);
    for (uint32_t y = 0; status == VG_OK && y < height; y++)
        status = sink.row(sink.user, y, pixels + (size_t)y * stride, err);
    if (status == VG_OK)
        status = vg_pdq_stream_finish(stream, out, err);
    vg_pdq_stream_free(stream);
    return status;
}
