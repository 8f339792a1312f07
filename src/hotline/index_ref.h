/*
 * src/hotline/index_ref.h - the hotline's index as it is now (inside the
 * hotline: hotline.c opens and closes it, banks.c reloads it after a
 * change; everyone else uses vg_hotline_index_acquire of hotline.h).
 *
 * An index file is replaced, never changed in place (the engine writes a
 * new file and renames it over the old one), so a search that holds the
 * old mapping finishes on a whole, consistent index. Each acquire compares
 * the file's identity (device, inode, size, modification time) with the
 * one open: a file replaced by `vigie index add` beside the running server
 * is picked up by the next report, without a restart.
 */
#ifndef VIGIE_HOTLINE_INDEX_REF_H
#define VIGIE_HOTLINE_INDEX_REF_H

#include "hotline/hotline.h"

/* Open h->index_path (set): VG_ERR_* from vg_index_open. */
vg_status vg_hotline_index_open(vg_hotline *h, vg_error *err);
/* Reopen now, whatever the file's identity says (after this process
 * changed it). On failure the index open before stays in use and
 * h->index_problem says why. */
vg_status vg_hotline_index_reload(vg_hotline *h, vg_error *err);
/* Drop the hotline's reference (at close: no search may be running). */
void vg_hotline_index_close(vg_hotline *h);

#endif
