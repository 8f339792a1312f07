/*
 * tests/fuzz/fuzz_tz.c - TZif files (src/util/tz.h): any bytes give a zone
 * or an error, and a zone answers offsets and local times for any instant.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_tz *tz = NULL;
    if (vg_tz_parse(data, size, "fuzz", &tz, NULL) != VG_OK)
        return 0;
    static const int64_t instants[] = {INT32_MIN, -1, 0, 1774742400LL, 1792890000LL,
                                       2216250000LL, 253402300799LL};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        (void)vg_tz_offset(tz, instants[i]);
        (void)vg_tz_to_utc(tz, instants[i]);
    }
    vg_tz_free(tz);
    return 0;
}
