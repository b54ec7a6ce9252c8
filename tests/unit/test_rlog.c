/* The record log under the credential, the history and the seed
 * (lib/src/rlog.c), driven through history records on the host board:
 * append position, unit switch and wrap, oldest-first walk, torn and
 * garbage slots, a power cut at every flash operation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/err.h"
#include "lb/history.h"
#include "lb/rlog.h"

static lb_geom_t geom;
static lb_flash_area_t area;

/* 4 units of 512 B; the log is units 1-3 (three units: 10 slots of 48 B
 * each at program size 16, 3 x 10 = 30 records at most). */
static void dev(uint32_t ps, uint8_t erased, bool program_once)
{
    memset(&geom, 0, sizeof geom);
    geom.size = 2048;
    geom.program_size = ps;
    geom.erased = erased;
    geom.region_count = 1;
    geom.regions[0].count = 4;
    geom.regions[0].size = 512;
    host_board_setup(&geom);
    host_flash_set_program_once(program_once);
    assert_int_equal(lb_flash_area_init(&area, &geom, 512, 1536), LB_OK);
}

static void note(lb_rlog_t *l, uint32_t tag)
{
    lb_hist_entry_t e;
    memset(&e, 0, sizeof e);
    e.event = LB_HIST_INSTALL;
    e.boot_count = tag;
    e.slot = LB_HIST_SLOT_NONE;
    assert_int_equal(lb_hist_append(l, &e), LB_OK);
}

typedef struct {
    uint32_t seq[64], boot[64];
    unsigned n;
} seen_t;

static int collect(const lb_hist_entry_t *e, void *ctx)
{
    seen_t *s = ctx;
    if (s->n < 64) {
        s->seq[s->n] = e->seq;
        s->boot[s->n] = e->boot_count;
        s->n++;
    }
    return 0;
}

static seen_t walk(void)
{
    lb_rlog_t l;
    seen_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    assert_int_equal(lb_hist_visit(&l, collect, &s), LB_OK);
    return s;
}

static void test_rlog_appends_in_order_and_walks_oldest_first(void **state)
{
    (void)state;
    dev(16, 0xFF, false);
    lb_rlog_t l;
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    assert_int_equal(lb_rlog_next_seq(&l), 1);
    assert_int_equal(lb_rlog_read_newest(&l, (uint8_t[64]){0}), LB_E_NOTFOUND);
    for (uint32_t i = 1; i <= 5; i++) {
        note(&l, 100 + i);
    }
    seen_t s = walk();
    assert_int_equal(s.n, 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(s.seq[i], i + 1);
        assert_int_equal(s.boot[i], 101 + i);
    }
    /* Slots follow each other from the area's start, 48 B each. */
    for (unsigned i = 0; i < 5; i++) {
        assert_memory_equal(host_flash_mem() + 512 + 48 * i, "LBHI", 4);
    }
    /* A reopened log continues where the last one stopped. */
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    assert_int_equal(lb_rlog_next_seq(&l), 6);
    note(&l, 106);
    assert_memory_equal(host_flash_mem() + 512 + 48 * 5, "LBHI", 4);
    assert_int_equal(host_flash_violations(), 0);
    host_board_teardown();
}

/* The ring: when the newest unit is full the next one (wrapping) is
 * erased, dropping only the oldest unit's records; the walk stays in
 * order across the wrap. */
static void test_rlog_wraps_dropping_only_the_oldest_unit(void **state)
{
    (void)state;
    dev(16, 0x00, true);
    lb_rlog_t l;
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    for (uint32_t i = 1; i <= 75; i++) {
        note(&l, i);
        if (i % 7 == 0) {
            assert_int_equal(lb_hist_open(&l, &area), LB_OK); /* rescans agree */
        }
        seen_t s = walk();
        /* 10 per unit: 30 at most, 20 right after a unit was recycled. */
        unsigned keep = i <= 30 ? i : 20 + (i - 1) % 10 + 1;
        assert_int_equal(s.n, keep);
        for (unsigned k = 0; k < s.n; k++) {
            assert_int_equal(s.seq[k], i - keep + 1 + k);
        }
    }
    assert_int_equal(host_flash_violations(), 0);
    /* The units outside the area were never touched. */
    for (unsigned i = 0; i < 512; i++) {
        assert_int_equal(host_flash_mem()[i], 0x00);
    }
    host_board_teardown();
}

/* A programmed slot that is not a valid record (torn, garbage) is neither
 * shown nor programmed again; appends go after it. */
static void test_rlog_skips_torn_and_garbage_slots(void **state)
{
    (void)state;
    dev(16, 0xFF, false);
    lb_rlog_t l;
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    note(&l, 1);
    note(&l, 2);
    /* Slot 2 half-written: the first 16 bytes only. */
    uint8_t rec[48];
    memcpy(rec, host_flash_mem() + 512 + 48, 48);
    assert_int_equal(lb_board_flash_program(512 + 96, rec, 16), LB_OK);
    assert_int_equal(lb_hist_open(&l, &area), LB_OK);
    assert_int_equal(lb_rlog_next_seq(&l), 3);
    note(&l, 3);
    assert_memory_equal(host_flash_mem() + 512 + 144, "LBHI", 4); /* after the torn one */
    seen_t s = walk();
    assert_int_equal(s.n, 3);
    assert_int_equal(s.boot[2], 3);
    assert_int_equal(host_flash_violations(), 0);
    host_board_teardown();
}

/* A power cut at every flash operation of an append, torn or not, at the
 * first record, inside a unit and at each unit switch: the records before
 * it all remain, in order, the new one is there or not, and the next
 * append works. */
static void test_rlog_power_cut_keeps_every_older_record(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        for (uint32_t n = 1; n <= 32; n++) {
            for (long op = 0; op < 2; op++) {
                dev(16, round ? 0x00 : 0xFF, round == 1);
                lb_rlog_t l;
                assert_int_equal(lb_hist_open(&l, &area), LB_OK);
                for (uint32_t i = 1; i < n; i++) {
                    note(&l, i);
                }
                seen_t before = walk();
                host_board_seed(n * 13u + (uint32_t)op);
                host_flash_reset_stats();
                host_flash_cut_at(op, round == 1);
                lb_hist_entry_t e;
                memset(&e, 0, sizeof e);
                e.event = LB_HIST_REFUSED;
                e.boot_count = 999;
                int rc = lb_hist_append(&l, &e);
                host_flash_cut_at(-1, false);
                seen_t after = walk();
                unsigned grew = after.n > 0 && after.boot[after.n - 1] == 999;
                if (rc == LB_OK) {
                    assert_true(grew);
                }
                /* Only a recycled unit may drop old records, and only when
                 * the append got that far. */
                unsigned dropped = before.n + grew - after.n;
                assert_true(dropped == 0 || dropped == 10);
                for (unsigned k = 0; k + grew < after.n; k++) {
                    assert_int_equal(after.boot[k], before.boot[k + dropped]);
                }
                assert_int_equal(lb_hist_open(&l, &area), LB_OK);
                note(&l, 1000);
                seen_t again = walk();
                assert_int_equal(again.boot[again.n - 1], 1000);
                assert_int_equal(host_flash_violations(), 0);
                host_board_teardown();
            }
        }
    }
}

static void test_rlog_needs_two_units_that_hold_a_slot(void **state)
{
    (void)state;
    dev(16, 0xFF, false);
    lb_flash_area_t one;
    assert_int_equal(lb_flash_area_init(&one, &geom, 0, 512), LB_OK);
    lb_rlog_t l;
    assert_int_equal(lb_hist_open(&l, &one), LB_E_INVAL);
    host_board_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rlog_appends_in_order_and_walks_oldest_first),
        cmocka_unit_test(test_rlog_wraps_dropping_only_the_oldest_unit),
        cmocka_unit_test(test_rlog_skips_torn_and_garbage_slots),
        cmocka_unit_test(test_rlog_power_cut_keeps_every_older_record),
        cmocka_unit_test(test_rlog_needs_two_units_that_hold_a_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
