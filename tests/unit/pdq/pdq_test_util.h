/*
 * pdq_test_util.h - helpers shared by the PDQ test programs: a tiny P6
 * reader (the vectors are raw PPM so they test the hasher without any
 * decoder), a CSV field splitter and synthetic images.
 */
#ifndef VIGIE_TESTS_PDQ_UTIL_H
#define VIGIE_TESTS_PDQ_UTIL_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/pdq.h"

typedef struct test_image {
    uint32_t width, height;
    vg_pixel_layout layout;
    uint8_t *pixels; /* width * height * layout bytes, malloc'd */
} test_image;

/* Skip whitespace and '#' comments of a PNM header. */
static inline size_t ppm_skip(const uint8_t *d, size_t len, size_t i)
{
    for (;;) {
        while (i < len && isspace(d[i]))
            i++;
        if (i < len && d[i] == '#') {
            while (i < len && d[i] != '\n')
                i++;
            continue;
        }
        return i;
    }
}

static inline size_t ppm_number(const uint8_t *d, size_t len, size_t i, unsigned long *out)
{
    i = ppm_skip(d, len, i);
    unsigned long v = 0;
    size_t start = i;
    while (i < len && isdigit(d[i]) && v < 100000000)
        v = v * 10 + (unsigned long)(d[i++] - '0');
    *out = i > start ? v : 0;
    return i;
}

/* Read a binary P6 file with maxval 255; returns 0 on success. */
static inline int read_ppm(const char *path, test_image *img)
{
    size_t len = 0;
    uint8_t *d = vg_test_read_file(path, &len);
    if (!d)
        return -1;
    unsigned long w = 0, h = 0, maxval = 0;
    int ok = len > 2 && d[0] == 'P' && d[1] == '6';
    size_t i = 2;
    if (ok) {
        i = ppm_number(d, len, i, &w);
        i = ppm_number(d, len, i, &h);
        i = ppm_number(d, len, i, &maxval);
        i++; /* the single whitespace before the raster */
        ok = w && h && maxval == 255 && i <= len && (len - i) / 3 / w >= h;
    }
    if (ok) {
        img->width = (uint32_t)w;
        img->height = (uint32_t)h;
        img->layout = VG_PIXEL_RGB8;
        img->pixels = malloc(w * h * 3);
        ok = img->pixels != NULL;
        if (ok)
            memcpy(img->pixels, d + i, w * h * 3);
    }
    free(d);
    return ok ? 0 : -1;
}

/* Split a CSV line in place into at most max fields; returns the count. */
static inline int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* A deterministic, textured synthetic RGB image. */
static inline test_image synthetic_image(uint32_t width, uint32_t height, uint32_t seed)
{
    test_image img = {width, height, VG_PIXEL_RGB8, malloc((size_t)width * height * 3)};
    uint32_t state = seed * 2654435761u + 1;
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++) {
            state = state * 1664525u + 1013904223u;
            uint8_t *p = img.pixels + ((size_t)y * width + x) * 3;
            uint32_t base = (x * 7 / (width / 8 + 1) * 31 + y * 5 / (height / 8 + 1) * 47 +
                             (x * y) / (width + height + 1)) & 0xff;
            p[0] = (uint8_t)(base ^ (state >> 28));
            p[1] = (uint8_t)((base * 3 + (state >> 26)) & 0xff);
            p[2] = (uint8_t)(255 - base);
        }
    return img;
}

static inline vg_status hash_image(const test_image *img, bool dihedral, vg_pdq_result *out)
{
    vg_error err;
    vg_status status = vg_pdq_from_pixels(img->pixels, img->width, img->height,
                                          (size_t)img->width * img->layout, img->layout,
                                          dihedral, out, &err);
    if (status != VG_OK)
        fprintf(stderr, "hash failed: %s\n", err.message);
    return status;
}

static inline int hash_equal(const vg_pdq_hash *a, const vg_pdq_hash *b)
{
    return memcmp(a->bytes, b->bytes, VG_PDQ_BYTES) == 0;
}

#endif
