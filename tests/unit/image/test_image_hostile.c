/*
 * Hostile inputs: truncated and bit-flipped files of every format (fixed
 * seed), headers that claim enormous images, the max_pixels option,
 * empty and unrecognised inputs, and missing files. Decoding may fail or
 * succeed, but must return a status with a message, never crash (this
 * program also runs under ASan/UBSan), and never call the sink
 * inconsistently.
 */
#include <tiffio.h>

#include "harness.h"
#include "raster_fixtures.h"
#include "vigie/image.h"

typedef struct seed_spec {
    const char *name;
    vg_raster_kind kind;
    unsigned levels;
    vg_encode_options opts;
} seed_spec;

static const seed_spec seeds[] = {
    {"png", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_PNG}},
    {"png palette interlaced", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_PNG, .palette = true, .interlaced = true, .transparency = true}},
    {"png gray16", VG_RASTER_GRAY16, 0, {.format = VG_FORMAT_PNG}},
    {"jpeg", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_JPEG}},
    {"jpeg progressive", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_JPEG, .interlaced = true}},
    {"jpeg cmyk", VG_RASTER_CMYK8, 0, {.format = VG_FORMAT_JPEG}},
    {"gif", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_GIF}},
    {"gif interlaced", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_GIF, .interlaced = true}},
    {"webp lossless", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_WEBP, .lossless = true}},
    {"webp lossy", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_WEBP}},
    {"bmp 24", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP}},
    {"bmp rle8", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_BMP, .bits = 8, .rle = true}},
    {"bmp rle4", VG_RASTER_RGB8, 2, {.format = VG_FORMAT_BMP, .bits = 4, .rle = true}},
    {"bmp bitfields", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_BMP, .bits = 32, .bitfields = true}},
    {"tiff lzw", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_LZW}},
    {"tiff tiled cmyk", VG_RASTER_CMYK8, 0, {.format = VG_FORMAT_TIFF, .tiled = true}},
    {"tiff jpeg", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_JPEG}},
    {"tiff palette deflate", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_TIFF, .palette = true, .tiff_compression = COMPRESSION_ADOBE_DEFLATE}},
    {"heic", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_HEIF}},
    {"avif", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_AVIF}},
    {"ppm", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_PNM}},
    {"pgm plain", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_PNM, .plain = true}},
    {"pbm", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_PNM, .bits = 1}},
};

static uint8_t *encode_seed(const seed_spec *s, uint32_t w, uint32_t h, size_t *len)
{
    vg_raster r;
    void *px = fixture_raster(s->kind, w, h, s->levels, &r);
    uint8_t *data = NULL;
    vg_error err;
    vg_status st = vg_encode(&r, &s->opts, &data, len, &err);
    CHECK_MSG(st == VG_OK, "%s: %s", s->name, err.message);
    free(px);
    return st == VG_OK ? data : NULL;
}

/* A sink that checks the decoder keeps its side of the contract. */
typedef struct strict_sink {
    int begins;
    uint32_t rows;
    vg_image_info info;
    bool broken;
} strict_sink;

static vg_status strict_begin(void *user, const vg_image_info *info, vg_error *err)
{
    (void)err;
    strict_sink *s = user;
    if (s->begins++ || !info->width || !info->height)
        s->broken = true;
    s->info = *info;
    return VG_OK;
}

static vg_status strict_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    (void)err;
    strict_sink *s = user;
    if (!s->begins || y != s->rows || y >= s->info.height)
        s->broken = true;
    /* Touch every byte so ASan sees a short row buffer. */
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < (size_t)s->info.width * s->info.layout; i++)
        sum += pixels[i];
    (void)sum;
    s->rows++;
    return VG_OK;
}

static int decode_checked(const uint8_t *data, size_t len, const char *what)
{
    strict_sink s = {0};
    vg_row_sink sink = {strict_begin, strict_row, &s};
    vg_decode_options opts = {.max_pixels = 1u << 22};
    vg_error err;
    vg_status st = vg_image_decode_rows(data, len, &opts, &sink, NULL, &err);
    CHECK_MSG(!s.broken, "%s: sink contract broken", what);
    if (st == VG_OK) {
        CHECK_MSG(s.begins == 1 && s.rows == s.info.height, "%s: OK with %u of %u rows", what,
                  s.rows, s.info.height);
    } else {
        CHECK_MSG(err.status == st && err.message[0], "%s: status %s without a message", what,
                  vg_status_name(st));
        CHECK_MSG(st != VG_ERR_INVALID && st != VG_ERR_IO, "%s: odd status %s", what,
                  vg_status_name(st));
    }
    return st == VG_OK;
}

static void test_truncated(void)
{
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t len;
        uint8_t *data = encode_seed(&seeds[i], 29, 23, &len);
        if (!data)
            continue;
        CHECK_MSG(decode_checked(data, len, seeds[i].name), "%s: intact file fails",
                  seeds[i].name);
        size_t step = len / 97 + 1;
        int ok_count = 0;
        for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : step) {
            /* A fresh allocation of exactly `cut` bytes: reading past it
             * is an ASan error. */
            uint8_t *part = malloc(cut ? cut : 1);
            memcpy(part, data, cut);
            ok_count += decode_checked(part, cut, seeds[i].name);
            free(part);
        }
        /* Cutting into the header can never decode. */
        uint8_t *part = malloc(8);
        memcpy(part, data, 8);
        CHECK_MSG(!decode_checked(part, 8, seeds[i].name), "%s: 8 bytes decoded",
                  seeds[i].name);
        free(part);
        (void)ok_count;
        free(data);
    }
}

static uint64_t xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void test_flipped_bytes(void)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t len;
        uint8_t *data = encode_seed(&seeds[i], 29, 23, &len);
        if (!data)
            continue;
        uint8_t *mutant = malloc(len);
        int rounds = seeds[i].opts.format == VG_FORMAT_HEIF || seeds[i].opts.format == VG_FORMAT_AVIF ? 60 : 250;
        for (int round = 0; round < rounds; round++) {
            memcpy(mutant, data, len);
            int flips = 1 + (int)(xorshift(&rng) % 4);
            for (int f = 0; f < flips; f++) {
                size_t at = (size_t)(xorshift(&rng) % len);
                uint64_t how = xorshift(&rng);
                mutant[at] = how & 1 ? (uint8_t)(mutant[at] ^ (1u << (how >> 1) % 8))
                                     : (uint8_t)(how >> 8);
            }
            decode_checked(mutant, len, seeds[i].name);
        }
        free(mutant);
        free(data);
    }
}

/* Huge dimensions ------------------------------------------------------------ */

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *find(uint8_t *data, size_t len, const void *what, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(data + i, what, n))
            return data + i;
    return NULL;
}

/* Make the encoded 8x8 seed claim to be enormous; false if the format's
 * layout was not found. */
static bool make_huge(const seed_spec *s, uint8_t *d, size_t len)
{
    switch (s->opts.format) {
    case VG_FORMAT_PNG:
        put_be32(d + 16, 100000);
        put_be32(d + 20, 100000);
        put_be32(d + 29, crc32_png(d + 12, 17));
        return true;
    case VG_FORMAT_JPEG: {
        uint8_t *sof = find(d, len, "\xFF\xC0", 2);
        if (!sof)
            sof = find(d, len, "\xFF\xC2", 2);
        if (!sof)
            return false;
        /* 65500 x 65500, the largest libjpeg accepts */
        sof[5] = sof[7] = 0xFF;
        sof[6] = sof[8] = 0xDC;
        return true;
    }
    case VG_FORMAT_GIF: {
        put_le(d + 6, 65535, 2);
        put_le(d + 8, 65535, 2);
        uint8_t *desc = d + 13 + 3 * 256;
        if (*desc != 0x2C)
            return false;
        put_le(desc + 5, 65535, 2);
        put_le(desc + 7, 65535, 2);
        return true;
    }
    case VG_FORMAT_WEBP:
        if (!memcmp(d + 12, "VP8 ", 4) && !memcmp(d + 23, "\x9d\x01\x2a", 3)) {
            put_le(d + 26, 16383, 2);
            put_le(d + 28, 16383, 2);
            return true;
        }
        if (memcmp(d + 12, "VP8L", 4) != 0)
            return false;
        put_le(d + 21, 16383u | 16383u << 14 | (uint32_t)(d[24] & 0xF0) << 24, 4);
        return true;
    case VG_FORMAT_BMP:
        put_le(d + 18, 100000, 4);
        put_le(d + 22, 100000, 4);
        return true;
    case VG_FORMAT_TIFF: {
        uint32_t ifd = (uint32_t)d[4] | (uint32_t)d[5] << 8 | (uint32_t)d[6] << 16 | (uint32_t)d[7] << 24;
        if (ifd + 2 > len)
            return false;
        unsigned n = d[ifd] | d[ifd + 1] << 8;
        bool found = false;
        for (unsigned k = 0; k < n && ifd + 2 + 12 * (k + 1) <= len; k++) {
            uint8_t *e = d + ifd + 2 + 12 * k;
            unsigned tag = e[0] | e[1] << 8;
            if (tag == 256 || tag == 257) {
                put_le(e + 2, 4, 2); /* LONG */
                put_le(e + 4, 1, 4);
                put_le(e + 8, 100000, 4);
                found = true;
            }
        }
        return found;
    }
    case VG_FORMAT_HEIF:
    case VG_FORMAT_AVIF: {
        /* Every item's size: the coded image and any derived one. */
        bool found = false;
        for (uint8_t *ispe = find(d, len, "ispe", 4); ispe && ispe + 16 <= d + len;
             ispe = find(ispe + 4, (size_t)(d + len - ispe - 4), "ispe", 4)) {
            put_be32(ispe + 8, 100000);
            put_be32(ispe + 12, 100000);
            found = true;
        }
        return found;
    }
    default:
        return false;
    }
}

static void test_huge_headers(void)
{
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        if (seeds[i].opts.format == VG_FORMAT_PNM || seeds[i].opts.interlaced ||
            seeds[i].opts.tiled)
            continue;
        size_t len;
        uint8_t *data = encode_seed(&seeds[i], 8, 8, &len);
        if (!data)
            continue;
        CHECK_MSG(make_huge(&seeds[i], data, len), "%s: header not found", seeds[i].name);
        strict_sink s = {0};
        vg_row_sink sink = {strict_begin, strict_row, &s};
        vg_error err;
        vg_status st = vg_image_decode_rows(data, len, NULL, &sink, NULL, &err);
        CHECK_MSG(st == VG_ERR_TOO_LARGE, "%s: huge header gave %s (%s)", seeds[i].name,
                  vg_status_name(st), err.message);
        CHECK_MSG(s.begins == 0, "%s: sink was started", seeds[i].name);
        free(data);
    }
    static const char *pnm[] = {"P6\n100000 100000\n255\n", "P1 100000 100000 ",
                                "P5 4294967295 1 255 ", "P2\n# c\n70000 70000\n65535\n"};
    for (size_t i = 0; i < sizeof pnm / sizeof pnm[0]; i++) {
        vg_error err;
        vg_image img;
        vg_status st = vg_image_decode((const uint8_t *)pnm[i], strlen(pnm[i]), NULL, &img, &err);
        CHECK_MSG(st == VG_ERR_TOO_LARGE, "pnm %zu: %s", i, vg_status_name(st));
        CHECK(strstr(err.message, "limit") != NULL);
    }
}

static void test_max_pixels(void)
{
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t len;
        uint8_t *data = encode_seed(&seeds[i], 16, 12, &len);
        if (!data)
            continue;
        vg_image img;
        vg_error err;
        vg_decode_options tight = {.max_pixels = 16 * 12 - 1};
        vg_status st = vg_image_decode(data, len, &tight, &img, &err);
        CHECK_MSG(st == VG_ERR_TOO_LARGE, "%s: %s", seeds[i].name, vg_status_name(st));
        CHECK(img.pixels == NULL);
        vg_decode_options exact = {.max_pixels = 16 * 12};
        st = vg_image_decode(data, len, &exact, &img, &err);
        CHECK_MSG(st == VG_OK, "%s: %s", seeds[i].name, err.message);
        vg_image_free(&img);
        free(data);
    }
}

static void test_empty_and_unknown(void)
{
    vg_image img;
    vg_error err;
    uint8_t one = 0xFF;
    CHECK_INT_EQ(vg_image_decode(&one, 0, NULL, &img, &err), VG_ERR_UNSUPPORTED);
    CHECK(err.message[0] != '\0');
    CHECK_INT_EQ(vg_image_decode(NULL, 0, NULL, &img, &err), VG_ERR_UNSUPPORTED);
    CHECK_INT_EQ(vg_image_decode(&one, 1, NULL, &img, &err), VG_ERR_UNSUPPORTED);
    const char *text = "This is a text file, not a picture.\n";
    CHECK_INT_EQ(vg_image_decode((const uint8_t *)text, strlen(text), NULL, &img, &err),
                 VG_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, "not a recognised image format") != NULL);
    CHECK(img.pixels == NULL);
    /* NULL error pointers are allowed. */
    CHECK_INT_EQ(vg_image_decode((const uint8_t *)text, strlen(text), NULL, &img, NULL),
                 VG_ERR_UNSUPPORTED);
    CHECK_INT_EQ(vg_image_decode_rows((const uint8_t *)text, 4, NULL, NULL, NULL, &err),
                 VG_ERR_INVALID);
    /* Each format's magic alone. */
    static const char *magics[] = {"\xFF\xD8\xFF", "\x89PNG\r\n\x1A\n", "GIF89a", "RIFF\0\0\0\0WEBP",
                                   "BM\0\0\0\0\0\0\0\0\0\0\0\0", "II*\0", "MM\0*", "P6 ",
                                   "\0\0\0\x18" "ftypheic", "\0\0\0\x18" "ftypavif"};
    static const size_t magic_len[] = {3, 8, 6, 12, 14, 4, 4, 3, 12, 12};
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        vg_status st = vg_image_decode((const uint8_t *)magics[i], magic_len[i], NULL, &img, &err);
        CHECK_MSG(st == VG_ERR_CORRUPT || st == VG_ERR_UNSUPPORTED, "magic %zu: %s", i,
                  vg_status_name(st));
        CHECK(err.message[0] != '\0');
    }
}

/* Valid files using a feature the libraries lack: UNSUPPORTED, not CORRUPT. */
static void test_unsupported_variants(void)
{
    size_t len;
    uint8_t *jpeg = encode_seed(&seeds[3], 16, 16, &len);
    uint8_t *sof = jpeg ? find(jpeg, len, "\xFF\xC0", 2) : NULL;
    CHECK(sof != NULL);
    if (sof) {
        sof[1] = 0xC3; /* lossless JPEG: not in libjpeg-turbo 2.x */
        vg_image img;
        vg_error err;
        vg_status st = vg_image_decode(jpeg, len, NULL, &img, &err);
        CHECK_MSG(st == VG_ERR_UNSUPPORTED, "lossless JPEG: %s (%s)", vg_status_name(st),
                  err.message);
    }
    free(jpeg);

    uint8_t *tiff = encode_seed(&seeds[14], 16, 16, &len);
    bool patched = false;
    if (tiff) {
        uint32_t ifd = (uint32_t)tiff[4] | (uint32_t)tiff[5] << 8 | (uint32_t)tiff[6] << 16 |
                       (uint32_t)tiff[7] << 24;
        unsigned n = tiff[ifd] | tiff[ifd + 1] << 8;
        for (unsigned k = 0; k < n; k++) {
            uint8_t *e = tiff + ifd + 2 + 12 * k;
            if ((e[0] | e[1] << 8) == 259) {
                put_le(e + 8, 34712, 2); /* JPEG 2000, which libtiff does not decode */
                patched = true;
            }
        }
    }
    CHECK(patched);
    if (patched) {
        /* Found by fuzzing: 63489 samples per pixel made an 8 GB row band. */
        uint8_t *many = malloc(len);
        memcpy(many, tiff, len);
        uint32_t ifd = (uint32_t)many[4] | (uint32_t)many[5] << 8;
        unsigned n = many[ifd] | many[ifd + 1] << 8;
        for (unsigned k = 0; k < n; k++) {
            uint8_t *e = many + ifd + 2 + 12 * k;
            if ((e[0] | e[1] << 8) == 277)
                put_le(e + 8, 63489, 2);
        }
        vg_image img;
        vg_error err;
        vg_status st = vg_image_decode(many, len, NULL, &img, &err);
        CHECK_MSG(st == VG_ERR_UNSUPPORTED || st == VG_ERR_CORRUPT, "TIFF 63489 samples: %s",
                  vg_status_name(st));
        free(many);
    }
    if (patched) {
        vg_image img;
        vg_error err;
        vg_status st = vg_image_decode(tiff, len, NULL, &img, &err);
        CHECK_MSG(st == VG_ERR_UNSUPPORTED, "TIFF JPEG 2000: %s (%s)", vg_status_name(st),
                  err.message);
        CHECK(strstr(err.message, "34712") != NULL);
    }
    free(tiff);
}

/* Found by fuzzing: a HEIF whose primary item is a grid declaring a canvas
 * far larger than its 'ispe' (libheif 1.15 trusts the grid and allocated
 * 380 MB). The container pre-check must refuse it before libheif runs. */
static const uint8_t heif_grid_bomb[] = {
    0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63, 0x00, 0x00, 0x00, 0x00,
    0x6d, 0x69, 0x66, 0x31, 0x68, 0x65, 0x69, 0x63, 0x00, 0x00, 0x01, 0xad, 0x6d, 0x65, 0x74, 0x61,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x68, 0x64, 0x6c, 0x72, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x70, 0x69, 0x63, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x70, 0x69, 0x74, 0x6d, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x69, 0x64, 0x61, 0x74, 0x00, 0x00, 0x00, 0x00, 0x57,
    0x45, 0x42, 0x50, 0x00, 0x00, 0x00, 0x38, 0x69, 0x6c, 0x6f, 0x63, 0x01, 0x00, 0x00, 0x00, 0x44,
    0x40, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xcd, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x38, 0x69,
    0x69, 0x6e, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x15, 0x69, 0x6e, 0x66,
    0x65, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x68, 0x76, 0x63, 0x31, 0x00, 0x00, 0x00,
    0x00, 0x15, 0x69, 0x6e, 0x66, 0x65, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x67, 0x72,
    0x69, 0x64, 0x00, 0x00, 0x00, 0x00, 0xd8, 0x69, 0x70, 0x72, 0x70, 0x00, 0x00, 0x00, 0xb6, 0x69,
    0x70, 0x63, 0x6f, 0x00, 0x00, 0x00, 0x76, 0x68, 0x76, 0x63, 0x43, 0x01, 0x03, 0x70, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1e, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00,
    0x0f, 0x03, 0x20, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x03, 0x70, 0x00,
    0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x1e, 0xba, 0x02, 0x40, 0x21,
    0x00, 0x01, 0x00, 0x2a, 0x42, 0x01, 0x01, 0x03, 0x70, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x03, 0x00, 0x1e, 0xa0, 0x20, 0x81, 0x05, 0x96, 0xea, 0xae, 0x9a, 0xe6, 0xe0,
    0x40, 0x40, 0xc0, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x03, 0x00, 0x84, 0x22, 0x00,
    0x01, 0x00, 0x06, 0x44, 0x01, 0xc1, 0x73, 0xc1, 0x89, 0x00, 0x00, 0x00, 0x14, 0x69, 0x73, 0x70,
    0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
    0x14, 0x69, 0x73, 0x70, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00,
    0x0d, 0x00, 0x00, 0x00, 0x10, 0x70, 0x69, 0x78, 0x69, 0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x08,
    0x08, 0x00, 0x00, 0x00, 0x1a, 0x69, 0x70, 0x6d, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x01, 0x02, 0x81, 0x02, 0x00, 0x02, 0x02, 0x03, 0x84, 0x00, 0x00, 0x00, 0x1a, 0x69,
    0x72, 0x65, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x64, 0x69, 0x6d, 0x67, 0x00,
    0x02, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa5, 0x6d, 0x64, 0x61, 0x74, 0x00, 0x00, 0x00,
    0x99, 0x28, 0x01, 0xaf, 0x13, 0x21, 0xf5, 0x15, 0x0d, 0x7a, 0xa6, 0x52, 0xf8, 0x65, 0xac, 0x44,
    0xf5, 0xd4, 0x65, 0xe8, 0x79, 0x76, 0x3d, 0x7a, 0xed, 0xe9, 0x8b, 0xf8, 0x47, 0x9f, 0x6d, 0xac,
    0x66, 0xf7, 0xcf, 0x2d, 0x90, 0x6e, 0x6b, 0x71, 0xcd, 0x38, 0x9f, 0x95, 0x81, 0x7a, 0xca, 0x1e,
    0x57, 0xbd, 0x9d, 0x62, 0x6c, 0x18, 0x64, 0xc4, 0x2b, 0x91, 0xeb, 0x94, 0xac, 0xca, 0x1a, 0x5c,
    0xef, 0x3f, 0xea, 0x3d, 0x05, 0x00, 0xb9, 0x31, 0x26, 0x19, 0x5b, 0x72, 0x2b, 0xf2, 0x8d, 0xa0,
    0xcb, 0xbb, 0x1e, 0xda, 0x1a, 0x6e, 0x41, 0xc7, 0x83, 0xf7, 0x70, 0xde, 0x49, 0xb4, 0x32, 0xac,
    0x93, 0x05, 0x49, 0x2a, 0xf2, 0xb2, 0x58, 0xff, 0xea, 0x08, 0x6a, 0xc2, 0x0f, 0x9f, 0x08, 0xaa,
    0xf7, 0x0e, 0x17, 0x40, 0xf6, 0x02, 0xec, 0xef, 0xf4, 0x5a, 0x2b, 0x8c, 0xa8, 0x7e, 0xd3, 0x12,
    0x20, 0x6e, 0x98, 0x0b, 0x11, 0x1c, 0xe7, 0x31, 0x27, 0x40, 0xe8, 0xce, 0xb5, 0x15, 0x73, 0xb9,
    0x61, 0x04, 0x97, 0x67, 0x03, 0x8d, 0xda, 0x04, 0xea, 0xdc,
};

static void test_heif_grid_bomb(void)
{
    strict_sink s = {0};
    vg_row_sink sink = {strict_begin, strict_row, &s};
    vg_decode_options opts = {.max_pixels = 4u << 20};
    vg_error err;
    vg_status st = vg_image_decode_rows(heif_grid_bomb, sizeof heif_grid_bomb, &opts, &sink,
                                        NULL, &err);
    CHECK_MSG(st == VG_ERR_TOO_LARGE, "grid bomb: %s (%s)", vg_status_name(st), err.message);
    CHECK_INT_EQ(s.begins, 0);
}

/* Found by fuzzing: an AVIF whose alpha item has no data. libheif 1.15
 * hands dav1d an empty buffer, and dav1d leaks (LeakSanitizer fails the
 * sanitizer build of this test if the file ever reaches it again). The
 * container pre-check must refuse every picture item without data. */
static void test_heif_items_without_data(void)
{
    static const char *const files[] = {"avif-empty-alpha-item.avif",
                                        "avif-empty-primary-item.avif",
                                        "heic-empty-hvc1-item.heic"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", VG_IMAGE_TEST_DATA, files[i]);
        size_t len = 0;
        uint8_t *data = vg_test_read_file(path, &len);
        CHECK_MSG(data != NULL, "cannot read %s", path);
        if (!data)
            continue;
        strict_sink s = {0};
        vg_row_sink sink = {strict_begin, strict_row, &s};
        vg_error err;
        vg_status st = vg_image_decode_rows(data, len, NULL, &sink, NULL, &err);
        CHECK_MSG(st == VG_ERR_CORRUPT && strstr(err.message, "has no data"), "%s: %s (%s)",
                  files[i], vg_status_name(st), err.message);
        CHECK_INT_EQ(s.begins, 0);
        free(data);
    }
}

static void test_missing_file(void)
{
    vg_image img;
    vg_error err;
    const char *path = "/nonexistent/vigie/holiday-photo.jpg";
    CHECK_INT_EQ(vg_image_load_file(path, NULL, &img, &err), VG_ERR_IO);
    CHECK(strstr(err.message, path) != NULL);
    CHECK_INT_EQ(vg_image_load_file("/", NULL, &img, &err), VG_ERR_IO);
    CHECK(strstr(err.message, "/") != NULL);
}

static void test_load_file_names_corrupt_file(void)
{
    const char *dir = getenv("VIGIE_BUILD_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/test-image-hostile.png", dir ? dir : "/tmp");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite("\x89PNG\r\n\x1A\n\0\0", 1, 10, f);
    fclose(f);
    vg_image img;
    vg_error err;
    CHECK_INT_EQ(vg_image_load_file(path, NULL, &img, &err), VG_ERR_CORRUPT);
    CHECK(strncmp(err.message, path, strlen(path)) == 0);
    remove(path);
}

int main(void)
{
    RUN(test_truncated);
    RUN(test_flipped_bytes);
    RUN(test_huge_headers);
    RUN(test_max_pixels);
    RUN(test_empty_and_unknown);
    RUN(test_unsupported_variants);
    RUN(test_heif_grid_bomb);
    RUN(test_heif_items_without_data);
    RUN(test_missing_file);
    RUN(test_load_file_names_corrupt_file);
    return vg_test_exit();
}
