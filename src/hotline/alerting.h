/*
 * src/hotline/alerting.h - where alerts go (alerts.*, docs/server.md):
 * the channels, their addresses and secrets, and the back-off. Read by
 * vg_hotline_open (with_alerts); what an alert is: alerts.h.
 */
#ifndef VIGIE_HOTLINE_ALERTING_H
#define VIGIE_HOTLINE_ALERTING_H

#include <stddef.h>
#include <stdint.h>

#include "util/config.h"
#include "vigie/outbound.h"

/* The alerts.* settings (docs/server.md#alerts). */
typedef struct vg_alerting vg_alerting; /* also in hotline.h */
struct vg_alerting {
    char *console_url; /* where staff open the console, without a trailing slash */
    /* e-mail: all of them, or none */
    char *mail_server, *mail_from, *mail_to; /* mail_to: the addresses, comma-separated */
    char **to;                               /* the same, one each */
    size_t to_count;
    char *mail_username, *mail_password; /* the password read from alerts.email.password_file */
    /* webhook */
    char *webhook_url, *webhook_secret; /* the secret read from alerts.webhook.secret_file */
    /* the channels of a new alert, in this order: e-mail, webhook */
    const char *channels[2];
    size_t channel_count;
    int64_t retry_min_seconds, retry_max_seconds;
    vg_outbound_options outbound; /* its ca_file is ca_file below */
    char *ca_file;
};

/* Read alerts.* from cfg into *out (malloc'd; vg_alerting_free). The
 * secrets come from their files; a configuration that names a channel
 * half-way, or a webhook without a secret, is refused, naming the keys. */
vg_status vg_alerting_load(vg_config *cfg, vg_alerting **out, vg_error *err);
void vg_alerting_free(vg_alerting *alerting);

#endif
