/*
 * src/model/people.c - accounts, sessions, keys and the sign-in rules
 * (people.h).
 */
#include "model/people.h"
#include "model/vocab.h"

#include <stdlib.h>
#include <string.h>

const char *vg_role_name(vg_role role)
{
    switch (role) {
    case VG_ROLE_PARTNER: return "partner";
    case VG_ROLE_ANALYST: return "analyst";
    case VG_ROLE_SUPERVISOR: return "supervisor";
    case VG_ROLE_ADMINISTRATOR: return "administrator";
    default: return "none";
    }
}

vg_role vg_role_parse(const char *name)
{
    if (!name)
        return VG_ROLE_NONE;
    if (!strcmp(name, "analyst"))
        return VG_ROLE_ANALYST;
    if (!strcmp(name, "supervisor"))
        return VG_ROLE_SUPERVISOR;
    if (!strcmp(name, "administrator"))
        return VG_ROLE_ADMINISTRATOR;
    return VG_ROLE_NONE;
}

int vg_rule_username_valid(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (const char *p = u; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-' || *p == '@'))
            return 0;
    return 1;
}

vg_account_refusal vg_rule_account_change(const char *actor, const vg_account *target,
                                          vg_account_change change, vg_role new_role,
                                          int enabled_admins)
{
    int self = actor && target->username && !strcmp(actor, target->username);
    if (change == VG_CHANGE_ROLE && new_role != VG_ROLE_ANALYST &&
        new_role != VG_ROLE_SUPERVISOR && new_role != VG_ROLE_ADMINISTRATOR)
        return VG_ACCOUNT_BAD_ROLE;
    int demotes = change == VG_CHANGE_ROLE && new_role != VG_ROLE_ADMINISTRATOR;
    if (self && ((change == VG_CHANGE_ROLE && new_role != target->role) ||
                 change == VG_CHANGE_DISABLE))
        return VG_ACCOUNT_SELF;
    int last_admin = target->role == VG_ROLE_ADMINISTRATOR && !target->disabled &&
                     enabled_admins <= 1;
    if (last_admin && (demotes || change == VG_CHANGE_DISABLE))
        return VG_ACCOUNT_LAST_ADMIN;
    return VG_ACCOUNT_OK;
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void vg_account_clear(vg_account *a)
{
    free(a->username);
    wipe_free(a->password_hash);
    wipe_free(a->totp_secret);
    free(a->language);
    memset(a, 0, sizeof *a);
}

void vg_session_clear(vg_session *s)
{
    free(s->token_hash);
    wipe_free(s->csrf_token);
    memset(s, 0, sizeof *s);
}

void vg_api_key_clear(vg_api_key *k)
{
    free(k->prefix);
    free(k->key_hash);
    free(k->org);
    memset(k, 0, sizeof *k);
}

int vg_scopes_parse(const char *text, unsigned *scopes)
{
    *scopes = 0;
    const char *p = text ? text : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, " ,");
        if (n == 0)
            break;
        if (n == 3 && !strncmp(p, "all", 3)) {
            *scopes |= VG_SCOPE_ALL;
        } else {
            unsigned bit = 0;
            for (size_t i = 0; vg_scope_terms[i].code; i++)
                if (strlen(vg_scope_terms[i].code) == n && !strncmp(p, vg_scope_terms[i].code, n))
                    bit = 1u << i;
            if (!bit) {
                *scopes = 0;
                return 0;
            }
            *scopes |= bit;
        }
        p += n;
    }
    return *scopes != 0;
}

void vg_scopes_format(unsigned scopes, char *out, size_t cap)
{
    size_t n = 0;
    if (cap)
        out[0] = 0;
    for (size_t i = 0; vg_scope_terms[i].code; i++) {
        if (!(scopes & (1u << i)))
            continue;
        size_t len = strlen(vg_scope_terms[i].code);
        if (n + len + (n > 0) + 1 > cap)
            return;
        if (n > 0)
            out[n++] = ',';
        memcpy(out + n, vg_scope_terms[i].code, len + 1);
        n += len;
    }
}

int vg_rule_login_reserve(const vg_login_state *state, const vg_login_policy *policy,
                          int64_t now, vg_login_state *next)
{
    *next = *state;
    if (state->locked_until > now || state->failures >= policy->max_failures)
        return 0;
    next->failures++;
    return 1;
}

void vg_rule_login_failed(const vg_login_state *state, const vg_login_policy *policy,
                          int64_t now, vg_login_state *next, int *paused)
{
    *next = *state;
    *paused = 0;
    if (state->failures < policy->max_failures)
        return;
    int64_t length = policy->lock_seconds;
    for (int i = 0; i < state->locks && length < policy->max_lock_seconds; i++)
        length *= 2;
    if (length > policy->max_lock_seconds)
        length = policy->max_lock_seconds;
    next->locked_until = now + length;
    next->locks = state->locks + 1;
    next->failures = 0;
    *paused = 1;
}
