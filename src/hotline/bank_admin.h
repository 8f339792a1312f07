/*
 * src/hotline/bank_admin.h - the banks as an administrator sees them in the
 * browser, and the server's health.
 *
 * Two kinds of bank: the index (intake.index: hash lists from elsewhere,
 * each named after its file), which these use cases change by replacing
 * its file (the engine writes a new one and renames it; searches running
 * on the old one finish on it, index_ref.h); and the organisation's own
 * bank, which only four-eyes fills (assessment.h) and only reopening a
 * decision empties. Changes to the index are audited once the new file is
 * in place (a file is not part of the store's transaction): an entry
 * records a change that happened.
 */
#ifndef VIGIE_HOTLINE_BANK_ADMIN_H
#define VIGIE_HOTLINE_BANK_ADMIN_H

#include "hotline/hotline.h"
#include "model/item.h"
#include "vigie/index.h"

/* What the server's health page shows. */
typedef struct vg_health {
    int schema_version;
    int64_t items_open, items_second, items_disputed, items_confirmed, items_automatic;
    int64_t own_bank_entries;
    int64_t audit_entries; /* the chain head's sequence number */
    vg_store_stats store;
    int index_configured;
    vg_index_stats index;     /* when the index is open */
    char index_problem[520];  /* why a replaced index file could not be opened, or "" */
} vg_health;
vg_status vg_hotline_health(vg_hotline *h, vg_health *out, vg_error *err);

/* The index's banks by name (at most max, borrowed names copied into
 * names[i][128]) with the index's figures; *count = 0 when none is open. */
vg_status vg_hotline_index_banks(vg_hotline *h, char (*names)[128], size_t max, size_t *count,
                                 vg_index_stats *stats, vg_error *err);

/* The organisation's own bank: the entry of sha256 (lowercase hex, not
 * NULL: at most one) or its newest entries; *rows malloc'd
 * (vg_own_entries_free). */
vg_status vg_hotline_own_bank(vg_hotline *h, const char *sha256, size_t limit,
                              vg_own_entry **rows, size_t *count, vg_error *err);

/* Add the entries of a bank file (text, len bytes: one of the bank
 * formats of vigie/bank.h) to the index as bank `bank` (1 to 64 letters,
 * digits, '-', '_'), bad lines refused; audited "bank.import" (or
 * "bank.add" when add_only: a few lines typed in) with the bank and the
 * index's live entries before and after. Reports arriving afterwards are
 * matched against it (reports already in keep the matches found when they
 * arrived). VG_ERR_INVALID with a message for people
 * when there is no index, the name or a line is not acceptable. */
vg_status vg_hotline_bank_import(vg_hotline *h, const char *bank, const char *text, size_t len,
                                 int add_only, const char *actor, int64_t now, uint64_t *added,
                                 vg_error *err);

/* Whether name may name a bank: 1 to 64 letters, digits, '-' or '_'. */
int vg_hotline_bank_name_valid(const char *name);

/* The index change of vg_hotline_bank_import without its audit entry, for
 * use cases that audit it with more (bank_curation.h): *first gets the
 * number of the first entry added (the others follow it), *before and
 * *after the index's live entries. One change of the index at a time. */
vg_status vg_hotline_index_add(vg_hotline *h, const char *bank, const char *text, size_t len,
                               uint64_t *first, uint64_t *before, uint64_t *after, vg_error *err);
/* The same from a bank file at path, named BANK.txt (the engine names a
 * bank after its file), read as it goes: a list of millions is never held. */
vg_status vg_hotline_index_add_file(vg_hotline *h, const char *bank, const char *path,
                                    uint64_t *first, uint64_t *before, uint64_t *after,
                                    vg_error *err);
/* Remove the entries whose id is one of ids from bank (NULL: any) of the
 * index, unaudited: *removed how many. */
vg_status vg_hotline_index_remove(vg_hotline *h, const char *bank, const char *const *ids,
                                  size_t count, uint64_t *removed, vg_error *err);

/* vg_hotline_bank_import for a list in one of the field's formats
 * (vigie/exchange.h: "te", "vics", "ncmec", "stopncii"), converted to a
 * vigie bank first as `vigie bank import` does (withdrawn and deleted
 * entries left out); categories: the VICS table ("us", "uk", or NULL to
 * keep the numbers only). Audited "bank.import" with the format and what
 * was left out. */
vg_status vg_hotline_bank_import_format(vg_hotline *h, const char *bank, const char *format,
                                        const char *categories, const char *text, size_t len,
                                        const char *actor, int64_t now, uint64_t *added,
                                        vg_error *err);

/* The live entries of the index's bank written to sink in format ("vigie"
 * for a vigie CSV bank, or one of vg_hotline_bank_import_format's), with
 * the VICS table categories (NULL: none); *written how many entries the
 * output carries, *skipped those the format has no place for (videos,
 * patch sets, a type the format lacks). Audited "bank.export" (a list of
 * hashes leaving the hotline is a fact to keep). VG_ERR_INVALID: no such
 * bank or format. */
vg_status vg_hotline_bank_export(vg_hotline *h, const char *bank, const char *format,
                                 const char *categories, vg_status (*write)(void *ctx,
                                                                            const void *data,
                                                                            size_t len,
                                                                            vg_error *err),
                                 void *ctx, const char *actor, int64_t now, uint64_t *written,
                                 uint64_t *skipped, vg_error *err);

/* Remove the entries whose id is id from bank (NULL: any bank) of the
 * index: *removed how many; audited "bank.remove" when any was. */
vg_status vg_hotline_bank_remove(vg_hotline *h, const char *bank, const char *id,
                                 const char *actor, int64_t now, uint64_t *removed,
                                 vg_error *err);

#endif
