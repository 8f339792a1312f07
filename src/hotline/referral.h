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

/* Send package (len bytes, named reference) to the e-mail address of the
 * referral target of d (routing.<who>.email) through the alerts' mail
 * server (alerts.email.server, from alerts.email.from). The message says
 * who refers, the package's name, size and SHA-256, the hotline's public
 * key and how to check the package, and whether it holds evidence; it
 * never names the URL nor says what was seen (those are in the signed
 * package, and mail gateways fetch links they find in bodies). The
 * package is attached when it is at most routing.email_max_bytes;
 * larger, the message says that the hotline keeps it for handing over by
 * other means. Its Message-ID names the delivery, the same on every try.
 * how[200] gets what was done ("by e-mail to ADDRESS"). VG_OK once the
 * server accepted it; VG_ERR_IO with what the server said otherwise. */
vg_status vg_hotline_referral_mail(vg_hotline *h, const vg_route_delivery *d, int64_t now,
                                   const char *package, size_t len, const char *reference,
                                   char how[200], vg_error *err);

/* The hotline's public signing key (64 hex digits into out[65]), which
 * receivers pin to check packages (vigie referral verify --key). */
vg_status vg_hotline_referral_key(vg_hotline *h, char out[65], vg_error *err);

#endif
