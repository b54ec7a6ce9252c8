/* Unit tests of the CLI's HTTP client helpers (tools/lifeboat/httpc.c):
 * URL parsing, and that its Digest answers satisfy the device's checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/digest.h"
#include "httpc.h"
#include "lb/err.h"

static void test_httpc_url_parse(void **state)
{
    (void)state;
    lb_httpc_url_t u;
    assert_int_equal(lb_httpc_url_parse("http://127.0.0.1:8080", &u), 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_string_equal(u.port, "8080");
    assert_string_equal(u.path, "");
    assert_int_equal(lb_httpc_url_parse("http://device/base/", &u), 0);
    assert_string_equal(u.host, "device");
    assert_string_equal(u.port, "80");
    assert_string_equal(u.path, "/base");
    assert_int_equal(lb_httpc_url_parse("https://device", &u), LB_E_INVAL);
    assert_int_equal(lb_httpc_url_parse("http://:80", &u), LB_E_INVAL);
    assert_int_equal(lb_httpc_url_parse("http://h:x", &u), LB_E_INVAL);
    assert_int_equal(lb_httpc_url_parse("http://h:123456789", &u), LB_E_INVAL);
}

static void test_httpc_digest_answer_accepted_by_device(void **state)
{
    (void)state;
    char chal[256], authz[1024];
    lb_auth_result_t res;
    assert_int_equal(
        lb_auth_init("admin", "lifeboat",
                     "252f0a8b701b89291e4d5c710fb209243128d1bbc2f30e58cf5bdc8fc01606a3", "x", 1, 5),
        0);
    size_t n = lb_auth_challenge(chal, sizeof(chal), false, 5);
    assert_true(n > 0);
    /* The client sees the header's value only. */
    const char *v = chal + strlen("WWW-Authenticate: ");
    chal[n - 2] = '\0';
    assert_int_equal(lb_httpc_digest_answer(authz, sizeof(authz), v, "admin", "lifeboat", "POST",
                                            "/api/update", "c0ffee"),
                     0);
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", 1, 6, &res), 200);
    /* Wrong password: refused. */
    n = lb_auth_challenge(chal, sizeof(chal), false, 7);
    chal[n - 2] = '\0';
    assert_int_equal(lb_httpc_digest_answer(authz, sizeof(authz), v, "admin", "nope", "POST",
                                            "/api/update", "c0ffee"),
                     0);
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", 1, 8, &res), 401);
    /* Challenges we do not answer. */
    assert_int_equal(lb_httpc_digest_answer(authz, sizeof(authz), "Basic realm=\"x\"", "a", "b",
                                            "GET", "/", "c"),
                     LB_E_UNSUPPORTED);
    assert_int_equal(lb_httpc_digest_answer(authz, sizeof(authz),
                                            "Digest realm=\"x\", nonce=\"n\", qop=\"auth\"", "a",
                                            "b", "GET", "/", "c"),
                     LB_E_UNSUPPORTED);
    assert_int_equal(lb_httpc_digest_answer(authz, 40,
                                            "Digest realm=\"x\", nonce=\"n\", "
                                            "qop=\"auth\", algorithm=SHA-256",
                                            "a", "b", "GET", "/", "c"),
                     LB_E_INVAL);
}

static void test_httpc_response_parse_and_complete(void **state)
{
    (void)state;
    static lb_httpc_resp_t r;
    char chal[64];
    char a[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n"
               "WWW-Authenticate: Digest realm=\"lifeboat\"\r\n\r\nno";
    assert_false(lb_httpc_response_complete(a, sizeof(a) - 2));
    assert_true(lb_httpc_response_complete(a, sizeof(a) - 1));
    assert_int_equal(lb_httpc_response_parse(a, sizeof(a) - 1, &r, chal, sizeof(chal)), 0);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "no");
    assert_int_equal(r.body_len, 2);
    assert_string_equal(chal, "Digest realm=\"lifeboat\"");
    /* a challenge longer than the room is cut, never overrun */
    char b[] = "HTTP/1.0 200 OK\r\nWWW-Authenticate: 0123456789\r\n\r\n";
    assert_int_equal(lb_httpc_response_parse(b, sizeof(b) - 1, &r, chal, 5), 0);
    assert_string_equal(chal, "0123");
    assert_int_equal(r.body_len, 0);
    char c[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"; /* head never ends */
    assert_false(lb_httpc_response_complete(c, sizeof(c) - 1));
    assert_int_equal(lb_httpc_response_parse(c, sizeof(c) - 1, &r, NULL, 0), LB_E_INVAL);
    char d[] = "SSH-2.0-x\r\n\r\n";
    assert_int_equal(lb_httpc_response_parse(d, sizeof(d) - 1, &r, NULL, 0), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_httpc_url_parse),
        cmocka_unit_test(test_httpc_digest_answer_accepted_by_device),
        cmocka_unit_test(test_httpc_response_parse_and_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
