/*
 * patchset.c - a picture's patch set (detection, selection, fixed-point
 * geometry) and its encoded form.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch_internal.h"

/* The box of the sketch as luma, reduced by 2^k x 2^k block means (the
 * smallest k that brings its longer side to at most VG_PATCH_BASE_SIDE;
 * blocks past the last whole one are dropped). Channels are summed as
 * integers, luma taken once per block. Returns a malloc'd w x h image. */
static float *base_luma(const vg_sketch_image *t, const vg_border_box *b, uint32_t *w,
                        uint32_t *h)
{
    uint32_t bw = b->x1 - b->x0, bh = b->y1 - b->y0, k = 0;
    while (((bw > bh ? bw : bh) >> k) > VG_PATCH_BASE_SIDE && (bw >> (k + 1)) >= 1 &&
           (bh >> (k + 1)) >= 1)
        k++;
    const uint32_t block = 1u << k, ow = bw >> k, oh = bh >> k;
    float *img = malloc((size_t)ow * oh * sizeof *img);
    uint32_t *sum = calloc((size_t)ow * 3, sizeof *sum);
    if (!img || !sum) {
        free(img);
        free(sum);
        return NULL;
    }
    const float scale = 1.0f / (float)(block * block);
    for (uint32_t y = 0; y < oh; y++) {
        for (uint32_t dy = 0; dy < block; dy++) {
            const uint8_t *p = t->rgb + ((size_t)(b->y0 + y * block + dy) * t->width + b->x0) * 3;
            for (uint32_t x = 0; x < ow; x++)
                for (uint32_t dx = 0; dx < block; dx++, p += 3) {
                    sum[3 * x] += p[0];
                    sum[3 * x + 1] += p[1];
                    sum[3 * x + 2] += p[2];
                }
        }
        for (uint32_t x = 0; x < ow; x++) {
            img[(size_t)y * ow + x] =
                scale * (0.299f * (float)sum[3 * x] + 0.587f * (float)sum[3 * x + 1] +
                         0.114f * (float)sum[3 * x + 2]);
            sum[3 * x] = sum[3 * x + 1] = sum[3 * x + 2] = 0;
        }
    }
    free(sum);
    *w = ow;
    *h = oh;
    return img;
}

static int by_response(const void *a, const void *b)
{
    const patch_point *x = a, *y = b;
    if (x->response != y->response)
        return x->response > y->response ? -1 : 1;
    /* Ties broken by position so the order never depends on qsort. */
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    if (x->x != y->x)
        return x->x < y->x ? -1 : 1;
    return (x->sigma > y->sigma) - (x->sigma < y->sigma);
}

/* A point at nearly the place and scale of one already kept adds nothing. */
static bool duplicates(const patch_point *kept, size_t n, const patch_point *p)
{
    for (size_t i = 0; i < n; i++) {
        float r = p->sigma / kept[i].sigma;
        if (fabsf(p->x - kept[i].x) < 0.5f * kept[i].sigma &&
            fabsf(p->y - kept[i].y) < 0.5f * kept[i].sigma && r > 0.84f && r < 1.19f)
            return true;
    }
    return false;
}

static uint16_t fixed_position(float v, float longer)
{
    float q = roundf(v / longer * 4096.0f);
    return (uint16_t)(q < 0 ? 0 : q > 4095 ? 4095 : q);
}

static uint8_t fixed_scale(float sigma, float longer)
{
    float q = roundf((log2f(sigma / longer) + 12.0f) * 16.0f);
    return (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
}

vg_status vg_patchset_from_sketch(const vg_sketch_image *sketch, const vg_border_box *box,
                                 uint32_t max_patches, vg_patchset *out, vg_error *err)
{
    if (!sketch || !out || !sketch->rgb)
        return vg_error_set(err, VG_ERR_INVALID, "vg_patchset_from_sketch: NULL argument");
    vg_border_box whole = {0, 0, sketch->width, sketch->height};
    if (!box)
        box = &whole;
    if (box->x0 >= box->x1 || box->y0 >= box->y1 || box->x1 > sketch->width ||
        box->y1 > sketch->height)
        return vg_error_set(err, VG_ERR_INVALID, "vg_patchset_from_sketch: bad box");
    if (max_patches > VG_PATCH_MAX)
        max_patches = VG_PATCH_MAX;
    out->count = 0;

    uint32_t w, h;
    float *luma = base_luma(sketch, box, &w, &h);
    if (!luma)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a patch set");
    patch_space space;
    vg_status st = patch_space_build(luma, w, h, &space, err);
    free(luma);
    if (st != VG_OK)
        return st;
    patch_point *points = NULL;
    size_t n = 0;
    st = patch_space_points(&space, &points, &n, err);
    if (st != VG_OK) {
        patch_space_free(&space);
        return st;
    }
    if (n > 1)
        qsort(points, n, sizeof *points, by_response);

    const float longer = (float)(w > h ? w : h);
    patch_point kept[VG_PATCH_MAX];
    for (size_t i = 0; i < n && out->count < max_patches; i++) {
        if (duplicates(kept, out->count, &points[i]))
            continue;
        vg_patch *p = &out->items[out->count];
        if (!patch_describe(&space, &points[i], &p->hash, p->weak))
            continue;
        p->x = fixed_position(points[i].x, longer);
        p->y = fixed_position(points[i].y, longer);
        p->scale = fixed_scale(points[i].sigma, longer);
        kept[out->count++] = points[i];
    }
    free(points);
    patch_space_free(&space);
    return VG_OK;
}

size_t vg_patchset_encode(const vg_patchset *set, uint8_t out[VG_PATCHSET_MAX_BYTES])
{
    if (!set || set->count == 0 || set->count > VG_PATCH_MAX)
        return 0;
    out[0] = VG_PATCHSET_VERSION;
    out[1] = (uint8_t)set->count;
    uint8_t *r = out + 2;
    for (uint32_t i = 0; i < set->count; i++, r += VG_PATCHSET_RECORD_BYTES) {
        const vg_patch *p = &set->items[i];
        uint32_t geometry = patch_geometry(p);
        for (int b = 0; b < 8; b++)
            r[b] = (uint8_t)(p->hash >> (8 * b));
        for (int b = 0; b < 4; b++)
            r[8 + b] = (uint8_t)(geometry >> (8 * b));
    }
    return 2 + (size_t)set->count * VG_PATCHSET_RECORD_BYTES;
}

vg_status vg_patchset_decode(const uint8_t *data, size_t len, vg_patchset *out, vg_error *err)
{
    if (!out || (!data && len))
        return vg_error_set(err, VG_ERR_INVALID, "vg_patchset_decode: NULL argument");
    out->count = 0;
    if (len < 2)
        return vg_error_set(err, VG_ERR_CORRUPT, "a patchset is at least 2 bytes, not %zu", len);
    if (data[0] != VG_PATCHSET_VERSION)
        return vg_error_set(err, VG_ERR_CORRUPT, "patchset version %u is not supported (%d is)",
                            data[0], VG_PATCHSET_VERSION);
    uint32_t n = data[1];
    if (n < 1 || n > VG_PATCH_MAX)
        return vg_error_set(err, VG_ERR_CORRUPT, "a patchset holds 1 to %d patches, not %u",
                            VG_PATCH_MAX, n);
    if (len != 2 + (size_t)n * VG_PATCHSET_RECORD_BYTES)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "a patchset of %u patches is %zu bytes, not %zu", n,
                            2 + (size_t)n * VG_PATCHSET_RECORD_BYTES, len);
    const uint8_t *r = data + 2;
    for (uint32_t i = 0; i < n; i++, r += VG_PATCHSET_RECORD_BYTES) {
        vg_patch *p = &out->items[i];
        p->hash = 0;
        for (int b = 0; b < 8; b++)
            p->hash |= (uint64_t)r[b] << (8 * b);
        uint32_t geometry = (uint32_t)r[8] | (uint32_t)r[9] << 8 | (uint32_t)r[10] << 16 |
                            (uint32_t)r[11] << 24;
        p->x = (uint16_t)(geometry & 0xfff);
        p->y = (uint16_t)((geometry >> 12) & 0xfff);
        p->scale = (uint8_t)(geometry >> 24);
        memset(p->weak, 0xff, sizeof p->weak);
    }
    out->count = n;
    return VG_OK;
}
