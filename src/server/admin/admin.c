/*
 * src/server/admin/admin.c - the administration module and its routes
 * (admin.h).
 */
#include "server/admin/admin.h"

#include <stdlib.h>

vg_status vg_admin_open(vg_server *srv, void **state, vg_error *err)
{
    vg_admin *a = calloc(1, sizeof *a);
    if (!a)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    a->hotline = srv->hotline;
    *state = a;
    return VG_OK;
}

void vg_admin_free(void *state)
{
    free(state);
}

#define ADMIN VG_ROLE_ADMINISTRATOR

vg_status vg_admin_routes(vg_server *srv, void *state, vg_error *err)
{
    const vg_route routes[] = {
        {"GET", "/console/admin", ADMIN, 0, 0, vg_admin_home_page, NULL, state},
        {"GET", "/console/admin/users", ADMIN, 0, 0, vg_admin_users_page, NULL, state},
        {"POST", "/console/admin/users", ADMIN, VG_ROUTE_CSRF, 4096, vg_admin_users_post, NULL,
         state},
        {"POST", "/console/admin/user", ADMIN, VG_ROUTE_CSRF, 4096, vg_admin_user_post, NULL,
         state},
        {"GET", "/console/admin/keys", ADMIN, 0, 0, vg_admin_keys_page, NULL, state},
        {"POST", "/console/admin/keys", ADMIN, VG_ROUTE_CSRF, 4096, vg_admin_keys_post, NULL,
         state},
        {"POST", "/console/admin/key", ADMIN, VG_ROUTE_CSRF, 4096, vg_admin_key_post, NULL,
         state},
        {"GET", "/console/admin/banks", ADMIN, 0, 0, vg_admin_banks_page, NULL, state},
        /* a bank file uploaded, or lines typed in: up to 16 MB */
        {"POST", "/console/admin/banks", ADMIN, VG_ROUTE_CSRF | VG_ROUTE_FILES, 16u << 20,
         vg_admin_banks_post, vg_admin_bank_file, state},
        {"POST", "/console/admin/banks/release", ADMIN, VG_ROUTE_CSRF, 4096,
         vg_admin_bank_release_post, NULL, state},
        {"GET", "/console/admin/audit", ADMIN, 0, 0, vg_admin_audit_page, NULL, state},
        {"POST", "/console/admin/audit", ADMIN, VG_ROUTE_CSRF, 4096, vg_admin_verify_post, NULL,
         state},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}
