/*
 * src/model/route.c - orientation of a confirmed URL (route.h).
 */
#include "model/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"

static void add(char *list, const char *code)
{
    size_t len = strlen(list);
    snprintf(list + len, VG_URL_ROUTE_TEXT - len, "%s%s", len ? "," : "", code);
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

void vg_url_route_rows_free(vg_url_route_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].url);
        free(rows[i].state);
        free(rows[i].actions);
        free(rows[i].reasons);
        free(rows[i].country);
        free(rows[i].partner);
        free(rows[i].hosting);
    }
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
