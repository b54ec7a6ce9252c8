# Image format (issue 3): the Cortex-M3 size probe and host timing of the
# verifier (bench-image), the firmware-config verifier built for the host,
# and the interop/CLI suite (test-image). Everything lands in build/image/.

# Fragments are included in name order; this one needs fw-mbedtls.mk's lists.
include mk/fw-mbedtls.mk

IMG := $(B)/image
IMG_FW_CC := arm-none-eabi-gcc
IMG_FW_ARCH := -mcpu=cortex-m3 -mthumb
IMG_FW_CFLAGS := $(IMG_FW_ARCH) -std=c11 -Os -ffunction-sections -fdata-sections -MMD -MP \
  -Ilib/include $(FW_MBEDTLS_CFLAGS) $(FW_BEARSSL_CFLAGS)
IMG_FW_LDFLAGS := $(IMG_FW_ARCH) --specs=nano.specs -nostartfiles -Wl,--gc-sections \
  -Wl,-e,lb_bench_entry

# Cortex-M3 objects, in two flavours: plain (m3) and link-time optimised
# (m3lto, what a size-tight loader should use). Project code under -Werror,
# mbedTLS under its own flags.
# lib/ sources of the verifier (image.c reads its header through record.c).
IMG_LIB_SRCS := lib/src/image.c lib/src/image_sig_der.c lib/src/record.c lib/src/crc32.c
IMG_FLAVOURS := m3 m3lto
IMG_FLAGS_m3 :=
IMG_FLAGS_m3lto := -flto
define img_m3_rules
$$(IMG)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(IMG_FW_CC) $$(IMG_FW_CFLAGS) $$(IMG_FLAGS_$(1)) $$(WARN) -c $$< -o $$@
$$(IMG)/$(1)/$$(FW_MBEDTLS_LIB)/%.o: $$(FW_MBEDTLS_LIB)/%.c
	@mkdir -p $$(@D)
	$$(IMG_FW_CC) $$(IMG_FW_CFLAGS) $$(IMG_FLAGS_$(1)) $$(FW_MBEDTLS_WARN) -c $$< -o $$@
$$(IMG)/$(1)/$$(FW_BEARSSL_DIR)/%.o: $$(FW_BEARSSL_DIR)/%.c
	@mkdir -p $$(@D)
	$$(IMG_FW_CC) $$(IMG_FW_CFLAGS) $$(IMG_FLAGS_$(1)) $$(FW_BEARSSL_WARN) -c $$< -o $$@
$$(IMG)/$(1)/probe-%.o: tests/bench/image_fw_size.c
	@mkdir -p $$(@D)
	$$(IMG_FW_CC) $$(IMG_FW_CFLAGS) $$(IMG_FLAGS_$(1)) $$(WARN) \
	  -DLB_BENCH_SIG=$$(if $$(filter sig,$$*),1,0) -c $$< -o $$@
IMG_$(1)_HASH_OBJS := $$(IMG)/$(1)/probe-hash.o $$(patsubst %.c,$$(IMG)/$(1)/%.o,\
  $$(IMG_LIB_SRCS) $$(FW_SIG_SRCS_none) $$(FW_MBEDTLS_SRCS_HASH))
IMG_$(1)_SIG_OBJS := $$(IMG)/$(1)/probe-sig.o $$(patsubst %.c,$$(IMG)/$(1)/%.o,\
  $$(IMG_LIB_SRCS) $$(FW_SIG_SRCS_mbedtls) $$(FW_MBEDTLS_SRCS_HASH))
IMG_$(1)_SIGB_OBJS := $$(IMG)/$(1)/probe-sig.o $$(patsubst %.c,$$(IMG)/$(1)/%.o,\
  $$(IMG_LIB_SRCS) $$(FW_SIG_SRCS_bearssl) $$(FW_MBEDTLS_SRCS_HASH))
$$(IMG)/$(1)-verify-sig-bearssl.elf: $$(IMG_$(1)_SIGB_OBJS)
	$$(IMG_FW_CC) $$(IMG_FW_LDFLAGS) -Os $$(IMG_FLAGS_$(1)) -Wl,-Map,$$@.map -o $$@ $$^
$$(IMG)/$(1)-verify-hash.elf: $$(IMG_$(1)_HASH_OBJS)
	$$(IMG_FW_CC) $$(IMG_FW_LDFLAGS) -Os $$(IMG_FLAGS_$(1)) -Wl,-Map,$$@.map -o $$@ $$^
$$(IMG)/$(1)-verify-sig.elf: $$(IMG_$(1)_SIG_OBJS)
	$$(IMG_FW_CC) $$(IMG_FW_LDFLAGS) -Os $$(IMG_FLAGS_$(1)) -Wl,-Map,$$@.map -o $$@ $$^
endef
$(foreach f,$(IMG_FLAVOURS),$(eval $(call img_m3_rules,$(f))))
IMG_ELFS := $(foreach f,$(IMG_FLAVOURS),$(IMG)/$(f)-verify-hash.elf $(IMG)/$(f)-verify-sig.elf \
  $(IMG)/$(f)-verify-sig-bearssl.elf)

# Host builds of lib's verifier as the firmware builds it, one per signature
# backend: image_fwverify (mbedTLS, firmware configuration and arena) and
# image_fwverify-bearssl; tests/bench/fwverify_heap_<mbedtls|none>.c say what
# the backend allocated.
IMG_FWH_SRCS := tests/bench/image_fwverify.c $(IMG_LIB_SRCS) $(FW_MBEDTLS_SRCS_HASH)
$(IMG)/fwh/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(HOST_CC) -std=c11 -O2 -g -MMD -MP -D_DEFAULT_SOURCE -Ilib/include $(FW_MBEDTLS_CFLAGS) \
	  $(FW_BEARSSL_CFLAGS) $(if $(findstring deps/mbedtls,$<),$(FW_MBEDTLS_WARN),\
	  $(if $(findstring deps/bearssl,$<),$(FW_BEARSSL_WARN),$(WARN))) -c $< -o $@
$(IMG)/image_fwverify: $(patsubst %.c,$(IMG)/fwh/%.o,$(IMG_FWH_SRCS) $(FW_SIG_SRCS_mbedtls) \
  tests/bench/fwverify_heap_mbedtls.c)
	$(call quiet,LD)
	$(Q)$(HOST_CC) -o $@ $^
$(IMG)/image_fwverify-bearssl: $(patsubst %.c,$(IMG)/fwh/%.o,$(IMG_FWH_SRCS) $(FW_SIG_SRCS_bearssl) \
  tests/bench/fwverify_heap_none.c)
	$(call quiet,LD)
	$(Q)$(HOST_CC) -o $@ $^

# Host timing with the CLI's flavour (Debian libmbedcrypto, -O2).
$(IMG)/bench_image: $(B)/host/tests/bench/bench_image.o \
  $(patsubst %.c,$(B)/host/%.o,$(LIB_SRCS) tools/lifeboat/keys.c)
	$(call quiet,LD)
	$(Q)$(HOST_CC) -Wl,--gc-sections -o $@ $^ $(HOST_LIBS)

.PHONY: bench-image test-image
bench-image: $(IMG_ELFS) $(IMG)/bench_image $(IMG)/image_fwverify $(IMG)/image_fwverify-bearssl ## image verifier: Cortex-M3 size, 1 MiB host verify time
	@set -e; \
	h=$$(/usr/bin/python3 tests/bench/fw_size.py $(IMG)/m3-verify-hash.elf.map); \
	s=$$(/usr/bin/python3 tests/bench/fw_size.py $(IMG)/m3-verify-sig.elf.map); \
	b=$$(/usr/bin/python3 tests/bench/fw_size.py $(IMG)/m3-verify-sig-bearssl.elf.map); \
	blto=$$(arm-none-eabi-size $(IMG)/m3lto-verify-sig-bearssl.elf | awk 'NR==2{print $$1+$$2}'); \
	hlto=$$(arm-none-eabi-size $(IMG)/m3lto-verify-hash.elf | awk 'NR==2{print $$1+$$2}'); \
	slto=$$(arm-none-eabi-size $(IMG)/m3lto-verify-sig.elf | awk 'NR==2{print $$1+$$2}'); \
	t=$$($(IMG)/bench_image $(IMG)/bench-1m.bin $(IMG)/bench-key.der); \
	fh=$$($(IMG)/image_fwverify $(IMG)/bench-1m.bin $(IMG)/bench-key.der hash); \
	fs=$$($(IMG)/image_fwverify $(IMG)/bench-1m.bin $(IMG)/bench-key.der sig); \
	fb=$$($(IMG)/image_fwverify-bearssl $(IMG)/bench-1m.bin $(IMG)/bench-key.der sig); \
	set -- $$h; hl=$$1; hm=$$2; hc=$$3; ht=$$4; \
	set -- $$s; sl=$$1; sm=$$2; sc=$$3; st=$$4; \
	set -- $$b; bl=$$1; bm=$$2; bc=$$3; bt=$$4; \
	set -- $$t; tn=$$1; th=$$2; ts=$$3; \
	set -- $$fs; fpeak=$$2; fsms=$$3; set -- $$fh; fhms=$$3; set -- $$fb; fbpeak=$$2; fbms=$$3; \
	printf '\n%-58s | %-12s | %s\n' "image verification (issue 3)" "measured" "budget"; \
	printf '%-64s-+-%-12s-+-%s\n' "----------------------------------------------------------------" "------------" "------------------------------"; \
	printf '%-64s | %8s B   | %s\n' "M3 hash-only verify, total (lib $$hl + mbedTLS $$hm + libc $$hc)" "$$ht" "loader <= 5120 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "M3 ECDSA verify, total (lib $$sl + mbedTLS $$sm + libc $$sc)" "$$st" "loader <= 14336 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "M3 BearSSL ECDSA verify (lib $$bl + crypto $$bm + libc $$bc)" "$$bt" "loader <= 14336 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "M3 hash-only verify, total, -flto" "$$hlto" "loader <= 5120 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "M3 ECDSA verify, total, -flto" "$$slto" "loader <= 14336 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "M3 BearSSL ECDSA verify, total, -flto" "$$blto" "loader <= 14336 B all-in (brief 11)"; \
	printf '%-64s | %8s B   | %s\n' "ECDSA verify heap peak (fw config, static arena)" "$$fpeak" "<= LB_MBEDTLS_HEAP_SIZE 3072 B"; \
	printf '%-64s | %8s ms  | %s\n' "host verify $$tn B image, hash-only (Debian mbedTLS)" "$$th" "<= 50 ms"; \
	printf '%-64s | %8s ms  | %s\n' "host verify $$tn B image, signed (Debian mbedTLS)" "$$ts" "<= 50 ms"; \
	printf '%-64s | %8s ms  | %s\n' "host verify $$tn B image, hash-only (fw mbedTLS config)" "$$fhms" "(info)"; \
	printf '%-64s | %8s ms  | %s\n' "host verify $$tn B image, signed (fw mbedTLS config)" "$$fsms" "(info)"; \
	printf '%-64s | %8s ms  | %s\n' "host verify $$tn B image, signed (fw BearSSL, heap $$fbpeak B)" "$$fbms" "(info)"; \
	echo
BENCH_TARGETS += bench-image

# pytest: interop with the independent Python oracle, CLI behaviour, and
# the firmware-config verifier. Writes build/test-results/image.summary.
test-image: $(B)/tools/lifeboat $(IMG)/image_fwverify $(IMG)/image_fwverify-bearssl $(IMG)/sigcheck-bearssl $(IMG)/sigcheck-mbedtls ## image interop + CLI tests, the two signature backends compared (pytest)
	$(call pytest_suite,image,tests/image,LIFEBOAT=$(abspath $(B)/tools/lifeboat) IMAGE_FWVERIFY=$(abspath $(IMG)/image_fwverify) IMAGE_SIGCHECK_DIR=$(abspath $(IMG)))
TEST_TARGETS += test-image

# The differential test's checkers: each signature backend alone, built for
# the host with the firmware configuration (tests/image/sigcheck.c).
IMG_SIGCHECK_BACKENDS := bearssl mbedtls
$(IMG)/sigh/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(HOST_CC) -std=c11 -O1 -g -MMD -MP -D_DEFAULT_SOURCE $(SAN_FLAGS) -Ilib/include \
	  $(FW_MBEDTLS_CFLAGS) $(FW_BEARSSL_CFLAGS) \
	  $(if $(findstring deps/,$<),$(FW_BEARSSL_WARN),$(WARN)) -c $< -o $@
define img_sigcheck_rule
$(IMG)/sigcheck-$(1): $(patsubst %.c,$(IMG)/sigh/%.o,tests/image/sigcheck.c \
  lib/src/image_sig_der.c $(FW_SIG_SRCS_$(1)) $(FW_MBEDTLS_SRCS_HASH))
	$$(call quiet,LD)
	$$(Q)$$(HOST_CC) $$(SAN_FLAGS) -o $$@ $$^
endef
$(foreach b,$(IMG_SIGCHECK_BACKENDS),$(eval $(call img_sigcheck_rule,$(b))))
IMG_SIGCHECKS := $(foreach b,$(IMG_SIGCHECK_BACKENDS),$(IMG)/sigcheck-$(b))
