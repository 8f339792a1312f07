/*
 * vPDQ search (vigie/index.h): one PDQ search per query frame finds the
 * candidate videos and which of their frames matched; the shares are then
 * counted per candidate. A video that no query frame reaches has no
 * matched frame and cannot match (vg_vpdq_similarity_finish), so leaving
 * it out changes nothing: the result is brute force's.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_internal.h"

/* One query frame within the distance of one frame of a video. */
typedef struct frame_hit {
    uint64_t video;
    uint64_t frame; /* the bank frame's entry */
    uint32_t query; /* the query frame's position in the set */
    uint32_t frames; /* the video's frame count */
} frame_hit;

void vg_index_video_matches_free(vg_index_video_matches *m)
{
    if (!m)
        return;
    free(m->items);
    *m = (vg_index_video_matches){0};
}

static int by_video_frame(const void *pa, const void *pb)
{
    const frame_hit *a = pa, *b = pb;
    if (a->video != b->video)
        return a->video < b->video ? -1 : 1;
    if (a->frame != b->frame)
        return a->frame < b->frame ? -1 : 1;
    return (a->query > b->query) - (a->query < b->query);
}

static int by_query(const void *pa, const void *pb)
{
    const frame_hit *a = pa, *b = pb;
    return (a->query > b->query) - (a->query < b->query);
}

static int by_shares(const void *pa, const void *pb)
{
    const vg_index_video_match *a = pa, *b = pb;
    double qa = a->similarity.query_percent, qb = b->similarity.query_percent;
    double ca = a->similarity.compared_percent, cb = b->similarity.compared_percent;
    if (qa != qb)
        return qa > qb ? -1 : 1;
    if (ca != cb)
        return ca > cb ? -1 : 1;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

static bool push_hit(frame_hit **hits, size_t *count, size_t *cap, frame_hit hit)
{
    if (*count == *cap) {
        size_t grown = *cap ? 2 * *cap : 256;
        frame_hit *p = realloc(*hits, grown * sizeof *p);
        if (!p)
            return false;
        *hits = p;
        *cap = grown;
    }
    (*hits)[(*count)++] = hit;
    return true;
}

static bool push_match(vg_index_video_matches *out, vg_index_video_match m)
{
    if (out->count == out->capacity) {
        size_t grown = out->capacity ? 2 * out->capacity : 16;
        vg_index_video_match *p = realloc(out->items, grown * sizeof *p);
        if (!p)
            return false;
        out->items = p;
        out->capacity = grown;
    }
    out->items[out->count++] = m;
    return true;
}

/* Shares of one candidate from its hits (sorted by frame): distinct bank
 * frames, and distinct query frames (counted after a sort by query). */
static vg_vpdq_similarity shares(frame_hit *hits, size_t n, const vg_vpdq_set *query,
                                 const vg_vpdq_match_options *opts)
{
    vg_vpdq_similarity sim = {.query_frames = query->count, .compared_frames = hits[0].frames};
    for (size_t i = 0; i < n; i++)
        sim.compared_matched += i == 0 || hits[i].frame != hits[i - 1].frame;
    qsort(hits, n, sizeof *hits, by_query);
    for (size_t i = 0; i < n; i++)
        sim.query_matched += i == 0 || hits[i].query != hits[i - 1].query;
    vg_vpdq_similarity_finish(&sim, opts);
    return sim;
}

vg_status vg_index_search_vpdq(const vg_index *x, const vg_vpdq_set *query,
                               const vg_vpdq_match_options *opts, vg_index_video_matches *out,
                               vg_error *err)
{
    vg_vpdq_match_options defaults;
    if (!opts) {
        vg_vpdq_match_options_init(&defaults);
        opts = &defaults;
    }
    out->count = 0;
    if (!query || query->count > UINT32_MAX)
        return vg_error_set(err, VG_ERR_INVALID, "vg_index_search_vpdq: bad query");
    vg_index_matches found = {0};
    frame_hit *hits = NULL;
    size_t count = 0, cap = 0;
    vg_status st = VG_OK;
    for (size_t q = 0; st == VG_OK && q < query->count; q++) {
        st = index_search_pdq_entries(x, &query->hashes[q], opts->distance, PDQ_MODE_AUTO,
                                      &found, err);
        for (size_t i = 0; st == VG_OK && i < found.count; i++) {
            uint64_t video;
            uint32_t frames;
            if (!index_frame_video(x, found.items[i].entry, &video, &frames) ||
                index_removed(x, video))
                continue;
            frame_hit hit = {video, found.items[i].entry, (uint32_t)q, frames};
            if (!push_hit(&hits, &count, &cap, hit))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory matching a video");
        }
    }
    if (st == VG_OK && count)
        qsort(hits, count, sizeof *hits, by_video_frame);
    for (size_t start = 0, end; st == VG_OK && start < count; start = end) {
        for (end = start + 1; end < count && hits[end].video == hits[start].video; end++)
            ;
        vg_index_video_match m = {hits[start].video, shares(hits + start, end - start, query,
                                                            opts)};
        if (m.similarity.match && !push_match(out, m))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory matching a video");
    }
    if (st == VG_OK && out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, by_shares);
    if (st != VG_OK)
        out->count = 0;
    free(hits);
    vg_index_matches_free(&found);
    return st;
}
