/*
 * Crash safety: the server process is killed with SIGKILL while clients
 * are sending reports; every report it acknowledged is in the database
 * afterwards. The kernel's page cache survives a SIGKILL, so this does not
 * see a missing fsync: test_store_faults.c cuts the power (unsynced writes
 * lost) through a failure-injecting VFS.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "hotline/intake.h"
#include "server_test.h"
#include "store_peek.h"

static void report_handler(vg_http_request *req)
{
    /* The intake use case itself, without a form to parse. */
    vg_server *srv = vg_http_app(req);
    vg_intake_draft d;
    vg_report_ack ack = {0};
    vg_error err;
    if (vg_intake_draft_init(&d, "api", &err) != VG_OK ||
        vg_intake_draft_url(&d, "https://example.test/crash", &err) != VG_OK ||
        vg_hotline_submit(srv->hotline, &d, NULL, (int64_t)time(NULL), &ack, &err) != VG_OK) {
        vg_intake_draft_free(srv->hotline, &d);
        vg_http_json_error(req, 503, "store", "%s", err.message);
        return;
    }
    vg_report_ack_clear(&ack);
    vg_http_text(req, 201, d.receipt_code);
    vg_intake_draft_free(srv->hotline, &d);
}

/* The child: serve until killed, after telling the parent its port. */
static void serve_child(ts_server *t, int fd)
{
    static const vg_route routes[] = {
        {"POST", "/test/report", VG_ROLE_NONE, 0, 0, report_handler, NULL, NULL},
    };
    if (!ts_open(t, NULL) || vg_http_add_routes(t->srv->http, routes, 1, NULL) != VG_OK ||
        !ts_listen(t))
        _exit(1);
    if (write(fd, &t->port, sizeof t->port) != (ssize_t)sizeof t->port ||
        write(fd, t->db, sizeof t->db) != (ssize_t)sizeof t->db)
        _exit(1);
    for (;;)
        pause();
}

#define CLIENTS 6
#define MAX_ACKS 50000

typedef struct crash_state {
    ts_server *t;
    char (*acked)[13];
    atomic_int count;
} crash_state;

static void *client(void *arg)
{
    crash_state *s = arg;
    for (;;) {
        ts_response r;
        if (!ts_call(s->t, "POST", "/test/report", NULL, "x", 1, &r)) {
            ts_response_free(&r);
            return NULL; /* the server is gone */
        }
        if (r.status == 201 && strlen(r.body) == 12) {
            int i = atomic_fetch_add(&s->count, 1);
            if (i < MAX_ACKS)
                memcpy(s->acked[i], r.body, 13);
        }
        ts_response_free(&r);
    }
}

static void test_kill_during_writes(void)
{
    ts_server t;
    memset(&t, 0, sizeof t);
    const char *base = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/vigie-crash-XXXXXX", base ? base : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    int fds[2];
    CHECK(pipe(fds) == 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        /* the child makes its own data folder inside ours, then serves */
        setenv("TMPDIR", dir, 1);
        serve_child(&t, fds[1]);
    }
    close(fds[1]);
    CHECK(read(fds[0], &t.port, sizeof t.port) == (ssize_t)sizeof t.port);
    CHECK(read(fds[0], t.db, sizeof t.db) == (ssize_t)sizeof t.db); /* "" on SQLite */
    close(fds[0]);

    crash_state s = {.t = &t};
    s.acked = calloc(MAX_ACKS, sizeof *s.acked);
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client, &s);
    while (atomic_load(&s.count) < 300) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    int acked = atomic_load(&s.count);
    if (acked > MAX_ACKS)
        acked = MAX_ACKS;

    /* the child's database, or its data folder: the only one inside dir */
    char cmd[600], data[512] = "";
    snprintf(cmd, sizeof cmd, "ls -d '%s'/vigie-server-*/data", dir);
    FILE *p = popen(cmd, "r");
    CHECK(p && fgets(data, sizeof data, p));
    if (p)
        pclose(p);
    data[strcspn(data, "\n")] = 0;
    if (t.db[0])
        snprintf(data, sizeof data, "%s", t.db);
    vg_store *store = NULL;
    CHECK(vg_store_open(data, NULL, &store, NULL) == VG_OK);
    int missing = 0;
    for (int i = 0; store && i < acked; i++) {
        vg_report_row row;
        int found = 0;
        CHECK(ts_report_by_receipt(store, s.acked[i], &row, &found) == VG_OK);
        missing += !found;
        vg_report_row_clear(&row);
    }
    CHECK(acked >= 300);
    CHECK_INT_EQ(missing, 0);
    vg_store_close(store);
    free(s.acked);
    ts_remove_dir(dir);
    if (t.db[0])
        pgt_drop(t.db);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_kill_during_writes);
    curl_global_cleanup();
    return vg_test_exit();
}
