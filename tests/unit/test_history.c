/* The update-history record (lib/src/history.c): byte layout, what an
 * untrusted record must satisfy, the names the device and the CLI show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/history.h"

static lb_hist_entry_t sample(void)
{
    lb_hist_entry_t e;
    memset(&e, 0, sizeof e);
    e.seq = 0x01020304;
    e.boot_count = 77;
    e.event = LB_HIST_REFUSED;
    e.source = LB_HIST_SRC_PUSH;
    e.slot = 1;
    e.detail = 0;
    e.code = LB_E_KEY;
    e.version = (lb_image_version_t){2, 3, 0x0405, 0x06070809};
    e.security_counter = 9;
    e.client = 0x0A000202;
    return e;
}

static void test_history_record_layout(void **state)
{
    (void)state;
    lb_hist_entry_t e = sample(), d;
    uint8_t buf[LB_HIST_RECORD_SIZE + 16];
    assert_int_equal(lb_hist_encode(&e, buf, sizeof buf, 0x00), LB_HIST_RECORD_SIZE);
    assert_memory_equal(buf, "LBHI", 4);
    assert_int_equal(lb_get_le16(buf + 4), LB_HIST_VERSION);
    assert_int_equal(lb_get_le16(buf + 6), LB_HIST_RECORD_SIZE);
    assert_int_equal(lb_get_le32(buf + 8), 0x01020304);
    assert_int_equal(lb_get_le32(buf + 12), 77);
    assert_int_equal(buf[16], LB_HIST_REFUSED);
    assert_int_equal(buf[17], LB_HIST_SRC_PUSH);
    assert_int_equal(buf[18], 1);
    assert_int_equal((int32_t)lb_get_le32(buf + 20), LB_E_KEY);
    assert_int_equal(buf[24], 2);
    assert_int_equal(buf[25], 3);
    assert_int_equal(lb_get_le16(buf + 26), 0x0405);
    assert_int_equal(lb_get_le32(buf + 28), 0x06070809);
    assert_int_equal(lb_get_le32(buf + 32), 9);
    assert_int_equal(lb_get_le32(buf + 36), 0x0A000202);
    assert_int_equal(lb_get_le32(buf + 40), 0);
    assert_int_equal(lb_get_le32(buf + 44), lb_crc32(0, buf, 44));
    assert_int_equal(buf[LB_HIST_RECORD_SIZE], 0x00); /* padded with the erased value */
    assert_int_equal(lb_hist_decode(&d, buf, sizeof buf), LB_OK);
    assert_memory_equal(&d, &e, sizeof e);
}

static void reseal(uint8_t *buf)
{
    lb_put_le32(buf + 44, lb_crc32(0, buf, 44));
}

static void test_history_decode_refuses_bad_records(void **state)
{
    (void)state;
    lb_hist_entry_t e = sample(), d;
    uint8_t good[LB_HIST_RECORD_SIZE], buf[LB_HIST_RECORD_SIZE];
    assert_int_equal(lb_hist_encode(&e, good, sizeof good, 0xFF), LB_HIST_RECORD_SIZE);
    assert_int_equal(lb_hist_decode(&d, good, sizeof good - 1), LB_E_SIZE);
    memcpy(buf, good, sizeof buf);
    buf[0] ^= 1;
    assert_int_equal(lb_hist_decode(&d, buf, sizeof buf), LB_E_MAGIC);
    memcpy(buf, good, sizeof buf);
    buf[4] = 2;
    reseal(buf);
    assert_int_equal(lb_hist_decode(&d, buf, sizeof buf), LB_E_VERSION);
    memcpy(buf, good, sizeof buf);
    buf[30] ^= 0x40; /* any bit, CRC not updated */
    assert_int_equal(lb_hist_decode(&d, buf, sizeof buf), LB_E_CORRUPT);
    /* CRC-valid but out of range or with reserved bits set. */
    static const struct {
        unsigned off;
        uint8_t v;
    } bad[] = {{16, 0}, {16, LB_HIST_EVENT_COUNT}, {17, LB_HIST_SRC_COUNT}, {40, 1}, {43, 0x80}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(buf, good, sizeof buf);
        buf[bad[i].off] = bad[i].v;
        reseal(buf);
        assert_int_equal(lb_hist_decode(&d, buf, sizeof buf), LB_E_CORRUPT);
    }
    lb_hist_entry_t x = sample();
    x.event = 0;
    assert_int_equal(lb_hist_encode(&x, buf, sizeof buf, 0xFF), LB_E_INVAL);
    assert_int_equal(lb_hist_encode(&e, buf, LB_HIST_RECORD_SIZE - 1, 0xFF), LB_E_NOSPACE);
}

static void test_history_names(void **state)
{
    (void)state;
    static const char *const ev[] = {"?",        "install",  "refused",   "confirm",
                                     "rollback", "recovery", "credential"};
    for (unsigned i = 0; i < LB_HIST_EVENT_COUNT; i++) {
        assert_string_equal(lb_hist_event_name(i), ev[i]);
    }
    assert_string_equal(lb_hist_event_name(LB_HIST_EVENT_COUNT), "?");
    assert_string_equal(lb_hist_source_name(LB_HIST_SRC_DEVICE), "device");
    assert_string_equal(lb_hist_source_name(LB_HIST_SRC_PUSH), "push");
    assert_string_equal(lb_hist_source_name(LB_HIST_SRC_CONSOLE), "console");
    assert_string_equal(lb_hist_source_name(LB_HIST_SRC_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_record_layout),
        cmocka_unit_test(test_history_decode_refuses_bad_records),
        cmocka_unit_test(test_history_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
