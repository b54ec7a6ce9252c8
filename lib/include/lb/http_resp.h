/* The head of an HTTP/1.x answer, read as it arrives: what a device's
 * update client needs from a static web server (status, Content-Length,
 * Content-Range, chunked or not, the Location of a redirect). Bounded and
 * heap-free; the bytes are untrusted. Used by the update agent
 * (lib/ota/agent.c). */
#ifndef LB_HTTP_RESP_H
#define LB_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/config.h"
#include "lb/url.h"

/* Bytes of a Location kept, its NUL included (1: none is kept, in builds
 * that follow no redirect). */
#define LB_HTTP_RESP_LOCATION_MAX (LB_CFG_PULL_REDIRECT_MAX > 0 ? LB_URL_MAX + 1u : 1u)
/* Bytes of a line kept (longer ones are skipped): a Location line whole. */
#define LB_HTTP_RESP_LINE_MAX                                                                      \
    (LB_HTTP_RESP_LOCATION_MAX > 118u ? LB_HTTP_RESP_LOCATION_MAX + 10u : 128u)
#define LB_HTTP_RESP_HEAD_MAX 8192u /* bytes of a whole head */

typedef struct {
    uint16_t status;   /* the status code, once the status line was read */
    bool done;         /* the head ended (an empty line was read) */
    bool has_length;   /* a Content-Length was given */
    bool chunked;      /* Transfer-Encoding other than identity */
    bool has_range;    /* Content-Range: bytes FIRST-LAST/TOTAL */
    bool has_location; /* a Location that fit was given (location[]) */
    uint32_t length;   /* Content-Length */
    uint32_t range_first, range_last, range_total;
    char location[LB_HTTP_RESP_LOCATION_MAX]; /* the value, trailing blanks cut */
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
 * contradictory Content-Length or Content-Range, two Locations), or
 * LB_E_RANGE (the head
 * is longer than LB_HTTP_RESP_HEAD_MAX). After an error or once done,
 * returns 0 for anything more. */
int lb_http_resp_feed(lb_http_resp_t *r, const uint8_t *data, size_t len);

#endif
