/*
 * src/server/tlog/tlog.h - the public transparency log of the blocking
 * list, as C2SP tlog-tiles static files (hotline/tlog.h):
 *
 *   GET /transparency/checkpoint        the latest signed checkpoint
 *   GET /transparency/key               the verifier key (signed-note format)
 *   GET /transparency/tile/L/N[.p/W]    hashes of tile level L
 *   GET /transparency/tile/entries/N[.p/W]  entry bundles
 *
 * Full tiles never change: they are served immutable for a year; partial
 * tiles and the checkpoint for a few seconds. Anyone may read them.
 */
#ifndef VIGIE_SERVER_TLOG_H
#define VIGIE_SERVER_TLOG_H

#include "server/server.h"

vg_status vg_tlog_routes(vg_server *srv, void *state, vg_error *err);

#endif
