/* One-pass fingerprints: digests always, PDQ for images, from path, fd or memory. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "vigie/vigie.h"

static char tmpdir[64];

/* A binary PNM (P5 grey or P6 RGB) with a smooth pattern PDQ can hash. */
static uint8_t *make_pnm(uint32_t w, uint32_t h, int channels, size_t *len)
{
    char header[64];
    int hl = snprintf(header, sizeof header, "P%d\n%u %u\n255\n", channels == 1 ? 5 : 6, w, h);
    *len = (size_t)hl + (size_t)w * h * (size_t)channels;
    uint8_t *buf = malloc(*len);
    memcpy(buf, header, (size_t)hl);
    uint8_t *p = buf + hl;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < channels; c++)
                *p++ = (uint8_t)((x * 7 + y * 3 + (x * y) / 97 + (uint32_t)c * 50) ^ (y / 16 * 31));
    return buf;
}

static uint8_t *make_noise(size_t len, uint32_t seed)
{
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i++) {
        seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
        buf[i] = (uint8_t)seed;
    }
    return buf;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_INT_EQ(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static bool same_fingerprint(const vg_filehash *a, const vg_filehash *b)
{
    if (a->bytes != b->bytes || memcmp(&a->digests, &b->digests, sizeof a->digests) ||
        a->format != b->format || a->has_pdq != b->has_pdq)
        return false;
    if (!a->has_pdq)
        return true;
    return a->pdq.quality == b->pdq.quality &&
           memcmp(&a->pdq.hashes[0], &b->pdq.hashes[0], sizeof a->pdq.hashes[0]) == 0;
}

/* Hash the same bytes from memory, from a file path and from an fd. */
static void hash_three_ways(vg_filehasher *h, const uint8_t *data, size_t len, vg_filehash out[3],
                            vg_status st[3], vg_error err[3])
{
    char path[128];
    tmp_path(path, sizeof path, "three-ways");
    write_file(path, data, len);
    st[0] = vg_filehasher_buffer(h, data, len, "memory", &out[0], &err[0]);
    st[1] = vg_filehasher_path(h, path, &out[1], &err[1]);
    int fd = open(path, O_RDONLY);
    st[2] = vg_filehasher_fd(h, fd, "descriptor", &out[2], &err[2]);
    close(fd);
}

static vg_filehasher *new_hasher(bool pdq, bool dihedral, uint64_t max_image_bytes)
{
    vg_filehash_options opts = {.pdq = pdq, .dihedral = dihedral,
                                .max_image_bytes = max_image_bytes};
    vg_filehasher *h = NULL;
    vg_error err;
    CHECK_INT_EQ(vg_filehasher_new(&opts, &h, &err), VG_OK);
    return h;
}

static void test_non_image_streams_and_agrees(void)
{
    vg_filehasher *h = new_hasher(true, false, 0);
    /* Sizes below, at and across the 1 MiB read block. */
    const size_t sizes[] = {0, 5, (1u << 20), (3u << 20) + 11};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *data = make_noise(sizes[i] ? sizes[i] : 1, 99 + (uint32_t)i);
        vg_filehash out[3];
        vg_status st[3];
        vg_error err[3];
        hash_three_ways(h, data, sizes[i], out, st, err);
        vg_digests want;
        CHECK_INT_EQ(vg_digest_buffer(data, sizes[i], &want, NULL), VG_OK);
        for (int k = 0; k < 3; k++) {
            CHECK_INT_EQ(st[k], VG_OK);
            CHECK_INT_EQ(out[k].bytes, sizes[i]);
            CHECK_INT_EQ(out[k].format, VG_FORMAT_UNKNOWN);
            CHECK(!out[k].has_pdq);
            CHECK(memcmp(&out[k].digests, &want, sizeof want) == 0);
        }
        free(data);
    }
    vg_filehasher_free(h);
}

static void test_image_gets_pdq_three_ways(void)
{
    vg_filehasher *h = new_hasher(true, false, 0);
    /* The small one decodes from the read block, the large one (about
     * 3 MiB) from the image buffer. */
    const uint32_t sides[][2] = {{64, 48}, {1024, 1024}};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *data = make_pnm(sides[i][0], sides[i][1], 3, &len);
        vg_filehash out[3];
        vg_status st[3];
        vg_error err[3];
        hash_three_ways(h, data, len, out, st, err);
        vg_pdq_result want;
        CHECK_INT_EQ(vg_pdq_from_encoded(data, len, NULL, false, &want, NULL), VG_OK);
        for (int k = 0; k < 3; k++) {
            CHECK_MSG(st[k] == VG_OK, "%s", err[k].message);
            CHECK_INT_EQ(out[k].format, VG_FORMAT_PNM);
            CHECK(out[k].has_pdq);
            CHECK_INT_EQ(out[k].image.width, sides[i][0]);
            CHECK_INT_EQ(out[k].image.height, sides[i][1]);
            CHECK_INT_EQ(out[k].pdq.quality, want.quality);
            CHECK(memcmp(&out[k].pdq.hashes[0], &want.hashes[0], VG_PDQ_BYTES) == 0);
            CHECK(same_fingerprint(&out[0], &out[k]));
        }
        free(data);
    }
    vg_filehasher_free(h);
}

/* A pipe has no size to plan with: the image buffer has to grow. */
static void test_image_from_pipe(void)
{
    size_t len;
    uint8_t *data = make_pnm(1500, 1000, 3, &len);
    int fds[2];
    CHECK_INT_EQ(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        size_t off = 0;
        while (off < len) {
            ssize_t n = write(fds[1], data + off, len - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    vg_filehasher *h = new_hasher(true, false, 0);
    vg_filehash from_pipe, from_memory;
    vg_error err;
    CHECK_INT_EQ(vg_filehasher_fd(h, fds[0], "pipe", &from_pipe, &err), VG_OK);
    close(fds[0]);
    int status;
    waitpid(child, &status, 0);
    CHECK_INT_EQ(vg_filehasher_buffer(h, data, len, "memory", &from_memory, &err), VG_OK);
    CHECK(from_pipe.has_pdq);
    CHECK(same_fingerprint(&from_pipe, &from_memory));
    vg_filehasher_free(h);
    free(data);
}

static void test_truncated_image_keeps_digests(void)
{
    vg_filehasher *h = new_hasher(true, false, 0);
    size_t len;
    uint8_t *data = make_pnm(640, 480, 3, &len);
    size_t cut = len / 2;
    vg_digests want;
    vg_digest_buffer(data, cut, &want, NULL);
    char path[128];
    tmp_path(path, sizeof path, "truncated.ppm");
    write_file(path, data, cut);
    vg_filehash out;
    vg_error err;
    vg_status st = vg_filehasher_path(h, path, &out, &err);
    CHECK(st == VG_ERR_CORRUPT || st == VG_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, path) != NULL);
    CHECK_INT_EQ(out.bytes, cut);
    CHECK_INT_EQ(out.format, VG_FORMAT_PNM);
    CHECK(!out.has_pdq);
    CHECK(memcmp(&out.digests, &want, sizeof want) == 0);

    /* A JPEG signature followed by nonsense. */
    static const uint8_t junk[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0,
                                   1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                   18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
    vg_digest_buffer(junk, sizeof junk, &want, NULL);
    st = vg_filehasher_buffer(h, junk, sizeof junk, "junk.jpg", &out, &err);
    CHECK(st != VG_OK);
    CHECK(strstr(err.message, "junk.jpg") != NULL);
    CHECK_INT_EQ(out.format, VG_FORMAT_JPEG);
    CHECK(!out.has_pdq);
    CHECK(memcmp(&out.digests, &want, sizeof want) == 0);

    /* The hasher is still good for the next file. */
    vg_filehash again, fresh;
    CHECK_INT_EQ(vg_filehasher_buffer(h, data, len, "whole", &again, &err), VG_OK);
    vg_filehasher *h2 = new_hasher(true, false, 0);
    CHECK_INT_EQ(vg_filehasher_buffer(h2, data, len, "whole", &fresh, &err), VG_OK);
    CHECK(same_fingerprint(&again, &fresh));
    vg_filehasher_free(h2);
    vg_filehasher_free(h);
    free(data);
}

static void test_image_over_limit_is_not_decoded(void)
{
    size_t len;
    uint8_t *data = make_pnm(1024, 1024, 3, &len); /* 3 MiB */
    vg_digests want;
    vg_digest_buffer(data, len, &want, NULL);
    const uint64_t limits[] = {4096, (1u << 20) + 5, 2u << 20};
    for (size_t i = 0; i < 3; i++) {
        vg_filehasher *h = new_hasher(true, false, limits[i]);
        vg_filehash out[3];
        vg_status st[3];
        vg_error err[3];
        hash_three_ways(h, data, len, out, st, err);
        for (int k = 0; k < 3; k++) {
            CHECK_INT_EQ(st[k], VG_ERR_TOO_LARGE);
            CHECK_INT_EQ(out[k].bytes, len);
            CHECK(!out[k].has_pdq);
            CHECK(memcmp(&out[k].digests, &want, sizeof want) == 0);
        }
        vg_filehasher_free(h);
    }
    free(data);
}

static void test_options(void)
{
    size_t len;
    uint8_t *data = make_pnm(200, 150, 1, &len);
    vg_filehash plain, dihedral, off;
    vg_filehasher *h = new_hasher(true, false, 0);
    CHECK_INT_EQ(vg_filehasher_buffer(h, data, len, "a.pgm", &plain, NULL), VG_OK);
    vg_filehasher_free(h);
    h = new_hasher(true, true, 0);
    CHECK_INT_EQ(vg_filehasher_buffer(h, data, len, "a.pgm", &dihedral, NULL), VG_OK);
    vg_filehasher_free(h);
    h = new_hasher(false, false, 0);
    CHECK_INT_EQ(vg_filehasher_buffer(h, data, len, "a.pgm", &off, NULL), VG_OK);
    vg_filehasher_free(h);
    CHECK(plain.has_pdq && !plain.pdq.has_dihedral);
    CHECK(dihedral.has_pdq && dihedral.pdq.has_dihedral);
    CHECK(memcmp(&plain.pdq.hashes[0], &dihedral.pdq.hashes[0], VG_PDQ_BYTES) == 0);
    CHECK(!off.has_pdq);
    CHECK_INT_EQ(off.format, VG_FORMAT_PNM);
    CHECK(memcmp(&off.digests, &plain.digests, sizeof off.digests) == 0);
    free(data);
}

static void test_errors_name_the_path(void)
{
    vg_filehasher *h = new_hasher(true, false, 0);
    vg_filehash out;
    vg_error err;
    char path[128];
    tmp_path(path, sizeof path, "does-not-exist.jpg");
    CHECK_INT_EQ(vg_filehasher_path(h, path, &out, &err), VG_ERR_IO);
    CHECK(strstr(err.message, path) != NULL);
    tmp_path(path, sizeof path, "fifo");
    CHECK_INT_EQ(mkfifo(path, 0600), 0);
    CHECK_INT_EQ(vg_filehasher_path(h, path, &out, &err), VG_ERR_IO);
    CHECK(strstr(err.message, "not a regular file") != NULL);
    CHECK_INT_EQ(vg_filehasher_path(h, tmpdir, &out, &err), VG_ERR_IO);
    CHECK_INT_EQ(vg_filehasher_fd(h, -1, "x", &out, &err), VG_ERR_INVALID);
    vg_filehasher_free(h);
}

/* Plumbing check against the reference: images our decoder reproduces exactly. */
static void test_reference_images(void)
{
    const char *shared = vg_test_shared_dir();
    if (!shared) {
        fprintf(stderr, "VIGIE_SHARED absent: reference images skipped\n");
        return;
    }
    static const char *const rows[][2] = {
        {"bridge-1-original.jpg",
         "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"},
        {"mode-L.png", NULL},
    };
    char csv_path[512];
    snprintf(csv_path, sizeof csv_path, "%s/testdata/pdq/reference.csv", shared);
    size_t csv_len;
    char *csv = (char *)vg_test_read_file(csv_path, &csv_len);
    CHECK(csv != NULL);
    if (!csv)
        return;
    csv = realloc(csv, csv_len + 1);
    csv[csv_len] = '\0';
    vg_filehasher *h = new_hasher(true, false, 0);
    for (size_t i = 0; i < 2; i++) {
        char needle[128], want[65] = "";
        snprintf(needle, sizeof needle, "\n%s,", rows[i][0]);
        const char *line = strstr(csv, needle);
        CHECK(line != NULL);
        if (!line)
            continue;
        const char *pdq = strchr(line + strlen(needle), ',');
        if (pdq)
            snprintf(want, sizeof want, "%.64s", pdq + 1);
        if (rows[i][1])
            CHECK_STR_EQ(want, rows[i][1]);
        char path[512];
        snprintf(path, sizeof path, "%s/testdata/pdq/images/%s", shared, rows[i][0]);
        vg_filehash out;
        vg_error err;
        CHECK_MSG(vg_filehasher_path(h, path, &out, &err) == VG_OK, "%s", err.message);
        char got[65];
        vg_pdq_to_hex(&out.pdq.hashes[0], got);
        CHECK_STR_EQ(got, want);
    }
    vg_filehasher_free(h);
    free(csv);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vigie-filehash-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_non_image_streams_and_agrees);
    RUN(test_image_gets_pdq_three_ways);
    RUN(test_image_from_pipe);
    RUN(test_truncated_image_keeps_digests);
    RUN(test_image_over_limit_is_not_decoded);
    RUN(test_options);
    RUN(test_errors_name_the_path);
    RUN(test_reference_images);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return vg_test_exit();
}
