/*
 * patch_compare.c - do two patch sets show the same picture?
 *
 * Close patch pairs are only patch_pairs: natural images repeat textures,
 * so some patches of unrelated pictures hash alike. What unrelated
 * pictures almost never share is geometry: a crop, a resize, a screenshot
 * change the frame by one scale and one translation, the same for every
 * patch. Every two patch_pair pairs fix such a transform (the scale from
 * the distances between their points, the translation from their
 * positions); the transform most patch_pairs agree with, in position and in
 * scale, wins, and the number of distinct patches agreeing is the score.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch_internal.h"

/* Candidates kept per direction (the closest first): bounds the cubic
 * consensus below at a few million steps. */
#define MAX_CANDIDATES 128
/* A transform's scale may not differ from a pair's own scale ratio by more
 * than this (octaves), nor exceed 2^MAX_LOG2_SCALE either way. */
#define SCALE_TOLERANCE 0.75f
#define MAX_LOG2_SCALE 3.0f
/* Two points used to fix a scale must be at least this far apart. */
#define MIN_BASELINE 0.03f
/* Position tolerance: this many sigmas of both points, plus a floor. */
#define POSITION_SIGMAS 0.6f
#define POSITION_FLOOR 0.004f

static float fixed_to_position(uint16_t v)
{
    return (float)v / 4096.0f;
}

static float fixed_to_log2_scale(uint8_t v)
{
    return (float)v / 16.0f - 12.0f;
}

static int by_distance(const void *a, const void *b)
{
    const patch_pair *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance - y->distance;
    if (x->qi != y->qi)
        return x->qi - y->qi;
    return x->bi - y->bi;
}

uint32_t patch_geometry(const vg_patch *p)
{
    return (uint32_t)(p->x & 0xfff) | (uint32_t)(p->y & 0xfff) << 12 | (uint32_t)p->scale << 24;
}

void patch_pair_make(const vg_patch *q, uint32_t qi, uint64_t bank_hash, uint32_t bank_geometry,
                     uint32_t bi, bool mirrored, patch_pair *out)
{
    uint64_t h = mirrored ? vg_patch_mirror_hash(q->hash) : q->hash;
    float qls = fixed_to_log2_scale(q->scale);
    float bls = fixed_to_log2_scale((uint8_t)(bank_geometry >> 24));
    float qx = fixed_to_position(q->x);
    *out = (patch_pair){.qx = mirrored ? -qx : qx,
                        .qy = fixed_to_position(q->y),
                        .qsigma = exp2f(qls),
                        .bx = fixed_to_position((uint16_t)(bank_geometry & 0xfff)),
                        .by = fixed_to_position((uint16_t)((bank_geometry >> 12) & 0xfff)),
                        .bsigma = exp2f(bls),
                        .log2_ratio = qls - bls,
                        .qi = (uint8_t)qi,
                        .bi = (uint8_t)bi,
                        .distance = (uint8_t)__builtin_popcountll(h ^ bank_hash)};
}

static size_t gather(const vg_patchset *q, const vg_patchset *b, bool mirrored,
                     patch_pair *out)
{
    size_t n = 0;
    for (uint32_t i = 0; i < q->count; i++) {
        const vg_patch *qp = &q->items[i];
        uint64_t h = mirrored ? vg_patch_mirror_hash(qp->hash) : qp->hash;
        for (uint32_t j = 0; j < b->count; j++) {
            const vg_patch *bp = &b->items[j];
            if (__builtin_popcountll(h ^ bp->hash) <= VG_PATCH_MAX_DISTANCE)
                patch_pair_make(qp, i, bp->hash, patch_geometry(bp), j, mirrored, &out[n++]);
        }
    }
    return n;
}

/* Distinct patches agreeing with query = s * bank + t. */
static int agreeing(const patch_pair *c, size_t n, float s, float ls, float tx, float ty)
{
    uint64_t used_q = 0, used_b = 0;
    int count = 0;
    for (size_t m = 0; m < n; m++) {
        if (fabsf(c[m].log2_ratio - ls) > SCALE_TOLERANCE)
            continue;
        float ex = c[m].qx - (s * c[m].bx + tx), ey = c[m].qy - (s * c[m].by + ty);
        float tol = POSITION_SIGMAS * (c[m].qsigma + s * c[m].bsigma) + POSITION_FLOOR;
        if (ex * ex + ey * ey > tol * tol)
            continue;
        uint64_t qbit = 1ull << c[m].qi, bbit = 1ull << c[m].bi;
        if ((used_q & qbit) || (used_b & bbit))
            continue;
        used_q |= qbit;
        used_b |= bbit;
        count++;
    }
    return count;
}

void patch_consensus(patch_pair *c, size_t n, bool mirrored, vg_patch_verdict *best)
{
    if (n < 2)
        return;
    qsort(c, n, sizeof *c, by_distance);
    if (n > MAX_CANDIDATES)
        n = MAX_CANDIDATES;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            if (c[a].qi == c[b].qi || c[a].bi == c[b].bi)
                continue;
            float dbx = c[b].bx - c[a].bx, dby = c[b].by - c[a].by;
            float base = sqrtf(dbx * dbx + dby * dby);
            if (base < MIN_BASELINE)
                continue;
            float dqx = c[b].qx - c[a].qx, dqy = c[b].qy - c[a].qy;
            float s = sqrtf(dqx * dqx + dqy * dqy) / base;
            if (s <= 0.0f)
                continue;
            float ls = log2f(s);
            if (fabsf(ls) > MAX_LOG2_SCALE || fabsf(ls - c[a].log2_ratio) > SCALE_TOLERANCE ||
                fabsf(ls - c[b].log2_ratio) > SCALE_TOLERANCE)
                continue;
            float tx = 0.5f * (c[a].qx + c[b].qx - s * (c[a].bx + c[b].bx));
            float ty = 0.5f * (c[a].qy + c[b].qy - s * (c[a].by + c[b].by));
            int k = agreeing(c, n, s, ls, tx, ty);
            if (k > best->inliers) {
                best->inliers = k;
                best->mirrored = mirrored;
                best->log2_scale = ls;
                best->tx = mirrored ? -tx : tx;
                best->ty = ty;
            }
        }
}

int vg_patchset_compare(const vg_patchset *query, const vg_patchset *bank,
                        vg_patch_verdict *verdict)
{
    vg_patch_verdict best = {0};
    if (query && bank && query->count <= VG_PATCH_MAX && bank->count <= VG_PATCH_MAX) {
        patch_pair *c = malloc((size_t)VG_PATCH_MAX * VG_PATCH_MAX * sizeof *c);
        for (int mirrored = 0; c && mirrored < 2; mirrored++) {
            size_t n = gather(query, bank, mirrored, c);
            patch_consensus(c, n, mirrored, &best);
        }
        free(c);
    }
    if (verdict)
        *verdict = best;
    return best.inliers;
}
