# Compilers and flags shared by every host build.
HOST_CC ?= cc
CLANG ?= clang

WARN := -Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes -Wstrict-prototypes \
        -Wpointer-arith -Wformat=2
HOST_CPPFLAGS := -Ilib/include -Itools/lifeboat -D_DEFAULT_SOURCE
# Function sections let the CLI drop lib/ code it never calls (see tools.mk).
HOST_CFLAGS := -std=c11 -O2 -g -ffunction-sections -fdata-sections $(WARN) -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
# Libraries the host CLI and the host tests link (Debian packages).
HOST_LIBS := -lyaml -lmbedcrypto

# All C sources, for clang-format (fragments append).
FORMAT_SRCS = $(filter-out tests/gen/golden/%,$(shell git ls-files '*.c' '*.h' 2>/dev/null))

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CPPFLAGS) $(HOST_CFLAGS) -c $< -o $@

$(B)/host-san/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CPPFLAGS) $(HOST_CFLAGS) $(SAN_FLAGS) -O1 -c $< -o $@

$(B)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(HOST_CPPFLAGS) -std=c11 -g -O1 $(WARN) -MMD -MP $(FUZZ_FLAGS) -c $< -o $@
