/*
 * src/server/modules.c - the one list of the server's modules, in the order
 * their routes are matched. A new audience adds its line here; the route
 * test (tests/server/test_server_routes.c) then holds its routes to the
 * roles it states.
 */
#include "server/server.h"

#include "server/admin/admin.h"
#include "server/api/api.h"
#include "server/auth/auth.h"
#include "server/console/console.h"
#include "server/hma/hma.h"
#include "server/ispws/ispws.h"
#include "server/ops/ops.h"
#include "server/public/public.h"
#include "server/tlog/tlog.h"

const vg_module vg_server_modules[] = {
    {"ops", vg_ops_open, vg_ops_routes, vg_ops_free},
    {"auth", NULL, vg_auth_routes, NULL},
    {"public", vg_public_open, vg_public_routes, vg_public_free},
    {"api", NULL, vg_api_routes, NULL},
    {"hma", vg_hma_open, vg_hma_routes, vg_hma_free},
    {"ispws", vg_ispws_api_open, vg_ispws_api_routes, vg_ispws_api_free},
    {"console", vg_console_open, vg_console_routes, vg_console_free},
    {"admin", vg_admin_open, vg_admin_routes, vg_admin_free},
    {"transparency", NULL, vg_tlog_routes, NULL},
};
const size_t vg_server_module_count = sizeof vg_server_modules / sizeof vg_server_modules[0];
