/* The bank reader: both forms, every accepted variation, every kind of bad
 * line (reported with its line number), refusal and skip_bad, and hostile
 * input (NUL bytes, a line far longer than the limit, no newline at all). */
#include <fcntl.h>
#include <unistd.h>

#include "harness.h"
#include "vigie/bank.h"

#define MAX_SEEN 64

typedef struct seen {
    size_t count;
    vg_signal_type type[MAX_SEEN];
    uint8_t value[MAX_SEEN][32];
    char id[MAX_SEEN][64];
    char meta[MAX_SEEN][128];
    size_t meta_len[MAX_SEEN];
    uint64_t line[MAX_SEEN];
    size_t frames[MAX_SEEN]; /* vpdq: the video's frame count */
    size_t bad;
    uint64_t bad_line[MAX_SEEN];
    char columns[256];
    size_t columns_len;
    bool csv;
    bool started;
} seen;

static vg_status on_start(void *ctx, const vg_bank_info *info, vg_error *err)
{
    (void)err;
    seen *s = ctx;
    s->started = true;
    s->csv = info->is_csv;
    s->columns_len = info->columns_len < sizeof s->columns ? info->columns_len : 0;
    memcpy(s->columns, info->columns, s->columns_len);
    return VG_OK;
}

static vg_status on_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    (void)err;
    seen *s = ctx;
    if (s->count < MAX_SEEN) {
        size_t i = s->count;
        s->type[i] = e->type;
        memcpy(s->value[i], e->value, vg_signal_type_bytes(e->type));
        snprintf(s->id[i], sizeof s->id[i], "%.*s", (int)e->id_len, e->id);
        s->meta_len[i] = e->metadata_len < sizeof s->meta[i] ? e->metadata_len : 0;
        memcpy(s->meta[i], e->metadata, s->meta_len[i]);
        s->line[i] = e->line;
        s->frames[i] = e->video ? e->video->count : 0;
        CHECK((e->type == VG_SIGNAL_VPDQ) == (e->video != NULL));
    }
    s->count++;
    return VG_OK;
}

static void on_bad(void *ctx, uint64_t line, const char *reason)
{
    seen *s = ctx;
    CHECK(reason && reason[0]);
    if (s->bad < MAX_SEEN)
        s->bad_line[s->bad] = line;
    s->bad++;
}

static vg_status parse(const char *text, size_t len, bool skip_bad, vg_signal_type plain,
                       seen *s, vg_error *err)
{
    memset(s, 0, sizeof *s);
    vg_bank_options opts;
    vg_bank_options_init(&opts);
    opts.skip_bad = skip_bad;
    opts.plain_type = plain;
    vg_bank_callbacks cb = {on_start, on_entry, on_bad, s};
    return vg_bank_parse_buffer(text, len, "test.bank", &opts, &cb, NULL, err);
}

#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_EMPTY "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_csv_good(void)
{
    const char text[] = "\xEF\xBB\xBF" "signal_type,signal,id,category,source\r\n"
                        "md5," MD5_EMPTY ",1,A1,\"NCMEC, US\"\r\n"
                        "\r\n"
                        "PDQ, " HEX64 " ,p-2,B,\"say \"\"hi\"\"\"\n"
                        "sha1," SHA1_EMPTY ",x,,\n"
                        "sha256," HEX64 ",last,C,z"; /* no final newline */
    seen s;
    vg_error err;
    vg_status st = parse(text, sizeof text - 1, false, VG_SIGNAL_TYPE_COUNT, &s, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    CHECK(s.started && s.csv);
    CHECK_INT_EQ(s.columns_len, strlen("category") + 1 + strlen("source") + 1);
    CHECK(!memcmp(s.columns, "category\0source\0", 16));
    CHECK_INT_EQ(s.count, 4);
    CHECK_INT_EQ(s.bad, 0);
    CHECK(s.type[0] == VG_SIGNAL_MD5 && s.value[0][0] == 0xd4 && s.value[0][15] == 0x7e);
    CHECK_STR_EQ(s.id[0], "1");
    CHECK_INT_EQ(s.meta_len[0], 3 + 10);
    CHECK(!memcmp(s.meta[0], "A1\0NCMEC, US\0", 13));
    CHECK(s.type[1] == VG_SIGNAL_PDQ && s.value[1][0] == 0x01 && s.value[1][31] == 0xef);
    CHECK_STR_EQ(s.id[1], "p-2");
    CHECK(!memcmp(s.meta[1], "B\0say \"hi\"\0", 12));
    CHECK_INT_EQ(s.line[1], 4);
    CHECK(s.type[2] == VG_SIGNAL_SHA1);
    CHECK_INT_EQ(s.meta_len[2], 2);
    CHECK(s.type[3] == VG_SIGNAL_SHA256);
    CHECK_STR_EQ(s.id[3], "last");
    CHECK_INT_EQ(s.line[3], 6);
}

static void test_csv_columns_any_order(void)
{
    const char text[] = "id,extra,signal,signal_type\n7,e," MD5_EMPTY ",md5\n";
    seen s;
    CHECK(parse(text, sizeof text - 1, false, VG_SIGNAL_TYPE_COUNT, &s, NULL) == VG_OK);
    CHECK_INT_EQ(s.count, 1);
    CHECK_STR_EQ(s.id[0], "7");
    CHECK(s.type[0] == VG_SIGNAL_MD5);
    CHECK(!memcmp(s.meta[0], "e\0", 2));
}

static void test_csv_bad_lines(void)
{
    const char text[] = "signal_type,signal,id\n"
                        "md5," MD5_EMPTY ",ok1\n"          /* 2 good */
                        "md6," MD5_EMPTY ",x\n"            /* 3 unknown type */
                        "md5," SHA1_EMPTY ",x\n"           /* 4 wrong length */
                        "md5,zz1d8cd98f00b204e9800998ecf8427e,x\n" /* 5 not hex */
                        "md5," MD5_EMPTY "\n"              /* 6 too few fields */
                        "md5," MD5_EMPTY ",\"open\n"       /* 7 unterminated quote */
                        "md5," MD5_EMPTY ",\"a\"b\n"       /* 8 text after quote */
                        "md5," MD5_EMPTY ",\n"             /* 9 empty id */
                        "md5," MD5_EMPTY ",ok2\n";         /* 10 good */
    seen s;
    vg_error err;
    CHECK(parse(text, sizeof text - 1, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_ERR_CORRUPT);
    CHECK_INT_EQ(s.bad, 7);
    for (size_t i = 0; i < 7; i++)
        CHECK_INT_EQ(s.bad_line[i], i + 3);
    CHECK(strstr(err.message, "test.bank") != NULL);
    CHECK(strstr(err.message, "7 bad lines") != NULL);
    CHECK(strstr(err.message, "line 3") != NULL);
    CHECK(parse(text, sizeof text - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK_STR_EQ(s.id[1], "ok2");
}

static void test_csv_header_problems(void)
{
    seen s;
    vg_error err;
    const char missing[] = "signal_type,signal,name\nmd5," MD5_EMPTY ",x\n";
    CHECK(parse(missing, sizeof missing - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) ==
          VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "'id'") != NULL);
    const char twice[] = "signal_type,signal,id,id\n";
    CHECK(parse(twice, sizeof twice - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) ==
          VG_ERR_CORRUPT);
}

static void test_plain(void)
{
    const char text[] = MD5_EMPTY "\n"
                        "# a comment\n"
                        "  " SHA1_EMPTY "\t\r\n"
                        "\n"
                        HEX64 "\n"
                        "0123\n"; /* bad: 4 characters */
    seen s;
    vg_error err;
    CHECK(parse(text, sizeof text - 1, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_ERR_CORRUPT);
    CHECK_INT_EQ(s.bad, 1);
    CHECK_INT_EQ(s.bad_line[0], 6);
    CHECK(parse(text, sizeof text - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK(!s.csv);
    CHECK_INT_EQ(s.count, 3);
    CHECK(s.type[0] == VG_SIGNAL_MD5 && s.type[1] == VG_SIGNAL_SHA1 &&
          s.type[2] == VG_SIGNAL_SHA256);
    /* ids are 0-based line numbers, blank and comment lines counted */
    CHECK_STR_EQ(s.id[0], "0");
    CHECK_STR_EQ(s.id[1], "2");
    CHECK_STR_EQ(s.id[2], "4");
    CHECK_INT_EQ(s.meta_len[0], 0);

    /* A fixed type: 64 digits become pdq; other lengths are bad lines. */
    CHECK(parse(text, sizeof text - 1, true, VG_SIGNAL_PDQ, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 1);
    CHECK(s.type[0] == VG_SIGNAL_PDQ);
    CHECK_INT_EQ(s.bad, 3);
    const char upper[] = "D41D8CD98F00B204E9800998ECF8427E\n";
    CHECK(parse(upper, sizeof upper - 1, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK(s.count == 1 && s.value[0][0] == 0xd4);
}

static void test_hostile(void)
{
    seen s;
    vg_error err;
    /* NUL byte inside a line */
    const char nul[] = MD5_EMPTY "\n" "d41d8cd98f00b204\0" "e9800998ecf8427e\n" MD5_EMPTY "\n";
    CHECK(parse(nul, sizeof nul - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK_INT_EQ(s.bad, 1);
    CHECK_INT_EQ(s.bad_line[0], 2);
    /* a line over the limit between good ones, then as much without any newline */
    size_t big = VG_BANK_LINE_MAX + (1u << 20);
    char *text = malloc(big * 2 + 200);
    size_t n = 0;
    memcpy(text + n, MD5_EMPTY "\n", 33);
    n += 33;
    memset(text + n, 'a', big);
    n += big;
    text[n++] = '\n';
    memcpy(text + n, MD5_EMPTY "\n", 33);
    n += 33;
    memset(text + n, 'b', big);
    n += big;
    CHECK(parse(text, n, true, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK_INT_EQ(s.bad, 2);
    CHECK_INT_EQ(s.line[1], 3);
    CHECK(parse(text, n, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "too long") != NULL);
    /* exactly the limit is accepted as a (bad, not hex) line, limit + 1 is too long */
    memset(text, '#', VG_BANK_LINE_MAX + 1);
    text[VG_BANK_LINE_MAX + 1] = '\n';
    CHECK(parse(text, VG_BANK_LINE_MAX + 2, false, VG_SIGNAL_TYPE_COUNT, &s, &err) ==
          VG_ERR_CORRUPT);
    CHECK(parse(text + 1, VG_BANK_LINE_MAX + 1, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    free(text);
    /* empty input */
    CHECK(parse("", 0, false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 0);
}

static vg_status stop_at_second(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    (void)e;
    int *n = ctx;
    if (++*n == 2)
        return vg_error_set(err, VG_ERR_ABORTED, "enough");
    return VG_OK;
}

static void test_callback_stops_and_files(void)
{
    int n = 0;
    vg_bank_callbacks cb = {NULL, stop_at_second, NULL, &n};
    const char text[] = MD5_EMPTY "\n" MD5_EMPTY "\n" MD5_EMPTY "\n";
    vg_error err;
    CHECK(vg_bank_parse_buffer(text, sizeof text - 1, "b", NULL, &cb, NULL, &err) ==
          VG_ERR_ABORTED);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(err.message, "enough");
    n = 0;
    CHECK(vg_bank_parse_file("/nonexistent/bank.csv", NULL, &cb, NULL, &err) == VG_ERR_IO);
    CHECK(strstr(err.message, "/nonexistent/bank.csv") != NULL);
    /* the descriptor path reads in blocks: many lines across block edges */
    char path[] = "/tmp/vigie-bank-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 100000; i++)
        fprintf(f, "%032x\n", i);
    fclose(f);
    seen s;
    memset(&s, 0, sizeof s);
    vg_bank_callbacks cb2 = {on_start, on_entry, on_bad, &s};
    vg_bank_stats stats;
    CHECK(vg_bank_parse_file(path, NULL, &cb2, &stats, &err) == VG_OK);
    CHECK_INT_EQ(stats.entries, 100000);
    CHECK_INT_EQ(stats.lines, 100000);
    CHECK_INT_EQ(s.bad, 0);
    unlink(path);
}

/* One character that is not a hex digit, anywhere in a signal, refuses the
 * line: first or second character of a byte, characters just outside the
 * digit ranges, and bytes above 127. Every good digit in either case is
 * read with its value. Expected values come from the hex alphabet here,
 * not from the parser. */
static void test_one_bad_hex_character(void)
{
    static const char bad[] = {'g', 'G', '/', ':', '@', '`', 'z', ' ', '\x80', '\xff', '-', '.'};
    char line[128];
    seen s;
    vg_error err;
    size_t refused = 0, tries = 0;
    for (size_t pos = 0; pos < 32; pos++) {
        for (size_t b = 0; b < sizeof bad; b++) {
            if (bad[b] == ' ' && (pos == 0 || pos == 31))
                continue; /* blanks around a signal are trimmed, not bad */
            char md5[33];
            memcpy(md5, MD5_EMPTY, 33);
            md5[pos] = bad[b];
            int n = snprintf(line, sizeof line, "signal_type,signal,id\nmd5,%s,x\n", md5);
            tries++;
            vg_status st = parse(line, (size_t)n, false, VG_SIGNAL_TYPE_COUNT, &s, &err);
            if (st == VG_ERR_CORRUPT && s.count == 0 && s.bad == 1 && s.bad_line[0] == 2)
                refused++;
            else
                CHECK_MSG(0, "CSV md5 with '%c' at %zu: %s, %zu entries", bad[b], pos,
                          vg_status_name(st), s.count);
            /* the same in a plain bank */
            n = snprintf(line, sizeof line, "%s\n", md5);
            st = parse(line, (size_t)n, false, VG_SIGNAL_TYPE_COUNT, &s, &err);
            CHECK_MSG(st == VG_ERR_CORRUPT && s.count == 0 && s.bad == 1,
                      "plain md5 with '%c' at %zu", bad[b], pos);
        }
    }
    CHECK_INT_EQ(refused, tries);
    /* The case: the last character. */
    const char *csv = "signal_type,signal,id\nmd5,d41d8cd98f00b204e9800998ecf8427g,x\n";
    CHECK(parse(csv, strlen(csv), false, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_ERR_CORRUPT);
    CHECK_INT_EQ(s.count, 0);
    /* Every digit, both cases, in both places of a byte. */
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    for (int hi = 0; hi < 16; hi++) {
        char sig[65];
        for (int i = 0; i < 32; i++) {
            sig[2 * i] = (i % 2 ? upper : lower)[hi];
            sig[2 * i + 1] = (i % 2 ? lower : upper)[(hi + i) % 16];
        }
        sig[64] = '\0';
        int n = snprintf(line, sizeof line, "%s\n", sig);
        CHECK(parse(line, (size_t)n, false, VG_SIGNAL_PDQ, &s, &err) == VG_OK);
        CHECK_INT_EQ(s.count, 1);
        for (int i = 0; i < 32 && s.count; i++)
            CHECK_INT_EQ(s.value[0][i], hi * 16 + (hi + i) % 16);
    }
}

/* vpdq rows: the ThreatExchange signal string, CSV-quoted. */
static void test_vpdq_rows(void)
{
    const char text[] =
        "signal_type,signal,id\n"
        "vpdq,\"[\"\"" HEX64 ",100,0.0\"\",\"\"" HEX64 ",40,1e+02\"\"]\",clip-1\n"
        "VPDQ,\"[\"\"" HEX64 ",30,0.0\"\"]\",dark\n"   /* no frame of quality >= 50 */
        "vpdq,\"[\"\"" HEX64 ",100\"\"]\",short\n"     /* a field missing */
        "vpdq," HEX64 ",not-json\n"
        "pdq," HEX64 ",image\n";
    seen s;
    vg_error err;
    CHECK(parse(text, sizeof text - 1, true, VG_SIGNAL_TYPE_COUNT, &s, &err) == VG_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK(s.type[0] == VG_SIGNAL_VPDQ);
    CHECK_STR_EQ(s.id[0], "clip-1");
    CHECK_INT_EQ(s.frames[0], 2);
    CHECK(s.type[1] == VG_SIGNAL_PDQ);
    CHECK_INT_EQ(s.bad, 3);
    CHECK_INT_EQ(s.bad_line[0], 3);
    /* A plain bank cannot hold videos. */
    CHECK(parse(HEX64 "\n", 65, false, VG_SIGNAL_VPDQ, &s, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "vpdq") != NULL);
}

static void test_type_names(void)
{
    vg_signal_type t;
    CHECK(vg_signal_type_parse("SHA256", 6, &t) == VG_OK && t == VG_SIGNAL_SHA256);
    CHECK(vg_signal_type_parse("sha", 3, &t) == VG_ERR_INVALID);
    CHECK_STR_EQ(vg_signal_type_name(VG_SIGNAL_PDQ), "pdq");
    CHECK_INT_EQ(vg_signal_type_bytes(VG_SIGNAL_SHA1), 20);
    CHECK(vg_signal_type_parse("vpdq", 4, &t) == VG_OK && t == VG_SIGNAL_VPDQ);
    CHECK_INT_EQ(vg_signal_type_bytes(VG_SIGNAL_VPDQ), 0);
}

/* Rows of types vigie does not match reach on_other_type as written, when
 * it is set; they are bad lines otherwise. */
static vg_status on_other(void *ctx, const vg_bank_other_entry *e, vg_error *err)
{
    (void)err;
    seen *s = ctx; /* its columns buffer collects the rows */
    size_t n = strlen(s->columns);
    snprintf(s->columns + n, sizeof s->columns - n, "%.*s|%.*s|%.*s|%.*s|%llu;", (int)e->type_len,
             e->type_name, (int)e->signal_len, e->signal, (int)e->id_len, e->id,
             (int)e->metadata_len - 1, e->metadata, (unsigned long long)e->line);
    return VG_OK;
}

static void test_other_types(void)
{
    const char text[] = "signal_type,signal,id,note\n"
                        "md5," MD5_EMPTY ",m1,a\n"
                        "vpdq,\"[\"\"" HEX64 ",100,0.000\"\"]\",v1,b\n"
                        " url_md5 , " MD5_EMPTY " , u1 ,c\n"
                        "vpdq,,v2,d\n";
    seen s;
    memset(&s, 0, sizeof s);
    vg_bank_options opts;
    vg_bank_options_init(&opts);
    opts.on_other_type = on_other;
    vg_bank_callbacks cb = {NULL, on_entry, on_bad, &s};
    vg_error err;
    /* vpdq is a signal vigie matches (a video): an entry, not another type.
     * The row without a signal stays a bad line. */
    CHECK(vg_bank_parse_buffer(text, sizeof text - 1, "t", &opts, &cb, NULL, &err) ==
          VG_ERR_CORRUPT);
    CHECK_INT_EQ(s.count, 2);
    CHECK_INT_EQ(s.bad, 1);
    CHECK_INT_EQ(s.bad_line[0], 5);
    CHECK_STR_EQ(s.columns, "url_md5|" MD5_EMPTY "|u1|c|4;");
    memset(&s, 0, sizeof s);
    opts.on_other_type = NULL;
    CHECK(vg_bank_parse_buffer(text, sizeof text - 1, "t", &opts, &cb, NULL, &err) ==
          VG_ERR_CORRUPT);
    CHECK_INT_EQ(s.count, 2);
    CHECK_INT_EQ(s.bad, 2);
}

int main(void)
{
    RUN(test_csv_good);
    RUN(test_csv_columns_any_order);
    RUN(test_csv_bad_lines);
    RUN(test_csv_header_problems);
    RUN(test_plain);
    RUN(test_hostile);
    RUN(test_callback_stops_and_files);
    RUN(test_one_bad_hex_character);
    RUN(test_vpdq_rows);
    RUN(test_type_names);
    RUN(test_other_types);
    return vg_test_exit();
}
