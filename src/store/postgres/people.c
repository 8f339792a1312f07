/*
 * src/store/postgres/people.c - accounts, sessions, partner API keys and
 * the sign-in counts (store/people.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- accounts ---------------------------------------------------------- */

static const char SQL_ACCOUNT_PUT[] = "INSERT INTO accounts(username, password_hash, role, "
                                      "created_at) VALUES($1, $2, $3, $4) RETURNING id";
static const char SQL_ACCOUNT_EXISTS[] = "SELECT 1 FROM accounts WHERE username = $1";
#define ACCOUNT_COLUMNS                                                                            \
    "id, username, password_hash, role, disabled, totp_secret, totp_last_step, created_at, language"
static const char SQL_ACCOUNT_BY_NAME[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = $1";
static const char SQL_ACCOUNT_BY_ID[] = "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = $1";
/* Byte order, as SQLite sorts: the same list whatever the database's locale. */
static const char SQL_ACCOUNTS_ALL[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY username COLLATE \"C\"";
static const char SQL_DISABLE[] = "UPDATE accounts SET disabled = $1 WHERE username = $2";
static const char SQL_SESSIONS_OF_NAME[] =
    "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = $1)";
static const char SQL_SET_PASSWORD[] = "UPDATE accounts SET password_hash = $1 WHERE id = $2";
static const char SQL_SET_LANGUAGE[] = "UPDATE accounts SET language = $1 WHERE id = $2";
static const char SQL_SET_ROLE[] = "UPDATE accounts SET role = $1 WHERE id = $2";
static const char SQL_SET_TOTP[] =
    "UPDATE accounts SET totp_secret = $1, totp_last_step = 0 WHERE id = $2";
/* One statement: a concurrent use of the same step waits for this one and
 * then finds the step no longer newer. */
static const char SQL_TOTP_STEP[] =
    "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1";

vg_status pg_account_create(void *tx, const char *username, const char *password_hash,
                            vg_role role, int64_t now, int64_t *id, vg_error *err)
{
    pg_conn *c = tx;
    pg_args a = {0};
    pa_text(&a, username);
    PGresult *res = pg_run(c, SQL_ACCOUNT_EXISTS, &a, "reading an account", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int exists = PQntuples(res) > 0;
    PQclear(res);
    if (exists)
        return vg_error_set(err, VG_ERR_INVALID, "an account named '%s' already exists", username);
    pa_text(&a, password_hash);
    pa_int(&a, (int64_t)role);
    pa_int(&a, now);
    res = pg_run(c, SQL_ACCOUNT_PUT, &a, "creating an account", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (id)
        *id = pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

static void read_account(const PGresult *res, int i, void *item)
{
    vg_account *a = item;
    a->id = pg_int(res, i, 0);
    a->username = pg_text(res, i, 1);
    a->password_hash = pg_text(res, i, 2);
    a->role = (vg_role)pg_int(res, i, 3);
    a->disabled = (int)pg_int(res, i, 4);
    a->totp_secret = pg_text(res, i, 5);
    a->totp_last_step = pg_int(res, i, 6);
    a->created_at = pg_int(res, i, 7);
    a->language = pg_text(res, i, 8);
}

vg_status pg_account_get(void *tx, const char *username, int64_t id, vg_account *account,
                         int *found, vg_error *err)
{
    *found = 0;
    memset(account, 0, sizeof *account);
    pg_args a = {0};
    if (username)
        pa_text(&a, username);
    else
        pa_int(&a, id);
    PGresult *res = pg_run(tx, username ? SQL_ACCOUNT_BY_NAME : SQL_ACCOUNT_BY_ID, &a,
                           "reading an account", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_account(res, 0, account);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_accounts_list(void *tx, vg_account **accounts, size_t *count, vg_error *err)
{
    return pg_list(tx, SQL_ACCOUNTS_ALL, NULL, sizeof **accounts, read_account,
                   (void **)accounts, count, "listing accounts", err);
}

vg_status pg_account_set_disabled(void *tx, const char *username, int disabled, int *found,
                                  vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, disabled);
    pa_text(&a, username);
    int64_t changed = 0;
    vg_status status = pg_done(tx, SQL_DISABLE, &a, "disabling an account", &changed, err);
    *found = status == VG_OK && changed > 0;
    if (status == VG_OK && disabled && *found) {
        pg_args s = {0};
        pa_text(&s, username);
        status = pg_done(tx, SQL_SESSIONS_OF_NAME, &s, "ending the account's sessions", NULL,
                         err);
    }
    return status;
}

static vg_status account_text(pg_conn *c, const char *sql, int64_t id, const char *text,
                              vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, text);
    pa_int(&a, id);
    int64_t changed = 0;
    vg_status status = pg_done(c, sql, &a, "updating an account", &changed, err);
    if (status == VG_OK && changed == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no account %" PRId64, id);
    return status;
}

vg_status pg_account_set_password(void *tx, int64_t id, const char *password_hash, vg_error *err)
{
    return account_text(tx, SQL_SET_PASSWORD, id, password_hash, err);
}

vg_status pg_account_set_role(void *tx, int64_t id, vg_role role, vg_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%d", (int)role);
    return account_text(tx, SQL_SET_ROLE, id, text, err);
}

vg_status pg_account_set_language(void *tx, int64_t id, const char *language, vg_error *err)
{
    return account_text(tx, SQL_SET_LANGUAGE, id, language, err);
}

vg_status pg_account_set_totp(void *tx, int64_t id, const char *secret, vg_error *err)
{
    return account_text(tx, SQL_SET_TOTP, id, secret, err);
}

vg_status pg_account_use_totp_step(void *tx, int64_t id, int64_t step, int *accepted,
                                   vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, step);
    pa_int(&a, id);
    int64_t changed = 0;
    vg_status status = pg_done(tx, SQL_TOTP_STEP, &a, "recording a second factor", &changed, err);
    *accepted = status == VG_OK && changed > 0;
    return status;
}

/* ---- sessions --------------------------------------------------------- */

static const char SQL_SESSION_PUT[] =
    "INSERT INTO sessions(token_hash, account_id, csrf_token, totp_pending, created_at, "
    "expires_at) VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(token_hash) DO UPDATE SET "
    "account_id = excluded.account_id, csrf_token = excluded.csrf_token, "
    "totp_pending = excluded.totp_pending, created_at = excluded.created_at, "
    "expires_at = excluded.expires_at";
static const char SQL_SESSION_GET[] =
    "SELECT token_hash, account_id, csrf_token, totp_pending, created_at, expires_at "
    "FROM sessions WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_SESSION_DEL[] = "DELETE FROM sessions WHERE token_hash = $1";
static const char SQL_SESSION_DEL_ACCOUNT[] = "DELETE FROM sessions WHERE account_id = $1";
static const char SQL_SESSION_EXPIRE[] = "DELETE FROM sessions WHERE expires_at <= $1";
/* Keep an account's newest sessions only: $2 of them. */
static const char SQL_SESSION_TRIM[] =
    "DELETE FROM sessions WHERE account_id = $1 AND token_hash NOT IN (SELECT token_hash FROM"
    " sessions WHERE account_id = $1 ORDER BY created_at DESC, token_hash COLLATE \"C\""
    " LIMIT $2)";
static const char SQL_SESSION_EXTEND[] =
    "UPDATE sessions SET expires_at = $1 WHERE token_hash = $2 AND expires_at > $3";

vg_status pg_session_create(void *tx, const vg_session *ses, int max_per_account, int64_t now,
                            vg_error *err)
{
    /* Expired sessions go as new ones come: the table stays small. */
    pg_args e = {0};
    pa_int(&e, now);
    vg_status status = pg_done(tx, SQL_SESSION_EXPIRE, &e, "expiring sessions", NULL, err);
    if (status == VG_OK && max_per_account > 0) {
        pg_args t = {0};
        pa_int(&t, ses->account_id);
        pa_int(&t, max_per_account - 1);
        status = pg_done(tx, SQL_SESSION_TRIM, &t, "ending an account's oldest sessions", NULL,
                         err);
    }
    if (status != VG_OK)
        return status;
    pg_args a = {0};
    pa_text(&a, ses->token_hash);
    pa_int(&a, ses->account_id);
    pa_text(&a, ses->csrf_token);
    pa_int(&a, ses->totp_pending);
    pa_int(&a, ses->created_at);
    pa_int(&a, ses->expires_at);
    return pg_done(tx, SQL_SESSION_PUT, &a, "creating a session", NULL, err);
}

vg_status pg_session_get(void *tx, const char *token_hash, int64_t now, vg_session *ses,
                         int *found, vg_error *err)
{
    *found = 0;
    memset(ses, 0, sizeof *ses);
    pg_args a = {0};
    pa_text(&a, token_hash);
    pa_int(&a, now);
    PGresult *res = pg_run(tx, SQL_SESSION_GET, &a, "reading a session", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        ses->token_hash = pg_text(res, 0, 0);
        ses->account_id = pg_int(res, 0, 1);
        ses->csrf_token = pg_text(res, 0, 2);
        ses->totp_pending = (int)pg_int(res, 0, 3);
        ses->created_at = pg_int(res, 0, 4);
        ses->expires_at = pg_int(res, 0, 5);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_session_delete(void *tx, const char *token_hash, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, token_hash);
    return pg_done(tx, SQL_SESSION_DEL, &a, "ending a session", NULL, err);
}

vg_status pg_session_extend(void *tx, const char *token_hash, int64_t expires_at, int64_t now,
                            vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, expires_at);
    pa_text(&a, token_hash);
    pa_int(&a, now);
    return pg_done(tx, SQL_SESSION_EXTEND, &a, "extending a session", NULL, err);
}

vg_status pg_sessions_delete_account(void *tx, int64_t account_id, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, account_id);
    return pg_done(tx, SQL_SESSION_DEL_ACCOUNT, &a, "ending an account's sessions", NULL, err);
}

vg_status pg_sessions_prune(void *tx, int64_t now, int64_t *removed, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    *removed = 0;
    return pg_done(tx, SQL_SESSION_EXPIRE, &a, "expiring sessions", removed, err);
}

/* ---- partner API keys ------------------------------------------------- */

#define KEY_COLUMNS "id, prefix, key_hash, org, rate, revoked, created_at, trust, scopes"
static const char SQL_KEY_PUT[] = "INSERT INTO api_keys(prefix, key_hash, org, rate, "
                                  "created_at, trust) VALUES($1, $2, $3, $4, $5, $6) RETURNING id";
static const char SQL_KEY_GET[] = "SELECT " KEY_COLUMNS " FROM api_keys WHERE key_hash = $1";
static const char SQL_KEY_BY_ID[] = "SELECT " KEY_COLUMNS " FROM api_keys WHERE id = $1";
static const char SQL_KEYS_ALL[] = "SELECT " KEY_COLUMNS " FROM api_keys ORDER BY id";
static const char SQL_KEY_REVOKE_ID[] = "UPDATE api_keys SET revoked = 1 WHERE id = $1";
static const char SQL_KEY_REVOKE_PREFIX[] = "UPDATE api_keys SET revoked = 1 WHERE prefix = $1";
static const char SQL_KEY_TRUST_ID[] = "UPDATE api_keys SET trust = $1 WHERE id = $2";
static const char SQL_KEY_TRUST_PREFIX[] = "UPDATE api_keys SET trust = $1 WHERE prefix = $2";
static const char SQL_KEY_SCOPES_ID[] = "UPDATE api_keys SET scopes = $1 WHERE id = $2";
static const char SQL_KEY_SCOPES_PREFIX[] = "UPDATE api_keys SET scopes = $1 WHERE prefix = $2";

vg_status pg_api_key_create(void *tx, const char *prefix, const char *key_hash, const char *org,
                            uint32_t rate, int trust, int64_t now, int64_t *id, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, prefix);
    pa_text(&a, key_hash);
    pa_text(&a, org);
    pa_int(&a, rate);
    pa_int(&a, now);
    pa_int(&a, trust);
    PGresult *res = pg_run(tx, SQL_KEY_PUT, &a, "creating an API key", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (id)
        *id = pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

static void read_key(const PGresult *res, int i, void *item)
{
    vg_api_key *k = item;
    k->id = pg_int(res, i, 0);
    k->prefix = pg_text(res, i, 1);
    k->key_hash = pg_text(res, i, 2);
    k->org = pg_text(res, i, 3);
    k->rate = (uint32_t)pg_int(res, i, 4);
    k->revoked = (int)pg_int(res, i, 5);
    k->created_at = pg_int(res, i, 6);
    k->trust = (int)pg_int(res, i, 7);
    /* words (vocab.h); a word this program does not know grants nothing */
    if (!vg_scopes_parse(PQgetisnull(res, i, 8) ? NULL : PQgetvalue(res, i, 8), &k->scopes))
        k->scopes = 0;
}

/* The one key sql finds with the arguments a, if any. */
static vg_status key_one(void *tx, const char *sql, pg_args *a, vg_api_key *key, int *found,
                         vg_error *err)
{
    *found = 0;
    memset(key, 0, sizeof *key);
    PGresult *res = pg_run(tx, sql, a, "reading an API key", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_key(res, 0, key);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_api_key_get(void *tx, const char *key_hash, vg_api_key *key, int *found,
                         vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, key_hash);
    return key_one(tx, SQL_KEY_GET, &a, key, found, err);
}

vg_status pg_api_key_by_id(void *tx, int64_t id, vg_api_key *key, int *found, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, id);
    return key_one(tx, SQL_KEY_BY_ID, &a, key, found, err);
}

/* A change of one key, by id (> 0) or by prefix. */
static vg_status key_change(pg_conn *c, const char *by_id, const char *by_prefix, int64_t id,
                            const char *prefix, const int *value, int *found, const char *what,
                            vg_error *err)
{
    pg_args a = {0};
    if (value)
        pa_int(&a, *value);
    if (id > 0)
        pa_int(&a, id);
    else
        pa_text(&a, prefix);
    int64_t changed = 0;
    vg_status status = pg_done(c, id > 0 ? by_id : by_prefix, &a, what, &changed, err);
    *found = status == VG_OK && changed > 0;
    return status;
}

vg_status pg_api_key_revoke(void *tx, int64_t id, const char *prefix, int *found, vg_error *err)
{
    return key_change(tx, SQL_KEY_REVOKE_ID, SQL_KEY_REVOKE_PREFIX, id, prefix, NULL, found,
                      "revoking an API key", err);
}

vg_status pg_api_key_set_scopes(void *tx, int64_t id, const char *prefix, unsigned scopes,
                                int *found, vg_error *err)
{
    char words[64];
    vg_scopes_format(scopes, words, sizeof words);
    pg_args a = {0};
    pa_text(&a, words);
    if (id > 0)
        pa_int(&a, id);
    else
        pa_text(&a, prefix);
    int64_t changed = 0;
    vg_status status = pg_done(tx, id > 0 ? SQL_KEY_SCOPES_ID : SQL_KEY_SCOPES_PREFIX, &a,
                               "changing the scopes of an API key", &changed, err);
    *found = status == VG_OK && changed > 0;
    return status;
}

vg_status pg_api_key_set_trust(void *tx, int64_t id, const char *prefix, int trust, int *found,
                               vg_error *err)
{
    return key_change(tx, SQL_KEY_TRUST_ID, SQL_KEY_TRUST_PREFIX, id, prefix, &trust, found,
                      "changing the trust of an API key", err);
}

vg_status pg_api_keys_list(void *tx, vg_api_key **keys, size_t *count, vg_error *err)
{
    return pg_list(tx, SQL_KEYS_ALL, NULL, sizeof **keys, read_key, (void **)keys, count,
                   "listing API keys", err);
}

/* ---- sign-in counts ---------------------------------------------------- */

static const char SQL_LOGIN_GET[] =
    "SELECT failures, locked_until, locks FROM login_throttle WHERE key = $1";
static const char SQL_LOGIN_PUT[] =
    "INSERT INTO login_throttle(key, failures, locked_until, locks, updated_at)"
    " VALUES($1, $2, $3, $4, $5) ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,"
    " locked_until = excluded.locked_until, locks = excluded.locks,"
    " updated_at = excluded.updated_at";
static const char SQL_LOGIN_DEL[] = "DELETE FROM login_throttle WHERE key = $1";
static const char SQL_LOGIN_PRUNE[] =
    "DELETE FROM login_throttle WHERE locked_until < $1 AND updated_at < $1 - 86400";

/* In a write transaction the name is locked first (it may have no row):
 * attempts at one name on several nodes at once are counted one after the
 * other, none lost. */
vg_status pg_login_get(void *tx, const char *key, vg_login_state *state, vg_error *err)
{
    memset(state, 0, sizeof *state);
    vg_status st = pg_lock_key(tx, PG_LOCK_LOGIN, key, err);
    if (st != VG_OK)
        return st;
    pg_args a = {0};
    pa_text(&a, key);
    PGresult *res = pg_run(tx, SQL_LOGIN_GET, &a, "reading a sign-in name's state", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        state->failures = (int)pg_int(res, 0, 0);
        state->locked_until = pg_int(res, 0, 1);
        state->locks = (int)pg_int(res, 0, 2);
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_login_put(void *tx, const char *key, const vg_login_state *state, int64_t now,
                       vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, key);
    if (!state->failures && !state->locked_until && !state->locks)
        return pg_done(tx, SQL_LOGIN_DEL, &a, "clearing sign-in failures", NULL, err);
    pa_int(&a, state->failures);
    pa_int(&a, state->locked_until);
    pa_int(&a, state->locks);
    pa_int(&a, now);
    return pg_done(tx, SQL_LOGIN_PUT, &a, "counting a sign-in attempt", NULL, err);
}

vg_status pg_login_prune(void *tx, int64_t now, int64_t *removed, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    *removed = 0;
    return pg_done(tx, SQL_LOGIN_PRUNE, &a, "forgetting old sign-in failures", removed, err);
}
