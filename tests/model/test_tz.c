/*
 * tests/model/test_tz.c - time zones from TZif files (src/util/tz.h).
 *
 * Expected instants are worked out by hand from the calendar (2026-01-01
 * 00:00 UTC is 1767225600; the clocks of the European Union change on the
 * last Sundays of March and October at 01:00 UTC, Australia's on the first
 * Sundays of April and October) and agree with Python's zoneinfo.
 */
#include "harness.h"
#include "util/tz.h"

#define DAY 86400
#define JAN1_2026 1767225600LL
#define MAR29_2026 (JAN1_2026 + 87 * DAY) /* 31 + 28 + 28 days on */
#define OCT25_2026 (JAN1_2026 + 297 * DAY)

/* A TZif v2 file with no transition, one type (offset east, name) and the
 * footer rule: the times of every year come from the rule alone. */
static size_t footer_only(unsigned char *out, int32_t offset, const char *abbr,
                          const char *rule)
{
    size_t n = 0, chars = strlen(abbr) + 1;
    for (int block = 0; block < 2; block++) {
        memcpy(out + n, "TZif2", 5);
        memset(out + n + 5, 0, 15);
        n += 20;
        uint32_t counts[6] = {0, 0, 0, 0, 1, (uint32_t)chars};
        for (int i = 0; i < 6; i++, n += 4) {
            out[n] = (unsigned char)(counts[i] >> 24);
            out[n + 1] = (unsigned char)(counts[i] >> 16);
            out[n + 2] = (unsigned char)(counts[i] >> 8);
            out[n + 3] = (unsigned char)counts[i];
        }
        uint32_t u = (uint32_t)offset;
        unsigned char type[6] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                                 (unsigned char)(u >> 8), (unsigned char)u, 0, 0};
        memcpy(out + n, type, 6);
        n += 6;
        memcpy(out + n, abbr, chars);
        n += chars;
    }
    n += (size_t)sprintf((char *)out + n, "\n%s\n", rule);
    return n;
}

/* Paris in 2026, whichever way the zone was read. */
static void check_paris_2026(const vg_tz *tz)
{
    CHECK_INT_EQ(vg_tz_offset(tz, JAN1_2026), 3600);
    CHECK_INT_EQ(vg_tz_offset(tz, MAR29_2026 + 3600 - 1), 3600);
    CHECK_INT_EQ(vg_tz_offset(tz, MAR29_2026 + 3600), 7200);
    CHECK_INT_EQ(vg_tz_offset(tz, OCT25_2026 + 3600 - 1), 7200);
    CHECK_INT_EQ(vg_tz_offset(tz, OCT25_2026 + 3600), 3600);
    /* midnights: 23:00 UTC the day before in winter, 22:00 in summer */
    CHECK_INT_EQ(vg_tz_to_utc(tz, MAR29_2026), MAR29_2026 - 3600);
    CHECK_INT_EQ(vg_tz_to_utc(tz, MAR29_2026 + DAY), MAR29_2026 + DAY - 7200);
    CHECK_INT_EQ(vg_tz_to_utc(tz, OCT25_2026), OCT25_2026 - 7200);
    CHECK_INT_EQ(vg_tz_to_utc(tz, OCT25_2026 + DAY), OCT25_2026 + DAY - 3600);
    /* 02:30 on 29 March never shows: the day goes on from the jump, 01:00 UTC */
    CHECK_INT_EQ(vg_tz_to_utc(tz, MAR29_2026 + 2 * 3600 + 1800), MAR29_2026 + 3600);
    /* 02:30 on 25 October shows twice: the first, still in summer time */
    CHECK_INT_EQ(vg_tz_to_utc(tz, OCT25_2026 + 2 * 3600 + 1800), OCT25_2026 + 1800);
}

static void test_system_paris(void)
{
    vg_tz *tz = NULL;
    vg_error err;
    vg_status st = vg_tz_load("Europe/Paris", NULL, &tz, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st != VG_OK)
        return;
    CHECK_STR_EQ(vg_tz_name(tz), "Europe/Paris");
    check_paris_2026(tz);
    /* 1 January 1970 in Paris was at 01:00 (the offset then was +1) */
    CHECK_INT_EQ(vg_tz_offset(tz, 0), 3600);
    /* after the file's transitions, its rule: 25 March 2040 01:00 UTC
     * (2216250000), 28 October 2040 01:00 UTC (2234998800) */
    CHECK_INT_EQ(vg_tz_offset(tz, 2216250000LL - 1), 3600);
    CHECK_INT_EQ(vg_tz_offset(tz, 2216250000LL), 7200);
    CHECK_INT_EQ(vg_tz_offset(tz, 2234998800LL - 1), 7200);
    CHECK_INT_EQ(vg_tz_offset(tz, 2234998800LL), 3600);
    vg_tz_free(tz);
}

static void test_footer_rules(void)
{
    unsigned char file[512];
    vg_tz *tz = NULL;
    size_t n = footer_only(file, 3600, "CET", "CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(vg_tz_parse(file, n, "test/Paris", &tz, NULL) == VG_OK);
    if (tz)
        check_paris_2026(tz);
    vg_tz_free(tz);
    /* the southern summer spans the new year: Sydney is +11 from 03:00
     * local on 4 October 2026 (1791043200, 16:00 UTC the day before) to
     * 03:00 local on 5 April 2026 (1775318400) */
    tz = NULL;
    n = footer_only(file, 36000, "AEST", "AEST-10AEDT,M10.1.0,M4.1.0/3");
    CHECK(vg_tz_parse(file, n, "test/Sydney", &tz, NULL) == VG_OK);
    CHECK_INT_EQ(vg_tz_offset(tz, JAN1_2026), 39600);
    CHECK_INT_EQ(vg_tz_offset(tz, 1775318400LL - 1), 39600);
    CHECK_INT_EQ(vg_tz_offset(tz, 1775318400LL), 36000);
    CHECK_INT_EQ(vg_tz_offset(tz, 1791043200LL - 1), 36000);
    CHECK_INT_EQ(vg_tz_offset(tz, 1791043200LL), 39600);
    vg_tz_free(tz);
    /* a fixed zone with its offset in <> */
    tz = NULL;
    n = footer_only(file, -10800, "-03", "<-03>3");
    CHECK(vg_tz_parse(file, n, "test/Minus3", &tz, NULL) == VG_OK);
    CHECK_INT_EQ(vg_tz_offset(tz, OCT25_2026), -10800);
    CHECK_INT_EQ(vg_tz_to_utc(tz, OCT25_2026), OCT25_2026 + 10800);
    vg_tz_free(tz);
}

static void test_refusals(void)
{
    vg_tz *tz = NULL;
    vg_error err;
    CHECK(vg_tz_load("../../etc/passwd", NULL, &tz, &err) == VG_ERR_INVALID && !tz);
    CHECK(vg_tz_load("/etc/localtime", NULL, &tz, &err) == VG_ERR_INVALID && !tz);
    CHECK(vg_tz_load("", NULL, &tz, &err) == VG_ERR_INVALID && !tz);
    CHECK(vg_tz_load("Nowhere/Atlantis", NULL, &tz, &err) == VG_ERR_IO && !tz);
    CHECK(strstr(err.message, "Nowhere/Atlantis") != NULL);
    /* UTC needs no file */
    CHECK(vg_tz_load("UTC", "/nonexistent", &tz, &err) == VG_OK && tz);
    CHECK_INT_EQ(vg_tz_offset(tz, OCT25_2026), 0);
    CHECK_INT_EQ(vg_tz_to_utc(tz, OCT25_2026), OCT25_2026);
    vg_tz_free(tz);
    tz = NULL;
    CHECK_INT_EQ(vg_tz_offset(NULL, OCT25_2026), 0);
    CHECK_STR_EQ(vg_tz_name(NULL), "UTC");
    /* broken files: every prefix of a good one is refused, never read past */
    unsigned char file[512];
    size_t n = footer_only(file, 3600, "CET", "CET-1CEST,M3.5.0,M10.5.0/3");
    size_t good_up_to = n - strlen("\nCET-1CEST,M3.5.0,M10.5.0/3\n");
    for (size_t len = 0; len < good_up_to; len++) {
        unsigned char *copy = malloc(len ? len : 1);
        memcpy(copy, file, len);
        CHECK(vg_tz_parse(copy, len, "cut", &tz, NULL) == VG_ERR_CORRUPT && !tz);
        free(copy);
    }
    /* a type index past the types */
    file[4] = '1'; /* version 1: the first block only */
    file[20 + 12 + 3] = 1; /* one transition */
    file[44 + 4] = 5;      /* of type 5, of 1 */
    CHECK(vg_tz_parse(file, n, "bad", &tz, NULL) == VG_ERR_CORRUPT && !tz);
}

int main(void)
{
    RUN(test_system_paris);
    RUN(test_footer_rules);
    RUN(test_refusals);
    return vg_test_exit();
}
