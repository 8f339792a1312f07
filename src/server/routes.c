/*
 * src/server/routes.c - the one list of the server's route modules.
 * A new module adds its line here; the route x role test then covers it.
 */
#include "server/server.h"

vg_status vg_server_register_routes(vg_server *srv, vg_error *err)
{
    vg_status (*const modules[])(vg_server *, vg_error *) = {
        vg_ops_routes,
        vg_auth_routes,
        vg_intake_routes,
        vg_console_routes,
    };
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        vg_status st = modules[i](srv, err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}
