/* The loader core on the host board: every row of the decision table
 * (docs/DESIGN.md, "Booting"), with real images checked by lb_image_verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/err.h"
#include "lbt.h"
#include "loader.h"

static lbt_device_t dev;
static lb_bootstate_log_t logv;
static uint8_t app1[LBT_IMAGE_MAX], app2[LBT_IMAGE_MAX], rec[LBT_IMAGE_MAX];
static size_t app1_len, app2_len, rec_len;

static int setup(void **state)
{
    (void)state;
    if (lbt_device_init(&dev, "uniform4k", 4, 0xFF, false) != 0) {
        return -1;
    }
    int n1 = lbt_image(app1, sizeof app1, LB_IMAGE_KIND_APP, 1, 1, LBT_PRODUCT, 1);
    int n2 = lbt_image(app2, sizeof app2, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 2);
    int nr = lbt_image(rec, sizeof rec, LB_IMAGE_KIND_RECOVERY, 1, 0, LBT_PRODUCT, 3);
    if (n1 <= 0 || n2 <= 0 || nr <= 0) {
        return -1;
    }
    app1_len = (size_t)n1;
    app2_len = (size_t)n2;
    rec_len = (size_t)nr;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    host_board_teardown();
    return 0;
}

/* Slot 0 = app v1, slot 1 = app v2, recovery; state as given. */
static void put_images(bool s0, bool s1, bool r)
{
    if (s0) {
        lbt_flash_put(dev.slot[0]->offset, app1, app1_len);
    }
    if (s1) {
        lbt_flash_put(dev.slot[1]->offset, app2, app2_len);
    }
    if (r) {
        lbt_flash_put(dev.recovery->offset, rec, rec_len);
    }
}

static void set_state(uint8_t st0, uint8_t st1, uint8_t active, uint8_t attempts1)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    lb_bootstate_t s = logv.state;
    s.slots[0] = (lb_bootstate_slot_t){st0, 0, {1, 0, 0, 1}, 1};
    s.slots[1] = (lb_bootstate_slot_t){st1, attempts1, {2, 0, 0, 2}, 2};
    s.active_slot = active;
    s.min_security_counter = 1;
    assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
}

static const lb_bootstate_t *state_now(void)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    return &logv.state;
}

static lbt_boot_t boot;

static void boot_as(lb_reset_cause_t cause)
{
    if (cause == LB_RESET_POWER_ON) {
        host_board_power_on();
    } else {
        host_board_warm_reset(cause);
    }
    lbt_boot(&dev, &boot);
}

static void expect(const char *image, const char *slot, const char *reason, const char *reset)
{
    char want[160];
    snprintf(want, sizeof want, "[lifeboat] boot image=%s slot=%s reason=%s reset=%s", image, slot,
             reason, reset);
    assert_string_equal(boot.line, want);
    /* exactly one boot line per boot */
    const char *con = host_board_console();
    const char *first = strstr(con, "[lifeboat] boot ");
    assert_non_null(first);
    assert_null(strstr(first + 1, "[lifeboat] boot "));
    if (strcmp(image, "none") == 0) {
        assert_int_equal(boot.exit, HOST_EXIT_RETURN);
        assert_true(boot.rc < 0);
        assert_int_equal(host_board_watchdog_ms(), 0);
    } else {
        assert_int_equal(boot.exit, HOST_EXIT_JUMP);
        assert_int_equal(host_board_jump_addr(), LBT_LOAD_ADDR + LB_IMAGE_HEADER_SIZE);
        assert_int_equal(host_board_watchdog_ms(), dev.cfg.watchdog_ms);
        /* the image gets the same story in retained RAM */
        lb_bootinfo_t bi;
        assert_int_equal(lb_bootinfo_read(&bi), LB_OK);
        assert_string_equal(lb_boot_image_name(bi.image), image);
        assert_int_equal(bi.loader_version, LB_LOADER_VERSION);
        /* and the load area holds exactly the image that was verified */
        const uint8_t *want_img = bi.image == LB_BOOT_IMAGE_RECOVERY ? rec
                                  : bi.slot == 0                     ? app1
                                                                     : app2;
        assert_memory_equal(host_board_load_ram(), want_img, 64);
    }
}

/* ---- row 1: strap ---- */
static void test_loader_row1_strap_held_boots_recovery(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_board_set_strap(UINT32_MAX);
    boot_as(LB_RESET_POWER_ON);
    host_board_set_strap(0);
    expect("recovery", "-", "strap", "power-on");
    assert_int_equal(boot.res.info.reason, LB_BOOT_REASON_STRAP);
    assert_int_equal(state_now()->last_recovery_reason, LB_BOOT_REASON_STRAP);
    assert_int_equal(state_now()->last_booted, LB_BOOTED_RECOVERY);
}

static void test_loader_row1_strap_shorter_than_hold_is_ignored(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_board_set_strap(dev.cfg.strap_hold_ms / 2); /* a bounce */
    boot_as(LB_RESET_POWER_ON);
    host_board_set_strap(0);
    expect("app", "a", "normal", "power-on");
}

/* The strap counts only on resets firmware did not ask for: a reboot out of
 * recovery (software), a watchdog or a fault reset reaches the app even
 * while the strap is still held; an external/pin reset (unknown) honours it. */
static void strap_held_through(lb_reset_cause_t cause)
{
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_board_set_strap(UINT32_MAX);
    boot_as(cause);
    host_board_set_strap(0);
}

static void test_loader_row1_strap_ignored_after_software_reset(void **state)
{
    (void)state;
    strap_held_through(LB_RESET_SOFTWARE);
    expect("app", "a", "normal", "software");
    assert_int_equal(state_now()->last_booted, LB_BOOTED_SLOT0);
    /* Not even sampled: a reset the firmware asked for (after an upload)
     * pays no hold delay. A power-on with the strap held samples it. */
    assert_int_equal(host_board_strap_samples(), 0);
    strap_held_through(LB_RESET_POWER_ON);
    assert_true(host_board_strap_samples() > 0);
}

static void test_loader_row1_strap_ignored_after_watchdog_reset(void **state)
{
    (void)state;
    strap_held_through(LB_RESET_WATCHDOG);
    expect("app", "a", "normal", "watchdog");
}

static void test_loader_row1_strap_ignored_after_fault_reset(void **state)
{
    (void)state;
    strap_held_through(LB_RESET_FAULT);
    expect("app", "a", "normal", "fault");
}

static void test_loader_row1_strap_honoured_after_unknown_reset(void **state)
{
    (void)state;
    strap_held_through(LB_RESET_UNKNOWN);
    expect("recovery", "-", "strap", "unknown");
}

/* The decision itself ignores a strap reported after a software reset. */
static void test_loader_decide_strap_ignored_after_software_reset(void **state)
{
    (void)state;
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.active_slot = 0;
    s.slots[0].state = LB_SLOT_CONFIRMED;
    lb_loader_inputs_t in = {.reset = LB_RESET_SOFTWARE, .strap = true, .slot_count = 2};
    lb_loader_plan_t p;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    assert_int_equal(p.row, 7);
    assert_int_equal(p.cand[0].image, LB_BOOT_IMAGE_APP);
    in.reset = LB_RESET_POWER_ON;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    assert_int_equal(p.row, 1);
}

/* ---- row 2: one-shot request ---- */
static void test_loader_row2_request_is_one_shot(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    assert_int_equal(lb_bootstate_request(&logv, LB_REQUEST_RECOVERY), LB_OK);
    boot_as(LB_RESET_SOFTWARE);
    expect("recovery", "-", "requested", "software");
    assert_int_equal(state_now()->request, LB_REQUEST_NONE);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "a", "normal", "software");
}

static void test_loader_row2_self_check_request(void **state)
{
    (void)state;
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    assert_int_equal(lb_bootstate_request(&logv, LB_REQUEST_SELF_CHECK), LB_OK);
    boot_as(LB_RESET_SOFTWARE);
    expect("recovery", "-", "requested", "software"); /* the line's grammar */
    assert_int_equal(boot.res.info.reason, LB_BOOT_REASON_SELF_CHECK);
}

static void test_loader_row2_update_request(void **state)
{
    (void)state;
    /* A single-slot app hands the update it was offered to recovery: the
     * boot line says requested, the boot info update (recovery pulls). */
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    assert_int_equal(lb_bootstate_request(&logv, LB_REQUEST_UPDATE), LB_OK);
    boot_as(LB_RESET_SOFTWARE);
    expect("recovery", "-", "requested", "software");
    assert_int_equal(boot.res.info.reason, LB_BOOT_REASON_UPDATE);
    assert_string_equal(lb_boot_reason_name(LB_BOOT_REASON_UPDATE), "update");
    assert_int_equal(state_now()->request, LB_REQUEST_NONE);
    assert_int_equal(state_now()->last_recovery_reason, LB_BOOT_REASON_UPDATE);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "a", "normal", "software");
}

/* ---- row 3: factory (blank) state ---- */
static void test_loader_row3_blank_state_adopts_valid_slot(void **state)
{
    (void)state;
    put_images(false, true, true);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "b", "normal", "power-on");
    assert_true(boot.res.info.flags & LB_BOOTINFO_F_STATE_BLANK);
    const lb_bootstate_t *s = state_now();
    assert_int_equal(s->slots[1].state, LB_SLOT_CONFIRMED);
    assert_int_equal(s->active_slot, 1);
    assert_int_equal(s->min_security_counter, 2);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "b", "normal", "power-on");
    assert_false(boot.res.info.flags & LB_BOOTINFO_F_STATE_BLANK);
}

/* The strap held at the very first power-on: the recovery boot writes the
 * first record, which still knows nothing about the slots; the next
 * normal boot adopts the factory image instead of falling to recovery. */
static void test_loader_row3_adoption_after_a_first_strap_boot(void **state)
{
    (void)state;
    put_images(true, false, true);
    host_board_set_strap(UINT32_MAX);
    boot_as(LB_RESET_POWER_ON);
    host_board_set_strap(0);
    expect("recovery", "-", "strap", "power-on");
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "a", "normal", "software");
    assert_int_equal(state_now()->slots[0].state, LB_SLOT_CONFIRMED);
    assert_int_equal(state_now()->active_slot, 0);
}

/* ---- rows 4 and 5: trial, then rollback ---- */
static void test_loader_row5_trial_boots_then_row4_rollback(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_NEW, 1, 0);
    for (unsigned i = 1; i <= dev.cfg.trial_boots; i++) {
        boot_as(i == 1 ? LB_RESET_SOFTWARE : LB_RESET_WATCHDOG);
        expect("app", "b", "trial", i == 1 ? "software" : "watchdog");
        assert_int_equal(boot.res.info.attempts, i);
        assert_int_equal(state_now()->slots[1].state, LB_SLOT_TRIAL);
        assert_int_equal(state_now()->slots[1].attempts, i);
    }
    boot_as(LB_RESET_WATCHDOG);
    expect("app", "a", "rollback", "watchdog");
    const lb_bootstate_t *s = state_now();
    assert_int_equal(s->slots[1].state, LB_SLOT_INVALID);
    assert_int_equal(s->active_slot, 0);
    assert_int_equal(s->unhealthy, 0);
    /* and it stays rolled back, as a normal boot */
    boot_as(LB_RESET_WATCHDOG);
    expect("app", "a", "normal", "watchdog");
}

static void test_loader_row5_confirmed_trial_becomes_normal(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_NEW, 1, 0);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "b", "trial", "software");
    state_now();
    assert_int_equal(lb_bootstate_confirm(&logv, 1), LB_OK);
    assert_int_equal(state_now()->slots[1].state, LB_SLOT_CONFIRMED);
    assert_int_equal(state_now()->min_security_counter, 2);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "b", "normal", "software");
}

static void test_loader_row4_exhausted_trial_without_confirmed_goes_to_recovery(void **state)
{
    (void)state;
    put_images(false, true, true);
    set_state(LB_SLOT_EMPTY, LB_SLOT_TRIAL, 1, 3);
    boot_as(LB_RESET_WATCHDOG);
    expect("recovery", "-", "no-valid-app", "watchdog");
    assert_int_equal(state_now()->slots[1].state, LB_SLOT_INVALID);
}

static void test_loader_row5_corrupt_trial_image_rolls_back(void **state)
{
    (void)state;
    put_images(true, true, true);
    host_flash_mem()[dev.slot[1]->offset + 100] ^= 0xFF;
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_NEW, 1, 0);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "a", "rollback", "software");
    assert_int_equal(state_now()->slots[1].state, LB_SLOT_INVALID);
    assert_int_equal(state_now()->active_slot, 0);
}

/* ---- row 6: crash loop ---- */
static void test_loader_row6_crash_loop_enters_recovery(void **state)
{
    (void)state;
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "a", "normal", "power-on");
    for (unsigned i = 1; i < dev.cfg.crash_limit; i++) {
        boot_as(i % 2 ? LB_RESET_WATCHDOG : LB_RESET_FAULT);
        expect("app", "a", "normal", i % 2 ? "watchdog" : "fault");
        assert_int_equal(boot.res.info.unhealthy, i);
    }
    boot_as(LB_RESET_UNKNOWN);
    expect("recovery", "-", "crash-loop", "unknown");
    /* recovery restarting does not leave the loop by itself... */
    boot_as(LB_RESET_SOFTWARE);
    expect("recovery", "-", "crash-loop", "software");
    /* ...clearing the count (recovery's idle timeout) does */
    assert_int_equal(state_now()->unhealthy, dev.cfg.crash_limit);
    assert_int_equal(lb_bootstate_clear_unhealthy(&logv), LB_OK);
    boot_as(LB_RESET_SOFTWARE);
    expect("app", "a", "normal", "software");
}

static void test_loader_row6_only_configured_causes_count(void **state)
{
    (void)state;
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    for (unsigned i = 0; i < 2 * dev.cfg.crash_limit; i++) {
        boot_as(i % 2 ? LB_RESET_SOFTWARE : LB_RESET_POWER_ON);
        expect("app", "a", "normal", i % 2 ? "software" : "power-on");
    }
    dev.cfg.crash_resets = 1u << LB_RESET_SOFTWARE;
    for (unsigned i = 0; i < dev.cfg.crash_limit; i++) {
        boot_as(LB_RESET_SOFTWARE);
    }
    boot_as(LB_RESET_SOFTWARE);
    expect("recovery", "-", "crash-loop", "software");
}

static void test_loader_row6_healthy_report_clears_count(void **state)
{
    (void)state;
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 1; i < dev.cfg.crash_limit; i++) {
            boot_as(LB_RESET_WATCHDOG);
            expect("app", "a", "normal", "watchdog");
        }
        state_now();
        assert_int_equal(lb_bootstate_confirm(&logv, 0), LB_OK);
        assert_int_equal(state_now()->unhealthy, 0);
    }
}

/* ---- rows 7 and 8: normal, verification fallbacks ---- */
static void test_loader_row7_normal_boot_costs_one_record(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 0, 0);
    host_flash_reset_stats();
    boot_as(LB_RESET_POWER_ON);
    expect("app", "a", "normal", "power-on");
    assert_int_equal(host_flash_stats().programs, 1);
    assert_int_equal(host_flash_stats().erases, 0);
    assert_int_equal(state_now()->boot_count, 1);
    assert_int_equal(state_now()->last_booted, LB_BOOTED_SLOT0);
}

static void test_loader_row7_corrupt_active_falls_to_other_confirmed(void **state)
{
    (void)state;
    put_images(true, true, true);
    host_flash_mem()[dev.slot[0]->offset + 700] ^= 0x01;
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "b", "rollback", "power-on");
    assert_int_equal(state_now()->slots[0].state, LB_SLOT_INVALID);
    assert_int_equal(state_now()->active_slot, 1);
}

static void test_loader_row7_no_valid_app_goes_to_recovery(void **state)
{
    (void)state;
    put_images(true, false, true);
    host_flash_mem()[dev.slot[0]->offset + 5] ^= 0x01; /* header damaged */
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("recovery", "-", "no-valid-app", "power-on");
}

static void test_loader_row7_downgrade_is_refused(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 0, 0);
    lb_bootstate_t s = *state_now();
    s.min_security_counter = 2; /* slot a (counter 1) is now a downgrade */
    assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "b", "rollback", "power-on");
    assert_int_equal(state_now()->slots[0].state, LB_SLOT_INVALID);
}

static void test_loader_row7_foreign_product_is_refused(void **state)
{
    (void)state;
    uint8_t other[LBT_IMAGE_MAX];
    int n = lbt_image(other, sizeof other, LB_IMAGE_KIND_APP, 1, 1, "other-product", 1);
    assert_true(n > 0);
    put_images(false, false, true);
    lbt_flash_put(dev.slot[0]->offset, other, (size_t)n);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("recovery", "-", "no-valid-app", "power-on");
    /* a recovery image in an app slot is refused too (kind) */
    lbt_flash_put(dev.slot[1]->offset, rec, rec_len);
    set_state(LB_SLOT_EMPTY, LB_SLOT_CONFIRMED, 1, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("recovery", "-", "no-valid-app", "power-on");
}

/* The kind is bound to the partition, whatever else an image satisfies: a
 * recovery image with a counter above the floor in an app slot is not
 * booted as the app, and an app image in the recovery partition is not
 * booted as recovery (the strap then falls back to the valid app). */
static void test_loader_kind_is_bound_to_the_partition(void **state)
{
    (void)state;
    uint8_t r5[LBT_IMAGE_MAX], a0[LBT_IMAGE_MAX];
    int nr = lbt_image(r5, sizeof r5, LB_IMAGE_KIND_RECOVERY, 1, 5, LBT_PRODUCT, 1);
    int na = lbt_image(a0, sizeof a0, LB_IMAGE_KIND_APP, 1, 5, LBT_PRODUCT, 3);
    assert_true(nr > 0 && na > 0);
    put_images(false, false, true);
    lbt_flash_put(dev.slot[0]->offset, r5, (size_t)nr);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("recovery", "-", "no-valid-app", "power-on");
    assert_int_equal(state_now()->min_security_counter, 1); /* the floor did not move */

    put_images(true, false, false);
    lbt_flash_put(dev.recovery->offset, a0, (size_t)na);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_board_set_strap(UINT32_MAX);
    boot_as(LB_RESET_POWER_ON);
    host_board_set_strap(0);
    expect("app", "a", "strap", "power-on");
    assert_true(boot.res.info.flags & LB_BOOTINFO_F_RECOVERY_BAD);
}

static void test_loader_row8_no_active_slot_uses_confirmed(void **state)
{
    (void)state;
    put_images(true, true, true);
    set_state(LB_SLOT_INVALID, LB_SLOT_CONFIRMED, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "b", "rollback", "power-on");
    set_state(LB_SLOT_INVALID, LB_SLOT_EMPTY, LB_BOOTSTATE_NONE, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("recovery", "-", "no-valid-app", "power-on");
}

/* ---- row 9: recovery invalid ---- */
static void test_loader_row9_bad_recovery_boots_any_valid_app(void **state)
{
    (void)state;
    put_images(true, false, true);
    host_flash_mem()[dev.recovery->offset + 200] ^= 0x01;
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_board_set_strap(UINT32_MAX);
    boot_as(LB_RESET_POWER_ON);
    host_board_set_strap(0);
    expect("app", "a", "strap", "power-on");
    assert_true(boot.res.info.flags & LB_BOOTINFO_F_RECOVERY_BAD);
    assert_non_null(strstr(host_board_console(), "recovery image failed verification"));
    /* an app that was marked invalid but verifies is still better than nothing */
    set_state(LB_SLOT_INVALID, LB_SLOT_EMPTY, LB_BOOTSTATE_NONE, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("app", "a", "no-valid-app", "power-on");
}

/* ---- row 10: nothing valid ---- */
static void test_loader_row10_nothing_valid_stays_in_loader(void **state)
{
    (void)state;
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 0, 0);
    boot_as(LB_RESET_POWER_ON);
    expect("none", "-", "no-valid-app", "power-on");
    assert_non_null(strstr(host_board_console(), "staying in the loader"));
    assert_int_equal(host_board_jump_addr(), 0);
}

/* ---- partition table ---- */
static void test_loader_ptable_fallback_to_builtin(void **state)
{
    (void)state;
    put_images(true, false, true);
    set_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0, 0);
    host_flash_mem()[dev.ptable->offset + 40] ^= 0x01;
    boot_as(LB_RESET_POWER_ON);
    expect("app", "a", "normal", "power-on");
    assert_true(boot.res.info.flags & LB_BOOTINFO_F_PTABLE_FALLBACK);
    assert_non_null(strstr(host_board_console(), "using the built-in table"));
    /* and with no usable table at all it stays, never guesses */
    dev.cfg.builtin_ptable = NULL;
    boot_as(LB_RESET_POWER_ON);
    expect("none", "-", "no-valid-app", "power-on");
}

/* ---- the decision alone, for the combinations the rows do not reach ---- */
static void test_loader_decide_strap_beats_request_and_consumes_it(void **state)
{
    (void)state;
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.request = LB_REQUEST_RECOVERY;
    s.active_slot = 0;
    s.slots[0].state = LB_SLOT_CONFIRMED;
    lb_loader_inputs_t in = {.reset = LB_RESET_POWER_ON, .strap = true, .slot_count = 2};
    lb_loader_plan_t p;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    assert_int_equal(p.row, 1);
    assert_int_equal(p.cand[0].image, LB_BOOT_IMAGE_RECOVERY);
    assert_int_equal(p.cand[0].reason, LB_BOOT_REASON_STRAP);
    assert_int_equal(p.next.request, LB_REQUEST_NONE);
    /* fallbacks after recovery keep its reason */
    assert_int_equal(p.cand[1].image, LB_BOOT_IMAGE_APP);
    assert_int_equal(p.cand[1].slot, 0);
    assert_int_equal(p.cand[1].reason, LB_BOOT_REASON_STRAP);
    /* single-slot layout: slot 1 is never a candidate */
    s.slots[1].state = LB_SLOT_CONFIRMED;
    in.slot_count = 1;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    for (unsigned i = 0; i < p.count; i++) {
        assert_true(p.cand[i].slot != 1);
    }
}

static void test_loader_decide_unhealthy_saturates(void **state)
{
    (void)state;
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.active_slot = 0;
    s.slots[0].state = LB_SLOT_CONFIRMED;
    s.last_booted = LB_BOOTED_SLOT0;
    s.unhealthy = 255;
    lb_loader_inputs_t in = {.reset = LB_RESET_WATCHDOG, .slot_count = 2};
    lb_loader_plan_t p;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    assert_int_equal(p.next.unhealthy, 255);
    assert_int_equal(p.row, 6);
    /* a reset that ended recovery does not count against the app */
    s.unhealthy = 0;
    s.last_booted = LB_BOOTED_RECOVERY;
    lb_loader_decide(&s, &in, &dev.cfg, &p);
    assert_int_equal(p.next.unhealthy, 0);
    assert_int_equal(p.row, 7);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_loader_row1_strap_held_boots_recovery),
        T(test_loader_row1_strap_shorter_than_hold_is_ignored),
        T(test_loader_row1_strap_ignored_after_software_reset),
        T(test_loader_row1_strap_ignored_after_watchdog_reset),
        T(test_loader_row1_strap_ignored_after_fault_reset),
        T(test_loader_row1_strap_honoured_after_unknown_reset),
        T(test_loader_decide_strap_ignored_after_software_reset),
        T(test_loader_row2_request_is_one_shot),
        T(test_loader_row2_self_check_request),
        T(test_loader_row2_update_request),
        T(test_loader_row3_blank_state_adopts_valid_slot),
        T(test_loader_row3_adoption_after_a_first_strap_boot),
        T(test_loader_row5_trial_boots_then_row4_rollback),
        T(test_loader_row5_confirmed_trial_becomes_normal),
        T(test_loader_row4_exhausted_trial_without_confirmed_goes_to_recovery),
        T(test_loader_row5_corrupt_trial_image_rolls_back),
        T(test_loader_row6_crash_loop_enters_recovery),
        T(test_loader_row6_only_configured_causes_count),
        T(test_loader_row6_healthy_report_clears_count),
        T(test_loader_row7_normal_boot_costs_one_record),
        T(test_loader_row7_corrupt_active_falls_to_other_confirmed),
        T(test_loader_row7_no_valid_app_goes_to_recovery),
        T(test_loader_row7_downgrade_is_refused),
        T(test_loader_row7_foreign_product_is_refused),
        T(test_loader_kind_is_bound_to_the_partition),
        T(test_loader_row8_no_active_slot_uses_confirmed),
        T(test_loader_row9_bad_recovery_boots_any_valid_app),
        T(test_loader_row10_nothing_valid_stays_in_loader),
        T(test_loader_ptable_fallback_to_builtin),
        T(test_loader_decide_strap_beats_request_and_consumes_it),
        T(test_loader_decide_unhealthy_saturates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
