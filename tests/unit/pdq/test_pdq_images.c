/*
 * test_pdq_images - canonical PDQ of real encoded files, through the
 * decoders: shared/testdata/pdq/reference.csv, the colour-mode copies of one
 * photo, and the dihedral hashes against rotated and flipped files.
 */
#include "pdq_test_util.h"

static char images_dir[4096];
static char csv_path[4096];

static vg_status load_and_hash(const char *name, bool dihedral, vg_pdq_result *out)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", images_dir, name);
    vg_image img;
    vg_error err;
    vg_status st = vg_image_load_file(path, NULL, &img, &err);
    if (st != VG_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return st;
    }
    st = vg_pdq_from_pixels(img.pixels, img.info.width, img.info.height, img.stride,
                            img.info.layout, dihedral, out, &err);
    if (st != VG_OK)
        fprintf(stderr, "%s: %s\n", name, err.message);
    vg_image_free(&img);
    return st;
}

/* Distance <= 6 for every reference row of quality >= 80, and exactly 0 for
 * at least 90 % of them. Rows the reference could not hash are skipped. */
static void test_reference_csv(void)
{
    FILE *f = fopen(csv_path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", csv_path);
    if (!f)
        return;
    char line[1024];
    int rows = 0, exact = 0;
    CHECK(fgets(line, sizeof line, f) != NULL);
    while (fgets(line, sizeof line, f)) {
        char *fl[6];
        if (csv_split(line, fl, 6) < 3 || fl[1][0] == '\0' || atoi(fl[1]) < 80)
            continue;
        vg_pdq_hash want;
        CHECK_MSG(vg_pdq_from_hex(fl[2], &want) == VG_OK, "bad hash for %s", fl[0]);
        vg_pdq_result r;
        if (load_and_hash(fl[0], false, &r) != VG_OK) {
            CHECK_MSG(0, "%s did not hash", fl[0]);
            continue;
        }
        rows++;
        int d = vg_pdq_distance(&r.hashes[0], &want);
        CHECK_MSG(d <= 6, "%s: distance %d to the reference", fl[0], d);
        CHECK_MSG(r.quality >= 80, "%s: quality %d", fl[0], r.quality);
        if (d == 0)
            exact++;
        else
            fprintf(stderr, "note: %s is %d bits from the reference\n", fl[0], d);
    }
    fclose(f);
    CHECK_MSG(rows >= 20, "only %d rows of quality >= 80", rows);
    CHECK_MSG(exact * 10 >= rows * 9, "%d of %d exact, below 90 %%", exact, rows);
    fprintf(stderr, "reference.csv: %d of %d hashes exact\n", exact, rows);
}

static void test_colour_modes(void)
{
    static const char *modes[] = {"mode-1.png",  "mode-CMYK.jpg", "mode-L.png",     "mode-LA.png",
                                  "mode-P.png",  "mode-RGB.jpg",  "mode-YCbCr.jpg"};
    vg_pdq_result rgb;
    CHECK_INT_EQ(load_and_hash("mode-RGB.jpg", false, &rgb), VG_OK);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        vg_pdq_result r;
        vg_status st = load_and_hash(modes[i], false, &r);
        CHECK_MSG(st == VG_OK, "%s: status %d", modes[i], (int)st);
        if (st != VG_OK)
            continue;
        int d = vg_pdq_distance(&r.hashes[0], &rgb.hashes[0]);
        CHECK_MSG(d <= 10, "%s is %d bits from mode-RGB.jpg", modes[i], d);
    }
}

static void test_dihedral_files(void)
{
    static const struct {
        const char *file;
        vg_pdq_dihedral variant;
    } cases[] = {
        {"bridge-2-rotate-90.jpg", VG_PDQ_ROT90},
        {"bridge-3-rotate-180.jpg", VG_PDQ_ROT180},
        {"bridge-4-rotate-270.jpg", VG_PDQ_ROT270},
        {"bridge-5-flipx.jpg", VG_PDQ_FLIPX},
        {"bridge-6-flipy.jpg", VG_PDQ_FLIPY},
        {"bridge-7-flip-plus-1.jpg", VG_PDQ_FLIP_PLUS1},
        {"bridge-8-flip-minus-1.jpg", VG_PDQ_FLIP_MINUS1},
    };
    vg_pdq_result orig;
    CHECK_INT_EQ(load_and_hash("bridge-1-original.jpg", true, &orig), VG_OK);
    CHECK(orig.has_dihedral);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_pdq_result r;
        if (load_and_hash(cases[i].file, false, &r) != VG_OK) {
            CHECK_MSG(0, "%s did not hash", cases[i].file);
            continue;
        }
        int d = vg_pdq_distance(&r.hashes[0], &orig.hashes[cases[i].variant]);
        CHECK_MSG(d <= VG_PDQ_MATCH_THRESHOLD, "%s is %d bits from %s of the original",
                  cases[i].file, d, vg_pdq_dihedral_name(cases[i].variant));
    }
}

/* Streaming from the encoded bytes equals decoding first. */
static void test_from_encoded(void)
{
    static const char *files[] = {"bridge-1-original.jpg", "mode-P.png", "wee.jpg", "small.jpg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", images_dir, files[i]);
        size_t len = 0;
        uint8_t *data = vg_test_read_file(path, &len);
        CHECK_MSG(data != NULL, "cannot read %s", path);
        if (!data)
            continue;
        vg_pdq_result streamed, loaded;
        vg_error err;
        CHECK_INT_EQ(vg_pdq_from_encoded(data, len, NULL, true, &streamed, &err), VG_OK);
        CHECK_INT_EQ(load_and_hash(files[i], true, &loaded), VG_OK);
        CHECK_MSG(streamed.quality == loaded.quality &&
                      memcmp(streamed.hashes, loaded.hashes, sizeof loaded.hashes) == 0,
                  "%s: streamed and loaded hashes differ", files[i]);
        /* A truncated file is an error, never a hash. */
        vg_status st = vg_pdq_from_encoded(data, len / 2, NULL, false, &streamed, &err);
        CHECK_MSG(st != VG_OK, "%s truncated to half still hashed", files[i]);
        free(data);
    }
    vg_pdq_result r;
    const uint8_t junk[] = "definitely not an image";
    CHECK(vg_pdq_from_encoded(junk, sizeof junk, NULL, false, &r, NULL) != VG_OK);
}

int main(void)
{
    const char *shared = vg_test_shared_dir();
    if (!shared) {
        fprintf(stderr, "VIGIE_SHARED not set or missing: skipped\n");
        return VG_TEST_SKIP;
    }
    snprintf(images_dir, sizeof images_dir, "%s/testdata/pdq/images", shared);
    snprintf(csv_path, sizeof csv_path, "%s/testdata/pdq/reference.csv", shared);
    RUN(test_reference_csv);
    RUN(test_colour_modes);
    RUN(test_dihedral_files);
    RUN(test_from_encoded);
    return vg_test_exit();
}
