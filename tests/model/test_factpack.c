/*
 * tests/model/test_factpack.c - statistics' facts packed in a blob
 * (src/model/factpack.h): every fact comes back as it went in, and a blob
 * damaged in any byte, cut at any length or of another version is refused.
 */
#include <stdlib.h>

#include "harness.h"
#include "model/factpack.h"

typedef struct got {
    vg_report_fact f[4];
    char s[4][16][32];
    size_t n;
} got;

static const char **strings_of(vg_report_fact *f, const char ***out)
{
    const char **s[16] = {&f->source,   &f->reporter_kind, &f->category, &f->language,
                          &f->country,  &f->state,         &f->legal,    &f->severity,
                          &f->age,      &f->host_country,  &f->asn,      &f->provider,
                          &f->route,    &f->sex,           &f->flags,    &f->baseline};
    memcpy(out, s, sizeof s);
    return NULL;
}

static int keep(void *ctx, const vg_report_fact *fact)
{
    got *g = ctx;
    if (g->n == 4)
        return 1;
    vg_report_fact *f = &g->f[g->n];
    *f = *fact;
    const char **s[16];
    strings_of(f, s);
    for (int i = 0; i < 16; i++)
        if (*s[i]) {
            snprintf(g->s[g->n][i], sizeof g->s[g->n][i], "%s", *s[i]);
            *s[i] = g->s[g->n][i];
        }
    g->n++;
    return 0;
}

static int same(vg_report_fact *a, vg_report_fact *b)
{
    const int64_t x[] = {a->id, a->case_id, a->created_at, a->first_look_at, a->decided_at,
                         a->duplicate, a->files, a->known_files, a->claimed_files, a->videos,
                         a->urls, a->notices, a->renotices, a->escalations, a->reappearances,
                         a->notice_at, a->removed_at, a->blocked, a->appeals};
    const int64_t y[] = {b->id, b->case_id, b->created_at, b->first_look_at, b->decided_at,
                         b->duplicate, b->files, b->known_files, b->claimed_files, b->videos,
                         b->urls, b->notices, b->renotices, b->escalations, b->reappearances,
                         b->notice_at, b->removed_at, b->blocked, b->appeals};
    if (memcmp(x, y, sizeof x))
        return 0;
    const char **s[16], **t[16];
    strings_of(a, s);
    strings_of(b, t);
    for (int i = 0; i < 16; i++)
        if ((*s[i] == NULL) != (*t[i] == NULL) || (*s[i] && strcmp(*s[i], *t[i])))
            return 0;
    return 1;
}

static vg_report_fact facts[3];

static void make_facts(void)
{
    facts[0] = (vg_report_fact){.id = 7, .case_id = 7, .created_at = 1767225600,
                                .first_look_at = 1767229200, .decided_at = 1767232800,
                                .source = "web", .reporter_kind = "child",
                                .category = "image_video", .state = "confirmed",
                                .legal = "illegal_csam", .severity = "A", .age = "",
                                .flags = "self_generated,grooming", .files = 3,
                                .known_files = 1, .videos = 1, .urls = 1, .notices = 2,
                                .notice_at = 1767225601, .removed_at = 1767225599};
    /* extremes: every integer at its ends, times before their receipt */
    facts[1] = (vg_report_fact){.id = INT64_MAX, .case_id = INT64_MIN, .created_at = INT64_MIN,
                                .first_look_at = INT64_MAX, .decided_at = -1,
                                .duplicate = 1, .files = INT64_MIN, .appeals = INT64_MAX,
                                .source = "web", .asn = "AS64500", .provider = "Ünïcode AS"};
    facts[2] = (vg_report_fact){.id = 1, .case_id = 0, .created_at = 0, .renotices = -5};
}

static void test_round_trip(void)
{
    make_facts();
    vg_factpack *p = NULL;
    vg_error err;
    CHECK(vg_factpack_new(&p, &err) == VG_OK);
    for (int i = 0; i < 3; i++)
        CHECK(vg_factpack_add(p, &facts[i], &err) == VG_OK);
    CHECK_INT_EQ(vg_factpack_count(p), 3);
    const unsigned char *bytes = NULL;
    size_t len = 0;
    CHECK(vg_factpack_bytes(p, &bytes, &len, &err) == VG_OK);
    got g = {0};
    CHECK(vg_factpack_read(bytes, len, keep, &g, &err) == VG_OK);
    CHECK_INT_EQ(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        CHECK_MSG(same(&g.f[i], &facts[i]), "fact %zu changed", i);
    /* an empty pack reads as no fact */
    vg_factpack *empty = NULL;
    CHECK(vg_factpack_new(&empty, &err) == VG_OK);
    const unsigned char *eb;
    size_t el;
    CHECK(vg_factpack_bytes(empty, &eb, &el, &err) == VG_OK);
    memset(&g, 0, sizeof g);
    CHECK(vg_factpack_read(eb, el, keep, &g, &err) == VG_OK && g.n == 0);
    vg_factpack_free(empty);
    /* a consumer that stops */
    memset(&g, 0, sizeof g);
    g.n = 4;
    CHECK(vg_factpack_read(bytes, len, keep, &g, &err) == VG_ERR_ABORTED);
    vg_factpack_free(p);
}

static void test_damage(void)
{
    make_facts();
    vg_factpack *p = NULL;
    vg_error err;
    CHECK(vg_factpack_new(&p, &err) == VG_OK);
    for (int i = 0; i < 3; i++)
        CHECK(vg_factpack_add(p, &facts[i], &err) == VG_OK);
    const unsigned char *bytes = NULL;
    size_t len = 0;
    CHECK(vg_factpack_bytes(p, &bytes, &len, &err) == VG_OK);
    unsigned char *copy = malloc(len);
    /* every byte changed, every length cut: refused, and no fact given */
    size_t refused = 0;
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, bytes, len);
        copy[i] ^= 0x20;
        got g = {0};
        vg_status st = vg_factpack_read(copy, len, keep, &g, &err);
        refused += (st == VG_ERR_CORRUPT || (i == 4 && st == VG_ERR_UNSUPPORTED)) && g.n == 0;
    }
    CHECK_INT_EQ(refused, len);
    refused = 0;
    for (size_t n = 0; n < len; n++) {
        got g = {0};
        refused += vg_factpack_read(bytes, n, keep, &g, &err) != VG_OK && g.n == 0;
    }
    CHECK_INT_EQ(refused, len);
    /* another version says so */
    memcpy(copy, bytes, len);
    copy[4] = 2;
    got g = {0};
    CHECK(vg_factpack_read(copy, len, keep, &g, &err) == VG_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, "newer vigie") != NULL);
    /* damage is named */
    copy[4] = 1;
    copy[len / 2] ^= 1;
    CHECK(vg_factpack_read(copy, len, keep, &g, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "damaged: its checksum") != NULL);
    free(copy);
    vg_factpack_free(p);
}

/* A blob whose checksum holds but whose content is wrong, as a writer
 * with a bug (or a person editing the database) would make: one string
 * "a", one fact whose source is string number index (0: none). */
static size_t crafted(unsigned char *b, unsigned index)
{
    size_t n = 0;
    const unsigned char head[] = {'V', 'G', 'F', 'P', 1, 1 /* strings */, 1, 'a', 1 /* facts */,
                                  2 /* id 1 */, 0, 0, 0 /* no time */};
    memcpy(b, head, sizeof head);
    n = sizeof head;
    for (int i = 0; i < 12; i++) /* duplicate and the 11 counts */
        b[n++] = 0;
    b[n++] = (unsigned char)index;
    for (int i = 1; i < 16; i++)
        b[n++] = 0;
    uint64_t h = 14695981039346656037u; /* FNV-1a 64, the format's checksum */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u;
    for (int i = 0; i < 8; i++)
        b[n++] = (unsigned char)(h >> (8 * i));
    return n;
}

/* A string index past the blob's table is refused, not read. */
static void test_string_index(void)
{
    unsigned char b[64];
    vg_error err;
    got g = {0};
    size_t n = crafted(b, 1);
    CHECK_MSG(vg_factpack_read(b, n, keep, &g, &err) == VG_OK, "%s", err.message);
    CHECK(g.n == 1 && g.f[0].id == 1 && g.f[0].source && !strcmp(g.f[0].source, "a"));
    for (unsigned index = 2; index < 5; index++) {
        memset(&g, 0, sizeof g);
        n = crafted(b, index);
        CHECK(vg_factpack_read(b, n, keep, &g, &err) == VG_ERR_CORRUPT && g.n == 0);
    }
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_damage);
    RUN(test_string_index);
    return vg_test_exit();
}
