# Firmware for the emulated board qemu-mps2-an385 (Cortex-M3 under QEMU):
# boot ROM, loader, recovery image and the app-template demo, signed and
# assembled into a flash file; `make run`, the QEMU tests and the loader
# benchmark. Everything lands in build/qemu-mps2-an385/.

QB_NAME := qemu-mps2-an385
QB := $(B)/$(QB_NAME)
QB_DIR := boards/$(QB_NAME)
QB_LAYOUT := $(QB)/layout
LIFEBOAT := $(B)/tools/lifeboat

FW_CC := arm-none-eabi-gcc
FW_OBJCOPY := arm-none-eabi-objcopy
FW_SIZE := arm-none-eabi-size
FW_ARCH := -mcpu=cortex-m3 -mthumb
FW_CFLAGS = $(FW_ARCH) -std=c11 -Os -g -ffunction-sections -fdata-sections $(FW_WARN) -MMD -MP
# Project code under -Werror; BearSSL's files under their own set (below).
FW_WARN = $(WARN)
FW_LDFLAGS := $(FW_ARCH) --specs=nano.specs -nostartfiles -Wl,--gc-sections -L$(QB_DIR)/ld

# Signing key. A layout that names its public key (keys.signing_public,
# relative to the YAML) is built with that key: give its private half as
# KEY=path. Otherwise a development key is generated into build/keys/ on
# first use (never committed) and passed to `lifeboat gen --key`.
QB_LAYOUT_KEY := $(shell sed -nE 's/^[^\#]*signing_public:[[:space:]]*"?([^ ",}\#]+).*/\1/p' $(LAYOUT) 2>/dev/null | head -n 1)
ifneq ($(QB_LAYOUT_KEY),)
QB_KEY_PUB := $(dir $(LAYOUT))$(QB_LAYOUT_KEY)
QB_GEN_KEY :=
ifeq ($(origin KEY),undefined)
KEY = $(error $(LAYOUT) names its public key ($(QB_KEY_PUB)); give its private key with KEY=path)
endif
else
KEY ?= $(B)/keys/dev.pem
KEY_PUB ?= $(B)/keys/dev.pub.pem
QB_KEY_PUB := $(KEY_PUB)
QB_GEN_KEY := --key $(KEY_PUB)
$(KEY): | $(LIFEBOAT)
	@mkdir -p $(dir $(KEY))
	$(LIFEBOAT) keygen -o $(KEY)
	@echo "*** lifeboat: created a NEW development signing key $(KEY)."
	@echo "*** Devices flashed and images signed with an earlier key refuse images signed"
	@echo "*** with this one (422 untrusted key); keep $(dir $(KEY)) (make clean does; make"
	@echo "*** distclean does not) or use your own key with KEY=path."
$(KEY_PUB): | $(KEY)
endif

# ---- generated layout headers and linker fragments ----------------------
# Regenerated when the layout file, its name (LAYOUT=) or the key changes;
# a layout for another board is refused.
QB_GEN := $(QB_LAYOUT)/partitions.h
QB_GEN_INPUTS := $(QB_LAYOUT)/inputs.txt
$(QB_GEN_INPUTS): FORCE
	@mkdir -p $(@D)
	@echo '$(LAYOUT) $(QB_KEY_PUB)' | cmp -s - $@ || echo '$(LAYOUT) $(QB_KEY_PUB)' > $@
# The layout's pinned server key (app.pin, relative to the YAML) is an
# input too: a new certificate regenerates the headers.
QB_LAYOUT_PIN := $(shell sed -nE 's/^[^\#]*[{,[:space:]]pin:[[:space:]]*"?([^ ",}\#]+).*/\1/p' $(LAYOUT) 2>/dev/null | head -n 1)
QB_PIN_FILE := $(if $(QB_LAYOUT_PIN),$(if $(filter /%,$(QB_LAYOUT_PIN)),,$(dir $(LAYOUT)))$(QB_LAYOUT_PIN))
$(QB_GEN): $(LAYOUT) $(LIFEBOAT) $(QB_KEY_PUB) $(QB_GEN_INPUTS) $(wildcard $(QB_PIN_FILE))
	@mkdir -p $(QB_LAYOUT)
	$(LIFEBOAT) gen $(LAYOUT) $(QB_GEN_KEY) -o $(QB_LAYOUT)
	@grep -q '^#define LB_LAYOUT_BOARD "$(QB_NAME)"' $@ || { rm -f $@; \
	  echo "$(LAYOUT): layout is not for board $(QB_NAME) (its board: key)"; exit 1; }
	@touch $@
.PHONY: qemu-layout
LAYOUT_TARGET_$(QB_NAME) := qemu-layout
qemu-layout: $(QB_GEN) ## generate the layout headers for the emulated board
$(QB_LAYOUT)/ota_handler.h $(QB_LAYOUT)/ptable.bin $(QB_LAYOUT)/app.ld $(QB_LAYOUT)/recovery.ld \
  $(QB_LAYOUT)/loader.ld: $(QB_GEN)

# Linker wrappers: the generated fragment (LB_PART_SIZE) then the board's script.
# The fragment's path as make knows it (relative to the tree, where ld runs):
# not its absolute path, which in a build shared through a symlink names the
# tree that happened to build it.
$(QB)/ld/%.ld: $(QB_GEN)
	@mkdir -p $(@D)
	@printf 'INCLUDE %s\nINCLUDE %s\n' $(QB_LAYOUT)/$(word 1,$(subst -, ,$*)).ld \
	  $(if $(filter loader%,$*),loader-ram.ld,image-ram.ld) > $@

# ---- sources ------------------------------------------------------------
# QB_JUMP_HOOK=jump_hook_bench builds the loader's benchmark flavour.
QB_JUMP_HOOK ?= jump_hook
QB_BOARD_SRCS := $(QB_DIR)/board.c $(QB_DIR)/latch.c $(QB_DIR)/semihost.c $(QB_DIR)/startup.c \
  $(QB_DIR)/$(QB_JUMP_HOOK).c
QB_BOOTROM_SRCS := $(QB_DIR)/bootrom/main.c $(QB_BOARD_SRCS) lib/src/geom.c
# lib/ for the firmware: the loader checks signatures (ECDSA P-256) when
# the layout says `verify: signature`, else it links the hash-only
# stand-in. Read from the generated partitions.h (`make run` generates it
# in a first pass); before that exists, from the YAML. loader_main.c
# refuses to compile if the two ever disagree, so a mismatch is a build
# error, never a loader that refuses every image.
QB_GEN_FRESH :=
ifneq ($(wildcard $(QB_GEN_INPUTS)),)
ifeq ($(strip $(file <$(QB_GEN_INPUTS))),$(strip $(LAYOUT) $(QB_KEY_PUB)))
QB_GEN_FRESH := $(wildcard $(QB_GEN))
endif
endif
QB_VERIFY_SIG := $(if $(QB_GEN_FRESH),$(shell sed -n 's/^\#define LB_BOOT_VERIFY_SIGNATURE 1$$/1/p' $(QB_GEN)),$(shell grep -Eqs '^[^\#]*verify:[[:space:]]*signature' $(LAYOUT) && echo 1))
# The ECDSA backend of the loader and the recovery image (lib/src/sig/):
# bearssl (the default: about three times fewer instructions per verify
# and less flash, make bench-loader) or mbedtls. The host tool always uses
# mbedTLS. A change of backend relinks (the stamp below).
SIG_BACKEND ?= bearssl
ifeq ($(filter bearssl mbedtls,$(SIG_BACKEND)),)
$(error SIG_BACKEND=$(SIG_BACKEND): use bearssl or mbedtls)
endif
QB_SIG_STAMP := $(QB)/sig-backend.txt
$(QB_SIG_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(SIG_BACKEND)' | cmp -s - $@ || echo '$(SIG_BACKEND)' > $@
QB_SIG_SRCS := $(FW_SIG_SRCS_$(if $(QB_VERIFY_SIG),$(SIG_BACKEND),none))
QB_FW_LIB_SRCS := $(filter-out lib/src/image_build.c,$(LIB_CORE_SRCS)) $(FW_MBEDTLS_SRCS_HASH)
QB_RUNTIME_SRCS := app-template/runtime/lb_app.c $(QB_DIR)/heap.c
# lib/fw/libc_min.c is the whole C library of the loader and the recovery
# image (both link -nostdlib: a new libc dependency is a link error),
# compiled outside LTO so the calls the compiler emits late still resolve.
QB_LIBC_SRCS := lib/fw/libc_min.c
QB_LIBC_FLAGS := -ffreestanding -fno-tree-loop-distribute-patterns
QB_LOADER_SRCS := $(QB_DIR)/loader_main.c loader/loader.c $(QB_LIBC_SRCS) $(QB_BOARD_SRCS) \
  $(QB_FW_LIB_SRCS) $(QB_SIG_SRCS)
QB_RECOVERY_SRCS := $(wildcard recovery/*.c) $(QB_RUNTIME_SRCS) $(QB_BOARD_SRCS) $(QB_FW_LIB_SRCS) $(QB_LIBC_SRCS) \
  $(FW_SIG_SRCS_$(SIG_BACKEND)) $(RECOVERY_NET_SRCS) $(QB_NET_SRCS)
# lwIP, the HTTP server and Digest auth (mk/fw-net.mk). mbedTLS's fast
# reduction for NIST curves is on for every firmware build
# (lib/mbedtls/lb_mbedtls_config.h; make bench-recovery, make bench-loader).
# Link-time optimisation: the recovery budget (64 KiB with DHCP) needs it.
QB_FLAGS_recovery := $(RECOVERY_NET_CPPFLAGS) -flto -DLB_QEMU_IRQ_VECTORS=0
$(QB)/obj/recovery/lib/fw/libc_min.o: QB_FLAGS_recovery := $(QB_LIBC_FLAGS)
# An app whose layout pins its update server's key (app.pin) fetches over
# https:// too: it links mbedTLS's TLS client (lib/ota/tls.c), builds all
# its mbedTLS with the TLS config, and verifies images with the mbedTLS
# backend (one P-256 implementation in the image, not two). Read like
# QB_VERIFY_SIG: from the fresh ota_handler.h, else from the YAML; lb_ota.c
# refuses to compile when the two disagree.
QB_APP_TLS := $(if $(QB_GEN_FRESH),$(shell sed -n 's/^\#define LB_OTA_PIN_LEN [1-9][0-9]*u$$/1/p' $(QB_LAYOUT)/ota_handler.h),$(shell grep -Eqs '^[^\#]*[{,[:space:]]pin:' $(LAYOUT) && echo 1))
QB_APP_SIG := $(if $(QB_APP_TLS),mbedtls,$(SIG_BACKEND))
QB_APP_TLS_SRCS := $(if $(QB_APP_TLS),lib/ota/tls.c $(FW_MBEDTLS_SRCS_TLS))
# The arena behind mbedTLS: one 16 KiB record, the handshake, the
# server's certificate (make bench-app prints the peak).
QB_APP_TLS_HEAP := 32768
QB_APP_TLS_FLAGS := $(if $(QB_APP_TLS),-DLB_CFG_PULL_HTTPS=1 $(FW_MBEDTLS_TLS_CFLAGS) \
  -DLB_MBEDTLS_HEAP_SIZE=$(QB_APP_TLS_HEAP))
QB_APP_SRCS := $(QB_RUNTIME_SRCS) app-template/runtime/lb_ota.c app-template/runtime/lb_ota_status.c $(QB_BOARD_SRCS) $(QB_FW_LIB_SRCS) \
  $(FW_SIG_SRCS_$(QB_APP_SIG)) $(APP_NET_SRCS) $(QB_NET_SRCS) $(QB_APP_TLS_SRCS)
# The update agent checks signatures (the app installs only signed images).
QB_FLAGS_app := $(APP_NET_CPPFLAGS) $(QB_APP_TLS_FLAGS)

# Program-unit buffers (the writer's, the installer's commit unit) sized for
# this board's layouts (program 4 bytes; 128 is the credential record, the
# smallest allowed) rather than lib's 256-byte default: 256 B of recovery
# RAM. recovery/update.c and loader_main.c refuse a layout with a larger
# program size at compile time.
QB_PROGRAM_MAX := 128
QB_CPPFLAGS := -Ilib/include -I$(QB_DIR) -I$(QB_LAYOUT) -Iapp-template/runtime -Iloader \
  $(FW_MBEDTLS_CFLAGS) $(FW_BEARSSL_CFLAGS) -DLB_CFG_PROGRAM_MAX=$(QB_PROGRAM_MAX)u

# Objects of one build flavour: $(call qb_objs,flavour,sources).
qb_objs = $(patsubst %.c,$(QB)/obj/$(1)/%.o,$(2))

# The generic firmware compile: the flavour directory selects extra flags.
$(QB)/obj/%.o: $(QB_GEN)
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(FW_CC) $(QB_CPPFLAGS) $(QB_FLAGS_$(firstword $(subst /, ,$*))) $(FW_CFLAGS) \
	  -c $(patsubst $(firstword $(subst /, ,$*))/%,%,$*).c -o $@

# BearSSL is third-party code that relies on undefined macros reading as 0.
$(foreach f,loader recovery recovery-bench app,$(call qb_objs,$(f),$(FW_BEARSSL_SRCS))): \
  FW_WARN = $(FW_BEARSSL_WARN)
# So is the TLS part of mbedTLS.
$(call qb_objs,app,$(FW_MBEDTLS_SRCS_TLS)): FW_WARN = $(FW_MBEDTLS_WARN)

# ---- boot ROM ------------------------------------------------------------
QB_BOOTROM_OBJS := $(call qb_objs,bootrom,$(QB_BOOTROM_SRCS))
$(QB_BOOTROM_OBJS): $(QB)/obj/bootrom/%.o: %.c
$(QB)/bootrom.elf: $(QB_BOOTROM_OBJS) $(QB_DIR)/ld/bootrom.ld $(QB_DIR)/ld/sections.ld
	$(call quiet,LD)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -T$(QB_DIR)/ld/bootrom.ld -Wl,-Map,$@.map -o $@ $(QB_BOOTROM_OBJS)

# ---- loader (hash-only or signature per the layout) -----------------------
QB_LOADER_OBJS := $(call qb_objs,loader,$(QB_LOADER_SRCS))
$(QB_LOADER_OBJS): $(QB)/obj/loader/%.o: %.c
# Link-time optimisation: the loader is the size-critical image. It links
# no C library but lib/fw/libc_min.c.
QB_FLAGS_loader := -flto -DLB_QEMU_IRQ_VECTORS=0 -DLB_FW_SIG_SEAM=$(if $(QB_VERIFY_SIG),1,0)
$(QB)/obj/loader/lib/fw/libc_min.o: QB_FLAGS_loader := $(QB_LIBC_FLAGS)
$(QB)/loader.elf: $(QB_LOADER_OBJS) $(QB)/ld/loader.ld $(QB_DIR)/ld/loader-ram.ld $(QB_SIG_STAMP)
	$(call quiet,LD)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -nostdlib -Os -flto -T$(QB)/ld/loader.ld -Wl,-Map,$@.map -o $@ \
	  $(QB_LOADER_OBJS) -lgcc

# ---- recovery image ------------------------------------------------------
QB_RECOVERY_OBJS := $(call qb_objs,recovery,$(QB_RECOVERY_SRCS))
$(QB_RECOVERY_OBJS): $(QB)/obj/recovery/%.o: %.c
$(QB)/obj/recovery/recovery/status.o: $(RECOVERY_PAGE_INC)
$(QB)/recovery.elf: $(QB_RECOVERY_OBJS) $(QB)/ld/recovery.ld $(QB_DIR)/ld/image-ram.ld $(QB_SIG_STAMP)
	$(call quiet,LD)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -nostdlib -Os -flto=auto -flto-partition=one -T$(QB)/ld/recovery.ld -Wl,-Map,$@.map -o $@ \
	  $(QB_RECOVERY_OBJS) -lgcc

# Benchmark flavour (`make bench-recovery` only, never flashed by `make
# run`): the same sources with LB_RECOVERY_BENCH=1, which adds a discard
# service (raw TCP throughput) on LB_RECOVERY_BENCH_PORT.
QB_RECOVERY_BENCH_OBJS := $(call qb_objs,recovery-bench,$(QB_RECOVERY_SRCS))
$(QB_RECOVERY_BENCH_OBJS): $(QB)/obj/recovery-bench/%.o: %.c
$(QB)/obj/recovery-bench/recovery/status.o: $(RECOVERY_PAGE_INC)
QB_FLAGS_recovery-bench := $(QB_FLAGS_recovery) -DLB_RECOVERY_BENCH=1
$(QB)/obj/recovery-bench/lib/fw/libc_min.o: QB_FLAGS_recovery-bench := $(QB_LIBC_FLAGS)
$(QB)/recovery-bench.elf: $(QB_RECOVERY_BENCH_OBJS) $(QB)/ld/recovery.ld $(QB_DIR)/ld/image-ram.ld $(QB_SIG_STAMP)
	$(call quiet,LD)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -nostdlib -Os -flto=auto -flto-partition=one -T$(QB)/ld/recovery.ld -Wl,-Map,$@.map -o $@ \
	  $(QB_RECOVERY_BENCH_OBJS) -lgcc

# ---- app (app-template demo) ---------------------------------------------
# Test variants: `make qemu-app APP_VARIANT=hang APP_HANG=1 APP_VERSION=1.1.0`
# writes build/qemu-mps2-an385/app-hang.signed.bin. APP_FAULT=1 faults
# after boot; APP_HANG=1 hangs without feeding the watchdog; both skip the
# healthy report. APP_UNHEALTHY=1 runs normally but its health check fails
# (it stays on trial). APP_NO_OTA=1 leaves the update agent out (make
# bench-app measures what it costs). APP_VERSION defaults to app.version of
# the layout.
APP_VARIANT ?=
APP_VERSION ?=
APP_FAULT ?= 0
APP_HANG ?= 0
APP_UNHEALTHY ?= 0
APP_NO_OTA ?= 0
QB_APP := $(QB)/app$(if $(APP_VARIANT),-$(APP_VARIANT))
QB_APP_FLAVOUR := app$(if $(APP_VARIANT),-$(APP_VARIANT))
QB_APP_MAIN_OBJ := $(QB)/obj/$(QB_APP_FLAVOUR)/app-template/main.o
QB_APP_OBJS := $(call qb_objs,app,$(QB_APP_SRCS)) $(QB_APP_MAIN_OBJ)
$(call qb_objs,app,$(QB_APP_SRCS)): $(QB)/obj/app/%.o: %.c
# Every app object is rebuilt when https:// comes or goes (other flags).
QB_APP_TLS_STAMP := $(QB)/app-tls.txt
$(QB_APP_TLS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(QB_APP_TLS_FLAGS)' | cmp -s - $@ || echo '$(QB_APP_TLS_FLAGS)' > $@
$(call qb_objs,app,$(QB_APP_SRCS)): $(QB_APP_TLS_STAMP)
$(QB_APP_MAIN_OBJ): app-template/main.c $(QB)/app-opts$(if $(APP_VARIANT),-$(APP_VARIANT)).txt
QB_FLAGS_$(QB_APP_FLAVOUR) := $(APP_NET_CPPFLAGS) $(QB_APP_TLS_FLAGS) -DAPP_FAULT=$(APP_FAULT) -DAPP_HANG=$(APP_HANG) \
  -DAPP_UNHEALTHY=$(APP_UNHEALTHY) -DAPP_NO_OTA=$(APP_NO_OTA) \
  $(if $(APP_VERSION),-DAPP_VERSION='"$(APP_VERSION)"')
# Rebuild the app main when its options change.
$(QB)/app-opts$(if $(APP_VARIANT),-$(APP_VARIANT)).txt: FORCE
	@mkdir -p $(@D)
	@echo '$(QB_FLAGS_$(QB_APP_FLAVOUR))' | cmp -s - $@ || echo '$(QB_FLAGS_$(QB_APP_FLAVOUR))' > $@
$(QB_APP).elf: $(QB_APP_OBJS) $(QB)/ld/app.ld $(QB_DIR)/ld/image-ram.ld
	$(call quiet,LD)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -T$(QB)/ld/app.ld -Wl,-Map,$@.map -o $@ $(QB_APP_OBJS)

.PHONY: FORCE
FORCE:

# ---- binaries and signing ------------------------------------------------
$(QB)/%.bin: $(QB)/%.elf
	$(FW_OBJCOPY) -O binary $< $@

# The version signed into the header: APP_VERSION, else the layout's.
qb_layout_version = $$(sed -n 's/^\#define LB_OTA_APP_VERSION "\(.*\)"/\1/p' $(QB_LAYOUT)/ota_handler.h)
QB_SIGN = $(LIFEBOAT) sign --key $(KEY) --header-size 0x200 --load-addr 0x00100000 \
  --product $$(sed -n 's/^\#define LB_LAYOUT_PRODUCT "\(.*\)"/\1/p' $(QB_LAYOUT)/partitions.h)

# Each signed image is checked against the layout's trusted key at once, so
# a KEY that does not match the layout fails here, not at boot.
QB_CHECK_KEY = $(LIFEBOAT) verify --key $(QB_KEY_PUB) $@ > /dev/null || { rm -f $@; \
  echo "$@: KEY=$(KEY) is not the private half of $(QB_KEY_PUB)"; exit 1; }
$(QB)/recovery.signed.bin $(QB)/recovery-bench.signed.bin: $(QB)/%.signed.bin: $(QB)/%.bin $(KEY) \
  $(LIFEBOAT)
	$(QB_SIGN) --kind recovery --version $(qb_layout_version) $< $@
	@$(QB_CHECK_KEY)
$(QB_APP).signed.bin: $(QB_APP).bin $(KEY) $(LIFEBOAT)
	$(QB_SIGN) --kind app --version $(or $(APP_VERSION),$(qb_layout_version)) $< $@
	@$(QB_CHECK_KEY)

# ---- flash file ----------------------------------------------------------
# Rebuilt whenever an input changes; FLASH=path boots an existing file.
QB_FLASH := $(QB)/flash.bin
$(QB_FLASH): $(QB)/loader.bin $(QB)/recovery.signed.bin $(QB)/app.signed.bin $(QB_GEN)
	$(LIFEBOAT) mkflash $(QB_LAYOUT)/ptable.bin --loader $(QB)/loader.bin \
	  --recovery $(QB)/recovery.signed.bin --app $(QB)/app.signed.bin -o $@

QB_IMAGES := $(QB)/bootrom.elf $(QB)/loader.bin $(QB)/recovery.signed.bin $(QB)/app.signed.bin

.PHONY: qemu-images qemu-app qemu-flash qemu-run
qemu-images: $(QB_IMAGES) ## build boot ROM, loader, signed recovery and app for QEMU
qemu-app: $(QB_APP).signed.bin
qemu-flash: $(QB_FLASH) ## assemble build/qemu-mps2-an385/flash.bin
ALL_TARGETS += $(if $(filter $(BOARD),$(QB_NAME)),qemu-images)

# `make run`: boot the flash file under QEMU, console on this terminal.
# STRAP=1 holds the recovery strap at power-on; FLASH=path boots that file.
# Quit with Ctrl-A X.
QEMU := qemu-system-arm
# PORT: the host port (on 127.0.0.1 only) forwarded to the recovery's HTTP port.
PORT ?= 8080
qb_guest_port = $$(sed -n 's/^\#define LB_RECOVERY_PORT \([0-9]*\).*/\1/p' $(QB_LAYOUT)/partitions.h)
QEMU_ARGS = -M mps2-an385 -display none -serial mon:stdio \
  -nic user,model=lan9118,hostfwd=tcp:127.0.0.1:$(PORT)-:$(qb_guest_port) \
  -semihosting-config enable=on,target=native,arg=lifeboat,arg=flash=$(abspath $(RUN_FLASH)) \
  $(if $(filter 1,$(STRAP)),-global mps2-scc.scc-cfg0=2) -kernel $(QB)/bootrom.elf
RUN_FLASH = $(or $(FLASH),$(QB_FLASH))
# `make run` (Makefile) installs what is missing, generates the layout, then
# comes here.
RUN_TARGET_$(QB_NAME) := qemu-run
# Checked before QEMU starts, with what to do: a FLASH= file that is not
# there, a PORT that is taken (QEMU would only say "Could not set up host
# forwarding rule").
qemu-run: $(QB)/bootrom.elf $(if $(FLASH),,$(QB_FLASH))
	@[ -f "$(RUN_FLASH)" ] || { echo "make run: no flash file $(RUN_FLASH) (FLASH=path names an existing one; without FLASH, make run builds $(QB_FLASH))"; exit 2; }
	@/usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' $(PORT) 2>/dev/null || { echo "make run: port $(PORT) on 127.0.0.1 is taken (another make run?): pick another with make run PORT=8081"; exit 2; }
	@echo "qemu: booting $(RUN_FLASH) (it keeps its state between runs: rm it, or make clean, for a factory-fresh device) — quit with Ctrl-A X"
	$(QEMU) $(QEMU_ARGS)

-include $(shell find $(QB)/obj -name '*.d' 2>/dev/null)

# ---- tests and benchmark ---------------------------------------------------
.PHONY: test-qemu bench-loader
# QEMU scenarios (pytest, /usr/bin/python3); writes build/test-results/qemu.summary.
test-qemu: tools qemu-images ## QEMU boot scenarios: normal, strap, rollback, crash loop, corruption, kill -9
	@mkdir -p $(B)/test-results
	@/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/qemu > $(B)/test-results/qemu.out 2>&1; \
	  rc=$$?; cat $(B)/test-results/qemu.out; \
	  tail -n 1 $(B)/test-results/qemu.out | awk -v rc=$$rc '{ p = 0; f = 0; \
	    for (i = 2; i <= NF; i++) { if ($$i ~ /^passed/) p = $$(i-1); if ($$i ~ /^(failed|error)/) f += $$(i-1) } \
	    if (rc != 0 && f == 0) f = 1; printf "%d passed, %d failed\n", p, f }' > $(B)/test-results/qemu.summary; \
	  cat $(B)/test-results/qemu.summary; exit $$rc
TEST_TARGETS += $(if $(filter $(BOARD),$(QB_NAME)),test-qemu)

# Loader size (hash-only and signature builds) and instructions from reset
# to the jump (QEMU -icount shift=0) beside the instructions to hash the
# same image, each against its budget.
bench-loader: tools ## loader flash size and boot instructions beside their budgets
	@/usr/bin/python3 tests/qemu/bench_loader.py --layout $(LAYOUT) --key $(KEY)
BENCH_TARGETS += bench-loader

# Where the loader's bytes go: per source file from DWARF line info (the
# map file of an LTO link only knows one object), constants by symbol.
.PHONY: size-loader
size-loader: $(QB)/loader.bin ## loader flash bytes by source file and constant
	@/usr/bin/python3 tests/bench/loader_sizes.py $(QB)/loader.elf $(QB)/loader.bin

# Recovery image flash and RAM beside their budgets, and the throughput of a
# 1 MiB upload (POST /api/update) beside raw TCP to the same guest, measured
# in the same run (tests/recovery/bench_recovery.py).
.PHONY: bench-recovery
bench-recovery: tools qemu-images $(QB)/recovery-bench.signed.bin ## recovery size/RAM and upload vs raw TCP throughput
	@/usr/bin/python3 tests/recovery/bench_recovery.py
BENCH_TARGETS += bench-recovery

# The app's update agent: flash and RAM it adds to the demo app, and a 1 MiB
# pull from nginx beside raw TCP to the same guest in the same QEMU run
# (tests/recovery/bench_app.py).
.PHONY: bench-app
bench-app: tools ## app update agent: flash/RAM cost, 1 MiB pull vs raw TCP
	@/usr/bin/python3 tests/recovery/bench_app.py
BENCH_TARGETS += bench-app
