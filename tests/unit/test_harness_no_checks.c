/* The harness itself: a program that runs no check must fail (CTest
 * expects this one to, WILL_FAIL), or a test whose checks were all skipped
 * would pass without proving anything. */
#include "harness.h"

static void test_nothing(void)
{
}

int main(void)
{
    RUN(test_nothing);
    return vg_test_exit();
}
