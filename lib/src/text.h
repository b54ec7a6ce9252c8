/* Small string tests lib/'s text readers share (json.c, url.c,
 * http_resp.c, manifest.c), so firmware links none of the C library's
 * larger string routines for them. Internal to lib/. */
#ifndef LB_TEXT_H
#define LB_TEXT_H

#include <stdbool.h>

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

#endif
