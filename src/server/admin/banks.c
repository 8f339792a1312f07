/*
 * src/server/admin/banks.c - /console/admin/banks: the index's banks (list,
 * import a bank file, add entries, remove an entry) and the organisation's
 * own bank (newest entries, search by SHA-256) (admin.h, hotline/banks.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/bank_admin.h"
#include "hotline/quarantine.h"
#include "hotline/vics_tables.h"
#include "hotline/syncing.h"
#include "server/admin/admin.h"

#define BANKS_SHOWN 200

/* The formats of `vigie bank import|export` (vigie/exchange.h). */
#define FORMAT_OPTIONS                                                                           \
    "<option value=\"vigie\" selected>vigie bank (CSV, or one hash a line)</option>"             \
    "<option value=\"te\">ThreatExchange (te)</option>"                                          \
    "<option value=\"vics\">Project VIC VICS 2.0 JSON (vics)</option>"                           \
    "<option value=\"ncmec\">NCMEC hash sharing v2 XML (ncmec)</option>"                          \
    "<option value=\"stopncii\">StopNCII FetchHashes JSON (stopncii)</option>"
#define CATEGORY_OPTIONS                                                                         \
    "<option value=\"none\" selected>none: keep the numbers</option>"                            \
    "<option value=\"us\">Project VIC US</option><option value=\"uk\">UK CAID</option>"
#define OWN_SHOWN 100

/* The VICS tables of the configuration (exchange.vics_categories.NAME),
 * after the built-in ones. */
static void own_tables(vg_page *p, vg_hotline *h)
{
    const char *names[VG_VICS_TABLES_MAX];
    size_t n = vg_hotline_vics_table_names(h, names, VG_VICS_TABLES_MAX);
    for (size_t i = 0; i < n; i++) {
        vg_page_put(p, "<option value=\"");
        vg_page_text(p, names[i]);
        vg_page_put(p, "\">");
        vg_page_text(p, names[i]);
        vg_page_put(p, " (this hotline's table)</option>");
    }
}

/* The sources that keep banks in step (sync.NAME.*): what each last did,
 * and why its last run failed, for an administrator to act on. */
static void synchronised(vg_page *p, vg_hotline *h)
{
    vg_sync_status *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_sync_statuses(h, &rows, &n, &err) != VG_OK) {
        vg_page_put(p, "<p class=\"problem\" role=\"alert\">The synchronised banks' state "
                       "cannot be read: ");
        vg_page_text(p, err.message);
        vg_page_put(p, "</p>");
        return;
    }
    if (!n)
        return;
    vg_page_put(p, "<h3>Synchronised banks</h3><table><caption>Each source fills a bank of its "
                   "own on its schedule; an entry it withdraws leaves the bank and puts back "
                   "to the queue what it alone decided</caption><thead><tr>"
                   "<th scope=\"col\">Source</th><th scope=\"col\">Bank</th>"
                   "<th scope=\"col\">Last run</th><th scope=\"col\">Last success</th>"
                   "<th scope=\"col\">Checkpoint (changes up to, or the signed list's "
                   "version verified and its publisher's key)</th>"
                   "<th scope=\"col\">Added / withdrawn (last run)</th>"
                   "<th scope=\"col\">Added / withdrawn / reports reopened (in all)</th>"
                   "<th scope=\"col\">Last error</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_sync_status *r = &rows[i];
        vg_page_put(p, "<tr><td>");
        vg_page_text(p, r->name);
        vg_page_put(p, " (");
        vg_page_text(p, r->source);
        vg_page_put(p, ", ");
        vg_page_text(p, r->url);
        vg_page_put(p, ")</td><td>");
        vg_page_text(p, r->bank);
        vg_page_put(p, "</td><td>");
        if (r->last_run)
            vg_admin_time(p, r->last_run);
        else
            vg_page_put(p, "never");
        vg_page_put(p, "</td><td>");
        if (r->last_success)
            vg_admin_time(p, r->last_success);
        else
            vg_page_put(p, "never");
        vg_page_put(p, "</td><td>");
        if (r->key) {
            /* a signed list: what was verified, and by whose key */
            vg_page_fmt(p, "version %" PRId64 " of list ", r->version);
            vg_page_text(p, r->list);
            vg_page_put(p, " by ");
            vg_page_text(p, r->publisher);
            vg_page_put(p, ", key <code>");
            vg_page_text(p, r->key);
            vg_page_put(p, "</code>");
        } else if (r->done_until)
            vg_admin_time(p, r->done_until);
        else if (r->version == 0 && !strcmp(r->source, "signed"))
            vg_page_put(p, "no list verified yet");
        else
            vg_page_put(p, "the start");
        vg_page_fmt(p, "</td><td>%" PRId64 " / %" PRId64 "</td><td>%" PRId64 " / %" PRId64
                       " / %" PRId64 "</td><td>",
                    r->last_added, r->last_withdrawn, r->added, r->withdrawn, r->reopened);
        if (r->last_error) {
            vg_page_put(p, "<span class=\"problem\">");
            vg_page_text(p, r->last_error);
            vg_page_put(p, "</span>");
        } else {
            vg_page_put(p, "none");
        }
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
    vg_sync_statuses_free(rows, n);
}

#define QUARANTINED_SHOWN 200

/* Entries held for matching far more than usual, each with its figures
 * and a button that releases it after review. */
static void quarantined(vg_page *p, vg_http_request *req, vg_hotline *h)
{
    vg_quarantined *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_quarantined(h, QUARANTINED_SHOWN, &rows, &n, &err) != VG_OK) {
        vg_page_put(p, "<p class=\"problem\" role=\"alert\">The quarantined entries cannot be "
                       "read: ");
        vg_page_text(p, err.message);
        vg_page_put(p, "</p>");
        return;
    }
    int64_t hours = h->quarantine.window_seconds / 3600;
    vg_page_fmt(p, "<h3 id=\"quarantine\">Quarantined entries</h3><p>An entry that matches more "
                   "than %u reports in %" PRId64 " hour%s, and more than %g times its usual "
                   "rate, is quarantined: its matches decide nothing automatically and go to "
                   "analysts until it is released here (<code>intake.quarantine_*</code>).</p>",
                h->quarantine.min_matches, hours, hours == 1 ? "" : "s", h->quarantine.factor);
    if (!n) {
        vg_page_put(p, "<p>No entry is quarantined.</p>");
        return;
    }
    vg_page_put(p, "<table><caption>Quarantined entries, the most recent first</caption>"
                   "<thead><tr><th scope=\"col\">Bank</th><th scope=\"col\">Entry</th>"
                   "<th scope=\"col\">Quarantined</th>"
                   "<th scope=\"col\">Reports matched in the window that tripped it</th>"
                   "<th scope=\"col\">Reports matched since</th>"
                   "<th scope=\"col\">Release</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_quarantined *r = &rows[i];
        vg_page_put(p, "<tr><td>");
        vg_page_text(p, r->bank);
        vg_page_put(p, "</td><td>");
        vg_page_text(p, r->entry);
        vg_page_put(p, "</td><td>");
        vg_admin_time(p, r->held_at);
        vg_page_fmt(p, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>", r->held_matches,
                    r->since_held);
        vg_page_put(p, "<form class=\"inline\" method=\"post\" "
                       "action=\"/console/admin/banks/release\">");
        vg_page_csrf(p, req);
        vg_page_put(p, "<input type=\"hidden\" name=\"bank\" value=\"");
        vg_page_text(p, r->bank);
        vg_page_put(p, "\"><input type=\"hidden\" name=\"entry\" value=\"");
        vg_page_text(p, r->entry);
        vg_page_put(p, "\"><button type=\"submit\">Release (audited)</button></form></td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
    vg_quarantined_free(rows, n);
}

static void render(vg_http_request *req, const char *message, int problem, unsigned status)
{
    vg_admin *a = vg_http_route_ctx(req);
    char(*banks)[128] = calloc(BANKS_SHOWN, 128);
    size_t nbanks = 0;
    vg_index_stats stats;
    vg_error err;
    const char *q = vg_http_query(req, "sha256");
    char sha[65] = "";
    size_t qn = q ? strlen(q) : 0;
    for (size_t i = 0; qn == 64 && i < 64; i++)
        sha[i] = (char)tolower((unsigned char)q[i]);
    vg_own_entry *own = NULL;
    size_t nown = 0;
    if (!banks ||
        vg_hotline_index_banks(a->hotline, banks, BANKS_SHOWN, &nbanks, &stats, &err) != VG_OK ||
        vg_hotline_own_bank(a->hotline, sha[0] ? sha : NULL, OWN_SHOWN, &own, &nown, &err) !=
            VG_OK) {
        free(banks);
        vg_admin_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    vg_admin_page_open(&p, req, "Administration: banks", "/console/admin/banks");
    if (message)
        vg_admin_message(&p, message, problem);
    vg_page_fmt(&p, "<h2>The index</h2><p>%" PRIu64 " live entries in %u bank%s.</p>",
                stats.live_entries, stats.banks, stats.banks == 1 ? "" : "s");
    if (nbanks) {
        vg_page_put(&p, "<ul class=\"banks\">");
        for (size_t i = 0; i < nbanks; i++) {
            vg_page_put(&p, "<li>");
            vg_page_text(&p, banks[i]);
            vg_page_put(&p, "</li>");
        }
        vg_page_put(&p, "</ul>");
    }
    free(banks);
    synchronised(&p, a->hotline);
    quarantined(&p, req, a->hotline);
    vg_page_put(&p, "<p>A bank listed in <code>console.trusted_banks</code> decides what it "
                    "holds without anyone looking.</p>"
                    "<h3>Import a bank file</h3><form method=\"post\" "
                    "action=\"/console/admin/banks\" enctype=\"multipart/form-data\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"import\">"
                    "<p><label for=\"imp-bank\">Bank name (letters, digits, - _)</label><br>"
                    "<input name=\"bank\" id=\"imp-bank\" required maxlength=\"64\"></p>"
                    "<p><label for=\"imp-file\">The bank file: a CSV with its header line "
                    "(signal_type, signal, id), or one hash a line; or a list in one of the "
                    "field's formats, chosen below</label><br><input "
                    "type=\"file\" name=\"file\" id=\"imp-file\" required></p>"
                    "<p><label for=\"imp-format\">Format</label><br><select name=\"format\" "
                    "id=\"imp-format\">" FORMAT_OPTIONS "</select></p>"
                    "<p><label for=\"imp-cat\">VICS categories (vics only)</label><br>"
                    "<select name=\"categories\" id=\"imp-cat\">" CATEGORY_OPTIONS);
    own_tables(&p, a->hotline);
    vg_page_put(&p, "</select></p><p><button "
                    "type=\"submit\" class=\"primary\">Import</button></p></form>"
                    "<h3>Export a bank</h3><form method=\"post\" "
                    "action=\"/console/admin/banks\">"
                    );
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"export\">"
                    "<p><label for=\"exp-bank\">Bank name</label><br>"
                    "<input name=\"bank\" id=\"exp-bank\" required maxlength=\"64\"></p>"
                    "<p><label for=\"exp-format\">Format</label><br><select name=\"format\" "
                    "id=\"exp-format\">" FORMAT_OPTIONS "</select></p>"
                    "<p><label for=\"exp-cat\">VICS categories (vics only: the Category of "
                    "each entry from its classification)</label><br>"
                    "<select name=\"categories\" id=\"exp-cat\">" CATEGORY_OPTIONS);
    own_tables(&p, a->hotline);
    vg_page_put(&p, "</select></p><p>Videos and patch sets are left out of every format but "
                    "vigie's own, which carries them neither (the index keeps a video as its "
                    "frames). The export is audited.</p><p><button type=\"submit\">Export"
                    "</button></p></form>"
                    "<h3>Add entries</h3><form method=\"post\" action=\"/console/admin/banks\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"add\">"
                    "<p><label for=\"bank\">Bank name</label><br>"
                    "<input name=\"bank\" id=\"bank\" required maxlength=\"64\"></p>"
                    "<p><label for=\"lines\">Entries, in one of the bank formats (a CSV "
                    "header line then its rows, or hashes one a line: MD5, SHA-1, SHA-256 or "
                    "PDQ in hex)</label><br><textarea name=\"lines\" id=\"lines\" rows=\"6\" "
                    "cols=\"80\" required></textarea></p><p><button type=\"submit\">Add"
                    "</button></p></form>"
                    "<h3>Remove an entry</h3><form method=\"post\" action=\"/console/admin/banks\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"remove\">"
                    "<p><label for=\"rm-bank\">Bank (empty: any)</label><br><input name=\"bank\" "
                    "id=\"rm-bank\" maxlength=\"64\"></p><p><label for=\"rm-id\">Entry id (the id "
                    "column of a CSV bank; for a file of plain hash lines, the line number "
                    "counted from 0)</label><br><input name=\"id\" "
                    "id=\"rm-id\" required maxlength=\"256\" size=\"70\"></p><p><button "
                    "type=\"submit\">Remove</button></p></form>");
    vg_page_put(&p, "<h2>The organisation's bank</h2><p>Filled only by four-eyes "
                    "confirmations; a supervisor reopening a decision takes its files out."
                    "</p><form method=\"get\" action=\"/console/admin/banks\" role=\"search\">"
                    "<label for=\"sha256\">SHA-256</label> <input name=\"sha256\" id=\"sha256\" "
                    "size=\"66\" maxlength=\"64\" value=\"");
    vg_page_text(&p, q);
    vg_page_put(&p, "\"> <button type=\"submit\">Find</button></form>");
    if (!nown) {
        vg_page_put(&p, q && *q ? "<p role=\"status\">Not in the organisation's bank.</p>"
                                : "<p>The organisation's bank is empty.</p>");
    } else {
        vg_page_put(&p, "<table><caption>Entries, newest first</caption><thead><tr>"
                        "<th scope=\"col\">SHA-256</th><th scope=\"col\">Classification</th>"
                        "<th scope=\"col\">Confirmed with</th><th scope=\"col\">Added</th>"
                        "</tr></thead><tbody>");
        for (size_t i = 0; i < nown; i++) {
            const vg_own_entry *e = &own[i];
            vg_page_put(&p, "<tr><td class=\"hash\">");
            vg_page_text(&p, e->sha256);
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, vg_term_label(vg_legal_terms, e->legal));
            if (e->severity && *e->severity) {
                vg_page_put(&p, ", ");
                vg_page_text(&p, e->severity);
            }
            if (e->age && *e->age) {
                vg_page_put(&p, ", ");
                vg_page_text(&p, vg_term_label(vg_age_terms, e->age));
            }
            vg_page_fmt(&p,
                        "</td><td><a href=\"/console/item?id=%" PRId64 "\">report %" PRId64
                        "</a></td><td>",
                        e->report_id, e->report_id);
            vg_admin_time(&p, e->added_at);
            vg_page_put(&p, "</td></tr>");
        }
        vg_page_put(&p, "</tbody></table>");
    }
    vg_own_entries_free(own, nown);
    vg_page_send(&p, req, status);
}

/* An uploaded bank file, kept in memory for the request (hashes, not
 * evidence; bounded by the route's body limit). */
typedef struct upload {
    char *data;
    size_t len, cap;
} upload;

static void upload_free(void *state)
{
    upload *u = state;
    if (u) {
        free(u->data);
        free(u);
    }
}

vg_status vg_admin_bank_file(vg_http_request *req, const char *field, const char *filename,
                             const char *content_type, const void *data, size_t size,
                             uint64_t offset, vg_error *msg)
{
    (void)filename;
    (void)content_type;
    (void)offset;
    if (strcmp(field, "file"))
        return vg_error_set(msg, VG_ERR_INVALID, "unexpected file field");
    upload *u = vg_http_state(req);
    if (!u) {
        if (!(u = calloc(1, sizeof *u)))
            return vg_error_set(msg, VG_ERR_NOMEM, "out of memory");
        vg_http_set_state(req, u, upload_free);
    }
    if (u->len + size + 1 > u->cap) {
        size_t cap = (u->len + size + 1) * 2;
        char *grown = realloc(u->data, cap);
        if (!grown)
            return vg_error_set(msg, VG_ERR_NOMEM, "out of memory");
        u->data = grown;
        u->cap = cap;
    }
    memcpy(u->data + u->len, data, size);
    u->len += size;
    u->data[u->len] = 0;
    return VG_OK;
}

static vg_status grow(void *ctx, const void *data, size_t len, vg_error *err)
{
    upload *b = ctx;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return VG_OK;
}

/* The bank in the format asked, as a file to save. */
static void export_bank(vg_http_request *req, const char *bank, const char *actor, int64_t now)
{
    vg_admin *a = vg_http_route_ctx(req);
    const char *format = vg_http_param(req, "format");
    if (!format || !*format)
        format = "vigie";
    static const struct {
        const char *format, *type, *ext;
    } kinds[] = {{"vigie", "text/csv; charset=utf-8", "csv"},
                 {"te", "text/plain; charset=utf-8", "txt"},
                 {"vics", "application/json", "json"},
                 {"ncmec", "application/xml", "xml"},
                 {"stopncii", "application/json", "json"}};
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].format, format))
        k++;
    upload out = {0};
    uint64_t written = 0, skipped = 0;
    vg_error err;
    vg_status st = k < sizeof kinds / sizeof kinds[0]
                       ? vg_hotline_bank_export(a->hotline, bank, format,
                                                vg_http_param(req, "categories"), grow, &out,
                                                actor, now, &written, &skipped, &err)
                       : vg_error_set(&err, VG_ERR_INVALID,
                                      "The format is vigie, te, vics, ncmec or stopncii.");
    if (st == VG_ERR_INVALID) {
        free(out.data);
        render(req, err.message, 1, 422);
        return;
    }
    if (st != VG_OK) {
        free(out.data);
        vg_admin_unavailable(req, &err);
        return;
    }
    char disposition[160], counts[64];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.%s\"", bank,
             kinds[k].ext);
    snprintf(counts, sizeof counts, "%" PRIu64 " written, %" PRIu64 " left out", written,
             skipped);
    vg_http_add_header(req, "Content-Disposition", disposition);
    vg_http_add_header(req, "X-Vigie-Entries", counts);
    vg_http_respond(req, 200, kinds[k].type, out.data ? out.data : "", out.len);
    free(out.data);
}

void vg_admin_banks_page(vg_http_request *req)
{
    render(req, NULL, 0, 200);
}

void vg_admin_banks_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    const char *action = vg_http_param(req, "action");
    const char *bank = vg_http_param(req, "bank");
    char actor[140], message[200];
    vg_admin_actor(req, actor, sizeof actor);
    vg_error err;
    uint64_t n = 0;
    vg_status st;
    int64_t now = (int64_t)time(NULL);
    if (action && !strcmp(action, "remove")) {
        st = vg_hotline_bank_remove(a->hotline, bank, vg_http_param(req, "id"), actor, now, &n,
                                    &err);
        snprintf(message, sizeof message, "%" PRIu64 " entr%s removed.", n, n == 1 ? "y" : "ies");
    } else if (action && !strcmp(action, "export")) {
        export_bank(req, bank, actor, now);
        return;
    } else if (action && (!strcmp(action, "import") || !strcmp(action, "add"))) {
        /* A file uploaded (import), or lines typed in (add). */
        const upload *file = vg_http_state(req);
        int add = !strcmp(action, "add");
        const char *lines = add ? vg_http_param(req, "lines") : file ? file->data : NULL;
        size_t len = add ? (lines ? strlen(lines) : 0) : file ? file->len : 0;
        const char *format = add ? NULL : vg_http_param(req, "format");
        if (format && *format && strcmp(format, "vigie"))
            st = vg_hotline_bank_import_format(a->hotline, bank, format,
                                               vg_http_param(req, "categories"),
                                               lines ? lines : "", len, actor, now, &n, &err);
        else
            st = vg_hotline_bank_import(a->hotline, bank, lines ? lines : "", len, add, actor,
                                        now, &n, &err);
        snprintf(message, sizeof message, "%" PRIu64 " entr%s added to the index.", n,
                 n == 1 ? "y" : "ies");
    } else {
        vg_http_error_page(req, 400, "The form needs an action: import, export, add or remove.");
        return;
    }
    if (st == VG_ERR_INVALID || st == VG_ERR_CORRUPT || st == VG_ERR_UNSUPPORTED) {
        render(req, err.message, 1, 422);
        return;
    }
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    render(req, message, 0, 200);
}

void vg_admin_bank_release_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    const char *bank = vg_http_param(req, "bank"), *entry = vg_http_param(req, "entry");
    char actor[140], message[400];
    vg_admin_actor(req, actor, sizeof actor);
    vg_error err;
    vg_status st = vg_hotline_quarantine_release(a->hotline, bank, entry, actor,
                                                 (int64_t)time(NULL), &err);
    if (st == VG_ERR_INVALID) {
        render(req, err.message, 1, 422);
        return;
    }
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    snprintf(message, sizeof message,
             "Entry %.256s of bank %.80s was released: its matches decide again.", entry, bank);
    render(req, message, 0, 200);
}
