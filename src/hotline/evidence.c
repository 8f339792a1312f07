/*
 * src/hotline/evidence.c - evidence streaming into the vault, and previews
 * made from it in memory (evidence.h).
 */
#include "hotline/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/image.h"
#include "vigie/video.h"

/* ---- in ------------------------------------------------------------------------ */

typedef struct upload {
    vg_vault_writer *writer; /* until committed */
    vg_vault_item item;      /* once committed */
    int committed, taken;
    char *filename;
    uint8_t head[VG_VIDEO_SNIFF_BYTES]; /* the first bytes: is it a video? */
    size_t head_len;
} upload;

struct vg_upload_set {
    vg_hotline *h;
    upload *items;
    size_t count, cap;
};

vg_status vg_upload_set_new(vg_hotline *h, vg_upload_set **out, vg_error *err)
{
    *out = NULL;
    if (!h->vault)
        return vg_error_set(err, VG_ERR_INVALID, "this hotline has no evidence vault open");
    vg_upload_set *set = calloc(1, sizeof *set);
    if (!set)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    set->h = h;
    *out = set;
    return VG_OK;
}

void vg_upload_set_free(vg_upload_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++) {
        upload *up = &set->items[i];
        vg_vault_writer_free(up->writer); /* removes an uncommitted file */
        if (up->committed && !up->taken)
            vg_vault_remove(set->h->vault, up->item.id, NULL);
        free(up->filename);
    }
    free(set->items);
    free(set);
}

static vg_status commit(upload *up, vg_error *err)
{
    if (up->committed)
        return VG_OK;
    vg_status st = vg_vault_commit(up->writer, &up->item, err);
    if (st == VG_OK)
        up->committed = 1;
    vg_vault_writer_free(up->writer);
    up->writer = NULL;
    return st;
}

static const char STORE_FAILED[] = "The file could not be stored. Please try again.";

vg_status vg_upload_set_write(vg_upload_set *set, int first, const char *filename, const void *data,
                              size_t size, vg_error *err)
{
    vg_error inner;
    if (first || set->count == 0) {
        if (set->count > 0 && commit(&set->items[set->count - 1], &inner) != VG_OK)
            return vg_error_set(err, VG_ERR_IO, STORE_FAILED);
        if (set->count >= set->h->max_files)
            return vg_error_set(err, VG_ERR_TOO_LARGE, "At most %llu files can be sent at once.",
                                (unsigned long long)set->h->max_files);
        if (set->count == set->cap) {
            size_t cap = set->cap ? set->cap * 2 : 4;
            upload *grown = realloc(set->items, cap * sizeof *grown);
            if (!grown)
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            set->items = grown;
            set->cap = cap;
        }
        upload *up = &set->items[set->count];
        memset(up, 0, sizeof *up);
        if (vg_vault_writer_new(set->h->vault, &up->writer, &inner) != VG_OK)
            return vg_error_set(err, VG_ERR_IO, STORE_FAILED);
        up->filename = vg_intake_clean_filename(filename);
        set->count++;
    }
    upload *up = &set->items[set->count - 1];
    if (up->head_len < sizeof up->head) {
        size_t n = sizeof up->head - up->head_len < size ? sizeof up->head - up->head_len : size;
        memcpy(up->head + up->head_len, data, n);
        up->head_len += n;
    }
    vg_status st = vg_vault_write(up->writer, data, size, &inner);
    if (st == VG_ERR_TOO_LARGE)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "A file is too large: %s", inner.message);
    if (st != VG_OK)
        return vg_error_set(err, VG_ERR_IO, STORE_FAILED);
    return VG_OK;
}

/* A video's vPDQ, from its plaintext decrypted into memory (a decoder
 * seeks: the vault's stream cannot, and plaintext never touches disk),
 * within intake.video_max_seconds of video. What could not be decoded is
 * said on the file, for the analyst, and the report goes on: the person
 * who looks at it is the fallback. */
static vg_status fingerprint_video(vg_hotline *h, vg_intake_draft *d, size_t index,
                                   const vg_vault_item *item, vg_error *err)
{
    if (h->video_max_seconds <= 0)
        return VG_OK;
    uint8_t *plain = NULL;
    size_t len = 0;
    vg_error inner;
    vg_vpdq frames = VG_VPDQ_INIT;
    const char *why = NULL;
    char reason[sizeof inner.message + 64];
    vg_status st = vg_vault_read(h->vault, item->id, 0, &plain, &len, &inner);
    if (st == VG_OK) {
        vg_video_options vo;
        vg_video_options_init(&vo);
        vo.interval = h->video_interval;
        vo.limits.max_duration = (double)h->video_max_seconds;
        vg_video_hasher *hasher = NULL;
        st = vg_video_hasher_new(&vo, &hasher, &inner);
        if (st == VG_OK) {
            vg_video_source src = vg_video_source_memory(plain, len);
            st = vg_video_hash_frames(hasher, &src, "the video", &frames, NULL, &inner);
        }
        vg_video_hasher_free(hasher);
        vg_vault_plain_free(plain, len);
    }
    if (st == VG_ERR_NOMEM) {
        vg_vpdq_free(&frames);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    /* A damaged or over-long video keeps the frames decoded before the
     * damage or the budget: they still find a known video. */
    if (st != VG_OK && frames.count == 0) {
        snprintf(reason, sizeof reason, "%s", inner.message);
        why = reason;
    }
    st = vg_intake_draft_video(h, d, index, &frames, why, err);
    vg_vpdq_free(&frames);
    return st;
}

vg_status vg_evidence_take(vg_hotline *h, vg_intake_draft *d, const vg_vault_item *item,
                           char *filename, const uint8_t *head, size_t head_len, vg_error *err)
{
    vg_status st = vg_intake_draft_add_item(h, d, item, filename, err);
    const char *video =
        item->hash.format == VG_FORMAT_UNKNOWN ? vg_video_media_type(head, head_len) : NULL;
    if (st == VG_OK && video)
        st = vg_intake_draft_media_type(d, d->report.file_count - 1, video, err);
    if (st == VG_OK && video)
        st = fingerprint_video(h, d, d->report.file_count - 1, item, err);
    return st;
}

vg_status vg_upload_set_take(vg_upload_set *set, vg_intake_draft *d, vg_error *err)
{
    for (size_t i = 0; set && i < set->count; i++) {
        upload *up = &set->items[i];
        vg_status st = commit(up, err);
        if (st != VG_OK)
            return st;
        if (up->item.hash.bytes == 0)
            continue; /* vg_upload_set_free removes it */
        /* The draft takes the file (and removes it if it cannot keep it). */
        up->taken = 1;
        st = vg_evidence_take(set->h, d, &up->item, up->filename, up->head, up->head_len, err);
        up->filename = NULL;
        memset(up->head, 0, sizeof up->head);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

/* ---- out ----------------------------------------------------------------------- */

typedef struct sheet {
    vg_thumb_picture pictures[VG_SHEET_STILLS];
    uint8_t *pixels[VG_SHEET_STILLS];
    size_t count;
} sheet;

static vg_status keep(void *user, const vg_video_still *still, vg_error *err)
{
    sheet *s = user;
    size_t bytes = (size_t)still->width * still->height * 3;
    uint8_t *copy = s->count < VG_SHEET_STILLS ? malloc(bytes) : NULL;
    if (!copy)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory keeping a still");
    memcpy(copy, still->rgb, bytes);
    s->pixels[s->count] = copy;
    s->pictures[s->count] = (vg_thumb_picture){still->width, still->height, copy};
    s->count++;
    return VG_OK;
}

/* A video as a grid of stills: decoded from the plaintext in memory (the
 * decoder reads it from there; nothing is written), bounded by the
 * plaintext's own size and a frame budget. */
static vg_status stills_png(const uint8_t *plain, size_t len, const vg_thumb_options *opt,
                            uint8_t **png, size_t *png_len, vg_error *err)
{
    vg_video_options vo;
    vg_video_options_init(&vo);
    vo.limits.max_bytes = (uint64_t)len * 4 + (1u << 20); /* re-reads while seeking */
    vo.limits.max_frames = 2000000;
    vg_video_hasher *hasher = NULL;
    vg_status st = vg_video_hasher_new(&vo, &hasher, err);
    if (st != VG_OK)
        return st;
    sheet s = {.count = 0};
    vg_video_source src = vg_video_source_memory(plain, len);
    vg_error inner;
    /* stills a little larger than the sheet's cells: the grid shrinks them */
    uint32_t side = opt->max_side < 512 ? opt->max_side : 512;
    st = vg_video_stills(hasher, &src, "video", VG_SHEET_STILLS, side, keep, &s, NULL, &inner);
    vg_video_hasher_free(hasher);
    /* a damaged video still shows what was decoded before the damage */
    if (s.count > 0)
        st = vg_thumb_grid_png(s.pictures, s.count, 3, opt, png, png_len, &inner);
    else if (st == VG_OK)
        st = vg_error_set(&inner, VG_ERR_UNSUPPORTED, "no frame could be decoded");
    for (size_t i = 0; i < s.count; i++) {
        memset(s.pixels[i], 0, (size_t)s.pictures[i].width * s.pictures[i].height * 3);
        free(s.pixels[i]);
    }
    if (st == VG_ERR_NOMEM)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st != VG_OK)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "the video could not be decoded");
    return VG_OK;
}

vg_status vg_hotline_preview(vg_hotline *h, int64_t file_id, const vg_actor *who, int clear,
                             const vg_thumb_options *opt, int64_t now, vg_item_outcome *outcome,
                             int *not_image, uint8_t **png, size_t *png_len, vg_error *err)
{
    *png = NULL;
    *png_len = 0;
    *not_image = 0;
    if (!h->vault) {
        *outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    char vault_id[80];
    vg_preview_kind kind = VG_PREVIEW_NONE;
    vg_status st =
        vg_hotline_view_file(h, file_id, who, clear, now, outcome, vault_id, &kind, err);
    if (st != VG_OK || *outcome != VG_ITEM_DONE)
        return st;
    if (kind == VG_PREVIEW_NONE) {
        *not_image = 1;
        return VG_OK;
    }
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    vg_error inner;
    if (vg_vault_read(h->vault, vault_id, 0, &plain, &plain_len, &inner) != VG_OK)
        return vg_error_set(err, VG_ERR_IO, "vault read of file %lld: %s", (long long)file_id,
                            inner.message);
    st = kind == VG_PREVIEW_STILLS ? stills_png(plain, plain_len, opt, png, png_len, &inner)
                                   : vg_thumb_png(plain, plain_len, opt, png, png_len, &inner);
    vg_vault_plain_free(plain, plain_len);
    if (st == VG_ERR_NOMEM)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st != VG_OK)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            kind == VG_PREVIEW_STILLS ? "the video could not be decoded"
                                                      : "the file is not a picture vigie decodes");
    return VG_OK;
}
