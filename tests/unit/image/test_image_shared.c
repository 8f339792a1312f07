/*
 * The shared PDQ test data (VIGIE_SHARED): every image decodes, including
 * the ones the reference tool refuses (CMYK, grey+alpha, RGBA); each
 * each vectors/ PPM decodes to exactly its P6 bytes; and the JPEGs whose
 * decoded pixels the reference recorded as vectors decode to those very
 * bytes (Pillow/libjpeg-turbo equivalence). Skipped (77) without
 * VIGIE_SHARED.
 */
#include <dirent.h>

#include "harness.h"
#include "vigie/image.h"

static const char *shared;

/* The RGB bytes of a binary P6 with maxval 255, parsed here independently
 * of the decoder. */
static const uint8_t *p6_pixels(const uint8_t *data, size_t len, uint32_t *w, uint32_t *h)
{
    unsigned maxval;
    int consumed = 0;
    char head[64];
    size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
    memcpy(head, data, n);
    head[n] = '\0';
    if (sscanf(head, "P6 %u %u %u%n", w, h, &maxval, &consumed) != 3 || maxval != 255)
        return NULL;
    size_t off = (size_t)consumed + 1;
    if (off + (size_t)*w * *h * 3 > len)
        return NULL;
    return data + off;
}

static void test_every_image_decodes(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/testdata/pdq/images", shared);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vg_image img;
        vg_error err;
        vg_status st = vg_image_load_file(path, NULL, &img, &err);
        CHECK_MSG(st == VG_OK, "%s", err.message);
        if (st != VG_OK)
            continue;
        count++;
        CHECK(img.info.width > 0 && img.info.height > 0);
        if (!strcmp(e->d_name, "mode-CMYK.jpg"))
            CHECK_INT_EQ(img.info.color_model, VG_COLOR_CMYK);
        if (!strcmp(e->d_name, "mode-LA.png")) {
            CHECK_INT_EQ(img.info.color_model, VG_COLOR_GRAY_ALPHA);
            CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
        }
        if (!strcmp(e->d_name, "pen-and-coaster.png"))
            CHECK_INT_EQ(img.info.color_model, VG_COLOR_RGBA);
        if (!strcmp(e->d_name, "mode-1.png")) {
            CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
            CHECK_INT_EQ(img.info.bits_per_sample, 1);
        }
        vg_image_free(&img);
    }
    closedir(d);
    CHECK(count >= 30);
}

/* Decode `image` and compare with the P6 bytes of `ppm`. */
static void check_same_pixels(const char *image, const char *ppm)
{
    size_t len;
    uint8_t *data = vg_test_read_file(ppm, &len);
    CHECK_MSG(data != NULL, "%s unreadable", ppm);
    if (!data)
        return;
    uint32_t w, h;
    const uint8_t *want = p6_pixels(data, len, &w, &h);
    CHECK_MSG(want != NULL, "%s is not a P6 with maxval 255", ppm);
    vg_image img;
    vg_error err;
    vg_status st = vg_image_load_file(image, NULL, &img, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st == VG_OK && want) {
        CHECK_INT_EQ(img.info.width, w);
        CHECK_INT_EQ(img.info.height, h);
        CHECK_INT_EQ(img.info.layout, VG_PIXEL_RGB8);
        CHECK_MSG(img.info.width == w && img.info.height == h &&
                      memcmp(img.pixels, want, (size_t)w * h * 3) == 0,
                  "%s differs from %s", image, ppm);
    }
    vg_image_free(&img);
    free(data);
}

static void test_vectors_decode_exactly(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/testdata/pdq/vectors", shared);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".ppm") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        check_same_pixels(path, path);
        count++;
    }
    closedir(d);
    CHECK(count >= 5);
}

static void test_jpeg_matches_reference_pixels(void)
{
    /* Same-sized pairs: the vector holds the reference's decode of the JPEG. */
    static const char *names[] = {"q0003", "q0122", "q2821", "wee", "small", "shrink-a-lot"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char jpg[1024], ppm[1024];
        snprintf(jpg, sizeof jpg, "%s/testdata/pdq/images/%s.jpg", shared, names[i]);
        snprintf(ppm, sizeof ppm, "%s/testdata/pdq/vectors/%s.ppm", shared, names[i]);
        check_same_pixels(jpg, ppm);
    }
}

int main(void)
{
    shared = vg_test_shared_dir();
    if (!shared) {
        fprintf(stderr, "VIGIE_SHARED is not set or missing: skipped\n");
        return VG_TEST_SKIP;
    }
    RUN(test_every_image_decodes);
    RUN(test_vectors_decode_exactly);
    RUN(test_jpeg_matches_reference_pixels);
    return vg_test_exit();
}
