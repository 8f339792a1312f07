/*
 * tests of src/lib/tlog (vigie/tlog.h): the RFC 9162 tree and proofs,
 * C2SP signed notes, checkpoints and tiles, and the blocking list's entries.
 *
 * Expected values come from references: the RFC 6962/9162 test leaves and
 * roots and the inclusion and consistency probes of
 * github.com/transparency-dev/merkle (merkle_vectors.txt, converted from
 * its testdata), the signed note of golang.org/x/mod/sumdb/note's
 * documentation, and the examples of the C2SP tlog-checkpoint and
 * tlog-tiles specifications.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/tlog.h"

#define HB VG_TLOG_HASH_BYTES

static void unhex(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;
    CHECK(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL) == 0 && got == n);
}

/* The RFC 6962 test leaves and the roots of the trees of their first n
 * (testonly/constants.go of transparency-dev/merkle). */
static const char *const leaf_hex[8] = {"", "00", "10", "2021", "3031", "40414243",
                                        "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"};
static const char *const root_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static unsigned char leaves[8][HB];

static void hash_leaves(void)
{
    for (int i = 0; i < 8; i++) {
        unsigned char data[16];
        size_t n = strlen(leaf_hex[i]) / 2;
        if (n)
            unhex(leaf_hex[i], data, n);
        vg_tlog_leaf_hash(data, n, leaves[i]);
    }
}

static void test_roots(void)
{
    hash_leaves();
    vg_tlog_memory mem = {&leaves[0][0], 8};
    vg_tlog_reader r = vg_tlog_memory_reader(&mem);
    for (uint64_t n = 0; n <= 8; n++) {
        unsigned char root[HB], want[HB];
        unhex(root_hex[n], want, HB);
        CHECK(vg_tlog_tree_hash(&r, n, root, NULL) == VG_OK);
        CHECK_MSG(!memcmp(root, want, HB), "root of %d leaves", (int)n);
    }
}

/* ---- the probes ---------------------------------------------------------- */

/* "x" + hex as a 32-byte hash: a value of another length (the probes'
 * "don't care" roots, empty hashes) is cut or padded with zeros, so that a
 * probe is decided by the verifier, not by the loader: two equal values
 * stay equal, an empty hash matches no real one. */
static size_t read_hash(const char *tok, unsigned char out[HB])
{
    unsigned char b[256];
    size_t got = 0;
    CHECK(tok[0] == 'x' &&
          !sodium_hex2bin(b, sizeof b, tok + 1, strlen(tok + 1), NULL, &got, NULL));
    memset(out, 0, HB);
    memcpy(out, b, got < HB ? got : HB);
    return got;
}

/* A proof "h1,h2,..." or "-". */
static void read_proof(char *tok, unsigned char proof[][HB], size_t *count)
{
    *count = 0;
    if (!strcmp(tok, "-"))
        return;
    for (char *save = NULL, *h = strtok_r(tok, ",", &save); h && *count < VG_TLOG_MAX_PROOF;
         h = strtok_r(NULL, ",", &save))
        read_hash(h, proof[(*count)++]);
}

/* Proofs generated from the RFC 6962 leaves must be the happy paths'. */
static void check_generated(int inclusion, uint64_t a, uint64_t b, unsigned char want[][HB],
                            size_t want_count, const char *name)
{
    if (b > 8)
        return;
    vg_tlog_memory mem = {&leaves[0][0], 8};
    vg_tlog_reader r = vg_tlog_memory_reader(&mem);
    unsigned char proof[VG_TLOG_MAX_PROOF][HB];
    size_t count;
    vg_status st = inclusion ? vg_tlog_prove_inclusion(&r, b, a, proof, &count, NULL)
                             : vg_tlog_prove_consistency(&r, a, b, proof, &count, NULL);
    CHECK_MSG(st == VG_OK && count == want_count && !memcmp(proof, want, count * HB),
              "%s: generated proof differs", name);
}

static void test_reference_probes(void)
{
    FILE *f = fopen(VG_TLOG_VECTORS, "r");
    CHECK_MSG(f != NULL, "%s", VG_TLOG_VECTORS);
    if (!f)
        return;
    char line[8192];
    int probes = 0, happy = 0, rejected = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *tok[8], *save = NULL;
        int n = 0;
        for (char *t = strtok_r(line, " \n", &save); t && n < 8; t = strtok_r(NULL, " \n", &save))
            tok[n++] = t;
        CHECK_INT_EQ(n, 8);
        if (n != 8)
            continue;
        int inclusion = !strcmp(tok[0], "inclusion");
        uint64_t a = strtoull(tok[2], NULL, 10), b = strtoull(tok[3], NULL, 10);
        unsigned char h1[HB], h2[HB], proof[VG_TLOG_MAX_PROOF][HB];
        read_hash(tok[4], h1);
        size_t l2 = read_hash(tok[5], h2);
        size_t count;
        read_proof(tok[6], proof, &count);
        int want_error = atoi(tok[7]);
        vg_error err;
        vg_status st;
        if (inclusion && l2 != HB) {
            /* a leaf hash is 32 bytes by the API's type: one of another
             * length cannot be given, the probe must expect a rejection */
            st = VG_ERR_CORRUPT;
        } else if (inclusion) {
            /* tok: index, size, root, leaf hash */
            st = vg_tlog_verify_inclusion(a, b, h2, (const unsigned char(*)[HB])proof, count, h1,
                                          &err);
        } else {
            st = vg_tlog_verify_consistency(a, b, h1, h2, (const unsigned char(*)[HB])proof,
                                            count, &err);
        }
        CHECK_MSG((st != VG_OK) == want_error, "%s: %s, want %s", tok[1],
                  st == VG_OK ? "accepted" : "rejected", want_error ? "rejected" : "accepted");
        probes++;
        if (want_error)
            rejected++;
        else {
            happy++;
            if (a > 0 || inclusion)
                check_generated(inclusion, a, b, proof, count, tok[1]);
        }
    }
    fclose(f);
    /* the file is whole: 196 probes, 12 of them happy paths */
    CHECK_INT_EQ(probes, 196);
    CHECK_INT_EQ(happy, 12);
    CHECK_INT_EQ(rejected, 184);
}

/* ---- a larger tree, read from tile levels ----------------------------------- */

typedef struct tiled {
    const unsigned char *leaves; /* level 0 */
    unsigned char *level1;       /* hashes of complete 256-leaf subtrees */
    uint64_t count;
    int reads_above_zero;
} tiled;

static vg_status tiled_read(void *ctx, unsigned level, uint64_t index, size_t count,
                            unsigned char *out, vg_error *err)
{
    tiled *t = ctx;
    if (level == 0 && index + count <= t->count) {
        memcpy(out, t->leaves + index * HB, count * HB);
        return VG_OK;
    }
    if (level == 1 && index + count <= t->count / 256) {
        t->reads_above_zero++;
        memcpy(out, t->level1 + index * HB, count * HB);
        return VG_OK;
    }
    return vg_error_set(err, VG_ERR_INVALID, "read beyond what is stored");
}

static void test_tiled_tree(void)
{
    enum { N = 1000 };
    unsigned char *hashes = malloc((size_t)N * HB), level1[3 * HB];
    for (uint32_t i = 0; i < N; i++) {
        char e[32];
        int l = snprintf(e, sizeof e, "entry %u", i);
        vg_tlog_leaf_hash(e, (size_t)l, hashes + (size_t)i * HB);
    }
    for (int i = 0; i < 3; i++)
        vg_tlog_hash_of(hashes + (size_t)i * 256 * HB, 256, level1 + i * HB);
    vg_tlog_memory mem = {hashes, N};
    vg_tlog_reader flat = vg_tlog_memory_reader(&mem);
    tiled t = {hashes, level1, N, 0};
    vg_tlog_reader tr = {tiled_read, &t, 1};
    for (uint64_t size = 1; size <= N; size += 37) {
        unsigned char r1[HB], r2[HB];
        CHECK(vg_tlog_tree_hash(&flat, size, r1, NULL) == VG_OK);
        t.count = size;
        CHECK(vg_tlog_tree_hash(&tr, size, r2, NULL) == VG_OK);
        CHECK(!memcmp(r1, r2, HB));
        /* inclusion of a few leaves, from both readers, verified */
        for (uint64_t i = 0; i < size; i += size / 3 + 1) {
            unsigned char p1[VG_TLOG_MAX_PROOF][HB], p2[VG_TLOG_MAX_PROOF][HB];
            size_t c1, c2;
            CHECK(vg_tlog_prove_inclusion(&flat, size, i, p1, &c1, NULL) == VG_OK);
            CHECK(vg_tlog_prove_inclusion(&tr, size, i, p2, &c2, NULL) == VG_OK);
            CHECK(c1 == c2 && !memcmp(p1, p2, c1 * HB));
            CHECK(vg_tlog_verify_inclusion(i, size, hashes + i * HB,
                                           (const unsigned char(*)[HB])p1, c1, r1,
                                           NULL) == VG_OK);
            if (c1) {
                p1[c1 - 1][5] ^= 1;
                CHECK(vg_tlog_verify_inclusion(i, size, hashes + i * HB,
                                               (const unsigned char(*)[HB])p1, c1, r1,
                                               NULL) == VG_ERR_CORRUPT);
            }
        }
        /* consistency with an older size */
        uint64_t old = size / 2 + 1;
        unsigned char ro[HB], pc[VG_TLOG_MAX_PROOF][HB];
        size_t cc;
        CHECK(vg_tlog_tree_hash(&flat, old, ro, NULL) == VG_OK);
        CHECK(vg_tlog_prove_consistency(&tr, old, size, pc, &cc, NULL) == VG_OK);
        CHECK(vg_tlog_verify_consistency(old, size, ro, r1, (const unsigned char(*)[HB])pc, cc,
                                         NULL) == VG_OK);
        if (cc) {
            pc[0][0] ^= 0x80;
            CHECK(vg_tlog_verify_consistency(old, size, ro, r1,
                                             (const unsigned char(*)[HB])pc, cc,
                                             NULL) == VG_ERR_CORRUPT);
        }
    }
    CHECK(t.reads_above_zero > 0); /* the stored level was used */
    free(hashes);
}

/* ---- signed notes ----------------------------------------------------------- */

/* golang.org/x/mod/sumdb/note's documented example. */
static const char go_skey_b64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char go_note[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static void go_signer(vg_note_signer *s)
{
    unsigned char key[33];
    size_t n = 0;
    CHECK(sodium_base642bin(key, sizeof key, go_skey_b64, strlen(go_skey_b64), NULL, &n, NULL,
                            sodium_base64_VARIANT_ORIGINAL) == 0 &&
          n == 33 && key[0] == 1);
    CHECK(vg_note_signer_init(s, "PeterNeumann", key + 1, NULL) == VG_OK);
}

static void test_signed_note(void)
{
    vg_note_signer s;
    go_signer(&s);
    CHECK(s.key_id == 0xc74f20a3u);
    vg_note_verifier v, mine;
    vg_error err;
    CHECK(vg_note_verifier_parse(go_vkey, strlen(go_vkey), &v, &err) == VG_OK);
    vg_note_verifier_of(&s, &mine);
    CHECK(!memcmp(&v, &mine, sizeof v));
    char *vk = NULL;
    CHECK(vg_note_verifier_format(&v, &vk, NULL) == VG_OK && vk && !strcmp(vk, go_vkey));
    free(vk);

    /* Ed25519 is deterministic: the same note, byte for byte */
    char *note = NULL;
    size_t len = 0, text_len = 0;
    CHECK(vg_note_sign(&s, go_text, strlen(go_text), &note, &len, NULL) == VG_OK);
    CHECK(note && len == strlen(go_note) && !memcmp(note, go_note, len));
    free(note);

    CHECK(vg_note_open(go_note, strlen(go_note), &v, &text_len, &err) == VG_OK);
    CHECK_INT_EQ(text_len, strlen(go_text));

    /* an altered text, a signature line altered, another key only */
    char bad[sizeof go_note];
    memcpy(bad, go_note, sizeof go_note);
    bad[3] = 'Y';
    CHECK(vg_note_open(bad, strlen(bad), &v, &text_len, &err) == VG_ERR_CORRUPT);
    memcpy(bad, go_note, sizeof go_note);
    bad[strlen(bad) - 10] ^= 1;
    CHECK(vg_note_open(bad, strlen(bad), &v, &text_len, &err) == VG_ERR_CORRUPT);
    unsigned char seed[32] = {7};
    vg_note_signer other;
    CHECK(vg_note_signer_init(&other, "EnochRoot", seed, NULL) == VG_OK);
    CHECK(vg_note_sign(&other, go_text, strlen(go_text), &note, &len, NULL) == VG_OK);
    CHECK(vg_note_open(note, len, &v, &text_len, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "not signed by PeterNeumann") != NULL);
    /* a cosignature by another key beside the right one is ignored */
    size_t both_len = strlen(go_note) + (len - strlen(go_text) - 1);
    char *both = malloc(both_len + 1);
    memcpy(both, go_note, strlen(go_note));
    memcpy(both + strlen(go_note), note + strlen(go_text) + 1, len - strlen(go_text) - 1);
    both[both_len] = 0;
    CHECK(vg_note_open(both, both_len, &v, &text_len, &err) == VG_OK);
    free(both);
    free(note);
    vg_note_signer_clear(&other);

    /* manglings of the verifier key */
    const char *bad_keys[] = {
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "",
    };
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++)
        CHECK_MSG(vg_note_verifier_parse(bad_keys[i], strlen(bad_keys[i]), &v, &err) ==
                      VG_ERR_CORRUPT,
                  "accepted %s", bad_keys[i]);
    /* notes that are not notes */
    const char *bad_notes[] = {"", "text\n", "text\n\n", "text\n\n\xe2\x80\x94 PeterNeumann\n",
                               "text\n\n- PeterNeumann x08go/ZJk=\n",
                               "te\x01xt\n\n\xe2\x80\x94 PeterNeumann x08go/ZJk=\n"};
    CHECK(vg_note_verifier_parse(go_vkey, strlen(go_vkey), &v, NULL) == VG_OK);
    for (size_t i = 0; i < sizeof bad_notes / sizeof bad_notes[0]; i++)
        CHECK_MSG(vg_note_open(bad_notes[i], strlen(bad_notes[i]), &v, &text_len, &err) ==
                      VG_ERR_CORRUPT,
                  "accepted note %zu", i);
    vg_note_signer_clear(&s);
}

static void test_checkpoint(void)
{
    /* the C2SP tlog-checkpoint specification's example body */
    static const char example[] = "example.com/behind-the-sofa\n"
                                  "20852163\n"
                                  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    vg_tlog_checkpoint c;
    vg_error err;
    CHECK(vg_tlog_checkpoint_parse(example, strlen(example), &c, &err) == VG_OK);
    CHECK_STR_EQ(c.origin, "example.com/behind-the-sofa");
    CHECK(c.size == 20852163);
    CHECK(c.root[0] == 0x0a && c.root[31] == 0x62);
    char *text = NULL;
    size_t len;
    CHECK(vg_tlog_checkpoint_format(&c, &text, &len, NULL) == VG_OK);
    CHECK(text && len == strlen(example) && !memcmp(text, example, len));
    free(text);
    /* extension lines are allowed */
    static const char ext[] = "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nx y\n";
    CHECK(vg_tlog_checkpoint_parse(ext, strlen(ext), &c, NULL) == VG_OK);
    const char *bad[] = {
        "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
        "o\n1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(vg_tlog_checkpoint_parse(bad[i], strlen(bad[i]), &c, &err) == VG_ERR_CORRUPT,
                  "accepted checkpoint %zu", i);

    /* signed and opened; the origin must be the key's name */
    vg_note_signer s;
    unsigned char seed[32] = {1, 2, 3};
    CHECK(vg_note_signer_init(&s, "example.org/transparency", seed, NULL) == VG_OK);
    vg_tlog_checkpoint cp = {"example.org/transparency", 8, {0}};
    unhex(root_hex[8], cp.root, HB);
    char *note;
    CHECK(vg_tlog_checkpoint_sign(&cp, &s, &note, &len, NULL) == VG_OK);
    vg_note_verifier v;
    vg_note_verifier_of(&s, &v);
    vg_tlog_checkpoint got;
    CHECK(vg_tlog_checkpoint_open(note, len, &v, &got, &err) == VG_OK);
    CHECK(got.size == 8 && !memcmp(got.root, cp.root, HB));
    free(note);
    strcpy(cp.origin, "example.org/other");
    CHECK(vg_tlog_checkpoint_sign(&cp, &s, &note, &len, NULL) == VG_OK);
    CHECK(vg_tlog_checkpoint_open(note, len, &v, &got, &err) == VG_ERR_CORRUPT);
    free(note);
    vg_note_signer_clear(&s);
}

static void test_tiles(void)
{
    char path[64];
    vg_tlog_tile t = {0, 1234067, 256}, back;
    /* the tlog-tiles specification's example index */
    CHECK(vg_tlog_tile_path(&t, path, sizeof path, NULL) == VG_OK);
    CHECK_STR_EQ(path, "tile/0/x001/x234/067");
    t.level = 1;
    t.width = 8;
    CHECK(vg_tlog_tile_path(&t, path, sizeof path, NULL) == VG_OK);
    CHECK_STR_EQ(path, "tile/1/x001/x234/067.p/8");
    t.level = VG_TLOG_ENTRIES;
    t.index = 5;
    t.width = 256;
    CHECK(vg_tlog_tile_path(&t, path, sizeof path, NULL) == VG_OK);
    CHECK_STR_EQ(path, "tile/entries/005");
    t.index = 1000;
    CHECK(vg_tlog_tile_path(&t, path, sizeof path, NULL) == VG_OK);
    CHECK_STR_EQ(path, "tile/entries/x001/000");
    CHECK(vg_tlog_tile_path_parse("tile/1/x001/x234/067.p/8", &back, NULL) == VG_OK);
    CHECK(back.level == 1 && back.index == 1234067 && back.width == 8);
    CHECK(vg_tlog_tile_path_parse("tile/entries/x001/000", &back, NULL) == VG_OK);
    CHECK(back.level == VG_TLOG_ENTRIES && back.index == 1000 && back.width == 256);
    const char *bad[] = {"tile/0/1", "tile/0/0001", "tile/0/x000/001", "tile/0/001.p/0",
                         "tile/0/001.p/256", "tile/0/001.p/08", "tile/9/001", "tile/0/x001",
                         "tile/0/001/", "tiles/0/001", "tile/0/001.p/", "tile/-1/001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(vg_tlog_tile_path_parse(bad[i], &back, NULL) == VG_ERR_CORRUPT, "accepted %s",
                  bad[i]);
    /* which tile holds what */
    CHECK(vg_tlog_tile_for(300, 0, 299, &t, NULL) == VG_OK);
    CHECK(t.index == 1 && t.width == 44);
    CHECK(vg_tlog_tile_for(300, 1, 0, &t, NULL) == VG_OK && t.width == 1);
    CHECK(vg_tlog_tile_for(300, 1, 1, &t, NULL) == VG_ERR_INVALID);
    CHECK(vg_tlog_tile_for(300, 0, 300, &t, NULL) == VG_ERR_INVALID);

    /* bundles */
    const char *e[] = {"a", "", "bcd"};
    size_t l[] = {1, 0, 3}, n = 0, blen;
    unsigned char *b;
    CHECK(vg_tlog_bundle_encode(e, l, 3, &b, &blen, NULL) == VG_OK);
    CHECK(blen == 10 && b[0] == 0 && b[1] == 1 && b[2] == 'a' && b[5] == 0 && b[6] == 3);
    CHECK(vg_tlog_bundle_each(b, blen, NULL, NULL, &n, NULL) == VG_OK && n == 3);
    CHECK(vg_tlog_bundle_each(b, blen - 1, NULL, NULL, &n, NULL) == VG_ERR_CORRUPT);
    CHECK(vg_tlog_bundle_each(b, 1, NULL, NULL, &n, NULL) == VG_ERR_CORRUPT);
    free(b);
}

static void test_entries(void)
{
    vg_tlog_entry e = {0};
    e.action = VG_TLOG_ADDED;
    e.time = 1796521500; /* 2026-12-06T01:45:00Z */
    e.expires = 1804297500;
    strcpy(e.basis, "Code p\xc3\xa9nal, art. 227-23");
    strcpy(e.category, "csam");
    strcpy(e.reason, "approved by a supervisor");
    unsigned char key[32] = {9}, opening[32];
    const char *url = "http://example.org/a/b.html";
    vg_tlog_url_commitment(key, url, strlen(url), opening, e.url_commitment);
    CHECK(vg_tlog_url_opens(opening, url, strlen(url), e.url_commitment));
    CHECK(!vg_tlog_url_opens(opening, "http://example.org/a/c.html", 27, e.url_commitment));
    char *text;
    size_t len;
    vg_error err;
    CHECK(vg_tlog_entry_encode(&e, &text, &len, &err) == VG_OK);
    static const char head[] =
        "vigie-blocklist/1\naction: added\ntime: 2026-12-06T01:45:00Z\n"
        "expires: 2027-03-06T01:45:00Z\nbasis: Code p\xc3\xa9nal, art. 227-23\n"
        "category: csam\nreason: approved by a supervisor\nurl: ";
    CHECK(len == strlen(head) + 65 && !strncmp(text, head, strlen(head)));
    vg_tlog_entry back;
    CHECK(vg_tlog_entry_parse(text, len, &back, &err) == VG_OK);
    CHECK(!memcmp(&back, &e, sizeof e));
    /* one spelling: any change of form is refused */
    for (size_t i = 0; i < len; i++) {
        char saved = text[i];
        text[i] = saved == '\n' ? ' ' : saved == ':' ? ';' : saved;
        if (text[i] != saved)
            CHECK_MSG(vg_tlog_entry_parse(text, len, &back, &err) != VG_OK, "byte %zu", i);
        text[i] = saved;
    }
    CHECK(vg_tlog_entry_parse(text, len - 1, &back, &err) == VG_ERR_CORRUPT);
    free(text);
    const char *bad_times[] = {"2026-02-30T00:00:00Z", "2026-12-06T01:45:00+01:00",
                               "2026-12-06 01:45:00Z", "2026-12-06T24:00:00Z"};
    for (size_t i = 0; i < 4; i++) {
        char t[512];
        snprintf(t, sizeof t, "vigie-blocklist/1\naction: removed\ntime: %s\nexpires: -\n"
                 "basis: b\ncategory: c\nreason: r\nurl: %064d\n", bad_times[i], 0);
        CHECK_MSG(vg_tlog_entry_parse(t, strlen(t), &back, &err) == VG_ERR_CORRUPT, "%s",
                  bad_times[i]);
    }
    /* values the format cannot carry */
    strcpy(e.reason, "two\nlines");
    CHECK(vg_tlog_entry_encode(&e, &text, &len, &err) == VG_ERR_INVALID);
    strcpy(e.reason, " padded");
    CHECK(vg_tlog_entry_encode(&e, &text, &len, &err) == VG_ERR_INVALID);
    strcpy(e.reason, "ok");
    e.basis[0] = 0;
    CHECK(vg_tlog_entry_encode(&e, &text, &len, &err) == VG_ERR_INVALID);
    CHECK(vg_tlog_action_parse("appeal-refused") == VG_TLOG_APPEAL_REFUSED);
    CHECK(vg_tlog_action_parse("deleted") == 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_roots);
    RUN(test_reference_probes);
    RUN(test_tiled_tree);
    RUN(test_signed_note);
    RUN(test_checkpoint);
    RUN(test_tiles);
    RUN(test_entries);
    return vg_test_exit();
}
