/* Errors and hex: the small conventions every module relies on. */
#include "harness.h"
#include "vigie/vigie.h"

static void test_error_set_and_prefix(void)
{
    vg_error err;
    vg_error_clear(&err);
    CHECK_INT_EQ(err.status, VG_OK);
    CHECK_INT_EQ(vg_error_set(&err, VG_ERR_CORRUPT, "bad marker %d", 7), VG_ERR_CORRUPT);
    CHECK_STR_EQ(err.message, "bad marker 7");
    vg_error_prefix(&err, "%s: ", "a.jpg");
    CHECK_STR_EQ(err.message, "a.jpg: bad marker 7");
    CHECK_STR_EQ(vg_status_name(VG_ERR_TOO_LARGE), "too-large");
    /* NULL errors are allowed everywhere. */
    CHECK_INT_EQ(vg_error_set(NULL, VG_ERR_IO, "x"), VG_ERR_IO);
    vg_error_prefix(NULL, "y");
}

static void test_error_prefix_truncates(void)
{
    vg_error err;
    char longtext[2 * VG_ERROR_MESSAGE_MAX];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    vg_error_set(&err, VG_ERR_IO, "%s", longtext);
    CHECK_INT_EQ(strlen(err.message), VG_ERROR_MESSAGE_MAX - 1);
    vg_error_prefix(&err, "name: ");
    CHECK_INT_EQ(strlen(err.message), VG_ERROR_MESSAGE_MAX - 1);
    CHECK(strncmp(err.message, "name: xxx", 9) == 0);
}

static void test_hex_round_trip(void)
{
    const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    char hex[9];
    vg_hex_encode(bytes, sizeof bytes, hex);
    CHECK_STR_EQ(hex, "000fa5ff");
    uint8_t back[4];
    CHECK_INT_EQ(vg_hex_decode("000FA5ff", back, 4), VG_OK);
    CHECK(memcmp(back, bytes, 4) == 0);
    CHECK_INT_EQ(vg_hex_decode("000fa5f", back, 4), VG_ERR_INVALID);   /* short */
    CHECK_INT_EQ(vg_hex_decode("000fa5ff0", back, 4), VG_ERR_INVALID); /* long */
    CHECK_INT_EQ(vg_hex_decode("000fa5fg", back, 4), VG_ERR_INVALID);  /* not hex */
    CHECK_INT_EQ(vg_hex_decode(NULL, back, 4), VG_ERR_INVALID);
}

/* Every byte value: the digits and only they, with their values (from the
 * alphabet written here), through both the one-digit and the bulk parser. */
static void test_hex_every_byte(void)
{
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        int want = -1;
        for (int d = 0; d < 16; d++)
            if (c == lower[d] || c == upper[d])
                want = d;
        CHECK_MSG(vg_hex_value((char)c) == want, "vg_hex_value(%d) = %d, want %d", c,
                  vg_hex_value((char)c), want);
        char pair[2] = {(char)c, '7'}, swapped[2] = {'7', (char)c};
        uint8_t out;
        CHECK_MSG(vg_hex_parse(pair, 1, &out) == (want >= 0) && (want < 0 || out == want * 16 + 7),
                  "vg_hex_parse of byte %d first", c);
        CHECK_MSG(vg_hex_parse(swapped, 1, &out) == (want >= 0) && (want < 0 || out == 0x70 + want),
                  "vg_hex_parse of byte %d second", c);
    }
    uint8_t out[3];
    CHECK(vg_hex_parse("00ff7f", 3, out) && out[0] == 0 && out[1] == 0xff && out[2] == 0x7f);
    CHECK(!vg_hex_parse("00ff7g", 3, out));
}

int main(void)
{
    RUN(test_error_set_and_prefix);
    RUN(test_error_prefix_truncates);
    RUN(test_hex_round_trip);
    RUN(test_hex_every_byte);
    return vg_test_exit();
}
