/*
 * vPDQ signals: frame lists, their two text forms, and comparison by the
 * python-threatexchange definition (see vigie/vpdq.h).
 *
 * The text readers are strict about structure (four fields, 64 hex digits,
 * quality 0..100) and never depend on the C locale: numbers are parsed and
 * printed with '.' whatever LC_NUMERIC says.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigie/digest.h"
#include "vigie/vpdq.h"

#define DEFAULT_MAX_FILE_BYTES (256ull << 20)

vg_status vg_vpdq_append(vg_vpdq *video, const vg_vpdq_frame *frame, vg_error *err)
{
    if (video->count == video->capacity) {
        size_t grown = video->capacity ? 2 * video->capacity : 64;
        if (grown > SIZE_MAX / sizeof *video->frames)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory keeping video frames");
        vg_vpdq_frame *frames = realloc(video->frames, grown * sizeof *frames);
        if (!frames)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory keeping video frames");
        video->frames = frames;
        video->capacity = grown;
    }
    video->frames[video->count++] = *frame;
    return VG_OK;
}

void vg_vpdq_clear(vg_vpdq *video)
{
    video->count = 0;
}

void vg_vpdq_free(vg_vpdq *video)
{
    if (!video)
        return;
    free(video->frames);
    *video = (vg_vpdq)VG_VPDQ_INIT;
}

/* ---- numbers, without the locale -------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, size_t *len)
{
    while (*len && is_blank(**s))
        (*s)++, (*len)--;
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* A non-negative decimal: digits, optional fraction, optional exponent
 * (python's "{:.3}" writes 1e+02 for 100.5). */
static bool parse_seconds(const char *s, size_t len, double *out)
{
    size_t i = 0, digits = 0;
    double v = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (i < len && s[i] == '.') {
        double scale = 0.1;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++, scale /= 10)
            v += (s[i] - '0') * scale;
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int sign = 1, exp = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            sign = s[i++] == '-' ? -1 : 1;
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9' && exp < 1000; i++)
            exp = exp * 10 + (s[i] - '0');
        if (i == start)
            return false;
        v *= pow(10, sign * exp);
    }
    if (i != len || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_quality(const char *s, size_t len, int *out)
{
    uint64_t q;
    if (!parse_u64(s, len, &q) || q > 100)
        return false;
    *out = (int)q;
    return true;
}

/* Split s at commas into exactly n fields (trimmed). */
static bool split_fields(const char *s, size_t len, size_t n, const char **field,
                         size_t *field_len)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ',')
            continue;
        if (k == n)
            return false;
        field[k] = s + start;
        field_len[k] = i - start;
        trim(&field[k], &field_len[k]);
        k++;
        start = i + 1;
    }
    return k == n;
}

static bool parse_hash(const char *s, size_t len, vg_pdq_hash *out)
{
    if (len != VG_PDQ_HEX_CHARS)
        return false;
    for (size_t i = 0; i < VG_PDQ_BYTES; i++) {
        int hi = vg_hex_value(s[2 * i]), lo = vg_hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* ---- hash files ------------------------------------------------------- */

size_t vg_vpdq_format_line(const vg_vpdq_frame *frame, char out[VG_VPDQ_LINE_MAX + 1])
{
    char hex[VG_PDQ_HEX_CHARS + 1];
    vg_pdq_to_hex(&frame->hash, hex);
    /* %.3f rounds the exact binary value as the reference's iostream does;
     * the locale may have put another decimal separator before the three
     * digits, so the integer part and the digits are taken apart. */
    double t = frame->timestamp >= 0 && frame->timestamp < 1e15 ? frame->timestamp : 0;
    char seconds[64];
    int len = snprintf(seconds, sizeof seconds, "%.3f", t);
    size_t whole = 0;
    while (whole < (size_t)len && seconds[whole] >= '0' && seconds[whole] <= '9')
        whole++;
    const char *fraction = len >= 3 ? seconds + len - 3 : "000";
    int n = snprintf(out, VG_VPDQ_LINE_MAX + 1, "%" PRIu64 ",%d,%s,%.*s.%.3s", frame->number,
                     frame->quality, hex, (int)whole, seconds, fraction);
    return n < 0 ? 0 : (size_t)n;
}

static vg_status parse_fields(const char *line, size_t len, vg_vpdq_frame *out, vg_error *err)
{
    const char *f[4];
    size_t n[4];
    vg_vpdq_frame frame = {0};
    if (!split_fields(line, len, 4, f, n))
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "expected frame_number,quality,pdq_hex,timestamp");
    if (!parse_u64(f[0], n[0], &frame.number))
        return vg_error_set(err, VG_ERR_CORRUPT, "bad frame number");
    if (!parse_quality(f[1], n[1], &frame.quality))
        return vg_error_set(err, VG_ERR_CORRUPT, "bad quality (0 to 100)");
    if (!parse_hash(f[2], n[2], &frame.hash))
        return vg_error_set(err, VG_ERR_CORRUPT, "bad PDQ hash (64 hex digits)");
    if (!parse_seconds(f[3], n[3], &frame.timestamp))
        return vg_error_set(err, VG_ERR_CORRUPT, "bad timestamp");
    *out = frame;
    return VG_OK;
}

vg_status vg_vpdq_parse_line(const char *line, size_t len, vg_vpdq_frame *out, vg_error *err)
{
    if (!line || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_vpdq_parse_line: NULL argument");
    if (memchr(line, '\0', len))
        return vg_error_set(err, VG_ERR_CORRUPT, "NUL byte in a hash line");
    trim(&line, &len);
    return parse_fields(line, len, out, err);
}

bool vg_vpdq_is_line(const char *line, size_t len)
{
    vg_vpdq_frame frame;
    return line && vg_vpdq_parse_line(line, len, &frame, NULL) == VG_OK;
}

bool vg_vpdq_is_file(const char *path)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return false;
    char line[VG_VPDQ_LINE_MAX + 8];
    bool yes = false;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n"), start = strspn(line, " \t");
        if (start == n)
            continue;
        yes = vg_vpdq_is_line(line + start, n - start);
        break;
    }
    fclose(f);
    return yes;
}

vg_status vg_vpdq_parse_file_buffer(const char *data, size_t len, vg_vpdq *out, vg_error *err)
{
    if ((!data && len) || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_vpdq_parse_file_buffer: NULL argument");
    /* A UTF-8 byte order mark, as banks accept. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        data += 3, len -= 3;
    uint64_t line_no = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        const char *line = data + pos;
        size_t n = end - pos;
        line_no++;
        pos = end + 1;
        trim(&line, &n);
        if (n == 0)
            continue;
        vg_vpdq_frame frame;
        vg_status st = vg_vpdq_parse_line(line, n, &frame, err);
        if (st == VG_OK)
            st = vg_vpdq_append(out, &frame, err);
        if (st != VG_OK) {
            vg_error_prefix(err, "line %" PRIu64 ": ", line_no);
            return st;
        }
    }
    return VG_OK;
}

vg_status vg_vpdq_load_file(const char *path, uint64_t max_bytes, vg_vpdq *out, vg_error *err)
{
    if (!path || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_vpdq_load_file: NULL argument");
    if (max_bytes == 0)
        max_bytes = DEFAULT_MAX_FILE_BYTES;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return vg_error_set(err, VG_ERR_TOO_LARGE, "%s: hash file is larger than %" PRIu64
                            " bytes", path, max_bytes);
    }
    size_t size = (size_t)st.st_size;
    char *data = malloc(size ? size : 1);
    if (!data) {
        close(fd);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory reading the hash file", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            vg_status s = vg_error_set(err, VG_ERR_IO, "%s: cannot read: %s", path,
                                       r < 0 ? strerror(errno) : "file shrank");
            free(data);
            close(fd);
            return s;
        }
        got += (size_t)r;
    }
    close(fd);
    vg_status s = vg_vpdq_parse_file_buffer(data, size, out, err);
    free(data);
    if (s != VG_OK)
        vg_error_prefix(err, "%s: ", path);
    return s;
}

/* ---- signal strings ---------------------------------------------------- */

static void skip_json_space(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r'))
        (*i)++;
}

vg_status vg_vpdq_parse_signal(const char *text, size_t len, vg_vpdq *out, vg_error *err)
{
    if ((!text && len) || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_vpdq_parse_signal: NULL argument");
    size_t i = 0;
    skip_json_space(text, len, &i);
    if (i == len || text[i] != '[')
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "a vpdq signal is a JSON array of \"pdq_hex,quality,timestamp\"");
    i++;
    skip_json_space(text, len, &i);
    bool first = true;
    uint64_t number = 0;
    while (i < len && text[i] != ']') {
        if (!first) {
            if (text[i] != ',')
                return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: ',' expected after "
                                    "frame %" PRIu64, number);
            i++;
            skip_json_space(text, len, &i);
        }
        first = false;
        if (i == len || text[i] != '"')
            return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: frame %" PRIu64
                                " is not a string", number);
        size_t start = ++i;
        while (i < len && text[i] != '"' && text[i] != '\\')
            i++;
        if (i == len || text[i] != '"')
            return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: frame %" PRIu64
                                " is not a plain string", number);
        const char *f[3];
        size_t n[3];
        vg_vpdq_frame frame = {.number = number};
        if (!split_fields(text + start, i - start, 3, f, n) ||
            !parse_hash(f[0], n[0], &frame.hash) || !parse_quality(f[1], n[1], &frame.quality) ||
            !parse_seconds(f[2], n[2], &frame.timestamp))
            return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: frame %" PRIu64
                                " is not \"pdq_hex,quality,timestamp\"", number);
        vg_status st = vg_vpdq_append(out, &frame, err);
        if (st != VG_OK)
            return st;
        number++;
        i++;
        skip_json_space(text, len, &i);
    }
    if (i == len)
        return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: unterminated array");
    i++;
    skip_json_space(text, len, &i);
    if (i != len)
        return vg_error_set(err, VG_ERR_CORRUPT, "vpdq signal: text after the array");
    return VG_OK;
}

/* ---- matching ---------------------------------------------------------- */

void vg_vpdq_match_options_init(vg_vpdq_match_options *opts)
{
    opts->quality_threshold = VG_VPDQ_QUALITY_THRESHOLD;
    opts->distance = VG_VPDQ_DISTANCE_THRESHOLD;
    opts->query_percent = VG_VPDQ_QUERY_PERCENT;
    opts->compared_percent = VG_VPDQ_COMPARED_PERCENT;
}

static int compare_hashes(const void *a, const void *b)
{
    return memcmp(a, b, VG_PDQ_BYTES);
}

vg_status vg_vpdq_set_from(const vg_vpdq *video, int quality_threshold, vg_vpdq_set *out,
                           vg_error *err)
{
    if (!video || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_vpdq_set_from: NULL argument");
    *out = (vg_vpdq_set){0};
    size_t kept = 0;
    for (size_t i = 0; i < video->count; i++)
        kept += video->frames[i].quality >= quality_threshold;
    if (kept == 0)
        return VG_OK;
    vg_pdq_hash *hashes = malloc(kept * sizeof *hashes);
    if (!hashes)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory collecting video frames");
    size_t n = 0;
    for (size_t i = 0; i < video->count; i++)
        if (video->frames[i].quality >= quality_threshold)
            hashes[n++] = video->frames[i].hash;
    qsort(hashes, n, sizeof *hashes, compare_hashes);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || memcmp(&hashes[unique - 1], &hashes[i], VG_PDQ_BYTES) != 0)
            hashes[unique++] = hashes[i];
    out->hashes = hashes;
    out->count = unique;
    return VG_OK;
}

bool vg_vpdq_usable(const vg_vpdq *video)
{
    for (size_t i = 0; video && i < video->count; i++)
        if (video->frames[i].quality >= VG_VPDQ_QUALITY_THRESHOLD)
            return true;
    return false;
}

void vg_vpdq_set_free(vg_vpdq_set *set)
{
    if (!set)
        return;
    free(set->hashes);
    *set = (vg_vpdq_set){0};
}

void vg_vpdq_similarity_finish(vg_vpdq_similarity *sim, const vg_vpdq_match_options *opts)
{
    vg_vpdq_match_options defaults;
    if (!opts) {
        vg_vpdq_match_options_init(&defaults);
        opts = &defaults;
    }
    /* The product is exact in a double, so the quotient is the correctly
     * rounded value python computes with count * 100 / len. */
    sim->query_percent =
        sim->query_frames ? (double)(sim->query_matched * 100) / (double)sim->query_frames : 0;
    sim->compared_percent = sim->compared_frames ? (double)(sim->compared_matched * 100) /
                                                       (double)sim->compared_frames
                                                 : 0;
    sim->match = sim->query_matched > 0 && sim->compared_matched > 0 &&
                 sim->query_percent >= opts->query_percent &&
                 sim->compared_percent >= opts->compared_percent;
}

static size_t count_matched(const vg_vpdq_set *from, const vg_vpdq_set *in, int distance)
{
    size_t matched = 0;
    for (size_t i = 0; i < from->count; i++)
        for (size_t j = 0; j < in->count; j++)
            if (vg_pdq_distance(&from->hashes[i], &in->hashes[j]) <= distance) {
                matched++;
                break;
            }
    return matched;
}

void vg_vpdq_compare(const vg_vpdq_set *query, const vg_vpdq_set *compared,
                     const vg_vpdq_match_options *opts, vg_vpdq_similarity *out)
{
    vg_vpdq_match_options defaults;
    if (!opts) {
        vg_vpdq_match_options_init(&defaults);
        opts = &defaults;
    }
    *out = (vg_vpdq_similarity){.query_frames = query->count,
                                .compared_frames = compared->count};
    out->query_matched = count_matched(query, compared, opts->distance);
    out->compared_matched = count_matched(compared, query, opts->distance);
    vg_vpdq_similarity_finish(out, opts);
}
