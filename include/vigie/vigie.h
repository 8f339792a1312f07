/*
 * vigie/vigie.h - the whole public API of libvigie.
 *
 * Conventions shared by every module:
 *   - public names start with vg_ (VG_ for macros and enum values);
 *   - fallible functions return vg_status and fill an optional vg_error;
 *   - the caller owns what it passes in; objects returned through an out
 *     parameter are owned by the caller and released with the matching
 *     *_free function;
 *   - no global mutable state: distinct objects may be used from distinct
 *     threads at the same time.
 */
#ifndef VIGIE_VIGIE_H
#define VIGIE_VIGIE_H

#include "vigie/bank.h"
#include "vigie/border.h"
#include "vigie/crawl.h"
#include "vigie/digest.h"
#include "vigie/error.h"
#include "vigie/exchange.h"
#include "vigie/filehash.h"
#include "vigie/hashsync.h"
#include "vigie/image.h"
#include "vigie/hosting.h"
#include "vigie/index.h"
#include "vigie/patch.h"
#include "vigie/pdq.h"
#include "vigie/policy.h"
#include "vigie/signedlist.h"
#include "vigie/sketch.h"
#include "vigie/thumb.h"
#include "vigie/url.h"
#include "vigie/vault.h"
#include "vigie/video.h"
#include "vigie/vpdq.h"

#define VG_VERSION_STRING "0.1.0"

const char *vg_version(void);

#endif
