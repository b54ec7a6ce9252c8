/* Boot state: record format, log scanning, compaction, torn writes,
 * garbage, anti-rollback, and the app/recovery helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lbt.h"

static lbt_device_t dev;
static lb_bootstate_log_t logv;

static void sample(lb_bootstate_t *s)
{
    lb_bootstate_defaults(s);
    s->seq = 77;
    s->boot_count = 1234;
    s->min_security_counter = 5;
    s->active_slot = 1;
    s->unhealthy = 2;
    s->request = LB_REQUEST_RECOVERY;
    s->last_recovery_reason = LB_BOOT_REASON_CRASH_LOOP;
    s->last_booted = LB_BOOTED_SLOT1;
    s->slots[0] = (lb_bootstate_slot_t){LB_SLOT_CONFIRMED, 0, {1, 2, 3, 4}, 5};
    s->slots[1] = (lb_bootstate_slot_t){LB_SLOT_TRIAL, 2, {2, 0, 300, 9}, 6};
}

static void test_bootstate_record_roundtrip(void **state)
{
    (void)state;
    lb_bootstate_t a, b;
    uint8_t buf[64];
    sample(&a);
    assert_int_equal(lb_bootstate_encode(&a, buf, sizeof buf, 0xFF), LB_BOOTSTATE_RECORD_SIZE);
    assert_int_equal(buf[0], 0x4C); /* "LBBS", never an erased value */
    assert_int_equal(lb_bootstate_decode(&b, buf, sizeof buf), LB_OK);
    assert_memory_equal(&a.slots, &b.slots, sizeof a.slots);
    assert_int_equal(b.seq, 77);
    assert_int_equal(b.boot_count, 1234);
    assert_int_equal(b.min_security_counter, 5);
    assert_int_equal(b.active_slot, 1);
    assert_int_equal(b.unhealthy, 2);
    assert_int_equal(b.request, LB_REQUEST_RECOVERY);
    assert_int_equal(b.last_recovery_reason, LB_BOOT_REASON_CRASH_LOOP);
    assert_int_equal(b.last_booted, LB_BOOTED_SLOT1);
}

static void test_bootstate_decode_rejects_damage(void **state)
{
    (void)state;
    lb_bootstate_t a, b;
    uint8_t buf[64], bad[64];
    sample(&a);
    lb_bootstate_encode(&a, buf, sizeof buf, 0xFF);
    assert_int_equal(lb_bootstate_decode(&b, buf, 63), LB_E_SIZE);
    /* every single-bit flip is caught */
    for (unsigned bit = 0; bit < 64 * 8; bit++) {
        memcpy(bad, buf, 64);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(lb_bootstate_decode(&b, bad, 64), LB_OK);
    }
    /* every strict prefix followed by erased bytes (a torn program) too */
    for (int e = 0; e < 2; e++) {
        for (unsigned n = 0; n < 64; n++) {
            memset(bad, e ? 0x00 : 0xFF, 64);
            memcpy(bad, buf, n);
            assert_int_not_equal(lb_bootstate_decode(&b, bad, 64), LB_OK);
        }
    }
    /* out-of-range fields and reserved bytes with a valid CRC are refused
     * by decode (one encoding per record), not only never written */
    static const struct {
        unsigned off;
        uint8_t v;
    } hostile[] = {{20, 2}, {22, 9}, {23, 9}, {24, 9}, {25, 1}, {26, 1}, {27, 0x80},
                   {28, 9}, {30, 1}, {31, 1}, {44, 9}, {46, 1}, {47, 1}};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        memcpy(bad, buf, 64);
        bad[hostile[i].off] = hostile[i].v;
        lb_put_le32(bad + 60, lb_crc32(0, bad, 60));
        assert_int_equal(lb_bootstate_decode(&b, bad, 64), LB_E_CORRUPT);
    }
    a.slots[0].state = 9;
    assert_int_equal(lb_bootstate_encode(&a, buf, sizeof buf, 0xFF), LB_E_INVAL);
    sample(&a);
    a.active_slot = 2;
    assert_int_equal(lb_bootstate_encode(&a, buf, sizeof buf, 0xFF), LB_E_INVAL);
}

static void test_bootstate_decode_garbage_never_accepted(void **state)
{
    (void)state;
    uint8_t buf[64];
    lb_bootstate_t b;
    srand(1);
    for (int i = 0; i < 20000; i++) {
        for (int j = 0; j < 64; j++) {
            buf[j] = (uint8_t)rand();
        }
        if (i & 1) {
            buf[0] = 0x4C, buf[1] = 0x42, buf[2] = 0x42, buf[3] = 0x53; /* right magic */
            buf[4] = 1, buf[5] = 0, buf[6] = 64, buf[7] = 0;
        }
        assert_int_not_equal(lb_bootstate_decode(&b, buf, 64), LB_OK);
    }
}

static void open_dev(const char *g, uint32_t ps, uint8_t erased, bool once)
{
    assert_int_equal(lbt_device_init(&dev, g, ps, erased, once), 0);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
}

static void test_bootstate_blank_partition_opens_with_defaults(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, false);
    assert_true(logv.blank);
    assert_int_equal(logv.state.active_slot, LB_BOOTSTATE_NONE);
    assert_int_equal(logv.state.slots[0].state, LB_SLOT_EMPTY);
    host_board_teardown();
}

static void test_bootstate_rejects_unusable_partitions(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, false);
    /* one erase unit only: nowhere to compact into */
    assert_int_equal(lb_bootstate_open(&logv, &dev.geom, 8192, 4096), LB_E_INVAL);
    assert_int_equal(lb_bootstate_open(&logv, &dev.geom, 8000, 8192), LB_E_ALIGN);
    assert_int_equal(lb_bootstate_open(&logv, &dev.geom, 0, 0), LB_E_INVAL);
    host_board_teardown();
}

/* Commits n updates, each bumping boot_count; checks reopen after each. */
static void commit_many(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        lb_bootstate_t s = logv.state;
        s.boot_count++;
        assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
        uint32_t want = logv.state.boot_count;
        lb_bootstate_log_t again;
        assert_int_equal(lbt_state(&dev, &again), LB_OK);
        assert_false(again.blank);
        assert_int_equal(again.state.boot_count, want);
        assert_int_equal(again.next, logv.next);
        assert_int_equal(again.unit_start, logv.unit_start);
    }
}

static void test_bootstate_append_costs_one_program_no_erase(void **state)
{
    (void)state;
    open_dev("uniform4k", 8, 0xFF, true);
    commit_many(1); /* first record ever: erases a unit */
    host_flash_reset_stats();
    commit_many(10);
    assert_int_equal(host_flash_stats().programs, 10);
    assert_int_equal(host_flash_stats().erases, 0);
    assert_int_equal(host_flash_stats().bytes_programmed, 10 * 64);
    host_board_teardown();
}

static void test_bootstate_compaction_all_geometries(void **state)
{
    (void)state;
    static const struct {
        const char *g;
        uint32_t ps;
        uint8_t erased;
        bool once;
    } m[] = {
        {"uniform4k", 1, 0xFF, false}, {"uniform4k", 32, 0x00, true},
        {"stm32f4", 4, 0xFF, false},   {"stm32f4", 16, 0x00, true},
        {"large128k", 8, 0xFF, false}, {"uniform4k", 256, 0xFF, true},
    };
    for (unsigned c = 0; c < sizeof m / sizeof m[0]; c++) {
        open_dev(m[c].g, m[c].ps, m[c].erased, m[c].once);
        commit_many(1);
        /* fill the first unit exactly */
        uint32_t per_unit = logv.unit_size / logv.slot_size;
        uint32_t first = logv.unit_start;
        commit_many(per_unit - 1);
        assert_int_equal(logv.unit_start, first);
        assert_int_equal(logv.next, first + per_unit * logv.slot_size);
        host_flash_reset_stats();
        commit_many(1); /* unit full: snapshot into the next unit */
        assert_int_not_equal(logv.unit_start, first);
        assert_int_equal(host_flash_stats().erases, 1);
        assert_int_equal(host_flash_stats().programs, 1);
        /* the old unit was not erased */
        assert_int_equal(lb_flash_area_is_erased(&logv.area, first, logv.slot_size), 0);
        /* go around the ring once more, back into the first unit */
        uint32_t second = logv.unit_start;
        uint32_t second_count = logv.unit_size / logv.slot_size;
        commit_many(second_count);
        assert_int_not_equal(logv.unit_start, second);
        assert_int_equal(logv.unit_start, first);
        assert_int_equal(logv.state.boot_count, per_unit + 1 + second_count);
        host_board_teardown();
    }
}

static void test_bootstate_torn_record_keeps_previous_state(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, true);
    commit_many(3);
    uint32_t before = logv.state.boot_count;
    for (int i = 0; i < 50; i++) {
        host_board_seed((uint32_t)i + 1);
        host_flash_cut_at(0, true);
        lb_bootstate_t s = logv.state;
        s.boot_count += 100;
        assert_int_equal(lb_bootstate_commit(&logv, &s), LB_E_POWER);
        lb_bootstate_log_t again;
        assert_int_equal(lbt_state(&dev, &again), LB_OK);
        assert_int_equal(again.state.boot_count, before);
        logv = again;
    }
    /* and appending after all that garbage works (program-once flash) */
    commit_many(5);
    assert_int_equal(logv.state.boot_count, before + 5);
    host_board_teardown();
}

static void test_bootstate_garbage_partition_recovers(void **state)
{
    (void)state;
    open_dev("stm32f4", 8, 0x00, true);
    srand(7);
    uint8_t *m = host_flash_mem() + dev.bootstate->offset;
    for (uint32_t i = 0; i < dev.bootstate->size; i++) {
        m[i] = (uint8_t)rand();
    }
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    assert_true(logv.blank);
    commit_many(3);
    assert_int_equal(logv.state.boot_count, 3);
    host_board_teardown();
}

static void test_bootstate_newest_valid_record_wins(void **state)
{
    (void)state;
    open_dev("uniform4k", 16, 0xFF, false);
    commit_many(5);
    /* damage the newest record: the one before wins, appends go after it */
    uint8_t *m = host_flash_mem() + dev.bootstate->offset + logv.next - logv.slot_size;
    m[20] ^= 0x01;
    lb_bootstate_log_t again;
    assert_int_equal(lbt_state(&dev, &again), LB_OK);
    assert_int_equal(again.state.boot_count, 4);
    assert_int_equal(again.next, logv.next);
    host_board_teardown();
}

/* Writes a record with `seq` and boot_count `bc` into slot `i` of the
 * unit at partition offset `unit` (fixture path: no NOR rules). */
static void put_record(uint32_t unit, uint32_t i, uint32_t seq, uint32_t bc, bool corrupt)
{
    lb_bootstate_t s;
    uint8_t buf[64];
    lb_bootstate_defaults(&s);
    s.seq = seq;
    s.boot_count = bc;
    assert_int_equal(lb_bootstate_encode(&s, buf, sizeof buf, 0xFF), 64);
    if (corrupt) {
        buf[40] ^= 0x10;
    }
    lbt_flash_put(dev.bootstate->offset + unit + i * 64, buf, sizeof buf);
}

/* The scan walks each unit backwards and decodes only records that could
 * still win; the result must be the forward definition whatever the
 * order on flash: the highest valid sequence number, the first one (in
 * partition order) on a tie, appends after the last programmed slot. */
static void test_bootstate_scan_order_independent(void **state)
{
    (void)state;
    lb_bootstate_log_t l;
    open_dev("uniform4k", 4, 0xFF, false);
    put_record(0, 0, 5, 50, false);
    put_record(0, 1, 9, 90, false);
    put_record(0, 2, 7, 70, false);
    put_record(0, 3, 12, 120, true); /* claims more, fails its CRC */
    assert_int_equal(lbt_state(&dev, &l), LB_OK);
    assert_int_equal(l.state.seq, 9);
    assert_int_equal(l.state.boot_count, 90);
    assert_int_equal(l.unit_start, 0);
    assert_int_equal(l.next, 4 * 64);
    host_board_teardown();

    open_dev("uniform4k", 4, 0xFF, false);
    put_record(0, 0, 3, 31, false);
    put_record(0, 1, 3, 32, false); /* tie inside a unit: the first wins */
    assert_int_equal(lbt_state(&dev, &l), LB_OK);
    assert_int_equal(l.state.boot_count, 31);
    put_record(4096, 0, 3, 33, false); /* tie across units: the first unit */
    assert_int_equal(lbt_state(&dev, &l), LB_OK);
    assert_int_equal(l.state.boot_count, 31);
    assert_int_equal(l.next, 2 * 64);
    put_record(4096, 1, 4, 40, false);
    assert_int_equal(lbt_state(&dev, &l), LB_OK);
    assert_int_equal(l.state.boot_count, 40);
    assert_int_equal(l.unit_start, 4096);
    assert_int_equal(l.next, 4096 + 2 * 64);
    host_board_teardown();
}

static void test_bootstate_stale_log_is_refused(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, false);
    commit_many(2);
    lb_bootstate_log_t stale = logv;
    commit_many(1); /* another writer appends */
    lb_bootstate_t s = stale.state;
    s.boot_count = 1000;
    assert_int_equal(lb_bootstate_commit(&stale, &s), LB_E_STATE);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    assert_int_equal(logv.state.boot_count, 3);
    host_board_teardown();
}

static void test_bootstate_min_security_counter_never_decreases(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, false);
    lb_bootstate_t s = logv.state;
    s.min_security_counter = 10;
    assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
    s = logv.state;
    s.min_security_counter = 3;
    assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
    assert_int_equal(logv.state.min_security_counter, 10);
    lb_image_version_t v = {1, 0, 0, 0};
    assert_int_equal(lb_bootstate_install_done(&logv, 1, &v, 9), LB_E_SECCNT);
    assert_int_equal(lb_bootstate_install_done(&logv, 1, &v, 10), LB_OK);
    host_board_teardown();
}

static void test_bootstate_install_confirm_request_helpers(void **state)
{
    (void)state;
    open_dev("uniform4k", 4, 0xFF, false);
    lb_image_version_t v1 = {1, 0, 0, 0}, v2 = {2, 0, 0, 0};
    assert_int_equal(lb_bootstate_install_begin(&logv, 0), LB_OK);
    assert_int_equal(lb_bootstate_install_done(&logv, 0, &v1, 1), LB_OK);
    assert_int_equal(logv.state.slots[0].state, LB_SLOT_NEW);
    assert_int_equal(logv.state.active_slot, 0);
    assert_int_equal(lb_bootstate_confirm(&logv, 1), LB_E_STATE);
    assert_int_equal(lb_bootstate_confirm(&logv, 0), LB_OK);
    assert_int_equal(logv.state.slots[0].state, LB_SLOT_CONFIRMED);
    assert_int_equal(logv.state.min_security_counter, 1);
    /* confirming again writes nothing */
    host_flash_reset_stats();
    assert_int_equal(lb_bootstate_confirm(&logv, 0), LB_OK);
    assert_int_equal(host_flash_stats().ops, 0);
    assert_int_equal(lb_bootstate_install_done(&logv, 1, &v2, 2), LB_OK);
    assert_int_equal(lb_bootstate_confirm(&logv, 1), LB_OK);
    /* install_begin on the active slot hands activity to the other confirmed */
    assert_int_equal(lb_bootstate_install_begin(&logv, 1), LB_OK);
    assert_int_equal(logv.state.active_slot, 0);
    assert_int_equal(logv.state.slots[1].state, LB_SLOT_EMPTY);
    assert_int_equal(lb_bootstate_request(&logv, LB_REQUEST_MAX + 1), LB_E_INVAL);
    assert_int_equal(lb_bootstate_request(&logv, LB_REQUEST_RECOVERY), LB_OK);
    assert_int_equal(logv.state.request, LB_REQUEST_RECOVERY);
    lb_bootstate_t s = logv.state;
    s.unhealthy = 4;
    assert_int_equal(lb_bootstate_commit(&logv, &s), LB_OK);
    assert_int_equal(lb_bootstate_clear_unhealthy(&logv), LB_OK);
    assert_int_equal(logv.state.unhealthy, 0);
    assert_string_equal(lb_slot_state_name(LB_SLOT_TRIAL), "trial");
    assert_string_equal(lb_slot_state_name(99), "unknown");
    host_board_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstate_record_roundtrip),
        cmocka_unit_test(test_bootstate_decode_rejects_damage),
        cmocka_unit_test(test_bootstate_decode_garbage_never_accepted),
        cmocka_unit_test(test_bootstate_blank_partition_opens_with_defaults),
        cmocka_unit_test(test_bootstate_rejects_unusable_partitions),
        cmocka_unit_test(test_bootstate_append_costs_one_program_no_erase),
        cmocka_unit_test(test_bootstate_compaction_all_geometries),
        cmocka_unit_test(test_bootstate_torn_record_keeps_previous_state),
        cmocka_unit_test(test_bootstate_garbage_partition_recovers),
        cmocka_unit_test(test_bootstate_newest_valid_record_wins),
        cmocka_unit_test(test_bootstate_scan_order_independent),
        cmocka_unit_test(test_bootstate_stale_log_is_refused),
        cmocka_unit_test(test_bootstate_min_security_counter_never_decreases),
        cmocka_unit_test(test_bootstate_install_confirm_request_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
