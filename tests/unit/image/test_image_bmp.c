/*
 * BMP variants vigie_encode does not write, built byte by byte: RLE8 with
 * delta and absolute escapes, RLE4 with absolute runs in a v5 header, the
 * OS/2 2.x header, bit fields inside a v3 header, and malformed headers.
 */
#include "harness.h"
#include "vigie/image.h"

typedef struct bytes {
    uint8_t data[4096];
    size_t len;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void u16(bytes *b, unsigned v)
{
    uint8_t c[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, c, 2);
}

static void u32(bytes *b, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, c, 4);
}

static const uint8_t palette[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};

/* File header, a Windows info header of hsize bytes (fields past 40 are
 * zero unless masks are given), a 4-colour palette when bpp <= 8, pixels. */
static void build(bytes *b, uint32_t hsize, int32_t w, int32_t h, unsigned bpp,
                  uint32_t compression, const uint32_t *masks, const uint8_t *pixels, size_t n)
{
    b->len = 0;
    uint32_t colors = bpp <= 8 ? 4 : 0;
    uint32_t offbits = 14 + hsize + colors * 4;
    put(b, "BM", 2);
    u32(b, offbits + (uint32_t)n);
    u32(b, 0);
    u32(b, offbits);
    u32(b, hsize);
    u32(b, (uint32_t)w);
    u32(b, (uint32_t)h);
    u16(b, 1);
    u16(b, bpp);
    u32(b, compression);
    u32(b, (uint32_t)n);
    u32(b, 0);
    u32(b, 0);
    u32(b, colors);
    u32(b, 0);
    for (uint32_t i = 40; i < hsize; i += 4)
        u32(b, masks && i < 56 ? masks[(i - 40) / 4] : 0);
    for (uint32_t i = 0; i < colors; i++) {
        uint8_t e[4] = {palette[i][2], palette[i][1], palette[i][0], 0};
        put(b, e, 4);
    }
    put(b, pixels, n);
}

static void check_pixels(const bytes *b, uint32_t w, uint32_t h, const uint8_t *indices)
{
    vg_image img;
    vg_error err;
    vg_status st = vg_image_decode(b->data, b->len, NULL, &img, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st != VG_OK)
        return;
    CHECK_INT_EQ(img.info.width, w);
    CHECK_INT_EQ(img.info.height, h);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_RGB8);
    for (uint32_t i = 0; i < w * h; i++)
        CHECK_MSG(!memcmp(img.pixels + 3 * i, palette[indices[i]], 3), "pixel %u", i);
    vg_image_free(&img);
}

static void test_rle8_escapes(void)
{
    static const uint8_t rle[] = {
        0x04, 0x01, 0x00, 0x00,                   /* stored row 0: 4 red, end of line */
        0x00, 0x03, 0x02, 0x03, 0x02, 0x00, 0x00, 0x00, /* absolute G B G, pad, EOL */
        0x00, 0x02, 0x02, 0x00,                   /* delta: 2 right */
        0x02, 0x03,                               /* 2 blue */
        0x00, 0x01,                               /* end of bitmap */
    };
    static const uint8_t want[] = {0, 0, 3, 3, 2, 3, 2, 0, 1, 1, 1, 1}; /* top row first */
    bytes b;
    build(&b, 40, 4, 3, 8, 1, NULL, rle, sizeof rle);
    check_pixels(&b, 4, 3, want);
}

static void test_rle4_absolute_v5(void)
{
    static const uint8_t rle[] = {
        0x00, 0x05, 0x12, 0x30, 0x10, 0x00, /* absolute 1 2 3 0 1, padded */
        0x00, 0x00,                         /* EOL */
        0x05, 0x23,                         /* 2 3 2 3 2 */
        0x00, 0x01,
    };
    static const uint8_t want[] = {2, 3, 2, 3, 2, 1, 2, 3, 0, 1};
    bytes b;
    build(&b, 124, 5, 2, 4, 2, NULL, rle, sizeof rle);
    check_pixels(&b, 5, 2, want);
}

static void test_rle_truncated(void)
{
    static const uint8_t rle[] = {0x04, 0x01, 0x00, 0x00, 0x00, 0x03, 0x02};
    bytes b;
    build(&b, 40, 4, 3, 8, 1, NULL, rle, sizeof rle);
    vg_image img;
    vg_error err;
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
}

static void test_os2_v2_header_2bit(void)
{
    /* 2 bits per pixel, rows padded to 4 bytes, bottom-up. */
    static const uint8_t rows[] = {0x1B, 0, 0, 0, /* stored row 0: 0 1 2 3 */
                                   0xE4, 0, 0, 0}; /* stored row 1: 3 2 1 0 */
    static const uint8_t want[] = {3, 2, 1, 0, 0, 1, 2, 3};
    bytes b;
    build(&b, 64, 4, 2, 2, 0, NULL, rows, sizeof rows);
    check_pixels(&b, 4, 2, want);
}

static void test_bitfields_in_v3_header(void)
{
    /* 16-bit 4-4-4-4 masks (ARGB4444), top-down. */
    static const uint32_t masks[4] = {0x0F00, 0x00F0, 0x000F, 0xF000};
    static const uint8_t rows[] = {0x00, 0xFF, 0xF0, 0xF0, /* red, green */
                                   0x0F, 0xF0, 0x88, 0xF8}; /* blue, grey 0x88 */
    bytes b;
    build(&b, 56, 2, -2, 16, 3, masks, rows, sizeof rows);
    vg_image img;
    vg_error err;
    vg_status st = vg_image_decode(b.data, b.len, NULL, &img, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st != VG_OK)
        return;
    static const uint8_t want[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 136, 136, 136};
    CHECK(!memcmp(img.pixels, want, 12));
    CHECK_INT_EQ(img.info.color_model, VG_COLOR_RGBA);
    CHECK_INT_EQ(img.info.bits_per_sample, 4);
    vg_image_free(&img);
}

static void test_bad_headers(void)
{
    static const uint8_t px[16] = {0};
    bytes b;
    vg_image img;
    vg_error err;
    build(&b, 40, 2, 2, 24, 0, NULL, px, sizeof px);
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_OK);
    vg_image_free(&img);
    build(&b, 40, 2, 2, 7, 0, NULL, px, sizeof px); /* no such depth */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
    build(&b, 40, 0, 2, 24, 0, NULL, px, sizeof px); /* no width */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
    build(&b, 40, 2, (int32_t)0x80000000u, 24, 0, NULL, px, sizeof px); /* -2^31 rows */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_TOO_LARGE);
    build(&b, 40, 2, 2, 24, 4, NULL, px, sizeof px); /* embedded JPEG */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_UNSUPPORTED);
    build(&b, 40, 2, 2, 24, 0, NULL, px, 10); /* short pixel data */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
    build(&b, 40, 2, 2, 24, 1, NULL, px, sizeof px); /* RLE8 at 24 bits */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
    b.data[14] = 200; /* header larger than the file */
    CHECK_INT_EQ(vg_image_decode(b.data, b.len, NULL, &img, &err), VG_ERR_CORRUPT);
}

int main(void)
{
    RUN(test_rle8_escapes);
    RUN(test_rle4_absolute_v5);
    RUN(test_rle_truncated);
    RUN(test_os2_v2_header_2bit);
    RUN(test_bitfields_in_v3_header);
    RUN(test_bad_headers);
    return vg_test_exit();
}
