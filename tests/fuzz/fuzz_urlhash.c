/* libFuzzer target: Safe Browsing canonicalisation and expressions
 * (vigie/urlhash.h) on arbitrary bytes. Beyond not crashing: a canonical
 * form is within the size limit and has a scheme, a host and a path; an
 * address has 1 to 30 expressions, none empty, none repeated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/urlhash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *canon = NULL;
    if (vg_urlhash_canonicalize((const char *)data, size, &canon, NULL) != VG_OK)
        return 0;
    const char *host = strstr(canon, "://");
    if (strlen(canon) > VG_URLHASH_MAX_BYTES || !host || !strchr(host + 3, '/') ||
        strchr(host + 3, '/') == host + 3)
        abort();
    free(canon);
    vg_urlhash_expressions ex;
    if (vg_urlhash_expressions_of((const char *)data, size, &ex, NULL) != VG_OK)
        abort(); /* it canonicalised above */
    if (ex.count < 1 || ex.count > VG_URLHASH_MAX_EXPRESSIONS)
        abort();
    for (size_t i = 0; i < ex.count; i++) {
        if (!ex.items[i][0])
            abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(ex.items[i], ex.items[j]))
                abort();
    }
    vg_urlhash_expressions_clear(&ex);
    return 0;
}
