/* ECDSA P-256 signature check for images, with BearSSL (0.6): the firmware
 * default. P-256 only, on BearSSL's constant-time i31 big integers and its
 * dedicated P-256 code (br_ec_p256_m31), so no other curve's tables and no
 * heap are linked. The steps are FIPS 186-4 section 6.4.2; the framing (key
 * form, DER split) is shared with the mbedTLS backend
 * (lib/src/image_sig_der.c), and so is every answer (tests/image/
 * test_sig_backends.py compares the two over crafted and fuzzed inputs). */
#include <string.h>

#include "../image_sig.h"
#include "lb/err.h"

#include "inner.h" /* BearSSL's internal i31 API (build/deps/bearssl/src) */

/* BearSSL's dedicated P-256 code, compiled as part of this file instead of
 * linked from its own object: its entry-point table (br_ec_p256_m31) names
 * every operation, so linking that would also bring the multiplication by
 * the generator with its 1 KiB window of multiples of G. This verifier
 * multiplies G with the generic routine instead (about +17 % verify time
 * for -1.6 KB in the loader and in recovery, docs/DESIGN.md), calls the
 * operations it needs directly (one multiplication on the stack at a
 * time), and leaves the table unreferenced, so
 * gc-sections drops it and everything only it names. (Found through the
 * -isystem path, it is compiled as BearSSL's code: its own warnings.) */
#include "ec/ec_p256_m31.c"

/* br_i31_muladd_small shifts limbs up by one word in place, its only use
 * of memmove: compiled here too, with a loop that copies from the end
 * instead of the C library's general memmove (252 bytes of newlib's, in an
 * image whose flash budget is counted in tens of bytes). The volatile
 * store keeps compilers from turning the loop back into a memmove call;
 * it moves a few dozen bytes per call. */
static void *shift_up(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const unsigned char *s = src;
    while (n-- > 0) {
        d[n] = s[n];
    }
    return dst;
}
#define memmove shift_up
#include "int/i31_muladd.c"
#undef memmove

/* i31 words for a 256-bit value: BearSSL's header word plus 31-bit limbs. */
#define I31_WORDS ((256u + 61u) / 31u)

const bool lb_image_sig_supported = true;

/* True when `point` is an uncompressed point on P-256 with coordinates
 * below p (BearSSL's decoding checks both). Only called on refusal paths,
 * to tell a bad key from a bad signature as mbedTLS does. */
static bool point_on_curve(const uint8_t *point)
{
    p256_jacobian P;
    return p256_decode(&P, point, LB_IMAGE_SIG_POINT_SIZE) == 1;
}

/* P = k*point, one multiplication per call: not inlined, so that only one
 * multiplication's window is on the stack at a time (recovery's stack is
 * 4 KiB). Returns 1 when the point decoded (on the curve), else 0. */
__attribute__((noinline)) static uint32_t mul_point(p256_jacobian *P, const uint8_t *point,
                                                    const uint8_t k[LB_IMAGE_SIG_SCALAR_SIZE])
{
    uint32_t ok = p256_decode(P, point, LB_IMAGE_SIG_POINT_SIZE);
    p256_mul(P, k, LB_IMAGE_SIG_SCALAR_SIZE);
    return ok;
}

/* x = u2*Q + u1*G as an uncompressed point. Returns 1, or 0 when Q is not
 * on the curve or the sum is the point at infinity. p256_add cannot add a
 * point to itself (it reports t = 0 with a zero z): then the sum is the
 * double; a zero z with t = 1 is P + (-P), infinity. */
static uint32_t sum_of_products(uint8_t x[LB_IMAGE_SIG_POINT_SIZE], const uint8_t *q,
                                const uint8_t u2[LB_IMAGE_SIG_SCALAR_SIZE],
                                const uint8_t u1[LB_IMAGE_SIG_SCALAR_SIZE])
{
    p256_jacobian P, R;
    uint32_t ok = mul_point(&P, q, u2);
    ok &= mul_point(&R, P256_G, u1);
    uint32_t t = p256_add(&P, &R);
    reduce_final_f256(P.z);
    uint32_t z = 0;
    for (int i = 0; i < 9; i++) {
        z |= P.z[i];
    }
    z = EQ(z, 0);
    p256_double(&R);
    CCOPY(z & ~t, &P, &R, sizeof R);
    p256_to_affine(&P);
    p256_encode(x, &P);
    return ok & ~(z & t);
}

/* x = v mod n for a 32-byte big-endian v: every such v is below 2n (n >
 * 2^255), so one conditional subtraction reduces it. */
static void reduce_once(uint32_t *x, const uint8_t v[LB_IMAGE_SIG_SCALAR_SIZE], const uint32_t *n)
{
    br_i31_zero(x, n[0]);
    br_i31_decode(x, v, LB_IMAGE_SIG_SCALAR_SIZE);
    x[0] = n[0];
    br_i31_sub(x, n, br_i31_sub(x, n, 0) ^ 1);
}

int lb_image_sig_verify(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                        const uint8_t *sig, size_t sig_len)
{
    const uint8_t *point;
    uint8_t rs[2 * LB_IMAGE_SIG_SCALAR_SIZE];
    int err = lb_image_sig_unframe(key_der, key_len, sig, sig_len, &point, rs);
    if (err != 0) {
        return err;
    }

    const uint8_t *order = P256_N;
    size_t nlen = sizeof P256_N;
    uint32_t n[I31_WORDS], r[I31_WORDS], s[I31_WORDS], e[I31_WORDS], t1[I31_WORDS], t2[I31_WORDS];
    br_i31_decode(n, order, nlen);
    uint32_t n0i = br_i31_ninv31(n[1]);

    /* 1 <= r, s < n. */
    uint32_t ok = br_i31_decode_mod(r, rs, LB_IMAGE_SIG_SCALAR_SIZE, n);
    ok &= br_i31_decode_mod(s, rs + LB_IMAGE_SIG_SCALAR_SIZE, LB_IMAGE_SIG_SCALAR_SIZE, n);
    if (!ok || br_i31_iszero(r) || br_i31_iszero(s)) {
        return point_on_curve(point) ? LB_E_SIG : LB_E_KEY;
    }

    /* w = R/s: s/R raised to n-2 (Fermat; n is prime), so that one
     * Montgomery product with w gives x/s in normal form. The order's last
     * byte is 0x51, so n-2 needs no borrow. */
    uint8_t nm2[LB_IMAGE_SIG_SCALAR_SIZE];
    memcpy(nm2, order, sizeof nm2);
    nm2[sizeof nm2 - 1] -= 2;
    br_i31_from_monty(s, n, n0i);
    br_i31_modpow(s, nm2, sizeof nm2, n, n0i, t1, t2);

    /* u1 = e/s (e is the whole 256-bit digest, reduced mod n), u2 = r/s. */
    uint8_t u1[LB_IMAGE_SIG_SCALAR_SIZE], u2[LB_IMAGE_SIG_SCALAR_SIZE];
    reduce_once(e, hash, n);
    br_i31_montymul(t1, e, s, n, n0i);
    br_i31_encode(u1, sizeof u1, t1);
    br_i31_montymul(t1, r, s, n, n0i);
    br_i31_encode(u2, sizeof u2, t1);

    /* X = u2*Q + u1*G (G by the generic multiplication); fails for an
     * invalid Q or X at infinity. */
    uint8_t x[LB_IMAGE_SIG_POINT_SIZE];
    if (sum_of_products(x, point, u2, u1) != 1) {
        return point_on_curve(point) ? LB_E_SIG : LB_E_KEY;
    }

    /* v = X.x mod n. */
    reduce_once(t1, x + 1, n);
    /* v == r: v - r is zero without a borrow. */
    uint32_t borrow = br_i31_sub(t1, r, 1);
    return (borrow == 0 && br_i31_iszero(t1)) ? 0 : LB_E_SIG;
}
