/* Internal seam between the image verifier and the signature algorithm.
 *
 * One backend is linked per build, chosen by the build (never by #ifdef):
 *   lib/src/sig/image_sig_bearssl.c  ECDSA P-256 with BearSSL's i31 code
 *                                    (the firmware default: faster, smaller)
 *   lib/src/sig/image_sig_mbedtls.c  ECDSA P-256 with mbedTLS (the host tool,
 *                                    and a firmware alternative)
 *   lib/src/sig/image_sig_none.c     hash-only builds: no public-key code.
 * Both ECDSA backends read keys and signatures through the framing helpers
 * below (lib/src/image_sig_der.c), so they accept and refuse the same bytes
 * before any arithmetic runs. */
#ifndef LB_IMAGE_SIG_H
#define LB_IMAGE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True in builds that can check signatures. A constant, so that hash-only
 * builds (with link-time optimisation) drop the signature path entirely. */
extern const bool lb_image_sig_supported;

/* Checks `sig` (DER ECDSA-Sig-Value, possibly followed by zero padding)
 * over the SHA-256 digest `hash` with the DER SubjectPublicKeyInfo P-256
 * key `key_der`. Returns 0 when valid, LB_E_KEY when the key is not a P-256
 * key in that form or its point is not on the curve, LB_E_SIG when the
 * signature is malformed or invalid, LB_E_UNSUPPORTED in builds without
 * signature support. The key is judged before the signature's values: a
 * well-framed signature under an off-curve key is LB_E_KEY in every
 * backend. */
int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len);

/* Size of an uncompressed P-256 point (0x04 X Y) and of one scalar. */
#define LB_IMAGE_SIG_POINT_SIZE 65u
#define LB_IMAGE_SIG_SCALAR_SIZE 32u

/* The 65-byte point inside the fixed DER SubjectPublicKeyInfo of a P-256
 * key, or NULL when key_der is not exactly that form (the point itself is
 * not checked here). */
const uint8_t *lb_image_sig_key_point(const uint8_t *key_der, size_t key_len);

/* Splits a DER ECDSA-Sig-Value (positive, minimally encoded INTEGERs of at
 * most 32 bytes; anything after it must be zero: imgtool's padding) into
 * big-endian r and s, each left-padded to 32 bytes in rs[0..31], rs[32..63].
 * Returns 0 or LB_E_SIG. Values are not range-checked here. */
int lb_image_sig_der_split(const uint8_t *sig, size_t sig_len,
                           uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE]);

/* Both of the above, in the order every backend judges them: the key's
 * form (LB_E_KEY), then the signature's framing (LB_E_SIG). Returns 0 with
 * *point and rs set, or that error. */
int lb_image_sig_unframe(const uint8_t *key_der, size_t key_len, const uint8_t *sig, size_t sig_len,
                         const uint8_t **point, uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE]);

#endif
