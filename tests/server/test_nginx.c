/*
 * Two `vigie serve` processes on one PostgreSQL database, behind Debian's
 * nginx on loopback (a throw-away configuration written here, as the
 * deployment of deploy/ would have it), and one node killed with SIGKILL
 * while partners send reports through nginx. What must hold afterwards:
 *
 * - every report nginx acknowledged (2xx) is in the database exactly once:
 *   a partner whose request failed when the node died sends it again with
 *   the same Idempotency-Key and gets the same report, never a second one;
 * - nginx sends all that follows to the survivor;
 * - the job the dead node was running (an alert's webhook delivery, which
 *   this test's receiver holds open) is finished by the survivor once the
 *   dead node's lease has run out;
 * - a console session opened before the kill still works, and the public
 *   form still takes reports;
 * - the audit chain verifies (`vigie audit verify`).
 *
 * Every wait is for a condition, with a deadline; nothing is timed.
 */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store_peek.h"
#include "test_people.h"

#define MAX_ACKS 100000
#define CLIENTS 4
#define DEADLINE_SECONDS 120

/* ---- processes --------------------------------------------------------------------- */

/* A loopback port nobody listens on now (the node or nginx takes it next). */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Run argv (argv[0] a path) with its output appended to log. */
static pid_t spawn(const char *const argv[], const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* gone with the test, should it die first */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void pause_briefly(void)
{
    struct timespec ms = {0, 20 * 1000 * 1000};
    nanosleep(&ms, NULL);
}

/* Wait until GET /healthz on port answers 200 (while pid lives). */
static int wait_healthy(uint16_t port, pid_t pid)
{
    ts_server at = {.port = port};
    for (time_t end = time(NULL) + DEADLINE_SECONDS; time(NULL) < end;) {
        ts_response r;
        int up = ts_call(&at, "GET", "/healthz", NULL, NULL, 0, &r) && r.status == 200;
        ts_response_free(&r);
        if (up)
            return 1;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;
        pause_briefly();
    }
    return 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (fd >= 0)
        close(fd);
    return ok;
}

static const char *find_nginx(void)
{
    static const char *const places[] = {"/usr/sbin/nginx", "/usr/local/sbin/nginx",
                                         "/usr/bin/nginx"};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (access(places[i], X_OK) == 0)
            return places[i];
    return NULL;
}

/* ---- the alert receiver: holds requests open, or answers them ---------------------- */

typedef struct hook {
    int fd;
    uint16_t port;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int answer; /* 0: hold each request open (the sender stays in its job); 1: 200 */
    int held, answered, stop;
    long long last_delivery; /* X-Vigie-Delivery of the last request answered */
    int held_fds[16];
} hook;

/* One request's headers and body (small: an alert); its delivery id. */
static long long read_request(int fd)
{
    char buf[16384];
    size_t n = 0;
    long long delivery = -1;
    while (n + 1 < sizeof buf) {
        ssize_t got = recv(fd, buf + n, sizeof buf - 1 - n, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
        buf[n] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *length = strcasestr(buf, "\r\nContent-Length:");
        size_t want = length ? (size_t)strtoul(length + 17, NULL, 10) : 0;
        if (n >= (size_t)(end + 4 - buf) + want)
            break;
    }
    buf[n] = 0;
    const char *d = strcasestr(buf, "\r\nX-Vigie-Delivery:");
    if (d)
        delivery = strtoll(d + 19, NULL, 10);
    return delivery;
}

static void *hook_run(void *p)
{
    hook *h = p;
    struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
    for (;;) {
        pthread_mutex_lock(&h->lock);
        int stop = h->stop;
        pthread_mutex_unlock(&h->lock);
        if (stop)
            break;
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = {30, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        long long delivery = read_request(c);
        pthread_mutex_lock(&h->lock);
        if (h->answer || h->held >= 16) {
            static const char ok[] =
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ts_send_all(c, ok, sizeof ok - 1);
            close(c);
            h->answered++;
            h->last_delivery = delivery;
        } else {
            h->held_fds[h->held++] = c;
        }
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
    }
    return NULL;
}

static int hook_start(hook *h)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(h->fd, 16) ||
        getsockname(h->fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    h->port = ntohs(a.sin_port);
    return pthread_create(&h->thread, NULL, hook_run, h) == 0;
}

/* Wait until *field (of h, under its lock) reaches target. */
static int hook_wait(hook *h, const int *field, int target)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DEADLINE_SECONDS;
    pthread_mutex_lock(&h->lock);
    while (*field < target && pthread_cond_timedwait(&h->changed, &h->lock, &until) == 0)
        ;
    int reached = *field >= target;
    pthread_mutex_unlock(&h->lock);
    return reached;
}

static void hook_answer(hook *h)
{
    pthread_mutex_lock(&h->lock);
    h->answer = 1;
    pthread_mutex_unlock(&h->lock);
}

static void hook_stop(hook *h)
{
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    for (int i = 0; i < h->held; i++)
        close(h->held_fds[i]);
    close(h->fd);
}

/* ---- partners sending through nginx ------------------------------------------------ */

typedef struct load {
    ts_server proxy; /* nginx */
    char auth[120];
    char (*acked)[13];
    atomic_int count, after_kill, killed, stop;
    atomic_int retries, replayed, stray;
    atomic_long stray_status;
} load;

typedef struct client {
    load *l;
    int id;
} client;

/* 2xx with a receipt: the receipt into out[13]. */
static int receipt_of(const ts_response *r, char out[13])
{
    json_t *root = r->status / 100 == 2 ? json_loads(r->body, 0, NULL) : NULL;
    const char *receipt = NULL;
    int ok = root && json_unpack(root, "{s:s}", "receipt", &receipt) == 0 && receipt &&
             strlen(receipt) == 12;
    if (ok)
        memcpy(out, receipt, 13);
    json_decref(root);
    return ok;
}

/* Each report is sent until it is acknowledged, with one Idempotency-Key
 * for all its tries, as a partner following the API's documentation does
 * when it gets no answer or a 502/503/504. */
static void *client_run(void *p)
{
    client *c = p;
    load *l = c->l;
    for (int n = 0; !atomic_load(&l->stop); n++) {
        char body[100], idem[80];
        snprintf(body, sizeof body, "{\"urls\":[\"https://example.test/nginx/%d/%d\"]}", c->id,
                 n);
        snprintf(idem, sizeof idem, "Idempotency-Key: nginx-%d-%d", c->id, n);
        const char *headers[] = {l->auth, "Content-Type: application/json", idem, NULL};
        int done = 0;
        for (int tries = 0; !done && tries < 200; tries++) {
            ts_response r;
            int sent = ts_call(&l->proxy, "POST", "/api/v1/reports", headers, body,
                               strlen(body), &r);
            char receipt[13];
            if (sent && receipt_of(&r, receipt)) {
                int i = atomic_fetch_add(&l->count, 1);
                if (i < MAX_ACKS)
                    memcpy(l->acked[i], receipt, 13);
                if (atomic_load(&l->killed))
                    atomic_fetch_add(&l->after_kill, 1);
                if (tries)
                    atomic_fetch_add(&l->replayed, 1);
                done = 1;
            } else if (!sent || r.status == 502 || r.status == 503 || r.status == 504) {
                atomic_fetch_add(&l->retries, 1);
                pause_briefly(); /* the partner's back-off */
            } else {
                atomic_fetch_add(&l->stray, 1);
                atomic_store(&l->stray_status, r.status);
                done = 1;
            }
            ts_response_free(&r);
        }
        if (!done)
            atomic_fetch_add(&l->stray, 1);
    }
    return NULL;
}

static int wait_count(atomic_int *value, int target)
{
    for (time_t end = time(NULL) + DEADLINE_SECONDS;
         atomic_load(value) < target && time(NULL) < end;)
        pause_briefly();
    return atomic_load(value) >= target;
}

/* A condition on the database (sql's first column > 0), within the deadline. */
static int wait_sql(ts_server *t, const char *sql)
{
    for (time_t end = time(NULL) + DEADLINE_SECONDS; time(NULL) < end; pause_briefly())
        if (ti_sql_int(t, sql) > 0)
            return 1;
    return 0;
}

/* A report a sender says is about a child in danger now: it raises an alert. */
static int urgent_report(const ts_server *proxy, const char *auth, int n)
{
    char body[120], idem[64];
    snprintf(body, sizeof body,
             "{\"urls\":[\"https://example.test/urgent/%d\"],\"child_in_danger\":true}", n);
    snprintf(idem, sizeof idem, "Idempotency-Key: urgent-%d", n);
    const char *headers[] = {auth, "Content-Type: application/json", idem, NULL};
    for (int tries = 0; tries < 50; tries++) {
        ts_response r;
        char receipt[13];
        int ok = ts_call(proxy, "POST", "/api/v1/reports", headers, body, strlen(body), &r) &&
                 receipt_of(&r, receipt);
        ts_response_free(&r);
        if (ok)
            return 1;
        pause_briefly();
    }
    return 0;
}

/* ---- the test ------------------------------------------------------------------------- */

typedef struct node {
    char name[16];
    uint16_t port;
    pid_t pid;
} node;

static void test_kill_behind_nginx(const char *nginx)
{
    /* The database, the data directory (keys, vault: the shared mount), a
     * partner key and an analyst's session, made by a first server. */
    ts_server t;
    CHECK(ts_start(&t, NULL));
    chmod(t.dir, 0711); /* nginx's workers run as nobody when the test is root */
    char key[80], auth[120];
    CHECK(ts_api_key(&t, "Example Platform", 1000000, key) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    vg_server_stop(t.srv, 5);
    vg_server_free(t.srv);
    t.srv = NULL;

    hook hk;
    CHECK(hook_start(&hk));
    char path[400], text[8192];
    snprintf(path, sizeof path, "%s/hook.secret", t.dir);
    CHECK(write_file(path, "0123456789abcdef0123456789abcdef\n"));

    /* the two nodes */
    node nodes[2] = {{"north", 0, 0}, {"south", 0, 0}};
    for (int i = 0; i < 2; i++) {
        nodes[i].port = free_port();
        snprintf(text, sizeof text,
                 "data_dir = %s/data\ndatabase = %s\nlisten = 127.0.0.1:%u\nnode.name = %s\n"
                 "http.trusted_proxies = 127.0.0.1\n"
                 "alerts.test_allow_local = true\nalerts.console_url = http://vigie.test/\n"
                 "alerts.webhook.url = http://127.0.0.1:%u/duty\n"
                 "alerts.webhook.secret_file = %s\nalerts.timeout_seconds = 300\n",
                 t.dir, t.db, nodes[i].port, nodes[i].name, hk.port, path);
        char conf[400], log[400];
        snprintf(conf, sizeof conf, "%s/%s.conf", t.dir, nodes[i].name);
        snprintf(log, sizeof log, "%s/%s.log", t.dir, nodes[i].name);
        CHECK(write_file(conf, text));
        const char *argv[] = {VG_VIGIE, "serve", "--config", conf, NULL};
        nodes[i].pid = spawn(argv, log);
        CHECK(nodes[i].pid > 0);
    }
    for (int i = 0; i < 2; i++)
        CHECK_MSG(wait_healthy(nodes[i].port, nodes[i].pid), "node %s did not start (%s/%s.log)",
                  nodes[i].name, t.dir, nodes[i].name);

    /* nginx in front: the deployment's proxy settings, on loopback */
    load l = {0};
    l.proxy = t; /* its database, for the SQL checks; its port is nginx's */
    l.proxy.port = free_port();
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    memcpy(l.auth, auth, sizeof l.auth);
    char nginx_dir[400], nginx_conf[450], nginx_log[450];
    snprintf(nginx_dir, sizeof nginx_dir, "%s/nginx", t.dir);
    mkdir(nginx_dir, 0755);
    snprintf(nginx_conf, sizeof nginx_conf, "%s/nginx.conf", nginx_dir);
    snprintf(nginx_log, sizeof nginx_log, "%s/error.log", nginx_dir);
    snprintf(text, sizeof text,
             "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s;\n%s"
             "events { worker_connections 256; }\n"
             "http {\n"
             "  access_log off;\n"
             "  client_body_temp_path %s/body; proxy_temp_path %s/proxy;\n"
             "  fastcgi_temp_path %s/fastcgi; uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
             "  upstream vigie {\n"
             "    server 127.0.0.1:%u max_fails=2 fail_timeout=10s;\n"
             "    server 127.0.0.1:%u max_fails=2 fail_timeout=10s;\n"
             "    keepalive 16;\n"
             "  }\n"
             "  server {\n"
             "    listen 127.0.0.1:%u;\n"
             "    proxy_set_header X-Forwarded-For $remote_addr;\n"
             "    proxy_set_header Host $host;\n"
             "    proxy_http_version 1.1;\n"
             "    proxy_set_header Connection \"\";\n"
             "    proxy_next_upstream error timeout;\n"
             "    proxy_next_upstream_tries 2;\n"
             "    proxy_connect_timeout 2s;\n"
             "    proxy_read_timeout 60s;\n"
             "    location / { proxy_pass http://vigie; }\n"
             "  }\n"
             "}\n",
             nginx_dir, nginx_log, getuid() == 0 ? "user nobody nogroup;\n" : "", nginx_dir,
             nginx_dir, nginx_dir, nginx_dir, nginx_dir, nodes[0].port, nodes[1].port,
             l.proxy.port);
    CHECK(write_file(nginx_conf, text));
    const char *nginx_argv[] = {nginx, "-p", nginx_dir, "-c", nginx_conf, "-e", nginx_log, NULL};
    pid_t nginx_pid = spawn(nginx_argv, nginx_log);
    CHECK_MSG(wait_healthy(l.proxy.port, nginx_pid), "nginx did not start (%s)", nginx_log);

    /* Through nginx: the console session, the public form. */
    ts_response r;
    CHECK(get(&l.proxy, &alice, "/console/queue", &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);
    CHECK(public_report(&l.proxy, "grooming", "https://example.test/form/before", 0) > 0);

    /* Partners under way. */
    l.acked = calloc(MAX_ACKS, sizeof *l.acked);
    pthread_t th[CLIENTS];
    client clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (client){&l, i};
        pthread_create(&th[i], NULL, client_run, &clients[i]);
    }
    CHECK(wait_count(&l.count, 200));

    /* An urgent report: a node takes the alerts job's lease and sends the
     * webhook, which the receiver holds open; that node is the one killed. */
    CHECK(urgent_report(&l.proxy, auth, 1));
    CHECK_MSG(hook_wait(&hk, &hk.held, 1), "no alert was sent");
    char holder[40];
    ti_sql_text(&t,
                "SELECT node FROM jobs WHERE name = 'alerts' AND "
                "lease_until > CAST(extract(epoch FROM now()) AS BIGINT)",
                holder, sizeof holder);
    int doomed = !strcmp(holder, nodes[1].name);
    CHECK_MSG(!strcmp(holder, nodes[doomed].name), "the alerts job is held by '%s'", holder);
    int survivor = 1 - doomed;
    long long delivery = ti_sql_int(&t, "SELECT min(id) FROM alert_deliveries");
    CHECK(delivery > 0);

    atomic_store(&l.killed, 1);
    CHECK(kill(nodes[doomed].pid, SIGKILL) == 0);
    int status = 0;
    waitpid(nodes[doomed].pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_MSG(wait_count(&l.after_kill, 200), "%d reports acknowledged after the kill",
              atomic_load(&l.after_kill));
    atomic_store(&l.stop, 1);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);

    /* The dead node's lease still stands: the survivor has not touched
     * the job. The lease lasts 15 minutes (jobs.c); rather than wait them
     * out, its end is moved to the past, as the clock would. */
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM jobs WHERE name = 'alerts' AND node = '%s' AND "
             "lease_until > CAST(extract(epoch FROM now()) AS BIGINT)",
             nodes[doomed].name);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);
    snprintf(sql, sizeof sql, "SELECT delivered_at FROM alert_deliveries WHERE id = %lld",
             delivery);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 0);
    hook_answer(&hk);
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET lease_until = CAST(extract(epoch FROM now()) AS BIGINT) - 1 "
             "WHERE name = 'alerts' AND node = '%s'",
             nodes[doomed].name);
    CHECK(pgt_exec(t.db, sql));
    /* A second urgent report wakes the survivor's jobs at once (else its
     * next pass, within 30 s, finds the work). */
    CHECK(urgent_report(&l.proxy, auth, 2));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alert_deliveries WHERE id = %lld AND delivered_at > 0",
             delivery);
    CHECK_MSG(wait_sql(&t, sql), "the dead node's alert was never delivered");
    CHECK(hook_wait(&hk, &hk.answered, 1));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE name = 'alerts' AND node = '%s'",
             nodes[survivor].name);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);


    /* The survivor still serves the session opened before the kill, its
     * forms included, and the public form. */
    CHECK(get(&l.proxy, &alice, "/console/queue", &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);
    long long urgent =
        ti_sql_int(&t, "SELECT report_id FROM report_urls WHERE url = 'https://example.test/urgent/1'");
    char claim[64];
    snprintf(claim, sizeof claim, "report=%lld&version=0", urgent);
    CHECK_INT_EQ(post_simple(&l.proxy, &alice, "/console/claim", claim), 303);
    CHECK(public_report(&l.proxy, "grooming", "https://example.test/form/after", 0) > 0);

    kill(nodes[survivor].pid, SIGTERM);
    waitpid(nodes[survivor].pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    kill(nginx_pid, SIGTERM);
    waitpid(nginx_pid, NULL, 0);
    hook_stop(&hk);

    /* Every acknowledged report once, none twice. */
    int acked = atomic_load(&l.count);
    fprintf(stderr,
            "  %d reports acknowledged (%d after the kill), %d tries again, %d acknowledged "
            "on a later try\n",
            acked, atomic_load(&l.after_kill), atomic_load(&l.retries),
            atomic_load(&l.replayed));
    CHECK_MSG(atomic_load(&l.stray) == 0, "%d answers neither 2xx nor 502-504 (one: %ld)",
              atomic_load(&l.stray), atomic_load(&l.stray_status));
    if (acked > MAX_ACKS)
        acked = MAX_ACKS;
    CHECK_INT_EQ(ts_missing_receipts(t.db, l.acked, acked), 0);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM report_urls "
                                "WHERE url LIKE 'https://example.test/nginx/%'"),
                 atomic_load(&l.count));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT url) FROM report_urls "
                                "WHERE url LIKE 'https://example.test/nginx/%'"),
                 atomic_load(&l.count));
    free(l.acked);

    /* The audit chain holds. */
    char log[400];
    snprintf(log, sizeof log, "%s/audit.log", t.dir);
    const char *audit_argv[] = {VG_VIGIE, "audit", "--database", t.db, "verify", NULL};
    pid_t audit = spawn(audit_argv, log);
    waitpid(audit, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "vigie audit verify failed (%s)",
              log);
    if (vg_test_failures == 0)
        ts_stop(&t);
    else
        fprintf(stderr, "  kept for a look: %s\n", t.dir);
}

int main(void)
{
    if (!ts_on_postgres()) {
        fprintf(stderr, "test_nginx: several nodes need PostgreSQL (run as test_nginx_pg)\n");
        return 77;
    }
    const char *nginx = find_nginx();
    if (!nginx) {
        const char *ci = getenv("CI");
        int on_ci = ci && !strcmp(ci, "true");
        fprintf(stderr, "test_nginx: nginx is not installed (scripts/setup test): %s\n",
                on_ci ? "failing on CI" : "skipped");
        return on_ci ? 1 : 77;
    }
    pgt_require("test_nginx");
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_kill_behind_nginx(nginx);
    curl_global_cleanup();
    return vg_test_exit();
}
