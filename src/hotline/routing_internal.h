/*
 * src/hotline/routing_internal.h - the routing settings the hotline's
 * routing files share (routing.c reads them; forwarding.c and referral.c
 * use them). Read-only once vg_hotline_open returns.
 */
#ifndef VIGIE_HOTLINE_ROUTING_INTERNAL_H
#define VIGIE_HOTLINE_ROUTING_INTERNAL_H

#include <jansson.h>
#include <sodium.h>

#include "hotline/hotline.h"
#include "model/route.h"
#include "store/store.h"
#include "util/partners.h"
#include "vigie/hosting.h"
#include "vigie/outbound.h"

/* Where a referral goes (routing.police.*, routing.child_protection.*). */
typedef struct vg_referral_contact {
    char *name;   /* shown and told about; NULL: not configured */
    char *email;  /* told by e-mail (docs), or NULL */
    char *url;    /* its API: the package is POSTed there, or NULL */
    int has_key;  /* public_key holds the unit's X25519 key: evidence travels sealed to it */
    char language[16]; /* .language: its e-mail's language (a catalogue's code), "en" ... */
    unsigned char public_key[crypto_box_PUBLICKEYBYTES];
} vg_referral_contact;

struct vg_routing {
    char country[3];
    char *hotline_name;          /* routing.name: how partners and the police know us */
    char language[16];           /* routing.language: the hotline's own ("en") */
    vg_partner_list partners;    /* routing.partners */
    int auto_known;              /* routing.auto_known */
    int64_t poll_seconds;        /* routing.poll_seconds: a forward's fate is asked */
    vg_outbound_options outbound; /* routing.timeout_seconds, routing.test_allow_local */
    vg_referral_contact police, child_protection;
    char *referral_dir;          /* routing.referral_dir */
    int64_t email_max_bytes;     /* routing.email_max_bytes: a package attached to an e-mail */
    unsigned char sign_secret[crypto_sign_SECRETKEYBYTES]; /* routing.signing_key */
    unsigned char sign_public[crypto_sign_PUBLICKEYBYTES];
    vg_hosting *hosting;
};

/* The partner hotline of country (uppercase), or NULL (deliveries.c). */
const vg_partner *vg_routing_partner(const vg_routing *r, const char *country);
/* The partner whose key_org is org (the organisation of a partner key
 * this hotline issued: util/partners.h), or NULL. */
const vg_partner *vg_routing_partner_by_org(const vg_routing *r, const char *org);

/* Inside a transaction that recorded something on report_id: when a
 * partner forwarded it (the key that sent it is that partner's key_org),
 * a callback with its fate is due to that partner at now
 * (vg_tx_callback_arm); otherwise nothing. */
vg_status vg_routing_callback_tx(vg_tx *tx, const vg_routing *r, int64_t report_id, int64_t now,
                                 vg_error *err);
/* The same, knowing the key that sent the report (api_key_id; <= 0:
 * none, nothing due): intake, before the report can be read back. */
vg_status vg_routing_callback_key_tx(vg_tx *tx, const vg_routing *r, int64_t report_id,
                                     int64_t api_key_id, int64_t now, vg_error *err);

/* vg_hotline_report_fate; with any_sender, whichever key sent the report
 * (a callback to the partner that forwarded it), and version (> 0) that
 * callback's version, as "version": the partner keeps the newest. */
vg_status vg_routing_fate(vg_hotline *h, const char *public_id, int64_t api_key_id,
                          int any_sender, int64_t version, char **fate_json, int *found,
                          vg_error *err);

/* Inside a transaction: approve route as it was read (by: a user name, or
 * "orientation"; action "route.approve" by a person, "route.auto" by
 * routing.auto_known), make its deliveries and audit it. *done = 0 when
 * the route changed since it was read (nothing written). */
vg_status vg_routing_approve_tx(vg_tx *tx, const vg_routing *r, const vg_url_route_row *route,
                                const char *by, const char *action, int64_t now, int *done,
                                vg_error *err);
/* Append the audit entry (actor, action) of report_id with the JSON
 * object o as its detail (o consumed, may be NULL: out of memory). */
vg_status vg_routing_audit(vg_tx *tx, int64_t now, const char *actor, const char *action,
                           int64_t report_id, json_t *o, vg_error *err);

#endif
