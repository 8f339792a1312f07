/*
 * pdq_hash.c - from the 64x64 downsampled luma to PDQ hashes: the quality
 * metric, the 64->16 DCT, the median threshold, the dihedral variants, and
 * the hash helpers of the public API (hex, distance, names).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pdq/pdq_internal.h"
#include "vigie/digest.h"

void pdq_dct_matrix(float matrix[PDQ_DCT][PDQ_GRID])
{
    /* Rows 1..16 of the orthonormal 64-point DCT-II. The reference rounds
     * the scale to float, then multiplies it by the double cosine and rounds
     * the product to float; the argument is (pi/2/64)*(i+1)*(2j+1) in double. */
    const double pi = 3.14159265358979323846;
    const float scale = (float)sqrt(2.0 / (double)PDQ_GRID);
    for (int i = 0; i < PDQ_DCT; i++)
        for (int j = 0; j < PDQ_GRID; j++)
            matrix[i][j] = (float)(scale * cos((pi / 2.0 / (double)PDQ_GRID) * (double)(i + 1) *
                                               (double)(2 * j + 1)));
}

/* Sum of quantised vertical and horizontal gradients of the 64x64 image,
 * scaled to 0..100: flat or nearly flat images get a low score. */
int pdq_quality(const float grid[PDQ_GRID][PDQ_GRID])
{
    int gradient_sum = 0;
    for (int i = 0; i + 1 < PDQ_GRID; i++)
        for (int j = 0; j < PDQ_GRID; j++) {
            int d = (int)(((grid[i][j] - grid[i + 1][j]) * 100.0f) / 255.0f);
            gradient_sum += abs(d);
        }
    for (int i = 0; i < PDQ_GRID; i++)
        for (int j = 0; j + 1 < PDQ_GRID; j++) {
            int d = (int)(((grid[i][j] - grid[i][j + 1]) * 100.0f) / 255.0f);
            gradient_sum += abs(d);
        }
    int quality = gradient_sum / 90;
    return quality > 100 ? 100 : quality;
}

/* out = D * grid * D^T, accumulated left to right in float as the
 * reference does (first T = D * grid, then T * D^T). */
void pdq_dct(const float matrix[PDQ_DCT][PDQ_GRID], const float grid[PDQ_GRID][PDQ_GRID],
             float out[PDQ_DCT][PDQ_DCT])
{
    float t[PDQ_DCT][PDQ_GRID];
    for (int i = 0; i < PDQ_DCT; i++)
        for (int j = 0; j < PDQ_GRID; j++) {
            float sum = 0.0f;
            for (int k = 0; k < PDQ_GRID; k++)
                sum += matrix[i][k] * grid[k][j];
            t[i][j] = sum;
        }
    for (int i = 0; i < PDQ_DCT; i++)
        for (int j = 0; j < PDQ_DCT; j++) {
            float sum = 0.0f;
            for (int k = 0; k < PDQ_GRID; k++)
                sum += t[i][k] * matrix[j][k];
            out[i][j] = sum;
        }
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The reference thresholds at Torben's median, which for 256 values is the
 * 128th smallest (the lower median); any exact selection gives the same
 * value, so sort a copy. */
static float lower_median(const float dct[PDQ_DCT][PDQ_DCT])
{
    float sorted[PDQ_DCT * PDQ_DCT];
    memcpy(sorted, dct, sizeof sorted);
    qsort(sorted, PDQ_DCT * PDQ_DCT, sizeof sorted[0], compare_floats);
    return sorted[(PDQ_DCT * PDQ_DCT + 1) / 2 - 1];
}

/*
 * Bit (i, j) of the 16x16 block is set when the coefficient exceeds the
 * median. The reference keeps sixteen 16-bit words, word i holding row i
 * (bit j = column j), and prints them from word 15 down to word 0, each as
 * four hex digits; bytes[] follows that printed order.
 */
static void bits_from_dct(const float dct[PDQ_DCT][PDQ_DCT], vg_pdq_hash *hash)
{
    float median = lower_median(dct);
    memset(hash->bytes, 0, sizeof hash->bytes);
    for (int i = 0; i < PDQ_DCT; i++)
        for (int j = 0; j < PDQ_DCT; j++)
            if (dct[i][j] > median)
                hash->bytes[2 * (PDQ_DCT - 1 - i) + (j < 8)] |= (uint8_t)(1u << (j & 7));
}

/*
 * A rotation or flip of the image permutes and negates DCT coefficients:
 * mirroring along an axis negates the odd-frequency coefficients along that
 * axis, and a transpose swaps the indices. Signs below are per (i, j) of the
 * original block; `transpose` says whether the variant stores at (j, i).
 */
typedef struct dihedral_rule {
    bool transpose;
    bool negate_even_i, negate_even_j, negate_odd_sum;
} dihedral_rule;

static const dihedral_rule dihedral_rules[VG_PDQ_DIHEDRAL_COUNT] = {
    [VG_PDQ_ORIGINAL] = {false, false, false, false},
    [VG_PDQ_ROT90] = {true, false, true, false},
    [VG_PDQ_ROT180] = {false, false, false, true},
    [VG_PDQ_ROT270] = {true, true, false, false},
    [VG_PDQ_FLIPX] = {false, true, false, false},
    [VG_PDQ_FLIPY] = {false, false, true, false},
    [VG_PDQ_FLIP_PLUS1] = {true, false, false, false},
    [VG_PDQ_FLIP_MINUS1] = {true, false, false, true},
};

static void apply_dihedral(const dihedral_rule *rule, const float a[PDQ_DCT][PDQ_DCT],
                           float b[PDQ_DCT][PDQ_DCT])
{
    for (int i = 0; i < PDQ_DCT; i++)
        for (int j = 0; j < PDQ_DCT; j++) {
            bool negate = (rule->negate_even_i && !(i & 1)) ||
                          (rule->negate_even_j && !(j & 1)) ||
                          (rule->negate_odd_sum && ((i + j) & 1));
            float v = negate ? -a[i][j] : a[i][j];
            if (rule->transpose)
                b[j][i] = v;
            else
                b[i][j] = v;
        }
}

void pdq_hashes_from_dct(const float dct[PDQ_DCT][PDQ_DCT], bool dihedral,
                         vg_pdq_result *result)
{
    memset(result->hashes, 0, sizeof result->hashes);
    bits_from_dct(dct, &result->hashes[VG_PDQ_ORIGINAL]);
    result->has_dihedral = dihedral;
    if (!dihedral)
        return;
    float variant[PDQ_DCT][PDQ_DCT];
    for (int which = VG_PDQ_ROT90; which < VG_PDQ_DIHEDRAL_COUNT; which++) {
        apply_dihedral(&dihedral_rules[which], dct, variant);
        bits_from_dct((const float(*)[PDQ_DCT])variant, &result->hashes[which]);
    }
}

/* --- public hash helpers ---------------------------------------------- */

const char *vg_pdq_dihedral_name(vg_pdq_dihedral which)
{
    static const char *const names[VG_PDQ_DIHEDRAL_COUNT] = {
        "pdq",       "pdq_rot90", "pdq_rot180",     "pdq_rot270",
        "pdq_flipx", "pdq_flipy", "pdq_flip_plus1", "pdq_flip_minus1",
    };
    if ((unsigned)which >= VG_PDQ_DIHEDRAL_COUNT)
        return "unknown";
    return names[which];
}

int vg_pdq_distance(const vg_pdq_hash *a, const vg_pdq_hash *b)
{
    /* A word at a time: intake compares each new picture with every stored
     * one, so this is on a hot path. */
    int distance = 0;
    for (size_t i = 0; i < VG_PDQ_BYTES; i += 8) {
        uint64_t x, y;
        memcpy(&x, a->bytes + i, 8);
        memcpy(&y, b->bytes + i, 8);
        distance += __builtin_popcountll(x ^ y);
    }
    return distance;
}

void vg_pdq_to_hex(const vg_pdq_hash *hash, char out[VG_PDQ_HEX_CHARS + 1])
{
    vg_hex_encode(hash->bytes, VG_PDQ_BYTES, out);
}

vg_status vg_pdq_from_hex(const char *hex, vg_pdq_hash *out)
{
    vg_pdq_hash parsed;
    if (!out || vg_hex_decode(hex, parsed.bytes, VG_PDQ_BYTES) != VG_OK)
        return VG_ERR_INVALID;
    *out = parsed;
    return VG_OK;
}
