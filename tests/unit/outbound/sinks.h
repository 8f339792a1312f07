/*
 * tests/unit/outbound/sinks.h - a mail server and a webhook receiver for
 * tests, each a thread listening on 127.0.0.1 (an ephemeral port), so that
 * nothing leaves the machine. Each records what it was given before
 * answering, so a client call that has returned has been recorded: tests
 * never wait or sleep.
 *
 * The mail server speaks enough SMTP for libcurl (EHLO, AUTH PLAIN, MAIL,
 * RCPT, DATA, RSET, NOOP, QUIT) and never offers STARTTLS; the receiver
 * is libmicrohttpd. Either can be told to refuse the next n messages (451
 * at the end of DATA; HTTP 503), to test retries.
 */
#ifndef VIGIE_TEST_SINKS_H
#define VIGIE_TEST_SINKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct smtp_sink smtp_sink;

/* NULL when it cannot listen. */
smtp_sink *smtp_sink_start(uint16_t *port);
void smtp_sink_stop(smtp_sink *s);
/* Answer the next n messages 451 (a temporary failure). */
void smtp_sink_refuse(smtp_sink *s, int n);
/* Messages taken so far (refused ones are not counted). */
size_t smtp_sink_count(smtp_sink *s);
/* Message i as received: "MAIL FROM:<a>\nRCPT TO:<b>\n...AUTH <b64>\n\n"
 * then the data, dot-unstuffed, its CRLFs kept. malloc'd; NULL past the end. */
char *smtp_sink_message(smtp_sink *s, size_t i);

typedef struct hook_sink hook_sink;

hook_sink *hook_sink_start(uint16_t *port);
void hook_sink_stop(hook_sink *h);
/* Answer the next n requests 503. */
void hook_sink_refuse(hook_sink *h, int n);
/* Requests taken so far (refused ones are not counted). */
size_t hook_sink_count(hook_sink *h);
/* Request i: "POST /path\nContent-Type: ...\nX-Vigie-...: ...\n\n" then the
 * body (the X-Vigie-* headers and Content-Type only, in a fixed order).
 * malloc'd; NULL past the end. */
char *hook_sink_request(hook_sink *h, size_t i);

#endif
