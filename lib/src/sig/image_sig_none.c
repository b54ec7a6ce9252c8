/* Signature seam for hash-only builds (boot.verify: hash): there is no
 * public-key code, so any request to check a signature is refused. */
#include "../image_sig.h"
#include "lb/err.h"

const bool lb_image_sig_supported = false;

int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len)
{
    (void)key_der;
    (void)key_len;
    (void)hash;
    (void)sig;
    (void)sig_len;
    return LB_E_UNSUPPORTED;
}
