/*
 * patch_detect.c - the difference-of-Gaussians scale space and its
 * extrema: the salient points a patch set is anchored to.
 *
 * The construction is the classic one (Lowe, "Distinctive image features
 * from scale-invariant keypoints", 2004): per octave, PATCH_LEVELS + 3
 * images blurred progressively so that image i has blur
 * PATCH_SIGMA0 * 2^(i / PATCH_LEVELS) in the octave's pixels; their
 * differences approximate the scale-normalised Laplacian; the next octave
 * starts from image PATCH_LEVELS (twice the first blur) taken at every
 * other pixel. A point is an extremum of its 26 neighbours in space and
 * scale, refined by fitting a quadratic, kept when its contrast is high
 * enough and it is not on a straight edge.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch_internal.h"

#define MAX_KERNEL_RADIUS 32

/* Separable Gaussian blur of src into dst (w x h), edges clamped. tmp holds
 * w * h floats. */
static void blur(const float *src, float *dst, float *tmp, uint32_t w, uint32_t h, float sigma)
{
    int radius = (int)ceilf(3.0f * sigma);
    if (radius > MAX_KERNEL_RADIUS)
        radius = MAX_KERNEL_RADIUS;
    if (radius < 1)
        radius = 1;
    float kernel[2 * MAX_KERNEL_RADIUS + 1];
    float total = 0.0f;
    for (int i = -radius; i <= radius; i++) {
        kernel[i + radius] = expf(-(float)(i * i) / (2.0f * sigma * sigma));
        total += kernel[i + radius];
    }
    for (int i = 0; i <= 2 * radius; i++)
        kernel[i] /= total;
    const float *k = kernel + radius;

    /* Along rows: the middle of the row without clamping. */
    for (uint32_t y = 0; y < h; y++) {
        const float *row = src + (size_t)y * w;
        float *out = tmp + (size_t)y * w;
        for (uint32_t x = 0; x < w; x++) {
            float s = 0.0f;
            if ((int)x >= radius && (int)x + radius < (int)w) {
                for (int i = -radius; i <= radius; i++)
                    s += k[i] * row[(int)x + i];
            } else {
                for (int i = -radius; i <= radius; i++) {
                    int xx = (int)x + i;
                    xx = xx < 0 ? 0 : xx >= (int)w ? (int)w - 1 : xx;
                    s += k[i] * row[xx];
                }
            }
            out[x] = s;
        }
    }
    /* Along columns, a whole row at a time so the inner loop is contiguous. */
    for (uint32_t y = 0; y < h; y++) {
        float *out = dst + (size_t)y * w;
        memset(out, 0, w * sizeof *out);
        for (int i = -radius; i <= radius; i++) {
            int yy = (int)y + i;
            yy = yy < 0 ? 0 : yy >= (int)h ? (int)h - 1 : yy;
            const float *in = tmp + (size_t)yy * w;
            const float ki = k[i];
            for (uint32_t x = 0; x < w; x++)
                out[x] += ki * in[x];
        }
    }
}

void patch_space_free(patch_space *space)
{
    free(space->memory);
    memset(space, 0, sizeof *space);
}

vg_status patch_space_build(const float *luma, uint32_t w, uint32_t h, patch_space *space,
                            vg_error *err)
{
    memset(space, 0, sizeof *space);
    space->base_w = w;
    space->base_h = h;
    /* Octave sizes first, to allocate once. */
    size_t floats = (size_t)w * h; /* blur scratch */
    uint32_t ow = w, oh = h, n = 0;
    while (n < PATCH_MAX_OCTAVES && ow >= PATCH_MIN_OCTAVE_SIDE && oh >= PATCH_MIN_OCTAVE_SIDE) {
        space->oct[n].w = ow;
        space->oct[n].h = oh;
        floats += (size_t)ow * oh * (2 * PATCH_IMAGES - 1);
        n++;
        ow = (ow + 1) / 2;
        oh = (oh + 1) / 2;
    }
    space->octaves = n;
    if (n == 0)
        return VG_OK;
    space->memory = malloc(floats * sizeof(float));
    if (!space->memory)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory building a scale space");
    float *p = space->memory;
    float *tmp = p;
    p += (size_t)w * h;
    for (uint32_t o = 0; o < n; o++) {
        patch_octave *oc = &space->oct[o];
        size_t size = (size_t)oc->w * oc->h;
        for (int i = 0; i < PATCH_IMAGES; i++, p += size)
            oc->gauss[i] = p;
        for (int i = 0; i < PATCH_IMAGES - 1; i++, p += size)
            oc->dog[i] = p;
    }

    const float k = exp2f(1.0f / PATCH_LEVELS);
    blur(luma, space->oct[0].gauss[0], tmp, w, h,
         sqrtf(PATCH_SIGMA0 * PATCH_SIGMA0 - PATCH_INPUT_BLUR * PATCH_INPUT_BLUR));
    for (uint32_t o = 0; o < n; o++) {
        patch_octave *oc = &space->oct[o];
        if (o > 0) {
            /* Every other pixel of the previous octave's image PATCH_LEVELS. */
            const patch_octave *prev = &space->oct[o - 1];
            const float *src = prev->gauss[PATCH_LEVELS];
            for (uint32_t y = 0; y < oc->h; y++)
                for (uint32_t x = 0; x < oc->w; x++)
                    oc->gauss[0][(size_t)y * oc->w + x] =
                        src[(size_t)(2 * y) * prev->w + 2 * x];
        }
        for (int i = 1; i < PATCH_IMAGES; i++) {
            float before = PATCH_SIGMA0 * powf(k, (float)(i - 1));
            float after = before * k;
            blur(oc->gauss[i - 1], oc->gauss[i], tmp, oc->w, oc->h,
                 sqrtf(after * after - before * before));
        }
        size_t size = (size_t)oc->w * oc->h;
        for (int i = 0; i < PATCH_IMAGES - 1; i++)
            for (size_t j = 0; j < size; j++)
                oc->dog[i][j] = oc->gauss[i + 1][j] - oc->gauss[i][j];
    }
    return VG_OK;
}

static bool is_extremum(const patch_octave *oc, int s, uint32_t x, uint32_t y)
{
    const size_t w = oc->w;
    const float v = oc->dog[s][y * w + x];
    if (fabsf(v) < 0.5f * PATCH_CONTRAST)
        return false;
    for (int ds = -1; ds <= 1; ds++) {
        const float *d = oc->dog[s + ds];
        for (int dy = -1; dy <= 1; dy++) {
            const float *row = d + (y + dy) * w + x;
            for (int dx = -1; dx <= 1; dx++) {
                if (!ds && !dy && !dx)
                    continue;
                float u = row[dx];
                if (v > 0 ? u >= v : u <= v)
                    return false;
            }
        }
    }
    return true;
}

/* Solve the 3x3 system h * x = b by Cramer's rule; false when singular. */
static bool solve3(const float h[3][3], const float b[3], float x[3])
{
    float det = h[0][0] * (h[1][1] * h[2][2] - h[1][2] * h[2][1]) -
                h[0][1] * (h[1][0] * h[2][2] - h[1][2] * h[2][0]) +
                h[0][2] * (h[1][0] * h[2][1] - h[1][1] * h[2][0]);
    if (fabsf(det) < 1e-12f)
        return false;
    for (int c = 0; c < 3; c++) {
        float m[3][3];
        memcpy(m, h, sizeof m);
        for (int r = 0; r < 3; r++)
            m[r][c] = b[r];
        x[c] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
               det;
    }
    return true;
}

/* Refine the extremum at (x, y, s) of octave o; false when it drifts away,
 * has too little contrast or lies on an edge. */
static bool refine(const patch_space *space, uint32_t o, int s, int x, int y, patch_point *out)
{
    const patch_octave *oc = &space->oct[o];
    const int w = (int)oc->w, h = (int)oc->h;
    float offset[3] = {0, 0, 0};
    float value = 0.0f;
    for (int iter = 0; iter < 5; iter++) {
        const float *d0 = oc->dog[s - 1], *d1 = oc->dog[s], *d2 = oc->dog[s + 1];
#define D(img, dx, dy) (img)[(size_t)(y + (dy)) * w + (x + (dx))]
        float v = D(d1, 0, 0);
        float g[3] = {(D(d1, 1, 0) - D(d1, -1, 0)) * 0.5f, (D(d1, 0, 1) - D(d1, 0, -1)) * 0.5f,
                      (D(d2, 0, 0) - D(d0, 0, 0)) * 0.5f};
        float hxx = D(d1, 1, 0) + D(d1, -1, 0) - 2 * v;
        float hyy = D(d1, 0, 1) + D(d1, 0, -1) - 2 * v;
        float hss = D(d2, 0, 0) + D(d0, 0, 0) - 2 * v;
        float hxy = (D(d1, 1, 1) - D(d1, -1, 1) - D(d1, 1, -1) + D(d1, -1, -1)) * 0.25f;
        float hxs = (D(d2, 1, 0) - D(d2, -1, 0) - D(d0, 1, 0) + D(d0, -1, 0)) * 0.25f;
        float hys = (D(d2, 0, 1) - D(d2, 0, -1) - D(d0, 0, 1) + D(d0, 0, -1)) * 0.25f;
#undef D
        float hm[3][3] = {{hxx, hxy, hxs}, {hxy, hyy, hys}, {hxs, hys, hss}};
        float neg[3] = {-g[0], -g[1], -g[2]};
        if (!solve3((const float(*)[3])hm, neg, offset))
            return false;
        value = v + 0.5f * (g[0] * offset[0] + g[1] * offset[1] + g[2] * offset[2]);
        if (fabsf(offset[0]) < 0.5f && fabsf(offset[1]) < 0.5f && fabsf(offset[2]) < 0.5f) {
            float tr = hxx + hyy, det = hxx * hyy - hxy * hxy;
            const float r = PATCH_EDGE_RATIO;
            if (det <= 0 || tr * tr * r >= (r + 1) * (r + 1) * det)
                return false;
            break;
        }
        if (iter == 4)
            return false;
        x += offset[0] > 0.5f ? 1 : offset[0] < -0.5f ? -1 : 0;
        y += offset[1] > 0.5f ? 1 : offset[1] < -0.5f ? -1 : 0;
        s += offset[2] > 0.5f ? 1 : offset[2] < -0.5f ? -1 : 0;
        if (s < 1 || s > PATCH_LEVELS || x < 1 || y < 1 || x >= w - 1 || y >= h - 1)
            return false;
    }
    if (fabsf(value) < PATCH_CONTRAST)
        return false;
    const float unit = (float)(1u << o);
    out->x = ((float)x + offset[0]) * unit;
    out->y = ((float)y + offset[1]) * unit;
    out->sigma = PATCH_SIGMA0 * exp2f(((float)s + offset[2]) / PATCH_LEVELS) * unit;
    out->response = fabsf(value);
    out->bright = value < 0; /* the Laplacian is negative on a bright blob */
    out->octave = o;
    out->level = (uint32_t)s;
    return true;
}

vg_status patch_space_points(const patch_space *space, patch_point **points, size_t *count,
                             vg_error *err)
{
    size_t cap = 256, n = 0;
    patch_point *list = malloc(cap * sizeof *list);
    if (!list)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory finding salient points");
    for (uint32_t o = 0; o < space->octaves; o++) {
        const patch_octave *oc = &space->oct[o];
        for (int s = 1; s <= PATCH_LEVELS; s++)
            for (uint32_t y = 1; y + 1 < oc->h; y++)
                for (uint32_t x = 1; x + 1 < oc->w; x++) {
                    if (!is_extremum(oc, s, x, y))
                        continue;
                    patch_point p;
                    if (!refine(space, o, s, (int)x, (int)y, &p))
                        continue;
                    if (n == cap) {
                        patch_point *grown = realloc(list, 2 * cap * sizeof *list);
                        if (!grown) {
                            free(list);
                            return vg_error_set(err, VG_ERR_NOMEM,
                                                "out of memory finding salient points");
                        }
                        list = grown;
                        cap *= 2;
                    }
                    list[n++] = p;
                }
    }
    *points = list;
    *count = n;
    return VG_OK;
}
