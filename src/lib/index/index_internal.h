/*
 * src/lib/index/index_internal.h - shared inside the index module.
 *
 * The file layout (docs/index-format.md): a 64-byte header, a section
 * table, then sections aligned to 64 bytes. All integers little-endian.
 * A file holds global sections (banks, tombstones) and one or two
 * segments: the base, and a delta of entries added since.
 *
 * Inside a segment, every entry has a type and a rank: its position among
 * the entries of its type, in entry order. The entry table (entries.c)
 * maps entries to ranks and back, to banks, ids and metadata; each signal
 * type's structure (exact digests in build.c/search.c, Hamming-distance
 * hashes likewise) is addressed by rank. A new signal type picks its
 * family in index_family_of and gets the family's sections with its own
 * type number in their ids.
 */
#ifndef VIGIE_INDEX_INTERNAL_H
#define VIGIE_INDEX_INTERNAL_H

#include <stdint.h>

#include "vigie/index.h"
#include "vigie/patch.h"

#define VG_INDEX_MAGIC "VIGIEIDX"
#define VG_INDEX_HEADER_BYTES 64
#define VG_INDEX_MAX_SECTIONS 1024
#define VG_INDEX_ALIGN 64
/* Sections up to this size are checksummed when the file is opened. */
#define VG_INDEX_OPEN_VERIFY_BYTES (1u << 20)
/* Signal types a segment can describe; types this vigie does not know
 * must have no entries. */
#define VG_INDEX_TYPE_SLOTS 16
/* Entries per block of the rank directory. */
#define VG_INDEX_RANK_BLOCK 256
/* Strings per block of a string table (offsets inside a block are u32). */
#define VG_INDEX_STRING_BLOCK 65536
/* The longest id or metadata value an entry may have, in bytes. */
#define VG_INDEX_STRING_MAX VG_BANK_LINE_MAX
/* Per-segment limit: ranks, positions and entry numbers are 32 bits. */
#define VG_INDEX_MAX_SEGMENT_ENTRIES 0xFFFFFFF0ull

/* Signal types an index stores, in its entry-type bytes, rank directory and
 * structures: md5, sha1, sha256, pdq, pdq_trimmed, patchset. A video
 * (VG_SIGNAL_VPDQ) is stored as pdq entries, one per unique frame (see
 * VIDEO_FIRST). */
#define INDEX_TYPES 6
_Static_assert(VG_SIGNAL_PATCHSET == INDEX_TYPES - 1 && VG_SIGNAL_VPDQ == INDEX_TYPES,
               "the types an index stores come first");

/* Hamming index geometry: 256-bit hashes cut into 16 parts of 16 bits,
 * paired into 8 pairs; two tables per pair (A keyed on the first part, B
 * on the second). */
#define HAM_BYTES 32
#define HAM_PAIRS 8
#define HAM_TABLES 16
#define HAM_BUCKETS 65536u

/* video-frames section, u32 per entry: 0 for an entry that is no video
 * frame; VIDEO_FIRST | F on a video's first frame (the video's own entry,
 * F frames in all, the next F - 1 entries); k on its (k+1)-th frame. A
 * video (VG_SIGNAL_VPDQ) is stored as pdq entries, one per unique frame,
 * tied together by this section. */
#define VIDEO_FIRST 0x80000000u
#define VIDEO_MAX_FRAMES 0x7FFFFFFFu

/* How a signal type is indexed. */
typedef enum index_family {
    FAMILY_EXACT,   /* digests: sorted records, looked up by value */
    FAMILY_HAMMING, /* 256-bit perceptual hashes: radius search */
    FAMILY_PATCH    /* patch sets: an inverted index of their patches (vigie/patch.h) */
} index_family;

static inline index_family index_family_of(vg_signal_type type)
{
    switch (type) {
    case VG_SIGNAL_PDQ:
    case VG_SIGNAL_PDQ_TRIMMED:
        return FAMILY_HAMMING;
    case VG_SIGNAL_PATCHSET:
        return FAMILY_PATCH;
    default:
        return FAMILY_EXACT;
    }
}

/* The structure a segment keeps for one type (type_meta.structure). */
enum {
    STRUCT_NONE = 0,         /* no entries of this type */
    STRUCT_EXACT = 1,        /* param: directory bits */
    STRUCT_HAMMING_SCAN = 2, /* hashes only: small, scanned */
    STRUCT_HAMMING_TABLES = 3, /* param: bytes per table position (3 or 4) */
    STRUCT_PATCH = 4          /* param: key bits of the patch index */
};

/* Section kinds. A section id packs kind, signal type, segment and part. */
enum {
    SEC_FILE_META = 1, /* file_meta */
    SEC_BANKS,         /* per bank: u32 name_len, name, u32 columns_len, columns */
    SEC_TOMBSTONES,    /* u64 sorted entry numbers */
    SEC_SEG_META,      /* seg_meta */
    SEC_ENTRY_TYPE,    /* u8 per entry */
    SEC_ENTRY_RANKS,   /* per block of VG_INDEX_RANK_BLOCK entries: u32 per type */
    SEC_BANK_RUNS,     /* bank_run, by first entry */
    SEC_ID_RUNS,       /* id_run, by first entry */
    SEC_ID_STRINGS,    /* part = STRINGS_*: string table of the explicit ids */
    SEC_META_STRINGS,  /* part = STRINGS_*: string table of the metadata, one per entry */
    SEC_EXACT_DIR,     /* u32 (2^bits + 1) */
    SEC_EXACT_REC,     /* (bytes + 4) per entry: value, u32 entry; sorted */
    SEC_EXACT_SLOT,    /* u32 per rank: its record */
    SEC_HAM_HASH,      /* 32 bytes per rank */
    SEC_HAM_DIR,       /* part = table; u32 65537 */
    SEC_HAM_INLINE,    /* part = table; u16 per entry */
    SEC_HAM_POS,       /* part = pair; 3 or 4 bytes per table-A position: rank */
    SEC_VIDEO,         /* u32 per entry (see VIDEO_FIRST); only in segments holding videos */
    SEC_PATCH_OFFSETS, /* u64 per rank + 1: where its encoded patch set starts */
    SEC_PATCH_VALUES,  /* the encoded patch sets, in rank order */
    SEC_PATCH_DIR,     /* u32 (2^bits + 1): bucket starts of the patch index */
    SEC_PATCH_ENTRIES, /* vg_patch_entry per patch, bucket by bucket (picture = rank) */
    SEC_KIND_COUNT
};

/* The three sections of a string table (the part of SEC_*_STRINGS): u64
 * per block of VG_INDEX_STRING_BLOCK strings, where the block's strings
 * start; u32 per string, its start from its block's; the bytes. */
enum { STRINGS_BASES = 0, STRINGS_OFFSETS = 1, STRINGS_BYTES = 2 };

static inline uint32_t section_id(unsigned kind, unsigned type, unsigned segment, unsigned part)
{
    return (uint32_t)kind << 24 | (uint32_t)type << 16 | (uint32_t)segment << 8 | (uint32_t)part;
}

typedef struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t header_bytes;
    uint32_t section_count;
    uint32_t flags;
    uint64_t file_bytes;
    uint64_t table_checksum;
    uint64_t header_checksum; /* over the 64 bytes with this field zero */
    uint8_t reserved[16];
} file_header;

typedef struct section_entry {
    uint32_t id;
    uint32_t reserved;
    uint64_t offset;
    uint64_t bytes;
    uint64_t checksum;
} section_entry;

typedef struct file_meta {
    uint32_t segments;
    uint32_t banks;
    uint64_t entries;
    uint64_t tombstones;
    uint64_t reserved[5];
} file_meta;

typedef struct type_meta {
    uint64_t count;
    uint32_t structure; /* STRUCT_* */
    uint32_t param;
} type_meta;

typedef struct seg_meta {
    uint64_t entry_base;
    uint64_t entries;
    uint64_t explicit_ids; /* strings in the id string table */
    uint32_t rank_width;   /* u32 per block of the rank directory */
    uint32_t reserved0;
    type_meta types[VG_INDEX_TYPE_SLOTS];
    uint64_t videos;    /* videos in the segment (0: no video-frames section) */
    uint64_t frames;    /* their frames, counted as pdq entries */
    uint64_t reserved[2];
} seg_meta;

/* A run of entries of one bank: from `first` (segment-local) to the next run. */
typedef struct bank_run {
    uint32_t first;
    uint32_t bank;
} bank_run;

/* A run of entries whose ids are stored one way: ID_EXPLICIT, strings
 * value, value + 1, ... of the id string table; ID_DECIMAL, the decimal
 * numbers value, value + 1, ... (the line numbers of a text bank). */
enum { ID_EXPLICIT = 0, ID_DECIMAL = 1 };
typedef struct id_run {
    uint32_t first;
    uint32_t kind;
    uint64_t value;
} id_run;

/* 64-bit checksum, streaming (own design: four multiply-rotate lanes). */
typedef struct vg_checksum {
    uint64_t lane[4];
    uint64_t total;
    uint8_t pending[32];
    unsigned pending_len;
} vg_checksum;

void vg_checksum_init(vg_checksum *c);
void vg_checksum_update(vg_checksum *c, const void *data, size_t len);
uint64_t vg_checksum_final(const vg_checksum *c);
uint64_t vg_checksum_buffer(const void *data, size_t len);

/* ---- an opened segment: views into the mapping ---- */

/* String i is bytes[bases[i / BLOCK] + offsets[i], that of string i + 1);
 * a table without bytes has no offsets either: every string is empty. */
typedef struct string_view {
    uint64_t count;
    const uint64_t *bases;
    const uint32_t *offsets;
    const char *bytes;
    uint64_t bytes_len;
} string_view;

typedef struct exact_view {
    uint32_t bits;
    const uint32_t *dir;
    const uint8_t *rec;
    const uint32_t *slot;
} exact_view;

typedef struct hamming_view {
    bool tables;
    unsigned pos_bytes;
    const uint8_t *hash;
    const uint32_t *dir[HAM_TABLES];
    const uint16_t *inl[HAM_TABLES];
    const uint8_t *pos[HAM_PAIRS];
} hamming_view;

typedef struct patch_view {
    const uint64_t *offsets;
    const uint8_t *values;
    uint64_t values_len;
    vg_patch_index index; /* pictures are ranks */
} patch_view;

typedef struct type_view {
    uint64_t count;
    exact_view exact;
    hamming_view ham;
    patch_view patch;
} type_view;

typedef struct vg_segment {
    uint64_t entry_base;
    uint64_t entries;
    uint64_t videos, frames;
    const uint32_t *video; /* video-frames section, NULL without videos */
    const uint8_t *entry_type;
    const uint32_t *ranks;
    uint32_t rank_width;
    const bank_run *bank_runs;
    uint64_t bank_run_count;
    const id_run *id_runs;
    uint64_t id_run_count;
    string_view ids, meta;
    type_view types[INDEX_TYPES];
} vg_segment;

typedef struct vg_bank_ref {
    const char *name; /* NUL-terminated copy */
    const char *columns;
    size_t columns_len;
} vg_bank_ref;

struct vg_index {
    char *path;
    const uint8_t *map;
    size_t map_bytes;
    bool owns_map;
    const file_header *header;
    const section_entry *sections;
    uint32_t section_count;
    uint32_t segment_count;
    vg_segment segments[2];
    uint64_t entries;
    uint32_t bank_count;
    vg_bank_ref *banks; /* owned array; strings owned too */
    char *bank_strings;
    const uint64_t *tombstones;
    uint64_t tombstone_count;
    uint8_t *removed_bits; /* owned bitmap over entries, NULL without tombstones */
    /* 16-bit masks sorted by weight; mask_start[w] is where weight w begins. */
    uint16_t *masks;
    uint32_t mask_start[18];
};

static inline bool index_removed(const vg_index *index, uint64_t entry)
{
    return index->removed_bits && (index->removed_bits[entry >> 3] >> (entry & 7) & 1);
}

/* ---- the entry table of an opened segment (entries.c) ---- */

#define NO_ENTRY UINT64_MAX

/* The rank of a segment-local entry among the entries of its type;
 * NO_ENTRY when the file is damaged. */
uint64_t segment_rank(const vg_segment *g, uint64_t local);
/* The segment-local entry of the given rank of a type; NO_ENTRY when the
 * file is damaged. */
uint64_t segment_select(const vg_segment *g, vg_signal_type type, uint64_t rank);
/* The bank of a segment-local entry; UINT32_MAX when damaged. */
uint32_t segment_bank(const vg_segment *g, uint64_t local);
/* The id of a segment-local entry: *id points into the mapping or into
 * buf (decimal ids). False when damaged. */
bool segment_id(const vg_segment *g, uint64_t local, char buf[24], const char **id,
                size_t *len);
/* String i of a table (empty when the table has no bytes); false when
 * damaged. */
bool string_get(const string_view *s, uint64_t i, const char **str, size_t *len);
/* Full checks of the entry table (vg_index_verify). */
vg_status segment_verify_entries(const vg_index *index, const vg_segment *g, vg_error *err);

/* ---- searching ---- */

/* How vg_index_search_pdq goes through a segment; tests force each way. */
typedef enum pdq_mode { PDQ_MODE_AUTO, PDQ_MODE_MULTI, PDQ_MODE_SCAN } pdq_mode;

vg_status vg_index_search_pdq_mode(const vg_index *index, const vg_pdq_hash *query, int radius,
                                   pdq_mode mode, vg_index_matches *out, vg_error *err);
/* The same without sorting and without folding video frames into their
 * videos: every live pdq entry within radius, frames included. */
vg_status index_search_pdq_entries(const vg_index *index, const vg_pdq_hash *query, int radius,
                                   pdq_mode mode, vg_index_matches *out, vg_error *err);

/* When entry is a frame of a video: true, *video = the video's entry (its
 * first frame), *frames = its frame count. Bound-checked: a damaged
 * section gives false, never a read outside the mapping. */
bool index_frame_video(const vg_index *index, uint64_t entry, uint64_t *video,
                       uint32_t *frames);
/* The raw video-frames value of entry (0 without videos). */
uint32_t index_video_link(const vg_index *index, uint64_t entry);

/* The 16-bit part `part` of a 256-bit hash (bytes 2 part, 2 part + 1, low
 * byte first). */
static inline uint16_t ham_part(const uint8_t *hash, unsigned part)
{
    return (uint16_t)(hash[2 * part] | hash[2 * part + 1] << 8);
}

/* The rank stored at a table-A position of a Hamming structure. */
static inline uint64_t ham_position(const hamming_view *h, unsigned pair, uint64_t at)
{
    const uint8_t *p = h->pos[pair] + at * h->pos_bytes;
    uint64_t v = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16;
    if (h->pos_bytes == 4)
        v |= (uint64_t)p[3] << 24;
    return v;
}

/* ---- building ---- */

/* Grow *array (elements of elem bytes, *capacity of them) to hold at least
 * `needed`, doubling; false when out of memory (the array is unchanged). */
bool index_grow(void **array, uint64_t *capacity, uint64_t needed, size_t elem);
/* Ask for transparent huge pages on a large array (a no-op for small ones
 * and where unsupported): the builder's arrays reach hundreds of megabytes
 * at 10 million entries and are filled or sorted in random order, where
 * 4 KiB pages cost a page fault and a TLB miss each. */
void index_advise_huge(void *array, size_t bytes);

/* Segments with fewer hashes of a Hamming type than this are scanned
 * rather than given tables; tests lower it. */
#define VG_INDEX_PDQ_MULTI_MIN 4096

vg_status vg_index_builder_set_pdq_multi_min(vg_index_builder *builder, uint64_t min);

/* Writing a file (writer.c). */
typedef struct vg_writer vg_writer;
vg_status vg_writer_open(const char *path, vg_writer **out, vg_error *err);
/* Start a section; then append its bytes with vg_writer_append. */
vg_status vg_writer_begin(vg_writer *w, uint32_t id, vg_error *err);
vg_status vg_writer_append(vg_writer *w, const void *data, size_t len, vg_error *err);
vg_status vg_writer_section(vg_writer *w, uint32_t id, const void *data, size_t len,
                            vg_error *err);
/* Write header and table, sync, rename over the destination; frees w. */
vg_status vg_writer_commit(vg_writer *w, vg_error *err);
/* Drop the temporary file; frees w. Safe with NULL. */
void vg_writer_abort(vg_writer *w);

/* The entry table being collected (entries.c): types, banks, ids and
 * metadata of the entries in order, in the compact form they are written in. */
typedef struct string_builder {
    uint64_t count;
    uint64_t *bases;
    uint32_t *offsets; /* NULL while every string so far is empty */
    char *bytes;
    uint64_t bytes_len, bases_cap, offsets_cap, bytes_cap;
} string_builder;

typedef struct entry_builder {
    uint64_t count, type_cap;
    uint8_t *type;
    bank_run *bank_runs;
    uint64_t bank_run_count, bank_run_cap;
    id_run *id_runs;
    uint64_t id_run_count, id_run_cap;
    string_builder ids, meta;
} entry_builder;

/* Where a builder stood, to take back a refused bank. */
typedef struct entry_mark {
    uint64_t count, bank_run_count, id_run_count;
    id_run last_id_run;
    uint64_t ids_count, ids_bytes, meta_count, meta_bytes;
} entry_mark;

bool entry_builder_add(entry_builder *b, vg_signal_type type, uint32_t bank, const char *id,
                       size_t id_len, const char *metadata, size_t metadata_len);
void entry_builder_mark(const entry_builder *b, entry_mark *mark);
void entry_builder_rollback(entry_builder *b, const entry_mark *mark);
/* The entry sections of a segment; fills the entry fields of meta. */
vg_status entry_builder_write(entry_builder *b, vg_writer *w, unsigned segment, seg_meta *meta,
                              vg_error *err);
void entry_builder_free(entry_builder *b);

/* Write a builder's entries as segment `segment` with entry numbers from
 * entry_base (build.c). */
vg_status vg_builder_write_segment(vg_index_builder *b, vg_writer *w, unsigned segment,
                                   uint64_t entry_base, vg_error *err);
vg_status vg_builder_write_banks(vg_index_builder *b, vg_writer *w, vg_error *err);
uint32_t vg_builder_bank_count(const vg_index_builder *b);
uint64_t vg_builder_entry_count(const vg_index_builder *b);
/* Set the video-frames value of the entry added last (copying an index). */
vg_status vg_builder_set_video_link(vg_index_builder *b, uint32_t link, vg_error *err);

#endif
