/* lib/flash.c over the host board, and the host board's NOR model itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/err.h"
#include "lb/flash.h"
#include "lbt.h"

static lb_geom_t geom;

static void setup_geom(const char *name, uint32_t ps, uint8_t erased)
{
    assert_int_equal(lbt_geom(name, ps, erased, false, &geom), 0);
    host_board_setup(&geom);
}

static void test_flash_area_init_checks_bounds_and_alignment(void **state)
{
    (void)state;
    setup_geom("stm32f4", 4, 0xFF);
    lb_flash_area_t fa;
    assert_int_equal(lb_flash_area_init(&fa, &geom, 0, 16384), LB_OK);
    assert_int_equal(lb_flash_area_init(&fa, &geom, 0, 0), LB_E_INVAL);
    assert_int_equal(lb_flash_area_init(&fa, &geom, 4096, 16384), LB_E_ALIGN);
    assert_int_equal(lb_flash_area_init(&fa, &geom, 48 * 1024, 16 * 1024 + 4096), LB_E_ALIGN);
    assert_int_equal(lb_flash_area_init(&fa, &geom, 384 * 1024, 256 * 1024), LB_E_RANGE);
    lb_geom_t big = geom;
    big.program_size = 2 * LB_CFG_PROGRAM_MAX;
    assert_int_equal(lb_flash_area_init(&fa, &big, 0, 16384), LB_E_INVAL);
    host_board_teardown();
}

static void test_flash_area_access_is_bounded(void **state)
{
    (void)state;
    setup_geom("uniform4k", 8, 0xFF);
    lb_flash_area_t fa;
    uint8_t buf[16] = {0};
    assert_int_equal(lb_flash_area_init(&fa, &geom, 8192, 8192), LB_OK);
    assert_int_equal(lb_flash_area_read(&fa, 8192 - 8, buf, 8), LB_OK);
    assert_int_equal(lb_flash_area_read(&fa, 8192 - 8, buf, 16), LB_E_RANGE);
    assert_int_equal(lb_flash_area_read(&fa, UINT32_MAX - 4, buf, 8), LB_E_RANGE);
    assert_int_equal(lb_flash_area_program(&fa, 8192, buf, 8), LB_E_RANGE);
    assert_int_equal(lb_flash_area_program(&fa, 4, buf, 8), LB_E_ALIGN);
    assert_int_equal(lb_flash_area_program(&fa, 8, buf, 12), LB_E_ALIGN);
    assert_int_equal(lb_flash_area_erase(&fa, 0, 2048), LB_E_ALIGN);
    assert_int_equal(lb_flash_area_erase(&fa, 4096, 8192), LB_E_RANGE);
    /* nothing outside the area was touched */
    for (uint32_t i = 0; i < geom.size; i++) {
        assert_int_equal(host_flash_mem()[i], 0xFF);
    }
    host_board_teardown();
}

static void test_flash_program_padded_uses_erased_value(void **state)
{
    (void)state;
    for (int e = 0; e < 2; e++) {
        uint8_t erased = e ? 0x00 : 0xFF;
        setup_geom("uniform4k", 16, erased);
        lb_flash_area_t fa;
        assert_int_equal(lb_flash_area_init(&fa, &geom, 0, 4096), LB_OK);
        const uint8_t data[5] = {1, 2, 3, 4, 5};
        assert_int_equal(lb_flash_area_program_padded(&fa, 16, data, sizeof data), LB_OK);
        assert_memory_equal(host_flash_mem() + 16, data, 5);
        for (int i = 5; i < 16; i++) {
            assert_int_equal(host_flash_mem()[16 + i], erased);
        }
        assert_int_equal(lb_flash_area_align(&fa, 5), 16);
        assert_int_equal(lb_flash_area_is_erased(&fa, 32, 4064), 1);
        assert_int_equal(lb_flash_area_is_erased(&fa, 0, 32), 0);
        host_board_teardown();
    }
}

static void test_flash_erase_ahead_over_mixed_units(void **state)
{
    (void)state;
    setup_geom("stm32f4", 1, 0xFF);
    memset(host_flash_mem(), 0x5A, geom.size);
    lb_flash_area_t fa;
    /* 16K unit then the 64K unit */
    assert_int_equal(lb_flash_area_init(&fa, &geom, 48 * 1024, 80 * 1024), LB_OK);
    uint32_t end = 0;
    host_flash_reset_stats();
    assert_int_equal(lb_flash_area_erase_ahead(&fa, &end, 1), LB_OK);
    assert_int_equal(end, 16 * 1024);
    assert_int_equal(lb_flash_area_erase_ahead(&fa, &end, 16 * 1024), LB_OK);
    assert_int_equal(host_flash_stats().erases, 1);
    assert_int_equal(lb_flash_area_erase_ahead(&fa, &end, 16 * 1024 + 1), LB_OK);
    assert_int_equal(end, 80 * 1024);
    assert_int_equal(host_flash_stats().erases, 2);
    assert_int_equal(lb_flash_area_erase_ahead(&fa, &end, 80 * 1024 + 1), LB_E_RANGE);
    assert_int_equal(host_flash_mem()[48 * 1024 - 1], 0x5A);
    assert_int_equal(host_flash_mem()[128 * 1024], 0x5A);
    uint32_t start, size;
    assert_int_equal(lb_flash_area_unit(&fa, 20 * 1024, &start, &size), LB_OK);
    assert_int_equal(start, 16 * 1024);
    assert_int_equal(size, 64 * 1024);
    host_board_teardown();
}

static void test_flash_writer_streams_any_chunking(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 4, 8, 16, 32};
    for (unsigned s = 0; s < 5; s++) {
        setup_geom("uniform4k", sizes[s], s % 2 ? 0x00 : 0xFF);
        memset(host_flash_mem(), 0xA5, geom.size);
        lb_flash_area_t fa;
        lb_flash_writer_t w;
        assert_int_equal(lb_flash_area_init(&fa, &geom, 4096, 12288), LB_OK);
        assert_int_equal(lb_flash_writer_init(&w, &fa, 0), LB_OK);
        uint8_t data[9001];
        for (size_t i = 0; i < sizeof data; i++) {
            data[i] = (uint8_t)(i * 31u + 7u);
        }
        size_t off = 0, step = 1;
        while (off < sizeof data) {
            size_t n = sizeof data - off < step ? sizeof data - off : step;
            assert_int_equal(lb_flash_writer_write(&w, data + off, n), LB_OK);
            off += n;
            step = step * 3 + 1;
        }
        assert_int_equal(lb_flash_writer_finish(&w), LB_OK);
        assert_memory_equal(host_flash_mem() + 4096, data, sizeof data);
        assert_int_equal(w.pos, lb_flash_area_align(&fa, sizeof data));
        assert_int_equal(host_flash_stats().erases, 3); /* erase-ahead: just what was needed */
        assert_int_equal(host_flash_mem()[4096 + 12288], 0xA5);
        uint8_t more[4096] = {0};
        assert_int_equal(lb_flash_writer_write(&w, more, sizeof more), LB_E_NOSPACE);
        host_board_teardown();
    }
}

/* The installer's commit unit: skipped bytes are erased, left
 * unprogrammed, and can be programmed once afterwards (even on
 * program-once flash). */
static void test_flash_writer_skip_leaves_erased_unit(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 4, 8, 32};
    for (unsigned s = 0; s < 4; s++) {
        setup_geom("uniform4k", sizes[s], s % 2 ? 0x00 : 0xFF);
        geom.program_once = sizes[s] >= 8;
        host_board_setup(&geom);
        memset(host_flash_mem(), 0xA5, geom.size);
        uint8_t erased = geom.erased;
        lb_flash_area_t fa;
        lb_flash_writer_t w;
        assert_int_equal(lb_flash_area_init(&fa, &geom, 4096, 8192), LB_OK);
        assert_int_equal(lb_flash_writer_init(&w, &fa, 0), LB_OK);
        uint32_t held = sizes[s] < 4 ? 4 : sizes[s];
        if (sizes[s] > 1) {
            assert_int_equal(lb_flash_writer_skip(&w, 1), LB_E_ALIGN);
        }
        assert_int_equal(lb_flash_writer_skip(&w, held), LB_OK);
        uint8_t data[100];
        memset(data, 0x3C, sizeof data);
        assert_int_equal(lb_flash_writer_write(&w, data, 3), LB_OK);
        if (sizes[s] > 3) {
            assert_int_equal(lb_flash_writer_skip(&w, held), LB_E_STATE); /* bytes buffered */
        }
        assert_int_equal(lb_flash_writer_write(&w, data, sizeof data - 3), LB_OK);
        assert_int_equal(lb_flash_writer_finish(&w), LB_OK);
        for (uint32_t i = 0; i < held; i++) {
            assert_int_equal(host_flash_mem()[4096 + i], erased);
        }
        assert_memory_equal(host_flash_mem() + 4096 + held, data, sizeof data);
        uint8_t head[32];
        memset(head, 0x96, sizeof head);
        assert_int_equal(lb_flash_area_program(&fa, 0, head, held), LB_OK);
        assert_memory_equal(host_flash_mem() + 4096, head, held);
        assert_int_equal(host_flash_violations(), 0);
        assert_int_equal(lb_flash_writer_skip(&w, 8192), LB_E_NOSPACE);
        host_board_teardown();
    }
}

static void test_flash_host_enforces_nor_rules(void **state)
{
    (void)state;
    setup_geom("uniform4k", 4, 0xFF);
    host_flash_set_strict(false);
    uint8_t d[8] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
    assert_int_equal(lb_board_flash_program(0, d, 8), LB_OK);
    /* program of a non-erased unit, even if only clearing bits */
    uint8_t z[4] = {0, 0, 0, 0};
    assert_int_equal(lb_board_flash_program(0, z, 4), LB_E_NOTERASED);
    assert_int_equal(lb_board_flash_program(2, z, 4), LB_E_ALIGN);
    assert_int_equal(lb_board_flash_program(8, z, 3), LB_E_ALIGN);
    assert_int_equal(lb_board_flash_erase(100, 4096), LB_E_ALIGN);
    assert_int_equal(lb_board_flash_erase(0, 4095), LB_E_ALIGN);
    assert_int_equal(lb_board_flash_erase(61440, 8192), LB_E_RANGE);
    assert_int_equal(host_flash_violations(), 5);
    assert_memory_equal(host_flash_mem(), d, 8);
    assert_int_equal(lb_board_flash_erase(0, 4096), LB_OK);
    assert_int_equal(host_flash_mem()[0], 0xFF);
    assert_int_equal(lb_board_flash_program(0, z, 4), LB_OK);
    host_board_teardown();
}

static void test_flash_host_program_once(void **state)
{
    (void)state;
    assert_int_equal(lbt_geom("uniform4k", 8, 0x00, true, &geom), 0);
    host_board_setup(&geom);
    host_flash_set_strict(false);
    uint8_t zeros[8] = {0};
    /* programming erased-value bytes still uses the unit up */
    assert_int_equal(lb_board_flash_program(0, zeros, 8), LB_OK);
    assert_int_equal(lb_board_flash_program(0, zeros, 8), LB_E_NOTERASED);
    assert_int_equal(lb_board_flash_erase(0, 4096), LB_OK);
    assert_int_equal(lb_board_flash_program(0, zeros, 8), LB_OK);
    host_board_teardown();
}

static void test_flash_host_power_cut_before_and_torn(void **state)
{
    (void)state;
    setup_geom("uniform4k", 1, 0xFF);
    uint8_t d[256];
    memset(d, 0x11, sizeof d);
    host_flash_reset_stats();
    host_flash_cut_at(1, false);
    assert_int_equal(lb_board_flash_program(0, d, 256), LB_OK);
    assert_int_equal(lb_board_flash_program(256, d, 256), LB_E_POWER);
    assert_true(host_flash_cut_fired());
    assert_int_equal(host_flash_mem()[256], 0xFF); /* before: nothing happened */
    host_flash_cut_at(0, true);
    assert_int_equal(lb_board_flash_program(512, d, 256), LB_E_POWER);
    size_t n = 0;
    while (n < 256 && host_flash_mem()[512 + n] == 0x11) {
        n++;
    }
    assert_true(n < 256); /* a strict prefix */
    for (size_t i = n; i < 256; i++) {
        assert_int_equal(host_flash_mem()[512 + i], 0xFF);
    }
    /* torn erase leaves the unit in some state that is not "erased" */
    host_flash_cut_at(0, true);
    assert_int_equal(lb_board_flash_erase(0, 4096), LB_E_POWER);
    host_flash_set_strict(false);
    size_t i = 0;
    while (i < 4096 && host_flash_mem()[i] != 0xFF) {
        i++;
    }
    if (i < 4096) {
        /* even a byte that reads erased cannot be programmed before an erase */
        host_flash_set_program_once(true);
        assert_int_equal(lb_board_flash_program((uint32_t)i, d, 1), LB_E_NOTERASED);
    }
    assert_int_equal(host_flash_stats().ops, 4);
    host_board_teardown();
}

static void run_cut(void *arg)
{
    uint8_t d[4] = {1, 2, 3, 4};
    (void)arg;
    lb_board_flash_program(0, d, 4);
    lb_board_flash_program(4, d, 4);
    fail_msg("power cut did not stop the device");
}

static void test_flash_host_power_cut_unwinds_to_harness(void **state)
{
    (void)state;
    setup_geom("uniform4k", 4, 0xFF);
    host_flash_cut_at(1, false);
    assert_int_equal(host_board_run(run_cut, NULL), HOST_EXIT_POWER_CUT);
    assert_int_equal(host_flash_mem()[0], 1);
    assert_int_equal(host_flash_mem()[4], 0xFF);
    host_board_teardown();
}

static void test_flash_host_snapshot_and_file(void **state)
{
    (void)state;
    setup_geom("uniform4k", 4, 0xFF);
    uint8_t d[4] = {9, 9, 9, 9};
    host_flash_snap_t *s = host_flash_save();
    assert_int_equal(lb_board_flash_program(0, d, 4), LB_OK);
    host_flash_restore(s);
    assert_int_equal(host_flash_mem()[0], 0xFF);
    assert_int_equal(lb_board_flash_program(0, d, 4), LB_OK);
    host_flash_snap_free(s);
    const char *path = "build/test/host_flash_test.bin";
    assert_int_equal(host_flash_save_file(path), LB_OK);
    memset(host_flash_mem(), 0xFF, host_flash_size());
    assert_int_equal(host_flash_load_file(path), LB_OK);
    assert_int_equal(host_flash_mem()[0], 9);
    host_flash_set_strict(false);
    assert_int_equal(lb_board_flash_program(0, d, 4), LB_E_NOTERASED);
    host_board_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_area_init_checks_bounds_and_alignment),
        cmocka_unit_test(test_flash_area_access_is_bounded),
        cmocka_unit_test(test_flash_program_padded_uses_erased_value),
        cmocka_unit_test(test_flash_erase_ahead_over_mixed_units),
        cmocka_unit_test(test_flash_writer_streams_any_chunking),
        cmocka_unit_test(test_flash_writer_skip_leaves_erased_unit),
        cmocka_unit_test(test_flash_host_enforces_nor_rules),
        cmocka_unit_test(test_flash_host_program_once),
        cmocka_unit_test(test_flash_host_power_cut_before_and_torn),
        cmocka_unit_test(test_flash_host_power_cut_unwinds_to_harness),
        cmocka_unit_test(test_flash_host_snapshot_and_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
