/*
 * Concurrency: four threads decode every format at once, repeatedly, and
 * must get exactly the pixels a lone decode gets. Under ASan/TSan-free
 * builds this still catches shared state (global error handlers, static
 * buffers) through corrupted results.
 */
#include <pthread.h>
#include <tiffio.h>

#include "harness.h"
#include "raster_fixtures.h"
#include "vigie/image.h"

#define THREADS 4
#define ROUNDS 3

static const vg_encode_options formats[] = {
    {.format = VG_FORMAT_JPEG},
    {.format = VG_FORMAT_JPEG, .interlaced = true},
    {.format = VG_FORMAT_PNG, .interlaced = true},
    {.format = VG_FORMAT_GIF},
    {.format = VG_FORMAT_WEBP},
    {.format = VG_FORMAT_BMP},
    {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_JPEG},
    {.format = VG_FORMAT_TIFF, .tiled = true, .tiff_compression = COMPRESSION_LZW},
    {.format = VG_FORMAT_HEIF},
    {.format = VG_FORMAT_AVIF},
    {.format = VG_FORMAT_PNM},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

typedef struct corpus {
    uint8_t *data[NFORMATS + 1];
    size_t len[NFORMATS + 1];
    vg_image expected[NFORMATS + 1];
} corpus;

typedef struct worker {
    const corpus *c;
    int mismatches;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < NFORMATS + 1; i++) {
            vg_image img;
            vg_error err;
            vg_status st = vg_image_decode(w->c->data[i], w->c->len[i], NULL, &img, &err);
            const vg_image *want = &w->c->expected[i];
            if (i == NFORMATS) { /* the corrupt one: same error every time */
                if (st != VG_ERR_CORRUPT)
                    w->mismatches++;
                continue;
            }
            if (st != VG_OK || img.info.width != want->info.width ||
                img.info.height != want->info.height ||
                memcmp(img.pixels, want->pixels, want->stride * want->info.height) != 0)
                w->mismatches++;
            vg_image_free(&img);
        }
    return NULL;
}

static void test_concurrent_decodes(void)
{
    corpus c;
    memset(&c, 0, sizeof c);
    vg_raster r;
    void *px = fixture_raster(VG_RASTER_RGB8, 96, 80, 0, &r);
    for (size_t i = 0; i < NFORMATS; i++) {
        vg_error err;
        CHECK_MSG(vg_encode(&r, &formats[i], &c.data[i], &c.len[i], &err) == VG_OK, "%s",
                  err.message);
        CHECK_MSG(vg_image_decode(c.data[i], c.len[i], NULL, &c.expected[i], &err) == VG_OK,
                  "%s", err.message);
    }
    /* A truncated TIFF: error paths run concurrently too (libtiff's
     * handlers are per-handle). */
    c.len[NFORMATS] = c.len[7] / 2;
    c.data[NFORMATS] = malloc(c.len[NFORMATS]);
    memcpy(c.data[NFORMATS], c.data[7], c.len[NFORMATS]);

    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (worker){&c, 0};
        CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK_INT_EQ(workers[t].mismatches, 0);
    }
    for (size_t i = 0; i < NFORMATS + 1; i++) {
        free(c.data[i]);
        vg_image_free(&c.expected[i]);
    }
    free(px);
}

int main(void)
{
    RUN(test_concurrent_decodes);
    return vg_test_exit();
}
