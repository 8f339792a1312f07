/*
 * tests/unit/hosting/locdb.h - tiny IPFire location databases for tests,
 * written with libloc's own writer from a text description, one fact a
 * line ('#' comments):
 *
 *   as NUMBER NAME...                  an autonomous system
 *   net PREFIX COUNTRY ASN [anycast]   a network, e.g. 192.0.2.0/24 DE 64500
 */
#ifndef VIGIE_TESTS_LOCDB_H
#define VIGIE_TESTS_LOCDB_H

/* Write the database described by text to path; 0 on success, else -1
 * with a message on stderr. */
int locdb_write(const char *text, const char *path);

#endif
