/* The DNS and RDAP stand-ins of the hosting tests (fake_net.h). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_net.h"

/* ---- DNS ------------------------------------------------------------------------ */

struct fake_dns {
    int sock, stop[2];
    pthread_t thread;
    char *table;
};

/* The table's line for name, copied into line, or false. */
static bool table_line(const char *table, const char *name, char *line, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *p = table; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nlen && !strncasecmp(p, name, nlen) && p[nlen] == ' ' && len < cap) {
            memcpy(line, p, len);
            line[len] = '\0';
            return true;
        }
        p += len + (end ? 1 : 0);
    }
    return false;
}

static void answer(fake_dns *d, const uint8_t *q, size_t qlen, struct sockaddr_in *from)
{
    if (qlen < 17)
        return;
    char name[256];
    size_t n = 0, i = 12;
    while (i < qlen && q[i]) {
        size_t l = q[i++];
        if (i + l > qlen || n + l + 1 >= sizeof name)
            return;
        if (n)
            name[n++] = '.';
        memcpy(name + n, q + i, l);
        n += l;
        i += l;
    }
    name[n] = '\0';
    i++;
    if (i + 4 > qlen)
        return;
    unsigned qtype = (unsigned)q[i] << 8 | q[i + 1];
    size_t qend = i + 4;
    char line[1024];
    bool known = table_line(d->table, name, line, sizeof line);
    if (known && strstr(line, " silent"))
        return;
    uint8_t r[1500];
    memcpy(r, q, qend);
    r[2] = 0x81 | (q[2] & 0x01);
    r[3] = known ? 0x80 : 0x83; /* RA, NOERROR or NXDOMAIN */
    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    size_t len = qend;
    unsigned count = 0;
    char *save = NULL;
    strtok_r(line, " ", &save);
    for (char *a = known ? strtok_r(NULL, " ", &save) : NULL; a; a = strtok_r(NULL, " ", &save)) {
        uint8_t bytes[16];
        size_t blen;
        if (qtype == 1 && inet_pton(AF_INET, a, bytes) == 1)
            blen = 4;
        else if (qtype == 28 && inet_pton(AF_INET6, a, bytes) == 1)
            blen = 16;
        else
            continue;
        if (len + 12 + blen > sizeof r)
            break;
        uint8_t rr[12] = {0xc0, 0x0c, 0, (uint8_t)qtype, 0, 1, 0, 0, 0, 60, 0, (uint8_t)blen};
        memcpy(r + len, rr, 12);
        memcpy(r + len + 12, bytes, blen);
        len += 12 + blen;
        count++;
    }
    r[7] = (uint8_t)count;
    sendto(d->sock, r, len, 0, (struct sockaddr *)from, sizeof *from);
}

static void *dns_loop(void *arg)
{
    fake_dns *d = arg;
    for (;;) {
        struct pollfd fds[2] = {{.fd = d->sock, .events = POLLIN}, {.fd = d->stop[0], .events = POLLIN}};
        if (poll(fds, 2, -1) < 0 || fds[1].revents)
            return NULL;
        uint8_t q[512];
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t got = recvfrom(d->sock, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
        if (got > 0)
            answer(d, q, (size_t)got, &from);
    }
}

fake_dns *fake_dns_start(const char *table, uint16_t *port)
{
    fake_dns *d = calloc(1, sizeof *d);
    if (!d || !(d->table = strdup(table)) || pipe(d->stop))
        return NULL;
    d->sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (d->sock < 0 || bind(d->sock, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(d->sock, (struct sockaddr *)&sa, &len))
        return NULL;
    *port = ntohs(sa.sin_port);
    pthread_create(&d->thread, NULL, dns_loop, d);
    return d;
}

void fake_dns_stop(fake_dns *d)
{
    if (!d)
        return;
    (void)!write(d->stop[1], "x", 1);
    pthread_join(d->thread, NULL);
    close(d->sock);
    close(d->stop[0]);
    close(d->stop[1]);
    free(d->table);
    free(d);
}

/* ---- RDAP ------------------------------------------------------------------------ */

struct fake_rdap {
    struct MHD_Daemon *daemon;
    char dir[512];
    pthread_mutex_t lock;
    unsigned requests;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    fake_rdap *r = cls;
    (void)method, (void)version, (void)data, (void)size, (void)state;
    pthread_mutex_lock(&r->lock);
    r->requests++;
    pthread_mutex_unlock(&r->lock);
    char path[1024];
    snprintf(path, sizeof path, "%s/", r->dir);
    size_t n = strlen(path);
    for (const char *p = url + 1; *p && n + 6 < sizeof path; p++)
        path[n++] = *p == '/' ? '_' : *p;
    memcpy(path + n, ".json", 6);
    char *body = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        body = malloc(1 << 21);
        len = fread(body, 1, 1 << 21, f);
        fclose(f);
    }
    unsigned status = body ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND;
    struct MHD_Response *resp;
    if (body && len > 9 && !strncmp(body, "redirect ", 9)) {
        body[strcspn(body, "\n")] = '\0';
        resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Location", body + 9);
        status = MHD_HTTP_FOUND;
        free(body);
    } else if (body) {
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", "application/rdap+json");
    } else {
        resp = MHD_create_response_from_buffer(2, "{}", MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

fake_rdap *fake_rdap_start(const char *dir, uint16_t *port)
{
    fake_rdap *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    pthread_mutex_init(&r->lock, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    r->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
                                 NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!r->daemon) {
        free(r);
        return NULL;
    }
    *port = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return r;
}

unsigned fake_rdap_requests(fake_rdap *r)
{
    pthread_mutex_lock(&r->lock);
    unsigned n = r->requests;
    pthread_mutex_unlock(&r->lock);
    return n;
}

void fake_rdap_stop(fake_rdap *r)
{
    if (!r)
        return;
    MHD_stop_daemon(r->daemon);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
