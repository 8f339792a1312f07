/* The NCMEC and StopNCII clients against the fake service on loopback:
 * paging, deletions and withdrawals, checkpoints and resumption (also
 * after an interruption, an expired cursor, a half-written journal and a
 * failed application), retries, refused next links and addresses, and
 * feedback. Nothing leaves the machine. */
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_hashsharing.h"
#include "harness.h"
#include "hashsync/hashsync_internal.h"
#include "vigie/hashsync.h"
#include "vigie/outbound.h"

static char dir[64];
static uint16_t port;
static fake_service *fake;

static const char *path(const char *name)
{
    static char buf[16][256];
    static int next;
    char *p = buf[next++ % 16];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void clear_log(void)
{
    vg_test_write_text(path("log"), "");
}

static vg_sync_client *client(vg_sync_source source, bool good_credentials)
{
    vg_sync_config config;
    vg_sync_config_init(&config, source);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
    config.base_url = base;
    config.username = "user";
    config.password = good_credentials ? "secret" : "wrong";
    config.subscription_key = "sub";
    config.fetch_function_key = good_credentials ? "fn" : "nope";
    config.http.allow_plain_http = true;
    config.http.allow_private_addresses = true;
    config.http.retries = 3;
    config.http.retry_delay_ms = 0;
    vg_sync_client *c = NULL;
    vg_error err;
    CHECK(vg_sync_client_new(&config, &c, &err) == VG_OK);
    return c;
}

/* What on_change reported, one line each. */
typedef struct changes {
    char text[8192];
    size_t len;
} changes;

static vg_status on_change(void *ctx, const vg_exchange_record *r, vg_error *err)
{
    (void)err;
    changes *c = ctx;
    c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len, "%s %s %s %s\n",
                               r->removed ? "removed" : "added", r->id, r->signal_type,
                               r->signal);
    return VG_OK;
}

#define MD5A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define SHA1A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MD5B "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define MD5C "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
#define MD5D "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define T0 1508457600 /* 2017-10-20T00:00:00Z */

static const char scenario1[] =
    "page-size 2\n"
    "entry image1 image 1508857200 42 A1 md5=" MD5A " sha1=" SHA1A " pdna=abc\n"
    "entry video1 video 1508857300 42 B1 md5=" MD5B "\n"
    "deleted image9 image 1508857400 43\n"
    "entry image2 image 1508857500 44 A2 pdq=" PDQ1 "\n"
    "entry photodna image 1508857600 44 A2 pdna=xyz\n";

static const char bank1[] =
    "signal_type,signal,id,entry_type,classification,member_id,member,timestamp,upvotes,"
    "downvotes\n"
    "md5," MD5A ",image1,image,A1,42,Member 42,2017-10-24T15:00:00Z,0,0\n"
    "sha1," SHA1A ",image1,image,A1,42,Member 42,2017-10-24T15:00:00Z,0,0\n"
    "md5," MD5B ",video1,video,B1,42,Member 42,2017-10-24T15:01:40Z,0,0\n"
    "pdq," PDQ1 ",image2,image,A2,44,Member 44,2017-10-24T15:05:00Z,0,0\n";

static vg_sync_options at(int64_t now)
{
    return (vg_sync_options){.now = now, .until = now - 5};
}

static void test_ncmec_status_and_credentials(void)
{
    vg_test_write_text(path("scenario"), scenario1);
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    vg_sync_ncmec_member m;
    vg_error err;
    CHECK(vg_sync_ncmec_status(c, &m, &err) == VG_OK);
    CHECK_STR_EQ(m.id, "1");
    CHECK_STR_EQ(m.name, "Sir Testington");
    vg_sync_client_free(c);
    c = client(VG_SYNC_NCMEC, false);
    CHECK(vg_sync_ncmec_status(c, &m, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "401") && strstr(err.message, "credentials"));
    vg_sync_client_free(c);
}

static void test_ncmec_sync(void)
{
    vg_test_write_text(path("scenario"), scenario1);
    unlink(path("n.csv"));
    unlink(path("n.state"));
    clear_log();
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    changes ch = {0};
    vg_sync_callbacks cb = {.on_change = on_change, .ctx = &ch};
    vg_sync_options opts = at(T0 + 30 * 86400);
    vg_sync_stats stats;
    vg_error err;
    CHECK(vg_sync_bank(c, path("n.csv"), path("n.state"), &opts, &cb, &stats, &err) == VG_OK);
    CHECK(stats.complete);
    CHECK_INT_EQ(stats.pages, 3);
    CHECK_INT_EQ(stats.unsupported, 2); /* the two pdna */
    char *bank = vg_test_read_text(path("n.csv"));
    CHECK_STR_EQ(bank, bank1);
    free(bank);
    CHECK(access(path("n.state.journal"), F_OK) != 0);
    vg_sync_checkpoint cp;
    CHECK(vg_sync_checkpoint_load(path("n.state"), VG_SYNC_NCMEC, &cp, &err) == VG_OK);
    CHECK_INT_EQ(cp.done_until, opts.until);
    CHECK(!cp.in_range && !cp.fetched);
    /* The first page asks for the range, the next follow <next>. */
    char *log = vg_test_read_text(path("log"));
    CHECK(strstr(log, "GET /v2/entries from=1970-01-01T00:00:00Z to=2017-11-18T23:59:55Z\n"));
    CHECK(strstr(log, "to=2017-11-18T23:59:55Z start=3\n"));
    CHECK(strstr(log, "to=2017-11-18T23:59:55Z start=5\n"));
    free(log);
    /* The deletion of an entry never seen is reported all the same. */
    CHECK(strstr(ch.text, "removed image9  \n") != NULL);
    CHECK(strstr(ch.text, "added image1 md5 " MD5A "\n") != NULL);

    /* Later: image1 changes its fingerprints, video1 is deleted, image3
     * arrives. Only that range is asked for. */
    vg_test_write_text(path("scenario"), "page-size 2\n"
                                 "entry image1 image 1513000000 42 A1 md5=" MD5C "\n"
                                 "deleted video1 video 1513000100 42\n"
                                 "entry image3 image 1513000200 45 B2 md5=" MD5D "\n");
    clear_log();
    ch = (changes){0};
    vg_sync_options later = at(T0 + 60 * 86400);
    CHECK(vg_sync_bank(c, path("n.csv"), path("n.state"), &later, &cb, &stats, &err) == VG_OK);
    bank = vg_test_read_text(path("n.csv"));
    CHECK_STR_EQ(bank, "signal_type,signal,id,entry_type,classification,member_id,member,"
                       "timestamp,upvotes,downvotes\n"
                       "pdq," PDQ1 ",image2,image,A2,44,Member 44,2017-10-24T15:05:00Z,0,0\n"
                       "md5," MD5C ",image1,image,A1,42,Member 42,2017-12-11T13:46:40Z,0,0\n"
                       "md5," MD5D ",image3,image,B2,45,Member 45,2017-12-11T13:50:00Z,0,0\n");
    free(bank);
    CHECK_STR_EQ(ch.text, "added image1 md5 " MD5C "\nremoved video1  \nadded image3 md5 " MD5D
                          "\n");
    log = vg_test_read_text(path("log"));
    CHECK(strstr(log, "from=2017-11-18T23:59:55Z to=2017-12-18T23:59:55Z\n") != NULL);
    free(log);
    /* Nothing new: nothing asked beyond the empty range, bank untouched. */
    struct stat before, after;
    stat(path("n.csv"), &before);
    CHECK(vg_sync_bank(c, path("n.csv"), path("n.state"), &later, &cb, &stats, &err) == VG_OK);
    CHECK(stats.complete && stats.pages == 0);
    /* A later range with no change: a page is fetched, the bank is not
     * rewritten. */
    vg_sync_options much_later = at(T0 + 90 * 86400);
    CHECK(vg_sync_bank(c, path("n.csv"), path("n.state"), &much_later, &cb, &stats, &err) ==
          VG_OK);
    CHECK(stats.complete && stats.pages == 1 && !stats.bank_written);
    stat(path("n.csv"), &after);
    CHECK(before.st_ino == after.st_ino);
    vg_sync_client_free(c);
}

static void test_ncmec_interrupted(void)
{
    vg_test_write_text(path("scenario"), scenario1);
    unlink(path("i.csv"));
    unlink(path("i.state"));
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    vg_sync_options opts = at(T0 + 30 * 86400);
    opts.max_pages = 1;
    vg_sync_stats stats;
    vg_error err;
    CHECK(vg_sync_bank(c, path("i.csv"), path("i.state"), &opts, NULL, &stats, &err) == VG_OK);
    CHECK(!stats.complete);
    CHECK(access(path("i.csv"), F_OK) != 0); /* nothing applied from half a range */
    vg_sync_checkpoint cp;
    CHECK(vg_sync_checkpoint_load(path("i.state"), VG_SYNC_NCMEC, &cp, &err) == VG_OK);
    CHECK(cp.in_range && !cp.fetched && strstr(cp.cursor, "start=3"));
    /* A crash in the middle of the next page leaves a partial line. */
    FILE *j = fopen(path("i.state.journal"), "a");
    fputs("99\tadd\tmd5\t", j);
    for (int i = 0; i < 65536; i++)
        fputc('x', j);
    fclose(j);
    /* Resume: the next page is the cursor's, and the result is the bank an
     * uninterrupted run makes. */
    clear_log();
    opts.max_pages = 0;
    opts.now += 3600;
    CHECK(vg_sync_bank(c, path("i.csv"), path("i.state"), &opts, NULL, &stats, &err) == VG_OK);
    CHECK(stats.complete);
    char *log = vg_test_read_text(path("log"));
    const char resumed[] = "GET /v2/entries from=1970-01-01T00:00:00Z to=2017-11-18T23:59:55Z "
                           "start=3\n";
    CHECK(!strncmp(log, resumed, sizeof resumed - 1));
    free(log);
    char *bank = vg_test_read_text(path("i.csv"));
    CHECK_STR_EQ(bank, bank1);
    free(bank);

    /* A cursor older than its lifetime is not used: the range starts over. */
    unlink(path("i.csv"));
    unlink(path("i.state"));
    opts = at(T0 + 30 * 86400);
    opts.max_pages = 1;
    CHECK(vg_sync_bank(c, path("i.csv"), path("i.state"), &opts, NULL, &stats, &err) == VG_OK);
    clear_log();
    opts.max_pages = 0;
    opts.now += 13 * 3600;
    CHECK(vg_sync_bank(c, path("i.csv"), path("i.state"), &opts, NULL, &stats, &err) == VG_OK);
    log = vg_test_read_text(path("log"));
    const char restarted[] = "GET /v2/entries from=1970-01-01T00:00:00Z to=2017-11-18T23:59:55Z\n";
    CHECK(!strncmp(log, restarted, sizeof restarted - 1));
    free(log);
    bank = vg_test_read_text(path("i.csv"));
    CHECK_STR_EQ(bank, bank1);
    free(bank);
    vg_sync_client_free(c);
}

static void test_failed_application(void)
{
    /* The bank cannot be written (its path is a directory): the fetched
     * range waits in the journal and is applied by the next run; applying
     * it again gives the same bank. */
    vg_test_write_text(path("scenario"), scenario1);
    unlink(path("a.state"));
    mkdir(path("a.csv"), 0700);
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    vg_sync_options opts = at(T0 + 30 * 86400);
    vg_sync_stats stats;
    vg_error err;
    CHECK(vg_sync_bank(c, path("a.csv"), path("a.state"), &opts, NULL, &stats, &err) != VG_OK);
    vg_sync_checkpoint cp;
    CHECK(vg_sync_checkpoint_load(path("a.state"), VG_SYNC_NCMEC, &cp, &err) == VG_OK);
    CHECK(cp.fetched);
    char *journal = vg_test_read_text(path("a.state.journal"));
    char *state = vg_test_read_text(path("a.state"));
    rmdir(path("a.csv"));
    clear_log();
    CHECK(vg_sync_bank(c, path("a.csv"), path("a.state"), &opts, NULL, &stats, &err) == VG_OK);
    char *log = vg_test_read_text(path("log"));
    CHECK_STR_EQ(log, ""); /* applied from the journal, nothing fetched */
    free(log);
    char *bank = vg_test_read_text(path("a.csv"));
    CHECK_STR_EQ(bank, bank1);
    free(bank);
    /* As if the run had stopped after writing the bank, before its
     * checkpoint: the application is replayed onto the new bank. */
    vg_test_write_text(path("a.state.journal"), journal);
    vg_test_write_text(path("a.state"), state);
    CHECK(vg_sync_bank(c, path("a.csv"), path("a.state"), &opts, NULL, &stats, &err) == VG_OK);
    bank = vg_test_read_text(path("a.csv"));
    CHECK_STR_EQ(bank, bank1);
    free(bank);
    free(journal);
    free(state);
    vg_sync_client_free(c);
}

static void test_retries_and_refusals(void)
{
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    vg_sync_stats stats;
    vg_error err;
    /* Two 503 answers, then success: retried. */
    char text[2048];
    snprintf(text, sizeof text, "fail 503 2\n%s", scenario1);
    vg_test_write_text(path("scenario"), text);
    unlink(path("r.csv"));
    unlink(path("r.state"));
    vg_sync_options opts = at(T0 + 30 * 86400);
    CHECK(vg_sync_bank(c, path("r.csv"), path("r.state"), &opts, NULL, &stats, &err) == VG_OK);
    vg_sync_client_free(c);
    /* Past the retries: an error, and the checkpoint has not moved. */
    snprintf(text, sizeof text, "fail 500 50\n%s", scenario1);
    vg_test_write_text(path("scenario"), text);
    c = client(VG_SYNC_NCMEC, true);
    unlink(path("r.csv"));
    unlink(path("r.state"));
    CHECK(vg_sync_bank(c, path("r.csv"), path("r.state"), &opts, NULL, &stats, &err) ==
          VG_ERR_IO);
    CHECK(strstr(err.message, "500") != NULL);
    vg_sync_checkpoint cp;
    CHECK(vg_sync_checkpoint_load(path("r.state"), VG_SYNC_NCMEC, &cp, &err) == VG_OK);
    CHECK_INT_EQ(cp.done_until, 0);
    vg_sync_client_free(c);
    /* A next link to another host is refused, and nothing is applied. */
    snprintf(text, sizeof text, "evil-next\n%s", scenario1);
    vg_test_write_text(path("scenario"), text);
    c = client(VG_SYNC_NCMEC, true);
    unlink(path("r.state"));
    CHECK(vg_sync_bank(c, path("r.csv"), path("r.state"), &opts, NULL, &stats, &err) ==
          VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "refused") != NULL);
    CHECK(access(path("r.csv"), F_OK) != 0);
    vg_sync_client_free(c);

    /* Without the test-only allowances: loopback and plain http refused. */
    vg_sync_config config;
    vg_sync_config_init(&config, VG_SYNC_NCMEC);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
    config.base_url = base;
    config.username = "user";
    config.password = "secret";
    CHECK(vg_sync_client_new(&config, &c, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "https://") != NULL);
    config.http.allow_plain_http = true;
    config.http.retry_delay_ms = 0;
    CHECK(vg_sync_client_new(&config, &c, &err) == VG_OK);
    vg_sync_ncmec_member m;
    clear_log();
    CHECK(vg_sync_ncmec_status(c, &m, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "not a public one") != NULL);
    char *log = vg_test_read_text(path("log"));
    CHECK_STR_EQ(log, ""); /* never connected */
    free(log);
    vg_sync_client_free(c);
    const char *bases[] = {"https://user:pw@example.org", "https://example.org/?q", "ftp://x"};
    config.http.allow_plain_http = false;
    for (size_t i = 0; i < 3; i++) {
        config.base_url = bases[i];
        CHECK(vg_sync_client_new(&config, &c, &err) == VG_ERR_INVALID);
    }
}

static void test_addresses(void)
{
    struct {
        const char *address;
        bool is_public;
    } cases[] = {
        {"127.0.0.1", false},  {"10.1.2.3", false},    {"172.16.0.1", false},
        {"172.32.0.1", true},  {"192.168.1.1", false}, {"169.254.169.254", false},
        {"100.64.0.1", false}, {"0.0.0.0", false},     {"224.0.0.1", false},
        {"8.8.8.8", true},     {"::1", false},         {"fe80::1", false},
        {"fc00::1", false},    {"::ffff:10.0.0.1", false}, {"::ffff:8.8.8.8", true},
        {"2001:db8::1", false}, {"2a00:1450::1", true}, {"2002:a00:1::", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage ss = {0};
        if (strchr(cases[i].address, ':')) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            in6->sin6_family = AF_INET6;
            inet_pton(AF_INET6, cases[i].address, &in6->sin6_addr);
        } else {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            in->sin_family = AF_INET;
            inet_pton(AF_INET, cases[i].address, &in->sin_addr);
        }
        CHECK_MSG(vg_outbound_address_is_public((struct sockaddr *)&ss) == cases[i].is_public,
                  "%s", cases[i].address);
    }
}

static void on_reason(void *ctx, const char *guid, const char *name)
{
    snprintf(ctx, 256, "%s %s", guid, name);
}

static void test_feedback(void)
{
    vg_test_write_text(path("scenario"), scenario1);
    vg_sync_client *c = client(VG_SYNC_NCMEC, true);
    vg_error err;
    char reason[256] = "";
    CHECK(vg_sync_ncmec_feedback_reasons(c, "sha1", on_reason, reason, &err) == VG_OK);
    CHECK_STR_EQ(reason, "01234567-abcd-0123-4567-012345678900 Example Reason 1");
    clear_log();
    CHECK(vg_sync_ncmec_feedback(c, "42", "image1", "md5", true, NULL, &err) == VG_OK);
    CHECK(vg_sync_ncmec_feedback(c, "42", "image 1/x", "SHA1", false,
                                 "01234567-abcd-0123-4567-012345678900", &err) == VG_OK);
    char *log = vg_test_read_text(path("log"));
    CHECK(strstr(log, "PUT /v2/entries/42/image1/MD5/feedback\n") != NULL);
    CHECK(strstr(log, "<feedbackSubmission xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\">"
                      "<affirmative/></feedbackSubmission>") != NULL);
    /* The entry id is one path segment, whatever it holds. */
    CHECK(strstr(log, "PUT /v2/entries/42/image 1/x/SHA1/feedback\n") ||
          strstr(log, "PUT /v2/entries/42/image%201%2Fx/SHA1/feedback\n"));
    CHECK(strstr(log, "<negative><reasonIds><guid>01234567-abcd-0123-4567-012345678900</guid>"
                      "</reasonIds></negative>") != NULL);
    free(log);
    CHECK(vg_sync_ncmec_feedback(c, "42", "image1", "pdna", true, NULL, &err) == VG_ERR_INVALID);
    CHECK(vg_sync_ncmec_feedback(c, "x", "image1", "md5", true, NULL, &err) == VG_ERR_INVALID);
    CHECK(vg_sync_ncmec_feedback(c, "42", "image1", "md5", false, "nope", &err) ==
          VG_ERR_INVALID);
    vg_sync_client_free(c);
}

static void test_stopncii(void)
{
    vg_test_write_text(path("scenario"), "page-size 2\n"
                                 "hash ImagePDQ " PDQ1 " Active 1625167804\n"
                                 "hash VideoMD5 " MD5A " Received 1625167805\n"
                                 "hash ImagePDQ 79e07de27d7295339435d63cd31cf35a7bfa29eb2885008500"
                                 "a588a5ea3ae75a Withdrawn 1625167806\n"
                                 "hash VideoTMK abc Active 1625167807\n"
                                 "hash VideoMD5 " MD5B " Active 1625167808\n");
    unlink(path("s.csv"));
    unlink(path("s.state"));
    clear_log();
    vg_sync_client *c = client(VG_SYNC_STOPNCII, true);
    changes ch = {0};
    vg_sync_callbacks cb = {.on_change = on_change, .ctx = &ch};
    vg_sync_options opts = {.now = 1625170000};
    vg_sync_stats stats;
    vg_error err;
    CHECK(vg_sync_bank(c, path("s.csv"), path("s.state"), &opts, &cb, &stats, &err) == VG_OK);
    CHECK(stats.complete && stats.pages == 3);
    char *bank = vg_test_read_text(path("s.csv"));
    CHECK_STR_EQ(bank, "signal_type,signal,id,hash_status,last_modified,cases,blocked,"
                       "not_blocked\n"
                       "pdq," PDQ1 "," PDQ1 ",Active,1625167804,1,1,0\n"
                       "md5," MD5A "," MD5A ",Received,1625167805,1,1,0\n"
                       "md5," MD5B "," MD5B ",Active,1625167808,1,1,0\n");
    free(bank);
    char *log = vg_test_read_text(path("log"));
    CHECK(strstr(log, "GET /FetchHashes startTimestamp=10 pageSize=800\n") != NULL);
    CHECK(strstr(log, "GET /FetchHashes startTimestamp=10 pageSize=800 nextPageToken=tok+2/=\n"));
    free(log);
    vg_sync_checkpoint cp;
    CHECK(vg_sync_checkpoint_load(path("s.state"), VG_SYNC_STOPNCII, &cp, &err) == VG_OK);
    CHECK_INT_EQ(cp.done_until, 1625167808);

    /* A person withdraws the PDQ: it leaves the bank, the others stay. */
    vg_test_write_text(path("scenario"), "hash ImagePDQ " PDQ1 " Withdrawn 1625170100\n");
    ch = (changes){0};
    clear_log();
    CHECK(vg_sync_bank(c, path("s.csv"), path("s.state"), &opts, &cb, &stats, &err) == VG_OK);
    bank = vg_test_read_text(path("s.csv"));
    CHECK_STR_EQ(bank, "signal_type,signal,id,hash_status,last_modified,cases,blocked,"
                       "not_blocked\n"
                       "md5," MD5A "," MD5A ",Received,1625167805,1,1,0\n"
                       "md5," MD5B "," MD5B ",Active,1625167808,1,1,0\n");
    free(bank);
    CHECK_STR_EQ(ch.text, "removed " PDQ1 " pdq " PDQ1 "\n");
    log = vg_test_read_text(path("log"));
    CHECK(strstr(log, "startTimestamp=1625167808") != NULL);
    free(log);
    vg_sync_client_free(c);
    c = client(VG_SYNC_STOPNCII, false);
    CHECK(vg_sync_bank(c, path("s.csv"), path("s.state"), &opts, &cb, &stats, &err) ==
          VG_ERR_INVALID);
    CHECK(strstr(err.message, "401") != NULL);
    vg_sync_client_free(c);
    /* A checkpoint of the other service is refused. */
    c = client(VG_SYNC_NCMEC, true);
    CHECK(vg_sync_bank(c, path("s.csv"), path("s.state"), &opts, &cb, &stats, &err) ==
          VG_ERR_INVALID);
    vg_sync_client_free(c);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigie-sync-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    fake = fake_start(path("scenario"), path("log"), &port);
    if (!fake) {
        fprintf(stderr, "cannot start the fake service\n");
        return 1;
    }
    RUN(test_addresses);
    RUN(test_ncmec_status_and_credentials);
    RUN(test_ncmec_sync);
    RUN(test_ncmec_interrupted);
    RUN(test_failed_application);
    RUN(test_retries_and_refusals);
    RUN(test_feedback);
    RUN(test_stopncii);
    fake_stop(fake);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return vg_test_exit();
}
