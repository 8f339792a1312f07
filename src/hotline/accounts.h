/*
 * src/hotline/accounts.h - the people of the hotline: signing in, sessions,
 * accounts and partner keys, each change audited in its own transaction.
 *
 * Signing in (docs/server.md): an attempt is counted for the name typed
 * before its password is checked (vg_hotline_login_reserve), whether or
 * not an account has that name; its outcome is recorded after
 * (vg_hotline_login_finish). The password check itself (Argon2id, slow) is
 * the caller's, between the two, outside any transaction.
 */
#ifndef VIGIE_HOTLINE_ACCOUNTS_H
#define VIGIE_HOTLINE_ACCOUNTS_H

#include "hotline/hotline.h"
#include "model/people.h"

/* ---- signing in --------------------------------------------------------- */

/* The key a name is counted under: an HMAC of it under the server's secret
 * (64 hex digits + NUL), so the store never lists the names typed. */
void vg_hotline_login_key(const vg_hotline *h, const char *username, char out[65]);

/* Count an attempt for username: *allowed = 1 when it may be checked. */
vg_status vg_hotline_login_reserve(vg_hotline *h, const char *username, int64_t now,
                                   int *allowed, vg_error *err);

/* Record a counted attempt's outcome. With audit (the name has an
 * account), the outcome is audited in the same transaction as action
 * ("login.failure", "login.success", "login.refused") with why (may be
 * NULL) as its reason, and a pause it starts as "login.lockout". */
vg_status vg_hotline_login_finish(vg_hotline *h, const char *username, vg_login_outcome outcome,
                                  int audit, const char *action, const char *why, int64_t now,
                                  vg_error *err);

/* What is kept of username now (its counted attempts, its pause). */
vg_status vg_hotline_login_state(vg_hotline *h, const char *username, vg_login_state *state,
                                 vg_error *err);

/* End a pause (an administrator, `vigie admin unlock`), audited as
 * "account.unlock" by actor. */
vg_status vg_hotline_unlock(vg_hotline *h, const char *username, const char *actor, int64_t now,
                            vg_error *err);

/* Whether code is the account's second factor now, and its time step was
 * not used before (a code opens one session): *accepted. */
vg_status vg_hotline_check_code(vg_hotline *h, const vg_account *account, const char *code,
                                int64_t now, int *accepted, vg_error *err);

/* ---- accounts ----------------------------------------------------------- */

vg_status vg_hotline_account(vg_hotline *h, const char *username, int64_t id,
                             vg_account *account, int *found, vg_error *err);
vg_status vg_hotline_accounts(vg_hotline *h, vg_account **accounts, size_t *count,
                              vg_error *err);

/* Each audited as actor did it ("account.create", "account.password",
 * "account.disable", "account.enable", "account.totp_enable",
 * "account.totp_disable"). *found = 0 when there is no such account. */
vg_status vg_hotline_account_create(vg_hotline *h, const char *username,
                                    const char *password_hash, vg_role role, const char *actor,
                                    int64_t now, int64_t *id, vg_error *err);
/* A new password ends the account's sessions. */
vg_status vg_hotline_account_set_password(vg_hotline *h, const char *username,
                                          const char *password_hash, const char *actor,
                                          int64_t now, int *found, vg_error *err);
/* Disabling ends the account's sessions (enabling brings none back). */
vg_status vg_hotline_account_set_disabled(vg_hotline *h, const char *username, int disabled,
                                          const char *actor, int64_t now, int *found,
                                          vg_error *err);
/* secret: base32 TOTP secret, sealed before it is stored; NULL turns TOTP off. */
vg_status vg_hotline_account_set_totp(vg_hotline *h, const char *username, const char *secret,
                                      const char *actor, int64_t now, int *found, vg_error *err);
/* Seal TOTP secrets stored before they were sealed; *count how many. */
vg_status vg_hotline_seal_secrets(vg_hotline *h, int64_t now, size_t *count, vg_error *err);

/* ---- administering accounts in the browser ----------------------------------- */

#define VG_NEW_PASSWORD_CHARS 20 /* a generated password: about 99 bits */

/* Create an account (username checked with vg_rule_username_valid; role
 * analyst, supervisor or administrator) with a generated password, given
 * once in password[VG_NEW_PASSWORD_CHARS + 1]; audited "account.create".
 * VG_ERR_INVALID with a message for people when the name or role is not
 * acceptable or the name is taken. */
vg_status vg_hotline_account_add(vg_hotline *h, const char *username, vg_role role,
                                 const char *actor_username, int64_t now,
                                 char password[VG_NEW_PASSWORD_CHARS + 1], int64_t *id,
                                 vg_error *err);

/* What an administrator changes on an account, checked against
 * vg_rule_account_change inside the transaction (so that two
 * administrators at once cannot remove the last one): *refusal says why not
 * (VG_ACCOUNT_OK: done), *found = 0 when there is no such account.
 * new_role for VG_CHANGE_ROLE ("account.role"); a new password
 * (VG_CHANGE_PASSWORD, "account.password", sessions end) or TOTP secret
 * (VG_CHANGE_TOTP, "account.totp_enable", base32) is generated and given
 * once in secret[VG_ACCOUNT_SECRET_CHARS + 1] (else ""). Disabling ends the
 * account's sessions; unlocking ends a sign-in pause ("account.unlock"). */
#define VG_ACCOUNT_SECRET_CHARS 32
vg_status vg_hotline_account_change(vg_hotline *h, const char *username,
                                    vg_account_change change, vg_role new_role,
                                    const char *actor_username, int64_t now,
                                    char secret[VG_ACCOUNT_SECRET_CHARS + 1],
                                    vg_account_refusal *refusal, int *found, vg_error *err);

/* A person chooses the language of their staff pages (a catalogue code
 * the caller checked, as letters, digits and '-' up to 15 characters;
 * NULL or "": none, their browser's then), audited "account.language" with
 * the code in the same transaction, as the person did it. VG_ERR_INVALID
 * for a malformed code; *found = 0 when there is no such account. */
vg_status vg_hotline_account_set_language(vg_hotline *h, int64_t account_id,
                                          const char *language, const char *actor_username,
                                          int64_t now, int *found, vg_error *err);

/* ---- sessions ------------------------------------------------------------ */

vg_status vg_hotline_session_open(vg_hotline *h, const vg_session *session, int64_t now,
                                  vg_error *err);
vg_status vg_hotline_session_close(vg_hotline *h, const char *token_hash, vg_error *err);

/* Who holds a session: *found = 1 with the session and its account (not
 * disabled) when it is live at now. When the session is in use and idle
 * expiry applies (new_expiry > its expiry by more than a minute), its
 * expiry moves to new_expiry. */
vg_status vg_hotline_session_identify(vg_hotline *h, const char *token_hash, int64_t now,
                                      int64_t (*expiry)(void *ctx, int64_t created_at,
                                                        int64_t now),
                                      void *ctx, vg_session *session, vg_account *account,
                                      int *found, vg_error *err);

/* ---- partner API keys ------------------------------------------------------ */

/* The key whose SHA-256 is key_hash (revoked keys are found, revoked = 1). */
vg_status vg_hotline_api_key(vg_hotline *h, const char *key_hash, vg_api_key *key, int *found,
                             vg_error *err);
vg_status vg_hotline_api_keys(vg_hotline *h, vg_api_key **keys, size_t *count, vg_error *err);
/* Create a key that may do what scopes says (VG_SCOPE_* bits): the key
 * text (shown once) goes to key_out[80]; audited ("apikey.create" with
 * org, trust and scopes). */
vg_status vg_hotline_api_key_create(vg_hotline *h, const char *org, uint32_t rate, int trust,
                                    unsigned scopes, const char *actor, int64_t now, int64_t *id,
                                    char key_out[80], vg_error *err);
/* By id (> 0) or prefix; audited ("apikey.revoke", "apikey.trust"). */
vg_status vg_hotline_api_key_revoke(vg_hotline *h, int64_t id, const char *prefix,
                                    const char *actor, int64_t now, int *found, vg_error *err);
vg_status vg_hotline_api_key_set_trust(vg_hotline *h, int64_t id, const char *prefix, int trust,
                                       const char *actor, int64_t now, int *found,
                                       vg_error *err);
/* Change what a key may do; audited ("apikey.scopes"). */
vg_status vg_hotline_api_key_set_scopes(vg_hotline *h, int64_t id, const char *prefix,
                                        unsigned scopes, const char *actor, int64_t now,
                                        int *found, vg_error *err);

#endif
