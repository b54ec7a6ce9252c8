/* HTTP/1.x answer heads (lb/http_resp.h), in any chunking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "lb/http_resp.h"

/* Feeds `text` in pieces of `step` bytes; returns the last feed's result
 * and in *body the offset where the body starts. */
static int feed(lb_http_resp_t *r, const char *text, size_t step, size_t *body)
{
    lb_http_resp_init(r);
    size_t n = strlen(text), off = 0;
    int rc = 0;
    *body = 0;
    while (off < n && !r->done) {
        size_t k = n - off < step ? n - off : step;
        rc = lb_http_resp_feed(r, (const uint8_t *)text + off, k);
        if (rc < 0) {
            return rc;
        }
        off += (size_t)rc;
    }
    *body = off;
    return rc;
}

static void test_http_resp_reads_status_length_and_range(void **state)
{
    (void)state;
    static const char a[] =
        "HTTP/1.1 206 Partial Content\r\nServer: nginx\r\n"
        "content-length:  1000\r\nContent-Range: bytes 100-1099/12148\r\n"
        "X-Long: "
        "0123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
        "\r\nBODY";
    for (size_t step = 1; step <= sizeof a; step += 7) {
        lb_http_resp_t r;
        size_t body;
        assert_true(feed(&r, a, step, &body) >= 0);
        assert_true(r.done);
        assert_int_equal(r.status, 206);
        assert_true(r.has_length && r.length == 1000);
        assert_true(r.has_range);
        assert_int_equal(r.range_first, 100);
        assert_int_equal(r.range_last, 1099);
        assert_int_equal(r.range_total, 12148);
        assert_false(r.chunked);
        assert_string_equal(a + body, "BODY");
    }
    lb_http_resp_t r;
    size_t body;
    assert_true(feed(&r, "HTTP/1.0 404\nTransfer-Encoding: chunked\n\n", 3, &body) >= 0);
    assert_int_equal(r.status, 404);
    assert_true(r.chunked);
    assert_false(r.has_length);
    /* Once done, nothing more is taken. */
    assert_int_equal(lb_http_resp_feed(&r, (const uint8_t *)"x", 1), 0);
}

static void test_http_resp_refuses_what_is_not_a_clean_head(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 600 x\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 206 OK\r\nContent-Range: bytes 5-4/10\r\n\r\n",
        "HTTP/1.1 206 OK\r\nContent-Range: bytes 0-10/10\r\n\r\n",
        "HTTP/1.1 206 OK\r\nContent-Range: items 0-1/10\r\n\r\n",
        "HTTP/1.1 200 OK\rX: y\r\n\r\n",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lb_http_resp_t r;
        size_t body;
        if (feed(&r, bad[i], 5, &body) != LB_E_CORRUPT) {
            fail_msg("case %u accepted", i);
        }
        assert_int_equal(r.status, 0);
    }
    /* A head that never ends is cut at the limit. */
    lb_http_resp_t r;
    lb_http_resp_init(&r);
    assert_true(lb_http_resp_feed(&r, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17) == 17);
    static uint8_t junk[LB_HTTP_RESP_HEAD_MAX];
    memset(junk, 'a', sizeof junk);
    int rc = 0;
    for (int i = 0; i < 3 && rc >= 0; i++) {
        rc = lb_http_resp_feed(&r, junk, sizeof junk);
    }
    assert_int_equal(rc, LB_E_RANGE);
}

static void test_http_resp_keeps_the_location_of_a_redirect(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 302 Found\r\nLOCATION:  http://10.0.2.2:81/cdn/app.bin \t\r\n"
                            "Content-Length: 0\r\n\r\n";
    for (size_t step = 1; step <= sizeof a; step += 5) {
        lb_http_resp_t r;
        size_t body;
        assert_true(feed(&r, a, step, &body) >= 0);
        assert_int_equal(r.status, 302);
        assert_true(r.has_location);
        assert_string_equal(r.location, "http://10.0.2.2:81/cdn/app.bin");
    }
    /* One that does not fit a URL is not kept (the redirect is refused). */
    char longer[600];
    int n = snprintf(longer, sizeof longer, "HTTP/1.1 301 Moved\r\nLocation: /%0*d\r\n\r\n",
                     (int)LB_URL_MAX, 7);
    assert_true(n > 0 && (size_t)n < sizeof longer);
    lb_http_resp_t r;
    size_t body;
    assert_true(feed(&r, longer, 64, &body) >= 0);
    assert_true(r.done);
    assert_false(r.has_location);
    /* Two are a contradiction, as two lengths are. */
    assert_int_equal(feed(&r, "HTTP/1.1 302 x\r\nLocation: /a\r\nLocation: /b\r\n\r\n", 9, &body),
                     LB_E_CORRUPT);
    /* Empty: none. */
    assert_true(feed(&r, "HTTP/1.1 302 x\r\nLocation:   \r\n\r\n", 9, &body) >= 0);
    assert_false(r.has_location);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_resp_keeps_the_location_of_a_redirect),
        cmocka_unit_test(test_http_resp_reads_status_length_and_range),
        cmocka_unit_test(test_http_resp_refuses_what_is_not_a_clean_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
