/*
 * src/server/admin/admin.h - the administration pages under /console/admin/:
 * people's accounts, partner keys, banks, the audit log and the server's
 * health, for administrators, in the staff frame.
 *
 * As everywhere in the server, each handler calls one use case of the
 * hotline (accounts.h, banks.h, audit.h), which applies the rule and
 * writes the change with its audit entry in one transaction. Secrets made
 * here (a new password, a second factor's key, a partner key) are shown
 * once, on the answer to the form that made them, and never again.
 */
#ifndef VIGIE_SERVER_ADMIN_H
#define VIGIE_SERVER_ADMIN_H

#include "server/server.h"
#include "web/page.h"

typedef struct vg_admin {
    vg_hotline *hotline;
} vg_admin;

vg_status vg_admin_open(vg_server *srv, void **state, vg_error *err);
vg_status vg_admin_routes(vg_server *srv, void *state, vg_error *err);
void vg_admin_free(void *state);

/* ---- what the pages share (frame.c) --------------------------------------- */

/* Open an administration page (current: its address, marked in the
 * navigation). */
void vg_admin_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current);
/* "user:NAME" of the caller, for the audit log. */
void vg_admin_actor(vg_http_request *req, char *out, size_t cap);
/* A UTC date and time. */
void vg_admin_time(vg_page *p, int64_t when);
/* A message above the page: role "status" (ok) or "alert" (a problem);
 * text: a catalogue key ("admin....") on a translated page, else as is. */
void vg_admin_message(vg_page *p, const char *text, int problem);
/* A 503 page for a use case that failed, its reason in the log. */
void vg_admin_unavailable(vg_http_request *req, const vg_error *err);

/* ---- the handlers ------------------------------------------------------------ */

void vg_admin_home_page(vg_http_request *req);   /* health */
void vg_admin_users_page(vg_http_request *req);
void vg_admin_users_post(vg_http_request *req);  /* create */
void vg_admin_user_post(vg_http_request *req);   /* change one */
void vg_admin_keys_page(vg_http_request *req);
void vg_admin_keys_post(vg_http_request *req);   /* create */
void vg_admin_key_post(vg_http_request *req);    /* trust, revoke */
void vg_admin_banks_page(vg_http_request *req);
void vg_admin_banks_post(vg_http_request *req);  /* import, add, remove */
vg_status vg_admin_bank_file(vg_http_request *req, const char *field, const char *filename,
                             const char *content_type, const void *data, size_t size,
                             uint64_t offset, vg_error *msg); /* the uploaded file */
void vg_admin_bank_release_post(vg_http_request *req); /* a quarantined entry */
void vg_admin_audit_page(vg_http_request *req);
void vg_admin_verify_post(vg_http_request *req);

#endif
