/*
 * The blocking list's use cases on a real store: a proposal from an
 * approved route hosted abroad, refused when one safeguard is missing
 * (the same person approving, an analyst approving, evidence that is only
 * a digest the sender quoted, a basis not configured, a route at home),
 * approved by a second person (listed, a new version, a public log
 * entry), renewed by two people, an appeal decided with a reason, an
 * expiry by the job's use case, and the material gone (a person's record).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocklist_fixture.h"
#include "harness.h"
#include "hotline/blocklist.h"
#include "hotline/intake.h"
#include "hotline/routing.h"
#include "model/vocab.h"
#include "store/blocklist.h"
#include "store/items.h"
#include "store/routes.h"
#include "store/tlog.h"

#define NOW INT64_C(1800000000)
#define BASIS "Art. 6-1, LCEN"

static int open_hotline(const char *dir, vg_hotline **h, vg_error *err)
{
    char text[1200];
    snprintf(text, sizeof text,
             "data_dir = %s\n"
             "routing.country = FR\n"
             "blocklist.legal_bases = " BASIS "; Order 2026/17\n"
             "blocklist.days = 30\n",
             dir);
    vg_config *cfg = NULL;
    vg_hotline_options options = {.with_evidence = 1};
    int ok = vg_config_new(&cfg, err) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", err) == VG_OK &&
             vg_hotline_open(cfg, &options, h, err) == VG_OK;
    vg_config_free(cfg);
    return ok;
}

static int64_t route_of(vg_hotline *h, const char *url, const char *country, int held,
                        int64_t *report_id)
{
    return bf_route_of(h, url, country, held, NOW, report_id);
}

static vg_status sizes_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    int64_t *out = ctx;
    uint64_t size = 0;
    vg_status st = vg_tx_tlog_size(tx, &size, err);
    out[0] = (int64_t)size;
    return st == VG_OK ? vg_tx_blocklist_version(tx, &out[1], err) : st;
}

/* The public log's size and the list's version. */
static void sizes(vg_hotline *h, int64_t *log, int64_t *version)
{
    int64_t out[2] = {0, 0};
    vg_error err;
    CHECK(vg_store_read(h->store, sizes_tx, out, &err) == VG_OK);
    *log = out[0];
    *version = out[1];
}

static vg_block_entry entry(vg_hotline *h, int64_t id)
{
    vg_block_filter f = {.id = id};
    vg_block_entry *rows = NULL, e = {0};
    size_t n = 0;
    vg_error err;
    CHECK(vg_hotline_blocks(h, &f, 1, &rows, &n, &err) == VG_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        e = rows[0];
        memset(&rows[0], 0, sizeof rows[0]);
    }
    vg_block_entries_free(rows, n);
    return e;
}

static void test_blocklist(void)
{
    char dir[] = "/tmp/vigie-blocklist-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    vg_hotline *h = NULL;
    vg_error err;
    if (!open_hotline(dir, &h, &err)) {
        CHECK_MSG(0, "opening: %s", err.message);
        return;
    }
    const vg_actor ann = {"ann", 0}, bob = {"bob", 0}, sam = {"sam", 1}, sue = {"sue", 1};
    char why[200];
    int64_t id = 0, report = 0;
    int done = 0;

    /* refusals: the rules' reasons reach the caller, nothing is written */
    int64_t home = route_of(h, "http://home.example/a.jpg", "FR", 1, NULL);
    CHECK(vg_hotline_block_propose(h, &ann, home, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_INT_EQ(id, 0);
    CHECK_MSG(strstr(why, "hosted in this country") != NULL, "%s", why);
    int64_t quoted = route_of(h, "http://quoted.example/a.jpg", "NL", 0, NULL);
    CHECK(vg_hotline_block_propose(h, &ann, quoted, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_INT_EQ(id, 0);
    CHECK_MSG(strstr(why, "digest a sender quoted") != NULL, "%s", why);
    int64_t abroad = route_of(h, "http://Abroad.Example/a/../b.jpg", "NL", 1, &report);
    CHECK(vg_hotline_block_propose(h, &ann, abroad, VG_BLOCK_KIND_URL, "Art. 99", NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_INT_EQ(id, 0);
    CHECK_MSG(strstr(why, "legal basis") != NULL, "%s", why);

    /* proposed by ann */
    CHECK(vg_hotline_block_propose(h, &ann, abroad, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_MSG(id > 0, "%s", why);
    int64_t first = id;
    vg_block_entry e = entry(h, first);
    CHECK_STR_EQ(e.target, "http://abroad.example/b.jpg"); /* Safe Browsing's canonical form */
    CHECK_STR_EQ(e.state, VG_BLOCK_PROPOSED);
    CHECK_STR_EQ(e.proposed_by, "ann");
    CHECK_STR_EQ(e.legal_basis, BASIS);
    vg_block_entry_clear(&e);
    /* twice: refused, the first stands */
    CHECK(vg_hotline_block_propose(h, &bob, abroad, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_INT_EQ(id, 0);

    int64_t log = -1, version = -1;
    sizes(h, &log, &version);
    CHECK_INT_EQ(log, 0);
    CHECK_INT_EQ(version, 0);
    /* the same person, then an analyst: refused */
    vg_actor ann_super = {"ann", 1};
    CHECK(vg_hotline_block_decide(h, &ann_super, first, 1, "", NOW, &done, why, sizeof why,
                                  &err) == VG_OK);
    CHECK(!done);
    CHECK_MSG(strstr(why, "second person") != NULL, "%s", why);
    CHECK(vg_hotline_block_decide(h, &bob, first, 1, "", NOW, &done, why, sizeof why, &err) ==
          VG_OK);
    CHECK(!done);
    CHECK_MSG(strstr(why, "supervisor") != NULL, "%s", why);
    /* a supervisor who is someone else: listed for 30 days, logged */
    CHECK(vg_hotline_block_decide(h, &sam, first, 1, "", NOW + 10, &done, why, sizeof why,
                                  &err) == VG_OK);
    CHECK_MSG(done, "%s", why);
    e = entry(h, first);
    CHECK_STR_EQ(e.state, VG_BLOCK_LISTED);
    CHECK_STR_EQ(e.approved_by, "sam");
    CHECK_INT_EQ(e.starts_at, NOW + 10);
    CHECK_INT_EQ(e.expires_at, NOW + 10 + 30 * 86400);
    CHECK_INT_EQ(e.listed_version, 1);
    vg_block_entry_clear(&e);
    sizes(h, &log, &version);
    CHECK_INT_EQ(log, 1);
    CHECK_INT_EQ(version, 1);

    /* renewal: proposed by an analyst, approved by another person */
    CHECK(vg_hotline_block_renew(h, &bob, first, NOW + 20, &done, why, sizeof why, &err) ==
          VG_OK);
    CHECK(done);
    CHECK(vg_hotline_block_decide(h, &(vg_actor){"bob", 1}, first, 1, "", NOW + 21, &done, why,
                                  sizeof why, &err) == VG_OK);
    CHECK(!done); /* bob proposed the renewal */
    CHECK(vg_hotline_block_decide(h, &sue, first, 1, "", NOW + 86400, &done, why, sizeof why,
                                  &err) == VG_OK);
    CHECK(done);
    e = entry(h, first);
    CHECK_INT_EQ(e.expires_at, NOW + 86400 + 30 * 86400);
    CHECK_STR_EQ(e.renewal_by, "");
    vg_block_entry_clear(&e);
    sizes(h, &log, &version);
    CHECK_INT_EQ(log, 2);     /* renewed */
    CHECK_INT_EQ(version, 1); /* what is listed did not change */

    /* an appeal quoting the URL in another spelling finds the entry */
    int64_t appeal = 0;
    CHECK(vg_hotline_appeal_add(h, "", "x", "", NOW, &appeal, &err) == VG_ERR_INVALID);
    CHECK(vg_hotline_appeal_add(h, "http://abroad.example/./b.jpg#top", "my own holiday photo",
                                "", NOW + 30, &appeal, &err) == VG_OK);
    vg_block_appeal *ap = NULL;
    size_t n = 0;
    CHECK(vg_hotline_appeals(h, appeal, NULL, 10, &ap, &n, &err) == VG_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1)
        CHECK_INT_EQ(ap[0].entry_id, first);
    vg_block_appeals_free(ap, n);
    CHECK(vg_hotline_appeal_decide(h, &bob, appeal, 0, "not an error", NOW + 40, &done, why,
                                   sizeof why, &err) == VG_OK);
    CHECK(!done); /* an analyst */
    CHECK(vg_hotline_appeal_decide(h, &sam, appeal, 0, " ", NOW + 40, &done, why, sizeof why,
                                   &err) == VG_OK);
    CHECK(!done); /* no reason */
    CHECK(vg_hotline_appeal_decide(h, &sam, appeal, 1, "the page is a news report", NOW + 40,
                                   &done, why, sizeof why, &err) == VG_OK);
    CHECK_MSG(done, "%s", why);
    e = entry(h, first);
    CHECK_STR_EQ(e.state, VG_BLOCK_REMOVED);
    CHECK_STR_EQ(e.removal_reason, VG_BLOCK_APPEAL);
    CHECK_INT_EQ(e.removed_version, 2);
    vg_block_entry_clear(&e);
    sizes(h, &log, &version);
    CHECK_INT_EQ(log, 4); /* appeal granted, removed */
    CHECK_INT_EQ(version, 2);

    /* a whole domain, listed, then expired by the job's use case */
    int64_t dom = route_of(h, "http://www.dedicated.example/x/1.jpg", "US", 1, NULL);
    CHECK(vg_hotline_block_propose(h, &ann, dom, VG_BLOCK_KIND_DOMAIN, "Order 2026/17", NOW, &id,
                                   why, sizeof why, &err) == VG_OK);
    CHECK_MSG(id > 0, "%s", why);
    int64_t domain = id;
    CHECK(vg_hotline_block_decide(h, &sam, domain, 1, "", NOW, &done, why, sizeof why, &err) ==
          VG_OK);
    e = entry(h, domain);
    CHECK_STR_EQ(e.target, "www.dedicated.example");
    vg_block_entry_clear(&e);
    size_t removed = 9;
    CHECK(vg_hotline_block_expire(h, NOW + 30 * 86400 - 1, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 0);
    CHECK(vg_hotline_block_expire(h, NOW + 30 * 86400, &removed, &err) == VG_OK);
    CHECK_INT_EQ(removed, 1);
    e = entry(h, domain);
    CHECK_STR_EQ(e.removal_reason, VG_BLOCK_EXPIRED);
    vg_block_entry_clear(&e);

    /* the material gone: the entry of that URL leaves the list */
    CHECK(vg_hotline_block_propose(h, &ann, abroad, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_MSG(id > 0, "%s", why); /* proposed again after the appeal */
    int64_t again = id;
    CHECK(vg_hotline_block_decide(h, &sam, again, 1, "", NOW, &done, why, sizeof why, &err) ==
          VG_OK);
    int recorded = 0;
    CHECK_MSG(vg_hotline_route_removed(h, report, "http://Abroad.Example/a/../b.jpg", "bob",
                                       NOW + 50, &recorded, &err) == VG_OK,
              "%s", err.message);
    e = entry(h, again);
    CHECK_STR_EQ(e.state, VG_BLOCK_REMOVED);
    CHECK_STR_EQ(e.removal_reason, VG_BLOCK_GONE);
    vg_block_entry_clear(&e);
    /* and it cannot be proposed while the material is gone */
    CHECK(vg_hotline_block_propose(h, &ann, abroad, VG_BLOCK_KIND_URL, BASIS, NOW, &id, why,
                                   sizeof why, &err) == VG_OK);
    CHECK_INT_EQ(id, 0);
    CHECK_MSG(strstr(why, "already gone") != NULL, "%s", why);

    vg_hotline_free(h);
    snprintf(vg_test_dir, sizeof vg_test_dir, "%s", dir);
    vg_test_remove_dir();
}

int main(void)
{
    RUN(test_blocklist);
    return vg_test_exit();
}
