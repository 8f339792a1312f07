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
#include "table.h"

static void stats_usage(FILE *out)
{
    fprintf(out, "usage: vigie stats (--config FILE | --data-dir DIR) [--database URL]\n"
                 "                   [--from DATE] [--to DATE] [--by DIM[,DIM]] [--format csv|json]\n"
                 "\n"
                 "Counts the reports received from --from (included) to --to (excluded), dates\n"
                 "as YYYY-MM-DD in UTC (default: everything), grouped by the dimensions given:\n"
                 "day, week, month, year, source, reporter, category, language, country, state,\n"
                 "legal, severity, age, decided. One column per dimension, then one per measure:\n"
                 "reports, cases, duplicates, files, known_files, new_files, videos, urls,\n"
                 "assessed, csam, other_illegal, not_illegal, age_undetermined, automatic,\n"
                 "first_look_median_h, assessed_median_h, assessed_p90_h (hours; empty when no\n"
                 "report of the group got there). Exit 0, or 2 for a usage or storage error.\n");
}

/* "YYYY-MM-DD" as midnight UTC, in seconds since the epoch. */
static int parse_date(const char *text, int64_t *out)
{
    int y, m, d;
    char tail;
    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(text) != 10 || y < 1970 ||
        m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d) /* 2026-02-30 */
        return 0;
    *out = (int64_t)t;
    return 1;
}

static void write_table(const vg_stats_table *t, vg_table_format format)
{
    const char *columns[VG_DIM_COUNT + VG_M_COUNT];
    size_t ndims = vg_stats_dim_count(t), n = 0;
    for (size_t d = 0; d < ndims; d++)
        columns[n++] = vg_stat_dim_name(vg_stats_dim_at(t, d));
    for (int m = 0; m < VG_M_COUNT; m++)
        columns[n++] = vg_stat_measure_name(m);
    vg_table out;
    vg_table_init(&out, stdout, format, columns, n);
    vg_table_header(&out);
    for (size_t i = 0; i < vg_stats_group_count(t); i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        for (size_t d = 0; d < ndims; d++)
            vg_table_string(&out, g->values[d]);
        for (int m = 0; m < VG_M_COUNTS; m++)
            vg_table_int(&out, g->counts[m]);
        for (int m = VG_M_COUNTS; m < VG_M_COUNT; m++) {
            double h = g->hours[m - VG_M_COUNTS];
            if (h < 0)
                vg_table_null(&out);
            else
                vg_table_decimal(&out, h, 2);
        }
        vg_table_end_row(&out);
    }
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
    const char *config = NULL, *data_dir = NULL, *database = NULL, *by = NULL;
    int64_t from = 0, to = INT64_MAX;
    vg_table_format format = VG_TABLE_CSV;
    vg_stat_dim dims[VG_DIM_COUNT];
    size_t ndims = 0;
    vg_error err;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'D': database = optarg; break;
        case 'b': by = optarg; break;
        case 'f':
        case 't':
            if (!parse_date(optarg, c == 'f' ? &from : &to)) {
                fprintf(stderr, "vigie stats: --%s: '%s' is not a date YYYY-MM-DD\n",
                        c == 'f' ? "from" : "to", optarg);
                return VG_EXIT_USAGE;
            }
            break;
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
    if (by && vg_stat_dims_parse(by, dims, VG_DIM_COUNT, &ndims, &err) != VG_OK) {
        fprintf(stderr, "vigie stats: --by: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    vg_config *cfg = NULL;
    vg_store *store = NULL;
    if (vg_config_for_command(config, data_dir, database, NULL, &cfg, &err) != VG_OK ||
        vg_hotline_open_store(cfg, &store, &err) != VG_OK) {
        fprintf(stderr, "vigie stats: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    vg_config_free(cfg);
    vg_stats_table *table = NULL;
    vg_status st = vg_hotline_stats(store, from, to, dims, ndims, &table, &err);
    vg_store_close(store);
    if (st != VG_OK) {
        fprintf(stderr, "vigie stats: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    write_table(table, format);
    vg_stats_free(table);
    return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
}
