/*
 * tools/po2c/po.h - a reader of gettext PO files, as translators' tools
 * (Poedit, Weblate, msgmerge) write them.
 *
 * What is read: entries made of an optional msgctxt, a msgid and a msgstr,
 * each a quoted string that may continue on the following lines; the
 * flags line ("#, fuzzy, python-brace-format"); comments, which are
 * skipped; obsolete entries ("#~"), which are dropped. What is refused,
 * with the file and line: anything else, plural forms (vigie's texts have
 * none), escapes other than \n \t \r \" \\, text that is not UTF-8, a NUL
 * byte, a header that names another charset than UTF-8.
 *
 * PO files come from translators, outside the project: the reader is
 * bounded (a file of at most VG_PO_MAX_BYTES, at most VG_PO_MAX_ENTRIES
 * entries) and fuzzed (tests/fuzz/fuzz_po.c). Self-contained: the C
 * library only, so the build can run it before anything else is built.
 */
#ifndef VIGIE_TOOLS_PO_H
#define VIGIE_TOOLS_PO_H

#include <stddef.h>

#define VG_PO_MAX_BYTES (4u << 20)
#define VG_PO_MAX_ENTRIES 20000

typedef struct vg_po_entry {
    char *ctxt;   /* msgctxt, or NULL when the entry has none */
    char *id;     /* msgid ("" for the header) */
    char *str;    /* msgstr ("" when untranslated) */
    int fuzzy;    /* flagged fuzzy: a guess a translator has not checked */
    size_t line;  /* where the entry starts (1-based) */
} vg_po_entry;

typedef struct vg_po {
    vg_po_entry *entries; /* in file order, header included; owned */
    size_t count;
} vg_po;

/* Parse len bytes of text. On failure returns -1 with a message naming
 * origin and the line in err (errcap bytes), and *out empty. */
int vg_po_parse(const char *text, size_t len, const char *origin, vg_po *out, char *err,
                size_t errcap);
void vg_po_free(vg_po *po);

/* The header entry's (msgid "") field value, e.g. "Language", copied into
 * out; NULL when absent. */
const char *vg_po_header(const vg_po *po, const char *field, char *out, size_t cap);

#endif
