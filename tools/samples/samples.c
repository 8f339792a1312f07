/*
 * vigie-samples DIR - writes the demo folder: a few deterministic
 * procedural "photographs" (gradients, shapes, textures; no real photo and
 * no people), each saved in several formats, plus transformed copies
 * (rotated, flipped, downscaled, recompressed, greyscale, CMYK), one text
 * file and nested subfolders. Hashing the folder shows the same picture
 * recognised across formats and edits.
 *
 * vigie-samples --pattern WIDTHxHEIGHT SEED FILE - writes one picture of
 * pattern.h as a binary PPM (the known-answer PDQ vectors are made from
 * these; tests/unit/pdq/known/README.md).
 *
 * Exit status: 0 written, 1 a file could not be written, 2 usage error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tiffio.h>

#include "encode.h"
#include "pattern.h"
#include "vigie/image.h"

/* An RGB8 picture owned by whoever made it (free pixels). */
typedef struct picture {
    uint32_t width, height;
    uint8_t *pixels;
} picture;

static picture picture_new(uint32_t w, uint32_t h)
{
    picture p = {w, h, calloc((size_t)w * h, 3)};
    if (!p.pixels) {
        fprintf(stderr, "vigie-samples: out of memory\n");
        exit(1);
    }
    return p;
}

static uint8_t clamp8(double v)
{
    return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

/* Smooth value noise in [0, 1): the texture of grass, bark and stone. */
static double hash01(int x, int y, unsigned seed)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u + seed * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (double)((h ^ (h >> 16)) & 0xFFFFFF) / 16777216.0;
}

static double noise(double x, double y, unsigned seed)
{
    int xi = (int)floor(x), yi = (int)floor(y);
    double fx = x - xi, fy = y - yi;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    double a = hash01(xi, yi, seed), b = hash01(xi + 1, yi, seed);
    double c = hash01(xi, yi + 1, seed), d = hash01(xi + 1, yi + 1, seed);
    return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

static double fractal(double x, double y, unsigned seed)
{
    return 0.5 * noise(x, y, seed) + 0.25 * noise(2 * x, 2 * y, seed + 1) +
           0.125 * noise(4 * x, 4 * y, seed + 2) + 0.125 * noise(8 * x, 8 * y, seed + 3);
}

static void put(picture *p, uint32_t x, uint32_t y, double r, double g, double b)
{
    uint8_t *px = p->pixels + ((size_t)y * p->width + x) * 3;
    px[0] = clamp8(r), px[1] = clamp8(g), px[2] = clamp8(b);
}

/* Sky, sun, three ranges of hills and a textured meadow. */
static picture make_landscape(void)
{
    picture p = picture_new(512, 384);
    for (uint32_t y = 0; y < p.height; y++)
        for (uint32_t x = 0; x < p.width; x++) {
            double fx = x / 512.0, fy = y / 384.0;
            double r = 90 + 120 * fy, g = 150 + 70 * fy, b = 235 - 30 * fy; /* sky */
            double sx = fx - 0.72, sy = fy - 0.22, sun = sqrt(sx * sx + sy * sy);
            if (sun < 0.07)
                r = 255, g = 236, b = 170;
            else if (sun < 0.16)
                r += (0.16 - sun) * 600, g += (0.16 - sun) * 400;
            for (int range = 0; range < 3; range++) {
                double crest = 0.45 + 0.12 * range + 0.06 * sin(fx * (5 + 3 * range) + range) +
                               0.03 * fractal(fx * 6, range, 7u + (unsigned)range);
                if (fy > crest) {
                    double shade = 1.0 - 0.25 * range;
                    r = (60 + 30 * range) * shade, g = (110 + 25 * range) * shade,
                    b = (80 - 20 * range) * shade;
                }
            }
            if (fy > 0.8) {
                double t = fractal(fx * 40, fy * 40, 11);
                r = 70 + 60 * t, g = 120 + 70 * t, b = 40 + 30 * t;
            }
            put(&p, x, y, r, g, b);
        }
    return p;
}

/* A table with a bowl, a box and a bottle under a soft light. */
static picture make_still_life(void)
{
    picture p = picture_new(448, 448);
    for (uint32_t y = 0; y < p.height; y++)
        for (uint32_t x = 0; x < p.width; x++) {
            double fx = x / 448.0, fy = y / 448.0;
            double light = 1.0 - 0.6 * sqrt((fx - 0.3) * (fx - 0.3) + (fy - 0.2) * (fy - 0.2));
            double r = 200 * light, g = 190 * light, b = 170 * light; /* wall */
            if (fy > 0.62) { /* wooden table */
                double grain = sin(fx * 60 + 8 * fractal(fx * 4, fy * 20, 3));
                r = (140 + 25 * grain) * light, g = (90 + 15 * grain) * light, b = (50 + 10 * grain) * light;
            }
            double bx = (fx - 0.32) / 0.18, by = (fy - 0.62) / 0.12;
            if (bx * bx + by * by < 1 && fy < 0.66) { /* bowl */
                r = 40 + 160 * light, g = 80 + 90 * light, b = 170 + 60 * light;
            }
            if (fx > 0.55 && fx < 0.78 && fy > 0.40 && fy < 0.68) { /* box */
                double edge = fx < 0.62 ? 0.7 : 1.0;
                r = 210 * edge * light, g = 60 * edge * light, b = 50 * edge * light;
            }
            double nx = fabs(fx - 0.86);
            if ((fy > 0.30 && fy < 0.68 && nx < 0.05) || (fy > 0.18 && fy <= 0.30 && nx < 0.018)) {
                double glass = 0.6 + 0.4 * cos(nx * 40); /* bottle */
                r = 30 * glass, g = 120 * glass, b = 60 * glass;
            }
            put(&p, x, y, r, g, b);
        }
    return p;
}

/* Street of buildings with lit windows at dusk. */
static picture make_city(void)
{
    picture p = picture_new(640, 400);
    for (uint32_t y = 0; y < p.height; y++)
        for (uint32_t x = 0; x < p.width; x++) {
            double fy = y / 400.0;
            double r = 250 - 150 * fy, g = 140 - 60 * fy, b = 90 + 100 * fy; /* dusk sky */
            uint32_t block = x / 64;
            double top = 0.25 + 0.35 * hash01((int)block, 0, 5);
            if (fy > top) {
                double stone = 0.8 + 0.2 * fractal(x / 30.0, y / 30.0, 9);
                r = 70 * stone, g = 70 * stone, b = 85 * stone;
                uint32_t wx = x % 64, wy = y % 24;
                if (wx > 10 && wx < 54 && (wx % 12) > 3 && wy > 6 && wy < 18 &&
                    hash01((int)(x / 12), (int)(y / 24), 13) > 0.35)
                    r = 250, g = 210, b = 120; /* lit window */
            }
            if (fy > 0.9)
                r = g = b = 50 + 20 * fractal(x / 8.0, y / 8.0, 17); /* road */
            put(&p, x, y, r, g, b);
        }
    return p;
}

/* Transformations ------------------------------------------------------------ */

static picture rotate90(const picture *s) /* clockwise */
{
    picture d = picture_new(s->height, s->width);
    for (uint32_t y = 0; y < s->height; y++)
        for (uint32_t x = 0; x < s->width; x++)
            memcpy(d.pixels + ((size_t)x * d.width + (s->height - 1 - y)) * 3,
                   s->pixels + ((size_t)y * s->width + x) * 3, 3);
    return d;
}

static picture flip_horizontal(const picture *s)
{
    picture d = picture_new(s->width, s->height);
    for (uint32_t y = 0; y < s->height; y++)
        for (uint32_t x = 0; x < s->width; x++)
            memcpy(d.pixels + ((size_t)y * d.width + (s->width - 1 - x)) * 3,
                   s->pixels + ((size_t)y * s->width + x) * 3, 3);
    return d;
}

static picture half_size(const picture *s) /* 2x2 box filter */
{
    picture d = picture_new(s->width / 2, s->height / 2);
    for (uint32_t y = 0; y < d.height; y++)
        for (uint32_t x = 0; x < d.width; x++)
            for (int c = 0; c < 3; c++) {
                unsigned sum = 0;
                for (int k = 0; k < 4; k++)
                    sum += s->pixels[((size_t)(2 * y + k / 2) * s->width + 2 * x + k % 2) * 3 + c];
                d.pixels[((size_t)y * d.width + x) * 3 + c] = (uint8_t)((sum + 2) / 4);
            }
    return d;
}

/* The part [x0, x0 + w) x [y0, y0 + h) of s. */
static picture crop(const picture *s, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h)
{
    picture d = picture_new(w, h);
    for (uint32_t y = 0; y < h; y++)
        memcpy(d.pixels + (size_t)y * w * 3, s->pixels + ((size_t)(y0 + y) * s->width + x0) * 3,
               (size_t)w * 3);
    return d;
}

/* s inside bars of one colour: what letterboxing or a screenshot adds. */
static picture framed(const picture *s, uint32_t top, uint32_t bottom, uint32_t left,
                      uint32_t right, const uint8_t rgb[3])
{
    picture d = picture_new(s->width + left + right, s->height + top + bottom);
    for (size_t i = 0; i < (size_t)d.width * d.height; i++)
        memcpy(d.pixels + i * 3, rgb, 3);
    for (uint32_t y = 0; y < s->height; y++)
        memcpy(d.pixels + ((size_t)(top + y) * d.width + left) * 3,
               s->pixels + (size_t)y * s->width * 3, (size_t)s->width * 3);
    return d;
}

/* Rasters for the encoder; the returned buffer is owned by the caller. */
static vg_raster as_rgb(const picture *p)
{
    return (vg_raster){p->width, p->height, VG_RASTER_RGB8, p->pixels};
}

static uint8_t *to_gray(const picture *p, vg_raster *r)
{
    uint8_t *g = malloc((size_t)p->width * p->height);
    if (!g)
        exit(1);
    for (size_t i = 0; i < (size_t)p->width * p->height; i++) {
        const uint8_t *px = p->pixels + 3 * i;
        g[i] = (uint8_t)((299u * px[0] + 587u * px[1] + 114u * px[2] + 500u) / 1000u);
    }
    *r = (vg_raster){p->width, p->height, VG_RASTER_GRAY8, g};
    return g;
}

static uint8_t *to_cmyk(const picture *p, vg_raster *r)
{
    uint8_t *c = malloc((size_t)p->width * p->height * 4);
    if (!c)
        exit(1);
    for (size_t i = 0; i < (size_t)p->width * p->height; i++) {
        const uint8_t *px = p->pixels + 3 * i;
        uint8_t max = px[0] > px[1] ? px[0] : px[1];
        max = max > px[2] ? max : px[2];
        uint8_t k = (uint8_t)(255 - max);
        for (int ch = 0; ch < 3; ch++)
            c[4 * i + ch] = max ? (uint8_t)(255 * (max - px[ch]) / max) : 0;
        c[4 * i + 3] = k;
    }
    *r = (vg_raster){p->width, p->height, VG_RASTER_CMYK8, c};
    return c;
}

/* Output ----------------------------------------------------------------------- */

static const char *out_dir;
static int written;

static void make_dir(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", out_dir, rel[0] ? "/" : "", rel);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "vigie-samples: cannot create %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void save(const vg_raster *r, vg_encode_options opts, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    vg_error err;
    if (vg_encode_file(r, &opts, path, &err) != VG_OK) {
        fprintf(stderr, "vigie-samples: %s: %s\n", path, err.message);
        exit(1);
    }
    written++;
}

/* Re-encode a JPEG at low quality after decoding it, as a re-upload would. */
static void save_recompressed(const char *from_rel, const char *rel)
{
    char from[4096];
    snprintf(from, sizeof from, "%s/%s", out_dir, from_rel);
    vg_image img;
    vg_error err;
    if (vg_image_load_file(from, NULL, &img, &err) != VG_OK) {
        fprintf(stderr, "vigie-samples: %s\n", err.message);
        exit(1);
    }
    vg_raster r = {img.info.width, img.info.height,
                   img.info.layout == VG_PIXEL_RGB8 ? VG_RASTER_RGB8 : VG_RASTER_GRAY8,
                   img.pixels};
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 45}, rel);
    vg_image_free(&img);
}

static void save_text(const char *rel, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "vigie-samples: cannot write %s\n", path);
        exit(1);
    }
    written++;
}

static void usage(FILE *to)
{
    fputs("usage: vigie-samples DIR\n"
          "       vigie-samples --pattern WIDTHxHEIGHT SEED FILE.ppm\n"
          "Writes synthetic demo pictures (procedural, no real photos) in every image format\n"
          "vigie reads, with rotated, flipped, resized and recompressed copies, into DIR;\n"
          "or one test pattern (tools/samples/pattern.h) as a binary PPM.\n",
          to);
}

/* --pattern WIDTHxHEIGHT SEED FILE */
static int write_pattern(const char *size, const char *seed_text, const char *path)
{
    unsigned long w = 0, h = 0, seed = 0;
    char x = 0, end = 0;
    if (sscanf(size, "%lu%c%lu%c", &w, &x, &h, &end) != 3 || x != 'x' || !w || !h ||
        w > 65535 || h > 65535 || sscanf(seed_text, "%lu%c", &seed, &end) != 1 ||
        seed > UINT32_MAX) {
        usage(stderr);
        return 2;
    }
    uint8_t *pixels = vg_pattern_rgb((uint32_t)w, (uint32_t)h, (uint32_t)seed);
    FILE *f = pixels ? fopen(path, "wb") : NULL;
    bool ok = f && fprintf(f, "P6\n%lu %lu\n255\n", w, h) > 0 &&
              fwrite(pixels, 3, (size_t)w * h, f) == (size_t)w * h;
    if (f && fclose(f) != 0)
        ok = false;
    free(pixels);
    if (!ok) {
        fprintf(stderr, "vigie-samples: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "--pattern"))
        return write_pattern(argv[2], argv[3], argv[4]);
    if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
        usage(stderr);
        return 2;
    }
    out_dir = argv[1];
    make_dir("");
    make_dir("landscape");
    make_dir("landscape/edits");
    make_dir("studio");
    make_dir("studio/archive");
    make_dir("studio/archive/2019");
    make_dir("city");

    picture land = make_landscape(), still = make_still_life(), city = make_city();
    vg_raster r;
    uint8_t *tmp;

    /* The landscape: common web formats, then edits of it. */
    r = as_rgb(&land);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 90}, "landscape/landscape.jpg");
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG}, "landscape/landscape.png");
    save(&r, (vg_encode_options){.format = VG_FORMAT_WEBP, .quality = 85}, "landscape/landscape.webp");
    save(&r, (vg_encode_options){.format = VG_FORMAT_HEIF, .quality = 80}, "landscape/landscape.heic");
    save_recompressed("landscape/landscape.jpg", "landscape/edits/landscape-recompressed.jpg");
    picture land_rot = rotate90(&land);
    r = as_rgb(&land_rot);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 90}, "landscape/edits/landscape-rot90.jpg");
    picture land_half = half_size(&land);
    r = as_rgb(&land_half);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG}, "landscape/edits/landscape-small.png");
    tmp = to_gray(&land, &r);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG}, "landscape/edits/landscape-gray.png");
    free(tmp);
    static const uint8_t black[3] = {0, 0, 0}, light[3] = {236, 236, 236};
    picture land_bars = framed(&land, land.height / 8, land.height / 8, 0, 0, black);
    r = as_rgb(&land_bars);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 85}, "landscape/edits/landscape-letterbox.jpg");

    /* The still life: archival and print formats. */
    r = as_rgb(&still);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG, .interlaced = true}, "studio/still-life.png");
    save(&r, (vg_encode_options){.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_LZW}, "studio/still-life.tif");
    save(&r, (vg_encode_options){.format = VG_FORMAT_BMP}, "studio/still-life.bmp");
    save(&r, (vg_encode_options){.format = VG_FORMAT_AVIF, .quality = 80}, "studio/still-life.avif");
    save(&r, (vg_encode_options){.format = VG_FORMAT_GIF}, "studio/archive/still-life.gif");
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 92, .interlaced = true}, "studio/archive/still-life-progressive.jpg");
    tmp = to_cmyk(&still, &r);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 92}, "studio/archive/2019/still-life-cmyk.jpg");
    save(&r, (vg_encode_options){.format = VG_FORMAT_TIFF, .tiled = true, .tiff_compression = COMPRESSION_ADOBE_DEFLATE}, "studio/archive/2019/still-life-cmyk.tif");
    free(tmp);
    picture still_flip = flip_horizontal(&still);
    r = as_rgb(&still_flip);
    save(&r, (vg_encode_options){.format = VG_FORMAT_WEBP, .lossless = true}, "studio/archive/2019/still-life-mirrored.webp");
    tmp = to_gray(&still, &r);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNM}, "studio/archive/2019/still-life-gray.pgm");
    free(tmp);

    /* The city: the rest of the formats and edits. */
    r = as_rgb(&city);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 88}, "city/city.jpg");
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNM}, "city/city.ppm");
    save(&r, (vg_encode_options){.format = VG_FORMAT_BMP, .bits = 8, .rle = true}, "city/city-256-colours.bmp");
    save(&r, (vg_encode_options){.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_JPEG, .quality = 90}, "city/city.tif");
    save_recompressed("city/city.jpg", "city/city-recompressed.jpg");
    picture city_rot = rotate90(&city);
    r = as_rgb(&city_rot);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG}, "city/city-rot90.png");
    picture city_half = half_size(&city);
    r = as_rgb(&city_half);
    save(&r, (vg_encode_options){.format = VG_FORMAT_WEBP, .quality = 80}, "city/city-small.webp");
    tmp = to_gray(&city, &r);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 85}, "city/city-gray.jpg");
    free(tmp);
    picture city_crop = crop(&city, city.width / 10, 0, city.width - city.width / 10,
                             city.height - city.height / 10);
    r = as_rgb(&city_crop);
    save(&r, (vg_encode_options){.format = VG_FORMAT_JPEG, .quality = 85}, "city/city-cropped.jpg");
    picture city_frame = framed(&city, city.height / 6, city.height / 20, city.width / 20,
                                city.width / 20, light);
    r = as_rgb(&city_frame);
    save(&r, (vg_encode_options){.format = VG_FORMAT_PNG}, "city/city-screenshot.png");

    save_text("README.txt",
              "Synthetic pictures written by vigie-samples: procedural scenes (a landscape, a\n"
              "still life, a city street), no real photographs. Each scene is saved in several\n"
              "formats and edited (rotated, mirrored, resized, recompressed, greyscale, cropped,\n"
              "framed), so the PDQ column shows the same picture recognised across formats.\n"
              "This file is not an image: vigie reports it with an error row.\n");

    free(land.pixels), free(land_rot.pixels), free(land_half.pixels), free(land_bars.pixels);
    free(still.pixels), free(still_flip.pixels);
    free(city.pixels), free(city_rot.pixels), free(city_half.pixels), free(city_frame.pixels);
    free(city_crop.pixels);
    fprintf(stderr, "vigie-samples: wrote %d files to %s\n", written, out_dir);
    return 0;
}
