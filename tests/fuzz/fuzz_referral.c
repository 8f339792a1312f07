/* libFuzzer target: referral packages as `vigie referral verify` reads
 * them. A package that verifies has a manifest and a 64-hex signer; a
 * package signed here, then damaged by the input, never verifies unless
 * the damage left it as it was. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/referral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_referral_check check;
    if (vg_referral_verify((const char *)data, size, NULL, &check, NULL) == VG_OK &&
        (!check.manifest || strlen(check.public_key) != 64))
        abort();
    vg_referral_check_clear(&check);
    return 0;
}
