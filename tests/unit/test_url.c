/* http:// URLs (lb/url.h): parsing and the resolution of a manifest's
 * image URL against the manifest's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "lb/url.h"

static void test_url_parse_takes_host_port_and_path(void **state)
{
    (void)state;
    lb_url_t u;
    assert_int_equal(lb_url_parse("http://10.0.2.2:8080/fleet/version.json?x=1", &u), 0);
    assert_false(u.https);
    assert_string_equal(u.host, "10.0.2.2");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/fleet/version.json?x=1");
    assert_int_equal(lb_url_parse("https://updates.example.com", &u), 0);
    assert_true(u.https);
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/");
    assert_int_equal(lb_url_parse("http://h", &u), 0);
    assert_int_equal(u.port, 80);
    static const char *const bad[] = {
        "",
        "ftp://h/",
        "http://",
        "http:///x",
        "http://h:/x",
        "http://h:0/",
        "http://h:65536/",
        "http://user@h/",
        "http://h x/",
        "http://h/a b",
        "http://h/a\"b",
        "http://h/a#frag",
        "http://h:80x/",
        "HTTP://h/",
        "http://h\\x/",
        "http://0123456789012345678901234567890123456789012345678901234567890123/",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (lb_url_parse(bad[i], &u) != LB_E_INVAL) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
    char longpath[LB_URL_PATH_MAX + 20] = "http://h/";
    memset(longpath + 9, 'a', LB_URL_PATH_MAX);
    longpath[9 + LB_URL_PATH_MAX] = '\0';
    assert_int_equal(lb_url_parse(longpath, &u), LB_E_INVAL); /* one byte over */
    longpath[8 + LB_URL_PATH_MAX] = '\0';
    assert_int_equal(lb_url_parse(longpath, &u), 0);
}

static void test_url_resolve_relative_absolute_and_rooted(void **state)
{
    (void)state;
    static const struct {
        const char *base, *ref, *want;
    } ok[] = {
        {"http://10.0.2.2:8080/fleet/p/version.json", "app-1.0.0-0.bin",
         "http://10.0.2.2:8080/fleet/p/app-1.0.0-0.bin"},
        {"http://h/fleet/version.json?v=2", "a.bin", "http://h/fleet/a.bin"},
        {"http://h/version.json", "sub/a.bin", "http://h/sub/a.bin"},
        {"http://h", "a.bin", "http://h/a.bin"},
        {"http://h:81/x/y", "/root/a.bin", "http://h:81/root/a.bin"},
        {"http://h/x/", "a.bin", "http://h/x/a.bin"},
        {"http://h/x/y", "https://cdn.example/a.bin", "https://cdn.example/a.bin"},
        {"http://h/x/y", "http://h/x/y", "http://h/x/y"},
    };
    char out[LB_URL_MAX + 1];
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int rc = lb_url_resolve(ok[i].base, ok[i].ref, out, sizeof out);
        if (rc != 0 || strcmp(out, ok[i].want) != 0) {
            fail_msg("%s + %s: %d '%s'", ok[i].base, ok[i].ref, rc, out);
        }
    }
    assert_int_equal(lb_url_resolve("http://h/x", "", out, sizeof out), LB_E_INVAL);
    assert_int_equal(lb_url_resolve("http://h/x", "//other/a", out, sizeof out), LB_E_INVAL);
    assert_int_equal(lb_url_resolve("http://h/x", "a b", out, sizeof out), LB_E_INVAL);
    assert_int_equal(lb_url_resolve("nope", "a", out, sizeof out), LB_E_INVAL);
    assert_int_equal(lb_url_resolve("http://h/x", "ftp://h/a", out, sizeof out), LB_E_INVAL);
    assert_int_equal(lb_url_resolve("http://h/x/y", "abc", out, 12), LB_E_NOSPACE);
}

/* Dotted quads only: what the devices connect to without DNS. */
static void test_url_ipv4_dotted_quads_only(void **state)
{
    (void)state;
    uint8_t a[4];
    assert_int_equal(lb_url_ipv4("10.0.2.2", a), 0);
    assert_memory_equal(a, ((uint8_t[]){10, 0, 2, 2}), 4);
    assert_int_equal(lb_url_ipv4("255.255.255.0", a), 0);
    assert_memory_equal(a, ((uint8_t[]){255, 255, 255, 0}), 4);
    assert_int_equal(lb_url_ipv4("0.0.0.0", a), 0);
    static const char *const bad[] = {
        "",           "10.0.2",      "10.0.2.2.",   "10.0.2.2.1",       "256.0.0.1", "10.0.02.2",
        "010.0.2.2",  "1..2.3",      "a.b.c.d",     " 10.0.2.2",        "10.0.2.2 ", "10.0.2.-1",
        "0x0a.0.2.2", "example.com", "10.0.2.2:80", "4294967306.0.0.1",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(a, 0xA5, sizeof a);
        if (lb_url_ipv4(bad[i], a) != LB_E_INVAL || a[0] != 0xA5) {
            fail_msg("'%s' was taken", bad[i]);
        }
    }
    assert_int_equal(lb_url_ipv4(NULL, a), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parse_takes_host_port_and_path),
        cmocka_unit_test(test_url_resolve_relative_absolute_and_rooted),
        cmocka_unit_test(test_url_ipv4_dotted_quads_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
