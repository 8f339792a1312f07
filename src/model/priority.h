/*
 * src/model/priority.h - the analyst queue's priority score.
 *
 * A report's score is the sum of the weights of the rules it meets, plus
 * points for the time it has waited. The operator sets every weight in the
 * configuration (docs/console.md: priority.<rule> keys); the defaults follow
 * the domain brief: a child in immediate danger or live-streamed abuse
 * first, then sextortion with a risk of self-harm, new material above known
 * material, very young apparent age, severity A, a trusted source, waiting.
 * The first is not a matter of weighing: a report saying a child is in
 * danger now outranks every other, whatever else they have, so its weight
 * must exceed all the others together (vg_priority_load refuses less).
 * The score comes with the rules that gave it, so the console can show why.
 */
#ifndef VIGIE_MODEL_PRIORITY_H
#define VIGIE_MODEL_PRIORITY_H

#include <stdint.h>

#include "model/item.h"
#include "util/config.h"

typedef enum vg_priority_rule {
    VG_RULE_DANGER = 0,  /* a child in danger now, or live abuse: what raises an alert
                            (vg_rule_alert_reason) */
    VG_RULE_SEXTORTION,  /* sextortion or "an image of me": risk of self-harm */
    VG_RULE_NEW,         /* at least one file matched no bank: never seen */
    VG_RULE_YOUNG,       /* apparent age band 0-2 or 3-7 (assessment or bank) */
    VG_RULE_SEVERITY,    /* the top severity of the scheme (A by default) */
    VG_RULE_TRUSTED,     /* from a partner's API key: weight x the key's trust / 100 */
    VG_RULE_WAITING,     /* per hour waited, up to priority.waiting_max_hours */
    VG_RULE_COUNT
} vg_priority_rule;

typedef struct vg_priority {
    int64_t weight[VG_RULE_COUNT];
    int64_t waiting_max_hours;
    char top_severity[8]; /* the scheme's most severe grade */
} vg_priority;

/* One rule that applied and the points it gave. */
typedef struct vg_priority_hit {
    vg_priority_rule rule;
    int64_t points;
} vg_priority_hit;

/* Read priority.* from cfg (defaults for absent keys); top_severity is the
 * first grade of the severity scheme. VG_ERR_INVALID, naming the keys, when
 * priority.danger does not exceed what every other rule can give together
 * (waiting counted at priority.waiting_max_hours). */
vg_status vg_priority_load(vg_config *cfg, const char *top_severity, vg_priority *p,
                           vg_error *err);
/* The item's score at now; hits (VG_RULE_COUNT entries) receives the rules
 * that applied, *hit_count how many. The item's classification is what
 * vg_rule_item_verdict shows (never a first assessment's answers). */
int64_t vg_priority_score(const vg_priority *p, const vg_item *item, const vg_grading *g,
                          int64_t now, vg_priority_hit *hits, int *hit_count);
/* "danger", "sextortion", ... (the configuration key's middle part). */
const char *vg_priority_rule_name(vg_priority_rule rule);
/* A sentence for people: "live-streamed abuse / child in danger". */
const char *vg_priority_rule_label(vg_priority_rule rule);

#endif
