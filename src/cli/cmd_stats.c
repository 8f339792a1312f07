/*
 * vigie stats: the hotline's figures over a period, by any dimensions, as
 * CSV or JSON lines (docs/stats.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "hotline/hotline.h"
#include "hotline/stats.h"

static void stats_usage(FILE *out)
{
    fprintf(out, "usage: vigie stats (--config FILE | --data-dir DIR) [--database URL]\n"
                 "                   [--from DATE] [--to DATE] [--by DIM[,DIM]] [--format csv|json]\n"
                 "\n"
                 "Counts the reports received from --from (included) to --to (excluded), dates\n"
                 "as YYYY-MM-DD on the clock of stats.time_zone (default UTC; everything when\n"
                 "not given), grouped by the dimensions given:\n"
                 "day, week, month, year, source, reporter, category, language, country, state,\n"
                 "legal, severity, age, decided, host_country, asn, provider, route, sex.\n"
                 "One column per dimension, then one per measure: reports, cases, duplicates,\n"
                 "files, known_files, new_files, videos, urls, assessed, csam, other_illegal,\n"
                 "not_illegal, age_undetermined, automatic, looked, routed, noticed, notices,\n"
                 "renotices, escalations, removed, reappearances, blocked, appeals,\n"
                 "flag_self_generated, flag_ai_suspected, flag_livestreamed, flag_commercial,\n"
                 "flag_grooming, flag_sextortion, interpol_baseline, then for\n"
                 "each of first_look, assessed, notice and removal the counts within _24h, _3d,\n"
                 "_7d and _over_42d\n"
                 "of receipt, then first_look_median_h, assessed_median_h, assessed_p90_h,\n"
                 "first_look_p90_h, notice_median_h, notice_p90_h, removal_median_h,\n"
                 "removal_p90_h (hours; empty when no report of the group got there).\n"
                 "Exit 0, or 2 for a usage or storage error.\n");
}

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"data-dir", required_argument, NULL, 'd'},
        {"database", required_argument, NULL, 'D'},
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"by", required_argument, NULL, 'b'},     {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data_dir = NULL, *database = NULL, *by = NULL, *from = NULL,
               *to = NULL;
    vg_table_format format = VG_TABLE_CSV;
    vg_error err;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'D': database = optarg; break;
        case 'b': by = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'o':
            if (!vg_table_parse_format(optarg, &format)) {
                fprintf(stderr, "vigie stats: --format: say csv or json\n");
                return VG_EXIT_USAGE;
            }
            break;
        case 'h': stats_usage(stdout); return VG_EXIT_OK;
        default: stats_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        stats_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_config *cfg = NULL;
    vg_tz *tz = NULL;
    if (vg_config_for_command(config, data_dir, database, NULL, &cfg, &err) != VG_OK ||
        vg_hotline_stats_zone(cfg, &tz, &err) != VG_OK) {
        fprintf(stderr, "vigie stats: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    vg_stats_query q;
    if (vg_stats_query_parse(from, to, by, tz, &q, &err) != VG_OK) {
        fprintf(stderr, "vigie stats: --%s\n", err.message);
        vg_config_free(cfg);
        vg_tz_free(tz);
        return VG_EXIT_USAGE;
    }
    /* One read, on one connection: PostgreSQL's pool opens all of its
     * connections at once (16 by default), and each backend's start cost
     * the server about 30 ms of CPU, 0.5 s of a yearly table's 0.75 s
     * (bench/stats/RESULTS.md). */
    vg_store *store = NULL;
    if (vg_config_set(cfg, "store.connections", "1", &err) != VG_OK ||
        vg_hotline_open_store(cfg, &store, &err) != VG_OK) {
        fprintf(stderr, "vigie stats: %s\n", err.message);
        vg_config_free(cfg);
        vg_tz_free(tz);
        return VG_EXIT_USAGE;
    }
    vg_config_free(cfg);
    vg_stats_table *table = NULL;
    vg_status st = vg_hotline_stats(store, &q, &table, &err);
    vg_store_close(store);
    vg_tz_free(tz);
    if (st != VG_OK) {
        fprintf(stderr, "vigie stats: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_hotline_stats_write(table, stdout, format);
    vg_stats_free(table);
    return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
}
