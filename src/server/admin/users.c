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
    for (size_t i = 0; i < 3; i++)
        vg_page_fmt(p, "<option value=\"%s\"%s>%s</option>", ROLES[i],
                    vg_role_parse(ROLES[i]) == chosen ? " selected" : "", ROLES[i]);
    vg_page_put(p, "</select>");
}

static void action_button(vg_page *p, vg_http_request *req, const char *user, const char *action,
                          const char *label)
{
    vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/user\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<input type=\"hidden\" name=\"user\" value=\"");
    vg_page_text(p, user);
    vg_page_fmt(p, "\"><input type=\"hidden\" name=\"action\" value=\"%s\"><button "
                   "type=\"submit\">%s<span class=\"skip\"> (",
                action, label);
    vg_page_text(p, user);
    vg_page_put(p, ")</span></button></form> ");
}

/* The page, with a message above it (a secret shown once, or a refusal). */
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
    vg_admin_page_open(&p, req, "Administration: people", "/console/admin/users");
    if (message)
        vg_admin_message(&p, message, problem);
    if (secret && *secret) {
        vg_page_put(&p, "<div class=\"secret\" role=\"status\"><p>");
        vg_page_text(&p, secret_label);
        vg_page_put(&p, " for <strong>");
        vg_page_text(&p, secret_for);
        vg_page_put(&p, "</strong>, shown this once: give it to them in person.</p>"
                        "<p><code class=\"secret\">");
        vg_page_text(&p, secret);
        vg_page_put(&p, "</code></p></div>");
    }
    vg_page_put(&p, "<table><caption>Accounts</caption><thead><tr><th scope=\"col\">Name</th>"
                    "<th scope=\"col\">Role</th><th scope=\"col\">State</th>"
                    "<th scope=\"col\">Second factor</th><th scope=\"col\">Actions</th></tr>"
                    "</thead><tbody>");
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
            vg_page_text(&p, vg_role_name(acc->role));
            vg_page_put(&p, " <small>(you)</small>");
        } else {
            char id[160];
            snprintf(id, sizeof id, "role-%zu", i);
            vg_page_put(&p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/user\">");
            vg_page_csrf(&p, req);
            vg_page_put(&p, "<input type=\"hidden\" name=\"action\" value=\"role\">"
                            "<input type=\"hidden\" name=\"user\" value=\"");
            vg_page_text(&p, acc->username);
            vg_page_fmt(&p, "\"><label class=\"skip\" for=\"%s\">Role of ", id);
            vg_page_text(&p, acc->username);
            vg_page_put(&p, "</label>");
            role_select(&p, id, acc->role);
            vg_page_put(&p, " <button type=\"submit\">Change<span class=\"skip\"> the role of ");
            vg_page_text(&p, acc->username);
            vg_page_put(&p, "</span></button></form>");
        }
        vg_page_put(&p, "</td><td>");
        vg_page_put(&p, acc->disabled ? "disabled" : paused ? "sign-in paused" : "active");
        vg_page_fmt(&p, "</td><td>%s</td><td>", acc->totp_secret ? "on" : "off");
        if (paused)
            action_button(&p, req, acc->username, "unlock", "End the sign-in pause");
        if (!self)
            action_button(&p, req, acc->username, acc->disabled ? "enable" : "disable",
                          acc->disabled ? "Enable" : "Disable");
        action_button(&p, req, acc->username, "password", "New password");
        action_button(&p, req, acc->username, "totp", "New second factor");
        if (acc->totp_secret)
            action_button(&p, req, acc->username, "totp-off", "Turn the second factor off");
        vg_page_put(&p, "</td></tr>");
        vg_account_clear(&list[i]);
    }
    free(list);
    vg_page_put(&p, "</tbody></table><h2>New account</h2>"
                    "<form method=\"post\" action=\"/console/admin/users\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<p><label for=\"new-user\">Name (letters, digits, . _ - @)</label><br>"
                    "<input name=\"user\" id=\"new-user\" required maxlength=\"64\" "
                    "autocomplete=\"off\"></p><p><label for=\"new-role\">Role</label><br>");
    role_select(&p, "new-role", VG_ROLE_ANALYST);
    vg_page_put(&p, "</p><p><button type=\"submit\" class=\"primary\">Create the account"
                    "</button> A password is made and shown once.</p></form>");
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
        render(req, err.message, 1, NULL, NULL, NULL, 422);
        return;
    }
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    render(req, "Account created.", 0, user, "The password", password, 200);
    memset(password, 0, sizeof password);
}

void vg_admin_user_post(vg_http_request *req)
{
    static const struct {
        const char *name;
        vg_account_change change;
        const char *done;
    } ACTIONS[] = {
        {"role", VG_CHANGE_ROLE, "Role changed."},
        {"disable", VG_CHANGE_DISABLE, "Account disabled: its sessions ended."},
        {"enable", VG_CHANGE_ENABLE, "Account enabled."},
        {"unlock", VG_CHANGE_UNLOCK, "Sign-in pause ended."},
        {"password", VG_CHANGE_PASSWORD, "New password set: the account's sessions ended."},
        {"totp", VG_CHANGE_TOTP, "New second factor set."},
        {"totp-off", VG_CHANGE_TOTP_OFF, "Second factor turned off."},
    };
    vg_admin *a = vg_http_route_ctx(req);
    const vg_http_caller *me = vg_http_caller_of(req);
    const char *user = vg_http_param(req, "user");
    const char *action = vg_http_param(req, "action");
    size_t k = 0;
    while (k < sizeof ACTIONS / sizeof ACTIONS[0] && (!action || strcmp(action, ACTIONS[k].name)))
        k++;
    if (!user || k == sizeof ACTIONS / sizeof ACTIONS[0]) {
        vg_http_error_page(req, 400, "The form needs an account and an action.");
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
        render(req, "There is no such account.", 1, NULL, NULL, NULL, 404);
        return;
    }
    if (refusal != VG_ACCOUNT_OK) {
        render(req,
               refusal == VG_ACCOUNT_SELF
                   ? "Nobody changes their own role or disables their own account: ask another "
                     "administrator."
               : refusal == VG_ACCOUNT_LAST_ADMIN
                   ? "This is the last active administrator: make another one first."
                   : "The role is analyst, supervisor or administrator.",
               1, NULL, NULL, NULL, 409);
        return;
    }
    render(req, ACTIONS[k].done, 0, user,
           ACTIONS[k].change == VG_CHANGE_TOTP ? "The second factor's key (base32, for the "
                                                 "authenticator app)"
                                               : "The new password",
           secret, 200);
    memset(secret, 0, sizeof secret);
}
