/*
 * One-pass fingerprint of a file: digests of every byte, plus PDQ when the
 * leading bytes say "image".
 *
 * Reading: the first block always goes to the hasher's reusable block
 * buffer. Most images are smaller than one block, so they are decoded right
 * there, with no copy and no allocation. A larger image is read straight
 * into a growing image buffer (the digests hash it from there), so its
 * bytes are copied once, from the kernel. Anything else, and an image that
 * outgrows max_image_bytes, streams through the block buffer in constant
 * memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest/fileio.h"
#include "vigie/border.h"
#include "vigie/filehash.h"
#include "vigie/sketch.h"

/* Image buffers up to this capacity are kept for the next file; a larger
 * one is released after use so that one huge picture does not pin its
 * memory in every worker for the rest of a run. */
#define KEEP_IMAGE_CAPACITY (32u << 20)

struct vg_filehasher {
    vg_filehash_options opts;
    vg_digest_ctx *digest;
    vg_pdq_stream *pdq; /* NULL when PDQ is off */
    vg_sketch *sketch;    /* NULL unless the robust signals are asked for */
    uint8_t *block;     /* VG_READ_BLOCK bytes */
    uint8_t *image;     /* kept bytes of the current image; image_cap bytes */
    size_t image_cap;
};

void vg_filehasher_free(vg_filehasher *h)
{
    if (!h)
        return;
    vg_digest_free(h->digest);
    vg_pdq_stream_free(h->pdq);
    vg_sketch_free(h->sketch);
    free(h->block);
    free(h->image);
    free(h);
}

vg_status vg_filehasher_new(const vg_filehash_options *opts, vg_filehasher **out, vg_error *err)
{
    *out = NULL;
    vg_filehasher *h = calloc(1, sizeof *h);
    if (!h)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating a file hasher");
    if (opts)
        h->opts = *opts;
    else
        h->opts.pdq = true;
    if (h->opts.max_image_bytes == 0)
        h->opts.max_image_bytes = VG_DEFAULT_MAX_IMAGE_BYTES;
    if (h->opts.max_image_bytes > SIZE_MAX - VG_READ_BLOCK)
        h->opts.max_image_bytes = SIZE_MAX - VG_READ_BLOCK;

    vg_status st = vg_digest_new(&h->digest, err);
    if (st == VG_OK && h->opts.pdq)
        st = vg_pdq_stream_new(h->opts.dihedral, &h->pdq, err);
    if (st == VG_OK && h->opts.pdq && h->opts.robust)
        st = vg_sketch_new(&h->sketch, err);
    if (st == VG_OK && !(h->block = vg_read_buffer_new()))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating the read buffer");
    if (st != VG_OK) {
        vg_filehasher_free(h);
        return st;
    }
    *out = h;
    return VG_OK;
}

static const char *display_name(const char *name)
{
    return name ? name : "input";
}

static void release_large_image_buffer(vg_filehasher *h)
{
    if (h->image_cap > KEEP_IMAGE_CAPACITY) {
        free(h->image);
        h->image = NULL;
        h->image_cap = 0;
    }
}

/* One decode feeding both the PDQ stream and the sketch. */
typedef struct tee_sink {
    vg_row_sink a, b;
} tee_sink;

static vg_status tee_begin(void *user, const vg_image_info *info, vg_error *err)
{
    tee_sink *t = user;
    vg_status st = t->a.begin(t->a.user, info, err);
    return st == VG_OK ? t->b.begin(t->b.user, info, err) : st;
}

static vg_status tee_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    tee_sink *t = user;
    vg_status st = t->a.row(t->a.user, y, pixels, err);
    return st == VG_OK ? t->b.row(t->b.user, y, pixels, err) : st;
}

/* The signals that come from the sketch: trimmed PDQ and patch set. */
static vg_status robust_signals(vg_filehasher *h, vg_filehash *out, vg_error *err)
{
    vg_sketch_image sketch;
    vg_status st = vg_sketch_finish(h->sketch, &sketch, err);
    if (st != VG_OK)
        return st;
    vg_border_box box;
    out->has_trimmed = vg_border_find(&sketch, &box);
    if (out->has_trimmed)
        st = vg_border_pdq(&sketch, &box, h->opts.dihedral, &out->trimmed, err);
    if (st == VG_OK)
        st = vg_patchset_from_sketch(&sketch, &box, VG_PATCH_QUERY_COUNT, &out->patchset, err);
    out->has_robust = st == VG_OK;
    return st;
}

/* Decode data as an image and PDQ-hash it into out. */
static vg_status hash_image(vg_filehasher *h, const uint8_t *data, size_t len, const char *name,
                            vg_filehash *out, vg_error *err)
{
    vg_pdq_stream_reset(h->pdq);
    vg_row_sink sink = vg_pdq_stream_sink(h->pdq);
    tee_sink tee;
    if (h->sketch) {
        vg_sketch_reset(h->sketch);
        tee = (tee_sink){sink, vg_sketch_sink(h->sketch)};
        sink = (vg_row_sink){tee_begin, tee_row, &tee};
    }
    vg_image_info info;
    vg_status st = vg_image_decode_rows(data, len, &h->opts.decode, &sink, &info, err);
    if (st == VG_OK)
        st = vg_pdq_stream_finish(h->pdq, &out->pdq, err);
    if (st == VG_OK && h->sketch)
        st = robust_signals(h, out, err);
    if (st != VG_OK) {
        vg_error_prefix(err, "%s: ", display_name(name));
        return st;
    }
    out->has_pdq = true;
    out->image = info;
    return VG_OK;
}

/* The image was read but its bytes were not kept (why is TOO_LARGE or NOMEM). */
static vg_status image_not_kept(const vg_filehasher *h, vg_status why, const char *name,
                                vg_error *err)
{
    if (why == VG_ERR_TOO_LARGE)
        return vg_error_set(err, why,
                            "%s: image is larger than the %llu-byte limit; digests computed, "
                            "PDQ skipped",
                            display_name(name), (unsigned long long)h->opts.max_image_bytes);
    return vg_error_set(err, why,
                        "%s: out of memory keeping the image bytes; digests computed, PDQ "
                        "skipped",
                        display_name(name));
}

/* Grow the image buffer to exactly `want` bytes, keeping its first `kept`
 * (true when it is that large). */
static bool reserve_image(vg_filehasher *h, size_t want, size_t kept)
{
    if (want <= h->image_cap)
        return true;
    if (kept == 0) {
        /* Whatever a previous file left there is not worth realloc's copy. */
        free(h->image);
        h->image = NULL;
        h->image_cap = 0;
    }
    uint8_t *grown = realloc(h->image, want);
    if (!grown)
        return false;
    h->image = grown;
    h->image_cap = want;
    return true;
}

/* The next capacity for an image buffer holding `kept` bytes: the whole
 * file at once when its size is known (plus the byte that proves the end),
 * else doubling; never more than the limit plus the byte that proves the
 * image is over it. */
static size_t next_image_capacity(const vg_filehasher *h, size_t kept, size_t hint)
{
    size_t limit = (size_t)h->opts.max_image_bytes + 1;
    size_t want = hint > kept ? hint + 1 : 2 * (kept > VG_READ_BLOCK ? kept : VG_READ_BLOCK);
    return want < limit ? want : limit;
}

/* Bytes left to read from fd when it is a regular file, else 0 (unknown). */
static size_t remaining_size_hint(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0 || st.st_size <= pos)
        return 0;
    uint64_t left = (uint64_t)(st.st_size - pos);
    return left > SIZE_MAX / 2 ? 0 : (size_t)left;
}

/* Digest the rest of fd through the block buffer, keeping nothing. */
static vg_status stream_rest(vg_filehasher *h, int fd, const char *name, vg_filehash *out,
                             vg_error *err)
{
    for (;;) {
        size_t got;
        vg_status st = vg_read_fill(fd, h->block, VG_READ_BLOCK, &got, display_name(name), err);
        if (st == VG_OK)
            st = vg_digest_update(h->digest, h->block, got, err);
        if (st != VG_OK)
            return st;
        out->bytes += got;
        if (got < VG_READ_BLOCK)
            return VG_OK;
    }
}

/*
 * Read fd to its end into the image buffer, after the `kept` bytes already
 * there, digesting as it goes. When the image outgrows the limit or memory,
 * *not_kept says so and the rest streams through the block buffer: the
 * digests are always completed.
 */
static vg_status read_rest(vg_filehasher *h, int fd, size_t hint, size_t *kept,
                           vg_status *not_kept, const char *name, vg_filehash *out,
                           vg_error *err)
{
    for (;;) {
        if (*kept == h->image_cap &&
            !reserve_image(h, next_image_capacity(h, *kept, hint), *kept)) {
            *not_kept = VG_ERR_NOMEM;
            return stream_rest(h, fd, name, out, err);
        }
        uint8_t *dest = h->image + *kept;
        size_t room = h->image_cap - *kept;
        if (room > VG_READ_BLOCK)
            room = VG_READ_BLOCK;
        size_t got;
        vg_status st = vg_read_fill(fd, dest, room, &got, display_name(name), err);
        if (st == VG_OK)
            st = vg_digest_update(h->digest, dest, got, err);
        if (st != VG_OK)
            return st;
        out->bytes += got;
        *kept += got;
        if (*kept > h->opts.max_image_bytes) {
            *not_kept = VG_ERR_TOO_LARGE;
            return got < room ? VG_OK : stream_rest(h, fd, name, out, err);
        }
        if (got < room)
            return VG_OK;
    }
}

/*
 * filehash.h promises complete digests for every status but VG_ERR_IO, so
 * anything that stops the read-and-digest pass (the digest engine failing
 * included) is reported as VG_ERR_IO, naming the file.
 */
static vg_status read_failed(vg_status st, const char *name, vg_error *err)
{
    if (st == VG_ERR_IO)
        return st;
    vg_error_prefix(err, "%s: ", display_name(name));
    if (err)
        err->status = VG_ERR_IO;
    return VG_ERR_IO;
}

vg_status vg_filehasher_fd(vg_filehasher *h, int fd, const char *name, vg_filehash *out,
                           vg_error *err)
{
    if (!h || !out || fd < 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no hasher, output or descriptor given",
                            display_name(name));
    memset(out, 0, sizeof *out);
    vg_status st = vg_digest_reset(h->digest, err);
    if (st != VG_OK)
        return read_failed(st, name, err);
    size_t hint = remaining_size_hint(fd);
    vg_advise_sequential(fd);

    size_t got;
    st = vg_read_fill(fd, h->block, VG_READ_BLOCK, &got, display_name(name), err);
    if (st == VG_OK)
        st = vg_digest_update(h->digest, h->block, got, err);
    if (st != VG_OK)
        return read_failed(st, name, err);
    out->bytes = got;
    size_t sniff_len = got < VG_IMAGE_SNIFF_BYTES ? got : VG_IMAGE_SNIFF_BYTES;
    out->format = vg_image_sniff(h->block, sniff_len);
    bool wants_image = h->pdq && out->format != VG_FORMAT_UNKNOWN;

    /* Why the image bytes were dropped; VG_OK while they are kept. */
    vg_status not_kept = got > h->opts.max_image_bytes ? VG_ERR_TOO_LARGE : VG_OK;
    const uint8_t *image = h->block;
    size_t image_len = got;
    if (got == VG_READ_BLOCK) {
        bool keep = wants_image && not_kept == VG_OK;
        if (keep && !reserve_image(h, next_image_capacity(h, got, hint), 0)) {
            keep = false;
            not_kept = VG_ERR_NOMEM;
        }
        if (keep) {
            memcpy(h->image, h->block, got);
            st = read_rest(h, fd, hint, &image_len, &not_kept, name, out, err);
            image = h->image;
        } else {
            st = stream_rest(h, fd, name, out, err);
        }
        if (st != VG_OK) {
            release_large_image_buffer(h);
            return read_failed(st, name, err);
        }
    }
    if ((st = vg_digest_final(h->digest, &out->digests, err)) != VG_OK) {
        release_large_image_buffer(h);
        return read_failed(st, name, err);
    }
    if (wants_image) {
        st = not_kept != VG_OK ? image_not_kept(h, not_kept, name, err)
                               : hash_image(h, image, image_len, name, out, err);
    }
    release_large_image_buffer(h);
    return st;
}

vg_status vg_filehasher_path(vg_filehasher *h, const char *path, vg_filehash *out,
                             vg_error *err)
{
    if (!h || !out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no hasher or output given",
                            display_name(path));
    memset(out, 0, sizeof *out);
    int fd;
    vg_status st = vg_open_for_hashing(path, &fd, err);
    if (st != VG_OK)
        return st;
    st = vg_filehasher_fd(h, fd, path, out, err);
    close(fd);
    return st;
}

vg_status vg_filehasher_buffer(vg_filehasher *h, const uint8_t *data, size_t len,
                               const char *name, vg_filehash *out, vg_error *err)
{
    if (!h || !out || (!data && len))
        return vg_error_set(err, VG_ERR_INVALID, "%s: no hasher, output or data given",
                            display_name(name));
    memset(out, 0, sizeof *out);
    vg_status st = vg_digest_reset(h->digest, err);
    if (st == VG_OK)
        st = vg_digest_update(h->digest, data, len, err);
    if (st == VG_OK)
        st = vg_digest_final(h->digest, &out->digests, err);
    if (st != VG_OK)
        return read_failed(st, name, err);
    out->bytes = len;
    out->format = vg_image_sniff(data, len < VG_IMAGE_SNIFF_BYTES ? len : VG_IMAGE_SNIFF_BYTES);
    if (!h->pdq || out->format == VG_FORMAT_UNKNOWN)
        return VG_OK;
    if (len > h->opts.max_image_bytes)
        return image_not_kept(h, VG_ERR_TOO_LARGE, name, err);
    return hash_image(h, data, len, name, out, err);
}
