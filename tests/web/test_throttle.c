/*
 * Per-client limits (web/throttle.h) on a clock the test sets: the token
 * bucket, slow checks in flight, failures and growing blocks, clients kept
 * apart, the table's bound. Expected values follow from the rules stated
 * in throttle.h, worked out here by hand.
 */
#include <string.h>

#include "harness.h"
#include "web/throttle.h"

static vg_throttle *make(vg_throttle_rule rule)
{
    vg_throttle *t = NULL;
    CHECK(vg_throttle_new(&rule, 64, &t, NULL) == VG_OK);
    return t;
}

/* rate 2/s, burst 3: three at once, then one each half second. */
static void test_bucket(void)
{
    vg_throttle *t = make((vg_throttle_rule){.rate = 2, .burst = 3});
    if (!t)
        return;
    uint8_t k[VG_THROTTLE_KEY_BYTES];
    vg_throttle_key(t, "192.0.2.1", k);
    int64_t wait = -1;
    double now = 1000;
    for (int i = 0; i < 3; i++)
        CHECK_MSG(vg_throttle_admit(t, k, now, &wait) && wait == 0, "request %d", i);
    CHECK(!vg_throttle_admit(t, k, now, &wait));
    CHECK_INT_EQ(wait, 1); /* half a second, rounded up to whole seconds */
    /* a quarter second later: half a token, still refused */
    CHECK(!vg_throttle_admit(t, k, now + 0.25, &wait));
    /* half a second after the burst: exactly one token */
    CHECK(vg_throttle_admit(t, k, now + 0.5, &wait));
    CHECK(!vg_throttle_admit(t, k, now + 0.5, &wait));
    /* a long pause refills to the burst, not beyond */
    int admitted = 0;
    while (vg_throttle_admit(t, k, now + 100, NULL) && admitted < 10)
        admitted++;
    CHECK_INT_EQ(admitted, 3);
    /* another client has a bucket of its own */
    uint8_t other[VG_THROTTLE_KEY_BYTES];
    vg_throttle_key(t, "192.0.2.2", other);
    CHECK(memcmp(k, other, sizeof k) != 0);
    CHECK(vg_throttle_admit(t, other, now + 100, NULL));
    vg_throttle_free(t);
}

/* At most max_in_flight slow checks per client at once; leaving frees one. */
static void test_in_flight(void)
{
    vg_throttle *t = make((vg_throttle_rule){.max_in_flight = 2});
    if (!t)
        return;
    uint8_t a[VG_THROTTLE_KEY_BYTES], b[VG_THROTTLE_KEY_BYTES];
    vg_throttle_key(t, "198.51.100.1", a);
    vg_throttle_key(t, "198.51.100.2", b);
    CHECK(vg_throttle_enter(t, a, 10));
    CHECK(vg_throttle_enter(t, a, 10));
    CHECK(!vg_throttle_enter(t, a, 10)); /* a third at once: refused */
    CHECK(vg_throttle_enter(t, b, 10));  /* another client is not held up */
    vg_throttle_leave(t, a);
    CHECK(vg_throttle_enter(t, a, 11));
    CHECK(!vg_throttle_enter(t, a, 11));
    /* an entry with work in flight is never forgotten, however long */
    CHECK(!vg_throttle_enter(t, a, 1e6));
    vg_throttle_leave(t, a);
    vg_throttle_leave(t, a);
    vg_throttle_leave(t, a); /* one leave too many changes nothing */
    CHECK(vg_throttle_enter(t, a, 1e6));
    CHECK(vg_throttle_enter(t, a, 1e6));
    CHECK(!vg_throttle_enter(t, a, 1e6));
    vg_throttle_free(t);

    /* 0: no limit */
    t = make((vg_throttle_rule){0});
    if (!t)
        return;
    vg_throttle_key(t, "198.51.100.1", a);
    for (int i = 0; i < 100; i++)
        CHECK(vg_throttle_enter(t, a, 10));
    vg_throttle_free(t);
}

/* After max_failures, blocked for block_seconds, doubled at each block up
 * to max_block_seconds; a success clears the growth. */
static void test_failures_block(void)
{
    vg_throttle *t = make((vg_throttle_rule){.max_failures = 3, .block_seconds = 10,
                                             .max_block_seconds = 35});
    if (!t)
        return;
    uint8_t k[VG_THROTTLE_KEY_BYTES];
    vg_throttle_key(t, "203.0.113.9", k);
    int64_t wait = 0;
    double now = 100;
    static const double blocks[] = {10, 20, 35, 35}; /* 40 is over the maximum */
    for (int round = 0; round < 4; round++) {
        vg_throttle_fail(t, k, now);
        vg_throttle_fail(t, k, now);
        CHECK_MSG(vg_throttle_admit(t, k, now, NULL), "round %d: two failures do not block",
                  round);
        vg_throttle_fail(t, k, now);
        CHECK_MSG(!vg_throttle_admit(t, k, now, &wait), "round %d: the third blocks", round);
        CHECK_MSG(wait == (int64_t)blocks[round], "round %d: blocked %lld s", round,
                  (long long)wait);
        CHECK(!vg_throttle_admit(t, k, now + blocks[round] - 0.5, NULL));
        now += blocks[round];
        CHECK_MSG(vg_throttle_admit(t, k, now, NULL), "round %d: the block ends", round);
    }
    /* a success: the next block is the first length again */
    vg_throttle_succeed(t, k);
    for (int i = 0; i < 3; i++)
        vg_throttle_fail(t, k, now);
    CHECK(!vg_throttle_admit(t, k, now, &wait));
    CHECK_INT_EQ(wait, 10);
    vg_throttle_free(t);

    /* max_failures 0: failures never block */
    t = make((vg_throttle_rule){.block_seconds = 10, .max_block_seconds = 10});
    if (!t)
        return;
    for (int i = 0; i < 50; i++)
        vg_throttle_fail(t, k, 1);
    CHECK(vg_throttle_admit(t, k, 1, NULL));
    vg_throttle_free(t);
}

/* Many more clients than slots (the table never grows): each is still
 * answered, and a client idle past the forgetting time starts afresh. */
static void test_bounded_table(void)
{
    vg_throttle *t = make((vg_throttle_rule){.rate = 1, .burst = 1});
    if (!t)
        return;
    uint8_t k[VG_THROTTLE_KEY_BYTES];
    char name[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        vg_throttle_key(t, name, k);
        CHECK(vg_throttle_admit(t, k, 5, NULL));
    }
    /* a client forgotten after ten minutes idle starts with a full bucket */
    vg_throttle_key(t, "10.0.0.1", k);
    CHECK(vg_throttle_admit(t, k, 5 + 700, NULL));
    CHECK(!vg_throttle_admit(t, k, 5 + 700, NULL));
    vg_throttle_free(t);
}

int main(void)
{
    RUN(test_bucket);
    RUN(test_in_flight);
    RUN(test_failures_block);
    RUN(test_bounded_table);
    return vg_test_exit();
}
