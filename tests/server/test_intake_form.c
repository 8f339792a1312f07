/*
 * The public report form and the status page, as a browser without
 * JavaScript uses them: GET the form (French or English), POST it as
 * multipart with the CSRF token and cookie it was given, read the receipt,
 * check the status with it. Anonymous by default; the "image of me" path;
 * refusals keep the visitor's answers.
 */
#include "store_peek.h"
#include "test_intake_common.h"

#define HELPLINE "report.helpline_name = Test Helpline\nreport.helpline_url = https://help.example/\n"

typedef struct visitor {
    char cookie[1000]; /* "Cookie: vigie_csrf=...[; vigie_receipt=...]" */
    char csrf[80];
} visitor;

/* GET path as a browser and remember the CSRF cookie and token. */
static int visit(ts_server *t, const char *path, const char *accept_language, visitor *v,
                 ts_response *r)
{
    char lang_header[128];
    snprintf(lang_header, sizeof lang_header, "Accept-Language: %s",
             accept_language ? accept_language : "en");
    const char *headers[] = {lang_header, NULL};
    if (!ts_call(t, "GET", path, headers, NULL, 0, r))
        return 0;
    char value[128];
    if (ts_set_cookie(r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(v->cookie, sizeof v->cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r->body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(v->csrf, sizeof v->csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    return v->cookie[0] && v->csrf[0];
}

static int post_form(ts_server *t, const char *path, visitor *v, ti_multipart *m,
                     ts_response *r)
{
    const char *headers[] = {v->cookie,
                             "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    return ts_call(t, "POST", path, headers, m->buf, m->len, r);
}

/* After a report was posted: 303 to its receipt, whose cookie joins the
 * visitor's; r becomes the receipt page. */
static int follow_receipt(ts_server *t, visitor *v, ts_response *r)
{
    return ti_follow_receipt(t, v->cookie, sizeof v->cookie, r);
}

/* Copy the text of the element with id into out. */
static const char *element(const char *html, const char *id, char *out, size_t cap)
{
    char mark[64];
    snprintf(mark, sizeof mark, "id=\"%s\">", id);
    const char *p = strstr(html, mark);
    out[0] = '\0';
    if (p) {
        p += strlen(mark);
        snprintf(out, cap, "%.*s", (int)strcspn(p, "<"), p);
    }
    return out;
}

static void test_form_languages_and_accessibility(void)
{
    ts_server t;
    CHECK(ts_start(&t, HELPLINE));
    visitor v = {0};
    ts_response r;

    CHECK(visit(&t, "/report", "fr-CH, fr;q=0.9, en;q=0.8", &v, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "<html lang=\"fr\"") != NULL);
    CHECK(strstr(r.body, "<h1>Signaler des contenus d&#x27;abus sexuels sur enfants (CSAM)") !=
          NULL);
    CHECK(strstr(r.body, "hreflang=\"en\"") != NULL); /* a way to the other language */
    CHECK(strstr(r.body, "<script") == NULL);         /* works without JavaScript */
    CHECK(strstr(r.body, "enctype=\"multipart/form-data\"") != NULL);
    /* Every field has a label; choices are grouped with a legend. */
    const char *fields[] = {"urls", "platform", "account", "occurred_at", "description",
                            "file", "reporter_kind", "country", "contact"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char label[64], input[64];
        snprintf(label, sizeof label, "<label for=\"%s\">", fields[i]);
        snprintf(input, sizeof input, "id=\"%s\"", fields[i]);
        CHECK_MSG(strstr(r.body, label) && strstr(r.body, input), "field %s", fields[i]);
    }
    CHECK(strstr(r.body, "<fieldset><legend>") != NULL);
    CHECK(strstr(r.body, "value=\"sextortion\"") != NULL);
    CHECK(strstr(r.body, "child pornography") == NULL);
    ts_response_free(&r);

    CHECK(visit(&t, "/report?lang=en", "fr", &v, &r));
    CHECK(strstr(r.body, "<html lang=\"en\"") != NULL);
    CHECK(strstr(r.body, "Report child sexual abuse material (CSAM)") != NULL);
    CHECK(strstr(r.body, "You do not have to give your name.") != NULL);
    ts_response_free(&r);

    /* An unknown language falls back to English. */
    CHECK(visit(&t, "/report", "tlh, xx;q=0.5", &v, &r));
    CHECK(strstr(r.body, "<html lang=\"en\"") != NULL);
    ts_response_free(&r);

    /* The path for a young person whose own picture is online. */
    CHECK(visit(&t, "/report?about=me", "en", &v, &r));
    CHECK(strstr(r.body, "You are not in trouble.") != NULL);
    CHECK(strstr(r.body, "<a href=\"https://help.example/\"><bdi>Test Helpline</bdi></a>") != NULL);
    CHECK(strstr(r.body, "value=\"image_of_me\"") != NULL);
    ts_response_free(&r);
    CHECK(visit(&t, "/report?about=me&lang=fr", "en", &v, &r));
    CHECK(strstr(r.body, "Tu n&#x27;as rien fait de mal") != NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_report_receipt_and_status(void)
{
    ts_server t;
    CHECK(ts_start(&t, HELPLINE));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report", "en", &v, &r));
    ts_response_free(&r);

    size_t img_len = 0;
    uint8_t *img = ti_image(1, &img_len);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "category", "image_video");
    ti_mp_field(&m, "urls", "HTTP://Example.COM:80/a/../gallery#top\r\n\r\n  example.com/other \r\n");
    ti_mp_field(&m, "platform", "ExampleShare");
    ti_mp_field(&m, "description", "Seen on a public gallery.");
    ti_mp_field(&m, "reporter_kind", "public");
    ti_mp_file(&m, "file", "../../etc/photo.pgm", img, img_len);
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK(follow_receipt(&t, &v, &r));
    char code[64], secret[64];
    element(r.body, "receipt-code", code, sizeof code);
    element(r.body, "receipt-secret", secret, sizeof secret);
    CHECK(strlen(code) >= 10 && strlen(secret) >= 20);
    ts_response_free(&r);
    free(m.buf);

    /* Stored: canonical URLs, the file in the vault, nothing identifying. */
    char text[512];
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 1);
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(canonical, ' ') FROM "
                                 "(SELECT canonical FROM report_urls ORDER BY id) AS u",
                             text, sizeof text),
                 "http://example.com/gallery http://example.com/other");
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT source || ' ' || category || ' ' || language FROM reports",
                             text, sizeof text),
                 "web image_video en");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT client_ip FROM reports"), -2);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT user_agent FROM reports"), -2);
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT filename FROM report_files", text, sizeof text),
                 "photo.pgm");
    vg_digests dg;
    char hex[65];
    vg_digest_buffer(img, img_len, &dg, NULL);
    vg_hex_encode(dg.sha256, 32, hex);
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT sha256 FROM report_files", text, sizeof text), hex);
    CHECK_INT_EQ(strlen(ti_sql_text(&t, "SELECT pdq FROM report_files", text, sizeof text)), 64);
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    CHECK_INT_EQ(ti_count_files(vault), 1);
    CHECK(!ti_tree_contains(vault, img + 13, 32));
    /* The receipt secret is not stored, only its hash. */
    char db[400];
    snprintf(db, sizeof db, "%s/data", t.dir);
    CHECK(!ti_tree_contains(db, secret, strlen(secret)));
    free(img);

    /* Status: as typed by a person (lowercase, spaces), then wrong. */
    CHECK(visit(&t, "/status", "en", &v, &r));
    CHECK(strstr(r.body, "<label for=\"code\">") && strstr(r.body, "<label for=\"secret\">"));
    ts_response_free(&r);
    char typed[80];
    snprintf(typed, sizeof typed, "%c%c%c %s", code[0] | 0x20, code[1] | 0x20, code[2] | 0x20,
             code + 3);
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "code", typed);
    ti_mp_field(&m, "secret", secret);
    ti_mp_end(&m);
    CHECK(post_form(&t, "/status", &v, &m, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "Received. It is waiting for someone to look at it.") != NULL);
    ts_response_free(&r);

    int64_t id = ti_sql_int(&t, "SELECT id FROM reports");
    CHECK(ts_report_set_status(t.srv->hotline->store, id, VG_REPORT_ASSESSED) == VG_OK);
    /* A decision shows only after status.reveal_hours (24): before, the
     * page cannot tell known material (assessed at once) from new. */
    CHECK(post_form(&t, "/status", &v, &m, &r));
    CHECK(strstr(r.body, "Received. It is waiting for someone to look at it.") != NULL);
    ts_response_free(&r);
    CHECK(ti_sql_exec(&t, "UPDATE reports SET created_at = created_at - 24 * 3600"));
    CHECK(post_form(&t, "/status", &v, &m, &r));
    CHECK(strstr(r.body, "Assessed. Your report has been assessed") != NULL);
    CHECK(strstr(r.body, "example.com") == NULL); /* nothing about the report itself */
    ts_response_free(&r);
    free(m.buf);

    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "code", code);
    ti_mp_field(&m, "secret", "WRONGSECRETWRONGSECRET22");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/status", &v, &m, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "Aucun signalement ne correspond") != NULL);
    CHECK(strstr(r.body, "Action") == NULL);
    ts_response_free(&r);
    free(m.buf);
    ts_stop(&t);
}

static void test_refusals_keep_answers(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report", "en", &v, &r));
    ts_response_free(&r);

    /* Nothing that says where: refused, the description kept. */
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "description", "I saw <something> & more");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.body, "role=\"alert\"") != NULL);
    CHECK(strstr(r.body, "Tell us where it is") != NULL);
    CHECK(strstr(r.body, "I saw &lt;something&gt; &amp; more") != NULL);
    ts_response_free(&r);
    free(m.buf);

    /* A choice not offered, an address that is not one, a text too long. */
    const char *bad[][2] = {{"category", "<script>"}, {"reporter_kind", "admin"},
                            {"urls", "http://exa mple.com/"}, {"urls", "http://a.test:99999/"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = (ti_multipart){0};
        ti_mp_field(&m, "csrf_token", v.csrf);
        ti_mp_field(&m, "account", "someone");
        ti_mp_field(&m, bad[i][0], bad[i][1]);
        ti_mp_end(&m);
        CHECK(post_form(&t, "/report", &v, &m, &r));
        CHECK_MSG(r.status == 400, "%s=%s: %ld", bad[i][0], bad[i][1], r.status);
        CHECK(strstr(r.body, "<script>") == NULL);
        ts_response_free(&r);
        free(m.buf);
    }
    char *long_text = malloc(30000);
    memset(long_text, 'a', 29999);
    long_text[29999] = 0;
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "account", "someone");
    ti_mp_field(&m, "description", long_text);
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    free(m.buf);
    free(long_text);

    /* The file field left empty, as browsers send it: no file. */
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "account", "no-file");
    ti_mp_file(&m, "file", "", "", 0);
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 303);
    ts_response_free(&r);
    free(m.buf);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM report_files"), 0);

    /* Without the CSRF token, or with a wrong one of the right length (64
     * hex digits): refused before anything is written. */
    char wrong[80];
    snprintf(wrong, sizeof wrong, "%s", v.csrf);
    CHECK_INT_EQ(strlen(wrong), 64);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    for (int with_token = 0; with_token < 2; with_token++) {
        m = (ti_multipart){0};
        if (with_token)
            ti_mp_field(&m, "csrf_token", wrong);
        ti_mp_field(&m, "account", "someone");
        ti_mp_end(&m);
        CHECK(post_form(&t, "/report", &v, &m, &r));
        CHECK_INT_EQ(r.status, 403);
        ts_response_free(&r);
        free(m.buf);
    }
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports WHERE account = 'someone'"), 0);

    /* Urlencoded works too (no file), and an account alone locates. */
    char body[256];
    snprintf(body, sizeof body, "csrf_token=%s&account=some%%20one&platform=Chat&lang=fr", v.csrf);
    const char *headers[] = {v.cookie, "Content-Type: application/x-www-form-urlencoded", NULL};
    CHECK(ts_call(&t, "POST", "/report", headers, body, strlen(body), &r));
    CHECK(follow_receipt(&t, &v, &r));
    CHECK(strstr(r.body, "Merci. Nous avons re") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 2);
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    for (int i = 0; i < 50 && ti_count_files(vault) > 0; i++)
        usleep(100 * 1000);
    CHECK_INT_EQ(ti_count_files(vault), 0);
    ts_stop(&t);
}

static void test_image_of_me_and_client_address(void)
{
    /* The operator chose to keep client addresses: then they are kept. */
    ts_server t;
    CHECK(ts_start(&t, HELPLINE "privacy.store_client_address = true\n"));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report?about=me", "en", &v, &r));
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "about", "me");
    ti_mp_field(&m, "category", "image_of_me");
    ti_mp_field(&m, "reporter_kind", "depicted");
    ti_mp_field(&m, "platform", "PhotoApp");
    ti_mp_field(&m, "account", "bad_account_42");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK(follow_receipt(&t, &v, &r));
    CHECK(strstr(r.body, "Test Helpline") != NULL); /* help is on the receipt too */
    ts_response_free(&r);
    free(m.buf);
    char text[128];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT category || ' ' || reporter_kind FROM reports", text,
                             sizeof text),
                 "image_of_me depicted");
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT client_ip FROM reports", text, sizeof text),
                 "127.0.0.1");
    ts_stop(&t);
}

/* Hostile posts: invalid UTF-8, a body over the limit, a traversal file
 * name. Each gets a clean 4xx or is neutralised, and the server goes on. */
static void test_hostile_posts(void)
{
    ts_server t;
    CHECK(ts_start(&t, "intake.max_request_bytes = 32K\n"));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report", "en", &v, &r));
    ts_response_free(&r);

    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "account", "bad\xff\xfe name");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    free(m.buf);

    uint8_t *big = calloc(1, 40 * 1024);
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "account", "someone");
    ti_mp_file(&m, "file", "big.bin", big, 40 * 1024);
    ti_mp_end(&m);
    /* announced by Content-Length: answered 413 before the body is read */
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 413);
    ts_response_free(&r);
    free(m.buf);
    free(big);

    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "account", "someone");
    ti_mp_file(&m, "file", "..\\..\\windows\\system.ini", "abc", 3);
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    CHECK_INT_EQ(r.status, 303);
    ts_response_free(&r);
    free(m.buf);
    char text[128];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT filename FROM report_files", text, sizeof text),
                 "system.ini");
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    for (int i = 0; i < 50 && ti_count_files(vault) > 1; i++)
        usleep(100 * 1000);
    CHECK_INT_EQ(ti_count_files(vault), 1);
    CHECK(ts_call(&t, "GET", "/healthz", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);
    ts_stop(&t);
}

/* 1 when html addresses the reader as "vous" (votre, vos) anywhere. */
static int says_vous(const char *html)
{
    const char *words[] = {"vous", "votre", "vos"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (const char *p = strcasestr(html, words[i]); p; p = strcasestr(p + 1, words[i])) {
            size_t n = strlen(words[i]);
            int before = p == html || !((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z');
            int after = !((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z');
            if (before && after)
                return 1;
        }
    return 0;
}

/* The receipt after post, redirect, get: a reload and a language switch
 * show it again and create nothing; a tampered cookie or none shows
 * nothing; "forget" deletes it. */
static void test_receipt_survives_reload(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report", "en", &v, &r));
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "urls", "https://example.test/a");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    char location[128] = "";
    CHECK(ts_header(&r, "Location", location, sizeof location) != NULL);
    CHECK(follow_receipt(&t, &v, &r));
    char code[64], secret[64], again[64];
    element(r.body, "receipt-code", code, sizeof code);
    element(r.body, "receipt-secret", secret, sizeof secret);
    CHECK(strlen(code) >= 10 && strlen(secret) >= 20);
    CHECK(strstr(location, code) == NULL && strstr(location, secret) == NULL);
    CHECK(strstr(r.body, "Check again in <bdi>3</bdi> days") != NULL); /* public.check_back_days */
    ts_response_free(&r);

    /* Reload, then the French and the Arabic page: the same receipt. */
    const char *headers[] = {v.cookie, NULL};
    const char *pages[] = {"/report/receipt?lang=en", "/report/receipt?lang=fr",
                           "/report/receipt?lang=ar"};
    for (size_t i = 0; i < 3; i++) {
        CHECK(ts_call(&t, "GET", pages[i], headers, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        CHECK_STR_EQ(element(r.body, "receipt-code", again, sizeof again), code);
        CHECK_STR_EQ(element(r.body, "receipt-secret", again, sizeof again), secret);
        if (i == 1)
            CHECK(strstr(r.body, "Merci. Nous avons re") != NULL);
        if (i == 2)
            CHECK(strstr(r.body, "<html lang=\"ar\" dir=\"rtl\">") != NULL);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 1);

    /* Another browser (no cookie), or a cookie changed by one character. */
    char tampered[1000];
    snprintf(tampered, sizeof tampered, "%s", v.cookie);
    char *last = tampered + strlen(tampered) - 1;
    *last = *last == 'a' ? 'b' : 'a';
    const char *none[] = {NULL}, *forged[] = {tampered, NULL};
    for (int i = 0; i < 2; i++) {
        CHECK(ts_call(&t, "GET", "/report/receipt", i ? forged : none, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        CHECK(strstr(r.body, "id=\"receipt-gone\"") != NULL);
        CHECK(strstr(r.body, code) == NULL);
        ts_response_free(&r);
    }

    /* "I wrote them down": the cookie is deleted. */
    char body[160];
    snprintf(body, sizeof body, "csrf_token=%s&lang=en", v.csrf);
    const char *post[] = {v.cookie, "Content-Type: application/x-www-form-urlencoded", NULL};
    CHECK(ts_call(&t, "POST", "/report/receipt", post, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 200);
    char value[64], attrs[1024];
    CHECK(ts_set_cookie(&r, "vigie_receipt", value, sizeof value, attrs, sizeof attrs) != NULL);
    CHECK(value[0] == 0 && strstr(attrs, "Max-Age=0") && strstr(attrs, "Path=/report"));
    CHECK(strstr(r.body, code) == NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

/* The home page, the privacy notice, the emergency line and the error
 * pages: from the configuration, in the visitor's language and the public
 * frame. */
static void test_home_privacy_and_errors(void)
{
    ts_server t;
    /* the defaults first: 112, no operator named */
    CHECK(ts_start(&t, NULL));
    visitor v = {0};
    ts_response r;
    const char *de[] = {"Accept-Language: de", NULL};
    CHECK(ts_call(&t, "GET", "/", de, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "<html lang=\"de\" dir=\"ltr\">") != NULL);
    CHECK(strstr(r.body, "Wenn ein Kind gerade in Gefahr ist, rufen Sie die Polizei: "
                         "<a href=\"tel:112\"><bdi>112</bdi></a>.") != NULL);
    CHECK(strstr(r.body, "href=\"/report?lang=de\"") && strstr(r.body, "href=\"/status?lang=de\"") &&
          strstr(r.body, "href=\"/privacy?lang=de\""));
    CHECK(strstr(r.body, "class=\"exit\" rel=\"noreferrer\" href=\"https://www.wikipedia.org/\"") !=
          NULL);
    ts_response_free(&r);
    ts_stop(&t);

    CHECK(ts_start(&t, "public.name = Point de Contact\n"
                       "public.operator = Association Exemple\n"
                       "public.operator_url = https://association.example/\n"
                       "public.contact = dpo@association.example\n"
                       "public.emergency_number = 17\n"
                       "privacy.store_client_address = true\n"));
    CHECK(ts_call(&t, "GET", "/?lang=fr", NULL, NULL, 0, &r));
    CHECK(strstr(r.body, "<h1>Point de Contact</h1>") != NULL);
    CHECK(strstr(r.body, "<title>Accueil - Point de Contact</title>") != NULL);
    CHECK(strstr(r.body, "appelez la police : <a href=\"tel:17\"><bdi>17</bdi></a>") != NULL);
    CHECK(strstr(r.body, "Ce service est géré par <a href=\"https://association.example/\">"
                         "<bdi>Association Exemple</bdi></a>.") != NULL);
    ts_response_free(&r);
    CHECK(ts_call(&t, "GET", "/privacy?lang=es", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "Guardamos su dirección IP") != NULL); /* what this operator chose */
    CHECK(strstr(r.body, "dpo@association.example") != NULL);
    ts_response_free(&r);

    /* 404 in the visitor's language, in the frame, with a way home. */
    const char *fr[] = {"Accept-Language: fr", NULL};
    CHECK(ts_call(&t, "GET", "/nulle-part", fr, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "<html lang=\"fr\"") && strstr(r.body, "Nous ne trouvons pas cette page") &&
          strstr(r.body, "href=\"/?lang=fr\"") && strstr(r.body, "tel:17"));
    ts_response_free(&r);
    CHECK(ts_call(&t, "GET", "/report/nowhere?lang=ar", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "dir=\"rtl\"") != NULL);
    ts_response_free(&r);
    /* Partners read JSON, never a page. */
    CHECK(ts_call(&t, "GET", "/api/v1/nowhere", fr, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "{\"error\"") == r.body);
    ts_response_free(&r);

    /* 403: the form's cookie lost. The form again, in French, answers
     * kept, the file asked for again, the reason focused. */
    CHECK(visit(&t, "/report", "fr", &v, &r));
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "account", "compte_perdu");
    ti_mp_file(&m, "file", "p.pgm", "P5 1 1 255 x", 12);
    ti_mp_end(&m);
    const char *no_cookie[] = {"Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    CHECK(ts_call(&t, "POST", "/report", no_cookie, m.buf, m.len, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 403);
    CHECK(strstr(r.body, "<html lang=\"fr\"") != NULL);
    CHECK(strstr(r.body, "id=\"error\" tabindex=\"-1\" autofocus") != NULL);
    CHECK(strstr(r.body, "votre navigateur n&#x27;a pas gardé notre cookie") != NULL);
    CHECK(strstr(r.body, "value=\"compte_perdu\"") != NULL);
    CHECK(strstr(r.body, "id=\"file-error\"") && strstr(r.body, "file-error\" aria-invalid=\"true\""));
    CHECK(strstr(r.body, "form has expired") == NULL); /* not the layer's English */
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 0);
    ts_stop(&t);
}

/* A field at fault is marked (aria-invalid, its message beside it and in
 * the focused summary), in the visitor's words, not the parser's. */
static void test_fields_at_fault(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report", "fr", &v, &r));
    CHECK(strstr(r.body, "aria-invalid=\"true\"") == NULL);
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "urls", "http://exa mple.test/");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.body, "id=\"urls\" autocomplete=\"off\" aria-describedby=\"urls-hint "
                         "urls-error\" aria-invalid=\"true\"") != NULL);
    CHECK(strstr(r.body, "<p class=\"field-error\" id=\"urls-error\">Cette adresse web n&#x27;a "
                         "pas pu être lue : http://exa mple.test/</p>") != NULL);
    CHECK(strstr(r.body, "<a href=\"#urls\">") != NULL);
    CHECK(strstr(r.body, "host") == NULL); /* the parser's English stays in the log */
    CHECK(strstr(r.body, "file-error") == NULL); /* no file was sent */
    ts_response_free(&r);

    /* The status page: both fields marked, the code kept, never the secret. */
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "code", "ABCDEFGHJK");
    ti_mp_field(&m, "secret", "SECRETSECRETSECRETSECRET");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/status", &v, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "id=\"code\"") && strstr(r.body, "value=\"ABCDEFGHJK\""));
    CHECK(strstr(r.body, "SECRETSECRET") == NULL);
    CHECK(strstr(r.body, "aria-invalid=\"true\" aria-describedby=\"error\"") != NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

/* The "image of me" path: one voice (French "tu") on every page of it,
 * the helplines of the configuration, the age asked and kept, advice
 * against sextortion. */
static void test_image_of_me_voice(void)
{
    ts_server t;
    CHECK(ts_start(&t, "public.emergency_number = 17\n"
                       "helpline.1.name = Allô Enfance en Danger\nhelpline.1.number = 119\n"
                       "helpline.2.name = 3018 (e-Enfance)\nhelpline.2.number = 3018\n"
                       "helpline.2.url = https://e-enfance.org/\nhelpline.2.for = online\n"));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report?about=me&lang=fr", "fr", &v, &r));
    CHECK(!says_vous(r.body));
    CHECK(strstr(r.body, "<a class=\"tel\" href=\"tel:119\" dir=\"ltr\">119</a>") != NULL);
    CHECK(strstr(r.body, "<a class=\"tel\" href=\"tel:3018\" dir=\"ltr\">3018</a>") != NULL);
    CHECK(strstr(r.body, "Pour le harcèlement en ligne, la sextorsion") != NULL);
    CHECK(strstr(r.body, "Ne paie pas") != NULL);
    CHECK(strstr(r.body, "appelle la police") != NULL);
    CHECK(strstr(r.body, "<select name=\"reporter_age\" id=\"reporter_age\"") != NULL);
    ts_response_free(&r);
    /* The check itself finds the adults' voice. */
    CHECK(visit(&t, "/report?lang=fr", "fr", &v, &r));
    CHECK(says_vous(r.body));
    ts_response_free(&r);

    /* An age not offered: refused in the same voice, the field marked. */
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "about", "me");
    ti_mp_field(&m, "category", "image_of_me");
    ti_mp_field(&m, "account", "compte_42");
    ti_mp_field(&m, "reporter_age", "12\"><script>");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 400);
    CHECK(!says_vous(r.body));
    CHECK(strstr(r.body, "Choisis une des réponses") != NULL);
    CHECK(strstr(r.body, "id=\"reporter_age\" aria-describedby=\"reporter_age-hint "
                         "reporter_age-error\" aria-invalid=\"true\"") != NULL);
    CHECK(strstr(r.body, "<script>") == NULL);
    ts_response_free(&r);

    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "about", "me");
    ti_mp_field(&m, "category", "image_of_me");
    ti_mp_field(&m, "account", "compte_42");
    ti_mp_field(&m, "reporter_age", "13_15");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    CHECK(follow_receipt(&t, &v, &r));
    CHECK(!says_vous(r.body));
    CHECK(strstr(r.body, "Merci. Nous avons reçu ton signalement.") != NULL);
    CHECK(strstr(r.body, "tel:119") != NULL);
    ts_response_free(&r);
    char text[128];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT extra_json FROM reports", text, sizeof text),
                 "{\"reporter_age\":\"13_15\"}");

    /* A mistyped number in the configuration stops the start, named. */
    ts_stop(&t);
    ts_server bad;
    CHECK(!ts_start(&bad, "helpline.1.name = X\nhelpline.1.number = call us\n"));
    ts_stop(&bad);
}

/* A report submitted on the form at path (about: "me" or NULL) in lang;
 * its receipt's code and secret, and its row id. */
static int64_t submit_for_status(ts_server *t, visitor *v, const char *lang, const char *about,
                                 const char *kind, char code[64], char secret[64])
{
    ts_response r;
    char path[64];
    snprintf(path, sizeof path, "/report?lang=%s%s", lang, about ? "&about=me" : "");
    if (!visit(t, path, lang, v, &r))
        return 0;
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v->csrf);
    ti_mp_field(&m, "lang", lang);
    if (about) {
        ti_mp_field(&m, "about", "me");
        ti_mp_field(&m, "reporter_kind", "depicted"); /* the path's hidden field */
        ti_mp_field(&m, "category", "image_of_me");
        ti_mp_field(&m, "reporter_age", "13_15");
    } else {
        ti_mp_field(&m, "category", "image_video");
        ti_mp_field(&m, "reporter_kind", kind);
    }
    ti_mp_field(&m, "urls", "http://pictures.example/a\r\nhttp://pictures.example/b");
    ti_mp_end(&m);
    int ok = post_form(t, "/report", v, &m, &r) && follow_receipt(t, v, &r);
    free(m.buf);
    if (ok) {
        element(r.body, "receipt-code", code, 64);
        element(r.body, "receipt-secret", secret, 64);
    }
    ts_response_free(&r);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id FROM reports WHERE receipt_code = '%s'", code);
    return ok ? ti_sql_int(t, sql) : 0;
}

static int post_status(ts_server *t, visitor *v, const char *lang, const char *code,
                       const char *secret, ts_response *r)
{
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v->csrf);
    ti_mp_field(&m, "lang", lang);
    ti_mp_field(&m, "code", code);
    ti_mp_field(&m, "secret", secret);
    ti_mp_end(&m);
    int ok = post_form(t, "/status", v, &m, r);
    free(m.buf);
    return ok;
}

/* The status page says what was done, in plain words, from the same
 * actions a partner reads (GET /api/v1/reports/{id}): forwarded, a notice,
 * a referral, removed and on which day; never to whom, a reference or who
 * did it; only once the decision shows; a young person's report in their
 * voice. */
static void test_status_says_what_was_done(void)
{
    ts_server t;
    CHECK(ts_start(&t, HELPLINE));
    vg_store *store = t.srv->hotline->store;
    visitor v = {0};
    ts_response r;
    char code[64], secret[64];
    int64_t id = submit_for_status(&t, &v, "en", NULL, "public", code, secret);
    CHECK(id > 0);
    /* 2025-12-01 09:30 UTC and 2025-12-03 23:59 UTC (date -u -d @...). */
    const int64_t at1 = 1764581400, at2 = 1764806340;
    vg_route_action acts[] = {
        {.report_id = id, .type = VG_DONE_FORWARDED, .at = at1, .to = "Hotline Deutschland",
         .reference = "DE-REF-4711", .url = "http://pictures.example/a", .by = ""},
        {.report_id = id, .type = VG_DONE_REMOVED, .at = at2, .to = "Hotline Deutschland",
         .reference = "DE-REF-4711", .url = "http://pictures.example/a",
         .by = "Analyst Erika Mustermann"},
        {.report_id = id, .type = VG_DONE_REFERRED, .at = at1, .to = "OFMIN Paris",
         .reference = "PJ-99", .url = "http://pictures.example/b", .by = ""},
    };
    for (size_t i = 0; i < 2; i++)
        CHECK(ts_action_add(store, &acts[i]) == VG_OK);
    CHECK(ts_report_set_status(store, id, VG_REPORT_ASSESSED) == VG_OK);

    /* Before status.reveal_hours: nothing done shows, as no decision does. */
    CHECK(post_status(&t, &v, "en", code, secret, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "Received.") != NULL);
    CHECK(strstr(r.body, "report-done") == NULL);
    ts_response_free(&r);

    CHECK(ti_sql_exec(&t, "UPDATE reports SET created_at = created_at - 24 * 3600"));
    CHECK(post_status(&t, &v, "en", code, secret, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "Assessed.") != NULL);
    CHECK(strstr(r.body, "<li id=\"done-forwarded\">We passed your report to the hotline of the "
                         "country where the material is hosted.") != NULL);
    /* One of the two URLs is gone: "some", on the day it was seen gone. */
    CHECK(strstr(r.body, "<li id=\"done-removed\">Some of the material has been removed, the "
                         "last on <bdi>2025\u201112\u201103</bdi>.") != NULL);
    CHECK(strstr(r.body, "done-notice") == NULL && strstr(r.body, "done-referred") == NULL);
    const char *secrets[] = {"Deutschland", "DE-REF", "Erika", "pictures.example", "OFMIN", "PJ-99"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        CHECK_MSG(strstr(r.body, secrets[i]) == NULL, "the page shows %s", secrets[i]);
    ts_response_free(&r);

    /* The other URL: a referral, then gone; in German. */
    vg_route_action more[] = {
        acts[2],
        {.report_id = id, .type = VG_DONE_NOTICE_SENT, .at = at1, .to = "abuse@host.example",
         .reference = "", .url = "http://pictures.example/b", .by = ""},
        {.report_id = id, .type = VG_DONE_REMOVED, .at = at1, .to = "", .reference = "",
         .url = "http://pictures.example/b", .by = ""},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        CHECK(ts_action_add(store, &more[i]) == VG_OK);
    CHECK(post_status(&t, &v, "de", code, secret, &r));
    CHECK(strstr(r.body, "<li id=\"done-notice\">Wir haben den Dienst, der das Material "
                         "speichert, aufgefordert, es zu entfernen.</li>") != NULL);
    CHECK(strstr(r.body, "<li id=\"done-referred\">Wir haben Ihre Meldung an die Polizei") !=
          NULL);
    CHECK(strstr(r.body, "<li id=\"done-removed\">Das Material wurde entfernt. Am "
                         "<bdi>2025\u201112\u201103</bdi> haben wir") != NULL);
    CHECK(strstr(r.body, "OFMIN") == NULL && strstr(r.body, "host.example") == NULL);
    ts_response_free(&r);

    /* A young person's report, from the "image of me" path: "tu" on the
     * whole page, and the link from the receipt keeps the voice. */
    visitor w = {0};
    char code2[64], secret2[64];
    int64_t id2 = submit_for_status(&t, &w, "fr", "me", NULL, code2, secret2);
    CHECK(id2 > 0);
    vg_route_action fwd = acts[0];
    fwd.report_id = id2;
    CHECK(ts_action_add(store, &fwd) == VG_OK);
    CHECK(ti_sql_exec(&t, "UPDATE reports SET created_at = created_at - 24 * 3600"));
    CHECK(post_status(&t, &w, "fr", code2, secret2, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "Où en est ton signalement") != NULL);
    CHECK(strstr(r.body, "Nous avons transmis ton signalement à la hotline du pays") != NULL);
    CHECK(!says_vous(r.body));
    ts_response_free(&r);
    /* A child reporting on the adults' form reads the same voice. */
    visitor c = {0};
    char code3[64], secret3[64];
    CHECK(submit_for_status(&t, &c, "fr", NULL, "child", code3, secret3) > 0);
    CHECK(post_status(&t, &c, "fr", code3, secret3, &r));
    CHECK(strstr(r.body, "Où en est ton signalement") != NULL);
    CHECK(!says_vous(r.body));
    ts_response_free(&r);
    /* The adults' own voice, for the check's sake. */
    CHECK(post_status(&t, &v, "fr", code, secret, &r));
    CHECK(strstr(r.body, "Nous avons transmis votre signalement à la police") != NULL);
    ts_response_free(&r);
    /* A wrong secret on the young path's form stays in that voice. */
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", w.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "about", "me");
    ti_mp_field(&m, "code", code2);
    ti_mp_field(&m, "secret", "WRONGSECRETWRONGSECRET22");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/status", &w, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 404);
    CHECK(strstr(r.body, "Vérifie-les et réessaie.") != NULL);
    CHECK(strstr(r.body, "name=\"about\" value=\"me\"") != NULL);
    CHECK(!says_vous(r.body));
    ts_response_free(&r);
    ts_stop(&t);
}

/* "A child is in danger right now" on both forms: the box names the
 * police number, a ticked box marks the report and raises one alert at
 * once, an unticked one raises none, and a refused form keeps the tick. */
static void test_child_in_danger_box(void)
{
    ts_server t;
    CHECK(ts_start(&t, "public.emergency_number = 17\n"));
    visitor v = {0};
    ts_response r;
    CHECK(visit(&t, "/report?lang=fr", "fr", &v, &r));
    CHECK(strstr(r.body, "<input type=\"checkbox\" name=\"danger\" id=\"danger\" value=\"1\" "
                         "aria-describedby=\"danger-hint\">") != NULL);
    CHECK(strstr(r.body, "Appelez aussi la police : <a href=\"tel:17\"><bdi>17</bdi></a>") != NULL);
    ts_response_free(&r);
    CHECK(visit(&t, "/report?about=me&lang=fr", "fr", &v, &r));
    CHECK(strstr(r.body, "Je suis en danger en ce moment") != NULL);
    CHECK(!says_vous(r.body));
    ts_response_free(&r);

    /* Ticked, on the adults' form and on the young person's. */
    const char *forms[][3] = {{"", "image_video", "a"}, {"me", "image_of_me", "b"}};
    for (size_t i = 0; i < 2; i++) {
        ti_multipart m = {0};
        ti_mp_field(&m, "csrf_token", v.csrf);
        ti_mp_field(&m, "lang", "fr");
        if (*forms[i][0])
            ti_mp_field(&m, "about", forms[i][0]);
        ti_mp_field(&m, "category", forms[i][1]);
        ti_mp_field(&m, "account", forms[i][2]);
        ti_mp_field(&m, "danger", "1");
        ti_mp_end(&m);
        CHECK(post_form(&t, "/report", &v, &m, &r));
        free(m.buf);
        CHECK_INT_EQ(r.status, 303);
        ts_response_free(&r);
    }
    /* Not ticked: no alert. */
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "category", "image_video");
    ti_mp_field(&m, "account", "c");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 303);
    ts_response_free(&r);
    char text[128];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(account || ':' || danger, ' ') FROM "
                                 "(SELECT account, danger FROM reports ORDER BY account) AS r",
                             text, sizeof text),
                 "a:1 b:1 c:0");
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(reason, ' ') FROM alerts", text,
                             sizeof text),
                 "danger danger");

    /* A refused form (an address that is not one) keeps the tick. */
    m = (ti_multipart){0};
    ti_mp_field(&m, "csrf_token", v.csrf);
    ti_mp_field(&m, "lang", "fr");
    ti_mp_field(&m, "category", "image_video");
    ti_mp_field(&m, "urls", "not a url");
    ti_mp_field(&m, "danger", "1");
    ti_mp_end(&m);
    CHECK(post_form(&t, "/report", &v, &m, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.body, "aria-describedby=\"danger-hint\" checked>") != NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_form_languages_and_accessibility);
    RUN(test_report_receipt_and_status);
    RUN(test_refusals_keep_answers);
    RUN(test_image_of_me_and_client_address);
    RUN(test_hostile_posts);
    RUN(test_receipt_survives_reload);
    RUN(test_home_privacy_and_errors);
    RUN(test_fields_at_fault);
    RUN(test_image_of_me_voice);
    RUN(test_child_in_danger_box);
    RUN(test_status_says_what_was_done);
    curl_global_cleanup();
    return vg_test_exit();
}
