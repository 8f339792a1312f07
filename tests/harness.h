/*
 * tests/harness.h - the minimal test harness of vigie's C tests.
 *
 * A test program calls RUN(fn) for each test function and returns
 * vg_test_exit(). CHECK* macros record a failure with its location and
 * carry on, so one run shows every broken assertion. A program that ran no
 * check at all fails: a test that cannot fail proves nothing (a skipped
 * branch, an early return). A program that needs ../shared and cannot find
 * it returns VG_TEST_SKIP (77) itself, which CTest reports as skipped,
 * neither passed nor failed.
 */
#ifndef VIGIE_TESTS_HARNESS_H
#define VIGIE_TESTS_HARNESS_H

#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VG_TEST_SKIP 77

static int vg_test_failures;
static int vg_test_checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        vg_test_checks++;                                                              \
        if (!(cond)) {                                                                 \
            vg_test_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_MSG(cond, ...)                                                           \
    do {                                                                               \
        vg_test_checks++;                                                              \
        if (!(cond)) {                                                                 \
            vg_test_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
        }                                                                              \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                             \
    do {                                                                               \
        long long va_ = (long long)(a), vb_ = (long long)(b);                          \
        CHECK_MSG(va_ == vb_, "%s = %lld, %s = %lld", #a, va_, #b, vb_);               \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                             \
    do {                                                                               \
        const char *sa_ = (a), *sb_ = (b);                                             \
        CHECK_MSG(sa_ && sb_ && strcmp(sa_, sb_) == 0, "\"%s\" != \"%s\"",             \
                  sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                         \
    } while (0)

#define RUN(fn)                                                                        \
    do {                                                                               \
        int before_ = vg_test_failures;                                                \
        fn();                                                                          \
        fprintf(stderr, "%s %s\n", vg_test_failures == before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

static inline int vg_test_exit(void)
{
    fprintf(stderr, "%d checks, %d failed\n", vg_test_checks, vg_test_failures);
    if (vg_test_checks == 0) {
        fprintf(stderr, "no check ran: this program tested nothing\n");
        return 1;
    }
    return vg_test_failures ? 1 : 0;
}

static char vg_test_dir[512];

static inline int vg_test_remove_entry(const char *path, const struct stat *st, int flag,
                                       struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void vg_test_remove_dir(void)
{
    if (vg_test_dir[0])
        nftw(vg_test_dir, vg_test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR (default /tmp) named prefix-XXXXXX, made
 * once per program and removed with its contents when the program exits. */
static inline const char *vg_test_temp_dir(const char *prefix)
{
    if (!vg_test_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(vg_test_dir, sizeof vg_test_dir, "%s/%s-XXXXXX", base && base[0] ? base : "/tmp",
                 prefix);
        if (!mkdtemp(vg_test_dir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(vg_test_remove_dir);
    }
    return vg_test_dir;
}

/* The shared/ folder (VIGIE_SHARED, set by CTest), or NULL when absent. */
static inline const char *vg_test_shared_dir(void)
{
    const char *dir = getenv("VIGIE_SHARED");
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return dir;
}

/* Read a whole file into a malloc'd buffer; NULL on failure. */
static inline uint8_t *vg_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Write text to a file (replacing it); false on failure. */
static inline bool vg_test_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* A whole file as a malloc'd NUL-terminated string; NULL on failure. */
static inline char *vg_test_read_text(const char *path)
{
    size_t len;
    char *data = (char *)vg_test_read_file(path, &len);
    if (!data)
        return NULL;
    char *text = realloc(data, len + 1);
    if (!text) {
        free(data);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

#endif
