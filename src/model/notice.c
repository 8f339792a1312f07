/*
 * src/model/notice.c - the notice rules (notice.h).
 */
#include "model/notice.h"
#include "model/vocab.h"

#include <stdlib.h>
#include <string.h>

void vg_notice_policy_default(vg_notice_policy *p)
{
    p->renotice_seconds = 24 * 3600;
    p->check_seconds = 3600;
    p->retry_seconds = 600;
    p->escalate_after = 3;
    p->staydown_check_seconds = 24 * 3600;
    p->staydown_seconds = 90 * 24 * 3600;
}

vg_notice_seen vg_rule_notice_seen(long status, int has_body, int matches)
{
    if (status == 404 || status == 410)
        return VG_SEEN_GONE;
    if (has_body && matches >= 0)
        return matches ? VG_SEEN_MATERIAL : VG_SEEN_GONE;
    return VG_SEEN_NOTHING;
}

int vg_notice_state_open(const char *state)
{
    return state && strcmp(state, VG_NOTICE_CLOSED) && strcmp(state, VG_NOTICE_NO_CONTACT);
}

int vg_rule_notice_handed_over(const char *state, int64_t removed_at, int64_t reappeared_at)
{
    return state && !strcmp(state, VG_NOTICE_REMOVED) && removed_at > 0 &&
           reappeared_at > removed_at;
}

int vg_rule_crawl_target_wanted(const char *item_state, const char *legal)
{
    int decided = item_state && (!strcmp(item_state, VG_ITEM_CONFIRMED) ||
                                 !strcmp(item_state, VG_ITEM_AUTO));
    if (!decided || !legal || !*legal)
        return 1;
    return !strcmp(legal, VG_LEGAL_CSAM) || !strcmp(legal, VG_LEGAL_AGE_UNDETERMINED);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

void vg_rule_notice_step(const vg_notice_policy *p, const vg_notice_facts *f, vg_notice_seen seen,
                         int64_t now, vg_notice_step *out)
{
    memset(out, 0, sizeof *out);
    out->state = f->state;
    const char *s = f->state ? f->state : "";
    if (!vg_notice_state_open(s))
        return;
    int removed = !strcmp(s, VG_NOTICE_REMOVED);
    if (!strcmp(s, VG_NOTICE_PENDING)) {
        /* The first notice needs proof of where the material is: what vigie
         * fetched there, or a person's confirmation; never the file alone. */
        if (seen == VG_SEEN_MATERIAL || (f->confirmed && seen != VG_SEEN_GONE)) {
            out->state = VG_NOTICE_SENT;
            out->send_notice = 1;
            out->next_check_at = now + min64(p->check_seconds, p->renotice_seconds);
        } else {
            out->next_check_at = now + (seen == VG_SEEN_NOTHING ? p->retry_seconds
                                                                 : p->check_seconds);
        }
        return;
    }
    if (removed) {
        if (seen == VG_SEEN_MATERIAL) {
            out->state = VG_NOTICE_SENT;
            out->reappeared = 1;
            out->send_notice = 1;
            out->next_check_at = now + min64(p->check_seconds, p->renotice_seconds);
        } else if (now - f->removed_at >= p->staydown_seconds) {
            out->state = VG_NOTICE_CLOSED;
        } else {
            out->next_check_at = now + (seen == VG_SEEN_NOTHING ? p->retry_seconds
                                                                 : p->staydown_check_seconds);
        }
        return;
    }
    /* sent or escalated */
    if (seen == VG_SEEN_GONE) {
        out->state = VG_NOTICE_REMOVED;
        out->removed = 1;
        out->next_check_at = now + p->staydown_check_seconds;
        return;
    }
    if (seen == VG_SEEN_NOTHING) {
        out->next_check_at = now + p->retry_seconds;
        return;
    }
    /* still served */
    int64_t renotice_at = f->last_sent_at + p->renotice_seconds;
    if (now >= renotice_at) {
        if (!f->escalated && f->sent_count >= p->escalate_after) {
            out->escalate = 1;
            out->state = VG_NOTICE_ESCALATED;
        }
        out->send_notice = 1;
        renotice_at = now + p->renotice_seconds;
    }
    out->next_check_at = min64(now + p->check_seconds, renotice_at);
}

void vg_notice_row_clear(vg_notice_row *r)
{
    free(r->url);
    free(r->state);
    free(r->contact);
    free(r->language);
    free(r->provider);
    free(r->token_hash);
    free(r->material_sha256);
    free(r->material_pdq);
    memset(r, 0, sizeof *r);
}

void vg_notice_rows_free(vg_notice_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        vg_notice_row_clear(&rows[i]);
    free(rows);
}

void vg_notice_events_free(vg_notice_event *events, size_t count)
{
    for (size_t i = 0; events && i < count; i++) {
        free(events[i].kind);
        free(events[i].detail);
    }
    free(events);
}

void vg_notice_todos_free(vg_notice_todo *todo, size_t count)
{
    for (size_t i = 0; todo && i < count; i++) {
        free(todo[i].url);
        free(todo[i].hosting);
    }
    free(todo);
}
