/*
 * The response policy zone of GET /api/v1/blocklist/rpz, loaded as a
 * member's resolver loads it: Debian's Unbound, started here on loopback
 * with a throw-away configuration, answers names from the zone the test's
 * server wrote after entries were proposed by one person and approved by
 * another.
 *
 * Nothing leaves the machine: the resolver's whole DNS tree is a root zone
 * served by that same Unbound (an auth-zone for "."), which gives each
 * name of the test a "real" address in 192.0.2.0/24 (RFC 5737) and the
 * stop host the address of the test's server; its outgoing queries may
 * only use loopback, and its root hints name a loopback server it is told
 * never to query. A listed domain and any name below it must then resolve,
 * through the zone's CNAME, to the stop page; its parent, a page-only
 * entry, an entry not yet approved, an entry that left the list, and an
 * unlisted name keep their own address. The stop page at that address
 * names the entry's legal basis for the listed Host.
 *
 * It skips when Unbound is not installed, except on CI (CI=true), where it
 * fails: scripts/setup test installs it.
 */
#include <arpa/nameser.h>
#include <fcntl.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "blocklist_fixture.h"
#include "hotline/blocklist.h"
#include "hotline/routing.h"
#include "server_test.h"

#define NOW INT64_C(1800000000)
#define BASIS "Art. 6-1, LCEN"
#define STOP "stop.hotline.example"
#define DEADLINE_SECONDS 60

/* ---- Unbound ------------------------------------------------------------------------ */

static const char *find_unbound(void)
{
    static const char *const places[] = {"/usr/sbin/unbound", "/usr/local/sbin/unbound",
                                         "/usr/bin/unbound"};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (access(places[i], X_OK) == 0)
            return places[i];
    return NULL;
}

/* A loopback UDP port nobody uses now (Unbound takes it next). */
static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    return ok;
}

/* Unbound in the foreground on conf, its output into log; its pid. */
static pid_t start_unbound(const char *unbound, const char *conf, const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* gone with the test, should it die first */
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(unbound, unbound, "-d", "-c", conf, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* ---- a DNS client for one question ------------------------------------------------- */

/* Ask the resolver on port for name's A records. Writes into out what the
 * answer section says, in order, e.g. "CNAME stop.hotline.example A
 * 127.0.0.1", or "NXDOMAIN"; "" when no answer came within wait_ms. */
static void ask(uint16_t port, const char *name, int wait_ms, char *out, size_t cap)
{
    out[0] = 0;
    unsigned char query[512], answer[4096];
    int qlen = res_mkquery(ns_o_query, name, ns_c_in, ns_t_a, NULL, 0, NULL, query,
                           sizeof query);
    if (qlen <= 0)
        return;
    query[2] |= 0x01; /* recursion desired: res_mkquery leaves it to the resolver state */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ssize_t got = -1;
    if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0 &&
        send(fd, query, (size_t)qlen, 0) == qlen) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        /* an answer to another question (a late one) is skipped */
        while (poll(&p, 1, wait_ms) == 1 && (got = recv(fd, answer, sizeof answer, 0)) >= 2 &&
               memcmp(answer, query, 2) != 0)
            got = -1;
    }
    close(fd);
    ns_msg msg;
    if (got < NS_HFIXEDSZ || ns_initparse(answer, (int)got, &msg) != 0)
        return;
    if (ns_msg_getflag(msg, ns_f_rcode) != ns_r_noerror) {
        snprintf(out, cap, "%s",
                 ns_msg_getflag(msg, ns_f_rcode) == ns_r_nxdomain ? "NXDOMAIN" : "FAILED");
        return;
    }
    size_t n = 0;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        char text[NS_MAXDNAME] = "?";
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
            break;
        const unsigned char *rd = ns_rr_rdata(rr);
        if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4)
            n += (size_t)snprintf(out + n, cap - n, "%sA %u.%u.%u.%u", n ? " " : "", rd[0],
                                  rd[1], rd[2], rd[3]);
        else if (ns_rr_type(rr) == ns_t_cname &&
                 ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd, text, sizeof text) >= 0)
            n += (size_t)snprintf(out + n, cap - n, "%sCNAME %s", n ? " " : "", text);
        else
            n += (size_t)snprintf(out + n, cap - n, "%stype %d", n ? " " : "", ns_rr_type(rr));
        if (n >= cap)
            break;
    }
}

/* ---- the list ---------------------------------------------------------------------- */

/* url proposed by ann as kind; listed when approve (by sam). The report's
 * id. */
static int64_t plant(vg_hotline *h, const char *url, const char *kind, int approve)
{
    const vg_actor ann = {"ann", 0}, sam = {"sam", 1};
    int64_t report = 0, entry = 0;
    char why[200] = "";
    int done = 0;
    vg_error err;
    int64_t route = bf_route_of(h, url, "NL", 1, NOW, &report);
    CHECK_MSG(vg_hotline_block_propose(h, &ann, route, kind, BASIS, NOW, &entry, why, sizeof why,
                                       &err) == VG_OK &&
                  entry > 0,
              "%s: %s", url, why);
    if (approve)
        CHECK_MSG(vg_hotline_block_decide(h, &sam, entry, 1, "", NOW + 1, &done, why, sizeof why,
                                          &err) == VG_OK &&
                      done,
                  "%s: %s", url, why);
    return report;
}

/* Each name the resolver is asked, its own address in the test's root
 * zone, and whether the zone must send it to the stop page. */
static const struct {
    const char *name, *address;
    int stopped;
} NAME[] = {
    {"www.gotaport.com", "192.0.2.11", 1},        /* a listed domain */
    {"a.b.www.gotaport.com", "192.0.2.12", 1},    /* below it */
    {"notrailingslash.com", "192.0.2.13", 1},     /* another listed domain */
    {"cdn.notrailingslash.com", "192.0.2.14", 1}, /* below it */
    {"gotaport.com", "192.0.2.21", 0},            /* a listed domain's parent */
    {"www.evil.com", "192.0.2.22", 0},            /* a page is listed there, not the domain */
    {"pending.example", "192.0.2.23", 0},         /* proposed, not approved */
    {"gone.example", "192.0.2.24", 0},            /* listed, then its material gone */
    {"unlisted.example", "192.0.2.25", 0},        /* never reported */
};
#define NAMES (sizeof NAME / sizeof NAME[0])

static const char *unbound;

static void test_unbound_loads_the_zone(void)
{
    ts_server t;
    CHECK(ts_start(&t, "routing.country = FR\nblocklist.legal_bases = " BASIS "\n"
                       "blocklist.stop_host = " STOP "\n"));
    if (!t.srv)
        return;
    vg_hotline *h = t.srv->hotline;
    char key[80];
    CHECK(ts_api_key_scoped(&t, "A resolver", 0, VG_SCOPE_BLOCKLIST, key) > 0);

    plant(h, "http://www.gotaport.com:1234/", VG_BLOCK_KIND_DOMAIN, 1);
    plant(h, "http://notrailingslash.com", VG_BLOCK_KIND_DOMAIN, 1);
    plant(h, "http://www.evil.com/blah#frag", VG_BLOCK_KIND_URL, 1);
    plant(h, "http://pending.example/", VG_BLOCK_KIND_DOMAIN, 0);
    int64_t gone = plant(h, "http://gone.example/", VG_BLOCK_KIND_DOMAIN, 1);
    int recorded = 0;
    vg_error err;
    CHECK_MSG(vg_hotline_route_removed(h, gone, "http://gone.example/", "bob", NOW + 3,
                                       &recorded, &err) == VG_OK,
              "%s", err.message);

    /* the zone, as a member fetches it */
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, NULL};
    ts_response zone;
    CHECK(ts_call(&t, "GET", "/api/v1/blocklist/rpz", headers, NULL, 0, &zone));
    CHECK_MSG(zone.status == 200, "%ld %s", zone.status, zone.body);

    char dir[300], path[400], conf[400], log[400];
    snprintf(dir, sizeof dir, "%s/unbound", t.dir);
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(path, sizeof path, "%s/vigie.rpz", dir);
    CHECK(write_text(path, zone.body, zone.body_len));
    ts_response_free(&zone);

    /* the whole DNS tree: every name of the test, and the stop host at the
     * test's server */
    char root[4096];
    size_t n = (size_t)snprintf(root, sizeof root,
                                "$TTL 300\n"
                                ". IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300\n"
                                ". IN NS localhost.\n" STOP ". IN A 127.0.0.1\n");
    for (size_t i = 0; i < NAMES; i++)
        n += (size_t)snprintf(root + n, sizeof root - n, "%s. IN A %s\n", NAME[i].name,
                              NAME[i].address);
    snprintf(path, sizeof path, "%s/root.zone", dir);
    CHECK(write_text(path, root, n));
    /* never queried (do-not-query-localhost), so no compiled-in root
     * server is either */
    snprintf(path, sizeof path, "%s/root.hints", dir);
    const char *hints = ". 3600000 NS a.root.invalid.\na.root.invalid. 3600000 A 127.0.0.1\n";
    CHECK(write_text(path, hints, strlen(hints)));

    uint16_t port = free_udp_port();
    char text[4096];
    n = (size_t)snprintf(text, sizeof text,
                         "server:\n"
                         "  interface: 127.0.0.1\n  port: %u\n"
                         "  do-ip6: no\n  do-tcp: no\n"
                         "  outgoing-interface: 127.0.0.1\n  do-not-query-localhost: yes\n"
                         "  root-hints: \"%s/root.hints\"\n"
                         /* root may run it: no user to switch to, no chroot */
                         "  username: \"\"\n  chroot: \"\"\n  directory: \"%s\"\n"
                         "  pidfile: \"%s/unbound.pid\"\n  do-daemonize: no\n"
                         "  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n"
                         /* no validator: no trust anchor to fetch */
                         "  module-config: \"respip iterator\"\n"
                         "  access-control: 127.0.0.0/8 allow\n"
                         "rpz:\n  name: \"rpz.vigie.test.\"\n  zonefile: \"%s/vigie.rpz\"\n"
                         "auth-zone:\n  name: \".\"\n  zonefile: \"%s/root.zone\"\n"
                         /* asked by the iterator, so a CNAME's target is
                          * looked up there too */
                         "  for-upstream: yes\n  for-downstream: no\n  fallback-enabled: no\n"
                         "remote-control:\n  control-enable: no\n",
                         port, dir, dir, dir, dir, dir);
    snprintf(conf, sizeof conf, "%s/unbound.conf", dir);
    CHECK(write_text(conf, text, n));
    snprintf(log, sizeof log, "%s/unbound.log", dir);
    pid_t pid = start_unbound(unbound, conf, log);

    /* ready when it answers for the stop host */
    char got[512] = "";
    for (time_t end = time(NULL) + DEADLINE_SECONDS; time(NULL) < end;) {
        ask(port, STOP, 200, got, sizeof got);
        if (got[0] || waitpid(pid, NULL, WNOHANG) == pid)
            break;
    }
    CHECK_MSG(!strcmp(got, "A 127.0.0.1"), "Unbound did not answer for " STOP " (%s): %s", log,
              got);

    for (size_t i = 0; i < NAMES; i++) {
        char want[300];
        if (NAME[i].stopped)
            snprintf(want, sizeof want, "CNAME " STOP " A 127.0.0.1");
        else
            snprintf(want, sizeof want, "A %s", NAME[i].address);
        ask(port, NAME[i].name, 5000, got, sizeof got);
        CHECK_MSG(!strcmp(got, want), "%s: \"%s\", not \"%s\"", NAME[i].name, got, want);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    /* what a browser sent there finds: the stop page, naming the basis of
     * the listed domain */
    const char *host[] = {"Host: www.gotaport.com", NULL};
    ts_response page;
    CHECK(ts_call(&t, "GET", "/stop", host, NULL, 0, &page));
    CHECK_INT_EQ(page.status, 200);
    CHECK_MSG(page.body && strstr(page.body, BASIS), "the stop page names no basis");
    ts_response_free(&page);

    if (vg_test_failures == 0)
        ts_stop(&t);
    else
        fprintf(stderr, "  kept for a look: %s\n", dir);
}

int main(void)
{
    unbound = find_unbound();
    if (!unbound) {
        const char *ci = getenv("CI");
        int on_ci = ci && !strcmp(ci, "true");
        fprintf(stderr, "test_blocklist_unbound: unbound is not installed (scripts/setup "
                        "test): %s\n",
                on_ci ? "failing on CI" : "skipped");
        return on_ci ? 1 : VG_TEST_SKIP;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_unbound_loads_the_zone);
    curl_global_cleanup();
    return vg_test_exit();
}
