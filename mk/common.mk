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
# Libraries the host CLI and the host tests link (Debian packages; zlib is
# the reference DEFLATE encoder the inflater is tested and fuzzed against).
HOST_LIBS := -lyaml -lmbedx509 -lmbedcrypto -lz

# Quiet by default, as kbuild and Zephyr: one line per step ("  CC  file");
# `make V=1` prints every command in full.
V ?= 0
ifeq ($(V),1)
Q :=
quiet =
else
Q := @
quiet = @printf '  %-4s %s\n' '$(1)' '$@'
endif

# All C sources, for clang-format (fragments append).
FORMAT_SRCS = $(filter-out tests/gen/golden/%,$(shell git ls-files '*.c' '*.h' 2>/dev/null))

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(HOST_CC) $(HOST_CPPFLAGS) $(HOST_CFLAGS) -c $< -o $@

$(B)/host-san/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(HOST_CC) $(HOST_CPPFLAGS) $(HOST_CFLAGS) $(SAN_FLAGS) -O1 -c $< -o $@

$(B)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(CLANG) $(HOST_CPPFLAGS) -std=c11 -g -O1 $(WARN) -MMD -MP $(FUZZ_FLAGS) -c $< -o $@

# A pytest suite reported through its JUnit XML: $(call pytest_suite,NAME,DIR[,ENV])
# writes $(B)/test-results/NAME.summary ("N passed, M failed") and fails
# when pytest or the summary does.
define pytest_suite
	@mkdir -p $(B)/test-results
	@$(3) /usr/bin/python3 -m pytest -q -p no:cacheprovider $(2) \
	  --junitxml=$(B)/test-results/$(1).xml > $(B)/test-results/$(1).pytest.txt 2>&1; rc=$$?; \
	  tail -n 15 $(B)/test-results/$(1).pytest.txt; \
	  /usr/bin/python3 tests/image/junit_summary.py $(B)/test-results/$(1).xml \
	    > $(B)/test-results/$(1).summary || rc=1; \
	  cat $(B)/test-results/$(1).summary; exit $$rc
endef
