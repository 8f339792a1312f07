/*
 * vigie referral: check referral packages (vigie/referral.h), and print
 * the hotline's public signing key for the units that receive them.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util/config.h"
#include "util/sealed.h"
#include "vigie/referral.h"

static void referral_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie referral verify [--key HEX] [--manifest] PACKAGE...\n"
            "       vigie referral key (--data-dir DIR | --config FILE)\n"
            "\n"
            "verify checks each package: its signature over the manifest (by --key, the\n"
            "hotline's published Ed25519 key, 64 hex digits; without it, by the key the\n"
            "package names, which proves it is intact but not who made it) and every\n"
            "evidence entry against the digest the manifest gives. One CSV line a package:\n"
            "  package,valid,signer,evidence,problem\n"
            "--manifest prints each valid package's manifest (JSON, one line) instead.\n"
            "Exit 0 when every package checks, 1 when one does not, 2 for a usage error.\n"
            "\n"
            "key prints the hotline's public signing key (routing.signing_key, by default\n"
            "DATA/referral.key, made on first use), for the units to pin.\n");
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static char *slurp(const char *path, size_t *len, vg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vg_error_set(err, VG_ERR_IO, "cannot be read");
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (n == cap) {
            if (cap > VG_REFERRAL_MAX_BYTES) {
                free(buf);
                buf = NULL;
                fclose(f);
                vg_error_set(err, VG_ERR_TOO_LARGE, "larger than a package may be");
                return NULL;
            }
            char *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (!got)
            break;
    }
    fclose(f);
    if (!buf)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *len = n;
    return buf;
}

static int verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"manifest", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key_hex = NULL;
    int manifest = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:mh", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': key_hex = optarg; break;
        case 'm': manifest = 1; break;
        case 'h': referral_usage(stdout); return VG_EXIT_OK;
        default: referral_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    unsigned char key[crypto_sign_PUBLICKEYBYTES];
    size_t key_len = 0;
    if (sodium_init() < 0 ||
        (key_hex && (strlen(key_hex) != 2 * sizeof key ||
                     sodium_hex2bin(key, sizeof key, key_hex, strlen(key_hex), NULL, &key_len,
                                    NULL) != 0 ||
                     key_len != sizeof key))) {
        fprintf(stderr, "vigie referral: --key must be 64 hex digits (an Ed25519 public key)\n");
        return VG_EXIT_USAGE;
    }
    if (optind >= argc) {
        referral_usage(stderr);
        return VG_EXIT_USAGE;
    }
    if (!manifest)
        printf("package,valid,signer,evidence,problem\n");
    int failed = 0;
    for (int i = optind; i < argc; i++) {
        vg_error err;
        vg_error_clear(&err);
        size_t len = 0;
        char *text = slurp(argv[i], &len, &err);
        vg_referral_check check = {0};
        vg_status st = text ? vg_referral_verify(text, len, key_hex ? key : NULL, &check, &err)
                            : err.status;
        free(text);
        failed |= st != VG_OK;
        if (manifest) {
            if (st == VG_OK)
                printf("%s\n", check.manifest);
            else
                fprintf(stderr, "vigie referral: %s: %s\n", argv[i], err.message);
        } else {
            csv_field(argv[i]);
            printf(",%s,%s,%zu,", st == VG_OK ? "yes" : "no", check.public_key, check.evidence);
            csv_field(st == VG_OK ? "" : err.message);
            putchar('\n');
        }
        vg_referral_check_clear(&check);
    }
    return failed ? VG_EXIT_PARTIAL : VG_EXIT_OK;
}

static int public_key(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data_dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        default: referral_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    vg_error err;
    vg_config *cfg = NULL;
    if (optind != argc || vg_config_for_command(config, data_dir, NULL, NULL, &cfg, &err) != VG_OK) {
        if (optind == argc)
            fprintf(stderr, "vigie referral: %s\n", err.message);
        else
            referral_usage(stderr);
        return VG_EXIT_USAGE;
    }
    char path[1200];
    const char *given = vg_config_get(cfg, "routing.signing_key", NULL);
    snprintf(path, sizeof path, "%s%s%s", given ? given : vg_config_get(cfg, "data_dir", "."),
             given ? "" : "/", given ? "" : "referral.key");
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
        sk[crypto_sign_SECRETKEYBYTES];
    vg_status st = vg_key_file_load(path, seed, "referral signing key", &err);
    vg_config_free(cfg);
    if (st != VG_OK) {
        fprintf(stderr, "vigie referral: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    char hex[2 * sizeof pk + 1];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    printf("%s\n", hex);
    return VG_EXIT_OK;
}

int cmd_referral(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        referral_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
    }
    if (!strcmp(argv[1], "verify"))
        return verify(argc - 1, argv + 1);
    if (!strcmp(argv[1], "key"))
        return public_key(argc - 1, argv + 1);
    referral_usage(stderr);
    return VG_EXIT_USAGE;
}
