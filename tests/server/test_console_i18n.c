/*
 * The staff pages in every catalogue language: sign-in follows ?lang= and
 * Accept-Language; a signed-in person's pages follow the language chosen
 * on their account (audited), else their browser's; <html lang dir> is the
 * language's, Arabic right to left; no English is left where the
 * catalogue has a translation.
 */
#include "test_people.h"
#include "web/http.h"
#include "web/i18n.h"

static const char *const LANGS[] = {"en", "fr", "de", "es", "ar"};
#define NLANGS (sizeof LANGS / sizeof LANGS[0])

static vg_i18n *catalogues(void)
{
    vg_i18n *i18n = NULL;
    vg_error err;
    CHECK_MSG(vg_i18n_load(&i18n, &err) == VG_OK, "%s", err.message);
    return i18n;
}

/* GET path as p (NULL: nobody) with Accept-Language accept (NULL: none). */
static int get_in(ts_server *t, const person *p, const char *path, const char *accept,
                  ts_response *r)
{
    char header[64];
    snprintf(header, sizeof header, "Accept-Language: %s", accept ? accept : "");
    const char *headers[] = {p ? p->cookie : "X-None: 1", accept ? header : "X-No-Lang: 1", NULL};
    return ts_call(t, "GET", path, headers, NULL, 0, r);
}

/* The text of key, HTML-escaped as a page writes it. */
static const char *escaped(const vg_i18n_lang *lang, const char *key, char *out, size_t cap)
{
    char *e = vg_html_escape(vg_i18n_get(lang, key));
    snprintf(out, cap, "%s", e ? e : "");
    free(e);
    return out;
}

/* The page is in code: <html lang dir>, each key's text present, and the
 * English of each key absent where the language's differs. */
static void check_in(const vg_i18n *i18n, const char *body, const char *code, const char *path,
                     const char *const *keys)
{
    const vg_i18n_lang *lang = vg_i18n_find(i18n, code), *en = vg_i18n_find(i18n, "en");
    char want[96];
    snprintf(want, sizeof want, "<html lang=\"%s\" dir=\"%s\">", code,
             vg_i18n_rtl(lang) ? "rtl" : "ltr");
    CHECK_MSG(strstr(body, want) != NULL, "%s in %s: no %s", path, code, want);
    for (size_t k = 0; keys[k]; k++) {
        char text[1024], english[1024];
        escaped(lang, keys[k], text, sizeof text);
        escaped(en, keys[k], english, sizeof english);
        CHECK_MSG(strstr(body, text) != NULL, "%s in %s: %s missing (%s)", path, code, keys[k],
                  text);
        /* (not when the English is part of the translation: "analyste") */
        if (strcmp(code, "en") && !strstr(text, english))
            CHECK_MSG(strstr(body, english) == NULL, "%s in %s: English left: %s", path, code,
                      english);
    }
}

static void every_language(const vg_i18n *i18n, ts_server *t, const person *p, const char *path,
                           const char *const *keys);

/* Every translated page, in every language, chosen by Accept-Language. */
static void test_pages_in_every_language(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person ana, admin;
    CHECK(sign_in(&t, "ana", VG_ROLE_ANALYST, &ana));
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    CHECK(public_report(&t, "sextortion", "https://chat.example/u/1", 0));
    static const struct {
        const char *path;
        int signed_in;
        const char *keys[12];
    } PAGES[] = {
        {"/login",
         0,
         {"auth.title", "auth.username", "auth.password", "auth.code_hint", "auth.submit", NULL}},
        {"/console",
         1,
         {"console.home.title", "console.home.caption", "console.col.receipt",
          "console.col.reporter_reads", "console.nav.queue", "console.sign_out", "console.skip",
          "term.sextortion", "console.source.web", NULL}},
        {"/console/queue",
         1,
         {"console.queue.title", "console.queue.next", "console.view.for-me", "console.col.score",
          "console.col.waited", "console.rule.sextortion", "console.queue.claim",
          "console.queue.auto_note", NULL}},
        {"/console/queue?done=1",
         1,
         {"console.queue.done_title", "console.queue.done_intro", "console.queue.none_done", NULL}},
        {"/console/search?q=nothing-like-it",
         1,
         {"console.search.title", "console.search.label", "console.search.submit",
          "console.search.none", NULL}},
        {"/console/alerts",
         1,
         {"console.alerts.title", "console.alerts.intro", "console.alerts.none", NULL}},
        {"/console/account",
         1,
         {"console.account.title", "console.account.language_label", "console.account.browser",
          "console.account.save", "console.role.analyst", NULL}},
        {"/console/no-such-page",
         1,
         {"console.error.404", "console.layer.nothing", "console.go_console", NULL}},
    };
    for (size_t l = 0; i18n && l < NLANGS; l++)
        for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++) {
            ts_response r;
            CHECK(get_in(&t, PAGES[i].signed_in ? &ana : NULL, PAGES[i].path, LANGS[l], &r));
            if (r.body)
                check_in(i18n, r.body, LANGS[l], PAGES[i].path, PAGES[i].keys);
            ts_response_free(&r);
        }
    ts_response r0;
    /* The supervisors' pages, in every language. */
    const char *const providers[] = {
        "console.providers.title", "console.providers.intro", "console.providers.order.slowest",
        "console.providers.none",  "console.nav.stats",       NULL};
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        ts_response pr;
        CHECK(get_in(&t, &admin, "/console/providers", LANGS[l], &pr));
        if (pr.body)
            check_in(i18n, pr.body, LANGS[l], "/console/providers", providers);
        ts_response_free(&pr);
    }
    /* The statistics: the form, the chart's text alternative and the
     * table's headers; the values' words with their codes. */
    const char *const stats[] = {
        "console.stats.title",        "console.stats.legend",          "console.stats.then_by",
        "console.stats.download",     "console.stats.dim.decided",    "console.stats.m.known_files",
        "console.stats.m.assessed_p90_h", "console.stats.dim.host_country", "term.sextortion",
        NULL};
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        ts_response sr;
        CHECK(get_in(&t, &admin, "/console/stats?by=category", LANGS[l], &sr));
        CHECK_INT_EQ(sr.status, 200);
        if (sr.body) {
            check_in(i18n, sr.body, LANGS[l], "/console/stats", stats);
            /* the chart: its title in the language, the bars' labels too */
            char title[256];
            const vg_i18n_lang *lang = vg_i18n_find(i18n, LANGS[l]);
            snprintf(title, sizeof title, "<title id=\"chart-title\">%.*s",
                     (int)strcspn(vg_i18n_get(lang, "console.stats.chart_title"), "{"),
                     vg_i18n_get(lang, "console.stats.chart_title"));
            CHECK_MSG(strstr(sr.body, title) != NULL, "stats in %s: no %s", LANGS[l], title);
            CHECK_MSG(strstr(sr.body, vg_i18n_get(lang, "term.sextortion")) != NULL &&
                          strstr(sr.body, "(sextortion)</text>") != NULL,
                      "stats in %s: the bar's label", LANGS[l]);
        }
        ts_response_free(&sr);
    }
    /* The administration's health and people pages */
    const char *const health[] = {"admin.health.title", "admin.health.work",
                                  "admin.health.open",  "admin.health.schema",
                                  "admin.health.monitoring", "admin.nav.audit",
                                  "admin.nav.console", NULL};
    every_language(i18n, &t, &admin, "/console/admin", health);
    const char *const people[] = {"admin.users.title",   "admin.users.accounts",
                                  "admin.users.col.totp", "admin.users.new_password",
                                  "admin.users.create",  "admin.users.create_hint",
                                  "admin.users.you",     "admin.users.col.actions",
                                  NULL};
    every_language(i18n, &t, &admin, "/console/admin/users", people);
    const char *const keys[] = {"admin.keys.title",  "admin.keys.caption", "admin.keys.col.trust",
                                "admin.keys.scopes", "admin.keys.create",  "admin.keys.create_hint",
                                NULL};
    every_language(i18n, &t, &admin, "/console/admin/keys", keys);
    /* a new account's password, shown once, in the caller's language */
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        char header[64], body[200];
        snprintf(header, sizeof header, "Accept-Language: %s", LANGS[l]);
        snprintf(body, sizeof body, "csrf_token=%s&user=new-%s&role=analyst", admin.csrf,
                 LANGS[l]);
        const char *headers[] = {admin.cookie, "Content-Type: application/x-www-form-urlencoded",
                                 header, NULL};
        ts_response ar;
        CHECK(ts_call(&t, "POST", "/console/admin/users", headers, body, strlen(body), &ar));
        CHECK_INT_EQ(ar.status, 200);
        const char *const created[] = {"admin.users.created", "admin.users.the_password", NULL};
        if (ar.body)
            check_in(i18n, ar.body, LANGS[l], "POST /console/admin/users", created);
        ts_response_free(&ar);
    }
    /* A page not yet translated is English as a whole, frame included,
     * so that <html lang> says what is read. */
    CHECK(get_in(&t, &admin, "/console/admin/banks", "fr", &r0));
    if (r0.body) {
        CHECK(strstr(r0.body, "<html lang=\"en\" dir=\"ltr\">") != NULL);
        CHECK(strstr(r0.body, ">Sign out<") != NULL);
    }
    ts_response_free(&r0);
    /* An administrator's navigation names the administration. */
    ts_response r;
    CHECK(get_in(&t, &admin, "/console", "de", &r));
    const char *const admin_keys[] = {"console.nav.admin", "console.role.administrator", NULL};
    if (i18n && r.body)
        check_in(i18n, r.body, "de", "/console", admin_keys);
    ts_response_free(&r);
    ts_stop(&t);
    vg_i18n_free(i18n);
}

/* Sign-in before anyone is known: ?lang= beats Accept-Language, and the
 * form carries the choice to the next page (a refusal in that language). */
static void test_sign_in_language(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    ts_response r;
    CHECK(get_in(&t, NULL, "/login?lang=ar", "fr", &r));
    const char *const title[] = {"auth.title", NULL};
    if (i18n && r.body) {
        check_in(i18n, r.body, "ar", "/login?lang=ar", title);
        CHECK(strstr(r.body, "name=\"lang\" value=\"ar\"") != NULL);
        /* the switch names each language in itself */
        CHECK(strstr(r.body, "hreflang=\"fr\" dir=\"ltr\">Français</a>") != NULL);
    }
    ts_response_free(&r);
    CHECK(get_in(&t, NULL, "/login", "es-MX, es;q=0.9", &r));
    if (i18n && r.body)
        check_in(i18n, r.body, "es", "/login", title);
    ts_response_free(&r);
    ts_stop(&t);
    vg_i18n_free(i18n);
}

static void account_language(ts_server *t, int64_t id, char *out, size_t cap)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(language, '-') FROM accounts WHERE id = %lld",
             (long long)id);
    ti_sql_text(t, sql, out, cap);
}

/* The account's language beats the browser's; choosing it is audited in
 * its transaction; "" goes back to the browser's; an unknown code is
 * refused; a stored code no catalogue has falls back cleanly. */
static void test_account_preference(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person ana;
    int64_t id = sign_in(&t, "ana", VG_ROLE_ANALYST, &ana);
    CHECK(id);
    const char *const home[] = {"console.home.title", "console.sign_out", NULL};
    ts_response r;
    char got[64];

    /* until chosen: the browser's */
    CHECK(get_in(&t, &ana, "/console/account", "fr", &r));
    if (i18n && r.body) {
        check_in(i18n, r.body, "fr", "/console/account", home + 1);
        CHECK(strstr(r.body, "<option value=\"\" selected>") != NULL);
    }
    ts_response_free(&r);

    CHECK_INT_EQ(post(&t, &ana, "/console/account", "language=ar", 0, &r), 303);
    ts_response_free(&r);
    account_language(&t, id, got, sizeof got);
    CHECK_STR_EQ(got, "ar");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'account.language'"
                                " AND actor = 'user:ana' AND target = 'ana'"
                                " AND detail LIKE '%\"ar\"%'"),
                 1);
    /* Arabic now, whatever the browser asks */
    CHECK(get_in(&t, &ana, "/console", "fr, de;q=0.5", &r));
    if (i18n && r.body)
        check_in(i18n, r.body, "ar", "/console", home);
    ts_response_free(&r);
    CHECK(get_in(&t, &ana, "/console/account?saved=1", NULL, &r));
    if (i18n && r.body) {
        const char *const saved[] = {"console.account.saved", NULL};
        check_in(i18n, r.body, "ar", "/console/account", saved);
        CHECK(strstr(r.body, "<option value=\"ar\" lang=\"ar\" selected>") != NULL);
    }
    ts_response_free(&r);

    /* a code no catalogue has is refused, nothing changed nor audited */
    CHECK_INT_EQ(post(&t, &ana, "/console/account", "language=xx", 0, &r), 400);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &ana, "/console/account", "language=%3Cb%3E", 0, &r), 400);
    ts_response_free(&r);
    account_language(&t, id, got, sizeof got);
    CHECK_STR_EQ(got, "ar");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'account.language'"), 1);

    /* back to the browser's language */
    CHECK_INT_EQ(post(&t, &ana, "/console/account", "language=", 0, &r), 303);
    ts_response_free(&r);
    account_language(&t, id, got, sizeof got);
    CHECK_STR_EQ(got, "-");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'account.language'"), 2);
    CHECK(get_in(&t, &ana, "/console", "es", &r));
    if (i18n && r.body)
        check_in(i18n, r.body, "es", "/console", home);
    ts_response_free(&r);

    /* a stored language no catalogue ships (removed since): the browser's,
     * else English, and the page still works */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE accounts SET language = 'tlh' WHERE id = %lld",
             (long long)id);
    CHECK(ti_sql_exec(&t, sql));
    CHECK(get_in(&t, &ana, "/console", "de", &r));
    CHECK_INT_EQ(r.status, 200);
    if (i18n && r.body)
        check_in(i18n, r.body, "de", "/console", home);
    ts_response_free(&r);
    CHECK(get_in(&t, &ana, "/console/account", NULL, &r));
    CHECK_INT_EQ(r.status, 200);
    if (i18n && r.body) {
        check_in(i18n, r.body, "en", "/console/account", home + 1);
        CHECK(strstr(r.body, "<option value=\"\" selected>") != NULL);
    }
    ts_response_free(&r);
    /* ?lang= does not override a signed-in person's pages */
    snprintf(sql, sizeof sql, "UPDATE accounts SET language = 'fr' WHERE id = %lld", (long long)id);
    CHECK(ti_sql_exec(&t, sql));
    CHECK(get_in(&t, &ana, "/console?lang=de", "es", &r));
    if (i18n && r.body)
        check_in(i18n, r.body, "fr", "/console", home);
    ts_response_free(&r);
    ts_stop(&t);
    vg_i18n_free(i18n);
}

static int claim_and_assess(ts_server *t, const person *who, int64_t report, const char *answers)
{
    char f[600];
    snprintf(f, sizeof f, "report=%lld&version=%lld", (long long)report, version_of(t, report));
    if (post_simple(t, who, "/console/claim", f) != 303)
        return 0;
    if (!answers)
        return 1;
    snprintf(f, sizeof f, "report=%lld&version=%lld&%s", (long long)report, version_of(t, report),
             answers);
    return post_simple(t, who, "/console/assess", f) == 303;
}

/* path as p in every language, each checked for keys. */
static void every_language(const vg_i18n *i18n, ts_server *t, const person *p, const char *path,
                           const char *const *keys)
{
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        ts_response r;
        CHECK(get_in(t, p, path, LANGS[l], &r));
        CHECK_MSG(r.status == 200, "%s in %s: %ld", path, LANGS[l], (long)r.status);
        if (r.body)
            check_in(i18n, r.body, LANGS[l], path, keys);
        ts_response_free(&r);
    }
}

/* An item in each of its states, in every language: the form and the files
 * of a claimed item, the reporter's section, a dispute side by side for a
 * supervisor, a confirmed classification with its routes and the form
 * reopening it; the refusals of the assessment form. */
static void test_item_in_every_language(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person ana, bob, sue;
    CHECK(sign_in(&t, "ana", VG_ROLE_ANALYST, &ana));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    int64_t held = public_report(&t, "image_video", "https://pics.example/a.jpg", 3);
    int64_t disputed = public_report(&t, "image_video", "https://pics.example/b.jpg", 5);
    int64_t confirmed = public_report(&t, "image_video", "https://pics.example/c.jpg", 7);
    CHECK(held && disputed && confirmed);
    CHECK(claim_and_assess(&t, &ana, held, NULL));
    CHECK(claim_and_assess(&t, &ana, disputed, ASSESS_A));
    CHECK(claim_and_assess(&t, &bob, disputed, "legal=illegal_csam&severity=B&age=b1&country=FR"));
    CHECK(claim_and_assess(&t, &ana, confirmed, ASSESS_A));
    CHECK(claim_and_assess(&t, &bob, confirmed, ASSESS_A));
    char path[96];

    /* held by ana: the form, the files with their previews, the reporter */
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)held);
    const char *const form[] = {
        "console.item.legal",        "console.item.severity_legend", "console.item.children",
        "console.item.baseline",     "console.item.record",          "console.item.shortcuts",
        "console.files.col.hashes",  "console.files.sharper",        "console.reporter.heading",
        "console.reporter.contact",  "console.queue.release",        "term.illegal_csam",
        "term.prepubescent",         "kind.public",                  NULL};
    every_language(i18n, &t, &ana, path, form);
    /* the same item for bob: the claim is someone else's */
    const char *const other[] = {"console.item.claim_to_assess", "console.files.cell.claim",
                                 "console.item.reporter_sees", NULL};
    every_language(i18n, &t, &bob, path, other);

    /* a dispute, for a supervisor: both assessments side by side */
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)disputed);
    const char *const dispute[] = {"console.item.disputed",      "console.dispute.caption",
                                   "console.dispute.accept_first", "console.dispute.differs",
                                   "console.dispute.or_anew",    "term.disputed", NULL};
    every_language(i18n, &t, &sue, path, dispute);

    /* confirmed: the classification, the routes, the reopening form */
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)confirmed);
    const char *const done[] = {"console.item.classification", "console.routes.title",
                                "console.reopen.summary",      "console.reopen.intro",
                                "console.reopen.button",       "term.confirmed", NULL};
    every_language(i18n, &t, &sue, path, done);

    /* the case of the confirmed item: its reports, reporters, files,
     * URLs, routes, notices, links and timeline */
    char case_path[64];
    snprintf(case_path, sizeof case_path, "/console/case?id=%lld",
             ti_sql_int(&t, "SELECT case_id FROM reports WHERE id = (SELECT max(id) FROM reports)"));
    const char *const case_keys[] = {
        "console.case.reports",  "console.case.reporters",  "console.case.urls",
        "console.case.col.canonical", "console.notices.title", "console.notices.none",
        "console.case.linked",   "console.case.linked_intro", "console.case.timeline",
        "console.files.col.hashes", "console.routes.title", "term.confirmed", NULL};
    every_language(i18n, &t, &ana, case_path, case_keys);

    /* an invalid form comes back in the caller's language, entries kept */
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        char f[200];
        snprintf(f, sizeof f, "report=%lld&version=%lld&legal=illegal_csam&country=FR",
                 (long long)held, version_of(&t, held));
        char header[64], body[400];
        snprintf(header, sizeof header, "Accept-Language: %s", LANGS[l]);
        snprintf(body, sizeof body, "csrf_token=%s&%s", ana.csrf, f);
        const char *headers[] = {ana.cookie, "Content-Type: application/x-www-form-urlencoded",
                                 header, NULL};
        ts_response r;
        CHECK(ts_call(&t, "POST", "/console/assess", headers, body, strlen(body), &r));
        CHECK_INT_EQ(r.status, 422);
        const char *const invalid[] = {"console.item.invalid.csam_severity", "console.item.note",
                                       NULL};
        if (r.body)
            check_in(i18n, r.body, LANGS[l], "/console/assess", invalid);
        ts_response_free(&r);
    }
    ts_stop(&t);
    vg_i18n_free(i18n);
}

/* The notices to hosts: the list with its filters, one notice's history
 * (a check's custody record, the confirmation form), on a notice written
 * into the store as the notices job leaves it. */
static void test_notices_in_every_language(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person ana, sue;
    CHECK(sign_in(&t, "ana", VG_ROLE_ANALYST, &ana));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    int64_t report = public_report(&t, "image_video", "https://pics.example/n.jpg", 0);
    CHECK(report);
    const char *const empty[] = {"console.notices.title", "console.notices.intro",
                                 "console.notices.show", "console.notices.none",
                                 "term.notice.no_contact", "console.notices.providers_link", NULL};
    every_language(i18n, &t, &sue, "/console/notices", empty);
    char sql[900];
    snprintf(sql, sizeof sql,
             "INSERT INTO notices(report_id, case_id, url, state, contact, language, provider,"
             " token_hash, material_sha256, material_pdq, sent_count, created_at) SELECT id,"
             " case_id, 'https://pics.example/n.jpg', 'pending', '', '', 'Example Host', '', '',"
             " '', 0, 1700000000 FROM reports WHERE id = %lld",
             (long long)report);
    CHECK(ti_sql_exec(&t, sql));
    int64_t notice = ti_sql_int(&t, "SELECT max(id) FROM notices");
    CHECK(notice > 0);
    snprintf(sql, sizeof sql,
             "INSERT INTO notices_events(notice_id, at, kind, detail) VALUES (%lld, 1700000100,"
             " 'fetch', '{\"seen\":\"nothing\",\"record\":{\"status\":404,\"hops\":[]}}')",
             (long long)notice);
    CHECK(ti_sql_exec(&t, sql));
    const char *const list[] = {"console.notices.caption", "console.notices.col.open_for",
                                "console.notices.no_contact", "console.notices.first_sent", NULL};
    every_language(i18n, &t, &ana, "/console/notices", list);
    char path[64];
    snprintf(path, sizeof path, "/console/notice?id=%lld", (long long)notice);
    const char *const one[] = {"console.notice.acked",     "console.notice.next_check",
                               "console.notice.not_found", "console.notice.confirm",
                               "console.notice.history",   "term.notice_event.fetch",
                               "term.seen.nothing",        NULL};
    every_language(i18n, &t, &ana, path, one);
    ts_stop(&t);
    vg_i18n_free(i18n);
}

/* The blocking list's pages, empty, for an analyst and a supervisor. */
static void test_blocklist_in_every_language(void)
{
    vg_i18n *i18n = catalogues();
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person ana, sue;
    CHECK(sign_in(&t, "ana", VG_ROLE_ANALYST, &ana));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    const char *const list[] = {"console.blocklist.title",     "console.blocklist.intro",
                                "console.blocklist.filter",    "console.blocklist.before",
                                "console.blocklist.show",      "console.blocklist.none",
                                "console.blocklist.tab.expiring", "term.block_kind.domain",
                                "term.block_state.listed",     NULL};
    every_language(i18n, &t, &ana, "/console/blocklist", list);
    const char *const proposals[] = {"console.blocklist.proposals_title",
                                     "console.blocklist.proposals_intro",
                                     "console.blocklist.nothing_waits", NULL};
    every_language(i18n, &t, &sue, "/console/blocklist/proposals", proposals);
    const char *const expiring[] = {"console.blocklist.expiring_title",
                                    "console.blocklist.none_expiring", NULL};
    every_language(i18n, &t, &ana, "/console/blocklist/expiring", expiring);
    const char *const appeals[] = {"console.blocklist.appeals_title",
                                   "console.blocklist.appeals_intro",
                                   "console.blocklist.no_appeal", NULL};
    every_language(i18n, &t, &sue, "/console/blocklist/appeals", appeals);
    /* a refusal names its reason in the caller's language */
    for (size_t l = 0; i18n && l < NLANGS; l++) {
        char header[64], body[200];
        snprintf(header, sizeof header, "Accept-Language: %s", LANGS[l]);
        snprintf(body, sizeof body, "csrf_token=%s&entry=99&decision=approve", sue.csrf);
        const char *headers[] = {sue.cookie, "Content-Type: application/x-www-form-urlencoded",
                                 header, NULL};
        ts_response r;
        CHECK(ts_call(&t, "POST", "/console/blocklist/decide", headers, body, strlen(body), &r));
        CHECK_INT_EQ(r.status, 409);
        const char *const refused[] = {"console.blocklist.nothing_changed",
                                       "console.blocklist.why.no_entry",
                                       "console.blocklist.back_proposals", NULL};
        if (r.body)
            check_in(i18n, r.body, LANGS[l], "/console/blocklist/decide", refused);
        ts_response_free(&r);
    }
    ts_stop(&t);
    vg_i18n_free(i18n);
}

int main(void)
{
    RUN(test_pages_in_every_language);
    RUN(test_item_in_every_language);
    RUN(test_notices_in_every_language);
    RUN(test_blocklist_in_every_language);
    RUN(test_sign_in_language);
    RUN(test_account_preference);
    return vg_test_exit();
}
