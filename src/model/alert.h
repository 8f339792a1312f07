/*
 * src/model/alert.h - alerts: an urgent report told at once to whoever is
 * on duty, and shown in the console until someone acknowledges it.
 *
 * A report raises an alert when its sender says a child is in danger now,
 * or when it is about abuse streamed live: the same reports the queue puts
 * first (model/priority.h). An alert goes out by each channel configured
 * when it is raised (an e-mail, a webhook), each a delivery tried again,
 * at growing intervals, until it is delivered or the alert acknowledged.
 *
 * What an alert says is made here, from the alert alone: its reason, its
 * number, the report's number and arrival time, and a link to the console.
 * Nothing of the report itself (where it is, what it shows, who sent it)
 * can be in it: the functions below are never given it. Pure: no I/O.
 *
 * Ownership: structs with `char *` own their strings (*_clear / *_free).
 */
#ifndef VIGIE_MODEL_ALERT_H
#define VIGIE_MODEL_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "model/vocab.h"
#include "vigie/error.h"

typedef struct vg_alert {
    int64_t id, report_id, created_at;
    char *reason;   /* VG_ALERT_* */
    char *acked_by; /* who acknowledged it ("alice"), or NULL while nobody has */
    int64_t acked_at;
} vg_alert;
void vg_alert_clear(vg_alert *alert);
void vg_alerts_free(vg_alert *alerts, size_t count);

/* One channel of an alert and how far it got. */
typedef struct vg_alert_delivery {
    int64_t id, alert_id, report_id, raised_at; /* raised_at: the alert's time */
    char *channel;                              /* VG_CHANNEL_* */
    char *reason;                               /* the alert's, VG_ALERT_* */
    int64_t attempts;                           /* tries so far */
    int64_t next_at;                            /* when to try next */
    int64_t delivered_at;                       /* 0 until delivered */
    char *last_error;                           /* why the last try failed, or NULL */
} vg_alert_delivery;
void vg_alert_delivery_clear(vg_alert_delivery *delivery);
void vg_alert_deliveries_free(vg_alert_delivery *deliveries, size_t count);

/* One try of a delivery, as recorded. */
typedef struct vg_alert_attempt {
    int64_t delivery_id, at;
    int delivered; /* 1: the channel took it */
    char *detail;  /* what went wrong, or what the channel said */
} vg_alert_attempt;
void vg_alert_attempts_free(vg_alert_attempt *attempts, size_t count);

/* ---- rules ------------------------------------------------------------- */

/* Why a report raises an alert: VG_ALERT_DANGER when its sender says a
 * child is in danger now, else VG_ALERT_LIVESTREAM for abuse streamed
 * live, else NULL (no alert). */
const char *vg_rule_alert_reason(const char *category, int danger);

/* When a delivery that has just failed its attempts-th try (1, 2, ...) is
 * tried again: min_seconds after the first failure, twice as long after
 * each next one, never more than max_seconds. */
int64_t vg_rule_alert_retry_at(int64_t now, int64_t attempts, int64_t min_seconds,
                               int64_t max_seconds);

/* The link to the report's console page: console_url (no trailing slash)
 * + "/console/item?id=N", into out (cap bytes); VG_ERR_TOO_LARGE when it
 * does not fit. */
vg_status vg_alert_link(const char *console_url, int64_t report_id, char *out, size_t cap,
                        vg_error *err);

/* The e-mail of a delivery: header lines (From, To, Subject, Date,
 * Message-ID, Auto-Submitted, MIME), a blank line and a short text, every
 * line ending in CRLF. from and to (comma-separated) are addresses the
 * caller checked; now dates the message. *out is malloc'd. */
vg_status vg_alert_mail(const vg_alert_delivery *d, const char *console_url, const char *from,
                        const char *to, int64_t now, char **out, vg_error *err);

/* The webhook body of a delivery, a JSON object:
 *   {"event":"vigie.alert","alert":A,"delivery":D,"report":R,
 *    "reason":"danger","raised_at":"2024-05-01T12:00:00Z",
 *    "console_url":"https://.../console/item?id=R"}
 * *out is malloc'd. */
vg_status vg_alert_webhook_body(const vg_alert_delivery *d, const char *console_url, char **out,
                                vg_error *err);

/* The webhook's signature header value, "sha256=" + 64 hex digits:
 * HMAC-SHA-256 with key secret over the decimal timestamp (the
 * X-Vigie-Timestamp header), ".", and the body, into out[72]. */
void vg_alert_signature(const char *secret, int64_t timestamp, const char *body, char out[72]);

#endif
