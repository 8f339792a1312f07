/*
 * Project VIC VICS 2.0 JSON: an OData envelope whose "value" array holds
 * either Media records ("@odata.context" ending in #Media) or Cases, each
 * with a "Media" array (#Cases). A Media record carries MediaID, Category
 * (a number of the national scheme, or null when uncategorised), MD5 and
 * SHA1 in upper case, MediaSize, Series, VictimIdentified, OffenderIdentified,
 * IsDistributed (true/false, or the strings "true"/"false" from some tools)
 * and AlternativeHashes ([{"HashName": "PhotoDNA", "HashValue": ...}]).
 *
 * The reader streams (national exports reach gigabytes) and accepts UTF-8
 * or UTF-16 with a byte order mark; member names are matched without
 * regard to case. One Media becomes one record per signal, all with the
 * MediaID as id, so that the rows of one picture stay together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_internal.h"

#define VICS_TEXT_MAX (64u << 10)
#define VICS_MAX_SIGNALS 8

/* ---- categories ------------------------------------------------------------ */

static const char *const legal_values[] = {"illegal_csam", "not_illegal", "age_undetermined",
                                           "other_illegal"};

static bool set_mapping(vg_vics_categories *t, long number, const char *legal, size_t legal_len,
                        const char *severity, size_t severity_len)
{
    if (number < 0 || number >= VG_VICS_CATEGORY_MAX)
        return false;
    bool known = false;
    for (size_t i = 0; i < sizeof legal_values / sizeof legal_values[0]; i++)
        if (strlen(legal_values[i]) == legal_len && !memcmp(legal, legal_values[i], legal_len))
            known = true;
    if (!known || severity_len > 8)
        return false;
    for (size_t i = 0; i < severity_len; i++) {
        char c = severity[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    vg_vics_mapping *m = &t->category[number];
    m->set = true;
    memcpy(m->legal, legal, legal_len);
    m->legal[legal_len] = '\0';
    memcpy(m->severity, severity, severity_len);
    m->severity[severity_len] = '\0';
    return true;
}

vg_status vg_vics_categories_parse(const char *text, size_t len, vg_vics_categories *out,
                                   vg_error *err)
{
    *out = (vg_vics_categories){0};
    size_t i = 0;
    while (i < len) {
        while (i < len && strchr(" \t\r\n,;", text[i]) && text[i])
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && !strchr("\r\n,;", text[i]) && text[i])
            i++;
        size_t end = i;
        while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
            end--;
        const char *item = text + start;
        size_t item_len = end - start;
        const char *eq = memchr(item, '=', item_len);
        const char *slash = eq ? memchr(eq, '/', item_len - (size_t)(eq - item)) : NULL;
        long number = -1;
        const char *legal = NULL, *severity = "";
        size_t legal_len = 0, severity_len = 0;
        if (eq) {
            const char *n_end = eq;
            while (n_end > item && (n_end[-1] == ' ' || n_end[-1] == '\t'))
                n_end--;
            if (n_end > item && n_end - item <= 2) {
                number = 0;
                for (const char *d = item; d < n_end; d++)
                    number = *d >= '0' && *d <= '9' ? number * 10 + (*d - '0') : -1000;
            }
            legal = eq + 1;
            while (legal < item + item_len && (*legal == ' ' || *legal == '\t'))
                legal++;
            legal_len = (size_t)((slash ? slash : item + item_len) - legal);
            if (slash) {
                severity = slash + 1;
                severity_len = (size_t)(item + item_len - severity);
            }
        }
        if (!eq || !set_mapping(out, number, legal, legal_len, severity, severity_len))
            return vg_error_set(err, VG_ERR_INVALID,
                                "VICS category table: '%.*s' is not N=LEGAL[/SEVERITY] with N "
                                "from 0 to %d and LEGAL one of illegal_csam, not_illegal, "
                                "age_undetermined, other_illegal",
                                (int)(item_len > 80 ? 80 : item_len), item,
                                VG_VICS_CATEGORY_MAX - 1);
    }
    return VG_OK;
}

vg_status vg_vics_categories_builtin(const char *name, vg_vics_categories *out, vg_error *err)
{
    /* Only what the scheme makes unambiguous is mapped: the other numbers
     * (non-pertinent, comparison, animation...) keep their number and no
     * classification, because a wrong "not illegal" would hide material.
     * docs/exchange.md explains each table. */
    static const char us[] = "1=illegal_csam, 2=age_undetermined";
    static const char uk[] = "1=illegal_csam/A, 2=illegal_csam/B, 3=illegal_csam/C";
    if (!strcmp(name, "us"))
        return vg_vics_categories_parse(us, sizeof us - 1, out, err);
    if (!strcmp(name, "uk"))
        return vg_vics_categories_parse(uk, sizeof uk - 1, out, err);
    return vg_error_set(err, VG_ERR_INVALID, "unknown VICS category table '%s' (built in: us, uk)",
                        name);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct vics_signal {
    const char *type; /* vigie name */
    char value[65];
} vics_signal;

/* One Media record as it is being read. */
typedef struct vics_media {
    char id[128];
    bool has_id;
    int category; /* -1: none */
    char series[1024];
    char victim[8], offender[8], distributed[8];
    char size[24];
    vics_signal signals[VICS_MAX_SIGNALS];
    size_t signal_count;
    bool bad;
    char why[160];
    bool saw_hash_field;
} vics_media;

typedef struct vics_reader {
    exchange_reader *r;
    jparser p;
    uint64_t media_count;
    vg_error *err;
} vics_reader;

static vg_status parse_error(vics_reader *v)
{
    return v->err && v->err->status != VG_OK ? v->err->status : VG_ERR_CORRUPT;
}

static void media_bad(vics_media *m, const char *why)
{
    if (!m->bad) {
        m->bad = true;
        snprintf(m->why, sizeof m->why, "%s", why);
    }
}

static void add_signal(vics_reader *v, vics_media *m, vg_signal_type type, const char *field,
                       const char *text, size_t len)
{
    m->saw_hash_field = true;
    if (len == 0)
        return; /* tools write "" for a hash they did not compute */
    char value[65];
    if (!exchange_hex_signal(type, text, len, value)) {
        char why[160];
        snprintf(why, sizeof why, "%s is not %zu hex digits", field,
                 2 * vg_signal_type_bytes(type));
        media_bad(m, why);
        return;
    }
    const char *name = vg_signal_type_name(type);
    for (size_t i = 0; i < m->signal_count; i++)
        if (!strcmp(m->signals[i].type, name) && !strcmp(m->signals[i].value, value))
            return;
    if (m->signal_count == VICS_MAX_SIGNALS) {
        media_bad(m, "more hashes than a Media can carry");
        return;
    }
    (void)v;
    m->signals[m->signal_count].type = name;
    memcpy(m->signals[m->signal_count].value, value, strlen(value) + 1);
    m->signal_count++;
}

/* A scalar as text: strings as they are, numbers as written, booleans as
 * true/false; null and containers (skipped) as absent. */
static vg_status scalar_text(vics_reader *v, jtok t, char *out, size_t cap, bool *present)
{
    *present = false;
    out[0] = '\0';
    if (t == J_STRING || t == J_NUMBER) {
        snprintf(out, cap, "%s", v->p.text);
        *present = true;
    } else if (t == J_TRUE || t == J_FALSE) {
        snprintf(out, cap, "%s", t == J_TRUE ? "true" : "false");
        *present = true;
    } else if (t == J_BEGIN_OBJECT || t == J_BEGIN_ARRAY) {
        return jparser_skip(&v->p, t);
    } else if (t == J_ERROR) {
        return parse_error(v);
    }
    return VG_OK;
}

static void boolean_field(vics_media *m, const char *field, const char *text, bool present,
                          char *out)
{
    out[0] = '\0';
    if (!present)
        return;
    if (exchange_equals_nocase(text, strlen(text), "true") || !strcmp(text, "1"))
        strcpy(out, "true");
    else if (exchange_equals_nocase(text, strlen(text), "false") || !strcmp(text, "0"))
        strcpy(out, "false");
    else if (text[0]) {
        char why[160];
        snprintf(why, sizeof why, "%s is not true or false", field);
        media_bad(m, why);
    }
}

static bool all_digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static vg_status alternative_hashes(vics_reader *v, vics_media *m)
{
    for (;;) {
        jtok t = jparser_next(&v->p);
        if (t == J_END_ARRAY)
            return VG_OK;
        if (t != J_BEGIN_OBJECT) {
            vg_status st = jparser_skip(&v->p, t);
            if (st != VG_OK)
                return st;
            media_bad(m, "AlternativeHashes holds something other than objects");
            continue;
        }
        char name[64] = "", value[4096] = "", other[64];
        bool has_value = false;
        for (;;) {
            t = jparser_next(&v->p);
            if (t == J_END_OBJECT)
                break;
            if (t != J_KEY)
                return parse_error(v);
            bool is_name = exchange_equals_nocase(v->p.text, v->p.text_len, "HashName");
            bool is_value = exchange_equals_nocase(v->p.text, v->p.text_len, "HashValue");
            char *into = is_name ? name : is_value ? value : other;
            size_t cap = is_name ? sizeof name : is_value ? sizeof value : sizeof other;
            t = jparser_next(&v->p);
            bool present;
            vg_status st = scalar_text(v, t, into, cap, &present);
            if (st != VG_OK)
                return st;
            if (is_value)
                has_value = present;
        }
        if (!has_value || !name[0])
            continue;
        size_t nlen = strlen(name);
        if (exchange_equals_nocase(name, nlen, "PDQ"))
            add_signal(v, m, VG_SIGNAL_PDQ, "the PDQ alternative hash", value, strlen(value));
        else if (exchange_equals_nocase(name, nlen, "SHA256") ||
                 exchange_equals_nocase(name, nlen, "SHA-256"))
            add_signal(v, m, VG_SIGNAL_SHA256, "the SHA256 alternative hash", value, strlen(value));
        else if (exchange_equals_nocase(name, nlen, "MD5"))
            add_signal(v, m, VG_SIGNAL_MD5, "the MD5 alternative hash", value, strlen(value));
        else if (exchange_equals_nocase(name, nlen, "SHA1") ||
                 exchange_equals_nocase(name, nlen, "SHA-1"))
            add_signal(v, m, VG_SIGNAL_SHA1, "the SHA1 alternative hash", value, strlen(value));
        else
            exchange_unsupported(v->r, name);
    }
}

/* The members of one Media object; the opening brace is read. Returns when
 * the closing one is. A "Media" array inside (a Case) is read through
 * on_case_media. */
static vg_status emit_media(vics_reader *v, vics_media *m);

static vg_status read_object(vics_reader *v, bool allow_cases)
{
    vics_media m = {.category = -1};
    char text[4096];
    for (;;) {
        jtok t = jparser_next(&v->p);
        if (t == J_END_OBJECT)
            break;
        if (t != J_KEY)
            return parse_error(v);
        char key[64];
        snprintf(key, sizeof key, "%s", v->p.text);
        size_t klen = strlen(key);
        t = jparser_next(&v->p);
        if (t == J_ERROR)
            return parse_error(v);
        if (allow_cases && exchange_equals_nocase(key, klen, "Media") && t == J_BEGIN_ARRAY) {
            for (;;) {
                jtok e = jparser_next(&v->p);
                if (e == J_END_ARRAY)
                    break;
                if (e != J_BEGIN_OBJECT) {
                    vg_status st = jparser_skip(&v->p, e);
                    if (st != VG_OK)
                        return st;
                    exchange_bad(v->r, ++v->media_count, "a Media entry is not an object");
                    continue;
                }
                vg_status st = read_object(v, false);
                if (st != VG_OK)
                    return st;
            }
            continue;
        }
        if (exchange_equals_nocase(key, klen, "AlternativeHashes") && t == J_BEGIN_ARRAY) {
            vg_status st = alternative_hashes(v, &m);
            if (st != VG_OK)
                return st;
            continue;
        }
        bool present;
        vg_status st = scalar_text(v, t, text, sizeof text, &present);
        if (st != VG_OK)
            return st;
        size_t tlen = strlen(text);
        if (exchange_equals_nocase(key, klen, "MediaID")) {
            if (present && tlen && tlen < sizeof m.id) {
                memcpy(m.id, text, tlen + 1);
                m.has_id = true;
            } else if (present) {
                media_bad(&m, "MediaID is empty or too long");
            }
        } else if (exchange_equals_nocase(key, klen, "Category")) {
            if (present && all_digits(text, 2) && atoi(text) < VG_VICS_CATEGORY_MAX)
                m.category = atoi(text);
            else if (present && tlen)
                media_bad(&m, "Category is not a number from 0 to 15");
        } else if (exchange_equals_nocase(key, klen, "MD5")) {
            add_signal(v, &m, VG_SIGNAL_MD5, "MD5", text, present ? tlen : 0);
        } else if (exchange_equals_nocase(key, klen, "SHA1")) {
            add_signal(v, &m, VG_SIGNAL_SHA1, "SHA1", text, present ? tlen : 0);
        } else if (exchange_equals_nocase(key, klen, "SHA256")) {
            add_signal(v, &m, VG_SIGNAL_SHA256, "SHA256", text, present ? tlen : 0);
        } else if (exchange_equals_nocase(key, klen, "PhotoDNA")) {
            if (present && tlen)
                exchange_unsupported(v->r, "PhotoDNA");
        } else if (exchange_equals_nocase(key, klen, "MediaSize")) {
            if (present && all_digits(text, 20))
                snprintf(m.size, sizeof m.size, "%s", text);
            else if (present && tlen)
                media_bad(&m, "MediaSize is not a number of bytes");
        } else if (exchange_equals_nocase(key, klen, "Series")) {
            if (tlen >= sizeof m.series)
                media_bad(&m, "Series is longer than 1023 bytes");
            else
                memcpy(m.series, present ? text : "", present ? tlen + 1 : 1);
        } else if (exchange_equals_nocase(key, klen, "VictimIdentified")) {
            boolean_field(&m, "VictimIdentified", text, present, m.victim);
        } else if (exchange_equals_nocase(key, klen, "OffenderIdentified")) {
            boolean_field(&m, "OffenderIdentified", text, present, m.offender);
        } else if (exchange_equals_nocase(key, klen, "IsDistributed")) {
            boolean_field(&m, "IsDistributed", text, present, m.distributed);
        }
    }
    /* A Case (or anything else) without hash members is not a Media. */
    if (!m.saw_hash_field && !m.has_id)
        return VG_OK;
    return emit_media(v, &m);
}

static vg_status emit_media(vics_reader *v, vics_media *m)
{
    uint64_t position = ++v->media_count;
    if (!m->bad && !m->has_id)
        media_bad(m, "a Media without MediaID");
    if (m->bad) {
        exchange_bad(v->r, position, "MediaID %s: %s", m->has_id ? m->id : "(none)", m->why);
        return VG_OK;
    }
    char category[12] = "";
    const char *legal = "", *severity = "";
    if (m->category >= 0) {
        snprintf(category, sizeof category, "%d", m->category);
        const vg_vics_categories *table = v->r->opts->categories;
        if (table && table->category[m->category].set) {
            legal = table->category[m->category].legal;
            severity = table->category[m->category].severity;
        }
    }
    const char *values[] = {category,  legal,       severity,       m->series,
                            m->victim, m->offender, m->distributed, m->size};
    for (size_t i = 0; i < m->signal_count; i++) {
        vg_exchange_record rec = {.signal_type = m->signals[i].type,
                                  .signal = m->signals[i].value,
                                  .id = m->id,
                                  .values = values,
                                  .position = position};
        vg_status st = exchange_deliver(v->r, &rec, v->err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

vg_status exchange_read_vics(exchange_reader *r, xsource *src, vg_error *err)
{
    vics_reader v = {.r = r, .err = err};
    vg_status st = jparser_init(&v.p, src, VICS_TEXT_MAX, err);
    if (st != VG_OK)
        return st;
    jtok t = jparser_next(&v.p);
    if (t != J_BEGIN_OBJECT) {
        st = t == J_ERROR
                 ? parse_error(&v)
                 : vg_error_set(err, VG_ERR_CORRUPT,
                                "%s: not a VICS document (it is not a JSON object)", r->name);
        goto done;
    }
    bool saw_value = false;
    for (;;) {
        t = jparser_next(&v.p);
        if (t == J_END_OBJECT)
            break;
        if (t != J_KEY) {
            st = parse_error(&v);
            goto done;
        }
        bool context = exchange_equals_nocase(v.p.text, v.p.text_len, "@odata.context") ||
                       exchange_equals_nocase(v.p.text, v.p.text_len, "odata.metadata");
        bool value = !strcmp(v.p.text, "value");
        t = jparser_next(&v.p);
        if (t == J_ERROR) {
            st = parse_error(&v);
            goto done;
        }
        if (context) {
            size_t n = t == J_STRING ? v.p.text_len : 0;
            const char *s = v.p.text;
            bool media = n >= 6 && !strcmp(s + n - 6, "#Media");
            bool cases = n >= 6 && !strcmp(s + n - 6, "#Cases");
            if (!media && !cases) {
                st = vg_error_set(err, VG_ERR_CORRUPT,
                                  "%s: not a VICS document (its OData context does not end in "
                                  "#Media or #Cases)",
                                  r->name);
                goto done;
            }
            continue;
        }
        if (value && t == J_BEGIN_ARRAY) {
            saw_value = true;
            for (;;) {
                jtok e = jparser_next(&v.p);
                if (e == J_END_ARRAY)
                    break;
                if (e == J_BEGIN_OBJECT) {
                    st = read_object(&v, true);
                } else {
                    st = jparser_skip(&v.p, e);
                    if (st == VG_OK)
                        exchange_bad(r, ++v.media_count, "a value entry is not an object");
                }
                if (st != VG_OK)
                    goto done;
            }
            continue;
        }
        st = jparser_skip(&v.p, t);
        if (st != VG_OK)
            goto done;
    }
    t = jparser_next(&v.p);
    if (t != J_EOF) {
        st = parse_error(&v);
        goto done;
    }
    if (!saw_value)
        st =
            vg_error_set(err, VG_ERR_CORRUPT,
                         "%s: not a VICS document (no \"value\" array of Media or Cases)", r->name);
done:
    jparser_free(&v.p);
    return st;
}

/* ---- writing ---------------------------------------------------------------- */

enum { V_CATEGORY, V_LEGAL, V_SEVERITY, V_SERIES, V_VICTIM, V_OFFENDER, V_DISTRIBUTED, V_SIZE };

static const char vics_context[] =
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media";

vg_status vics_write_start(vg_exchange_writer *w, vg_error *err)
{
    vg_status st = sink_puts(&w->sink, "{\"@odata.context\":", err);
    if (st == VG_OK)
        st = sink_json_string(&w->sink, vics_context, sizeof vics_context - 1, err);
    return st == VG_OK ? sink_puts(&w->sink, ",\"value\":[", err) : st;
}

vg_status vics_write_end(vg_exchange_writer *w, vg_error *err)
{
    return sink_puts(&w->sink, w->groups ? "\n]}\n" : "]}\n", err);
}

/* The Category of the pending group, or -1. */
static int group_category(const vg_exchange_writer *w)
{
    const char *number = writer_value(w, V_CATEGORY);
    if (all_digits(number, 2) && atoi(number) < VG_VICS_CATEGORY_MAX)
        return atoi(number);
    const char *legal = writer_value(w, V_LEGAL), *severity = writer_value(w, V_SEVERITY);
    if (!w->has_categories || !legal[0])
        return -1;
    for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < VG_VICS_CATEGORY_MAX; c++) {
            const vg_vics_mapping *m = &w->categories.category[c];
            if (m->set && !strcmp(m->legal, legal) &&
                (pass == 0 ? !strcmp(m->severity, severity) : !m->severity[0]))
                return c;
        }
    return -1;
}

static vg_status upper_hex(vg_exchange_writer *w, const char *hex, size_t len, vg_error *err)
{
    char up[2 * VG_SIGNAL_MAX_BYTES + 2];
    up[0] = '"';
    for (size_t i = 0; i < len; i++)
        up[i + 1] = hex[i] >= 'a' && hex[i] <= 'f' ? (char)(hex[i] - 32) : hex[i];
    up[len + 1] = '"';
    return sink_put(&w->sink, up, len + 2, err);
}

vg_status vics_write_group(vg_exchange_writer *w, vg_error *err)
{
    /* Which signals have a place: the first md5 and sha1 as members, the
     * rest (pdq, sha256, further digests) as AlternativeHashes. */
    int md5 = -1, sha1 = -1;
    size_t alternatives = 0;
    bool placed[WRITER_GROUP_MAX] = {false};
    for (size_t i = 0; i < w->signal_count; i++) {
        vg_signal_type t;
        const char *type = w->signals[i].type;
        if (vg_signal_type_parse(type, strlen(type), &t) != VG_OK || t == VG_SIGNAL_VPDQ) {
            w->stats.skipped++; /* vpdq and others: VICS has no place for them */
            continue;
        }
        placed[i] = true;
        if (t == VG_SIGNAL_MD5 && md5 < 0)
            md5 = (int)i;
        else if (t == VG_SIGNAL_SHA1 && sha1 < 0)
            sha1 = (int)i;
        else
            alternatives++;
    }
    if (md5 < 0 && sha1 < 0 && alternatives == 0)
        return VG_OK;
    vg_status st = sink_puts(&w->sink, w->groups++ ? ",\n{\"MediaID\":" : "\n{\"MediaID\":", err);
    if (st != VG_OK)
        return st;
    st = all_digits(w->id, 18) ? sink_puts(&w->sink, w->id, err)
                               : sink_json_string(&w->sink, w->id, w->id_len, err);
    int category = group_category(w);
    if (st == VG_OK)
        st = category >= 0 ? sink_printf(&w->sink, err, ",\"Category\":%d", category)
                           : sink_puts(&w->sink, ",\"Category\":null", err);
    if (st == VG_OK && md5 >= 0) {
        st = sink_puts(&w->sink, ",\"MD5\":", err);
        if (st == VG_OK)
            st = upper_hex(w, writer_signal_text(w, (size_t)md5), w->signals[md5].len, err);
    }
    if (st == VG_OK && sha1 >= 0) {
        st = sink_puts(&w->sink, ",\"SHA1\":", err);
        if (st == VG_OK)
            st = upper_hex(w, writer_signal_text(w, (size_t)sha1), w->signals[sha1].len, err);
    }
    const char *size = writer_value(w, V_SIZE);
    if (st == VG_OK && all_digits(size, 20))
        st = sink_printf(&w->sink, err, ",\"MediaSize\":%s", size);
    const char *series = writer_value(w, V_SERIES);
    if (st == VG_OK && series[0]) {
        st = sink_puts(&w->sink, ",\"Series\":", err);
        if (st == VG_OK)
            st = sink_json_string(&w->sink, series, strlen(series), err);
    }
    static const char *const flags[] = {"VictimIdentified", "OffenderIdentified", "IsDistributed"};
    for (int f = 0; st == VG_OK && f < 3; f++) {
        const char *v = writer_value(w, (size_t)(V_VICTIM + f));
        if (!strcmp(v, "true") || !strcmp(v, "false"))
            st = sink_printf(&w->sink, err, ",\"%s\":%s", flags[f], v);
    }
    if (st == VG_OK && alternatives) {
        st = sink_puts(&w->sink, ",\"AlternativeHashes\":[", err);
        size_t written = 0;
        for (size_t i = 0; st == VG_OK && i < w->signal_count; i++) {
            if (!placed[i] || (int)i == md5 || (int)i == sha1)
                continue;
            const char *type = w->signals[i].type;
            const char *name = !strcmp(type, "pdq")      ? "PDQ"
                               : !strcmp(type, "sha256") ? "SHA256"
                               : !strcmp(type, "md5")    ? "MD5"
                                                         : "SHA1";
            st = sink_printf(&w->sink, err,
                             "%s{\"HashName\":\"%s\",\"HashValue\":", written++ ? "," : "", name);
            if (st == VG_OK)
                st = strcmp(type, "pdq")
                         ? upper_hex(w, writer_signal_text(w, i), w->signals[i].len, err)
                         : sink_json_string(&w->sink, writer_signal_text(w, i), w->signals[i].len,
                                            err);
            if (st == VG_OK)
                st = sink_put(&w->sink, "}", 1, err);
        }
        if (st == VG_OK)
            st = sink_put(&w->sink, "]", 1, err);
    }
    if (st == VG_OK)
        st = sink_put(&w->sink, "}", 1, err);
    for (size_t i = 0; i < w->signal_count; i++)
        if (placed[i])
            w->stats.written++;
    return st;
}
