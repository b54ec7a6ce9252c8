/* Internal seam between the image verifier and the signature algorithm.
 * lib/src/image_sig.c implements it with mbedTLS ECDSA P-256; builds that
 * verify hashes only link lib/src/nosig/image_sig_none.c instead, so they
 * carry no public-key code. */
#ifndef LB_IMAGE_SIG_H
#define LB_IMAGE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks `sig` (DER ECDSA-Sig-Value, possibly followed by zero padding)
 * over the SHA-256 digest `hash` with the DER SubjectPublicKeyInfo P-256
 * key `key_der`. Returns 0 when valid, LB_E_KEY when the key is not a P-256
 * key in that form, LB_E_SIG when the signature is malformed or invalid,
 * LB_E_UNSUPPORTED in builds without signature support. */
/* True in builds that can check signatures. A constant, so that hash-only
 * builds (with link-time optimisation) drop the signature path entirely. */
extern const bool lb_image_sig_supported;

int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len);

#endif
