/* mbedTLS 2.28 configuration for lifeboat firmware: verification only.
 *
 * Hash mode links sha256.c + platform_util.c; signature mode adds ECDSA
 * P-256 verification (bignum, ecp for secp256r1, ecdsa). Nothing here
 * signs, generates keys, parses X.509/PEM or needs an RNG: the public key
 * is a fixed-form P-256 SubjectPublicKeyInfo (lib/src/image_sig_der.c), so
 * pk/asn1 parsing of keys is not linked either. Selected with
 * -DMBEDTLS_CONFIG_FILE='"lb_mbedtls_config.h"' (mk/fw-mbedtls.mk).
 *
 * Memory: bignum allocates; mbedtls_calloc/free are routed to a static
 * arena (lib/mbedtls/lb_mbedtls_alloc.c), so firmware has no libc heap. */
#ifndef LB_MBEDTLS_CONFIG_H
#define LB_MBEDTLS_CONFIG_H

/* Platform: no libc heap, no stdio, no time, no entropy. */
#include "lb_mbedtls_platform.h"

/* Hash. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

/* ECDSA P-256 verification. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
/* Fast reduction modulo the P-256 prime instead of a generic division
 * after every field multiplication: one verify on the Cortex-M3 goes from
 * 174 M to 33 M instructions for +0.8 KB (docs/DESIGN.md, "The emulated board"). */
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_NO_INTERNAL_RNG /* verify needs no blinding RNG */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C /* required by ECDSA_C; unused code is gc'd */
#define MBEDTLS_ASN1_WRITE_C

/* Small tables and buffers: code size and RAM over speed. A comb window
 * of 4 would verify in 29 M instead of 33 M instructions for +0.7 KB; a
 * fixed-point table for G only pays off when one group verifies many
 * signatures (the loader verifies one). */
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_MPI_WINDOW_SIZE 1
#define MBEDTLS_MPI_MAX_SIZE 64

#include "mbedtls/check_config.h"

#endif
