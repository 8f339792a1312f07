/*
 * src/hotline/crawling.c - the server's crawl job (crawling.h); its settings
 * are read in crawl_settings.c.
 */
#include "hotline/crawling.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/crawling_internal.h"
#include "hotline/evidence.h"
#include "hotline/intake.h"
#include "hotline/notices.h"
#include "model/notice.h"
#include "model/vocab.h"
#include "store/audit.h"
#include "store/crawl.h"
#include "store/items.h"
#include "store/notices.h"
#include "vigie/crawl.h"
#include "vigie/video.h"

/* ---- one target's crawl ---------------------------------------------------- */

/* A media file found, hashed and matched, waiting for the end of the
 * crawl: whether it is reported depends on what else its page carried. */
typedef struct finding {
    vg_intake_draft *draft; /* its one file in the vault until freed */
    char *page, *url;
    int known;
} finding;

typedef struct crawl_state {
    vg_hotline *h;
    const vg_crawl_target *target;
    int64_t now;
    finding *found;
    size_t count, cap;
    size_t known;
    int stopped; /* the store failed: the crawl stops with that error */
    char error[240]; /* the first page or media that failed */
} crawl_state;

static void note_error(crawl_state *s, const char *url, const char *why)
{
    if (!s->error[0])
        snprintf(s->error, sizeof s->error, "%.120s: %.110s", url, why ? why : "failed");
}

static vg_status on_page(void *user, const vg_crawl_page *page, vg_error *err)
{
    (void)err;
    if (page->status != VG_OK)
        note_error(user, page->url, page->error);
    return VG_OK;
}

typedef struct live_args {
    const char *url;
    int live;
} live_args;

static vg_status live_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    live_args *a = ctx;
    return vg_tx_crawl_url_live(tx, a->url, &a->live, err);
}

static void finding_free(vg_hotline *h, finding *f)
{
    if (f->draft) {
        vg_intake_draft_free(h, f->draft);
        free(f->draft);
    }
    free(f->page);
    free(f->url);
    memset(f, 0, sizeof *f);
}

/* Hash the body into the vault and match it: kept in memory (the draft)
 * until the crawl ends. A URL a report holds already is left alone. */
static vg_status media_found(void *user, const vg_crawl_media *media, vg_error *err)
{
    crawl_state *s = user;
    vg_hotline *h = s->h;
    if (media->status != VG_OK) {
        note_error(s, media->url, media->error);
        return VG_OK;
    }
    live_args la = {media->url, 0};
    vg_status st = vg_store_read(h->store, live_tx, &la, err);
    if (st != VG_OK || la.live)
        return st;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        finding *grown = realloc(s->found, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        s->found = grown;
        s->cap = cap;
    }
    finding *f = &s->found[s->count];
    memset(f, 0, sizeof *f);
    f->draft = calloc(1, sizeof *f->draft);
    f->page = strdup(media->page ? media->page : "");
    f->url = strdup(media->url);
    if (!f->draft || !f->page || !f->url) {
        free(f->draft);
        free(f->page);
        free(f->url);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if ((st = vg_intake_draft_init(f->draft, VG_REPORT_SOURCE_CRAWLER, err)) != VG_OK) {
        free(f->draft);
        free(f->page);
        free(f->url);
        return st;
    }
    s->count++;
    vg_vault_writer *w = NULL;
    vg_vault_item item;
    st = vg_vault_writer_new(h->vault, &w, err);
    if (st == VG_OK)
        st = vg_vault_write(w, media->data, media->len, err);
    if (st == VG_OK)
        st = vg_vault_commit(w, &item, err);
    vg_vault_writer_free(w);
    /* pictures and videos alike: a video gets its vPDQ, matched against
     * the banks' videos */
    if (st == VG_OK)
        st = vg_evidence_take(h, f->draft, &item, NULL, media->data,
                              media->len < VG_VIDEO_SNIFF_BYTES ? media->len
                                                                : VG_VIDEO_SNIFF_BYTES,
                              err);
    if (st != VG_OK)
        return st;
    const vg_report_file *file = &f->draft->files[0];
    f->known = file->known == VG_FILE_KNOWN && file->bank && vg_trust_find(&h->trust, file->bank);
    s->known += (size_t)f->known;
    return VG_OK;
}

static vg_status on_media(void *user, const vg_crawl_media *media, vg_error *err)
{
    crawl_state *s = user;
    vg_status st = media_found(s, media, err);
    s->stopped = st != VG_OK;
    return st;
}

/* Whether page carried known material in this crawl. */
static int page_known(const crawl_state *s, const char *page)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->found[i].known && !strcmp(s->found[i].page, page))
            return 1;
    return 0;
}

typedef struct found_args {
    vg_hotline *h;
    const crawl_state *s;
    const finding *f;
    int64_t now;
    size_t reappeared;
} found_args;

static vg_status audit_json(vg_tx *tx, int64_t now, const char *action, int64_t report_id,
                            json_t *detail, vg_error *err)
{
    char target[32]; /* as vg_hotline_report_target writes it (hotline.c would be a cycle) */
    snprintf(target, sizeof target, "report:%" PRId64, report_id);
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_audit_note note = {"crawler", action, target, text};
    vg_status st = vg_tx_audit_append(tx, now, &note, NULL, err);
    free(text);
    return st;
}

/* Notices whose material was verified removed and is back: the target's
 * report's (the place, or its host, serves known material again) and any
 * with the same bytes. Each is marked reappeared, with a staydown event
 * and its audit entry on its own report. */
static vg_status staydown_tx(vg_tx *tx, found_args *a, int64_t report_id, vg_error *err)
{
    const vg_report_file *file = &a->f->draft->files[0];
    vg_notice_filter by_place = {.report_id = a->s->target->report_id,
                                 .state = VG_NOTICE_REMOVED};
    vg_notice_filter by_bytes = {.state = VG_NOTICE_REMOVED, .material_sha256 = file->sha256};
    const vg_notice_filter *filters[2] = {&by_place, file->sha256 ? &by_bytes : NULL};
    int64_t done[200];
    size_t done_count = 0;
    vg_status st = VG_OK;
    for (int k = 0; k < 2 && st == VG_OK; k++) {
        if (!filters[k] || (k == 0 && !by_place.report_id))
            continue;
        vg_notice_row *rows = NULL;
        size_t n = 0;
        st = vg_tx_notices(tx, filters[k], 100, &rows, &n, err);
        for (size_t i = 0; st == VG_OK && i < n; i++) {
            int seen = vg_rule_notice_handed_over(rows[i].state, rows[i].removed_at,
                                                  rows[i].reappeared_at);
            for (size_t j = 0; j < done_count; j++)
                seen |= done[j] == rows[i].id;
            if (seen || done_count == sizeof done / sizeof done[0])
                continue;
            done[done_count++] = rows[i].id;
            /* The new report's route and notice act on it from now on: this
             * notice is not checked again (model/notice.h), or the notices
             * job would count this same return again and notice it twice. */
            rows[i].reappeared_at = a->now;
            rows[i].reappeared_count++;
            rows[i].next_check_at = 0;
            json_t *d = json_pack("{s:s, s:s, s:s, s:I}", "where", "crawler", "url", a->f->url,
                                  "page", a->f->page, "report", (json_int_t)report_id);
            char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
            json_decref(d);
            st = text ? vg_tx_notice_event_add(tx, rows[i].id, a->now, VG_NOTICE_EVENT_STAYDOWN,
                                               text, err)
                      : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            free(text);
            if (st == VG_OK)
                st = vg_tx_notice_put(tx, &rows[i], NULL, err);
            if (st == VG_OK)
                st = vg_hotline_notice_action_tx(a->h, tx, &rows[i], VG_DONE_REAPPEARED,
                                                 a->now, err);
            if (st == VG_OK)
                st = audit_json(tx, a->now, "notice.reappeared", rows[i].report_id,
                                json_pack("{s:I, s:s, s:s, s:I}", "notice",
                                          (json_int_t)rows[i].id, "url", a->f->url, "page",
                                          a->f->page, "report", (json_int_t)report_id),
                                err);
            a->reappeared++;
        }
        vg_notice_rows_free(rows, n);
    }
    return st;
}

/* In the report's own transaction: its audit entry, the page as a target
 * when it carried known material, and stay-down. */
static vg_status found_tx(vg_tx *tx, void *ctx, const vg_report_ack *ack, vg_error *err)
{
    found_args *a = ctx;
    const finding *f = a->f;
    vg_status st = VG_OK;
    if (f->known) {
        if (strcmp(f->page, a->s->target->url)) {
            vg_crawl_target page = {.url = f->page,
                                    .origin = VG_CRAWL_ORIGIN_PAGE,
                                    .report_id = ack->id,
                                    .case_id = ack->case_id,
                                    .created_at = a->now,
                                    .next_due_at = a->now + a->h->crawling->period_seconds};
            st = vg_tx_crawl_target_add(tx, &page, NULL, err);
        }
        if (st == VG_OK)
            st = staydown_tx(tx, a, ack->id, err);
    }
    if (st == VG_OK)
        st = audit_json(tx, a->now, "crawl.found", ack->id,
                        json_pack("{s:s, s:s, s:I, s:b, s:I}", "url", f->url, "page", f->page,
                                  "target", (json_int_t)a->s->target->id, "known", f->known,
                                  "reappeared", (json_int_t)a->reappeared),
                        err);
    return st;
}

/* Write one finding as a report of its own. */
static vg_status report_finding(crawl_state *s, finding *f, size_t *reappeared, vg_error *err)
{
    vg_intake_draft *d = f->draft;
    d->report.category = "image_video";
    char description[2300];
    snprintf(description, sizeof description, "%s%s on %.2000s",
             VG_CRAWL_FOUND_LABEL, f->known ? " (known material)" : "", f->page);
    vg_status st = vg_intake_draft_text(d, &d->report.description, description,
                                        VG_INTAKE_MAX_TEXT, err);
    json_t *extra = json_pack("{s:s}", VG_CRAWL_PAGE_FIELD, f->page);
    char *extra_text = extra ? json_dumps(extra, JSON_COMPACT) : NULL;
    json_decref(extra);
    if (st == VG_OK)
        st = extra_text ? vg_intake_draft_text(d, &d->report.extra_json, extra_text,
                                               VG_INTAKE_MAX_TEXT, err)
                        : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(extra_text);
    if (st == VG_OK)
        st = vg_intake_draft_url(d, f->url, err);
    found_args a = {.h = s->h, .s = s, .f = f, .now = s->now};
    vg_report_ack ack = {0};
    if (st == VG_OK)
        st = vg_hotline_submit_also(s->h, d, NULL, s->now, found_tx, &a, &ack, err);
    vg_report_ack_clear(&ack);
    *reappeared += a.reappeared;
    return st;
}

typedef struct target_args {
    vg_crawl_target *t;
    int64_t now;
    const char *action; /* its audit entry's */
} target_args;

static vg_status target_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    target_args *a = ctx;
    vg_status st = vg_tx_crawl_target_done(tx, a->t, err);
    if (st != VG_OK)
        return st;
    json_t *d = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "url", a->t->url, "pages",
                          (json_int_t)a->t->pages, "media", (json_int_t)a->t->media, "known",
                          (json_int_t)a->t->known, "found", (json_int_t)a->t->found, "error",
                          a->t->last_error ? a->t->last_error : "");
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char target[32];
    snprintf(target, sizeof target, "crawl:%" PRId64, a->t->id);
    vg_audit_note note = {"crawler", a->action, target, text};
    st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    free(text);
    return st;
}

typedef struct wanted_args {
    int64_t report_id;
    const char *url;
    int wanted;
} wanted_args;

static vg_status report_wanted(vg_tx *tx, int64_t report_id, int *wanted, vg_error *err)
{
    vg_item item;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, report_id, &item, &found, err);
    *wanted = 1; /* no item yet: nobody has decided anything */
    if (st == VG_OK && found) {
        *wanted = vg_rule_crawl_target_wanted(item.state, item.legal);
        vg_item_clear(&item);
    }
    return st;
}

/* A target is crawled while any report giving its URL is (model/notice.h),
 * not only the one it was seeded from: a second report of the same page,
 * still open or judged CSAM, keeps it watched after the first was judged
 * not CSAM. The seeding report is looked at first, then the newest
 * others, at most WANTED_REPORTS_MAX of them. */
#define WANTED_REPORTS_MAX 64
static vg_status wanted_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    wanted_args *a = ctx;
    vg_status st = report_wanted(tx, a->report_id, &a->wanted, err);
    if (st != VG_OK || a->wanted)
        return st;
    int64_t ids[WANTED_REPORTS_MAX];
    size_t count = 0;
    st = vg_tx_item_ids_find(tx, NULL, a->url, NULL, ids, WANTED_REPORTS_MAX, &count, err);
    for (size_t i = 0; st == VG_OK && !a->wanted && i < count; i++)
        if (ids[i] != a->report_id)
            st = report_wanted(tx, ids[i], &a->wanted, err);
    return st;
}

/* A target every report of which was assessed as no CSAM is not fetched
 * (model/notice.h): its turn is recorded as skipped ("crawl.skipped"), and
 * it is looked at again a period later, in case the assessment changes. */
static vg_status skip_one(vg_hotline *h, vg_crawl_target *t, int64_t now, vg_crawl_pass *pass,
                          vg_error *err)
{
    char *why = strdup("not crawled: every report of this address was assessed as no CSAM");
    if (!why)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    t->next_due_at = now + h->crawling->period_seconds;
    t->pages = t->media = t->known = t->found = 0;
    free(t->last_error);
    t->last_error = why;
    target_args ta = {t, now, "crawl.skipped"};
    pass->skipped++;
    return vg_store_write(h->store, target_tx, &ta, err);
}

static vg_status crawl_one(vg_hotline *h, vg_crawl_target *t, int64_t now, vg_crawl_pass *pass,
                           vg_error *err)
{
    wanted_args wa = {t->report_id, t->url, 1};
    vg_status wanted_st = vg_store_read(h->store, wanted_tx, &wa, err);
    if (wanted_st != VG_OK)
        return wanted_st;
    if (!wa.wanted)
        return skip_one(h, t, now, pass, err);
    crawl_state s = {.h = h, .target = t, .now = now};
    vg_crawl_stats stats = {0};
    const char *seeds[] = {t->url};
    vg_error crawl_err;
    vg_error_clear(&crawl_err);
    vg_status st = vg_crawl_run(&h->crawling->crawl, seeds, 1, on_page, on_media, &s, &stats,
                                &crawl_err);
    if (st != VG_OK && !s.stopped) {
        /* the target's own trouble (not a URL...): its error, and on */
        note_error(&s, t->url, crawl_err.message);
        st = VG_OK;
    } else if (st != VG_OK && err) {
        *err = crawl_err;
    }
    size_t found = 0, reappeared = 0;
    for (size_t i = 0; st == VG_OK && i < s.count; i++) {
        finding *f = &s.found[i];
        if (!f->known && !page_known(&s, f->page))
            continue;
        st = report_finding(&s, f, &reappeared, err);
        if (st == VG_OK)
            found++;
    }
    for (size_t i = 0; i < s.count; i++)
        finding_free(h, &s.found[i]); /* what was not reported leaves the vault */
    free(s.found);
    if (st != VG_OK)
        return st;
    char *error = strdup(s.error);
    t->last_crawl_at = now;
    t->next_due_at = now + h->crawling->period_seconds;
    t->pages = (int64_t)stats.pages;
    t->media = (int64_t)stats.media;
    t->known = (int64_t)s.known;
    t->found = (int64_t)found;
    free(t->last_error);
    t->last_error = error;
    target_args ta = {t, now, "crawl.target"};
    st = vg_store_write(h->store, target_tx, &ta, err);
    pass->targets++;
    pass->pages += stats.pages;
    pass->media += stats.media;
    pass->known += s.known;
    pass->found += found;
    pass->reappeared += reappeared;
    if (s.error[0]) {
        pass->failed++;
        if (!pass->first_failure[0])
            snprintf(pass->first_failure, sizeof pass->first_failure, "%s", s.error);
    }
    return st;
}

/* ---- a pass ------------------------------------------------------------------ */

typedef struct due_args {
    int64_t now;
    size_t limit;
    int64_t seeded;
    vg_crawl_target *rows;
    size_t count;
} due_args;

static vg_status seed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    due_args *a = ctx;
    return vg_tx_crawl_seed(tx, a->now, &a->seeded, err);
}

static vg_status due_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    due_args *a = ctx;
    return vg_tx_crawl_targets(tx, a->now, a->limit, &a->rows, &a->count, err);
}

/* A pass starts no new target after this long (wall time, whatever the
 * job's clock says): the job's lease (15 minutes, jobs.c) must outlast the
 * pass, or another node would take the job meanwhile. The targets left
 * are still due at the next pass. */
#define PASS_SECONDS 600

static double seconds_since(const struct timespec *start)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - start->tv_sec) + (double)(t.tv_nsec - start->tv_nsec) / 1e9;
}

vg_status vg_hotline_crawl_run(vg_hotline *h, int64_t now, vg_crawl_pass *pass, vg_error *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    memset(pass, 0, sizeof *pass);
    if (!h->crawling)
        return VG_OK;
    due_args da = {.now = now, .limit = h->crawling->targets};
    vg_status st = vg_store_write(h->store, seed_tx, &da, err);
    if (st == VG_OK)
        st = vg_store_read(h->store, due_tx, &da, err);
    pass->seeded = (size_t)da.seeded;
    for (size_t i = 0; st == VG_OK && i < da.count && seconds_since(&start) < PASS_SECONDS; i++)
        st = crawl_one(h, &da.rows[i], now, pass, err);
    vg_crawl_targets_free(da.rows, da.count);
    return st;
}
