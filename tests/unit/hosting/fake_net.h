/*
 * tests/unit/hosting/fake_net.h - the peers of a hosting lookup, on
 * 127.0.0.1 only, so that nothing leaves the machine:
 *
 * A DNS server (UDP) answering A and AAAA queries from a table given as
 * text, one name a line:
 *
 *   NAME ADDRESS...     the name's addresses (IPv4 and IPv6 mixed)
 *   NAME silent         queries for the name are never answered
 *
 * any other name is NXDOMAIN. An RDAP server (HTTP, libmicrohttpd)
 * answering GET PATH with the file DIR/PATH-with-slashes-as-underscores
 * (/ip/192.0.2.7 -> DIR/ip_192.0.2.7.json), status 200, or 404 when there
 * is no such file; a file whose first line is "redirect URL" answers 302 to
 * that URL. It counts the requests it served.
 */
#ifndef VIGIE_TESTS_FAKE_NET_H
#define VIGIE_TESTS_FAKE_NET_H

#include <stdint.h>

typedef struct fake_dns fake_dns;
fake_dns *fake_dns_start(const char *table, uint16_t *port);
void fake_dns_stop(fake_dns *d);

typedef struct fake_rdap fake_rdap;
fake_rdap *fake_rdap_start(const char *dir, uint16_t *port);
unsigned fake_rdap_requests(fake_rdap *r);
void fake_rdap_stop(fake_rdap *r);

#endif
