/*
 * src/server/server.h - the hotline server as a whole: its configuration,
 * the hotline's use cases, the HTTP layer, and the modules that serve each
 * audience.
 *
 * The server is wiring. vg_server_open reads the configuration, opens the
 * store and the hotline (src/hotline), creates the HTTP layer (src/web)
 * with the identity callback, and opens each module of the module table
 * (modules.c): ops, auth, public, api, console. A module is
 * {name, open, routes, free}: open builds its state from the
 * configuration, routes registers its routes with that state as their
 * context, free releases it. Handlers live in the module's folder
 * (src/server/<audience>/) and call use cases; none reaches the store.
 *
 * vg_server is what every handler reaches with vg_http_app(req). Its fields
 * are set up by vg_server_open and read-only afterwards (the login slots
 * have their own lock), so handlers on any thread may read them freely.
 */
#ifndef VIGIE_SERVER_SERVER_H
#define VIGIE_SERVER_SERVER_H

#include <pthread.h>
#include <stdint.h>

#include "hotline/hotline.h"
#include "util/config.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/throttle.h"

typedef struct vg_server vg_server;

/* A module of the server: one audience's pages or endpoints. */
typedef struct vg_module {
    const char *name;
    /* Build the module's state from srv->config (may be NULL: no state). */
    vg_status (*open)(vg_server *srv, void **state, vg_error *err);
    /* Register the module's routes (vg_http_add_routes on srv->http). */
    vg_status (*routes)(vg_server *srv, void *state, vg_error *err);
    void (*free)(void *state);
} vg_module;

/* The module table (modules.c), in the order of route matching. */
extern const vg_module vg_server_modules[];
extern const size_t vg_server_module_count;

struct vg_server {
    vg_config *config; /* owned; modules read their keys with vg_config_* */
    char *data_dir;    /* the data directory (the store, and by default the vault and keys) */
    vg_hotline *hotline; /* owned: the use cases, and through them the store */
    vg_http *http;
    vg_i18n *i18n;              /* the message catalogues (public pages, what reporters read) */
    uint64_t max_request_bytes; /* intake.max_request_bytes: a report with its files */
    int store_client_address;   /* privacy.store_client_address (false) */
    /* sign-in: per client, failures (growing delays) and checks in flight */
    vg_throttle *login_sources;
    /* Argon2id checks take 64 MiB each: at most this many run at once
     * (login.concurrent_checks, 4), the others wait their turn. */
    int login_slots;
    pthread_mutex_t login_lock;
    pthread_cond_t login_cond;
    char dummy_hash[128]; /* checked for unknown names: the same time as a real one */
    int64_t session_seconds, session_idle_seconds; /* session.hours, session.idle_minutes */
    void **states;                                 /* each module's state, in table order */
};

/* Open everything the configuration names and register every route. cfg
 * is taken over (freed by vg_server_free, even on failure). */
vg_status vg_server_open(vg_config *cfg, vg_server **out, vg_error *err);
/* Listen; *port gets the bound port (listen = 127.0.0.1:0 picks one). */
vg_status vg_server_start(vg_server *srv, uint16_t *port, vg_error *err);
/* Graceful: stop accepting, finish in-flight requests, flush the store. */
void vg_server_stop(vg_server *srv, unsigned grace_seconds);
void vg_server_free(vg_server *srv);

/* Append an audit entry for an event that changes nothing else (a sign-out,
 * the configuration seen at start). req (may be NULL) gives the actor;
 * otherwise actor is used. A failure is logged and returned: security
 * events must not vanish silently. */
vg_status vg_server_audit(vg_server *srv, vg_http_request *req, const char *actor,
                          const char *action, const char *target, const char *detail_json);

/* Check a password against an Argon2id hash within the login slots. */
int vg_server_password_check(vg_server *srv, const char *hash, const char *password);

/* When a session created at created_at and used at now expires: its
 * lifetime, or sooner when the idle timeout comes first. */
int64_t vg_server_session_expiry(const vg_server *srv, int64_t created_at, int64_t now);

/* The staff pages' language for this request (vg_page_staff_lang over the
 * server's catalogues), and the text of key in it (owned by the
 * catalogue): what sign-in, the console and the administration show. */
const vg_i18n_lang *vg_server_staff_lang(vg_http_request *req);
const char *vg_server_tr(vg_http_request *req, const char *key);

#endif
