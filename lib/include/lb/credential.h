/* The recovery image's per-device credential: who may change the device
 * over the network (HTTP Digest, docs/recovery.md). Kept as a small log of
 * fixed-size records in a layout partition of type `data` named
 * `credential` (at least two erase units); the newest valid record wins,
 * so a power cut while a new one is written leaves the previous one in
 * force. A device without a valid record uses the credential of its
 * layout (recovery.auth). Only the hash HA1 = SHA-256("user:realm:password")
 * is stored. Format: docs/SPEC.md, "Recovery credential".
 *
 * Users: the recovery image (reads it at start, writes it on an
 * authenticated POST /api/credential), `lifeboat mkflash --cred-*` (the
 * factory's first record), the tests. */
#ifndef LB_CREDENTIAL_H
#define LB_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "lb/flash.h"

#define LB_CRED_MAGIC 0x5243424Cu /* "LBCR": bytes 4C 42 43 52 */
#define LB_CRED_VERSION 1u
#define LB_CRED_RECORD_SIZE 128u /* encoded record; a log slot is this rounded up */
#define LB_CRED_NAME_MAX 32u     /* user and realm: 1..32 bytes */
#define LB_CRED_HA1_SIZE 32u

/* A decoded credential. user and realm are NUL-terminated, 1..32 bytes of
 * printable ASCII other than '"' and '\' (they are quoted in challenges). */
typedef struct {
    uint32_t seq; /* sequence number of the record it came from */
    char user[LB_CRED_NAME_MAX + 1];
    char realm[LB_CRED_NAME_MAX + 1];
    uint8_t ha1[LB_CRED_HA1_SIZE];
} lb_cred_t;

/* True when `s` (NUL-terminated) is a valid user or realm name. */
int lb_cred_name_ok(const char *s);

/* Encodes `c` (with c->seq) into buf, padded with `erased` up to `cap`
 * bytes (cap >= LB_CRED_RECORD_SIZE). Returns LB_CRED_RECORD_SIZE,
 * LB_E_NOSPACE or LB_E_INVAL (a name that is empty, too long or has a
 * character it may not have). */
int lb_cred_encode(const lb_cred_t *c, uint8_t *buf, size_t cap, uint8_t erased);

/* Decodes one untrusted record. Returns 0, LB_E_SIZE, LB_E_MAGIC,
 * LB_E_VERSION or LB_E_CORRUPT (CRC, reserved bytes, a bad name). */
int lb_cred_decode(lb_cred_t *c, const uint8_t *buf, size_t len);

/* Finds the newest valid record in the area. Returns 0 (found, in *out),
 * LB_E_NOTFOUND (none: use the layout's credential), LB_E_INVAL (the area
 * has fewer than two erase units, or a unit smaller than a record) or a
 * read error. */
int lb_cred_load(const lb_flash_area_t *fa, lb_cred_t *out);

/* Makes `c` the credential in force: appends it with the next sequence
 * number (one program; when the unit of the newest record is full, one
 * erase of the next unit first, the old unit untouched). On success c->seq
 * is the number written. Returns 0, LB_E_INVAL (bad names or area),
 * LB_E_NOSPACE (sequence exhausted) or a flash error (the previous record
 * stays in force). */
int lb_cred_store(const lb_flash_area_t *fa, lb_cred_t *c);

/* ---- a change over the network ---------------------------------------------
 * POST /api/credential carries the new HA1 sealed, never in the clear (it
 * is a password equivalent): encrypted and authenticated under a key only
 * the client that knows the current credential and the device share, and
 * bound to the Digest nonce and cnonce of the very request that carries
 * it (the nonce is single-use, so a key never repeats). docs/SPEC.md,
 * "Sealed credential":
 *
 *   K      = HMAC-SHA-256(current HA1, "lifeboat credential v1" 00 nonce 00 cnonce)
 *   sealed = new HA1 XOR HMAC-SHA-256(K, "enc")                     (32 bytes)
 *   tag    = HMAC-SHA-256(K, "mac" user 00 realm 00 sealed)          (32 bytes)
 *
 * The body is `user=NAME&realm=NAME&sealed=HEX` with HEX the 128 hex digits
 * of sealed || tag (recovery/auth/cred_form.h). */
#define LB_CRED_SEALED_SIZE 64u

/* Seals c->ha1 for c->user and c->realm under the current HA1 and the
 * request's nonce and cnonce. Returns 0, LB_E_INVAL (a bad name) or
 * LB_E_HASH. */
int lb_cred_seal(const uint8_t cur_ha1[LB_CRED_HA1_SIZE], const char *nonce, const char *cnonce,
                 const lb_cred_t *c, uint8_t out[LB_CRED_SEALED_SIZE]);

/* Opens a sealed HA1 (untrusted) for c->user and c->realm into c->ha1.
 * Returns 0, LB_E_AUTH (the tag does not hold: another current
 * credential, nonce, names or altered bytes; c->ha1 is left zero),
 * LB_E_INVAL (a bad name) or LB_E_HASH. */
int lb_cred_unseal(const uint8_t cur_ha1[LB_CRED_HA1_SIZE], const char *nonce, const char *cnonce,
                   lb_cred_t *c, const uint8_t in[LB_CRED_SEALED_SIZE]);

#endif
