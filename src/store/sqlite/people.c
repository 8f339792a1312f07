/*
 * src/store/sqlite/people.c - accounts, sessions, partner API keys and the
 * sign-in counts (store/people.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- accounts ---------------------------------------------------------- */

static const char SQL_ACCOUNT_PUT[] = "INSERT INTO accounts(username, password_hash, role, "
                                      "created_at) VALUES(?, ?, ?, ?)";
static const char SQL_ACCOUNT_EXISTS[] = "SELECT 1 FROM accounts WHERE username = ?";
#define ACCOUNT_COLUMNS                                                                            \
    "id, username, password_hash, role, disabled, totp_secret, totp_last_step, created_at, language"
static const char SQL_ACCOUNT_BY_NAME[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = ?";
static const char SQL_ACCOUNT_BY_ID[] = "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?";
static const char SQL_ACCOUNTS_ALL[] = "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY username";
static const char SQL_DISABLE[] = "UPDATE accounts SET disabled = ? WHERE username = ?";
static const char SQL_SESSIONS_OF_NAME[] =
    "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = ?)";
static const char SQL_SET_PASSWORD[] = "UPDATE accounts SET password_hash = ? WHERE id = ?";
static const char SQL_SET_LANGUAGE[] = "UPDATE accounts SET language = ? WHERE id = ?";
static const char SQL_SET_ROLE[] = "UPDATE accounts SET role = ? WHERE id = ?";
static const char SQL_SET_TOTP[] =
    "UPDATE accounts SET totp_secret = ?, totp_last_step = 0 WHERE id = ?";
static const char SQL_TOTP_STEP[] =
    "UPDATE accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?";

vg_status sq_account_create(void *tx, const char *username, const char *password_hash, vg_role role,
                            int64_t now, int64_t *id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(ex, SQL_ACCOUNT_EXISTS);
    sq_bind_text(ex, 1, username);
    int rc = sqlite3_step(ex);
    sqlite3_reset(ex);
    if (rc == SQLITE_ROW)
        return vg_error_set(err, VG_ERR_INVALID, "an account named '%s' already exists", username);
    SQ_STMT(st, SQL_ACCOUNT_PUT);
    sq_bind_text(st, 1, username);
    sq_bind_text(st, 2, password_hash);
    sqlite3_bind_int(st, 3, (int)role);
    sqlite3_bind_int64(st, 4, now);
    vg_status status = sq_step_done(c, st, "creating an account", err);
    if (status == VG_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return status;
}

static void read_account(sqlite3_stmt *st, void *item)
{
    vg_account *a = item;
    a->id = sqlite3_column_int64(st, 0);
    a->username = sq_text(st, 1);
    a->password_hash = sq_text(st, 2);
    a->role = (vg_role)sqlite3_column_int(st, 3);
    a->disabled = sqlite3_column_int(st, 4);
    a->totp_secret = sq_text(st, 5);
    a->totp_last_step = sqlite3_column_int64(st, 6);
    a->created_at = sqlite3_column_int64(st, 7);
    a->language = sq_text(st, 8);
}

static void clear_account(void *item)
{
    vg_account_clear(item);
}

vg_status sq_account_get(void *tx, const char *username, int64_t id, vg_account *account,
                         int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(account, 0, sizeof *account);
    SQ_STMT(st, username ? SQL_ACCOUNT_BY_NAME : SQL_ACCOUNT_BY_ID);
    if (username)
        sq_bind_text(st, 1, username);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_account(st, account);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading an account");
}

vg_status sq_accounts_list(void *tx, vg_account **accounts, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ACCOUNTS_ALL, 0, 0, sizeof **accounts, read_account, clear_account,
                   (void **)accounts, count, "listing accounts", err);
}

vg_status sq_account_set_disabled(void *tx, const char *username, int disabled, int *found,
                                  vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_DISABLE);
    sqlite3_bind_int(st, 1, disabled);
    sq_bind_text(st, 2, username);
    vg_status status = sq_step_done(c, st, "disabling an account", err);
    if (status != VG_OK)
        return status;
    *found = sqlite3_changes(c->db) > 0;
    if (disabled && *found) {
        SQ_STMT(ss, SQL_SESSIONS_OF_NAME);
        sq_bind_text(ss, 1, username);
        return sq_step_done(c, ss, "ending the account's sessions", err);
    }
    return VG_OK;
}

static vg_status account_text(conn *c, const char *sql, int64_t id, const char *text, vg_error *err)
{
    SQ_STMT(st, sql);
    sq_bind_text(st, 1, text);
    sqlite3_bind_int64(st, 2, id);
    vg_status status = sq_step_done(c, st, "updating an account", err);
    if (status == VG_OK && sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no account %" PRId64, id);
    return status;
}

vg_status sq_account_set_password(void *tx, int64_t id, const char *password_hash, vg_error *err)
{
    return account_text(tx, SQL_SET_PASSWORD, id, password_hash, err);
}

vg_status sq_account_set_role(void *tx, int64_t id, vg_role role, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SET_ROLE);
    sqlite3_bind_int(st, 1, (int)role);
    sqlite3_bind_int64(st, 2, id);
    vg_status status = sq_step_done(c, st, "changing a role", err);
    if (status == VG_OK && sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no account %" PRId64, id);
    return status;
}

vg_status sq_account_set_language(void *tx, int64_t id, const char *language, vg_error *err)
{
    return account_text(tx, SQL_SET_LANGUAGE, id, language, err);
}

vg_status sq_account_set_totp(void *tx, int64_t id, const char *secret, vg_error *err)
{
    return account_text(tx, SQL_SET_TOTP, id, secret, err);
}

vg_status sq_account_use_totp_step(void *tx, int64_t id, int64_t step, int *accepted, vg_error *err)
{
    conn *c = tx;
    *accepted = 0;
    SQ_STMT(st, SQL_TOTP_STEP);
    sqlite3_bind_int64(st, 1, step);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, step);
    vg_status status = sq_step_done(c, st, "recording a second factor", err);
    if (status == VG_OK)
        *accepted = sqlite3_changes(c->db) > 0;
    return status;
}

/* ---- sessions --------------------------------------------------------- */

static const char SQL_SESSION_PUT[] =
    "INSERT OR REPLACE INTO sessions(token_hash, account_id, csrf_token, totp_pending, "
    "created_at, expires_at) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_SESSION_GET[] =
    "SELECT token_hash, account_id, csrf_token, totp_pending, created_at, expires_at "
    "FROM sessions WHERE token_hash = ? AND expires_at > ?";
static const char SQL_SESSION_DEL[] = "DELETE FROM sessions WHERE token_hash = ?";
static const char SQL_SESSION_DEL_ACCOUNT[] = "DELETE FROM sessions WHERE account_id = ?";
static const char SQL_SESSION_EXPIRE[] = "DELETE FROM sessions WHERE expires_at <= ?";
/* Keep an account's newest sessions only: ?2 of them. */
static const char SQL_SESSION_TRIM[] =
    "DELETE FROM sessions WHERE account_id = ?1 AND token_hash NOT IN (SELECT token_hash FROM"
    " sessions WHERE account_id = ?1 ORDER BY created_at DESC, token_hash LIMIT ?2)";
static const char SQL_SESSION_EXTEND[] =
    "UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND expires_at > ?";

vg_status sq_session_create(void *tx, const vg_session *ses, int max_per_account, int64_t now,
                            vg_error *err)
{
    conn *c = tx;
    /* Expired sessions go as new ones come: the table stays small. */
    SQ_STMT(ex, SQL_SESSION_EXPIRE);
    sqlite3_bind_int64(ex, 1, now);
    vg_status status = sq_step_done(c, ex, "expiring sessions", err);
    if (status != VG_OK)
        return status;
    if (max_per_account > 0) {
        SQ_STMT(tr, SQL_SESSION_TRIM);
        sqlite3_bind_int64(tr, 1, ses->account_id);
        sqlite3_bind_int(tr, 2, max_per_account - 1);
        if ((status = sq_step_done(c, tr, "ending an account's oldest sessions", err)) != VG_OK)
            return status;
    }
    SQ_STMT(st, SQL_SESSION_PUT);
    sq_bind_text(st, 1, ses->token_hash);
    sqlite3_bind_int64(st, 2, ses->account_id);
    sq_bind_text(st, 3, ses->csrf_token);
    sqlite3_bind_int(st, 4, ses->totp_pending);
    sqlite3_bind_int64(st, 5, ses->created_at);
    sqlite3_bind_int64(st, 6, ses->expires_at);
    return sq_step_done(c, st, "creating a session", err);
}

vg_status sq_session_get(void *tx, const char *token_hash, int64_t now, vg_session *ses, int *found,
                         vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(ses, 0, sizeof *ses);
    SQ_STMT(st, SQL_SESSION_GET);
    sq_bind_text(st, 1, token_hash);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ses->token_hash = sq_text(st, 0);
        ses->account_id = sqlite3_column_int64(st, 1);
        ses->csrf_token = sq_text(st, 2);
        ses->totp_pending = sqlite3_column_int(st, 3);
        ses->created_at = sqlite3_column_int64(st, 4);
        ses->expires_at = sqlite3_column_int64(st, 5);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading a session");
}

vg_status sq_session_delete(void *tx, const char *token_hash, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SESSION_DEL);
    sq_bind_text(st, 1, token_hash);
    return sq_step_done(c, st, "ending a session", err);
}

vg_status sq_session_extend(void *tx, const char *token_hash, int64_t expires_at, int64_t now,
                            vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SESSION_EXTEND);
    sqlite3_bind_int64(st, 1, expires_at);
    sq_bind_text(st, 2, token_hash);
    sqlite3_bind_int64(st, 3, now);
    return sq_step_done(c, st, "extending a session", err);
}

vg_status sq_sessions_delete_account(void *tx, int64_t account_id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SESSION_DEL_ACCOUNT);
    sqlite3_bind_int64(st, 1, account_id);
    return sq_step_done(c, st, "ending an account's sessions", err);
}

vg_status sq_sessions_prune(void *tx, int64_t now, int64_t *removed, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SESSION_EXPIRE);
    sqlite3_bind_int64(st, 1, now);
    vg_status status = sq_step_done(c, st, "expiring sessions", err);
    *removed = status == VG_OK ? sqlite3_changes(c->db) : 0;
    return status;
}

/* ---- partner API keys ------------------------------------------------- */

#define KEY_COLUMNS "id, prefix, key_hash, org, rate, revoked, created_at, trust, scopes"
static const char SQL_KEY_PUT[] = "INSERT INTO api_keys(prefix, key_hash, org, rate, "
                                  "created_at, trust) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_KEY_GET[] = "SELECT " KEY_COLUMNS " FROM api_keys WHERE key_hash = ?";
static const char SQL_KEY_BY_ID[] = "SELECT " KEY_COLUMNS " FROM api_keys WHERE id = ?";
static const char SQL_KEYS_ALL[] = "SELECT " KEY_COLUMNS " FROM api_keys ORDER BY id";
static const char SQL_KEY_REVOKE_ID[] = "UPDATE api_keys SET revoked = 1 WHERE id = ?";
static const char SQL_KEY_REVOKE_PREFIX[] = "UPDATE api_keys SET revoked = 1 WHERE prefix = ?";
static const char SQL_KEY_TRUST_ID[] = "UPDATE api_keys SET trust = ? WHERE id = ?";
static const char SQL_KEY_TRUST_PREFIX[] = "UPDATE api_keys SET trust = ? WHERE prefix = ?";
static const char SQL_KEY_SCOPES_ID[] = "UPDATE api_keys SET scopes = ? WHERE id = ?";
static const char SQL_KEY_SCOPES_PREFIX[] = "UPDATE api_keys SET scopes = ? WHERE prefix = ?";

vg_status sq_api_key_create(void *tx, const char *prefix, const char *key_hash, const char *org,
                            uint32_t rate, int trust, int64_t now, int64_t *id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_KEY_PUT);
    sq_bind_text(st, 1, prefix);
    sq_bind_text(st, 2, key_hash);
    sq_bind_text(st, 3, org);
    sqlite3_bind_int64(st, 4, rate);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int(st, 6, trust);
    vg_status status = sq_step_done(c, st, "creating an API key", err);
    if (status == VG_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return status;
}

static void read_key(sqlite3_stmt *st, void *item)
{
    vg_api_key *k = item;
    k->id = sqlite3_column_int64(st, 0);
    k->prefix = sq_text(st, 1);
    k->key_hash = sq_text(st, 2);
    k->org = sq_text(st, 3);
    k->rate = (uint32_t)sqlite3_column_int64(st, 4);
    k->revoked = sqlite3_column_int(st, 5);
    k->created_at = sqlite3_column_int64(st, 6);
    k->trust = sqlite3_column_int(st, 7);
    /* Kept as words (vocab.h), so that the table reads plainly; a word
     * this program does not know grants nothing. */
    const unsigned char *scopes = sqlite3_column_text(st, 8);
    if (!vg_scopes_parse((const char *)scopes, &k->scopes))
        k->scopes = 0;
}

static void clear_key(void *item)
{
    vg_api_key_clear(item);
}

/* The one key statement st (bound) finds, if any. */
static vg_status key_one(conn *c, sqlite3_stmt *st, vg_api_key *key, int *found, vg_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_key(st, key);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading an API key");
}

vg_status sq_api_key_get(void *tx, const char *key_hash, vg_api_key *key, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(key, 0, sizeof *key);
    SQ_STMT(st, SQL_KEY_GET);
    sq_bind_text(st, 1, key_hash);
    return key_one(c, st, key, found, err);
}

vg_status sq_api_key_by_id(void *tx, int64_t id, vg_api_key *key, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(key, 0, sizeof *key);
    SQ_STMT(st, SQL_KEY_BY_ID);
    sqlite3_bind_int64(st, 1, id);
    return key_one(c, st, key, found, err);
}

vg_status sq_api_key_revoke(void *tx, int64_t id, const char *prefix, int *found, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, id > 0 ? SQL_KEY_REVOKE_ID : SQL_KEY_REVOKE_PREFIX);
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        sq_bind_text(st, 1, prefix);
    vg_status status = sq_step_done(c, st, "revoking an API key", err);
    *found = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

vg_status sq_api_key_set_scopes(void *tx, int64_t id, const char *prefix, unsigned scopes,
                                int *found, vg_error *err)
{
    conn *c = tx;
    char words[64];
    vg_scopes_format(scopes, words, sizeof words);
    SQ_STMT(st, id > 0 ? SQL_KEY_SCOPES_ID : SQL_KEY_SCOPES_PREFIX);
    sq_bind_text(st, 1, words);
    if (id > 0)
        sqlite3_bind_int64(st, 2, id);
    else
        sq_bind_text(st, 2, prefix);
    vg_status status = sq_step_done(c, st, "changing the scopes of an API key", err);
    *found = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

vg_status sq_api_key_set_trust(void *tx, int64_t id, const char *prefix, int trust, int *found,
                               vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, id > 0 ? SQL_KEY_TRUST_ID : SQL_KEY_TRUST_PREFIX);
    sqlite3_bind_int(st, 1, trust);
    if (id > 0)
        sqlite3_bind_int64(st, 2, id);
    else
        sq_bind_text(st, 2, prefix);
    vg_status status = sq_step_done(c, st, "changing the trust of an API key", err);
    *found = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

vg_status sq_api_keys_list(void *tx, vg_api_key **keys, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_KEYS_ALL, 0, 0, sizeof **keys, read_key, clear_key, (void **)keys, count,
                   "listing API keys", err);
}

/* ---- sign-in counts ---------------------------------------------------- */

static const char SQL_LOGIN_GET[] =
    "SELECT failures, locked_until, locks FROM login_throttle WHERE key = ?";
static const char SQL_LOGIN_PUT[] =
    "INSERT INTO login_throttle(key, failures, locked_until, locks, updated_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(key) DO UPDATE SET failures = ?2,"
    " locked_until = ?3, locks = ?4, updated_at = ?5";
static const char SQL_LOGIN_DEL[] = "DELETE FROM login_throttle WHERE key = ?";
static const char SQL_LOGIN_PRUNE[] =
    "DELETE FROM login_throttle WHERE locked_until < ?1 AND updated_at < ?1 - 86400";

vg_status sq_login_get(void *tx, const char *key, vg_login_state *state, vg_error *err)
{
    conn *c = tx;
    memset(state, 0, sizeof *state);
    SQ_STMT(st, SQL_LOGIN_GET);
    sq_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        state->failures = sqlite3_column_int(st, 0);
        state->locked_until = sqlite3_column_int64(st, 1);
        state->locks = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? VG_OK
               : sq_db_error(err, c->db, "reading a sign-in name's state");
}

vg_status sq_login_put(void *tx, const char *key, const vg_login_state *state, int64_t now,
                       vg_error *err)
{
    conn *c = tx;
    if (!state->failures && !state->locked_until && !state->locks) {
        SQ_STMT(del, SQL_LOGIN_DEL);
        sq_bind_text(del, 1, key);
        return sq_step_done(c, del, "clearing sign-in failures", err);
    }
    SQ_STMT(st, SQL_LOGIN_PUT);
    sq_bind_text(st, 1, key);
    sqlite3_bind_int(st, 2, state->failures);
    sqlite3_bind_int64(st, 3, state->locked_until);
    sqlite3_bind_int(st, 4, state->locks);
    sqlite3_bind_int64(st, 5, now);
    return sq_step_done(c, st, "counting a sign-in attempt", err);
}

vg_status sq_login_prune(void *tx, int64_t now, int64_t *removed, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_LOGIN_PRUNE);
    sqlite3_bind_int64(st, 1, now);
    vg_status status = sq_step_done(c, st, "forgetting old sign-in failures", err);
    *removed = status == VG_OK ? sqlite3_changes(c->db) : 0;
    return status;
}
