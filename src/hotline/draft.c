/*
 * src/hotline/draft.c - reports being gathered (intake.h): fields,
 * canonical URLs, files with their digests and bank matches. Nothing here
 * talks HTTP or the store, so the API's parser can be fuzzed with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hotline/intake.h"
#include "model/video.h"
#include "util/form.h"
#include "util/secure.h"
#include "vigie/digest.h"
#include "vigie/image.h"
#include "vigie/policy.h"
#include "vigie/url.h"

/* ---- drafts ------------------------------------------------------------------ */

static char *keep(vg_intake_draft *d, char *s)
{
    if (!s)
        return NULL;
    if (d->owned_count == d->owned_cap) {
        size_t cap = d->owned_cap ? d->owned_cap * 2 : 32;
        char **grown = realloc(d->owned, cap * sizeof *grown);
        if (!grown) {
            free(s);
            return NULL;
        }
        d->owned = grown;
        d->owned_cap = cap;
    }
    d->owned[d->owned_count++] = s;
    return s;
}

static const char *keep_copy(vg_intake_draft *d, const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return keep(d, copy);
}

vg_status vg_intake_draft_init(vg_intake_draft *d, const char *source, vg_error *err)
{
    (void)err;
    memset(d, 0, sizeof *d);
    vg_random_hex(d->public_id, 16);
    vg_random_code(d->receipt_code, 12);
    vg_random_code(d->receipt_secret, 24);
    vg_sha256_hex(d->receipt_secret, strlen(d->receipt_secret), d->secret_hash);
    d->report.public_id = d->public_id;
    d->report.receipt_code = d->receipt_code;
    d->report.receipt_secret_hash = d->secret_hash;
    d->report.source = source;
    return VG_OK;
}

void vg_intake_draft_free(vg_hotline *h, vg_intake_draft *d)
{
    if (!d)
        return;
    if (!d->stored || d->duplicate)
        for (size_t i = 0; i < d->report.file_count; i++)
            if (d->files[i].vault_id && h && h->vault)
                vg_vault_remove(h->vault, d->files[i].vault_id, NULL);
    for (size_t i = 0; i < d->owned_count; i++)
        free(d->owned[i]);
    free(d->owned);
    free(d->urls);
    free(d->files);
    memset(d->receipt_secret, 0, sizeof d->receipt_secret);
    memset(d, 0, sizeof *d);
}

vg_status vg_intake_draft_text(vg_intake_draft *d, const char **field, const char *text,
                               size_t max, vg_error *err)
{
    *field = NULL;
    if (!text)
        return VG_OK;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\r' ||
                     text[n - 1] == '\t'))
        n--;
    while (n > 0 && (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t'))
        text++, n--;
    if (n == 0)
        return VG_OK;
    if (n > max)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "a text is %zu bytes long; at most %zu are accepted",
                            n, max);
    if (!vg_utf8_valid(text, n))
        return vg_error_set(err, VG_ERR_INVALID, "a text is not valid UTF-8");
    *field = keep_copy(d, text, n);
    return *field ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

vg_status vg_intake_draft_url(vg_intake_draft *d, const char *url, vg_error *err)
{
    if (d->report.url_count >= VG_INTAKE_MAX_URLS)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "at most %d URLs are accepted per report",
                            VG_INTAKE_MAX_URLS);
    char *canonical = NULL;
    vg_status st = vg_url_canonicalize(url, strlen(url), &canonical, err);
    if (st != VG_OK) {
        char shown[80];
        snprintf(shown, sizeof shown, "%s", url);
        if (vg_utf8_valid(shown, strlen(shown)))
            vg_error_prefix(err, "%s%s: ", shown, strlen(url) >= sizeof shown ? "..." : "");
        return st;
    }
    if (!keep(d, canonical))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    const char *raw = keep_copy(d, url, strlen(url));
    vg_report_url *grown = realloc(d->urls, (d->report.url_count + 1) * sizeof *grown);
    if (!raw || !grown) {
        if (grown)
            d->urls = grown;
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    d->urls = grown;
    d->urls[d->report.url_count].url = raw;
    d->urls[d->report.url_count].canonical = canonical;
    d->report.url_count++;
    d->report.urls = d->urls;
    return VG_OK;
}

static vg_report_file *add_file(vg_hotline *h, vg_intake_draft *d, vg_error *err)
{
    /* Uploads and digests count together. */
    if (h && d->report.file_count >= h->max_files) {
        vg_error_set(err, VG_ERR_TOO_LARGE,
                     "at most %llu files (uploaded or given by digest) are accepted per report",
                     (unsigned long long)h->max_files);
        return NULL;
    }
    if (d->report.file_count == d->file_cap) {
        size_t cap = d->file_cap ? d->file_cap * 2 : 4;
        vg_report_file *grown = realloc(d->files, cap * sizeof *grown);
        if (!grown) {
            vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            return NULL;
        }
        d->files = grown;
        d->file_cap = cap;
    }
    vg_report_file *f = &d->files[d->report.file_count++];
    memset(f, 0, sizeof *f);
    d->report.files = d->files;
    return f;
}

static const char *keep_hex(vg_intake_draft *d, const uint8_t *bytes, size_t n)
{
    char hex[2 * VG_SIGNAL_MAX_BYTES + 1];
    vg_hex_encode(bytes, n, hex);
    return keep_copy(d, hex, 2 * n);
}

/* A picture's trimmed PDQ is only as good as its canonical one: below this
 * quality (mostly flat inside the bars) it is not matched, as vigie scan
 * does by default. */
#define TRIMMED_MIN_QUALITY 50

/* The signals that survive bars and crops (docs/robust.md), tried when the
 * digests and the canonical PDQ found nothing: the PDQ of the picture
 * inside its bars, then its patch set. Sets *how to the one that matched. */
static vg_status match_robust(const vg_index *index, const vg_filehash *r, int radius,
                              vg_index_matches *found, const char **how, vg_error *err)
{
    vg_status st = VG_OK;
    if (r->has_trimmed && r->trimmed.quality >= TRIMMED_MIN_QUALITY) {
        st = vg_index_search_pdq(index, &r->trimmed.hashes[0], radius, found, err);
        if (st != VG_OK || found->count) {
            *how = VG_MATCH_TRIMMED;
            return st;
        }
    }
    if (r->patchset.count >= VG_PATCH_MIN_INLIERS) {
        vg_patch_search search = {0};
        st = vg_index_search_patchset(index, &r->patchset, VG_PATCH_MIN_INLIERS, &search,
                                      found, err);
        vg_patch_search_free(&search);
        *how = VG_MATCH_CROP;
    }
    return st;
}

/* The first match of found (in the order searched) that negative banks
 * leave standing (vigie/policy.h), or -1; *negative when a negative entry
 * was among them. */
static long standing(const vg_index *index, const vg_index_matches *found, bool digest,
                     bool *negative)
{
    *negative = false;
    if (!found->count)
        return -1;
    vg_policy_match *pm = calloc(found->count, sizeof *pm);
    if (!pm)
        return 0; /* out of memory: the match as the index gave it */
    for (size_t i = 0; i < found->count; i++)
        pm[i] = (vg_policy_match){.entry = found->items[i].entry,
                                  .distance = found->items[i].distance,
                                  .digest = digest};
    vg_policy_apply(index, pm, found->count);
    long first = -1;
    for (size_t i = 0; i < found->count; i++) {
        *negative |= pm[i].negative;
        if (first < 0 && !pm[i].negative && !pm[i].suppressed)
            first = (long)i;
    }
    free(pm);
    return first;
}

/* Record a bank match of f when the index holds one of its digests, or a
 * PDQ hash within the threshold (the closest one), as worth `kind`
 * (VG_FILE_KNOWN for bytes vigie hashed, VG_FILE_CLAIMED for digests the
 * sender quoted); for a picture vigie decoded itself (robust, may be NULL)
 * its robust signals too. f->match_signal says which one matched.
 * Negative banks (entries whose "polarity" is "negative": known false
 * positives) are matched too and never count: a negative digest match
 * leaves the file unknown whatever else matches, a negative PDQ match
 * outweighs the positive ones as far or farther (vigie/policy.h), and a
 * signal a negative entry caught is not tried further with the next. */
static vg_status match_file(vg_hotline *h, vg_intake_draft *d, vg_report_file *f, int kind,
                            const vg_digests *dg, const bool *have, const vg_pdq_hash *pdq,
                            const vg_filehash *robust, vg_error *err)
{
    void *ticket = NULL;
    const vg_index *index = vg_hotline_index_acquire(h, &ticket);
    if (!index)
        return VG_OK;
    vg_index_matches found = {0}, each = {0};
    vg_status st = VG_OK;
    const char *how = VG_MATCH_DIGEST;
    const struct {
        vg_signal_type type;
        const uint8_t *value;
        bool present;
    } exact[] = {
        {VG_SIGNAL_SHA256, dg->sha256, have[0]},
        {VG_SIGNAL_MD5, dg->md5, have[1]},
        {VG_SIGNAL_SHA1, dg->sha1, have[2]},
    };
    /* every digest's matches, so that a negative one is seen whichever
     * digest it lists */
    for (size_t i = 0; st == VG_OK && i < 3; i++) {
        if (!exact[i].present)
            continue;
        st = vg_index_find_exact(index, exact[i].type, exact[i].value, &each, err);
        for (size_t j = 0; st == VG_OK && j < each.count; j++) {
            if (found.count == found.capacity) {
                size_t cap = found.capacity ? found.capacity * 2 : 8;
                vg_index_match *grown = realloc(found.items, cap * sizeof *grown);
                if (!grown) {
                    st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
                found.items = grown;
                found.capacity = cap;
            }
            found.items[found.count++] = each.items[j];
        }
    }
    vg_index_matches_free(&each);
    bool negative = false;
    long chosen = st == VG_OK ? standing(index, &found, true, &negative) : -1;
    if (st == VG_OK && chosen < 0 && !negative && pdq) {
        st = vg_index_search_pdq(index, pdq, h->pdq_threshold, &found, err);
        chosen = st == VG_OK ? standing(index, &found, false, &negative) : -1;
        /* a bank entry that is itself a picture's trimmed PDQ */
        how = chosen >= 0 && found.items[chosen].type == VG_SIGNAL_PDQ_TRIMMED ? VG_MATCH_TRIMMED
                                                                             : VG_MATCH_PDQ;
    }
    if (st == VG_OK && chosen < 0 && !negative && robust && robust->has_robust) {
        found.count = 0;
        st = match_robust(index, robust, h->pdq_threshold, &found, &how, err);
        chosen = st == VG_OK ? standing(index, &found, false, &negative) : -1;
    }
    if (st == VG_OK && chosen >= 0) {
        vg_index_entry e;
        const vg_index_match *m = &found.items[chosen];
        st = vg_index_entry_get(index, m->entry, &e, err);
        if (st == VG_OK) {
            f->known = kind;
            /* a patch set has a score, not a distance */
            f->distance = strcmp(how, VG_MATCH_CROP) ? m->distance : 0;
            f->match_signal = how;
            f->bank = keep_copy(d, e.bank_name, strlen(e.bank_name));
            f->bank_entry = keep_copy(d, e.id, e.id_len);
            if (!f->bank || !f->bank_entry)
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    vg_index_matches_free(&found);
    vg_hotline_index_release(h, ticket);
    return st;
}

vg_status vg_intake_draft_digests(vg_hotline *h, vg_intake_draft *d, const char *sha256,
                                  const char *md5, const char *sha1, const char *pdq,
                                  const char *filename, uint64_t size, vg_error *err)
{
    vg_digests dg;
    memset(&dg, 0, sizeof dg);
    bool have[3] = {false, false, false};
    vg_pdq_hash hash;
    if (!sha256 || vg_hex_decode(sha256, dg.sha256, VG_SHA256_BYTES) != VG_OK ||
        strlen(sha256) != 2 * VG_SHA256_BYTES)
        return vg_error_set(err, VG_ERR_INVALID, "a file needs \"sha256\": 64 hex digits");
    have[0] = true;
    if (md5 && (strlen(md5) != 2 * VG_MD5_BYTES || vg_hex_decode(md5, dg.md5, VG_MD5_BYTES)))
        return vg_error_set(err, VG_ERR_INVALID, "\"md5\" must be 32 hex digits");
    have[1] = md5 != NULL;
    if (sha1 && (strlen(sha1) != 2 * VG_SHA1_BYTES || vg_hex_decode(sha1, dg.sha1, VG_SHA1_BYTES)))
        return vg_error_set(err, VG_ERR_INVALID, "\"sha1\" must be 40 hex digits");
    have[2] = sha1 != NULL;
    if (pdq && (strlen(pdq) != VG_PDQ_HEX_CHARS || vg_pdq_from_hex(pdq, &hash) != VG_OK))
        return vg_error_set(err, VG_ERR_INVALID, "\"pdq\" must be 64 hex digits");
    vg_report_file *f = add_file(h, d, err);
    if (!f)
        return err ? err->status : VG_ERR_NOMEM;
    f->size = size;
    f->sha256 = keep_hex(d, dg.sha256, VG_SHA256_BYTES);
    f->md5 = md5 ? keep_hex(d, dg.md5, VG_MD5_BYTES) : NULL;
    f->sha1 = sha1 ? keep_hex(d, dg.sha1, VG_SHA1_BYTES) : NULL;
    f->pdq = pdq ? keep_hex(d, hash.bytes, VG_PDQ_BYTES) : NULL;
    f->pdq_quality = -1;
    char *clean = filename ? vg_intake_clean_filename(filename) : NULL;
    f->filename = clean ? keep(d, clean) : NULL;
    if (!f->sha256)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return match_file(h, d, f, VG_FILE_CLAIMED, &dg, have, pdq ? &hash : NULL, NULL, err);
}

int vg_intake_draft_locates(const vg_intake_draft *d)
{
    return d->report.url_count > 0 || d->report.file_count > 0 ||
           (d->report.account && d->report.account[0]);
}

char *vg_intake_clean_filename(const char *name)
{
    if (!name)
        return NULL;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base);
    if (n > 200)
        n = 200;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)base[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>')
            continue;
        out[len++] = (char)c;
    }
    /* Cut back to a whole UTF-8 character, then refuse anything still invalid. */
    while (len > 0 && !vg_utf8_valid(out, len) && ((unsigned char)out[len - 1] & 0x80))
        len--;
    out[len] = '\0';
    if (len == 0 || !vg_utf8_valid(out, len) || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        free(out);
        return NULL;
    }
    return out;
}

vg_status vg_intake_draft_add_item(vg_hotline *h, vg_intake_draft *d, const vg_vault_item *item,
                                   char *filename, vg_error *err)
{
    const char *vault_id = keep_copy(d, item->id, strlen(item->id));
    vg_report_file *f = vault_id ? add_file(h, d, err)
                                 : (vg_error_set(err, VG_ERR_NOMEM, "out of memory"), NULL);
    if (!f) {
        free(filename);
        vg_vault_remove(h->vault, item->id, NULL);
        return err ? err->status : VG_ERR_NOMEM;
    }
    f->vault_id = vault_id;
    f->filename = filename ? keep(d, filename) : NULL;
    f->size = item->hash.bytes;
    f->md5 = keep_hex(d, item->hash.digests.md5, VG_MD5_BYTES);
    f->sha1 = keep_hex(d, item->hash.digests.sha1, VG_SHA1_BYTES);
    f->sha256 = keep_hex(d, item->hash.digests.sha256, VG_SHA256_BYTES);
    if (item->hash.format != VG_FORMAT_UNKNOWN) {
        char type[48];
        snprintf(type, sizeof type, "image/%s", vg_image_format_name(item->hash.format));
        f->content_type = keep_copy(d, type, strlen(type));
    } else {
        f->content_type = "application/octet-stream";
    }
    f->pdq_quality = -1;
    if (item->hash.has_pdq) {
        f->pdq = keep_hex(d, item->hash.pdq.hashes[0].bytes, VG_PDQ_BYTES);
        f->pdq_quality = item->hash.pdq.quality;
    }
    if (!f->md5 || !f->sha1 || !f->sha256)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    bool have[3] = {true, true, true};
    return match_file(h, d, f, VG_FILE_KNOWN, &item->hash.digests, have,
                      item->hash.has_pdq ? &item->hash.pdq.hashes[0] : NULL, &item->hash, err);
}

vg_status vg_intake_draft_media_type(vg_intake_draft *d, size_t index, const char *type,
                                     vg_error *err)
{
    if (index >= d->report.file_count || !type)
        return vg_error_set(err, VG_ERR_INVALID, "no such file in the report");
    const char *kept = keep_copy(d, type, strlen(type));
    if (!kept)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    d->files[index].content_type = kept;
    return VG_OK;
}

/* ---- videos -------------------------------------------------------------------- */

/* Stretches of a matched video an analyst is pointed to; a video that
 * matched in more is rare and the first ones say enough. */
#define VIDEO_SEGMENTS_SHOWN 20

/* Which sampled frames of `frames` find the video `entry` of the index:
 * their stretches, as a JSON array, in seg/total. */
static vg_status matched_stretches(const vg_index *index, uint64_t entry, const vg_vpdq *frames,
                                   int distance, json_t *segments, size_t *total, vg_error *err)
{
    double *times = malloc((frames->count ? frames->count : 1) * sizeof *times);
    vg_video_sample *kinds = malloc((frames->count ? frames->count : 1) * sizeof *kinds);
    vg_index_matches found = {0};
    vg_status st = times && kinds ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < frames->count; i++) {
        const vg_vpdq_frame *fr = &frames->frames[i];
        times[i] = fr->timestamp;
        kinds[i] = VG_SAMPLE_SILENT;
        if (fr->quality < VG_VPDQ_QUALITY_THRESHOLD)
            continue;
        st = vg_index_search_pdq(index, &fr->hash, distance, &found, err);
        kinds[i] = VG_SAMPLE_UNMATCHED;
        for (size_t k = 0; st == VG_OK && k < found.count; k++)
            if (found.items[k].entry == entry)
                kinds[i] = VG_SAMPLE_MATCHED;
    }
    vg_video_segment seg[VIDEO_SEGMENTS_SHOWN];
    if (st == VG_OK) {
        *total = vg_rule_video_segments(times, kinds, frames->count, seg, VIDEO_SEGMENTS_SHOWN);
        for (size_t i = 0; i < *total && i < VIDEO_SEGMENTS_SHOWN; i++)
            json_array_append_new(segments, json_pack("[f,f]", seg[i].start, seg[i].end));
    }
    vg_index_matches_free(&found);
    free(times);
    free(kinds);
    return st;
}

vg_status vg_intake_draft_video(vg_hotline *h, vg_intake_draft *d, size_t index,
                                const vg_vpdq *frames, const char *why, vg_error *err)
{
    if (index >= d->report.file_count)
        return vg_error_set(err, VG_ERR_INVALID, "no such file in the report");
    vg_report_file *f = &d->files[index];
    json_t *o = why || !frames ? json_pack("{s:s}", "error", why ? why : "not fingerprinted")
                               : json_pack("{s:I}", "sampled", (json_int_t)frames->count);
    vg_vpdq_set set = {0};
    vg_index_video_matches found = {0};
    vg_status st = o ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* The index as it is now, held until what is borrowed from it is copied. */
    void *ticket = NULL;
    const vg_index *banks = vg_hotline_index_acquire(h, &ticket);
    if (st == VG_OK && frames && !why) {
        st = vg_vpdq_set_from(frames, VG_VPDQ_QUALITY_THRESHOLD, &set, err);
        if (st == VG_OK)
            json_object_set_new(o, "frames", json_integer((json_int_t)set.count));
        /* a file known by its bytes already has the best match there is */
        if (st == VG_OK && banks && f->known != VG_FILE_KNOWN && set.count)
            st = vg_index_search_vpdq(banks, &set, NULL, &found, err);
    }
    if (st == VG_OK && found.count && found.items[0].similarity.match) {
        const vg_index_video_match *m = &found.items[0];
        vg_index_entry e;
        json_t *segments = json_array();
        size_t total = 0;
        st = segments ? vg_index_entry_get(banks, m->entry, &e, err)
                      : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        if (st == VG_OK)
            st = matched_stretches(banks, m->entry, frames, VG_VPDQ_DISTANCE_THRESHOLD,
                                   segments, &total, err);
        if (st == VG_OK) {
            f->known = VG_FILE_KNOWN;
            f->distance = 0;
            f->match_signal = VG_MATCH_VIDEO;
            f->bank = keep_copy(d, e.bank_name, strlen(e.bank_name));
            f->bank_entry = keep_copy(d, e.id, e.id_len);
            json_object_set_new(o, "query_percent", json_real(m->similarity.query_percent));
            json_object_set_new(o, "compared_percent",
                                json_real(m->similarity.compared_percent));
            json_object_set(o, "segments", segments);
            json_object_set_new(o, "segments_total", json_integer((json_int_t)total));
            if (!f->bank || !f->bank_entry)
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        json_decref(segments);
    }
    char *text = st == VG_OK ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(4))
                             : NULL;
    if (st == VG_OK && !(f->video_match = keep(d, text)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    json_decref(o);
    vg_vpdq_set_free(&set);
    vg_index_video_matches_free(&found);
    vg_hotline_index_release(h, ticket);
    return st;
}

/* ---- kept between requests ---------------------------------------------------- */

/* The report's text fields, by name, as save and load see them. */
#define DRAFT_FIELDS(X)                                                                          \
    X(source) X(category) X(platform) X(account) X(occurred_at) X(description) X(reporter_kind) \
    X(language) X(country) X(contact) X(client_ip) X(user_agent) X(extra_json)
#define FILE_TEXTS(X)                                                                            \
    X(vault_id) X(filename) X(content_type) X(md5) X(sha1) X(sha256) X(pdq) X(bank)             \
    X(bank_entry) X(match_signal) X(video_match)

static int set_text(json_t *o, const char *name, const char *value)
{
    return !value || json_object_set_new(o, name, json_string(value)) == 0;
}

vg_status vg_intake_draft_save(const vg_intake_draft *d, char **text, vg_error *err)
{
    *text = NULL;
    const vg_report *r = &d->report;
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "public_id", d->public_id, "receipt_code",
                          d->receipt_code, "secret_hash", d->secret_hash, "api_key_id",
                          (json_int_t)r->api_key_id, "danger", r->danger);
    json_t *urls = json_array(), *files = json_array();
    int ok = o && urls && files;
#define SAVE_FIELD(name) ok = ok && set_text(o, #name, r->name);
    DRAFT_FIELDS(SAVE_FIELD)
#undef SAVE_FIELD
    for (size_t i = 0; ok && i < r->url_count; i++)
        ok = !json_array_append_new(urls, json_pack("[s, s]", r->urls[i].url,
                                                     r->urls[i].canonical));
    for (size_t i = 0; ok && i < r->file_count; i++) {
        const vg_report_file *f = &r->files[i];
        json_t *fo = json_pack("{s:I, s:i, s:i, s:i}", "size", (json_int_t)f->size,
                               "pdq_quality", f->pdq_quality, "known", f->known, "distance",
                               f->distance);
        ok = fo != NULL;
#define SAVE_FILE(name) ok = ok && set_text(fo, #name, f->name);
        FILE_TEXTS(SAVE_FILE)
#undef SAVE_FILE
        if (ok)
            ok = !json_array_append_new(files, fo); /* takes fo, even when it fails */
        else
            json_decref(fo);
    }
    ok = ok && !json_object_set(o, "urls", urls) && !json_object_set(o, "files", files);
    *text = ok ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(urls);
    json_decref(files);
    json_decref(o);
    return *text ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

static vg_status load_text(vg_intake_draft *d, json_t *o, const char *name, const char **out)
{
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return VG_OK;
    if (!json_is_string(v))
        return VG_ERR_CORRUPT;
    *out = keep_copy(d, json_string_value(v), json_string_length(v));
    return *out ? VG_OK : VG_ERR_NOMEM;
}

vg_status vg_intake_draft_load(vg_intake_draft *d, const char *text, vg_error *err)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    json_t *urls = json_object_get(o, "urls"), *files = json_object_get(o, "files");
    const char *pid = json_string_value(json_object_get(o, "public_id"));
    const char *code = json_string_value(json_object_get(o, "receipt_code"));
    const char *secret = json_string_value(json_object_get(o, "secret_hash"));
    vg_status st = json_is_object(o) && json_is_array(urls) && json_is_array(files) && pid &&
                           code && secret && strlen(pid) < sizeof d->public_id &&
                           strlen(code) < sizeof d->receipt_code &&
                           strlen(secret) < sizeof d->secret_hash
                       ? VG_OK
                       : VG_ERR_CORRUPT;
    vg_report *r = &d->report;
    if (st == VG_OK) {
        /* the same ids every time it is read, so that a retried finish is one report */
        snprintf(d->public_id, sizeof d->public_id, "%s", pid);
        snprintf(d->receipt_code, sizeof d->receipt_code, "%s", code);
        snprintf(d->secret_hash, sizeof d->secret_hash, "%s", secret);
        r->api_key_id = (int64_t)json_integer_value(json_object_get(o, "api_key_id"));
        r->danger = json_is_true(json_object_get(o, "danger"));
    }
#define LOAD_FIELD(name)                                                                         \
    if (st == VG_OK)                                                                             \
        st = load_text(d, o, #name, &r->name);
    DRAFT_FIELDS(LOAD_FIELD)
#undef LOAD_FIELD
    size_t i;
    json_t *v;
    json_array_foreach(urls, i, v)
    {
        const char *raw = json_string_value(json_array_get(v, 0));
        const char *canonical = json_string_value(json_array_get(v, 1));
        if (st != VG_OK)
            break;
        if (!raw || !canonical)
            st = VG_ERR_CORRUPT;
        vg_report_url *grown =
            st == VG_OK ? realloc(d->urls, (r->url_count + 1) * sizeof *grown) : NULL;
        if (st == VG_OK && !grown)
            st = VG_ERR_NOMEM;
        if (st == VG_OK) {
            d->urls = grown;
            r->urls = d->urls;
            d->urls[r->url_count].url = keep_copy(d, raw, strlen(raw));
            d->urls[r->url_count].canonical = keep_copy(d, canonical, strlen(canonical));
            st = d->urls[r->url_count].url && d->urls[r->url_count].canonical ? VG_OK
                                                                               : VG_ERR_NOMEM;
            r->url_count++;
        }
    }
    json_array_foreach(files, i, v)
    {
        if (st != VG_OK)
            break;
        vg_report_file *f = json_is_object(v) ? add_file(NULL, d, err) : NULL;
        if (!f) {
            st = json_is_object(v) ? VG_ERR_NOMEM : VG_ERR_CORRUPT;
            break;
        }
        f->size = (uint64_t)json_integer_value(json_object_get(v, "size"));
        f->pdq_quality = (int)json_integer_value(json_object_get(v, "pdq_quality"));
        f->known = (int)json_integer_value(json_object_get(v, "known"));
        f->distance = (int)json_integer_value(json_object_get(v, "distance"));
#define LOAD_FILE(name)                                                                          \
    if (st == VG_OK)                                                                             \
        st = load_text(d, v, #name, &f->name);
        FILE_TEXTS(LOAD_FILE)
#undef LOAD_FILE
    }
    json_decref(o);
    if (st == VG_ERR_CORRUPT)
        return vg_error_set(err, st, "a kept report could not be read back");
    if (st != VG_OK)
        return vg_error_set(err, st, "out of memory");
    return VG_OK;
}
