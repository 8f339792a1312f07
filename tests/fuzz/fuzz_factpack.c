/*
 * tests/fuzz/fuzz_factpack.c - packed statistics' facts (src/model/
 * factpack.h), the blobs read back from stats_packs: any bytes give facts
 * or an error, never a read out of bounds; and facts read are packed again
 * and read back, then packed again to the same bytes. The checksum is not
 * checked in this build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION), so that
 * mutations reach the decoding: a damaged blob that passed it by chance
 * must still be read safely.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/factpack.h"

static int add(void *ctx, const vg_report_fact *fact)
{
    return vg_factpack_add(ctx, fact, NULL) != VG_OK;
}

typedef struct cmp {
    const unsigned char *bytes;
    size_t len;
} cmp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_factpack *p = NULL;
    if (vg_factpack_new(&p, NULL) != VG_OK)
        return 0;
    if (vg_factpack_read(data, size, add, p, NULL) == VG_OK) {
        /* the same facts encode to the same bytes as any valid input's
         * canonical form: packed twice, identical */
        const unsigned char *once;
        size_t n1;
        if (vg_factpack_bytes(p, &once, &n1, NULL) == VG_OK) {
            unsigned char *copy = malloc(n1);
            if (copy) {
                memcpy(copy, once, n1);
                vg_factpack *q = NULL;
                if (vg_factpack_new(&q, NULL) == VG_OK) {
                    if (vg_factpack_read(copy, n1, add, q, NULL) != VG_OK)
                        abort();
                    const unsigned char *twice;
                    size_t n2;
                    if (vg_factpack_bytes(q, &twice, &n2, NULL) != VG_OK || n2 != n1 ||
                        memcmp(twice, copy, n1))
                        abort();
                    vg_factpack_free(q);
                }
                free(copy);
            }
        }
    }
    vg_factpack_free(p);
    return 0;
}
