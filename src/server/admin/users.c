/*
 * src/server/admin/users.c - /console/admin/users: people's accounts
 * (admin.h). Creating one, changing its role, disabling and enabling it,
 * ending a sign-in pause, a new password or second factor (shown once),
 * each a use case of hotline/accounts.h with its audit entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/accounts.h"
#include "server/admin/admin.h"

static const char *const ROLES[] = {"analyst", "supervisor", "administrator"};

static void role_select(vg_page *p, const char *id, vg_role chosen)
{
    vg_page_fmt(p, "<select name=\"role\" id=\"%s\">", id);
    for (size_t i = 0; i < 3; i++) {
        char key[48];
        snprintf(key, sizeof key, "console.role.%s", ROLES[i]);
        vg_page_fmt(p, "<option value=\"%s\"%s>", ROLES[i],
                    vg_role_parse(ROLES[i]) == chosen ? " selected" : "");
        vg_page_t(p, key);
        vg_page_put(p, "</option>");
    }
    vg_page_put(p, "</select>");
}

/* label: a catalogue key */
static void action_button(vg_page *p, vg_http_request *req, const char *user, const char *action,
                          const char *label)
{
    vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/user\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<input type=\"hidden\" name=\"user\" value=\"");
    vg_page_text(p, user);
    vg_page_fmt(p, "\"><input type=\"hidden\" name=\"action\" value=\"%s\"><button "
                   "type=\"submit\">",
                action);
    vg_page_t(p, label);
    vg_page_put(p, "<span class=\"skip\"> (");
    vg_page_text(p, user);
    vg_page_put(p, ")</span></button></form> ");
}

/* The page, with a message above it (a secret shown once, or a refusal);
 * message and secret_label: catalogue keys. */
static void render(vg_http_request *req, const char *message, int problem, const char *secret_for,
                   const char *secret_label, const char *secret, unsigned status)
{
    vg_admin *a = vg_http_route_ctx(req);
    const vg_http_caller *me = vg_http_caller_of(req);
    vg_account *list = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_accounts(a->hotline, &list, &n, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_admin_page_open(&p, req, vg_i18n_get(p.lang, "admin.users.title"), "/console/admin/users");
    if (message)
        vg_admin_message(&p, message, problem);
    if (secret && *secret) {
        vg_page_put(&p, "<div class=\"secret\" role=\"status\"><p>");
        const char *names[] = {"secret", "name"};
        const char *values[] = {vg_i18n_get(p.lang, secret_label), secret_for ? secret_for : ""};
        vg_page_tv(&p, "admin.users.shown_once", 2, names, values);
        vg_page_put(&p, "</p><p><code class=\"secret\">");
        vg_page_text(&p, secret);
        vg_page_put(&p, "</code></p></div>");
    }
    static const char *const COLUMNS[] = {"admin.users.col.name", "console.account.role",
                                          "console.col.state", "admin.users.col.totp",
                                          "admin.users.col.actions"};
    vg_page_put(&p, "<table><caption>");
    vg_page_t(&p, "admin.users.accounts");
    vg_page_put(&p, "</caption><thead><tr>");
    vg_page_th_cols(&p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(&p, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_account *acc = &list[i];
        vg_login_state ls = {0};
        vg_hotline_login_state(a->hotline, acc->username, &ls, &err);
        int paused = ls.locked_until > now;
        int self = me->username && !strcmp(me->username, acc->username);
        vg_page_put(&p, "<tr><th scope=\"row\">");
        vg_page_text(&p, acc->username);
        vg_page_put(&p, "</th><td>");
        if (self) {
            char key[48];
            snprintf(key, sizeof key, "console.role.%s", vg_role_name(acc->role));
            vg_page_t(&p, key);
            vg_page_put(&p, " <small>");
            vg_page_t(&p, "admin.users.you");
            vg_page_put(&p, "</small>");
        } else {
            char id[160];
            snprintf(id, sizeof id, "role-%zu", i);
            vg_page_put(&p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/user\">");
            vg_page_csrf(&p, req);
            vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"role\">"
                            "<input type=\"hidden\" name=\"user\" value=\"");
            vg_page_text(&p, acc->username);
            vg_page_fmt(&p, "\"><label class=\"skip\" for=\"%s\">", id);
            vg_page_t1(&p, "admin.users.role_of", "name", acc->username);
            vg_page_put(&p, "</label>");
            role_select(&p, id, acc->role);
            vg_page_put(&p, " <button type=\"submit\">");
            vg_page_t(&p, "admin.users.change");
            vg_page_put(&p, "<span class=\"skip\"> ");
            vg_page_t1(&p, "admin.users.the_role_of", "name", acc->username);
            vg_page_put(&p, "</span></button></form>");
        }
        vg_page_put(&p, "</td><td>");
        vg_page_t(&p, acc->disabled ? "admin.users.disabled"
                      : paused      ? "admin.users.paused"
                                    : "admin.users.active");
        vg_page_put(&p, "</td><td>");
        vg_page_t(&p, acc->totp_secret ? "admin.users.on" : "admin.users.off");
        vg_page_put(&p, "</td><td>");
        if (paused)
            action_button(&p, req, acc->username, "unlock", "admin.users.unlock");
        if (!self)
            action_button(&p, req, acc->username, acc->disabled ? "enable" : "disable",
                          acc->disabled ? "admin.users.enable" : "admin.users.disable");
        action_button(&p, req, acc->username, "password", "admin.users.new_password");
        action_button(&p, req, acc->username, "totp", "admin.users.new_totp");
        if (acc->totp_secret)
            action_button(&p, req, acc->username, "totp-off", "admin.users.totp_off");
        vg_page_put(&p, "</td></tr>");
        vg_account_clear(&list[i]);
    }
    free(list);
    vg_page_put(&p, "</tbody></table><h2>");
    vg_page_t(&p, "admin.users.new");
    vg_page_put(&p, "</h2><form method=\"post\" action=\"/console/admin/users\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<p><label for=\"new-user\">");
    vg_page_t(&p, "admin.users.name_hint");
    vg_page_put(&p, "</label><br><input name=\"user\" id=\"new-user\" required maxlength=\"64\" "
                    "autocomplete=\"off\" dir=\"ltr\"></p><p><label for=\"new-role\">");
    vg_page_t(&p, "console.account.role");
    vg_page_put(&p, "</label><br>");
    role_select(&p, "new-role", VG_ROLE_ANALYST);
    vg_page_put(&p, "</p><p><button type=\"submit\" class=\"primary\">");
    vg_page_t(&p, "admin.users.create");
    vg_page_put(&p, "</button> ");
    vg_page_t(&p, "admin.users.create_hint");
    vg_page_put(&p, "</p></form>");
    vg_page_send(&p, req, status);
}

void vg_admin_users_page(vg_http_request *req)
{
    render(req, NULL, 0, NULL, NULL, NULL, 200);
}

void vg_admin_users_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    const vg_http_caller *me = vg_http_caller_of(req);
    const char *user = vg_http_param(req, "user");
    vg_role role = vg_role_parse(vg_http_param(req, "role"));
    char password[VG_NEW_PASSWORD_CHARS + 1];
    int64_t id = 0;
    vg_error err;
    vg_status st = vg_hotline_account_add(a->hotline, user, role, me->username,
                                          (int64_t)time(NULL), password, &id, &err);
    if (st == VG_ERR_INVALID) {
        /* the use case's refusals, named by their key */
        render(req,
               strstr(err.message, "username") ? "admin.users.bad_name"
               : strstr(err.message, "role")   ? "admin.users.bad_role"
                                               : "admin.users.refused",
               1, NULL, NULL, NULL, 422);
        return;
    }
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    render(req, "admin.users.created", 0, user, "admin.users.the_password", password, 200);
    memset(password, 0, sizeof password);
}

void vg_admin_user_post(vg_http_request *req)
{
    static const struct {
        const char *name;
        vg_account_change change;
        const char *done;
    } ACTIONS[] = {
        {"role", VG_CHANGE_ROLE, "admin.users.done.role"},
        {"disable", VG_CHANGE_DISABLE, "admin.users.done.disable"},
        {"enable", VG_CHANGE_ENABLE, "admin.users.done.enable"},
        {"unlock", VG_CHANGE_UNLOCK, "admin.users.done.unlock"},
        {"password", VG_CHANGE_PASSWORD, "admin.users.done.password"},
        {"totp", VG_CHANGE_TOTP, "admin.users.done.totp"},
        {"totp-off", VG_CHANGE_TOTP_OFF, "admin.users.done.totp_off"},
    };
    vg_admin *a = vg_http_route_ctx(req);
    const vg_http_caller *me = vg_http_caller_of(req);
    const char *user = vg_http_param(req, "user");
    const char *action = vg_http_param(req, "action");
    size_t k = 0;
    while (k < sizeof ACTIONS / sizeof ACTIONS[0] && (!action || strcmp(action, ACTIONS[k].name)))
        k++;
    if (!user || k == sizeof ACTIONS / sizeof ACTIONS[0]) {
        vg_http_error_page(req, 400, vg_server_tr(req, "admin.users.need_action"));
        return;
    }
    char secret[VG_ACCOUNT_SECRET_CHARS + 1];
    vg_account_refusal refusal;
    int found = 0;
    vg_error err;
    vg_status st = vg_hotline_account_change(a->hotline, user, ACTIONS[k].change,
                                             vg_role_parse(vg_http_param(req, "role")),
                                             me->username, (int64_t)time(NULL), secret, &refusal,
                                             &found, &err);
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    if (!found) {
        render(req, "admin.users.no_such", 1, NULL, NULL, NULL, 404);
        return;
    }
    if (refusal != VG_ACCOUNT_OK) {
        render(req,
               refusal == VG_ACCOUNT_SELF         ? "admin.users.self"
               : refusal == VG_ACCOUNT_LAST_ADMIN ? "admin.users.last_admin"
                                                  : "admin.users.bad_role",
               1, NULL, NULL, NULL, 409);
        return;
    }
    render(req, ACTIONS[k].done, 0, user,
           ACTIONS[k].change == VG_CHANGE_TOTP ? "admin.users.the_totp"
                                               : "admin.users.the_new_password",
           secret, 200);
    memset(secret, 0, sizeof secret);
}
