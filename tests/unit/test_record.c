/* Table-driven record fields and the shared record frame (lb/record.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "lb/record.h"

typedef struct {
    uint8_t a;
    uint32_t b;
    uint16_t c;
} rec_t;

static const lb_field_t fields[] = {
    LB_FIELD(8, rec_t, b),
    LB_FIELD(12, rec_t, c),
    LB_FIELD(15, rec_t, a),
};

static void test_record_fields_little_endian_both_ways(void **state)
{
    (void)state;
    rec_t r = {0xA5, 0x11223344u, 0xBEEF}, back;
    uint8_t buf[20];
    memset(buf, 0, sizeof buf);
    lb_fields_put(buf, &r, fields, 3);
    const uint8_t want[8] = {0x44, 0x33, 0x22, 0x11, 0xEF, 0xBE, 0x00, 0xA5};
    assert_memory_equal(buf + 8, want, sizeof want);
    memset(&back, 0, sizeof back);
    lb_fields_get(&back, buf, fields, 3);
    assert_int_equal(back.a, 0xA5);
    assert_int_equal(back.b, 0x11223344u);
    assert_int_equal(back.c, 0xBEEF);
}

static void test_record_frame_checks_each_part(void **state)
{
    (void)state;
    uint8_t buf[24];
    memset(buf, 0x5A, sizeof buf);
    lb_record_seal(buf, 0x11223344u, 3, 20);
    assert_int_equal(buf[0], 0x44);
    assert_int_equal(buf[4], 3);
    assert_int_equal(buf[6], 20);
    assert_int_equal(lb_record_check(buf, 20, 0x11223344u, 3, 20), LB_OK);
    assert_int_equal(lb_record_check(buf, 19, 0x11223344u, 3, 20), LB_E_SIZE);
    assert_int_equal(lb_record_check(buf, 20, 0x11223345u, 3, 20), LB_E_MAGIC);
    assert_int_equal(lb_record_check(buf, 20, 0x11223344u, 4, 20), LB_E_VERSION);
    buf[6] = 24;
    assert_int_equal(lb_record_check(buf, 24, 0x11223344u, 3, 20), LB_E_VERSION);
    buf[6] = 20;
    for (unsigned i = 8; i < 20; i++) {
        buf[i] ^= 0x01;
        assert_int_equal(lb_record_check(buf, 20, 0x11223344u, 3, 20), LB_E_CORRUPT);
        buf[i] ^= 0x01;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_fields_little_endian_both_ways),
        cmocka_unit_test(test_record_frame_checks_each_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
