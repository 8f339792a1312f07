/* libFuzzer target: the CyberTipline-compatible intake's XML readers
 * (src/server/ispws/report_xml.c, and through them libxml2 locked down,
 * the URL canonicaliser and the text checks) on arbitrary bytes. An
 * accepted report must have a category of the vocabulary, canonical URLs
 * and a claim that is a JSON object; a refusal must name a documented
 * code and say why. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"
#include "server/ispws/ispws.h"
#include "util/form.h"
#include "util/secure.h"
#include "vigie/url.h"

static void check_claim(char *claim)
{
    json_t *j = json_loads(claim, 0, NULL);
    if (!json_is_object(j))
        abort();
    json_decref(j);
    free(claim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (vg_secure_init(NULL) != VG_OK)
            abort();
        ready = 1;
    }
    vg_hotline h = {.max_files = 20, .pdq_threshold = 31}; /* no store, vault nor index */
    vg_intake_draft d;
    vg_intake_draft_init(&d, "api", NULL);
    char *claim = NULL, why[256];
    vg_ispws_code code =
        vg_ispws_read_report(&h, (const char *)data, size, "Fuzz Platform", &d, &claim, why);
    if (code == VG_ISPWS_OK) {
        int known = 0;
        for (size_t i = 0; vg_category_terms[i].code; i++)
            known |= !strcmp(vg_category_terms[i].code, d.report.category);
        if (!known)
            abort();
        for (size_t i = 0; i < d.report.url_count; i++) {
            char *again = NULL;
            const char *c = d.report.urls[i].canonical;
            if (vg_url_canonicalize(c, strlen(c), &again, NULL) != VG_OK || strcmp(again, c))
                abort();
            free(again);
        }
        if (d.report.description &&
            !vg_utf8_valid(d.report.description, strlen(d.report.description)))
            abort();
        check_claim(claim);
    } else if ((code != VG_ISPWS_INVALID && code != VG_ISPWS_MALFORMED) || !why[0] || claim) {
        abort();
    }
    vg_intake_draft_free(&h, &d);

    int64_t report_id;
    char file_id[64], *details = NULL;
    code = vg_ispws_read_file_details((const char *)data, size, &report_id, file_id, &details, why);
    if (code == VG_ISPWS_OK) {
        if (report_id <= 0 || !file_id[0])
            abort();
        check_claim(details);
    } else if ((code != VG_ISPWS_INVALID && code != VG_ISPWS_MALFORMED) || details) {
        abort();
    }
    return 0;
}
