/*
 * src/cli/progress.h - a one-line progress display on a terminal.
 *
 * Shows files and bytes done, the byte rate, and once the total is known a
 * bar, the totals and the estimated time left. It redraws itself from its
 * own thread a few times a second; callers only add to its counters, from
 * any thread. When stderr is not a terminal (or the user said
 * --no-progress) vg_progress_new returns NULL, and every function accepts
 * NULL and does nothing, so callers need no conditions.
 */
#ifndef VIGIE_CLI_PROGRESS_H
#define VIGIE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct vg_progress vg_progress;

/* Bytes read so far of the items still in progress, polled at each redraw
 * so a single huge file shows movement. Called on the progress thread. */
typedef uint64_t (*vg_progress_inflight_fn)(void *user);

typedef struct vg_progress_options {
    const char *label;                /* e.g. "hash" */
    bool enabled;                     /* false: vg_progress_new returns NULL */
    vg_progress_inflight_fn inflight; /* may be NULL */
    void *inflight_user;
} vg_progress_options;

vg_progress *vg_progress_new(const vg_progress_options *options);
/* Items found so far (what the total will be once it is known). */
void vg_progress_add_total(vg_progress *p, uint64_t files, uint64_t bytes);
/* Nothing more will be added to the total: show the bar and time left. */
void vg_progress_total_known(vg_progress *p);
/* Items finished. */
void vg_progress_add_done(vg_progress *p, uint64_t files, uint64_t bytes);
/*
 * Writing to the same terminal (stdout is one too): call begin before
 * writing, end after flushing. Between the two the line is erased and not
 * redrawn, so rows and the progress line never mix.
 */
void vg_progress_begin_output(vg_progress *p);
void vg_progress_end_output(vg_progress *p);
/* Stop redrawing and erase the line. */
void vg_progress_free(vg_progress *p);

#endif
