/* libFuzzer target: what the safe fetcher reads from a server besides the
 * body: the answer's Content-Type against the accepted list, and the
 * server's certificate as libcurl hands it over (PEM). The first byte
 * picks which; beyond not crashing, a fingerprint that comes out is 64
 * lowercase hex digits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        char hex[65];
        if (vg_fetch_pem_sha256((const char *)data + 1, size - 1, hex)) {
            if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
                abort();
        } else if (hex[0]) {
            abort();
        }
        return 0;
    }
    /* "accepted list" NUL "content type" */
    char *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = 0;
    const char *type = copy + strlen(copy);
    if (type < copy + size - 1)
        type++;
    vg_fetch_type_accepted(copy, type);
    free(copy);
    return 0;
}
