/* libFuzzer target: the URL canonicaliser on arbitrary bytes. Beyond not
 * crashing, a canonical form must be its own canonical form: a second pass
 * that changes it, or refuses it, is a bug (two reports of one location
 * would then not meet). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *once = NULL;
    if (vg_url_canonicalize((const char *)data, size, &once, NULL) != VG_OK)
        return 0;
    char *twice = NULL;
    vg_status st = vg_url_canonicalize(once, strlen(once), &twice, NULL);
    if (st != VG_OK || strcmp(once, twice) != 0)
        abort();
    free(twice);
    free(once);
    return 0;
}
