# Recovery networking (issue 5): the HTTP server, Digest authentication and
# their host tests/fuzzers. The firmware side (lwIP, the LAN9118 driver, the
# recovery app) is added further down as it lands.

# recovery/http and recovery/auth are portable C; the host tests and fuzz
# targets link them (the auth module hashes with libmbedcrypto on the host).
NET_HOST_SRCS := recovery/http/http.c recovery/auth/digest.c
HOSTTEST_SRCS += $(NET_HOST_SRCS)
HOST_CPPFLAGS += -Irecovery
# mk/tests.mk expands HOSTTEST_SRCS when it is read, before the fw-*.mk
# fragments: name our objects as extra prerequisites so $^ picks them up.
$(HOSTTEST_LIB): $(patsubst %.c,$(B)/host-san/%.o,$(NET_HOST_SRCS))
$(FUZZ_LIB): $(patsubst %.c,$(B)/fuzz/%.o,$(NET_HOST_SRCS))
# The CLI's push/status answer Digest challenges with the same helpers.
$(B)/tools/lifeboat: $(B)/host/recovery/auth/digest.o
