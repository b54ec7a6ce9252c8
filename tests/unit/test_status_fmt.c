/* `lifeboat status` without --json: the summary of a device's status JSON,
 * (read with lib's JSON reader, tested in test_json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "sb.h"
#include "status_fmt.h"

/* The shape recovery/status.c writes. */
static const char status_json[] =
    "{\"product\":\"demo-sensor\",\"board\":\"qemu-mps2-an385\",\"mode\":\"recovery\","
    "\"reason\":\"strap\",\"reset\":\"power-on\",\"recovery_version\":\"1.0.0\","
    "\"loader_version\":\"1.2.0\",\"boot_count\":3,\"uptime_ms\":1234,\"stack_peak\":900,"
    "\"stack_reserve\":4096,\"unhealthy\":0,\"min_security_counter\":1,\"active_slot\":1,"
    "\"slots\":[{\"slot\":0,\"state\":\"confirmed\",\"version\":\"1.0.0\",\"security_counter\":1,"
    "\"attempts\":0},{\"slot\":1,\"state\":\"trial\",\"version\":\"1.1.0\","
    "\"security_counter\":2,\"attempts\":1}],"
    "\"upload\":{\"active\":true,\"slot\":1,\"received\":4096,\"total\":10950},"
    "\"auth\":{\"realm\":\"lifeboat\",\"credential\":\"device\",\"ok\":5,\"failures\":2,"
    "\"lockouts\":0,\"stale_nonces\":1},\"entropy\":5}\n";

/* The shape recovery/history.c writes (newest first). */
static const char history_json[] =
    "{\"total\":9,\"history\":[{\"seq\":9,\"boot_count\":4,\"event\":\"refused\","
    "\"source\":\"push\",\"version\":\"2.0.0+0\",\"security_counter\":1,"
    "\"why\":\"untrusted key\",\"client\":\"10.0.2.2\"},{\"seq\":8,\"boot_count\":3,"
    "\"event\":\"confirm\",\"source\":\"device\",\"slot\":1,\"version\":\"1.1.0+0\","
    "\"security_counter\":2},{\"seq\":7,\"boot_count\":2,\"event\":\"recovery\","
    "\"source\":\"device\",\"reason\":\"strap\"}],\"audit\":[]}\n";

static void test_status_fmt_summary_lines(void **state)
{
    (void)state;
    lb_sb_t sb = {0};
    assert_int_equal(lb_status_summary(status_json, &sb), LB_OK);
    assert_string_equal(sb.data, "product:    demo-sensor (board qemu-mps2-an385)\n"
                                 "mode:       recovery, reason strap, reset power-on\n"
                                 "versions:   recovery 1.0.0, loader 1.2.0, boot count 3\n"
                                 "slot a:     confirmed, version 1.0.0, security counter 1\n"
                                 "slot b:     trial, version 1.1.0, security counter 2 (active)\n"
                                 "floor:      security counter 1, unhealthy boots 0\n"
                                 "upload:     in progress, slot 1, 4096 of 10950 bytes\n"
                                 "credential: device (realm lifeboat)\n"
                                 "auth:       5 ok, 2 failures, 0 lockouts, 1 stale nonces\n"
                                 "entropy:    stored seed, board noise\n");
    lb_sb_free(&sb);
}

static void test_status_fmt_history_lines(void **state)
{
    (void)state;
    lb_sb_t sb = {0};
    unsigned long oldest = 0;
    assert_int_equal(lb_history_summary(history_json, &sb, &oldest), 3);
    assert_int_equal(oldest, 7);
    assert_string_equal(sb.data,
                        "  #9     boot 4     refused    push    2.0.0+0 (counter 1): untrusted key "
                        "from 10.0.2.2\n"
                        "  #8     boot 3     confirm    device  slot b 1.1.0+0 (counter 2)\n"
                        "  #7     boot 2     recovery   device  reason strap\n");
    lb_sb_free(&sb);
    lb_sb_t none = {0};
    assert_int_equal(lb_history_summary("{\"history_error\":\"no partition\"}", &none, &oldest), 0);
    assert_string_equal(none.data, "history:    none (no partition)\n");
    lb_sb_free(&none);
    assert_int_equal(lb_history_summary("[]", &none, &oldest), LB_E_INVAL);
}

static void test_status_fmt_missing_members_and_non_objects(void **state)
{
    (void)state;
    lb_sb_t sb = {0};
    assert_int_equal(lb_status_summary("{\"bootstate_error\":\"crc mismatch\"}", &sb), LB_OK);
    assert_non_null(strstr(sb.data, "product:    ? (board ?)\n"));
    assert_non_null(strstr(sb.data, "boot state: unreadable (crc mismatch)\n"));
    assert_null(strstr(sb.data, "upload:"));
    lb_sb_free(&sb);
    assert_int_equal(lb_status_summary("<html>", &sb), LB_E_INVAL);
    assert_int_equal(lb_status_summary("{\"product\":\"x\"", &sb), LB_E_INVAL);
    assert_int_equal(lb_status_summary("[1,2]", &sb), LB_E_INVAL);
    assert_null(sb.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_fmt_summary_lines),
        cmocka_unit_test(test_status_fmt_history_lines),
        cmocka_unit_test(test_status_fmt_missing_members_and_non_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
