/*
 * src/hotline/referral.c - referral packages (referral.h).
 */
#include "hotline/referral.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hotline/alerting.h"
#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/routes.h"
#include "util/mailtext.h"
#include "vigie/referral.h"
#include "vigie/vault.h"

#define EVIDENCE_MAX_BYTES (512ull << 20) /* all the files of one package */

typedef struct facts {
    int64_t report_id;
    const char *url;
    vg_item item;
    int found;
    vg_item_file *files;
    size_t file_count;
    vg_url_route_row *routes;
    size_t route_count;
    json_t *audit;
} facts;

static int audit_visit(const vg_audit_entry *e, void *ctx)
{
    json_t *list = ctx;
    if (json_array_size(list) >= 5000)
        return 0; /* a report's own entries: bounded */
    json_t *detail = e->detail && *e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s}", "seq", (json_int_t)e->seq,
                          "time", (json_int_t)e->time, "actor", e->actor, "action", e->action,
                          "target", e->target, "detail", detail ? detail : json_object(),
                          "prev_hash", e->prev_hash, "hash", e->hash);
    if (o)
        json_array_append_new(list, o);
    return 0;
}

static vg_status facts_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    facts *f = ctx;
    vg_status st = vg_tx_item_get(tx, f->report_id, &f->item, &f->found, err);
    if (st != VG_OK || !f->found)
        return st;
    if ((st = vg_tx_files(tx, f->report_id, 0, &f->files, &f->file_count, err)) != VG_OK ||
        (st = vg_tx_routes(tx, f->report_id, 0, &f->routes, &f->route_count, err)) != VG_OK)
        return st;
    char target[32];
    snprintf(target, sizeof target, "report:%" PRId64, f->report_id);
    const char *targets[] = {target};
    json_array_clear(f->audit);
    return vg_tx_audit_for_targets(tx, targets, 1, audit_visit, f->audit, err);
}

static void facts_clear(facts *f)
{
    vg_item_clear(&f->item);
    vg_item_files_free(f->files, f->file_count);
    vg_url_route_rows_free(f->routes, f->route_count);
    json_decref(f->audit);
}

static json_t *str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Seal each file held in the vault to the unit's key; the manifest's
 * "evidence" list and each file's "evidence" name say what went in. */
typedef struct sealed_set {
    vg_referral_blob *blobs;
    size_t count;
} sealed_set;

static void sealed_free(sealed_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free((char *)s->blobs[i].name);
        free((unsigned char *)s->blobs[i].data);
    }
    free(s->blobs);
}

static vg_status seal_files(vg_hotline *h, const vg_referral_contact *c, const facts *f,
                            json_t *files, json_t *evidence, sealed_set *out, vg_error *err)
{
    out->blobs = calloc(f->file_count ? f->file_count : 1, sizeof *out->blobs);
    if (!out->blobs)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char pk_hex[65];
    sodium_bin2hex(pk_hex, sizeof pk_hex, c->public_key, sizeof c->public_key);
    uint64_t total = 0;
    for (size_t i = 0; i < f->file_count; i++) {
        const vg_item_file *file = &f->files[i];
        json_t *entry = json_array_get(files, i);
        if (!file->vault_id || !h->vault)
            continue;
        uint8_t *plain = NULL;
        size_t len = 0;
        vg_status st = vg_vault_read(h->vault, file->vault_id, 0, &plain, &len, err);
        if (st != VG_OK)
            return st;
        total += len;
        if (total > EVIDENCE_MAX_BYTES) {
            vg_vault_plain_free(plain, len);
            return vg_error_set(err, VG_ERR_TOO_LARGE,
                                "the evidence of this report is over 512 MiB: hand it over "
                                "apart, the package keeps its digests");
        }
        size_t sealed_len = len + crypto_box_SEALBYTES;
        unsigned char *sealed = malloc(sealed_len);
        char *name = malloc(32);
        if (!sealed || !name) {
            vg_vault_plain_free(plain, len);
            free(sealed);
            free(name);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        crypto_box_seal(sealed, plain, len, c->public_key);
        vg_vault_plain_free(plain, len);
        snprintf(name, 32, "evidence/%zu", i + 1);
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, sealed, sealed_len);
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        out->blobs[out->count++] = (vg_referral_blob){name, sealed, sealed_len};
        json_object_set_new(entry, "evidence", json_string(name));
        json_array_append_new(evidence,
                              json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "name", name, "sha256",
                                        hex, "bytes", (json_int_t)sealed_len, "of_sha256",
                                        file->sha256 ? file->sha256 : "", "sealed_to", pk_hex,
                                        "encryption",
                                        "libsodium crypto_box_seal (X25519, XSalsa20-Poly1305)"));
    }
    return VG_OK;
}

static json_t *manifest_of(const vg_routing *r, const vg_route_delivery *d,
                           const vg_referral_contact *c, const facts *f, int64_t now)
{
    const vg_item *it = &f->item;
    json_t *files = json_array();
    for (size_t i = 0; i < f->file_count; i++) {
        const vg_item_file *x = &f->files[i];
        json_array_append_new(
            files, json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:b, s:o}", "filename",
                             str(x->filename), "size", (json_int_t)x->size, "md5", str(x->md5),
                             "sha1", str(x->sha1), "sha256", str(x->sha256), "pdq", str(x->pdq),
                             "match",
                             x->known == VG_FILE_KNOWN     ? "known"
                             : x->known == VG_FILE_CLAIMED ? "claimed by the sender"
                                                           : "none",
                             "bank", str(x->bank), "hashed_by_hotline", x->vault_id != NULL,
                             "evidence", json_null()));
    }
    json_t *route = json_null();
    for (size_t i = 0; i < f->route_count; i++)
        if (f->routes[i].id == d->route_id) {
            const vg_url_route_row *x = &f->routes[i];
            json_t *hosting = json_loads(x->hosting, 0, NULL);
            json_decref(route);
            route = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "actions", x->actions,
                              "reasons", x->reasons, "country", x->country, "state", x->state,
                              "approved_by", x->decided_by, "approved_at",
                              (json_int_t)x->decided_at, "hosting",
                              hosting ? hosting : json_null());
        }
    json_t *m = json_object();
    json_object_set_new(m, "kind", json_string(d->kind));
    json_object_set_new(m, "made_at", json_integer(now));
    json_object_set_new(
        m, "from",
        json_pack("{s:s, s:s}", "hotline", r->hotline_name, "country", r->country));
    json_object_set_new(m, "to", json_pack("{s:s, s:o}", "name", c->name, "email", str(c->email)));
    json_object_set_new(
        m, "report",
        json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "receipt",
                  str(it->receipt_code), "received_at", (json_int_t)it->created_at, "source",
                  str(it->source), "category", str(it->category), "platform", str(it->platform),
                  "account", str(it->account), "occurred_at", str(it->occurred_at),
                  "description", str(it->description), "reporter_kind", str(it->reporter_kind),
                  "child_in_danger", it->danger != 0));
    json_object_set_new(
        m, "assessment",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "state", str(it->state), "legal",
                  str(it->legal), "severity", str(it->severity), "age", str(it->age), "first_by",
                  str(it->first_by), "second_by", str(it->second_by), "decided_by",
                  str(it->decided_by), "decided_at", (json_int_t)it->updated_at));
    json_object_set_new(m, "url", json_pack("{s:s, s:o}", "url", d->url, "route", route));
    json_object_set_new(m, "files", files);
    json_object_set_new(m, "audit", json_incref(f->audit));
    return m;
}

static vg_status keep(const char *dir, const char *name, const char *text, size_t len,
                      vg_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot be created: %s", dir, strerror(errno));
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot be written: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    int ok = done == len && fsync(fd) == 0;
    close(fd);
    return ok ? VG_OK : vg_error_set(err, VG_ERR_IO, "%s: cannot be written", path);
}

vg_status vg_hotline_referral_make(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                   char **package, size_t *len, char reference[128],
                                   vg_error *err)
{
    *package = NULL;
    *len = 0;
    reference[0] = 0;
    const vg_routing *r = h->routing;
    if (!r)
        return vg_error_set(err, VG_ERR_INVALID, "routing is not configured");
    int police = !strcmp(d->kind, VG_DELIVERY_POLICE);
    const vg_referral_contact *c = police ? &r->police : &r->child_protection;
    facts f = {.report_id = d->report_id, .url = d->url, .audit = json_array()};
    vg_status st = f.audit ? vg_store_read(h->store, facts_tx, &f, err)
                           : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK && !f.found)
        st = vg_error_set(err, VG_ERR_INVALID, "report %" PRId64 " is gone", d->report_id);
    json_t *m = st == VG_OK ? manifest_of(r, d, c, &f, now) : NULL;
    json_t *evidence = json_array();
    sealed_set sealed = {0};
    if (st == VG_OK && (!m || !evidence))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK && police && c->has_key)
        st = seal_files(h, c, &f, json_object_get(m, "files"), evidence, &sealed, err);
    char *manifest = NULL;
    if (st == VG_OK) {
        json_object_set_new(m, "evidence", json_incref(evidence));
        json_object_set_new(
            m, "evidence_note",
            json_string(police && c->has_key
                            ? "Evidence files are sealed to the receiving unit's public key."
                        : police ? "No evidence files: no public key is configured for this "
                                   "unit (routing.police.public_key); ask the hotline."
                                 : "No evidence files: child protection receives the facts "
                                   "only."));
        if (!(manifest = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (st == VG_OK)
        st = vg_referral_pack(manifest, sealed.blobs, sealed.count, r->sign_secret, package, len,
                              err);
    if (st == VG_OK) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, (const unsigned char *)*package, *len);
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        snprintf(reference, 128, "referral-%" PRId64 "-%" PRId64 "-%.16s", d->report_id, d->id,
                 hex);
        st = keep(r->referral_dir, reference, *package, *len, err);
    }
    if (st != VG_OK) {
        free(*package);
        *package = NULL;
        *len = 0;
    }
    free(manifest);
    sealed_free(&sealed);
    json_decref(evidence);
    json_decref(m);
    facts_clear(&f);
    return st;
}

/* ---- by e-mail ------------------------------------------------------------ */

/* Append text to the growing message; 0 when out of memory. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

static int put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *grown = realloc(t->data, cap);
        if (!grown)
            return 0;
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
    return 1;
}

static int putf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(text *t, const char *fmt, ...)
{
    char line[1600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return n >= 0 && put(t, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The package in base64, in lines of 76 characters (RFC 2045). */
static int put_base64(text *t, const char *data, size_t len)
{
    size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64_len);
    if (!b64)
        return 0;
    sodium_bin2base64(b64, b64_len, (const unsigned char *)data, len,
                      sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(b64);
    int ok = 1;
    for (size_t at = 0; ok && at < n; at += 76)
        ok = put(t, b64 + at, n - at < 76 ? n - at : 76) && put(t, "\r\n", 2);
    free(b64);
    return ok;
}

/* The words of a referral e-mail in English, the reference; the
 * catalogues (the referral.* keys) hold the translations the server hands
 * over through h->words. No URL, nor anything of what was seen, is ever
 * in them: that is in the signed package. */
static const struct {
    const char *key, *text;
} english[] = {
    {"referral.subject", "Referral {reference} ({recipient})"},
    {"referral.police", "police"},
    {"referral.child_protection", "child protection"},
    {"referral.body",
     "{hotline} ({country}) refers a report to {name}.\n\n"
     "Referral: {reference}\nMade: {made}\n{package}\n\n"
     "The package is one JSON document (format {format}) whose manifest is signed with this "
     "hotline's Ed25519 key:\n{key}\n"
     "Check it with: vigie referral verify --key {key} {reference}.json\n\n"
     "{evidence}\n"
     "This message names no URL and says nothing of what was seen: that is in the signed "
     "package.\n"},
    {"referral.package.attached", "Package: {reference}.json, attached ({bytes} bytes, SHA-256 "
                                  "{sha256})"},
    {"referral.package.kept",
     "Package: {reference}.json ({bytes} bytes, SHA-256 {sha256}), not attached: it is over the "
     "{max} bytes this hotline sends by e-mail. The hotline keeps it and hands it over by other "
     "means: ask for it by its name."},
    {"referral.evidence.sealed",
     "Evidence files in it are sealed to your unit's public key (libsodium sealed boxes): no "
     "material is in clear, in the package or here."},
    {"referral.evidence.none",
     "It holds no evidence files: the facts and the files' digests only."},
};

/* key's text in lang: the catalogue's, else English. */
static const char *word(const vg_hotline *h, const char *lang, const char *key)
{
    if (h->words) {
        const char *t = h->words(h->words_ctx, lang, key);
        if (t && strcmp(t, key))
            return t;
    }
    /* lengths first: with -O3, gcc's -Wstring-compare takes the strcmp of
     * an inlined constant key with a shorter entry for a mistake, which
     * -Werror makes a failed Release build */
    size_t n = strlen(key);
    for (size_t i = 0; i < sizeof english / sizeof english[0]; i++)
        if (strlen(english[i].key) == n && !memcmp(english[i].key, key, n))
            return english[i].text;
    return key;
}

static char *referral_message(const vg_hotline *h, const vg_referral_contact *c,
                              const vg_route_delivery *d, int64_t now, const char *package,
                              size_t len, const char *reference, int attach)
{
    const vg_routing *r = h->routing;
    const char *from = h->alerting->mail_from;
    const char *lang = c->language[0] ? c->language : "en";
    int police = c == &r->police;
    char date[VG_MAIL_DATE_MAX], made[64], key[65], digest_hex[65], bytes[24], max[24];
    vg_mail_date(now, date);
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(made, sizeof made, "%Y-%m-%d %H:%M:%S UTC", &tm);
    sodium_bin2hex(key, sizeof key, r->sign_public, sizeof r->sign_public);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)package, len);
    sodium_bin2hex(digest_hex, sizeof digest_hex, digest, sizeof digest);
    snprintf(bytes, sizeof bytes, "%zu", len);
    snprintf(max, sizeof max, "%" PRId64, r->email_max_bytes);
    const char *domain = strchr(from, '@');
    /* The reference is [a-z0-9-]: a boundary no base64 line nor the
     * body's text can hold. */
    char boundary[160];
    snprintf(boundary, sizeof boundary, "=_vigie_%s", reference);
    vg_mail_fill fills[] = {
        {"reference", reference},
        {"recipient", word(h, lang, police ? "referral.police" : "referral.child_protection")},
        {"hotline", r->hotline_name},
        {"country", r->country},
        {"name", c->name},
        {"made", made},
        {"bytes", bytes},
        {"sha256", digest_hex},
        {"max", max},
        {"format", VG_REFERRAL_FORMAT},
        {"key", key},
        {"package", ""},
        {"evidence", word(h, lang, police && c->has_key ? "referral.evidence.sealed"
                                                        : "referral.evidence.none")},
    };
    size_t nf = sizeof fills / sizeof fills[0];
    /* the package's line first: the body names it */
    char *line = vg_mail_fill_template(word(h, lang, attach ? "referral.package.attached"
                                                           : "referral.package.kept"),
                                       fills, nf, 1);
    fills[nf - 2].value = line ? line : "";
    char *subject = vg_mail_fill_template(word(h, lang, "referral.subject"), fills, nf, 0);
    char *subject_header = subject ? vg_mail_header_text(subject, strlen("Subject: ")) : NULL;
    char *sender = vg_mail_mailbox(r->hotline_name, from);
    char *body = vg_mail_fill_template(word(h, lang, "referral.body"), fills, nf, 1);
    text m = {0};
    int ok = line && subject_header && sender && body &&
             put(&m, "From: ", 6) && put(&m, sender, strlen(sender)) &&
             putf(&m, "\r\nTo: <%s>\r\nSubject: ", c->email) &&
             put(&m, subject_header, strlen(subject_header)) &&
             putf(&m,
                  "\r\nDate: %s\r\n"
                  "Message-ID: <vigie-referral-%" PRId64 "@%s>\r\n"
                  "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
                  "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n",
                  date, d->id, domain ? domain + 1 : "vigie", boundary, boundary) &&
             put(&m, body, strlen(body));
    free(line);
    free(subject);
    free(subject_header);
    free(sender);
    free(body);
    if (attach)
        ok = ok &&
             putf(&m,
                  "\r\n--%s\r\nContent-Type: application/json; name=\"%s.json\"\r\n"
                  "Content-Disposition: attachment; filename=\"%s.json\"\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n",
                  boundary, reference, reference) &&
             put_base64(&m, package, len);
    ok = ok && putf(&m, "\r\n--%s--\r\n", boundary);
    if (!ok) {
        free(m.data);
        return NULL;
    }
    return m.data;
}

vg_status vg_hotline_referral_mail(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                   const char *package, size_t len, const char *reference,
                                   char how[200], vg_error *err)
{
    how[0] = 0;
    const vg_routing *r = h->routing;
    if (!r)
        return vg_error_set(err, VG_ERR_INVALID, "routing is not configured");
    int police = !strcmp(d->kind, VG_DELIVERY_POLICE);
    const vg_referral_contact *c = police ? &r->police : &r->child_protection;
    if (!c->email)
        return vg_error_set(err, VG_ERR_INVALID, "routing.%s.email is not configured",
                            police ? "police" : "child_protection");
    const vg_alerting *a = h->alerting;
    if (!a || !a->mail_server || !a->mail_from)
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing.%s.email needs a mail server: set alerts.email.server "
                            "and alerts.email.from",
                            police ? "police" : "child_protection");
    int attach = (int64_t)len <= r->email_max_bytes;
    char *message = referral_message(h, c, d, now, package, len, reference, attach);
    if (!message)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    const char *rcpt[] = {c->email};
    vg_outbound_mail m = {.server = a->mail_server,
                          .username = a->mail_username,
                          .password = a->mail_password,
                          .from = a->mail_from,
                          .to = rcpt,
                          .to_count = 1,
                          .message = message};
    vg_status st = vg_outbound_send_mail(&a->outbound, &m, err);
    free(message);
    if (st == VG_OK)
        snprintf(how, 200, "by e-mail to %.120s%s", c->email,
                 attach ? "" : " (too large to attach: kept here)");
    return st;
}

vg_status vg_hotline_referral_key(vg_hotline *h, char out[65], vg_error *err)
{
    if (!h->routing)
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing is not configured (routing.country): no signing key");
    sodium_bin2hex(out, 65, h->routing->sign_public, sizeof h->routing->sign_public);
    return VG_OK;
}
