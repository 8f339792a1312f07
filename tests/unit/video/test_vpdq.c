/*
 * vPDQ signals: the hash file line (the reference's format, three
 * decimals), the ThreatExchange signal string, and matching by
 * python-threatexchange's definition (quality filter, unique hashes,
 * distance 31, shares in both directions), on hand-made frame sets whose
 * expected shares are worked out in the comments.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/vigie.h"

static vg_pdq_hash base_hash(unsigned seed)
{
    vg_pdq_hash h;
    uint32_t s = seed * 2654435761u + 1;
    for (int i = 0; i < VG_PDQ_BYTES; i++)
        h.bytes[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16);
    return h;
}

/* h with its first `bits` bits flipped. */
static vg_pdq_hash flipped(vg_pdq_hash h, int bits)
{
    for (int i = 0; i < bits; i++)
        h.bytes[i / 8] ^= (uint8_t)(1u << (i % 8));
    return h;
}

static void add(vg_vpdq *v, vg_pdq_hash h, int quality)
{
    vg_vpdq_frame f = {.hash = h, .number = v->count, .quality = quality,
                       .timestamp = v->count / 30.0};
    CHECK(vg_vpdq_append(v, &f, NULL) == VG_OK);
}

static void test_hash_file_lines(void)
{
    const char *line = "12,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.400";
    vg_vpdq_frame f;
    vg_error err;
    CHECK(vg_vpdq_parse_line(line, strlen(line), &f, &err) == VG_OK);
    CHECK_INT_EQ(f.number, 12);
    CHECK_INT_EQ(f.quality, 87);
    CHECK_INT_EQ(f.hash.bytes[0], 0xe2);
    CHECK_INT_EQ(f.hash.bytes[31], 0x5c);
    char out[VG_VPDQ_LINE_MAX + 1];
    CHECK_INT_EQ(vg_vpdq_format_line(&f, out), strlen(line));
    CHECK_STR_EQ(out, line);
    CHECK(vg_vpdq_is_line(line, strlen(line)));

    /* The reference prints a float timestamp with three decimals. */
    f.timestamp = (float)29 / (float)(30000.0 / 1001.0);
    vg_vpdq_format_line(&f, out);
    CHECK_STR_EQ(strrchr(out, ',') + 1, "0.968");
    f.timestamp = 3725.5;
    vg_vpdq_format_line(&f, out);
    CHECK_STR_EQ(strrchr(out, ',') + 1, "3725.500");

    static const char *const bad[] = {
        "12,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c",
        "12,101,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.4",
        "x,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.4",
        "12,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055,0.4",
        "12,87,g271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.4",
        "12,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,-1",
        "12,87,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.4,5",
        "", "md5,abc,1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(vg_vpdq_parse_line(bad[i], strlen(bad[i]), &f, &err) == VG_ERR_CORRUPT, "%s",
                  bad[i]);
        CHECK(!vg_vpdq_is_line(bad[i], strlen(bad[i])));
    }
}

static void test_hash_files(void)
{
    const char text[] = "\xEF\xBB\xBF"
                        "0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000\r\n"
                        "\n"
                        "1,99,c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c,0.033\n";
    vg_vpdq v = VG_VPDQ_INIT;
    vg_error err;
    CHECK(vg_vpdq_parse_file_buffer(text, sizeof text - 1, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 2);
    CHECK_INT_EQ(v.frames[1].quality, 99);
    const char broken[] = "0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000\n"
                          "1,99,c0f1,0.033\n";
    vg_vpdq_clear(&v);
    CHECK(vg_vpdq_parse_file_buffer(broken, sizeof broken - 1, &v, &err) == VG_ERR_CORRUPT);
    CHECK(strncmp(err.message, "line 2: ", 8) == 0);
    vg_vpdq_free(&v);
}

static void test_signal_strings(void)
{
    /* python-threatexchange writes "{:.3}" timestamps: 3 significant digits. */
    const char text[] =
        " [\"e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100,0.0\",\n"
        "  \"c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c,45,1e+02\"] ";
    vg_vpdq v = VG_VPDQ_INIT;
    vg_error err;
    CHECK(vg_vpdq_parse_signal(text, sizeof text - 1, &v, &err) == VG_OK);
    CHECK_INT_EQ(v.count, 2);
    CHECK_INT_EQ(v.frames[1].number, 1);
    CHECK_INT_EQ(v.frames[1].quality, 45);
    CHECK(v.frames[1].timestamp == 100.0);
    vg_vpdq_clear(&v);
    CHECK(vg_vpdq_parse_signal("[]", 2, &v, &err) == VG_OK && v.count == 0);
    static const char *const bad[] = {
        "", "[", "{}", "[\"e2,100,0\"]", "[\"e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100\"]",
        "[\"e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100,0\" \"x\"]",
        "[\"e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100,0\"] x",
        "[\"e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100,0\\u0030\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(vg_vpdq_parse_signal(bad[i], strlen(bad[i]), &v, &err) == VG_ERR_CORRUPT,
                  "%s", bad[i]);
    vg_vpdq_free(&v);
}

static void test_match_shares(void)
{
    vg_pdq_hash a = base_hash(1), b = base_hash(2), c = base_hash(3), d = base_hash(4),
                e = base_hash(5), x = base_hash(6), y = base_hash(7);
    /* Query: a, b, c, d, e, plus a twice more (one unique frame) and y at
     * quality 49 (ignored). Compared: a within 31, b at 32 (no match), d
     * exactly, x, and a low-quality copy of c (ignored). */
    vg_vpdq query = VG_VPDQ_INIT, compared = VG_VPDQ_INIT;
    add(&query, a, 100), add(&query, b, 100), add(&query, c, 90), add(&query, d, 50);
    add(&query, e, 100), add(&query, a, 100), add(&query, a, 60), add(&query, y, 49);
    add(&compared, flipped(a, 31), 80), add(&compared, flipped(b, 32), 80);
    add(&compared, d, 80), add(&compared, x, 80), add(&compared, c, 10);

    vg_vpdq_set qs, cs;
    vg_error err;
    CHECK(vg_vpdq_set_from(&query, VG_VPDQ_QUALITY_THRESHOLD, &qs, &err) == VG_OK);
    CHECK(vg_vpdq_set_from(&compared, VG_VPDQ_QUALITY_THRESHOLD, &cs, &err) == VG_OK);
    CHECK_INT_EQ(qs.count, 5); /* a b c d e */
    CHECK_INT_EQ(cs.count, 4); /* a' b' d x */
    vg_vpdq_similarity sim;
    vg_vpdq_compare(&qs, &cs, NULL, &sim);
    /* Query: a and d match: 2 of 5 = 40 %; compared: a' and d: 2 of 4 = 50 %. */
    CHECK_INT_EQ(sim.query_matched, 2);
    CHECK_INT_EQ(sim.compared_matched, 2);
    CHECK(sim.query_percent == 40.0);
    CHECK(sim.compared_percent == 50.0);
    CHECK(!sim.match); /* 40 < 80 */

    vg_vpdq_match_options o;
    vg_vpdq_match_options_init(&o);
    o.query_percent = 40;
    o.compared_percent = 50;
    vg_vpdq_compare(&qs, &cs, &o, &sim);
    CHECK(sim.match); /* thresholds are inclusive */
    o.compared_percent = 50.01;
    vg_vpdq_compare(&qs, &cs, &o, &sim);
    CHECK(!sim.match);
    /* A wider distance takes b' in too: 3 of 5 and 3 of 4. */
    vg_vpdq_match_options_init(&o);
    o.distance = 32;
    vg_vpdq_compare(&qs, &cs, &o, &sim);
    CHECK_INT_EQ(sim.query_matched, 3);
    CHECK_INT_EQ(sim.compared_matched, 3);

    /* A video left empty by the quality filter matches nothing, even at 0 %. */
    vg_vpdq dark = VG_VPDQ_INIT;
    add(&dark, a, 10);
    vg_vpdq_set ds;
    CHECK(vg_vpdq_set_from(&dark, VG_VPDQ_QUALITY_THRESHOLD, &ds, &err) == VG_OK);
    CHECK_INT_EQ(ds.count, 0);
    vg_vpdq_match_options_init(&o);
    o.query_percent = 0;
    vg_vpdq_compare(&ds, &cs, &o, &sim);
    CHECK(!sim.match && sim.query_percent == 0);
    /* One third: the share python computes as count * 100 / len. */
    vg_vpdq three = VG_VPDQ_INIT;
    add(&three, a, 100), add(&three, x, 100), add(&three, y, 100);
    vg_vpdq_set ts;
    CHECK(vg_vpdq_set_from(&three, VG_VPDQ_QUALITY_THRESHOLD, &ts, &err) == VG_OK);
    vg_vpdq_set single = {&b, 1};
    vg_vpdq_compare(&ts, &single, NULL, &sim);
    CHECK_INT_EQ(sim.query_matched, 0);
    vg_vpdq_set just_a = {&a, 1};
    vg_vpdq_compare(&ts, &just_a, NULL, &sim);
    CHECK(sim.query_percent == 100.0 / 3);
    CHECK(sim.compared_percent == 100.0);

    vg_vpdq_set_free(&qs), vg_vpdq_set_free(&cs), vg_vpdq_set_free(&ds), vg_vpdq_set_free(&ts);
    vg_vpdq_free(&query), vg_vpdq_free(&compared), vg_vpdq_free(&dark), vg_vpdq_free(&three);
}

int main(void)
{
    RUN(test_hash_file_lines);
    RUN(test_hash_files);
    RUN(test_signal_strings);
    RUN(test_match_shares);
    return vg_test_exit();
}
