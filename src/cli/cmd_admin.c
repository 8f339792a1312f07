/*
 * vigie admin: accounts and partner API keys, from the server's machine.
 *
 * Works through the hotline's use cases on the same store as the server
 * (which may be running: the store's transactions make that safe). Every
 * change is audited in its own transaction, with the operating-system user
 * as actor. Secrets are shown once: an API key as the last line of output,
 * a TOTP secret as an otpauth:// URI.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "hotline/accounts.h"
#include "util/secure.h"
#include "web/i18n.h"
#include "util/totp.h"

#define MIN_PASSWORD 12

static void admin_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie admin (--data-dir DIR | --config FILE) [--database URL] SUBCOMMAND "
            "[OPTIONS]\n"
            "\n"
            "  create-admin --user NAME          first administrator (password on stdin)\n"
            "  create-user --user NAME --role R  R: analyst, supervisor or administrator\n"
            "  set-password --user NAME          new password on stdin; ends its sessions\n"
            "  disable-user --user NAME          refuse sign-in and end its sessions\n"
            "  enable-user --user NAME\n"
            "  unlock --user NAME                end a sign-in pause after failed attempts\n"
            "  set-language --user NAME --language CODE\n"
            "                                    the staff pages' language of the account (a\n"
            "                                    catalogue's code: en, fr...; none: the browser's)\n"
            "  list-users                        username,role,disabled,totp,failures,paused_until,\n"
            "                                    language\n"
            "  enable-totp --user NAME           prints the otpauth:// URI for the app\n"
            "  disable-totp --user NAME\n"
            "  create-api-key --org NAME [--rate N] [--trust N] [--scopes LIST]\n"
            "                                    prints the key once, as the last line\n"
            "  revoke-api-key (--id N | --prefix P)\n"
            "  set-api-key-trust (--id N | --prefix P) --trust N\n"
            "  set-api-key-scopes (--id N | --prefix P) --scopes LIST\n"
            "  list-api-keys                     id,prefix,org,rate,revoked,trust,scopes\n"
            "\n"
            "Passwords are read from stdin (one line), or asked for twice without echo on\n"
            "a terminal; at least %d characters.\n"
            "\n"
            "--trust is 0 to 100 (default %d): reports sent with the key get\n"
            "priority.trusted_source x trust / 100 points in the queue (a police unit or a\n"
            "partner hotline 100, an unknown platform 20).\n"
            "\n"
            "--scopes says what the key may do, comma-separated: report (send reports:\n"
            "the default), hash (hash files), match (look signals up in the banks),\n"
            "curate (change the banks), stats (read the statistics: GET /api/v1/stats),\n"
            "or all.\n",
            MIN_PASSWORD, VG_API_KEY_TRUST_DEFAULT);
}

typedef struct admin_args {
    const char *user, *role, *org, *prefix, *language;
    long long rate, id;
    long long trust; /* -1: not given */
    unsigned scopes; /* 0: not given */
} admin_args;

static const char *cli_actor(char *buf, size_t len)
{
    const char *user = getenv("USER");
    if (user && *user)
        snprintf(buf, len, "cli:%.60s", user);
    else
        snprintf(buf, len, "cli:uid%u", (unsigned)getuid());
    return buf;
}

static int read_line(const char *prompt, char *buf, size_t len)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    int ok = fgets(buf, (int)len, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!ok)
        return 0;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == 0 && n == len - 1)
        return 0; /* longer than the buffer */
    buf[n] = 0;
    return 1;
}

static int read_password(char out[128])
{
    char first[512], again[512];
    if (!read_line("New password: ", first, sizeof first)) {
        fprintf(stderr, "vigie admin: no password on stdin\n");
        return 0;
    }
    if (strlen(first) < MIN_PASSWORD) {
        fprintf(stderr, "vigie admin: the password needs at least %d characters\n", MIN_PASSWORD);
        return 0;
    }
    if (isatty(STDIN_FILENO)) {
        if (!read_line("Again: ", again, sizeof again) || strcmp(first, again) != 0) {
            fprintf(stderr, "vigie admin: the two passwords differ\n");
            return 0;
        }
    }
    vg_error err;
    int ok = vg_password_hash(first, out, &err) == VG_OK;
    if (!ok)
        fprintf(stderr, "vigie admin: %s\n", err.message);
    memset(first, 0, sizeof first);
    memset(again, 0, sizeof again);
    return ok;
}

static int need(const char *value, const char *option, const char *sub)
{
    if (value)
        return 1;
    fprintf(stderr, "vigie admin %s: %s is required\n", sub, option);
    return 0;
}

static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n > 64)
        return 0;
    for (const char *p = u; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-' || *p == '@'))
            return 0;
    return 1;
}

static int create_user(vg_hotline *h, const char *actor, const admin_args *a, vg_role role,
                       const char *sub)
{
    if (!need(a->user, "--user", sub))
        return VG_EXIT_USAGE;
    if (!valid_username(a->user)) {
        fprintf(stderr, "vigie admin: usernames are 1-64 letters, digits, '.', '_', '-', '@'\n");
        return VG_EXIT_USAGE;
    }
    char hash[128];
    if (!read_password(hash))
        return VG_EXIT_USAGE;
    vg_error err;
    int64_t id = 0;
    if (vg_hotline_account_create(h, a->user, hash, role, actor, (int64_t)time(NULL), &id, &err) !=
        VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    printf("created %s '%s' (account %" PRId64 ")\n", vg_role_name(role), a->user, id);
    return VG_EXIT_OK;
}

/* A change by name: the account must exist. */
static int account_done(vg_status st, int found, const vg_error *err, const char *user)
{
    if (st != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err->message);
        return 0;
    }
    if (!found)
        fprintf(stderr, "vigie admin: there is no account '%s'\n", user);
    return found;
}

static int key_done(vg_status st, int found, const vg_error *err)
{
    if (st != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err->message);
        return 0;
    }
    if (!found)
        fprintf(stderr, "vigie admin: no such API key\n");
    return found;
}

/* The key named the way the administrator did. */
static void key_name(const admin_args *a, char *out, size_t len)
{
    if (a->id > 0)
        snprintf(out, len, "key:%lld", a->id);
    else
        snprintf(out, len, "prefix:%.40s", a->prefix);
}

static int list_users(vg_hotline *h)
{
    vg_error err;
    vg_account *list = NULL;
    size_t n = 0;
    if (vg_hotline_accounts(h, &list, &n, &err) != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    printf("username,role,disabled,totp,failures,paused_until,language\n");
    int rc = VG_EXIT_OK;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        vg_login_state state = {0};
        if (vg_hotline_login_state(h, list[i].username, &state, &err) != VG_OK) {
            fprintf(stderr, "vigie admin: %s\n", err.message);
            rc = VG_EXIT_PARTIAL;
        }
        printf("%s,%s,%s,%s,%d,%" PRId64 ",%s\n", list[i].username, vg_role_name(list[i].role),
               list[i].disabled ? "yes" : "no", list[i].totp_secret ? "yes" : "no",
               state.failures, state.locked_until > now ? state.locked_until : 0,
               list[i].language ? list[i].language : "");
        vg_account_clear(&list[i]);
    }
    free(list);
    return rc;
}

static int set_totp(vg_hotline *h, const char *actor, const admin_args *a, int enable)
{
    char secret[VG_TOTP_SECRET_CHARS + 1];
    vg_totp_new_secret(secret);
    vg_error err;
    int found = 0;
    /* Sealed under the secrets key by the hotline, never stored as it is. */
    vg_status st = vg_hotline_account_set_totp(h, a->user, enable ? secret : NULL, actor,
                                               (int64_t)time(NULL), &found, &err);
    int rc = VG_EXIT_USAGE;
    if (account_done(st, found, &err, a->user)) {
        rc = VG_EXIT_OK;
        if (enable) {
            char *uri = vg_totp_uri("vigie", a->user, secret);
            printf("second factor enabled for '%s'; add this to the authenticator app:\n",
                   a->user);
            printf("%s\n", uri ? uri : secret);
            free(uri);
        } else {
            printf("second factor disabled for '%s'\n", a->user);
        }
    }
    memset(secret, 0, sizeof secret);
    return rc;
}

static int create_key(vg_hotline *h, const char *actor, const admin_args *a, const char *sub)
{
    if (!need(a->org, "--org", sub))
        return VG_EXIT_USAGE;
    if (!*a->org || strlen(a->org) > 200) {
        fprintf(stderr, "vigie admin: --org is 1 to 200 characters\n");
        return VG_EXIT_USAGE;
    }
    if (a->rate < 0 || a->rate > 10000000) {
        fprintf(stderr, "vigie admin: --rate is 0 (server default) to 10000000 per second\n");
        return VG_EXIT_USAGE;
    }
    int trust = a->trust < 0 ? VG_API_KEY_TRUST_DEFAULT : (int)a->trust;
    unsigned scopes = a->scopes ? a->scopes : VG_SCOPE_DEFAULT;
    char key[80], words[64];
    int64_t id = 0;
    vg_error err;
    if (vg_hotline_api_key_create(h, a->org, (uint32_t)a->rate, trust, scopes, actor,
                                  (int64_t)time(NULL), &id, key, &err) != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_scopes_format(scopes, words, sizeof words);
    printf("API key %" PRId64 " for '%s' (prefix %.11s, rate %s, trust %d, scopes %s). It is "
           "shown once: store it now.\n",
           id, a->org, key, a->rate ? "as given" : "server default", trust, words);
    printf("%s\n", key);
    memset(key, 0, sizeof key);
    return VG_EXIT_OK;
}

static int list_keys(vg_hotline *h)
{
    vg_error err;
    vg_api_key *keys = NULL;
    size_t n = 0;
    if (vg_hotline_api_keys(h, &keys, &n, &err) != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    /* new columns last: scripts reading the first ones keep working; the
     * scopes, holding commas, are quoted */
    printf("id,prefix,org,rate,revoked,trust,scopes\n");
    for (size_t i = 0; i < n; i++) {
        char words[64];
        vg_scopes_format(keys[i].scopes, words, sizeof words);
        printf("%" PRId64 ",%s,%s,%u,%s,%d,\"%s\"\n", keys[i].id, keys[i].prefix, keys[i].org,
               keys[i].rate, keys[i].revoked ? "yes" : "no", keys[i].trust, words);
        vg_api_key_clear(&keys[i]);
    }
    free(keys);
    return VG_EXIT_OK;
}

/* The staff pages' language of an account: a code the server ships a
 * catalogue for, or "none" (the browser's then), as the account page sets
 * it. */
static int set_language(vg_hotline *h, const char *actor, const admin_args *a, int64_t now)
{
    const char *sub = "set-language";
    if (!need(a->user, "--user", sub) || !need(a->language, "--language", sub))
        return VG_EXIT_USAGE;
    int none = !strcmp(a->language, "none");
    vg_error err;
    vg_i18n *i18n = NULL;
    if (!none) {
        if (vg_i18n_load(&i18n, &err) != VG_OK) {
            fprintf(stderr, "vigie admin: %s\n", err.message);
            return VG_EXIT_USAGE;
        }
        int shipped = vg_i18n_find(i18n, a->language) != NULL;
        if (!shipped) {
            fprintf(stderr, "vigie admin set-language: no catalogue for '%s'; one of:",
                    a->language);
            for (size_t i = 0; i < vg_i18n_count(i18n); i++)
                fprintf(stderr, " %s", vg_i18n_code(vg_i18n_at(i18n, i)));
            fprintf(stderr, ", or none\n");
        }
        vg_i18n_free(i18n);
        if (!shipped)
            return VG_EXIT_USAGE;
    }
    vg_account acc;
    int found = 0;
    vg_status st = vg_hotline_account(h, a->user, 0, &acc, &found, &err);
    if (!account_done(st, found, &err, a->user))
        return VG_EXIT_USAGE;
    int64_t id = acc.id;
    vg_account_clear(&acc);
    st = vg_hotline_account_set_language(h, id, none ? NULL : a->language, actor, now, &found,
                                         &err);
    if (!account_done(st, found, &err, a->user))
        return VG_EXIT_USAGE;
    printf("staff pages of '%s' in %s\n", a->user, none ? "the browser's language" : a->language);
    return VG_EXIT_OK;
}

static int run(vg_hotline *h, const char *sub, const admin_args *a)
{
    char actor[80];
    cli_actor(actor, sizeof actor);
    int64_t now = (int64_t)time(NULL);
    vg_error err;
    int found = 0;
    vg_status st;
    if (!strcmp(sub, "create-admin"))
        return create_user(h, actor, a, VG_ROLE_ADMINISTRATOR, sub);
    if (!strcmp(sub, "create-user")) {
        if (!need(a->role, "--role", sub))
            return VG_EXIT_USAGE;
        vg_role role = vg_role_parse(a->role);
        if (role == VG_ROLE_NONE || role == VG_ROLE_PARTNER) {
            fprintf(stderr, "vigie admin: --role is analyst, supervisor or administrator\n");
            return VG_EXIT_USAGE;
        }
        return create_user(h, actor, a, role, sub);
    }
    if (!strcmp(sub, "disable-user") || !strcmp(sub, "enable-user")) {
        int disable = sub[0] == 'd';
        if (!need(a->user, "--user", sub))
            return VG_EXIT_USAGE;
        st = vg_hotline_account_set_disabled(h, a->user, disable, actor, now, &found, &err);
        if (!account_done(st, found, &err, a->user))
            return VG_EXIT_USAGE;
        printf("%s '%s'\n", disable ? "disabled" : "enabled", a->user);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "set-password")) {
        char hash[128];
        if (!need(a->user, "--user", sub))
            return VG_EXIT_USAGE;
        vg_account acc;
        st = vg_hotline_account(h, a->user, 0, &acc, &found, &err);
        if (!account_done(st, found, &err, a->user))
            return VG_EXIT_USAGE;
        vg_account_clear(&acc);
        if (!read_password(hash))
            return VG_EXIT_USAGE;
        st = vg_hotline_account_set_password(h, a->user, hash, actor, now, &found, &err);
        if (!account_done(st, found, &err, a->user))
            return VG_EXIT_USAGE;
        printf("password of '%s' changed; its sessions ended\n", a->user);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "list-users"))
        return list_users(h);
    if (!strcmp(sub, "set-language"))
        return set_language(h, actor, a, now);
    if (!strcmp(sub, "unlock")) {
        if (!need(a->user, "--user", sub))
            return VG_EXIT_USAGE;
        vg_account acc;
        st = vg_hotline_account(h, a->user, 0, &acc, &found, &err);
        if (!account_done(st, found, &err, a->user))
            return VG_EXIT_USAGE;
        vg_account_clear(&acc);
        if (vg_hotline_unlock(h, a->user, actor, now, &err) != VG_OK) {
            fprintf(stderr, "vigie admin: %s\n", err.message);
            return VG_EXIT_USAGE;
        }
        printf("sign-in of '%s' is no longer paused\n", a->user);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "enable-totp") || !strcmp(sub, "disable-totp")) {
        if (!need(a->user, "--user", sub))
            return VG_EXIT_USAGE;
        return set_totp(h, actor, a, sub[0] == 'e');
    }
    if (!strcmp(sub, "create-api-key"))
        return create_key(h, actor, a, sub);
    if (!strcmp(sub, "set-api-key-scopes")) {
        if ((a->id <= 0 && !a->prefix) || !a->scopes) {
            fprintf(stderr, "vigie admin set-api-key-scopes: --id N or --prefix P, and --scopes "
                            "LIST, are required\n");
            return VG_EXIT_USAGE;
        }
        st = vg_hotline_api_key_set_scopes(h, a->id, a->prefix, a->scopes, actor, now, &found,
                                           &err);
        if (!key_done(st, found, &err))
            return VG_EXIT_USAGE;
        char name[64], words[64];
        key_name(a, name, sizeof name);
        vg_scopes_format(a->scopes, words, sizeof words);
        printf("scopes of %s set to %s\n", name, words);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "revoke-api-key") || !strcmp(sub, "set-api-key-trust")) {
        int revoke = sub[0] == 'r';
        if (a->id <= 0 && !a->prefix) {
            fprintf(stderr, "vigie admin %s: --id N or --prefix P is required\n", sub);
            return VG_EXIT_USAGE;
        }
        if (!revoke && a->trust < 0) {
            fprintf(stderr, "vigie admin set-api-key-trust: --trust is required\n");
            return VG_EXIT_USAGE;
        }
        st = revoke ? vg_hotline_api_key_revoke(h, a->id, a->prefix, actor, now, &found, &err)
                    : vg_hotline_api_key_set_trust(h, a->id, a->prefix, (int)a->trust, actor, now,
                                                   &found, &err);
        if (!key_done(st, found, &err))
            return VG_EXIT_USAGE;
        char name[64];
        key_name(a, name, sizeof name);
        if (revoke)
            printf("revoked %s\n", name);
        else
            printf("trust of %s set to %lld\n", name, a->trust);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "list-api-keys"))
        return list_keys(h);
    fprintf(stderr, "vigie admin: unknown subcommand '%s'\n", sub);
    admin_usage(stderr);
    return VG_EXIT_USAGE;
}

/* --trust: a whole number 0 to 100, refused before anything is opened. */
static int parse_trust(const char *text, long long *trust)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v < 0 || v > 100) {
        fprintf(stderr, "vigie admin: --trust is a whole number from 0 to 100\n");
        return 0;
    }
    *trust = v;
    return 1;
}

int cmd_admin(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"data-dir", required_argument, NULL, 'd'},
        {"database", required_argument, NULL, 'D'},
        {"user", required_argument, NULL, 'u'},   {"role", required_argument, NULL, 'r'},
        {"org", required_argument, NULL, 'o'},    {"rate", required_argument, NULL, 'R'},
        {"id", required_argument, NULL, 'i'},     {"prefix", required_argument, NULL, 'p'},
        {"trust", required_argument, NULL, 't'},  {"scopes", required_argument, NULL, 's'},
        {"language", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data_dir = NULL, *database = NULL;
    admin_args a = {.trust = -1};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:D:u:r:o:R:i:p:t:s:l:h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'D': database = optarg; break;
        case 'u': a.user = optarg; break;
        case 'r': a.role = optarg; break;
        case 'l': a.language = optarg; break;
        case 'o': a.org = optarg; break;
        case 'p': a.prefix = optarg; break;
        case 't':
            if (!parse_trust(optarg, &a.trust))
                return VG_EXIT_USAGE;
            break;
        case 's':
            if (!vg_scopes_parse(optarg, &a.scopes)) {
                fprintf(stderr, "vigie admin: --scopes is a comma-separated list of report, "
                                "hash, match, curate (or all), not '%s'\n",
                        optarg);
                return VG_EXIT_USAGE;
            }
            break;
        case 'R':
        case 'i': {
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end) {
                fprintf(stderr, "vigie admin: --%s takes a number\n", c == 'R' ? "rate" : "id");
                return VG_EXIT_USAGE;
            }
            if (c == 'R')
                a.rate = v;
            else
                a.id = v;
            break;
        }
        case 'h': admin_usage(stdout); return VG_EXIT_OK;
        default: admin_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        admin_usage(stderr);
        return VG_EXIT_USAGE;
    }
    const char *sub = argv[optind];
    vg_error err;
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    /* No vault, no index: accounts and keys only. */
    if (vg_secure_init(&err) != VG_OK ||
        vg_config_for_command(config, data_dir, database, NULL, &cfg, &err) != VG_OK ||
        vg_hotline_open(cfg, NULL, &h, &err) != VG_OK) {
        fprintf(stderr, "vigie admin: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    int rc = run(h, sub, &a);
    vg_hotline_free(h);
    vg_config_free(cfg);
    return rc;
}
