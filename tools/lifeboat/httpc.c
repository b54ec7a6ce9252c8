#include "httpc.h"

#include <errno.h>
#include <stdlib.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "auth/digest.h"
#include "lb/err.h"
#include "mbedtls/sha256.h"

int lb_httpc_url_parse(const char *url, lb_httpc_url_t *u)
{
    memset(u, 0, sizeof(*u));
    if (strncmp(url, "http://", 7) != 0) {
        return LB_E_INVAL;
    }
    const char *h = url + 7;
    size_t hl = strcspn(h, ":/");
    if (hl == 0 || hl >= sizeof(u->host)) {
        return LB_E_INVAL;
    }
    memcpy(u->host, h, hl);
    const char *p = h + hl;
    strcpy(u->port, "80");
    if (*p == ':') {
        p++;
        size_t pl = strspn(p, "0123456789");
        if (pl == 0 || pl >= sizeof(u->port) || (p[pl] != '\0' && p[pl] != '/')) {
            return LB_E_INVAL;
        }
        memcpy(u->port, p, pl);
        u->port[pl] = '\0';
        p += pl;
    }
    size_t bl = strlen(p);
    while (bl > 0 && p[bl - 1] == '/') {
        bl--;
    }
    if (bl >= sizeof(u->path)) {
        return LB_E_INVAL;
    }
    memcpy(u->path, p, bl);
    u->path[bl] = '\0';
    return 0;
}

static int errorf(lb_httpc_resp_t *r, int code, const char *what, const char *detail)
{
    /* Precision bounds the detail: the device's text may be long. */
    snprintf(r->error, sizeof(r->error), "%s%s%.160s", what, detail ? ": " : "",
             detail ? detail : "");
    return code;
}

/* What timed out, in the user's terms: "no answer from http://HOST:PORT
 * within N s" (and what it was doing), not the socket's EAGAIN. */
static int timed_out(lb_httpc_resp_t *r, const lb_httpc_url_t *u, int timeout_s, const char *doing)
{
    snprintf(r->error, sizeof(r->error), "no answer from http://%.64s:%.8s within %d s%s", u->host,
             u->port, timeout_s, doing);
    return LB_E_TIMEOUT;
}

static int connect_to(const lb_httpc_url_t *u, int timeout_s, lb_httpc_resp_t *r)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(u->host, u->port, &hints, &res);
    if (e != 0) {
        return errorf(r, LB_E_IO, "cannot resolve host", gai_strerror(e));
    }
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            continue;
        }
        struct timeval tv = {timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    int en = errno;
    freeaddrinfo(res);
    if (fd < 0 && (en == EINPROGRESS || en == ETIMEDOUT || en == EAGAIN)) {
        return timed_out(r, u, timeout_s, " (connecting)");
    }
    if (fd < 0) {
        return errorf(r, LB_E_IO, "cannot connect", strerror(en));
    }
    return fd;
}

static bool send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* True when the server already answered (or closed) while we still send. */
static bool peer_spoke(int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR));
}

/* Finds header `name` in the head block; copies its value. */
static bool header_value(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l != NULL; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            v += strspn(v, " \t");
            size_t vl = strcspn(v, "\r\n");
            if (vl >= cap) {
                vl = cap - 1;
            }
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
    }
    return false;
}

/* One request on one connection. `authz` may be NULL. Stores the
 * challenge (if any) in `chal`. */
static int one_request(const lb_httpc_url_t *u, const lb_httpc_req_t *q, bool with_body,
                       const char *authz, char *chal, size_t chal_cap, lb_httpc_resp_t *r)
{
    const int timeout_s = q->timeout_s > 0 ? q->timeout_s : 30;
    int fd = connect_to(u, timeout_s, r);
    if (fd < 0) {
        return fd;
    }
    uint64_t blen = with_body ? q->body_len : 0;
    char head[2048];
    int hl = snprintf(head, sizeof(head),
                      "%s %s%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: lifeboat\r\n"
                      "Connection: close\r\n",
                      q->method, u->path, q->path, u->host, u->port);
    if (q->body != NULL || strcmp(q->method, "POST") == 0) {
        hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Content-Length: %llu\r\n",
                       (unsigned long long)blen);
    }
    if (q->ctype != NULL && q->body != NULL) {
        hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Content-Type: %s\r\n", q->ctype);
    }
    if (authz != NULL) {
        hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Authorization: %s\r\n", authz);
    }
    hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "\r\n");
    if ((size_t)hl >= sizeof(head)) {
        close(fd);
        return errorf(r, LB_E_INVAL, "request head too long", NULL);
    }
    bool sent_ok = send_all(fd, head, (size_t)hl);
    if (sent_ok && with_body && q->body != NULL) {
        char buf[16384];
        uint64_t done = 0;
        rewind(q->body);
        while (done < blen) {
            size_t want = blen - done < sizeof(buf) ? (size_t)(blen - done) : sizeof(buf);
            size_t got = fread(buf, 1, want, q->body);
            if (got == 0) {
                close(fd);
                return errorf(r, LB_E_IO, "cannot read the image file", NULL);
            }
            if (peer_spoke(fd) || !send_all(fd, buf, got)) {
                break; /* an early answer (refusal): read it below */
            }
            done += got;
            if (q->progress) {
                q->progress(done, blen, q->progress_ctx);
            }
        }
    }
    /* Read the answer: head, then body up to Content-Length or close. */
    static char in[65536];
    size_t n = 0;
    for (;;) {
        if (n >= sizeof(in) - 1) {
            break;
        }
        ssize_t k = recv(fd, in + n, sizeof(in) - 1 - n, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            if (k < 0 && n == 0) {
                int en = errno;
                close(fd);
                if (en == EAGAIN || en == EWOULDBLOCK) {
                    return timed_out(r, u, timeout_s, "");
                }
                return errorf(r, LB_E_IO, "no answer from the device", strerror(en));
            }
            break;
        }
        n += (size_t)k;
        in[n] = '\0';
        if (lb_httpc_response_complete(in, n)) {
            break;
        }
    }
    close(fd);
    in[n] = '\0';
    if (lb_httpc_response_parse(in, n, r, chal, chal_cap) != 0) {
        return errorf(r, LB_E_IO, "malformed or missing answer from the device", NULL);
    }
    return 0;
}

bool lb_httpc_response_complete(const char *in, size_t n)
{
    const char *eoh = strstr(in, "\r\n\r\n");
    char cl[32];
    if (eoh == NULL || !header_value(in, "Content-Length", cl, sizeof(cl))) {
        return false;
    }
    size_t head = (size_t)(eoh + 4 - in);
    unsigned long want = strtoul(cl, NULL, 10);
    return n >= head && n - head >= want;
}

int lb_httpc_response_parse(char *in, size_t n, lb_httpc_resp_t *r, char *chal, size_t chal_cap)
{
    in[n] = '\0';
    char *eoh = strstr(in, "\r\n\r\n");
    if (n < 12 || strncmp(in, "HTTP/1.", 7) != 0 || eoh == NULL) {
        return LB_E_INVAL;
    }
    r->status = atoi(in + 9);
    *eoh = '\0';
    if (chal != NULL && chal_cap > 0) {
        chal[0] = '\0';
        header_value(in, "WWW-Authenticate", chal, chal_cap);
    }
    const char *body = eoh + 4;
    r->body_len = n - (size_t)(body - in);
    if (r->body_len >= sizeof(r->body)) {
        r->body_len = sizeof(r->body) - 1;
    }
    memcpy(r->body, body, r->body_len);
    r->body[r->body_len] = '\0';
    return 0;
}

int lb_httpc_digest_answer(char *out, size_t cap, const char *challenge, const char *user,
                           const char *password, const char *method, const char *uri,
                           const char *cnonce)
{
    lb_digest_t d;
    int rc = lb_digest_parse(challenge, &d);
    if (rc != 0) {
        return rc;
    }
    if (strcasecmp(d.algorithm, "SHA-256") != 0 || strstr(d.qop, "auth") == NULL ||
        d.nonce[0] == '\0') {
        return LB_E_UNSUPPORTED;
    }
    char ha1[65], ha2[65], resp[65];
    const char *a1[] = {user, d.realm, password};
    const char *a2[] = {method, uri};
    const char *rr[] = {ha1, d.nonce, "00000001", cnonce, "auth", ha2};
    if (lb_digest_h(ha1, a1, 3) || lb_digest_h(ha2, a2, 2) || lb_digest_h(resp, rr, 6)) {
        return LB_E_IO;
    }
    int n = snprintf(out, cap,
                     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                     "algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"%s\", response=\"%s\"",
                     user, d.realm, d.nonce, uri, cnonce, resp);
    return (n < 0 || (size_t)n >= cap) ? LB_E_INVAL : 0;
}

static void make_cnonce(char out[33])
{
    uint8_t seed[64] = {0}, h[32];
    struct timeval tv;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        (void)!fread(seed, 1, sizeof(seed), f);
        fclose(f);
    }
    /* Mixed in so two pushes differ even without /dev/urandom. */
    gettimeofday(&tv, NULL);
    for (size_t i = 0; i < sizeof(tv); i++) {
        seed[i] ^= ((const uint8_t *)&tv)[i];
    }
    mbedtls_sha256_ret(seed, sizeof(seed), h, 0);
    for (int i = 0; i < 16; i++) {
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
}

int lb_httpc_do(const lb_httpc_url_t *u, const lb_httpc_req_t *req, lb_httpc_resp_t *resp)
{
    memset(resp, 0, sizeof(*resp));
    if (req->user == NULL) {
        return one_request(u, req, true, NULL, NULL, 0, resp);
    }
    char chal[512], authz[1024], uri[512];
    snprintf(uri, sizeof(uri), "%s%s", u->path, req->path);
    /* Obtain a challenge without sending the body. */
    int rc = one_request(u, req, false, NULL, chal, sizeof(chal), resp);
    for (int attempt = 0; rc == 0 && resp->status == 401 && attempt < 2; attempt++) {
        if (chal[0] == '\0') {
            return 0; /* a 401 without a challenge: report it as it is */
        }
        char cnonce[33];
        make_cnonce(cnonce);
        rc = lb_httpc_digest_answer(authz, sizeof(authz), chal, req->user, req->password,
                                    req->method, uri, cnonce);
        if (rc != 0) {
            return errorf(resp, rc, "the device's challenge is not Digest SHA-256", chal);
        }
        if (req->before_auth != NULL && req->before_auth(chal, cnonce, req->before_auth_ctx) != 0) {
            return errorf(resp, LB_E_INVAL, "cannot prepare the body for the challenge", chal);
        }
        memset(resp, 0, sizeof(*resp));
        rc = one_request(u, req, true, authz, chal, sizeof(chal), resp);
        /* Only a stale nonce is worth one more try; a wrong password is not. */
        if (rc != 0 || resp->status != 401 || strstr(chal, "stale=true") == NULL) {
            break;
        }
    }
    return rc;
}
