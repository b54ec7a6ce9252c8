/* Signing keys for the host CLI and the tests: ECDSA P-256 with mbedTLS
 * (Debian's libmbedcrypto). Keys are PEM files: the private key as written
 * by `lifeboat keygen` (or imgtool / openssl, SEC1 or PKCS#8), the public key
 * as a SubjectPublicKeyInfo. */
#ifndef LB_TOOL_KEYS_H
#define LB_TOOL_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lb_key lb_key_t;

/* Generates a fresh P-256 key pair (ctr_drbg seeded from the system
 * entropy source). Returns 0 and sets *out, or a negative LB_E_* code. */
int lb_key_generate(lb_key_t **out);

/* Loads a PEM or DER key file, private or public; only P-256 keys are
 * accepted. Returns 0 and sets *out, LB_E_IO (unreadable), LB_E_KEY (not a
 * P-256 key) or LB_E_INVAL. */
int lb_key_load(const char *path, lb_key_t **out);

/* Parses a P-256 private key held in memory (PEM, NUL-terminated, or
 * DER). Returns 0 and sets *out, LB_E_KEY (not a P-256 private key) or
 * LB_E_INVAL. */
int lb_key_parse(const char *pem, lb_key_t **out);

/* True when `pk` (an mbedtls_pk_context) holds an ECDSA P-256 key: the
 * one kind lifeboat signs with and its app's TLS pins. */
struct mbedtls_pk_context;
bool lb_key_pk_is_p256(const struct mbedtls_pk_context *pk);

/* Returns true when the key holds a private part (can sign). */
bool lb_key_is_private(const lb_key_t *k);

/* Writes the DER SubjectPublicKeyInfo to der (capacity cap). Returns its
 * length, or a negative LB_E_* code. */
int lb_key_public_der(const lb_key_t *k, uint8_t *der, size_t cap);

/* lb_key_load for a command: returns 0, or -1 with "lifeboat CMD: PATH:
 * why" printed (unreadable, or not a P-256 key). */
int lb_key_file_load(const char *cmd, const char *path, lb_key_t **out);

/* The DER SubjectPublicKeyInfo of the key in file `path` (private or
 * public, PEM or DER) into der (capacity cap): what a verifier trusts.
 * Returns its length, or -1 with "lifeboat CMD: PATH: why" printed. */
int lb_key_file_public_der(const char *cmd, const char *path, uint8_t *der, size_t cap);

/* Writes the private (SEC1) or public key as NUL-terminated PEM. Returns 0
 * or a negative LB_E_* code. */
int lb_key_private_pem(const lb_key_t *k, char *pem, size_t cap);
int lb_key_public_pem(const lb_key_t *k, char *pem, size_t cap);

/* lb_image_sign_cb_t for a private lb_key_t passed as `arg`: DER ECDSA
 * signature of the digest. Returns the length or a negative LB_E_* code. */
int lb_key_sign_cb(void *arg, const uint8_t hash[32], uint8_t *sig, size_t cap);

void lb_key_free(lb_key_t *k);

#endif
