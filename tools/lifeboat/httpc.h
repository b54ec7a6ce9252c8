/* A small blocking HTTP/1.1 client for `lifeboat push` and `lifeboat
 * status`: plain sockets, one request per connection, Digest (SHA-256,
 * qop=auth) answered with the same helpers the device checks with. */
#ifndef LB_HTTPC_H
#define LB_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    char host[256];
    char port[8];
    char path[256]; /* base path from the URL, without a trailing '/' */
} lb_httpc_url_t;

/* Parses "http://host[:port][/base]". Returns 0 or LB_E_INVAL (https and
 * anything else unsupported). */
int lb_httpc_url_parse(const char *url, lb_httpc_url_t *u);

/* Called while a body is sent: `done` of `total` bytes. */
typedef void (*lb_httpc_progress_fn)(uint64_t done, uint64_t total, void *ctx);

typedef struct {
    const char *method;
    const char *path; /* request target, e.g. "/api/update" */
    const char *user; /* NULL: no authentication */
    const char *password;
    FILE *body; /* NULL: no body */
    uint64_t body_len;
    const char *ctype; /* Content-Type of the body, or NULL */
    lb_httpc_progress_fn progress;
    void *progress_ctx;
    int timeout_s; /* per socket operation */
    /* Called before each authenticated attempt with the device's challenge
     * (the WWW-Authenticate value) and the cnonce about to be used, for a
     * body bound to them (the sealed credential); it may rewrite `body`
     * but not change body_len. Non-zero aborts the request. NULL: none. */
    int (*before_auth)(const char *challenge, const char *cnonce, void *ctx);
    void *before_auth_ctx;
} lb_httpc_req_t;

typedef struct {
    int status;       /* HTTP status, 0 when none was received */
    char body[16384]; /* response body (truncated to fit), NUL-terminated */
    size_t body_len;
    char error[256]; /* transport problem, when status is 0 */
} lb_httpc_resp_t;

/* Performs the request; with a user, first obtains a challenge (the same
 * request with an empty body) and answers it, retrying once when the
 * device says the nonce is stale. Returns 0 when an HTTP answer was
 * received (any status), LB_E_IO/LB_E_TIMEOUT/LB_E_INVAL otherwise (with
 * resp->error set). */
int lb_httpc_do(const lb_httpc_url_t *u, const lb_httpc_req_t *req, lb_httpc_resp_t *resp);

/* True when `in` (n bytes received so far, NUL-terminated) holds a whole
 * head and as many body bytes as its Content-Length says; without a
 * Content-Length the answer ends when the peer closes. */
bool lb_httpc_response_complete(const char *in, size_t n);

/* Parses a received answer: `in` holds n bytes and has room for a NUL at
 * in[n] (it is modified). Sets r->status and r->body (truncated to fit),
 * and copies the WWW-Authenticate value into `chal` (NULL: not wanted;
 * "" when absent). Returns 0, or LB_E_INVAL when it is not an HTTP/1.x
 * answer with a whole head. Pure: the fuzzed part of the client. */
int lb_httpc_response_parse(char *in, size_t n, lb_httpc_resp_t *r, char *chal, size_t chal_cap);

/* Builds the Digest Authorization value answering the WWW-Authenticate
 * value `challenge`. Returns 0, or LB_E_UNSUPPORTED when it is not a
 * SHA-256/qop=auth Digest challenge, LB_E_INVAL when it is malformed. */
int lb_httpc_digest_answer(char *out, size_t cap, const char *challenge, const char *user,
                           const char *password, const char *method, const char *uri,
                           const char *cnonce);

#endif
