/* A pulling device's decisions (lb/pull.h): which offers it fetches, which
 * it never fetches again, and when it looks next (interval, backoff,
 * jitter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "lb/pull.h"

static lb_manifest_entry_t offer(uint8_t major, uint8_t minor, uint32_t build, uint8_t sha0)
{
    lb_manifest_entry_t e;
    memset(&e, 0, sizeof e);
    e.kind = LB_IMAGE_KIND_APP;
    e.version = (lb_image_version_t){major, minor, 0, build};
    e.size = 1000;
    e.sha256[0] = sha0;
    return e;
}

static void test_pull_offer_newer_only_by_mcuboot_order(void **state)
{
    (void)state;
    lb_image_version_t running = {1, 1, 0, 7};
    lb_manifest_entry_t e = offer(1, 2, 0, 1);
    assert_int_equal(lb_pull_offer(&e, "p", "p", &running, NULL), 0);
    e = offer(1, 1, 0, 1); /* same version */
    assert_int_equal(lb_pull_offer(&e, "p", "p", &running, NULL), LB_E_CURRENT);
    e = offer(1, 1, 99, 1); /* a higher build alone is not newer (MCUboot ignores it) */
    assert_int_equal(lb_pull_offer(&e, "p", "p", &running, NULL), LB_E_CURRENT);
    e = offer(1, 0, 0, 1); /* older */
    assert_int_equal(lb_pull_offer(&e, "p", "p", &running, NULL), LB_E_CURRENT);
    /* Nothing runs (recovery): any version will do. */
    assert_int_equal(lb_pull_offer(&e, "p", "p", NULL, NULL), 0);
}

static void test_pull_offer_foreign_product_is_refused(void **state)
{
    (void)state;
    lb_manifest_entry_t e = offer(9, 0, 0, 1);
    assert_int_equal(lb_pull_offer(&e, "other", "demo", NULL, NULL), LB_E_PRODUCT);
    assert_int_equal(lb_pull_offer(&e, "dem", "demo", NULL, NULL), LB_E_PRODUCT);
    assert_int_equal(lb_pull_offer(&e, "demo", "demo", NULL, NULL), 0);
}

static void test_pull_avoid_version_or_exact_bytes(void **state)
{
    (void)state;
    lb_pull_avoid_t a;
    lb_pull_avoid_init(&a);
    lb_manifest_entry_t rolled = offer(2, 0, 0, 1);
    lb_manifest_entry_t refused = offer(3, 0, 0, 5);
    lb_pull_avoid_add(&a, &rolled.version, NULL);            /* every offer of 2.0.0+0 */
    lb_pull_avoid_add(&a, &refused.version, refused.sha256); /* these bytes of 3.0.0+0 */
    assert_int_equal(lb_pull_offer(&rolled, "p", "p", NULL, &a), LB_E_SKIPPED);
    lb_manifest_entry_t rebuilt = offer(2, 0, 0, 9); /* other bytes, same version */
    assert_int_equal(lb_pull_offer(&rebuilt, "p", "p", NULL, &a), LB_E_SKIPPED);
    assert_int_equal(lb_pull_offer(&refused, "p", "p", NULL, &a), LB_E_SKIPPED);
    lb_manifest_entry_t fixed = offer(3, 0, 0, 6); /* a fixed file under the same version */
    assert_int_equal(lb_pull_offer(&fixed, "p", "p", NULL, &a), 0);
    lb_manifest_entry_t next_build = offer(2, 0, 1, 1); /* the build tells images apart */
    assert_int_equal(lb_pull_offer(&next_build, "p", "p", NULL, &a), 0);
    /* Added twice: one entry. */
    lb_pull_avoid_add(&a, &rolled.version, NULL);
    assert_int_equal(a.n, 2);
}

static void test_pull_avoid_full_drops_the_oldest(void **state)
{
    (void)state;
    lb_pull_avoid_t a;
    lb_pull_avoid_init(&a);
    for (uint8_t i = 1; i <= LB_PULL_AVOID_MAX + 1u; i++) {
        lb_manifest_entry_t e = offer(i, 0, 0, 0);
        lb_pull_avoid_add(&a, &e.version, NULL);
    }
    assert_int_equal(a.n, LB_PULL_AVOID_MAX);
    lb_manifest_entry_t first = offer(1, 0, 0, 0), last = offer(LB_PULL_AVOID_MAX + 1u, 0, 0, 0),
                        second = offer(2, 0, 0, 0);
    assert_int_equal(lb_pull_offer(&first, "p", "p", NULL, &a), 0);
    assert_int_equal(lb_pull_offer(&last, "p", "p", NULL, &a), LB_E_SKIPPED);
    assert_int_equal(lb_pull_offer(&second, "p", "p", NULL, &a), LB_E_SKIPPED);
}

static void test_pull_sched_interval_after_nothing_new(void **state)
{
    (void)state;
    lb_pull_sched_t s;
    lb_pull_sched_init(&s, 60000, 0, 5000, 300000);
    assert_int_equal(lb_pull_sched_next(&s, 0, 12345), 60000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_CURRENT, 1), 60000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_SKIPPED, 1), 60000);
}

static void test_pull_sched_backoff_doubles_capped_and_resets(void **state)
{
    (void)state;
    lb_pull_sched_t s;
    lb_pull_sched_init(&s, 60000, 0, 5000, 300000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 5000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_NOTFOUND, 0), 10000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_CORRUPT, 0), 20000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 40000);
    /* Never past the interval: a device whose server fails looks again at
     * least as often as one whose server works. */
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 60000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 60000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_CURRENT, 0), 60000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 5000); /* reset by the success */
    /* Without an interval (recovery): capped by the maximum, and nothing
     * new is retried like a failure. */
    lb_pull_sched_init(&s, 0, 0, 5000, 12000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_SKIPPED, 0), 5000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 10000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 12000);
    assert_int_equal(lb_pull_sched_next(&s, LB_E_IO, 0), 12000);
}

static void test_pull_sched_jitter_spreads_within_bounds(void **state)
{
    (void)state;
    lb_pull_sched_t s;
    lb_pull_sched_init(&s, 8000, 1000, 5000, 300000);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t r = 0; r < 5000; r++) {
        uint32_t w = lb_pull_sched_next(&s, 0, r * 2654435761u);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_true(lo >= 8000 && lo < 8050);
    assert_true(hi <= 9000 && hi > 8950);
    /* No wrap near the top. */
    lb_pull_sched_init(&s, UINT32_MAX - 10u, 1000, 5000, 300000);
    assert_int_equal(lb_pull_sched_next(&s, 0, 999), UINT32_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull_offer_newer_only_by_mcuboot_order),
        cmocka_unit_test(test_pull_offer_foreign_product_is_refused),
        cmocka_unit_test(test_pull_avoid_version_or_exact_bytes),
        cmocka_unit_test(test_pull_avoid_full_drops_the_oldest),
        cmocka_unit_test(test_pull_sched_interval_after_nothing_new),
        cmocka_unit_test(test_pull_sched_backoff_doubles_capped_and_resets),
        cmocka_unit_test(test_pull_sched_jitter_spreads_within_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
