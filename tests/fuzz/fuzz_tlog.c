/* libFuzzer target: the transparency log's parsers (vigie/tlog.h) on
 * arbitrary bytes: signed notes, checkpoints, verifier keys, tile paths,
 * entry bundles and entries. What parses must format back to the same
 * bytes (one spelling each), so a verifier and the log never disagree on
 * what a checkpoint or an entry says. The first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/tlog.h"

static int each_entry(void *ctx, const unsigned char *entry, size_t len)
{
    (void)ctx;
    vg_tlog_entry e;
    if (vg_tlog_entry_parse((const char *)entry, len, &e, NULL) == VG_OK) {
        char *text;
        size_t tl;
        if (vg_tlog_entry_encode(&e, &text, &tl, NULL) != VG_OK || tl != len ||
            memcmp(text, entry, len))
            abort();
        free(text);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {
        /* a note signed by a fixed key, then its checkpoint */
        static const unsigned char seed[32] = {1};
        vg_note_signer signer;
        vg_note_verifier v;
        if (vg_note_signer_init(&signer, "example.org/log", seed, NULL) != VG_OK)
            abort();
        vg_note_verifier_of(&signer, &v);
        vg_note_signer_clear(&signer);
        size_t text_len;
        vg_tlog_checkpoint c;
        if (vg_note_open(s, n, &v, &text_len, NULL) == VG_OK && text_len > n)
            abort();
        (void)vg_tlog_checkpoint_open(s, n, &v, &c, NULL);
        break;
    }
    case 1: {
        vg_tlog_checkpoint c;
        if (vg_tlog_checkpoint_parse(s, n, &c, NULL) == VG_OK) {
            char *text;
            size_t tl;
            /* without extension lines, the text is the checkpoint's one spelling */
            if (vg_tlog_checkpoint_format(&c, &text, &tl, NULL) == VG_OK) {
                if (tl > n || memcmp(text, s, tl))
                    abort();
                free(text);
            }
        }
        break;
    }
    case 2: {
        vg_note_verifier v;
        char *back;
        if (vg_note_verifier_parse(s, n, &v, NULL) == VG_OK) {
            /* s may carry white space around it: the key formatted back
             * must parse to the same verifier */
            if (vg_note_verifier_format(&v, &back, NULL) != VG_OK)
                abort();
            vg_note_verifier w;
            if (vg_note_verifier_parse(back, strlen(back), &w, NULL) != VG_OK ||
                memcmp(&v, &w, sizeof v))
                abort();
            free(back);
        }
        break;
    }
    case 3: {
        char path[256];
        size_t l = n < sizeof path - 1 ? n : sizeof path - 1;
        memcpy(path, s, l);
        path[l] = 0;
        vg_tlog_tile t;
        if (vg_tlog_tile_path_parse(path, &t, NULL) == VG_OK) {
            char again[64];
            if (vg_tlog_tile_path(&t, again, sizeof again, NULL) != VG_OK || strcmp(again, path))
                abort();
        }
        break;
    }
    default:
        (void)vg_tlog_bundle_each((const unsigned char *)s, n, each_entry, NULL, NULL, NULL);
        each_entry(NULL, (const unsigned char *)s, n);
        break;
    }
    return 0;
}
