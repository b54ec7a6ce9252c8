/* Boot info: the record in retained RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/bootinfo.h"
#include "lb/err.h"
#include "lbt.h"

static void sample(lb_bootinfo_t *bi)
{
    memset(bi, 0, sizeof *bi);
    bi->reason = LB_BOOT_REASON_ROLLBACK;
    bi->image = LB_BOOT_IMAGE_APP;
    bi->slot = 1;
    bi->reset = LB_RESET_WATCHDOG;
    bi->attempts = 3;
    bi->trial_boots = 3;
    bi->unhealthy = 1;
    bi->crash_limit = 4;
    bi->flags = LB_BOOTINFO_F_PTABLE_FALLBACK;
    bi->loader_version = 0x01020003u;
    bi->image_version = (lb_image_version_t){2, 1, 7, 99};
    bi->image_security_counter = 6;
    bi->min_security_counter = 5;
    bi->boot_count = 4242;
}

static void test_bootinfo_roundtrip(void **state)
{
    (void)state;
    lb_bootinfo_t a, b;
    uint8_t buf[LB_BOOTINFO_SIZE];
    sample(&a);
    assert_int_equal(lb_bootinfo_encode(&a, buf, sizeof buf), LB_BOOTINFO_SIZE);
    assert_int_equal(lb_bootinfo_encode(&a, buf, sizeof buf - 1), LB_E_NOSPACE);
    assert_int_equal(lb_bootinfo_decode(&b, buf, sizeof buf), LB_OK);
    assert_int_equal(b.reason, a.reason);
    assert_int_equal(b.image, a.image);
    assert_int_equal(b.slot, a.slot);
    assert_int_equal(b.reset, a.reset);
    assert_int_equal(b.attempts, 3);
    assert_int_equal(b.trial_boots, 3);
    assert_int_equal(b.unhealthy, 1);
    assert_int_equal(b.crash_limit, 4);
    assert_int_equal(b.flags, a.flags);
    assert_int_equal(b.loader_version, a.loader_version);
    assert_memory_equal(&b.image_version, &a.image_version, sizeof a.image_version);
    assert_int_equal(b.image_security_counter, 6);
    assert_int_equal(b.min_security_counter, 5);
    assert_int_equal(b.boot_count, 4242);
}

static void test_bootinfo_decode_rejects_damage(void **state)
{
    (void)state;
    lb_bootinfo_t a, b;
    uint8_t buf[LB_BOOTINFO_SIZE], bad[LB_BOOTINFO_SIZE];
    sample(&a);
    lb_bootinfo_encode(&a, buf, sizeof buf);
    assert_int_equal(lb_bootinfo_decode(&b, buf, sizeof buf - 1), LB_E_SIZE);
    for (unsigned bit = 0; bit < sizeof buf * 8; bit++) {
        memcpy(bad, buf, sizeof buf);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(lb_bootinfo_decode(&b, bad, sizeof bad), LB_OK);
    }
    a.reason = LB_BOOT_REASON_COUNT;
    lb_bootinfo_encode(&a, buf, sizeof buf);
    assert_int_equal(lb_bootinfo_decode(&b, buf, sizeof buf), LB_E_CORRUPT);
    sample(&a);
    a.slot = 2;
    lb_bootinfo_encode(&a, buf, sizeof buf);
    assert_int_equal(lb_bootinfo_decode(&b, buf, sizeof buf), LB_E_CORRUPT);
    srand(3);
    for (int i = 0; i < 10000; i++) {
        for (size_t j = 0; j < sizeof bad; j++) {
            bad[j] = (uint8_t)rand();
        }
        assert_int_not_equal(lb_bootinfo_decode(&b, bad, sizeof bad), LB_OK);
    }
}

static void test_bootinfo_survives_warm_reset_not_power_on(void **state)
{
    (void)state;
    lbt_device_t d;
    assert_int_equal(lbt_device_init(&d, "uniform4k", 4, 0xFF, false), 0);
    lb_bootinfo_t a, b;
    sample(&a);
    /* power-on: retained RAM holds garbage, which must not validate */
    assert_int_not_equal(lb_bootinfo_read(&b), LB_OK);
    assert_int_equal(lb_bootinfo_write(&a), LB_OK);
    host_board_warm_reset(LB_RESET_WATCHDOG);
    assert_int_equal(lb_bootinfo_read(&b), LB_OK);
    assert_int_equal(b.boot_count, 4242);
    host_board_power_on();
    assert_int_not_equal(lb_bootinfo_read(&b), LB_OK);
    host_board_teardown();
}

static void test_bootinfo_names(void **state)
{
    (void)state;
    static const char *const reasons[LB_BOOT_REASON_COUNT] = {
        "normal",    "trial",        "rollback",   "strap", "crash-loop",
        "requested", "no-valid-app", "self-check", "update"};
    for (uint8_t r = 0; r < LB_BOOT_REASON_COUNT; r++) {
        assert_string_equal(lb_boot_reason_name(r), reasons[r]);
    }
    assert_string_equal(lb_boot_reason_name(200), "unknown");
    assert_string_equal(lb_boot_image_name(LB_BOOT_IMAGE_RECOVERY), "recovery");
    assert_string_equal(lb_boot_image_name(LB_BOOT_IMAGE_NONE), "none");
    assert_string_equal(lb_reset_cause_name(LB_RESET_POWER_ON), "power-on");
    assert_string_equal(lb_reset_cause_name(LB_RESET_SOFTWARE), "software");
    assert_string_equal(lb_reset_cause_name(LB_RESET_WATCHDOG), "watchdog");
    assert_string_equal(lb_reset_cause_name(LB_RESET_FAULT), "fault");
    assert_string_equal(lb_reset_cause_name(LB_RESET_UNKNOWN), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootinfo_roundtrip),
        cmocka_unit_test(test_bootinfo_decode_rejects_damage),
        cmocka_unit_test(test_bootinfo_survives_warm_reset_not_power_on),
        cmocka_unit_test(test_bootinfo_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
