/*
 * src/model/people.h - who uses the hotline: accounts and their roles,
 * sessions, partner API keys, and the rules of signing in.
 *
 * Pure: no I/O. Structs with `char *` strings own them (*_clear releases
 * them, wiping secrets).
 */
#ifndef VIGIE_MODEL_PEOPLE_H
#define VIGIE_MODEL_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

typedef enum vg_role {
    VG_ROLE_NONE = 0,          /* anonymous */
    VG_ROLE_PARTNER = 1,       /* a partner API key (never a person's account) */
    VG_ROLE_ANALYST = 2,
    VG_ROLE_SUPERVISOR = 3,
    VG_ROLE_ADMINISTRATOR = 4, /* each person's role includes the ones below it */
} vg_role;
const char *vg_role_name(vg_role role);
/* Parse "analyst", "supervisor", "administrator"; VG_ROLE_NONE otherwise. */
vg_role vg_role_parse(const char *name);

typedef struct vg_account {
    int64_t id;
    char *username;
    char *password_hash;     /* Argon2id string (crypto_pwhash_str) */
    vg_role role;
    int disabled;
    char *totp_secret;       /* sealed (util/sealed.h), or NULL when TOTP is off */
    int64_t totp_last_step;  /* last accepted TOTP time step (no replay) */
    int64_t created_at;
    char *language;          /* the pages' language (a catalogue code), or NULL: the
                              * browser's (docs/console.md) */
} vg_account;
void vg_account_clear(vg_account *account);

typedef struct vg_session {
    char *token_hash;   /* SHA-256 hex of the cookie's token: the token is never stored */
    int64_t account_id;
    char *csrf_token;   /* the session's form token */
    int totp_pending;   /* 1 between password and second factor */
    int64_t created_at, expires_at;
} vg_session;
void vg_session_clear(vg_session *session);

typedef struct vg_api_key {
    int64_t id;
    char *prefix;      /* the key's first characters, shown in listings */
    char *key_hash;    /* SHA-256 hex of the whole key */
    char *org;
    uint32_t rate;     /* requests per second allowed; 0 = the server default */
    int trust;         /* 0-100: how far the queue trusts reports sent with it (priority) */
    int revoked;
    int64_t created_at;
    unsigned scopes;   /* VG_SCOPE_* bits: what the key may call */
} vg_api_key;
void vg_api_key_clear(vg_api_key *key);
#define VG_API_KEY_TRUST_DEFAULT 50

/* What a partner key may do besides being a partner (vocab.h names them,
 * vg_scope_terms, in bit order): send reports (every key made before
 * scopes existed could, and a key made without --scopes still can), hash
 * files, look signals up in the banks, change the banks. A route states
 * the scopes it needs; a key lacking one is refused before its body is
 * read. */
#define VG_SCOPE_REPORT 0x1u
#define VG_SCOPE_HASH 0x2u
#define VG_SCOPE_MATCH 0x4u
#define VG_SCOPE_CURATE 0x8u
#define VG_SCOPE_STATS 0x10u /* the operator's own tools: GET /api/v1/stats */
#define VG_SCOPE_BLOCKLIST 0x20u /* the blocking list's members: GET /api/v1/blocklist/... */
#define VG_SCOPE_ALL 0x3Fu
#define VG_SCOPE_DEFAULT VG_SCOPE_REPORT

/* "report,hash,match" (commas, any order, spaces allowed; "all" for every
 * one) to bits into *scopes. 0 for a word that is no scope, or an empty
 * list; 1 otherwise. */
int vg_scopes_parse(const char *text, unsigned *scopes);
/* The bits as their words in bit order, comma-separated ("" for none),
 * into out[cap] (48 bytes hold them all). */
void vg_scopes_format(unsigned scopes, char *out, size_t cap);

/* Usernames are 1 to 64 letters, digits, '.', '_', '-' and '@'. */
int vg_rule_username_valid(const char *name);

/* ---- administering accounts --------------------------------------------- */

typedef enum vg_account_change {
    VG_CHANGE_ROLE = 0,
    VG_CHANGE_DISABLE,
    VG_CHANGE_ENABLE,
    VG_CHANGE_UNLOCK,
    VG_CHANGE_PASSWORD, /* a new password, shown once */
    VG_CHANGE_TOTP,     /* a new second factor, shown once */
    VG_CHANGE_TOTP_OFF,
} vg_account_change;

typedef enum vg_account_refusal {
    VG_ACCOUNT_OK = 0,
    VG_ACCOUNT_SELF,       /* nobody changes their own role or disables themselves */
    VG_ACCOUNT_LAST_ADMIN, /* the last enabled administrator stays one */
    VG_ACCOUNT_BAD_ROLE,   /* a person's role is analyst, supervisor or administrator */
} vg_account_refusal;

/* Whether actor (a username) may make change to target (new_role for
 * VG_CHANGE_ROLE), when enabled_admins enabled administrator accounts
 * exist: so that a mistake in the browser never locks everyone out. */
vg_account_refusal vg_rule_account_change(const char *actor, const vg_account *target,
                                          vg_account_change change, vg_role new_role,
                                          int enabled_admins);

/* ---- signing in ------------------------------------------------------- */

/* Attempts are counted per name, whether or not an account has that name,
 * under a keyed hash of the name (so that what is kept never lists the
 * names people typed). */
typedef struct vg_login_policy {
    int max_failures;          /* attempts counted before sign-in pauses */
    int64_t lock_seconds;      /* the first pause; each next one twice as long */
    int64_t max_lock_seconds;  /* the longest pause */
} vg_login_policy;

/* What is kept of a name. A name with nothing kept is all zeros. */
typedef struct vg_login_state {
    int failures;          /* attempts counted since the last pause or success */
    int64_t locked_until;  /* paused until then (0: not paused) */
    int locks;             /* pauses since the last success (they grow) */
} vg_login_state;

typedef enum vg_login_outcome {
    VG_LOGIN_SUCCESS = 0, /* forget the name's failures and pauses */
    VG_LOGIN_FAILURE,     /* may pause the name (when max attempts are counted) */
    VG_LOGIN_PENDING,     /* neither: the attempt stays counted (a second factor is due) */
} vg_login_outcome;

/* Count an attempt before it is checked: 1 and the state with one more
 * attempt counted into *next, when the name is not paused and has fewer
 * than max_failures counted; 0 otherwise (*next = *state). So attempts sent
 * at once are counted one by one, and at most max_failures are checked. */
int vg_rule_login_reserve(const vg_login_state *state, const vg_login_policy *policy,
                          int64_t now, vg_login_state *next);
/* The state after a counted attempt failed: when max_failures are counted,
 * the name pauses for lock_seconds doubled for each earlier pause (at most
 * max_lock_seconds) and *paused = 1. */
void vg_rule_login_failed(const vg_login_state *state, const vg_login_policy *policy,
                          int64_t now, vg_login_state *next, int *paused);

#endif
