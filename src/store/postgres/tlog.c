/*
 * src/store/postgres/tlog.c - the transparency log's tables (store/tlog.h).
 * Hashes are kept as lowercase hex, as in the SQLite backend.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char SQL_SIZE[] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM tlog_entries";
static const char SQL_ENTRY_PUT[] = "INSERT INTO tlog_entries(idx, entry) VALUES($1, $2)";
static const char SQL_HASH_PUT[] =
    "INSERT INTO tlog_hashes(level, idx, hash) VALUES($1, $2, $3)";
static const char SQL_HASHES[] = "SELECT idx, hash FROM tlog_hashes WHERE level = $1 AND "
                                 "idx >= $2 AND idx < $3 ORDER BY idx";
static const char SQL_ENTRIES[] =
    "SELECT idx, entry FROM tlog_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx";
static const char SQL_CHECKPOINT_PUT[] = "INSERT INTO tlog_checkpoints(size, note, at) "
                                         "VALUES($1, $2, $3) ON CONFLICT(size) DO NOTHING";
static const char SQL_CHECKPOINT_LATEST[] =
    "SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1";

/* Appends are serialised on one lock: the size read decides the index. */
vg_status pg_tlog_size(void *tx, uint64_t *size, vg_error *err)
{
    vg_status st = pg_lock_key(tx, PG_LOCK_TLOG, "tlog", err);
    if (st)
        return st;
    PGresult *res = pg_run(tx, SQL_SIZE, NULL, "reading the log's size", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *size = (uint64_t)pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

vg_status pg_tlog_append(void *tx, uint64_t index, const char *entry, size_t len,
                         const vg_tlog_hash_row *hashes, size_t count, vg_error *err)
{
    uint64_t size = 0;
    vg_status st = pg_tlog_size(tx, &size, err);
    if (st)
        return st;
    if (index != size)
        return vg_error_set(err, VG_ERR_INVALID, "the log has %llu entries: entry %llu cannot "
                            "be appended", (unsigned long long)size, (unsigned long long)index);
    char *text = strndup(entry, len);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pg_args a = {0};
    pa_int(&a, (int64_t)index);
    pa_text(&a, text);
    st = pg_done(tx, SQL_ENTRY_PUT, &a, "appending to the log", NULL, err);
    free(text);
    for (size_t i = 0; i < count && !st; i++) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, hashes[i].hash, 32);
        pg_args h = {0};
        pa_int(&h, hashes[i].level);
        pa_int(&h, (int64_t)hashes[i].index);
        pa_text(&h, hex);
        st = pg_done(tx, SQL_HASH_PUT, &h, "storing the log's hashes", NULL, err);
    }
    return st;
}

vg_status pg_tlog_hashes(void *tx, unsigned level, uint64_t index, size_t count,
                         unsigned char *out, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, level);
    pa_int(&a, (int64_t)index);
    pa_int(&a, (int64_t)(index + count));
    PGresult *res = pg_run(tx, SQL_HASHES, &a, "reading the log's hashes", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    size_t got = 0;
    for (int r = 0; r < PQntuples(res) && got < count; r++) {
        const char *hex = PQgetvalue(res, r, 1);
        size_t n = 0;
        if ((uint64_t)pg_int(res, r, 0) != index + got ||
            sodium_hex2bin(out + got * 32, 32, hex, strlen(hex), NULL, &n, NULL) || n != 32)
            break;
        got++;
    }
    PQclear(res);
    if (got != count)
        return vg_error_set(err, VG_ERR_INVALID, "the log has no hash %llu at level %u",
                            (unsigned long long)(index + got), level);
    return VG_OK;
}

vg_status pg_tlog_entries(void *tx, uint64_t index, size_t count, char **texts, size_t *lens,
                          vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, (int64_t)index);
    pa_int(&a, (int64_t)(index + count));
    PGresult *res = pg_run(tx, SQL_ENTRIES, &a, "reading the log's entries", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    size_t got = 0;
    vg_status st = VG_OK;
    for (int r = 0; r < PQntuples(res) && got < count; r++) {
        if ((uint64_t)pg_int(res, r, 0) != index + got)
            break;
        lens[got] = (size_t)PQgetlength(res, r, 1);
        if (!(texts[got] = pg_text(res, r, 1))) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        got++;
    }
    PQclear(res);
    if (!st && got != count)
        st = vg_error_set(err, VG_ERR_INVALID, "the log has no entry %llu",
                          (unsigned long long)(index + got));
    if (st)
        for (size_t i = 0; i < got; i++) {
            free(texts[i]);
            texts[i] = NULL;
        }
    return st;
}

vg_status pg_tlog_checkpoint_put(void *tx, uint64_t size, const char *note, int64_t at,
                                 vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, (int64_t)size);
    pa_text(&a, note);
    pa_int(&a, at);
    return pg_done(tx, SQL_CHECKPOINT_PUT, &a, "storing a checkpoint", NULL, err);
}

vg_status pg_tlog_checkpoint_latest(void *tx, uint64_t *size, char **note, vg_error *err)
{
    PGresult *res = pg_run(tx, SQL_CHECKPOINT_LATEST, NULL, "reading the latest checkpoint", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    vg_status st = VG_OK;
    if (PQntuples(res)) {
        *size = (uint64_t)pg_int(res, 0, 0);
        if (!(*note = pg_text(res, 0, 1)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    PQclear(res);
    return st;
}
