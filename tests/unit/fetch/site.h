/*
 * tests/unit/fetch/site.h - a small web site for tests, served on
 * 127.0.0.1 (an ephemeral port) by a thread of the test's own, so that
 * nothing leaves the machine.
 *
 * The test puts pages at paths (status, content type, extra header lines,
 * body) and may take them away again (a takedown: 404) or put them back (a
 * re-upload). A path may also be made to stall: the server sends its
 * headers and a few bytes, then nothing until the site stops. Every
 * request is answered in full (Content-Length, Connection: close) before
 * the next is read, and counted before it is answered: a client call that
 * has returned has been counted. One request at a time.
 */
#ifndef VIGIE_TEST_SITE_H
#define VIGIE_TEST_SITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct site site;

/* NULL when it cannot listen. */
site *site_start(uint16_t *port);
void site_stop(site *s);

/* Serve body (copied) at path with status and type; headers: extra
 * "Name: value\r\n" lines or NULL (a redirect's Location). */
void site_put(site *s, const char *path, int status, const char *type, const void *body,
              size_t len, const char *headers);
/* The file at path on disk, served as type. 0 when it cannot be read. */
int site_put_file(site *s, const char *path, const char *type, const char *file);
/* Answer path 404 from now on (its content is kept for site_restore). */
void site_remove(site *s, const char *path);
void site_restore(site *s, const char *path);
/* Send path's headers and 16 bytes, then nothing more. */
void site_stall(site *s, const char *path);
/* Close the connection of a request for path without answering (until
 * site_restore): what a client sees as a connection error. */
void site_drop(site *s, const char *path);
/* Requests answered for path so far. */
int site_hits(site *s, const char *path);
/* The last request's header lines as received (malloc'd). */
char *site_last_request(site *s);

#endif
