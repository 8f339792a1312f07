/*
 * src/hotline/alerting.c - the alerts.* settings (alerting.h): read once
 * when the hotline opens, their secrets from files of their own.
 */
#include "hotline/alerting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vocab.h"

void vg_alerting_free(vg_alerting *a)
{
    if (!a)
        return;
    char *strings[] = {a->console_url, a->mail_server,  a->mail_from, a->mail_to,
                       a->mail_username, a->webhook_url, a->ca_file};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    for (size_t i = 0; i < a->to_count; i++)
        free(a->to[i]);
    free(a->to);
    char *secrets[] = {a->mail_password, a->webhook_secret};
    for (size_t i = 0; i < 2; i++)
        if (secrets[i]) {
            memset(secrets[i], 0, strlen(secrets[i]));
            free(secrets[i]);
        }
    free(a);
}

/* A value that goes into a URL, a header or an envelope as it is: printable
 * ASCII without spaces, quotes or angle brackets. */
static int plain(const char *v)
{
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f || *c == '"' || *c == '<' || *c == '>' || *c == '\\')
            return 0;
    return 1;
}

/* An http(s) address of the settings: https:// (http:// too when local
 * addresses are allowed, for tests), plain, at most 300 bytes. */
static vg_status web_address(const char *key, const char *v, int allow_local, vg_error *err)
{
    int https = !strncmp(v, "https://", 8), http = !strncmp(v, "http://", 7);
    if (!(https || (http && allow_local)) || strlen(v) > 300 || !plain(v) ||
        !v[https ? 8 : 7])
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: give an https:// address of at most 300 characters, without "
                            "spaces or quotes (not '%.80s')",
                            key, v);
    return VG_OK;
}

static int mail_address(const char *v)
{
    const char *at = strchr(v, '@');
    return *v && at && at != v && at[1] && strlen(v) <= 254 && plain(v) && !strchr(v, ',');
}

/* A secret kept in a file of its own, not in the configuration (whose
 * last version is kept in the database, to tell what changed at the next
 * start): its first line, at least min bytes. *out malloc'd. */
static vg_status secret_file(const char *key, const char *path, size_t min, char **out,
                             vg_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read %s", key, path);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    n = strlen(buf);
    vg_status st = VG_OK;
    if (more && n == sizeof buf - 1)
        st = vg_error_set(err, VG_ERR_INVALID, "%s: %s holds more than a secret", key, path);
    else if (n < min)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "%s: %s must hold a secret of at least %zu characters on its first "
                          "line",
                          key, path, min);
    else if (!(*out = strdup(buf)))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memset(buf, 0, sizeof buf);
    return st;
}

static char *dup_or_null(const char *s, int *ok)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *ok = 0;
    return d;
}

/* alerts.email.to: the addresses, each checked, kept one by one and as
 * the header's list. */
static vg_status recipients(vg_alerting *a, const char *text, vg_error *err)
{
    size_t cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == ',';
    a->to = calloc(cap, sizeof *a->to);
    size_t len = strlen(text) + 2 * cap + 1;
    a->mail_to = malloc(len);
    if (!a->to || !a->mail_to)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    a->mail_to[0] = '\0';
    for (const char *c = text; *c;) {
        size_t n = strcspn(c, ",");
        const char *start = c;
        while (n && (*start == ' ' || *start == '\t')) {
            start++;
            n--;
        }
        while (n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
            n--;
        char *one = strndup(start, n);
        if (!one)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        a->to[a->to_count++] = one;
        if (!mail_address(one))
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.email.to: '%.80s' is not an e-mail address (give "
                                "addresses separated by commas)",
                                one);
        if (a->to_count > 1)
            strcat(a->mail_to, ", ");
        strcat(a->mail_to, one);
        c += strcspn(c, ",");
        if (*c == ',')
            c++;
    }
    if (!a->to_count)
        return vg_error_set(err, VG_ERR_INVALID, "alerts.email.to: give at least one address");
    return VG_OK;
}

static vg_status load(vg_config *cfg, vg_alerting *a, vg_error *err)
{
    int allow_local = 0;
    int64_t timeout = 0;
    vg_status st;
    if ((st = vg_config_bool(cfg, "alerts.test_allow_local", 0, &allow_local, err)) ||
        (st = vg_config_int(cfg, "alerts.retry_min_seconds", 30, 1, 86400,
                            &a->retry_min_seconds, err)) ||
        (st = vg_config_int(cfg, "alerts.retry_max_seconds", 3600, 1, 7 * 86400,
                            &a->retry_max_seconds, err)) ||
        (st = vg_config_int(cfg, "alerts.timeout_seconds", 20, 1, 300, &timeout, err)))
        return st;
    if (a->retry_max_seconds < a->retry_min_seconds)
        return vg_error_set(err, VG_ERR_INVALID,
                            "alerts.retry_max_seconds must not be less than "
                            "alerts.retry_min_seconds");
    const char *console = vg_config_get(cfg, "alerts.console_url", NULL);
    const char *server = vg_config_get(cfg, "alerts.email.server", NULL);
    const char *from = vg_config_get(cfg, "alerts.email.from", NULL);
    const char *to = vg_config_get(cfg, "alerts.email.to", NULL);
    const char *user = vg_config_get(cfg, "alerts.email.username", NULL);
    const char *password = vg_config_get(cfg, "alerts.email.password_file", NULL);
    const char *hook = vg_config_get(cfg, "alerts.webhook.url", NULL);
    const char *hook_secret = vg_config_get(cfg, "alerts.webhook.secret_file", NULL);
    const char *ca_file = vg_config_get(cfg, "alerts.ca_file", NULL);
    int ok = 1;
    a->ca_file = dup_or_null(ca_file, &ok);
    a->outbound = (vg_outbound_options){.timeout_seconds = (unsigned)timeout,
                                        .ca_file = a->ca_file,
                                        .allow_local = allow_local != 0};
    if (!ok)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");

    if (server || from || to || user || password) {
        if (!server || !from || !to)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts by e-mail need alerts.email.server, alerts.email.from "
                                "and alerts.email.to together");
        int smtps = !strncmp(server, "smtps://", 8), smtp = !strncmp(server, "smtp://", 7);
        if ((!smtps && !smtp) || !plain(server) || strlen(server) > 300)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.email.server: give smtps://HOST[:PORT] or "
                                "smtp://HOST[:PORT] (STARTTLS is then required), not '%.80s'",
                                server);
        if (!mail_address(from))
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.email.from: '%.80s' is not an e-mail address", from);
        if (!user != !password)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.email.username and alerts.email.password_file go "
                                "together");
        a->mail_server = dup_or_null(server, &ok);
        a->mail_from = dup_or_null(from, &ok);
        a->mail_username = dup_or_null(user, &ok);
        if (!ok)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        if ((st = recipients(a, to, err)) != VG_OK)
            return st;
        if (password &&
            (st = secret_file("alerts.email.password_file", password, 1, &a->mail_password,
                              err)) != VG_OK)
            return st;
        a->channels[a->channel_count++] = VG_CHANNEL_EMAIL;
    }
    if (hook || hook_secret) {
        if (!hook || !hook_secret)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts by webhook need alerts.webhook.url and "
                                "alerts.webhook.secret_file (receivers check the signature)");
        if ((st = web_address("alerts.webhook.url", hook, allow_local, err)) != VG_OK)
            return st;
        if (!(a->webhook_url = strdup(hook)))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        if ((st = secret_file("alerts.webhook.secret_file", hook_secret, 16,
                              &a->webhook_secret, err)) != VG_OK)
            return st;
        a->channels[a->channel_count++] = VG_CHANNEL_WEBHOOK;
    }
    if (a->channel_count && !console)
        return vg_error_set(err, VG_ERR_INVALID,
                            "alerts.console_url: give the address staff open the console at "
                            "(https://...), so that alerts link to the report");
    if (console) {
        if ((st = web_address("alerts.console_url", console, allow_local, err)) != VG_OK)
            return st;
        if (!(a->console_url = strdup(console)))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        size_t n = strlen(a->console_url);
        while (n > 8 && a->console_url[n - 1] == '/')
            a->console_url[--n] = '\0';
    }
    return VG_OK;
}

vg_status vg_alerting_load(vg_config *cfg, vg_alerting **out, vg_error *err)
{
    *out = NULL;
    vg_alerting *a = calloc(1, sizeof *a);
    if (!a)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = load(cfg, a, err);
    if (st != VG_OK) {
        vg_alerting_free(a);
        return st;
    }
    *out = a;
    return VG_OK;
}

