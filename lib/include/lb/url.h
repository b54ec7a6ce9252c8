/* http:// URLs as devices use them: the manifest's own URL from the
 * layout, and the image URL in it, relative to the manifest or absolute
 * (RFC 3986 reference resolution, the cases a manifest holds). Bounded,
 * heap-free; every input is untrusted. */
#ifndef LB_URL_H
#define LB_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_URL_HOST_MAX 63u  /* bytes of a host name or IPv4 literal */
#define LB_URL_PATH_MAX 255u /* bytes of path + query */
#define LB_URL_MAX (8u + LB_URL_HOST_MAX + 6u + LB_URL_PATH_MAX) /* as text */

typedef struct {
    bool https;
    uint16_t port; /* 80 or 443 when the URL names none */
    char host[LB_URL_HOST_MAX + 1];
    char path[LB_URL_PATH_MAX + 1]; /* from the first '/', "/" when empty; query kept */
} lb_url_t;

/* Parses "http://host[:port][/path]" or "https://...". The host is letters,
 * digits, '-' and '.'; the port 1..65535; the path printable ASCII without
 * space, quote or backslash; no user info, no fragment. Returns 0 or
 * LB_E_INVAL. */
int lb_url_parse(const char *s, lb_url_t *u);

/* Resolves `ref` against `base` (a URL lb_url_parse accepts): an absolute
 * http(s) URL stands alone, "/x" replaces the path, anything else replaces
 * the last path segment (so "app.bin" next to ".../version.json" is
 * ".../app.bin"). Writes the result as text into out. Returns 0,
 * LB_E_INVAL when either does not parse (the result included), or
 * LB_E_NOSPACE when it does not fit `cap` or the limits. */
int lb_url_resolve(const char *base, const char *ref, char *out, size_t cap);

/* Reads a dotted-quad IPv4 address "a.b.c.d" (four decimal parts 0..255,
 * no leading zeros, nothing before or after) into out[0..3], a first: the
 * only host form the devices' clients connect to without DNS. Returns 0
 * or LB_E_INVAL (out then unchanged). */
int lb_url_ipv4(const char *s, uint8_t out[4]);

#endif
