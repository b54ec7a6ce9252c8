/* The in-place JSON reader (lb/json.h) under `lifeboat status` and the
 * update manifest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/json.h"

static void test_json_reads_members_elements_and_text(void **state)
{
    (void)state;
    char out[16];
    const char *j = " { \"a\" : [1, {\"b\": \"x\\\"\\u0041\\u00e9\"}, true] , \"c\":null } ";
    const char *a = lb_json_member(j, "a");
    assert_non_null(a);
    assert_int_equal(lb_json_count(a), 3);
    assert_true(lb_json_text(lb_json_index(a, 0), out, sizeof(out)));
    assert_string_equal(out, "1");
    assert_true(lb_json_text(lb_json_member(lb_json_index(a, 1), "b"), out, sizeof(out)));
    assert_string_equal(out, "x\"A?");
    assert_true(lb_json_text(lb_json_index(a, 2), out, sizeof(out)));
    assert_string_equal(out, "true");
    assert_null(lb_json_index(a, 3));
    assert_true(lb_json_text(lb_json_member(j, "c"), out, sizeof(out)));
    assert_string_equal(out, "null");
    assert_null(lb_json_member(j, "b")); /* only the object's own members */
    assert_false(lb_json_text(a, out, sizeof(out)));
    assert_string_equal(out, "");
    /* cut to the room, never past it */
    assert_true(lb_json_text("\"abcdefgh\"", out, 4));
    assert_string_equal(out, "abc");
    /* malformed: unterminated, bad escape, control character, too deep */
    assert_null(lb_json_skip("\"abc"));
    assert_null(lb_json_skip("\"a\\q\""));
    assert_null(lb_json_skip("\"a\nb\""));
    assert_null(lb_json_skip("{\"a\" 1}"));
    char deep[2 * LB_JSON_MAX_DEPTH + 3];
    memset(deep, '[', LB_JSON_MAX_DEPTH + 1);
    memset(deep + LB_JSON_MAX_DEPTH + 1, ']', LB_JSON_MAX_DEPTH + 1);
    deep[sizeof(deep) - 1] = '\0';
    assert_null(lb_json_skip(deep));
    assert_non_null(lb_json_skip(deep + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_reads_members_elements_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
