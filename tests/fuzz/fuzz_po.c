/*
 * Fuzz the PO reader of the catalogue converter (tools/po2c/po.c): PO
 * files come from translators, outside the project. Whatever it reads
 * must be UTF-8 without NUL, and nothing may crash, leak or run long.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "po.h"

static int utf8_ok(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c;) {
        int n = *c < 0x80 ? 0 : *c >= 0xf0 ? 3 : *c >= 0xe0 ? 2 : *c >= 0xc2 ? 1 : -1;
        if (n < 0)
            return 0;
        for (int k = 1; k <= n; k++)
            if ((c[k] & 0xc0) != 0x80)
                return 0;
        c += n + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_po po;
    char err[256];
    if (vg_po_parse((const char *)data, size, "fuzz.po", &po, err, sizeof err) != 0) {
        if (po.count || po.entries || !err[0])
            abort(); /* a refusal leaves nothing behind and says why */
        return 0;
    }
    for (size_t i = 0; i < po.count; i++) {
        const vg_po_entry *e = &po.entries[i];
        if ((e->ctxt && !utf8_ok(e->ctxt)) || !utf8_ok(e->id) || !utf8_ok(e->str))
            abort();
    }
    char value[128];
    vg_po_header(&po, "Language", value, sizeof value);
    vg_po_free(&po);
    return 0;
}
