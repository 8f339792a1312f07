/*
 * tests/server/test_people.h - the people of the console tests: staff
 * signed in with a session, the public sending reports through the form,
 * and what the store says about an item.
 */
#ifndef VIGIE_TESTS_PEOPLE_H
#define VIGIE_TESTS_PEOPLE_H

#include "test_intake_common.h"

typedef struct person {
    char cookie[120];
    char csrf[65];
} person;

static inline int64_t sign_in(ts_server *t, const char *user, vg_role role, person *p)
{
    int64_t id = ts_account(t, user, "a long enough password 1", role);
    char token[65];
    if (!id || !ts_session(t, id, 0, token, p->csrf))
        return 0;
    snprintf(p->cookie, sizeof p->cookie, "Cookie: vigie_session=%s", token);
    return id;
}

static inline int get(ts_server *t, const person *p, const char *path, ts_response *r)
{
    const char *headers[] = {p ? p->cookie : "X-None: 1", NULL};
    return ts_call(t, "GET", path, headers, NULL, 0, r);
}

/* POST a urlencoded form; "csrf_token=..." is added first unless no_csrf. */
static inline long post(ts_server *t, const person *p, const char *path, const char *fields,
                 int no_csrf, ts_response *r)
{
    char body[8192];
    if (no_csrf)
        snprintf(body, sizeof body, "%s", fields);
    else
        snprintf(body, sizeof body, "csrf_token=%s&%s", p->csrf, fields);
    const char *headers[] = {p->cookie, "Content-Type: application/x-www-form-urlencoded", NULL};
    if (!ts_call(t, "POST", path, headers, body, strlen(body), r))
        return -1;
    return r->status;
}

static inline long post_simple(ts_server *t, const person *p, const char *path, const char *fields)
{
    ts_response r;
    long s = post(t, p, path, fields, 0, &r);
    ts_response_free(&r);
    return s;
}

/* A report through the public form, with picture (len bytes) when not
 * NULL; returns its row id (0 on failure). */
static inline int64_t public_report_with(ts_server *t, const char *category, const char *url,
                                         const uint8_t *picture, size_t len)
{
    ts_response r;
    const char *none[] = {NULL};
    if (!ts_call(t, "GET", "/report", none, NULL, 0, &r))
        return 0;
    char cookie[200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r.body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "category", category);
    if (url)
        ti_mp_field(&m, "urls", url);
    ti_mp_field(&m, "reporter_kind", "public");
    if (picture)
        ti_mp_file(&m, "file", "picture.pgm", picture, len);
    ti_mp_end(&m);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    /* 303: to the receipt (post, redirect, get) */
    int ok = ts_call(t, "POST", "/report", headers, m.buf, m.len, &r) && r.status == 303;
    free(m.buf);
    ts_response_free(&r);
    return ok ? (int64_t)ti_sql_int(t, "SELECT max(id) FROM reports") : 0;
}

/* The same with the synthetic picture of image_seed (0: no picture). */
static inline int64_t public_report(ts_server *t, const char *category, const char *url,
                                    int image_seed)
{
    size_t len = 0;
    uint8_t *img = image_seed ? ti_image(image_seed, &len) : NULL;
    int64_t id = public_report_with(t, category, url, img, len);
    free(img);
    return id;
}

/* Stop the server and open it again on the same data with extra settings. */
static inline int reopen(ts_server *t, const char *extra)
{
    vg_server_stop(t->srv, 5);
    vg_server_free(t->srv);
    t->srv = NULL;
    return ts_open_in(t, extra) && ts_listen(t);
}

static inline long long version_of(ts_server *t, int64_t report)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT version FROM console_items WHERE report_id = %lld",
             (long long)report);
    long long v = ti_sql_int(t, sql);
    return v < 0 ? 0 : v;
}

static inline const char *state_of(ts_server *t, int64_t report, char *out, size_t cap)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT state FROM console_items WHERE report_id = %lld",
             (long long)report);
    return ti_sql_text(t, sql, out, cap);
}

#define ASSESS_A "legal=illegal_csam&severity=A&age=b1&sex=female&flag=self_generated" \
                 "&baseline=real_child&baseline=prepubescent&country=FR&note=first+look"
#define ASSESS_B "legal=illegal_csam&severity=B&age=b1&sex=female&flag=self_generated" \
                 "&baseline=real_child&country=FR"

#endif
