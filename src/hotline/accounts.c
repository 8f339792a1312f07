/*
 * src/hotline/accounts.c - signing in, sessions, accounts and partner keys
 * (accounts.h).
 */
#include "hotline/accounts.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/people.h"
#include "util/secure.h"
#include "util/totp.h"

/* A JSON object text of the given members (NULL when out of memory). */
static char *json_text(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return text;
}

/* ---- signing in --------------------------------------------------------- */

void vg_hotline_login_key(const vg_hotline *h, const char *username, char out[65])
{
    char msg[160];
    int n = snprintf(msg, sizeof msg, "login-name:%.120s", username ? username : "");
    vg_hmac_sha256_hex(h->name_key, sizeof h->name_key, msg, (size_t)n, out);
}

typedef struct login_args {
    vg_hotline *h;
    const char *key, *target;
    int64_t now;
    int *allowed;
    vg_login_outcome outcome;
    const vg_audit_note *note;
    vg_login_state *state;
} login_args;

static vg_status reserve_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    login_args *a = ctx;
    vg_login_state state, next;
    vg_status st = vg_tx_login_get(tx, a->key, &state, err);
    if (st != VG_OK)
        return st;
    *a->allowed = vg_rule_login_reserve(&state, &a->h->login, a->now, &next);
    return *a->allowed ? vg_tx_login_put(tx, a->key, &next, a->now, err) : VG_OK;
}

vg_status vg_hotline_login_reserve(vg_hotline *h, const char *username, int64_t now,
                                   int *allowed, vg_error *err)
{
    char key[65];
    vg_hotline_login_key(h, username, key);
    *allowed = 0;
    login_args a = {.h = h, .key = key, .now = now, .allowed = allowed};
    return vg_store_write(h->store, reserve_tx, &a, err);
}

static vg_status finish_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    login_args *a = ctx;
    vg_login_state state, next;
    vg_status st = vg_tx_login_get(tx, a->key, &state, err);
    if (st != VG_OK)
        return st;
    int paused = 0;
    if (a->outcome == VG_LOGIN_SUCCESS) {
        memset(&next, 0, sizeof next);
    } else if (a->outcome == VG_LOGIN_FAILURE) {
        vg_rule_login_failed(&state, &a->h->login, a->now, &next, &paused);
    } else {
        next = state; /* the attempt stays counted */
    }
    if (memcmp(&state, &next, sizeof state) && (st = vg_tx_login_put(tx, a->key, &next, a->now,
                                                                      err)) != VG_OK)
        return st;
    if (a->note && (st = vg_tx_audit_append(tx, a->now, a->note, NULL, err)) != VG_OK)
        return st;
    if (a->note && paused) {
        vg_audit_note lock = {"anonymous", "login.lockout", a->target, NULL};
        st = vg_tx_audit_append(tx, a->now, &lock, NULL, err);
    }
    return st;
}

vg_status vg_hotline_login_finish(vg_hotline *h, const char *username, vg_login_outcome outcome,
                                  int audit, const char *action, const char *why, int64_t now,
                                  vg_error *err)
{
    char key[65], target[140];
    vg_hotline_login_key(h, username, key);
    snprintf(target, sizeof target, "user:%.120s", username);
    char *detail = why ? json_text(json_pack("{s:s}", "reason", why)) : NULL;
    /* Before a success nobody is known: the attempt is the anonymous
     * caller's; a success is the person's. */
    vg_audit_note note = {outcome == VG_LOGIN_SUCCESS ? target : "anonymous", action, target,
                          detail};
    login_args a = {.h = h, .key = key, .target = target, .now = now, .outcome = outcome,
                    .note = audit && action ? &note : NULL};
    vg_status st = vg_store_write(h->store, finish_tx, &a, err);
    free(detail);
    return st;
}

static vg_status state_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    login_args *a = ctx;
    return vg_tx_login_get(tx, a->key, a->state, err);
}

vg_status vg_hotline_login_state(vg_hotline *h, const char *username, vg_login_state *state,
                                 vg_error *err)
{
    char key[65];
    vg_hotline_login_key(h, username, key);
    login_args a = {.key = key, .state = state};
    return vg_store_read(h->store, state_tx, &a, err);
}

vg_status vg_hotline_unlock(vg_hotline *h, const char *username, const char *actor, int64_t now,
                            vg_error *err)
{
    char key[65], target[140];
    vg_hotline_login_key(h, username, key);
    snprintf(target, sizeof target, "%.120s", username);
    vg_audit_note note = {actor, "account.unlock", target, NULL};
    login_args a = {.h = h, .key = key, .target = target, .now = now,
                    .outcome = VG_LOGIN_SUCCESS, .note = &note};
    return vg_store_write(h->store, finish_tx, &a, err);
}

typedef struct step_args {
    int64_t id, step;
    int *accepted;
} step_args;

static vg_status step_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    step_args *a = ctx;
    return vg_tx_account_use_totp_step(tx, a->id, a->step, a->accepted, err);
}

vg_status vg_hotline_check_code(vg_hotline *h, const vg_account *account, const char *code,
                                int64_t now, int *accepted, vg_error *err)
{
    *accepted = 0;
    if (!account->totp_secret || !code || !*code)
        return VG_OK;
    char *secret = NULL;
    vg_status st = vg_unseal(h->sealer, account->totp_secret, &secret, NULL, err);
    if (st != VG_OK)
        return st;
    int64_t step = 0;
    int ok = vg_totp_check(secret, code, now, &step);
    vg_sealed_free(secret);
    if (!ok)
        return VG_OK;
    step_args a = {account->id, step, accepted};
    return vg_store_write(h->store, step_tx, &a, err);
}

/* ---- accounts ----------------------------------------------------------- */

typedef struct account_args {
    vg_hotline *h;
    const char *username, *text, *actor;
    int64_t id, now;
    vg_role role;
    int flag;
    int *found;
    int64_t *id_out;
    vg_account *account;
    vg_account **list;
    size_t *count;
} account_args;

static vg_status get_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    return vg_tx_account_get(tx, a->username, a->id, a->account, a->found, err);
}

vg_status vg_hotline_account(vg_hotline *h, const char *username, int64_t id,
                             vg_account *account, int *found, vg_error *err)
{
    account_args a = {.username = username, .id = id, .account = account, .found = found};
    return vg_store_read(h->store, get_tx, &a, err);
}

static vg_status list_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    return vg_tx_accounts_list(tx, a->list, a->count, err);
}

vg_status vg_hotline_accounts(vg_hotline *h, vg_account **accounts, size_t *count,
                              vg_error *err)
{
    account_args a = {.list = accounts, .count = count};
    return vg_store_read(h->store, list_tx, &a, err);
}

static vg_status create_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    vg_status st =
        vg_tx_account_create(tx, a->username, a->text, a->role, a->now, a->id_out, err);
    if (st != VG_OK)
        return st;
    char *detail = json_text(json_pack("{s:s}", "role", vg_role_name(a->role)));
    vg_audit_note note = {a->actor, "account.create", a->username, detail};
    st = detail ? vg_tx_audit_append(tx, a->now, &note, NULL, err)
                : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(detail);
    return st;
}

vg_status vg_hotline_account_create(vg_hotline *h, const char *username,
                                    const char *password_hash, vg_role role, const char *actor,
                                    int64_t now, int64_t *id, vg_error *err)
{
    int64_t ignored;
    account_args a = {.username = username, .text = password_hash, .role = role,
                      .actor = actor, .now = now, .id_out = id ? id : &ignored};
    return vg_store_write(h->store, create_tx, &a, err);
}

/* The account of a->username into acc, or *found = 0. */
static vg_status find(vg_tx *tx, account_args *a, vg_account *acc, vg_error *err)
{
    return vg_tx_account_get(tx, a->username, 0, acc, a->found, err);
}

static vg_status password_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    vg_account acc;
    vg_status st = find(tx, a, &acc, err);
    if (st != VG_OK || !*a->found)
        return st;
    if ((st = vg_tx_account_set_password(tx, acc.id, a->text, err)) == VG_OK &&
        (st = vg_tx_sessions_delete_account(tx, acc.id, err)) == VG_OK) {
        vg_audit_note note = {a->actor, "account.password", a->username, NULL};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    vg_account_clear(&acc);
    return st;
}

vg_status vg_hotline_account_set_password(vg_hotline *h, const char *username,
                                          const char *password_hash, const char *actor,
                                          int64_t now, int *found, vg_error *err)
{
    account_args a = {.username = username, .text = password_hash, .actor = actor, .now = now,
                      .found = found};
    return vg_store_write(h->store, password_tx, &a, err);
}

static vg_status disabled_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    vg_status st = vg_tx_account_set_disabled(tx, a->username, a->flag, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    vg_audit_note note = {a->actor, a->flag ? "account.disable" : "account.enable", a->username,
                          NULL};
    return vg_tx_audit_append(tx, a->now, &note, NULL, err);
}

vg_status vg_hotline_account_set_disabled(vg_hotline *h, const char *username, int disabled,
                                          const char *actor, int64_t now, int *found,
                                          vg_error *err)
{
    account_args a = {.username = username, .flag = disabled, .actor = actor, .now = now,
                      .found = found};
    return vg_store_write(h->store, disabled_tx, &a, err);
}

static vg_status totp_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    account_args *a = ctx;
    vg_account acc;
    vg_status st = find(tx, a, &acc, err);
    if (st != VG_OK || !*a->found)
        return st;
    if ((st = vg_tx_account_set_totp(tx, acc.id, a->text, err)) == VG_OK) {
        vg_audit_note note = {a->actor, a->text ? "account.totp_enable" : "account.totp_disable",
                              a->username, NULL};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    vg_account_clear(&acc);
    return st;
}

vg_status vg_hotline_account_set_totp(vg_hotline *h, const char *username, const char *secret,
                                      const char *actor, int64_t now, int *found, vg_error *err)
{
    char *sealed = NULL;
    if (secret && !(sealed = vg_seal(h->sealer, secret)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    account_args a = {.username = username, .text = sealed, .actor = actor, .now = now,
                      .found = found};
    vg_status st = vg_store_write(h->store, totp_tx, &a, err);
    free(sealed);
    return st;
}

typedef struct language_args {
    int64_t id;
    const char *language, *actor;
    int64_t now;
    int *found;
} language_args;

static vg_status language_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    language_args *a = ctx;
    vg_account acc;
    vg_status st = vg_tx_account_get(tx, NULL, a->id, &acc, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    if ((st = vg_tx_account_set_language(tx, a->id, a->language, err)) == VG_OK) {
        char *detail = json_text(json_pack("{s:s?}", "language", a->language));
        vg_audit_note note = {a->actor, "account.language", acc.username, detail};
        st = detail ? vg_tx_audit_append(tx, a->now, &note, NULL, err)
                    : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        free(detail);
    }
    vg_account_clear(&acc);
    return st;
}

/* A language code as catalogues are named (en, fr, pt-BR, zh-Hant). */
static int language_code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n < 2 || n > 15)
        return 0;
    for (const char *c = code; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-'))
            return 0;
    return 1;
}

vg_status vg_hotline_account_set_language(vg_hotline *h, int64_t account_id,
                                          const char *language, const char *actor_username,
                                          int64_t now, int *found, vg_error *err)
{
    *found = 0;
    if (language && !*language)
        language = NULL;
    if (language && !language_code_ok(language))
        return vg_error_set(err, VG_ERR_INVALID, "'%.40s' is not a language code", language);
    char actor[140];
    snprintf(actor, sizeof actor, "user:%.120s", actor_username ? actor_username : "");
    language_args a = {.id = account_id, .language = language, .actor = actor, .now = now,
                       .found = found};
    return vg_store_write(h->store, language_tx, &a, err);
}

typedef struct seal_args {
    vg_hotline *h;
    int64_t now;
    size_t *count;
} seal_args;

/* Every legacy secret in one transaction, with one audit entry saying how
 * many: the record of a change is with the change. */
static vg_status seal_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    seal_args *a = ctx;
    vg_account *list = NULL;
    size_t n = 0;
    *a->count = 0;
    vg_status st = vg_tx_accounts_list(tx, &list, &n, err);
    for (size_t i = 0; st == VG_OK && i < n; i++) {
        if (!list[i].totp_secret || !strncmp(list[i].totp_secret, "sealed:", 7))
            continue;
        char *text = vg_seal(a->h->sealer, list[i].totp_secret);
        st = text ? vg_tx_account_set_totp(tx, list[i].id, text, err)
                  : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        free(text);
        *a->count += st == VG_OK;
    }
    for (size_t i = 0; i < n; i++)
        vg_account_clear(&list[i]);
    free(list);
    if (st == VG_OK && *a->count) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"accounts\":%zu}", *a->count);
        vg_audit_note note = {"server", "secrets.seal", "", detail};
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    return st;
}

vg_status vg_hotline_seal_secrets(vg_hotline *h, int64_t now, size_t *count, vg_error *err)
{
    size_t ignored;
    seal_args a = {h, now, count ? count : &ignored};
    return vg_store_write(h->store, seal_tx, &a, err);
}

/* ---- administering accounts in the browser ----------------------------------- */

static void staff_actor(char *out, size_t cap, const char *username)
{
    snprintf(out, cap, "user:%.120s", username);
}

vg_status vg_hotline_account_add(vg_hotline *h, const char *username, vg_role role,
                                 const char *actor_username, int64_t now,
                                 char password[VG_NEW_PASSWORD_CHARS + 1], int64_t *id,
                                 vg_error *err)
{
    password[0] = 0;
    if (!vg_rule_username_valid(username))
        return vg_error_set(err, VG_ERR_INVALID,
                            "A username is 1 to 64 letters, digits, '.', '_', '-' or '@'.");
    if (role != VG_ROLE_ANALYST && role != VG_ROLE_SUPERVISOR && role != VG_ROLE_ADMINISTRATOR)
        return vg_error_set(err, VG_ERR_INVALID,
                            "The role is analyst, supervisor or administrator.");
    char hash[128], actor[140];
    vg_random_code(password, VG_NEW_PASSWORD_CHARS);
    vg_status st = vg_password_hash(password, hash, err);
    staff_actor(actor, sizeof actor, actor_username);
    if (st == VG_OK)
        st = vg_hotline_account_create(h, username, hash, role, actor, now, id, err);
    memset(hash, 0, sizeof hash);
    if (st != VG_OK)
        memset(password, 0, VG_NEW_PASSWORD_CHARS + 1);
    return st;
}

typedef struct change_args {
    vg_hotline *h;
    const char *username, *actor, *actor_username;
    vg_account_change change;
    vg_role role;
    const char *stored; /* the new password hash, or the sealed TOTP secret */
    int64_t now;
    vg_account_refusal *refusal;
    int *found;
} change_args;

static const char *change_action(vg_account_change change)
{
    switch (change) {
    case VG_CHANGE_ROLE: return "account.role";
    case VG_CHANGE_DISABLE: return "account.disable";
    case VG_CHANGE_ENABLE: return "account.enable";
    case VG_CHANGE_UNLOCK: return "account.unlock";
    case VG_CHANGE_PASSWORD: return "account.password";
    case VG_CHANGE_TOTP: return "account.totp_enable";
    case VG_CHANGE_TOTP_OFF: return "account.totp_disable";
    }
    return "account.change";
}

static vg_status change_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    change_args *a = ctx;
    vg_account acc, *list = NULL;
    size_t n = 0;
    *a->refusal = VG_ACCOUNT_OK;
    vg_status st = vg_tx_account_get(tx, a->username, 0, &acc, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    int admins = 0;
    if ((st = vg_tx_accounts_list(tx, &list, &n, err)) == VG_OK)
        for (size_t i = 0; i < n; i++)
            admins += list[i].role == VG_ROLE_ADMINISTRATOR && !list[i].disabled;
    for (size_t i = 0; i < n; i++)
        vg_account_clear(&list[i]);
    free(list);
    if (st == VG_OK)
        *a->refusal = vg_rule_account_change(a->actor_username, &acc, a->change, a->role, admins);
    char *detail = NULL;
    if (st == VG_OK && *a->refusal == VG_ACCOUNT_OK) {
        switch (a->change) {
        case VG_CHANGE_ROLE:
            st = vg_tx_account_set_role(tx, acc.id, a->role, err);
            detail = json_text(json_pack("{s:s, s:s}", "role", vg_role_name(a->role), "was",
                                         vg_role_name(acc.role)));
            break;
        case VG_CHANGE_DISABLE:
        case VG_CHANGE_ENABLE:
            st = vg_tx_account_set_disabled(tx, a->username, a->change == VG_CHANGE_DISABLE,
                                            a->found, err);
            break;
        case VG_CHANGE_UNLOCK: {
            char key[65];
            vg_login_state clear = {0};
            vg_hotline_login_key(a->h, a->username, key);
            st = vg_tx_login_put(tx, key, &clear, a->now, err);
            break;
        }
        case VG_CHANGE_PASSWORD:
            st = vg_tx_account_set_password(tx, acc.id, a->stored, err);
            if (st == VG_OK)
                st = vg_tx_sessions_delete_account(tx, acc.id, err);
            break;
        case VG_CHANGE_TOTP:
        case VG_CHANGE_TOTP_OFF:
            st = vg_tx_account_set_totp(tx, acc.id, a->stored, err);
            break;
        }
        vg_audit_note note = {a->actor, change_action(a->change), a->username, detail};
        if (st == VG_OK)
            st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    }
    free(detail);
    vg_account_clear(&acc);
    return st;
}

vg_status vg_hotline_account_change(vg_hotline *h, const char *username,
                                    vg_account_change change, vg_role new_role,
                                    const char *actor_username, int64_t now,
                                    char secret[VG_ACCOUNT_SECRET_CHARS + 1],
                                    vg_account_refusal *refusal, int *found, vg_error *err)
{
    char hash[128] = "", actor[140], *sealed = NULL;
    vg_status st = VG_OK;
    secret[0] = 0;
    *refusal = VG_ACCOUNT_OK;
    *found = 0;
    /* The slow and secret work is done before the transaction. */
    if (change == VG_CHANGE_PASSWORD) {
        vg_random_code(secret, VG_NEW_PASSWORD_CHARS);
        st = vg_password_hash(secret, hash, err);
    } else if (change == VG_CHANGE_TOTP) {
        char fresh[VG_TOTP_SECRET_CHARS + 1];
        vg_totp_new_secret(fresh);
        snprintf(secret, VG_ACCOUNT_SECRET_CHARS + 1, "%s", fresh);
        memset(fresh, 0, sizeof fresh);
        if (!(sealed = vg_seal(h->sealer, secret)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    staff_actor(actor, sizeof actor, actor_username);
    change_args a = {.h = h, .username = username, .actor = actor,
                     .actor_username = actor_username, .change = change, .role = new_role,
                     .stored = change == VG_CHANGE_PASSWORD ? hash : sealed, .now = now,
                     .refusal = refusal, .found = found};
    if (st == VG_OK)
        st = vg_store_write(h->store, change_tx, &a, err);
    memset(hash, 0, sizeof hash);
    free(sealed);
    if (st != VG_OK || *refusal != VG_ACCOUNT_OK || !*found)
        memset(secret, 0, VG_ACCOUNT_SECRET_CHARS + 1);
    return st;
}

/* ---- sessions ------------------------------------------------------------ */

typedef struct session_args {
    vg_hotline *h;
    const vg_session *in;
    const char *token_hash;
    int64_t now;
    int64_t (*expiry)(void *ctx, int64_t created_at, int64_t now);
    void *ctx;
    vg_session *session;
    vg_account *account;
    int *found;
} session_args;

static vg_status open_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    session_args *a = ctx;
    return vg_tx_session_create(tx, a->in, a->h->max_sessions, a->now, err);
}

vg_status vg_hotline_session_open(vg_hotline *h, const vg_session *session, int64_t now,
                                  vg_error *err)
{
    session_args a = {.h = h, .in = session, .now = now};
    return vg_store_write(h->store, open_tx, &a, err);
}

static vg_status close_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    session_args *a = ctx;
    return vg_tx_session_delete(tx, a->token_hash, err);
}

vg_status vg_hotline_session_close(vg_hotline *h, const char *token_hash, vg_error *err)
{
    session_args a = {.token_hash = token_hash};
    return vg_store_write(h->store, close_tx, &a, err);
}

static vg_status identify_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    session_args *a = ctx;
    *a->found = 0;
    int found = 0;
    vg_status st = vg_tx_session_get(tx, a->token_hash, a->now, a->session, &found, err);
    if (st != VG_OK || !found)
        return st;
    int acc_found = 0;
    st = vg_tx_account_get(tx, NULL, a->session->account_id, a->account, &acc_found, err);
    if (st != VG_OK || !acc_found || a->account->disabled) {
        vg_session_clear(a->session);
        if (acc_found)
            vg_account_clear(a->account);
        return st;
    }
    *a->found = 1;
    return VG_OK;
}

static vg_status extend_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    session_args *a = ctx;
    return vg_tx_session_extend(tx, a->token_hash, a->session->expires_at, a->now, err);
}

vg_status vg_hotline_session_identify(vg_hotline *h, const char *token_hash, int64_t now,
                                      int64_t (*expiry)(void *ctx, int64_t created_at,
                                                        int64_t now),
                                      void *ctx, vg_session *session, vg_account *account,
                                      int *found, vg_error *err)
{
    session_args a = {.h = h, .token_hash = token_hash, .now = now, .session = session,
                      .account = account, .found = found};
    vg_status st = vg_store_read(h->store, identify_tx, &a, err);
    if (st != VG_OK || !*found || session->totp_pending || !expiry)
        return st;
    /* The idle timeout slides as the person works. Moving it costs a
     * write, so it moves at most once a minute. */
    int64_t moved = expiry(ctx, session->created_at, now);
    if (moved > session->expires_at + 60) {
        session->expires_at = moved;
        vg_store_write(h->store, extend_tx, &a, NULL);
    }
    return VG_OK;
}

/* ---- partner API keys ------------------------------------------------------ */

typedef struct key_args {
    const char *key_hash, *prefix, *org, *actor;
    vg_api_key *key;
    vg_api_key **list;
    size_t *count;
    int64_t id, now;
    uint32_t rate;
    int trust, *found;
    unsigned scopes;
    int64_t *id_out;
} key_args;

static vg_status key_get_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    return vg_tx_api_key_get(tx, a->key_hash, a->key, a->found, err);
}

vg_status vg_hotline_api_key(vg_hotline *h, const char *key_hash, vg_api_key *key, int *found,
                             vg_error *err)
{
    key_args a = {.key_hash = key_hash, .key = key, .found = found};
    return vg_store_read(h->store, key_get_tx, &a, err);
}

static vg_status keys_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    return vg_tx_api_keys_list(tx, a->list, a->count, err);
}

vg_status vg_hotline_api_keys(vg_hotline *h, vg_api_key **keys, size_t *count, vg_error *err)
{
    key_args a = {.list = keys, .count = count};
    return vg_store_read(h->store, keys_tx, &a, err);
}

static vg_status key_create_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    vg_status st = vg_tx_api_key_create(tx, a->prefix, a->key_hash, a->org, a->rate, a->trust,
                                        a->now, a->id_out, err);
    int found = 0;
    if (st == VG_OK && a->scopes != VG_SCOPE_DEFAULT)
        st = vg_tx_api_key_set_scopes(tx, *a->id_out, NULL, a->scopes, &found, err);
    if (st != VG_OK)
        return st;
    char target[32], scopes[64];
    snprintf(target, sizeof target, "key:%" PRId64, *a->id_out);
    vg_scopes_format(a->scopes, scopes, sizeof scopes);
    char *detail = json_text(json_pack("{s:s, s:i, s:s}", "org", a->org, "trust", a->trust,
                                       "scopes", scopes));
    vg_audit_note note = {a->actor, "apikey.create", target, detail};
    st = detail ? vg_tx_audit_append(tx, a->now, &note, NULL, err)
                : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(detail);
    return st;
}

vg_status vg_hotline_api_key_create(vg_hotline *h, const char *org, uint32_t rate, int trust,
                                    unsigned scopes, const char *actor, int64_t now, int64_t *id,
                                    char key_out[80], vg_error *err)
{
    char secret[65], prefix[16], hash[65];
    vg_random_hex(secret, 32);
    snprintf(key_out, 80, "vg_%s", secret);
    memset(secret, 0, sizeof secret);
    snprintf(prefix, sizeof prefix, "%.11s", key_out);
    vg_sha256_hex(key_out, strlen(key_out), hash);
    int64_t ignored;
    key_args a = {.key_hash = hash, .prefix = prefix, .org = org, .actor = actor, .now = now,
                  .rate = rate, .trust = trust, .scopes = scopes,
                  .id_out = id ? id : &ignored};
    vg_status st = vg_store_write(h->store, key_create_tx, &a, err);
    if (st != VG_OK)
        memset(key_out, 0, 80);
    return st;
}

/* The audit target naming a key the way the caller did. */
static void key_target(const key_args *a, char *out, size_t len)
{
    if (a->id > 0)
        snprintf(out, len, "key:%" PRId64, a->id);
    else
        snprintf(out, len, "prefix:%.40s", a->prefix ? a->prefix : "");
}

static vg_status revoke_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    vg_status st = vg_tx_api_key_revoke(tx, a->id, a->prefix, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    char target[64];
    key_target(a, target, sizeof target);
    vg_audit_note note = {a->actor, "apikey.revoke", target, NULL};
    return vg_tx_audit_append(tx, a->now, &note, NULL, err);
}

vg_status vg_hotline_api_key_revoke(vg_hotline *h, int64_t id, const char *prefix,
                                    const char *actor, int64_t now, int *found, vg_error *err)
{
    key_args a = {.id = id, .prefix = prefix, .actor = actor, .now = now, .found = found};
    return vg_store_write(h->store, revoke_tx, &a, err);
}

static vg_status trust_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    vg_status st = vg_tx_api_key_set_trust(tx, a->id, a->prefix, a->trust, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    char target[64], detail[32];
    key_target(a, target, sizeof target);
    snprintf(detail, sizeof detail, "{\"trust\":%d}", a->trust);
    vg_audit_note note = {a->actor, "apikey.trust", target, detail};
    return vg_tx_audit_append(tx, a->now, &note, NULL, err);
}

vg_status vg_hotline_api_key_set_trust(vg_hotline *h, int64_t id, const char *prefix, int trust,
                                       const char *actor, int64_t now, int *found,
                                       vg_error *err)
{
    key_args a = {.id = id, .prefix = prefix, .trust = trust, .actor = actor, .now = now,
                  .found = found};
    return vg_store_write(h->store, trust_tx, &a, err);
}

static vg_status scopes_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_args *a = ctx;
    vg_status st = vg_tx_api_key_set_scopes(tx, a->id, a->prefix, a->scopes, a->found, err);
    if (st != VG_OK || !*a->found)
        return st;
    char target[64], scopes[64], detail[96];
    key_target(a, target, sizeof target);
    vg_scopes_format(a->scopes, scopes, sizeof scopes);
    snprintf(detail, sizeof detail, "{\"scopes\":\"%s\"}", scopes);
    vg_audit_note note = {a->actor, "apikey.scopes", target, detail};
    return vg_tx_audit_append(tx, a->now, &note, NULL, err);
}

vg_status vg_hotline_api_key_set_scopes(vg_hotline *h, int64_t id, const char *prefix,
                                        unsigned scopes, const char *actor, int64_t now,
                                        int *found, vg_error *err)
{
    key_args a = {.id = id, .prefix = prefix, .scopes = scopes, .actor = actor, .now = now,
                  .found = found};
    return vg_store_write(h->store, scopes_tx, &a, err);
}
