/*
 * src/lib/exchange/exchange_internal.h - what the format readers share: a
 * byte source that removes byte order marks and turns UTF-16 into UTF-8, a
 * streaming JSON tokenizer, signal normalisation and the record scratch.
 */
#ifndef VIGIE_EXCHANGE_INTERNAL_H
#define VIGIE_EXCHANGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/exchange.h"

/* ---- byte source ------------------------------------------------------------ */

#define XSOURCE_RAW_BYTES (64u << 10)

/* Bytes from a descriptor or memory, handed out as UTF-8: a UTF-8 byte
 * order mark is dropped; with allow_utf16, a UTF-16 one (either order) makes
 * the rest be transcoded (an unpaired surrogate is an error). */
typedef struct xsource {
    const char *name;
    int fd; /* -1 for memory */
    const uint8_t *data;
    size_t len, pos;
    bool allow_utf16;
    bool started;
    int utf16; /* 0 none, 1 little endian, 2 big endian */
    uint8_t *raw; /* XSOURCE_RAW_BYTES, UTF-16 only */
    size_t raw_start, raw_end;
    bool raw_eof;
    uint64_t consumed; /* bytes handed out so far */
} xsource;

void xsource_init_fd(xsource *s, int fd, const char *name);
void xsource_init_buffer(xsource *s, const void *data, size_t len, const char *name);
/* Up to cap (>= 8) bytes of UTF-8 into out; *got = 0 at the end. */
vg_status xsource_read(xsource *s, char *out, size_t cap, size_t *got, vg_error *err);
void xsource_free(xsource *s);
/* cp (a Unicode scalar value) as UTF-8 into out (4 bytes); returns the length. */
size_t exchange_utf8_put(uint32_t cp, char *out);

/* ---- streaming JSON ------------------------------------------------------- */

typedef enum jtok {
    J_ERROR = -1,
    J_EOF = 0,
    J_BEGIN_OBJECT,
    J_END_OBJECT,
    J_BEGIN_ARRAY,
    J_END_ARRAY,
    J_KEY,    /* text holds the name (the colon is consumed) */
    J_STRING, /* text holds the decoded UTF-8 value */
    J_NUMBER, /* text holds it as written */
    J_TRUE,
    J_FALSE,
    J_NULL
} jtok;

#define JSON_MAX_DEPTH 64

/* A pull tokenizer over an xsource: RFC 8259 strictly (no comments, no
 * trailing commas, UTF-8 validated, \u0000 refused), at most JSON_MAX_DEPTH
 * levels and text_max bytes per string. */
typedef struct jparser {
    xsource *src;
    char *buf;
    size_t start, end;
    bool eof;
    char *text;
    size_t text_len, text_cap, text_max;
    uint8_t kind[JSON_MAX_DEPTH];  /* 'o' or 'a' */
    uint8_t state[JSON_MAX_DEPTH]; /* what is expected next at that level */
    int depth;
    bool top_done;
    uint64_t offset; /* bytes consumed before buf[start] */
    vg_error *err;
} jparser;

vg_status jparser_init(jparser *p, xsource *src, size_t text_max, vg_error *err);
void jparser_free(jparser *p);
/* The next token; J_ERROR with p->err filled on malformed input. */
jtok jparser_next(jparser *p);
/* Skip one whole value whose first token is `first` (already read). */
vg_status jparser_skip(jparser *p, jtok first);
/* Byte offset of the parser, for messages. */
uint64_t jparser_offset(const jparser *p);

/* ---- XML ---------------------------------------------------------------- */

/* libxml2's streaming reader over an xsource, with documents that declare a
 * DTD refused, no network and errors kept here (see xml.c). */
typedef struct xreader {
    void *reader; /* xmlTextReaderPtr */
    xsource *src;
    int prologue;
    int dashes;
    char previous;
    bool io_failed;
    vg_error io_error;
    char error[200];
    int error_line;
} xreader;

vg_status xreader_open(xreader *x, xsource *src, vg_error *err);
/* xmlTextReaderRead: 1 a node, 0 the end, -1 an error (see xreader_failure). */
int xreader_next(xreader *x);
/* The error after xreader_next returned -1. */
vg_status xreader_failure(xreader *x, vg_error *err);
void xreader_close(xreader *x);

/* ---- signals ------------------------------------------------------------ */

/* Normalise a hex signal of `type` (md5, sha1, sha256, pdq) into out
 * (lowercase, NUL-terminated, 65 bytes); false when it is not one. */
bool exchange_hex_signal(vg_signal_type type, const char *text, size_t len, char *out);
/* Check a vpdq signal as ThreatExchange writes it and copy it into out
 * (cap bytes); false with *why when it is not one. */
bool exchange_vpdq_signal(const char *text, size_t len, char *out, size_t cap, const char **why);
/* Grow *buf (capacity *cap) to hold need bytes; false when out of memory. */
bool exchange_grow(char **buf, size_t *cap, size_t need);
bool exchange_equals_nocase(const char *s, size_t len, const char *word);
/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC) to seconds since 1970; false otherwise. */
bool exchange_parse_time(const char *text, int64_t *out);
/* Seconds since 1970 as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void exchange_format_time(int64_t seconds, char out[32]);

/* ---- readers, one per format ----------------------------------------------- */

typedef struct exchange_reader {
    vg_exchange_format format;
    const char *name;
    const vg_exchange_read_options *opts;
    const vg_exchange_read_callbacks *cb;
    vg_exchange_read_stats stats;
    vg_exchange_paging *paging;
    char first_bad[200];
    uint64_t first_bad_at;
} exchange_reader;

void exchange_bad(exchange_reader *r, uint64_t position, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void exchange_unsupported(exchange_reader *r, const char *type_name);
vg_status exchange_deliver(exchange_reader *r, const vg_exchange_record *record, vg_error *err);

vg_status exchange_read_te(exchange_reader *r, xsource *src, vg_error *err);
vg_status exchange_read_vics(exchange_reader *r, xsource *src, vg_error *err);
vg_status exchange_read_ncmec(exchange_reader *r, xsource *src, vg_error *err);
vg_status exchange_read_stopncii(exchange_reader *r, xsource *src, vg_error *err);

/* ---- writers ---------------------------------------------------------------- */

#define WRITER_GROUP_MAX 32
#define WRITER_KNOWN_MAX 8

/* One signal of the pending group; its text is in w->text. */
typedef struct writer_signal {
    char type[16];
    size_t offset, len;
} writer_signal;

struct vg_exchange_writer {
    vg_exchange_format format;
    vg_exchange_sink sink;
    vg_exchange_write_options opts;
    vg_vics_categories categories;
    bool has_categories;
    /* For each of vg_exchange_columns(format): its index among the bank's
     * columns, or -1 when the bank does not have it. */
    int known[WRITER_KNOWN_MAX];
    size_t bank_columns;
    /* The pending group: rows sharing an id, in order. */
    char *id;
    size_t id_len, id_cap;
    char *meta; /* the first row's metadata, NUL-separated */
    size_t meta_len, meta_cap;
    writer_signal signals[WRITER_GROUP_MAX];
    size_t signal_count;
    char *text;
    size_t text_len, text_cap;
    /* Format state. */
    bool started;
    uint64_t groups;
    int section;    /* ncmec: 0 none, 1 images, 2 videos */
    int64_t latest; /* stopncii: the latest lastModtimestamp written */
    vg_exchange_write_stats stats;
};

/* The pending group's value of the format's known column i ("" absent). */
const char *writer_value(const vg_exchange_writer *w, size_t i);
/* The text of signal i of the pending group, NUL-terminated. */
const char *writer_signal_text(const vg_exchange_writer *w, size_t i);

/* Per format: the document's start (before the first group), one group,
 * and the end (also for an empty document). */
vg_status te_write_group(vg_exchange_writer *w, vg_error *err);
vg_status vics_write_start(vg_exchange_writer *w, vg_error *err);
vg_status vics_write_group(vg_exchange_writer *w, vg_error *err);
vg_status vics_write_end(vg_exchange_writer *w, vg_error *err);
vg_status ncmec_write_start(vg_exchange_writer *w, vg_error *err);
vg_status ncmec_write_group(vg_exchange_writer *w, vg_error *err);
vg_status ncmec_write_end(vg_exchange_writer *w, vg_error *err);
vg_status stopncii_write_start(vg_exchange_writer *w, vg_error *err);
vg_status stopncii_write_group(vg_exchange_writer *w, vg_error *err);
vg_status stopncii_write_end(vg_exchange_writer *w, vg_error *err);

/* Write helpers over a sink. */
vg_status sink_put(const vg_exchange_sink *sink, const char *text, size_t len, vg_error *err);
vg_status sink_puts(const vg_exchange_sink *sink, const char *text, vg_error *err);
vg_status sink_printf(const vg_exchange_sink *sink, vg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* text as a JSON string, quotes included. */
vg_status sink_json_string(const vg_exchange_sink *sink, const char *text, size_t len,
                           vg_error *err);
/* text as XML character data (&, <, >, " escaped). */
vg_status sink_xml_text(const vg_exchange_sink *sink, const char *text, size_t len,
                        vg_error *err);

#endif
