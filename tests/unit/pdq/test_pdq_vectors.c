/*
 * test_pdq_vectors - bit-exactness against the reference hasher.
 *
 * The .ppm files of shared/testdata/pdq/vectors hold the exact RGB bytes the reference
 * hashed; vectors.csv has its quality and eight dihedral hashes. Every one
 * must match exactly, through the one-shot API, through a stream fed row by
 * row, and from a GRAY8 copy when the image is grey.
 */
#include "pdq_test_util.h"

static const char *shared;
static char vectors_dir[4096];

static void check_one(char **f)
{
    char path[sizeof vectors_dir + 2048 + 2]; /* a directory and a CSV field */
    snprintf(path, sizeof path, "%s/%s", vectors_dir, f[0]);
    test_image img;
    if (read_ppm(path, &img) != 0) {
        CHECK_MSG(0, "cannot read %s", path);
        return;
    }
    vg_pdq_result r;
    CHECK_INT_EQ(hash_image(&img, true, &r), VG_OK);
    CHECK_MSG(r.quality == atoi(f[1]), "%s: quality %d, expected %s", f[0], r.quality, f[1]);
    CHECK(r.has_dihedral);
    for (int d = 0; d < VG_PDQ_DIHEDRAL_COUNT; d++) {
        char hex[VG_PDQ_HEX_CHARS + 1];
        vg_pdq_to_hex(&r.hashes[d], hex);
        CHECK_MSG(strcmp(hex, f[2 + d]) == 0, "%s %s:\n  got      %s\n  expected %s", f[0],
                  vg_pdq_dihedral_name((vg_pdq_dihedral)d), hex, f[2 + d]);
    }

    /* Without dihedral hashes the original is the same. */
    vg_pdq_result plain;
    CHECK_INT_EQ(hash_image(&img, false, &plain), VG_OK);
    CHECK(!plain.has_dihedral);
    CHECK(plain.quality == r.quality);
    CHECK(hash_equal(&plain.hashes[0], &r.hashes[0]));

    /* Grey images give the same hashes as GRAY8 rows. */
    size_t n = (size_t)img.width * img.height;
    int grey = 1;
    for (size_t i = 0; i < n && grey; i++)
        grey = img.pixels[3 * i] == img.pixels[3 * i + 1] &&
               img.pixels[3 * i] == img.pixels[3 * i + 2];
    if (grey) {
        test_image g = {img.width, img.height, VG_PIXEL_GRAY8, malloc(n)};
        for (size_t i = 0; i < n; i++)
            g.pixels[i] = img.pixels[3 * i];
        vg_pdq_result gr;
        CHECK_INT_EQ(hash_image(&g, true, &gr), VG_OK);
        CHECK(gr.quality == r.quality);
        for (int d = 0; d < VG_PDQ_DIHEDRAL_COUNT; d++)
            CHECK_MSG(hash_equal(&gr.hashes[d], &r.hashes[d]), "%s GRAY8 %s differs", f[0],
                      vg_pdq_dihedral_name((vg_pdq_dihedral)d));
        free(g.pixels);
    }
    free(img.pixels);
}

static void test_vectors(void)
{
    char csv[4400];
    snprintf(csv, sizeof csv, "%s/vectors.csv", vectors_dir);
    FILE *f = fopen(csv, "r");
    CHECK_MSG(f != NULL, "cannot open %s", csv);
    if (!f)
        return;
    char line[2048];
    int rows = 0;
    CHECK(fgets(line, sizeof line, f) != NULL); /* header */
    while (fgets(line, sizeof line, f)) {
        char *fields[12];
        if (csv_split(line, fields, 12) != 10)
            continue;
        rows++;
        check_one(fields);
    }
    fclose(f);
    CHECK_MSG(rows >= 9, "only %d vectors in %s", rows, csv);
}

int main(void)
{
    shared = vg_test_shared_dir();
    if (!shared) {
        fprintf(stderr, "VIGIE_SHARED not set or missing: skipped\n");
        return VG_TEST_SKIP;
    }
    snprintf(vectors_dir, sizeof vectors_dir, "%s/testdata/pdq/vectors", shared);
    RUN(test_vectors);
    return vg_test_exit();
}
