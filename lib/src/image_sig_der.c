/* Key and signature framing shared by the ECDSA backends (lib/src/sig/).
 *
 * Keys are accepted only as the fixed DER SubjectPublicKeyInfo of an
 * uncompressed P-256 point, so no PK/ASN.1 parser is linked; the DER
 * signature is split here, so imgtool's trailing zero padding is tolerated
 * and both backends see exactly the same r and s. */
#include <string.h>

#include "image_sig.h"
#include "lb/err.h"
#include "lb/image.h"

/* SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID prime256v1 }, BIT STRING
 * (0 unused bits) 0x04 X Y }: everything before the 65-byte point. */
static const uint8_t lb_p256_spki_prefix[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};
_Static_assert(sizeof(lb_p256_spki_prefix) + LB_IMAGE_SIG_POINT_SIZE == LB_IMAGE_KEY_DER_SIZE,
               "P-256 SPKI size");

const uint8_t *lb_image_sig_key_point(const uint8_t *key_der, size_t key_len)
{
    if (key_der == NULL || key_len != LB_IMAGE_KEY_DER_SIZE ||
        memcmp(key_der, lb_p256_spki_prefix, sizeof(lb_p256_spki_prefix)) != 0) {
        return NULL;
    }
    return key_der + sizeof(lb_p256_spki_prefix);
}

/* Reads one DER INTEGER at sig[*off] (bounded by end) as a positive value of
 * at most 32 bytes into out (left-padded). Returns 0 or LB_E_SIG. */
static int der_uint(const uint8_t *sig, size_t end, size_t *off,
                    uint8_t out[LB_IMAGE_SIG_SCALAR_SIZE])
{
    size_t o = *off;
    if (end - o < 2 || sig[o] != 0x02) {
        return LB_E_SIG;
    }
    size_t n = sig[o + 1];
    o += 2;
    if (n == 0 || n > LB_IMAGE_SIG_SCALAR_SIZE + 1 || n > end - o) {
        return LB_E_SIG;
    }
    const uint8_t *p = sig + o;
    *off = o + n;
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
    if (n > LB_IMAGE_SIG_SCALAR_SIZE) {
        return LB_E_SIG;
    }
    memset(out, 0, LB_IMAGE_SIG_SCALAR_SIZE - n);
    memcpy(out + LB_IMAGE_SIG_SCALAR_SIZE - n, p, n);
    return 0;
}

int lb_image_sig_der_split(const uint8_t *sig, size_t sig_len,
                           uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE])
{
    if (sig == NULL || sig_len < 2 || sig[0] != 0x30 || sig[1] >= 0x80 ||
        (size_t)sig[1] > sig_len - 2) {
        return LB_E_SIG;
    }
    size_t end = 2u + sig[1];
    size_t off = 2;
    if (der_uint(sig, end, &off, rs) != 0 ||
        der_uint(sig, end, &off, rs + LB_IMAGE_SIG_SCALAR_SIZE) != 0 || off != end) {
        return LB_E_SIG;
    }
    for (size_t i = end; i < sig_len; i++) {
        if (sig[i] != 0) {
            return LB_E_SIG;
        }
    }
    return 0;
}

int lb_image_sig_unframe(const uint8_t *key_der, size_t key_len, const uint8_t *sig, size_t sig_len,
                         const uint8_t **point, uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE])
{
    *point = lb_image_sig_key_point(key_der, key_len);
    if (*point == NULL) {
        return LB_E_KEY;
    }
    return lb_image_sig_der_split(sig, sig_len, rs) != 0 ? LB_E_SIG : 0;
}
