/*
 * Fuzz the outbound clients with a hostile peer (vigie/outbound.h): the
 * first byte picks the e-mail (even) or the webhook (odd); the rest is
 * everything the mail server or the receiver says, sent at once on a
 * loopback connection, which is then closed. Whatever it says, the call
 * ends within its deadline with VG_OK or an error whose message is one
 * printable line (it goes to the log and the console), and nothing
 * crashes or leaks. libcurl parses the answers: this holds our use of it
 * to the project's rule on hostile input.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vigie/outbound.h"

static int listener = -1;
static uint16_t port;

typedef struct peer {
    const uint8_t *data;
    size_t size;
} peer;

/* Accept the client, say everything, close the writing side, and read
 * what the client sends until it hangs up. */
static void *serve(void *arg)
{
    peer *p = arg;
    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    for (size_t at = 0; at < p->size;) {
        ssize_t n = send(fd, p->data + at, p->size - at, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        at += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    char sink[4096];
    while (recv(fd, sink, sizeof sink, 0) > 0)
        ;
    close(fd);
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) ||
        listen(listener, 4) || getsockname(listener, (struct sockaddr *)&addr, &len))
        abort();
    port = ntohs(addr.sin_port);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    peer p = {data + 1, size - 1};
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, &p))
        abort();
    const vg_outbound_options options = {.timeout_seconds = 5, .allow_local = true};
    char url[64];
    vg_error err;
    vg_error_clear(&err);
    vg_status st;
    if (data[0] % 2 == 0) {
        snprintf(url, sizeof url, "smtp://127.0.0.1:%u", port);
        const char *to[] = {"duty@hotline.test", "pager@hotline.test"};
        vg_outbound_mail m = {.server = url,
                              .username = data[0] & 2 ? "alerts" : NULL,
                              .password = "pa55",
                              .from = "vigie@hotline.test",
                              .to = to,
                              .to_count = 2,
                              .message = "Subject: fuzz\r\n\r\nA line.\r\n"};
        st = vg_outbound_send_mail(&options, &m, &err);
    } else {
        snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", port);
        const char *headers[] = {"Content-Type: application/json", NULL};
        long status = -1;
        st = vg_outbound_post(&options, url, headers, "{}", 2, &status, &err);
        if (status < 0 || (st == VG_OK && (status < 200 || status > 299)))
            abort();
    }
    pthread_join(thread, NULL);
    if (st != VG_OK) {
        if (!err.message[0])
            abort();
        for (const unsigned char *c = (const unsigned char *)err.message; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                abort();
    }
    return 0;
}
