/*
 * src/model/route.h - orientation: who must act on a confirmed URL.
 *
 * The rule takes what a hosting lookup found for one URL (the countries of
 * its addresses, anycast) and the hotline's network (its own country, its
 * partner hotlines by country) and proposes the actions, each with the
 * reasons an analyst reads (vocab: VG_ACTION_*, VG_REASON_*):
 *
 *   hosted at home                 -> notice to the host, referral to the police
 *   abroad, a partner hotline there -> forward to that partner
 *   abroad, no partner             -> notice to the host, propose for blocking
 *   behind a CDN (anycast)         -> ask the CDN for the origin; the analyst decides
 *   unresolved, not public, or in several countries -> the analyst decides
 *   a child in danger              -> also refer to child protection at once
 *
 * The rule never guesses a country: an anycast address's country is where
 * the answer came from, not where the material is. Pure: no I/O.
 */
#ifndef VIGIE_MODEL_ROUTE_H
#define VIGIE_MODEL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

/* A partner hotline (routing.partner.CC.*); strings borrowed. */
typedef struct vg_partner {
    char country[3]; /* ISO 3166-1 alpha-2, uppercase */
    const char *name;
    const char *url; /* its partner API */
} vg_partner;

/* One address of the URL's host, as the lookup gave it (borrowed). */
typedef struct vg_url_route_address {
    const char *country; /* "" when unknown */
    int anycast;
    int is_public;
} vg_url_route_address;

typedef struct vg_url_route_facts {
    const char *home_country;          /* routing.country */
    const vg_partner *partners;
    size_t partner_count;
    int resolved;                      /* the host resolved */
    const vg_url_route_address *addresses;
    size_t address_count;
    int child_in_danger;
} vg_url_route_facts;

#define VG_URL_ROUTE_TEXT 160

typedef struct vg_url_route {
    char actions[VG_URL_ROUTE_TEXT]; /* comma-separated VG_ACTION_* codes, most urgent first */
    char reasons[VG_URL_ROUTE_TEXT]; /* comma-separated VG_REASON_* codes */
    char country[3];             /* the hosting country, "" when it is not known */
    const vg_partner *partner;   /* the partner to forward to, or NULL */
} vg_url_route;

/* The route of one URL (see the top of this file). */
void vg_rule_url_route(const vg_url_route_facts *facts, vg_url_route *out);

/* Whether a report puts a child in immediate danger: its sender said so
 * (danger), or it is about a live stream or sextortion. Such routes also
 * refer to child protection. */
int vg_rule_child_in_danger(const char *category, int danger);

/* A route as kept (store/routes.h); owns its strings (vg_url_route_rows_free). */
typedef struct vg_url_route_row {
    int64_t report_id;
    char *url;     /* the canonical URL */
    char *state;   /* VG_ROUTE_* */
    char *actions, *reasons, *country, *partner; /* as vg_url_route; "" when none */
    char *hosting; /* the lookup's facts, a JSON array of addresses */
    int64_t created_at;
} vg_url_route_row;
void vg_url_route_rows_free(vg_url_route_row *rows, size_t count);

/* A confirmed URL that has no route yet (owns its strings). */
typedef struct vg_url_route_todo {
    int64_t report_id;
    char *url;      /* canonical */
    char *category; /* the report's */
    int danger;     /* its sender says a child is in danger now */
} vg_url_route_todo;
void vg_url_route_todos_free(vg_url_route_todo *todo, size_t count);

#endif
