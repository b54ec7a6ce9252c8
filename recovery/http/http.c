#include "http.h"

#include <string.h>

enum {
    ST_REQLINE = 0,
    ST_HEADERS,
    ST_DONE,
    ST_ERROR,
};

/* Empty lines tolerated before the request line (RFC 9112 §2.2). */
#define LB_HTTP_EMPTY_LINES_MAX 4

void lb_http_parser_reset(lb_http_parser_t *p)
{
    memset(p, 0, sizeof(*p));
    p->state = ST_REQLINE;
}

bool lb_http_parser_idle(const lb_http_parser_t *p)
{
    return p->state == ST_REQLINE && p->line_len == 0 && p->empty_lines == 0;
}

static lb_http_result_t fail(lb_http_parser_t *p, unsigned status, const char *reason)
{
    p->state = ST_ERROR;
    p->status = (uint16_t)status;
    p->reason = reason;
    return LB_HTTP_ERROR;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..n) with the lower-case literal `lit`. */
static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n != l) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(s[i]) != lit[i]) {
            return false;
        }
    }
    return true;
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    for (const char *t = "!#$%&'*+-.^_`|~"; *t != '\0'; t++) {
        if (*t == c) {
            return true;
        }
    }
    return false;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Does the comma-separated list s[0..n) contain `tok` (lower-case literal)? */
static bool list_has(const char *s, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(s[i]) || s[i] == ',')) {
            i++;
        }
        size_t st = i;
        while (i < n && s[i] != ',') {
            i++;
        }
        size_t e = i;
        while (e > st && is_ows(s[e - 1])) {
            e--;
        }
        if (ieq(s + st, e - st, tok)) {
            return true;
        }
    }
    return false;
}

/* Accept-Encoding: true when the list names gzip (or *) without q=0. */
static bool accepts_gzip(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(s[i]) || s[i] == ',')) {
            i++;
        }
        size_t st = i, t;
        while (i < n && s[i] != ',') {
            i++;
        }
        for (t = st; t < i && s[t] != ';' && !is_ows(s[t]);) {
            t++;
        }
        if (!ieq(s + st, t - st, "gzip") && !ieq(s + st, t - st, "*")) {
            continue;
        }
        /* q=0, q=0.0, q=0.00, q=0.000 refuse it; anything else accepts. */
        bool zero = false;
        for (size_t k = t; k + 3 <= i; k++) {
            if ((s[k] == 'q' || s[k] == 'Q') && s[k + 1] == '=' && s[k + 2] == '0') {
                zero = true;
                for (size_t m = k + 3; m < i && s[m] != ';' && !is_ows(s[m]); m++) {
                    zero = zero && (s[m] == '.' || s[m] == '0');
                }
            }
        }
        return !zero;
    }
    return false;
}

static const struct {
    const char *name;
    lb_http_method_t m;
} methods[] = {
    {"GET", LB_HTTP_M_GET},     {"HEAD", LB_HTTP_M_HEAD},     {"POST", LB_HTTP_M_POST},
    {"PUT", LB_HTTP_M_PUT},     {"DELETE", LB_HTTP_M_DELETE}, {"OPTIONS", LB_HTTP_M_OPTIONS},
    {"PATCH", LB_HTTP_M_PATCH},
};

const char *lb_http_method_name(lb_http_method_t m)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (methods[i].m == m) {
            return methods[i].name;
        }
    }
    return "?";
}

static lb_http_result_t parse_reqline(lb_http_parser_t *p, const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && is_tchar(l[i])) {
        i++;
    }
    if (i == 0 || i >= n || l[i] != ' ') {
        return fail(p, 400, "malformed request line");
    }
    p->method = LB_HTTP_M_OTHER;
    for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
        /* Methods are case-sensitive (RFC 9110 §9.1). */
        if (strlen(methods[k].name) == i && memcmp(methods[k].name, l, i) == 0) {
            p->method = methods[k].m;
        }
    }
    size_t ts = ++i;
    while (i < n && l[i] != ' ') {
        if ((unsigned char)l[i] <= 0x20 || (unsigned char)l[i] >= 0x7f) {
            return fail(p, 400, "invalid character in request target");
        }
        i++;
    }
    size_t tlen = i - ts;
    if (tlen == 0 || i >= n) {
        return fail(p, 400, "malformed request line");
    }
    if (l[ts] != '/') {
        return fail(p, 400, "request target must be an absolute path");
    }
    if (tlen > LB_HTTP_TARGET_MAX) {
        return fail(p, 414, "request target too long");
    }
    memcpy(p->target, l + ts, tlen);
    p->target[tlen] = '\0';
    const char *q = memchr(p->target, '?', tlen);
    p->path_len = q ? (size_t)(q - p->target) : tlen;
    i++;
    const char *v = l + i;
    size_t vn = n - i;
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9') {
        return fail(p, 400, "malformed HTTP version");
    }
    if (v[5] != '1' || v[7] > '1') {
        return fail(p, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
    }
    p->version_minor = (uint8_t)(v[7] - '0');
    p->close = p->version_minor == 0; /* 1.0 closes unless it asks for keep-alive */
    p->state = ST_HEADERS;
    return LB_HTTP_MORE;
}

static lb_http_result_t parse_header(lb_http_parser_t *p, const char *l, size_t n)
{
    if (is_ows(l[0])) {
        return fail(p, 400, "obsolete header line folding");
    }
    size_t i = 0;
    while (i < n && is_tchar(l[i])) {
        i++;
    }
    if (i == 0 || i >= n || l[i] != ':') {
        return fail(p, 400, "malformed header line");
    }
    if (++p->header_count > LB_HTTP_HEADER_COUNT_MAX) {
        return fail(p, 431, "too many header lines");
    }
    const char *name = l;
    size_t nlen = i;
    i++;
    while (i < n && is_ows(l[i])) {
        i++;
    }
    size_t e = n;
    while (e > i && is_ows(l[e - 1])) {
        e--;
    }
    const char *val = l + i;
    size_t vlen = e - i;
    for (size_t k = 0; k < vlen; k++) {
        unsigned char c = (unsigned char)val[k];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fail(p, 400, "control character in header value");
        }
    }

    if (ieq(name, nlen, "content-length")) {
        if (vlen == 0 || vlen > 10) {
            return fail(p, 400, "invalid Content-Length");
        }
        uint64_t v = 0;
        for (size_t k = 0; k < vlen; k++) {
            if (val[k] < '0' || val[k] > '9') {
                return fail(p, 400, "invalid Content-Length");
            }
            v = v * 10u + (uint64_t)(val[k] - '0');
        }
        if (v > UINT32_MAX) {
            return fail(p, 413, "Content-Length too large");
        }
        if (p->has_length && p->content_length != (uint32_t)v) {
            return fail(p, 400, "conflicting Content-Length headers");
        }
        p->has_length = true;
        p->content_length = (uint32_t)v;
    } else if (ieq(name, nlen, "transfer-encoding")) {
        p->chunked = true;
    } else if (ieq(name, nlen, "host")) {
        if (p->has_host) {
            return fail(p, 400, "duplicate Host header");
        }
        p->has_host = true;
    } else if (ieq(name, nlen, "authorization")) {
        if (p->has_auth) {
            return fail(p, 400, "duplicate Authorization header");
        }
        if (vlen > LB_HTTP_AUTH_MAX) {
            return fail(p, 431, "Authorization header too long");
        }
        memcpy(p->auth, val, vlen);
        p->auth[vlen] = '\0';
        p->has_auth = true;
    } else if (ieq(name, nlen, "expect")) {
        if (!ieq(val, vlen, "100-continue")) {
            return fail(p, 417, "only Expect: 100-continue is supported");
        }
        p->expect_continue = true;
    } else if (ieq(name, nlen, "connection")) {
        if (list_has(val, vlen, "close")) {
            p->close = true;
        } else if (list_has(val, vlen, "keep-alive")) {
            p->close = false;
        }
    } else if (ieq(name, nlen, "accept-encoding")) {
        p->gzip_ok = accepts_gzip(val, vlen);
    } else if (ieq(name, nlen, "content-type")) {
        size_t t = 0;
        while (t < vlen && val[t] != ';' && !is_ows(val[t])) {
            t++;
        }
        if (ieq(val, t, "application/octet-stream")) {
            p->ctype = LB_HTTP_CT_OCTET;
        } else if (ieq(val, t, "application/x-www-form-urlencoded")) {
            p->ctype = LB_HTTP_CT_FORM;
        } else {
            p->ctype = LB_HTTP_CT_OTHER;
        }
    }
    return LB_HTTP_MORE;
}

/* Handles one complete line (without its line ending). */
static lb_http_result_t on_line(lb_http_parser_t *p, const char *l, size_t n)
{
    if (p->state == ST_REQLINE) {
        if (n == 0) {
            if (++p->empty_lines > LB_HTTP_EMPTY_LINES_MAX) {
                return fail(p, 400, "empty request");
            }
            return LB_HTTP_MORE;
        }
        return parse_reqline(p, l, n);
    }
    if (n == 0) {
        if (p->chunked && p->has_length) {
            return fail(p, 400, "both Transfer-Encoding and Content-Length");
        }
        p->state = ST_DONE;
        return LB_HTTP_DONE;
    }
    return parse_header(p, l, n);
}

lb_http_result_t lb_http_parser_feed(lb_http_parser_t *p, const void *data, size_t len,
                                     size_t *consumed)
{
    const char *d = data;
    size_t i = 0;
    lb_http_result_t r = LB_HTTP_MORE;
    *consumed = 0;
    if (p->state == ST_DONE) {
        return LB_HTTP_DONE;
    }
    if (p->state == ST_ERROR) {
        return LB_HTTP_ERROR;
    }
    while (i < len) {
        char c = d[i++];
        if (p->state == ST_HEADERS && ++p->header_bytes > LB_HTTP_HEADERS_MAX) {
            r = fail(p, 431, "request header block too large");
            break;
        }
        if (c == '\n') {
            size_t n = p->line_len;
            if (n > 0 && p->line[n - 1] == '\r') {
                n--;
            }
            p->line[n] = '\0';
            p->line_len = 0;
            r = on_line(p, p->line, n);
            if (r != LB_HTTP_MORE) {
                break;
            }
            continue;
        }
        if (c == '\0') {
            r = fail(p, 400, "NUL byte in request head");
            break;
        }
        if (p->line_len > 0 && p->line[p->line_len - 1] == '\r') {
            r = fail(p, 400, "bare CR in request head");
            break;
        }
        /* +1 leaves room for the CR of the line ending. */
        size_t max = p->state == ST_REQLINE ? LB_HTTP_REQLINE_MAX : LB_HTTP_LINE_MAX;
        if (p->line_len >= max + (c == '\r' ? 1u : 0u)) {
            if (p->state == ST_REQLINE) {
                r = fail(p, 414, "request line too long");
            } else {
                r = fail(p, 431, "header line too long");
            }
            break;
        }
        p->line[p->line_len++] = c;
    }
    *consumed = i;
    return r;
}

lb_http_route_t lb_http_route(const lb_http_parser_t *p, unsigned *status, const char **reason,
                              const char **allow)
{
    static const struct {
        const char *path;
        lb_http_route_t get; /* GET and HEAD */
        lb_http_route_t post;
        const char *allow;
    } routes[] = {
        {"/", LB_HTTP_ROUTE_PAGE, LB_HTTP_ROUTE_NONE, "GET, HEAD"},
        {"/api/status", LB_HTTP_ROUTE_STATUS, LB_HTTP_ROUTE_NONE, "GET, HEAD"},
        {"/api/update", LB_HTTP_ROUTE_NONE, LB_HTTP_ROUTE_UPDATE, "POST"},
        {"/api/reboot", LB_HTTP_ROUTE_NONE, LB_HTTP_ROUTE_REBOOT, "POST"},
        {"/api/credential", LB_HTTP_ROUTE_NONE, LB_HTTP_ROUTE_CREDENTIAL, "POST"},
        {"/api/history", LB_HTTP_ROUTE_HISTORY, LB_HTTP_ROUTE_NONE, "GET, HEAD"},
    };
    const char *dummy;
    if (allow == NULL) {
        allow = &dummy;
    }
    *allow = NULL;
    if (p->version_minor == 1 && !p->has_host) {
        *status = 400;
        *reason = "HTTP/1.1 request without Host";
        return LB_HTTP_ROUTE_NONE;
    }
    if (p->method == LB_HTTP_M_OTHER || p->method == LB_HTTP_M_NONE) {
        *status = 501;
        *reason = "method not implemented";
        return LB_HTTP_ROUTE_NONE;
    }
    if (p->chunked) {
        *status = 411;
        *reason = "chunked bodies unsupported; send Content-Length";
        return LB_HTTP_ROUTE_NONE;
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strlen(routes[i].path) != p->path_len ||
            memcmp(routes[i].path, p->target, p->path_len) != 0) {
            continue;
        }
        lb_http_route_t r = LB_HTTP_ROUTE_NONE;
        if (p->method == LB_HTTP_M_GET || p->method == LB_HTTP_M_HEAD) {
            r = routes[i].get;
        } else if (p->method == LB_HTTP_M_POST) {
            r = routes[i].post;
        }
        if (r == LB_HTTP_ROUTE_NONE) {
            *status = 405;
            *reason = "method not allowed for this resource";
            *allow = routes[i].allow;
            return r;
        }
        if (p->method == LB_HTTP_M_POST && !p->has_length) {
            *status = 411;
            *reason = "POST requires Content-Length";
            return LB_HTTP_ROUTE_NONE;
        }
        *status = 200;
        *reason = "";
        return r;
    }
    *status = 404;
    *reason = "no such resource";
    return LB_HTTP_ROUTE_NONE;
}

const char *lb_http_status_text(unsigned status)
{
    static const struct {
        uint16_t code;
        const char *text;
    } t[] = {
        {100, "Continue"},
        {200, "OK"},
        {202, "Accepted"},
        {204, "No Content"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {417, "Expectation Failed"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].code == status) {
            return t[i].text;
        }
    }
    return "Unknown";
}

/* ---- output ------------------------------------------------------------ */

void lb_out_init(lb_out_t *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = false;
}

void lb_out_mem(lb_out_t *o, const void *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void lb_out_str(lb_out_t *o, const char *s)
{
    lb_out_mem(o, s, strlen(s));
}

void lb_out_version(lb_out_t *o, const lb_image_version_t *v, bool with_build)
{
    lb_out_u32(o, v->major);
    lb_out_str(o, ".");
    lb_out_u32(o, v->minor);
    lb_out_str(o, ".");
    lb_out_u32(o, v->revision);
    if (with_build) {
        lb_out_str(o, "+");
        lb_out_u32(o, v->build);
    }
}

void lb_out_u32(lb_out_t *o, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    while (n > 0) {
        lb_out_mem(o, &tmp[--n], 1);
    }
}

void lb_out_json_str(lb_out_t *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    lb_out_mem(o, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            lb_out_mem(o, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            lb_out_mem(o, esc, 6);
        } else {
            lb_out_mem(o, s, 1);
        }
    }
    lb_out_mem(o, "\"", 1);
}

void lb_out_hex(lb_out_t *o, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char h[2] = {hex[b[i] >> 4], hex[b[i] & 15]};
        lb_out_mem(o, h, 2);
    }
}

size_t lb_http_head(char *buf, size_t cap, unsigned status, const char *ctype,
                    uint32_t content_length, bool close, const char *extra)
{
    lb_out_t o;
    lb_out_init(&o, buf, cap);
    lb_out_str(&o, "HTTP/1.1 ");
    lb_out_u32(&o, status);
    lb_out_str(&o, " ");
    lb_out_str(&o, lb_http_status_text(status));
    lb_out_str(&o, "\r\n");
    if (ctype != NULL) {
        lb_out_str(&o, "Content-Type: ");
        lb_out_str(&o, ctype);
        lb_out_str(&o, "\r\n");
    }
    lb_out_str(&o, "Content-Length: ");
    lb_out_u32(&o, content_length);
    lb_out_str(&o, "\r\nCache-Control: no-store\r\n");
    if (close) {
        lb_out_str(&o, "Connection: close\r\n");
    }
    if (extra != NULL) {
        lb_out_str(&o, extra);
    }
    lb_out_str(&o, "\r\n");
    lb_out_mem(&o, "", 1);
    return o.overflow ? 0 : o.len - 1;
}

size_t lb_http_error(char *buf, size_t cap, unsigned status, const char *reason, bool close,
                     const char *extra)
{
    char body[160];
    lb_out_t b;
    lb_out_init(&b, body, sizeof(body));
    lb_out_u32(&b, status);
    lb_out_str(&b, " ");
    lb_out_str(&b, lb_http_status_text(status));
    if (reason != NULL && reason[0] != '\0') {
        lb_out_str(&b, ": ");
        lb_out_str(&b, reason);
    }
    if (b.overflow) {
        /* Keep the first line whole rather than refusing to answer. */
        b.overflow = false;
        b.len = sizeof(body) - 1;
    }
    lb_out_str(&b, "\n");
    size_t h = lb_http_head(buf, cap, status, "text/plain", (uint32_t)b.len, close, extra);
    if (h == 0 || b.len >= cap - h) {
        return 0;
    }
    memcpy(buf + h, body, b.len);
    buf[h + b.len] = '\0';
    return h + b.len;
}
