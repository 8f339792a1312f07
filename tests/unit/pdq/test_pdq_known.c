/*
 * test_pdq_known - PDQ checked without ../shared: known answers computed by
 * the reference hasher (ThreatExchange's pdq-photo-hasher, see
 * known/README.md) from pictures that tools/samples/pattern.h makes from
 * integers alone, so the same bytes are made here at test time. For each
 * row of known/vectors.csv (width, height, seed, quality, eight hashes) the
 * library and the independent model (pdq_model.h) must both give exactly
 * the reference's quality and hashes.
 */
#include "pattern.h"
#include "pdq_model.h"
#include "pdq_test_util.h"

static int compare(const char *who, const vg_pdq_result *got, int quality, char *const *hex,
                   const char *shape)
{
    int wrong = 0;
    if (got->quality != quality) {
        CHECK_MSG(0, "%s %s: quality %d, reference %d", who, shape, got->quality, quality);
        wrong++;
    }
    for (int d = 0; d < VG_PDQ_DIHEDRAL_COUNT; d++) {
        char text[VG_PDQ_HEX_CHARS + 1];
        vg_pdq_to_hex(&got->hashes[d], text);
        if (strcmp(text, hex[d]) != 0) {
            CHECK_MSG(0, "%s %s %s: %s, reference %s", who, shape,
                      vg_pdq_dihedral_name((vg_pdq_dihedral)d), text, hex[d]);
            wrong++;
        }
    }
    CHECK(wrong == 0);
    return wrong;
}

static void test_reference_answers(void)
{
    FILE *f = fopen(VG_PDQ_KNOWN "/vectors.csv", "r");
    CHECK_MSG(f != NULL, "cannot open %s", VG_PDQ_KNOWN "/vectors.csv");
    if (!f)
        return;
    char line[1024];
    int rows = 0, failed = 0;
    if (!fgets(line, sizeof line, f)) /* header */
        line[0] = '\0';
    CHECK(strncmp(line, "width,height,seed,quality,pdq,", 30) == 0);
    while (fgets(line, sizeof line, f)) {
        char *field[12];
        if (csv_split(line, field, 12) != 12) {
            CHECK_MSG(0, "bad row: %s", line);
            continue;
        }
        uint32_t w = (uint32_t)strtoul(field[0], NULL, 10);
        uint32_t h = (uint32_t)strtoul(field[1], NULL, 10);
        uint32_t seed = (uint32_t)strtoul(field[2], NULL, 10);
        int quality = atoi(field[3]);
        char shape[64];
        snprintf(shape, sizeof shape, "%ux%u seed %u", w, h, seed);
        uint8_t *pixels = vg_pattern_rgb(w, h, seed);
        CHECK(pixels != NULL);
        if (!pixels)
            continue;
        vg_pdq_result got, model;
        vg_error err;
        vg_status st = vg_pdq_from_pixels(pixels, w, h, (size_t)w * 3, VG_PIXEL_RGB8, true,
                                          &got, &err);
        CHECK_MSG(st == VG_OK, "%s: %s", shape, err.message);
        if (st == VG_OK)
            failed += compare("library", &got, quality, field + 4, shape) > 0;
        model_pdq(pixels, w, h, (size_t)w * 3, VG_PIXEL_RGB8, &model);
        failed += compare("model", &model, quality, field + 4, shape) > 0;
        free(pixels);
        rows++;
    }
    fclose(f);
    CHECK(rows >= 15);
    fprintf(stderr, "  %d pictures, %d disagreements with the reference\n", rows, failed);
}

int main(void)
{
    RUN(test_reference_answers);
    return vg_test_exit();
}
