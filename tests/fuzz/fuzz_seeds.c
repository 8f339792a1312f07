/*
 * fuzz_seeds DIR - writes the seed corpus of the image fuzzers: small
 * images of every format and storage variant vigie_encode knows, in
 * DIR/<format>/ (one folder per decoder) and all of them in DIR/all/.
 * Generated at test time so that no binary is committed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tiffio.h>

#include "encode.h"

static const struct {
    const char *name;
    vg_raster_kind kind;
    vg_encode_options opts;
} variants[] = {
    {"png-rgb", VG_RASTER_RGB8, {.format = VG_FORMAT_PNG}},
    {"png-gray2", VG_RASTER_GRAY8, {.format = VG_FORMAT_PNG, .bits = 2}},
    {"png-gray16", VG_RASTER_GRAY16, {.format = VG_FORMAT_PNG}},
    {"png-graya", VG_RASTER_GRAYA8, {.format = VG_FORMAT_PNG}},
    {"png-palette-trns", VG_RASTER_RGB8, {.format = VG_FORMAT_PNG, .palette = true, .transparency = true}},
    {"png-rgba-interlaced", VG_RASTER_RGBA8, {.format = VG_FORMAT_PNG, .interlaced = true}},
    {"png-rgb16", VG_RASTER_RGB16, {.format = VG_FORMAT_PNG}},
    {"jpeg-gray", VG_RASTER_GRAY8, {.format = VG_FORMAT_JPEG}},
    {"jpeg-rgb", VG_RASTER_RGB8, {.format = VG_FORMAT_JPEG, .quality = 75}},
    {"jpeg-progressive", VG_RASTER_RGB8, {.format = VG_FORMAT_JPEG, .interlaced = true}},
    {"jpeg-cmyk", VG_RASTER_CMYK8, {.format = VG_FORMAT_JPEG}},
    {"gif", VG_RASTER_RGB8, {.format = VG_FORMAT_GIF}},
    {"gif-interlaced", VG_RASTER_GRAY8, {.format = VG_FORMAT_GIF, .interlaced = true}},
    {"webp-lossy", VG_RASTER_RGB8, {.format = VG_FORMAT_WEBP}},
    {"webp-lossless-alpha", VG_RASTER_RGBA8, {.format = VG_FORMAT_WEBP, .lossless = true}},
    {"bmp-24", VG_RASTER_RGB8, {.format = VG_FORMAT_BMP}},
    {"bmp-os2", VG_RASTER_RGB8, {.format = VG_FORMAT_BMP, .os2 = true}},
    {"bmp-16-565", VG_RASTER_RGB8, {.format = VG_FORMAT_BMP, .bits = 16, .bitfields = true}},
    {"bmp-32-alpha", VG_RASTER_RGBA8, {.format = VG_FORMAT_BMP, .bits = 32, .bitfields = true}},
    {"bmp-rle8", VG_RASTER_RGB8, {.format = VG_FORMAT_BMP, .bits = 8, .rle = true}},
    {"bmp-rle4-topdown", VG_RASTER_GRAY8, {.format = VG_FORMAT_BMP, .bits = 4, .rle = true}},
    {"bmp-1", VG_RASTER_GRAY8, {.format = VG_FORMAT_BMP, .bits = 1, .top_down = true}},
    {"tiff-rgb-lzw", VG_RASTER_RGB8, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_LZW}},
    {"tiff-gray1-tiled", VG_RASTER_GRAY8, {.format = VG_FORMAT_TIFF, .bits = 1, .tiled = true}},
    {"tiff-gray16", VG_RASTER_GRAY16, {.format = VG_FORMAT_TIFF}},
    {"tiff-cmyk-deflate", VG_RASTER_CMYK8, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_ADOBE_DEFLATE}},
    {"tiff-palette-packbits", VG_RASTER_RGB8, {.format = VG_FORMAT_TIFF, .palette = true, .tiff_compression = COMPRESSION_PACKBITS}},
    {"tiff-jpeg", VG_RASTER_RGB8, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_JPEG}},
    {"tiff-rgba-tiled", VG_RASTER_RGBA8, {.format = VG_FORMAT_TIFF, .tiled = true}},
    {"heic", VG_RASTER_RGB8, {.format = VG_FORMAT_HEIF, .quality = 50}},
    {"avif", VG_RASTER_RGB8, {.format = VG_FORMAT_AVIF, .quality = 50}},
    {"avif-alpha", VG_RASTER_RGBA8, {.format = VG_FORMAT_AVIF, .quality = 50}},
    {"pbm-plain", VG_RASTER_GRAY8, {.format = VG_FORMAT_PNM, .bits = 1, .plain = true}},
    {"pgm-16", VG_RASTER_GRAY16, {.format = VG_FORMAT_PNM}},
    {"ppm-plain", VG_RASTER_RGB8, {.format = VG_FORMAT_PNM, .plain = true, .maxval = 1000}},
    {"ppm", VG_RASTER_RGB8, {.format = VG_FORMAT_PNM}},
};

/* x265 (behind the HEIC writer) leaks a few blocks per encoder: not ours. */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
    return "leak:libx265\n";
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz_seeds: cannot create %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* A small picture with edges and gradients, few enough colours for every
 * palette variant. */
static void *fill(vg_raster_kind kind, uint32_t w, uint32_t h, vg_raster *r)
{
    unsigned ch = vg_raster_channels(kind), bytes = vg_raster_sample_bytes(kind);
    uint8_t *px = malloc((size_t)w * h * ch * bytes);
    if (!px)
        exit(1);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (unsigned c = 0; c < ch; c++) {
                unsigned v = ((x * 4 / w) * 85 + (y * 2 / h) * 40 * c + (x == y ? 100 : 0)) & 0xFF;
                size_t i = ((size_t)y * w + x) * ch + c;
                if (bytes == 2)
                    ((uint16_t *)px)[i] = (uint16_t)(v * 257);
                else
                    px[i] = (uint8_t)(v & 0xF0);
            }
    *r = (vg_raster){w, h, kind, px};
    return px;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    char path[4096];
    make_dir(argv[1]);
    snprintf(path, sizeof path, "%s/all", argv[1]);
    make_dir(path);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        vg_raster r;
        void *px = fill(variants[i].kind, 21, 13, &r);
        uint8_t *data;
        size_t len;
        vg_error err;
        if (vg_encode(&r, &variants[i].opts, &data, &len, &err) != VG_OK) {
            fprintf(stderr, "fuzz_seeds: %s: %s\n", variants[i].name, err.message);
            free(px);
            return 1;
        }
        const char *fmt = vg_image_format_name(variants[i].opts.format);
        for (int where = 0; where < 2; where++) {
            snprintf(path, sizeof path, "%s/%s", argv[1], where ? "all" : fmt);
            make_dir(path);
            snprintf(path, sizeof path, "%s/%s/%s", argv[1], where ? "all" : fmt,
                     variants[i].name);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
                return 1;
            }
        }
        free(data);
        free(px);
    }
    return 0;
}
