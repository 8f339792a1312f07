/*
 * vigie/tlog.h - a public, append-only transparency log: what lets anyone
 * check that the blocking list changes only through logged, dated and
 * reasoned entries, and count them.
 *
 * Four standards, each implemented as published, so that existing
 * verifiers and monitors can read vigie's log:
 *
 *   - RFC 9162 (Certificate Transparency 2.0) section 2.1: the Merkle tree.
 *     A leaf's hash is SHA-256(0x00 || entry), an inner node's
 *     SHA-256(0x01 || left || right); the tree of n leaves splits at the
 *     largest power of two below n. Inclusion and consistency proofs as in
 *     sections 2.1.3 and 2.1.4.
 *   - C2SP signed-note: a text signed by Ed25519 keys, each signature line
 *     "\u2014 NAME BASE64(keyid(4) || signature(64))\n" after a blank line.
 *     The key ID is the first 4 bytes of SHA-256(NAME || 0x0A || 0x01 ||
 *     public key); the verifier key is published as
 *     "NAME+KEYID(8 hex)+BASE64(0x01 || public key)".
 *   - C2SP tlog-checkpoint: the signed note's text is "ORIGIN\nSIZE\nBASE64(root)\n"
 *     (extension lines may follow; they are kept, not interpreted).
 *   - C2SP tlog-tiles: the tree served as static files. A tile holds up to
 *     256 hashes of one tile level L (tree level 8L, level 0 being the
 *     leaves' hashes): "tile/L/N", or "tile/L/N.p/W" for a partial tile of
 *     W < 256 hashes; the entries as bundles of up to 256:
 *     "tile/entries/N[.p/W]", each entry a big-endian 16-bit length then
 *     its bytes. N is written in groups of three digits, all but the last
 *     prefixed by "x": 1234067 is "x001/x234/067".
 *
 * And vigie's own: the log entry of the blocking list (vg_tlog_entry), a
 * small text record, one "key: value" line per field in a fixed order.
 *
 * Hashes are 32 raw bytes (VG_TLOG_HASH_BYTES). Everything is pure and
 * thread-safe; buffers returned are malloc'd and the caller's to free.
 */
#ifndef VIGIE_TLOG_H
#define VIGIE_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_TLOG_HASH_BYTES 32
#define VG_TLOG_MAX_PROOF 64        /* hashes in any proof of a tree below 2^63 leaves */
#define VG_TLOG_TILE_HEIGHT 8
#define VG_TLOG_TILE_WIDTH 256      /* hashes (or entries) in a full tile */
#define VG_TLOG_MAX_ENTRY 65535     /* an entry in a bundle: 16-bit length */

/* ---- RFC 9162 hashing ---------------------------------------------------- */

/* SHA-256(0x00 || data). */
void vg_tlog_leaf_hash(const void *data, size_t len, unsigned char out[VG_TLOG_HASH_BYTES]);
/* SHA-256(0x01 || left || right). out may alias left or right. */
void vg_tlog_node_hash(const unsigned char left[VG_TLOG_HASH_BYTES],
                       const unsigned char right[VG_TLOG_HASH_BYTES],
                       unsigned char out[VG_TLOG_HASH_BYTES]);

/* The Merkle tree hash of count hashes taken as the nodes of one level
 * (leaf hashes, or the hashes of equal complete subtrees), count >= 1:
 * the root of a tree whose leaves' hashes are given, or the hash a tile
 * of the next level up stores (256 hashes of tile level L give one hash of
 * tile level L+1). out may not alias hashes. */
void vg_tlog_hash_of(const unsigned char *hashes, size_t count,
                     unsigned char out[VG_TLOG_HASH_BYTES]);

/*
 * Where proofs and roots read the tree from: the hashes of complete
 * subtrees at tile levels (tree level 8L), as a log keeps them (and as
 * its tiles publish them). read(ctx, level, index, count, out, err) fills
 * out with count * 32 bytes: the hashes of the subtrees index ..
 * index+count-1 of tile level `level`, each covering 256^level leaves;
 * it is only asked for subtrees that are complete in the tree at hand,
 * and only for levels <= max_level (0: leaf hashes only, all the
 * caller keeps in memory). count is at most 256.
 */
typedef vg_status (*vg_tlog_read_fn)(void *ctx, unsigned level, uint64_t index, size_t count,
                                     unsigned char *out, vg_error *err);
typedef struct vg_tlog_reader {
    vg_tlog_read_fn read;
    void *ctx;
    unsigned max_level;
} vg_tlog_reader;

/* A reader over leaf hashes held in memory (count * 32 bytes at hashes,
 * which must outlive the reader): max_level 0. */
typedef struct vg_tlog_memory {
    const unsigned char *hashes;
    uint64_t count;
} vg_tlog_memory;
vg_tlog_reader vg_tlog_memory_reader(vg_tlog_memory *memory);

/* The root of the tree of the first size leaves (size 0: SHA-256 of
 * nothing, as RFC 9162 says). */
vg_status vg_tlog_tree_hash(const vg_tlog_reader *reader, uint64_t size,
                            unsigned char root[VG_TLOG_HASH_BYTES], vg_error *err);

/* The inclusion proof of leaf index in the tree of size leaves, into
 * proof (room for VG_TLOG_MAX_PROOF hashes, 32 bytes each), *count hashes.
 * VG_ERR_INVALID unless index < size. */
vg_status vg_tlog_prove_inclusion(const vg_tlog_reader *reader, uint64_t size, uint64_t index,
                                  unsigned char proof[][VG_TLOG_HASH_BYTES], size_t *count,
                                  vg_error *err);
/* The consistency proof between the trees of old_size and new_size
 * leaves (0 < old_size <= new_size; empty when equal). */
vg_status vg_tlog_prove_consistency(const vg_tlog_reader *reader, uint64_t old_size,
                                    uint64_t new_size, unsigned char proof[][VG_TLOG_HASH_BYTES],
                                    size_t *count, vg_error *err);

/* Check an inclusion proof (RFC 9162 2.1.3.2): VG_OK when leaf_hash is leaf
 * index of the tree of size leaves whose root is root; VG_ERR_CORRUPT
 * saying why not (index out of range, wrong proof length, root mismatch). */
vg_status vg_tlog_verify_inclusion(uint64_t index, uint64_t size,
                                   const unsigned char leaf_hash[VG_TLOG_HASH_BYTES],
                                   const unsigned char proof[][VG_TLOG_HASH_BYTES], size_t count,
                                   const unsigned char root[VG_TLOG_HASH_BYTES], vg_error *err);
/* Check a consistency proof (RFC 9162 2.1.4.2): VG_OK when the tree of
 * old_size leaves with old_root is a prefix of the tree of new_size leaves
 * with new_root; VG_ERR_CORRUPT otherwise. old_size == new_size needs an
 * empty proof and equal roots; old_size 0 is refused (a proof from the
 * empty tree proves nothing; a verifier starting from nothing checks the
 * tree itself), as the reference verifier does. */
vg_status vg_tlog_verify_consistency(uint64_t old_size, uint64_t new_size,
                                     const unsigned char old_root[VG_TLOG_HASH_BYTES],
                                     const unsigned char new_root[VG_TLOG_HASH_BYTES],
                                     const unsigned char proof[][VG_TLOG_HASH_BYTES],
                                     size_t count, vg_error *err);

/* ---- C2SP signed notes --------------------------------------------------- */

#define VG_NOTE_MAX_NAME 255        /* a key name: printable, no space, no '+' */
#define VG_NOTE_MAX_BYTES (1 << 20) /* a whole note */

/* A signer: its name, key ID and Ed25519 key pair (libsodium's form). */
typedef struct vg_note_signer {
    char name[VG_NOTE_MAX_NAME + 1];
    uint32_t key_id;
    unsigned char public_key[32];
    unsigned char secret_key[64]; /* wipe with vg_note_signer_clear */
} vg_note_signer;
/* Derive the signer of name from a 32-byte Ed25519 seed (a key file's). */
vg_status vg_note_signer_init(vg_note_signer *signer, const char *name,
                              const unsigned char seed[32], vg_error *err);
void vg_note_signer_clear(vg_note_signer *signer);

/* A verifier: name, key ID and public key. */
typedef struct vg_note_verifier {
    char name[VG_NOTE_MAX_NAME + 1];
    uint32_t key_id;
    unsigned char public_key[32];
} vg_note_verifier;
/* The verifier of a signer. */
void vg_note_verifier_of(const vg_note_signer *signer, vg_note_verifier *out);
/* Parse "NAME+KEYID+BASE64(0x01||key)" (surrounding white space
 * ignored); VG_ERR_CORRUPT when malformed, not Ed25519 (0x01), or when the
 * key ID does not match the name and key. */
vg_status vg_note_verifier_parse(const char *text, size_t len, vg_note_verifier *out,
                                 vg_error *err);
/* Format a verifier key: *out malloc'd, NUL-terminated, no newline. */
vg_status vg_note_verifier_format(const vg_note_verifier *verifier, char **out, vg_error *err);
/* The key ID of name and Ed25519 public key. */
uint32_t vg_note_key_id(const char *name, const unsigned char public_key[32]);

/* Sign text (len bytes, non-empty, ending with "\n", valid UTF-8 without
 * other control characters) into a note: text, "\n", the signature line.
 * *note malloc'd, NUL-terminated, *note_len bytes. */
vg_status vg_note_sign(const vg_note_signer *signer, const char *text, size_t len, char **note,
                       size_t *note_len, vg_error *err);
/* Open a note: split text from signatures and check that one signature
 * line is verifier's (same name and key ID) and valid. Signature lines of
 * other keys are ignored (a note may carry witnesses' cosignatures).
 * *text_len gets the length of the text (which starts the note, its final
 * "\n" included). VG_ERR_CORRUPT when the note is malformed or has no
 * valid signature by verifier (saying which), VG_ERR_TOO_LARGE beyond
 * VG_NOTE_MAX_BYTES. */
vg_status vg_note_open(const char *note, size_t len, const vg_note_verifier *verifier,
                       size_t *text_len, vg_error *err);

/* ---- C2SP tlog-checkpoint ------------------------------------------------ */

#define VG_TLOG_MAX_ORIGIN 255

typedef struct vg_tlog_checkpoint {
    char origin[VG_TLOG_MAX_ORIGIN + 1]; /* the log's name: "example.org/vigie/transparency" */
    uint64_t size;
    unsigned char root[VG_TLOG_HASH_BYTES];
} vg_tlog_checkpoint;

/* The checkpoint's text (the body of the note to sign), malloc'd. */
vg_status vg_tlog_checkpoint_format(const vg_tlog_checkpoint *checkpoint, char **text,
                                    size_t *len, vg_error *err);
/* Parse a checkpoint's text (what vg_note_open returned, not the whole
 * note): VG_ERR_CORRUPT when malformed (empty origin, a size with a sign,
 * leading zero or overflow, a root that is not 32 bytes of base64). */
vg_status vg_tlog_checkpoint_parse(const char *text, size_t len, vg_tlog_checkpoint *out,
                                   vg_error *err);
/* Sign a checkpoint into a note (vg_note_sign of its text). */
vg_status vg_tlog_checkpoint_sign(const vg_tlog_checkpoint *checkpoint,
                                  const vg_note_signer *signer, char **note, size_t *note_len,
                                  vg_error *err);
/* Open a signed checkpoint: the signature by verifier, then the text.
 * The origin must equal the verifier's name (the convention of C2SP logs,
 * which vigie follows): VG_ERR_CORRUPT otherwise. */
vg_status vg_tlog_checkpoint_open(const char *note, size_t len, const vg_note_verifier *verifier,
                                  vg_tlog_checkpoint *out, vg_error *err);

/* ---- C2SP tlog-tiles ----------------------------------------------------- */

/* A tile's address. level VG_TLOG_ENTRIES names an entry bundle. */
#define VG_TLOG_ENTRIES (-1)
#define VG_TLOG_MAX_LEVEL 7 /* 256^8 leaves is beyond any size */
typedef struct vg_tlog_tile {
    int level;       /* 0 .. VG_TLOG_MAX_LEVEL, or VG_TLOG_ENTRIES */
    uint64_t index;  /* N */
    unsigned width;  /* 1 .. 256; 256 is a full tile */
} vg_tlog_tile;

/* "tile/L/N[.p/W]" or "tile/entries/N[.p/W]" into out (cap bytes; 64 is
 * always enough). */
vg_status vg_tlog_tile_path(const vg_tlog_tile *tile, char *out, size_t cap, vg_error *err);
/* The inverse, for a path starting at "tile/" (a server's route): only
 * the canonical spelling is accepted (no leading zeros beyond the three
 * digits, ".p/W" only for 1 <= W <= 255). VG_ERR_CORRUPT otherwise. */
vg_status vg_tlog_tile_path_parse(const char *path, vg_tlog_tile *out, vg_error *err);
/* The tile that holds, in a tree of size leaves, the node index of tile
 * level level (or the entry index, level VG_TLOG_ENTRIES): index/256, with
 * the width the tree has there. VG_ERR_INVALID when the tree does not
 * hold that node complete. */
vg_status vg_tlog_tile_for(uint64_t size, int level, uint64_t index, vg_tlog_tile *out,
                           vg_error *err);
/* How many complete nodes tile level level has in a tree of size leaves
 * (size / 256^level). */
uint64_t vg_tlog_level_width(uint64_t size, unsigned level);

/* An entry bundle: encode count entries (each at most VG_TLOG_MAX_ENTRY
 * bytes) into *out (malloc'd), and walk one. */
vg_status vg_tlog_bundle_encode(const char *const *entries, const size_t *lens, size_t count,
                                unsigned char **out, size_t *out_len, vg_error *err);
/* Call fn for each entry of the bundle (fn returns non-zero to stop:
 * VG_ERR_ABORTED); *count (may be NULL) gets how many entries it holds.
 * VG_ERR_CORRUPT for a truncated bundle or more than 256 entries. */
typedef int (*vg_tlog_entry_fn)(void *ctx, const unsigned char *entry, size_t len);
vg_status vg_tlog_bundle_each(const unsigned char *bundle, size_t len, vg_tlog_entry_fn fn,
                              void *ctx, size_t *count, vg_error *err);

/* ---- the entries of the blocking list's log ------------------------------ */

/*
 * One change of the blocking list, as published. Its text:
 *
 *   vigie-blocklist/1
 *   action: added
 *   time: 2026-12-06T01:45:00Z
 *   expires: 2027-03-06T01:45:00Z        ("-" when the action sets none)
 *   basis: Code penal, art. 227-23        (the legal basis)
 *   category: csam                        (the kind of material)
 *   reason: approved by a supervisor      (why, in words)
 *   url: 3f1c...(64 hex)                  (the commitment to the address)
 *
 * One field per line, in this order, each line "key: value\n"; values are
 * UTF-8 without control characters and without leading or trailing
 * spaces; times are UTC, RFC 3339 with a "Z", to the second. The parser
 * refuses anything else, so one change has one spelling.
 *
 * The commitment: the address itself must not be readable, nor testable
 * ("is example.org/x in the log?"), yet the hotline must be able to show a
 * site owner who appeals that an entry is about their address. So the log
 * holds SHA-256(opening || url) where opening = HMAC-SHA-256(url_key, url),
 * with url the canonical form (vg_urlhash_canonicalize, or a bare domain
 * for a domain entry) and url_key a secret the hotline keeps. Without
 * url_key nobody can compute an opening; handing one opening to the site
 * owner proves that entry (and only that address) without revealing the key.
 */
typedef enum vg_tlog_action {
    VG_TLOG_ADDED = 1,       /* "added": the entry joins the list */
    VG_TLOG_RENEWED,         /* "renewed": its expiry is extended, by a new approval */
    VG_TLOG_REMOVED,         /* "removed": the reason says why (gone, expired, appeal) */
    VG_TLOG_APPEAL_GRANTED,  /* "appeal-granted": an appeal was decided for the appellant */
    VG_TLOG_APPEAL_REFUSED   /* "appeal-refused": an appeal was decided against */
} vg_tlog_action;

#define VG_TLOG_ENTRY_FORMAT "vigie-blocklist/1"
#define VG_TLOG_MAX_BASIS 256
#define VG_TLOG_MAX_CATEGORY 64
#define VG_TLOG_MAX_REASON 1024

typedef struct vg_tlog_entry {
    vg_tlog_action action;
    int64_t time;    /* Unix seconds */
    int64_t expires; /* Unix seconds, 0 for none */
    char basis[VG_TLOG_MAX_BASIS + 1];
    char category[VG_TLOG_MAX_CATEGORY + 1];
    char reason[VG_TLOG_MAX_REASON + 1];
    unsigned char url_commitment[32];
} vg_tlog_entry;

/* "added", "renewed", ... or NULL; and back (0 when unknown). */
const char *vg_tlog_action_name(vg_tlog_action action);
vg_tlog_action vg_tlog_action_parse(const char *name);

/* The entry's text, malloc'd (NUL-terminated, *len bytes). VG_ERR_INVALID
 * for an empty basis, category or reason, control characters, leading or
 * trailing spaces, a time before 1970 or after 9999. */
vg_status vg_tlog_entry_encode(const vg_tlog_entry *entry, char **text, size_t *len,
                               vg_error *err);
/* Parse an entry's text (as the log holds it); VG_ERR_CORRUPT saying what
 * is wrong, VG_ERR_UNSUPPORTED for another format line. */
vg_status vg_tlog_entry_parse(const char *text, size_t len, vg_tlog_entry *out, vg_error *err);

/* The opening and commitment of url (len bytes) under url_key (32 bytes).
 * opening may be NULL. */
void vg_tlog_url_commitment(const unsigned char url_key[32], const char *url, size_t len,
                            unsigned char opening[32], unsigned char commitment[32]);
/* 1 when opening opens commitment for url. */
int vg_tlog_url_opens(const unsigned char opening[32], const char *url, size_t len,
                      const unsigned char commitment[32]);

#ifdef __cplusplus
}
#endif
#endif
