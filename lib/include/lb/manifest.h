/* The update manifest (version.json): what a plain static HTTP server
 * offers a fleet. `lifeboat publish` writes it next to the signed images;
 * the device reads it to learn whether a newer image exists and where.
 * Format: docs/SPEC.md "Update manifest".
 *
 * The manifest only says where to look. What is installed is decided by
 * the image itself (header, TLVs, signature, lib/include/lb/image.h); a
 * manifest whose entry disagrees with the image it names is refused
 * (lb_manifest_check).
 *
 * The reader is bounded and heap-free: the text must be NUL-terminated,
 * at most LB_MANIFEST_MAX_SIZE bytes; nesting, strings and entry counts
 * have fixed limits; unknown members are skipped at every level. */
#ifndef LB_MANIFEST_H
#define LB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"

#define LB_MANIFEST_FORMAT 1u      /* the "manifest" member */
#define LB_MANIFEST_MAX_SIZE 4096u /* bytes of JSON text, without the NUL */
#define LB_MANIFEST_MAX_IMAGES 8u  /* entries in "images" */
#define LB_MANIFEST_URL_MAX 200u   /* bytes of an entry's "url" */
#define LB_MANIFEST_NAME "version.json"

/* One entry of "images": everything the device needs to decide and fetch. */
typedef struct {
    uint8_t kind;        /* lb_image_kind_t: APP or RECOVERY */
    uint8_t reserved[3]; /* zero: entries compare with memcmp */
    lb_image_version_t version;
    uint32_t security_counter;
    uint32_t size;                      /* bytes of the image file as served */
    uint8_t sha256[LB_IMAGE_HASH_SIZE]; /* of those bytes */
    char url[LB_MANIFEST_URL_MAX + 1];  /* relative to the manifest, or absolute */
} lb_manifest_entry_t;

/* Reads the manifest `json` (len bytes, json[len] == '\0') and returns in
 * `out` its entry for images of `kind` and in `product` (capacity
 * LB_IMAGE_PRODUCT_MAX + 1) the product it is for. Every entry is checked,
 * not only the one returned. Returns 0; LB_E_RANGE when the text is longer
 * than LB_MANIFEST_MAX_SIZE or holds a NUL; LB_E_CORRUPT when it is not
 * well-formed JSON, not an object, or a required member is missing, of the
 * wrong type or out of range (version, counter, size, a 64-digit hex
 * sha256, a url of printable ASCII), or when two entries have the same
 * kind; LB_E_VERSION for a "manifest" other than LB_MANIFEST_FORMAT;
 * LB_E_NOSPACE for more than LB_MANIFEST_MAX_IMAGES entries; LB_E_NOTFOUND
 * when it is valid but has no entry of `kind`. Entries of kinds this build
 * does not know are checked for framing only and skipped. */
int lb_manifest_read(const char *json, size_t len, uint8_t kind, lb_manifest_entry_t *out,
                     char product[LB_IMAGE_PRODUCT_MAX + 1]);

/* Checks that the image the device fetched agrees with the entry that
 * named it and the manifest's product: kind, product, version (build
 * included), security counter and size (info->total_size). Returns 0 or
 * LB_E_MISMATCH. */
int lb_manifest_check(const lb_manifest_entry_t *e, const char *product,
                      const lb_image_info_t *info);

/* Writes a manifest for `product` with `n` entries into buf (capacity
 * cap, NUL-terminated). Returns the text length, LB_E_NOSPACE when it does
 * not fit (or is over LB_MANIFEST_MAX_SIZE), or LB_E_INVAL for a product or
 * url the reader would refuse, an unknown kind, or n over the limit. */
int lb_manifest_write(char *buf, size_t cap, const char *product, const lb_manifest_entry_t *e,
                      size_t n);

#endif
