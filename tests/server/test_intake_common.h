/*
 * tests/server/test_intake_common.h - helpers of the intake tests: SQL
 * peeks into the store, multipart bodies, a synthetic image, vault scans.
 */
#ifndef VIGIE_TESTS_INTAKE_COMMON_H
#define VIGIE_TESTS_INTAKE_COMMON_H

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "server_test.h"

/* sql in PostgreSQL's words: the tests write SQLite's, and a few of its
 * functions have other names there. Into out[cap]. */
static inline const char *ti_sql_pg(const char *sql, char *out, size_t cap)
{
    static const char *const words[][2] = {
        {"group_concat(", "string_agg("}, /* same arguments */
        {"strftime('%s','now')", "CAST(extract(epoch FROM now()) AS BIGINT)"},
        /* SQLite's json_extract, as the tests use it (json keeps the text) */
        {"json_extract(video_match, '$.segments')",
         "CAST(video_match::json->'segments' AS TEXT)"},
        {"json_extract(video_match, '$.query_percent')",
         "CAST(video_match::json->'query_percent' AS TEXT)"},
    };
    const size_t nwords = sizeof words / sizeof words[0];
    size_t n = 0;
    for (const char *p = sql; *p && n + 64 < cap;) {
        size_t w = 0;
        while (w < nwords && strncmp(p, words[w][0], strlen(words[w][0])))
            w++;
        if (w < nwords) {
            n += (size_t)snprintf(out + n, cap - n, "%s", words[w][1]);
            p += strlen(words[w][0]);
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return out;
}

/* The first column of the first row of sql (an integer), or -1. */
static inline long long ti_sql_int(ts_server *t, const char *sql)
{
    char pg[2048];
    if (t->db[0])
        return pgt_int(t->db, ti_sql_pg(sql, pg, sizeof pg));
    char path[400];
    snprintf(path, sizeof path, "%s/data/vigie.db", t->dir);
    sqlite3 *db = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

/* Change the store behind the server's back (time passing, in tests). */
static inline int ti_sql_exec(ts_server *t, const char *sql)
{
    char pg[2048];
    if (t->db[0])
        return pgt_exec(t->db, ti_sql_pg(sql, pg, sizeof pg));
    char path[400];
    snprintf(path, sizeof path, "%s/data/vigie.db", t->dir);
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

/* The first column of the first row of sql as text into out ("" when none). */
static inline const char *ti_sql_text(ts_server *t, const char *sql, char *out, size_t cap)
{
    char pg[2048];
    if (t->db[0])
        return pgt_text(t->db, ti_sql_pg(sql, pg, sizeof pg), out, cap);
    char path[400];
    snprintf(path, sizeof path, "%s/data/vigie.db", t->dir);
    sqlite3 *db = NULL;
    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

/* A multipart/form-data body under construction. */
typedef struct ti_multipart {
    char *buf;
    size_t len, cap;
} ti_multipart;

#define TI_BOUNDARY "vigieTestBoundary7MA4YWxkTrZu0gW"

static inline void ti_mp_raw(ti_multipart *m, const void *data, size_t n)
{
    size_t need = m->len + n + 1; /* and a terminator, for strstr in checks */
    if (need > m->cap) {
        size_t cap = need > 4096 ? need * 2 : 4096;
        char *grown = realloc(m->buf, cap);
        if (!grown) {
            fprintf(stderr, "out of memory building a multipart body\n");
            abort();
        }
        m->buf = grown;
        m->cap = cap;
    }
    char *end = (char *)memcpy(m->buf + m->len, data, n) + n;
    *end = 0;
    m->len += n;
}

static inline void ti_mp_field(ti_multipart *m, const char *name, const char *value)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "--" TI_BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n",
                     name);
    ti_mp_raw(m, head, (size_t)n);
    ti_mp_raw(m, value, strlen(value));
    ti_mp_raw(m, "\r\n", 2);
}

static inline void ti_mp_file(ti_multipart *m, const char *name, const char *filename,
                              const void *data, size_t len)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "--" TI_BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"; "
                     "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                     name, filename);
    ti_mp_raw(m, head, (size_t)n);
    ti_mp_raw(m, data, len);
    ti_mp_raw(m, "\r\n", 2);
}

static inline void ti_mp_end(ti_multipart *m) { ti_mp_raw(m, "--" TI_BOUNDARY "--\r\n", 4 + strlen(TI_BOUNDARY) + 2); }

/* A synthetic 64x64 grey PNM picture (P5), seeded so files differ. */
static inline uint8_t *ti_image(int seed, size_t *len)
{
    const char *header = "P5\n64 64\n255\n";
    size_t hlen = strlen(header);
    uint8_t *img = malloc(hlen + 64 * 64);
    memcpy(img, header, hlen);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            img[hlen + (size_t)y * 64 + (size_t)x] = (uint8_t)(((x + y + seed) * 8) ^ (x * y));
    *len = hlen + 64 * 64;
    return img;
}

/* Regular files under dir (recursively). */
static inline int ti_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat sb;
        if (lstat(path, &sb) != 0)
            continue;
        n += S_ISDIR(sb.st_mode) ? ti_count_files(path) : 1;
    }
    closedir(d);
    return n;
}

/* Does any file under dir contain needle? */
static inline int ti_tree_contains(const char *dir, const void *needle, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat sb;
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            found = ti_tree_contains(path, needle, n);
            continue;
        }
        size_t len = 0;
        uint8_t *content = vg_test_read_file(path, &len);
        for (size_t i = 0; content && !found && i + n <= len; i++)
            found = memcmp(content + i, needle, n) == 0;
        free(content);
    }
    closedir(d);
    return found;
}

/* After a report was posted to the form: it must answer 303 to its
 * receipt with the receipt's cookie (path /report, HttpOnly, SameSite,
 * public.receipt_minutes' default of 15). The cookie joins the visitor's
 * "Cookie: ..." line (cookie, cap bytes), and r becomes the receipt page
 * fetched with it. */
static inline int ti_follow_receipt(ts_server *t, char *cookie, size_t cap, ts_response *r)
{
    char location[128] = "", sealed[600] = "", attrs[1024] = "";
    int ok = r->status == 303 && ts_header(r, "Location", location, sizeof location) &&
             !strncmp(location, "/report/receipt?lang=", 21) &&
             ts_set_cookie(r, "vigie_receipt", sealed, sizeof sealed, attrs, sizeof attrs) &&
             strstr(attrs, "Path=/report") && strstr(attrs, "HttpOnly") &&
             strstr(attrs, "SameSite=Strict") && strstr(attrs, "Max-Age=900");
    CHECK_MSG(ok, "a stored report redirects to its receipt (status %ld)", r->status);
    if (!ok) /* r stays the answer, for the caller's checks */
        return 0;
    ts_response_free(r);
    char *end = strstr(cookie, "; vigie_receipt=");
    if (end)
        *end = 0;
    size_t n = strlen(cookie);
    snprintf(cookie + n, cap - n, "%svigie_receipt=%s", n ? "; " : "Cookie: ", sealed);
    const char *headers[] = {cookie, NULL};
    return ts_call(t, "GET", location, headers, NULL, 0, r) && r->status == 200;
}

#endif
