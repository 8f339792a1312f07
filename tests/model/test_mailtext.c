/*
 * tests/model/test_mailtext.c - the hotline's own e-mail text
 * (util/mailtext.h): templates, header values in any language read back
 * as a mail reader reads them, within RFC 2047's limits, with no way for a
 * value to end its header, and mailboxes whose names need quoting.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mail_header.h"
#include "util/mailtext.h"

/* "Subject: " + the value + the next header, read back. */
static long subject_back(const char *value, char *out, size_t cap, char **message)
{
    char *v = vg_mail_header_text(value, strlen("Subject: "));
    if (!v)
        return -1;
    size_t n = strlen(v) + 64;
    *message = malloc(n);
    snprintf(*message, n, "Subject: %s\r\nDate: x\r\n\r\nbody", v);
    free(v);
    return mh_header(*message, "Subject", out, cap);
}

static void test_header_roundtrip(void)
{
    static const char arabic[] = "بلاغ عن مواد اعتداء جنسي على الأطفال على موقعكم رقم المرجع "
                                 "FR-12 بلاغ عن مواد اعتداء جنسي على الأطفال على موقعكم";
    const char *values[] = {
        "Notice: material at your address",
        "Signalement de matériel d'abus sexuel sur enfant hébergé chez vous — référence FR-12",
        arabic,
        "日本語の件名🙂 with an emoji at the end 🙂",
        "a=?UTF-8?B?Zm9v?= that looks like an encoded-word",
        "",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char back[2048];
        char *message = NULL;
        long n = subject_back(values[i], back, sizeof back, &message);
        CHECK_MSG(n == (long)strlen(values[i]), "values[%zu]: %ld", i, n);
        CHECK_MSG(n >= 0 && !strcmp(back, values[i]), "values[%zu]: %s", i, message);
        free(message);
    }
    /* plain ASCII stays as it is */
    char *plain = vg_mail_header_text("Notice: material at your address", 9);
    CHECK_STR_EQ(plain, "Notice: material at your address");
    free(plain);
}

/* Each encoded-word holds whole characters: it decodes alone to valid
 * UTF-8, whatever the mix of 1- to 4-byte characters. */
static void test_words_whole_characters(void)
{
    const char *pieces[] = {"é", "€", "🙂", "a", "ب"};
    char value[1200] = "";
    for (size_t i = 0; strlen(value) + 8 < 1100; i++)
        strcat(value, pieces[(i * 7) % 5]);
    char *v = vg_mail_header_text(value, 9);
    CHECK(v != NULL);
    size_t words = 0;
    for (const char *p = v; v && (p = strstr(p, "=?UTF-8?B?")) != NULL; words++) {
        const char *end = strstr(p + 10, "?=");
        CHECK(end != NULL && end - p + 2 <= VG_MAIL_WORD_MAX);
        if (!end)
            break;
        unsigned char bin[64];
        size_t len = 0;
        CHECK(sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(end - p - 10), NULL, &len,
                                NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
        /* starts on a character, ends after one */
        CHECK_MSG(len > 0 && (bin[0] & 0xC0) != 0x80, "word %zu", words);
        size_t k = len;
        while (k > 0 && (bin[k - 1] & 0xC0) == 0x80)
            k--;
        size_t lead = k > 0 ? bin[k - 1] : 0, need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3
                                                      : lead >= 0xC0 ? 2 : 1;
        CHECK_MSG(k > 0 && len - (k - 1) == need, "word %zu ends inside a character", words);
        p = end + 2;
    }
    CHECK(words > 20);
    /* and every line within 76 characters */
    for (const char *line = v; v && line;) {
        const char *next = strstr(line, "\r\n");
        size_t len = next ? (size_t)(next - line) : strlen(line);
        CHECK_MSG(len + (line == v ? 9 : 0) <= 76, "a line of %zu", len);
        line = next ? next + 2 : NULL;
    }
    free(v);
}

/* A value can never end its header and start another. */
static void test_header_injection(void)
{
    const char *hostile[] = {"Hello\r\nBcc: victim@example.test", "Hello\nBcc: x@example.test",
                             "tab\there", "nul-free \x7f del"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char *v = vg_mail_header_text(hostile[i], 9);
        CHECK(v != NULL);
        /* the only line breaks are folds, followed by a space */
        for (const char *p = v; v && (p = strpbrk(p, "\r\n")) != NULL; p++)
            CHECK_MSG(p[0] == '\r' && p[1] == '\n' && p[2] == ' ', "hostile[%zu]: %s", i, v);
        CHECK_MSG(v && !strstr(v, "Bcc"), "hostile[%zu]: %s", i, v);
        char back[256];
        char *message = NULL;
        CHECK(subject_back(hostile[i], back, sizeof back, &message) >= 0 &&
              !strcmp(back, hostile[i]));
        free(message);
        free(v);
    }
}

static void test_mailbox(void)
{
    struct {
        const char *name, *want;
    } cases[] = {
        {"Point de Contact", "Point de Contact <hotline@example.test>"},
        {"Hotline, France", "\"Hotline, France\" <hotline@example.test>"},
        {"say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\" <hotline@example.test>"},
        {"", "<hotline@example.test>"},
        {NULL, "<hotline@example.test>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = vg_mail_mailbox(cases[i].name, "hotline@example.test");
        CHECK_STR_EQ(m, cases[i].want);
        free(m);
    }
    /* a name in another script: encoded, read back whole */
    const char *name = "Internet-Beschwerdestelle für Jugendschutz — Österreich";
    char *m = vg_mail_mailbox(name, "hotline@example.test");
    CHECK(m != NULL && strncmp(m, "=?UTF-8?B?", 10) == 0);
    char message[600], back[300];
    snprintf(message, sizeof message, "From: %s\r\n\r\n", m ? m : "");
    CHECK(mh_header(message, "From", back, sizeof back) > 0);
    char want[300];
    snprintf(want, sizeof want, "%s <hotline@example.test>", name);
    CHECK_STR_EQ(back, want);
    free(m);
}

static void test_fill_and_crlf(void)
{
    vg_mail_fill fills[] = {{"url", "http://x.test/{url}"}, {"n", "3"}};
    char *s = vg_mail_fill_template("At {url}: {n} times {unknown} {n\nend", fills, 2, 1);
    CHECK_STR_EQ(s, "At http://x.test/{url}: 3 times {unknown} {n\r\nend");
    free(s);
    s = vg_mail_fill_template("a\nb {n}", fills, 2, 0);
    CHECK_STR_EQ(s, "a\nb 3");
    free(s);
    s = vg_mail_crlf("one\ntwo\r\nthree\n\n");
    CHECK_STR_EQ(s, "one\r\ntwo\r\nthree\r\n\r\n");
    free(s);
    s = vg_mail_crlf("\n");
    CHECK_STR_EQ(s, "\r\n");
    free(s);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_header_roundtrip);
    RUN(test_words_whole_characters);
    RUN(test_header_injection);
    RUN(test_mailbox);
    RUN(test_fill_and_crlf);
    return vg_test_exit();
}
