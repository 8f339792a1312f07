/* Hex: lowercase is the only spelling vigie writes; either case is read. */
#include "vigie/digest.h"

/* Each hex digit's value plus one; 0 for every other byte. */
static const uint8_t digit_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16};

void vg_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

int vg_hex_value(char c)
{
    return (int)digit_plus_one[(unsigned char)c] - 1;
}

vg_status vg_hex_decode(const char *hex, uint8_t *bytes, size_t len)
{
    if (!hex)
        return VG_ERR_INVALID;
    /* One digit at a time: a short string ends in a NUL, which is not a
     * digit, so nothing past it is read. */
    for (size_t i = 0; i < len; i++) {
        int hi = vg_hex_value(hex[2 * i]);
        if (hi < 0)
            return VG_ERR_INVALID;
        int lo = vg_hex_value(hex[2 * i + 1]);
        if (lo < 0)
            return VG_ERR_INVALID;
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return hex[2 * len] == '\0' ? VG_OK : VG_ERR_INVALID;
}

bool vg_hex_parse(const char *hex, size_t len, uint8_t *bytes)
{
    /* No branch per digit: a non-digit gives value UINT_MAX, which leaves
     * bits above the low four set in `bad`. */
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned hi = digit_plus_one[(unsigned char)hex[2 * i]] - 1u;
        unsigned lo = digit_plus_one[(unsigned char)hex[2 * i + 1]] - 1u;
        bad |= hi | lo;
        bytes[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    return bad < 16;
}
