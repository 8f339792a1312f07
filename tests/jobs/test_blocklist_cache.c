/*
 * The members' updates from the cache of prefix sets (blocklist_cache.h)
 * are the updates read and hashed afresh (vg_hotline_block_update_uncached,
 * whose answers test_blocklist_api checks against OpenSSL): from every
 * version the list has had, and beyond it, after each approval, removal
 * (material gone, expiry) and with two entries standing for one
 * expression, through a cache smaller than the number of versions asked
 * (sets leave it and are read again); and from several threads while the
 * list changes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist_fixture.h"
#include "harness.h"
#include "hotline/blocklist.h"
#include "hotline/blocklist_cache.h"
#include "hotline/blocklist_feed.h"
#include "hotline/routing.h"

#define NOW INT64_C(1800000000)
#define DAY 86400
#define BASIS "Art. 6-1, LCEN"

static int open_hotline(const char *dir, vg_hotline **h)
{
    char text[1200];
    snprintf(text, sizeof text,
             "data_dir = %s\nrouting.country = FR\nblocklist.legal_bases = " BASIS "\n"
             "blocklist.days = 30\nblocklist.cache_versions = 3\n",
             dir);
    vg_config *cfg = NULL;
    vg_hotline_options options = {.with_evidence = 1};
    vg_error err;
    int ok = vg_config_new(&cfg, &err) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", &err) == VG_OK &&
             vg_hotline_open(cfg, &options, h, &err) == VG_OK;
    CHECK_MSG(ok, "%s", err.message);
    vg_config_free(cfg);
    return ok;
}

/* url proposed by ann as kind and approved by sam at now; its report. */
static int64_t list(vg_hotline *h, const char *url, const char *kind, int64_t now)
{
    const vg_actor ann = {"ann", 0}, sam = {"sam", 1};
    int64_t report = 0, entry = 0;
    char why[200] = "";
    int done = 0;
    vg_error err;
    int64_t route = bf_route_of(h, url, "NL", 1, now, &report);
    CHECK_MSG(vg_hotline_block_propose(h, &ann, route, kind, BASIS, now, &entry, why, sizeof why,
                                       &err) == VG_OK &&
                  entry > 0,
              "%s: %s", url, why);
    CHECK_MSG(vg_hotline_block_decide(h, &sam, entry, 1, "", now, &done, why, sizeof why, &err) ==
                      VG_OK &&
                  done,
              "%s: %s", url, why);
    return report;
}

static int same_update(const vg_block_update *a, const vg_block_update *b)
{
    return a->version == b->version && a->reset == b->reset &&
           a->added_count == b->added_count && a->removed_count == b->removed_count &&
           a->set_count == b->set_count && !memcmp(a->checksum, b->checksum, 32) &&
           (!a->added_count || !memcmp(a->added, b->added, a->added_count * 4)) &&
           (!a->removed_count || !memcmp(a->removed, b->removed, a->removed_count * 4));
}

/* From every version 0..current+1, twice (a miss, then a hit unless the
 * small cache dropped it meanwhile): the cached update is the fresh one. */
static void check_all(vg_hotline *h, int64_t want_version)
{
    vg_error err;
    for (int round = 0; round < 2; round++)
        for (int64_t since = 0; since <= want_version + 1; since++) {
            vg_block_update cached, fresh;
            CHECK(vg_hotline_block_update(h, since, &cached, &err) == VG_OK);
            CHECK(vg_hotline_block_update_uncached(h, since, &fresh, &err) == VG_OK);
            CHECK_INT_EQ(fresh.version, want_version);
            CHECK_MSG(same_update(&cached, &fresh),
                      "version %lld from %lld: cached %zu+ %zu- of %zu, fresh %zu+ %zu- of %zu",
                      (long long)want_version, (long long)since, cached.added_count,
                      cached.removed_count, cached.set_count, fresh.added_count,
                      fresh.removed_count, fresh.set_count);
            vg_block_update_clear(&cached);
            vg_block_update_clear(&fresh);
        }
}

static void test_cached_equals_fresh(void)
{
    const char *dir = vg_test_temp_dir("vigie-blocklist-cache");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/one", dir);
    vg_hotline *h = NULL;
    if (!open_hotline(sub, &h))
        return;
    check_all(h, 0);
    int64_t gone = list(h, "http://www.evil.com/blah#frag", VG_BLOCK_KIND_URL, NOW);
    check_all(h, 1);
    list(h, "http://host.com//twoslashes?more//slashes", VG_BLOCK_KIND_URL, NOW);
    list(h, "http://notrailingslash.com", VG_BLOCK_KIND_DOMAIN, NOW);
    check_all(h, 3);
    /* a page entry and a domain entry standing for one expression
     * ("same.example/"): its prefix stays while either is listed */
    int64_t page = list(h, "http://same.example/", VG_BLOCK_KIND_URL, NOW + DAY);
    list(h, "http://same.example/other", VG_BLOCK_KIND_DOMAIN, NOW + DAY);
    check_all(h, 5);
    vg_error err;
    int recorded = 0;
    CHECK_MSG(vg_hotline_route_removed(h, page, "http://same.example/", "bob", NOW + 2 * DAY,
                                       &recorded, &err) == VG_OK,
              "%s", err.message);
    CHECK_MSG(vg_hotline_route_removed(h, gone, "http://www.evil.com/blah#frag", "bob",
                                       NOW + 2 * DAY, &recorded, &err) == VG_OK,
              "%s", err.message);
    check_all(h, 7);
    /* the three approved on the first day expire (only two remain listed) */
    size_t expired = 0;
    CHECK(vg_hotline_block_expire(h, NOW + 30 * DAY, &expired, &err) == VG_OK);
    CHECK_INT_EQ(expired, 2);
    check_all(h, 9);
    list(h, "http://www.gotaport.com:1234/", VG_BLOCK_KIND_DOMAIN, NOW + 31 * DAY);
    check_all(h, 10);
    uint64_t hits = 0, misses = 0;
    vg_block_cache_stats(vg_hotline_block_cache(h), &hits, &misses);
    CHECK_MSG(hits > 0 && misses > 0, "hits %llu, misses %llu", (unsigned long long)hits,
              (unsigned long long)misses);
    vg_hotline_free(h);
}

/* Threads asking for updates while the list changes: whenever the cached
 * and the fresh answer are of one version, they agree (and ASan sees sets
 * leaving the cache while held). */
typedef struct asker {
    vg_hotline *h;
    atomic_int *stop;
    int id;
    long compared, differed;
} asker;

static void *ask_loop(void *arg)
{
    asker *a = arg;
    vg_error err;
    for (unsigned n = (unsigned)a->id; !atomic_load(a->stop); n++) {
        vg_block_update cached, fresh;
        int64_t since = n % 7;
        if (vg_hotline_block_update(a->h, since, &cached, &err) != VG_OK)
            break;
        if (vg_hotline_block_update_uncached(a->h, since, &fresh, &err) == VG_OK &&
            fresh.version == cached.version) {
            a->compared++;
            a->differed += !same_update(&cached, &fresh);
        }
        vg_block_update_clear(&cached);
        vg_block_update_clear(&fresh);
    }
    return NULL;
}

static void test_threads(void)
{
    const char *dir = vg_test_temp_dir("vigie-blocklist-cache");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/threads", dir);
    vg_hotline *h = NULL;
    if (!open_hotline(sub, &h))
        return;
    atomic_int stop = 0;
    asker a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (asker){h, &stop, i, 0, 0};
        pthread_create(&t[i], NULL, ask_loop, &a[i]);
    }
    for (int i = 0; i < 8; i++) {
        char url[80];
        snprintf(url, sizeof url, "http://listed%d.example/page", i);
        list(h, url, i % 2 ? VG_BLOCK_KIND_DOMAIN : VG_BLOCK_KIND_URL, NOW);
    }
    atomic_store(&stop, 1);
    long compared = 0, differed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        compared += a[i].compared;
        differed += a[i].differed;
    }
    CHECK_MSG(compared > 0, "no answers compared");
    CHECK_INT_EQ(differed, 0);
    check_all(h, 8);
    vg_hotline_free(h);
}

int main(void)
{
    RUN(test_cached_equals_fresh);
    RUN(test_threads);
    return vg_test_exit();
}
