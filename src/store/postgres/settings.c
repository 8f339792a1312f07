/*
 * src/store/postgres/settings.c - small named values (store/store.h).
 */
#include "store/postgres/pg.h"

static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE name = $1";
static const char SQL_SETTING_INIT[] =
    "INSERT INTO settings(name, value) VALUES($1, $2) ON CONFLICT(name) DO NOTHING";
static const char SQL_SETTING_SET[] =
    "INSERT INTO settings(name, value) VALUES($1, $2) ON CONFLICT(name) DO UPDATE SET "
    "value = excluded.value";

vg_status pg_setting_get(void *tx, const char *name, char **value, vg_error *err)
{
    *value = NULL;
    pg_args a = {0};
    pa_text(&a, name);
    PGresult *res = pg_run(tx, SQL_SETTING_GET, &a, "reading a setting", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res))
        *value = pg_text(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

vg_status pg_setting_set(void *tx, const char *name, const char *value, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, name);
    pa_text(&a, value);
    return pg_done(tx, SQL_SETTING_SET, &a, "writing a setting", NULL, err);
}

/* At READ COMMITTED the insert waits for a concurrent one of the same name
 * to commit and then does nothing; the read after it (a new statement, a
 * new snapshot) sees the value that won. */
vg_status pg_setting_init(void *tx, const char *name, const char *value, char **value_out,
                          vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, name);
    pa_text(&a, value);
    vg_status st = pg_done(tx, SQL_SETTING_INIT, &a, "writing a setting", NULL, err);
    if (st == VG_OK && value_out)
        st = pg_setting_get(tx, name, value_out, err);
    return st;
}
