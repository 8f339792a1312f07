/*
 * PostgreSQL restarted under load: while partners keep sending reports
 * through the API, the database stops and starts again. While it is down
 * every request is answered 503 (no other error, no hang); once it is back
 * the server carries on by itself (its connections are opened again); and
 * every report it acknowledged, before, during or after, is in the
 * database. The test runs its own cluster (scripts/postgres), since it
 * stops it.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "server_test.h"
#include "store_peek.h"

#define MAX_ACKS 100000

enum { UP_BEFORE, DOWN, UP_AFTER };

typedef struct load {
    ts_server *t;
    char auth[120];
    char (*acked)[13];
    atomic_int count, phase, stop;
    atomic_int answers[3], unavailable[3], other[3]; /* by phase */
    atomic_long other_status;
} load;

static void *client(void *p)
{
    load *l = p;
    const char *headers[] = {l->auth, "Content-Type: application/json", NULL};
    for (int n = 0; !atomic_load(&l->stop); n++) {
        int phase = atomic_load(&l->phase);
        char body[100];
        snprintf(body, sizeof body, "{\"urls\":[\"https://example.test/restart/%lx/%d\"]}",
                 (unsigned long)pthread_self(), n);
        ts_response r;
        int sent = ts_call(l->t, "POST", "/api/v1/reports", headers, body, strlen(body), &r);
        /* A request that started in one phase and ended in the next counts
         * in neither: only those wholly inside a phase are judged. */
        if (sent && atomic_load(&l->phase) == phase) {
            atomic_fetch_add(&l->answers[phase], 1);
            if (r.status == 503)
                atomic_fetch_add(&l->unavailable[phase], 1);
            else if (r.status != 201) {
                atomic_fetch_add(&l->other[phase], 1);
                atomic_store(&l->other_status, r.status);
            }
        }
        if (sent && r.status == 201) {
            json_t *root = json_loads(r.body, 0, NULL);
            const char *receipt = NULL;
            if (root && json_unpack(root, "{s:s}", "receipt", &receipt) == 0 && receipt &&
                strlen(receipt) == 12) {
                int i = atomic_fetch_add(&l->count, 1);
                if (i < MAX_ACKS)
                    memcpy(l->acked[i], receipt, 13);
            }
            json_decref(root);
        }
        ts_response_free(&r);
    }
    return NULL;
}

static int cluster(const char *action, const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sh '%s/scripts/postgres' %s '%s' >/dev/null", VG_SOURCE_DIR,
             action, dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Wait (polling a counter, up to a minute) until *value reaches target. */
static int wait_for(atomic_int *value, int target)
{
    struct timespec ms = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 12000 && atomic_load(value) < target; i++)
        nanosleep(&ms, NULL);
    return atomic_load(value) >= target;
}

static void test_restart_under_load(void)
{
    char dir[300];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/vigie-pg-restart-XXXXXX", base ? base : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    chmod(dir, 0711); /* as root, the cluster belongs to nobody, who must get through */
    char cluster_dir[400];
    snprintf(cluster_dir, sizeof cluster_dir, "%s/pg", dir);
    int rc = cluster("start", cluster_dir);
    if (rc == 77) {
        ts_remove_dir(dir);
        exit(77);
    }
    CHECK_INT_EQ(rc, 0);
    char file[450];
    snprintf(file, sizeof file, "%s/url", cluster_dir);
    setenv("VIGIE_TEST_POSTGRES", file, 1);

    ts_server t;
    CHECK(ts_start(&t, NULL));
    char key[80];
    CHECK(ts_api_key(&t, "Example Platform", 1000000, key) > 0);
    load l = {.t = &t};
    snprintf(l.auth, sizeof l.auth, "Authorization: Bearer %s", key);
    l.acked = calloc(MAX_ACKS, sizeof *l.acked);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, client, &l);

    CHECK(wait_for(&l.count, 100));
    atomic_store(&l.phase, DOWN);
    CHECK_INT_EQ(cluster("halt", cluster_dir), 0);
    CHECK(wait_for(&l.unavailable[DOWN], 20));
    atomic_store(&l.phase, UP_AFTER);
    CHECK_INT_EQ(cluster("resume", cluster_dir), 0);
    int before = atomic_load(&l.count);
    CHECK_MSG(wait_for(&l.count, before + 100), "%d reports after the restart",
              atomic_load(&l.count) - before);
    atomic_store(&l.stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);

    CHECK_MSG(l.other[DOWN] == 0, "%d answers other than 503 while down (one: %ld)",
              atomic_load(&l.other[DOWN]), atomic_load(&l.other_status));
    CHECK_INT_EQ(l.other[UP_BEFORE], 0);
    CHECK_INT_EQ(l.unavailable[UP_BEFORE], 0);
    fprintf(stderr, "  answers: %d before, %d while down (%d were 503), %d after\n",
            atomic_load(&l.answers[UP_BEFORE]), atomic_load(&l.answers[DOWN]),
            atomic_load(&l.unavailable[DOWN]), atomic_load(&l.answers[UP_AFTER]));

    /* every acknowledged report is in the database */
    vg_server_stop(t.srv, 5);
    vg_server_free(t.srv);
    t.srv = NULL;
    int acked = atomic_load(&l.count);
    if (acked > MAX_ACKS)
        acked = MAX_ACKS;
    CHECK_INT_EQ(ts_missing_receipts(t.db, l.acked, acked), 0);
    free(l.acked);
    ts_stop(&t);
    cluster("stop", cluster_dir);
    ts_remove_dir(dir);
}

int main(void)
{
    if (!ts_on_postgres()) {
        fprintf(stderr, "test_pg_restart: PostgreSQL only (run as test_pg_restart_pg)\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_restart_under_load);
    curl_global_cleanup();
    return vg_test_exit();
}
