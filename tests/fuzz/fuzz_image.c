/*
 * fuzz_image - libFuzzer target for vg_image_decode_rows.
 *
 * Built once for every format (the sniffer routes the input) and once per
 * format with VG_FUZZ_FORMAT set, which ignores inputs of other formats so
 * the fuzzer spends its time inside one decoder. The sink reads every byte
 * of every row so ASan sees short row buffers, and checks the sink
 * contract (one begin, rows 0..h-1 in order). A lower max_pixels keeps
 * each run inside the fuzzer's memory limit.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vigie/image.h"

typedef struct fuzz_sink {
    int begins;
    uint32_t rows;
    vg_image_info info;
    uint8_t sum;
} fuzz_sink;

static vg_status on_begin(void *user, const vg_image_info *info, vg_error *err)
{
    (void)err;
    fuzz_sink *s = user;
    if (s->begins++ || info->width == 0 || info->height == 0 ||
        (info->layout != VG_PIXEL_GRAY8 && info->layout != VG_PIXEL_RGB8))
        abort();
    s->info = *info;
    return VG_OK;
}

static vg_status on_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    (void)err;
    fuzz_sink *s = user;
    if (!s->begins || y != s->rows || y >= s->info.height)
        abort();
    size_t n = (size_t)s->info.width * s->info.layout;
    for (size_t i = 0; i < n; i++)
        s->sum = (uint8_t)(s->sum + pixels[i]);
    s->rows++;
    return VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef VG_FUZZ_FORMAT
    if (vg_image_sniff(data, size) != VG_FUZZ_FORMAT)
        return -1; /* not this decoder's input: keep it out of the corpus */
#endif
    fuzz_sink s = {0};
    vg_row_sink sink = {on_begin, on_row, &s};
    vg_decode_options opts = {.max_pixels = 4u << 20};
    vg_image_info info;
    vg_error err;
    vg_status st = vg_image_decode_rows(data, size, &opts, &sink, &info, &err);
    if (st == VG_OK && (s.begins != 1 || s.rows != s.info.height || info.width != s.info.width))
        abort();
    if (st != VG_OK && (err.status != st || err.message[0] == '\0'))
        abort();
    return 0;
}
