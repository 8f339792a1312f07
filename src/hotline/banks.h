/*
 * src/hotline/banks.h - the hash banks of the server's index, for partners
 * that hash their own content and look it up (the HMA-compatible API,
 * docs/interop-server.md).
 *
 * The index is the one intake matches against (intake.index); it is opened
 * at start and read-only here, so every call may run on any thread at once.
 * Nothing here is written or audited: a lookup reads the index only, and
 * what a partner learns from it is what its key's "match" scope grants.
 *
 * Signals are named as python-threatexchange and HMA name them: "pdq",
 * "video_md5" (an MD5 digest: the index does not tell photos' from
 * videos'), "vpdq" (its JSON signal string), and vigie's own "md5", "sha1",
 * "sha256".
 */
#ifndef VIGIE_HOTLINE_BANKS_H
#define VIGIE_HOTLINE_BANKS_H

#include <stddef.h>
#include <stdint.h>

#include "hotline/hotline.h"

/* One entry of the index a signal matched. */
typedef struct vg_bank_hit {
    uint64_t entry;       /* the entry number: HMA's content id */
    const char *bank;     /* borrowed from the index */
    int distance;         /* PDQ bits; 0 for digests; for vpdq, 100 - query share */
    double query_percent; /* vpdq: share of the query's frames matched */
    double compared_percent;
} vg_bank_hit;

typedef struct vg_bank_hits {
    vg_bank_hit *items;
    size_t count, capacity;
    /* the index the hits' bank names are borrowed from, held until
     * vg_bank_hits_free (the file may be replaced meanwhile) */
    vg_hotline *held_by;
    void *ticket;
} vg_bank_hits;
void vg_bank_hits_free(vg_bank_hits *hits);

/* The index's type of an HMA signal type name; VG_ERR_INVALID for a name
 * it does not know. */
vg_status vg_hotline_signal_type(const char *name, vg_signal_type *type, vg_error *err);

/* Look a signal (its text, as HMA clients send it) up: every live entry of
 * its type that matches, PDQ within pdq_radius (vPDQ frames too, with the
 * default shares), in the index's order. VG_ERR_INVALID: an unknown type
 * or a malformed signal; VG_ERR_UNSUPPORTED: no index is configured. */
vg_status vg_hotline_bank_lookup(vg_hotline *h, const char *signal_type, const char *signal,
                                 int pdq_radius, vg_bank_hits *out, vg_error *err);

/* Whether an index is configured; its statistics and the time its file
 * was last written (Unix seconds), of the index as it is now. */
int vg_hotline_bank_index(vg_hotline *h, vg_index_stats *stats, int64_t *built_at);

/* The name of bank i (< stats.banks) copied into out[size]: out, or NULL
 * when there is no such bank. */
const char *vg_hotline_bank_name(vg_hotline *h, uint32_t bank, char *out, size_t size);

/* An entry (live or not) by number: *found 0 when there is none. Its
 * strings are borrowed from the index, held through *ticket until the
 * caller's vg_hotline_index_release(h, *ticket). */
vg_status vg_hotline_bank_entry(vg_hotline *h, uint64_t entry, vg_index_entry *out, int *found,
                                void **ticket, vg_error *err);

/* ---- hashing what a partner sends ------------------------------------- */

/* The signals of one file, as text. */
typedef struct vg_media_signals {
    char md5[33];
    char pdq[65]; /* photos; "" otherwise */
    int pdq_quality;
    char *vpdq; /* videos: the JSON signal string, malloc'd; NULL otherwise */
} vg_media_signals;
void vg_media_signals_clear(vg_media_signals *s);

/* Hash a photo (video = 0) or a video held in memory: never written to
 * disk. VG_ERR_INVALID (or the decoder's status) when it is not one. */
vg_status vg_hotline_hash_media(const uint8_t *data, size_t len, int video, vg_media_signals *out,
                                vg_error *err);

#endif
