/* ECDSA P-256 signature check for images, with mbedTLS.
 *
 * The smallest path through mbedTLS: the key is accepted only as the fixed
 * DER SubjectPublicKeyInfo of an uncompressed P-256 point (so no PK/ASN.1
 * parser is linked), and the DER signature is split into r and s here (so
 * imgtool's trailing zero padding is tolerated without asn1parse). */
#include <string.h>

#include "image_sig.h"
#include "lb/err.h"
#include "lb/image.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

/* SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID prime256v1 }, BIT STRING
 * (0 unused bits) 0x04 X Y }: everything before the 65-byte point. */
static const uint8_t lb_p256_spki_prefix[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};
_Static_assert(sizeof(lb_p256_spki_prefix) + 65 == LB_IMAGE_KEY_DER_SIZE, "P-256 SPKI size");

/* Reads one DER INTEGER at sig[*off] (bounded by end) as a positive value of
 * at most 32 bytes. Returns 0 and sets *val and *val_len, or LB_E_SIG. */
static int der_uint(const uint8_t *sig, size_t end, size_t *off, const uint8_t **val,
                    size_t *val_len)
{
    size_t o = *off;
    if (end - o < 2 || sig[o] != 0x02) {
        return LB_E_SIG;
    }
    size_t n = sig[o + 1];
    o += 2;
    if (n == 0 || n > 33 || n > end - o) {
        return LB_E_SIG;
    }
    const uint8_t *p = sig + o;
    if (p[0] & 0x80) {
        return LB_E_SIG; /* negative */
    }
    if (p[0] == 0 && n > 1) {
        if (!(p[1] & 0x80)) {
            return LB_E_SIG; /* non-minimal encoding */
        }
        p++;
        n--;
    }
    if (n > 32) {
        return LB_E_SIG;
    }
    *val = p;
    *val_len = n;
    *off = o + (size_t)sig[o - 1];
    return 0;
}

/* Splits a DER ECDSA-Sig-Value; bytes after it must all be zero (imgtool's
 * padding). Returns 0 or LB_E_SIG. */
static int der_sig_split(const uint8_t *sig, size_t sig_len, const uint8_t **r, size_t *r_len,
                         const uint8_t **s, size_t *s_len)
{
    if (sig_len < 2 || sig[0] != 0x30 || sig[1] >= 0x80 || (size_t)sig[1] > sig_len - 2) {
        return LB_E_SIG;
    }
    size_t end = 2u + sig[1];
    size_t off = 2;
    if (der_uint(sig, end, &off, r, r_len) != 0 || der_uint(sig, end, &off, s, s_len) != 0 ||
        off != end) {
        return LB_E_SIG;
    }
    for (size_t i = end; i < sig_len; i++) {
        if (sig[i] != 0) {
            return LB_E_SIG;
        }
    }
    return 0;
}

const bool lb_image_sig_supported = true;

int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len)
{
    if (key_der == NULL || key_len != LB_IMAGE_KEY_DER_SIZE ||
        memcmp(key_der, lb_p256_spki_prefix, sizeof(lb_p256_spki_prefix)) != 0) {
        return LB_E_KEY;
    }
    const uint8_t *r_bin, *s_bin;
    size_t r_len, s_len;
    if (sig == NULL || der_sig_split(sig, sig_len, &r_bin, &r_len, &s_bin, &s_len) != 0) {
        return LB_E_SIG;
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
    const uint8_t *point = key_der + sizeof(lb_p256_spki_prefix);
    if (mbedtls_ecp_point_read_binary(&grp, &q, point, 65) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        rc = LB_E_KEY;
        goto out;
    }
    if (mbedtls_mpi_read_binary(&r, r_bin, r_len) != 0 ||
        mbedtls_mpi_read_binary(&s, s_bin, s_len) != 0) {
        goto out;
    }
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
