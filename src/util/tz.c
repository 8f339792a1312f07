/*
 * src/util/tz.c - IANA time zones from TZif files (tz.h).
 */
#include "util/tz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (1u << 20)  /* the largest zone of the database is under 4 KiB */
#define TZ_MAX_TRANSITIONS 4096 /* and has under 400 transitions */

/* A footer's DST rule "Mm.w.d/time": the d-th weekday (0 Sunday) of week w
 * (5: the last) of month m, at time seconds of the local clock then. */
typedef struct tz_rule {
    int month, week, weekday;
    int32_t time;
} tz_rule;

struct vg_tz {
    char *name;
    int64_t *when;    /* transition instants, ascending */
    int32_t *offsets; /* the offset from each transition on */
    size_t count;
    int32_t before; /* the offset before the first transition (time type 0) */
    /* the footer, when it has a rule this reader follows */
    int has_footer, footer_dst;
    int32_t std_offset, dst_offset;
    tz_rule start, end;
};

const char *vg_tz_name(const vg_tz *tz)
{
    return tz ? tz->name : "UTC";
}

void vg_tz_free(vg_tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->when);
    free(tz->offsets);
    free(tz);
}

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of(int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The instant of rule r in year, the local clock then being offset east. */
static int64_t rule_instant(const tz_rule *r, int64_t year, int32_t offset)
{
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = days_from_civil(year, r->month, 1);
    int first_weekday = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int day = 1 + (r->weekday - first_weekday + 7) % 7 + (r->week - 1) * 7;
    int last = month_days[r->month - 1] +
               (r->month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
    while (day > last)
        day -= 7;
    return (first + day - 1) * 86400 + r->time - offset;
}

static int32_t footer_offset(const vg_tz *tz, int64_t utc)
{
    if (!tz->footer_dst)
        return tz->std_offset;
    int64_t year = year_of(floor_div(utc, 86400));
    int64_t start = rule_instant(&tz->start, year, tz->std_offset);
    int64_t end = rule_instant(&tz->end, year, tz->dst_offset);
    int dst = start < end ? utc >= start && utc < end   /* the northern summer */
                          : !(utc >= end && utc < start); /* the southern one */
    return dst ? tz->dst_offset : tz->std_offset;
}

int32_t vg_tz_offset(const vg_tz *tz, int64_t utc)
{
    if (!tz)
        return 0;
    if (!tz->count || utc < tz->when[0])
        return tz->count || !tz->has_footer ? tz->before : footer_offset(tz, utc);
    if (utc >= tz->when[tz->count - 1] && tz->has_footer)
        return footer_offset(tz, utc);
    size_t lo = 0, hi = tz->count; /* the last transition at or before utc */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->when[mid] <= utc)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offsets[lo];
}

int64_t vg_tz_to_utc(const vg_tz *tz, int64_t local)
{
    if (!tz)
        return local;
    /* Zones change their offset at most once a day: the offsets a day
     * before and a day after are the only candidates. */
    int32_t early = vg_tz_offset(tz, local - 86400), late = vg_tz_offset(tz, local + 86400);
    int64_t a = local - early, b = local - late;
    int64_t first = a < b ? a : b, second = a < b ? b : a;
    if (vg_tz_offset(tz, first) == (int32_t)(local - first))
        return first;
    if (vg_tz_offset(tz, second) == (int32_t)(local - second))
        return second;
    /* The clock never reads local: the day starts at the jump, the first
     * instant from which the offset is the later one. */
    int64_t lo = first, hi = second;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (vg_tz_offset(tz, mid) == late)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* ---- the footer: a POSIX TZ string ---------------------------------------- */

static int parse_abbreviation(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        const char *close = strchr(s, '>');
        if (!close || close - s < 4)
            return 0;
        *p = close + 1;
        return 1;
    }
    size_t n = 0;
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
        n++;
    if (n < 3)
        return 0;
    *p = s + n;
    return 1;
}

/* [+-]hh[:mm[:ss]] with hours up to max_hours, into seconds. */
static int parse_hms(const char **p, int max_hours, int32_t *out)
{
    const char *s = *p;
    int sign = 1;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    int32_t parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i && *s != ':')
            break;
        if (i)
            s++;
        if (*s < '0' || *s > '9')
            return 0;
        int v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            v = v * 10 + (*s++ - '0');
            digits++;
        }
        parts[i] = v;
    }
    if (parts[0] > max_hours || parts[1] > 59 || parts[2] > 59)
        return 0;
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    *p = s;
    return 1;
}

static int parse_number(const char **p, int min, int max, int *out)
{
    const char *s = *p;
    int v = 0, digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 3) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (!digits || v < min || v > max)
        return 0;
    *out = v;
    *p = s;
    return 1;
}

static int parse_rule(const char **p, tz_rule *r)
{
    const char *s = *p;
    if (*s++ != 'M' || !parse_number(&s, 1, 12, &r->month) || *s++ != '.' ||
        !parse_number(&s, 1, 5, &r->week) || *s++ != '.' || !parse_number(&s, 0, 6, &r->weekday))
        return 0;
    r->time = 7200; /* 02:00 unless said */
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &r->time))
            return 0;
    }
    *p = s;
    return 1;
}

/* The footer (NUL-terminated) into tz when it is of a form this reader
 * follows; otherwise tz keeps no footer. */
static void parse_footer(vg_tz *tz, const char *s)
{
    int32_t std_west, dst_west;
    if (!parse_abbreviation(&s) || !parse_hms(&s, 24, &std_west))
        return;
    tz->std_offset = -std_west;
    if (!*s) {
        tz->has_footer = 1;
        return;
    }
    if (!parse_abbreviation(&s))
        return;
    dst_west = std_west - 3600;
    if (*s != ',' && !parse_hms(&s, 24, &dst_west))
        return;
    tz_rule start, end;
    if (*s++ != ',' || !parse_rule(&s, &start) || *s++ != ',' || !parse_rule(&s, &end) || *s)
        return;
    tz->dst_offset = -dst_west;
    tz->start = start;
    tz->end = end;
    tz->footer_dst = 1;
    tz->has_footer = 1;
}

/* ---- the TZif file ---------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_header {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static int read_header(const unsigned char *p, size_t left, tzif_header *h, int *version)
{
    if (left < 44 || memcmp(p, "TZif", 4))
        return 0;
    *version = p[4] ? p[4] - '0' : 1;
    uint32_t *counts[] = {&h->isutcnt, &h->isstdcnt, &h->leapcnt,
                          &h->timecnt, &h->typecnt,  &h->charcnt};
    for (int i = 0; i < 6; i++)
        *counts[i] = be32(p + 20 + 4 * i);
    return 1;
}

static uint64_t block_size(const tzif_header *h, unsigned time_size)
{
    return (uint64_t)h->timecnt * (time_size + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

vg_status vg_tz_parse(const unsigned char *data, size_t len, const char *name, vg_tz **out,
                      vg_error *err)
{
    *out = NULL;
    tzif_header h;
    int version;
    if (!read_header(data, len, &h, &version))
        return vg_error_set(err, VG_ERR_CORRUPT, "time zone %s: not a TZif file", name);
    const unsigned char *p = data + 44;
    unsigned time_size = 4;
    if (version >= 2) { /* skip the 32-bit block: the 64-bit one follows */
        uint64_t skip = block_size(&h, 4);
        if (skip > len - 44 || !read_header(p + skip, len - 44 - skip, &h, &version))
            return vg_error_set(err, VG_ERR_CORRUPT, "time zone %s: truncated TZif file", name);
        p += skip + 44;
        time_size = 8;
    }
    size_t left = len - (size_t)(p - data);
    if (h.typecnt < 1 || h.typecnt > 256 || h.timecnt > TZ_MAX_TRANSITIONS ||
        h.charcnt > 4096 || h.leapcnt > 1024 || (h.isstdcnt && h.isstdcnt != h.typecnt) ||
        (h.isutcnt && h.isutcnt != h.typecnt) || block_size(&h, time_size) > left)
        return vg_error_set(err, VG_ERR_CORRUPT, "time zone %s: malformed TZif counts", name);
    if (h.leapcnt)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "time zone %s counts leap seconds; name the zone without 'right/'",
                            name);
    const unsigned char *times = p, *indices = times + (size_t)h.timecnt * time_size,
                        *types = indices + h.timecnt;
    vg_tz *tz = calloc(1, sizeof *tz);
    if (!tz || !(tz->name = strdup(name)) ||
        (h.timecnt && (!(tz->when = malloc(h.timecnt * sizeof *tz->when)) ||
                       !(tz->offsets = malloc(h.timecnt * sizeof *tz->offsets))))) {
        vg_tz_free(tz);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    tz->before = (int32_t)be32(types);
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t when = time_size == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
        int32_t offset =
            indices[i] < h.typecnt ? (int32_t)be32(types + 6 * (size_t)indices[i]) : INT32_MAX;
        if ((i && when <= tz->when[i - 1]) || offset < -89999 || offset > 93599) {
            vg_tz_free(tz);
            return vg_error_set(err, VG_ERR_CORRUPT, "time zone %s: malformed transitions", name);
        }
        tz->when[i] = when;
        tz->offsets[i] = offset;
    }
    tz->count = h.timecnt;
    if (tz->before < -89999 || tz->before > 93599) {
        vg_tz_free(tz);
        return vg_error_set(err, VG_ERR_CORRUPT, "time zone %s: malformed offset", name);
    }
    /* The footer: "\n" TZ-string "\n" after the 64-bit block. */
    const unsigned char *footer = p + block_size(&h, time_size), *end = data + len;
    if (version >= 2 && footer < end && *footer == '\n') {
        const unsigned char *close = memchr(footer + 1, '\n', (size_t)(end - footer - 1));
        char rule[128];
        size_t n = close ? (size_t)(close - footer - 1) : 0;
        if (close && n < sizeof rule && !memchr(footer + 1, '\0', n)) {
            memcpy(rule, footer + 1, n);
            rule[n] = '\0';
            parse_footer(tz, rule);
        }
    }
    *out = tz;
    return VG_OK;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (!n || n > 255 || name[0] == '/' || name[n - 1] == '/' || strstr(name, "//"))
        return 0;
    for (const char *s = name; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '/' || *s == '_' || *s == '-' || *s == '+'))
            return 0; /* no '.': ".." cannot climb out of the database */
    return 1;
}

vg_status vg_tz_load(const char *name, const char *dir, vg_tz **out, vg_error *err)
{
    *out = NULL;
    if (!name || !valid_name(name))
        return vg_error_set(err, VG_ERR_INVALID,
                            "'%.60s' is not a time zone name; say one like Europe/Paris or UTC",
                            name ? name : "");
    if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC")) {
        vg_tz *tz = calloc(1, sizeof *tz);
        if (!tz || !(tz->name = strdup(name))) {
            free(tz);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        *out = tz;
        return VG_OK;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "/usr/share/zoneinfo", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO,
                            "time zone %s: cannot read %s (%s); is the tzdata package installed?",
                            name, path, strerror(errno));
    unsigned char *data = malloc(TZ_MAX_FILE);
    size_t len = data ? fread(data, 1, TZ_MAX_FILE, f) : 0;
    int failed = ferror(f);
    fclose(f);
    vg_status st;
    if (!data)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    else if (failed)
        st = vg_error_set(err, VG_ERR_IO, "time zone %s: cannot read %s", name, path);
    else if (len == TZ_MAX_FILE)
        st = vg_error_set(err, VG_ERR_TOO_LARGE, "time zone %s: %s is too large", name, path);
    else
        st = vg_tz_parse(data, len, name, out, err);
    free(data);
    return st;
}
