/*
 * src/hotline/assessment.c - the queue, claims, four-eyes, automatic
 * decisions and views of evidence (assessment.h).
 *
 * A change to an item is computed on a copy of the item read in the same
 * transaction (the copy borrows the original's strings and the caller's)
 * and written back whole with vg_tx_item_put, its version one higher: a
 * form built from an older version is refused by the rules as stale.
 */
#include "hotline/assessment.h"
#include "hotline/quarantine.h"
#include "hotline/routing_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/items.h"
#include "store/reports.h"

/* A report's status changes; when a partner hotline forwarded it, that
 * partner is owed a callback saying so (callback_arm.c): received,
 * assessing, assessed or closed, and back to received when reopened. */
static vg_status report_status_tx(vg_tx *tx, const vg_hotline *h, int64_t report_id,
                                  const char *status, int64_t now, vg_error *err)
{
    vg_status st = vg_tx_report_set_status(tx, report_id, status, now, err);
    return st == VG_OK ? vg_routing_callback_tx(tx, h->routing, report_id, now, err) : st;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct read_args {
    vg_hotline *h;
    size_t limit;
    int64_t report_id;
    vg_item *item, **items;
    size_t *count;
    int *found;
    vg_item_file **files;
    size_t *file_count;
    vg_item_url **urls;
    size_t *url_count;
} read_args;

static vg_status open_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    read_args *a = ctx;
    return vg_tx_items_open(tx, a->limit, a->items, a->count, err);
}

static int by_score(const void *x, const void *y)
{
    const vg_ranked *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->item.report_id < b->item.report_id ? -1 : 1;
}

vg_status vg_hotline_queue(vg_hotline *h, size_t scored, int64_t now, vg_ranked **rows,
                           size_t *count, int *more, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    *more = 0;
    vg_item *items = NULL;
    size_t n = 0;
    read_args a = {.h = h, .limit = scored + 1, .items = &items, .count = &n};
    vg_status st = vg_store_read(h->store, open_tx, &a, err);
    if (st != VG_OK)
        return st;
    if (n > scored) {
        *more = 1;
        vg_item_clear(&items[--n]);
    }
    /* Identical reports of one case cost one decision: one row. */
    vg_rule_mark_copies(items, n);
    vg_ranked *out = calloc(n ? n : 1, sizeof *out);
    if (!out) {
        vg_items_free(items, n);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].copy_of) {
            vg_item_clear(&items[i]);
            continue;
        }
        vg_ranked *r = &out[kept++];
        r->item = items[i];
        r->score = vg_priority_score(&h->priority, &r->item, &h->grading, now, r->hits,
                                     &r->hit_count);
    }
    free(items); /* the items now belong to the rows */
    qsort(out, kept, sizeof *out, by_score);
    *rows = out;
    *count = kept;
    return VG_OK;
}

void vg_ranked_free(vg_ranked *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_item_clear(&rows[i].item);
    free(rows);
}

static vg_status done_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    read_args *a = ctx;
    return vg_tx_items_done(tx, a->limit, a->items, a->count, err);
}

vg_status vg_hotline_done(vg_hotline *h, size_t limit, vg_item **items, size_t *count,
                          vg_error *err)
{
    read_args a = {.h = h, .limit = limit, .items = items, .count = count};
    return vg_store_read(h->store, done_tx, &a, err);
}

static vg_status item_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    read_args *a = ctx;
    vg_status st = vg_tx_item_get(tx, a->report_id, a->item, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    if (a->files && ((st = vg_tx_files(tx, a->report_id, 0, a->files, a->file_count, err)) !=
                         VG_OK ||
                     (st = vg_hotline_quarantine_mark_tx(tx, *a->files, *a->file_count, err)) !=
                         VG_OK))
        return st;
    if (a->urls && (st = vg_tx_case_urls(tx, a->item->case_id, a->urls, a->url_count, err)) != VG_OK)
        return st;
    return VG_OK;
}

vg_status vg_hotline_item(vg_hotline *h, int64_t report_id, vg_item *item, int *found,
                          vg_item_file **files, size_t *file_count, vg_item_url **urls,
                          size_t *url_count, vg_error *err)
{
    read_args a = {.h = h, .report_id = report_id, .item = item, .found = found,
                   .files = files, .file_count = file_count, .urls = urls,
                   .url_count = url_count};
    if (files) {
        *files = NULL;
        *file_count = 0;
    }
    if (urls) {
        *urls = NULL;
        *url_count = 0;
    }
    vg_status st = vg_store_read(h->store, item_tx, &a, err);
    if (st != VG_OK || !*found) {
        if (*found)
            vg_item_clear(item);
        *found = 0;
        if (files) {
            vg_item_files_free(*files, *file_count);
            *files = NULL;
            *file_count = 0;
        }
        if (urls) {
            vg_item_urls_free(*urls, *url_count);
            *urls = NULL;
            *url_count = 0;
        }
    }
    /* URLs of the case: keep this report's only. */
    if (st == VG_OK && *found && urls) {
        size_t kept = 0;
        for (size_t i = 0; i < *url_count; i++) {
            if ((*urls)[i].report_id == report_id) {
                (*urls)[kept++] = (*urls)[i];
            } else {
                free((*urls)[i].url);
                free((*urls)[i].canonical);
            }
        }
        *url_count = kept;
    }
    return st;
}

/* ---- audit helpers ---------------------------------------------------------- */

static vg_status audit_item(vg_tx *tx, int64_t now, const char *actor, const char *action,
                            int64_t report_id, json_t *detail, vg_error *err)
{
    char target[32];
    vg_hotline_report_target(report_id, target);
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    vg_audit_note note = {actor, action, target, text};
    vg_status st = vg_tx_audit_append(tx, now, &note, NULL, err);
    free(text);
    return st;
}

static void person(char *out, size_t cap, const char *username)
{
    snprintf(out, cap, "user:%.50s", username);
}

/* ---- automatic decisions ------------------------------------------------------ */

/* The decided item among ids that report_id copies (same case, same
 * content key), the first decided of them, into *from (0 when none). */
static vg_status decided_copy(vg_tx *tx, int64_t report_id, int64_t *from, vg_item *decided,
                              vg_error *err)
{
    int64_t ids[256];
    size_t n = 0;
    *from = 0;
    vg_status st = vg_tx_item_ids_same_content(tx, report_id, ids, 256, &n, err);
    for (size_t i = 0; st == VG_OK && i < n && !*from; i++) {
        int found = 0;
        vg_item it;
        st = vg_tx_item_get(tx, ids[i], &it, &found, err);
        if (st == VG_OK && found && vg_item_finished(&it) && it.legal) {
            *decided = it;
            *from = ids[i];
        } else if (found) {
            vg_item_clear(&it);
        }
    }
    return st;
}

/* The decisions already taken on report_id's URLs: for each finished
 * report sharing one of its canonical URLs, each shared URL with that
 * report's decision. Every string is owned here (url_votes_clear). */
typedef struct url_votes {
    char **urls; /* report_id's canonical URLs */
    size_t url_count;
    vg_decided_url *decided;
    size_t count, cap;
} url_votes;

static void url_votes_clear(url_votes *v)
{
    for (size_t i = 0; i < v->url_count; i++)
        free(v->urls[i]);
    free(v->urls);
    for (size_t i = 0; i < v->count; i++) {
        free((char *)v->decided[i].verdict.legal);
        free((char *)v->decided[i].verdict.severity);
        free((char *)v->decided[i].verdict.age);
    }
    free(v->decided);
    memset(v, 0, sizeof *v);
}

static vg_status vote(url_votes *v, const char *canonical, const vg_item *from, vg_error *err)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        vg_decided_url *grown = realloc(v->decided, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        v->decided = grown;
        v->cap = cap;
    }
    vg_decided_url *d = &v->decided[v->count++];
    /* canonical points into v->urls: it is one of report_id's own */
    *d = (vg_decided_url){canonical, from->report_id,
                          {strdup(from->legal), strdup(from->severity ? from->severity : ""),
                           strdup(from->age ? from->age : "")}};
    if (!d->verdict.legal || !d->verdict.severity || !d->verdict.age)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return VG_OK;
}

static vg_status url_votes_read(vg_tx *tx, int64_t report_id, url_votes *v, vg_error *err)
{
    memset(v, 0, sizeof *v);
    vg_status st = vg_tx_report_urls(tx, report_id, &v->urls, &v->url_count, err);
    if (st != VG_OK || !v->url_count)
        return st;
    int64_t ids[1024];
    size_t n = 0;
    st = vg_tx_item_ids_sharing_urls(tx, report_id, ids, 1024, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        vg_item other;
        int found = 0;
        if ((st = vg_tx_item_get(tx, ids[i], &other, &found, err)) != VG_OK || !found)
            continue;
        char **theirs = NULL;
        size_t their_count = 0;
        if (vg_item_finished(&other) && other.legal &&
            (st = vg_tx_report_urls(tx, ids[i], &theirs, &their_count, err)) == VG_OK)
            for (size_t a = 0; st == VG_OK && a < v->url_count; a++)
                for (size_t b = 0; st == VG_OK && b < their_count; b++)
                    if (!strcmp(v->urls[a], theirs[b]))
                        st = vote(v, v->urls[a], &other, err);
        for (size_t b = 0; b < their_count; b++)
            free(theirs[b]);
        free(theirs);
        vg_item_clear(&other);
    }
    return st;
}

/* Decide report_id without anyone looking when the rules allow it: every
 * file decided by a bank, a copy of a decided report of its case, or URLs
 * already decided. *decided = 1 when it was. */
static vg_status auto_one(vg_tx *tx, vg_hotline *h, int64_t report_id, int64_t now,
                          int *decided, vg_error *err)
{
    *decided = 0;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, report_id, &it, &found, err);
    if (st != VG_OK || !found)
        return st;
    if (strcmp(it.state, VG_ITEM_OPEN) || it.claimed_by) {
        vg_item_clear(&it);
        return VG_OK;
    }
    vg_item_file *files = NULL;
    size_t nfiles = 0;
    if ((st = vg_tx_files(tx, report_id, 0, &files, &nfiles, err)) != VG_OK ||
        (st = vg_hotline_quarantine_mark_tx(tx, files, nfiles, err)) != VG_OK) {
        vg_item_files_free(files, nfiles);
        vg_item_clear(&it);
        return st;
    }
    vg_verdict v;
    vg_item source;
    url_votes votes = {0};
    int64_t from = 0;
    const char *by = NULL;
    /* A file of a quarantined bank entry is for a person to look at: not
     * even an identical report decided before decides it. */
    int held = 0;
    for (size_t i = 0; i < nfiles; i++)
        held |= files[i].quarantined != 0;
    if (held) {
        /* nothing decides it */
    } else if (vg_rule_banks_decide(files, nfiles, &h->trust, &h->grading, &v)) {
        by = VG_DECIDED_BANK;
    } else if (it.content_key &&
               (st = decided_copy(tx, report_id, &from, &source, err)) == VG_OK && from) {
        by = VG_DECIDED_COPY;
        v = (vg_verdict){source.legal, source.severity, source.age};
    } else if (st == VG_OK && !nfiles &&
               (st = url_votes_read(tx, report_id, &votes, err)) == VG_OK &&
               vg_rule_urls_decide(&it, (const char *const *)votes.urls, votes.url_count,
                                   votes.decided, votes.count, &h->grading, &v, &from)) {
        by = VG_DECIDED_URL;
    }
    if (st == VG_OK && by) {
        char final[96];
        if (from)
            snprintf(final, sizeof final, "{\"of\":%" PRId64 ",\"source\":\"%s\"}", from, by);
        else
            snprintf(final, sizeof final, "{\"source\":\"%s\"}", by);
        vg_item next = it;
        next.state = VG_ITEM_AUTO;
        next.decided_by = (char *)by;
        next.decided_from = from;
        next.final_json = final;
        next.legal = (char *)v.legal;
        next.severity = (char *)(v.severity ? v.severity : "");
        next.age = (char *)(v.age ? v.age : "");
        next.version = it.version + 1;
        st = vg_tx_item_put(tx, &next, now, err);
        if (st == VG_OK)
            st = report_status_tx(tx, h, report_id, vg_rule_status_after(v.legal), now, err);
        if (st == VG_OK)
            st = audit_item(tx, now, "console", "item.assess.auto", report_id,
                            from ? json_pack("{s:s, s:I}", "by", by, "of", (json_int_t)from)
                                 : json_pack("{s:s}", "by", by),
                            err);
        *decided = st == VG_OK;
    }
    if (by && !strcmp(by, VG_DECIDED_COPY))
        vg_item_clear(&source);
    url_votes_clear(&votes);
    vg_item_files_free(files, nfiles);
    vg_item_clear(&it);
    return st;
}

/* A work list of report ids, each taken once. */
typedef struct work {
    int64_t *ids;
    size_t count, cap, next;
} work;

static int work_add(work *w, int64_t id)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->ids[i] == id)
            return 1;
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        int64_t *grown = realloc(w->ids, cap * sizeof *grown);
        if (!grown)
            return 0;
        w->ids = grown;
        w->cap = cap;
    }
    w->ids[w->count++] = id;
    return 1;
}

/* The items report_id's decision may settle: sharing one of its files or
 * URLs, or copying it. */
static vg_status add_settled_by(vg_tx *tx, work *w, int64_t report_id, vg_error *err)
{
    int64_t ids[1024];
    size_t n = 0;
    vg_status st = vg_tx_item_ids_sharing_files(tx, report_id, ids, 1024, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!work_add(w, ids[i]))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        st = vg_tx_item_ids_same_content(tx, report_id, ids, 1024, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!work_add(w, ids[i]))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        st = vg_tx_item_ids_sharing_urls(tx, report_id, ids, 1024, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!work_add(w, ids[i]))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return st;
}

vg_status vg_hotline_auto_assess_tx(vg_tx *tx, vg_hotline *h, vg_auto_scope scope, int64_t id,
                                    int64_t now, size_t *count, vg_error *err)
{
    work w = {0};
    size_t decided_count = 0;
    vg_status st = VG_OK;
    if (scope == VG_AUTO_ALL) {
        int64_t ids[4096];
        size_t n = 0;
        st = vg_tx_item_ids_open(tx, ids, 4096, &n, err);
        for (size_t i = 0; st == VG_OK && i < n; i++)
            if (!work_add(&w, ids[i]))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else if (scope == VG_AUTO_REPORT) {
        if (!work_add(&w, id))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else {
        st = add_settled_by(tx, &w, id, err);
    }
    /* A decision may settle more: its copies and the items sharing its
     * files join the list (each id is taken once). */
    while (st == VG_OK && w.next < w.count) {
        int64_t rid = w.ids[w.next++];
        int decided = 0;
        st = auto_one(tx, h, rid, now, &decided, err);
        if (st == VG_OK && decided) {
            decided_count++;
            st = add_settled_by(tx, &w, rid, err);
        }
    }
    free(w.ids);
    if (count)
        *count = decided_count;
    return st;
}

typedef struct auto_args {
    vg_hotline *h;
    vg_auto_scope scope;
    int64_t id, now;
    size_t *count;
} auto_args;

static vg_status auto_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    auto_args *a = ctx;
    return vg_hotline_auto_assess_tx(tx, a->h, a->scope, a->id, a->now, a->count, err);
}

vg_status vg_hotline_auto_assess(vg_hotline *h, vg_auto_scope scope, int64_t id, int64_t now,
                                 size_t *count, vg_error *err)
{
    auto_args a = {h, scope, id, now, count};
    return vg_store_write(h->store, auto_tx, &a, err);
}

/* ---- claims ---------------------------------------------------------------- */

typedef struct step_args {
    vg_hotline *h;
    int64_t report_id, version, now;
    const vg_actor *who;
    const vg_class *c;
    vg_item_outcome *outcome;
    const char **state;
    int claim;
} step_args;

/* Write a claim (or release) of it that the rules allowed. A lapsed claim
 * taken over says whose it was: that analyst's work on the item is no
 * longer protected, and the log shows why; a claim by "take the next item"
 * says so. */
static vg_status write_claim(vg_tx *tx, const step_args *a, const vg_item *it, int takes_over,
                             int by_next, vg_error *err)
{
    vg_item next = *it;
    next.claimed_by = a->claim ? (char *)a->who->username : NULL;
    next.claimed_at = a->claim ? a->now : 0;
    next.version = it->version + 1;
    vg_status st = vg_tx_item_put(tx, &next, a->now, err);
    char actor[64];
    person(actor, sizeof actor, a->who->username);
    json_t *detail = takes_over || by_next ? json_object() : NULL;
    if (takes_over)
        json_object_set_new(detail, "lapsed_claim_of", json_string(it->claimed_by));
    if (by_next)
        json_object_set_new(detail, "next", json_true());
    if (st == VG_OK)
        return audit_item(tx, a->now, actor, a->claim ? "item.claim" : "item.release",
                          it->report_id, detail, err);
    json_decref(detail);
    return st;
}

static vg_status claim_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    step_args *a = ctx;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, a->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        *a->outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    int takes_over = 0;
    int64_t stale_before = a->h->claim_seconds ? a->now - a->h->claim_seconds : 0;
    *a->outcome = a->claim ? vg_rule_claim(&it, a->who->username, a->who->supervisor,
                                           a->version, stale_before, &takes_over)
                           : vg_rule_release(&it, a->who->username, a->who->supervisor,
                                             a->version);
    if (*a->outcome == VG_ITEM_DONE)
        st = write_claim(tx, a, &it, takes_over, 0, err);
    vg_item_clear(&it);
    return st;
}

vg_status vg_hotline_claim(vg_hotline *h, int64_t report_id, const vg_actor *who,
                           int64_t version, int64_t now, vg_item_outcome *outcome,
                           vg_error *err)
{
    step_args a = {.h = h, .report_id = report_id, .version = version, .now = now, .who = who,
                   .outcome = outcome, .claim = 1};
    return vg_store_write(h->store, claim_tx, &a, err);
}

vg_status vg_hotline_release(vg_hotline *h, int64_t report_id, const vg_actor *who,
                             int64_t version, int64_t now, vg_item_outcome *outcome,
                             vg_error *err)
{
    step_args a = {.h = h, .report_id = report_id, .version = version, .now = now, .who = who,
                   .outcome = outcome, .claim = 0};
    return vg_store_write(h->store, claim_tx, &a, err);
}

typedef struct next_args {
    step_args step;
    const int64_t *ids;
    size_t count;
    int64_t *taken;
    int *held;
} next_args;

/* The first of ids, in order, that the caller holds already or may claim
 * now: read and claimed inside one transaction, so two people taking "the
 * next item" at once never get the same one. */
static vg_status next_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    next_args *a = ctx;
    const vg_actor *who = a->step.who;
    int64_t stale_before = a->step.h->claim_seconds ? a->step.now - a->step.h->claim_seconds : 0;
    *a->taken = 0;
    *a->held = 0;
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < a->count && !*a->taken; i++) {
        vg_item it;
        int found = 0, takes_over = 0;
        if ((st = vg_tx_item_get(tx, a->ids[i], &it, &found, err)) != VG_OK || !found)
            continue;
        if (it.claimed_by && !strcmp(it.claimed_by, who->username)) {
            *a->held = 1;
            *a->taken = it.report_id;
        } else if (vg_rule_claim(&it, who->username, who->supervisor, it.version, stale_before,
                                 &takes_over) == VG_ITEM_DONE) {
            st = write_claim(tx, &a->step, &it, takes_over, 1, err);
            *a->taken = it.report_id;
        }
        vg_item_clear(&it);
    }
    return st;
}

#define NEXT_BATCH 64

vg_status vg_hotline_take_next(vg_hotline *h, const vg_actor *who, int64_t now, int64_t *report_id,
                               int *already_held, vg_error *err)
{
    *report_id = 0;
    *already_held = 0;
    vg_ranked *rows = NULL;
    size_t count = 0;
    int more = 0;
    vg_status st = vg_hotline_queue(h, VG_QUEUE_SCORED, now, &rows, &count, &more, err);
    if (st != VG_OK)
        return st;
    int64_t stale_before = h->claim_seconds ? now - h->claim_seconds : 0;
    int64_t ids[NEXT_BATCH];
    size_t n = 0;
    /* In the queue's order, in batches: whatever others took meanwhile is
     * skipped by the rule inside the transaction. */
    for (size_t i = 0; st == VG_OK && !*report_id && i <= count; i++) {
        if (i < count && vg_rule_in_view(&rows[i].item, VG_VIEW_FOR_ME, who->username,
                                         who->supervisor, stale_before))
            ids[n++] = rows[i].item.report_id;
        if (n == NEXT_BATCH || (i == count && n)) {
            next_args a = {.step = {.h = h, .now = now, .who = who, .claim = 1},
                           .ids = ids, .count = n, .taken = report_id, .held = already_held};
            st = vg_store_write(h->store, next_tx, &a, err);
            n = 0;
        }
    }
    vg_ranked_free(rows, count);
    return st;
}

/* ---- four-eyes ------------------------------------------------------------- */

/* A confirmation: the decision, the organisation's bank (files vigie holds
 * only: a digest the sender quoted was never seen), the report's status. */
static vg_status confirm(vg_tx *tx, step_args *a, vg_item *next, vg_error *err)
{
    next->decided_by = (char *)a->who->username;
    next->final_json = (char *)a->c->json;
    next->legal = (char *)a->c->legal;
    next->severity = (char *)a->c->severity;
    next->age = (char *)a->c->age;
    vg_item_file *files = NULL;
    size_t n = 0;
    vg_status st = vg_tx_files(tx, a->report_id, 0, &files, &n, err);
    vg_verdict v = {a->c->legal, a->c->severity, a->c->age};
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (files[i].vault_id && files[i].sha256)
            st = vg_tx_bank_put(tx, files[i].sha256, files[i].pdq, &v, a->report_id, a->now,
                                err);
    vg_item_files_free(files, n);
    if (st == VG_OK)
        st = report_status_tx(tx, a->h, a->report_id, vg_rule_status_after(a->c->legal),
                              a->now, err);
    return st;
}

static vg_status assess_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    step_args *a = ctx;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, a->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        *a->outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    *a->outcome = vg_rule_assess(&it, a->who->username, a->who->supervisor, a->version, a->c,
                                 a->state);
    if (*a->outcome != VG_ITEM_DONE) {
        vg_item_clear(&it);
        return VG_OK;
    }
    vg_item next = it;
    next.state = (char *)*a->state;
    next.claimed_by = NULL;
    next.claimed_at = 0;
    next.version = it.version + 1;
    char *key = NULL;
    if (!strcmp(it.state, VG_ITEM_OPEN)) {
        /* The first assessment: kept for the comparison, shown to nobody
         * but a supervisor settling a dispute. */
        key = vg_rule_class_key(a->c, 1);
        if (!key)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        next.first_by = (char *)a->who->username;
        next.first_json = (char *)a->c->json;
        next.first_key = key;
        if (st == VG_OK)
            st = report_status_tx(tx, a->h, a->report_id, VG_REPORT_ASSESSING, a->now, err);
    } else if (!strcmp(it.state, VG_ITEM_SECOND)) {
        next.second_by = (char *)a->who->username;
        next.second_json = (char *)a->c->json;
        if (!strcmp(*a->state, VG_ITEM_CONFIRMED))
            st = confirm(tx, a, &next, err);
    } else {
        st = confirm(tx, a, &next, err); /* a supervisor settles the dispute */
    }
    if (st == VG_OK)
        st = vg_tx_item_put(tx, &next, a->now, err);
    char actor[64];
    person(actor, sizeof actor, a->who->username);
    if (st == VG_OK)
        st = audit_item(tx, a->now, actor, "item.assess", a->report_id,
                        json_pack("{s:s, s:s}", "state", *a->state, "assessment", a->c->json),
                        err);
    /* What this decision settles is decided now, in the same transaction. */
    if (st == VG_OK && !strcmp(*a->state, VG_ITEM_CONFIRMED))
        st = vg_hotline_auto_assess_tx(tx, a->h, VG_AUTO_SETTLED_BY, a->report_id, a->now, NULL,
                                       err);
    free(key);
    vg_item_clear(&it);
    return st;
}

vg_status vg_hotline_assess(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, const vg_class *c, int64_t now,
                            vg_item_outcome *outcome, const char **state, vg_error *err)
{
    *state = NULL;
    step_args a = {.h = h, .report_id = report_id, .version = version, .now = now, .who = who,
                   .c = c, .outcome = outcome, .state = state};
    return vg_store_write(h->store, assess_tx, &a, err);
}

/* ---- settling a dispute, reopening a decision ------------------------------- */

/* A stored assessment (the form's JSON, item.c of the console) as the
 * class four-eyes compares; its strings live in *keep (the parsed JSON)
 * and in flags[] and baseline[]. 0 when the JSON is not an assessment. */
static int class_of_json(const char *json, vg_class *c, json_t **keep, char *flags, size_t fcap,
                         char *baseline, size_t bcap)
{
    *keep = json ? json_loads(json, 0, NULL) : NULL;
    json_t *o = *keep;
    const char *legal = json_string_value(json_object_get(o, "legal"));
    if (!legal)
        return 0;
    char *lists[2] = {flags, baseline};
    size_t caps[2] = {fcap, bcap};
    const char *names[2] = {"flags", "baseline"};
    for (int k = 0; k < 2; k++) {
        lists[k][0] = 0;
        size_t i, n = 0;
        json_t *e;
        json_array_foreach(json_object_get(o, names[k]), i, e)
        {
            const char *v = json_string_value(e);
            if (v)
                n += (size_t)snprintf(lists[k] + n, n < caps[k] ? caps[k] - n : 0, "%s%s",
                                      n ? "," : "", v);
        }
        if (n >= caps[k])
            return 0;
    }
    const char *severity = json_string_value(json_object_get(o, "severity"));
    const char *age = json_string_value(json_object_get(o, "age"));
    const char *sex = json_string_value(json_object_get(o, "sex"));
    const char *country = json_string_value(json_object_get(o, "country"));
    *c = (vg_class){legal,          severity ? severity : "", age ? age : "", sex ? sex : "",
                    flags,          baseline,                 country ? country : "",
                    json};
    return 1;
}

typedef struct settle_args {
    vg_hotline *h;
    int64_t report_id, version, now;
    const vg_actor *who;
    int second;
    const char *reason;
    vg_item_outcome *outcome;
    size_t *reopened;
} settle_args;

static vg_status settle_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    settle_args *a = ctx;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, a->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        *a->outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    int64_t stale_before = a->h->claim_seconds ? a->now - a->h->claim_seconds : 0;
    *a->outcome = vg_rule_settle(&it, a->who->username, a->who->supervisor, a->version,
                                 stale_before);
    vg_class c;
    json_t *keep = NULL;
    char flags[200], baseline[100];
    const char *chosen = a->second ? it.second_json : it.first_json;
    const char *by = a->second ? it.second_by : it.first_by;
    if (*a->outcome == VG_ITEM_DONE &&
        !class_of_json(chosen, &c, &keep, flags, sizeof flags, baseline, sizeof baseline))
        st = vg_error_set(err, VG_ERR_CORRUPT, "report %" PRId64 ": the %s assessment cannot be "
                          "read back", a->report_id, a->second ? "second" : "first");
    if (st == VG_OK && *a->outcome == VG_ITEM_DONE) {
        /* Accepting one side is the supervisor's decision with that
         * analyst's answers: two people agree, as four-eyes asks. */
        const char *state = VG_ITEM_CONFIRMED;
        step_args sa = {.h = a->h, .report_id = a->report_id, .now = a->now, .who = a->who,
                        .c = &c, .state = &state};
        vg_item next = it;
        next.state = VG_ITEM_CONFIRMED;
        next.claimed_by = NULL;
        next.claimed_at = 0;
        next.version = it.version + 1;
        st = confirm(tx, &sa, &next, err);
        if (st == VG_OK)
            st = vg_tx_item_put(tx, &next, a->now, err);
        char actor[64];
        person(actor, sizeof actor, a->who->username);
        if (st == VG_OK)
            st = audit_item(tx, a->now, actor, "item.assess", a->report_id,
                            json_pack("{s:s, s:s, s:s, s:s}", "state", VG_ITEM_CONFIRMED,
                                      "accepted", a->second ? "second" : "first", "of",
                                      by ? by : "", "assessment", chosen),
                            err);
        if (st == VG_OK)
            st = vg_hotline_auto_assess_tx(tx, a->h, VG_AUTO_SETTLED_BY, a->report_id, a->now,
                                           NULL, err);
    }
    json_decref(keep);
    vg_item_clear(&it);
    return st;
}

vg_status vg_hotline_settle(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, int accept_second, int64_t now,
                            vg_item_outcome *outcome, vg_error *err)
{
    settle_args a = {.h = h, .report_id = report_id, .version = version, .now = now, .who = who,
                     .second = accept_second, .outcome = outcome};
    return vg_store_write(h->store, settle_tx, &a, err);
}

/* Put an item back to the start: no claim, no assessment, no decision; its
 * report reads "received" again. The record of what it was stays in the
 * audit log. */
static vg_status back_to_queue(vg_tx *tx, const vg_hotline *h, const vg_item *it, int64_t now,
                               vg_error *err)
{
    vg_item next = {.report_id = it->report_id, .state = VG_ITEM_OPEN,
                    .version = it->version + 1};
    vg_status st = vg_tx_item_put(tx, &next, now, err);
    return st == VG_OK ? report_status_tx(tx, h, it->report_id, VG_REPORT_RECEIVED, now, err)
                       : st;
}

/* Whether an automatic decision came from report `from`: a copy or URL
 * duplicate of it, or a bank decision that the bank no longer makes (its
 * files' entries left with from's). */
static vg_status inherited_from(vg_tx *tx, vg_hotline *h, const vg_item *it, int64_t from,
                                int *inherited, vg_error *err)
{
    *inherited = 0;
    if (strcmp(it->state, VG_ITEM_AUTO))
        return VG_OK;
    if (it->decided_from) {
        *inherited = it->decided_from == from;
        return VG_OK;
    }
    vg_item_file *files = NULL;
    size_t n = 0;
    vg_verdict v;
    vg_status st = vg_tx_files(tx, it->report_id, 0, &files, &n, err);
    if (st == VG_OK)
        *inherited = !vg_rule_banks_decide(files, n, &h->trust, &h->grading, &v);
    vg_item_files_free(files, n);
    return st;
}

static vg_status reopen_following(vg_tx *tx, vg_hotline *h, work *w, const char *actor,
                                  json_t *detail, int64_t now, size_t *reopened, vg_error *err);

static vg_status reopen_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    settle_args *a = ctx;
    *a->reopened = 0;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, a->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (!found) {
        *a->outcome = VG_ITEM_NO_SUCH_REPORT;
        return VG_OK;
    }
    *a->outcome = vg_rule_reopen(&it, a->who->supervisor, a->version);
    if (*a->outcome != VG_ITEM_DONE) {
        vg_item_clear(&it);
        return VG_OK;
    }
    char actor[64];
    person(actor, sizeof actor, a->who->username);
    int64_t removed = 0;
    st = vg_tx_bank_remove_report(tx, a->report_id, &removed, err);
    if (st == VG_OK)
        st = back_to_queue(tx, a->h, &it, a->now, err);
    if (st == VG_OK)
        st = audit_item(tx, a->now, actor, "item.reopen", a->report_id,
                        json_pack("{s:s, s:{s:s?, s:s?, s:s?}, s:I}", "reason", a->reason,
                                  "was", "legal", it.legal, "severity", it.severity, "age",
                                  it.age, "bank_entries_removed", (json_int_t)removed),
                        err);
    vg_item_clear(&it);
    /* What was decided from it comes back too, and what was decided from
     * those; each is then decided again if something else still decides
     * it (another bank entry, another decided copy). */
    work w = {0};
    if (st == VG_OK && !work_add(&w, a->report_id))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        st = reopen_following(tx, a->h, &w, actor,
                              json_pack("{s:s, s:I}", "reason", a->reason, "because_of",
                                        (json_int_t)a->report_id),
                              a->now, a->reopened, err);
    free(w.ids);
    return st;
}

/* Put back to the queue what was decided from the reports of w (from
 * w->next on), and what was decided from those, each audited "item.reopen"
 * by actor with detail (owned, consumed); then decide again at once those
 * that something else still decides. *reopened counts the items put back. */
static vg_status reopen_following(vg_tx *tx, vg_hotline *h, work *w, const char *actor,
                                  json_t *detail, int64_t now, size_t *reopened, vg_error *err)
{
    vg_status st = VG_OK;
    work back = {0};
    int found = 0;
    while (st == VG_OK && w->next < w->count) {
        int64_t from = w->ids[w->next++], ids[2048];
        size_t n = 0, m = 0;
        st = vg_tx_item_ids_decided_from(tx, from, ids, 1024, &n, err);
        if (st == VG_OK)
            st = vg_tx_item_ids_sharing_files(tx, from, ids + n, 1024, &m, err);
        for (size_t i = 0; st == VG_OK && i < n + m; i++) {
            vg_item other;
            int inherited = 0;
            if ((st = vg_tx_item_get(tx, ids[i], &other, &found, err)) != VG_OK || !found)
                continue;
            st = inherited_from(tx, h, &other, from, &inherited, err);
            if (st == VG_OK && inherited) {
                st = back_to_queue(tx, h, &other, now, err);
                if (st == VG_OK)
                    st = audit_item(tx, now, actor, "item.reopen", other.report_id,
                                    json_deep_copy(detail), err);
                if (st == VG_OK && (!work_add(w, other.report_id) ||
                                    !work_add(&back, other.report_id)))
                    st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            }
            vg_item_clear(&other);
        }
    }
    json_decref(detail);
    *reopened = back.count;
    for (size_t i = 0; st == VG_OK && i < back.count; i++) {
        int decided = 0;
        st = auto_one(tx, h, back.ids[i], now, &decided, err);
    }
    free(back.ids);
    return st;
}

vg_status vg_hotline_reopen(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, const char *reason, int64_t now,
                            vg_item_outcome *outcome, size_t *reopened, vg_error *err)
{
    size_t ignored;
    if (!reason || !*reason || strlen(reason) > VG_REASON_MAX)
        return vg_error_set(err, VG_ERR_INVALID,
                            "reopening needs a reason of 1 to %d bytes", VG_REASON_MAX);
    settle_args a = {.h = h, .report_id = report_id, .version = version, .now = now, .who = who,
                     .reason = reason, .outcome = outcome, .reopened = reopened ? reopened
                                                                                : &ignored};
    return vg_store_write(h->store, reopen_tx, &a, err);
}

/* ---- a withdrawn bank entry ------------------------------------------------- */

vg_status vg_hotline_bank_entry_withdrawn_tx(vg_tx *tx, vg_hotline *h, const char *bank,
                                             const char *entry_id, const char *actor,
                                             int64_t now, size_t *reopened, vg_error *err)
{
    *reopened = 0;
    int64_t *ids = NULL;
    size_t n = 0;
    vg_status st = vg_tx_files_unmatch(tx, bank, entry_id, &ids, &n, err);
    work w = {0};
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        vg_item it;
        int found = 0;
        if ((st = vg_tx_item_get(tx, ids[i], &it, &found, err)) != VG_OK || !found)
            continue;
        /* Only what the banks decided without anyone looking: a person's
         * decision stands, and a copy comes back with what it copies. */
        int back = 0;
        if (!strcmp(it.state, VG_ITEM_AUTO) && !it.decided_from) {
            vg_item_file *files = NULL;
            size_t nf = 0;
            vg_verdict v;
            st = vg_tx_files(tx, it.report_id, 0, &files, &nf, err);
            if (st == VG_OK)
                back = !vg_rule_banks_decide(files, nf, &h->trust, &h->grading, &v);
            vg_item_files_free(files, nf);
        }
        if (st == VG_OK && back) {
            st = back_to_queue(tx, h, &it, now, err);
            if (st == VG_OK)
                st = audit_item(tx, now, actor, "item.reopen", it.report_id,
                                json_pack("{s:s, s:s, s:s, s:{s:s?, s:s?, s:s?}}", "reason",
                                          "bank entry withdrawn", "bank", bank, "entry",
                                          entry_id, "was", "legal", it.legal, "severity",
                                          it.severity, "age", it.age),
                                err);
            if (st == VG_OK && !work_add(&w, it.report_id))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        vg_item_clear(&it);
    }
    free(ids);
    size_t direct = w.count, following = 0;
    if (st == VG_OK)
        st = reopen_following(tx, h, &w, actor,
                              json_pack("{s:s, s:s, s:s}", "reason", "bank entry withdrawn",
                                        "bank", bank, "entry", entry_id),
                              now, &following, err);
    free(w.ids);
    *reopened = direct + following;
    return st;
}

/* ---- evidence --------------------------------------------------------------- */

typedef struct view_args {
    vg_hotline *h;
    int64_t file_id, now;
    const vg_actor *who;
    int clear;
    vg_preview_kind *kind;
    vg_item_outcome *outcome;
    char *vault_id;
} view_args;

static vg_status view_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    view_args *a = ctx;
    vg_item_file f;
    int found = 0;
    *a->outcome = VG_ITEM_NO_SUCH_REPORT;
    vg_status st = vg_tx_file_get(tx, a->file_id, &f, &found, err);
    if (st != VG_OK || !found)
        return st;
    /* a file of a quarantined entry is to be looked at */
    if ((st = vg_hotline_quarantine_mark_tx(tx, &f, 1, err)) != VG_OK) {
        vg_item_file_clear(&f);
        return st;
    }
    vg_item it;
    int item_found = 0;
    if (f.vault_id && (st = vg_tx_item_get(tx, f.report_id, &it, &item_found, err)) == VG_OK &&
        item_found) {
        *a->outcome = vg_rule_may_view(&it, &f, a->who->username, a->who->supervisor,
                                       &a->h->trust);
        vg_item_clear(&it);
    }
    *a->kind = vg_rule_preview_kind(&f);
    if (st == VG_OK && *a->outcome == VG_ITEM_DONE && *a->kind != VG_PREVIEW_NONE) {
        snprintf(a->vault_id, 80, "%s", f.vault_id);
        char target[48], detail[96], actor[64];
        snprintf(target, sizeof target, "file:%" PRId64, a->file_id);
        snprintf(detail, sizeof detail, "{\"report\":%" PRId64 ",\"mode\":\"%s\"%s}",
                 f.report_id, a->clear ? "clear" : "blurred",
                 *a->kind == VG_PREVIEW_STILLS ? ",\"stills\":true" : "");
        person(actor, sizeof actor, a->who->username);
        /* Audited before it is made: a view that cannot be recorded is not
         * shown. */
        vg_audit_note note = {actor, a->clear ? "preview.clear" : "preview.view", target,
                              detail};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    vg_item_file_clear(&f);
    return st;
}

vg_status vg_hotline_view_file(vg_hotline *h, int64_t file_id, const vg_actor *who, int clear,
                               int64_t now, vg_item_outcome *outcome, char vault_id[80],
                               vg_preview_kind *kind, vg_error *err)
{
    vault_id[0] = 0;
    *kind = VG_PREVIEW_NONE;
    view_args a = {h, file_id, now, who, clear, kind, outcome, vault_id};
    return vg_store_write(h->store, view_tx, &a, err);
}
