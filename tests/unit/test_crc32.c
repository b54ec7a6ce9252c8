#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lb/crc32.h"

static void test_crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(lb_crc32(0, "123456789", 9), 0xCBF43926u);
}

static void test_crc32_empty_is_zero(void **state)
{
    (void)state;
    assert_int_equal(lb_crc32(0, "", 0), 0);
}

static void test_crc32_incremental_equals_oneshot(void **state)
{
    (void)state;
    const char *s = "lifeboat partition table";
    uint32_t one = lb_crc32(0, s, 24);
    uint32_t inc = lb_crc32(lb_crc32(0, s, 10), s + 10, 14);
    assert_int_equal(one, inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_crc32_empty_is_zero),
        cmocka_unit_test(test_crc32_incremental_equals_oneshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
