/*
 * vigie bank SUBCOMMAND - hash banks in and out of vigie: conversion from
 * and to the formats other systems speak (import, export), signed lists
 * between hotlines (keygen, sign, verify, diff, patch) and synchronisation
 * with the NCMEC and StopNCII services (sync, feedback); bank rows made
 * from the files themselves (from-files, in cmd_bank_files.c).
 * docs/exchange.md describes the formats and files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "vigie/vigie.h"

/* ---- shared ---------------------------------------------------------------- */

static vg_status bank_cli_stdout_write(void *ctx, const void *data, size_t len, vg_error *err)
{
    FILE *out = ctx;
    if (fwrite(data, 1, len, out) != len)
        return vg_error_set(err, VG_ERR_IO, "cannot write the output: %s", strerror(errno));
    return VG_OK;
}

static int bank_cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int problem = !buf ? ENOMEM : ferror(f) ? EIO : n > max ? EFBIG : 0;
    fclose(f);
    if (problem) {
        free(buf);
        errno = problem;
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* --categories us|uk|FILE into *table; false (reported) on error. */
static bool load_categories(const char *command, const char *arg, vg_vics_categories *table)
{
    vg_error err;
    if (!strcmp(arg, "us") || !strcmp(arg, "uk")) {
        vg_vics_categories_builtin(arg, table, &err);
        return true;
    }
    char *text;
    size_t len;
    if (bank_cli_read_file(arg, 1 << 16, &text, &len) != 0) {
        fprintf(stderr, "vigie bank %s: --categories %s: %s\n", command, arg, strerror(errno));
        return false;
    }
    vg_status st = vg_vics_categories_parse(text, len, table, &err);
    free(text);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank %s: %s: %s\n", command, arg, err.message);
        return false;
    }
    return true;
}

/* ---- import ------------------------------------------------------------------ */

#define BAD_SHOWN 20
#define UNSUPPORTED_KINDS 16

/* Signals of types vigie does not use, counted by type for the summary. */
typedef struct tally {
    char type[UNSUPPORTED_KINDS][32];
    uint64_t count[UNSUPPORTED_KINDS];
} tally;

static void tally_add(tally *t, const char *type_name)
{
    for (int i = 0; i < UNSUPPORTED_KINDS; i++) {
        if (!t->type[i][0])
            snprintf(t->type[i], sizeof t->type[i], "%s", type_name);
        if (!strcmp(t->type[i], type_name)) {
            t->count[i]++;
            return;
        }
    }
}

static void tally_print(const tally *t, const char *command, const char *what)
{
    for (int i = 0; i < UNSUPPORTED_KINDS && t->type[i][0]; i++)
        fprintf(stderr, "vigie bank %s: %llu %s %s skipped (vigie does not match them)\n",
                command, (unsigned long long)t->count[i], t->type[i], what);
}

typedef struct import_report {
    vg_exchange_format format;
    uint64_t bad_shown;
    tally unsupported;
} import_report;

static void import_bad(void *ctx, const char *file, uint64_t position, const char *reason)
{
    import_report *r = ctx;
    if (r->bad_shown++ < BAD_SHOWN)
        fprintf(stderr, "vigie bank import: %s: %s %llu: %s\n", file,
                r->format == VG_EXCHANGE_TE ? "line" : "record", (unsigned long long)position,
                reason);
    else if (r->bad_shown == BAD_SHOWN + 1)
        fprintf(stderr, "vigie bank import: more bad records not shown\n");
}

static void import_unsupported(void *ctx, const char *file, const char *type_name)
{
    (void)file;
    import_report *r = ctx;
    tally_add(&r->unsupported, type_name);
}

static void import_file(void *ctx, const char *file, const vg_exchange_read_stats *stats,
                        vg_status st, const vg_error *err)
{
    (void)ctx;
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank import: %s\n", err->message);
        return;
    }
    fprintf(stderr, "vigie bank import: %s: %llu records", file,
            (unsigned long long)(stats->records - stats->removals));
    if (stats->removals)
        fprintf(stderr, ", %llu removals", (unsigned long long)stats->removals);
    if (stats->bad)
        fprintf(stderr, ", %llu bad skipped", (unsigned long long)stats->bad);
    fputc('\n', stderr);
}

static void import_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank import --format FORMAT [--categories TABLE] [--skip-bad] FILE...\n"
            "Write the lists in FILEs as one vigie CSV bank (signal_type,signal,id,...) on\n"
            "standard output.\n"
            "  --format FORMAT     te (ThreatExchange local file), vics (Project VIC VICS 2.0\n"
            "                      JSON), ncmec (NCMEC hash sharing v2 entries XML) or\n"
            "                      stopncii (StopNCII FetchHashes JSON)\n"
            "  --categories TABLE  vics: how Category numbers map to vigie's classification:\n"
            "                      us, uk, or a file of N=LEGAL[/SEVERITY] items\n"
            "  --skip-bad          keep the good records of a list that has bad ones\n"
            "Withdrawn and deleted entries (ncmec, stopncii) are left out, with what they\n"
            "named before them. Exit status: 0 success, 1 a list was refused, 2 usage error.\n");
}

/* The options of import and export. Returns -1 on a usage error (reported),
 * 1 after --help, 0 otherwise. */
typedef struct convert_args {
    vg_exchange_format format;
    vg_vics_categories categories;
    bool has_categories;
    bool skip_bad;
} convert_args;

static int parse_convert(const char *command, int argc, char **argv, void (*help)(FILE *),
                         convert_args *a)
{
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {"categories", required_argument, NULL, 'c'},
                                            {"skip-bad", no_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *format_name = NULL;
    *a = (convert_args){0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "f:c:sh", options, NULL)) != -1) {
        switch (c) {
        case 'f': format_name = optarg; break;
        case 'c':
            if (!load_categories(command, optarg, &a->categories))
                return -1;
            a->has_categories = true;
            break;
        case 's': a->skip_bad = true; break;
        case 'h': help(stdout); return 1;
        default:
            fprintf(stderr, "vigie bank %s: unknown or incomplete option '%s'\n", command,
                    argv[optind - 1]);
            help(stderr);
            return -1;
        }
    }
    if (!format_name || vg_exchange_format_parse(format_name, &a->format) != VG_OK) {
        fprintf(stderr, "vigie bank %s: --format is te, vics, ncmec or stopncii\n", command);
        return -1;
    }
    return 0;
}

static int bank_import(int argc, char **argv)
{
    convert_args a;
    int r = parse_convert("import", argc, argv, import_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (optind >= argc) {
        fprintf(stderr, "vigie bank import: no list to import\n");
        return VG_EXIT_USAGE;
    }
    vg_exchange_format format = a.format;
    vg_exchange_read_options opts;
    vg_exchange_read_options_init(&opts);
    opts.skip_bad = a.skip_bad;
    opts.categories = a.has_categories ? &a.categories : NULL;
    import_report report = {.format = format};
    vg_exchange_import_callbacks cb = {import_bad, import_unsupported, import_file, &report};
    vg_exchange_sink sink = {bank_cli_stdout_write, stdout};
    vg_exchange_import_stats stats;
    vg_error err;
    vg_status st = vg_exchange_import_files(format, (const char *const *)argv + optind,
                                            (size_t)(argc - optind), &opts, &sink, &cb, &stats,
                                            &err);
    tally_print(&report.unsupported, "import", "signals");
    if (stats.left_out)
        fprintf(stderr, "vigie bank import: %llu records left out, withdrawn or deleted later\n",
                (unsigned long long)stats.left_out);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "vigie bank import: cannot write the output: %s\n", strerror(errno));
        return VG_EXIT_PARTIAL;
    }
    if (st != VG_OK && stats.failed_files == 0) {
        fprintf(stderr, "vigie bank import: %s\n", err.message);
        return st == VG_ERR_INVALID ? VG_EXIT_USAGE : VG_EXIT_PARTIAL;
    }
    return st == VG_OK ? VG_EXIT_OK : VG_EXIT_PARTIAL;
}

/* ---- export ------------------------------------------------------------------ */

static void export_bad(void *ctx, uint64_t line, const char *reason)
{
    uint64_t *shown = ((uint64_t **)ctx)[0];
    const char *bank = ((const char **)ctx)[1];
    if ((*shown)++ < BAD_SHOWN)
        fprintf(stderr, "vigie bank export: %s: line %llu: %s\n", bank, (unsigned long long)line,
                reason);
}

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank export --format FORMAT [--categories TABLE] [--skip-bad] BANK\n"
            "Write the vigie bank BANK (CSV or plain) in FORMAT on standard output.\n"
            "  --format FORMAT     te, vics, ncmec or stopncii\n"
            "  --categories TABLE  vics: Category from the legal and severity columns (us, uk\n"
            "                      or a file of N=LEGAL[/SEVERITY] items) when a row has no\n"
            "                      vics_category\n"
            "  --skip-bad          convert the good lines of a bank that has bad ones\n"
            "Rows of a type the format cannot carry are counted and left out. Exit status:\n"
            "0 success, 1 the bank was refused, 2 usage error.\n");
}

static int bank_export(int argc, char **argv)
{
    convert_args a;
    int r = parse_convert("export", argc, argv, export_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (argc - optind != 1) {
        fprintf(stderr, "vigie bank export: needs exactly one bank\n");
        return VG_EXIT_USAGE;
    }
    vg_exchange_format format = a.format;
    vg_exchange_write_options wopts = {.categories = a.has_categories ? &a.categories : NULL};
    vg_bank_options bopts;
    vg_bank_options_init(&bopts);
    bopts.skip_bad = a.skip_bad;
    const char *bank = argv[optind];
    uint64_t shown = 0;
    const void *bad_ctx[2] = {&shown, bank};
    vg_exchange_sink sink = {bank_cli_stdout_write, stdout};
    vg_exchange_write_stats stats;
    vg_error err;
    vg_status st = vg_exchange_export_bank(format, bank, &bopts, &wopts, &sink, export_bad,
                                           (void *)bad_ctx, &stats, &err);
    if (fflush(stdout) != 0 && st == VG_OK)
        st = vg_error_set(&err, VG_ERR_IO, "cannot write the output: %s", strerror(errno));
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank export: %s\n", err.message);
        return VG_EXIT_PARTIAL;
    }
    fprintf(stderr, "vigie bank export: %s: %llu rows, %llu written", bank,
            (unsigned long long)stats.rows, (unsigned long long)stats.written);
    if (stats.skipped)
        fprintf(stderr, ", %llu of a type %s cannot carry", (unsigned long long)stats.skipped,
                vg_exchange_format_name(format));
    fputc('\n', stderr);
    return VG_EXIT_OK;
}

/* ---- signed lists ------------------------------------------------------------ */

/* Options shared by the signed-list subcommands. */
typedef struct signed_args {
    const char *output, *key, *keys, *list, *sig, *name;
    uint64_t version;
    bool has_version;
    size_t memory_mb;
    bool skip_bad;
} signed_args;

/* Parse the options in `allowed` (getopt letters); -1 on a usage error,
 * 1 after --help. */
static int parse_signed(const char *command, int argc, char **argv, const char *allowed,
                        void (*help)(FILE *), signed_args *a)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},  {"key", required_argument, NULL, 'k'},
        {"keys", required_argument, NULL, 'K'},    {"list", required_argument, NULL, 'l'},
        {"version", required_argument, NULL, 'v'}, {"sig", required_argument, NULL, 'S'},
        {"name", required_argument, NULL, 'n'},    {"memory", required_argument, NULL, 'm'},
        {"skip-bad", no_argument, NULL, 's'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    *a = (signed_args){0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:k:K:l:v:S:n:m:sh", options, NULL)) != -1) {
        if (c == 'h') {
            help(stdout);
            return 1;
        }
        if (c == '?' || !strchr(allowed, c)) {
            fprintf(stderr, "vigie bank %s: unknown or incomplete option '%s'\n", command,
                    argv[optind - 1]);
            help(stderr);
            return -1;
        }
        char *end;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'k': a->key = optarg; break;
        case 'K': a->keys = optarg; break;
        case 'l': a->list = optarg; break;
        case 'S': a->sig = optarg; break;
        case 'n': a->name = optarg; break;
        case 's': a->skip_bad = true; break;
        case 'v':
            a->version = strtoull(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "vigie bank %s: --version is a number\n", command);
                return -1;
            }
            a->has_version = true;
            break;
        case 'm':
            a->memory_mb = strtoul(optarg, &end, 10);
            if (!*optarg || *end || a->memory_mb == 0) {
                fprintf(stderr, "vigie bank %s: --memory is a number of MiB\n", command);
                return -1;
            }
            break;
        }
    }
    return 0;
}

static void keygen_usage(FILE *out)
{
    fprintf(out, "usage: vigie bank keygen --name PUBLISHER -o SECRET_KEY\n"
                 "Make a signing key pair: the secret key goes to SECRET_KEY (mode 0600, never\n"
                 "overwritten); the public key is printed as a keyring line (\"NAME HEX\") for\n"
                 "the hotlines that will verify your lists.\n");
}

static int bank_keygen(int argc, char **argv)
{
    signed_args a;
    int r = parse_signed("keygen", argc, argv, "on", keygen_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!a.name || !a.output || optind != argc) {
        keygen_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_signed_key key;
    vg_error err;
    if (vg_signed_keygen(a.name, &key, &err) != VG_OK) {
        fprintf(stderr, "vigie bank keygen: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_status st = vg_signed_key_save(&key, a.output, &err);
    char line[160];
    vg_signed_key_public_line(&key, line);
    vg_signed_key_wipe(&key);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank keygen: %s\n", err.message);
        return VG_EXIT_PARTIAL;
    }
    fputs(line, stdout);
    return VG_EXIT_OK;
}

static void sign_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank sign --key SECRET_KEY --list NAME --version N -o OUT\n"
            "                       [--memory MIB] [--skip-bad] BANK\n"
            "Write BANK in canonical form to OUT and its signature to OUT.sig.\n"
            "  --memory MIB  lines sorted in memory before spilling a run (default 256)\n");
}

static int bank_sign(int argc, char **argv)
{
    signed_args a;
    int r = parse_signed("sign", argc, argv, "oklvms", sign_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!a.key || !a.list || !a.has_version || !a.output || argc - optind != 1) {
        sign_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_signed_key key;
    vg_error err;
    if (vg_signed_key_load(a.key, &key, &err) != VG_OK) {
        fprintf(stderr, "vigie bank sign: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_bank_options bopts;
    vg_bank_options_init(&bopts);
    bopts.skip_bad = a.skip_bad;
    vg_signed_sort_options sort = {.memory_bytes = a.memory_mb << 20};
    vg_signed_manifest m;
    vg_status st = vg_signed_sign_bank(argv[optind], &bopts, &key, a.list, a.version, a.output,
                                       &sort, &m, &err);
    vg_signed_key_wipe(&key);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank sign: %s\n", err.message);
        return st == VG_ERR_INVALID ? VG_EXIT_USAGE : VG_EXIT_PARTIAL;
    }
    fprintf(stderr, "vigie bank sign: %s: %s/%s version %llu, %llu entries\n", a.output,
            m.publisher, m.list, (unsigned long long)m.version, (unsigned long long)m.entries);
    return VG_EXIT_OK;
}

static void verify_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank verify --keys KEYRING [--sig SIGNATURE] LIST...\n"
            "Check each signed LIST (or delta) against LIST.sig and the publisher keys in\n"
            "KEYRING (lines \"NAME HEX\"). Prints CSV: file,status,kind,publisher,list,version,\n"
            "entries,error. Exit status: 0 all verified, 1 some did not, 2 usage error.\n");
}

static int bank_verify(int argc, char **argv)
{
    signed_args a;
    int r = parse_signed("verify", argc, argv, "KS", verify_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!a.keys || optind >= argc || (a.sig && argc - optind != 1)) {
        verify_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_signed_keyring *ring;
    vg_error err;
    if (vg_signed_keyring_load(a.keys, &ring, &err) != VG_OK) {
        fprintf(stderr, "vigie bank verify: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_exchange_sink out = {bank_cli_stdout_write, stdout};
    printf("file,status,kind,publisher,list,version,entries,error\n");
    int status = VG_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        vg_signed_manifest m;
        vg_status st = vg_signed_verify(argv[i], a.sig, ring, &m, &err);
        vg_exchange_csv_field(argv[i], strlen(argv[i]), &out, NULL);
        if (st == VG_OK) {
            bool delta = m.kind == VG_SIGNED_DELTA && !m.verified_as_result;
            printf(",verified,%s,%s,%s,%llu,%llu,\n", delta ? "delta" : "full", m.publisher,
                   m.list, (unsigned long long)m.version,
                   (unsigned long long)(m.verified_as_result ? m.result_entries : m.entries));
        } else {
            printf(",refused,,,,,,");
            vg_exchange_csv_field(err.message, strlen(err.message), &out, NULL);
            putchar('\n');
            status = VG_EXIT_PARTIAL;
        }
    }
    vg_signed_keyring_free(ring);
    return status;
}

static void diff_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank diff --key SECRET_KEY --version N -o DELTA BASE NEW\n"
            "Write what was added and withdrawn from the signed canonical list BASE (made by\n"
            "'vigie bank sign', or a previous patch) to the canonical list NEW, signed as\n"
            "version N of BASE's list: DELTA and DELTA.sig.\n");
}

static int bank_diff(int argc, char **argv)
{
    signed_args a;
    int r = parse_signed("diff", argc, argv, "okv", diff_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!a.key || !a.has_version || !a.output || argc - optind != 2) {
        diff_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_signed_key key;
    vg_error err;
    if (vg_signed_key_load(a.key, &key, &err) != VG_OK) {
        fprintf(stderr, "vigie bank diff: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_signed_manifest m;
    vg_signed_delta_stats stats;
    vg_status st = vg_signed_diff(argv[optind], argv[optind + 1], &key, a.version, a.output, &m,
                                  &stats, &err);
    vg_signed_key_wipe(&key);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank diff: %s\n", err.message);
        return st == VG_ERR_INVALID ? VG_EXIT_USAGE : VG_EXIT_PARTIAL;
    }
    fprintf(stderr, "vigie bank diff: %s: %s/%s version %llu to %llu: %llu added, %llu withdrawn\n",
            a.output, m.publisher, m.list, (unsigned long long)m.base_version,
            (unsigned long long)m.version, (unsigned long long)stats.added,
            (unsigned long long)stats.withdrawn);
    return VG_EXIT_OK;
}

static void patch_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank patch --keys KEYRING -o OUT BASE DELTA\n"
            "Verify DELTA (and BASE's signature, when it has one), apply it to BASE and write\n"
            "the new list to OUT with the delta's signature as OUT.sig; OUT is checked to be\n"
            "the list the publisher signed before it is written.\n");
}

static int bank_patch(int argc, char **argv)
{
    signed_args a;
    int r = parse_signed("patch", argc, argv, "oK", patch_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!a.keys || !a.output || argc - optind != 2) {
        patch_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_signed_keyring *ring;
    vg_error err;
    if (vg_signed_keyring_load(a.keys, &ring, &err) != VG_OK) {
        fprintf(stderr, "vigie bank patch: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_signed_manifest m;
    vg_signed_delta_stats stats;
    vg_status st = vg_signed_patch(argv[optind], argv[optind + 1], ring, a.output, &m, &stats,
                                   &err);
    vg_signed_keyring_free(ring);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank patch: %s\n", err.message);
        return VG_EXIT_PARTIAL;
    }
    fprintf(stderr, "vigie bank patch: %s: %s/%s version %llu, %llu entries (%llu added, "
                    "%llu withdrawn)\n",
            a.output, m.publisher, m.list, (unsigned long long)m.version,
            (unsigned long long)m.result_entries, (unsigned long long)stats.added,
            (unsigned long long)stats.withdrawn);
    return VG_EXIT_OK;
}

/* ---- synchronisation and feedback ---------------------------------------------- */

/* The test-only allowance: plain HTTP and loopback or private addresses,
 * for the command-line tests' local fake service. Never in production. */
static bool allow_local_for_tests(const char *command)
{
    const char *v = getenv("VIGIE_SYNC_TEST_ALLOW_LOCAL");
    if (!v || strcmp(v, "1") != 0)
        return false;
    fprintf(stderr, "vigie bank %s: VIGIE_SYNC_TEST_ALLOW_LOCAL is set: plain http and local "
                    "addresses are allowed (tests only)\n", command);
    return true;
}

typedef struct credentials {
    char user[256], password[256], subscription_key[512], fetch_function_key[512];
} credentials;

/* A credentials file: "user: ", "password: " (NCMEC), "subscription-key: ",
 * "fetch-function-key: " (StopNCII) lines. */
static bool load_credentials(const char *command, const char *path, credentials *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "vigie bank %s: %s can be read by other users; chmod 600 it\n", command,
                path);
    char *text;
    size_t len;
    if (bank_cli_read_file(path, 1 << 14, &text, &len) != 0) {
        fprintf(stderr, "vigie bank %s: %s: %s\n", command, path, strerror(errno));
        return false;
    }
    static const char *const keys[] = {"user", "password", "subscription-key",
                                       "fetch-function-key"};
    char *fields[] = {out->user, out->password, out->subscription_key, out->fetch_function_key};
    size_t caps[] = {sizeof out->user, sizeof out->password, sizeof out->subscription_key,
                     sizeof out->fetch_function_key};
    bool ok = true;
    for (char *line = strtok(text, "\n"); line && ok; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        bool known = false;
        for (size_t i = 0; i < 4; i++) {
            size_t k = strlen(keys[i]);
            if (!strncmp(line, keys[i], k) && line[k] == ':' && line[k + 1] == ' ') {
                known = strlen(line + k + 2) < caps[i];
                if (known)
                    strcpy(fields[i], line + k + 2);
            }
        }
        if (!known) {
            fprintf(stderr, "vigie bank %s: %s: a line is not one of user, password, "
                            "subscription-key, fetch-function-key\n", command, path);
            ok = false;
        }
    }
    explicit_bzero(text, len);
    free(text);
    return ok;
}

typedef struct sync_args {
    const char *source, *url, *credentials, *bank, *state, *ca_file;
    const char *member, *entry, *fingerprint, *dispute, *reasons;
    bool affirm, skip_bad, no_progress;
    uint64_t max_pages;
} sync_args;

static int parse_sync(const char *command, int argc, char **argv, void (*help)(FILE *),
                      sync_args *a)
{
    static const struct option options[] = {
        {"source", required_argument, NULL, 's'},   {"url", required_argument, NULL, 'u'},
        {"credentials", required_argument, NULL, 'c'}, {"bank", required_argument, NULL, 'b'},
        {"state", required_argument, NULL, 'S'},    {"ca-file", required_argument, NULL, 'C'},
        {"max-pages", required_argument, NULL, 'p'}, {"skip-bad", no_argument, NULL, 'k'},
        {"no-progress", no_argument, NULL, 'n'},    {"member", required_argument, NULL, 'm'},
        {"entry", required_argument, NULL, 'e'},    {"fingerprint", required_argument, NULL, 'f'},
        {"affirm", no_argument, NULL, 'a'},         {"dispute", required_argument, NULL, 'd'},
        {"reasons", required_argument, NULL, 'r'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    *a = (sync_args){0};
    optind = 1;
    opterr = 0;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "s:u:c:b:S:C:p:knm:e:f:ad:r:h", options, NULL)) != -1) {
        switch (c) {
        case 's': a->source = optarg; break;
        case 'u': a->url = optarg; break;
        case 'c': a->credentials = optarg; break;
        case 'b': a->bank = optarg; break;
        case 'S': a->state = optarg; break;
        case 'C': a->ca_file = optarg; break;
        case 'k': a->skip_bad = true; break;
        case 'n': a->no_progress = true; break;
        case 'm': a->member = optarg; break;
        case 'e': a->entry = optarg; break;
        case 'f': a->fingerprint = optarg; break;
        case 'a': a->affirm = true; break;
        case 'd': a->dispute = optarg; break;
        case 'r': a->reasons = optarg; break;
        case 'p':
            a->max_pages = strtoull(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "vigie bank %s: --max-pages is a number\n", command);
                return -1;
            }
            break;
        case 'h': help(stdout); return 1;
        default:
            fprintf(stderr, "vigie bank %s: unknown or incomplete option '%s'\n", command,
                    argv[optind - 1]);
            help(stderr);
            return -1;
        }
    }
    return 0;
}

/* A client from the options, or NULL (reported). */
static vg_sync_client *make_client(const char *command, const sync_args *a,
                                   vg_sync_source source)
{
    credentials cred;
    if (!a->url || !a->credentials) {
        fprintf(stderr, "vigie bank %s: needs --url and --credentials\n", command);
        return NULL;
    }
    if (!load_credentials(command, a->credentials, &cred))
        return NULL;
    vg_sync_config config;
    vg_sync_config_init(&config, source);
    config.base_url = a->url;
    config.username = cred.user;
    config.password = cred.password;
    config.subscription_key = cred.subscription_key;
    config.fetch_function_key = cred.fetch_function_key;
    config.http.ca_file = a->ca_file;
    if (allow_local_for_tests(command)) {
        config.http.allow_plain_http = true;
        config.http.allow_private_addresses = true;
        config.http.retry_delay_ms = 0;
    }
    vg_sync_client *c;
    vg_error err;
    vg_status st = vg_sync_client_new(&config, &c, &err);
    explicit_bzero(&cred, sizeof cred);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank %s: %s\n", command, err.message);
        return NULL;
    }
    return c;
}

typedef struct sync_report {
    vg_exchange_sink out;
    bool progress;
    uint64_t bad_shown;
    tally unsupported;
} sync_report;

static vg_status sync_change(void *ctx, const vg_exchange_record *rec, vg_error *err)
{
    sync_report *r = ctx;
    const char *fields[] = {rec->removed ? "removed" : "added", rec->signal_type, rec->signal,
                            rec->id};
    vg_status st = VG_OK;
    for (int i = 0; st == VG_OK && i < 4; i++) {
        if (i)
            st = r->out.write(r->out.ctx, ",", 1, err);
        if (st == VG_OK)
            st = vg_exchange_csv_field(fields[i], strlen(fields[i]), &r->out, err);
    }
    return st == VG_OK ? r->out.write(r->out.ctx, "\n", 1, err) : st;
}

static void sync_bad(void *ctx, uint64_t page, uint64_t position, const char *reason)
{
    sync_report *r = ctx;
    if (r->bad_shown++ < BAD_SHOWN)
        fprintf(stderr, "vigie bank sync: page %llu, record %llu: %s\n",
                (unsigned long long)page, (unsigned long long)position, reason);
}

static void sync_unsupported(void *ctx, const char *type_name)
{
    sync_report *r = ctx;
    tally_add(&r->unsupported, type_name);
}

static void sync_page(void *ctx, uint64_t pages, uint64_t records)
{
    sync_report *r = ctx;
    if (r->progress)
        fprintf(stderr, "\rvigie bank sync: %llu pages, %llu records", (unsigned long long)pages,
                (unsigned long long)records);
}

static void sync_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank sync --source ncmec|stopncii --url BASE --credentials FILE\n"
            "                       --bank BANK [--state FILE] [--max-pages N] [--ca-file F]\n"
            "                       [--skip-bad] [--no-progress]\n"
            "Bring BANK up to date with the service: fetch what changed since the checkpoint\n"
            "(--state, default BANK.state; its journal BANK.state.journal), apply it, and\n"
            "print the changes as CSV: change,signal_type,signal,id (change: added or\n"
            "removed; a withdrawn or deleted entry is removed). An interrupted run resumes\n"
            "where it stopped. --max-pages stops after N pages (the next run goes on).\n"
            "  --url BASE          ncmec: https://report.cybertip.org/hashsharing (or another\n"
            "                      NCMEC environment); stopncii: https://api.stopncii.org/v1\n"
            "  --credentials FILE  lines \"user: \", \"password: \" (ncmec) or\n"
            "                      \"subscription-key: \", \"fetch-function-key: \" (stopncii)\n"
            "Exit status: 0 the bank is up to date, 1 the run failed or stopped early (the\n"
            "checkpoint keeps what was done), 2 usage error.\n");
}

static int bank_sync(int argc, char **argv)
{
    sync_args a;
    int r = parse_sync("sync", argc, argv, sync_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    vg_sync_source source;
    /* a signed list is followed by the server (sync.NAME.source = signed);
     * here it is fetched and checked with bank verify and bank patch */
    if (!a.source || vg_sync_source_parse(a.source, &source) != VG_OK ||
        source == VG_SYNC_SIGNED || !a.bank || optind != argc) {
        fprintf(stderr, "vigie bank sync: needs --source ncmec|stopncii and --bank\n");
        sync_usage(stderr);
        return VG_EXIT_USAGE;
    }
    char state[4096];
    snprintf(state, sizeof state, "%s.state", a.bank);
    vg_sync_client *client = make_client("sync", &a, source);
    if (!client)
        return VG_EXIT_USAGE;
    sync_report report = {.out = {bank_cli_stdout_write, stdout},
                          .progress = !a.no_progress && isatty(2)};
    printf("change,signal_type,signal,id\n");
    vg_sync_callbacks cb = {sync_change, sync_bad, sync_unsupported, sync_page, &report};
    vg_sync_options opts = {.max_pages = a.max_pages, .skip_bad = a.skip_bad};
    /* Tests fix the clock, so that ranges do not depend on when they run. */
    const char *now = getenv("VIGIE_SYNC_TEST_NOW");
    if (now && getenv("VIGIE_SYNC_TEST_ALLOW_LOCAL"))
        opts.now = strtoll(now, NULL, 10);
    vg_sync_stats stats;
    vg_error err;
    vg_status st = vg_sync_bank(client, a.bank, a.state ? a.state : state, &opts, &cb, &stats,
                                &err);
    vg_sync_client_free(client);
    if (report.progress)
        fputc('\n', stderr);
    if (fflush(stdout) != 0 && st == VG_OK)
        st = vg_error_set(&err, VG_ERR_IO, "cannot write the output: %s", strerror(errno));
    tally_print(&report.unsupported, "sync", "fingerprints");
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank sync: %s\n", err.message);
        return VG_EXIT_PARTIAL;
    }
    fprintf(stderr, "vigie bank sync: %s: %llu pages, %llu records; %llu rows added, %llu ids "
                    "removed",
            a.bank, (unsigned long long)stats.pages, (unsigned long long)stats.records,
            (unsigned long long)stats.added, (unsigned long long)stats.removed);
    if (stats.bank_written)
        fprintf(stderr, "; %llu rows in the bank", (unsigned long long)stats.bank_entries);
    fprintf(stderr, "%s\n", stats.complete ? "" : " (not up to date yet: run again to go on)");
    return stats.complete ? VG_EXIT_OK : VG_EXIT_PARTIAL;
}

static void feedback_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie bank feedback --url BASE --credentials FILE --member ID --entry ID\n"
            "                           --fingerprint MD5|SHA1|PDQ (--affirm | --dispute GUID)\n"
            "       vigie bank feedback --url BASE --credentials FILE --reasons MD5|SHA1|PDQ\n"
            "Tell NCMEC that a fingerprint of an entry (of member ID) is confirmed, or\n"
            "disputed for a reason; --reasons lists the reasons (CSV guid,name).\n");
}

static void print_reason(void *ctx, const char *guid, const char *name)
{
    vg_exchange_sink *out = ctx;
    vg_exchange_csv_field(guid, strlen(guid), out, NULL);
    putchar(',');
    vg_exchange_csv_field(name, strlen(name), out, NULL);
    putchar('\n');
}

static int bank_feedback(int argc, char **argv)
{
    sync_args a;
    int r = parse_sync("feedback", argc, argv, feedback_usage, &a);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    bool vote = a.member || a.entry || a.fingerprint || a.affirm || a.dispute;
    if (optind != argc || (a.reasons && vote) ||
        (!a.reasons && (!a.member || !a.entry || !a.fingerprint || a.affirm == !!a.dispute))) {
        feedback_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_sync_client *client = make_client("feedback", &a, VG_SYNC_NCMEC);
    if (!client)
        return VG_EXIT_USAGE;
    vg_error err;
    vg_status st;
    if (a.reasons) {
        vg_exchange_sink out = {bank_cli_stdout_write, stdout};
        printf("guid,name\n");
        st = vg_sync_ncmec_feedback_reasons(client, a.reasons, print_reason, &out, &err);
    } else {
        st = vg_sync_ncmec_feedback(client, a.member, a.entry, a.fingerprint, a.affirm,
                                    a.dispute, &err);
    }
    vg_sync_client_free(client);
    if (st != VG_OK) {
        fprintf(stderr, "vigie bank feedback: %s\n", err.message);
        return st == VG_ERR_INVALID ? VG_EXIT_USAGE : VG_EXIT_PARTIAL;
    }
    return VG_EXIT_OK;
}

/* ---- dispatch ---------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommands[] = {
    {"import", bank_import, "a list in another format into a vigie bank"},
    {"export", bank_export, "a vigie bank into another format"},
    {"keygen", bank_keygen, "a key pair to sign lists with"},
    {"sign", bank_sign, "a bank in canonical form, with a detached signature"},
    {"verify", bank_verify, "signed lists against the publishers' keys"},
    {"diff", bank_diff, "a signed delta: what was added and withdrawn since a version"},
    {"patch", bank_patch, "apply a signed delta to a list"},
    {"sync", bank_sync, "bring a bank up to date with NCMEC or StopNCII"},
    {"feedback", bank_feedback, "confirm or dispute an NCMEC entry's fingerprint"},
    {"from-files", cmd_bank_files, "bank rows with every signal of the given files"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: vigie bank SUBCOMMAND [OPTIONS] [ARGS]\n\nsubcommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'vigie bank SUBCOMMAND --help' describes one. docs/exchange.md describes "
                 "the formats.\n");
}

int cmd_bank(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VG_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return VG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vigie bank: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return VG_EXIT_USAGE;
}
