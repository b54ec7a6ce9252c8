/* HTTP/1.x answer heads (lb/http_resp.h). */
#include "lb/http_resp.h"

#include <string.h>

#include "lb/err.h"
#include "text.h"

void lb_http_resp_init(lb_http_resp_t *r)
{
    memset(r, 0, sizeof *r);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* `line` starts with header `name` (case-insensitive) and a ':': returns
 * the value after white space, else NULL. */
static const char *header(const char *line, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (lower(line[i]) != name[i]) {
            return NULL;
        }
    }
    if (line[n] != ':') {
        return NULL;
    }
    line += n + 1;
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    return line;
}

static bool at_end(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return *s == '\0';
}

/* One whole line (without its end). Returns 0 or LB_E_CORRUPT. */
static int line_done(lb_http_resp_t *r)
{
    const char *v;
    if (r->status == 0) {
        /* "HTTP/1.x SSS ..." */
        const char *l = r->line;
        if (r->line_cut || !lb_text_starts(l, "HTTP/1.") || l[7] < '0' || l[7] > '9' ||
            l[8] != ' ' || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' ||
            l[11] > '9' || (l[12] != ' ' && l[12] != '\0')) {
            return LB_E_CORRUPT;
        }
        r->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
        return 0;
    }
    if (r->line_len == 0) {
        r->done = true;
        return 0;
    }
    if (r->line_cut) {
        return 0; /* a long header we do not read */
    }
    if ((v = header(r->line, "content-length")) != NULL) {
        uint32_t n;
        if (!lb_text_u32(&v, UINT32_MAX, &n) || !at_end(v) || (r->has_length && n != r->length)) {
            return LB_E_CORRUPT;
        }
        r->has_length = true;
        r->length = n;
    } else if ((v = header(r->line, "transfer-encoding")) != NULL) {
        r->chunked = r->chunked || !(lb_text_starts(v, "identity") && at_end(v + 8));
    } else if ((v = header(r->line, "content-range")) != NULL) {
        uint32_t a, b, t;
        if (!lb_text_starts(v, "bytes ")) {
            return LB_E_CORRUPT;
        }
        v += 6;
        if (!lb_text_u32(&v, UINT32_MAX, &a) || *v++ != '-' || !lb_text_u32(&v, UINT32_MAX, &b) ||
            *v++ != '/' || !lb_text_u32(&v, UINT32_MAX, &t) || !at_end(v) || a > b || b >= t ||
            r->has_range) {
            return LB_E_CORRUPT;
        }
        r->has_range = true;
        r->range_first = a;
        r->range_last = b;
        r->range_total = t;
    } else if (LB_HTTP_RESP_LOCATION_MAX > 1u && (v = header(r->line, "location")) != NULL) {
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
            n--;
        }
        if (r->has_location) {
            return LB_E_CORRUPT;
        }
        if (n > 0 && n < sizeof r->location) {
            memcpy(r->location, v, n);
            r->location[n] = '\0';
            r->has_location = true;
        }
    }
    return 0;
}

int lb_http_resp_feed(lb_http_resp_t *r, const uint8_t *data, size_t len)
{
    size_t used = 0;
    while (used < len && !r->done) {
        if (r->head_bytes >= LB_HTTP_RESP_HEAD_MAX) {
            r->done = true;
            r->status = 0;
            return LB_E_RANGE;
        }
        char c = (char)data[used++];
        r->head_bytes++;
        if (c == '\n') {
            r->line[r->line_len] = '\0';
            int err = line_done(r);
            r->line_len = 0;
            r->line_cut = false;
            r->got_cr = false;
            if (err != 0) {
                r->done = true;
                r->status = 0;
                return err;
            }
            continue;
        }
        if (r->got_cr || c == '\0') {
            r->done = true; /* a bare CR inside a line, or a NUL: not HTTP */
            r->status = 0;
            return LB_E_CORRUPT;
        }
        if (c == '\r') {
            r->got_cr = true;
        } else if (r->line_len + 1u < LB_HTTP_RESP_LINE_MAX) {
            r->line[r->line_len++] = c;
        } else {
            r->line_cut = true;
        }
    }
    return (int)used;
}
