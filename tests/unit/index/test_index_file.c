/* The index file: refused with a clear message when foreign, truncated,
 * of another version or damaged; every single-byte change to a small
 * index is caught on open (or lies in padding and changes nothing); damage
 * to a large section is caught by verify, and searches on the damaged file
 * stay inside the mapping. Also adding, removing and compacting. */
#include <fcntl.h>
#include <sys/stat.h>

#include "index_test_util.h"
#include "vigie/digest.h"

static uint8_t pdq_values[3000][32];

/* An index with every type; big=true adds enough PDQ hashes for sections
 * above the size checked at open. */
static void build_file(const char *path, bool big, bool tables)
{
    vg_index_builder *b;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    if (tables)
        vg_index_builder_set_pdq_multi_min(b, 1);
    uint32_t bank;
    CHECK(vg_index_builder_add_bank(b, "main", "category\0", 9, &bank, NULL) == VG_OK);
    rng_state = 99;
    for (int i = 0; i < 3000; i++) {
        random_bytes(pdq_values[i], 32);
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        add_entry(b, bank, VG_SIGNAL_PDQ, pdq_values[i], id);
    }
    for (int t = 0; t < 3; t++) {
        uint8_t v[32];
        random_bytes(v, 32);
        add_entry(b, bank, (vg_signal_type)t, v, "digest");
    }
    for (int i = 0; big && i < 40000; i++) {
        uint8_t v[32];
        random_bytes(v, 32);
        add_entry(b, bank, VG_SIGNAL_PDQ, v, "filler");
    }
    vg_error err;
    vg_status st = vg_index_builder_write(b, path, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    vg_index_builder_free(b);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    uint8_t *data = vg_test_read_file(path, len);
    if (!data) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return data;
}

static void write_all(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static vg_status open_status(const char *path, char *message, size_t size)
{
    vg_index *x = NULL;
    vg_error err;
    vg_status st = vg_index_open(path, &x, &err);
    if (message)
        snprintf(message, size, "%s", st == VG_OK ? "" : err.message);
    vg_index_close(x);
    return st;
}

/* What a search of the small index returns, to compare after damage. */
static size_t fingerprint(vg_index *x)
{
    vg_index_matches m = {0};
    size_t sum = 0;
    for (int i = 0; i < 3000; i += 97) {
        vg_pdq_hash q;
        memcpy(q.bytes, pdq_values[i], 32);
        if (vg_index_search_pdq(x, &q, 31, &m, NULL) == VG_OK)
            for (size_t k = 0; k < m.count; k++)
                sum = sum * 31 + m.items[k].entry + 7 * (size_t)m.items[k].distance;
    }
    vg_index_matches_free(&m);
    return sum;
}

static void test_foreign_truncated_version(void)
{
    const char *path = temp_path("small.vgx");
    build_file(path, false, true);
    size_t len;
    uint8_t *good = read_all(path, &len);
    char msg[VG_ERROR_MESSAGE_MAX];
    const char *bad = temp_path("bad.vgx");

    /* not an index at all */
    write_all(bad, (const uint8_t *)"signal_type,signal,id\n", 22);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_UNSUPPORTED);
    CHECK(strstr(msg, "not a vigie index") != NULL);
    write_all(bad, good, 0);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_UNSUPPORTED);
    uint8_t *copy = malloc(len);
    memcpy(copy, good, len);
    copy[0] = 'X';
    write_all(bad, copy, len);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_UNSUPPORTED);

    /* another format version (with a consistent header checksum) */
    memcpy(copy, good, len);
    file_header h;
    memcpy(&h, copy, sizeof h);
    h.version = 99;
    h.header_checksum = 0;
    h.header_checksum = vg_checksum_buffer(&h, sizeof h);
    memcpy(copy, &h, sizeof h);
    write_all(bad, copy, len);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_UNSUPPORTED);
    CHECK(strstr(msg, "version 99") != NULL);

    /* truncated anywhere, or with bytes appended */
    size_t cuts[] = {len - 1, len / 2, 8300, 200, 63};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_all(bad, good, cuts[i]);
        vg_status st = open_status(bad, msg, sizeof msg);
        CHECK_MSG(st == VG_ERR_CORRUPT || st == VG_ERR_UNSUPPORTED, "cut at %zu: %s", cuts[i],
                  msg);
    }
    write_all(bad, good, len - 1);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_CORRUPT);
    CHECK(strstr(msg, "truncated") != NULL);
    memcpy(copy, good, len);
    FILE *f = fopen(bad, "wb");
    fwrite(good, 1, len, f);
    fwrite("junk", 1, 4, f);
    fclose(f);
    CHECK(open_status(bad, msg, sizeof msg) == VG_ERR_CORRUPT);

    /* a real file of the previous format (tests/unit/index/data/README.md) */
    CHECK(open_status(VG_INDEX_TEST_DATA "/format-v1.vgx", msg, sizeof msg) ==
          VG_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "index format version 1, but this vigie reads version 3") &&
              strstr(msg, "rebuild"), "%s", msg);

    CHECK(open_status("/nonexistent/x.vgx", msg, sizeof msg) == VG_ERR_IO);
    CHECK(open_status("/tmp", msg, sizeof msg) != VG_OK);
    free(copy);
    free(good);
}

static void test_every_byte_of_a_small_index(void)
{
    const char *path = temp_path("small.vgx");
    build_file(path, false, false); /* no PDQ tables: a small file */
    vg_index *x;
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    size_t expected = fingerprint(x);
    vg_index_close(x);
    size_t len;
    uint8_t *good = read_all(path, &len);
    const char *bad = temp_path("flip.vgx");
    write_all(bad, good, len);
    int fd = open(bad, O_WRONLY);
    CHECK(fd >= 0);
    size_t refused = 0, harmless = 0;
    /* Every byte of the header and of the used table, then a stride
     * through the sections. */
    file_header h;
    memcpy(&h, good, sizeof h);
    size_t table_end = VG_INDEX_HEADER_BYTES + h.section_count * sizeof(section_entry);
    size_t sections = VG_INDEX_HEADER_BYTES + VG_INDEX_MAX_SECTIONS * sizeof(section_entry);
    for (size_t at = 0; at < len;
         at = at + 1 == table_end ? sections : at + (at < table_end ? 1 : 29)) {
        /* Change one byte in place (rewriting the whole copy each time
         * would dirty megabytes per step), then put it back. */
        uint8_t flipped = good[at] ^ 0x41;
        CHECK(pwrite(fd, &flipped, 1, (off_t)at) == 1);
        vg_index *y = NULL;
        if (vg_index_open(bad, &y, NULL) != VG_OK) {
            refused++;
        } else {
            /* Only padding is not covered by a checksum: nothing may change. */
            CHECK_MSG(vg_index_verify(y, NULL) == VG_OK, "byte %zu", at);
            CHECK_MSG(fingerprint(y) == expected, "byte %zu changed results unnoticed", at);
            harmless++;
            vg_index_close(y);
        }
        CHECK(pwrite(fd, &good[at], 1, (off_t)at) == 1);
    }
    close(fd);
    CHECK(refused > 2000);
    fprintf(stderr, "  %zu damaged copies refused, %zu changes in padding\n", refused, harmless);
    free(good);
}

static void test_large_section_damage(void)
{
    const char *path = temp_path("big.vgx");
    build_file(path, true, true);
    size_t len;
    uint8_t *data = read_all(path, &len);
    const section_entry *table = (const section_entry *)(data + VG_INDEX_HEADER_BYTES);
    file_header h;
    memcpy(&h, data, sizeof h);
    size_t damaged = 0;
    /* Fill every section above the open-time limit with 0xFF: positions
     * and directory values then point far outside their arrays. */
    for (uint32_t i = 0; i < h.section_count; i++) {
        if (table[i].bytes > VG_INDEX_OPEN_VERIFY_BYTES) {
            memset(data + table[i].offset, 0xFF, table[i].bytes);
            damaged++;
        }
    }
    CHECK(damaged > 0);
    const char *bad = temp_path("big-bad.vgx");
    write_all(bad, data, len);
    vg_index *x = NULL;
    vg_error err;
    CHECK(vg_index_open(bad, &x, &err) == VG_OK); /* cheap open: not detected yet */
    if (x) {
        CHECK(vg_index_verify(x, &err) == VG_ERR_CORRUPT);
        CHECK(strstr(err.message, "checksum mismatch") != NULL);
        vg_index_matches m = {0};
        for (int i = 0; i < 50; i++) {
            vg_pdq_hash q;
            memcpy(q.bytes, pdq_values[i], 32);
            CHECK(vg_index_search_pdq(x, &q, 31, &m, NULL) == VG_OK);
            CHECK(vg_index_search_pdq(x, &q, 64, &m, NULL) == VG_OK);
            CHECK(vg_index_find_exact(x, VG_SIGNAL_MD5, q.bytes, &m, NULL) == VG_OK);
        }
        vg_index_entry e;
        for (uint64_t i = 0; i < 43003; i += 1000)
            vg_index_entry_get(x, i, &e, NULL); /* may fail, must not stray */
        vg_index_matches_free(&m);
        vg_index_close(x);
    }
    free(data);
}

/* Recompute every checksum, as a deliberate forger (or a bug) would. */
static void fix_checksums(uint8_t *d, size_t len)
{
    file_header h;
    memcpy(&h, d, sizeof h);
    section_entry *t = (section_entry *)(d + VG_INDEX_HEADER_BYTES);
    for (uint32_t i = 0; i < h.section_count; i++)
        t[i].checksum = vg_checksum_buffer(d + t[i].offset, t[i].bytes);
    h.table_checksum = vg_checksum_buffer(t, h.section_count * sizeof(section_entry));
    h.file_bytes = len;
    h.header_checksum = 0;
    h.header_checksum = vg_checksum_buffer(&h, sizeof h);
    memcpy(d, &h, sizeof h);
}

/* Use a damaged index the way vigie match and scan do. ASan (the sanitizer
 * build) fails the test on any read outside the mapping. */
static void exercise(vg_index *x)
{
    vg_index_matches m = {0};
    for (int i = 0; i < 3000; i += 150) {
        vg_pdq_hash q;
        memcpy(q.bytes, pdq_values[i], 32);
        for (int r = 0; r <= 64; r += 31) {
            CHECK(vg_index_search_pdq_mode(x, &q, r, PDQ_MODE_MULTI, &m, NULL) == VG_OK);
            CHECK(vg_index_search_pdq_mode(x, &q, r, PDQ_MODE_SCAN, &m, NULL) == VG_OK);
        }
        CHECK(vg_index_find_exact(x, VG_SIGNAL_MD5, q.bytes, &m, NULL) == VG_OK);
        uint32_t found;
        CHECK(vg_index_count_exact_batch(x, VG_SIGNAL_SHA1, q.bytes, 1, &found, NULL) == VG_OK);
    }
    vg_index_stats stats;
    vg_index_get_stats(x, &stats);
    vg_index_entry e;
    for (uint64_t i = 0; i < 43003; i += 97)
        vg_index_entry_get(x, i, &e, NULL); /* may fail, must not stray */
    vg_index_matches_free(&m);
}

/* Two ways to break the structure: every byte 0xFF (positions and ranks
 * far out, empty buckets), and 32-bit words alternately 0 and 0x7FFFFFFF
 * (buckets that start inside their table and end far past it). */
static void damage(uint8_t *p, size_t len, int pattern)
{
    if (pattern == 0) {
        memset(p, 0xFF, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        p[i] = i / 4 % 2 ? (i % 4 == 3 ? 0x7F : 0xFF) : 0;
}

static void test_structure_damage_stays_in_bounds(void)
{
    /* Damage each section in turn and make every checksum agree: positions,
     * ranks, directory entries, runs and string offsets then point far
     * outside their arrays. Opening may refuse the file; if it opens,
     * verify must find structural damage, and every query must stay
     * inside the mapping. */
    const char *path = temp_path("struct.vgx");
    build_file(path, true, true);
    size_t len;
    uint8_t *good = read_all(path, &len), *copy = malloc(len);
    file_header h;
    memcpy(&h, good, sizeof h);
    const section_entry *table = (const section_entry *)(good + VG_INDEX_HEADER_BYTES);
    const char *bad = temp_path("struct-bad.vgx");
    size_t refused = 0, caught = 0, tried = 0;
    for (int pattern = 0; pattern < 2; pattern++) {
        for (uint32_t i = 0; i < h.section_count; i++) {
            unsigned kind = table[i].id >> 24;
            if (!table[i].bytes)
                continue;
            memcpy(copy, good, len);
            damage(copy + table[i].offset, table[i].bytes, pattern);
            if (!memcmp(copy + table[i].offset, good + table[i].offset, table[i].bytes))
                continue; /* the pattern was already there: nothing damaged */
            fix_checksums(copy, len);
            write_all(bad, copy, len);
            tried++;
            vg_index *x = NULL;
            if (vg_index_open(bad, &x, NULL) != VG_OK) {
                refused++;
                continue;
            }
            /* Values (hashes, inline halves, digests, names) are not
             * structure: only their checksums, forged here, can tell. */
            bool structural = kind != SEC_HAM_HASH && kind != SEC_HAM_INLINE &&
                              kind != SEC_BANKS &&
                              !(kind == SEC_ID_STRINGS && (table[i].id & 0xFF) == STRINGS_BYTES) &&
                              !(kind == SEC_META_STRINGS && (table[i].id & 0xFF) == STRINGS_BYTES);
            vg_status st = vg_index_verify(x, NULL);
            if (structural) {
                CHECK_MSG(st == VG_ERR_CORRUPT, "section %08x damaged (%d) passes verify",
                          table[i].id, pattern);
                caught += st == VG_ERR_CORRUPT;
            }
            exercise(x);
            vg_index_close(x);
        }
    }
    fprintf(stderr, "  %zu damaged sections: %zu refused on open, %zu caught by verify\n",
            tried, refused, caught);
    CHECK(tried > 80);
    free(copy);
    free(good);
}

static size_t search_count(const char *path, const uint8_t *value, int radius,
                           const char *want_id)
{
    vg_index *x;
    vg_error err;
    if (vg_index_open(path, &x, &err) != VG_OK) {
        CHECK_MSG(0, "%s", err.message);
        return 0;
    }
    vg_index_matches m = {0};
    vg_pdq_hash q;
    memcpy(q.bytes, value, 32);
    CHECK(vg_index_search_pdq(x, &q, radius, &m, NULL) == VG_OK);
    size_t found = 0;
    for (size_t i = 0; i < m.count; i++) {
        vg_index_entry e;
        CHECK(vg_index_entry_get(x, m.items[i].entry, &e, NULL) == VG_OK);
        if (!want_id || (e.id_len == strlen(want_id) && !memcmp(e.id, want_id, e.id_len)))
            found++;
    }
    vg_index_matches_free(&m);
    vg_index_close(x);
    return found;
}

static void test_add_remove_compact(void)
{
    char path[600], bank[600], broken[600];
    snprintf(path, sizeof path, "%s", temp_path("modify.vgx"));
    snprintf(bank, sizeof bank, "%s", temp_path("extra.csv"));
    snprintf(broken, sizeof broken, "%s", temp_path("broken.txt"));
    const char *bank_list[] = {bank}, *broken_list[] = {broken};
    build_file(path, false, true);
    vg_error err;
    uint64_t removed = 0;
    const char *ids[] = {"p5", "p7", "nonexistent"};
    CHECK(vg_index_remove_ids(path, NULL, ids, 3, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 2);
    CHECK_INT_EQ(search_count(path, pdq_values[5], 0, NULL), 0);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 0, "p6"), 1);
    CHECK(vg_index_remove_ids(path, "other-bank", ids, 1, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 0);

    /* add a CSV bank: a near-duplicate of p6 and a digest */
    FILE *f = fopen(bank, "w");
    uint8_t near[32];
    memcpy(near, pdq_values[6], 32);
    near[0] ^= 0x0F;
    char hex[65];
    vg_hex_encode(near, 32, hex);
    fprintf(f, "signal_type,signal,id,source\npdq,%s,near6,test\nmd5,%032d,d1,x\n", hex, 0);
    fclose(f);
    CHECK(vg_index_add_files(path, bank_list, 1, NULL, NULL, NULL, &err) == VG_OK);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 4, NULL), 2);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 3, NULL), 1);
    CHECK_INT_EQ(search_count(path, pdq_values[5], 0, NULL), 0); /* still removed */
    vg_index *x;
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    vg_index_stats s;
    vg_index_get_stats(x, &s);
    CHECK_INT_EQ(s.delta_entries, 2);
    CHECK_INT_EQ(s.removed, 2);
    CHECK_INT_EQ(s.banks, 2);
    CHECK_INT_EQ(s.by_type[VG_SIGNAL_PDQ], 3000 - 2 + 1);
    CHECK(vg_index_verify(x, NULL) == VG_OK);
    vg_index_close(x);

    /* remove an entry of the delta, then add again: delta rebuilt without it */
    const char *delta_id[] = {"near6"};
    CHECK(vg_index_remove_ids(path, "extra", delta_id, 1, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 1);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 4, NULL), 1);
    CHECK(vg_index_add_files(path, bank_list, 1, NULL, NULL, NULL, &err) == VG_OK);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 4, "near6"), 1);

    /* a refused bank changes nothing */
    f = fopen(broken, "w");
    fprintf(f, "%032d\nnot-hex\n", 1);
    fclose(f);
    CHECK(vg_index_add_files(path, broken_list, 1, NULL, NULL, NULL, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "broken.txt") != NULL);

    CHECK(vg_index_compact(path, &err) == VG_OK);
    CHECK(vg_index_open(path, &x, NULL) == VG_OK);
    vg_index_get_stats(x, &s);
    CHECK_INT_EQ(s.delta_entries, 0);
    CHECK_INT_EQ(s.removed, 0);
    CHECK_INT_EQ(s.entries, 3000 + 3 - 2 + 3); /* extra.csv was added twice */
    CHECK(vg_index_verify(x, NULL) == VG_OK);
    vg_index_matches m = {0};
    uint8_t zero_md5[16] = {0};
    CHECK(vg_index_find_exact(x, VG_SIGNAL_MD5, zero_md5, &m, NULL) == VG_OK);
    CHECK_INT_EQ(m.count, 2);
    if (m.count) {
        vg_index_entry e;
        CHECK(vg_index_entry_get(x, m.items[0].entry, &e, NULL) == VG_OK);
        CHECK_STR_EQ(e.bank_name, "extra");
        CHECK(e.metadata_len == 2 && !memcmp(e.metadata, "x", 2));
        CHECK(e.columns_len == 7 && !memcmp(e.columns, "source", 7));
    }
    vg_index_matches_free(&m);
    vg_index_close(x);
    CHECK_INT_EQ(search_count(path, pdq_values[6], 4, NULL), 2);
    CHECK_INT_EQ(search_count(path, pdq_values[7], 0, NULL), 0);
    CHECK_INT_EQ(search_count(path, pdq_values[8], 0, "p8"), 1);
}

int main(void)
{
    RUN(test_foreign_truncated_version);
    RUN(test_every_byte_of_a_small_index);
    RUN(test_large_section_damage);
    RUN(test_structure_damage_stays_in_bounds);
    RUN(test_add_remove_compact);
    return vg_test_exit();
}
