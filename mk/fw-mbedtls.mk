# mbedTLS 2.28.3 for firmware (arm-none-eabi), verify-only, from the fetched
# sources in build/deps/mbedtls (never committed). Configuration:
# lib/mbedtls/lb_mbedtls_config.h. Use from a firmware fragment:
#
#   SHA-256 (every image; lib/src/image.c, hmac.c):
#     sources  $(FW_MBEDTLS_SRCS_HASH)
#   the mbedTLS ECDSA backend (SIG_BACKEND=mbedtls):
#     sources  $(FW_SIG_SRCS_mbedtls)   (lib's backend file + bignum/ECP)
#   flags      $(FW_MBEDTLS_CFLAGS)   (include path + MBEDTLS_CONFIG_FILE)
#
# FW_SIG_SRCS_<backend> (this file, fw-bearssl.mk) is what a firmware image
# adds to LIB_CORE_SRCS and FW_MBEDTLS_SRCS_HASH for that backend.
# mbedTLS sources are compiled with FW_MBEDTLS_WARN instead of the project's
# -Werror set (third-party code; still warning-clean with these flags).

ifndef FW_MBEDTLS_MK
FW_MBEDTLS_MK := 1

FW_MBEDTLS_DIR := $(B)/deps/mbedtls
FW_MBEDTLS_LIB := $(FW_MBEDTLS_DIR)/library
FW_MBEDTLS_CFLAGS := -I$(FW_MBEDTLS_DIR)/include -Ilib/mbedtls \
  -DMBEDTLS_CONFIG_FILE='"lb_mbedtls_config.h"'
FW_MBEDTLS_WARN := -Wall -Wno-unused-function

FW_MBEDTLS_SRCS_HASH := $(FW_MBEDTLS_LIB)/sha256.c $(FW_MBEDTLS_LIB)/platform_util.c
FW_MBEDTLS_SRCS_ECDSA := \
  $(addprefix $(FW_MBEDTLS_LIB)/,bignum.c ecp.c ecp_curves.c ecdsa.c asn1parse.c asn1write.c \
    platform.c constant_time.c) \
  lib/mbedtls/lb_mbedtls_alloc.c

# The TLS 1.2 client of apps that fetch updates over https:// (app.pin;
# lib/ota/tls.c): compiled, with everything else mbedTLS of such an app,
# under FW_MBEDTLS_TLS_CFLAGS (lib/mbedtls/lb_mbedtls_tls_config.h).
FW_MBEDTLS_TLS_CFLAGS := -UMBEDTLS_CONFIG_FILE -DMBEDTLS_CONFIG_FILE='"lb_mbedtls_tls_config.h"'
FW_MBEDTLS_SRCS_TLS := \
  $(addprefix $(FW_MBEDTLS_LIB)/,ssl_cli.c ssl_tls.c ssl_msg.c ssl_ciphersuites.c x509.c x509_crt.c \
    pk.c pk_wrap.c pkparse.c oid.c ecdh.c aes.c gcm.c cipher.c cipher_wrap.c md.c hmac_drbg.c)

# Signature backends: lib's file and what it links beyond SHA-256. The
# hash-only stand-in refuses signature checks and links no bignum code.
FW_SIG_SRCS_mbedtls := $(LIB_SIG_SRC_mbedtls) $(FW_MBEDTLS_SRCS_ECDSA)
FW_SIG_SRCS_none := $(LIB_SIG_SRC_none)

endif
