/*
 * src/model/alert.c - alerts: which reports raise one, when a failed
 * delivery is tried again, and what an alert says (alert.h).
 */
#include "model/alert.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mailtext.h"
#include "util/secure.h"

void vg_alert_clear(vg_alert *a)
{
    free(a->reason);
    free(a->acked_by);
    memset(a, 0, sizeof *a);
}

void vg_alerts_free(vg_alert *alerts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_alert_clear(&alerts[i]);
    free(alerts);
}

void vg_alert_delivery_clear(vg_alert_delivery *d)
{
    free(d->channel);
    free(d->reason);
    free(d->last_error);
    memset(d, 0, sizeof *d);
}

void vg_alert_deliveries_free(vg_alert_delivery *deliveries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_alert_delivery_clear(&deliveries[i]);
    free(deliveries);
}

void vg_alert_attempts_free(vg_alert_attempt *attempts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(attempts[i].detail);
    free(attempts);
}

/* ---- rules ----------------------------------------------------------------- */

const char *vg_rule_alert_reason(const char *category, int danger)
{
    if (danger)
        return VG_ALERT_DANGER;
    if (category && !strcmp(category, VG_CATEGORY_LIVESTREAM))
        return VG_ALERT_LIVESTREAM;
    return NULL;
}

int64_t vg_rule_alert_retry_at(int64_t now, int64_t attempts, int64_t min_seconds,
                               int64_t max_seconds)
{
    int64_t wait = min_seconds > 0 ? min_seconds : 1;
    for (int64_t i = 1; i < attempts && wait < max_seconds; i++)
        wait *= 2;
    return now + (wait < max_seconds ? wait : max_seconds);
}

vg_status vg_alert_link(const char *console_url, int64_t report_id, char *out, size_t cap,
                        vg_error *err)
{
    int n = snprintf(out, cap, "%s/console/item?id=%" PRId64, console_url ? console_url : "",
                     report_id);
    if (n < 0 || (size_t)n >= cap)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the console's address is too long");
    return VG_OK;
}

/* What the report is, in words for people on duty. */
static const char *reason_sentence(const char *reason)
{
    return reason && !strcmp(reason, VG_ALERT_LIVESTREAM)
               ? "it is about abuse streamed live"
               : "its sender says a child is in danger now";
}

static const char *reason_subject(const char *reason)
{
    return reason && !strcmp(reason, VG_ALERT_LIVESTREAM) ? "abuse may be streamed live"
                                                          : "a child may be in danger now";
}

static void utc(int64_t when, const char *format, char *out, size_t cap)
{
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, format, &tm);
}

vg_status vg_alert_mail(const vg_alert_delivery *d, const char *console_url, const char *from,
                        const char *to, int64_t now, char **out, vg_error *err)
{
    *out = NULL;
    char link[512], received[32], date[VG_MAIL_DATE_MAX];
    vg_status st = vg_alert_link(console_url, d->report_id, link, sizeof link, err);
    if (st != VG_OK)
        return st;
    utc(d->raised_at, "%Y-%m-%d %H:%M UTC", received, sizeof received);
    vg_mail_date(now, date); /* RFC 5322 */
    const char *at = from ? strchr(from, '@') : NULL;
    char *text = NULL;
    int n = asprintf(&text,
                     "From: vigie <%s>\r\n"
                     "To: %s\r\n"
                     "Subject: [vigie] Urgent report %" PRId64 ": %s\r\n"
                     "Date: %s\r\n"
                     "Message-ID: <vigie-alert-%" PRId64 ".%" PRId64 "@%s>\r\n"
                     "Auto-Submitted: auto-generated\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n"
                     "\r\n"
                     "An urgent report has come in: %s.\r\n"
                     "\r\n"
                     "Reference: report %" PRId64 " (alert %" PRId64 ")\r\n"
                     "Received:  %s\r\n"
                     "Open it:   %s\r\n"
                     "\r\n"
                     "Acknowledge the alert in the console once someone is on it.\r\n"
                     "This message holds nothing of the report itself: read it in the\r\n"
                     "console.\r\n",
                     from ? from : "", to ? to : "", d->report_id, reason_subject(d->reason), date,
                     d->alert_id, d->id, at && at[1] ? at + 1 : "vigie.invalid",
                     reason_sentence(d->reason), d->report_id, d->alert_id, received, link);
    if (n < 0)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *out = text;
    return VG_OK;
}

vg_status vg_alert_webhook_body(const vg_alert_delivery *d, const char *console_url, char **out,
                                vg_error *err)
{
    *out = NULL;
    char link[512], raised[32];
    vg_status st = vg_alert_link(console_url, d->report_id, link, sizeof link, err);
    if (st != VG_OK)
        return st;
    utc(d->raised_at, "%Y-%m-%dT%H:%M:%SZ", raised, sizeof raised);
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s}", "event", "vigie.alert", "alert",
                          (json_int_t)d->alert_id, "delivery", (json_int_t)d->id, "report",
                          (json_int_t)d->report_id, "reason",
                          d->reason ? d->reason : VG_ALERT_DANGER, "raised_at", raised,
                          "console_url", link);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *out = text;
    return VG_OK;
}

void vg_alert_signature(const char *secret, int64_t timestamp, const char *body, char out[72])
{
    char *signed_text = NULL;
    char hex[65];
    if (asprintf(&signed_text, "%" PRId64 ".%s", timestamp, body ? body : "") < 0) {
        /* nothing a receiver would accept */
        snprintf(out, 72, "sha256=");
        return;
    }
    vg_hmac_sha256_hex(secret, strlen(secret), signed_text, strlen(signed_text), hex);
    free(signed_text);
    snprintf(out, 72, "sha256=%s", hex);
}
