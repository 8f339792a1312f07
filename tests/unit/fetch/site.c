/*
 * tests/unit/fetch/site.c - the tests' web site (site.h): a plain
 * accept-read-answer loop on a thread, HTTP/1.1 with Connection: close.
 */
#include "site.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAGES 256
#define MAX_STALLED 16
#define DROPPED 2 /* page.stalled: the connection closed unanswered */

typedef struct page {
    char *path;
    int status, removed, stalled, hits;
    char *type, *headers;
    unsigned char *body;
    size_t len;
} page;

struct site {
    int listener;
    int wake[2]; /* written to stop the thread */
    pthread_t thread;
    pthread_mutex_t lock;
    page pages[MAX_PAGES];
    size_t count;
    int stalled[MAX_STALLED];
    size_t stalled_count;
    char last[4096];
};

static page *find(site *s, const char *path)
{
    for (size_t i = 0; i < s->count; i++)
        if (!strcmp(s->pages[i].path, path))
            return &s->pages[i];
    return NULL;
}

static void write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void answer(site *s, int fd)
{
    char request[4096];
    size_t got = 0;
    /* Read the request head (GET only: no body to wait for). */
    while (got + 1 < sizeof request) {
        ssize_t n = recv(fd, request + got, sizeof request - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        request[got] = 0;
        if (strstr(request, "\r\n\r\n"))
            break;
    }
    request[got] = 0;
    char path[1024] = "";
    sscanf(request, "GET %1023s", path);
    pthread_mutex_lock(&s->lock);
    snprintf(s->last, sizeof s->last, "%s", request);
    page *p = find(s, path);
    char head[2048];
    unsigned char *body = NULL;
    size_t len = 0;
    int stall = 0;
    if (p)
        p->hits++;
    if (p && !p->removed && p->stalled == DROPPED) {
        pthread_mutex_unlock(&s->lock);
        close(fd); /* no answer at all: a connection error for the client */
        return;
    }
    if (!p || p->removed) {
        static const char missing[] = "not here";
        snprintf(head, sizeof head,
                 "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 sizeof missing - 1);
        body = malloc(sizeof missing);
        memcpy(body, missing, sizeof missing);
        len = sizeof missing - 1;
    } else {
        stall = p->stalled;
        snprintf(head, sizeof head,
                 "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                 "Connection: close\r\n\r\n",
                 p->status, p->type, stall ? p->len + 1000000 : p->len,
                 p->headers ? p->headers : "");
        len = stall && p->len > 16 ? 16 : p->len;
        body = malloc(len ? len : 1);
        memcpy(body, p->body, len);
    }
    pthread_mutex_unlock(&s->lock);
    write_all(fd, head, strlen(head));
    write_all(fd, body, len);
    free(body);
    if (stall && s->stalled_count < MAX_STALLED) {
        s->stalled[s->stalled_count++] = fd; /* closed when the site stops */
        return;
    }
    shutdown(fd, SHUT_WR);
    /* Let the client close first, so that it reads everything. */
    char sink[256];
    while (recv(fd, sink, sizeof sink, 0) > 0) {
    }
    close(fd);
}

static void *serve(void *arg)
{
    site *s = arg;
    for (;;) {
        struct pollfd fds[2] = {{s->listener, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0)
            continue;
        if (fds[1].revents)
            return NULL;
        int fd = accept(s->listener, NULL, NULL);
        if (fd >= 0)
            answer(s, fd);
    }
}

site *site_start(uint16_t *port)
{
    site *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (s->listener < 0 || bind(s->listener, (struct sockaddr *)&a, sizeof a) ||
        listen(s->listener, 16) || getsockname(s->listener, (struct sockaddr *)&a, &alen) ||
        pipe(s->wake) || pthread_create(&s->thread, NULL, serve, s)) {
        if (s->listener >= 0)
            close(s->listener);
        free(s);
        return NULL;
    }
    *port = ntohs(a.sin_port);
    return s;
}

void site_stop(site *s)
{
    if (!s)
        return;
    if (write(s->wake[1], "x", 1) != 1)
        return; /* cannot happen on a fresh pipe */
    pthread_join(s->thread, NULL);
    close(s->listener);
    close(s->wake[0]);
    close(s->wake[1]);
    for (size_t i = 0; i < s->stalled_count; i++)
        close(s->stalled[i]);
    for (size_t i = 0; i < s->count; i++) {
        free(s->pages[i].path);
        free(s->pages[i].type);
        free(s->pages[i].headers);
        free(s->pages[i].body);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void site_put(site *s, const char *path, int status, const char *type, const void *body,
              size_t len, const char *headers)
{
    pthread_mutex_lock(&s->lock);
    page *p = find(s, path);
    if (!p && s->count < MAX_PAGES) {
        p = &s->pages[s->count++];
        p->path = strdup(path);
    }
    if (p) {
        free(p->type);
        free(p->headers);
        free(p->body);
        p->status = status;
        p->type = strdup(type);
        p->headers = headers ? strdup(headers) : NULL;
        p->body = malloc(len ? len : 1);
        if (len)
            memcpy(p->body, body, len);
        p->len = len;
        p->removed = p->stalled = 0;
    }
    pthread_mutex_unlock(&s->lock);
}

int site_put_file(site *s, const char *path, const char *type, const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return 0;
    unsigned char *data = NULL;
    size_t len = 0, cap = 0, n;
    unsigned char buf[65536];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            data = realloc(data, cap);
        }
        memcpy(data + len, buf, n);
        len += n;
    }
    fclose(f);
    site_put(s, path, 200, type, data, len, NULL);
    free(data);
    return len > 0;
}

static void set_flag(site *s, const char *path, int removed, int stalled)
{
    pthread_mutex_lock(&s->lock);
    page *p = find(s, path);
    if (p) {
        p->removed = removed;
        p->stalled = stalled;
    }
    pthread_mutex_unlock(&s->lock);
}

void site_remove(site *s, const char *path)
{
    set_flag(s, path, 1, 0);
}

void site_restore(site *s, const char *path)
{
    set_flag(s, path, 0, 0);
}

void site_stall(site *s, const char *path)
{
    set_flag(s, path, 0, 1);
}

void site_drop(site *s, const char *path)
{
    set_flag(s, path, 0, DROPPED);
}

int site_hits(site *s, const char *path)
{
    pthread_mutex_lock(&s->lock);
    page *p = find(s, path);
    int hits = p ? p->hits : 0;
    pthread_mutex_unlock(&s->lock);
    return hits;
}

char *site_last_request(site *s)
{
    pthread_mutex_lock(&s->lock);
    char *copy = strdup(s->last);
    pthread_mutex_unlock(&s->lock);
    return copy;
}
