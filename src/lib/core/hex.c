/* Lowercase hex, the only spelling vigie writes. */
#include "vigie/digest.h"

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
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

vg_status vg_hex_decode(const char *hex, uint8_t *bytes, size_t len)
{
    if (!hex)
        return VG_ERR_INVALID;
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
