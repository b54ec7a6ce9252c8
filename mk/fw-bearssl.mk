# BearSSL 0.6 (fetched into build/deps/bearssl by scripts/deps.sh, never
# committed): only what the P-256 verify of lib/src/sig/image_sig_bearssl.c
# needs. Its dedicated P-256 code and the i31 big-integer routines; no other
# curve, no hash, no TLS, no heap. Used by the firmware (the default
# signature backend, SIG_BACKEND=bearssl) and by host builds that test the
# backend (the differential test, the fuzzer, the host firmware verifier).
#
#   sources  $(FW_SIG_SRCS_bearssl)   (lib's backend file + BearSSL's)
#   flags    $(FW_BEARSSL_CFLAGS)
#
# BearSSL's own files compile with FW_BEARSSL_WARN (third-party code; its
# headers come in through -isystem so the project's -Wundef set stays on
# for our file that includes them).

ifndef FW_BEARSSL_MK
FW_BEARSSL_MK := 1

FW_BEARSSL_DIR := $(B)/deps/bearssl
FW_BEARSSL_CFLAGS := -isystem $(FW_BEARSSL_DIR)/inc -isystem $(FW_BEARSSL_DIR)/src
FW_BEARSSL_WARN := -Wall
# ec_p256_m31.c and i31_muladd.c are compiled inside
# lib/src/sig/image_sig_bearssl.c (see there).
FW_BEARSSL_SRCS := $(FW_BEARSSL_DIR)/src/codec/ccopy.c \
  $(addprefix $(FW_BEARSSL_DIR)/src/int/,i31_add.c i31_bitlen.c i31_decmod.c i31_decode.c \
    i31_encode.c i31_fmont.c i31_iszero.c i31_modpow.c i31_montmul.c i31_ninv31.c \
    i31_sub.c i31_tmont.c i32_div32.c)
FW_SIG_SRCS_bearssl := $(LIB_SIG_SRC_bearssl) $(FW_BEARSSL_SRCS)

endif
