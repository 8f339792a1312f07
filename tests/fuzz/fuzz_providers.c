/* libFuzzer target: the operator's directory of providers (CSV). Every
 * entry it accepts has a usable contact and either an AS or a domain. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hosting/hosting_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    directory d;
    if (directory_parse((const char *)data, size, "fuzz.csv", &d, NULL) != VG_OK)
        return 0;
    for (size_t i = 0; i < d.count; i++) {
        const provider *p = &d.entries[i];
        if ((!p->asn) == (!p->domain) || !p->name[0] ||
            !(contact_is_email(p->contact) || contact_is_https(p->contact)))
            abort();
        if (directory_find(&d, p->domain, p->asn) == NULL)
            abort();
    }
    directory_free(&d);
    return 0;
}
