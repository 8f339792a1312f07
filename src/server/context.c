/*
 * src/server/context.c - what handlers may ask of the server as a whole
 * (server.h): audit entries of events, password checks
 * within the login slots, session lifetimes.
 */
#include <jansson.h>
#include <string.h>

#include "hotline/audit.h"
#include "server/server.h"
#include "util/secure.h"
#include "web/page.h"

const vg_i18n_lang *vg_server_staff_lang(vg_http_request *req)
{
    const vg_server *srv = vg_http_app(req);
    return vg_page_staff_lang(srv->i18n, req);
}

const char *vg_server_tr(vg_http_request *req, const char *key)
{
    return vg_i18n_get(vg_server_staff_lang(req), key);
}

int64_t vg_server_session_expiry(const vg_server *srv, int64_t created_at, int64_t now)
{
    int64_t end = created_at + srv->session_seconds;
    int64_t idle = srv->session_idle_seconds;
    return idle > 0 && now + idle < end ? now + idle : end;
}

vg_status vg_server_audit(vg_server *srv, vg_http_request *req, const char *actor,
                          const char *action, const char *target, const char *detail_json)
{
    vg_error err;
    vg_audit_note note = {req ? vg_http_actor(req) : actor, action, target, detail_json};
    vg_status st = vg_hotline_audit(srv->hotline, (int64_t)time(NULL), &note, &err);
    if (st != VG_OK && srv->http) {
        json_t *a = json_pack("{s:s, s:s}", "action", action ? action : "", "error", err.message);
        vg_http_log_json(srv->http, "error", "audit append failed", a);
        json_decref(a);
    }
    return st;
}

int vg_server_password_check(vg_server *srv, const char *hash, const char *password)
{
    pthread_mutex_lock(&srv->login_lock);
    while (srv->login_slots == 0)
        pthread_cond_wait(&srv->login_cond, &srv->login_lock);
    srv->login_slots--;
    pthread_mutex_unlock(&srv->login_lock);
    int ok = vg_password_check(hash, password);
    pthread_mutex_lock(&srv->login_lock);
    srv->login_slots++;
    pthread_cond_signal(&srv->login_cond);
    pthread_mutex_unlock(&srv->login_lock);
    return ok;
}
