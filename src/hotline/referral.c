/*
 * src/hotline/referral.c - referral packages (referral.h).
 */
#include "hotline/referral.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/routes.h"
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

vg_status vg_hotline_referral_key(vg_hotline *h, char out[65], vg_error *err)
{
    if (!h->routing)
        return vg_error_set(err, VG_ERR_INVALID,
                            "routing is not configured (routing.country): no signing key");
    sodium_bin2hex(out, 65, h->routing->sign_public, sizeof h->routing->sign_public);
    return VG_OK;
}
