/*
 * src/hotline/cases.c - the view of a case (cases.h).
 */
#include "hotline/cases.h"
#include "hotline/quarantine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/audit.h"
#include "store/items.h"
#include "store/notices.h"

typedef struct case_args {
    vg_hotline *h;
    vg_case_view *view;
    vg_pdq_hash *own; /* this case's pictures, parsed once for the scan */
    size_t own_count;
    int failed;
} case_args;

static int add_event(vg_case_view *v, int64_t time, int64_t seq, const char *actor,
                     const char *action, const char *target)
{
    if (v->event_count >= VG_CASE_MAX_EVENTS)
        return 0;
    if ((v->event_count & (v->event_count - 1)) == 0) { /* 0, 1, 2, 4...: grow */
        size_t cap = v->event_count ? v->event_count * 2 : 32;
        vg_case_event *grown = realloc(v->events, cap * sizeof *grown);
        if (!grown)
            return 1;
        v->events = grown;
    }
    vg_case_event *e = &v->events[v->event_count++];
    e->time = time;
    e->seq = seq;
    e->actor = strdup(actor ? actor : "");
    e->action = strdup(action ? action : "");
    e->target = strdup(target ? target : "");
    return !e->actor || !e->action || !e->target;
}

static int visit(const vg_audit_entry *entry, void *ctx)
{
    case_args *a = ctx;
    /* A referral says to whom, how and under which name it went: the
     * package kept in routing.referral_dir is found by that name. */
    char words[700];
    const char *action = entry->action;
    if (!strcmp(action, "route.referred") && entry->detail) {
        json_t *d = json_loads(entry->detail, 0, NULL);
        const char *to = json_string_value(json_object_get(d, "to"));
        const char *how = json_string_value(json_object_get(d, "how"));
        const char *reference = json_string_value(json_object_get(d, "reference"));
        snprintf(words, sizeof words, "%s to %.150s%s%.300s: %.128s", action,
                 to ? to : "?", how ? " " : "", how ? how : "", reference ? reference : "");
        json_decref(d);
        action = words;
    } else if (!strcmp(action, "route.partner_status") && entry->detail) {
        /* where a forwarded report stands at the partner, in words:
         * "assessed by the partner hotline Example DE hotline" */
        json_t *d = json_loads(entry->detail, 0, NULL);
        const char *status = json_string_value(json_object_get(d, "status"));
        const char *by = json_string_value(json_object_get(d, "by"));
        snprintf(words, sizeof words, "%s: %.20s by the partner hotline %.200s", action,
                 status ? status : "?", by ? by : "?");
        json_decref(d);
        action = words;
    }
    a->failed |= add_event(a->view, entry->time, entry->seq, entry->actor, action,
                           entry->target);
    return a->failed;
}

static int near_row(void *ctx, int64_t case_id, const char *hex)
{
    case_args *a = ctx;
    vg_case_view *v = a->view;
    vg_pdq_hash theirs;
    if (!hex || strlen(hex) != VG_PDQ_HEX_CHARS || vg_pdq_from_hex(hex, &theirs) != VG_OK)
        return 0;
    int near = 0;
    for (size_t i = 0; i < a->own_count && !near; i++)
        near = vg_pdq_distance(&a->own[i], &theirs) <= a->h->link_threshold;
    for (size_t i = 0; near && i < v->linked_count; i++)
        near = v->linked[i] != case_id;
    if (near)
        v->linked[v->linked_count++] = case_id;
    return v->linked_count == VG_CASE_MAX_LINKS;
}

static int by_time(const void *x, const void *y)
{
    const vg_case_event *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

#define CASE_MAX_NOTICES 200

/* Every message of the case's notices into the timeline: to whom, what,
 * and whether the server took it. */
static vg_status notice_messages(vg_tx *tx, case_args *a, vg_error *err)
{
    vg_case_view *v = a->view;
    vg_notice_filter f = {.case_id = v->case_id};
    vg_status st = vg_tx_notices(tx, &f, CASE_MAX_NOTICES, &v->notices, &v->notice_count, err);
    for (size_t i = 0; st == VG_OK && i < v->notice_count; i++) {
        vg_notice_event *ev = NULL;
        size_t n = 0;
        st = vg_tx_notice_events(tx, v->notices[i].id, &ev, &n, err);
        char target[48];
        snprintf(target, sizeof target, "notice:%" PRId64, v->notices[i].id);
        for (size_t k = 0; st == VG_OK && k < n; k++) {
            if (strcmp(ev[k].kind, VG_NOTICE_EVENT_MESSAGE))
                continue;
            json_t *d = json_loads(ev[k].detail ? ev[k].detail : "{}", 0, NULL);
            const char *kind = json_string_value(json_object_get(d, "kind"));
            const char *to = json_string_value(json_object_get(d, "to"));
            const char *subject = json_string_value(json_object_get(d, "subject"));
            const char *error = json_string_value(json_object_get(d, "error"));
            int delivered = json_is_true(json_object_get(d, "delivered"));
            char action[700];
            snprintf(action, sizeof action, "%s %s %.200s: %.300s%s%.150s",
                     kind ? kind : "message", delivered ? "sent to" : "NOT delivered to",
                     to ? to : "?", subject ? subject : "", error ? " - " : "",
                     error ? error : "");
            json_decref(d);
            /* seq past any audit entry's: after the audited step of the same second */
            a->failed |= add_event(v, ev[k].at, ((int64_t)1 << 62) + (int64_t)k, "notices",
                                   action, target);
        }
        vg_notice_events_free(ev, n);
    }
    return st;
}

static vg_status case_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    case_args *a = ctx;
    vg_case_view *v = a->view;
    vg_status st;
    if ((st = vg_tx_items_of_case(tx, v->case_id, &v->items, &v->item_count, err)) != VG_OK ||
        !v->item_count ||
        (st = vg_tx_files(tx, 0, v->case_id, &v->files, &v->file_count, err)) != VG_OK ||
        (st = vg_hotline_quarantine_mark_tx(tx, v->files, v->file_count, err)) != VG_OK ||
        (st = vg_tx_case_urls(tx, v->case_id, &v->urls, &v->url_count, err)) != VG_OK)
        return st;
    a->own = malloc((v->file_count ? v->file_count : 1) * sizeof *a->own);
    if (!a->own)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < v->file_count; i++)
        if (v->files[i].pdq && strlen(v->files[i].pdq) == VG_PDQ_HEX_CHARS &&
            vg_pdq_from_hex(v->files[i].pdq, &a->own[a->own_count]) == VG_OK)
            a->own_count++;
    if (a->own_count &&
        (st = vg_tx_pdqs_elsewhere(tx, v->case_id, near_row, a, err)) != VG_OK &&
        st != VG_ERR_ABORTED)
        return st;
    /* The timeline: arrivals, then every audited action on the case's
     * reports and files. */
    size_t targets = v->item_count + v->file_count;
    char (*names)[32] = calloc(targets, sizeof *names);
    const char **list = calloc(targets, sizeof *list);
    if (!names || !list) {
        free(names);
        free(list);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->item_count; i++) {
        vg_hotline_report_target(v->items[i].report_id, names[i]);
        a->failed |= add_event(v, v->items[i].created_at, 0, v->items[i].source,
                               "report.received", names[i]);
    }
    for (size_t i = 0; i < v->file_count; i++)
        snprintf(names[v->item_count + i], 32, "file:%" PRId64, v->files[i].id);
    for (size_t i = 0; i < targets; i++)
        list[i] = names[i];
    st = vg_tx_audit_for_targets(tx, list, targets, visit, a, err);
    free(names);
    free(list);
    if (st == VG_OK && !a->failed)
        st = notice_messages(tx, a, err);
    if (a->failed)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the timeline");
    if (st != VG_OK)
        return st;
    qsort(v->events, v->event_count, sizeof *v->events, by_time);
    return VG_OK;
}

vg_status vg_hotline_case(vg_hotline *h, int64_t case_id, vg_case_view *view, int *found,
                          vg_error *err)
{
    memset(view, 0, sizeof *view);
    view->case_id = case_id;
    case_args a = {.h = h, .view = view};
    vg_status st = vg_store_read(h->store, case_tx, &a, err);
    free(a.own);
    *found = st == VG_OK && view->item_count > 0;
    if (!*found)
        vg_case_view_clear(view);
    return st;
}

void vg_case_view_clear(vg_case_view *v)
{
    vg_items_free(v->items, v->item_count);
    vg_item_files_free(v->files, v->file_count);
    vg_item_urls_free(v->urls, v->url_count);
    vg_notice_rows_free(v->notices, v->notice_count);
    for (size_t i = 0; i < v->event_count; i++) {
        free(v->events[i].actor);
        free(v->events[i].action);
        free(v->events[i].target);
    }
    free(v->events);
    memset(v, 0, sizeof *v);
}
