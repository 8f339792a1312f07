/* The entry table: every entry's type, value, bank, id and metadata come
 * back as they went in, whatever the mix: signal types interleaved at
 * random (ranks across many rank blocks), banks interleaved (many bank
 * runs), ids that are runs of line numbers, lone numbers, numbers that are
 * not canonical ("007", 20 digits) and text, metadata on some entries only.
 * PDQ searches over such a mixed segment find exactly the brute-force
 * entries, in both search ways. */
#include "index_test_util.h"
#include "vigie/digest.h"

#define ENTRIES 3000

typedef struct model_entry {
    vg_signal_type type;
    uint8_t value[32];
    uint32_t bank;
    char id[32];
    char metadata[24];
    size_t metadata_len;
} model_entry;

static model_entry model[ENTRIES];

/* Ids that exercise every way ids are stored. */
static void make_id(size_t i, char *out, size_t size)
{
    switch (i / 100 % 6) {
    case 0: /* a run of consecutive numbers: a text bank */
        snprintf(out, size, "%zu", i);
        break;
    case 1: /* numbers that do not follow each other */
        snprintf(out, size, "%llu", (unsigned long long)(rng() % 1000000));
        break;
    case 2: /* not canonical decimal: kept as text */
        snprintf(out, size, i % 2 ? "0%zu" : "%zu0000000000000000000", i);
        break;
    case 3: /* pairs of consecutive numbers, then a jump */
        snprintf(out, size, "%zu", i + (i / 2) * 5);
        break;
    case 4: /* the largest numbers stored as numbers */
        snprintf(out, size, "%llu", 9999999999999999000ull + i % 100);
        break;
    default:
        snprintf(out, size, "ncmec-%zu", i);
        break;
    }
}

static void build(const char *path, uint64_t multi_min)
{
    vg_index_builder *b;
    vg_error err;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    vg_index_builder_set_pdq_multi_min(b, multi_min);
    uint32_t banks[3];
    CHECK(vg_index_builder_add_bank(b, "plain", NULL, 0, &banks[0], &err) == VG_OK);
    CHECK(vg_index_builder_add_bank(b, "csv", "category\0source\0", 16, &banks[1], &err) ==
          VG_OK);
    CHECK(vg_index_builder_add_bank(b, "other", "note\0", 5, &banks[2], &err) == VG_OK);
    rng_state = 2024;
    for (size_t i = 0; i < ENTRIES; i++) {
        model_entry *m = &model[i];
        uint64_t r = rng();
        m->type = r % 5 < 2 ? VG_SIGNAL_PDQ : (vg_signal_type)(r % 3);
        random_bytes(m->value, 32);
        if (m->type == VG_SIGNAL_PDQ && i > 10 && r % 7 == 0) { /* near-duplicates */
            size_t j = i - 1 - rng() % 10;
            if (model[j].type == VG_SIGNAL_PDQ) {
                memcpy(m->value, model[j].value, 32);
                flip_bits(m->value, (int)(rng() % 40));
            }
        }
        /* Runs of one bank, with the banks coming back. */
        m->bank = banks[i / 37 % 3 == 2 ? (i / 37 % 2) + 1 : i / 37 % 3];
        make_id(i, m->id, sizeof m->id);
        m->metadata_len = 0;
        if (m->bank == banks[1]) { /* category A0..A2, source x */
            memcpy(m->metadata, "A0\0x\0", 5);
            m->metadata[1] = (char)('0' + i % 3);
            m->metadata_len = 5;
        } else if (m->bank == banks[2] && i % 2) {
            memcpy(m->metadata, "n\0", 2);
            m->metadata_len = 2;
        } else if (m->bank == banks[2]) {
            memcpy(m->metadata, "\0", 1);
            m->metadata_len = 1;
        }
        vg_bank_entry e = {.type = m->type, .id = m->id, .id_len = strlen(m->id),
                           .metadata = m->metadata, .metadata_len = m->metadata_len};
        memcpy(e.value, m->value, 32);
        CHECK(vg_index_builder_add(b, m->bank, &e, &err) == VG_OK);
    }
    vg_status st = vg_index_builder_write(b, path, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    vg_index_builder_free(b);
}

static void check_entries(vg_index *x)
{
    size_t wrong = 0;
    for (size_t i = 0; i < ENTRIES; i++) {
        const model_entry *m = &model[i];
        vg_index_entry e;
        vg_error err;
        if (vg_index_entry_get(x, i, &e, &err) != VG_OK) {
            CHECK_MSG(0, "entry %zu: %s", i, err.message);
            continue;
        }
        bool same = e.type == m->type && !memcmp(e.value, m->value, vg_signal_type_bytes(m->type)) &&
                    e.bank == m->bank && e.id_len == strlen(m->id) &&
                    !memcmp(e.id, m->id, e.id_len) && e.metadata_len == m->metadata_len &&
                    !memcmp(e.metadata, m->metadata, m->metadata_len) && !e.removed;
        if (!same && wrong++ < 5)
            CHECK_MSG(same, "entry %zu (id %s) came back as type %d bank %u id %.*s", i, m->id,
                      (int)e.type, e.bank, (int)e.id_len, e.id);
    }
    CHECK_INT_EQ(wrong, 0);
    vg_index_entry e;
    CHECK(vg_index_entry_get(x, ENTRIES, &e, NULL) == VG_ERR_INVALID);
}

static void check_searches(vg_index *x)
{
    static const pdq_mode modes[] = {PDQ_MODE_MULTI, PDQ_MODE_SCAN};
    vg_index_matches got = {0};
    size_t found = 0, mismatches = 0;
    for (size_t q = 0; q < ENTRIES; q += 7) {
        if (model[q].type != VG_SIGNAL_PDQ)
            continue;
        vg_pdq_hash qh;
        memcpy(qh.bytes, model[q].value, 32);
        for (int r = 0; r <= 40; r += 8) {
            size_t want = 0;
            for (size_t i = 0; i < ENTRIES; i++)
                want += model[i].type == VG_SIGNAL_PDQ && distance256(model[i].value, qh.bytes) <= r;
            for (size_t k = 0; k < 2; k++) {
                CHECK(vg_index_search_pdq_mode(x, &qh, r, modes[k], &got, NULL) == VG_OK);
                bool same = got.count == want;
                for (size_t i = 0; same && i < got.count; i++) {
                    uint64_t e = got.items[i].entry;
                    same = e < ENTRIES && model[e].type == VG_SIGNAL_PDQ &&
                           got.items[i].distance == distance256(model[e].value, qh.bytes);
                }
                if (!same && mismatches++ < 5)
                    CHECK_MSG(same, "query %zu radius %d mode %zu: %zu matches, expected %zu",
                              q, r, k, got.count, want);
                found += got.count;
            }
        }
    }
    CHECK_INT_EQ(mismatches, 0);
    CHECK(found > 500);
    /* Digests are found at their entries. */
    for (size_t i = 0; i < ENTRIES; i += 11) {
        if (model[i].type == VG_SIGNAL_PDQ)
            continue;
        CHECK(vg_index_find_exact(x, model[i].type, model[i].value, &got, NULL) == VG_OK);
        CHECK(got.count == 1 && got.items[0].entry == i);
    }
    vg_index_matches_free(&got);
}

static void test_mixed_segment(void)
{
    const char *path = temp_path("mixed.vgx");
    build(path, 1);
    vg_index *x;
    vg_error err;
    vg_status st = vg_index_open(path, &x, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (st != VG_OK)
        return;
    st = vg_index_verify(x, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    check_entries(x);
    check_searches(x);
    vg_index_close(x);
}

static void test_mixed_segment_scanned_and_compacted(void)
{
    /* The same entries without hash tables (scanned), then rewritten by
     * compact, which carries every entry through vg_index_entry_get. */
    char path[600];
    snprintf(path, sizeof path, "%s", temp_path("scanned.vgx"));
    build(path, 1 << 30);
    vg_index *x;
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    if (!x)
        return;
    check_entries(x);
    check_searches(x);
    vg_index_close(x);
    CHECK(vg_index_compact(path, NULL) == VG_OK);
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    if (!x)
        return;
    CHECK(vg_index_verify(x, NULL) == VG_OK);
    check_entries(x);
    vg_index_close(x);
}

static void test_text_bank_ids_cost_nothing(void)
{
    /* A text bank of line numbers stores no id bytes at all. */
    const char *bank = temp_path("lines.txt");
    FILE *f = fopen(bank, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    rng_state = 5;
    for (int i = 0; i < 5000; i++) {
        uint8_t h[32];
        char hex[65];
        random_bytes(h, 32);
        vg_hex_encode(h, 32, hex);
        fprintf(f, i == 2500 ? "# a comment\n" : "%s\n", hex);
    }
    fclose(f);
    vg_index_builder *b;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    vg_bank_options opts;
    vg_bank_options_init(&opts);
    opts.plain_type = VG_SIGNAL_PDQ;
    CHECK(vg_index_builder_add_file(b, bank, NULL, &opts, NULL, NULL, NULL, NULL) == VG_OK);
    const char *path = temp_path("lines.vgx");
    CHECK(vg_index_builder_write(b, path, NULL) == VG_OK);
    vg_index_builder_free(b);
    vg_index *x;
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    if (!x)
        return;
    const vg_segment *g = &x->segments[0];
    CHECK_INT_EQ(g->ids.bytes_len, 0);
    CHECK_INT_EQ(g->id_run_count, 2); /* lines 0..2499, then 2501..4999 */
    CHECK_INT_EQ(g->meta.bytes_len, 0);
    vg_index_entry e;
    CHECK(vg_index_entry_get(x, 2500, &e, NULL) == VG_OK);
    CHECK(e.id_len == 4 && !memcmp(e.id, "2501", 4));
    CHECK(vg_index_entry_get(x, 0, &e, NULL) == VG_OK);
    CHECK(e.id_len == 1 && !memcmp(e.id, "0", 1));
    vg_index_close(x);
}

int main(void)
{
    RUN(test_mixed_segment);
    RUN(test_mixed_segment_scanned_and_compacted);
    RUN(test_text_bank_ids_cost_nothing);
    return vg_test_exit();
}
