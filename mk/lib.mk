# lib/: code shared by the loader, the recovery image, apps and host tools.
# Every file in lib/src is portable C11 (stdint/stddef/string only) so it
# compiles for the firmware as well as the host.
LIB_SRCS := $(wildcard lib/src/*.c)
