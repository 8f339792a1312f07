/*
 * src/lib/hashsync/hashsync_internal.h - the client object and its HTTP
 * requests (http.c), shared by the NCMEC and StopNCII code and the
 * synchronisation run.
 */
#ifndef VIGIE_HASHSYNC_INTERNAL_H
#define VIGIE_HASHSYNC_INTERNAL_H

#include <curl/curl.h>
#include <stdio.h>

#include "vigie/hashsync.h"

struct vg_sync_client {
    vg_sync_config config;
    /* Owned copies of the configuration's strings. */
    char *base_url, *username, *password, *subscription_key, *fetch_function_key, *ca_file;
    CURL *curl;
    /* Why the last connection was refused (an address policy), if it was. */
    char refused[160];
};

typedef struct http_response {
    long status;
    char *body; /* NUL-terminated; owned, free() it */
    size_t len;
    bool truncated;
    size_t max;
    /* http_get_file: a 200 answer's body goes to file (borrowed), bounded
     * by file_max; any other answer's to body as above. */
    FILE *file;
    CURL *curl;
    uint64_t file_len, file_max;
    bool file_failed, file_too_large;
} http_response;

/* One request to url (already checked and built). headers may be NULL (a
 * NULL-terminated list). GETs are retried as the options say. The body of
 * any answer is returned; statuses are the caller's to judge. */
vg_status http_request(vg_sync_client *c, const char *method, const char *url,
                       const char *const *headers, const char *body, size_t body_len,
                       http_response *out, vg_error *err);
void http_response_free(http_response *r);
/* A GET whose 200 answer is written to file as it arrives (emptied before
 * each attempt), the memory of a list of any size; out->body holds the
 * answer of another status. */
vg_status http_get_file(vg_sync_client *c, const char *url, FILE *file, http_response *out,
                        vg_error *err);

/* "https://host/path" + suffix, with the base's trailing slashes dropped. */
vg_status http_url(vg_sync_client *c, const char *suffix, char *out, size_t cap, vg_error *err);
/* A percent-encoded copy of s (for query values and path segments). */
vg_status http_escape(vg_sync_client *c, const char *s, char *out, size_t cap, vg_error *err);
/* A failed status as an error: "NCMEC answered 401 (...)". */
vg_status http_status_error(vg_sync_client *c, const char *what, const http_response *r,
                            vg_error *err);

/* ---- per service ---------------------------------------------------------------- */

/* Fetch one page of changes; records go to cb (exchange records), paging
 * says what follows. cursor "" starts the range. */
vg_status ncmec_fetch_page(vg_sync_client *c, int64_t from, int64_t to, const char *cursor,
                           const vg_exchange_read_options *opts,
                           const vg_exchange_read_callbacks *cb, vg_exchange_read_stats *stats,
                           vg_exchange_paging *paging, vg_error *err);
vg_status stopncii_fetch_page(vg_sync_client *c, int64_t from, const char *cursor,
                              const vg_exchange_read_options *opts,
                              const vg_exchange_read_callbacks *cb,
                              vg_exchange_read_stats *stats, vg_exchange_paging *paging,
                              vg_error *err);

#endif
