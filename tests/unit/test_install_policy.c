/* The recovery's choice of the slot an upload is written to
 * (lib/src/install.c): never the only bootable image, never the
 * last confirmed one while another slot exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lb/install.h"

static lb_bootstate_t state(uint8_t a, uint8_t b, uint8_t active)
{
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.slots[0].state = a;
    s.slots[1].state = b;
    s.active_slot = active;
    return s;
}

static const bool none[2] = {false, false}, only_a[2] = {true, false}, only_b[2] = {false, true},
                  both[2] = {true, true};

static void test_install_policy_single_slot_writes_the_only_slot(void **st)
{
    (void)st;
    lb_bootstate_t s = state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 1, only_a), 0);
}

/* The reported bug: a flash without a boot-state record (or one written
 * only by a strap boot) has nothing confirmed; the factory app in slot a
 * is the only bootable image and must not be the one written. */
static void test_install_policy_blank_state_keeps_the_only_bootable_app(void **st)
{
    (void)st;
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_b), 0);
    s.last_booted = LB_BOOTED_RECOVERY; /* after a strap boot */
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
}

static void test_install_policy_never_the_last_confirmed(void **st)
{
    (void)st;
    lb_bootstate_t s = state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
    s = state(LB_SLOT_CONFIRMED, LB_SLOT_TRIAL, 1); /* recovery during b's trial */
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 1);
    s = state(LB_SLOT_INVALID, LB_SLOT_CONFIRMED, 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 0);
    /* Both confirmed: the one not booted next. */
    s = state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 0);
    s.active_slot = 0;
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 1);
}

/* A confirmed image that no longer verifies protects nothing: the other,
 * working one is kept. */
static void test_install_policy_bootable_beats_confirmed(void **st)
{
    (void)st;
    lb_bootstate_t s = state(LB_SLOT_CONFIRMED, LB_SLOT_TRIAL, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_b), 0);
    s = state(LB_SLOT_NEW, LB_SLOT_CONFIRMED, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
}

static void test_install_policy_nothing_bootable(void **st)
{
    (void)st;
    lb_bootstate_t s = state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 1);
    lb_bootstate_defaults(&s);
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 1);
    s.active_slot = 1;
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_policy_single_slot_writes_the_only_slot),
        cmocka_unit_test(test_install_policy_blank_state_keeps_the_only_bootable_app),
        cmocka_unit_test(test_install_policy_never_the_last_confirmed),
        cmocka_unit_test(test_install_policy_bootable_beats_confirmed),
        cmocka_unit_test(test_install_policy_nothing_bootable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
