/*
 * src/jobs/deliveries.c - the deliveries job (deliveries.h).
 *
 * A forward is a POST of the partner API (docs/api.md) to the partner
 * hotline's vigie, with the key it gave this hotline and an
 * Idempotency-Key naming the delivery, so that a retry after a lost
 * answer is the same report, counted once. Its answer's "id" is the
 * partner's reference; GET /api/v1/reports/{id} later says what the
 * partner did. Whatever a partner answers is read as hostile
 * (hotline/partner_answer.h) and bounded.
 *
 * A callback goes the other way (hotline/forwarding.h): the fate of a
 * report a partner forwarded here, POSTed to that partner's
 * /api/v1/forwards/{id}/fate with the key it gave this hotline; any 2xx
 * answer is taken, anything else is tried again as deliveries are.
 */
#include "jobs/deliveries.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/forwarding.h"
#include "hotline/partner_answer.h"
#include "hotline/referral.h"
#include "hotline/routing_internal.h"
#include "model/vocab.h"
#include "vigie/outbound.h"

typedef struct outcome {
    int taken;
    char reference[VG_PARTNER_REFERENCE_MAX];
    char how[300]; /* how a referral went, for the audit entry */
    vg_error why;
} outcome;

static void auth_header(const vg_partner *p, char *out, size_t cap)
{
    snprintf(out, cap, "Authorization: Bearer %s", p->key);
}

static void forward(vg_hotline *h, const vg_route_delivery *d, outcome *o)
{
    const vg_routing *r = h->routing;
    const vg_partner *p = vg_routing_partner(r, d->target);
    if (!p) {
        vg_error_set(&o->why, VG_ERR_INVALID,
                     "no partner hotline for %s in routing.partners any more", d->target);
        return;
    }
    char *body = NULL;
    if (vg_hotline_forward_body(h, d, &body, &o->why) != VG_OK)
        return;
    char url[1100], auth[300], idem[120];
    snprintf(url, sizeof url, "%s/api/v1/reports", p->url);
    auth_header(p, auth, sizeof auth);
    snprintf(idem, sizeof idem, "Idempotency-Key: vigie-%s-forward-%" PRId64, r->country, d->id);
    const char *headers[] = {"Content-Type: application/json", auth, idem, NULL};
    char *answer = NULL;
    size_t len = 0;
    long status = 0;
    if (vg_outbound_request(&r->outbound, "partner hotline", "POST", url, headers, body,
                            strlen(body), VG_PARTNER_ANSWER_MAX, &status, &answer, &len,
                            &o->why) == VG_OK &&
        vg_partner_receipt_parse(answer, len, o->reference, &o->why) == VG_OK)
        o->taken = 1;
    free(answer);
    free(body);
}

/* Ask the partner what became of forward d: its actions and status
 * (*said: a static VG_REPORT_* code, or NULL when it did not say). */
static void poll_partner(vg_hotline *h, const vg_route_delivery *d, vg_route_action **actions,
                         size_t *count, const char **said, vg_error *why)
{
    const vg_routing *r = h->routing;
    const vg_partner *p = vg_routing_partner(r, d->target);
    if (!p) {
        vg_error_set(why, VG_ERR_INVALID,
                     "no partner hotline for %s in routing.partners any more", d->target);
        return;
    }
    char url[1400], auth[300];
    snprintf(url, sizeof url, "%s/api/v1/reports/%s", p->url, d->reference);
    auth_header(p, auth, sizeof auth);
    const char *headers[] = {auth, NULL};
    char *answer = NULL;
    size_t len = 0;
    long status = 0;
    if (vg_outbound_request(&r->outbound, "partner hotline", "GET", url, headers, NULL, 0,
                            VG_PARTNER_ANSWER_MAX, &status, &answer, &len, why) == VG_OK &&
        vg_partner_fate_parse(answer, len, actions, count, why) == VG_OK) {
        int64_t version = 0; /* a poll's answer is ordered by nothing */
        if (vg_partner_fate_status(answer, len, said, &version, NULL) != VG_OK)
            *said = NULL;
    }
    free(answer);
}

/* Send callback c; 1 when the partner took it, else 0 with *why. */
static int call_back(vg_hotline *h, const vg_partner_callback *c, vg_error *why)
{
    const vg_routing *r = h->routing;
    const vg_partner *p = vg_routing_partner(r, c->target);
    if (!p) {
        vg_error_set(why, VG_ERR_INVALID,
                     "no partner hotline for %s in routing.partners any more", c->target);
        return 0;
    }
    char *body = NULL;
    if (vg_hotline_callback_body(h, c, &body, why) != VG_OK)
        return 0;
    char url[1400], auth[300];
    snprintf(url, sizeof url, "%s/api/v1/forwards/%s/fate", p->url, c->reference);
    auth_header(p, auth, sizeof auth);
    const char *headers[] = {"Content-Type: application/json", auth, NULL};
    char *answer = NULL;
    size_t len = 0;
    long status = 0;
    int taken = vg_outbound_request(&r->outbound, "partner hotline", "POST", url, headers, body,
                                    strlen(body), VG_PARTNER_ANSWER_MAX, &status, &answer, &len,
                                    why) == VG_OK;
    free(answer);
    free(body);
    return taken;
}

/* Send the callbacks due at now; counts into *sent and *failed, the first
 * failure into first (cap bytes). */
static vg_status call_backs(vg_hotline *h, int64_t now, size_t batch, size_t *sent,
                            size_t *failed, char *first, size_t cap, vg_error *err)
{
    vg_partner_callback *due = NULL;
    size_t count = 0;
    vg_status st = vg_hotline_callbacks_due(h, now, batch, &due, &count, err);
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        const vg_partner_callback *c = &due[i];
        vg_error why;
        vg_error_clear(&why);
        int taken = call_back(h, c, &why);
        int64_t next_at = 0;
        st = vg_hotline_callback_attempted(h, c, now, taken, why.message, &next_at, err);
        if (taken) {
            ++*sent;
        } else if ((*failed)++ == 0 && !*first) {
            snprintf(first, cap,
                     "callback of report %" PRId64 " to %.40s: %.160s (tried again in %" PRId64
                     " s)",
                     c->report_id, c->target, why.message, next_at - now);
        }
    }
    vg_partner_callbacks_free(due, count);
    return st;
}

/* A referral goes by each way its target has: its API, then its e-mail
 * address; it is taken when each took it (a retry sends both again: the
 * API sees the same Idempotency-Key, the mail the same Message-ID). With
 * neither, it is kept for people to hand over. */
static void refer(vg_hotline *h, const vg_route_delivery *d, int64_t now, outcome *o)
{
    const vg_routing *r = h->routing;
    const vg_referral_contact *c =
        !strcmp(d->kind, VG_DELIVERY_POLICE) ? &r->police : &r->child_protection;
    if (!c->name) {
        vg_error_set(&o->why, VG_ERR_INVALID, "routing.%s.name is not configured",
                     c == &r->police ? "police" : "child_protection");
        return;
    }
    char *package = NULL;
    size_t len = 0;
    char reference[VG_PARTNER_REFERENCE_MAX];
    if (vg_hotline_referral_make(h, d, now, &package, &len, reference, &o->why) != VG_OK)
        return;
    /* Kept in routing.referral_dir whatever happens next; with an API the
     * unit's answer names it, else the package's name does. */
    snprintf(o->reference, sizeof o->reference, "%s", reference);
    int taken = 1;
    if (c->url) {
        char idem[120];
        snprintf(idem, sizeof idem, "Idempotency-Key: vigie-%s-referral-%" PRId64, r->country,
                 d->id);
        const char *headers[] = {"Content-Type: application/json", idem, NULL};
        char *answer = NULL;
        size_t alen = 0;
        long status = 0;
        char theirs[VG_PARTNER_REFERENCE_MAX];
        vg_error ignored;
        taken = vg_outbound_request(&r->outbound,
                                    c == &r->police ? "police" : "child protection", "POST",
                                    c->url, headers, package, len, VG_PARTNER_ANSWER_MAX,
                                    &status, &answer, &alen, &o->why) == VG_OK;
        if (taken && vg_partner_receipt_parse(answer, alen, theirs, &ignored) == VG_OK)
            snprintf(o->reference, sizeof o->reference, "%s", theirs);
        if (taken)
            snprintf(o->how, sizeof o->how, "to its API");
        free(answer);
    }
    if (taken && c->email) {
        char how[200];
        taken = vg_hotline_referral_mail(h, d, now, package, len, reference, how, &o->why) ==
                VG_OK;
        if (taken)
            snprintf(o->how + strlen(o->how), sizeof o->how - strlen(o->how), "%s%s",
                     *o->how ? ", " : "", how);
    }
    o->taken = taken;
    free(package);
}

vg_status vg_job_deliveries(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    const vg_routing *r = h->routing;
    unsigned timeout = r && r->outbound.timeout_seconds ? r->outbound.timeout_seconds : 20;
    /* The run must end well within its lease (jobs.c). */
    size_t batch = 600 / timeout ? 600 / timeout : 1;
    vg_route_delivery *due = NULL;
    size_t count = 0;
    vg_status st = vg_hotline_deliveries_due(h, now, batch, &due, &count, err);
    if (st != VG_OK)
        return st;
    size_t sent = 0, failed = 0, polled = 0, learned = 0;
    char first_failure[300] = "";
    for (size_t i = 0; i < count && st == VG_OK; i++) {
        const vg_route_delivery *d = &due[i];
        if (d->sent_at) {
            vg_route_action *actions = NULL;
            size_t n = 0, new_ones = 0;
            const char *status = NULL;
            vg_error why;
            vg_error_clear(&why);
            poll_partner(h, d, &actions, &n, &status, &why);
            st = vg_hotline_forward_polled(h, d, now, actions, n, status,
                                           why.status != VG_OK ? why.message : NULL, &new_ones,
                                           err);
            vg_route_actions_free(actions, n);
            polled++;
            learned += new_ones;
            continue;
        }
        outcome o = {0};
        vg_error_clear(&o.why);
        if (!strcmp(d->kind, VG_DELIVERY_FORWARD))
            forward(h, d, &o);
        else
            refer(h, d, now, &o);
        int64_t next_at = 0;
        st = vg_hotline_delivery_attempted(h, d, now, o.taken, o.reference, o.how,
                                           o.why.message, &next_at, err);
        if (o.taken) {
            sent++;
        } else if (failed++ == 0) {
            snprintf(first_failure, sizeof first_failure,
                     "%s of report %" PRId64 " to %.40s: %.160s (tried again in %" PRId64 " s)",
                     d->kind, d->report_id, d->target, o.why.message, next_at - now);
        }
    }
    vg_route_deliveries_free(due, count);
    size_t called = 0, call_failed = 0;
    if (st == VG_OK && r)
        st = call_backs(h, now, batch, &called, &call_failed, first_failure,
                        sizeof first_failure, err);
    if (st != VG_OK)
        return st;
    report->idle = count == 0 && called + call_failed == 0;
    snprintf(report->summary, sizeof report->summary,
             "%zu deliveries sent, %zu failed; %zu partners asked, %zu outcomes learned; "
             "%zu callbacks sent, %zu failed",
             sent, failed, polled, learned, called, call_failed);
    if (failed || call_failed)
        return vg_error_set(err, VG_ERR_IO, "%zu of %zu deliveries failed; first: %s",
                            failed + call_failed, sent + failed + called + call_failed,
                            first_failure);
    return VG_OK;
}
