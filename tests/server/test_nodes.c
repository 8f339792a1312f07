/*
 * Two nodes on one PostgreSQL database (and one data directory, as a
 * shared mount would give them): what one node writes, the other sees, and
 * the races the issue names lose nothing when their two sides arrive at
 * two nodes at once. Each round starts both requests together (a barrier)
 * and whatever order the database sees, the outcome must be one: one
 * analyst holds the item, one report exists for an Idempotency-Key. The
 * interleaving itself is forced at the store level (test_store_postgres).
 */
#include <pthread.h>

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
    int alice_won = 0;
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
        alice_won += qa.r.status == 303;
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

int main(void)
{
    if (!ts_on_postgres()) {
        fprintf(stderr, "test_nodes: several nodes need PostgreSQL (run as test_nodes_pg)\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_two_nodes);
    curl_global_cleanup();
    return vg_test_exit();
}
