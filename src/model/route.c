/*
 * src/model/route.c - orientation of a confirmed URL (route.h).
 */
#include "model/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"

/* Append code to the comma-separated list (VG_URL_ROUTE_TEXT bytes); a
 * code that does not fit whole is left out. */
static void add(char *list, const char *code)
{
    size_t len = strlen(list), n = strlen(code);
    if (len + (len ? 1 : 0) + n + 1 > VG_URL_ROUTE_TEXT)
        return;
    if (len)
        list[len++] = ',';
    memcpy(list + len, code, n + 1);
}

static const vg_partner *partner_for(const vg_url_route_facts *f, const char *country)
{
    for (size_t i = 0; i < f->partner_count; i++)
        if (!strcmp(f->partners[i].country, country))
            return &f->partners[i];
    return NULL;
}

int vg_rule_child_in_danger(const char *category, int danger)
{
    return danger || (category && (!strcmp(category, VG_CATEGORY_LIVESTREAM) ||
                                   !strcmp(category, VG_CATEGORY_SEXTORTION)));
}

void vg_rule_url_route(const vg_url_route_facts *f, vg_url_route *out)
{
    memset(out, 0, sizeof *out);
    if (f->child_in_danger) {
        add(out->actions, VG_ACTION_CHILD_PROTECTION);
        add(out->reasons, VG_REASON_CHILD_IN_DANGER);
    }
    int anycast = 0, located = 0, several = 0;
    const char *country = NULL;
    for (size_t i = 0; i < f->address_count; i++) {
        const vg_url_route_address *a = &f->addresses[i];
        if (a->anycast) {
            anycast = 1;
            continue;
        }
        if (!a->is_public || !a->country || !*a->country)
            continue;
        located = 1;
        if (!country)
            country = a->country;
        else if (strcmp(country, a->country))
            several = 1;
    }
    if (anycast) {
        add(out->actions, VG_ACTION_ASK_CDN);
        add(out->actions, VG_ACTION_ANALYST);
        add(out->reasons, VG_REASON_CDN);
        return;
    }
    if (!f->resolved || !located) {
        add(out->actions, VG_ACTION_ANALYST);
        add(out->reasons, f->resolved ? VG_REASON_NOT_LOCATED : VG_REASON_UNRESOLVED);
        return;
    }
    if (several) {
        add(out->actions, VG_ACTION_ANALYST);
        add(out->reasons, VG_REASON_SEVERAL_COUNTRIES);
        return;
    }
    snprintf(out->country, sizeof out->country, "%s", country);
    if (f->home_country && !strcmp(country, f->home_country)) {
        add(out->actions, VG_ACTION_NOTICE_HOST);
        add(out->actions, VG_ACTION_POLICE);
        add(out->reasons, VG_REASON_HOME);
        return;
    }
    out->partner = partner_for(f, country);
    if (out->partner) {
        add(out->actions, VG_ACTION_FORWARD);
        add(out->reasons, VG_REASON_ABROAD_PARTNER);
    } else {
        add(out->actions, VG_ACTION_NOTICE_HOST);
        add(out->actions, VG_ACTION_BLOCK);
        add(out->reasons, VG_REASON_ABROAD_NO_PARTNER);
    }
}

void vg_url_route_row_clear(vg_url_route_row *row)
{
    free(row->url);
    free(row->state);
    free(row->actions);
    free(row->reasons);
    free(row->country);
    free(row->partner);
    free(row->hosting);
    free(row->changed_by);
    free(row->decided_by);
    memset(row, 0, sizeof *row);
}

void vg_url_route_rows_free(vg_url_route_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        vg_url_route_row_clear(&rows[i]);
    free(rows);
}

void vg_url_route_todos_free(vg_url_route_todo *todo, size_t count)
{
    for (size_t i = 0; todo && i < count; i++) {
        free(todo[i].url);
        free(todo[i].category);
    }
    free(todo);
}

/* ---- approval ------------------------------------------------------------ */

int vg_route_has_action(const char *actions, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = actions; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, code, n))
            return 1;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

/* Every code of a is in b. */
static int subset(const char *a, const char *b)
{
    char code[VG_URL_ROUTE_TEXT];
    for (const char *p = a; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= sizeof code)
            return 0;
        memcpy(code, p, len);
        code[len] = 0;
        if (!vg_route_has_action(b, code))
            return 0;
        p = end ? end + 1 : p + len;
    }
    return 1;
}

static int same_actions(const char *a, const char *b)
{
    return subset(a, b) && subset(b, a);
}

/* A list of known action codes, none twice, at least one. */
static int valid_actions(const char *actions, int has_partner, char *why, size_t cap)
{
    if (!actions || !*actions) {
        snprintf(why, cap, "choose at least one action");
        return 0;
    }
    if (strlen(actions) >= VG_URL_ROUTE_TEXT) {
        snprintf(why, cap, "too many actions");
        return 0;
    }
    char seen[VG_URL_ROUTE_TEXT] = "";
    for (const char *p = actions; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char code[VG_URL_ROUTE_TEXT];
        memcpy(code, p, len);
        code[len] = 0;
        if (!vg_term_find(vg_action_terms, code)) {
            snprintf(why, cap, "'%.40s' is not an action", code);
            return 0;
        }
        if (vg_route_has_action(seen, code)) {
            snprintf(why, cap, "'%.40s' is listed twice", code);
            return 0;
        }
        if (!has_partner && !strcmp(code, VG_ACTION_FORWARD)) {
            snprintf(why, cap, "there is no partner hotline in the hosting country to forward to");
            return 0;
        }
        add(seen, code);
        p = end ? end + 1 : p + len;
    }
    return 1;
}

vg_route_verdict vg_rule_route_approval(const char *state, const char *changed_by,
                                        const char *actor, const char *current,
                                        const char *wanted, int has_partner, char *why,
                                        size_t cap)
{
    snprintf(why, cap, "%s", "");
    int proposed = state && !strcmp(state, VG_URL_ROUTE_PROPOSED);
    if (!proposed) {
        snprintf(why, cap, "this route was approved already");
        return VG_ROUTE_REFUSED;
    }
    if (!valid_actions(wanted, has_partner, why, cap))
        return VG_ROUTE_REFUSED;
    int changed = changed_by && *changed_by;
    if (!same_actions(current, wanted))
        return VG_ROUTE_CHANGE;
    if (changed && actor && !strcmp(actor, changed_by)) {
        snprintf(why, cap, "you changed this route: another analyst must approve the change");
        return VG_ROUTE_REFUSED;
    }
    return VG_ROUTE_APPROVE;
}

/* Whether every action of the list is one vigie's own fetch of the URL
 * lets go without a person. */
static int fetch_proves(const char *actions)
{
    static const char *const allowed[] = {VG_ACTION_FORWARD, VG_ACTION_NOTICE_HOST,
                                          VG_ACTION_POLICE};
    if (!*actions)
        return 0;
    for (const char *a = actions; *a;) {
        size_t len = strcspn(a, ",");
        int ok = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            ok |= strlen(allowed[i]) == len && !strncmp(a, allowed[i], len);
        if (!ok)
            return 0;
        a += len + (a[len] == ',');
    }
    return 1;
}

int vg_rule_route_automatic(const vg_route_known *k)
{
    if (!(k->auto_known && k->item_state && !strcmp(k->item_state, VG_ITEM_AUTO) &&
          k->decided_by && !strcmp(k->decided_by, VG_DECIDED_BANK) && k->files > 0 &&
          k->files_known == k->files && k->files_claimed == 0 && k->actions))
        return 0;
    return !strcmp(k->actions, VG_ACTION_FORWARD) ||
           (k->fetched_at_url && fetch_proves(k->actions));
}

size_t vg_rule_route_deliveries(const char *actions, int has_partner, const char *kinds[3])
{
    size_t n = 0;
    if (vg_route_has_action(actions, VG_ACTION_CHILD_PROTECTION))
        kinds[n++] = VG_DELIVERY_CHILD_PROTECTION;
    if (vg_route_has_action(actions, VG_ACTION_FORWARD) && has_partner)
        kinds[n++] = VG_DELIVERY_FORWARD;
    if (vg_route_has_action(actions, VG_ACTION_POLICE))
        kinds[n++] = VG_DELIVERY_POLICE;
    return n;
}

int64_t vg_rule_delivery_retry_at(int64_t now, int64_t attempts)
{
    int64_t wait = 60;
    for (int64_t i = 1; i < attempts && wait < 6 * 3600; i++)
        wait *= 2;
    return now + (wait < 6 * 3600 ? wait : 6 * 3600);
}

void vg_route_delivery_clear(vg_route_delivery *d)
{
    free(d->kind);
    free(d->target);
    free(d->url);
    free(d->reference);
    free(d->last_error);
    memset(d, 0, sizeof *d);
}

void vg_route_deliveries_free(vg_route_delivery *d, size_t count)
{
    for (size_t i = 0; d && i < count; i++)
        vg_route_delivery_clear(&d[i]);
    free(d);
}

void vg_partner_callbacks_free(vg_partner_callback *c, size_t count)
{
    for (size_t i = 0; c && i < count; i++) {
        free(c[i].target);
        free(c[i].reference);
        free(c[i].last_error);
    }
    free(c);
}

void vg_route_actions_free(vg_route_action *a, size_t count)
{
    for (size_t i = 0; a && i < count; i++) {
        free(a[i].type);
        free(a[i].to);
        free(a[i].reference);
        free(a[i].url);
        free(a[i].by);
    }
    free(a);
}

void vg_rule_reporter_outcome(const vg_route_action *actions, size_t count,
                              vg_reporter_outcome *out)
{
    *out = (vg_reporter_outcome){0};
    for (size_t i = 0; i < count; i++) {
        const vg_route_action *a = &actions[i];
        if (!strcmp(a->type, VG_DONE_FORWARDED))
            out->forwarded = 1;
        else if (!strcmp(a->type, VG_DONE_NOTICE_SENT))
            out->notice_sent = 1;
        else if (!strcmp(a->type, VG_DONE_REFERRED))
            out->referred = 1;
        if (strcmp(a->type, VG_DONE_REMOVED) && strcmp(a->type, VG_DONE_REAPPEARED))
            continue;
        /* Each URL once, at its first removal or reappearance: a removal
         * recorded by this hotline and again by a partner is one URL gone;
         * what happened last to it says whether it is gone now. */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = (!strcmp(actions[j].type, VG_DONE_REMOVED) ||
                    !strcmp(actions[j].type, VG_DONE_REAPPEARED)) &&
                   !strcmp(actions[j].url, a->url);
        if (seen)
            continue;
        int64_t removed = 0, back = 0;
        for (size_t j = i; j < count; j++) {
            if (strcmp(actions[j].url, a->url))
                continue;
            if (!strcmp(actions[j].type, VG_DONE_REMOVED) && actions[j].at > removed)
                removed = actions[j].at;
            else if (!strcmp(actions[j].type, VG_DONE_REAPPEARED) && actions[j].at > back)
                back = actions[j].at;
        }
        if (back > removed) {
            out->reappeared_urls++;
        } else {
            out->removed_urls++;
            if (removed > out->removed_at)
                out->removed_at = removed;
        }
    }
}
