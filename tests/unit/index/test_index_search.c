/* Exactness of the index: PDQ radius search against brute force on random
 * banks with planted near-duplicates (every distance up to and past the
 * radius, duplicates, differences packed into few parts), in both search
 * ways and at radii around every multiple of 8; exact digest lookups. */
#include "index_test_util.h"

#define RANDOM_ENTRIES 20000
#define QUERIES 120

typedef struct bank_model {
    uint8_t (*hash)[32];
    size_t count, capacity;
} bank_model;

static void model_add(bank_model *m, const uint8_t *h)
{
    if (m->count == m->capacity) {
        m->capacity = m->capacity ? m->capacity * 2 : 1024;
        m->hash = realloc(m->hash, m->capacity * 32);
    }
    memcpy(m->hash[m->count++], h, 32);
}

/* Flip `bits` bits chosen inside the first `parts` 16-bit parts of a random
 * pair order, so that some pairs carry much of the distance. */
static void flip_packed(uint8_t *h, int bits, int parts)
{
    int start = (int)(rng() % 16);
    uint8_t used[256] = {0};
    int limit = parts * 16 < bits ? bits : parts * 16;
    for (int done = 0; done < bits;) {
        int k = (int)(rng() % (uint64_t)limit);
        int bit = ((start * 16 + k) % 256);
        if (used[bit])
            continue;
        used[bit] = 1;
        h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        done++;
    }
}

static bank_model bank;
static uint8_t queries[QUERIES][32];
static vg_index *index_multi;

static void build(void)
{
    rng_state = 42;
    for (int i = 0; i < RANDOM_ENTRIES; i++) {
        uint8_t h[32];
        random_bytes(h, 32);
        model_add(&bank, h);
    }
    for (int q = 0; q < QUERIES; q++) {
        random_bytes(queries[q], 32);
        if (q % 2)
            continue; /* half the queries have no planted neighbours */
        for (int d = 0; d <= 66; d++) {
            uint8_t h[32];
            memcpy(h, queries[q], 32);
            if (q % 4 == 0)
                flip_bits(h, d);
            else
                flip_packed(h, d, 1 + (int)(rng() % 4));
            model_add(&bank, h);
            if (d % 9 == 0) /* duplicates, which share every table bucket */
                model_add(&bank, h);
        }
    }
    /* Shuffle so planted entries are spread over entry numbers. */
    for (size_t i = bank.count - 1; i > 0; i--) {
        size_t j = (size_t)(rng() % (i + 1));
        uint8_t t[32];
        memcpy(t, bank.hash[i], 32);
        memcpy(bank.hash[i], bank.hash[j], 32);
        memcpy(bank.hash[j], t, 32);
    }
    vg_index_builder *b;
    vg_error err;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    vg_index_builder_set_pdq_multi_min(b, 1);
    uint32_t bk;
    CHECK(vg_index_builder_add_bank(b, "random", NULL, 0, &bk, &err) == VG_OK);
    for (size_t i = 0; i < bank.count; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i);
        add_entry(b, bk, VG_SIGNAL_PDQ, bank.hash[i], id);
    }
    const char *path = temp_path("pdq.vgx");
    vg_status st = vg_index_builder_write(b, path, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    vg_index_builder_free(b);
    st = vg_index_open(path, &index_multi, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    st = vg_index_verify(index_multi, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
}

/* Brute force: every entry within r, by distance then entry (ids are the
 * entry numbers here). */
static size_t brute(const int *dist, int r, vg_index_match *out)
{
    size_t n = 0;
    for (int d = 0; d <= r; d++)
        for (size_t i = 0; i < bank.count; i++)
            if (dist[i] == d)
                out[n++] = (vg_index_match){i, d, VG_SIGNAL_PDQ, 0};
    return n;
}

static void test_pdq_exact_against_brute_force(void)
{
    static const int radii[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 39, 40,
                                47, 48, 55, 56, 63, 64};
    static const pdq_mode modes[] = {PDQ_MODE_MULTI, PDQ_MODE_SCAN, PDQ_MODE_AUTO};
    vg_index_match *expected = malloc(bank.count * sizeof *expected);
    vg_index_matches got = {0};
    size_t total = 0, mismatches = 0;
    int *dist = malloc(bank.count * sizeof *dist);
    for (int q = 0; q < QUERIES; q++) {
        for (size_t i = 0; i < bank.count; i++)
            dist[i] = distance256(queries[q], bank.hash[i]);
        for (size_t ri = 0; ri < sizeof radii / sizeof radii[0]; ri++) {
            int r = radii[ri];
            size_t n = brute(dist, r, expected);
            total += n;
            for (size_t m = 0; m < 3; m++) {
                vg_error err;
                vg_pdq_hash qh;
                memcpy(qh.bytes, queries[q], 32);
                CHECK(vg_index_search_pdq_mode(index_multi, &qh, r, modes[m], &got, &err) == VG_OK);
                bool same = got.count == n;
                for (size_t i = 0; same && i < n; i++)
                    same = got.items[i].entry == expected[i].entry &&
                           got.items[i].distance == expected[i].distance;
                if (!same && mismatches++ < 5)
                    CHECK_MSG(same, "query %d radius %d mode %d: %zu matches, expected %zu", q,
                              r, (int)modes[m], got.count, n);
            }
        }
    }
    CHECK_INT_EQ(mismatches, 0);
    CHECK(total > 1000); /* the planted neighbours were there to be found */
    vg_index_matches_free(&got);
    free(expected);
    free(dist);
}

static void test_pdq_boundary_distances(void)
{
    /* For a planted query, radius r finds exactly the plants at <= r. */
    vg_index_matches got = {0};
    vg_pdq_hash qh;
    memcpy(qh.bytes, queries[0], 32);
    for (int r = 29; r <= 33; r++) {
        CHECK(vg_index_search_pdq(index_multi, &qh, r, &got, NULL) == VG_OK);
        CHECK(got.count > 0);
        int worst = 0;
        for (size_t i = 0; i < got.count; i++)
            worst = got.items[i].distance > worst ? got.items[i].distance : worst;
        CHECK_INT_EQ(worst, r);
        for (size_t i = 1; i < got.count; i++)
            CHECK(got.items[i - 1].distance <= got.items[i].distance);
    }
    vg_error err;
    CHECK(vg_index_search_pdq(index_multi, &qh, -1, &got, &err) == VG_ERR_INVALID);
    CHECK(vg_index_search_pdq(index_multi, &qh, 257, &got, &err) == VG_ERR_INVALID);
    CHECK(vg_index_search_pdq(index_multi, &qh, 256, &got, &err) == VG_OK);
    CHECK_INT_EQ(got.count, bank.count);
    vg_index_matches_free(&got);
}

static void test_exact_lookups(void)
{
    vg_index_builder *b;
    vg_error err;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    uint32_t bk;
    CHECK(vg_index_builder_add_bank(b, "digests", NULL, 0, &bk, &err) == VG_OK);
    enum { PER_TYPE = 3000 };
    static uint8_t values[3][PER_TYPE][32];
    rng_state = 7;
    uint64_t entry = 0;
    uint64_t first_entry[3][PER_TYPE];
    for (int i = 0; i < PER_TYPE; i++) {
        for (int t = 0; t < 3; t++) {
            random_bytes(values[t][i], 32);
            if (i % 100 == 5)
                values[t][i][0] = values[t][i][1] = 0; /* a crowded bucket */
            char id[24];
            snprintf(id, sizeof id, "e%llu", (unsigned long long)entry);
            add_entry(b, bk, (vg_signal_type)t, values[t][i], id);
            first_entry[t][i] = entry++;
            if (i % 10 == 0) { /* the same value twice */
                add_entry(b, bk, (vg_signal_type)t, values[t][i], "dup");
                entry++;
            }
        }
    }
    const char *path = temp_path("exact.vgx");
    CHECK(vg_index_builder_write(b, path, &err) == VG_OK);
    vg_index_builder_free(b);
    vg_index *x;
    vg_status st = vg_index_open(path, &x, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st != VG_OK)
        return;
    vg_index_matches got = {0};
    for (int t = 0; t < 3; t++) {
        size_t vb = vg_signal_type_bytes((vg_signal_type)t);
        uint8_t *batch = malloc(PER_TYPE * 2 * vb);
        uint32_t *found = malloc(PER_TYPE * 2 * sizeof *found);
        for (int i = 0; i < PER_TYPE; i++) {
            CHECK(vg_index_find_exact(x, (vg_signal_type)t, values[t][i], &got, &err) == VG_OK);
            CHECK_INT_EQ(got.count, i % 10 == 0 ? 2 : 1);
            CHECK(got.count && got.items[0].entry == first_entry[t][i]);
            CHECK(got.count && got.items[0].distance == 0);
            vg_index_entry e;
            CHECK(vg_index_entry_get(x, first_entry[t][i], &e, &err) == VG_OK);
            CHECK(e.type == (vg_signal_type)t && !memcmp(e.value, values[t][i], vb));
            memcpy(batch + 2 * i * vb, values[t][i], vb);
            uint8_t miss[32];
            memcpy(miss, values[t][i], vb);
            miss[vb - 1] ^= 1;
            memcpy(batch + (2 * i + 1) * vb, miss, vb);
            CHECK(vg_index_find_exact(x, (vg_signal_type)t, miss, &got, &err) == VG_OK);
            CHECK_INT_EQ(got.count, 0);
        }
        CHECK(vg_index_count_exact_batch(x, (vg_signal_type)t, batch, PER_TYPE * 2, found,
                                         &err) == VG_OK);
        for (int i = 0; i < PER_TYPE; i++) {
            CHECK_INT_EQ(found[2 * i], i % 10 == 0 ? 2 : 1);
            CHECK_INT_EQ(found[2 * i + 1], 0);
        }
        free(batch);
        free(found);
    }
    CHECK(vg_index_find_exact(x, VG_SIGNAL_PDQ, values[0][0], &got, &err) == VG_ERR_INVALID);
    vg_index_stats stats;
    vg_index_get_stats(x, &stats);
    CHECK_INT_EQ(stats.entries, entry);
    CHECK_INT_EQ(stats.by_type[VG_SIGNAL_SHA1], PER_TYPE + PER_TYPE / 10);
    vg_index_matches_free(&got);
    vg_index_close(x);
}

static void test_ids_order_numerically(void)
{
    /* Equal distances sort by id, numerically when ids are numbers. */
    vg_index_builder *b;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    uint32_t bk;
    CHECK(vg_index_builder_add_bank(b, "ids", NULL, 0, &bk, NULL) == VG_OK);
    uint8_t h[32] = {1, 2, 3};
    add_entry(b, bk, VG_SIGNAL_PDQ, h, "10");
    add_entry(b, bk, VG_SIGNAL_PDQ, h, "9");
    add_entry(b, bk, VG_SIGNAL_PDQ, h, "b");
    add_entry(b, bk, VG_SIGNAL_PDQ, h, "a");
    const char *path = temp_path("ids.vgx");
    CHECK(vg_index_builder_write(b, path, NULL) == VG_OK);
    vg_index_builder_free(b);
    vg_index *x;
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    vg_index_matches got = {0};
    vg_pdq_hash q;
    memcpy(q.bytes, h, 32);
    CHECK(vg_index_search_pdq(x, &q, 0, &got, NULL) == VG_OK);
    CHECK_INT_EQ(got.count, 4);
    static const char *const order[] = {"9", "10", "a", "b"};
    for (size_t i = 0; i < got.count && i < 4; i++) {
        vg_index_entry e;
        CHECK(vg_index_entry_get(x, got.items[i].entry, &e, NULL) == VG_OK);
        CHECK(e.id_len == strlen(order[i]) && !memcmp(e.id, order[i], e.id_len));
    }
    vg_index_matches_free(&got);
    vg_index_close(x);
}

/* A random patch set of n patches; without weak bits, as decoded. */
static vg_patchset random_patchset(uint32_t n)
{
    vg_patchset set = {.count = n};
    for (uint32_t i = 0; i < n; i++) {
        uint64_t r = rng();
        set.items[i] = (vg_patch){.hash = rng(), .x = (uint16_t)(r & 4095),
                                  .y = (uint16_t)(r >> 12 & 4095), .scale = (uint8_t)(120 + i)};
        memset(set.items[i].weak, 0xff, sizeof set.items[i].weak);
    }
    return set;
}

static void add_patchset(vg_index_builder *b, uint32_t bank, const vg_patchset *set,
                         const char *id)
{
    uint8_t encoded[VG_PATCHSET_MAX_BYTES];
    vg_bank_entry e = {.type = VG_SIGNAL_PATCHSET, .id = id, .id_len = strlen(id),
                       .metadata = "", .metadata_len = 0, .long_value = encoded,
                       .long_value_len = vg_patchset_encode(set, encoded)};
    CHECK(vg_index_builder_add(b, bank, &e, NULL) == VG_OK);
}

/* pdq_trimmed entries answer PDQ searches with their own type; patch sets
 * come back whole from entry_get and are found by their patches, with the
 * score comparing the two sets gives; removed ones are not. */
static void test_robust_types(void)
{
    enum { SETS = 600 };
    static vg_patchset sets[SETS];
    vg_index_builder *b;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    uint32_t bk;
    CHECK(vg_index_builder_add_bank(b, "robust", NULL, 0, &bk, NULL) == VG_OK);
    uint8_t trimmed[32], canonical[32];
    random_bytes(trimmed, 32);
    random_bytes(canonical, 32);
    add_entry(b, bk, VG_SIGNAL_PDQ, canonical, "photo");
    add_entry(b, bk, VG_SIGNAL_PDQ_TRIMMED, trimmed, "photo");
    char id[16];
    for (int i = 0; i < SETS; i++) {
        sets[i] = random_patchset(VG_PATCH_BANK_COUNT);
        snprintf(id, sizeof id, "set-%d", i);
        add_patchset(b, bk, &sets[i], id);
    }
    const char *path = temp_path("robust.vgx");
    CHECK(vg_index_builder_write(b, path, NULL) == VG_OK);
    vg_index_builder_free(b);
    vg_index *x;
    vg_error err;
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    CHECK(vg_index_verify(x, &err) == VG_OK);
    vg_index_stats stats;
    vg_index_get_stats(x, &stats);
    CHECK_INT_EQ(stats.by_type[VG_SIGNAL_PDQ_TRIMMED], 1);
    CHECK_INT_EQ(stats.by_type[VG_SIGNAL_PATCHSET], SETS);

    vg_index_matches got = {0};
    vg_pdq_hash q;
    memcpy(q.bytes, trimmed, 32);
    flip_bits(q.bytes, 9);
    CHECK(vg_index_search_pdq(x, &q, 31, &got, NULL) == VG_OK);
    CHECK_INT_EQ(got.count, 1);
    CHECK(got.count == 1 && got.items[0].type == VG_SIGNAL_PDQ_TRIMMED &&
          got.items[0].distance == 9 && got.items[0].entry == 1);

    vg_index_entry e;
    CHECK(vg_index_entry_get(x, 2 + 77, &e, NULL) == VG_OK);
    uint8_t encoded[VG_PATCHSET_MAX_BYTES];
    size_t len = vg_patchset_encode(&sets[77], encoded);
    CHECK(e.type == VG_SIGNAL_PATCHSET && e.long_value_len == len &&
          !memcmp(e.long_value, encoded, len));

    /* A query sharing 6 patches with set 77, moved and scaled together. */
    vg_patchset query = random_patchset(VG_PATCH_QUERY_COUNT);
    for (int i = 0; i < 6; i++) {
        vg_patch p = sets[77].items[2 * i];
        p.x = (uint16_t)(p.x / 2 + 1000);
        p.y = (uint16_t)(p.y / 2 + 500);
        p.scale = (uint8_t)(p.scale - 16); /* half the size: log2 = -1 */
        query.items[5 + i] = p;
    }
    vg_patch_search search = {0};
    CHECK(vg_index_search_patchset(x, &query, VG_PATCH_MIN_INLIERS, &search, &got, &err) ==
          VG_OK);
    CHECK_INT_EQ(got.count, 1);
    CHECK(got.count == 1 && got.items[0].entry == 2 + 77 &&
          got.items[0].type == VG_SIGNAL_PATCHSET &&
          got.items[0].score == vg_patchset_compare(&query, &sets[77], NULL) &&
          got.items[0].score >= 6);
    vg_index_close(x);

    const char *ids[] = {"set-77"};
    uint64_t removed = 0;
    CHECK(vg_index_remove_ids(path, NULL, ids, 1, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 1);
    CHECK(vg_index_open(path, &x, &err) == VG_OK);
    CHECK(vg_index_search_patchset(x, &query, VG_PATCH_MIN_INLIERS, &search, &got, &err) ==
          VG_OK);
    CHECK_INT_EQ(got.count, 0);
    vg_index_close(x);
    vg_patch_search_free(&search);
    vg_index_matches_free(&got);
}

int main(void)
{
    build();
    if (index_multi) {
        RUN(test_pdq_exact_against_brute_force);
        RUN(test_pdq_boundary_distances);
        vg_index_close(index_multi);
    }
    RUN(test_exact_lookups);
    RUN(test_ids_order_numerically);
    RUN(test_robust_types);
    free(bank.hash);
    return vg_test_exit();
}
