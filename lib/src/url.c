/* http:// URLs (lb/url.h). */
#include "lb/url.h"

#include <string.h>

#include "lb/err.h"
#include "text.h"

static bool path_char(char c)
{
    return c > ' ' && c <= '~' && c != '"' && c != '\\' && c != '#';
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/* The scheme's length ("http://" 7, "https://" 8), or 0. */
static size_t scheme_len(const char *s, bool *https)
{
    if (lb_text_starts(s, "http://")) {
        *https = false;
        return 7;
    }
    if (lb_text_starts(s, "https://")) {
        *https = true;
        return 8;
    }
    return 0;
}

int lb_url_parse(const char *s, lb_url_t *u)
{
    if (s == NULL || u == NULL) {
        return LB_E_INVAL;
    }
    memset(u, 0, sizeof *u);
    size_t k = scheme_len(s, &u->https);
    if (k == 0) {
        return LB_E_INVAL;
    }
    s += k;
    size_t h = 0;
    while (host_char(s[h])) {
        h++;
    }
    if (h == 0 || h > LB_URL_HOST_MAX) {
        return LB_E_INVAL;
    }
    memcpy(u->host, s, h);
    s += h;
    u->port = u->https ? 443u : 80u;
    if (*s == ':') {
        uint32_t port;
        s++;
        if (!lb_text_u32(&s, 65535u, &port) || port == 0) {
            return LB_E_INVAL;
        }
        u->port = (uint16_t)port;
    }
    if (*s == '\0') {
        u->path[0] = '/';
        return 0;
    }
    if (*s != '/') {
        return LB_E_INVAL;
    }
    size_t p = 0;
    while (path_char(s[p])) {
        p++;
    }
    if (s[p] != '\0' || p > LB_URL_PATH_MAX) {
        return LB_E_INVAL;
    }
    memcpy(u->path, s, p);
    return 0;
}

/* Appends n bytes of s at out[*len] (capacity cap incl. the NUL). */
static bool put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (n >= cap - *len) {
        return false;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return true;
}

int lb_url_resolve(const char *base, const char *ref, char *out, size_t cap)
{
    lb_url_t b; /* the base, then the result (one on the stack: device callers) */
    bool https;
    if (out == NULL || cap == 0 || ref == NULL || lb_url_parse(base, &b) != 0) {
        return LB_E_INVAL;
    }
    out[0] = '\0';
    size_t len = 0;
    if (scheme_len(ref, &https) != 0) {
        if (lb_url_parse(ref, &b) != 0) {
            return LB_E_INVAL;
        }
        return put(out, cap, &len, ref, strlen(ref)) ? 0 : LB_E_NOSPACE;
    }
    if (ref[0] == '\0' || (ref[0] == '/' && ref[1] == '/')) {
        return LB_E_INVAL; /* empty, or network-path references: not offered */
    }
    /* Another scheme ("ftp:", "file:"): an absolute reference we do not follow. */
    size_t k = 0;
    while (host_char(ref[k]) || ref[k] == '+') {
        k++;
    }
    if (k > 0 && ref[k] == ':') {
        return LB_E_INVAL;
    }
    /* Scheme and authority of the base, as written: up to its path. */
    size_t auth = b.https ? 8u : 7u;
    while (base[auth] != '\0' && base[auth] != '/') {
        auth++;
    }
    bool ok = put(out, cap, &len, base, auth);
    if (ref[0] == '/') {
        ok = ok && put(out, cap, &len, ref, strlen(ref));
    } else {
        /* The base's directory: its path up to the last '/' before any query. */
        size_t dir = 0;
        while (b.path[dir] != '\0' && b.path[dir] != '?') {
            dir++;
        }
        while (dir > 0 && b.path[dir - 1] != '/') {
            dir--;
        }
        ok = ok && put(out, cap, &len, b.path, dir) && put(out, cap, &len, ref, strlen(ref));
    }
    if (!ok) {
        return LB_E_NOSPACE;
    }
    return lb_url_parse(out, &b) == 0 ? 0 : (strlen(out) > LB_URL_MAX ? LB_E_NOSPACE : LB_E_INVAL);
}

int lb_url_ipv4(const char *s, uint8_t out[4])
{
    uint8_t a[4];
    for (unsigned i = 0; i < 4; i++) {
        uint32_t v;
        if (s == NULL || (s[0] == '0' && s[1] >= '0' && s[1] <= '9') ||
            !lb_text_u32(&s, 255u, &v) || *s != (i < 3 ? '.' : '\0')) {
            return LB_E_INVAL;
        }
        a[i] = (uint8_t)v;
        s++;
    }
    memcpy(out, a, sizeof a);
    return 0;
}
