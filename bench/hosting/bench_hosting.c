/*
 * vg-bench-hosting [-n LOOKUPS] [-r ROUNDS] DATABASE: location look-ups per
 * second. The same pseudo-random addresses (a fixed seed, 3/4 IPv4 and 1/4
 * IPv6) are looked up through libloc directly (the baseline: a network and
 * its AS, as vigie needs) and through vg_hosting_locate (text parsing, the
 * lock, country, AS name and anycast flag), one thread, best of ROUNDS;
 * the last line is the ratio. Prints, asserts nothing.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/network.h>

#include "vigie/hosting.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int rounds = 3, opt;
    while ((opt = getopt(argc, argv, "n:r:")) != -1) {
        if (opt == 'n')
            n = strtoul(optarg, NULL, 10);
        else if (opt == 'r')
            rounds = atoi(optarg);
        else
            return 2;
    }
    if (optind != argc - 1 || !n || rounds < 1) {
        fprintf(stderr, "usage: vg-bench-hosting [-n LOOKUPS] [-r ROUNDS] DATABASE\n");
        return 2;
    }
    const char *path = argv[optind];
    char (*text)[46] = malloc(n * sizeof *text);
    struct in6_addr *bin = malloc(n * sizeof *bin);
    if (!text || !bin)
        return 1;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next(&seed);
        memset(&bin[i], 0, sizeof bin[i]);
        if (i % 4) {
            uint32_t v4 = (uint32_t)r;
            bin[i].s6_addr[10] = bin[i].s6_addr[11] = 0xff;
            memcpy(&bin[i].s6_addr[12], &v4, 4);
            inet_ntop(AF_INET, &bin[i].s6_addr[12], text[i], sizeof text[i]);
        } else {
            /* global unicast 2000::/4 */
            uint64_t r2 = next(&seed);
            memcpy(bin[i].s6_addr, &r, 8);
            memcpy(bin[i].s6_addr + 8, &r2, 8);
            bin[i].s6_addr[0] = (uint8_t)(0x20 | (bin[i].s6_addr[0] & 0x0f));
            inet_ntop(AF_INET6, &bin[i], text[i], sizeof text[i]);
        }
    }

    struct loc_ctx *ctx = NULL;
    struct loc_database *db = NULL;
    FILE *f = fopen(path, "r");
    if (!f || loc_new(&ctx) || loc_database_new(ctx, &db, f)) {
        fprintf(stderr, "vg-bench-hosting: %s: cannot open the database\n", path);
        return 1;
    }
    vg_hosting_config c;
    vg_hosting_config_init(&c);
    c.location_db = path;
    vg_hosting *h = NULL;
    vg_error err;
    if (vg_hosting_open(&c, &h, &err) != VG_OK) {
        fprintf(stderr, "vg-bench-hosting: %s\n", err.message);
        return 1;
    }
    double best_raw = 1e30, best_vg = 1e30;
    size_t found_raw = 0, found_vg = 0;
    for (int round = 0; round < rounds; round++) {
        double t0 = now_s();
        found_raw = 0;
        for (size_t i = 0; i < n; i++) {
            struct loc_network *net = NULL;
            if (loc_database_lookup(db, &bin[i], &net) == 0 && net) {
                struct loc_as *as = NULL;
                uint32_t asn = loc_network_get_asn(net);
                if (asn && loc_database_get_as(db, &as, asn) == 0 && as)
                    loc_as_unref(as);
                found_raw++;
                loc_network_unref(net);
            }
        }
        double t1 = now_s();
        found_vg = 0;
        for (size_t i = 0; i < n; i++) {
            vg_hosting_address a;
            if (vg_hosting_locate(h, text[i], &a, NULL) == VG_OK && a.network[0])
                found_vg++;
        }
        double t2 = now_s();
        if (t1 - t0 < best_raw)
            best_raw = t1 - t0;
        if (t2 - t1 < best_vg)
            best_vg = t2 - t1;
    }
    printf("database: %s (%zu AS)\n", path, loc_database_count_as(db));
    printf("addresses: %zu (3/4 IPv4, 1/4 IPv6), best of %d rounds, one thread, CPU time\n", n,
           rounds);
    printf("libloc lookup + AS:      %10.0f lookups/s (%zu in a network)\n", n / best_raw,
           found_raw);
    printf("vg_hosting_locate:       %10.0f lookups/s (%zu in a network)\n", n / best_vg,
           found_vg);
    printf("vg_hosting_locate / libloc: %.2f\n", best_raw / best_vg);
    vg_hosting_close(h);
    loc_database_unref(db);
    loc_unref(ctx);
    fclose(f);
    free(text);
    free(bin);
    return 0;
}
