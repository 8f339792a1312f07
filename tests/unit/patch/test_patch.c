/*
 * test_patch - patch sets (vigie/patch.h): the encoded form, the mirror
 * rule of the DCT, crops and other edits of real photos matched with the
 * transform their geometry implies, different photos not matched, and the
 * index against comparing with every picture.
 */
#include <math.h>

#include "robust_test_util.h"

static void test_encode_decode(void)
{
    vg_patchset set = {.count = 3};
    for (uint32_t i = 0; i < set.count; i++)
        set.items[i] = (vg_patch){.hash = 0x0123456789abcdefull * (i + 1),
                                  .x = (uint16_t)(100 * i + 1), .y = (uint16_t)(4095 - i),
                                  .scale = (uint8_t)(150 + i)};
    uint8_t buf[VG_PATCHSET_MAX_BYTES];
    size_t len = vg_patchset_encode(&set, buf);
    CHECK_INT_EQ(len, 2 + 3 * 12);
    CHECK_INT_EQ(buf[0], 1);
    CHECK_INT_EQ(buf[1], 3);
    /* The first record as docs/patchset.md lays it out. */
    static const uint8_t first[12] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
                                      0x01, 0xf0, 0xff, 0x96};
    CHECK(memcmp(buf + 2, first, 12) == 0);
    vg_patchset back;
    vg_error err;
    CHECK(vg_patchset_decode(buf, len, &back, &err) == VG_OK);
    CHECK_INT_EQ(back.count, 3);
    for (uint32_t i = 0; i < 3; i++) {
        CHECK(back.items[i].hash == set.items[i].hash);
        CHECK_INT_EQ(back.items[i].x, set.items[i].x);
        CHECK_INT_EQ(back.items[i].y, set.items[i].y);
        CHECK_INT_EQ(back.items[i].scale, set.items[i].scale);
    }
    CHECK(vg_patchset_decode(buf, len - 1, &back, &err) == VG_ERR_CORRUPT);
    CHECK(vg_patchset_decode(buf, 1, &back, &err) == VG_ERR_CORRUPT);
    buf[0] = 2;
    CHECK(vg_patchset_decode(buf, len, &back, &err) == VG_ERR_CORRUPT);
    buf[0] = 1;
    buf[1] = 0;
    CHECK(vg_patchset_decode(buf, 2, &back, &err) == VG_ERR_CORRUPT);
    buf[1] = 65;
    CHECK(vg_patchset_decode(buf, 2 + 65 * 12, &back, &err) == VG_ERR_CORRUPT);
    vg_patchset empty = {.count = 0};
    CHECK_INT_EQ(vg_patchset_encode(&empty, buf), 0);
}

/* A horizontal flip negates the DCT coefficients of odd horizontal
 * frequency: 4 of the 8 columns of the 8x8 block, 32 of the 63 AC bits. */
static void test_mirror_rule(void)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    CHECK(vg_patch_mirror_hash(vg_patch_mirror_hash(h)) == h);
    CHECK_INT_EQ(__builtin_popcountll(vg_patch_mirror_hash(0)), 32);
    CHECK((vg_patch_mirror_hash(0) >> 63) == 0); /* the polarity bit stays */
    CHECK((vg_patch_mirror_hash(0) & 1) == 1);   /* zigzag 1 is (u=1, v=0) */
    CHECK((vg_patch_mirror_hash(0) >> 1 & 1) == 0); /* zigzag 2 is (u=0, v=1) */
}

static rgb_image bridge, pen;

static int compare(const rgb_image *query, const rgb_image *bank, vg_patch_verdict *v)
{
    robust_signals q, b;
    CHECK(robust_of(query, &q) == VG_OK);
    CHECK(robust_of(bank, &b) == VG_OK);
    vg_patchset bank_set = bank_patches(&b);
    return vg_patchset_compare(&q.patches, &bank_set, v);
}

/* Query = scale * bank + t, both in units of the longer side of each
 * picture's box inside its bars (found on its sketch). A picture point X
 * (pixels) is at (X * s - b0) / L in a picture whose sketch is s times its
 * size, whose box starts at b0 and has longer side L (sketch pixels); the
 * crop moves X by -x0. So scale = Lb * sq / (sb * Lq) and
 * t = ((b0 / sb - x0) * sq - q0) / Lq, for x and y alike. */
static void check_crop(const rgb_image *photo, const char *name, uint32_t x0, uint32_t y0,
                       uint32_t w, uint32_t h)
{
    rgb_image crop = rgb_crop(photo, x0, y0, w, h);
    robust_signals q, b;
    CHECK(robust_of(&crop, &q) == VG_OK);
    CHECK(robust_of(photo, &b) == VG_OK);
    vg_patchset bank_set = bank_patches(&b);
    vg_patch_verdict v;
    int inliers = vg_patchset_compare(&q.patches, &bank_set, &v);
    double sb = (double)b.sketch_w / b.picture_w, sq = (double)q.sketch_w / q.picture_w;
    double lb = b.box.x1 - b.box.x0 > b.box.y1 - b.box.y0 ? b.box.x1 - b.box.x0 : b.box.y1 - b.box.y0;
    double lq = q.box.x1 - q.box.x0 > q.box.y1 - q.box.y0 ? q.box.x1 - q.box.x0 : q.box.y1 - q.box.y0;
    double want_scale = log2(lb * sq / (sb * lq));
    double want_tx = ((b.box.x0 / sb - x0) * sq - q.box.x0) / lq;
    double want_ty = ((b.box.y0 / sb - y0) * sq - q.box.y0) / lq;
    CHECK_MSG(inliers >= VG_PATCH_MIN_INLIERS, "%s: %d inliers", name, inliers);
    CHECK_MSG(!v.mirrored, "%s: matched as a mirror image", name);
    CHECK_MSG(fabs(v.log2_scale - want_scale) < 0.05, "%s: log2 scale %.3f, want %.3f", name,
              v.log2_scale, want_scale);
    CHECK_MSG(fabs(v.tx - want_tx) < 0.02 && fabs(v.ty - want_ty) < 0.02,
              "%s: translation (%.3f, %.3f), want (%.3f, %.3f)", name, v.tx, v.ty, want_tx,
              want_ty);
    fprintf(stderr, "note: %s: %d inliers\n", name, inliers);
    free(crop.px);
}

static void test_crops_of_photos(void)
{
    if (!bridge.px || !pen.px) {
        fprintf(stderr, "skipped: shared images absent\n");
        return;
    }
    uint32_t w = bridge.w, h = bridge.h;
    check_crop(&bridge, "bridge centre 15%", w * 15 / 200, h * 15 / 200, w * 85 / 100,
               h * 85 / 100);
    check_crop(&bridge, "bridge left 10%", w / 10, 0, w - w / 10, h);
    check_crop(&bridge, "bridge bottom 10%", 0, 0, w, h - h / 10);
    check_crop(&bridge, "bridge corner 10%", w / 10, h / 10, w - w / 10, h - h / 10);
    w = pen.w, h = pen.h;
    check_crop(&pen, "pen right 10%", 0, 0, w - w / 10, h);
    check_crop(&pen, "pen corner 10%", 0, h / 10, w - w / 10, h - h / 10);
}

static void test_other_edits(void)
{
    if (!bridge.px) {
        fprintf(stderr, "skipped: shared images absent\n");
        return;
    }
    vg_patch_verdict v;
    rgb_image mirrored = rgb_mirror(&bridge);
    CHECK(compare(&mirrored, &bridge, &v) >= VG_PATCH_MIN_INLIERS);
    CHECK(v.mirrored);
    CHECK(fabs(v.log2_scale) < 0.05);
    rgb_image small = rgb_shrink(&bridge, bridge.w / 3, bridge.h / 3);
    CHECK(compare(&small, &bridge, &v) >= VG_PATCH_MIN_INLIERS);
    CHECK(!v.mirrored && fabs(v.log2_scale) < 0.05 && fabs(v.tx) < 0.02 && fabs(v.ty) < 0.02);
    /* Bars are trimmed before the patches are found: same frame. */
    static const uint8_t black[3] = {0, 0, 0};
    rgb_image barred = rgb_bars(&bridge, 150, 150, 0, 0, black, 0);
    CHECK(compare(&barred, &bridge, &v) >= VG_PATCH_MIN_INLIERS);
    CHECK(fabs(v.log2_scale) < 0.05 && fabs(v.tx) < 0.02 && fabs(v.ty) < 0.02);
    /* A screenshot-like frame with a busy strip (a toolbar) that is not
     * trimmed: the picture is then a part of the query, whose longer side
     * grows from 1600 to 2000 pixels: scale 1600 / 2000. */
    rgb_image framed = rgb_bars(&bridge, 0, 0, 400, 0, black, 0);
    for (uint32_t y = 0; y < framed.h; y++)
        for (uint32_t x = 40; x < 80; x++)
            memset(framed.px + ((size_t)y * framed.w + x) * 3, (x / 7 + y / 5) % 2 ? 255 : 0, 3);
    CHECK(compare(&framed, &bridge, &v) >= VG_PATCH_MIN_INLIERS);
    CHECK_MSG(fabs(v.log2_scale - log2(1600.0 / 2000.0)) < 0.05, "log2 scale %.3f",
              v.log2_scale);
    free(mirrored.px), free(small.px), free(barred.px), free(framed.px);
}

/* Different photos of the shared set do not match each other. */
static void test_different_photos(void)
{
    static const char *names[] = {"bridge-1-original.jpg", "pen-and-coaster.png", "q0122.jpg",
                                  "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"};
    enum { N = sizeof names / sizeof *names };
    robust_signals s[N];
    for (int i = 0; i < N; i++) {
        rgb_image im = rgb_load_shared(names[i]);
        if (!im.px) {
            fprintf(stderr, "skipped: shared images absent\n");
            return;
        }
        CHECK(robust_of(&im, &s[i]) == VG_OK);
        free(im.px);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            vg_patchset bank = bank_patches(&s[j]);
            int inliers = vg_patchset_compare(&s[i].patches, &bank, NULL);
            if (i == j)
                CHECK_MSG(s[i].patches.count < VG_PATCH_MIN_INLIERS ||
                              inliers >= VG_PATCH_MIN_INLIERS,
                          "%s does not match itself", names[i]);
            else
                CHECK_MSG(inliers < VG_PATCH_MIN_INLIERS, "%s matches %s with %d inliers",
                          names[i], names[j], inliers);
        }
}

/* A set of random patches: random hashes, places and scales. */
static vg_patchset random_set(uint64_t *state, uint32_t count)
{
    vg_patchset set = {.count = count};
    for (uint32_t i = 0; i < count; i++) {
        *state = *state * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = *state;
        *state = *state * 6364136223846793005ull + 1442695040888963407ull;
        set.items[i] = (vg_patch){.hash = r ^ (*state >> 17), .x = (uint16_t)(*state >> 20 & 4095),
                                  .y = (uint16_t)(*state >> 40 & 4095),
                                  .scale = (uint8_t)(120 + (r >> 58))};
        memset(set.items[i].weak, 0xff, sizeof set.items[i].weak);
    }
    return set;
}

/* The index finds what comparing with every picture finds, never more:
 * every hit is a match by vg_patchset_compare with at least the index's
 * score; and the edits of the photos find their photo. */
static void test_index_against_every_picture(void)
{
    enum { RANDOM = 3000 };
    static vg_patchset bank[RANDOM + 2];
    uint64_t state = 7;
    for (int i = 0; i < RANDOM; i++)
        bank[i] = random_set(&state, VG_PATCH_BANK_COUNT);
    int pictures = RANDOM;
    rgb_image queries[4];
    int want[4], nq = 0;
    if (bridge.px && pen.px) {
        robust_signals s;
        CHECK(robust_of(&bridge, &s) == VG_OK);
        bank[pictures] = bank_patches(&s);
        CHECK(robust_of(&pen, &s) == VG_OK);
        bank[pictures + 1] = bank_patches(&s);
        uint32_t w = bridge.w, h = bridge.h;
        want[nq] = pictures, queries[nq++] = rgb_crop(&bridge, w / 10, 0, w - w / 10, h);
        want[nq] = pictures, queries[nq++] = rgb_mirror(&bridge);
        want[nq] = pictures + 1, queries[nq++] = rgb_crop(&pen, 0, 0, pen.w * 9 / 10, pen.h * 9 / 10);
        want[nq] = pictures + 1, queries[nq++] = rgb_shrink(&pen, pen.w / 2, pen.h / 2);
        pictures += 2;
    }
    vg_patch_index_builder *b;
    vg_error err;
    CHECK(vg_patch_index_builder_new(&b, &err) == VG_OK);
    for (int i = 0; i < pictures; i++)
        CHECK(vg_patch_index_builder_add(b, (uint32_t)i, &bank[i], &err) == VG_OK);
    vg_patch_index ix;
    CHECK(vg_patch_index_builder_finish(b, &ix, &err) == VG_OK);
    CHECK(vg_patch_index_check(&ix, &err) == VG_OK);
    CHECK_INT_EQ(ix.count, (uint64_t)pictures * VG_PATCH_BANK_COUNT);
    vg_patch_search search = {0};

    /* Queries: random sets sharing 6 patches with bank picture k, moved by
     * one transform, with a few bits flipped (what an edit does). */
    for (int k = 0; k < 40; k++) {
        vg_patchset q = random_set(&state, VG_PATCH_QUERY_COUNT);
        const vg_patchset *src = &bank[k * 37];
        for (int i = 0; i < 6; i++) {
            vg_patch p = src->items[i * 3];
            p.hash ^= 1ull << (30 + i); /* outside the key bits */
            p.x = (uint16_t)(p.x * 3 / 4 + 300);
            p.y = (uint16_t)(p.y * 3 / 4 + 100);
            p.scale = (uint8_t)(p.scale - 7); /* log2(3/4) * 16 */
            q.items[10 + i] = p;
        }
        CHECK(vg_patch_index_search(&ix, &q, VG_PATCH_MIN_INLIERS, &search, &err) == VG_OK);
        bool found = false;
        for (size_t h = 0; h < search.count; h++) {
            int brute = vg_patchset_compare(&q, &bank[search.hits[h].picture], NULL);
            CHECK_MSG(brute >= search.hits[h].verdict.inliers,
                      "index score %d above the full comparison's %d",
                      search.hits[h].verdict.inliers, brute);
            found |= search.hits[h].picture == (uint32_t)(k * 37);
        }
        CHECK_MSG(found, "planted picture %d not found", k * 37);
    }
    for (int i = 0; i < nq; i++) {
        robust_signals s;
        CHECK(robust_of(&queries[i], &s) == VG_OK);
        CHECK(vg_patch_index_search(&ix, &s.patches, VG_PATCH_MIN_INLIERS, &search, &err) == VG_OK);
        CHECK_MSG(search.count >= 1 && search.hits[0].picture == (uint32_t)want[i],
                  "edit %d: %zu hits, first %u", i, search.count,
                  search.count ? search.hits[0].picture : 0);
        free(queries[i].px);
    }

    /* A damaged directory is refused by the check and never read outside
     * the entries by a search. */
    uint32_t *dir = malloc(((1u << ix.key_bits) + 1) * sizeof *dir);
    memcpy(dir, ix.directory, ((1u << ix.key_bits) + 1) * sizeof *dir);
    dir[5] = dir[6] + 1;
    dir[1u << ix.key_bits] = UINT32_MAX;
    vg_patch_index bad = ix;
    bad.directory = dir;
    CHECK(vg_patch_index_check(&bad, &err) == VG_ERR_CORRUPT);
    vg_patchset q = random_set(&state, VG_PATCH_QUERY_COUNT);
    CHECK(vg_patch_index_search(&bad, &q, VG_PATCH_MIN_INLIERS, &search, &err) == VG_OK);
    free(dir);
    vg_patch_search_free(&search);
    vg_patch_index_builder_free(b);
}

int main(void)
{
    bridge = rgb_load_shared("bridge-1-original.jpg");
    pen = rgb_load_shared("pen-and-coaster.png");
    RUN(test_encode_decode);
    RUN(test_mirror_rule);
    RUN(test_crops_of_photos);
    RUN(test_other_edits);
    RUN(test_different_photos);
    RUN(test_index_against_every_picture);
    free(bridge.px);
    free(pen.px);
    return vg_test_exit();
}
