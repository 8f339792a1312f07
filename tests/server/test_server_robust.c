/*
 * Hostile and broken clients: malformed requests, oversize bodies, invalid
 * UTF-8, path traversal, slow clients, uploads that die half-way. Each gets
 * a clean 4xx (or a closed connection when nothing can be answered) and
 * the server stays up. And a graceful stop loses no acknowledged report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "hotline/intake.h"
#include "server_test.h"
#include "store_peek.h"

static int connect_to(const ts_server *t)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(t->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* Send raw bytes, read the answer's status code (0 when the connection
 * closed without an answer, -1 when it could not connect, -2 when the
 * server neither answered nor closed it within the receive timeout). */
static int raw_status(const ts_server *t, const void *data, size_t len)
{
    int fd = connect_to(t);
    if (fd < 0)
        return -1;
    send_all(fd, data, len);
    char buf[256] = "";
    size_t got = 0;
    int waited_out = 0;
    while (got < 12) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        waited_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (!got && waited_out) {
        close(fd);
        return -2;
    }
    close(fd);
    buf[got] = 0;
    int status = 0;
    if (got >= 12 && !strncmp(buf, "HTTP/1.", 7))
        status = atoi(buf + 9);
    return status;
}

static int server_up(const ts_server *t)
{
    ts_response r;
    int ok = ts_call(t, "GET", "/healthz", NULL, NULL, 0, &r) && r.status == 200;
    ts_response_free(&r);
    return ok;
}

#define RAW(t, text) raw_status(t, text, sizeof text - 1)

static void test_malformed(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    /* no request line to answer: the connection is closed unanswered */
    int s = RAW(&t, "GARBAGE\r\n\r\n");
    CHECK_MSG(s == 0, "garbage: %d", s);
    /* a version the server does not speak: 505 HTTP Version Not Supported
     * (RFC 9110, 15.6.6), and it stays up */
    s = RAW(&t, "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");
    CHECK_MSG(s == 505, "bad version: %d", s);
    CHECK(server_up(&t));
    s = RAW(&t, "GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n");
    CHECK_MSG(s == 400, "bad header: %d", s);
    s = RAW(&t, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_MSG(s == 400, "traversal: %d", s);
    s = RAW(&t, "GET /login/../console HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_MSG(s == 400, "dot segments: %d", s);
    s = RAW(&t, "GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_MSG(s == 400, "non-UTF-8 path: %d", s);
    s = RAW(&t, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                "Cookie: \xff\xfe=\x01; vigie_session=zz\r\n\r\n");
    CHECK_INT_EQ(s, 200); /* a bad cookie is ignored, not fatal */

    /* a huge header block */
    size_t big = 256 * 1024;
    char *huge = malloc(big + 64);
    int n = snprintf(huge, 64, "GET /healthz HTTP/1.1\r\nX-A: ");
    memset(huge + n, 'a', big);
    memcpy(huge + n + big - 4, "\r\n\r\n", 4);
    s = raw_status(&t, huge, (size_t)n + big);
    CHECK_MSG(s == 431, "huge header: %d", s); /* Request Header Fields Too Large */
    free(huge);

    /* invalid UTF-8 and bad escapes in a form: 400 */
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    ts_response r;
    CHECK(ts_call(&t, "POST", "/login", form, "username=%FF%FE&password=x", 26, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    CHECK(ts_call(&t, "POST", "/login", form, "username=%G0", 12, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    CHECK(ts_call(&t, "POST", "/login", form, "a=\0b", 4, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    /* a multipart body that is not one */
    const char *mp[] = {"Content-Type: multipart/form-data; boundary=xyz", NULL};
    CHECK(ts_call(&t, "POST", "/login", mp, "--xyz\r\nnonsense", 15, &r));
    CHECK_MSG(r.status == 400, "bad multipart: %ld", r.status);
    ts_response_free(&r);
    /* a file where the form takes none */
    const char file_body[] = "--xyz\r\nContent-Disposition: form-data; name=\"f\"; "
                             "filename=\"../../x.jpg\"\r\n\r\nDATA\r\n--xyz--\r\n";
    CHECK(ts_call(&t, "POST", "/login", mp, file_body, sizeof file_body - 1, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    CHECK(server_up(&t));
    ts_stop(&t);
}

static void test_oversize(void)
{
    ts_server t;
    CHECK(ts_start(&t, "http.body_limit = 64K\n"));
    /* announced too large: refused before the body is read */
    int s = RAW(&t, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n");
    CHECK_INT_EQ(s, 413);
    /* chunked, growing past the limit: libmicrohttpd cannot answer in the
     * middle of a body, so the connection is closed unanswered (a reset
     * when our chunks are still unread), not kept open to be fed */
    int fd = connect_to(&t);
    CHECK(fd >= 0);
    const char head[] = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    char chunk[4096 + 16];
    int k = snprintf(chunk, sizeof chunk, "1000\r\n");
    memset(chunk + k, 'a', 4096);
    memcpy(chunk + k + 4096, "\r\n", 2);
    for (int i = 0; i < 256; i++) /* 1 MiB */
        if (!send_all(fd, chunk, (size_t)k + 4098))
            break;
    char buf[64] = "";
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    int why = errno;
    buf[n > 0 ? n : 0] = 0;
    CHECK_MSG(n == 0 || (n < 0 && why == ECONNRESET), "chunked oversize: %zd (%s) %s", n,
              n < 0 ? strerror(why) : "", buf);
    close(fd);
    /* a body cut short (the client sends 4 of 1000 bytes, then no more):
     * the connection is closed unanswered (an answer would mean the partial
     * body was taken for a whole one) */
    fd = connect_to(&t);
    CHECK(fd >= 0);
    const char cut[] = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                       "application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nuser";
    CHECK(send_all(fd, cut, sizeof cut - 1));
    shutdown(fd, SHUT_WR);
    n = recv(fd, buf, sizeof buf - 1, 0);
    why = errno;
    buf[n > 0 ? n : 0] = 0;
    CHECK_MSG(n == 0, "a body cut short: %zd (%s) %s", n, n < 0 ? strerror(why) : "", buf);
    close(fd);
    /* the per-route limit: /login takes 16 KiB, less than the default */
    char *body = malloc(20000);
    memset(body, 'a', 20000);
    memcpy(body, "username=", 9);
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    ts_response r;
    CHECK(ts_call(&t, "POST", "/login", form, body, 20000, &r));
    CHECK_INT_EQ(r.status, 413);
    ts_response_free(&r);
    free(body);
    CHECK(server_up(&t));
    ts_stop(&t);
}

static void test_slow_client(void)
{
    ts_server t;
    CHECK(ts_start(&t, "http.connection_timeout = 1\n"));
    int fd = connect_to(&t);
    CHECK(fd >= 0);
    send_all(fd, "GET /healthz HTTP/1.1\r\nHo", 25);
    /* others are served meanwhile */
    CHECK(server_up(&t));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, 5000);
    CHECK(ready == 1); /* closed by the server within its timeout */
    char buf[16];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    CHECK(n <= 0);
    close(fd);
    CHECK(server_up(&t));
    ts_stop(&t);
}

static void test_connection_caps(void)
{
    ts_server t;
    CHECK(ts_start(&t, "http.per_ip_connections = 2\n"));
    int a = connect_to(&t), b = connect_to(&t);
    CHECK(a >= 0 && b >= 0);
    send_all(a, "GET /healthz HTTP/1.1\r\n", 24);
    send_all(b, "GET /healthz HTTP/1.1\r\n", 24);
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* a third connection from the same address is closed unanswered */
    int c = connect_to(&t); /* the kernel accepts it; the server does not */
    CHECK(c >= 0);
    if (c >= 0) {
        send_all(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35);
        char buf[32];
        struct pollfd p = {.fd = c, .events = POLLIN};
        CHECK(poll(&p, 1, 5000) == 1);
        CHECK(recv(c, buf, sizeof buf, 0) <= 0);
        close(c);
    }
    close(a);
    close(b);
    /* once they are gone, service resumes */
    int up = 0;
    for (int i = 0; i < 50 && !up; i++) {
        nanosleep(&pause, NULL);
        up = server_up(&t);
    }
    CHECK(up);
    ts_stop(&t);
}

/* ---- graceful stop ----------------------------------------------------- */

static void test_report_handler(vg_http_request *req)
{
    /* The intake use case itself, without a form to parse. */
    vg_server *srv = vg_http_app(req);
    vg_intake_draft d;
    vg_report_ack ack = {0};
    vg_error err;
    if (vg_intake_draft_init(&d, "api", &err) != VG_OK ||
        vg_intake_draft_url(&d, "https://example.test/a", &err) != VG_OK ||
        vg_hotline_submit(srv->hotline, &d, NULL, (int64_t)time(NULL), &ack, &err) != VG_OK) {
        vg_intake_draft_free(srv->hotline, &d);
        vg_http_json_error(req, 503, "store", "%s", err.message);
        return;
    }
    vg_report_ack_clear(&ack);
    vg_http_text(req, 201, d.receipt_code);
    vg_intake_draft_free(srv->hotline, &d);
}

#define CLIENTS 6
#define MAX_ACKS 20000

typedef struct shutdown_state {
    ts_server *t;
    char (*acked)[13];
    atomic_int count;
    atomic_int stop;
} shutdown_state;

static void *client(void *arg)
{
    shutdown_state *s = arg;
    while (!atomic_load(&s->stop)) {
        ts_response r;
        if (!ts_call(s->t, "POST", "/test/report", NULL, "x", 1, &r)) {
            ts_response_free(&r);
            break; /* the server has stopped listening */
        }
        if (r.status == 201 && strlen(r.body) == 12) {
            int i = atomic_fetch_add(&s->count, 1);
            if (i < MAX_ACKS)
                memcpy(s->acked[i], r.body, 13);
        }
        ts_response_free(&r);
    }
    return NULL;
}

static void test_graceful_stop(void)
{
    ts_server t;
    CHECK(ts_open(&t, NULL));
    static const vg_route extra[] = {
        {"POST", "/test/report", VG_ROLE_NONE, 0, 0, test_report_handler, NULL, NULL},
    };
    CHECK(vg_http_add_routes(t.srv->http, extra, 1, NULL) == VG_OK);
    CHECK(ts_listen(&t));
    shutdown_state s = {.t = &t};
    s.acked = calloc(MAX_ACKS, sizeof *s.acked);
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client, &s);
    while (atomic_load(&s.count) < 200) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* stop while requests are in flight, as SIGTERM does */
    vg_server_stop(t.srv, 5);
    atomic_store(&s.stop, 1);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    vg_server_free(t.srv);
    t.srv = NULL;
    int acked = atomic_load(&s.count);
    if (acked > MAX_ACKS)
        acked = MAX_ACKS;
    CHECK(acked >= 200);

    /* every acknowledged report is in the reopened store */
    char where[600];
    vg_store *store = NULL;
    CHECK(vg_store_open(ts_store_location(&t, where, sizeof where), NULL, &store, NULL) == VG_OK);
    int missing = 0;
    for (int i = 0; i < acked; i++) {
        vg_report_row row;
        int found = 0;
        CHECK(ts_report_by_receipt(store, s.acked[i], &row, &found) == VG_OK);
        missing += !found;
        vg_report_row_clear(&row);
    }
    CHECK_INT_EQ(missing, 0);
    int64_t total = 0;
    CHECK(ts_report_count(store, &total) == VG_OK);
    CHECK(total >= acked);
    vg_store_close(store);
    free(s.acked);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_malformed);
    RUN(test_oversize);
    RUN(test_slow_client);
    RUN(test_connection_caps);
    RUN(test_graceful_stop);
    curl_global_cleanup();
    return vg_test_exit();
}
