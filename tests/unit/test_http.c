/* Unit tests of the recovery image's HTTP request parser, router and
 * response helpers (recovery/http). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static lb_http_parser_t P;

/* Feeds `s` in chunks of `chunk` bytes; returns the final result and the
 * total consumed count in *used. */
static lb_http_result_t feed_chunked(const char *s, size_t chunk, size_t *used)
{
    size_t len = strlen(s), off = 0;
    lb_http_result_t r = LB_HTTP_MORE;
    lb_http_parser_reset(&P);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk, c = 0;
        r = lb_http_parser_feed(&P, s + off, n, &c);
        assert_true(c <= n);
        off += c;
        if (r != LB_HTTP_MORE) {
            break;
        }
        assert_int_equal(c, n);
    }
    if (used) {
        *used = off;
    }
    return r;
}

static lb_http_result_t feed(const char *s)
{
    return feed_chunked(s, strlen(s) ? strlen(s) : 1, NULL);
}

static void expect_error(const char *req, unsigned status)
{
    assert_int_equal(feed(req), LB_HTTP_ERROR);
    assert_int_equal(P.status, status);
    assert_non_null(P.reason);
    assert_true(strlen(P.reason) > 0);
}

static void test_http_parses_simple_get(void **state)
{
    (void)state;
    size_t used = 0;
    const char *req = "GET /api/status?x=1 HTTP/1.1\r\nHost: d\r\nAccept: */*\r\n\r\nNEXT";
    assert_int_equal(feed_chunked(req, 1000, &used), LB_HTTP_DONE);
    assert_int_equal(used, strlen(req) - 4);
    assert_int_equal(P.method, LB_HTTP_M_GET);
    assert_string_equal(P.target, "/api/status?x=1");
    assert_int_equal(P.path_len, strlen("/api/status"));
    assert_int_equal(P.version_minor, 1);
    assert_false(P.close);
    assert_false(P.has_length);
}

/* idle: nothing of a request consumed yet (between kept-alive requests). */
static void test_http_parser_idle(void **state)
{
    (void)state;
    size_t used = 0;
    lb_http_parser_reset(&P);
    assert_true(lb_http_parser_idle(&P));
    assert_int_equal(lb_http_parser_feed(&P, "\r\n", 2, &used), LB_HTTP_MORE);
    assert_false(lb_http_parser_idle(&P)); /* a leading empty line counts */
    lb_http_parser_reset(&P);
    assert_int_equal(lb_http_parser_feed(&P, "G", 1, &used), LB_HTTP_MORE);
    assert_false(lb_http_parser_idle(&P));
    assert_int_equal(feed("GET / HTTP/1.1\r\nHost: d\r\n\r\n"), LB_HTTP_DONE);
    assert_false(lb_http_parser_idle(&P));
}

static void test_http_any_split_gives_same_result(void **state)
{
    (void)state;
    const char *req = "POST /api/update HTTP/1.1\r\nHost: 10.0.2.15\r\n"
                      "Authorization: Digest username=\"admin\", nonce=\"abc\"\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      "Content-Length: 1234\r\nExpect: 100-continue\r\n\r\nBODY";
    for (size_t chunk = 1; chunk <= strlen(req); chunk++) {
        size_t used = 0;
        assert_int_equal(feed_chunked(req, chunk, &used), LB_HTTP_DONE);
        assert_int_equal(used, strlen(req) - 4);
        assert_int_equal(P.method, LB_HTTP_M_POST);
        assert_true(P.has_length);
        assert_int_equal(P.content_length, 1234);
        assert_true(P.expect_continue);
        assert_true(P.has_auth);
        assert_string_equal(P.auth, "Digest username=\"admin\", nonce=\"abc\"");
        assert_int_equal(P.ctype, LB_HTTP_CT_OCTET);
    }
}

static void test_http_bare_lf_and_leading_empty_lines(void **state)
{
    (void)state;
    assert_int_equal(feed("\r\n\nGET / HTTP/1.0\nConnection: keep-alive\n\n"), LB_HTTP_DONE);
    assert_int_equal(P.version_minor, 0);
    assert_false(P.close);
    assert_int_equal(feed("GET / HTTP/1.0\r\n\r\n"), LB_HTTP_DONE);
    assert_true(P.close);
    assert_int_equal(feed("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, Close\r\n\r\n"),
                     LB_HTTP_DONE);
    assert_true(P.close);
}

static void test_http_malformed_request_lines_are_400(void **state)
{
    (void)state;
    expect_error("GET\r\n\r\n", 400);
    expect_error("GET  / HTTP/1.1\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1 \r\n\r\n", 400);
    expect_error("GET /\r\n\r\n", 400);
    expect_error("GET http://x/ HTTP/1.1\r\n\r\n", 400);
    expect_error("GET /a\x01 HTTP/1.1\r\n\r\n", 400);
    expect_error("G(T / HTTP/1.1\r\n\r\n", 400);
    expect_error("GET / HTTX/1.1\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\rX\r\n\r\n", 400);
    expect_error("\r\n\r\n\r\n\r\n\r\n\r\n", 400);
    assert_int_equal(lb_http_parser_feed(&P, "x", 1, &(size_t){0}), LB_HTTP_ERROR);
}

static void test_http_nul_byte_is_400(void **state)
{
    (void)state;
    size_t c;
    lb_http_parser_reset(&P);
    assert_int_equal(lb_http_parser_feed(&P, "GET /\0 HTTP/1.1\r\n", 17, &c), LB_HTTP_ERROR);
    assert_int_equal(P.status, 400);
}

static void test_http_versions(void **state)
{
    (void)state;
    expect_error("GET / HTTP/2.0\r\n\r\n", 505);
    expect_error("GET / HTTP/1.2\r\n\r\n", 505);
    expect_error("GET / HTTP/0.9\r\n\r\n", 505);
}

static void test_http_malformed_headers_are_400(void **state)
{
    (void)state;
    expect_error("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\r\n: a\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400);
    expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

static void test_http_content_length_rules(void **state)
{
    (void)state;
    expect_error("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", 400);
    expect_error("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400);
    expect_error("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400);
    expect_error("POST / HTTP/1.1\r\nContent-Length: 12345678901\r\n\r\n", 400);
    expect_error("POST / HTTP/1.1\r\nContent-Length: 4294967296\r\n\r\n", 413);
    expect_error("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400);
    expect_error("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    assert_int_equal(feed("POST / HTTP/1.1\r\nContent-Length: 4294967295\r\n"
                          "Content-Length: 4294967295\r\n\r\n"),
                     LB_HTTP_DONE);
    assert_int_equal(P.content_length, 4294967295u);
}

static void test_http_size_limits(void **state)
{
    (void)state;
    char req[8192];
    /* A target longer than the limit: 414. */
    snprintf(req, sizeof(req), "GET /%0*d HTTP/1.1\r\n\r\n", LB_HTTP_TARGET_MAX, 0);
    expect_error(req, 414);
    /* A target exactly at the limit is fine. */
    snprintf(req, sizeof(req), "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n", LB_HTTP_TARGET_MAX - 1, 0);
    assert_int_equal(feed(req), LB_HTTP_DONE);
    /* A request line longer than its limit (long method): 414. */
    memset(req, 'A', LB_HTTP_REQLINE_MAX + 10);
    strcpy(req + LB_HTTP_REQLINE_MAX + 10, " / HTTP/1.1\r\n\r\n");
    expect_error(req, 414);
    /* One header line too long: 431. */
    int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Long: ");
    memset(req + n, 'x', LB_HTTP_LINE_MAX);
    strcpy(req + n + LB_HTTP_LINE_MAX, "\r\n\r\n");
    expect_error(req, 431);
    /* A header line exactly at the limit passes. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(req + n, 'x', LB_HTTP_LINE_MAX - 3);
    strcpy(req + n + LB_HTTP_LINE_MAX - 3, "\r\n\r\n");
    assert_int_equal(feed(req), LB_HTTP_DONE);
    /* Many small headers: too many lines, 431. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
    for (int i = 0; i < LB_HTTP_HEADER_COUNT_MAX + 1; i++) {
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X%d: y\r\n", i);
    }
    snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    expect_error(req, 431);
    /* A header block over the total limit: 431. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
    for (int i = 0; n < LB_HTTP_HEADERS_MAX + 200; i++) {
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X%d: %0500d\r\n", i, 0);
    }
    snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    expect_error(req, 431);
    /* An Authorization value too long to keep: 431. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nAuthorization: Digest ");
    memset(req + n, 'a', LB_HTTP_AUTH_MAX);
    strcpy(req + n + LB_HTTP_AUTH_MAX, "\r\n\r\n");
    expect_error(req, 431);
}

static void test_http_expect_and_content_type(void **state)
{
    (void)state;
    expect_error("POST / HTTP/1.1\r\nExpect: something\r\n\r\n", 417);
    assert_int_equal(
        feed("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"),
        LB_HTTP_DONE);
    assert_int_equal(P.ctype, LB_HTTP_CT_FORM);
    assert_int_equal(
        feed("POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n\r\n"),
        LB_HTTP_DONE);
    assert_int_equal(P.ctype, LB_HTTP_CT_OTHER);
    assert_int_equal(feed("POST / HTTP/1.1\r\ncontent-type: Application/Octet-Stream;x=1\r\n\r\n"),
                     LB_HTTP_DONE);
    assert_int_equal(P.ctype, LB_HTTP_CT_OCTET);
}

static unsigned route(const char *req, lb_http_route_t *r, const char **allow)
{
    unsigned status = 0;
    const char *reason = NULL;
    assert_int_equal(feed(req), LB_HTTP_DONE);
    *r = lb_http_route(&P, &status, &reason, allow);
    assert_non_null(reason);
    return status;
}

static void test_http_accept_encoding(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        bool ok;
    } cases[] = {
        {"gzip", true},           {"deflate, gzip, br, zstd", true},
        {"GZIP;q=0.5", true},     {"gzip;q=0", false},
        {"gzip; q=0.000", false}, {"br, *", true},
        {"*;q=0", false},         {"identity", false},
        {"xgzip, gzipx", false},  {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[160];
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: %s\r\n\r\n",
                 cases[i].value);
        assert_int_equal(feed(req), LB_HTTP_DONE);
        assert_int_equal(P.gzip_ok, cases[i].ok);
    }
    assert_int_equal(feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), LB_HTTP_DONE);
    assert_false(P.gzip_ok);
}

static void test_http_router(void **state)
{
    (void)state;
    lb_http_route_t r;
    const char *allow = NULL;
    assert_int_equal(route("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 200);
    assert_int_equal(r, LB_HTTP_ROUTE_PAGE);
    assert_int_equal(route("HEAD /api/status HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 200);
    assert_int_equal(r, LB_HTTP_ROUTE_STATUS);
    assert_int_equal(route("GET /api/status?pretty HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 200);
    assert_int_equal(r, LB_HTTP_ROUTE_STATUS);
    assert_int_equal(
        route("POST /api/update HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", &r, &allow),
        200);
    assert_int_equal(r, LB_HTTP_ROUTE_UPDATE);
    assert_int_equal(route("POST /api/reboot HTTP/1.0\r\nContent-Length: 0\r\n\r\n", &r, &allow),
                     200);
    assert_int_equal(r, LB_HTTP_ROUTE_REBOOT);
    assert_int_equal(
        route("POST /api/credential HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n", &r, &allow),
        200);
    assert_int_equal(r, LB_HTTP_ROUTE_CREDENTIAL);
    assert_int_equal(route("GET /api/credential HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 405);

    assert_int_equal(route("GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 404);
    assert_int_equal(route("GET /api/statusx HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 404);
    assert_int_equal(route("GET /api/update HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 405);
    assert_string_equal(allow, "POST");
    assert_int_equal(route("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 405);
    assert_string_equal(allow, "GET, HEAD");
    assert_int_equal(route("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 501);
    assert_int_equal(route("POST /api/update HTTP/1.1\r\nHost: a\r\n\r\n", &r, &allow), 411);
    assert_int_equal(route("POST /api/update HTTP/1.1\r\nHost: a\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n",
                           &r, &allow),
                     411);
    assert_int_equal(route("GET / HTTP/1.1\r\n\r\n", &r, &allow), 400);
    assert_int_equal(r, LB_HTTP_ROUTE_NONE);
    assert_int_equal(route("get / HTTP/1.1\r\nHost: a\r\n\r\n", &r, NULL), 501);
}

static void test_http_response_helpers(void **state)
{
    (void)state;
    char buf[512];
    size_t n = lb_http_head(buf, sizeof(buf), 200, "application/json", 17, false, "X-A: b\r\n");
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 17\r\nCache-Control: no-store\r\nX-A: b\r\n\r\n");
    n = lb_http_error(buf, sizeof(buf), 413, "image larger than the slot", true, NULL);
    buf[n] = '\0';
    const char *body = strstr(buf, "\r\n\r\n") + 4;
    assert_string_equal(body, "413 Content Too Large: image larger than the slot\n");
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    char cl[64];
    snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(buf, cl));
    /* Too small a buffer: 0, never a truncated response. */
    assert_int_equal(lb_http_error(buf, 40, 404, "no such resource", false, NULL), 0);
    assert_int_equal(lb_http_head(buf, 20, 200, NULL, 0, false, NULL), 0);
    assert_string_equal(lb_http_status_text(429), "Too Many Requests");
    assert_string_equal(lb_http_status_text(999), "Unknown");
    assert_string_equal(lb_http_method_name(LB_HTTP_M_POST), "POST");
}

static void test_http_out_writer(void **state)
{
    (void)state;
    char buf[32];
    lb_out_t o;
    lb_out_init(&o, buf, sizeof(buf));
    lb_out_json_str(&o, "a\"b\\c\n\x01");
    lb_out_u32(&o, 4294967295u);
    assert_false(o.overflow);
    assert_int_equal(o.len, strlen("\"a\\\"b\\\\c\\u000a\\u0001\"4294967295"));
    assert_memory_equal(buf, "\"a\\\"b\\\\c\\u000a\\u0001\"4294967295", o.len);
    lb_out_str(&o, "more than fits");
    assert_true(o.overflow);
    size_t keep = o.len;
    lb_out_str(&o, "x");
    assert_int_equal(o.len, keep);
    lb_out_init(&o, buf, sizeof(buf));
    lb_out_hex(&o, (const uint8_t *)"\x00\xab\xff", 3);
    assert_memory_equal(buf, "00abff", 6);
}

static void test_http_out_version(void **state)
{
    (void)state;
    char buf[48];
    lb_out_t o;
    const lb_image_version_t v = {1, 2, 65535, 4294967295u};
    lb_out_init(&o, buf, sizeof(buf));
    lb_out_version(&o, &v, false);
    lb_out_str(&o, " ");
    lb_out_version(&o, &v, true);
    assert_false(o.overflow);
    assert_int_equal(o.len, strlen("1.2.65535 1.2.65535+4294967295"));
    assert_memory_equal(buf, "1.2.65535 1.2.65535+4294967295", o.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_parses_simple_get),
        cmocka_unit_test(test_http_parser_idle),
        cmocka_unit_test(test_http_any_split_gives_same_result),
        cmocka_unit_test(test_http_bare_lf_and_leading_empty_lines),
        cmocka_unit_test(test_http_malformed_request_lines_are_400),
        cmocka_unit_test(test_http_nul_byte_is_400),
        cmocka_unit_test(test_http_versions),
        cmocka_unit_test(test_http_malformed_headers_are_400),
        cmocka_unit_test(test_http_content_length_rules),
        cmocka_unit_test(test_http_size_limits),
        cmocka_unit_test(test_http_expect_and_content_type),
        cmocka_unit_test(test_http_accept_encoding),
        cmocka_unit_test(test_http_router),
        cmocka_unit_test(test_http_response_helpers),
        cmocka_unit_test(test_http_out_writer),
        cmocka_unit_test(test_http_out_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
