/*
 * vigie index build|add|remove|compact|info|verify - make and maintain the
 * index files that 'vigie match' searches.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vigie/index.h"
#include "vigie/vigie.h"

#define BAD_LINES_SHOWN 20

typedef struct bad_report {
    const char *bank;
    uint64_t count;
} bad_report;

static void on_bad_line(void *ctx, uint64_t line, const char *reason)
{
    bad_report *r = ctx;
    if (r->count++ < BAD_LINES_SHOWN)
        fprintf(stderr, "vigie index: %s: line %llu: %s\n", r->bank, (unsigned long long)line,
                reason);
    else if (r->count == BAD_LINES_SHOWN + 1)
        fprintf(stderr, "vigie index: %s: more bad lines not shown\n", r->bank);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vigie index build -o FILE [--type TYPE] [--skip-bad] BANK...\n"
            "       vigie index add [--type TYPE] [--skip-bad] FILE BANK...\n"
            "       vigie index remove [--bank NAME] FILE ID...\n"
            "       vigie index compact FILE\n"
            "       vigie index info FILE\n"
            "       vigie index verify FILE\n\n"
            "A bank is CSV with a header naming signal_type,signal,id (further columns are kept\n"
            "as metadata; signal_type md5, sha1, sha256, pdq, pdq_trimmed, patchset (an\n"
            "encoded patch set, docs/robust.md) or vpdq, whose signal is the ThreatExchange\n"
            "string [\"pdq_hex,quality,timestamp\",...]), plain text with one\n"
            "hex hash per line (id = 0-based line number; 32 digits md5, 40 sha1, 64 sha256\n"
            "unless --type pdq says otherwise), a vPDQ hash file (one video, id = the file\n"
            "name without extension), or a directory of vPDQ hash files NAME.txt.\n"
            "  --type TYPE   md5, sha1, sha256 or pdq: the type of every plain-text line\n"
            "  --skip-bad    load the good lines of a bank that has bad ones\n"
            "  --bank NAME   remove only entries of this bank\n"
            "add writes new entries to a delta segment and remove marks entries as removed,\n"
            "without rebuilding; compact folds both into a fresh index.\n"
            "Exit status: 0 success, 1 a bank or index was refused, 2 usage error.\n");
}

/* Options shared by build and add. Returns -1 on a usage error. */
static int parse_bank_options(int argc, char **argv, vg_bank_options *opts, const char **out)
{
    static const struct option options[] = {{"output", required_argument, NULL, 'o'},
                                            {"type", required_argument, NULL, 't'},
                                            {"skip-bad", no_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    vg_bank_options_init(opts);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:t:sh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!out) {
                fprintf(stderr, "vigie index %s: no -o here\n", argv[0]);
                return -1;
            }
            *out = optarg;
            break;
        case 't':
            if (vg_signal_type_parse(optarg, strlen(optarg), &opts->plain_type) != VG_OK) {
                fprintf(stderr, "vigie index: --type is md5, sha1, sha256 or pdq, not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case 's':
            opts->skip_bad = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            fprintf(stderr, "vigie index %s: unknown or incomplete option '%s'\n", argv[0],
                    argv[optind - 1]);
            return -1;
        }
    }
    return 0;
}

static int index_build(int argc, char **argv)
{
    vg_bank_options opts;
    const char *output = NULL;
    int r = parse_bank_options(argc, argv, &opts, &output);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (!output || optind >= argc) {
        fprintf(stderr, "vigie index build: needs -o FILE and at least one bank\n");
        usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_index_builder *b;
    if (vg_index_builder_new(&b, &err) != VG_OK) {
        fprintf(stderr, "vigie index build: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    int status = VG_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        bad_report report = {argv[i], 0};
        vg_bank_stats stats;
        if (vg_index_builder_add_file(b, argv[i], NULL, &opts, on_bad_line, &report, &stats,
                                      &err) != VG_OK) {
            fprintf(stderr, "vigie index build: %s\n", err.message);
            status = VG_EXIT_PARTIAL;
            continue;
        }
        if (stats.bad_lines)
            fprintf(stderr, "vigie index build: %s: skipped %llu bad lines\n", argv[i],
                    (unsigned long long)stats.bad_lines);
    }
    if (status != VG_EXIT_OK) {
        fprintf(stderr, "vigie index build: no index written\n");
    } else if (vg_index_builder_write(b, output, &err) != VG_OK) {
        fprintf(stderr, "vigie index build: %s\n", err.message);
        status = VG_EXIT_PARTIAL;
    }
    vg_index_builder_free(b);
    return status;
}

static int index_add(int argc, char **argv)
{
    vg_bank_options opts;
    int r = parse_bank_options(argc, argv, &opts, NULL);
    if (r)
        return r > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (argc - optind < 2) {
        fprintf(stderr, "vigie index add: needs the index FILE and at least one bank\n");
        return VG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    int status = VG_EXIT_OK;
    for (int i = optind + 1; i < argc; i++) {
        bad_report report = {argv[i], 0};
        const char *bank = argv[i];
        vg_error err;
        if (vg_index_add_files(path, &bank, 1, &opts, on_bad_line, &report, &err) != VG_OK) {
            fprintf(stderr, "vigie index add: %s\n", err.message);
            status = VG_EXIT_PARTIAL;
        }
    }
    return status;
}

static int index_remove(int argc, char **argv)
{
    static const struct option options[] = {{"bank", required_argument, NULL, 'b'},
                                            {NULL, 0, NULL, 0}};
    const char *bank = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "b:", options, NULL)) != -1) {
        if (c != 'b') {
            fprintf(stderr, "vigie index remove: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            return VG_EXIT_USAGE;
        }
        bank = optarg;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "vigie index remove: needs the index FILE and at least one id\n");
        return VG_EXIT_USAGE;
    }
    vg_error err;
    uint64_t removed = 0;
    if (vg_index_remove_ids(argv[optind], bank, (const char *const *)argv + optind + 1,
                            (size_t)(argc - optind - 1), &removed, &err) != VG_OK) {
        fprintf(stderr, "vigie index remove: %s\n", err.message);
        return VG_EXIT_PARTIAL;
    }
    printf("removed %llu entries\n", (unsigned long long)removed);
    return VG_EXIT_OK;
}

static int index_one_file(int argc, char **argv, const char *what)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "vigie index %s: needs exactly one index FILE\n", what);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    const char *path = argv[1];
    if (!strcmp(what, "compact")) {
        if (vg_index_compact(path, &err) != VG_OK) {
            fprintf(stderr, "vigie index compact: %s\n", err.message);
            return VG_EXIT_PARTIAL;
        }
        return VG_EXIT_OK;
    }
    vg_index *x;
    if (vg_index_open(path, &x, &err) != VG_OK) {
        fprintf(stderr, "vigie index %s: %s\n", what, err.message);
        return VG_EXIT_PARTIAL;
    }
    int status = VG_EXIT_OK;
    if (!strcmp(what, "verify")) {
        if (vg_index_verify(x, &err) != VG_OK) {
            fprintf(stderr, "vigie index verify: %s\n", err.message);
            status = VG_EXIT_PARTIAL;
        } else {
            printf("%s: ok\n", path);
        }
    } else {
        vg_index_stats s;
        vg_index_get_stats(x, &s);
        printf("index: %s\nformat-version: %u\nfile-bytes: %llu\nentries: %llu\n"
               "live-entries: %llu\nremoved: %llu\ndelta-entries: %llu\n",
               path, s.version, (unsigned long long)s.file_bytes,
               (unsigned long long)s.entries, (unsigned long long)s.live_entries,
               (unsigned long long)s.removed, (unsigned long long)s.delta_entries);
        for (int t = 0; t < VG_SIGNAL_TYPE_COUNT; t++)
            printf("%s: %llu\n", vg_signal_type_name((vg_signal_type)t),
                   (unsigned long long)s.by_type[t]);
        printf("banks: %u\n", s.banks);
        for (uint32_t i = 0; i < s.banks; i++)
            printf("bank: %s\n", vg_index_bank_name(x, i));
    }
    vg_index_close(x);
    return status;
}

int cmd_index(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VG_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage(stdout);
        return VG_EXIT_OK;
    }
    if (!strcmp(sub, "build"))
        return index_build(argc - 1, argv + 1);
    if (!strcmp(sub, "add"))
        return index_add(argc - 1, argv + 1);
    if (!strcmp(sub, "remove"))
        return index_remove(argc - 1, argv + 1);
    if (!strcmp(sub, "compact") || !strcmp(sub, "info") || !strcmp(sub, "verify"))
        return index_one_file(argc - 1, argv + 1, sub);
    fprintf(stderr, "vigie index: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return VG_EXIT_USAGE;
}
