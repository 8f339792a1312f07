/*
 * vg-bench-pdq [-r ROUNDS] FILE.jpg... - what canonical PDQ costs.
 *
 * 1. Memory: hash a synthetic 8000x6000 RGB image fed row by row (so the
 *    image itself is never in memory) and report the growth of the peak
 *    resident set in bytes per pixel. The reference hasher holds the RGB
 *    image plus two float luma buffers: about 11 bytes per pixel.
 * 2. Speed, for each JPEG (best of ROUNDS, one thread):
 *      decode   libjpeg-turbo alone to RGB (islow IDCT, fancy upsampling);
 *      hash     vg_pdq_from_pixels on the decoded pixels;
 *      both     libjpeg-turbo decoding straight into a PDQ stream, row by row;
 *      vigie    vg_pdq_from_encoded: vigie's own decoder into the stream, the
 *               end-to-end path of `vigie hash`.
 *    and the totals as ms per megapixel, plus the end-to-end throughput
 *    relative to decode-only (target: >= 0.5, i.e. hashing costs no more
 *    than decoding).
 * Times are the thread's CPU time, so other load on the machine disturbs them
 * less. Prints figures; asserts nothing.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jpeglib.h>

#include "vigie/pdq.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* --- memory ----------------------------------------------------------- */

static int measure_memory(uint32_t width, uint32_t height)
{
    uint8_t *row = malloc((size_t)width * 3);
    if (!row)
        return 1;
    long before = peak_rss_kib();
    vg_pdq_stream *stream = NULL;
    vg_error err;
    if (vg_pdq_stream_new(true, &stream, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    vg_row_sink sink = vg_pdq_stream_sink(stream);
    vg_image_info info = {.width = width, .height = height, .layout = VG_PIXEL_RGB8};
    double t0 = now();
    vg_status st = sink.begin(sink.user, &info, &err);
    for (uint32_t y = 0; st == VG_OK && y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            row[3 * x] = (uint8_t)(x ^ y);
            row[3 * x + 1] = (uint8_t)((x * 3 + y) >> 3);
            row[3 * x + 2] = (uint8_t)(x / 31 + y / 17);
        }
        st = sink.row(sink.user, y, row, &err);
    }
    vg_pdq_result r;
    if (st == VG_OK)
        st = vg_pdq_stream_finish(stream, &r, &err);
    double t1 = now();
    long after = peak_rss_kib();
    vg_pdq_stream_free(stream);
    free(row);
    if (st != VG_OK) {
        fprintf(stderr, "memory test failed: %s\n", err.message);
        return 1;
    }
    double pixels = (double)width * height;
    double grown = (double)(after - before) * 1024.0;
    printf("memory: %ux%u streamed: peak RSS grew %.1f MiB = %.3f bytes/pixel "
           "(reference ~11 bytes/pixel = %.0f MiB); %.1f ms incl. row synthesis\n",
           width, height, grown / 1048576.0, grown / pixels, pixels * 11 / 1048576.0,
           (t1 - t0) * 1e3);
    return 0;
}

/* --- JPEG ------------------------------------------------------------- */

struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void on_jpeg_error(j_common_ptr cinfo)
{
    longjmp(((struct jpeg_fail *)cinfo->err)->jump, 1);
}

static void on_jpeg_message(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
}

/* Decode data to RGB rows. With a sink, rows go to it one by one; with
 * pixels, they are stored there (width*3 bytes apart). Returns 0 on success
 * and fills *w, *h. */
static int decode_jpeg(const unsigned char *data, unsigned long len, const vg_row_sink *sink,
                       uint8_t **pixels, uint32_t *w, uint32_t *h)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_fail fail;
    uint8_t *volatile buffer = NULL;
    cinfo.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = on_jpeg_error;
    fail.mgr.emit_message = on_jpeg_message;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    *w = cinfo.output_width;
    *h = cinfo.output_height;
    size_t stride = (size_t)cinfo.output_width * 3;
    vg_error err;
    if (sink) {
        vg_image_info info = {.width = *w, .height = *h, .layout = VG_PIXEL_RGB8};
        /* The row handed to the hasher starts 16 bytes past a 64-byte
         * boundary: libjpeg-turbo writes 32-byte-aligned output rows with
         * non-temporal stores, which send the row to DRAM just before the
         * hasher reads it (the hasher prefetches the row, but an aligned
         * row still costs about 0.3 ms/MP more end to end). */
        buffer = malloc(stride + 64);
        if (!buffer || sink->begin(sink->user, &info, &err) != VG_OK)
            longjmp(fail.jump, 1);
    } else {
        buffer = malloc(stride * cinfo.output_height);
        if (!buffer)
            longjmp(fail.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint32_t y = cinfo.output_scanline;
        JSAMPROW row = sink ? (uint8_t *)(((uintptr_t)buffer + 63) / 64 * 64 + 16)
                            : buffer + y * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (sink && sink->row(sink->user, y, row, &err) != VG_OK)
            longjmp(fail.jump, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (sink)
        free(buffer);
    else
        *pixels = buffer;
    return 0;
}

static unsigned char *slurp(const char *path, unsigned long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = size > 0 ? malloc((size_t)size) : NULL;
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (unsigned long)size;
    return buf;
}

int main(int argc, char **argv)
{
    int rounds = 3, first = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (rounds < 1)
        rounds = 1;
    if (measure_memory(8000, 6000) != 0)
        return 1;

    double total_mp = 0, total_decode = 0, total_hash = 0, total_both = 0, total_vigie = 0;
    int files = 0;
    vg_pdq_stream *stream = NULL;
    if (vg_pdq_stream_new(false, &stream, NULL) != VG_OK)
        return 1;
    for (int i = first; i < argc; i++) {
        unsigned long len;
        unsigned char *data = slurp(argv[i], &len);
        if (!data) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            continue;
        }
        double best_decode = 1e9, best_hash = 1e9, best_both = 1e9, best_vigie = 1e9;
        uint32_t w = 0, h = 0;
        int ok = 1;
        for (int r = 0; r < rounds && ok; r++) {
            uint8_t *pixels = NULL;
            double t0 = now();
            ok = decode_jpeg(data, len, NULL, &pixels, &w, &h) == 0;
            double t1 = now();
            vg_pdq_result res;
            ok = ok && vg_pdq_from_pixels(pixels, w, h, (size_t)w * 3, VG_PIXEL_RGB8, false,
                                          &res, NULL) == VG_OK;
            double t2 = now();
            free(pixels);
            vg_pdq_stream_reset(stream);
            vg_row_sink sink = vg_pdq_stream_sink(stream);
            ok = ok && decode_jpeg(data, len, &sink, NULL, &w, &h) == 0 &&
                 vg_pdq_stream_finish(stream, &res, NULL) == VG_OK;
            double t3 = now();
            ok = ok && vg_pdq_from_encoded(data, len, NULL, false, &res, NULL) == VG_OK;
            double t4 = now();
            if (t4 - t3 < best_vigie)
                best_vigie = t4 - t3;
            if (t1 - t0 < best_decode)
                best_decode = t1 - t0;
            if (t2 - t1 < best_hash)
                best_hash = t2 - t1;
            if (t3 - t2 < best_both)
                best_both = t3 - t2;
        }
        free(data);
        if (!ok) {
            fprintf(stderr, "%s: not a decodable JPEG, skipped\n", argv[i]);
            continue;
        }
        double mp = (double)w * h / 1e6;
        files++;
        total_mp += mp;
        total_decode += best_decode;
        total_hash += best_hash;
        total_both += best_both;
        total_vigie += best_vigie;
        printf("%-40s %5ux%-5u decode %6.1f ms  hash %6.1f ms  decode+hash %6.1f ms  "
               "vg_pdq_from_encoded %6.1f ms\n",
               argv[i], w, h, best_decode * 1e3, best_hash * 1e3, best_both * 1e3,
               best_vigie * 1e3);
    }
    vg_pdq_stream_free(stream);
    if (files == 0) {
        printf("no JPEG given: speed not measured\n");
        return 0;
    }
    printf("\n%d images, %.1f megapixels, best of %d rounds, one thread\n", files, total_mp,
           rounds);
    printf("decode only        %6.2f ms/MP\n", total_decode * 1e3 / total_mp);
    printf("PDQ from pixels    %6.2f ms/MP\n", total_hash * 1e3 / total_mp);
    printf("decode+PDQ stream  %6.2f ms/MP\n", total_both * 1e3 / total_mp);
    printf("vg_pdq_from_encoded %5.2f ms/MP\n", total_vigie * 1e3 / total_mp);
    printf("end-to-end throughput / libjpeg-turbo decode-only throughput: "
           "libjpeg+stream %.2f, vg_pdq_from_encoded %.2f (target >= 0.5)\n",
           total_decode / total_both, total_decode / total_vigie);
    return 0;
}
