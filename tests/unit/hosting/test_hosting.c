/*
 * The hosting lookup against a location database written by libloc's own
 * writer, a DNS server and an RDAP server on 127.0.0.1 started here, and
 * canned RDAP documents (rdap/): nothing leaves the machine. Expected
 * values are those of the database description and the documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_net.h"
#include "harness.h"
#include "hosting/hosting_internal.h"
#include "locdb.h"
#include "vigie/hosting.h"

static char dir[64];
static char db_path[128], providers_path[128];
static char dns_servers[64], rdap_url[64];
static fake_rdap *rdap;
static int64_t clock_now = 1000000;

static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static const char locations[] = "as 64500 Example Hosting GmbH\n"
                                "net 192.0.2.0/24 DE 64500\n"
                                "as 64501 Example CDN Inc\n"
                                "net 198.51.100.0/24 US 64501 anycast\n"
                                "as 64502 Example Net SARL\n"
                                "net 203.0.113.0/24 FR 64502\n"
                                "as 64503 Example IPv6 BV\n"
                                "net 2001:db8::/32 NL 64503\n";

static const char names[] = "files.example.test 192.0.2.7 2001:db8::7\n"
                            "cdn.example.test 198.51.100.9\n"
                            "www.fr.example.test 203.0.113.5\n"
                            "evil.example.test 203.0.113.66\n"
                            "slow.example.test silent\n"
                            "inside.example.test 10.1.2.3\n";

static const char providers[] = "# the hotline's own knowledge of providers\n"
                                "match,name,contact,language,cdn\n"
                                "AS64501,Example CDN,https://cdn.example/abuse-api,en,yes\n"
                                "example.test,Too Broad,abuse@broad.example,,\n"
                                "fr.example.test,\"Example FR, Hosting\",abuse@fr-hosting.example,fr,no\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static vg_hosting *open_hosting(bool private_ok, bool with_directory)
{
    vg_hosting_config c;
    vg_hosting_config_init(&c);
    c.location_db = db_path;
    c.providers = with_directory ? providers_path : NULL;
    c.rdap_url = rdap_url;
    c.dns_servers = dns_servers;
    c.dns_timeout_ms = 300;
    c.dns_tries = 1;
    c.allow_private_addresses = private_ok;
    c.allow_plain_http = true;
    c.now = test_clock;
    vg_hosting *h = NULL;
    vg_error err;
    vg_status st = vg_hosting_open(&c, &h, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    return h;
}

static const vg_hosting_address *address(const vg_hosting_result *r, const char *ip)
{
    for (size_t i = 0; i < r->address_count; i++)
        if (!strcmp(r->addresses[i].ip, ip))
            return &r->addresses[i];
    return NULL;
}

static void test_lookup(void)
{
    vg_hosting *h = open_hosting(true, false);
    if (!h)
        return;
    const char *inputs[] = {"HTTPS://Files.Example.TEST/a/../b.jpg#x", "cdn.example.test",
                            "slow.example.test", "nosuch.example.test", "203.0.113.66",
                            "not a host!", "[2001:db8::7]"};
    size_t n = sizeof inputs / sizeof inputs[0];
    vg_hosting_result *r = NULL;
    vg_error err;
    unsigned before = fake_rdap_requests(rdap);
    CHECK(vg_hosting_lookup(h, inputs, n, &r, &err) == VG_OK);
    if (!r)
        return;
    CHECK_STR_EQ(r[0].input, inputs[0]);
    CHECK_STR_EQ(r[0].host, "files.example.test");
    CHECK_INT_EQ(r[0].status, VG_OK);
    CHECK_INT_EQ(r[0].address_count, 2);
    const vg_hosting_address *a = address(&r[0], "192.0.2.7");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR_EQ(a->country, "DE");
        CHECK_INT_EQ(a->asn, 64500);
        CHECK_STR_EQ(a->as_name, "Example Hosting GmbH");
        CHECK_STR_EQ(a->network, "192.0.2.0/24");
        CHECK(!a->anycast);
        CHECK_STR_EQ(a->abuse_contact, "abuse@hosting.example");
        CHECK_STR_EQ(a->provider, "Example Hosting Abuse Team");
        CHECK_INT_EQ(a->contact_source, VG_CONTACT_RDAP);
    }
    /* The network names no abuse contact: the AS's answer does. */
    a = address(&r[0], "2001:db8::7");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR_EQ(a->country, "NL");
        CHECK_INT_EQ(a->asn, 64503);
        CHECK_STR_EQ(a->abuse_contact, "abuse@v6.example");
    }
    CHECK_INT_EQ(r[1].address_count, 1);
    if (r[1].address_count) {
        CHECK_STR_EQ(r[1].addresses[0].country, "US");
        CHECK(r[1].addresses[0].anycast);
    }
    CHECK(r[2].status != VG_OK);
    CHECK_MSG(strstr(r[2].error, "did not answer in time") != NULL, "%s", r[2].error);
    CHECK(r[3].status != VG_OK);
    CHECK_MSG(strstr(r[3].error, "no such host") != NULL, "%s", r[3].error);
    /* A hostile document: no e-mail with a line break, a display name or
     * the wrong type gets through. */
    CHECK_INT_EQ(r[4].address_count, 1);
    if (r[4].address_count) {
        CHECK_STR_EQ(r[4].addresses[0].abuse_contact, "");
        CHECK_INT_EQ(r[4].addresses[0].contact_source, VG_CONTACT_NONE);
        CHECK_STR_EQ(r[4].addresses[0].country, "FR");
        CHECK_MSG(strstr(r[4].addresses[0].note, "no abuse contact") != NULL, "%s",
                  r[4].addresses[0].note);
    }
    CHECK_INT_EQ(r[5].status, VG_ERR_INVALID);
    CHECK_STR_EQ(r[6].host, "2001:db8::7");
    CHECK_INT_EQ(r[6].address_count, 1);
    /* 192.0.2.7; 2001:db8::7 then AS64503; 198.51.100.9 then AS64501 and
     * 203.0.113.66 then AS64502 (both known to no document): the IPv6
     * literal is in a network already cached. */
    CHECK_INT_EQ(fake_rdap_requests(rdap) - before, 7);
    vg_hosting_results_free(r, n);

    /* Cached per network, until the entry expires. */
    before = fake_rdap_requests(rdap);
    const char *again[] = {"files.example.test"};
    CHECK(vg_hosting_lookup(h, again, 1, &r, &err) == VG_OK);
    CHECK_STR_EQ(r[0].addresses[0].abuse_contact[0] ? "found" : "", "found");
    CHECK_INT_EQ(fake_rdap_requests(rdap) - before, 0);
    vg_hosting_results_free(r, 1);
    clock_now += 86400 + 1;
    CHECK(vg_hosting_lookup(h, again, 1, &r, &err) == VG_OK);
    CHECK_INT_EQ(fake_rdap_requests(rdap) - before, 3);
    vg_hosting_results_free(r, 1);
    vg_hosting_close(h);
}

static void test_directory_wins(void)
{
    vg_hosting *h = open_hosting(true, true);
    if (!h)
        return;
    /* The CDN by its address alone: its name is under the broad domain. */
    const char *inputs[] = {"http://www.fr.example.test:8080/x", "198.51.100.9",
                            "files.example.test"};
    vg_hosting_result *r = NULL;
    vg_error err;
    unsigned before = fake_rdap_requests(rdap);
    CHECK(vg_hosting_lookup(h, inputs, 3, &r, &err) == VG_OK);
    if (!r)
        return;
    /* The most specific domain, not the broad one nor RDAP. */
    CHECK_STR_EQ(r[0].addresses[0].provider, "Example FR, Hosting");
    CHECK_STR_EQ(r[0].addresses[0].abuse_contact, "abuse@fr-hosting.example");
    CHECK_STR_EQ(r[0].addresses[0].language, "fr");
    CHECK_INT_EQ(r[0].addresses[0].contact_source, VG_CONTACT_DIRECTORY);
    CHECK_STR_EQ(r[1].addresses[0].abuse_contact, "https://cdn.example/abuse-api");
    CHECK(r[1].addresses[0].anycast);
    CHECK_STR_EQ(r[2].addresses[0].provider, "Too Broad");
    CHECK_INT_EQ(fake_rdap_requests(rdap) - before, 0);
    vg_hosting_results_free(r, 3);
    vg_hosting_close(h);
}

static void test_private_refused(void)
{
    vg_hosting *h = open_hosting(false, false);
    if (!h)
        return;
    const char *inputs[] = {"inside.example.test", "192.0.2.7", "9.9.9.9"};
    vg_hosting_result *r = NULL;
    vg_error err;
    unsigned before = fake_rdap_requests(rdap);
    CHECK(vg_hosting_lookup(h, inputs, 3, &r, &err) == VG_OK);
    if (!r)
        return;
    for (int i = 0; i < 2; i++) {
        CHECK_INT_EQ(r[i].address_count, 1);
        CHECK(!r[i].addresses[0].is_public);
        CHECK_STR_EQ(r[i].addresses[0].country, "");
        CHECK_MSG(strstr(r[i].addresses[0].note, "not a public address") != NULL, "%s",
                  r[i].addresses[0].note);
    }
    /* A public address, but the RDAP service is on loopback: refused
     * before connecting. */
    CHECK(r[2].addresses[0].is_public);
    CHECK_STR_EQ(r[2].addresses[0].abuse_contact, "");
    CHECK_MSG(strstr(r[2].addresses[0].note, "not a public one") != NULL, "%s",
              r[2].addresses[0].note);
    CHECK_INT_EQ(fake_rdap_requests(rdap) - before, 0);
    vg_hosting_results_free(r, 3);
    vg_hosting_close(h);
}

static void test_deadline(void)
{
    vg_hosting_config c;
    vg_hosting_config_init(&c);
    c.dns_servers = dns_servers;
    c.dns_timeout_ms = 5000;
    c.deadline_ms = 200;
    vg_hosting *h = NULL;
    vg_error err;
    CHECK(vg_hosting_open(&c, &h, &err) == VG_OK);
    const char *inputs[] = {"slow.example.test", "cdn.example.test"};
    vg_hosting_result *r = NULL;
    CHECK(vg_hosting_lookup(h, inputs, 2, &r, &err) == VG_OK);
    CHECK_MSG(strstr(r[0].error, "deadline") != NULL, "%s", r[0].error);
    /* No database: the address, and nothing else. */
    CHECK_INT_EQ(r[1].status, VG_OK);
    CHECK_STR_EQ(r[1].addresses[0].ip, "198.51.100.9");
    CHECK_STR_EQ(r[1].addresses[0].country, "");
    vg_hosting_results_free(r, 2);
    vg_hosting_close(h);
}

static void test_locate(void)
{
    vg_hosting *h = open_hosting(false, false);
    if (!h)
        return;
    vg_hosting_address a;
    vg_error err;
    CHECK(vg_hosting_locate(h, "203.0.113.200", &a, &err) == VG_OK);
    CHECK_STR_EQ(a.country, "FR");
    CHECK_STR_EQ(a.as_name, "Example Net SARL");
    CHECK(vg_hosting_locate(h, "2001:db8:ffff::1", &a, &err) == VG_OK);
    CHECK_STR_EQ(a.country, "NL");
    CHECK(vg_hosting_locate(h, "100.64.0.1", &a, &err) == VG_OK);
    CHECK_STR_EQ(a.country, "");
    CHECK_INT_EQ(a.asn, 0);
    CHECK(vg_hosting_locate(h, "example.test", &a, &err) == VG_ERR_INVALID);
    vg_hosting_close(h);
}

static void test_open_errors(void)
{
    vg_hosting_config c;
    vg_hosting_config_init(&c);
    vg_hosting *h = NULL;
    vg_error err;
    c.rdap_url = "http://rdap.example";
    CHECK(vg_hosting_open(&c, &h, &err) == VG_ERR_INVALID);
    c.rdap_url = NULL;
    c.location_db = "/nonexistent/location.db";
    CHECK(vg_hosting_open(&c, &h, &err) == VG_ERR_IO);
    CHECK(strstr(err.message, "hosting.location_db") != NULL);
    c.location_db = providers_path; /* not a database */
    CHECK(vg_hosting_open(&c, &h, &err) == VG_ERR_CORRUPT);
    CHECK(h == NULL);
}

static void test_rdap_parse(void)
{
    static const struct {
        const char *json, *email, *error;
    } cases[] = {
        {"{\"objectClassName\":\"entity\",\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\","
         "[[\"email\",{},\"text\",\"ABUSE@Example.ORG\"]]]}",
         "ABUSE@Example.ORG", NULL},
        {"{\"objectClassName\":\"ip network\",\"entities\":[{\"roles\":[\"registrant\"],"
         "\"vcardArray\":[\"vcard\",[[\"email\",{},\"text\",\"noc@x.example\"]]]}]}",
         "", NULL},
        {"{\"errorCode\":404,\"title\":\"Not Found\"}", NULL, "error 404: Not Found"},
        {"[1,2]", NULL, "not a JSON object"},
        {"{\"handle\":\"x\"}", NULL, "no objectClassName"},
        {"{\"objectClassName\":\"ip network\",", NULL, "not JSON"},
        {"{\"objectClassName\":\"x\",\"objectClassName\":\"y\"}", NULL, "not JSON"},
        {"", NULL, "not JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rdap_contact c;
        vg_error err = {0};
        vg_status st = rdap_parse(cases[i].json, strlen(cases[i].json), &c, &err);
        if (cases[i].email) {
            CHECK_MSG(st == VG_OK, "case %zu: %s", i, err.message);
            CHECK_STR_EQ(c.email, cases[i].email);
        } else {
            CHECK_MSG(st != VG_OK && strstr(err.message, cases[i].error), "case %zu: %s", i,
                      err.message);
        }
    }
    /* Nested deeper than RDAP_MAX_DEPTH: not followed. */
    char deep[4096] = "{\"objectClassName\":\"entity\"";
    for (int d = 0; d < RDAP_MAX_DEPTH + 2; d++)
        strcat(deep, ",\"entities\":[{\"handle\":\"h\"");
    strcat(deep, ",\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",[[\"email\",{},\"text\",\"a@b.example\"]]]");
    for (int d = 0; d < RDAP_MAX_DEPTH + 2; d++)
        strcat(deep, "}]");
    strcat(deep, "}");
    rdap_contact c;
    CHECK(rdap_parse(deep, strlen(deep), &c, NULL) == VG_OK);
    CHECK_STR_EQ(c.email, "");
}

static void test_contacts(void)
{
    static const struct {
        const char *s;
        bool ok;
    } emails[] = {
        {"abuse@example.org", true},   {"a.b+c@sub.example.org", true},
        {"abuse@localhost", false},    {"a@@example.org", false},
        {"a b@example.org", false},    {"a@example.org\r\nBcc: x@y.z", false},
        {"<a@example.org>", false},    {".a@example.org", false},
        {"a..b@example.org", false},   {"a@example..org", false},
        {"a@example.org.", false},     {"", false},
    };
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++)
        CHECK_MSG(contact_is_email(emails[i].s) == emails[i].ok, "%s", emails[i].s);
    CHECK(contact_is_https("https://abuse.example/api"));
    CHECK(!contact_is_https("http://abuse.example/api"));
    CHECK(!contact_is_https("https://abuse.example/a b"));
    CHECK(!contact_is_https("https://"));
}

static void test_directory_errors(void)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"", "empty"},
        {"name,contact\n", "must name the columns"},
        {"match,name,contact,match\n", "given twice"},
        {"match,name,contact\nAS0,x,a@b.example\n", ":2: match 'AS0'"},
        {"match,name,contact\n\n# c\nexample.org,,a@b.example\n", ":4: a provider needs a name"},
        {"match,name,contact\nexample.org,X,mailto:a@b.example\n", "neither an e-mail"},
        {"match,name,contact,cdn\nexample.org,X,a@b.example,maybe\n", "cdn must be yes or no"},
        {"match,name,contact,language\nexample.org,X,a@b.example,fr fr\n", "not a language tag"},
        {"match,name,contact\nexample.org,\"X,a@b.example\n", "not closed"},
        {"match,name,contact\nexample.org,X\"Y,a@b.example\n", "a quote inside"},
        {"match,name,contact\nexample,X,a@b.example\n", "neither an AS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        directory d;
        vg_error err = {0};
        vg_status st = directory_parse(cases[i].text, strlen(cases[i].text), "p.csv", &d, &err);
        CHECK_MSG(st == VG_ERR_CORRUPT && strstr(err.message, cases[i].error), "case %zu: %s",
                  i, err.message);
    }
    directory d;
    const char ok[] = "Contact ,  MATCH ,name\r\n abuse@a.example , as64500 , A \r\n"
                      "abuse@b.example,Example.ORG.,B\r\n";
    CHECK(directory_parse(ok, strlen(ok), "p.csv", &d, NULL) == VG_OK);
    CHECK_INT_EQ(d.count, 2);
    const provider *p = directory_find(&d, "www.example.org", 1);
    CHECK(p && !strcmp(p->name, "B"));
    p = directory_find(&d, "badexample.org", 64500);
    CHECK(p && !strcmp(p->name, "A"));
    CHECK(directory_find(&d, "badexample.org", 1) == NULL);
    directory_free(&d);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigie-hosting-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(db_path, sizeof db_path, "%s/location.db", dir);
    snprintf(providers_path, sizeof providers_path, "%s/providers.csv", dir);
    if (locdb_write(locations, db_path))
        return 1;
    write_file(providers_path, providers);
    uint16_t dns_port = 0, rdap_port = 0;
    fake_dns *dns = fake_dns_start(names, &dns_port);
    rdap = fake_rdap_start(VG_RDAP_DOCUMENTS, &rdap_port);
    if (!dns || !rdap)
        return 1;
    snprintf(dns_servers, sizeof dns_servers, "127.0.0.1:%u", dns_port);
    snprintf(rdap_url, sizeof rdap_url, "http://127.0.0.1:%u/", rdap_port);

    RUN(test_lookup);
    RUN(test_directory_wins);
    RUN(test_private_refused);
    RUN(test_deadline);
    RUN(test_locate);
    RUN(test_open_errors);
    RUN(test_rdap_parse);
    RUN(test_contacts);
    RUN(test_directory_errors);

    fake_dns_stop(dns);
    fake_rdap_stop(rdap);
    unlink(db_path);
    unlink(providers_path);
    rmdir(dir);
    return vg_test_exit();
}
