/*
 * src/hotline/notices.c - notice and takedown, and stay-down (notices.h).
 */
#include "hotline/notices.h"
#include "hotline/blocklist.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/alerting.h"
#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/routes.h"
#include "util/mailtext.h"
#include "util/secure.h"
#include "vigie/fetch.h"
#include "vigie/outbound.h"
#include "vigie/pdq.h"

struct vg_noticing {
    vg_notice_policy policy;
    char *from, *hotline_name, *reference_prefix, *legal_basis, *public_url, *escalate_to;
    char *proxy, *user_agent;
    vg_fetch_options fetch;
};

/* ---- configuration ------------------------------------------------------ */

static vg_status copy_setting(vg_config *cfg, const char *key, const char *fallback, char **out,
                              vg_error *err)
{
    const char *v = vg_config_get(cfg, key, fallback);
    *out = v ? strdup(v) : NULL;
    if (v && !*out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return VG_OK;
}

vg_status vg_hotline_notices_open(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    int enabled = 0;
    vg_status st = vg_config_bool(cfg, "notices.enabled", 0, &enabled, err);
    if (st != VG_OK || !enabled)
        return st;
    if (!h->alerting || !h->alerting->mail_server)
        return vg_error_set(err, VG_ERR_INVALID,
                            "notices.enabled needs a mail server: set alerts.email.server, "
                            ".from and .to (notices go out through it)");
    vg_noticing *n = calloc(1, sizeof *n);
    if (!n)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    h->noticing = n;
    vg_notice_policy_default(&n->policy);
    int64_t renotice, check, escalate, staydown_hours, staydown_days, max_bytes, timeout,
        redirects;
    int allow_private = 0;
    if ((st = vg_config_int(cfg, "notices.renotice_hours", 24, 1, 24 * 30, &renotice, err)) ||
        (st = vg_config_int(cfg, "notices.check_minutes", 60, 1, 24 * 60, &check, err)) ||
        (st = vg_config_int(cfg, "notices.escalate_after", 3, 1, 100, &escalate, err)) ||
        (st = vg_config_int(cfg, "notices.staydown_hours", 24, 1, 24 * 30, &staydown_hours,
                            err)) ||
        (st = vg_config_int(cfg, "notices.staydown_days", 90, 1, 3650, &staydown_days, err)) ||
        (st = vg_config_int(cfg, "fetch.max_bytes", 64 << 20, 1024, 1ll << 32, &max_bytes,
                            err)) ||
        (st = vg_config_int(cfg, "fetch.timeout_seconds", 60, 1, 600, &timeout, err)) ||
        (st = vg_config_int(cfg, "fetch.max_redirects", 5, 0, 10, &redirects, err)) ||
        (st = vg_config_bool(cfg, "fetch.allow_private", 0, &allow_private, err)) ||
        (st = copy_setting(cfg, "notices.email.from", h->alerting->mail_from, &n->from, err)) ||
        (st = copy_setting(cfg, "notices.hotline_name", "vigie", &n->hotline_name, err)) ||
        (st = copy_setting(cfg, "notices.reference_prefix", "VG", &n->reference_prefix, err)) ||
        (st = copy_setting(cfg, "notices.legal_basis", "", &n->legal_basis, err)) ||
        (st = copy_setting(cfg, "notices.public_url", "", &n->public_url, err)) ||
        (st = copy_setting(cfg, "notices.escalate_to", "", &n->escalate_to, err)) ||
        (st = copy_setting(cfg, "fetch.proxy", "", &n->proxy, err)) ||
        (st = copy_setting(cfg, "fetch.user_agent", "vigie (notice and takedown)",
                           &n->user_agent, err))) {
        vg_hotline_notices_free(h);
        return st;
    }
    size_t plen = strlen(n->public_url);
    while (plen && n->public_url[plen - 1] == '/')
        n->public_url[--plen] = 0;
    n->policy.renotice_seconds = renotice * 3600;
    n->policy.check_seconds = check * 60;
    n->policy.escalate_after = (int)escalate;
    n->policy.staydown_check_seconds = staydown_hours * 3600;
    n->policy.staydown_seconds = staydown_days * 86400;
    n->fetch = (vg_fetch_options){.max_bytes = (uint64_t)max_bytes,
                                  .timeout_seconds = (unsigned)timeout,
                                  .allow_plain_http = allow_private,
                                  .allow_private_addresses = allow_private,
                                  .max_redirects = (unsigned)redirects,
                                  .content_types = "",
                                  .proxy = *n->proxy ? n->proxy : NULL,
                                  .user_agent = n->user_agent,
                                  .stall_seconds = 20};
    return VG_OK;
}

void vg_hotline_notices_free(vg_hotline *h)
{
    vg_noticing *n = h->noticing;
    if (!n)
        return;
    free(n->from);
    free(n->hotline_name);
    free(n->reference_prefix);
    free(n->legal_basis);
    free(n->public_url);
    free(n->escalate_to);
    free(n->proxy);
    free(n->user_agent);
    free(n);
    h->noticing = NULL;
}

/* ---- small helpers ------------------------------------------------------ */

static void audit_target(int64_t report_id, char out[32])
{
    snprintf(out, 32, "report:%" PRId64, report_id);
}

static vg_status audit(vg_tx *tx, int64_t now, const char *actor, const char *action,
                       const vg_notice_row *n, const char *extra, vg_error *err)
{
    char target[32], detail[900];
    audit_target(n->report_id, target);
    json_t *d = json_pack("{s:I, s:s, s:s}", "notice", (json_int_t)n->id, "url",
                          n->url ? n->url : "", "state", n->state ? n->state : "");
    if (d && extra)
        json_object_set_new(d, "note", json_string(extra));
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    snprintf(detail, sizeof detail, "%s", text);
    free(text);
    vg_audit_note note = {actor, action, target, detail};
    return vg_tx_audit_append(tx, now, &note, NULL, err);
}

vg_status vg_hotline_notice_action_tx(const vg_hotline *h, vg_tx *tx, const vg_notice_row *n,
                                      const char *type, int64_t at, vg_error *err)
{
    /* One row per removal and per reappearance: the n-th reappearance and
     * the removal after it carry n. */
    char reference[48] = "";
    if (n->reappeared_count > 0 && strcmp(type, VG_DONE_NOTICE_SENT))
        snprintf(reference, sizeof reference, "reappearance %d", n->reappeared_count);
    int sent = !strcmp(type, VG_DONE_NOTICE_SENT);
    vg_route_action act = {.report_id = n->report_id,
                           .type = (char *)type,
                           .at = at,
                           .to = sent && n->contact ? n->contact : "",
                           .reference = reference,
                           .url = n->url ? n->url : "",
                           .by = ""};
    int inserted = 0;
    vg_status st = vg_tx_action_add(tx, &act, &inserted, err);
    if (st == VG_OK && inserted)
        st = vg_routing_callback_tx(tx, h->routing, n->report_id, at, err);
    return st;
}

/* The /notice/{token} token of a notice: derived from the server's secret,
 * so it is never stored; the store keeps its SHA-256 to find the notice. */
static void notice_token(const vg_hotline *h, int64_t report_id, const char *url, char out[65])
{
    char msg[2200];
    int len = snprintf(msg, sizeof msg, "notice:%" PRId64 ":%s", report_id, url);
    vg_hmac_sha256_hex(h->name_key, sizeof h->name_key, msg,
                       len < 0 ? 0 : (size_t)len >= sizeof msg ? sizeof msg - 1 : (size_t)len,
                       out);
}

static int64_t pdq_threshold(const vg_hotline *h)
{
    return h->pdq_threshold > 0 ? h->pdq_threshold : 31;
}

/* ---- new notices -------------------------------------------------------- */

/* What a new notice takes from its route's lookup: the host's abuse
 * e-mail, language and name, and the AS and country of the address whose
 * contact is notified (the first address when none has one). */
typedef struct host_facts {
    char contact[256], lang[16], provider[128], as_name[128], country[3];
    int64_t asn;
} host_facts;

static void address_facts(json_t *a, host_facts *f)
{
    json_int_t asn = json_integer_value(json_object_get(a, "asn"));
    f->asn = asn > 0 ? (int64_t)asn : 0;
    const char *name = json_string_value(json_object_get(a, "as_name"));
    snprintf(f->as_name, sizeof f->as_name, "%s", name ? name : "");
    const char *country = json_string_value(json_object_get(a, "country"));
    snprintf(f->country, sizeof f->country, "%s", country && strlen(country) == 2 ? country : "");
}

static void host_of(const char *hosting, host_facts *f)
{
    memset(f, 0, sizeof *f);
    json_t *o = json_loads(hosting ? hosting : "", 0, NULL);
    json_t *list = json_object_get(o, "addresses");
    size_t i;
    json_t *a;
    address_facts(json_array_get(list, 0), f);
    json_array_foreach(list, i, a)
    {
        const char *c = json_string_value(json_object_get(a, "abuse_contact"));
        if (!c || !strchr(c, '@') || strstr(c, "://") || strpbrk(c, " <>\r\n,"))
            continue;
        snprintf(f->contact, sizeof f->contact, "%s", c);
        const char *l = json_string_value(json_object_get(a, "language"));
        snprintf(f->lang, sizeof f->lang, "%s", l ? l : "");
        address_facts(a, f);
        snprintf(f->provider, sizeof f->provider, "%s", f->as_name);
        break;
    }
    json_decref(o);
}

typedef struct create_args {
    vg_hotline *h;
    int64_t now;
    size_t created;
} create_args;

static vg_status create_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    create_args *a = ctx;
    a->created = 0;
    vg_notice_todo *todo = NULL;
    size_t count = 0;
    vg_status st = vg_tx_notice_todo(tx, VG_ACTION_NOTICE_HOST, 100, &todo, &count, err);
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        char token[65], token_hash[65];
        host_facts host;
        host_of(todo[i].hosting, &host);
        notice_token(a->h, todo[i].report_id, todo[i].url, token);
        vg_sha256_hex(token, 64, token_hash);
        vg_notice_row n = {.report_id = todo[i].report_id,
                           .case_id = todo[i].case_id,
                           .url = todo[i].url,
                           .state = host.contact[0] ? VG_NOTICE_PENDING : VG_NOTICE_NO_CONTACT,
                           .contact = host.contact,
                           .language = host.lang,
                           .provider = host.provider,
                           .token_hash = token_hash,
                           .created_at = a->now,
                           .next_check_at = host.contact[0] ? a->now : 0,
                           .asn = host.asn,
                           .as_name = host.as_name,
                           .host_country = host.country};
        st = vg_tx_notice_put(tx, &n, &n.id, err);
        if (st == VG_OK)
            st = audit(tx, a->now, "notices", "notice.create", &n, NULL, err);
        a->created++;
    }
    vg_notice_todos_free(todo, count);
    return st;
}

/* ---- a check ------------------------------------------------------------- */

typedef struct vault_sink {
    vg_vault_writer *w;
} vault_sink;

static vg_status into_vault(void *ctx, const uint8_t *data, size_t len, vg_error *err)
{
    vault_sink *v = ctx;
    return vg_vault_write(v->w, data, len, err);
}

typedef struct check {
    vg_fetch_record record;
    vg_error fetch_err;
    vg_vault_item item;
    int kept;          /* item is in the vault */
    int matches;       /* same SHA-256, or PDQ within the threshold; -1: nothing to compare */
    int distance;      /* PDQ distance to the nearest file, -1 when none compared */
    vg_notice_seen seen;
} check;

/* The case's files whose bytes vigie hashed: what "the material" is. */
typedef struct files_args {
    int64_t case_id;
    vg_item_file *files;
    size_t count;
} files_args;

static vg_status files_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    files_args *a = ctx;
    return vg_tx_files(tx, 0, a->case_id, &a->files, &a->count, err);
}

static void sha_hex(const vg_vault_item *item, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[item->hash.digests.sha256[i] >> 4];
        out[2 * i + 1] = digits[item->hash.digests.sha256[i] & 15];
    }
    out[64] = 0;
}

static void compare(const vg_hotline *h, const vg_item_file *files, size_t count, check *c)
{
    c->distance = -1;
    c->matches = -1;
    char sha[65];
    sha_hex(&c->item, sha);
    int compared = 0;
    for (size_t i = 0; i < count; i++) {
        if (!files[i].vault_id) /* given by digest only: a claim, never proof */
            continue;
        compared = 1;
        if (files[i].sha256 && !strcmp(files[i].sha256, sha)) {
            c->matches = 1;
            c->distance = 0;
            return;
        }
        vg_pdq_hash known;
        if (c->item.hash.has_pdq && files[i].pdq && vg_pdq_from_hex(files[i].pdq, &known) == VG_OK) {
            int d = vg_pdq_distance(&c->item.hash.pdq.hashes[0], &known);
            if (c->distance < 0 || d < c->distance)
                c->distance = d;
        }
    }
    if (compared)
        c->matches = c->distance >= 0 && c->distance <= pdq_threshold(h);
}

static void fetch_into_vault(vg_hotline *h, const char *url, check *c)
{
    vg_error_clear(&c->fetch_err);
    vault_sink v = {NULL};
    vg_status st = vg_vault_writer_new(h->vault, &v.w, &c->fetch_err);
    if (st == VG_OK)
        st = vg_fetch_stream(url, &h->noticing->fetch, into_vault, &v, &c->record,
                             &c->fetch_err);
    else
        memset(&c->record, 0, sizeof c->record);
    if (st == VG_OK) {
        st = vg_vault_commit(v.w, &c->item, &c->fetch_err);
        c->kept = st == VG_OK;
    }
    vg_vault_writer_free(v.w); /* an uncommitted file leaves nothing behind */
}

/* The check as kept in the history: the custody record, what the vault
 * holds, and what the comparison found. */
static char *check_detail(const check *c)
{
    char *record = vg_fetch_record_json(&c->record);
    json_t *r = record ? json_loads(record, 0, NULL) : NULL;
    free(record);
    json_t *o = json_object();
    json_object_set_new(o, "record", r ? r : json_null());
    if (c->fetch_err.message[0])
        json_object_set_new(o, "error", json_string(c->fetch_err.message));
    if (c->kept) {
        char sha[65], pdq[VG_PDQ_HEX_CHARS + 1] = "";
        sha_hex(&c->item, sha);
        if (c->item.hash.has_pdq)
            vg_pdq_to_hex(&c->item.hash.pdq.hashes[0], pdq);
        json_object_set_new(o, "vault_id", json_string(c->item.id));
        json_object_set_new(o, "sha256", json_string(sha));
        json_object_set_new(o, "pdq", json_string(pdq));
    }
    json_object_set_new(o, "matches", c->matches < 0 ? json_null() : json_boolean(c->matches));
    json_object_set_new(o, "distance", json_integer(c->distance));
    static const char *const seen[] = {"nothing", "material", "gone"};
    json_object_set_new(o, "seen", json_string(seen[c->seen]));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* ---- messages ------------------------------------------------------------ */

/* English, the reference; the catalogues (i18n, the notice.* keys) hold the
 * translations the server hands over through h->words. */
static const struct {
    const char *key, *text;
} english[] = {
    {"notice.subject", "[{hotline}] Notice of child sexual abuse material (CSAM) - {reference}"},
    {"notice.subject.repeat",
     "[{hotline}] Reminder {count}: child sexual abuse material (CSAM) still online - {reference}"},
    {"notice.body",
     "Hello,\n\n{hotline}, a hotline for reporting child sexual abuse material, notifies you "
     "that the following address, hosted on your network, serves {legal}:\n\n  {url}\n\n"
     "{hotline} fetched it itself and identified the material. Legal basis: {basis}\n\n"
     "Please remove it without delay and keep what the law requires you to keep for the "
     "police. The material itself is not attached to this notice, and never will be.\n\n"
     "Our reference: {reference}\n"
     "Please acknowledge, and tell us when it is removed: {link}\n\n"
     "We check the address again until it is gone, and send this notice again every "
     "{hours} hours until then.\n\n{hotline}\n"},
    {"notice.legal",
     "child sexual abuse material (CSAM) as defined by Directive 2011/93/EU and the law of "
     "the hosting country"},
};

static const char *word(const vg_hotline *h, const char *lang, const char *key)
{
    if (h->words) {
        const char *t = h->words(h->words_ctx, lang && *lang ? lang : "en", key);
        if (t && strcmp(t, key))
            return t;
    }
    for (size_t i = 0; i < sizeof english / sizeof english[0]; i++)
        if (!strcmp(english[i].key, key))
            return english[i].text;
    return key;
}

static char *mail_text(const vg_noticing *n, const char *to, const char *subject,
                       const char *body, int64_t now, int64_t id, const char *kind)
{
    char date[VG_MAIL_DATE_MAX];
    vg_mail_date(now, date);
    char *subj = vg_mail_header_text(subject, strlen("Subject: "));
    char *from = vg_mail_mailbox(n->hotline_name, n->from);
    char *body_crlf = vg_mail_crlf(body);
    const char *domain = strchr(n->from, '@');
    char *m = NULL;
    if (subj && from && body_crlf) {
        size_t cap = strlen(body_crlf) + strlen(subj) + strlen(to) + strlen(from) +
                     strlen(n->from) + 400;
        m = malloc(cap);
        if (m)
            snprintf(m, cap,
                     "From: %s\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
                     "Message-ID: <vigie-%s-%" PRId64 ".%" PRId64 "@%s>\r\n"
                     "Auto-Submitted: auto-generated\r\n"
                     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
                     from, to, subj, date, kind, id, now, domain ? domain + 1 : "vigie",
                     body_crlf);
    }
    free(subj);
    free(from);
    free(body_crlf);
    return m;
}

static vg_status send_mail(const vg_hotline *h, const char *to, const char *message,
                           vg_error *err)
{
    const vg_alerting *a = h->alerting;
    const char *rcpt[] = {to};
    vg_outbound_mail m = {.server = a->mail_server,
                          .username = a->mail_username,
                          .password = a->mail_password,
                          .from = h->noticing->from,
                          .to = rcpt,
                          .to_count = 1,
                          .message = message};
    return vg_outbound_send_mail(&a->outbound, &m, err);
}

/* The notice to the host: first or repeat (count > 1). */
static char *notice_message(const vg_hotline *h, const vg_notice_row *row, int count,
                            int64_t now, char **subject_out)
{
    const vg_noticing *n = h->noticing;
    char reference[64], counted[16], hours[24], token[65], link[600];
    snprintf(reference, sizeof reference, "%s-%" PRId64, n->reference_prefix, row->report_id);
    snprintf(counted, sizeof counted, "%d", count);
    snprintf(hours, sizeof hours, "%" PRId64, n->policy.renotice_seconds / 3600);
    notice_token(h, row->report_id, row->url, token);
    if (*n->public_url)
        snprintf(link, sizeof link, "%s/notice/%s", n->public_url, token);
    else
        snprintf(link, sizeof link, "%s", "(reply to this message)");
    const char *lang = row->language;
    vg_mail_fill fills[] = {{"hotline", n->hotline_name},
                    {"reference", reference},
                    {"url", row->url},
                    {"legal", word(h, lang, "notice.legal")},
                    {"basis", *n->legal_basis ? n->legal_basis : "-"},
                    {"link", link},
                    {"count", counted},
                    {"hours", hours}};
    size_t nf = sizeof fills / sizeof fills[0];
    char *subject = vg_mail_fill_template(
        word(h, lang, count > 1 ? "notice.subject.repeat" : "notice.subject"), fills, nf, 0);
    char *body = vg_mail_fill_template(word(h, lang, "notice.body"), fills, nf, 0);
    char *m = subject && body ? mail_text(n, row->contact, subject, body, now, row->id, "notice")
                              : NULL;
    free(body);
    *subject_out = subject;
    return m;
}

/* Staff and escalation messages are the hotline's own: English. */
static char *staff_message(const vg_hotline *h, const char *to, const vg_notice_row *row,
                           const char *kind, const char *what, int64_t now, char **subject_out)
{
    const vg_noticing *n = h->noticing;
    char subject[600], body[3000];
    snprintf(subject, sizeof subject, "[%s] %s - %s-%" PRId64, n->hotline_name, what,
             n->reference_prefix, row->report_id);
    snprintf(body, sizeof body,
             "%s\n\nURL: %s\nHost: %s (%s)\nReference: %s-%" PRId64 "\n"
             "Notices sent: %d, first on %" PRId64 "\n%s\n\n"
             "The material is not attached. The console has the notice's history.\n",
             what, row->url, row->provider && *row->provider ? row->provider : "?",
             row->contact, n->reference_prefix, row->report_id, row->sent_count,
             row->first_sent_at, *n->legal_basis ? n->legal_basis : "");
    *subject_out = strdup(subject);
    return mail_text(n, to, subject, body, now, row->id, kind);
}

typedef struct sent_message {
    const char *kind; /* notice, escalation, staff */
    char *to, *subject;
    int delivered;
    char error[300];
} sent_message;

static void try_send(const vg_hotline *h, const char *to, char *message, char *subject,
                     const char *kind, sent_message *out)
{
    out->kind = kind;
    out->to = strdup(to);
    out->subject = subject;
    vg_error e;
    vg_error_clear(&e);
    if (!message)
        out->delivered = vg_error_set(&e, VG_ERR_NOMEM, "out of memory") == VG_OK;
    else
        out->delivered = send_mail(h, to, message, &e) == VG_OK;
    if (!out->delivered)
        snprintf(out->error, sizeof out->error, "%.280s", e.message);
    free(message);
}

static char *message_detail(const sent_message *m)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "kind", m->kind, "to", m->to ? m->to : "",
                          "subject", m->subject ? m->subject : "", "delivered", m->delivered);
    if (o && !m->delivered)
        json_object_set_new(o, "error", json_string(m->error));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

/* ---- one notice's check, start to end ----------------------------------- */

typedef struct record_args {
    const vg_hotline *h;
    vg_notice_row *row;
    const char *from_state;
    int64_t now;
    char *fetch_detail;
    sent_message *messages;
    size_t message_count;
    const vg_notice_step *step;
    int sent; /* the host's server took a notice */
    /* the same material found at this URL while another notice's URL was
     * removed: that notice reappeared elsewhere */
    vg_notice_row *elsewhere;
    size_t elsewhere_count;
} record_args;

/* Write row back whole. The check took time on the network: what a
 * person or the host said meanwhile (console, /notice/{token}) is kept,
 * not overwritten. */
static vg_status put_keeping_said(vg_tx *tx, vg_notice_row *row, vg_error *err)
{
    vg_notice_filter f = {.id = row->id};
    vg_notice_row *fresh = NULL;
    size_t n = 0;
    vg_status st = vg_tx_notices(tx, &f, 1, &fresh, &n, err);
    if (st == VG_OK && n == 1) {
        row->confirmed |= fresh[0].confirmed;
        if (!row->acked_at)
            row->acked_at = fresh[0].acked_at;
        if (!row->host_removed_at)
            row->host_removed_at = fresh[0].host_removed_at;
    }
    vg_notice_rows_free(fresh, n);
    return st == VG_OK ? vg_tx_notice_put(tx, row, NULL, err) : st;
}

static vg_status record_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    record_args *a = ctx;
    vg_notice_row *row = a->row;
    vg_status st = put_keeping_said(tx, row, err);
    if (st == VG_OK)
        st = vg_tx_notice_event_add(tx, row->id, a->now, VG_NOTICE_EVENT_FETCH, a->fetch_detail,
                                    err);
    for (size_t i = 0; st == VG_OK && i < a->message_count; i++) {
        char *d = message_detail(&a->messages[i]);
        st = d ? vg_tx_notice_event_add(tx, row->id, a->now, VG_NOTICE_EVENT_MESSAGE, d, err)
               : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        free(d);
    }
    if (st == VG_OK && strcmp(a->from_state, row->state))
        st = audit(tx, a->now, "notices", a->step->reappeared ? "notice.reappeared"
                                          : a->step->removed  ? "notice.removed"
                                          : a->step->escalate ? "notice.escalated"
                                                              : "notice.state",
                   row, a->from_state, err);
    /* verified gone: what was blocked meanwhile leaves the blocking list */
    if (st == VG_OK && a->step->removed)
        st = vg_hotline_block_gone_tx(tx, row->report_id, row->url, "notices", a->now, err);
    if (st == VG_OK && a->step->reappeared)
        st = vg_tx_notice_event_add(tx, row->id, a->now, VG_NOTICE_EVENT_STAYDOWN,
                                    "{\"where\":\"same_url\"}", err);
    /* what the report's sender reads of it (/status, the API) */
    if (st == VG_OK && a->step->reappeared)
        st = vg_hotline_notice_action_tx(a->h, tx, row, VG_DONE_REAPPEARED, a->now, err);
    if (st == VG_OK && a->sent)
        st = vg_hotline_notice_action_tx(a->h, tx, row, VG_DONE_NOTICE_SENT, a->now, err);
    if (st == VG_OK && a->step->removed)
        st = vg_hotline_notice_action_tx(a->h, tx, row, VG_DONE_REMOVED, a->now, err);
    for (size_t i = 0; st == VG_OK && i < a->elsewhere_count; i++) {
        vg_notice_row *o = &a->elsewhere[i];
        json_t *d = json_pack("{s:s, s:s, s:I}", "where", "elsewhere", "url", row->url,
                              "notice", (json_int_t)row->id);
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        st = text ? vg_tx_notice_event_add(tx, o->id, a->now, VG_NOTICE_EVENT_STAYDOWN, text, err)
                  : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        free(text);
        if (st == VG_OK)
            st = put_keeping_said(tx, o, err);
        if (st == VG_OK)
            st = audit(tx, a->now, "notices", "notice.reappeared", o, row->url, err);
        if (st == VG_OK)
            st = vg_hotline_notice_action_tx(a->h, tx, o, VG_DONE_REAPPEARED, a->now, err);
    }
    return st;
}

typedef struct material_args {
    const char *sha256;
    vg_notice_row *rows;
    size_t count;
} material_args;

static vg_status material_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    material_args *a = ctx;
    vg_notice_filter f = {.state = VG_NOTICE_REMOVED, .material_sha256 = a->sha256};
    return vg_tx_notices(tx, &f, 100, &a->rows, &a->count, err);
}

static void replace(char **field, const char *value)
{
    char *copy = strdup(value ? value : "");
    if (copy) {
        free(*field);
        *field = copy;
    }
}

static vg_status check_one(vg_hotline *h, vg_notice_row *row, int64_t now, vg_notice_pass *pass,
                           vg_error *err)
{
    const vg_noticing *n = h->noticing;
    files_args fa = {.case_id = row->case_id};
    vg_status st = vg_store_read(h->store, files_tx, &fa, err);
    if (st != VG_OK)
        return st;
    check c;
    memset(&c, 0, sizeof c);
    fetch_into_vault(h, row->url, &c);
    c.distance = c.matches = -1;
    if (c.kept)
        compare(h, fa.files, fa.count, &c);
    vg_item_files_free(fa.files, fa.count);
    c.seen = vg_rule_notice_seen(c.record.status, c.kept, c.matches);
    char sha[65] = "", pdq[VG_PDQ_HEX_CHARS + 1] = "";
    if (c.kept) {
        sha_hex(&c.item, sha);
        if (c.item.hash.has_pdq)
            vg_pdq_to_hex(&c.item.hash.pdq.hashes[0], pdq);
        /* The same bytes kept once per notice: a re-check that saw what an
         * earlier one kept refers to it. */
        if (!strcmp(sha, row->material_sha256 ? row->material_sha256 : "") &&
            vg_vault_remove(h->vault, c.item.id, NULL) == VG_OK)
            snprintf(c.item.id, sizeof c.item.id, "%s", "(kept by an earlier check)");
    }
    char *detail = check_detail(&c);

    /* Removed material served here again is a reappearance of those
     * notices, wherever this URL is (stay-down). */
    material_args ma = {.sha256 = sha};
    if (c.kept && (st = vg_store_read(h->store, material_tx, &ma, err)) != VG_OK) {
        free(detail);
        vg_fetch_record_free(&c.record);
        return st;
    }

    vg_notice_facts facts = {.state = row->state,
                             .confirmed = row->confirmed,
                             .sent_count = row->sent_count,
                             .last_sent_at = row->last_sent_at,
                             .removed_at = row->removed_at,
                             .escalated = row->escalated_at > 0};
    vg_notice_step step;
    vg_rule_notice_step(&n->policy, &facts, c.seen, now, &step);
    char *from_state = strdup(row->state ? row->state : "");
    sent_message messages[3];
    size_t message_count = 0;
    memset(messages, 0, sizeof messages);
    int notice_failed = 0;
    if (step.send_notice) {
        char *subject = NULL;
        char *m = notice_message(h, row, row->sent_count + 1, now, &subject);
        try_send(h, row->contact, m, subject, "notice", &messages[message_count]);
        notice_failed = !messages[message_count++].delivered;
    }
    if (notice_failed) {
        /* Nothing advances on a notice the server did not take: tried
         * again soon, the check's record kept. */
        step.state = row->state;
        step.escalate = step.reappeared = 0;
        step.next_check_at = now + n->policy.retry_seconds;
        pass->failed++;
        if (!pass->first_failure[0])
            snprintf(pass->first_failure, sizeof pass->first_failure, "notice %" PRId64 ": %.200s",
                     row->id, messages[0].error);
    }
    if (step.send_notice && !notice_failed) {
        row->sent_count++;
        if (!row->first_sent_at)
            row->first_sent_at = now;
        row->last_sent_at = now;
        pass->sent++;
    }
    if (step.escalate) {
        row->escalated_at = now;
        pass->escalated++;
        if (*n->escalate_to) {
            char *subject = NULL;
            char *m = staff_message(h, n->escalate_to, row, "escalation",
                                    "Escalation: CSAM still online after repeated notices", now,
                                    &subject);
            try_send(h, n->escalate_to, m, subject, "escalation", &messages[message_count++]);
        }
    }
    if (step.removed) {
        row->removed_at = now;
        pass->removed++;
    }
    if (c.seen == VG_SEEN_GONE && !strcmp(step.state, VG_NOTICE_REMOVED))
        row->verified_at = now;
    if (step.reappeared) {
        row->reappeared_at = now;
        row->reappeared_count++;
        pass->reappeared++;
    }
    if (c.seen == VG_SEEN_MATERIAL && c.kept) {
        replace(&row->material_sha256, sha);
        replace(&row->material_pdq, pdq);
    }
    replace(&row->state, step.state);
    row->next_check_at = step.next_check_at;
    row->last_check_at = now;

    /* Other notices whose removed material is served here (the notice
     * itself is not "elsewhere"). */
    size_t elsewhere = 0;
    for (size_t i = 0; i < ma.count; i++) {
        if (ma.rows[i].id == row->id || vg_rule_notice_handed_over(ma.rows[i].state,
                                                                   ma.rows[i].removed_at,
                                                                   ma.rows[i].reappeared_at))
            continue;
        if (elsewhere != i) {
            vg_notice_row t = ma.rows[elsewhere];
            ma.rows[elsewhere] = ma.rows[i];
            ma.rows[i] = t;
        }
        vg_notice_row *o = &ma.rows[elsewhere++];
        replace(&o->state, VG_NOTICE_SENT);
        o->reappeared_at = now;
        o->reappeared_count++;
        o->next_check_at = now; /* checked at the next pass: its own URL too */
        o->last_sent_at = 0;    /* and noticed again */
        pass->reappeared++;
    }
    const vg_alerting *al = h->alerting;
    if ((step.reappeared || elsewhere) && al->mail_to && message_count < 3) {
        char *subject = NULL;
        char *m = staff_message(h, al->mail_to, row, "staydown",
                                "Stay-down: removed CSAM is online again", now, &subject);
        /* alerts.email.to may list several: the first is enough to wake
         * someone; the console shows the rest. */
        char first[256];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(al->mail_to, ", "), al->mail_to);
        try_send(h, first, m, subject, "staff", &messages[message_count++]);
    }

    record_args ra = {.h = h,
                      .row = row,
                      .from_state = from_state ? from_state : "",
                      .now = now,
                      .fetch_detail = detail,
                      .messages = messages,
                      .message_count = message_count,
                      .step = &step,
                      .sent = step.send_notice && !notice_failed,
                      .elsewhere = ma.rows,
                      .elsewhere_count = elsewhere};
    st = detail ? vg_store_write(h->store, record_tx, &ra, err)
                : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pass->checked++;
    for (size_t i = 0; i < message_count; i++) {
        free(messages[i].to);
        free(messages[i].subject);
    }
    free(from_state);
    free(detail);
    vg_notice_rows_free(ma.rows, ma.count);
    vg_fetch_record_free(&c.record);
    return st;
}

typedef struct due_args {
    int64_t now;
    size_t limit;
    vg_notice_row *rows;
    size_t count;
} due_args;

static vg_status due_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    due_args *a = ctx;
    vg_notice_filter f = {.due_at = a->now};
    return vg_tx_notices(tx, &f, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_notices_run(vg_hotline *h, int64_t now, size_t limit, vg_notice_pass *pass,
                                 vg_error *err)
{
    memset(pass, 0, sizeof *pass);
    if (!h->noticing)
        return VG_OK;
    if (!h->vault)
        return vg_error_set(err, VG_ERR_INVALID, "notices need the evidence vault");
    create_args ca = {.h = h, .now = now};
    vg_status st = vg_store_write(h->store, create_tx, &ca, err);
    if (st != VG_OK)
        return st;
    pass->created = ca.created;
    due_args da = {.now = now, .limit = limit};
    if ((st = vg_store_read(h->store, due_tx, &da, err)) != VG_OK)
        return st;
    for (size_t i = 0; i < da.count && st == VG_OK; i++)
        if (vg_notice_state_open(da.rows[i].state))
            st = check_one(h, &da.rows[i], now, pass, err);
    vg_notice_rows_free(da.rows, da.count);
    return st;
}

/* ---- the console and the host's page --------------------------------------- */

typedef struct list_args {
    const vg_notice_filter *filter;
    size_t limit;
    vg_notice_row **rows;
    size_t *count;
    int64_t id;
    vg_notice_event **events;
    size_t *event_count;
} list_args;

static vg_status list_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    vg_status st = vg_tx_notices(tx, a->filter, a->limit, a->rows, a->count, err);
    if (st == VG_OK && a->events && *a->count)
        st = vg_tx_notice_events(tx, a->id, a->events, a->event_count, err);
    return st;
}

vg_status vg_hotline_notices(vg_hotline *h, const vg_notice_filter *filter, size_t limit,
                             vg_notice_row **rows, size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    list_args a = {.filter = filter, .limit = limit, .rows = rows, .count = count};
    return vg_store_read(h->store, list_tx, &a, err);
}

vg_status vg_hotline_notice_history(vg_hotline *h, int64_t id, vg_notice_row *row, int *found,
                                    vg_notice_event **events, size_t *count, vg_error *err)
{
    memset(row, 0, sizeof *row);
    *found = 0;
    *events = NULL;
    *count = 0;
    vg_notice_filter f = {.id = id > 0 ? id : -1};
    if (id <= 0)
        return VG_OK;
    vg_notice_row *rows = NULL;
    size_t n = 0;
    list_args a = {.filter = &f, .limit = 1, .rows = &rows, .count = &n, .id = id,
                   .events = events, .event_count = count};
    vg_status st = vg_store_read(h->store, list_tx, &a, err);
    if (st == VG_OK && n == 1) {
        *row = rows[0];
        memset(&rows[0], 0, sizeof rows[0]);
        *found = 1;
    }
    vg_notice_rows_free(rows, n);
    return st;
}

typedef struct change_args {
    vg_notice_filter filter;
    const char *actor, *what;
    int64_t now;
    int found;
} change_args;

static vg_status change_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    change_args *a = ctx;
    vg_notice_row *rows = NULL;
    size_t n = 0;
    vg_status st = vg_tx_notices(tx, &a->filter, 1, &rows, &n, err);
    a->found = st == VG_OK && n == 1;
    if (!a->found) {
        vg_notice_rows_free(rows, n);
        return st;
    }
    vg_notice_row *r = &rows[0];
    const char *kind = VG_NOTICE_EVENT_HOST, *action = "notice.host";
    char detail[64];
    snprintf(detail, sizeof detail, "{\"said\":\"%s\"}", a->what);
    if (!strcmp(a->what, "confirm")) {
        r->confirmed = 1;
        if (!strcmp(r->state, VG_NOTICE_PENDING))
            r->next_check_at = a->now;
        kind = VG_NOTICE_EVENT_CONFIRM;
        action = "notice.confirm";
    } else if (!strcmp(a->what, "ack")) {
        if (!r->acked_at)
            r->acked_at = a->now;
    } else {
        if (!r->host_removed_at)
            r->host_removed_at = a->now;
        if (!r->acked_at)
            r->acked_at = a->now;
        /* checked at the next pass: removal is what vigie fetches */
        if (vg_notice_state_open(r->state))
            r->next_check_at = a->now;
    }
    st = vg_tx_notice_put(tx, r, NULL, err);
    if (st == VG_OK)
        st = vg_tx_notice_event_add(tx, r->id, a->now, kind, detail, err);
    if (st == VG_OK)
        st = audit(tx, a->now, a->actor, action, r, a->what, err);
    vg_notice_rows_free(rows, n);
    return st;
}

vg_status vg_hotline_notice_confirm(vg_hotline *h, int64_t id, const char *actor, int64_t now,
                                    vg_error *err)
{
    change_args a = {.filter = {.id = id > 0 ? id : -1}, .actor = actor, .what = "confirm",
                     .now = now};
    vg_status st = vg_store_write(h->store, change_tx, &a, err);
    if (st == VG_OK && !a.found)
        return vg_error_set(err, VG_ERR_INVALID, "no notice %" PRId64, id);
    return st;
}

static int token_hash_of(const char *token, char out[65])
{
    if (!token || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64)
        return 0;
    vg_sha256_hex(token, 64, out);
    return 1;
}

vg_status vg_hotline_notice_by_token(vg_hotline *h, const char *token, vg_notice_row *row,
                                     int *found, vg_error *err)
{
    memset(row, 0, sizeof *row);
    *found = 0;
    char hash[65];
    if (!token_hash_of(token, hash))
        return VG_OK;
    vg_notice_filter f = {.token_hash = hash};
    vg_notice_row *rows = NULL;
    size_t n = 0;
    vg_status st = vg_hotline_notices(h, &f, 1, &rows, &n, err);
    if (st == VG_OK && n == 1) {
        *row = rows[0];
        memset(&rows[0], 0, sizeof rows[0]);
        *found = 1;
    }
    vg_notice_rows_free(rows, n);
    return st;
}

vg_status vg_hotline_notice_host_says(vg_hotline *h, const char *token, const char *what,
                                      int64_t now, int *found, vg_error *err)
{
    *found = 0;
    char hash[65];
    if (!token_hash_of(token, hash))
        return VG_OK;
    if (strcmp(what, "ack") && strcmp(what, "removed"))
        return vg_error_set(err, VG_ERR_INVALID, "a host says 'ack' or 'removed'");
    change_args a = {.filter = {.token_hash = hash}, .actor = "host", .what = what, .now = now};
    vg_status st = vg_store_write(h->store, change_tx, &a, err);
    *found = a.found;
    return st;
}
