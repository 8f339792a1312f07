/*
 * vigie/index.h - indexes of hash banks: exact digests and PDQ radius search.
 *
 * An index is built once from bank files into a file (format described in
 * docs/index-format.md) and opened with mmap: opening checks the header, the
 * section table and the small sections, so a 10-million-entry index is ready
 * at once; vg_index_verify checks every byte against its checksum. Queries
 * never read outside the mapping even when the file was damaged after it
 * was written (they may then return wrong entries, which verify detects).
 *
 * Entries are numbered from 0 in build order (banks in the order given, then
 * lines in file order); entries added later follow. An entry number is what
 * searches return; vg_index_entry_get gives its bank, id and metadata.
 *
 * PDQ search is exact: every entry within the radius is returned, whatever
 * the radius (0..256). An opened index is immutable and may be searched from
 * any number of threads at once.
 *
 * Adding and removing entries rewrites the file without rebuilding its base:
 * added entries go to a small delta segment, removed ones become tombstones;
 * vg_index_compact folds both into a fresh base.
 */
#ifndef VIGIE_INDEX_H
#define VIGIE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/bank.h"
#include "vigie/error.h"
#include "vigie/patch.h"
#include "vigie/pdq.h"
#include "vigie/vpdq.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_INDEX_FORMAT_VERSION 3
#define VG_INDEX_MAX_RADIUS 256

typedef struct vg_index vg_index;
typedef struct vg_index_builder vg_index_builder;

/* ---- building ---------------------------------------------------------- */

vg_status vg_index_builder_new(vg_index_builder **out, vg_error *err);
void vg_index_builder_free(vg_index_builder *builder);

/* Declare a bank; *bank receives its number for vg_index_builder_add.
 * `columns` holds the metadata column names, each followed by a NUL
 * (columns_len bytes in all, may be 0). Both are copied. */
vg_status vg_index_builder_add_bank(vg_index_builder *builder, const char *name,
                                    const char *columns, size_t columns_len, uint32_t *bank,
                                    vg_error *err);
/* Add one entry to a declared bank. The entry is copied. */
vg_status vg_index_builder_add(vg_index_builder *builder, uint32_t bank,
                               const vg_bank_entry *entry, vg_error *err);
/* Parse a bank file and add all its entries as bank `name` (NULL: the file
 * name without directory and extension). on_bad_line (may be NULL) hears of
 * each bad line; stats may be NULL. A refused bank adds nothing. */
vg_status vg_index_builder_add_file(vg_index_builder *builder, const char *path,
                                    const char *name, const vg_bank_options *opts,
                                    void (*on_bad_line)(void *ctx, uint64_t line,
                                                        const char *reason),
                                    void *ctx, vg_bank_stats *stats, vg_error *err);
/* Write the index file (atomically: a temporary file renamed over path).
 * The builder is consumed: afterwards only vg_index_builder_free is valid. */
vg_status vg_index_builder_write(vg_index_builder *builder, const char *path, vg_error *err);

/* ---- opening ----------------------------------------------------------- */

vg_status vg_index_open(const char *path, vg_index **out, vg_error *err);
void vg_index_close(vg_index *index);
/* Check every section against its checksum and the structures' invariants. */
vg_status vg_index_verify(const vg_index *index, vg_error *err);

typedef struct vg_index_stats {
    uint32_t version;
    uint64_t file_bytes;
    uint64_t entries;       /* all numbered entries, removed ones included */
    uint64_t live_entries;  /* entries minus removed */
    uint64_t removed;       /* tombstones */
    uint64_t delta_entries; /* entries in the delta segment (added since build/compact) */
    uint64_t by_type[VG_SIGNAL_TYPE_COUNT]; /* live entries per signal type; a video counts
                                             * once under vpdq, its frames not under pdq */
    uint32_t banks;
} vg_index_stats;

void vg_index_get_stats(const vg_index *index, vg_index_stats *out);
/* Name of bank i (< stats.banks); borrowed from the index. */
const char *vg_index_bank_name(const vg_index *index, uint32_t bank);

typedef struct vg_index_entry {
    vg_signal_type type;
    uint8_t value[VG_SIGNAL_MAX_BYTES];
    /* patchset entries: the encoded value, borrowed from the mapping */
    const uint8_t *long_value;
    size_t long_value_len;
    uint32_t bank;
    const char *bank_name; /* borrowed, NUL-terminated */
    /* Borrowed from the mapping or, for ids stored as numbers, from id_buf
     * of this very struct (so use it where it was filled, not from a copy);
     * not NUL-terminated. */
    const char *id;
    size_t id_len;
    /* Metadata values, each followed by a NUL, in the order of the bank's
     * columns; borrowed. */
    const char *metadata;
    size_t metadata_len;
    const char *columns; /* the bank's column names, NUL-separated; borrowed */
    size_t columns_len;
    bool removed;
    /* Videos (type vpdq): the entry of the video (its first frame, whose
     * metadata it carries) and its frame count; value is this frame's PDQ.
     * Searches only ever return the video's entry. */
    uint64_t video;
    uint32_t video_frames;
    char id_buf[24];
} vg_index_entry;

vg_status vg_index_entry_get(const vg_index *index, uint64_t entry, vg_index_entry *out,
                             vg_error *err);

/* ---- searching --------------------------------------------------------- */

typedef struct vg_index_match {
    uint64_t entry;
    int distance; /* 0 for digests and patch sets */
    vg_signal_type type;
    int score;    /* patch sets: agreeing patches (vigie/patch.h); 0 otherwise */
} vg_index_match;

/* A growable result list owned by the caller; reuse it across queries and
 * release it with vg_index_matches_free. Searches replace its contents. */
typedef struct vg_index_matches {
    vg_index_match *items;
    size_t count;
    size_t capacity;
} vg_index_matches;

void vg_index_matches_free(vg_index_matches *matches);

/* Every live entry of the given digest type (md5, sha1, sha256) equal to
 * value, in entry order. */
vg_status vg_index_find_exact(const vg_index *index, vg_signal_type type, const uint8_t *value,
                              vg_index_matches *out, vg_error *err);

/* Many digest lookups at once, overlapping their memory accesses: for each
 * of the `count` values (packed, vg_signal_type_bytes(type) apart),
 * found[i] receives how many live entries are equal to it. */
vg_status vg_index_count_exact_batch(const vg_index *index, vg_signal_type type,
                                     const uint8_t *values, size_t count, uint32_t *found,
                                     vg_error *err);

/* Every live pdq and pdq_trimmed entry within Hamming distance `radius`
 * (0..256) of query (its type in each match), sorted by distance, then id
 * (numerically when both ids are decimal), then entry number. */
vg_status vg_index_search_pdq(const vg_index *index, const vg_pdq_hash *query, int radius,
                              vg_index_matches *out, vg_error *err);

/* Every live patchset entry that the query's patch set matches with at
 * least min_inliers agreeing patches (VG_PATCH_MIN_INLIERS is the rule of
 * docs/robust.md), found through each segment's patch index; sorted by
 * score, best first, then entry number. search is the caller's reusable
 * state (one per thread). */
vg_status vg_index_search_patchset(const vg_index *index, const vg_patchset *query,
                                   int min_inliers, vg_patch_search *search,
                                   vg_index_matches *out, vg_error *err);

/* ---- videos (vPDQ) ------------------------------------------------------ */

/*
 * A video entry (signal type vpdq, from a CSV row, a vPDQ hash file or a
 * directory of them) is stored as its unique frames of quality >= 50, each
 * in the exact PDQ index. vg_index_search_pdq returns a video whose frame
 * is within the radius as one match of type vpdq (a still taken from a
 * known video finds it). vg_index_search_vpdq matches a whole video: every
 * query frame is searched once, which finds the candidate videos, and the
 * shares are then counted on those candidates only: the result is exactly
 * what vg_vpdq_compare against every video of the index would give (tests
 * check it against brute force).
 */
typedef struct vg_index_video_match {
    uint64_t entry; /* the video's entry */
    vg_vpdq_similarity similarity;
} vg_index_video_match;

typedef struct vg_index_video_matches {
    vg_index_video_match *items;
    size_t count;
    size_t capacity;
} vg_index_video_matches;

void vg_index_video_matches_free(vg_index_video_matches *matches);

/* The live videos matching query (from vg_vpdq_set_from; opts NULL for the
 * defaults; the index keeps frames of quality >= 50, whatever
 * opts->quality_threshold), by query share, then compared share (both
 * descending), then entry number. */
vg_status vg_index_search_vpdq(const vg_index *index, const vg_vpdq_set *query,
                               const vg_vpdq_match_options *opts, vg_index_video_matches *out,
                               vg_error *err);

/* ---- changing an index file ------------------------------------------------ */

/* Add the entries of bank files to the index at path, as a delta segment. */
vg_status vg_index_add_files(const char *path, const char *const *banks, size_t bank_count,
                             const vg_bank_options *opts,
                             void (*on_bad_line)(void *ctx, uint64_t line, const char *reason),
                             void *ctx, vg_error *err);
/* Mark as removed every entry whose id is one of ids (in bank `bank`, or in
 * any bank when bank is NULL). *removed (may be NULL) receives how many
 * entries were newly removed (a video counting once). */
vg_status vg_index_remove_ids(const char *path, const char *bank, const char *const *ids,
                              size_t id_count, uint64_t *removed, vg_error *err);
/* Rebuild the index at path from its live entries: one segment, no tombstones. */
vg_status vg_index_compact(const char *path, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
