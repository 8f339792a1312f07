/*
 * vault.c - the evidence vault (vigie/vault.h).
 *
 * Writing: plaintext is gathered into one 64 KiB chunk buffer, digested,
 * encrypted and written chunk by chunk to DIR/ab/<id>.tmp; commit seals the
 * stream with a final chunk, fsyncs, renames and fsyncs the directory.
 * Nothing is ever written under a final name: a crash at any point leaves
 * either no file or a complete one. Those steps go through a vg_vault_fs
 * (vault_fs.h), which tests replace to check their order and make each
 * one fail.
 * Reading reverses it into a buffer sized from the file length, so a
 * hostile file cannot make it allocate more than its own size allows.
 */
#include "vigie/vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault_fs.h"
#include "vigie/digest.h"
#include "vigie/image.h"

#define MAGIC "VGVAULT1"
#define MAGIC_BYTES 8
#define CHUNK_BYTES (64u * 1024u)
#define KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define WRAP_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_BYTES (KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define STREAM_HEADER_BYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define CHUNK_OVERHEAD crypto_secretstream_xchacha20poly1305_ABYTES
#define HEADER_BYTES (MAGIC_BYTES + WRAP_NONCE_BYTES + WRAPPED_BYTES + STREAM_HEADER_BYTES)
/* Temporary files older than this were left by a crashed process. */
#define STALE_TEMP_SECONDS 3600

struct vg_vault {
    const vg_vault_fs *fs;
    char *dir;
    uint64_t max_file_bytes;
    uint64_t max_image_bytes;
    bool pdq, robust;
    unsigned char *master; /* KEY_BYTES in sodium_malloc'd (guarded, locked) memory */
};

struct vg_vault_writer {
    vg_vault *vault;
    char id[VG_VAULT_ID_CHARS + 1];
    char *temp_path, *final_path, *shard_dir;
    int fd;
    bool failed, committed;
    crypto_secretstream_xchacha20poly1305_state stream;
    unsigned char *chunk; /* CHUNK_BYTES of plaintext waiting, sodium_malloc'd */
    size_t chunk_len;
    unsigned char *cipher; /* CHUNK_BYTES + CHUNK_OVERHEAD */
    uint64_t bytes;
    vg_digest_ctx *digest;
    /* Image plaintext for PDQ, in memory only; wiped when released. */
    uint8_t sniff[VG_IMAGE_SNIFF_BYTES];
    size_t sniff_len;
    bool keep_image; /* still collecting */
    vg_image_format format;
    uint8_t *image;
    size_t image_len, image_cap;
    char image_note[VG_ERROR_MESSAGE_MAX];
};

bool vg_vault_id_valid(const char *id)
{
    if (!id)
        return false;
    size_t i = 0;
    for (; id[i]; i++)
        if (i >= VG_VAULT_ID_CHARS || !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return i == VG_VAULT_ID_CHARS;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* ---- the file layer --------------------------------------------------------- */

static int posix_open(void *user, const char *path, int flags, mode_t mode)
{
    (void)user;
    return open(path, flags, mode);
}

static ssize_t posix_write(void *user, int fd, const void *data, size_t len)
{
    (void)user;
    return write(fd, data, len);
}

static int posix_fsync(void *user, int fd)
{
    (void)user;
    return fsync(fd);
}

static int posix_close(void *user, int fd)
{
    (void)user;
    return close(fd);
}

static int posix_rename(void *user, const char *from, const char *to)
{
    (void)user;
    return rename(from, to);
}

static int posix_link(void *user, const char *from, const char *to)
{
    (void)user;
    return link(from, to);
}

static int posix_unlink(void *user, const char *path)
{
    (void)user;
    return unlink(path);
}

const vg_vault_fs vg_vault_posix_fs = {posix_open,   posix_write, posix_fsync,  posix_close,
                                       posix_rename, posix_link,  posix_unlink, NULL};

static vg_status write_all(const vg_vault_fs *fs, int fd, const void *data, size_t len,
                           const char *path, vg_error *err)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = fs->write(fs->user, fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", path,
                                n < 0 ? strerror(errno) : "no space written");
        p += n;
        len -= (size_t)n;
    }
    return VG_OK;
}

/* Read exactly len bytes; *got tells how many came before end of file. */
static vg_status read_full(int fd, void *data, size_t len, size_t *got, const char *path,
                           vg_error *err)
{
    unsigned char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vg_error_set(err, VG_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
        if (n == 0)
            break;
        done += (size_t)n;
    }
    *got = done;
    return VG_OK;
}

/* A rename, link or unlink is durable once its directory is synced. */
static vg_status fsync_dir(const vg_vault_fs *fs, const char *dir, vg_error *err)
{
    int fd = fs->open(fs->user, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", dir, strerror(errno));
    int rc = fs->fsync(fs->user, fd);
    int saved = errno;
    fs->close(fs->user, fd);
    if (rc != 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot sync: %s", dir, strerror(saved));
    return VG_OK;
}

static vg_status make_dir(const char *dir, vg_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot create the directory: %s", dir,
                            strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return vg_error_set(err, VG_ERR_IO, "%s: is not a directory", dir);
    return VG_OK;
}

/* ---- the master key ------------------------------------------------------ */

static vg_status parse_key(const char *path, const char *text, size_t len, unsigned char *key,
                           vg_error *err)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    size_t bin_len = 0;
    if (len != 2 * KEY_BYTES ||
        sodium_hex2bin(key, KEY_BYTES, text, len, NULL, &bin_len, NULL) != 0 ||
        bin_len != KEY_BYTES)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: a vault key file holds %d hex digits on one line", path,
                            2 * KEY_BYTES);
    return VG_OK;
}

/* The directory part of path ("." when it has none); malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* First run: make a new master key. It is written in full under a
 * temporary name and synced, then linked to its final name: a crash leaves
 * no partial key file behind, and link, unlike rename, never replaces a key
 * that another process starting at the same time created first (the loser
 * then reads the winner's). */
static vg_status create_key(const vg_vault_fs *fs, const char *path, vg_error *err)
{
    unsigned char fresh[KEY_BYTES], tag[8];
    char hex[2 * KEY_BYTES + 2], tag_hex[2 * sizeof tag + 1];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    sodium_memzero(fresh, sizeof fresh);
    size_t hex_len = strlen(hex);
    hex[hex_len++] = '\n';
    randombytes_buf(tag, sizeof tag);
    sodium_bin2hex(tag_hex, sizeof tag_hex, tag, sizeof tag);
    size_t temp_size = strlen(path) + sizeof tag_hex + 8;
    char *temp = malloc(temp_size), *dir = dir_of(path);
    vg_status st = VG_OK;
    if (!temp || !dir) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(temp, temp_size, "%s.%s.tmp", path, tag_hex);
    int fd = fs->open(fs->user, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot create the vault key file: %s", temp,
                          strerror(errno));
        goto done;
    }
    st = write_all(fs, fd, hex, hex_len, temp, err);
    if (st == VG_OK && fs->fsync(fs->user, fd) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot sync: %s", temp, strerror(errno));
    if (fs->close(fs->user, fd) != 0 && st == VG_OK)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot close: %s", temp, strerror(errno));
    if (st == VG_OK && fs->link(fs->user, temp, path) != 0 && errno != EEXIST)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot create the vault key file: %s", path,
                          strerror(errno));
    fs->unlink(fs->user, temp);
    /* A key linked but not yet durable is complete (synced before the
     * link): it stays, and the next start uses it. */
    if (st == VG_OK)
        st = fsync_dir(fs, dir, err);
done:
    sodium_memzero(hex, sizeof hex);
    free(temp);
    free(dir);
    return st;
}

static vg_status load_key(const vg_vault_fs *fs, const char *path, unsigned char *key,
                          vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        vg_status st = create_key(fs, path, err);
        if (st != VG_OK)
            return st;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open the vault key file: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_ERR_INVALID, "%s: the vault key file is not a regular file",
                            path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: the vault key file may be read by other users (mode %03o); "
                            "run chmod 600 on it",
                            path, (unsigned)(st.st_mode & 0777));
    }
    char text[2 * KEY_BYTES + 8];
    size_t got = 0;
    vg_status status = read_full(fd, text, sizeof text, &got, path, err);
    close(fd);
    if (status == VG_OK)
        status = parse_key(path, text, got, key, err);
    sodium_memzero(text, sizeof text);
    return status;
}

/* Remove DIR/xx/ID.tmp files untouched for STALE_TEMP_SECONDS. They are
 * ciphertext of uploads that never completed; nothing refers to them. */
static void sweep_stale_temps(const char *dir)
{
    DIR *top = opendir(dir);
    if (!top)
        return;
    time_t now = time(NULL);
    struct dirent *shard;
    while ((shard = readdir(top)) != NULL) {
        if (strlen(shard->d_name) != 2 || shard->d_name[0] == '.')
            continue;
        char *shard_path = join(dir, shard->d_name);
        DIR *sub = shard_path ? opendir(shard_path) : NULL;
        struct dirent *entry;
        while (sub && (entry = readdir(sub)) != NULL) {
            size_t n = strlen(entry->d_name);
            if (n < 5 || strcmp(entry->d_name + n - 4, ".tmp") != 0)
                continue;
            struct stat st;
            if (fstatat(dirfd(sub), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISREG(st.st_mode) && now - st.st_mtime > STALE_TEMP_SECONDS)
                unlinkat(dirfd(sub), entry->d_name, 0);
        }
        if (sub)
            closedir(sub);
        free(shard_path);
    }
    closedir(top);
}

vg_status vg_vault_open(const vg_vault_options *opts, vg_vault **out, vg_error *err)
{
    return vg_vault_open_fs(opts, &vg_vault_posix_fs, out, err);
}

vg_status vg_vault_open_fs(const vg_vault_options *opts, const vg_vault_fs *fs, vg_vault **out,
                           vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "no place for the vault");
    *out = NULL;
    if (!opts || !opts->dir || !opts->dir[0] || !opts->key_file || !opts->key_file[0])
        return vg_error_set(err, VG_ERR_INVALID,
                            "the vault needs a directory and a key file path");
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libsodium could not be initialised");
    vg_status st = make_dir(opts->dir, err);
    if (st != VG_OK)
        return st;
    vg_vault *vault = calloc(1, sizeof *vault);
    if (!vault)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vault->fs = fs;
    vault->dir = strdup(opts->dir);
    vault->master = sodium_malloc(KEY_BYTES);
    if (!vault->dir || !vault->master) {
        vg_vault_close(vault);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    vault->max_file_bytes =
        opts->max_file_bytes ? opts->max_file_bytes : VG_VAULT_DEFAULT_MAX_FILE_BYTES;
    vault->max_image_bytes =
        opts->max_image_bytes ? opts->max_image_bytes : VG_VAULT_DEFAULT_MAX_IMAGE_BYTES;
    vault->pdq = opts->pdq;
    vault->robust = opts->robust;
    st = load_key(fs, opts->key_file, vault->master, err);
    if (st != VG_OK) {
        vg_vault_close(vault);
        return st;
    }
    sweep_stale_temps(vault->dir);
    *out = vault;
    return VG_OK;
}

void vg_vault_close(vg_vault *vault)
{
    if (!vault)
        return;
    sodium_free(vault->master); /* wipes it */
    free(vault->dir);
    free(vault);
}

/* ---- writing -------------------------------------------------------------- */

/* The wrapped key is bound to the magic and the id, so a file copied or
 * renamed under another id no longer opens. */
static void wrap_ad(const char *id, unsigned char ad[MAGIC_BYTES + VG_VAULT_ID_CHARS])
{
    memcpy(ad, MAGIC, MAGIC_BYTES);
    memcpy(ad + MAGIC_BYTES, id, VG_VAULT_ID_CHARS);
}

static vg_status writer_fail(vg_vault_writer *w, vg_status st)
{
    w->failed = true;
    return st;
}

vg_status vg_vault_writer_new(vg_vault *vault, vg_vault_writer **out, vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "no place for the vault writer");
    *out = NULL;
    if (!vault)
        return vg_error_set(err, VG_ERR_INVALID, "no vault");
    vg_vault_writer *w = calloc(1, sizeof *w);
    if (!w)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    w->vault = vault;
    w->fd = -1;
    w->keep_image = true;
    w->format = VG_FORMAT_UNKNOWN;
    w->chunk = sodium_malloc(CHUNK_BYTES);
    w->cipher = malloc(CHUNK_BYTES + CHUNK_OVERHEAD);
    vg_status st = w->chunk && w->cipher
                       ? vg_digest_new(&w->digest, err)
                       : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st != VG_OK) {
        vg_vault_writer_free(w);
        return st;
    }

    unsigned char raw_id[VG_VAULT_ID_CHARS / 2];
    randombytes_buf(raw_id, sizeof raw_id);
    sodium_bin2hex(w->id, sizeof w->id, raw_id, sizeof raw_id);
    char shard[3] = {w->id[0], w->id[1], '\0'};
    char temp_name[VG_VAULT_ID_CHARS + 5];
    snprintf(temp_name, sizeof temp_name, "%s.tmp", w->id);
    w->shard_dir = join(vault->dir, shard);
    w->temp_path = w->shard_dir ? join(w->shard_dir, temp_name) : NULL;
    w->final_path = w->shard_dir ? join(w->shard_dir, w->id) : NULL;
    if (!w->temp_path || !w->final_path) {
        vg_vault_writer_free(w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    st = make_dir(w->shard_dir, err);
    if (st != VG_OK) {
        vg_vault_writer_free(w);
        return st;
    }
    const vg_vault_fs *fs = vault->fs;
    w->fd = fs->open(fs->user, w->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     0600);
    if (w->fd < 0) {
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", w->temp_path,
                          strerror(errno));
        vg_vault_writer_free(w);
        return st;
    }

    /* Header: magic, then the file key wrapped by the master key, then the
     * secretstream header. */
    unsigned char header[HEADER_BYTES];
    unsigned char *file_key = sodium_malloc(KEY_BYTES);
    if (!file_key) {
        vg_vault_writer_free(w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    crypto_secretstream_xchacha20poly1305_keygen(file_key);
    unsigned char ad[MAGIC_BYTES + VG_VAULT_ID_CHARS];
    wrap_ad(w->id, ad);
    unsigned char *nonce = header + MAGIC_BYTES;
    unsigned char *wrapped = nonce + WRAP_NONCE_BYTES;
    memcpy(header, MAGIC, MAGIC_BYTES);
    randombytes_buf(nonce, WRAP_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped, NULL, file_key, KEY_BYTES, ad, sizeof ad,
                                               NULL, nonce, vault->master);
    crypto_secretstream_xchacha20poly1305_init_push(&w->stream, wrapped + WRAPPED_BYTES,
                                                    file_key);
    sodium_free(file_key);
    st = write_all(fs, w->fd, header, sizeof header, w->temp_path, err);
    if (st != VG_OK) {
        vg_vault_writer_free(w);
        return st;
    }
    *out = w;
    return VG_OK;
}

static vg_status push_chunk(vg_vault_writer *w, unsigned char tag, vg_error *err)
{
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&w->stream, w->cipher, &clen, w->chunk,
                                               w->chunk_len, NULL, 0, tag);
    sodium_memzero(w->chunk, w->chunk_len);
    w->chunk_len = 0;
    return write_all(w->vault->fs, w->fd, w->cipher, (size_t)clen, w->temp_path, err);
}

static void drop_image(vg_vault_writer *w)
{
    if (w->image)
        sodium_free(w->image);
    w->image = NULL;
    w->image_len = w->image_cap = 0;
}

/* Keep image bytes for PDQ while the file looks like an image that fits. */
static void keep_for_image(vg_vault_writer *w, const uint8_t *data, size_t len)
{
    if (len == 0) /* an empty chunk (data may be NULL): nothing to copy */
        return;
    if (!w->vault->pdq) {
        w->keep_image = false;
        return;
    }
    if (w->image_len + len > w->vault->max_image_bytes) {
        snprintf(w->image_note, sizeof w->image_note,
                 "larger than %llu bytes: kept, but not decoded for PDQ",
                 (unsigned long long)w->vault->max_image_bytes);
        w->keep_image = false;
        return;
    }
    if (w->image_len + len > w->image_cap) {
        size_t cap = w->image_cap ? w->image_cap : 256 * 1024;
        while (cap < w->image_len + len)
            cap *= 2;
        if (cap > w->vault->max_image_bytes)
            cap = (size_t)w->vault->max_image_bytes;
        /* Grow by copying into fresh locked memory, wiping the old copy:
         * realloc could leave plaintext behind in freed heap. */
        uint8_t *grown = sodium_malloc(cap);
        if (!grown) {
            snprintf(w->image_note, sizeof w->image_note,
                     "not enough memory to decode it for PDQ");
            w->keep_image = false;
            return;
        }
        if (w->image) {
            memcpy(grown, w->image, w->image_len);
            sodium_free(w->image);
        }
        w->image = grown;
        w->image_cap = cap;
    }
    memcpy(w->image + w->image_len, data, len);
    w->image_len += len;
}


vg_status vg_vault_write(vg_vault_writer *w, const void *data, size_t len, vg_error *err)
{
    if (!w || (!data && len))
        return vg_error_set(err, VG_ERR_INVALID, "no writer or no data");
    if (w->failed || w->committed)
        return vg_error_set(err, VG_ERR_INVALID, "this evidence file can no longer be written");
    if (len == 0)
        return VG_OK; /* data may be NULL: nothing may be copied from it */
    if (len > w->vault->max_file_bytes - w->bytes)
        return writer_fail(w, vg_error_set(err, VG_ERR_TOO_LARGE,
                                           "the file is larger than the limit of %llu bytes",
                                           (unsigned long long)w->vault->max_file_bytes));
    vg_status st = vg_digest_update(w->digest, data, len, err);
    if (st != VG_OK)
        return writer_fail(w, st);
    if (w->sniff_len < VG_IMAGE_SNIFF_BYTES) {
        size_t take = VG_IMAGE_SNIFF_BYTES - w->sniff_len;
        if (take > len)
            take = len;
        memcpy(w->sniff + w->sniff_len, data, take);
        w->sniff_len += take;
        if (w->sniff_len == VG_IMAGE_SNIFF_BYTES) {
            w->format = vg_image_sniff(w->sniff, w->sniff_len);
            if (w->format == VG_FORMAT_UNKNOWN) {
                w->keep_image = false;
                drop_image(w);
            }
        }
    }
    if (w->keep_image) {
        keep_for_image(w, data, len);
        if (!w->keep_image)
            drop_image(w);
    }
    const unsigned char *p = data;
    while (len > 0) {
        size_t take = CHUNK_BYTES - w->chunk_len;
        if (take > len)
            take = len;
        memcpy(w->chunk + w->chunk_len, p, take);
        w->chunk_len += take;
        p += take;
        len -= take;
        w->bytes += take;
        if (w->chunk_len == CHUNK_BYTES) {
            st = push_chunk(w, 0, err);
            if (st != VG_OK)
                return writer_fail(w, st);
        }
    }
    return VG_OK;
}

uint64_t vg_vault_writer_bytes(const vg_vault_writer *w) { return w ? w->bytes : 0; }

static void hash_image(vg_vault_writer *w, vg_vault_item *item)
{
    if (w->sniff_len > 0 && w->sniff_len < VG_IMAGE_SNIFF_BYTES)
        w->format = vg_image_sniff(w->sniff, w->sniff_len);
    item->hash.format = w->format;
    if (w->format == VG_FORMAT_UNKNOWN)
        return;
    if (!w->vault->pdq) {
        snprintf(item->pdq_note, sizeof item->pdq_note, "PDQ is turned off");
        return;
    }
    if (!w->keep_image || !w->image) {
        snprintf(item->pdq_note, sizeof item->pdq_note, "%s",
                 w->image_note[0] ? w->image_note : "not decoded for PDQ");
        return;
    }
    vg_filehash_options opts = {.pdq = true, .robust = w->vault->robust,
                                .max_image_bytes = w->vault->max_image_bytes};
    vg_filehasher *hasher = NULL;
    vg_error herr;
    vg_filehash fh;
    if (vg_filehasher_new(&opts, &hasher, &herr) != VG_OK) {
        snprintf(item->pdq_note, sizeof item->pdq_note, "%s", herr.message);
        return;
    }
    vg_status st = vg_filehasher_buffer(hasher, w->image, w->image_len, "upload", &fh, &herr);
    vg_filehasher_free(hasher);
    if (st == VG_OK && fh.has_pdq) {
        item->hash.has_pdq = true;
        item->hash.pdq = fh.pdq;
        item->hash.image = fh.image;
        item->hash.has_robust = fh.has_robust;
        item->hash.has_trimmed = fh.has_trimmed;
        item->hash.trimmed = fh.trimmed;
        item->hash.patchset = fh.patchset;
    } else {
        snprintf(item->pdq_note, sizeof item->pdq_note, "%s",
                 st != VG_OK ? herr.message : "no PDQ for this image");
    }
}

vg_status vg_vault_commit(vg_vault_writer *w, vg_vault_item *item, vg_error *err)
{
    if (!w || !item)
        return vg_error_set(err, VG_ERR_INVALID, "no writer or no place for the item");
    if (w->failed || w->committed)
        return vg_error_set(err, VG_ERR_INVALID, "this evidence file can no longer be written");
    memset(item, 0, sizeof *item);
    const vg_vault_fs *fs = w->vault->fs;
    vg_status st = push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err);
    if (st == VG_OK && fs->fsync(fs->user, w->fd) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot sync: %s", w->temp_path, strerror(errno));
    if (fs->close(fs->user, w->fd) != 0 && st == VG_OK)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot close: %s", w->temp_path,
                          strerror(errno));
    w->fd = -1;
    if (st == VG_OK && fs->rename(fs->user, w->temp_path, w->final_path) != 0)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot rename: %s", w->temp_path,
                          strerror(errno));
    if (st != VG_OK)
        return writer_fail(w, st);
    w->committed = true;
    st = fsync_dir(fs, w->shard_dir, err);
    if (st != VG_OK) {
        /* Not durable: take it back so nothing half-promised stays. */
        fs->unlink(fs->user, w->final_path);
        w->committed = false;
        return writer_fail(w, st);
    }
    memcpy(item->id, w->id, sizeof item->id);
    item->hash.bytes = w->bytes;
    st = vg_digest_final(w->digest, &item->hash.digests, err);
    if (st != VG_OK)
        return st; /* the file is committed; the caller may still remove it */
    hash_image(w, item);
    drop_image(w);
    return VG_OK;
}

void vg_vault_writer_free(vg_vault_writer *w)
{
    if (!w)
        return;
    const vg_vault_fs *fs = w->vault->fs;
    if (w->fd >= 0)
        fs->close(fs->user, w->fd);
    if (!w->committed && w->temp_path)
        fs->unlink(fs->user, w->temp_path);
    drop_image(w);
    sodium_memzero(w->sniff, sizeof w->sniff);
    sodium_memzero(&w->stream, sizeof w->stream);
    if (w->chunk)
        sodium_free(w->chunk);
    free(w->cipher);
    vg_digest_free(w->digest);
    free(w->temp_path);
    free(w->final_path);
    free(w->shard_dir);
    free(w);
}

/* ---- reading ---------------------------------------------------------------- */

void vg_vault_plain_free(uint8_t *data, size_t len)
{
    if (!data)
        return;
    sodium_memzero(data, len);
    free(data);
}

static char *path_of(vg_vault *vault, const char *id)
{
    char rel[VG_VAULT_ID_CHARS + 4];
    snprintf(rel, sizeof rel, "%c%c/%s", id[0], id[1], id);
    return join(vault->dir, rel);
}

vg_status vg_vault_read(vg_vault *vault, const char *id, uint64_t max_bytes, uint8_t **data,
                        size_t *len, vg_error *err)
{
    if (!data || !len)
        return vg_error_set(err, VG_ERR_INVALID, "no place for the evidence");
    *data = NULL;
    *len = 0;
    if (!vault || !vg_vault_id_valid(id))
        return vg_error_set(err, VG_ERR_INVALID, "not an evidence id");
    if (max_bytes == 0)
        max_bytes = vault->max_file_bytes;
    char *path = path_of(vault, id);
    if (!path)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        vg_status st = errno == ENOENT
                           ? vg_error_set(err, VG_ERR_INVALID, "no evidence file %s", id)
                           : vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path,
                                          strerror(errno));
        free(path);
        return st;
    }

    vg_status st = VG_OK;
    struct stat sb;
    unsigned char header[HEADER_BYTES];
    size_t got = 0;
    unsigned char *file_key = NULL, *cipher = NULL;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    crypto_secretstream_xchacha20poly1305_state stream;

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = vg_error_set(err, VG_ERR_IO, "%s: not a regular file", path);
        goto done;
    }
    st = read_full(fd, header, sizeof header, &got, path, err);
    if (st != VG_OK)
        goto done;
    if (got < sizeof header || memcmp(header, MAGIC, MAGIC_BYTES) != 0) {
        st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: not a vault file or truncated", id);
        goto done;
    }
    /* The plaintext is at most the body minus one chunk overhead per
     * chunk; refuse before allocating when that exceeds max_bytes. */
    uint64_t body = (uint64_t)sb.st_size - sizeof header;
    uint64_t chunks = (body + CHUNK_BYTES + CHUNK_OVERHEAD - 1) / (CHUNK_BYTES + CHUNK_OVERHEAD);
    if (chunks == 0) {
        st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: truncated", id);
        goto done;
    }
    if (body < chunks * CHUNK_OVERHEAD) {
        st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: truncated", id);
        goto done;
    }
    uint64_t plain_max = body - chunks * CHUNK_OVERHEAD;
    if (plain_max > max_bytes || plain_max > SIZE_MAX - 1) {
        st = vg_error_set(err, VG_ERR_TOO_LARGE,
                          "evidence %s holds %llu bytes, more than the %llu allowed here", id,
                          (unsigned long long)plain_max, (unsigned long long)max_bytes);
        goto done;
    }

    file_key = sodium_malloc(KEY_BYTES);
    cipher = malloc(CHUNK_BYTES + CHUNK_OVERHEAD);
    plain = malloc(plain_max ? (size_t)plain_max : 1);
    if (!file_key || !cipher || !plain) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto done;
    }
    unsigned char ad[MAGIC_BYTES + VG_VAULT_ID_CHARS];
    wrap_ad(id, ad);
    const unsigned char *nonce = header + MAGIC_BYTES;
    const unsigned char *wrapped = nonce + WRAP_NONCE_BYTES;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(file_key, NULL, NULL, wrapped, WRAPPED_BYTES,
                                                   ad, sizeof ad, nonce, vault->master) != 0) {
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "evidence %s: its key does not open with this vault's master key "
                          "(wrong key file, or the file was altered or moved)",
                          id);
        goto done;
    }
    if (crypto_secretstream_xchacha20poly1305_init_pull(&stream, wrapped + WRAPPED_BYTES,
                                                        file_key) != 0) {
        st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: bad stream header", id);
        goto done;
    }
    bool final = false;
    while (!final) {
        st = read_full(fd, cipher, CHUNK_BYTES + CHUNK_OVERHEAD, &got, path, err);
        if (st != VG_OK)
            goto done;
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (got < CHUNK_OVERHEAD || plain_len + (got - CHUNK_OVERHEAD) > plain_max ||
            crypto_secretstream_xchacha20poly1305_pull(&stream, plain + plain_len, &mlen, &tag,
                                                       cipher, got, NULL, 0) != 0) {
            st = vg_error_set(err, VG_ERR_CORRUPT,
                              "evidence %s failed authentication: it was altered or truncated",
                              id);
            goto done;
        }
        plain_len += (size_t)mlen;
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        if (!final && got < CHUNK_BYTES + CHUNK_OVERHEAD) {
            st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: truncated", id);
            goto done;
        }
    }
    /* Nothing may follow the final chunk. */
    unsigned char extra;
    st = read_full(fd, &extra, 1, &got, path, err);
    if (st == VG_OK && got != 0)
        st = vg_error_set(err, VG_ERR_CORRUPT, "evidence %s: data after its end", id);

done:
    close(fd);
    free(path);
    sodium_memzero(&stream, sizeof stream);
    if (file_key)
        sodium_free(file_key);
    if (cipher) {
        sodium_memzero(cipher, CHUNK_BYTES + CHUNK_OVERHEAD);
        free(cipher);
    }
    if (st != VG_OK) {
        vg_vault_plain_free(plain, plain_max ? (size_t)plain_max : 1);
        return st;
    }
    *data = plain;
    *len = plain_len;
    return VG_OK;
}

vg_status vg_vault_remove(vg_vault *vault, const char *id, vg_error *err)
{
    if (!vault || !vg_vault_id_valid(id))
        return vg_error_set(err, VG_ERR_INVALID, "not an evidence id");
    char *path = path_of(vault, id);
    if (!path)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = VG_OK;
    const vg_vault_fs *fs = vault->fs;
    if (fs->unlink(fs->user, path) != 0 && errno != ENOENT)
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    free(path);
    if (st == VG_OK) {
        char shard[3] = {id[0], id[1], '\0'};
        char *dir = join(vault->dir, shard);
        if (dir)
            fsync_dir(fs, dir, NULL);
        free(dir);
    }
    return st;
}
