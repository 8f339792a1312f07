/*
 * src/util/hosting_conf.h - the hosting.* keys of a configuration, for
 * vigie serve (its orientation job) and vigie lookup alike:
 *
 *   hosting.location_db       the libloc database; default
 *                             /usr/share/libloc-location/location.db when it
 *                             exists (Debian's libloc-database), "" for none
 *   hosting.providers         the directory of providers (CSV)
 *   hosting.rdap_url          the RDAP service (https://...)
 *   hosting.dns_servers       "ip[:port],..."; default the system's
 *   hosting.dns_timeout_ms    one DNS query (default 2000)
 *   hosting.deadline_ms       all names of one lookup (default 10000)
 *   hosting.rdap_timeout      one RDAP request, seconds (default 10)
 *   hosting.rdap_cache_seconds  how long a contact found is kept (default 86400)
 *   hosting.test_allow_local  tests only: plain http and loopback/private
 *                             addresses for RDAP and lookups
 */
#ifndef VIGIE_UTIL_HOSTING_CONF_H
#define VIGIE_UTIL_HOSTING_CONF_H

#include "util/config.h"
#include "vigie/hosting.h"

#define VG_HOSTING_DEFAULT_LOCATION_DB "/usr/share/libloc-location/location.db"

/* Fill out from cfg (defaults for what is unset). Strings belong to cfg. */
vg_status vg_hosting_config_read(vg_config *cfg, vg_hosting_config *out, vg_error *err);

#endif
