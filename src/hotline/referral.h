/*
 * src/hotline/referral.h - the referral package of a delivery to the
 * police or child protection (vigie/referral.h says its format).
 *
 * Made from the store in one read: the report (what was seen, where and
 * when), its assessment (who decided what, when), the URL with its route
 * and the hosting facts, every file's digests and bank match, and the
 * audit entries of the report (with their hashes, so that they can be
 * checked against the hotline's log). Evidence files go in only to the
 * police, and only sealed to the unit's public key
 * (routing.police.public_key): without one the package holds the digests
 * alone, and says so. Child protection never receives evidence. The
 * package is signed with the hotline's key (routing.signing_key) and kept
 * in routing.referral_dir (mode 0600; it holds no plaintext).
 */
#ifndef VIGIE_HOTLINE_REFERRAL_H
#define VIGIE_HOTLINE_REFERRAL_H

#include "hotline/hotline.h"
#include "model/route.h"

/* Make and keep the package of referral d at now: *package (malloc'd) and
 * *len, and reference, its name (128 bytes: "referral-<report>-<delivery>
 * -<first 16 hex of its SHA-256>"). */
vg_status vg_hotline_referral_make(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                   char **package, size_t *len, char reference[128],
                                   vg_error *err);

/* The hotline's public signing key (64 hex digits into out[65]), which
 * receivers pin to check packages (vigie referral verify --key). */
vg_status vg_hotline_referral_key(vg_hotline *h, char out[65], vg_error *err);

#endif
