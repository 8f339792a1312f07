/*
 * src/hotline/banks.c - lookups in the server's index and hashing of what
 * partners send, for the HMA-compatible API (banks.h).
 */
#include "hotline/banks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hotline/bank_curation.h"

#include "vigie/digest.h"
#include "vigie/pdq.h"
#include "vigie/video.h"
#include "vigie/vpdq.h"

void vg_bank_hits_free(vg_bank_hits *hits)
{
    if (hits->held_by)
        vg_hotline_index_release(hits->held_by, hits->ticket);
    free(hits->items);
    memset(hits, 0, sizeof *hits);
}

static vg_status hit_add(vg_bank_hits *hits, const vg_bank_hit *hit, vg_error *err)
{
    if (hits->count == hits->capacity) {
        size_t cap = hits->capacity ? hits->capacity * 2 : 8;
        vg_bank_hit *grown = realloc(hits->items, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        hits->items = grown;
        hits->capacity = cap;
    }
    hits->items[hits->count++] = *hit;
    return VG_OK;
}

/* HMA's names first; vigie's digests after. */
static const struct {
    const char *name;
    vg_signal_type type;
} SIGNAL_NAMES[] = {
    {"pdq", VG_SIGNAL_PDQ}, {"video_md5", VG_SIGNAL_MD5}, {"vpdq", VG_SIGNAL_VPDQ},
    {"md5", VG_SIGNAL_MD5}, {"sha1", VG_SIGNAL_SHA1},     {"sha256", VG_SIGNAL_SHA256},
};

vg_status vg_hotline_signal_type(const char *name, vg_signal_type *type, vg_error *err)
{
    for (size_t i = 0; name && i < sizeof SIGNAL_NAMES / sizeof SIGNAL_NAMES[0]; i++)
        if (!strcmp(name, SIGNAL_NAMES[i].name)) {
            *type = SIGNAL_NAMES[i].type;
            return VG_OK;
        }
    return vg_error_set(err, VG_ERR_INVALID, "No such SignalType '%.64s'", name ? name : "");
}

static const char *bank_of(const vg_index *ix, uint64_t entry)
{
    vg_index_entry e;
    return vg_index_entry_get(ix, entry, &e, NULL) == VG_OK ? e.bank_name : "";
}

static vg_status lookup_digest(const vg_index *ix, vg_signal_type type, const char *signal,
                               vg_bank_hits *out, vg_error *err)
{
    size_t bytes = vg_signal_type_bytes(type);
    uint8_t value[VG_SIGNAL_MAX_BYTES];
    if (strlen(signal) != bytes * 2 || vg_hex_decode(signal, value, bytes) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID, "invalid signal: %zu hex digits expected",
                            bytes * 2);
    vg_index_matches m = {0};
    vg_status st = vg_index_find_exact(ix, type, value, &m, err);
    for (size_t i = 0; st == VG_OK && i < m.count; i++) {
        vg_bank_hit hit = {.entry = m.items[i].entry, .bank = bank_of(ix, m.items[i].entry)};
        st = hit_add(out, &hit, err);
    }
    vg_index_matches_free(&m);
    return st;
}

static vg_status lookup_pdq(const vg_index *ix, const char *signal, int radius, vg_bank_hits *out,
                            vg_error *err)
{
    vg_pdq_hash q;
    if (vg_pdq_from_hex(signal, &q) != VG_OK)
        return vg_error_set(err, VG_ERR_INVALID, "invalid signal: a pdq hash is 64 hex digits");
    vg_index_matches m = {0};
    vg_status st = vg_index_search_pdq(ix, &q, radius, &m, err);
    for (size_t i = 0; st == VG_OK && i < m.count; i++) {
        if (m.items[i].type != VG_SIGNAL_PDQ) /* a video's frame: HMA's pdq index has none */
            continue;
        vg_bank_hit hit = {.entry = m.items[i].entry,
                           .bank = bank_of(ix, m.items[i].entry),
                           .distance = m.items[i].distance};
        st = hit_add(out, &hit, err);
    }
    vg_index_matches_free(&m);
    return st;
}

static vg_status lookup_vpdq(const vg_index *ix, const char *signal, vg_bank_hits *out, vg_error *err)
{
    vg_vpdq video = VG_VPDQ_INIT;
    vg_vpdq_set set = {0};
    vg_index_video_matches m = {0};
    vg_status st = vg_vpdq_parse_signal(signal, strlen(signal), &video, err);
    if (st != VG_OK)
        st = vg_error_set(err, VG_ERR_INVALID, "invalid signal: %s", err ? err->message : "");
    if (st == VG_OK)
        st = vg_vpdq_set_from(&video, VG_VPDQ_QUALITY_THRESHOLD, &set, err);
    if (st == VG_OK)
        st = vg_index_search_vpdq(ix, &set, NULL, &m, err);
    for (size_t i = 0; st == VG_OK && i < m.count; i++) {
        const vg_vpdq_similarity *s = &m.items[i].similarity;
        vg_bank_hit hit = {.entry = m.items[i].entry,
                           .bank = bank_of(ix, m.items[i].entry),
                           .distance = (int)(100.0 - s->query_percent + 0.5),
                           .query_percent = s->query_percent,
                           .compared_percent = s->compared_percent};
        st = hit_add(out, &hit, err);
    }
    vg_index_video_matches_free(&m);
    vg_vpdq_set_free(&set);
    vg_vpdq_free(&video);
    return st;
}

vg_status vg_hotline_bank_lookup(vg_hotline *h, const char *signal_type, const char *signal,
                                 int pdq_radius, vg_bank_hits *out, vg_error *err)
{
    out->count = 0;
    vg_signal_type type = VG_SIGNAL_MD5;
    vg_status st = vg_hotline_signal_type(signal_type, &type, err);
    if (st != VG_OK)
        return st;
    if (!signal)
        return vg_error_set(err, VG_ERR_INVALID, "no signal given");
    if (out->held_by)
        vg_hotline_index_release(out->held_by, out->ticket);
    const vg_index *ix = vg_hotline_index_acquire(h, &out->ticket);
    out->held_by = h;
    if (!ix)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "index not yet ready");
    if (type == VG_SIGNAL_PDQ)
        st = lookup_pdq(ix, signal, pdq_radius, out, err);
    else if (type == VG_SIGNAL_VPDQ)
        st = lookup_vpdq(ix, signal, out, err);
    else
        st = lookup_digest(ix, type, signal, out, err);
    /* what HMA clients disabled or deleted is left out; a bank whose ratio
     * is between 0 and 1 takes part in that share of lookups, as in HMA */
    vg_curation_filter *f = st == VG_OK && out->count ? vg_curation_filter_acquire(h, time(NULL))
                                                       : NULL;
    if (f) {
        double coin = -1;
        size_t kept = 0;
        for (size_t i = 0; i < out->count; i++)
            if (vg_curation_filter_keeps(f, out->items[i].bank, out->items[i].entry, &coin))
                out->items[kept++] = out->items[i];
        out->count = kept;
        vg_curation_filter_release(h, f);
    }
    return st;
}

int vg_hotline_bank_index(vg_hotline *h, vg_index_stats *stats, int64_t *built_at)
{
    memset(stats, 0, sizeof *stats);
    *built_at = 0;
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    if (!ix)
        return 0;
    vg_index_get_stats(ix, stats);
    vg_hotline_index_release(h, ticket);
    struct stat sb;
    if (h->index_path && stat(h->index_path, &sb) == 0)
        *built_at = (int64_t)sb.st_mtime;
    return 1;
}

const char *vg_hotline_bank_name(vg_hotline *h, uint32_t bank, char *out, size_t size)
{
    void *ticket = NULL;
    const vg_index *ix = vg_hotline_index_acquire(h, &ticket);
    const char *name = ix ? vg_index_bank_name(ix, bank) : NULL;
    if (name)
        snprintf(out, size, "%s", name);
    if (ix)
        vg_hotline_index_release(h, ticket);
    return name ? out : NULL;
}

vg_status vg_hotline_bank_entry(vg_hotline *h, uint64_t entry, vg_index_entry *out, int *found,
                                void **ticket, vg_error *err)
{
    *found = 0;
    const vg_index *ix = vg_hotline_index_acquire(h, ticket);
    if (!ix)
        return VG_OK;
    vg_index_stats stats;
    vg_index_get_stats(ix, &stats);
    if (entry >= stats.entries)
        return VG_OK;
    vg_status st = vg_index_entry_get(ix, entry, out, err);
    *found = st == VG_OK;
    return st;
}

/* ---- hashing ------------------------------------------------------------ */

void vg_media_signals_clear(vg_media_signals *s)
{
    free(s->vpdq);
    memset(s, 0, sizeof *s);
}

/* python-threatexchange's signal string: ["pdq_hex,quality,timestamp",...] */
static char *vpdq_signal(const vg_vpdq *video)
{
    size_t cap = 3 + video->count * (VG_PDQ_HEX_CHARS + 32);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    out[n++] = '[';
    for (size_t i = 0; i < video->count; i++) {
        char hex[VG_PDQ_HEX_CHARS + 1];
        vg_pdq_to_hex(&video->frames[i].hash, hex);
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s,%d,%.3f\"", i ? "," : "", hex,
                              video->frames[i].quality, video->frames[i].timestamp);
    }
    out[n++] = ']';
    out[n] = 0;
    return out;
}

vg_status vg_hotline_hash_media(const uint8_t *data, size_t len, int video, vg_media_signals *out,
                                vg_error *err)
{
    memset(out, 0, sizeof *out);
    vg_digests d;
    vg_status st = vg_digest_buffer(data, len, &d, err);
    if (st != VG_OK)
        return st;
    vg_hex_encode(d.md5, sizeof d.md5, out->md5);
    if (!video) {
        vg_pdq_result r;
        st = vg_pdq_from_encoded(data, len, NULL, false, &r, err);
        if (st == VG_OK) {
            vg_pdq_to_hex(&r.hashes[0], out->pdq);
            out->pdq_quality = r.quality;
        }
        return st;
    }
    vg_video_options opts;
    vg_video_options_init(&opts);
    vg_video_hasher *hasher = NULL;
    vg_vpdq frames = VG_VPDQ_INIT;
    st = vg_video_hasher_new(&opts, &hasher, err);
    vg_video_source src = vg_video_source_memory(data, len);
    if (st == VG_OK)
        st = vg_video_hash_frames(hasher, &src, "video", &frames, NULL, err);
    if (st == VG_OK && !(out->vpdq = vpdq_signal(&frames)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_vpdq_free(&frames);
    vg_video_hasher_free(hasher);
    return st;
}
