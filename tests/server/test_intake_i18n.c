/*
 * The message catalogues: every language has every key of the English
 * reference (a missing key would show English in the middle of a French
 * page), no text is empty, placeholders survive translation, and the
 * language is chosen from ?lang= and Accept-Language as browsers send it.
 */
#include <string.h>

#include "harness.h"
#include "web/i18n.h"

static vg_i18n *load(void)
{
    vg_i18n *i18n = NULL;
    vg_error err;
    vg_status st = vg_i18n_load(&i18n, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    return i18n;
}

/* The placeholders of text ("{name}"), sorted and joined into out. */
static const char *placeholders(const char *text, char *out, size_t cap)
{
    const char *names[16];
    size_t lens[16], count = 0;
    for (const char *p = strchr(text, '{'); p && count < 16; p = strchr(p + 1, '{')) {
        size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
        if (p[1 + n] == '}')
            names[count] = p + 1, lens[count++] = n;
    }
    for (size_t i = 1; i < count; i++) /* insertion sort: a handful at most */
        for (size_t j = i; j > 0 && strncmp(names[j - 1], names[j], 32) > 0; j--) {
            const char *tn = names[j];
            size_t tl = lens[j];
            names[j] = names[j - 1], lens[j] = lens[j - 1];
            names[j - 1] = tn, lens[j - 1] = tl;
        }
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < count && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "{%.*s}", (int)lens[i], names[i]);
    return out;
}

static void test_catalogues_complete(void)
{
    vg_i18n *i18n = load();
    if (!i18n)
        return;
    const vg_i18n_lang *en = vg_i18n_find(i18n, "en");
    /* The languages the issue asks for, Arabic written right to left. */
    const char *shipped[] = {"fr", "es", "de", "ar"};
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        const vg_i18n_lang *lang = vg_i18n_find(i18n, shipped[i]);
        CHECK_MSG(lang != NULL, "no catalogue %s", shipped[i]);
        if (lang)
            CHECK_MSG(vg_i18n_rtl(lang) == !strcmp(shipped[i], "ar"), "%s: direction",
                      shipped[i]);
    }
    CHECK(en != NULL && !vg_i18n_rtl(en));
    for (size_t l = 0; en && l < vg_i18n_count(i18n); l++) {
        const vg_i18n_lang *lang = vg_i18n_at(i18n, l);
        /* An untranslated or fuzzy entry is left out by po2c: the count
         * says every key is there. */
        CHECK_MSG(vg_i18n_keys(lang) == vg_i18n_keys(en), "%s has %zu keys, en %zu",
                  vg_i18n_code(lang), vg_i18n_keys(lang), vg_i18n_keys(en));
        for (size_t k = 0; k < vg_i18n_keys(en); k++) {
            const char *key = vg_i18n_key_at(en, k);
            const char *text = vg_i18n_get(lang, key);
            const char *english = vg_i18n_get(en, key);
            char want[256], got[256];
            CHECK_MSG(text[0] != '\0', "%s: %s is empty", vg_i18n_code(lang), key);
            CHECK_MSG(!strcmp(placeholders(english, want, sizeof want),
                              placeholders(text, got, sizeof got)),
                      "%s: %s has the placeholders %s, English %s", vg_i18n_code(lang), key, got,
                      want);
            CHECK_MSG(!strstr(text, "child pornography") && !strstr(text, "pornographie") &&
                          !strstr(text, "pornografía") && !strstr(text, "Kinderpornografie") &&
                          !strstr(text, "إباحية"),
                      "%s: %s", vg_i18n_code(lang), key);
        }
    }
    /* The words the issue asks for. */
    CHECK(strstr(vg_i18n_get(en, "report.title"), "child sexual abuse material (CSAM)"));
    /* A missing key shows as itself, never as nothing. */
    CHECK_STR_EQ(vg_i18n_get(en, "no.such.key"), "no.such.key");
    /* The placeholder reader itself. */
    char a[64];
    CHECK_STR_EQ(placeholders("{b} and {a}, {not one} {", a, sizeof a), "{a}{b}");
    vg_i18n_free(i18n);
}

static void test_choose(void)
{
    vg_i18n *i18n = load();
    if (!i18n)
        return;
    const struct {
        const char *query, *header, *want;
    } cases[] = {
        {NULL, NULL, "en"},
        {"fr", "en", "fr"},
        {"FR", NULL, "fr"},
        {"fr-CA", NULL, "fr"},
        {"xx", "fr", "fr"},
        {NULL, "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "fr"},
        {NULL, "de, en;q=0.3, fr;q=0.7", "de"},
        {NULL, "en;q=0.9, fr;q=1", "fr"},
        {NULL, "fr;q=0, en;q=0.1", "en"},
        {NULL, "fr;q=0.000, en;q=0.001", "en"},
        {NULL, "tlh", "en"},
        {NULL, ";;;,,,q=,fr;q", "fr"},
        {NULL, "fr;q=abc", "fr"},
        {NULL, "en-GB-oxendict-with-a-very-long-tag-indeed, fr;q=0.5", "fr"},
        {NULL, "", "en"},
        {NULL, "es-MX, es;q=0.9", "es"},
        {NULL, "de-AT", "de"},
        {NULL, "ar-MA, fr;q=0.5", "ar"},
        {"ar", "de", "ar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const vg_i18n_lang *lang = vg_i18n_choose(i18n, cases[i].query, cases[i].header);
        CHECK_MSG(lang && strcmp(vg_i18n_code(lang), cases[i].want) == 0, "%s / %s -> %s",
                  cases[i].query ? cases[i].query : "-", cases[i].header ? cases[i].header : "-",
                  lang ? vg_i18n_code(lang) : "NULL");
    }
    vg_i18n_free(i18n);
}

int main(void)
{
    RUN(test_catalogues_complete);
    RUN(test_choose);
    return vg_test_exit();
}
