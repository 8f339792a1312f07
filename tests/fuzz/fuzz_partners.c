/* libFuzzer target: the directory of partner hotlines (routing.partners,
 * CSV). Every partner accepted has a two-letter uppercase country, a name,
 * an https URL without a trailing slash, and a key; no country twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/partners.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_partner_list l;
    if (vg_partners_parse((const char *)data, size, "fuzz.csv", 0, &l, NULL) != VG_OK) {
        if (l.count || l.items)
            abort();
        return 0;
    }
    for (size_t i = 0; i < l.count; i++) {
        const vg_partner *p = &l.items[i];
        size_t u = strlen(p->url);
        if (strlen(p->country) != 2 || p->country[0] < 'A' || p->country[0] > 'Z' || !*p->name ||
            strncmp(p->url, "https://", 8) || p->url[u - 1] == '/' || !*p->key)
            abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l.items[j].country, p->country))
                abort();
    }
    vg_partners_free(&l);
    return 0;
}
