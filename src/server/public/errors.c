/*
 * src/server/public/errors.c - the public module's error-page hook: every
 * refusal on its addresses (and on addresses no route serves), whether the
 * HTTP layer made it (404, 403 for a lost form token, 413, 429) or a
 * handler did (503), in the public frame and the visitor's language
 * (vg_public_error_page, page.c). A refused form comes back filled in,
 * rather than as a dead end.
 */
#include <string.h>

#include "server/public/public.h"

void vg_public_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message)
{
    vg_public *pub = ctx;
    (void)message; /* English, for the layer's own plain page: ours says it in words of the visitor's language */
    const char *path = vg_http_path(req);
    int posted = !strcmp(vg_http_method(req), "POST");
    if (posted && status >= 400 && status < 500 && !strcmp(path, "/report"))
        vg_public_report_refused(pub, req, status);
    else if (posted && status >= 400 && status < 500 && !strcmp(path, "/status"))
        vg_public_status_refused(pub, req, status);
    else if (posted && status >= 400 && status < 500 && !strcmp(path, "/stop/appeal"))
        vg_public_stop_refused(pub, req, status);
    else
        vg_public_error_page(pub, req, status);
}
