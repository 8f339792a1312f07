/*
 * Two nodes on one PostgreSQL database (and one data directory, as a
 * shared mount would give them): what one node writes, the other sees, and
 * the races the issue names lose nothing when their two sides arrive at
 * two nodes at once. Each round starts both requests together (a barrier)
 * and whatever order the database sees, the outcome must be one: one
 * analyst holds the item, one report exists for an Idempotency-Key. The
 * interleaving itself is forced at the store level (test_store_postgres).
 * Then one of two node processes is killed (SIGKILL) under load: the
 * other carries on, and every report either acknowledged is stored.
 */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "store_peek.h"
#include "test_people.h"

#define ROUNDS 8

typedef struct request {
    ts_server *node;
    const char *const *headers;
    char path[64];
    char body[600];
    pthread_barrier_t *start;
    ts_response r;
    int sent;
} request;

static void *send_request(void *p)
{
    request *q = p;
    pthread_barrier_wait(q->start);
    q->sent = ts_call(q->node, "POST", q->path, q->headers, q->body, strlen(q->body), &q->r);
    return NULL;
}

/* Send a and b at once; both answered. */
static int at_once(request *a, request *b)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    a->start = b->start = &start;
    pthread_t ta, tb;
    pthread_create(&ta, NULL, send_request, a);
    pthread_create(&tb, NULL, send_request, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    return a->sent && b->sent;
}

/* The second node: the first one's data directory and database. */
static int second_node(const ts_server *first, ts_server *second)
{
    memset(second, 0, sizeof *second);
    memcpy(second->dir, first->dir, sizeof second->dir);
    memcpy(second->db, first->db, sizeof second->db);
    return ts_open_in(second, "node.name = second\n") && ts_listen(second);
}

static void test_two_nodes(void)
{
    ts_server a, b;
    CHECK(ts_start(&a, "node.name = first\n"));
    CHECK(second_node(&a, &b));

    /* Sessions live in the database: signed in once, known to both. */
    person alice, bob;
    CHECK(sign_in(&a, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&a, "bob", VG_ROLE_ANALYST, &bob));
    ts_response r;
    CHECK(get(&b, &alice, "/console/queue", &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);

    /* Claims: alice on one node, bob on the other, at once. */
    for (int i = 0; i < ROUNDS; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://example.test/claim/%d", i);
        int64_t id = public_report(i % 2 ? &a : &b, "grooming", url, 0);
        CHECK(id);
        const char *ha[] = {alice.cookie, "Content-Type: application/x-www-form-urlencoded",
                            NULL};
        const char *hb[] = {bob.cookie, "Content-Type: application/x-www-form-urlencoded", NULL};
        request qa = {.node = &a, .headers = ha}, qb = {.node = &b, .headers = hb};
        snprintf(qa.path, sizeof qa.path, "/console/claim");
        snprintf(qb.path, sizeof qb.path, "/console/claim");
        snprintf(qa.body, sizeof qa.body, "csrf_token=%s&report=%lld&version=0", alice.csrf,
                 (long long)id);
        snprintf(qb.body, sizeof qb.body, "csrf_token=%s&report=%lld&version=0", bob.csrf,
                 (long long)id);
        CHECK(at_once(&qa, &qb));
        CHECK_MSG((qa.r.status == 303) + (qb.r.status == 303) == 1 &&
                      (qa.r.status == 409 || qb.r.status == 409),
                  "round %d: %ld and %ld", i, qa.r.status, qb.r.status);
        char sql[160], holder[40];
        snprintf(sql, sizeof sql,
                 "SELECT claimed_by || ' ' || version FROM console_items WHERE report_id = %lld",
                 (long long)id);
        CHECK_STR_EQ(ti_sql_text(&a, sql, holder, sizeof holder),
                     qa.r.status == 303 ? "alice 1" : "bob 1");
        ts_response_free(&qa.r);
        ts_response_free(&qb.r);
    }
    CHECK_INT_EQ(ti_sql_int(&a, "SELECT count(*) FROM audit WHERE action = 'item.claim'"),
                 ROUNDS);

    /* One partner request with one Idempotency-Key, sent to both nodes. */
    char key[80], auth[120];
    CHECK(ts_api_key(&a, "Example Platform", 100000, key) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    long long before = ti_sql_int(&a, "SELECT count(*) FROM reports");
    for (int i = 0; i < ROUNDS; i++) {
        char idem[80];
        snprintf(idem, sizeof idem, "Idempotency-Key: both-nodes-%d", i);
        const char *h[] = {auth, "Content-Type: application/json", idem, NULL};
        request qa = {.node = &a, .headers = h}, qb = {.node = &b, .headers = h};
        snprintf(qa.path, sizeof qa.path, "/api/v1/reports");
        snprintf(qb.path, sizeof qb.path, "/api/v1/reports");
        snprintf(qa.body, sizeof qa.body, "{\"urls\":[\"https://example.test/idem/%d\"]}", i);
        snprintf(qb.body, sizeof qb.body, "%s", qa.body);
        CHECK(at_once(&qa, &qb));
        CHECK_MSG(qa.r.status / 100 == 2 && qb.r.status / 100 == 2, "round %d: %ld and %ld", i,
                  qa.r.status, qb.r.status);
        CHECK_STR_EQ(qa.r.body, qb.r.body); /* the same report, told twice */
        ts_response_free(&qa.r);
        ts_response_free(&qb.r);
    }
    CHECK_INT_EQ(ti_sql_int(&a, "SELECT count(*) FROM reports"), before + ROUNDS);

    vg_server_stop(b.srv, 5);
    vg_server_free(b.srv);
    ts_stop(&a);
}

/* ---- a node killed under load ------------------------------------------ */

#define MAX_ACKS 100000

/* A node in a process of its own, on t's data and database; its port goes
 * to fd, then it serves until killed. */
static pid_t node_process(const ts_server *t, const char *name, uint16_t *port)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        ts_server n;
        memset(&n, 0, sizeof n);
        memcpy(n.dir, t->dir, sizeof n.dir);
        memcpy(n.db, t->db, sizeof n.db);
        char extra[64];
        snprintf(extra, sizeof extra, "node.name = %s\n", name);
        if (!ts_open_in(&n, extra) || !ts_listen(&n) ||
            write(fds[1], &n.port, sizeof n.port) != (ssize_t)sizeof n.port)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    int ok = pid > 0 && read(fds[0], port, sizeof *port) == (ssize_t)sizeof *port;
    close(fds[0]);
    return ok ? pid : -1;
}

typedef struct kill_load {
    ts_server nodes[2]; /* only their ports are used */
    char auth[120];
    char (*acked)[13];
    atomic_int count, after_kill, killed, stop;
} kill_load;

typedef struct kill_client {
    kill_load *l;
    int node;
} kill_client;

/* Sends to its node; when that node is gone, to the other (as the proxy
 * would). */
static void *kill_client_run(void *p)
{
    kill_client *c = p;
    kill_load *l = c->l;
    const char *headers[] = {l->auth, "Content-Type: application/json", NULL};
    int node = c->node;
    for (int n = 0; !atomic_load(&l->stop); n++) {
        char body[100];
        snprintf(body, sizeof body, "{\"urls\":[\"https://example.test/kill/%d/%d\"]}", c->node,
                 n);
        ts_response r;
        if (!ts_call(&l->nodes[node], "POST", "/api/v1/reports", headers, body, strlen(body),
                     &r)) {
            ts_response_free(&r);
            node = 1; /* node 0 is the one killed */
            continue;
        }
        if (r.status == 201) {
            json_t *root = json_loads(r.body, 0, NULL);
            const char *receipt = NULL;
            if (root && json_unpack(root, "{s:s}", "receipt", &receipt) == 0 && receipt &&
                strlen(receipt) == 12) {
                int i = atomic_fetch_add(&l->count, 1);
                if (i < MAX_ACKS)
                    memcpy(l->acked[i], receipt, 13);
                if (atomic_load(&l->killed))
                    atomic_fetch_add(&l->after_kill, 1);
            }
            json_decref(root);
        }
        ts_response_free(&r);
    }
    return NULL;
}

static int wait_count(atomic_int *value, int target)
{
    struct timespec ms = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 12000 && atomic_load(value) < target; i++)
        nanosleep(&ms, NULL);
    return atomic_load(value) >= target;
}

static void test_kill_one_node(void)
{
    /* the data, the database and a partner key, made by a first server */
    ts_server t;
    CHECK(ts_start(&t, NULL));
    char key[80];
    CHECK(ts_api_key(&t, "Example Platform", 1000000, key) > 0);
    vg_server_stop(t.srv, 5);
    vg_server_free(t.srv);
    t.srv = NULL;

    kill_load l = {0};
    snprintf(l.auth, sizeof l.auth, "Authorization: Bearer %s", key);
    l.acked = calloc(MAX_ACKS, sizeof *l.acked);
    pid_t pids[2];
    pids[0] = node_process(&t, "doomed", &l.nodes[0].port);
    pids[1] = node_process(&t, "survivor", &l.nodes[1].port);
    CHECK(pids[0] > 0 && pids[1] > 0);
    pthread_t th[4];
    kill_client clients[4];
    for (int i = 0; i < 4; i++) {
        clients[i] = (kill_client){&l, i % 2};
        pthread_create(&th[i], NULL, kill_client_run, &clients[i]);
    }
    CHECK(wait_count(&l.count, 200));
    atomic_store(&l.killed, 1);
    kill(pids[0], SIGKILL);
    int status = 0;
    waitpid(pids[0], &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_MSG(wait_count(&l.after_kill, 200), "%d reports after the kill",
              atomic_load(&l.after_kill));
    atomic_store(&l.stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    kill(pids[1], SIGKILL);
    waitpid(pids[1], &status, 0);

    int acked = atomic_load(&l.count);
    if (acked > MAX_ACKS)
        acked = MAX_ACKS;
    CHECK_INT_EQ(ts_missing_receipts(t.db, l.acked, acked), 0);
    free(l.acked);
    ts_stop(&t);
}

int main(void)
{
    if (!ts_on_postgres()) {
        fprintf(stderr, "test_nodes: several nodes need PostgreSQL (run as test_nodes_pg)\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_two_nodes);
    RUN(test_kill_one_node);
    curl_global_cleanup();
    return vg_test_exit();
}
