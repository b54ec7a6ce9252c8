# lib/: code shared by the loader, the recovery image, apps and host tools.
# Every file in lib/src is portable C11 (stdint/stddef/string only) so it
# compiles for the firmware as well as the host.
#
# The image verifier's signature backend is one file of lib/src/sig/, picked
# by the build (lib/src/image_sig.h): LIB_SIG_SRC_<backend> for bearssl,
# mbedtls and none (hash-only). Host builds (the CLI, unit tests, fuzzers)
# use mbedTLS (Debian's libmbedcrypto), so LIB_SRCS carries that backend;
# firmware builds start from LIB_CORE_SRCS and add their own.
LIB_CORE_SRCS := $(wildcard lib/src/*.c)
LIB_SIG_SRC_bearssl := lib/src/sig/image_sig_bearssl.c
LIB_SIG_SRC_mbedtls := lib/src/sig/image_sig_mbedtls.c
LIB_SIG_SRC_none := lib/src/sig/image_sig_none.c
LIB_SRCS := $(LIB_CORE_SRCS) $(LIB_SIG_SRC_mbedtls)
