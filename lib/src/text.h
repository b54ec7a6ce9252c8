/* Small string tests and writers lib/'s text code shares (json.c, url.c,
 * http_resp.c, manifest.c, image_version.c, lib/ota), so firmware links
 * none of the C library's larger string routines for them. Internal to
 * lib/. */
#ifndef LB_TEXT_H
#define LB_TEXT_H

#include <stdbool.h>
#include <stdint.h>

/* True when NUL-terminated `s` starts with `prefix` (never reads past the
 * first difference, so past neither string's end). */
static inline bool lb_text_starts(const char *s, const char *prefix)
{
    while (*prefix != '\0' && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

/* True when both NUL-terminated strings are equal. */
static inline bool lb_text_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* True when c (not NUL) is one of the characters of `set`. */
static inline bool lb_text_in(const char *set, char c)
{
    for (; *set != '\0'; set++) {
        if (*set == c) {
            return true;
        }
    }
    return false;
}

/* The value of hex digit c, or -1. */
static inline int lb_text_hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Reads the decimal digits at *s (at least one) as a value up to `max`,
 * moving *s past them. Returns false (and leaves *s) when there is no
 * digit or the value exceeds max. */
static inline bool lb_text_u32(const char **s, uint32_t max, uint32_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') {
        return false;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if ((v = v * 10u + (uint64_t)(*p - '0')) > max) {
            return false;
        }
    }
    *s = p;
    *out = (uint32_t)v;
    return true;
}

/* Writes the decimal digits of v at out (1 to 10 of them, no NUL) and
 * returns the end. */
static inline char *lb_text_dec(char *out, uint32_t v)
{
    char d[10];
    unsigned n = 0;
    do {
        d[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    while (n > 0) {
        *out++ = d[--n];
    }
    return out;
}

#endif
