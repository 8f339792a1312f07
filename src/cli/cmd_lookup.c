/*
 * vigie lookup [--format csv|json] [--config FILE] [options] URL|HOST|IP...
 *
 * Where each input is hosted and who takes abuse notices for it
 * (vigie/hosting.h): one row per address, or one row with the error for an
 * input that could not be resolved. Inputs may also come one a line from
 * standard input ("-"). All names of a run are resolved together.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util/table.h"
#include "util/hosting_conf.h"
#include "vigie/hosting.h"

#define MAX_INPUTS 100000
#define INPUT_LINE_MAX 8192

static const char usage_text[] =
    "usage: vigie lookup [--format csv|json] [--config FILE] [--location-db FILE]\n"
    "                    [--providers FILE] [--rdap-url URL] [--dns-servers IP[:PORT],...]\n"
    "                    [--timeout-ms MS] URL|HOST|IP...|-\n"
    "\n"
    "Where each address is hosted (country, autonomous system, anycast) and its abuse\n"
    "contact: one row per address.\n"
    "\n"
    "  --format csv|json    CSV with a header line (default), or JSON lines\n"
    "  --config FILE        read the hosting.* keys of a server configuration\n"
    "  --location-db FILE   the IPFire location database (hosting.location_db;\n"
    "                       default " VG_HOSTING_DEFAULT_LOCATION_DB ")\n"
    "  --providers FILE     the directory of providers, CSV (hosting.providers)\n"
    "  --rdap-url URL       the RDAP service asked for abuse contacts (hosting.rdap_url)\n"
    "  --dns-servers LIST   DNS servers instead of the system's (hosting.dns_servers)\n"
    "  --timeout-ms MS      the deadline for all names (hosting.deadline_ms)\n"
    "  -                    read inputs from standard input, one a line\n"
    "\n"
    "Columns: input,host,ip,country,asn,as_name,anycast,abuse_contact,provider,\n"
    "contact_source,note. Exit status: 0 every input resolved, 1 some did not,\n"
    "2 usage error.\n";

static const char *const columns[] = {"input",    "host",    "ip",          "country",
                                      "asn",      "as_name", "anycast",     "abuse_contact",
                                      "provider", "contact_source", "note"};

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static void rows(vg_table *t, const vg_hosting_result *r)
{
    if (r->status != VG_OK || !r->address_count) {
        vg_table_string(t, r->input);
        vg_table_string(t, r->host);
        for (int i = 0; i < 8; i++)
            vg_table_null(t);
        vg_table_string(t, r->status != VG_OK ? r->error : "no address");
        vg_table_end_row(t);
        return;
    }
    for (size_t i = 0; i < r->address_count; i++) {
        const vg_hosting_address *a = &r->addresses[i];
        vg_table_string(t, r->input);
        vg_table_string(t, r->host);
        vg_table_string(t, a->ip);
        vg_table_string(t, or_null(a->country));
        if (a->asn)
            vg_table_uint(t, a->asn);
        else
            vg_table_null(t);
        vg_table_string(t, or_null(a->as_name));
        vg_table_string(t, a->anycast ? "yes" : "no");
        vg_table_string(t, or_null(a->abuse_contact));
        vg_table_string(t, or_null(a->provider));
        vg_table_string(t, or_null(vg_contact_source_name(a->contact_source)));
        vg_table_string(t, or_null(a->note));
        vg_table_end_row(t);
    }
}

static bool add_input(char ***inputs, size_t *count, size_t *cap, const char *s)
{
    if (*count == MAX_INPUTS) {
        fprintf(stderr, "vigie lookup: more than %d inputs in one run\n", MAX_INPUTS);
        return false;
    }
    if (*count == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        char **more = realloc(*inputs, grown * sizeof *more);
        if (!more)
            return false;
        *inputs = more;
        *cap = grown;
    }
    return ((*inputs)[(*count)++] = strdup(s)) != NULL;
}

static bool read_stdin(char ***inputs, size_t *count, size_t *cap)
{
    char line[INPUT_LINE_MAX];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line && !add_input(inputs, count, cap, line))
            return false;
    }
    return true;
}

int cmd_lookup(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},   {"config", required_argument, NULL, 'c'},
        {"location-db", required_argument, NULL, 'l'}, {"providers", required_argument, NULL, 'p'},
        {"rdap-url", required_argument, NULL, 'r'}, {"dns-servers", required_argument, NULL, 'd'},
        {"timeout-ms", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    vg_table_format format = VG_TABLE_CSV;
    const char *config_path = NULL;
    const char *set[5][2] = {{"hosting.location_db", NULL}, {"hosting.providers", NULL},
                             {"hosting.rdap_url", NULL},    {"hosting.dns_servers", NULL},
                             {"hosting.deadline_ms", NULL}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!vg_table_parse_format(optarg, &format)) {
                fprintf(stderr, "vigie lookup: --format must be csv or json\n");
                return VG_EXIT_USAGE;
            }
            break;
        case 'c': config_path = optarg; break;
        case 'l': set[0][1] = optarg; break;
        case 'p': set[1][1] = optarg; break;
        case 'r': set[2][1] = optarg; break;
        case 'd': set[3][1] = optarg; break;
        case 't': set[4][1] = optarg; break;
        case 'h': fputs(usage_text, stdout); return VG_EXIT_OK;
        default: fputs(usage_text, stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind == argc) {
        fputs(usage_text, stderr);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_config *cfg = NULL;
    vg_status st = vg_config_new(&cfg, &err);
    if (st == VG_OK && config_path)
        st = vg_config_load(cfg, config_path, &err);
    for (int i = 0; i < 5 && st == VG_OK; i++)
        if (set[i][1])
            st = vg_config_set(cfg, set[i][0], set[i][1], &err);
    const char *local = getenv("VIGIE_HOSTING_TEST_ALLOW_LOCAL");
    if (st == VG_OK && local && !strcmp(local, "1")) {
        fprintf(stderr, "vigie lookup: VIGIE_HOSTING_TEST_ALLOW_LOCAL is set: plain http and "
                        "local addresses are allowed (tests only)\n");
        st = vg_config_set(cfg, "hosting.test_allow_local", "true", &err);
    }
    vg_hosting_config hc;
    if (st == VG_OK)
        st = vg_hosting_config_read(cfg, &hc, &err);
    vg_hosting *h = NULL;
    if (st == VG_OK)
        st = vg_hosting_open(&hc, &h, &err);
    if (st != VG_OK) {
        fprintf(stderr, "vigie lookup: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    char **inputs = NULL;
    size_t count = 0, cap = 0;
    bool ok = true;
    for (int i = optind; i < argc && ok; i++)
        ok = !strcmp(argv[i], "-") ? read_stdin(&inputs, &count, &cap)
                                   : add_input(&inputs, &count, &cap, argv[i]);
    vg_hosting_result *results = NULL;
    if (ok && vg_hosting_lookup(h, (const char *const *)inputs, count, &results, &err) != VG_OK) {
        fprintf(stderr, "vigie lookup: %s\n", err.message);
        ok = false;
    }
    int code = ok ? VG_EXIT_OK : VG_EXIT_USAGE;
    if (ok) {
        vg_table t;
        vg_table_init(&t, stdout, format, columns, sizeof columns / sizeof columns[0]);
        vg_table_header(&t);
        for (size_t i = 0; i < count; i++) {
            rows(&t, &results[i]);
            if (results[i].status != VG_OK)
                code = VG_EXIT_PARTIAL;
        }
    }
    vg_hosting_results_free(results, count);
    for (size_t i = 0; i < count; i++)
        free(inputs[i]);
    free(inputs);
    vg_hosting_close(h);
    vg_config_free(cfg);
    return code;
}
