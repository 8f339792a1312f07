/* libFuzzer target: a kept report's draft read back
 * (vg_intake_draft_load, src/hotline/draft.c), the text the
 * CyberTipline-compatible intake keeps in the store between requests. The
 * store is the hotline's own, but a damaged row must give an error, never a
 * crash; a draft that reads saves to a text that reads back to the same
 * text (nothing lost or changed on the way). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/intake.h"
#include "util/secure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (vg_secure_init(NULL) != VG_OK)
            abort();
        ready = 1;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    vg_intake_draft d;
    vg_intake_draft_init(&d, "api", NULL);
    vg_error err;
    if (vg_intake_draft_load(&d, text, &err) == VG_OK) {
        char *saved = NULL, *again = NULL;
        if (vg_intake_draft_save(&d, &saved, &err) != VG_OK)
            abort();
        vg_intake_draft e;
        vg_intake_draft_init(&e, "api", NULL);
        if (vg_intake_draft_load(&e, saved, &err) != VG_OK ||
            vg_intake_draft_save(&e, &again, &err) != VG_OK || strcmp(saved, again))
            abort();
        e.stored = 1; /* nothing of the vault to remove: there is none */
        vg_intake_draft_free(NULL, &e);
        free(saved);
        free(again);
    }
    d.stored = 1;
    vg_intake_draft_free(NULL, &d);
    free(text);
    return 0;
}
