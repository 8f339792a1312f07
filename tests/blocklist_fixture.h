/*
 * tests/blocklist_fixture.h - what a blocking list entry rests on, planted
 * on a real store for the tests that propose and approve entries through
 * the use cases (tests/jobs/test_blocklist.c, the members' API in
 * tests/server/test_blocklist_api.c): a report of a URL with a file vigie
 * holds (or only a digest the sender quoted), its item confirmed as CSAM
 * and an approved route to the host, as assessment and orientation would
 * have written them.
 */
#ifndef VIGIE_TESTS_BLOCKLIST_FIXTURE_H
#define VIGIE_TESTS_BLOCKLIST_FIXTURE_H

#include "harness.h"
#include "hotline/intake.h"
#include "model/vocab.h"
#include "store/items.h"
#include "store/routes.h"

/* A report of url received at now with a file vigie holds (held = 1) or
 * one digest the sender quoted (held = 0); its id. */
static int64_t bf_submit(vg_hotline *h, const char *url, int held, int64_t now)
{
    vg_intake_draft d;
    vg_report_ack ack = {0};
    vg_error err;
    CHECK(vg_intake_draft_init(&d, "api", &err) == VG_OK);
    d.report.category = "image_video";
    CHECK_MSG(vg_intake_draft_url(&d, url, &err) == VG_OK, "%s: %s", url, err.message);
    if (held) {
        static const uint8_t synthetic[] = "synthetic bytes standing for a held file";
        vg_vault_writer *w = NULL;
        vg_vault_item item;
        CHECK(vg_vault_writer_new(h->vault, &w, &err) == VG_OK);
        CHECK(vg_vault_write(w, synthetic, sizeof synthetic, &err) == VG_OK);
        CHECK(vg_vault_commit(w, &item, &err) == VG_OK);
        vg_vault_writer_free(w);
        CHECK(vg_intake_draft_add_item(h, &d, &item, NULL, &err) == VG_OK);
    } else {
        CHECK_MSG(vg_intake_draft_digests(
                      h, &d, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                      NULL, NULL, NULL, NULL, 0, &err) == VG_OK,
                  "%s", err.message);
    }
    CHECK_MSG(vg_hotline_submit(h, &d, NULL, now, &ack, &err) == VG_OK, "%s", err.message);
    int64_t id = ack.id;
    vg_report_ack_clear(&ack);
    vg_intake_draft_free(h, &d);
    return id;
}

typedef struct bf_confirm_args {
    int64_t report_id;
    const char *url, *country;
    int64_t now;
    int64_t route_id;
} bf_confirm_args;

/* The item confirmed as CSAM, and an approved route to the host in
 * country. */
static vg_status bf_confirm_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    bf_confirm_args *a = ctx;
    vg_item it = {.report_id = a->report_id, .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    vg_status st = vg_tx_item_put(tx, &it, a->now, err);
    vg_url_route_row route = {.report_id = a->report_id, .url = (char *)a->url,
                              .state = VG_URL_ROUTE_APPROVED,
                              .actions = "notice_host,propose_blocking",
                              .reasons = "hosted_abroad_no_partner", .country = (char *)a->country,
                              .partner = "", .hosting = "{}", .created_at = a->now};
    int inserted = 0;
    if (st == VG_OK)
        st = vg_tx_route_put(tx, &route, &inserted, err);
    vg_url_route_row *rows = NULL;
    size_t n = 0;
    if (st == VG_OK)
        st = vg_tx_routes(tx, a->report_id, 0, &rows, &n, err);
    a->route_id = n ? rows[0].id : 0;
    vg_url_route_rows_free(rows, n);
    return st;
}

/* The route of a report of url hosted in country (held: as bf_submit);
 * *report_id (may be NULL) gets the report's id. */
static int64_t bf_route_of(vg_hotline *h, const char *url, const char *country, int held,
                           int64_t now, int64_t *report_id)
{
    bf_confirm_args a = {bf_submit(h, url, held, now), url, country, now, 0};
    vg_error err;
    CHECK_MSG(vg_store_write(h->store, bf_confirm_tx, &a, &err) == VG_OK, "%s", err.message);
    if (report_id)
        *report_id = a.report_id;
    return a.route_id;
}

#endif
