/* Reading a few values out of untrusted JSON text: a device's /api/status
 * answer in the CLI, an update manifest (lb/manifest.h) on the device and
 * the host. No tree, no heap; every function works on NUL-terminated text
 * in place and treats it as untrusted (malformed input gives NULL/false).
 * Recursion is bounded by LB_JSON_MAX_DEPTH (small: device stacks). */
#ifndef LB_JSON_H
#define LB_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Nesting deeper than this is refused as malformed. */
#define LB_JSON_MAX_DEPTH 16

/* Returns `p` after any JSON white space. */
const char *lb_json_ws(const char *p);

/* Returns the end of the one value starting at `p` (after leading white
 * space), or NULL when it is not a well-formed value. */
const char *lb_json_skip(const char *p);

/* `obj` points at an object: returns the start of the value of member
 * `key` (compared byte for byte with the key as written), or NULL when
 * absent, when `obj` is not an object or when it is malformed up to there. */
const char *lb_json_member(const char *obj, const char *key);

/* `arr` points at an array: returns the start of element `i`, or NULL. */
const char *lb_json_index(const char *arr, unsigned i);

/* Number of elements of the array at `arr` (0 when it is not one; counts
 * the well-formed elements before any malformed part). */
unsigned lb_json_count(const char *arr);

/* Copies the scalar at `val` as text into `out` (NUL-terminated, cut to
 * `cap`): a string's content (escapes decoded, \u escapes outside ASCII as
 * '?'), or a number, true, false or null as written. Returns false for an
 * object, an array, malformed text or a NULL `val` (then out is ""). */
bool lb_json_text(const char *val, char *out, size_t cap);

#endif
