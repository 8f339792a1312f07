/*
 * gif.c - the first frame of a GIF through giflib.
 *
 * The picture is the logical screen: the first frame is drawn on it at its
 * offset, the rest of the screen shows the background colour. Frames after
 * the first are never read (an animation can hold thousands). A
 * non-interlaced frame streams line by line; an interlaced one is first
 * collected as palette indices (one byte per pixel).
 */
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "image/image_internal.h"

typedef struct gif_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
} gif_reader;

static int on_read(GifFileType *gif, GifByteType *out, int n)
{
    gif_reader *r = gif->UserData;
    size_t want = n > 0 ? (size_t)n : 0;
    size_t left = r->len - r->pos;
    if (want > left)
        want = left;
    memcpy(out, r->data + r->pos, want);
    r->pos += want;
    return (int)want;
}

static vg_status gif_fail(vg_decoder *dec, int code)
{
    vg_status st = code == D_GIF_ERR_NOT_ENOUGH_MEM ? VG_ERR_NOMEM : VG_ERR_CORRUPT;
    const char *why = GifErrorString(code);
    return vg_decoder_fail(dec, st, "GIF %s", why ? why : "data is corrupt");
}

typedef struct gif_canvas {
    uint32_t width, height;
    int left, top, fwidth, fheight; /* the frame, in screen coordinates */
    uint8_t palette[256][3];
    uint8_t background[3];
    uint8_t *row;      /* one screen row, RGB */
    uint8_t *line;     /* one frame line, indices */
} gif_canvas;

/* Paint screen row y: background, then the frame's indices where it covers. */
static vg_status emit_row(vg_decoder *dec, gif_canvas *c, const uint8_t *indices)
{
    for (uint32_t x = 0; x < c->width; x++)
        memcpy(c->row + 3 * (size_t)x, c->background, 3);
    if (indices) {
        for (int fx = 0; fx < c->fwidth; fx++) {
            long x = (long)c->left + fx;
            if (x < 0 || x >= (long)c->width)
                continue;
            memcpy(c->row + 3 * (size_t)x, c->palette[indices[fx]], 3);
        }
    }
    return vg_decoder_row(dec, c->row);
}

static void load_palette(gif_canvas *c, const ColorMapObject *map)
{
    for (int i = 0; i < 256; i++) {
        /* Without a colour map, indices read as grey levels. */
        uint8_t v = map ? 0 : (uint8_t)i;
        c->palette[i][0] = c->palette[i][1] = c->palette[i][2] = v;
    }
    if (!map || !map->Colors)
        return;
    int n = map->ColorCount < 256 ? map->ColorCount : 256;
    for (int i = 0; i < n; i++) {
        c->palette[i][0] = map->Colors[i].Red;
        c->palette[i][1] = map->Colors[i].Green;
        c->palette[i][2] = map->Colors[i].Blue;
    }
}

static vg_status decode_frame(vg_decoder *dec, GifFileType *gif, gif_canvas *c)
{
    const GifImageDesc *d = &gif->Image;
    c->left = d->Left;
    c->top = d->Top;
    c->fwidth = d->Width;
    c->fheight = d->Height;
    if (c->fwidth <= 0 || c->fheight <= 0)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "GIF frame has no pixels");
    if (!vg_decoder_size_ok(dec, (uint64_t)c->fwidth, (uint64_t)c->fheight))
        return vg_decoder_too_large(dec, (uint64_t)c->fwidth, (uint64_t)c->fheight);

    load_palette(c, d->ColorMap ? d->ColorMap : gif->SColorMap);
    memcpy(c->background, gif->SColorMap ? c->palette[gif->SBackGroundColor & 0xff]
                                         : (const uint8_t[3]){0, 0, 0}, 3);

    vg_status st = vg_decoder_begin(dec, c->width, c->height, VG_PIXEL_RGB8, VG_COLOR_PALETTE,
                                    8);
    if (st != VG_OK)
        return st;
    c->row = malloc((size_t)c->width * 3);
    if (!c->row)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "GIF: out of memory");

    uint8_t *frame = NULL;
    if (d->Interlace) {
        frame = malloc((size_t)c->fwidth * (size_t)c->fheight);
        if (!frame)
            return vg_decoder_fail(dec, VG_ERR_NOMEM, "GIF: out of memory for the frame");
        static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
        for (int pass = 0; pass < 4; pass++)
            for (int y = start[pass]; y < c->fheight; y += step[pass])
                if (DGifGetLine(gif, frame + (size_t)y * (size_t)c->fwidth, c->fwidth) ==
                    GIF_ERROR) {
                    free(frame);
                    return gif_fail(dec, gif->Error);
                }
    } else {
        c->line = malloc((size_t)c->fwidth);
        if (!c->line)
            return vg_decoder_fail(dec, VG_ERR_NOMEM, "GIF: out of memory");
    }

    for (uint32_t y = 0; y < c->height && st == VG_OK; y++) {
        long fy = (long)y - c->top;
        const uint8_t *indices = NULL;
        if (fy >= 0 && fy < c->fheight) {
            if (frame) {
                indices = frame + (size_t)fy * (size_t)c->fwidth;
            } else {
                if (DGifGetLine(gif, c->line, c->fwidth) == GIF_ERROR) {
                    st = gif_fail(dec, gif->Error);
                    break;
                }
                indices = c->line;
            }
        }
        st = emit_row(dec, c, indices);
    }
    free(frame);
    return st;
}

vg_status vg_decode_gif(vg_decoder *dec, const uint8_t *data, size_t len)
{
    gif_reader reader = {data, len, 0};
    int code = 0;
    GifFileType *gif = DGifOpen(&reader, on_read, &code);
    if (!gif)
        return gif_fail(dec, code);

    gif_canvas canvas = {0};
    canvas.width = (uint32_t)(gif->SWidth > 0 ? gif->SWidth : 0);
    canvas.height = (uint32_t)(gif->SHeight > 0 ? gif->SHeight : 0);
    vg_status st = VG_OK;
    if (canvas.width && canvas.height && !vg_decoder_size_ok(dec, canvas.width, canvas.height))
        st = vg_decoder_too_large(dec, canvas.width, canvas.height);

    bool done = false;
    while (st == VG_OK && !done) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
            st = gif_fail(dec, gif->Error);
            break;
        }
        if (type == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(gif) == GIF_ERROR) {
                st = gif_fail(dec, gif->Error);
                break;
            }
            /* A zero screen size happens in the wild: use the frame's. */
            if (!canvas.width || !canvas.height) {
                canvas.width = (uint32_t)(gif->Image.Left + gif->Image.Width);
                canvas.height = (uint32_t)(gif->Image.Top + gif->Image.Height);
            }
            st = decode_frame(dec, gif, &canvas);
            done = true;
        } else if (type == EXTENSION_RECORD_TYPE) {
            int ext_code;
            GifByteType *block;
            if (DGifGetExtension(gif, &ext_code, &block) == GIF_ERROR) {
                st = gif_fail(dec, gif->Error);
                break;
            }
            while (block) {
                if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) {
                    st = gif_fail(dec, gif->Error);
                    break;
                }
            }
        } else if (type == TERMINATE_RECORD_TYPE) {
            st = vg_decoder_fail(dec, VG_ERR_CORRUPT, "GIF has no image");
            break;
        } else {
            st = vg_decoder_fail(dec, VG_ERR_CORRUPT, "GIF has an unknown record");
            break;
        }
    }
    free(canvas.row);
    free(canvas.line);
    DGifCloseFile(gif, &code);
    return st;
}
