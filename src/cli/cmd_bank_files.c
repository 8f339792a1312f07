/*
 * vigie bank from-files: build bank rows from the files themselves.
 *
 * Every file gets its digests (md5, sha1, sha256); every image also its
 * canonical PDQ, its border-trimmed PDQ when it has bars (pdq_trimmed),
 * and its patch set (patchset, the VG_PATCH_BANK_COUNT strongest patches),
 * so that `vigie index build` on the output finds the pictures again
 * through every signal vigie computes. The rows are a CSV bank:
 *
 *   signal_type,signal,id,quality
 *
 * id is the file's SHA-256 (default) or its name (--id-from name);
 * quality is the PDQ quality for pdq and pdq_trimmed rows, empty for the
 * others. Rows come in walk order, the signals of a file together.
 *
 * The walk, the worker pool and the progress line are fingerprint.c's.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "fingerprint.h"
#include "util/table.h"
#include "vigie/vigie.h"

/* Signal type names of the bank format (docs/match.md). */
#define SIGNAL_PDQ_TRIMMED "pdq_trimmed"
#define SIGNAL_PATCHSET "patchset"

static const char *const columns[] = {"signal_type", "signal", "id", "quality"};

static const char usage_text[] =
    "usage: vigie bank from-files [--id-from sha256|name] [--format csv|json] [--threads N]\n"
    "                             [--no-progress] PATH...\n";

static const char help_text[] =
    "\n"
    "Hash files and write them as bank rows, with every signal vigie matches on:\n"
    "md5, sha1 and sha256 of every file; for images also pdq (canonical PDQ),\n"
    "pdq_trimmed (the PDQ inside bars and frames, when the picture has some) and\n"
    "patchset (hashes of patches around salient points, which survive crops).\n"
    "Directories are walked as by 'vigie hash'.\n"
    "\n"
    "options:\n"
    "  --id-from sha256|name  the id of a file's rows: its SHA-256 (default) or\n"
    "                         its file name without the directory\n"
    "  --format csv|json      a CSV bank (default), or JSON lines\n"
    "  --threads N            files hashed in parallel (default: online CPUs)\n"
    "  --no-progress          no progress line on stderr, even on a terminal\n"
    "\n"
    "columns: signal_type, signal (hex), id, quality (PDQ quality for pdq and\n"
    "pdq_trimmed rows). Files that cannot be read are reported on stderr; an\n"
    "image that cannot be decoded still gets its digest rows.\n"
    "\n"
    "exit status: 0 every file was read and decoded, 1 some were not, 2 usage error.\n";

typedef enum id_source { ID_SHA256, ID_NAME } id_source;

typedef struct files_run {
    vg_table table;
    id_source id_from;
} files_run;

static const vg_fingerprint_cli cli = {.command = "bank from-files", .usage = usage_text,
                                       .help = help_text};

static void row(files_run *run, const char *type, const char *signal, const char *id,
                const int *quality)
{
    vg_table *t = &run->table;
    vg_table_string(t, type);
    vg_table_string(t, signal);
    vg_table_string(t, id);
    if (quality)
        vg_table_int(t, *quality);
    else
        vg_table_null(t);
    vg_table_end_row(t);
}

static void write_rows(void *user, void *item_state)
{
    files_run *run = user;
    vg_fingerprint_item *item = item_state;
    if (item->status != VG_OK && item->path)
        fprintf(stderr, "vigie bank from-files: %s\n", item->error.message);
    if (!item->path || !vg_fingerprint_digests_valid(item->status))
        return;
    const vg_filehash *r = &item->result;
    char sha256[2 * VG_SHA256_BYTES + 1], hex[2 * VG_PATCHSET_MAX_BYTES + 1];
    vg_hex_encode(r->digests.sha256, VG_SHA256_BYTES, sha256);
    const char *id = sha256;
    if (run->id_from == ID_NAME) {
        const char *slash = strrchr(item->path, '/');
        id = slash ? slash + 1 : item->path;
    }
    vg_hex_encode(r->digests.md5, VG_MD5_BYTES, hex);
    row(run, "md5", hex, id, NULL);
    vg_hex_encode(r->digests.sha1, VG_SHA1_BYTES, hex);
    row(run, "sha1", hex, id, NULL);
    row(run, "sha256", sha256, id, NULL);
    if (!r->has_pdq)
        return;
    vg_pdq_to_hex(&r->pdq.hashes[0], hex);
    row(run, "pdq", hex, id, &r->pdq.quality);
    if (r->has_robust && r->has_trimmed) {
        vg_pdq_to_hex(&r->trimmed.hashes[0], hex);
        row(run, SIGNAL_PDQ_TRIMMED, hex, id, &r->trimmed.quality);
    }
    /* A set with fewer patches than a match needs could never match. */
    if (r->has_robust && r->patchset.count >= VG_PATCH_MIN_INLIERS) {
        vg_patchset bank_set = r->patchset;
        if (bank_set.count > VG_PATCH_BANK_COUNT)
            bank_set.count = VG_PATCH_BANK_COUNT;
        uint8_t encoded[VG_PATCHSET_MAX_BYTES];
        size_t len = vg_patchset_encode(&bank_set, encoded);
        vg_hex_encode(encoded, len, hex);
        row(run, SIGNAL_PATCHSET, hex, id, NULL);
    }
}

typedef struct files_args {
    vg_fingerprint_args run;
    id_source id_from;
} files_args;

enum { OPT_ID_FROM = VG_FINGERPRINT_OPT_OWN };

static int files_option(void *user, int option, char *value)
{
    files_args *args = user;
    if (option == OPT_ID_FROM) {
        if (!strcmp(value, "name"))
            args->id_from = ID_NAME;
        else if (!strcmp(value, "sha256"))
            args->id_from = ID_SHA256;
        else
            return vg_fingerprint_usage_error(&cli, "--id-from is sha256 or name, not '%s'",
                                              value);
    }
    return -1;
}

int cmd_bank_files(int argc, char **argv)
{
    static const struct option long_options[] = {
        VG_FINGERPRINT_LONG_OPTIONS,
        {"id-from", required_argument, NULL, OPT_ID_FROM},
        {NULL, 0, NULL, 0},
    };
    files_args args = {.id_from = ID_SHA256};
    int status = vg_fingerprint_parse_args(&cli, argc, argv, long_options, files_option, &args,
                                           &args.run);
    if (status >= 0)
        return status;
    if (optind == argc)
        return vg_fingerprint_usage_error(&cli, "%s", "no PATH given");
    files_run run = {.id_from = args.id_from};
    vg_table_init(&run.table, stdout, args.run.format, columns, sizeof columns / sizeof *columns);
    vg_fingerprint_run_config config = {
        .command = "bank from-files",
        .roots = argv + optind,
        .root_count = (size_t)(argc - optind),
        .threads = args.run.threads,
        .progress = args.run.progress,
        .options = {.pdq = true, .robust = true},
        .table = &run.table,
        .item_size = sizeof(vg_fingerprint_item),
        .write = write_rows,
        .user = &run,
    };
    return vg_fingerprint_run(&config);
}
