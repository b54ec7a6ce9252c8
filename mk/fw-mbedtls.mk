# mbedTLS 2.28.3 for firmware (arm-none-eabi), verify-only, from the fetched
# sources in build/deps/mbedtls (never committed). Configuration:
# lib/mbedtls/lb_mbedtls_config.h. Use from a firmware fragment:
#
#   hash-only image verification (boot.verify: hash):
#     sources  $(FW_LIB_SRCS_HASH) $(FW_MBEDTLS_SRCS_HASH)
#   ECDSA P-256 verification (boot.verify: signature, the recovery image):
#     sources  $(FW_LIB_SRCS_SIG) $(FW_MBEDTLS_SRCS_SIG)
#   flags      $(FW_MBEDTLS_CFLAGS)   (include path + MBEDTLS_CONFIG_FILE)
#
# FW_MBEDTLS_SRCS is the signature set (what lib/src/*.c as a whole needs).
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
FW_MBEDTLS_SRCS_SIG := $(FW_MBEDTLS_SRCS_HASH) \
  $(addprefix $(FW_MBEDTLS_LIB)/,bignum.c ecp.c ecp_curves.c ecdsa.c asn1parse.c asn1write.c \
    platform.c constant_time.c) \
  lib/mbedtls/lb_mbedtls_alloc.c
FW_MBEDTLS_SRCS := $(FW_MBEDTLS_SRCS_SIG)

# lib/ with the signature seam chosen: image_sig.c (mbedTLS ECDSA) or the
# hash-only stand-in that refuses signature checks and links no bignum code.
FW_LIB_SRCS_SIG := $(LIB_SRCS)
FW_LIB_SRCS_HASH := $(filter-out lib/src/image_sig.c,$(LIB_SRCS)) lib/src/nosig/image_sig_none.c

endif
