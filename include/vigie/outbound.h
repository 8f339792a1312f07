/*
 * vigie/outbound.h - short messages to people and services outside: an
 * HTTP POST (a webhook) and an e-mail through an SMTP server, on libcurl.
 *
 * Held to the project's rules for talking to the outside: TLS (https://,
 * smtps://, or smtp:// with STARTTLS required), public addresses only,
 * checked on the address actually connected to after name resolution (a
 * name that resolves to a loopback or private address is refused like the
 * address itself), no redirects, no proxy from the environment, one
 * deadline for the whole exchange, answers read only up to a few
 * kilobytes. A test-only allowance lifts the TLS and address rules, so
 * that tests talk to a server of their own on loopback.
 *
 * Threads: every call has its own libcurl handle; any thread may call.
 * Nothing is retried here: the caller decides when to try again.
 */
#ifndef VIGIE_OUTBOUND_H
#define VIGIE_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_outbound_options {
    unsigned timeout_seconds; /* the whole exchange; 0: 20 seconds */
    const char *ca_file;      /* PEM bundle of trusted authorities; NULL: the system's */
    /* Tests only: plain http:// and SMTP without TLS, and loopback or
     * private addresses. Never in production. */
    bool allow_local;
} vg_outbound_options;

/* Whether an address may be connected to: public unicast only (no
 * loopback, private, link-local, shared, documentation, multicast or
 * reserved block, nor an IPv6 form that can carry one of them). */
bool vg_outbound_address_is_public(const struct sockaddr *sa);

/* A socket for a connection to sa (what libcurl's open-socket callback
 * gets), under that policy unless allow_local: the descriptor, or -1 with
 * why[cap] saying "the <whose> address A is not a public one ...". whose
 * names the peer in that sentence ("" for none). Every outbound client
 * checks the address actually connected to, so a name that resolves to a
 * private address, or changes between resolution and connection, is
 * refused. */
int vg_outbound_socket(const struct sockaddr *sa, int family, int socktype, int protocol,
                       bool allow_local, const char *whose, char *why, size_t cap);

/* POST body (len bytes) to url, an https:// address, with headers (a
 * NULL-terminated list of "Name: value" lines; may be NULL). VG_OK when
 * the service answered 2xx. Otherwise: VG_ERR_IO naming what went wrong
 * ("answered HTTP 503: ...", a connection failure, the deadline),
 * VG_ERR_INVALID for an address the rules refuse. *status (may be NULL)
 * gets the HTTP status, 0 when there was no answer. */
vg_status vg_outbound_post(const vg_outbound_options *options, const char *url,
                           const char *const *headers, const char *body, size_t len, long *status,
                           vg_error *err);

/* GET or POST (method) url under the same rules, with headers and, for a
 * POST, body[0..len), keeping the answer: VG_OK when the service answered
 * 2xx, with *answer (malloc'd, NUL-terminated, the caller's) holding its
 * *answer_len bytes. An answer longer than answer_max bytes is cut off and
 * the exchange fails (VG_ERR_IO). what names the peer in errors ("partner
 * hotline"). */
vg_status vg_outbound_request(const vg_outbound_options *options, const char *what,
                              const char *method, const char *url, const char *const *headers,
                              const char *body, size_t len, size_t answer_max, long *status,
                              char **answer, size_t *answer_len, vg_error *err);

/* An e-mail. The message is whole (header lines, a blank line, the body,
 * every line ending in CRLF) and the caller's: nothing is added to it. */
typedef struct vg_outbound_mail {
    const char *server;   /* smtp://HOST[:PORT] (STARTTLS required) or smtps://HOST[:PORT] */
    const char *username; /* NULL: the server takes mail without signing in */
    const char *password;
    const char *from;      /* the envelope sender: an address without <> */
    const char *const *to; /* the envelope recipients */
    size_t to_count;
    const char *message;
} vg_outbound_mail;

/* Hand the message to the SMTP server. VG_OK when the server accepted it
 * for every recipient; VG_ERR_IO with what the server or the connection
 * said otherwise; VG_ERR_INVALID for an address the rules refuse or a
 * malformed envelope (an address with spaces, brackets or line breaks). */
vg_status vg_outbound_send_mail(const vg_outbound_options *options, const vg_outbound_mail *mail,
                                vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
