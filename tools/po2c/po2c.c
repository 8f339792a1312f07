/*
 * tools/po2c/po2c.c - vigie-po2c: the message catalogues of i18n/, from
 * gettext PO files to the C tables the server embeds (src/web/i18n.h).
 *
 *   vigie-po2c OUTPUT.c TEMPLATE.pot [CODE=FILE.po ...]
 *
 * Each text is named by its msgctxt (the key pages ask for, "report.title");
 * the template's msgid is the English text; a language's msgstr is its
 * translation. A translation that is empty or fuzzy is left out (the page
 * shows English there, and the catalogue test fails), and so is one made
 * for an English text that has changed since (its msgid no longer matches
 * the template's: msgmerge marks those fuzzy too). A key the template does
 * not have, a key given twice, or a malformed file stops the build with the
 * file and line.
 *
 * The output is written to OUTPUT.c.tmp and renamed, so an interrupted run
 * leaves no half file. Exit status: 0 written, 1 a catalogue is wrong, 2
 * usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "po.h"

typedef struct text {
    const char *key, *value;
    size_t line;
} text;

typedef struct catalogue {
    char code[16];
    const char *path;
    text *texts;
    size_t count;
    vg_po po;
} catalogue;

static int by_key(const void *a, const void *b)
{
    return strcmp(((const text *)a)->key, ((const text *)b)->key);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vigie-po2c: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap > VG_PO_MAX_BYTES)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "vigie-po2c: %s: cannot read\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Keys are what the pages name: lowercase letters, digits, '.', '_', '-'. */
static int key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 63)
        return 0;
    for (const char *k = key; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '.' || *k == '_' ||
              *k == '-'))
            return 0;
    return 1;
}

/* A language code as catalogues are named: "fr", "ast", "pt-BR". */
static int code_ok(const char *code)
{
    size_t n = 0;
    while (code[n] >= 'a' && code[n] <= 'z')
        n++;
    if (n < 2 || n > 3)
        return 0;
    if (!code[n])
        return 1;
    if (code[n] != '-' || !code[n + 1] || strlen(code) > 12)
        return 0;
    for (const char *c = code + n + 1; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    return 1;
}

static int load(catalogue *c)
{
    size_t len = 0;
    char *data = read_file(c->path, &len);
    if (!data)
        return 2;
    char err[512];
    int rc = vg_po_parse(data, len, c->path, &c->po, err, sizeof err);
    free(data);
    if (rc != 0) {
        fprintf(stderr, "vigie-po2c: %s\n", err);
        return 1;
    }
    c->texts = calloc(c->po.count ? c->po.count : 1, sizeof *c->texts);
    return c->texts ? 0 : 2;
}

/* The template: every entry but the header has a key; the English text
 * is its msgid. */
static int read_template(catalogue *en)
{
    int rc = load(en);
    if (rc)
        return rc;
    for (size_t i = 0; i < en->po.count; i++) {
        const vg_po_entry *e = &en->po.entries[i];
        if (!e->ctxt && !e->id[0])
            continue; /* the header */
        if (!e->ctxt || !key_ok(e->ctxt) || !e->id[0]) {
            fprintf(stderr, "vigie-po2c: %s:%zu: each text needs its key in msgctxt "
                            "(a-z, 0-9, '.', '_', '-') and an English msgid\n",
                    en->path, e->line);
            return 1;
        }
        en->texts[en->count++] = (text){e->ctxt, e->id, e->line};
    }
    qsort(en->texts, en->count, sizeof *en->texts, by_key);
    for (size_t i = 1; i < en->count; i++)
        if (!strcmp(en->texts[i].key, en->texts[i - 1].key)) {
            fprintf(stderr, "vigie-po2c: %s:%zu: key %s is given twice\n", en->path,
                    en->texts[i].line, en->texts[i].key);
            return 1;
        }
    return 0;
}

static int read_language(catalogue *c, const catalogue *en)
{
    int rc = load(c);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->po.count; i++) {
        const vg_po_entry *e = &c->po.entries[i];
        if (!e->ctxt && !e->id[0])
            continue;
        text probe = {e->ctxt ? e->ctxt : "", NULL, 0};
        const text *ref = bsearch(&probe, en->texts, en->count, sizeof *en->texts, by_key);
        if (!ref) {
            fprintf(stderr, "vigie-po2c: %s:%zu: %s%s is not in %s (msgmerge the file with it)\n",
                    c->path, e->line, e->ctxt ? "key " : "an entry without a key",
                    e->ctxt ? e->ctxt : "", en->path);
            return 1;
        }
        if (!e->str[0] || e->fuzzy)
            continue; /* untranslated: English shows */
        if (strcmp(e->id, ref->value) != 0) {
            fprintf(stderr, "vigie-po2c: %s:%zu: warning: %s translates an older English text; "
                            "left out until it is updated\n",
                    c->path, e->line, e->ctxt);
            continue;
        }
        c->texts[c->count++] = (text){e->ctxt, e->str, e->line};
    }
    qsort(c->texts, c->count, sizeof *c->texts, by_key);
    for (size_t i = 1; i < c->count; i++)
        if (!strcmp(c->texts[i].key, c->texts[i - 1].key)) {
            fprintf(stderr, "vigie-po2c: %s:%zu: key %s is given twice\n", c->path,
                    c->texts[i].line, c->texts[i].key);
            return 1;
        }
    return 0;
}

/* s as a C string literal: printable ASCII as it is (but '"', '\\' and
 * '?', which could start a trigraph), everything else in octal. */
static void literal(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\' || *c == '?')
            fprintf(out, "\\%c", *c);
        else if (*c >= 0x20 && *c < 0x7f)
            fputc(*c, out);
        else
            fprintf(out, "\\%03o", *c);
    }
    fputc('"', out);
}

static void ident(char *out, const char *code)
{
    for (; *code; code++)
        *out++ = *code == '-' ? '_' : *code;
    *out = '\0';
}

static int write_output(const char *path, catalogue *cats, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "vigie-po2c: %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    fprintf(out, "/* Generated by vigie-po2c (tools/po2c) from i18n/: do not edit. */\n"
                 "#include \"web/i18n_embedded.h\"\n");
    for (size_t c = 0; c < n; c++) {
        char id[16];
        ident(id, cats[c].code);
        const char *base = strrchr(cats[c].path, '/');
        fprintf(out, "\n/* i18n/%s */\nstatic const vg_i18n_text cat_%s[] = {\n",
                base ? base + 1 : cats[c].path, id);
        for (size_t i = 0; i < cats[c].count; i++) {
            fputs("    {", out);
            literal(out, cats[c].texts[i].key);
            fputs(", ", out);
            literal(out, cats[c].texts[i].value);
            fputs("},\n", out);
        }
        if (!cats[c].count)
            fputs("    {0, 0},\n", out);
        fputs("};\n", out);
    }
    fputs("\nconst vg_i18n_embedded vg_i18n_catalogues[] = {\n", out);
    for (size_t c = 0; c < n; c++) {
        char id[16];
        ident(id, cats[c].code);
        fprintf(out, "    {\"%s\", cat_%s, %zu},\n", cats[c].code, id, cats[c].count);
    }
    fputs("    {0, 0, 0},\n};\n", out);
    int bad = ferror(out);
    if (fclose(out) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "vigie-po2c: %s: cannot write\n", path);
        remove(tmp);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vigie-po2c OUTPUT.c TEMPLATE.pot [CODE=FILE.po ...]\n");
        return 2;
    }
    size_t n = (size_t)argc - 2;
    catalogue *cats = calloc(n, sizeof *cats);
    if (!cats)
        return 2;
    snprintf(cats[0].code, sizeof cats[0].code, "en");
    cats[0].path = argv[2];
    int rc = read_template(&cats[0]);
    for (size_t c = 1; rc == 0 && c < n; c++) {
        const char *arg = argv[c + 2], *eq = strchr(arg, '=');
        if (!eq || (size_t)(eq - arg) >= sizeof cats[c].code) {
            fprintf(stderr, "vigie-po2c: expected CODE=FILE.po, got %s\n", arg);
            rc = 2;
            break;
        }
        snprintf(cats[c].code, sizeof cats[c].code, "%.*s", (int)(eq - arg), arg);
        cats[c].path = eq + 1;
        if (!code_ok(cats[c].code) || !strcmp(cats[c].code, "en")) {
            fprintf(stderr, "vigie-po2c: %s: a catalogue is named by its language code (fr, "
                            "ast, pt-BR), and English is the template\n",
                    cats[c].path);
            rc = 1;
            break;
        }
        for (size_t k = 0; k < c && rc == 0; k++)
            if (!strcmp(cats[k].code, cats[c].code)) {
                fprintf(stderr, "vigie-po2c: two catalogues for %s\n", cats[c].code);
                rc = 1;
            }
        if (rc == 0)
            rc = read_language(&cats[c], &cats[0]);
    }
    if (rc == 0)
        rc = write_output(argv[1], cats, n);
    for (size_t c = 0; c < n; c++) {
        free(cats[c].texts);
        vg_po_free(&cats[c].po);
    }
    free(cats);
    return rc;
}
