/*
 * The outbound module against a mail server and a webhook receiver of the
 * test's own on loopback (sinks.h): what arrives is what was given, a
 * refusal or a dead peer is an error naming it, and without the test-only
 * allowance loopback and plain transports are refused before anything is
 * sent. Nothing leaves the machine.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "sinks.h"
#include "vigie/outbound.h"

static const vg_outbound_options local = {.timeout_seconds = 10, .allow_local = true};
static const vg_outbound_options production = {.timeout_seconds = 10};

static void test_webhook(void)
{
    uint16_t port = 0;
    hook_sink *sink = hook_sink_start(&port);
    CHECK(sink != NULL);
    if (!sink)
        return;
    char url[80];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hooks/duty", port);
    const char *headers[] = {"Content-Type: application/json", "X-Vigie-Event: alert", NULL};
    const char body[] = "{\"event\":\"vigie.alert\",\"report\":42}";
    long status = 0;
    vg_error err;
    CHECK_MSG(vg_outbound_post(&local, url, headers, body, strlen(body), &status, &err) == VG_OK,
              "%s", err.message);
    CHECK_INT_EQ(status, 200);
    CHECK_INT_EQ(hook_sink_count(sink), 1);
    char *got = hook_sink_request(sink, 0);
    /* no "Expect: 100-continue" round trip: the header is not sent */
    CHECK_STR_EQ(got, "POST /hooks/duty\n"
                      "Content-Type: application/json\n"
                      "X-Vigie-Event: alert\n"
                      "\n{\"event\":\"vigie.alert\",\"report\":42}");
    free(got);

    /* a receiver that fails says so, with its status */
    hook_sink_refuse(sink, 1);
    CHECK(vg_outbound_post(&local, url, headers, body, strlen(body), &status, &err) ==
          VG_ERR_IO);
    CHECK_INT_EQ(status, 503);
    CHECK_MSG(strstr(err.message, "HTTP 503") != NULL, "%s", err.message);
    CHECK_INT_EQ(hook_sink_count(sink), 1);

    /* without the test-only allowance: plain http, then loopback by
     * address and by name, are refused and nothing arrives */
    CHECK(vg_outbound_post(&production, url, headers, body, strlen(body), &status, &err) ==
          VG_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "https://") != NULL, "%s", err.message);
    const char *https[] = {"https://127.0.0.1:%u/", "https://localhost:%u/",
                           "https://[::1]:%u/"};
    for (size_t i = 0; i < sizeof https / sizeof https[0]; i++) {
        snprintf(url, sizeof url, https[i], port);
        CHECK_MSG(vg_outbound_post(&production, url, NULL, body, strlen(body), &status, &err) ==
                      VG_ERR_INVALID,
                  "%s: %s", url, err.message);
        CHECK_MSG(strstr(err.message, "not a public one") != NULL, "%s: %s", url, err.message);
    }
    CHECK_INT_EQ(hook_sink_count(sink), 1);
    hook_sink_stop(sink);

    /* nobody listening any more */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hooks/duty", port);
    CHECK(vg_outbound_post(&local, url, NULL, body, strlen(body), &status, &err) == VG_ERR_IO);
    CHECK_INT_EQ(status, 0);
}

static const char message[] = "From: vigie <vigie@hotline.test>\r\n"
                              "To: duty@hotline.test, pager@hotline.test\r\n"
                              "Subject: test\r\n"
                              "\r\n"
                              "A line.\r\n"
                              ".A line that starts with a dot.\r\n";

static void test_mail(void)
{
    uint16_t port = 0;
    smtp_sink *sink = smtp_sink_start(&port);
    CHECK(sink != NULL);
    if (!sink)
        return;
    char server[64];
    snprintf(server, sizeof server, "smtp://127.0.0.1:%u", port);
    const char *to[] = {"duty@hotline.test", "pager@hotline.test"};
    vg_outbound_mail m = {.server = server,
                          .from = "vigie@hotline.test",
                          .to = to,
                          .to_count = 2,
                          .message = message};
    vg_error err;
    CHECK_MSG(vg_outbound_send_mail(&local, &m, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(smtp_sink_count(sink), 1);
    char *got = smtp_sink_message(sink, 0);
    /* the envelope as given, the message as given (its dot unstuffed) */
    CHECK_MSG(got && !strncmp(got,
                              "MAIL FROM:<vigie@hotline.test>\n"
                              "RCPT TO:<duty@hotline.test>\n"
                              "RCPT TO:<pager@hotline.test>\n\n",
                              strlen("MAIL FROM:<vigie@hotline.test>\n"
                                     "RCPT TO:<duty@hotline.test>\n"
                                     "RCPT TO:<pager@hotline.test>\n\n")),
              "%s", got ? got : "(nothing)");
    CHECK(got && strstr(got, "\n\n") && !strcmp(strstr(got, "\n\n") + 2, message));
    free(got);

    /* signing in: AUTH PLAIN is base64("\0alerts\0pa55") */
    m.username = "alerts";
    m.password = "pa55";
    CHECK_MSG(vg_outbound_send_mail(&local, &m, &err) == VG_OK, "%s", err.message);
    got = smtp_sink_message(sink, 1);
    CHECK_MSG(got && strstr(got, "AUTH AGFsZXJ0cwBwYTU1\n"), "%s", got ? got : "(nothing)");
    free(got);
    m.username = m.password = NULL;

    /* a temporary refusal is an error naming the server's answer */
    smtp_sink_refuse(sink, 1);
    CHECK(vg_outbound_send_mail(&local, &m, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "answered 451 (a temporary refusal)") != NULL, "%s",
              err.message);
    CHECK_INT_EQ(smtp_sink_count(sink), 2);

    /* an envelope that would speak SMTP itself, or is no address */
    const char *bad[] = {"duty@hotline.test>\r\nRCPT TO:<evil@example.org", "duty hotline",
                         "<duty@hotline.test>", "", "a,b@c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = {bad[i]};
        vg_outbound_mail b = m;
        b.to = one;
        b.to_count = 1;
        CHECK_MSG(vg_outbound_send_mail(&local, &b, &err) == VG_ERR_INVALID, "to %s", bad[i]);
        b = m;
        b.from = bad[i];
        CHECK_MSG(vg_outbound_send_mail(&local, &b, &err) == VG_ERR_INVALID, "from %s", bad[i]);
    }
    vg_outbound_mail none = m;
    none.to_count = 0;
    CHECK(vg_outbound_send_mail(&local, &none, &err) == VG_ERR_INVALID);
    none = m;
    none.server = "http://127.0.0.1/";
    CHECK(vg_outbound_send_mail(&local, &none, &err) == VG_ERR_INVALID);

    /* without the test-only allowance: loopback is refused (and a plain
     * smtp:// server would have to offer STARTTLS) */
    CHECK(vg_outbound_send_mail(&production, &m, &err) == VG_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "not a public one") != NULL, "%s", err.message);
    snprintf(server, sizeof server, "smtps://localhost:%u", port);
    CHECK(vg_outbound_send_mail(&production, &m, &err) == VG_ERR_INVALID);
    CHECK_INT_EQ(smtp_sink_count(sink), 2);
    smtp_sink_stop(sink);

    snprintf(server, sizeof server, "smtp://127.0.0.1:%u", port);
    CHECK(vg_outbound_send_mail(&local, &m, &err) == VG_ERR_IO);
}

/* A peer that takes the connection and never says a word: the deadline
 * ends the exchange with an error (the test asserts the outcome, not the
 * time it took). */
static void test_deadline(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    CHECK(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(fd, 4) == 0 &&
          getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    char server[64];
    snprintf(server, sizeof server, "smtp://127.0.0.1:%u", ntohs(addr.sin_port));
    const char *to[] = {"duty@hotline.test"};
    vg_outbound_mail m = {.server = server, .from = "v@hotline.test", .to = to, .to_count = 1,
                          .message = message};
    vg_outbound_options quick = local;
    quick.timeout_seconds = 1;
    vg_error err;
    CHECK(vg_outbound_send_mail(&quick, &m, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "e-mail") != NULL, "%s", err.message);
    close(fd);
}

/* A receiver whose status line carries a number no HTTP status has:
 * libcurl reads it without a range check, so it must not come back as a
 * status (negative, or a "success" of 1777...). */
static void *answer_once(void *arg)
{
    int listener = *(int *)arg;
    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    static const char answer[] = "HTTP/2 17777777777777777777777777777\r\n"
                                 "Content-Length: 0\r\n\r\n";
    char sink[4096];
    (void)recv(fd, sink, sizeof sink, 0);
    (void)send(fd, answer, sizeof answer - 1, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    while (recv(fd, sink, sizeof sink, 0) > 0)
        ;
    close(fd);
    return NULL;
}

static void test_malformed_status(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    CHECK(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(fd, 4) == 0 &&
          getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, answer_once, &fd) == 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", ntohs(addr.sin_port));
    long status = -1;
    vg_error err;
    CHECK(vg_outbound_post(&local, url, NULL, "{}", 2, &status, &err) == VG_ERR_IO);
    CHECK_INT_EQ(status, 0);
    CHECK_MSG(strstr(err.message, "status line is malformed") != NULL, "%s", err.message);
    pthread_join(thread, NULL);
    close(fd);
}

int main(void)
{
    RUN(test_webhook);
    RUN(test_mail);
    RUN(test_deadline);
    RUN(test_malformed_status);
    return vg_test_exit();
}
