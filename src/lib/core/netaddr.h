/*
 * src/lib/core/netaddr.h - which network addresses vigie may talk to.
 *
 * Every engine module that connects to the outside (hash sharing clients,
 * RDAP) applies the same rule after name resolution, on the address it is
 * about to connect to, so that a name cannot point inside the hotline's
 * network: public unicast only.
 */
#ifndef VIGIE_CORE_NETADDR_H
#define VIGIE_CORE_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/* Whether an address is public unicast: false for loopback, private,
 * shared (CGN), link-local, documentation, benchmarking, multicast and
 * reserved ranges, and for IPv6 outside 2000::/3 or in Teredo and 6to4
 * (which can carry private IPv4 addresses). */
bool address_is_public(const struct sockaddr *sa);

#endif
