/* libFuzzer target: the recovery image's HTTP request parser and router.
 * The input is fed in chunks whose sizes come from the first byte, the way
 * tcp_recv hands over segments; every result must be consistent. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lb_http_parser_t p;
    if (size == 0) {
        return 0;
    }
    size_t chunk = (size_t)(data[0] % 64u) + 1u;
    data++;
    size--;
    lb_http_parser_reset(&p);
    size_t off = 0;
    lb_http_result_t r = LB_HTTP_MORE;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk, used = 0;
        r = lb_http_parser_feed(&p, data + off, n, &used);
        if (used > n || (r == LB_HTTP_MORE && used != n)) {
            __builtin_trap();
        }
        off += used;
        if (r != LB_HTTP_MORE) {
            break;
        }
    }
    if (r == LB_HTTP_ERROR) {
        if (p.status < 400 || p.status > 599 || p.reason == NULL) {
            __builtin_trap();
        }
        char buf[512];
        if (lb_http_error(buf, sizeof(buf), p.status, p.reason, true, NULL) == 0) {
            __builtin_trap();
        }
    } else if (r == LB_HTTP_DONE) {
        unsigned status = 0;
        const char *reason = NULL, *allow = NULL;
        lb_http_route_t route = lb_http_route(&p, &status, &reason, &allow);
        if (reason == NULL || (route == LB_HTTP_ROUTE_NONE) != (status != 200) ||
            strlen(p.target) > LB_HTTP_TARGET_MAX || p.path_len > strlen(p.target) ||
            strlen(p.auth) > LB_HTTP_AUTH_MAX) {
            __builtin_trap();
        }
    }
    return 0;
}
