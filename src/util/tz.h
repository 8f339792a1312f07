/*
 * src/util/tz.h - a time zone of the IANA database, read from its TZif
 * file (RFC 8536) under /usr/share/zoneinfo, for period boundaries in the
 * hotline's own time (stats.time_zone, docs/stats.md).
 *
 * Why not localtime_r with setenv("TZ"): TZ is process-wide state, and the
 * server is threaded; a vg_tz is read once, then immutable, so any number
 * of threads may ask it for offsets at once.
 *
 * Times after the file's last transition follow its footer's POSIX rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3"), for the "M" form of rules every zone of
 * the database uses today; a footer of another form keeps the last
 * transition's offset. Leap-second ("right/") zones are refused.
 *
 * Ownership: vg_tz_load and vg_tz_parse give a vg_tz the caller frees
 * with vg_tz_free. A NULL vg_tz is UTC everywhere.
 */
#ifndef VIGIE_UTIL_TZ_H
#define VIGIE_UTIL_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

typedef struct vg_tz vg_tz;

/* The zone called name ("Europe/Paris", "UTC") from the TZif files under
 * dir (NULL: /usr/share/zoneinfo). "UTC" needs no file. VG_ERR_INVALID for
 * a name that is not one (".." included), VG_ERR_IO for a zone the
 * system does not have. */
vg_status vg_tz_load(const char *name, const char *dir, vg_tz **out, vg_error *err);
/* The zone in a TZif file's bytes (len of them); name is copied. */
vg_status vg_tz_parse(const unsigned char *data, size_t len, const char *name, vg_tz **out,
                      vg_error *err);
void vg_tz_free(vg_tz *tz);

/* The zone's name as given; "UTC" for NULL. */
const char *vg_tz_name(const vg_tz *tz);
/* Seconds east of UTC at the instant utc (seconds since the epoch). */
int32_t vg_tz_offset(const vg_tz *tz, int64_t utc);
/* The instant the wall clock of the zone reads local (seconds since the
 * epoch as if the wall clock were UTC): the first such instant when the
 * clock reads it twice (autumn), the end of the gap when it never does
 * (spring: the day then starts when the clock jumps). */
int64_t vg_tz_to_utc(const vg_tz *tz, int64_t local);

#endif
