/* libFuzzer target: RDAP answers, as any server on the Internet may send
 * them. Beyond not crashing: a contact that comes out must be an address
 * vigie would write to (no line break can reach a notice's header). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hosting/hosting_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rdap_contact c;
    if (rdap_parse((const char *)data, size, &c, NULL) == VG_OK && c.email[0] &&
        !contact_is_email(c.email))
        abort();
    for (const char *p = c.name; *p; p++)
        if ((unsigned char)*p < 0x20)
            abort();
    return 0;
}
