/* The hosting.* configuration keys (hosting_conf.h). */
#include <unistd.h>

#include "util/hosting_conf.h"

static const char *empty_is_null(const char *s)
{
    return s && *s ? s : NULL;
}

vg_status vg_hosting_config_read(vg_config *cfg, vg_hosting_config *out, vg_error *err)
{
    vg_hosting_config_init(out);
    const char *db = vg_config_get(cfg, "hosting.location_db", NULL);
    if (!db && access(VG_HOSTING_DEFAULT_LOCATION_DB, R_OK) == 0)
        db = VG_HOSTING_DEFAULT_LOCATION_DB;
    out->location_db = empty_is_null(db);
    out->providers = empty_is_null(vg_config_get(cfg, "hosting.providers", NULL));
    out->rdap_url = empty_is_null(vg_config_get(cfg, "hosting.rdap_url", NULL));
    out->dns_servers = empty_is_null(vg_config_get(cfg, "hosting.dns_servers", NULL));
    int64_t dns_ms, deadline_ms, rdap_s, cache_s;
    int local;
    vg_status st = vg_config_int(cfg, "hosting.dns_timeout_ms", out->dns_timeout_ms, 1, 60000,
                                 &dns_ms, err);
    if (st == VG_OK)
        st = vg_config_int(cfg, "hosting.deadline_ms", out->deadline_ms, 1, 600000,
                           &deadline_ms, err);
    if (st == VG_OK)
        st = vg_config_int(cfg, "hosting.rdap_timeout", out->rdap_timeout_seconds, 1, 600,
                           &rdap_s, err);
    if (st == VG_OK)
        st = vg_config_int(cfg, "hosting.rdap_cache_seconds", out->rdap_cache_seconds, 0,
                           30 * 86400, &cache_s, err);
    if (st == VG_OK)
        st = vg_config_bool(cfg, "hosting.test_allow_local", 0, &local, err);
    if (st != VG_OK)
        return st;
    out->dns_timeout_ms = (long)dns_ms;
    out->deadline_ms = (long)deadline_ms;
    out->rdap_timeout_seconds = (long)rdap_s;
    out->rdap_cache_seconds = cache_s;
    out->allow_private_addresses = out->allow_plain_http = local != 0;
    return VG_OK;
}
