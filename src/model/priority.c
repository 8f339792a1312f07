/*
 * src/model/priority.c - the queue's priority rules (priority.h).
 */
#include <stdio.h>
#include <string.h>

#include "model/priority.h"

#include <inttypes.h>

#include "model/alert.h"

static const struct {
    const char *name, *label;
    int64_t weight;
} rules[VG_RULE_COUNT] = {
    [VG_RULE_DANGER] = {"danger", "child in danger / live-streamed", 10000},
    [VG_RULE_SEXTORTION] = {"sextortion", "sextortion, risk of self-harm", 800},
    [VG_RULE_NEW] = {"new_material", "new material (no bank match)", 300},
    [VG_RULE_YOUNG] = {"very_young", "very young apparent age", 200},
    [VG_RULE_SEVERITY] = {"severity", "top severity", 150},
    [VG_RULE_TRUSTED] = {"trusted_source", "trusted partner source", 100},
    [VG_RULE_WAITING] = {"waiting", "waiting (per hour)", 5},
};

const char *vg_priority_rule_name(vg_priority_rule rule)
{
    return rule < VG_RULE_COUNT ? rules[rule].name : "unknown";
}

const char *vg_priority_rule_label(vg_priority_rule rule)
{
    return rule < VG_RULE_COUNT ? rules[rule].label : "unknown";
}

vg_status vg_priority_load(vg_config *cfg, const char *top_severity, vg_priority *p,
                           vg_error *err)
{
    memset(p, 0, sizeof *p);
    for (int r = 0; r < VG_RULE_COUNT; r++) {
        char key[64];
        snprintf(key, sizeof key, "priority.%s", rules[r].name);
        vg_status st = vg_config_int(cfg, key, rules[r].weight, 0, 1000000, &p->weight[r], err);
        if (st != VG_OK)
            return st;
    }
    vg_status st = vg_config_int(cfg, "priority.waiting_max_hours", 72, 0, 24 * 365,
                                 &p->waiting_max_hours, err);
    if (st != VG_OK)
        return st;
    snprintf(p->top_severity, sizeof p->top_severity, "%s", top_severity ? top_severity : "A");
    /* A child in danger comes first: no combination of the other rules may
     * reach it (the trusted source's weight is at most its full weight). */
    int64_t others = p->weight[VG_RULE_WAITING] * p->waiting_max_hours;
    for (int r = 0; r < VG_RULE_COUNT; r++)
        if (r != VG_RULE_DANGER && r != VG_RULE_WAITING)
            others += p->weight[r];
    if (p->weight[VG_RULE_DANGER] <= others)
        return vg_error_set(err, VG_ERR_INVALID,
                            "priority.danger (%" PRId64 ") must be larger than what the other "
                            "rules can give together (%" PRId64 ": priority.sextortion, "
                            "new_material, very_young, severity, trusted_source, and waiting x "
                            "waiting_max_hours), so that a child in danger comes first: raise "
                            "it above %" PRId64 " or lower the others",
                            p->weight[VG_RULE_DANGER], others, others);
    return VG_OK;
}

static int is(const char *value, const char *wanted)
{
    return value && !strcmp(value, wanted);
}

int64_t vg_priority_score(const vg_priority *p, const vg_item *item, const vg_grading *g,
                          int64_t now, vg_priority_hit *hits, int *hit_count)
{
    vg_verdict_text v;
    vg_rule_item_verdict(item, g, &v);
    int met[VG_RULE_COUNT] = {0};
    met[VG_RULE_DANGER] = vg_rule_alert_reason(item->category, (int)item->danger) != NULL;
    met[VG_RULE_SEXTORTION] =
        is(item->category, VG_CATEGORY_SEXTORTION) || is(item->category, VG_CATEGORY_IMAGE_OF_ME);
    /* A file in neither an external bank nor the organisation's own is new. */
    met[VG_RULE_NEW] = item->files > item->files_known && item->files > item->files_own_bank;
    met[VG_RULE_YOUNG] = is(v.age, VG_AGE_INFANT) || is(v.age, VG_AGE_YOUNG_CHILD);
    met[VG_RULE_SEVERITY] = is(v.severity, p->top_severity);
    met[VG_RULE_TRUSTED] = item->api_key_id > 0 && item->source_trust > 0;
    int64_t hours = now > item->created_at ? (now - item->created_at) / 3600 : 0;
    if (hours > p->waiting_max_hours)
        hours = p->waiting_max_hours;
    int64_t score = 0;
    int n = 0;
    for (int r = 0; r < VG_RULE_COUNT; r++) {
        int64_t points = r == VG_RULE_WAITING ? p->weight[r] * hours
                         : !met[r]            ? 0
                         /* A key's trust (0-100, set with the key) scales its weight. */
                         : r == VG_RULE_TRUSTED ? p->weight[r] * item->source_trust / 100
                                                : p->weight[r];
        if (points > 0) {
            hits[n].rule = (vg_priority_rule)r;
            hits[n].points = points;
            n++;
            score += points;
        }
    }
    *hit_count = n;
    return score;
}
