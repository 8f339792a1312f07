/*
 * vg-decode-baseline FILE... - decode JPEGs at full size with libjpeg-turbo
 * and nothing else, on one thread, and print the rate.
 *
 * This is the yardstick of bench/hash: vigie's PDQ may cost no more than
 * the decode itself, so `vigie hash` must reach at least half this rate.
 * Each file is read into memory and decoded to RGB with libjpeg's defaults
 * (islow IDCT, fancy upsampling), the settings vigie uses for exactness.
 * Output: one line "images=N pixels=P seconds=S images_per_s=R".
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jpeglib.h>

struct fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void on_error(j_common_ptr cinfo)
{
    longjmp(((struct fail *)cinfo->err)->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
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

/* Returns the pixel count, or 0 when the file is not a decodable JPEG. */
static unsigned long long decode(const char *path)
{
    unsigned long len;
    unsigned char *data = slurp(path, &len);
    if (!data)
        return 0;
    struct jpeg_decompress_struct cinfo;
    struct fail err;
    JSAMPLE *row = NULL;
    unsigned long long pixels = 0;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = on_error;
    err.mgr.emit_message = on_message;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        free(data);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    row = malloc((size_t)cinfo.output_width * (size_t)cinfo.output_components);
    while (row && cinfo.output_scanline < cinfo.output_height)
        jpeg_read_scanlines(&cinfo, &row, 1);
    pixels = (unsigned long long)cinfo.output_width * cinfo.output_height;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    free(data);
    return pixels;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: vg-decode-baseline FILE.jpg...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long long images = 0, pixels = 0;
    for (int i = 1; i < argc; i++) {
        unsigned long long n = decode(argv[i]);
        if (n) {
            images++;
            pixels += n;
        } else {
            fprintf(stderr, "vg-decode-baseline: %s: not decodable, skipped\n", argv[i]);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("images=%llu pixels=%llu seconds=%.3f images_per_s=%.1f\n", images, pixels, seconds,
           seconds > 0 ? (double)images / seconds : 0.0);
    return images ? 0 : 1;
}
