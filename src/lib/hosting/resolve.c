/*
 * Name resolution with c-ares: every name of a call is in flight at once
 * on one channel, driven by poll() until all have answered or the call's
 * deadline has passed, when what remains is cancelled. A hotline's batch of
 * URLs therefore takes about as long as its slowest name, never longer than
 * the deadline.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hosting_internal.h"

#define MAX_ADDRESSES 64 /* per name: more says nothing more about hosting */

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_result;

static void init_ares(void)
{
    ares_init_result = ares_library_init(ARES_LIB_INIT_ALL);
}

typedef struct query {
    resolved *out;
    size_t *pending;
} query;

static void add_address(resolved *r, const struct in6_addr *a)
{
    for (size_t i = 0; i < r->count; i++)
        if (!memcmp(&r->addrs[i], a, sizeof *a))
            return;
    if (r->count < MAX_ADDRESSES)
        r->addrs[r->count++] = *a;
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *result)
{
    query *q = arg;
    resolved *r = q->out;
    (void)timeouts;
    (*q->pending)--;
    if (status != ARES_SUCCESS) {
        r->status = status == ARES_ENOMEM ? VG_ERR_NOMEM : VG_ERR_IO;
        const char *why = status == ARES_ENOTFOUND    ? "no such host"
                          : status == ARES_ENODATA    ? "the name has no address"
                          : status == ARES_ETIMEOUT   ? "the DNS servers did not answer in time"
                          : status == ARES_ECANCELLED ? "the lookup's deadline passed"
                                                      : ares_strerror(status);
        snprintf(r->error, sizeof r->error, "DNS: %s", why);
        if (result)
            ares_freeaddrinfo(result);
        return;
    }
    r->addrs = calloc(MAX_ADDRESSES, sizeof *r->addrs);
    if (!r->addrs) {
        r->status = VG_ERR_NOMEM;
        snprintf(r->error, sizeof r->error, "out of memory");
        ares_freeaddrinfo(result);
        return;
    }
    for (struct ares_addrinfo_node *n = result ? result->nodes : NULL; n; n = n->ai_next) {
        struct in6_addr a = {0};
        if (n->ai_family == AF_INET) {
            a.s6_addr[10] = a.s6_addr[11] = 0xff;
            memcpy(&a.s6_addr[12], &((struct sockaddr_in *)n->ai_addr)->sin_addr, 4);
        } else if (n->ai_family == AF_INET6) {
            a = ((struct sockaddr_in6 *)n->ai_addr)->sin6_addr;
        } else {
            continue;
        }
        add_address(r, &a);
    }
    ares_freeaddrinfo(result);
    r->status = r->count ? VG_OK : VG_ERR_IO;
    if (!r->count)
        snprintf(r->error, sizeof r->error, "DNS: the name has no address");
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run(ares_channel channel, size_t *pending, int64_t deadline)
{
    while (*pending) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0) {
            ares_cancel(channel); /* calls back every query left, ECANCELLED */
            return;
        }
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
        struct pollfd fds[ARES_GETSOCK_MAXNUM];
        nfds_t n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            /* c-ares's own macros shift a signed 1 into the sign bit. */
            unsigned mask = (unsigned)bits;
            short events = (short)((mask & (1u << i) ? POLLIN : 0) |
                                   (mask & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
            if (events)
                fds[n++] = (struct pollfd){.fd = socks[i], .events = events};
        }
        struct timeval max = {left / 1000, (left % 1000) * 1000}, tv;
        struct timeval *wait = ares_timeout(channel, &max, &tv);
        int ms = (int)(wait->tv_sec * 1000 + wait->tv_usec / 1000);
        int ready = poll(fds, n, ms < 1 ? 1 : ms);
        if (ready <= 0) {
            /* Nothing to read: let c-ares retry or time out its queries. */
            ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (nfds_t i = 0; i < n; i++) {
            short re = fds[i].revents;
            if (!re)
                continue;
            ares_process_fd(channel, re & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD,
                            re & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
        }
    }
}

vg_status resolve_all(const vg_hosting_config *config, const char *const *names, size_t count,
                      resolved *results, vg_error *err)
{
    for (size_t i = 0; i < count; i++)
        if (names[i])
            results[i] = (resolved){.status = VG_OK};
    pthread_once(&ares_once, init_ares);
    if (ares_init_result != ARES_SUCCESS)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "c-ares cannot start: %s",
                            ares_strerror(ares_init_result));
    struct ares_options opts = {0};
    opts.timeout = (int)config->dns_timeout_ms;
    opts.tries = (int)config->dns_tries;
    /* A reported name is looked up as written: not under the hotline's
     * own search domains, and not in its /etc/hosts. */
    opts.flags = ARES_FLAG_NOSEARCH;
    opts.lookups = (char *)"b";
    ares_channel channel;
    int rc = ares_init_options(&channel, &opts,
                               ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_LOOKUPS);
    if (rc != ARES_SUCCESS)
        return vg_error_set(err, rc == ARES_ENOMEM ? VG_ERR_NOMEM : VG_ERR_IO,
                            "the DNS resolver cannot start: %s", ares_strerror(rc));
    if (config->dns_servers && *config->dns_servers) {
        rc = ares_set_servers_ports_csv(channel, config->dns_servers);
        if (rc != ARES_SUCCESS) {
            ares_destroy(channel);
            return vg_error_set(err, VG_ERR_INVALID,
                                "DNS servers '%s': %s (expected ip[:port],ip[:port])",
                                config->dns_servers, ares_strerror(rc));
        }
    }
    query *queries = calloc(count ? count : 1, sizeof *queries);
    if (!queries) {
        ares_destroy(channel);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t pending = 0;
    int64_t deadline = monotonic_ms() + config->deadline_ms;
    struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_flags = ARES_AI_NOSORT};
    for (size_t i = 0; i < count; i++) {
        if (!names[i])
            continue;
        queries[i] = (query){.out = &results[i], .pending = &pending};
        pending++;
        /* May call back at once (a bad name), which counts pending down. */
        ares_getaddrinfo(channel, names[i], NULL, &hints, on_answer, &queries[i]);
    }
    run(channel, &pending, deadline);
    ares_destroy(channel);
    free(queries);
    return VG_OK;
}

void resolved_free(resolved *r)
{
    free(r->addrs);
    r->addrs = NULL;
    r->count = 0;
}
