/* What the recovery image shows: the status JSON (GET /api/status) and
 * the upload page (GET /). */
#ifndef LB_RECOVERY_STATUS_H
#define LB_RECOVERY_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* Writes the status document into buf. Returns its length, or 0 when it
 * did not fit (the server then answers 500). */
size_t lb_status_json(char *buf, size_t cap);

/* Records what this boot's nonce key was drawn from (LB_SEED_F_* bits of
 * lb/seed.h), shown as "entropy" in the status document. */
void lb_status_set_entropy(int flags);

/* The upload page (static, in the image), gzip-compressed (serve it with
 * Content-Encoding: gzip). Stores its length. */
const uint8_t *lb_status_page(size_t *len);

#endif
