/*
 * blocklist_plant DIR add | DIR remove REPORT URL - plants the blocking
 * list entries tests/cli/blocklist_check.sh checks, in the data directory
 * DIR/data that the script's `vigie serve` then serves: each entry proposed
 * by one person and approved by another through the use cases (as
 * tests/server/test_blocklist_api.c does), and a page's material recorded
 * gone. "add" prints a members' key (scope blocklist), then "URL REPORT"
 * for each entry.
 */
#include "blocklist_fixture.h"
#include "hotline/blocklist.h"
#include "hotline/routing.h"
#include "server_test.h"

#define NOW INT64_C(1800000000)

static const struct {
    const char *url, *kind;
} ENTRY[] = {
    {"http://www.evil.com/blah#frag", VG_BLOCK_KIND_URL},
    {"http://host.com/ab%23cd", VG_BLOCK_KIND_URL},
    {"http://notrailingslash.com", VG_BLOCK_KIND_DOMAIN},
    {"http://www.gotaport.com:1234/", VG_BLOCK_KIND_DOMAIN},
};

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "add") && (strcmp(argv[2], "remove") || argc != 5))) {
        fprintf(stderr, "usage: blocklist_plant DIR add | DIR remove REPORT URL\n");
        return 2;
    }
    ts_server t;
    memset(&t, 0, sizeof t);
    snprintf(t.dir, sizeof t.dir, "%s", argv[1]);
    if (!ts_open_in(&t, "routing.country = FR\nblocklist.legal_bases = Art. 6-1, LCEN\n"
                           "blocklist.stop_host = stop.hotline.example\n"))
        return 1;
    vg_hotline *h = t.srv->hotline;
    vg_error err;
    if (!strcmp(argv[2], "add")) {
        char key[80];
        CHECK(ts_api_key_scoped(&t, "An ISP", 0, VG_SCOPE_BLOCKLIST, key) > 0);
        printf("%s\n", key);
        const vg_actor ann = {"ann", 0}, sam = {"sam", 1};
        for (size_t i = 0; i < sizeof ENTRY / sizeof ENTRY[0]; i++) {
            char why[200] = "";
            int done = 0;
            int64_t report = 0, entry = 0;
            int64_t route = bf_route_of(h, ENTRY[i].url, "NL", 1, NOW, &report);
            CHECK_MSG(vg_hotline_block_propose(h, &ann, route, ENTRY[i].kind,
                                               "Art. 6-1, LCEN", NOW, &entry, why, sizeof why,
                                               &err) == VG_OK,
                      "%s: %s", ENTRY[i].url, why);
            CHECK_MSG(vg_hotline_block_decide(h, &sam, entry, 1, "", NOW + 1, &done, why,
                                              sizeof why, &err) == VG_OK &&
                          done,
                      "%s: %s", ENTRY[i].url, why);
            printf("%s %lld\n", ENTRY[i].url, (long long)report);
        }
    } else {
        int recorded = 0;
        CHECK_MSG(vg_hotline_route_removed(h, strtoll(argv[3], NULL, 10), argv[4], "bob",
                                           NOW + 3, &recorded, &err) == VG_OK,
                  "%s", err.message);
    }
    vg_server_free(t.srv);
    return vg_test_exit();
}
