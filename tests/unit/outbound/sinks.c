/*
 * tests/unit/outbound/sinks.c - a mail server and a webhook receiver on
 * loopback for tests (sinks.h).
 */
#include "sinks.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- what both keep ------------------------------------------------------------ */

typedef struct record {
    pthread_mutex_t lock;
    char **items;
    size_t count, cap;
    int refuse; /* how many more to refuse */
} record;

/* Keep item (owned) unless one is to be refused; 1 when kept. */
static int record_take(record *r, char *item)
{
    pthread_mutex_lock(&r->lock);
    int keep = r->refuse <= 0;
    if (!keep) {
        r->refuse--;
        free(item);
    } else {
        if (r->count == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->items = realloc(r->items, r->cap * sizeof *r->items);
        }
        r->items[r->count++] = item;
    }
    pthread_mutex_unlock(&r->lock);
    return keep;
}

static char *record_get(record *r, size_t i)
{
    pthread_mutex_lock(&r->lock);
    char *copy = i < r->count ? strdup(r->items[i]) : NULL;
    pthread_mutex_unlock(&r->lock);
    return copy;
}

static size_t record_count(record *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

static void record_refuse(record *r, int n)
{
    pthread_mutex_lock(&r->lock);
    r->refuse = n;
    pthread_mutex_unlock(&r->lock);
}

static void record_free(record *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->items[i]);
    free(r->items);
    pthread_mutex_destroy(&r->lock);
}

/* A growing string. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

static void add(text *t, const char *data, size_t n)
{
    if (n > SIZE_MAX / 4 - t->len)
        abort(); /* a test's text never comes near this */
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        char *grown = realloc(t->data, t->cap);
        if (!grown)
            abort();
        t->data = grown;
    }
    memcpy(t->data + t->len, data, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void addf(text *t, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    add(t, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- the mail server -------------------------------------------------------------- */

struct smtp_sink {
    int listener;
    pthread_t thread;
    record got;
};

typedef struct session {
    int fd;
    char buf[4096];
    size_t len;
} session;

/* One line without its CRLF into line (cap bytes); 0 at the end of the
 * connection. */
static int read_line(session *s, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(s->buf, '\n', s->len);
        if (nl) {
            size_t n = (size_t)(nl - s->buf) + 1, keep = n - 1;
            if (keep && s->buf[keep - 1] == '\r')
                keep--;
            if (keep >= cap)
                keep = cap - 1;
            memcpy(line, s->buf, keep);
            line[keep] = '\0';
            memmove(s->buf, s->buf + n, s->len - n);
            s->len -= n;
            return 1;
        }
        if (s->len == sizeof s->buf)
            s->len = 0; /* a line too long for a test: dropped */
        ssize_t got = recv(s->fd, s->buf + s->len, sizeof s->buf - s->len, 0);
        if (got <= 0)
            return 0;
        s->len += (size_t)got;
    }
}

static void say(session *s, const char *text)
{
    size_t n = strlen(text);
    while (n) {
        ssize_t sent = send(s->fd, text, n, MSG_NOSIGNAL);
        if (sent <= 0)
            return;
        text += sent;
        n -= (size_t)sent;
    }
}

static void serve_mail(smtp_sink *sink, int fd)
{
    session s = {.fd = fd};
    text envelope = {0};
    char line[2048];
    say(&s, "220 sink.test ESMTP\r\n");
    while (read_line(&s, line, sizeof line)) {
        if (!strncasecmp(line, "EHLO", 4)) {
            say(&s, "250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n");
        } else if (!strncasecmp(line, "HELO", 4) || !strncasecmp(line, "NOOP", 4)) {
            say(&s, "250 ok\r\n");
        } else if (!strncasecmp(line, "AUTH PLAIN", 10)) {
            /* the credentials on the line, or asked for (libcurl's way) */
            if (!line[10]) {
                say(&s, "334 \r\n");
                if (!read_line(&s, line + 11, sizeof line - 11))
                    break;
            }
            addf(&envelope, "AUTH %s\n", line + 11);
            say(&s, "235 accepted\r\n");
        } else if (!strncasecmp(line, "MAIL FROM:", 10) || !strncasecmp(line, "RCPT TO:", 8)) {
            addf(&envelope, "%s\n", line);
            say(&s, "250 ok\r\n");
        } else if (!strncasecmp(line, "RSET", 4)) {
            envelope.len = 0;
            say(&s, "250 ok\r\n");
        } else if (!strncasecmp(line, "DATA", 4)) {
            say(&s, "354 go on\r\n");
            text message = {0};
            add(&message, envelope.data ? envelope.data : "", envelope.len);
            add(&message, "\n", 1);
            int ended = 0;
            while (read_line(&s, line, sizeof line)) {
                if (!strcmp(line, ".")) {
                    ended = 1;
                    break;
                }
                const char *l = line[0] == '.' ? line + 1 : line;
                add(&message, l, strlen(l));
                add(&message, "\r\n", 2);
            }
            envelope.len = 0;
            if (!ended) {
                free(message.data);
                break;
            }
            say(&s, record_take(&sink->got, message.data) ? "250 taken\r\n"
                                                           : "451 try again later\r\n");
        } else if (!strncasecmp(line, "QUIT", 4)) {
            say(&s, "221 bye\r\n");
            break;
        } else {
            say(&s, "502 not here\r\n");
        }
    }
    free(envelope.data);
    close(fd);
}

static void *mail_thread(void *arg)
{
    smtp_sink *sink = arg;
    for (;;) {
        int fd = accept(sink->listener, NULL, NULL);
        if (fd < 0)
            return NULL; /* the listener was shut down */
        serve_mail(sink, fd);
    }
}

smtp_sink *smtp_sink_start(uint16_t *port)
{
    smtp_sink *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->got.lock, NULL);
    s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (s->listener < 0 || bind(s->listener, (struct sockaddr *)&addr, sizeof addr) ||
        listen(s->listener, 8) || getsockname(s->listener, (struct sockaddr *)&addr, &len) ||
        pthread_create(&s->thread, NULL, mail_thread, s)) {
        if (s->listener >= 0)
            close(s->listener);
        record_free(&s->got);
        free(s);
        return NULL;
    }
    *port = ntohs(addr.sin_port);
    return s;
}

void smtp_sink_stop(smtp_sink *s)
{
    if (!s)
        return;
    shutdown(s->listener, SHUT_RDWR); /* accept() returns */
    pthread_join(s->thread, NULL);
    close(s->listener);
    record_free(&s->got);
    free(s);
}

void smtp_sink_refuse(smtp_sink *s, int n)
{
    record_refuse(&s->got, n);
}

size_t smtp_sink_count(smtp_sink *s)
{
    return record_count(&s->got);
}

char *smtp_sink_message(smtp_sink *s, size_t i)
{
    return record_get(&s->got, i);
}

/* ---- the webhook receiver ------------------------------------------------------------ */

struct hook_sink {
    struct MHD_Daemon *daemon;
    record got;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status)
{
    static const char body[] = "{}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_hook(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **state)
{
    (void)version;
    hook_sink *h = cls;
    if (!*state) {
        *state = calloc(1, sizeof(text));
        return MHD_YES;
    }
    text *body = *state;
    if (*size) {
        add(body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    text got = {0};
    addf(&got, "%s %s\n", method, url);
    const char *names[] = {"Content-Type",      "X-Vigie-Event",     "X-Vigie-Delivery",
                           "X-Vigie-Timestamp", "X-Vigie-Signature", "Expect"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, names[i]);
        if (v)
            addf(&got, "%s: %s\n", names[i], v);
    }
    add(&got, "\n", 1);
    add(&got, body->data ? body->data : "", body->len);
    return answer(c, record_take(&h->got, got.data) ? 200 : 503);
}

static void on_hook_done(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    text *t = *state;
    if (t) {
        free(t->data);
        free(t);
    }
    *state = NULL;
}

hook_sink *hook_sink_start(uint16_t *port)
{
    hook_sink *h = calloc(1, sizeof *h);
    pthread_mutex_init(&h->got.lock, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_hook, h,
                                 MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
                                 on_hook_done, h, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        h->daemon ? MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        if (h->daemon)
            MHD_stop_daemon(h->daemon);
        record_free(&h->got);
        free(h);
        return NULL;
    }
    *port = info->port;
    return h;
}

void hook_sink_stop(hook_sink *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon);
    record_free(&h->got);
    free(h);
}

void hook_sink_refuse(hook_sink *h, int n)
{
    record_refuse(&h->got, n);
}

size_t hook_sink_count(hook_sink *h)
{
    return record_count(&h->got);
}

char *hook_sink_request(hook_sink *h, size_t i)
{
    return record_get(&h->got, i);
}
