/*
 * The PO reader of tools/po2c: what translators' tools write is read as
 * the gettext manual describes it (contexts, continued strings, escapes,
 * flags, obsolete entries), and what it does not describe, or what vigie
 * does not use, is refused with the line to look at.
 */
#include <string.h>

#include "harness.h"
#include "po.h"

static int parse(const char *text, vg_po *po, char *err, size_t cap)
{
    return vg_po_parse(text, strlen(text), "t.po", po, err, cap);
}

static void test_reads_entries(void)
{
    const char *text = "# a translator's comment\r\n"
                       "msgid \"\"\n"
                       "msgstr \"\"\n"
                       "\"Language: fr\\n\"\n"
                       "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                       "\n"
                       "#. a note for translators\n"
                       "#: src/server/public/home.c:12\n"
                       "#, fuzzy, python-brace-format\n"
                       "msgctxt \"home.title\"\n"
                       "msgid \"Hello \"\n"
                       "\"{name}\"\n"
                       "msgstr \"Bonjour {name}\\n\\t\\\"x\\\"\\\\\"\n"
                       "msgctxt \"c\"\n"
                       "msgid \"x\"\n"
                       "msgstr \"\"\n"
                       "#, fuzzy\n"
                       "#~ msgctxt \"old\"\n"
                       "#~ msgid \"gone\"\n"
                       "#~ msgstr \"parti\"\n"
                       "\n"
                       "msgid \"no context\"\n"
                       "msgstr \"sans contexte\"";
    vg_po po;
    char err[256] = "";
    CHECK_MSG(parse(text, &po, err, sizeof err) == 0, "%s", err);
    CHECK_INT_EQ(po.count, 4);
    if (po.count != 4)
        return;
    CHECK(po.entries[0].ctxt == NULL);
    CHECK_STR_EQ(po.entries[0].id, "");
    CHECK_INT_EQ(po.entries[0].line, 2);
    CHECK_STR_EQ(po.entries[1].ctxt, "home.title");
    CHECK_STR_EQ(po.entries[1].id, "Hello {name}");
    CHECK_STR_EQ(po.entries[1].str, "Bonjour {name}\n\t\"x\"\\");
    CHECK_INT_EQ(po.entries[1].fuzzy, 1);
    CHECK_INT_EQ(po.entries[1].line, 10);
    CHECK_STR_EQ(po.entries[2].ctxt, "c");
    CHECK_STR_EQ(po.entries[2].str, "");
    CHECK_INT_EQ(po.entries[2].fuzzy, 0);
    /* The obsolete entry is gone, and its fuzzy flag with it. */
    CHECK(po.entries[3].ctxt == NULL);
    CHECK_STR_EQ(po.entries[3].str, "sans contexte");
    CHECK_INT_EQ(po.entries[3].fuzzy, 0);
    char value[64];
    CHECK_STR_EQ(vg_po_header(&po, "Language", value, sizeof value), "fr");
    CHECK(vg_po_header(&po, "Plural-Forms", value, sizeof value) == NULL);
    vg_po_free(&po);

    /* An empty file is an empty catalogue. */
    CHECK(parse("", &po, err, sizeof err) == 0 && po.count == 0);
    vg_po_free(&po);
}

static void test_refuses(void)
{
    const struct {
        const char *text, *want; /* want: the start of the message */
    } cases[] = {
        {"msgid \"a\"\nmsgstr \"b", "t.po:2: the string is not closed"},
        {"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"\"\n", "t.po:2: plural forms"},
        {"msgid \"a\" x\nmsgstr \"\"\n", "t.po:1: text after the closing quote"},
        {"msgid \"\\q\"\nmsgstr \"\"\n", "t.po:1: unknown escape \\q"},
        {"msgid \"\\101\"\nmsgstr \"\"\n", "t.po:1: unknown escape \\1"},
        {"msgstr \"x\"\n", "t.po:1: msgstr without its msgid"},
        {"msgid \"a\"\n\nmsgstr \"b\"\n", "t.po:1: an entry needs a msgid and a msgstr"},
        {"msgctxt \"k\"\nmsgid \"a\"\n", "t.po:1: an entry needs a msgid and a msgstr"},
        {"msgctxt \"k\"\nmsgctxt \"k\"\n", "t.po:2: msgctxt in the middle of an entry"},
        {"msgid \"a\"\nmsgid \"b\"\n", "t.po:2: a second msgid"},
        {"\"loose\"\n", "t.po:1: a string that continues nothing"},
        {"msgid a\nmsgstr \"\"\n", "t.po:1: expected a quoted string"},
        {"msgfoo \"a\"\n", "t.po:1: expected msgctxt"},
        {"msgid \"tab\there\"\nmsgstr \"\"\n", "t.po:1: a control character"},
        {"\nmsgid \"\303(\"\nmsgstr \"\"\n", "t.po:2: not UTF-8"},
        {"msgid \"\300\257\"\nmsgstr \"\"\n", "t.po:1: not UTF-8"},     /* overlong '/' */
        {"msgid \"\355\240\200\"\nmsgstr \"\"\n", "t.po:1: not UTF-8"}, /* a surrogate */
        {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n",
         "t.po:1: the header names charset ISO-8859-1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_po po;
        char err[256] = "";
        int rc = parse(cases[i].text, &po, err, sizeof err);
        CHECK_MSG(rc != 0 && po.count == 0 && po.entries == NULL, "case %zu was read", i);
        CHECK_MSG(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
                  "case %zu: \"%s\", expected \"%s...\"", i, err, cases[i].want);
    }
    /* A NUL byte inside the text. */
    vg_po po;
    char err[256] = "";
    CHECK(vg_po_parse("msgid \"a\0\"\nmsgstr \"\"\n", 20, "t.po", &po, err, sizeof err) != 0);
    CHECK(strstr(err, "not UTF-8") != NULL);
}

int main(void)
{
    RUN(test_reads_entries);
    RUN(test_refuses);
    return vg_test_exit();
}
