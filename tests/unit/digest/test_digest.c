/* MD5, SHA-1, SHA-256: the vectors of their standards, streaming, and the
 * file reader. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vigie/vigie.h"

typedef struct vector {
    const char *input;
    size_t input_len; /* 0: strlen(input) */
    size_t repeat;    /* input is repeated this many times */
    /* Expected digests as the standard gives them; NULL where it gives none. */
    const char *md5, *sha1, *sha256;
} vector;

/* Every expected value is copied from a standard, never computed here:
 *   MD5: RFC 1321, appendix A.5 (the test suite);
 *   SHA-1: RFC 3174, section 7.3 (TEST1 to TEST4) and FIPS 180-4's examples;
 *   SHA-256: FIPS 180-4's examples (one block, two blocks), FIPS 180-2
 *   appendix B.3 (a million 'a'), and NIST CAVP SHA256ShortMsg.rsp (Len 0,
 *   8 and 16). */
static const vector vectors[] = {
    {"", 0, 1, "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"a", 0, 1, "0cc175b9c0f1b6a831c399e269772661", NULL, NULL},
    {"abc", 0, 1, "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"message digest", 0, 1, "f96b697d7cb7938d525a2f31aaf161d0", NULL, NULL},
    {"abcdefghijklmnopqrstuvwxyz", 0, 1, "c3fcd3d76192e4007dfb496cca67e13b", NULL, NULL},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 0, 1,
     "d174ab98d277d9f5a5611c2c9f419d9f", NULL, NULL},
    {"1234567890", 0, 8, "57edf4a22be3c955ac49da2e2107b67a", NULL, NULL},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0, 1, NULL,
     "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"a", 0, 1000000, NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {"0123456701234567012345670123456701234567012345670123456701234567", 0, 10, NULL,
     "dea356a2cddd90c7a7ecedc5ebb563934f460452", NULL},
    {"\xd3", 1, 1, NULL, NULL, "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"},
    {"\x11\xaf", 2, 1, NULL, NULL,
     "5ca7133fa735326081558ac312c620eeca9970d1e70a4b95533d956f072d1f98"},
};

static char tmpdir[64];

static uint8_t *expand(const vector *v, size_t *len)
{
    size_t one = v->input_len ? v->input_len : strlen(v->input);
    *len = one * v->repeat;
    uint8_t *buf = malloc(*len ? *len : 1);
    for (size_t i = 0; i < v->repeat; i++)
        memcpy(buf + i * one, v->input, one);
    return buf;
}

static void check_hex(const uint8_t *bytes, size_t len, const char *want)
{
    char hex[2 * VG_SHA256_BYTES + 1];
    vg_hex_encode(bytes, len, hex);
    CHECK_STR_EQ(hex, want);
}

static void check_digests(const vg_digests *d, const vector *v)
{
    if (v->md5)
        check_hex(d->md5, sizeof d->md5, v->md5);
    if (v->sha1)
        check_hex(d->sha1, sizeof d->sha1, v->sha1);
    if (v->sha256)
        check_hex(d->sha256, sizeof d->sha256, v->sha256);
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

static void test_known_vectors_buffer(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        size_t len;
        uint8_t *buf = expand(&vectors[i], &len);
        vg_digests d;
        CHECK_INT_EQ(vg_digest_buffer(buf, len, &d, NULL), VG_OK);
        check_digests(&d, &vectors[i]);
        free(buf);
    }
}

/* Feeding in uneven pieces, and reusing one context, changes nothing. */
static void test_known_vectors_incremental(void)
{
    vg_digest_ctx *ctx;
    vg_error err;
    CHECK_INT_EQ(vg_digest_new(&ctx, &err), VG_OK);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
            size_t len;
            uint8_t *buf = expand(&vectors[i], &len);
            CHECK_INT_EQ(vg_digest_reset(ctx, &err), VG_OK);
            size_t step = 1, off = 0;
            while (off < len) {
                size_t n = len - off < step ? len - off : step;
                CHECK_INT_EQ(vg_digest_update(ctx, buf + off, n, &err), VG_OK);
                off += n;
                step = step * 3 + 1; /* 1, 4, 13, 40, ... crosses every boundary */
            }
            CHECK_INT_EQ(vg_digest_update(ctx, NULL, 0, &err), VG_OK);
            vg_digests d;
            CHECK_INT_EQ(vg_digest_final(ctx, &d, &err), VG_OK);
            check_digests(&d, &vectors[i]);
            free(buf);
        }
    }
    vg_digest_free(ctx);
}

static void test_known_vectors_file(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/vector", tmpdir);
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        size_t len;
        uint8_t *buf = expand(&vectors[i], &len);
        write_file(path, buf, len);
        vg_digests d;
        uint64_t bytes = 12345;
        vg_error err;
        CHECK_INT_EQ(vg_digest_file(path, &d, &bytes, &err), VG_OK);
        CHECK_INT_EQ(bytes, len);
        check_digests(&d, &vectors[i]);
        free(buf);
    }
}

/* Sizes around the reader's block size, where off-by-one errors live. */
static void test_file_matches_buffer_at_block_edges(void)
{
    const size_t block = 1u << 20;
    const size_t sizes[] = {block - 1, block, block + 1, 3 * block + 777};
    char path[128];
    snprintf(path, sizeof path, "%s/edges", tmpdir);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *buf = malloc(sizes[i]);
        uint32_t x = 2463534242u + (uint32_t)i;
        for (size_t j = 0; j < sizes[i]; j++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[j] = (uint8_t)x;
        }
        write_file(path, buf, sizes[i]);
        vg_digests from_file, from_buffer;
        uint64_t bytes;
        CHECK_INT_EQ(vg_digest_file(path, &from_file, &bytes, NULL), VG_OK);
        CHECK_INT_EQ(vg_digest_buffer(buf, sizes[i], &from_buffer, NULL), VG_OK);
        CHECK_INT_EQ(bytes, sizes[i]);
        CHECK(memcmp(&from_file, &from_buffer, sizeof from_file) == 0);
        free(buf);
    }
}

static void test_file_errors_name_the_path(void)
{
    char path[128];
    vg_digests d;
    vg_error err;
    snprintf(path, sizeof path, "%s/missing", tmpdir);
    CHECK_INT_EQ(vg_digest_file(path, &d, NULL, &err), VG_ERR_IO);
    CHECK(strstr(err.message, path) != NULL);

    CHECK_INT_EQ(vg_digest_file(tmpdir, &d, NULL, &err), VG_ERR_IO);
    CHECK(strstr(err.message, tmpdir) != NULL);
    CHECK(strstr(err.message, "not a regular file") != NULL);

    /* A FIFO with no writer must be refused, not block forever in open(). */
    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    CHECK_INT_EQ(mkfifo(path, 0600), 0);
    CHECK_INT_EQ(vg_digest_file(path, &d, NULL, &err), VG_ERR_IO);
    CHECK(strstr(err.message, "FIFO") != NULL);
    unlink(path);

    CHECK_INT_EQ(vg_digest_file(NULL, &d, NULL, &err), VG_ERR_INVALID);
}

/* Hashing evidence must not touch its access time (O_NOATIME; we run as the owner). */
static void test_file_keeps_access_time(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/atime", tmpdir);
    write_file(path, (const uint8_t *)"evidence", 8);
    struct timespec times[2] = {{.tv_sec = 946684800}, {.tv_nsec = UTIME_OMIT}};
    CHECK_INT_EQ(utimensat(AT_FDCWD, path, times, 0), 0);
    vg_digests d;
    CHECK_INT_EQ(vg_digest_file(path, &d, NULL, NULL), VG_OK);
    struct stat st;
    CHECK_INT_EQ(stat(path, &st), 0);
    CHECK_INT_EQ(st.st_atim.tv_sec, 946684800);
}

static void test_hex_round_trip(void)
{
    uint8_t bytes[4] = {0x00, 0xab, 0x7f, 0xff}, back[4];
    char hex[9];
    vg_hex_encode(bytes, 4, hex);
    CHECK_STR_EQ(hex, "00ab7fff");
    CHECK_INT_EQ(vg_hex_decode("00AB7fff", back, 4), VG_OK);
    CHECK(memcmp(bytes, back, 4) == 0);
    CHECK_INT_EQ(vg_hex_decode("00ab7ff", back, 4), VG_ERR_INVALID);
    CHECK_INT_EQ(vg_hex_decode("00ab7fffa", back, 4), VG_ERR_INVALID);
    CHECK_INT_EQ(vg_hex_decode("00ab7fgf", back, 4), VG_ERR_INVALID);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vigie-digest-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_known_vectors_buffer);
    RUN(test_known_vectors_incremental);
    RUN(test_known_vectors_file);
    RUN(test_file_matches_buffer_at_block_edges);
    RUN(test_file_errors_name_the_path);
    RUN(test_file_keeps_access_time);
    RUN(test_hex_round_trip);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return vg_test_exit();
}
