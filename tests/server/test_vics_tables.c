/*
 * A hotline's own VICS category table (issue 19, hotline/vics_tables.h),
 * in process on SQLite and as test_vics_tables_pg: a table of the
 * configuration maps a VICS list's Category numbers to vigie's
 * classification on import through the banks page, beside the built-in
 * tables, whose meaning does not change; a table that does not parse stops
 * the server, naming its key; a table nobody configured is refused.
 */
#include "test_people.h"
#include "vigie/index.h"

/* Two Media in VICS 2.0 (the OData envelope of Project VIC's data model):
 * Category 3 and Category 1. */
static const char LIST[] =
    "{\"@odata.context\": \"http://github.com/VICSDATAMODEL/ProjectVic.svc/$metadata#Media\","
    " \"value\": ["
    "{\"MediaID\": 1, \"Category\": 3, \"MD5\": \"0123456789ABCDEF0123456789ABCDEF\"},"
    "{\"MediaID\": 2, \"Category\": 1, \"MD5\": \"FEDCBA9876543210FEDCBA9876543210\"}]}";

static long banks_form(ts_server *t, const person *admin, const char *const *fields,
                       const char *file, ts_response *r)
{
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", admin->csrf);
    for (size_t i = 0; fields[i]; i += 2)
        ti_mp_field(&m, fields[i], fields[i + 1]);
    if (file)
        ti_mp_file(&m, "file", "list.json", (const uint8_t *)file, strlen(file));
    ti_mp_end(&m);
    const char *headers[] = {admin->cookie,
                             "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    long status = ts_call(t, "POST", "/console/admin/banks", headers, m.buf, m.len, r)
                      ? r->status
                      : -1;
    free(m.buf);
    return status;
}

/* The bank exported as vigie's CSV (its rows with their metadata). */
static char *export_csv(ts_server *t, const person *admin, const char *bank)
{
    const char *exp[] = {"action", "export", "bank", bank, "format", "vigie", NULL};
    ts_response r;
    char *out = NULL;
    if (banks_form(t, admin, exp, NULL, &r) == 200 && r.body)
        out = strdup(r.body);
    ts_response_free(&r);
    return out;
}

static void test_own_table(void)
{
    char dir[] = "/tmp/vg-vics-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "seed", NULL, 0, &bank, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);
    char extra[800];
    snprintf(extra, sizeof extra,
             "intake.index = %s\n"
             "exchange.vics_categories.national = 1=illegal_csam/A; 3=other_illegal/C\n",
             index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person admin;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    ts_response r;
    /* offered on the page beside the built-in tables */
    CHECK(get(&t, &admin, "/console/admin/banks", &r) && r.status == 200);
    CHECK(r.body && strstr(r.body, "<option value=\"national\">national (this hotline's "
                                   "table)</option>") &&
          strstr(r.body, "<option value=\"us\">"));
    ts_response_free(&r);
    /* imported with it: Category 3 is other_illegal, grade C */
    const char *own[] = {"action", "import", "bank", "own-table", "format", "vics",
                         "categories", "national", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, own, LIST, &r), 200);
    CHECK(r.body && strstr(r.body, "2 entries added"));
    ts_response_free(&r);
    char *csv = export_csv(&t, &admin, "own-table");
    CHECK(csv && strstr(csv, "md5,0123456789abcdef0123456789abcdef,1,") &&
          strstr(csv, ",other_illegal,C") && strstr(csv, ",illegal_csam,A"));
    free(csv);
    /* the built-in US table is unchanged: 3 is not one it maps */
    const char *us[] = {"action", "import", "bank", "us-table", "format", "vics", "categories",
                        "us", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, us, LIST, &r), 200);
    ts_response_free(&r);
    csv = export_csv(&t, &admin, "us-table");
    CHECK(csv && strstr(csv, ",illegal_csam") && !strstr(csv, "other_illegal"));
    free(csv);
    /* a table nobody configured: refused, nothing added */
    const char *none[] = {"action", "import", "bank", "x-table", "format", "vics",
                          "categories", "elsewhere", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, none, LIST, &r), 422);
    CHECK(r.body && strstr(r.body, "exchange.vics_categories.NAME"));
    ts_response_free(&r);
    ts_stop(&t);

    /* a table that does not parse, or a name that is none: the server
     * does not start */
    CHECK(!ts_open(&t, "exchange.vics_categories.broken = 3=maybe\n"));
    CHECK(!ts_open(&t, "exchange.vics_categories.broken = 99=illegal_csam\n"));
    CHECK(!ts_open(&t, "exchange.vics_categories.none = 1=illegal_csam\n"));
    ts_remove_dir(dir);
}

int main(void)
{
    RUN(test_own_table);
    return vg_test_exit();
}
