/*
 * src/hotline/cases.h - everything linked to one case: its reports, files
 * and URLs, the cases holding near-identical pictures, and its timeline.
 *
 * Reports join a case when they share a canonical URL, a file SHA-256 or a
 * (platform, account) pair (intake.h); the view adds the other cases holding
 * a file within console.pdq_link_threshold bits of one of this case's
 * (near-identical copies). The timeline merges each report's arrival with
 * every audited action on its reports and files, and every message its
 * notices to hosts sent or tried (notices.h), in time order.
 */
#ifndef VIGIE_HOTLINE_CASES_H
#define VIGIE_HOTLINE_CASES_H

#include "hotline/hotline.h"
#include "model/notice.h"

#define VG_CASE_MAX_LINKS 32
#define VG_CASE_MAX_EVENTS 5000

typedef struct vg_case_event {
    int64_t time, seq; /* seq 0: an arrival */
    char *actor, *action, *target;
} vg_case_event;

typedef struct vg_case_view {
    int64_t case_id;
    vg_item *items;
    size_t item_count;
    vg_item_file *files;
    size_t file_count;
    vg_item_url *urls;
    size_t url_count;
    int64_t linked[VG_CASE_MAX_LINKS];
    size_t linked_count;
    vg_case_event *events; /* in time order */
    size_t event_count;
    vg_notice_row *notices; /* the case's notices to hosts, newest first */
    size_t notice_count;
} vg_case_view;

/* The case; *found = 0 when it has no report. */
vg_status vg_hotline_case(vg_hotline *h, int64_t case_id, vg_case_view *view, int *found,
                          vg_error *err);
void vg_case_view_clear(vg_case_view *view);

#endif
