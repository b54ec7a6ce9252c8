/* Reading a few values out of JSON text the CLI received (a device's
 * /api/status answer): no tree, no heap; every function works on the text
 * in place and treats it as untrusted (malformed input gives NULL/false). */
#ifndef LB_JSONQ_H
#define LB_JSONQ_H

#include <stdbool.h>
#include <stddef.h>

/* Nesting deeper than this is refused as malformed. */
#define LB_JSONQ_MAX_DEPTH 32

/* Returns the end of the one value starting at `p` (after leading white
 * space), or NULL when it is not a well-formed value. */
const char *lb_jsonq_skip(const char *p);

/* `obj` points at an object: returns the start of the value of member
 * `key` (compared byte for byte with the key as written), or NULL when
 * absent, when `obj` is not an object or when it is malformed up to there. */
const char *lb_jsonq_member(const char *obj, const char *key);

/* `arr` points at an array: returns the start of element `i`, or NULL. */
const char *lb_jsonq_index(const char *arr, unsigned i);

/* Number of elements of the array at `arr` (0 when it is not one; counts
 * the well-formed elements before any malformed part). */
unsigned lb_jsonq_count(const char *arr);

/* Copies the scalar at `val` as text into `out` (NUL-terminated, cut to
 * `cap`): a string's content (escapes decoded, \u escapes outside ASCII as
 * '?'), or a number, true, false or null as written. Returns false for an
 * object, an array, malformed text or a NULL `val` (then out is ""). */
bool lb_jsonq_text(const char *val, char *out, size_t cap);

#endif
