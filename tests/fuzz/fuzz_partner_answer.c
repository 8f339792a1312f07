/* libFuzzer target: what a partner hotline answers (a receipt, a report's
 * fate), read by the deliveries job as hostile input. A receipt's id is a
 * usable reference; every action read has a known type and sane strings;
 * a status read is a known one, a version positive or none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/partner_answer.h"
#include "model/vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[VG_PARTNER_REFERENCE_MAX];
    if (vg_partner_receipt_parse((const char *)data, size, id, NULL) == VG_OK &&
        (!id[0] || strchr(id, '/') || strlen(id) >= VG_PARTNER_REFERENCE_MAX))
        abort();
    vg_route_action *a = NULL;
    size_t n = 0;
    if (vg_partner_fate_parse((const char *)data, size, &a, &n, NULL) == VG_OK) {
        if (n > VG_PARTNER_ACTIONS_MAX)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!vg_term_find(vg_done_terms, a[i].type) || a[i].at < 0 || !a[i].to ||
                strlen(a[i].reference) >= VG_PARTNER_REFERENCE_MAX)
                abort();
        vg_route_actions_free(a, n);
    }
    const char *status = NULL;
    int64_t version = -1;
    vg_status st = vg_partner_fate_status((const char *)data, size, &status, &version, NULL);
    if ((status && !vg_term_find(vg_report_status_terms, status)) || version < 0 ||
        (st != VG_OK && (status || version)))
        abort();
    return 0;
}
