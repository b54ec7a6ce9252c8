/* ECDSA P-256 signature check for images, with mbedTLS: the host tool's
 * backend and a firmware alternative to image_sig_bearssl.c. Framing (key
 * form, DER split) is shared: lib/src/image_sig_der.c. */
#include "../image_sig.h"
#include "lb/err.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

const bool lb_image_sig_supported = true;

int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len)
{
    const uint8_t *point;
    uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE];
    int err = lb_image_sig_unframe(key_der, key_len, sig, sig_len, &point, rs);
    if (err != 0) {
        return err;
    }

    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = LB_E_SIG;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        goto out;
    }
    if (mbedtls_ecp_point_read_binary(&grp, &q, point, LB_IMAGE_SIG_POINT_SIZE) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        rc = LB_E_KEY;
        goto out;
    }
    if (mbedtls_mpi_read_binary(&r, rs, LB_IMAGE_SIG_SCALAR_SIZE) != 0 ||
        mbedtls_mpi_read_binary(&s, rs + LB_IMAGE_SIG_SCALAR_SIZE, LB_IMAGE_SIG_SCALAR_SIZE) != 0) {
        goto out;
    }
    /* Refuses r or s outside [1, n-1] and a result at infinity. */
    if (mbedtls_ecdsa_verify(&grp, hash, 32, &q, &r, &s) == 0) {
        rc = 0;
    }
out:
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}
