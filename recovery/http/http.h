/* A small, bounded HTTP/1.1 request parser, router and response helpers for
 * the recovery image. No heap: one lb_http_parser_t per connection holds
 * everything a request needs (fixed buffers, sized in lb/config.h). The
 * parser is fed arbitrary chunks as they arrive from the network (any split,
 * down to single bytes) and stops at the end of the header block; the body
 * is the caller's (it knows Content-Length from the parser).
 *
 * Every malformed or oversized input ends in a precise HTTP status and a
 * one-line reason, never in an assert. */
#ifndef LB_HTTP_H
#define LB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/config.h"
#include "lb/image.h"

typedef enum {
    LB_HTTP_M_NONE = 0,
    LB_HTTP_M_GET,
    LB_HTTP_M_HEAD,
    LB_HTTP_M_POST,
    LB_HTTP_M_PUT,
    LB_HTTP_M_DELETE,
    LB_HTTP_M_OPTIONS,
    LB_HTTP_M_PATCH,
    LB_HTTP_M_OTHER, /* a syntactically valid method we do not know: 501 */
} lb_http_method_t;

/* What the Content-Type header says about a body. */
typedef enum {
    LB_HTTP_CT_NONE = 0, /* no Content-Type header */
    LB_HTTP_CT_OCTET,    /* application/octet-stream */
    LB_HTTP_CT_FORM,     /* application/x-www-form-urlencoded (curl --data-binary's default) */
    LB_HTTP_CT_OTHER,    /* anything else, e.g. multipart/form-data: 415 for uploads */
} lb_http_ctype_t;

/* Result of lb_http_parser_feed. */
typedef enum {
    LB_HTTP_MORE = 0,  /* all input consumed, header block not complete yet */
    LB_HTTP_DONE = 1,  /* header block complete; request fields valid */
    LB_HTTP_ERROR = 2, /* request refused: see status and reason */
} lb_http_result_t;

typedef struct {
    /* Parsed request (valid once feed returned LB_HTTP_DONE). */
    lb_http_method_t method;
    uint8_t version_minor; /* HTTP/1.<minor>: 0 or 1 */
    bool has_length;
    bool expect_continue;
    bool close; /* the client asked to close after this request */
    bool has_host;
    bool has_auth;
    bool chunked;  /* a Transfer-Encoding header was present */
    bool gzip_ok;  /* Accept-Encoding allows gzip */
    uint8_t ctype; /* lb_http_ctype_t */
    uint32_t content_length;
    char target[LB_HTTP_TARGET_MAX + 1]; /* request-target as sent (path and query) */
    size_t path_len;                     /* length of the path part of target */
    char auth[LB_HTTP_AUTH_MAX + 1];     /* Authorization header value, trimmed */

    /* Error (valid once feed returned LB_HTTP_ERROR). */
    uint16_t status;
    const char *reason;

    /* Parser state (private). */
    uint8_t state;
    uint8_t empty_lines;
    uint16_t header_count;
    size_t line_len;
    size_t header_bytes;
    /* The current line. Once feed returned DONE or ERROR it is free until
     * the next reset: the server builds its short answers there. */
    char line[LB_HTTP_LINE_MAX + 1];
} lb_http_parser_t;

/* Prepares `p` for a new request (also between requests on a kept-alive
 * connection). */
void lb_http_parser_reset(lb_http_parser_t *p);

/* Feeds `len` bytes. Stores in *consumed how many bytes belonged to the
 * request head (on LB_HTTP_DONE the rest of `data` is body or the next
 * request). Returns LB_HTTP_MORE, LB_HTTP_DONE, or LB_HTTP_ERROR with
 * p->status (400, 414, 417, 431, 501, 505) and p->reason set. After DONE or
 * ERROR further calls return the same result and consume nothing. */
lb_http_result_t lb_http_parser_feed(lb_http_parser_t *p, const void *data, size_t len,
                                     size_t *consumed);

/* True while no byte of a request has been consumed since the last reset
 * (a kept-alive connection between requests). */
bool lb_http_parser_idle(const lb_http_parser_t *p);

/* Returns the method's name ("GET", ...; "?" for NONE/OTHER). */
const char *lb_http_method_name(lb_http_method_t m);

/* Returns the standard reason phrase of an HTTP status ("Not Found"), or
 * "Unknown" for codes this server never sends. */
const char *lb_http_status_text(unsigned status);

/* ---- router ------------------------------------------------------------ */

typedef enum {
    LB_HTTP_ROUTE_NONE = 0,
    LB_HTTP_ROUTE_PAGE,       /* GET|HEAD / */
    LB_HTTP_ROUTE_STATUS,     /* GET|HEAD /api/status */
    LB_HTTP_ROUTE_UPDATE,     /* POST /api/update */
    LB_HTTP_ROUTE_REBOOT,     /* POST /api/reboot */
    LB_HTTP_ROUTE_CREDENTIAL, /* POST /api/credential */
    LB_HTTP_ROUTE_HISTORY,    /* GET|HEAD /api/history (authenticated) */
} lb_http_route_t;

/* Maps the parsed request to a route, after the checks every request gets:
 * Host present on HTTP/1.1 (400), chunked bodies refused (411), POST without
 * Content-Length (411), unknown method (501), unknown path (404), known path
 * with the wrong method (405; *allow then names the allowed methods).
 * Returns the route, or LB_HTTP_ROUTE_NONE with *status and *reason set.
 * `allow` may be NULL. */
lb_http_route_t lb_http_route(const lb_http_parser_t *p, unsigned *status, const char **reason,
                              const char **allow);

/* ---- output ------------------------------------------------------------ */

/* A bounded text writer: appends never overflow `cap`; once something did
 * not fit, `overflow` stays set and the caller answers 500 instead of
 * sending a truncated document. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
} lb_out_t;

void lb_out_init(lb_out_t *o, char *buf, size_t cap);
void lb_out_mem(lb_out_t *o, const void *s, size_t n);
void lb_out_str(lb_out_t *o, const char *s);
void lb_out_u32(lb_out_t *o, uint32_t v);
/* Appends an image version as "major.minor.revision", then "+build" when
 * `with_build` (the one spelling used on the console, page and JSON). */
void lb_out_version(lb_out_t *o, const lb_image_version_t *v, bool with_build);
/* Appends `s` as a JSON string literal, quotes included, escaping control
 * characters, quotes and backslashes. */
void lb_out_json_str(lb_out_t *o, const char *s);
/* Appends `n` bytes as lower-case hex. */
void lb_out_hex(lb_out_t *o, const uint8_t *b, size_t n);

/* Writes a response head: status line, Content-Type (when not NULL),
 * Content-Length, Connection: close (when `close`), Cache-Control: no-store,
 * then `extra` (zero or more complete "Name: value\r\n" lines, may be NULL)
 * and the blank line, NUL-terminated. Returns the head's length (without
 * the NUL), or 0 when it does not fit. */
size_t lb_http_head(char *buf, size_t cap, unsigned status, const char *ctype,
                    uint32_t content_length, bool close, const char *extra);

/* Writes a complete short error/plain-text response: head plus the one-line
 * body "<status> <text>: <reason>\n", NUL-terminated. Returns its length
 * (without the NUL), or 0 when it does not fit. */
size_t lb_http_error(char *buf, size_t cap, unsigned status, const char *reason, bool close,
                     const char *extra);

#endif
