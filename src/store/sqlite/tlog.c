/*
 * src/store/sqlite/tlog.c - the transparency log's tables (store/tlog.h).
 * Hashes are kept as lowercase hex, as the other digests of the store.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

static const char SQL_SIZE[] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM tlog_entries";
static const char SQL_ENTRY_PUT[] = "INSERT INTO tlog_entries(idx, entry) VALUES(?, ?)";
static const char SQL_HASH_PUT[] = "INSERT INTO tlog_hashes(level, idx, hash) VALUES(?, ?, ?)";
static const char SQL_HASHES[] =
    "SELECT idx, hash FROM tlog_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx";
static const char SQL_ENTRIES[] =
    "SELECT idx, entry FROM tlog_entries WHERE idx >= ? AND idx < ? ORDER BY idx";
static const char SQL_CHECKPOINT_PUT[] =
    "INSERT INTO tlog_checkpoints(size, note, at) VALUES(?, ?, ?) ON CONFLICT(size) DO NOTHING";
static const char SQL_CHECKPOINT_LATEST[] =
    "SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1";

vg_status sq_tlog_size(void *tx, uint64_t *size, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_SIZE);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *size = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "reading the log's size");
}

vg_status sq_tlog_append(void *tx, uint64_t index, const char *entry, size_t len,
                         const vg_tlog_hash_row *hashes, size_t count, vg_error *err)
{
    conn *c = tx;
    uint64_t size = 0;
    vg_status status = sq_tlog_size(tx, &size, err);
    if (status)
        return status;
    if (index != size)
        return vg_error_set(err, VG_ERR_INVALID, "the log has %llu entries: entry %llu cannot "
                            "be appended", (unsigned long long)size, (unsigned long long)index);
    SQ_STMT(st, SQL_ENTRY_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_text(st, 2, entry, (int)len, SQLITE_STATIC);
    if ((status = sq_step_done(c, st, "appending to the log", err)))
        return status;
    for (size_t i = 0; i < count; i++) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, hashes[i].hash, 32);
        SQ_STMT(h, SQL_HASH_PUT);
        sqlite3_bind_int(h, 1, (int)hashes[i].level);
        sqlite3_bind_int64(h, 2, (sqlite3_int64)hashes[i].index);
        sq_bind_text(h, 3, hex);
        if ((status = sq_step_done(c, h, "storing the log's hashes", err)))
            return status;
    }
    return VG_OK;
}

vg_status sq_tlog_hashes(void *tx, unsigned level, uint64_t index, size_t count,
                         unsigned char *out, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_HASHES);
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(index + count));
    size_t got = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *hex = (const char *)sqlite3_column_text(st, 1);
        size_t n = 0;
        if ((uint64_t)sqlite3_column_int64(st, 0) != index + got || !hex ||
            sodium_hex2bin(out + got * 32, 32, hex, strlen(hex), NULL, &n, NULL) || n != 32)
            break;
        got++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_db_error(err, c->db, "reading the log's hashes");
    if (got != count)
        return vg_error_set(err, VG_ERR_INVALID, "the log has no hash %llu at level %u",
                            (unsigned long long)(index + got), level);
    return VG_OK;
}

vg_status sq_tlog_entries(void *tx, uint64_t index, size_t count, char **texts, size_t *lens,
                          vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_ENTRIES);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(index + count));
    size_t got = 0;
    int rc, nomem = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((uint64_t)sqlite3_column_int64(st, 0) != index + got)
            break;
        lens[got] = (size_t)sqlite3_column_bytes(st, 1);
        if (!(texts[got] = sq_text(st, 1))) {
            nomem = 1;
            break;
        }
        got++;
    }
    sqlite3_reset(st);
    vg_status status = VG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the log's entries");
    else if (nomem)
        status = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    else if (got != count)
        status = vg_error_set(err, VG_ERR_INVALID, "the log has no entry %llu",
                              (unsigned long long)(index + got));
    if (status)
        for (size_t i = 0; i < got; i++) {
            free(texts[i]);
            texts[i] = NULL;
        }
    return status;
}

vg_status sq_tlog_checkpoint_put(void *tx, uint64_t size, const char *note, int64_t at,
                                 vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CHECKPOINT_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sq_bind_text(st, 2, note);
    sqlite3_bind_int64(st, 3, at);
    return sq_step_done(c, st, "storing a checkpoint", err);
}

vg_status sq_tlog_checkpoint_latest(void *tx, uint64_t *size, char **note, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CHECKPOINT_LATEST);
    int rc = sqlite3_step(st);
    vg_status status = VG_OK;
    if (rc == SQLITE_ROW) {
        *size = (uint64_t)sqlite3_column_int64(st, 0);
        if (!(*note = sq_text(st, 1)))
            status = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else if (rc != SQLITE_DONE) {
        status = sq_db_error(err, c->db, "reading the latest checkpoint");
    }
    sqlite3_reset(st);
    return status;
}
