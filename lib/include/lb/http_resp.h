/* The head of an HTTP/1.x answer, read as it arrives: what a device's
 * update client needs from a static web server (status, Content-Length,
 * Content-Range, chunked or not). Bounded and heap-free; the bytes are
 * untrusted. Used by the recovery image's self-heal (recovery/pull.c). */
#ifndef LB_HTTP_RESP_H
#define LB_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_HTTP_RESP_LINE_MAX 128u  /* bytes of a line kept (longer ones are skipped) */
#define LB_HTTP_RESP_HEAD_MAX 8192u /* bytes of a whole head */

typedef struct {
    uint16_t status; /* the status code, once the status line was read */
    bool done;       /* the head ended (an empty line was read) */
    bool has_length; /* a Content-Length was given */
    bool chunked;    /* Transfer-Encoding other than identity */
    bool has_range;  /* Content-Range: bytes FIRST-LAST/TOTAL */
    uint32_t length; /* Content-Length */
    uint32_t range_first, range_last, range_total;
    /* internal */
    uint32_t head_bytes;
    uint16_t line_len;
    bool line_cut;
    bool got_cr;
    char line[LB_HTTP_RESP_LINE_MAX];
} lb_http_resp_t;

void lb_http_resp_init(lb_http_resp_t *r);

/* Reads answer bytes until the head ends. Returns how many of `len` bytes
 * belong to the head (all of them while it goes on; after `done` the rest
 * is body), or LB_E_CORRUPT (not an HTTP/1.x answer, a malformed or
 * contradictory Content-Length or Content-Range), or LB_E_RANGE (the head
 * is longer than LB_HTTP_RESP_HEAD_MAX). After an error or once done,
 * returns 0 for anything more. */
int lb_http_resp_feed(lb_http_resp_t *r, const uint8_t *data, size_t len);

#endif
