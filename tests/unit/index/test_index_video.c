/*
 * Videos in the index: vg_index_search_vpdq must give exactly what
 * vg_vpdq_compare against every video of the bank gives (brute force), for
 * several thresholds and distances, through the PDQ tables and through the
 * scan, in a base segment and a delta, after removals and a compaction. A
 * single frame finds its video through vg_index_search_pdq, once, as type
 * vpdq; image entries keep working beside videos.
 */
#include "index_test_util.h"
#include <sys/stat.h>

#include "vigie/vpdq.h"

#define VIDEOS 400
#define QUERIES 6

typedef struct bank_video {
    vg_vpdq frames;
    char id[32];
} bank_video;

static bank_video bank[VIDEOS + 40];
static size_t bank_count;
static vg_vpdq queries[QUERIES];

static void add_frame(vg_vpdq *v, const uint8_t *hash, int quality)
{
    vg_vpdq_frame f = {.number = v->count, .quality = quality, .timestamp = v->count};
    memcpy(f.hash.bytes, hash, VG_PDQ_BYTES);
    vg_vpdq_append(v, &f, NULL);
}

/* Query videos of 4..40 random frames, some repeated, some of low quality;
 * bank videos either random or made from a query's frames (a part of them,
 * each moved by 0..40 bits, plus frames of their own), so that every share
 * from 0 to 100 % and both sides of the distance occur. */
static void make_data(void)
{
    for (int q = 0; q < QUERIES; q++) {
        int n = 4 + (int)(rng() % 37);
        for (int i = 0; i < n; i++) {
            uint8_t h[32];
            random_bytes(h, 32);
            add_frame(&queries[q], h, rng() % 8 ? 80 : 30);
            if (rng() % 6 == 0)
                add_frame(&queries[q], h, 80);
            /* Consecutive frames of a video are often a few bits apart: one
             * bank frame then matches several query frames. */
            if (rng() % 3 == 0) {
                flip_bits(h, 2 + (int)(rng() % 12));
                add_frame(&queries[q], h, 80);
            }
        }
    }
    for (size_t v = 0; v < VIDEOS; v++) {
        bank_video *b = &bank[bank_count++];
        snprintf(b->id, sizeof b->id, "video-%zu", v);
        if (v % 3 == 0) {
            const vg_vpdq *q = &queries[rng() % QUERIES];
            for (size_t i = 0; i < q->count; i++) {
                if (rng() % 4 == 0)
                    continue;
                uint8_t h[32];
                memcpy(h, q->frames[i].hash.bytes, 32);
                flip_bits(h, (int)(rng() % 41));
                add_frame(&b->frames, h, rng() % 10 ? 90 : 20);
            }
        }
        int own = v % 3 == 0 ? (int)(rng() % 10) : 1 + (int)(rng() % 30);
        for (int i = 0; i < own; i++) {
            uint8_t h[32];
            random_bytes(h, 32);
            add_frame(&b->frames, h, 70);
        }
        add_frame(&b->frames, b->frames.frames[0].hash.bytes, 100); /* a repeated frame */
        if (!vg_vpdq_usable(&b->frames)) {
            uint8_t h[32];
            random_bytes(h, 32);
            add_frame(&b->frames, h, 100);
        }
    }
}

static void add_video(vg_index_builder *builder, uint32_t bank_no, const bank_video *v)
{
    vg_bank_entry e = {.type = VG_SIGNAL_VPDQ, .video = &v->frames, .id = v->id,
                       .id_len = strlen(v->id), .metadata = "x", .metadata_len = 2};
    vg_error err;
    CHECK_MSG(vg_index_builder_add(builder, bank_no, &e, &err) == VG_OK, "%s", err.message);
}

static vg_index *build(size_t from, size_t to, uint64_t multi_min, const char *name)
{
    vg_index_builder *b;
    vg_error err;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    vg_index_builder_set_pdq_multi_min(b, multi_min);
    uint32_t bank_no;
    static const char columns[] = "category";
    CHECK(vg_index_builder_add_bank(b, "videos", columns, sizeof columns, &bank_no, &err) ==
          VG_OK);
    /* An image entry and a digest beside the videos. */
    uint8_t image[32];
    random_bytes(image, 32);
    add_entry(b, bank_no, VG_SIGNAL_PDQ, image, "image-1");
    for (size_t v = from; v < to; v++)
        add_video(b, bank_no, &bank[v]);
    add_entry(b, bank_no, VG_SIGNAL_MD5, image, "md5-1");
    const char *path = temp_path(name);
    CHECK_MSG(vg_index_builder_write(b, path, &err) == VG_OK, "%s", err.message);
    vg_index_builder_free(b);
    vg_index *x = NULL;
    CHECK_MSG(vg_index_open(path, &x, &err) == VG_OK, "%s", err.message);
    CHECK_MSG(x && vg_index_verify(x, &err) == VG_OK, "%s", err.message);
    return x;
}

/* Brute force over bank[0..count) minus the removed ids. */
static size_t brute_force(const vg_vpdq_set *query, const vg_vpdq_match_options *o,
                          size_t count, const bool *removed, vg_index_video_match *out)
{
    size_t n = 0;
    for (size_t v = 0; v < count; v++) {
        if (removed && removed[v])
            continue;
        vg_vpdq_set set;
        vg_vpdq_set_from(&bank[v].frames, VG_VPDQ_QUALITY_THRESHOLD, &set, NULL);
        vg_vpdq_similarity sim;
        vg_vpdq_compare(query, &set, o, &sim);
        vg_vpdq_set_free(&set);
        if (sim.match)
            out[n++] = (vg_index_video_match){v, sim};
    }
    return n;
}

static void check_against_brute_force(const vg_index *x, size_t count, const bool *removed,
                                      const char *what)
{
    static const struct {
        double query, compared;
        int distance;
    } settings[] = {{80, 0, 31}, {0, 0, 31}, {30, 20, 31}, {50, 50, 16}, {0, 60, 40}};
    vg_index_video_matches found = {0};
    vg_index_video_match want[VIDEOS + 40];
    int checked = 0, matched = 0;
    for (size_t s = 0; s < sizeof settings / sizeof *settings; s++) {
        vg_vpdq_match_options o;
        vg_vpdq_match_options_init(&o);
        o.query_percent = settings[s].query;
        o.compared_percent = settings[s].compared;
        o.distance = settings[s].distance;
        for (int q = 0; q < QUERIES; q++) {
            vg_vpdq_set query;
            vg_vpdq_set_from(&queries[q], o.quality_threshold, &query, NULL);
            size_t n = brute_force(&query, &o, count, removed, want);
            vg_error err;
            CHECK(vg_index_search_vpdq(x, &query, &o, &found, &err) == VG_OK);
            CHECK_MSG(found.count == n, "%s, setting %zu, query %d: %zu videos, brute force %zu",
                      what, s, q, found.count, n);
            /* Same videos with the same counts (order: the index sorts). */
            for (size_t i = 0; i < found.count; i++) {
                vg_index_entry e;
                CHECK(vg_index_entry_get(x, found.items[i].entry, &e, NULL) == VG_OK);
                CHECK(e.type == VG_SIGNAL_VPDQ && e.video == found.items[i].entry);
                bool same = false;
                for (size_t k = 0; k < n && !same; k++) {
                    const vg_vpdq_similarity *a = &found.items[i].similarity,
                                             *b = &want[k].similarity;
                    same = strlen(bank[want[k].entry].id) == e.id_len &&
                           memcmp(bank[want[k].entry].id, e.id, e.id_len) == 0 &&
                           a->query_matched == b->query_matched &&
                           a->compared_matched == b->compared_matched &&
                           a->query_frames == b->query_frames &&
                           a->compared_frames == b->compared_frames;
                }
                CHECK_MSG(same, "%s: %.*s differs from brute force", what, (int)e.id_len, e.id);
                if (i > 0)
                    CHECK(found.items[i - 1].similarity.query_percent >=
                          found.items[i].similarity.query_percent);
            }
            checked++;
            matched += n > 0;
            vg_vpdq_set_free(&query);
        }
    }
    CHECK_MSG(matched > checked / 2, "%s: too few queries matched anything to prove much", what);
    vg_index_video_matches_free(&found);
}

static void test_search_equals_brute_force(void)
{
    vg_index *tables = build(0, VIDEOS, 16, "videos-tables.idx");
    vg_index *scanned = build(0, VIDEOS, UINT64_MAX, "videos-scan.idx");
    if (tables)
        check_against_brute_force(tables, VIDEOS, NULL, "PDQ tables");
    if (scanned)
        check_against_brute_force(scanned, VIDEOS, NULL, "scan");
    vg_index_stats st;
    if (tables) {
        vg_index_get_stats(tables, &st);
        CHECK_INT_EQ(st.by_type[VG_SIGNAL_VPDQ], VIDEOS);
        CHECK_INT_EQ(st.by_type[VG_SIGNAL_PDQ], 1);
        CHECK_INT_EQ(st.by_type[VG_SIGNAL_MD5], 1);
    }
    vg_index_close(tables);
    vg_index_close(scanned);
}

static void test_a_still_finds_its_video(void)
{
    vg_index *x = build(0, 50, 16, "videos-still.idx");
    if (!x)
        return;
    vg_index_matches m = {0};
    vg_error err;
    /* A frame of video 7 moved by 10 bits: video 7 once, type vpdq. */
    uint8_t h[32];
    memcpy(h, bank[7].frames.frames[0].hash.bytes, 32);
    flip_bits(h, 10);
    vg_pdq_hash q;
    memcpy(q.bytes, h, 32);
    CHECK(vg_index_search_pdq(x, &q, 31, &m, &err) == VG_OK);
    size_t hits = 0;
    for (size_t i = 0; i < m.count; i++) {
        vg_index_entry e;
        CHECK(vg_index_entry_get(x, m.items[i].entry, &e, NULL) == VG_OK);
        if (e.id_len == strlen(bank[7].id) && memcmp(e.id, bank[7].id, e.id_len) == 0) {
            hits++;
            CHECK(m.items[i].type == VG_SIGNAL_VPDQ);
            CHECK_INT_EQ(m.items[i].distance, 10);
            CHECK_INT_EQ(e.metadata_len, 2); /* the video's entry carries its metadata */
        }
    }
    CHECK_INT_EQ(hits, 1);
    vg_index_matches_free(&m);
    vg_index_close(x);
}

static void test_changes_keep_videos_whole(void)
{
    /* Base: videos 0..VIDEOS-1; delta: 40 more videos, copies of queries. */
    char path[700], csv[700];
    snprintf(path, sizeof path, "%s", temp_path("videos-change.idx"));
    snprintf(csv, sizeof csv, "%s", temp_path("added.csv"));
    vg_index *x = build(0, VIDEOS, 16, "videos-change.idx");
    vg_index_close(x);
    for (int i = 0; i < 40; i++) {
        bank_video *b = &bank[bank_count++];
        snprintf(b->id, sizeof b->id, "added-%d", i);
        const vg_vpdq *q = &queries[i % QUERIES];
        for (size_t k = 0; k < q->count; k++)
            add_frame(&b->frames, q->frames[k].hash.bytes, 90);
    }
    /* The delta goes in through a CSV bank of signal strings. */
    FILE *f = fopen(csv, "w");
    fprintf(f, "signal_type,signal,id,category\n");
    for (int i = 0; i < 40; i++) {
        const bank_video *b = &bank[VIDEOS + i];
        fprintf(f, "vpdq,\"[");
        for (size_t k = 0; k < b->frames.count; k++) {
            char hex[65];
            vg_pdq_to_hex(&b->frames.frames[k].hash, hex);
            fprintf(f, "%s\"\"%s,%d,%zu.0\"\"", k ? "," : "", hex, b->frames.frames[k].quality, k);
        }
        fprintf(f, "]\",%s,x\n", b->id);
    }
    fclose(f);
    const char *banks[] = {csv};
    vg_error err;
    CHECK_MSG(vg_index_add_files(path, banks, 1, NULL, NULL, NULL, &err) == VG_OK, "%s",
              err.message);
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    CHECK(x && vg_index_verify(x, &err) == VG_OK);
    if (x)
        check_against_brute_force(x, bank_count, NULL, "base and delta");
    vg_index_close(x);

    /* Remove three videos (base and delta), then compact. */
    bool removed[VIDEOS + 40] = {false};
    const char *ids[] = {bank[0].id, bank[3].id, bank[VIDEOS + 1].id};
    removed[0] = removed[3] = removed[VIDEOS + 1] = true;
    uint64_t gone = 0;
    CHECK(vg_index_remove_ids(path, NULL, ids, 3, &gone, &err) == VG_OK);
    CHECK_INT_EQ(gone, 3);
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    if (x) {
        vg_index_stats st;
        vg_index_get_stats(x, &st);
        CHECK_INT_EQ(st.by_type[VG_SIGNAL_VPDQ], bank_count - 3);
        check_against_brute_force(x, bank_count, removed, "after removal");
    }
    vg_index_close(x);
    CHECK_MSG(vg_index_compact(path, &err) == VG_OK, "%s", err.message);
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    CHECK(x && vg_index_verify(x, &err) == VG_OK);
    if (x)
        check_against_brute_force(x, bank_count, removed, "after compaction");
    vg_index_close(x);
}

static void test_bank_files_of_videos(void)
{
    /* A hash file is one video, id = its name; a directory of them a bank. */
    char dir[700];
    snprintf(dir, sizeof dir, "%s", temp_path("hashes"));
    CHECK(mkdir(dir, 0700) == 0);
    for (int v = 0; v < 3; v++) {
        char path[800];
        snprintf(path, sizeof path, "%s/clip-%d.txt", dir, v);
        FILE *f = fopen(path, "w");
        for (size_t k = 0; k < bank[v].frames.count; k++) {
            char line[VG_VPDQ_LINE_MAX + 1];
            vg_vpdq_format_line(&bank[v].frames.frames[k], line);
            fprintf(f, "%s\n", line);
        }
        fclose(f);
    }
    vg_index_builder *b;
    vg_error err;
    vg_bank_stats stats;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    CHECK_MSG(vg_index_builder_add_file(b, dir, NULL, NULL, NULL, NULL, &stats, &err) == VG_OK,
              "%s", err.message);
    CHECK_INT_EQ(stats.entries, 3);
    char one[800];
    snprintf(one, sizeof one, "%s/clip-1.txt", dir);
    CHECK(vg_index_builder_add_file(b, one, NULL, NULL, NULL, NULL, &stats, &err) == VG_OK);
    const char *path = temp_path("from-files.idx");
    CHECK(vg_index_builder_write(b, path, &err) == VG_OK);
    vg_index_builder_free(b);
    vg_index *x = NULL;
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    if (!x)
        return;
    CHECK_STR_EQ(vg_index_bank_name(x, 0), "hashes");
    CHECK_STR_EQ(vg_index_bank_name(x, 1), "clip-1");
    vg_vpdq_set q;
    vg_vpdq_set_from(&bank[2].frames, VG_VPDQ_QUALITY_THRESHOLD, &q, NULL);
    vg_index_video_matches m = {0};
    CHECK(vg_index_search_vpdq(x, &q, NULL, &m, &err) == VG_OK);
    CHECK(m.count >= 1);
    vg_index_entry e;
    CHECK(m.count && vg_index_entry_get(x, m.items[0].entry, &e, NULL) == VG_OK &&
          e.id_len == 6 && memcmp(e.id, "clip-2", 6) == 0);
    CHECK(m.count && m.items[0].similarity.query_percent == 100.0 &&
          m.items[0].similarity.compared_percent == 100.0);
    vg_index_video_matches_free(&m);
    vg_vpdq_set_free(&q);
    vg_index_close(x);
}

int main(void)
{
    make_data();
    RUN(test_search_equals_brute_force);
    RUN(test_a_still_finds_its_video);
    RUN(test_changes_keep_videos_whole);
    RUN(test_bank_files_of_videos);
    for (size_t v = 0; v < bank_count; v++)
        vg_vpdq_free(&bank[v].frames);
    for (int q = 0; q < QUERIES; q++)
        vg_vpdq_free(&queries[q]);
    return vg_test_exit();
}
