/*
 * src/model/factpack.h - statistics' facts packed: many vg_report_fact
 * (model/stats.h) in one compact blob, so that a year of a large hotline's
 * reports crosses the store boundary as a few hundred blobs (one per day,
 * store/stats.h) instead of a million rows of 35 columns.
 *
 * The encoding, version 1 (all integers unsigned LEB128 varints; a signed
 * value as its zigzag, computed modulo 2^64 so that every int64 round-trips):
 *
 *   "VGFP" 0x01                    magic and version
 *   nstrings, then each string     its length, its bytes (no NUL byte)
 *   nfacts, then each fact:
 *     id - previous id             (zigzag; the first from 0)
 *     case_id - id                 (zigzag)
 *     created_at - previous one    (zigzag; the first from 0)
 *     mask                         bit k set: time k is not 0 (first look,
 *                                  decided, notice, removed)
 *     each time set, minus created_at (zigzag), in that order
 *     duplicate, files, known_files, claimed_files, videos, urls, notices,
 *     renotices, escalations, reappearances, blocked, appeals (zigzag)
 *     the 16 strings (source, reporter_kind, category, language, country,
 *     state, legal, severity, age, host_country, asn, provider, route, sex,
 *     flags, baseline): 0 for NULL, else 1 + the string's index
 *   checksum                       FNV-1a 64 of every byte before it, 8
 *                                  bytes little-endian
 *
 * The blob is read back from a database: vg_factpack_read treats it as
 * untrusted (every length and index checked, the checksum first), and a
 * blob it cannot read is VG_ERR_CORRUPT, never a wrong fact.
 */
#ifndef VIGIE_MODEL_FACTPACK_H
#define VIGIE_MODEL_FACTPACK_H

#include <stddef.h>
#include <stdint.h>

#include "model/stats.h"
#include "vigie/error.h"

#define VG_FACTPACK_VERSION 1
/* Facts are packed by day of receipt, in UTC: created_at / 86400 (C's and
 * SQL's integer division, toward zero, so that both agree). */
#define VG_FACTPACK_DAY_SECONDS 86400
int64_t vg_factpack_day(int64_t created_at);

/* A pack being built: facts added in any order, strings copied. */
typedef struct vg_factpack vg_factpack;
vg_status vg_factpack_new(vg_factpack **out, vg_error *err);
vg_status vg_factpack_add(vg_factpack *p, const vg_report_fact *fact, vg_error *err);
size_t vg_factpack_count(const vg_factpack *p);
/* The encoding of the facts added so far; *bytes is owned by p, valid until
 * the next add or free. */
vg_status vg_factpack_bytes(vg_factpack *p, const unsigned char **bytes, size_t *len,
                            vg_error *err);
void vg_factpack_free(vg_factpack *p);

/* Non-zero stops the reading (VG_ERR_ABORTED). */
typedef int (*vg_factpack_fn)(void *ctx, const vg_report_fact *fact);
/* Each fact of blob[len] as fn(ctx, fact), its strings valid during the call.
 * Checks the whole blob before the first call: a corrupt one gives no fact. */
vg_status vg_factpack_read(const unsigned char *blob, size_t len, vg_factpack_fn fn, void *ctx,
                           vg_error *err);

#endif
