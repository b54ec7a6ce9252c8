/* mbedTLS 2.28 configuration for apps that fetch updates over https://
 * (app.pin set; lib/ota/tls.c). Replaces lb_mbedtls_config.h for every
 * mbedTLS file of such an app, so the whole image agrees on one config.
 *
 * One TLS 1.2 cipher suite, ECDHE-ECDSA-AES128-GCM-SHA256: the server
 * proves it holds the pinned P-256 key by signing the handshake; nothing
 * else is negotiated, so nothing else is linked (no RSA, no CBC, no
 * renegotiation, no session tickets, no time). The certificate is parsed
 * only to find its public key (x509), never validated against a chain:
 * the pin is the trust (docs/DESIGN.md, "HTTPS in the app").
 *
 * Memory: mbedtls_calloc/free go to the static arena of
 * lib/mbedtls/lb_mbedtls_alloc.c (LB_MBEDTLS_HEAP_SIZE, set by the build
 * for these apps). The receive buffer takes a whole 16 KiB record: a
 * server need not honour the max_fragment_length extension (nginx over
 * OpenSSL does; many CDNs do not), so asking for smaller records would
 * make some servers unreachable. The client's own records are small. */
#ifndef LB_MBEDTLS_TLS_CONFIG_H
#define LB_MBEDTLS_TLS_CONFIG_H

#include "lb_mbedtls_platform.h"
/* x509's text dumps name snprintf; nothing here calls them (gc'd). */
#include <stdio.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf

/* Hash, the image verifier's too. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_MD_C

/* P-256: ECDHE, the server's handshake signature, and the image verifier
 * (the app's signature backend is mbedTLS here: one ECC implementation). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_MPI_WINDOW_SIZE 1
#define MBEDTLS_MPI_MAX_SIZE 64
/* The handshake's ECC in slices (mbedtls_ecp_set_max_ops): the main loop
 * never waits for a whole scalar multiplication. */
#define MBEDTLS_ECP_RESTARTABLE
#define MBEDTLS_ECDH_LEGACY_CONTEXT

/* The record cipher. */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C

/* The session's random numbers: HMAC_DRBG seeded from lib's entropy seed. */
#define MBEDTLS_HMAC_DRBG_C

/* The server's certificate, parsed for its public key. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* TLS 1.2 client. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 1024

#include "mbedtls/check_config.h"

#endif
