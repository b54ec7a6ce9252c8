/* HMAC-SHA-256 (RFC 2104) over mbedTLS's SHA-256, incremental, for the
 * secrets lib/ and the images derive: the recovery image's nonce tags, the
 * sealed credential (lb/credential.h) and the entropy seed (lb/seed.h).
 * One implementation, so the device and the host tool cannot disagree. */
#ifndef LB_HMAC_H
#define LB_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

#define LB_HMAC_SIZE 32u

typedef struct {
    mbedtls_sha256_context sha;
    uint8_t opad[64]; /* key ^ 0x5c, for the outer hash */
} lb_hmac_t;

/* Starts an HMAC under `key` (`klen` <= 64 bytes: longer keys are a caller
 * bug and are refused). Returns 0 or LB_E_INVAL / LB_E_HASH. */
int lb_hmac_start(lb_hmac_t *h, const void *key, size_t klen);

/* Adds `len` bytes. Returns 0 or LB_E_HASH. */
int lb_hmac_update(lb_hmac_t *h, const void *data, size_t len);

/* Writes the 32-byte MAC and wipes the context. Returns 0 or LB_E_HASH. */
int lb_hmac_finish(lb_hmac_t *h, uint8_t out[LB_HMAC_SIZE]);

/* One-shot: MAC of `len` bytes under `key`. Returns as above. */
int lb_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                   uint8_t out[LB_HMAC_SIZE]);

/* 1 when the n bytes at a and b are equal, 0 otherwise, in time that does
 * not depend on where they differ. */
int lb_ct_equal(const void *a, const void *b, size_t n);

#endif
