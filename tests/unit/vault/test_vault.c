/* tests of src/lib/vault: the encrypted evidence vault (vigie/vault.h). */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "vigie/digest.h"
#include "vigie/filehash.h"
#include "vigie/vault.h"

static char root[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void path_in_root(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", root, name);
}

static vg_vault *open_vault(const char *dir, const char *key, uint64_t max_file, bool pdq)
{
    char dir_path[256], key_path[256];
    path_in_root(dir_path, sizeof dir_path, dir);
    path_in_root(key_path, sizeof key_path, key);
    vg_vault_options opts = {.dir = dir_path, .key_file = key_path, .max_file_bytes = max_file,
                             .pdq = pdq};
    vg_vault *vault = NULL;
    vg_error err;
    vg_status st = vg_vault_open(&opts, &vault, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    return vault;
}

/* Deterministic bytes that look like nothing in particular. */
static uint8_t *pattern(size_t len, uint32_t seed)
{
    uint8_t *p = malloc(len ? len : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* Write data in pieces of `piece` bytes and commit. */
static vg_status store(vg_vault *vault, const uint8_t *data, size_t len, size_t piece,
                       vg_vault_item *item, vg_error *err)
{
    vg_vault_writer *w = NULL;
    vg_status st = vg_vault_writer_new(vault, &w, err);
    for (size_t off = 0; st == VG_OK && off < len; off += piece)
        st = vg_vault_write(w, data + off, len - off < piece ? len - off : piece, err);
    if (st == VG_OK)
        st = vg_vault_commit(w, item, err);
    vg_vault_writer_free(w);
    return st;
}

static char *file_of(const char *dir, const char *id)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s/%c%c/%s", root, dir, id[0], id[1], id);
    return path;
}

static void test_round_trip(void)
{
    vg_vault *vault = open_vault("rt", "rt.key", 0, true);
    if (!vault)
        return;
    const size_t sizes[] = {0, 1, 17, 65535, 65536, 65537, 3 * 65536, 200001};
    const size_t pieces[] = {1, 7, 4096, 65536, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = sizes[i];
        size_t piece = pieces[i % 5];
        if (len > 100000 && piece == 1)
            piece = 333;
        uint8_t *data = pattern(len, (uint32_t)i);
        vg_vault_item item;
        vg_error err;
        vg_status st = store(vault, data, len, piece, &item, &err);
        CHECK_MSG(st == VG_OK, "size %zu: %s", len, err.message);
        if (st != VG_OK) {
            free(data);
            continue;
        }
        CHECK(vg_vault_id_valid(item.id));
        CHECK_INT_EQ(item.hash.bytes, len);
        vg_digests want;
        vg_digest_buffer(data, len, &want, NULL);
        CHECK(memcmp(&want, &item.hash.digests, sizeof want) == 0);
        CHECK(!item.hash.has_pdq);
        CHECK_INT_EQ(item.hash.format, VG_FORMAT_UNKNOWN);

        struct stat sb;
        CHECK(stat(file_of("rt", item.id), &sb) == 0 && (sb.st_mode & 077) == 0);

        uint8_t *back = NULL;
        size_t back_len = 99;
        st = vg_vault_read(vault, item.id, 0, &back, &back_len, &err);
        CHECK_MSG(st == VG_OK, "size %zu: %s", len, err.message);
        CHECK_INT_EQ(back_len, len);
        CHECK(back && (len == 0 || memcmp(back, data, len) == 0));
        vg_vault_plain_free(back, back_len);

        /* A smaller read limit is refused before decrypting. */
        if (len > 10) {
            st = vg_vault_read(vault, item.id, 10, &back, &back_len, &err);
            CHECK_INT_EQ(st, VG_ERR_TOO_LARGE);
            CHECK(back == NULL);
        }
        free(data);
    }
    vg_vault_close(vault);

    /* The same key file opens the vault again. */
    vault = open_vault("rt", "rt.key", 0, true);
    vg_vault_close(vault);
}

static void test_key_file(void)
{
    char key_path[256];
    path_in_root(key_path, sizeof key_path, "k1.key");
    vg_vault *vault = open_vault("kf", "k1.key", 0, false);
    vg_vault_close(vault);
    struct stat sb;
    CHECK(stat(key_path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    size_t len = 0;
    uint8_t *text = vg_test_read_file(key_path, &len);
    CHECK(text && len == 65 && text[64] == '\n');
    free(text);

    /* Readable by others: refused with a sentence that says what to do. */
    chmod(key_path, 0644);
    char dir_path[256];
    path_in_root(dir_path, sizeof dir_path, "kf");
    vg_vault_options opts = {.dir = dir_path, .key_file = key_path};
    vg_error err;
    vault = NULL;
    CHECK_INT_EQ(vg_vault_open(&opts, &vault, &err), VG_ERR_INVALID);
    CHECK(strstr(err.message, "chmod 600") != NULL);
    CHECK(vault == NULL);
    chmod(key_path, 0600);

    /* Not a key. */
    char bad_path[256];
    path_in_root(bad_path, sizeof bad_path, "bad.key");
    int fd = open(bad_path, O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && write(fd, "not a key\n", 10) == 10);
    close(fd);
    opts.key_file = bad_path;
    CHECK_INT_EQ(vg_vault_open(&opts, &vault, &err), VG_ERR_CORRUPT);

    opts.key_file = NULL;
    CHECK_INT_EQ(vg_vault_open(&opts, &vault, &err), VG_ERR_INVALID);
    CHECK_INT_EQ(vg_vault_open(NULL, &vault, &err), VG_ERR_INVALID);
}

static void test_wrong_key_and_tampering(void)
{
    vg_vault *vault = open_vault("tamper", "t1.key", 0, false);
    vg_vault *other = open_vault("tamper", "t2.key", 0, false);
    if (!vault || !other) {
        vg_vault_close(vault);
        vg_vault_close(other);
        return;
    }
    size_t len = 150000;
    uint8_t *data = pattern(len, 42);
    vg_vault_item item;
    vg_error err;
    CHECK(store(vault, data, len, 5000, &item, &err) == VG_OK);
    uint8_t *back = NULL;
    size_t back_len = 0;

    CHECK_INT_EQ(vg_vault_read(other, item.id, 0, &back, &back_len, &err), VG_ERR_CORRUPT);
    CHECK(back == NULL);
    CHECK(strstr(err.message, "master key") != NULL);

    char path[512];
    snprintf(path, sizeof path, "%s", file_of("tamper", item.id));
    size_t file_len = 0;
    uint8_t *original = vg_test_read_file(path, &file_len);
    CHECK(original != NULL);
    if (!original) {
        free(data);
        vg_vault_close(vault);
        vg_vault_close(other);
        return;
    }
    /* Flip one bit anywhere: magic, wrap nonce, wrapped key, stream header,
     * first chunk, a middle chunk, the last byte. */
    const size_t where[] = {0, 9, 40, 90, 110, 70000, file_len - 1};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        uint8_t *copy = malloc(file_len);
        memcpy(copy, original, file_len);
        copy[where[i]] ^= 0x10;
        FILE *f = fopen(path, "wb");
        fwrite(copy, 1, file_len, f);
        fclose(f);
        back = NULL;
        vg_status st = vg_vault_read(vault, item.id, 0, &back, &back_len, &err);
        CHECK_MSG(st == VG_ERR_CORRUPT, "flip at %zu: %s", where[i], vg_status_name(st));
        CHECK(back == NULL);
        free(copy);
    }
    /* Truncated at several places, and one byte appended. */
    const size_t cut[] = {0, 5, 104, 120, 65536 + 17 + 104, file_len - 17, file_len - 1};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        FILE *f = fopen(path, "wb");
        fwrite(original, 1, cut[i], f);
        fclose(f);
        back = NULL;
        vg_status st = vg_vault_read(vault, item.id, 0, &back, &back_len, &err);
        CHECK_MSG(st == VG_ERR_CORRUPT, "cut at %zu: %s", cut[i], vg_status_name(st));
        CHECK(back == NULL);
    }
    FILE *f = fopen(path, "wb");
    fwrite(original, 1, file_len, f);
    fputc(0, f);
    fclose(f);
    CHECK_INT_EQ(vg_vault_read(vault, item.id, 0, &back, &back_len, &err), VG_ERR_CORRUPT);

    /* Intact again, then moved under another id: refused. */
    f = fopen(path, "wb");
    fwrite(original, 1, file_len, f);
    fclose(f);
    CHECK_INT_EQ(vg_vault_read(vault, item.id, 0, &back, &back_len, &err), VG_OK);
    vg_vault_plain_free(back, back_len);
    char moved_id[VG_VAULT_ID_CHARS + 1];
    memcpy(moved_id, item.id, sizeof moved_id);
    moved_id[VG_VAULT_ID_CHARS - 1] = moved_id[VG_VAULT_ID_CHARS - 1] == '0' ? '1' : '0';
    char moved_path[512];
    snprintf(moved_path, sizeof moved_path, "%s", file_of("tamper", moved_id));
    CHECK(rename(path, moved_path) == 0);
    CHECK_INT_EQ(vg_vault_read(vault, moved_id, 0, &back, &back_len, &err), VG_ERR_CORRUPT);
    CHECK_INT_EQ(vg_vault_read(vault, item.id, 0, &back, &back_len, &err), VG_ERR_INVALID);

    free(original);
    free(data);
    vg_vault_close(vault);
    vg_vault_close(other);
}

/* Does any file under dir contain needle? */
static bool tree_contains(const char *dir, const uint8_t *needle, size_t n, int *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            found = tree_contains(path, needle, n, files);
            continue;
        }
        (*files)++;
        size_t len = 0;
        uint8_t *content = vg_test_read_file(path, &len);
        for (size_t i = 0; content && !found && i + n <= len; i++)
            found = memcmp(content + i, needle, n) == 0;
        free(content);
    }
    closedir(d);
    return found;
}

static void test_no_plaintext_on_disk(void)
{
    vg_vault *vault = open_vault("clear", "clear.key", 0, true);
    if (!vault)
        return;
    /* A recognisable text, repeated, inside a PNM image (kept in memory
     * for PDQ) and inside a plain file. */
    const char *marker = "SYNTHETIC-EVIDENCE-MARKER-0123456789";
    size_t mlen = strlen(marker);
    size_t len = 100000;
    uint8_t *plain = malloc(len);
    for (size_t i = 0; i < len; i++)
        plain[i] = (uint8_t)marker[i % mlen];
    vg_vault_item item;
    CHECK(store(vault, plain, len, 999, &item, NULL) == VG_OK);
    const char *header = "P5\n64 64\n255\n";
    size_t hlen = strlen(header);
    uint8_t *image = malloc(hlen + 4096);
    memcpy(image, header, hlen);
    for (size_t i = 0; i < 4096; i++)
        image[hlen + i] = (uint8_t)marker[i % mlen];
    CHECK(store(vault, image, hlen + 4096, 100, &item, NULL) == VG_OK);

    /* And an upload abandoned half-way. */
    vg_vault_writer *w = NULL;
    CHECK(vg_vault_writer_new(vault, &w, NULL) == VG_OK);
    CHECK(vg_vault_write(w, plain, len / 2, NULL) == VG_OK);

    char dir[256];
    path_in_root(dir, sizeof dir, "clear");
    int files = 0;
    CHECK(!tree_contains(dir, (const uint8_t *)marker, 12, &files));
    CHECK_INT_EQ(files, 3); /* the two files and the abandoned one's temporary */
    CHECK(!tree_contains(dir, image + hlen + 100, 12, &files));

    vg_vault_writer_free(w);
    files = 0;
    tree_contains(dir, (const uint8_t *)marker, 12, &files);
    CHECK_INT_EQ(files, 2); /* nothing of the abandoned upload stays */
    free(plain);
    free(image);
    vg_vault_close(vault);
}

static void test_limits(void)
{
    vg_vault *vault = open_vault("limits", "limits.key", 1000, false);
    if (!vault)
        return;
    uint8_t *data = pattern(2000, 7);
    vg_vault_item item;
    vg_error err;
    CHECK(store(vault, data, 1000, 300, &item, &err) == VG_OK);

    vg_vault_writer *w = NULL;
    CHECK(vg_vault_writer_new(vault, &w, &err) == VG_OK);
    CHECK(vg_vault_write(w, NULL, 0, &err) == VG_OK); /* an empty chunk, as uploads send */
    CHECK(vg_vault_write(w, data, 600, &err) == VG_OK);
    CHECK_INT_EQ(vg_vault_write(w, data, 401, &err), VG_ERR_TOO_LARGE);
    CHECK(strstr(err.message, "1000") != NULL);
    CHECK_INT_EQ(vg_vault_write(w, data, 1, &err), VG_ERR_INVALID);
    CHECK_INT_EQ(vg_vault_commit(w, &item, &err), VG_ERR_INVALID);
    vg_vault_writer_free(w);

    char dir[256];
    path_in_root(dir, sizeof dir, "limits");
    int files = 0;
    tree_contains(dir, (const uint8_t *)"x", 1, &files);
    CHECK_INT_EQ(files, 1);

    /* Ids are checked before they become paths. */
    uint8_t *back = NULL;
    size_t back_len = 0;
    const char *bad_ids[] = {"../../etc/passwd", "", "ABCDEF0123456789ABCDEF0123456789",
                             "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
                             "0123456789abcdef/123456789abcdef"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        CHECK(!vg_vault_id_valid(bad_ids[i]));
        CHECK_INT_EQ(vg_vault_read(vault, bad_ids[i], 0, &back, &back_len, &err), VG_ERR_INVALID);
        CHECK_INT_EQ(vg_vault_remove(vault, bad_ids[i], &err), VG_ERR_INVALID);
    }
    CHECK_INT_EQ(vg_vault_read(vault, "0123456789abcdef0123456789abcdef", 0, &back, &back_len,
                               &err),
                 VG_ERR_INVALID);
    CHECK_INT_EQ(vg_vault_remove(vault, item.id, &err), VG_OK);
    CHECK_INT_EQ(vg_vault_remove(vault, item.id, &err), VG_OK);
    CHECK_INT_EQ(vg_vault_read(vault, item.id, 0, &back, &back_len, &err), VG_ERR_INVALID);
    free(data);
    vg_vault_close(vault);
}

/* A grey 64x64 PNM with a diagonal pattern: synthetic, decodable, hashable. */
static uint8_t *pnm_image(size_t *len)
{
    const char *header = "P5\n64 64\n255\n";
    size_t hlen = strlen(header);
    uint8_t *img = malloc(hlen + 64 * 64);
    memcpy(img, header, hlen);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            img[hlen + (size_t)y * 64 + (size_t)x] = (uint8_t)(((x + y) * 8) ^ (x * y));
    *len = hlen + 64 * 64;
    return img;
}

static void test_images(void)
{
    size_t len = 0;
    uint8_t *img = pnm_image(&len);
    vg_filehash_options fo = {.pdq = true};
    vg_filehasher *hasher = NULL;
    vg_filehash want;
    CHECK(vg_filehasher_new(&fo, &hasher, NULL) == VG_OK);
    CHECK(vg_filehasher_buffer(hasher, img, len, "x.pgm", &want, NULL) == VG_OK);
    vg_filehasher_free(hasher);
    CHECK(want.has_pdq);

    vg_vault *vault = open_vault("img", "img.key", 0, true);
    vg_vault_item item;
    vg_error err;
    CHECK(store(vault, img, len, 10, &item, &err) == VG_OK);
    CHECK(item.hash.has_pdq);
    CHECK(memcmp(&item.hash.pdq.hashes[0], &want.pdq.hashes[0], sizeof want.pdq.hashes[0]) == 0);
    CHECK_INT_EQ(item.hash.pdq.quality, want.pdq.quality);
    CHECK_INT_EQ(item.hash.format, VG_FORMAT_PNM);
    CHECK_STR_EQ(item.pdq_note, "");
    /* A file shorter than the sniffing window. */
    CHECK(store(vault, img, 5, 5, &item, &err) == VG_OK);
    CHECK(!item.hash.has_pdq);
    vg_vault_close(vault);

    /* PDQ off: digests only, and the note says why. */
    vault = open_vault("img", "img.key", 0, false);
    CHECK(store(vault, img, len, 4096, &item, &err) == VG_OK);
    CHECK(!item.hash.has_pdq);
    CHECK_INT_EQ(item.hash.format, VG_FORMAT_PNM);
    CHECK(item.pdq_note[0] != '\0');
    vg_vault_close(vault);

    /* Larger than max_image_bytes: kept, not decoded. */
    char dir_path[256], key_path[256];
    path_in_root(dir_path, sizeof dir_path, "img");
    path_in_root(key_path, sizeof key_path, "img.key");
    vg_vault_options opts = {.dir = dir_path, .key_file = key_path, .pdq = true,
                             .max_image_bytes = 1000};
    CHECK(vg_vault_open(&opts, &vault, &err) == VG_OK);
    CHECK(store(vault, img, len, 512, &item, &err) == VG_OK);
    CHECK(!item.hash.has_pdq);
    CHECK(strstr(item.pdq_note, "1000") != NULL);
    CHECK(memcmp(&item.hash.digests, &want.digests, sizeof want.digests) == 0);

    /* Undecodable image: kept, with the decoder's reason. */
    img[len / 2] = 0;
    memcpy(img, "P5\n64 64\n255\n", 13);
    CHECK(store(vault, img, len - 1000, 512, &item, &err) == VG_OK);
    CHECK(!item.hash.has_pdq);
    CHECK(item.pdq_note[0] != '\0');
    vg_vault_close(vault);
    free(img);
}

static void test_stale_temporaries(void)
{
    vg_vault *vault = open_vault("stale", "stale.key", 0, false);
    vg_vault_close(vault);
    char shard[256], old_tmp[300], new_tmp[300];
    path_in_root(shard, sizeof shard, "stale/ab");
    mkdir(shard, 0700);
    snprintf(old_tmp, sizeof old_tmp, "%s/ab00000000000000000000000000000a.tmp", shard);
    snprintf(new_tmp, sizeof new_tmp, "%s/ab00000000000000000000000000000b.tmp", shard);
    close(open(old_tmp, O_WRONLY | O_CREAT, 0600));
    close(open(new_tmp, O_WRONLY | O_CREAT, 0600));
    struct timeval old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    CHECK(utimes(old_tmp, old) == 0);
    vault = open_vault("stale", "stale.key", 0, false);
    CHECK(access(old_tmp, F_OK) != 0);
    CHECK(access(new_tmp, F_OK) == 0); /* may belong to an upload in progress */
    vg_vault_close(vault);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/vg-vault-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_round_trip);
    RUN(test_key_file);
    RUN(test_wrong_key_and_tampering);
    RUN(test_no_plaintext_on_disk);
    RUN(test_limits);
    RUN(test_images);
    RUN(test_stale_temporaries);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return vg_test_exit();
}
