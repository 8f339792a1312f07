/*
 * vigie/bank.h - hash banks: lists of known signals read from files.
 *
 * A bank is a named collection of signals. Each signal has a type (md5,
 * sha1, sha256, pdq, pdq_trimmed, patchset, vpdq), a value, an id and
 * optional metadata (category, source, date added, ...). pdq_trimmed is the
 * PDQ of a picture inside its bars (vigie/border.h); patchset is a patch
 * set in its encoded form (vigie/patch.h); a vpdq signal is a video: the
 * frames of its vPDQ (vigie/vpdq.h). Two file forms are read:
 *
 *   CSV, recognised by its header line, which names at least the columns
 *   signal_type, signal and id (in any order). Further columns are kept as
 *   metadata, in header order. Fields follow RFC 4180 quoting ("a ""b""")
 *   except that a quoted field may not span lines. The signal of a vpdq row
 *   is the ThreatExchange / HMA signal string, a JSON array of
 *   "pdq_hex,quality,timestamp" strings, quoted as CSV requires:
 *   vpdq,"[""e271...055c,100,0.0"",""c0f1...055c,100,1.0""]",clip-1
 *
 *   Plain text: one hex hash per line. The type follows from the length
 *   (32 md5, 40 sha1, 64 sha256) unless the caller fixes it (e.g. pdq for
 *   64 digits; vpdq cannot be a plain line), and the id is the 0-based line
 *   number.
 *
 * Both accept a UTF-8 byte order mark, CRLF line ends, surrounding blanks
 * and blank lines (skipped; they still count as lines). Hex may be in either
 * case. A line that cannot be read (unknown type, bad hex, wrong length,
 * NUL byte, unterminated quote, line longer than VG_BANK_LINE_MAX) is a bad
 * line: it is reported with its 1-based line number, and the bank as a whole
 * is refused unless skip_bad is set.
 *
 * Parsing is streaming: the file is read in fixed-size blocks and each
 * entry is handed to a callback, so memory does not grow with the bank.
 */
#ifndef VIGIE_BANK_H
#define VIGIE_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/vpdq.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_signal_type {
    VG_SIGNAL_MD5 = 0,
    VG_SIGNAL_SHA1,
    VG_SIGNAL_SHA256,
    VG_SIGNAL_PDQ,
    VG_SIGNAL_PDQ_TRIMMED,
    VG_SIGNAL_PATCHSET,
    VG_SIGNAL_VPDQ, /* a video: its frames' PDQ hashes */
    VG_SIGNAL_TYPE_COUNT
} vg_signal_type;

/* The largest fixed-size signal value, in bytes (sha256 and pdq). */
#define VG_SIGNAL_MAX_BYTES 32
/* Lines longer than this (in bytes, without the line end) are bad lines;
 * room for the vpdq signal of a video of some 50,000 frames. */
#define VG_BANK_LINE_MAX (4u << 20)
/* At most this many metadata columns are kept per CSV bank. */
#define VG_BANK_MAX_COLUMNS 64

/* "md5", "sha1", "sha256", "pdq", "pdq_trimmed", "patchset", "vpdq". */
const char *vg_signal_type_name(vg_signal_type type);
/* Case-insensitive name to type; VG_ERR_INVALID for anything else. */
vg_status vg_signal_type_parse(const char *name, size_t len, vg_signal_type *out);
/* Value length in bytes: 16, 20, 32, 32, 32; 0 for patchset, whose values
 * vary in length (vg_bank_entry.long_value), and for vpdq (its value is
 * frames). */
size_t vg_signal_type_bytes(vg_signal_type type);

/* One signal as handed to the callback. Every pointer is borrowed from the
 * parser and valid only during the callback; copy what you keep. */
typedef struct vg_bank_entry {
    vg_signal_type type;
    uint8_t value[VG_SIGNAL_MAX_BYTES]; /* vg_signal_type_bytes(type) used */
    /* A value of variable length (patchset): long_value_len bytes, checked
     * to decode (vg_patchset_decode); NULL for the other types. */
    const uint8_t *long_value;
    size_t long_value_len;
    const vg_vpdq *video;               /* vpdq: the video's frames (borrowed); else NULL */
    /* The signal as the file wrote it (hex digits, or a vpdq signal
     * string), not NUL-terminated: what a converter writes back for a
     * vpdq row, whose frames are parsed but not re-spelt. */
    const char *signal;
    size_t signal_len;
    const char *id;                     /* not NUL-terminated */
    size_t id_len;
    /* The metadata columns, each value followed by a NUL byte, in the order
     * of vg_bank_info.columns; metadata_len counts the NULs. Empty for plain
     * banks. */
    const char *metadata;
    size_t metadata_len;
    uint64_t line; /* 1-based line number in the file */
} vg_bank_entry;

/* What the parser learned about the file before the first entry. */
typedef struct vg_bank_info {
    bool is_csv;
    /* Names of the metadata columns, each followed by a NUL, in order;
     * borrowed, valid for the duration of the parse. */
    const char *columns;
    size_t columns_len;
    size_t column_count;
} vg_bank_info;

typedef struct vg_bank_callbacks {
    /* Called once, before any entry. May be NULL. */
    vg_status (*on_start)(void *ctx, const vg_bank_info *info, vg_error *err);
    /* Called for each good entry. Returning anything but VG_OK stops the
     * parse with that status (and err). */
    vg_status (*on_entry)(void *ctx, const vg_bank_entry *entry, vg_error *err);
    /* Called for each bad line with a sentence such as "bad hex in signal".
     * May be NULL. */
    void (*on_bad_line)(void *ctx, uint64_t line, const char *reason);
    void *ctx;
} vg_bank_callbacks;

/* A CSV row whose signal_type is not one vigie matches (vpdq, video_md5,
 * url_md5...), as written; see vg_bank_options.on_other_type. Pointers are
 * borrowed for the duration of the callback, none is NUL-terminated. */
typedef struct vg_bank_other_entry {
    const char *type_name; /* trimmed, as written */
    size_t type_len;
    const char *signal; /* trimmed, unquoted */
    size_t signal_len;
    const char *id;
    size_t id_len;
    const char *metadata; /* as in vg_bank_entry */
    size_t metadata_len;
    uint64_t line;
} vg_bank_other_entry;

typedef struct vg_bank_options {
    /* For plain banks: the type of every line, or VG_SIGNAL_TYPE_COUNT to
     * infer it from the length (64 digits mean sha256). Ignored for CSV. */
    vg_signal_type plain_type;
    /* Deliver the good entries and succeed even when some lines are bad. */
    bool skip_bad;
    /* NULL (the default): a CSV row of a type vigie does not know is a bad
     * line. Otherwise such rows (with a non-empty signal and id) go here,
     * with the callbacks' ctx, so that tools which carry signals between
     * formats (vigie bank export) keep them; returning anything but VG_OK
     * stops the parse. */
    vg_status (*on_other_type)(void *ctx, const vg_bank_other_entry *entry, vg_error *err);
} vg_bank_options;

/* Defaults: infer plain types, refuse bad lines. */
void vg_bank_options_init(vg_bank_options *opts);

/* Counts after a parse. */
typedef struct vg_bank_stats {
    uint64_t lines;
    uint64_t entries;
    uint64_t bad_lines;
} vg_bank_stats;

/* Parse a bank from an open file descriptor (not closed) or a path. `name`
 * prefixes error messages. When bad lines are found and skip_bad is false
 * the result is VG_ERR_CORRUPT after the whole file has been read (so every
 * bad line is reported); the entries already delivered must then be
 * discarded by the caller. stats may be NULL. */
vg_status vg_bank_parse_fd(int fd, const char *name, const vg_bank_options *opts,
                           const vg_bank_callbacks *cb, vg_bank_stats *stats, vg_error *err);
vg_status vg_bank_parse_file(const char *path, const vg_bank_options *opts,
                             const vg_bank_callbacks *cb, vg_bank_stats *stats, vg_error *err);
/* The same over a buffer in memory (tests, fuzzing). */
vg_status vg_bank_parse_buffer(const void *data, size_t len, const char *name,
                               const vg_bank_options *opts, const vg_bank_callbacks *cb,
                               vg_bank_stats *stats, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
