/*
 * vigie serve: run the hotline server, and this node's background jobs
 * (src/jobs), until SIGINT or SIGTERM.
 *
 * The signals are blocked in every thread before the server starts and
 * taken with sigwait here, so a stop is an ordinary function call: stop
 * accepting, let in-flight requests finish, flush the store's writer.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hotline/alerts.h"
#include "jobs/jobs.h"
#include "server/server.h"

static void serve_usage(FILE *out)
{
    fprintf(out, "usage: vigie serve [--config FILE] [--data-dir DIR] [--database URL] "
                 "[--listen ADDR:PORT] [--grace SECONDS]\n"
                 "\n"
                 "Runs the hotline server. --data-dir, --database and --listen override the\n"
                 "settings data_dir, database and listen of the configuration file (format:\n"
                 "docs/server.md); the database is a PostgreSQL URI (postgresql://USER@HOST/DB),\n"
                 "or by default SQLite in the data directory. Logs are JSON lines on\n"
                 "stderr. SIGINT or SIGTERM stops it gracefully: requests in flight get up to\n"
                 "--grace seconds (30) to finish.\n"
                 "\n"
                 "Background jobs (alerts, housekeeping) run on this node unless jobs.enabled\n"
                 "is false; with several nodes on one database, each job runs on one of them\n"
                 "at a time (node.name tells the nodes apart; default host:pid). A report\n"
                 "that raises an alert wakes them at once.\n");
}

/* A report raised an alert: send it now, not at the next tick. */
static void wake_jobs(void *ctx)
{
    vg_jobs_wake(ctx);
}

static void job_log(void *ctx, const char *level, const char *job, const char *text)
{
    json_t *fields = json_pack("{s:s, s:s}", "job", job, "detail", text);
    vg_http_log_json(ctx, level, "job", fields);
    json_decref(fields);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"database", required_argument, NULL, 'D'},
        {"listen", required_argument, NULL, 'l'},
        {"grace", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data_dir = NULL, *database = NULL, *listen = NULL;
    unsigned grace = 30;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:D:l:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'D': database = optarg; break;
        case 'l': listen = optarg; break;
        case 'g': grace = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'h': serve_usage(stdout); return VG_EXIT_OK;
        default: serve_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigie serve: unexpected argument '%s'\n", argv[optind]);
        serve_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_config *cfg = NULL;
    if (vg_config_for_command(config, data_dir, database, listen, &cfg, &err) != VG_OK) {
        fprintf(stderr, "vigie serve: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    /* Read before the server takes the configuration over. */
    int jobs_enabled = 1;
    if (vg_config_bool(cfg, "jobs.enabled", 1, &jobs_enabled, &err) != VG_OK) {
        fprintf(stderr, "vigie serve: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    char node[128];
    snprintf(node, sizeof node, "%s", vg_config_get(cfg, "node.name", ""));
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    vg_server *srv = NULL;
    if (vg_server_open(cfg, &srv, &err) != VG_OK) {
        fprintf(stderr, "vigie serve: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    uint16_t port = 0;
    vg_jobs *jobs = NULL;
    /* The runner exists before the first request, so that an alert raised
     * by it wakes the runner (a wake before the thread starts is kept). */
    if (jobs_enabled && vg_jobs_new(srv->hotline, node, job_log, srv->http, &jobs, &err) == VG_OK)
        vg_hotline_on_alert(srv->hotline, wake_jobs, jobs);
    if ((jobs_enabled && !jobs) || vg_server_start(srv, &port, &err) != VG_OK ||
        (jobs && vg_jobs_start(jobs, 30, &err) != VG_OK)) {
        fprintf(stderr, "vigie serve: %s\n", err.message);
        vg_jobs_free(jobs);
        vg_server_free(srv);
        return VG_EXIT_USAGE;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    json_t *fields = json_pack("{s:s}", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
    vg_http_log_json(srv->http, "info", "stopping", fields);
    json_decref(fields);
    vg_jobs_free(jobs); /* a job in progress finishes first */
    vg_server_stop(srv, grace);
    vg_http_log(srv->http, "info", "stopped");
    vg_server_free(srv);
    return VG_EXIT_OK;
}
