/*
 * src/store/people.h - accounts, sessions, partner API keys, and what is
 * kept of sign-in attempts (operations inside a transaction,
 * store/store.h).
 */
#ifndef VIGIE_STORE_PEOPLE_H
#define VIGIE_STORE_PEOPLE_H

#include "model/people.h"
#include "store/store.h"

/* ---- accounts ---------------------------------------------------------- */

/* VG_ERR_INVALID with a clear message when the username is taken. */
vg_status vg_tx_account_create(vg_tx *tx, const char *username, const char *password_hash,
                               vg_role role, int64_t now, int64_t *id, vg_error *err);
/* By name (username not NULL) or by id. *found = 0 when there is none. */
vg_status vg_tx_account_get(vg_tx *tx, const char *username, int64_t id, vg_account *account,
                            int *found, vg_error *err);
/* Every account by username: *accounts malloc'd, each cleared. */
vg_status vg_tx_accounts_list(vg_tx *tx, vg_account **accounts, size_t *count, vg_error *err);
/* Disabling also ends the account's sessions. *found = 0: no such account. */
vg_status vg_tx_account_set_disabled(vg_tx *tx, const char *username, int disabled, int *found,
                                     vg_error *err);
vg_status vg_tx_account_set_password(vg_tx *tx, int64_t id, const char *password_hash,
                                     vg_error *err);
vg_status vg_tx_account_set_role(vg_tx *tx, int64_t id, vg_role role, vg_error *err);
/* The account's language (a catalogue code), NULL: none chosen.
 * VG_ERR_INVALID when there is no such account. */
vg_status vg_tx_account_set_language(vg_tx *tx, int64_t id, const char *language,
                                     vg_error *err);
/* secret (sealed) NULL turns TOTP off; the last step used is forgotten. */
vg_status vg_tx_account_set_totp(vg_tx *tx, int64_t id, const char *secret, vg_error *err);
/* Accept TOTP step for the account only if it is newer than the last one
 * accepted: *accepted = 0 on a replay. */
vg_status vg_tx_account_use_totp_step(vg_tx *tx, int64_t id, int64_t step, int *accepted,
                                      vg_error *err);

/* ---- sessions ---------------------------------------------------------- */

/* Create a session; when max_per_account > 0, the account's oldest
 * sessions end so that it has at most that many. Expired sessions go too. */
vg_status vg_tx_session_create(vg_tx *tx, const vg_session *session, int max_per_account,
                               int64_t now, vg_error *err);
/* Sessions past expires_at (against now) are not found. */
vg_status vg_tx_session_get(vg_tx *tx, const char *token_hash, int64_t now,
                            vg_session *session, int *found, vg_error *err);
vg_status vg_tx_session_delete(vg_tx *tx, const char *token_hash, vg_error *err);
/* Move a live session's expiry; an expired or unknown one stays gone. */
vg_status vg_tx_session_extend(vg_tx *tx, const char *token_hash, int64_t expires_at,
                               int64_t now, vg_error *err);
vg_status vg_tx_sessions_delete_account(vg_tx *tx, int64_t account_id, vg_error *err);
/* Remove sessions expired at now; *removed gets how many. */
vg_status vg_tx_sessions_prune(vg_tx *tx, int64_t now, int64_t *removed, vg_error *err);

/* ---- partner API keys ------------------------------------------------- */

vg_status vg_tx_api_key_create(vg_tx *tx, const char *prefix, const char *key_hash,
                               const char *org, uint32_t rate, int trust, int64_t now,
                               int64_t *id, vg_error *err);
/* Revoked keys are found too (with revoked = 1): the caller refuses them. */
vg_status vg_tx_api_key_get(vg_tx *tx, const char *key_hash, vg_api_key *key, int *found,
                            vg_error *err);
/* Revoke, or change the trust of, a key by id (> 0) or else by prefix;
 * *found = 0 when there is no such key. */
vg_status vg_tx_api_key_revoke(vg_tx *tx, int64_t id, const char *prefix, int *found,
                               vg_error *err);
vg_status vg_tx_api_key_set_trust(vg_tx *tx, int64_t id, const char *prefix, int trust,
                                  int *found, vg_error *err);
/* Set what a key may do (VG_SCOPE_* bits, model/people.h); a new key has
 * VG_SCOPE_DEFAULT. */
vg_status vg_tx_api_key_set_scopes(vg_tx *tx, int64_t id, const char *prefix, unsigned scopes,
                                   int *found, vg_error *err);
vg_status vg_tx_api_keys_list(vg_tx *tx, vg_api_key **keys, size_t *count, vg_error *err);
/* One key by its id (a primary-key read; revoked keys too, as
 * vg_tx_api_key_get): *found = 0 when there is none. */
vg_status vg_tx_api_key_by_id(vg_tx *tx, int64_t id, vg_api_key *key, int *found, vg_error *err);

/* ---- sign-in throttling -------------------------------------------------- */

/* What is kept of a name (its key: a keyed hash the caller computes); all
 * zeros when nothing is. */
vg_status vg_tx_login_get(vg_tx *tx, const char *key, vg_login_state *state, vg_error *err);
/* Keep state for key (all zeros: forget it). */
vg_status vg_tx_login_put(vg_tx *tx, const char *key, const vg_login_state *state, int64_t now,
                          vg_error *err);
/* Forget names neither paused nor touched for a day. */
vg_status vg_tx_login_prune(vg_tx *tx, int64_t now, int64_t *removed, vg_error *err);

#endif
