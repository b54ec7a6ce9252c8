# lifeboat — top-level build. `make help` lists the targets.
#
# Layout of this build: each part of the tree owns a fragment in mk/ (or its
# own folder) that appends to the shared lists below; nothing here needs to
# change when a module is added. Host objects are built in three flavours:
#   build/host/      plain, for the CLI at build/tools/lifeboat
#   build/host-san/  ASan+UBSan, linked into the unit tests
#   build/fuzz/      clang + libFuzzer instrumentation

BOARD ?= qemu-mps2-an385
KNOWN_BOARDS := qemu-mps2-an385 host template
ifeq ($(filter $(BOARD),$(KNOWN_BOARDS)),)
$(error unknown BOARD '$(BOARD)'; known boards: $(KNOWN_BOARDS))
endif

B := build
LAYOUT ?= config/default.yaml

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# Lists the fragments append to.
ALL_TARGETS :=      # what `make all` builds
TEST_TARGETS :=     # run in this order by `make test`
BENCH_TARGETS :=    # each prints its figures beside their budgets
FUZZ_TARGETS :=     # libFuzzer binaries, run by `make fuzz`
HELP_LINES :=       # "target|description" pairs for `make help`

include mk/common.mk
include mk/lib.mk
include mk/tools.mk
include mk/tests.mk
# Firmware, board and image fragments (each owns its part of the tree).
-include $(sort $(wildcard mk/fw-*.mk))

.PHONY: all build-all help deps tools test test-all bench fuzz run clean distclean format format-check

# `make` / `make all` and `make run` install what is missing first, then
# build in sub-makes (a first pass generates the layout headers the
# firmware's make rules read).
all: deps ## build the host tool and every image for BOARD
	@$(if $(LAYOUT_TARGET_$(BOARD)),$(MAKE) --no-print-directory $(LAYOUT_TARGET_$(BOARD)) &&) \
	  $(MAKE) --no-print-directory build-all
build-all: tools $(ALL_TARGETS)

run: deps ## build everything and boot BOARD (STRAP=1 holds the strap, FLASH=path, PORT=; quit: Ctrl-A X)
	@$(if $(RUN_TARGET_$(BOARD)),,echo "make run: BOARD=$(BOARD) has nothing to boot (the host board runs inside make test; use BOARD=qemu-mps2-an385)"; exit 2)
	@$(MAKE) --no-print-directory $(LAYOUT_TARGET_$(BOARD)) && \
	  $(MAKE) --no-print-directory $(RUN_TARGET_$(BOARD))

deps: ## install missing Debian packages, fetch pinned lwIP/mbedTLS/BearSSL sources
	@scripts/deps.sh all $(B)

tools: $(B)/tools/lifeboat ## build the host CLI at build/tools/lifeboat

# `make test` installs what is missing first, then runs every suite in the
# order the fragments listed them (a sub-make so deps finish before any
# compiler runs).
test: deps ## the whole test suite (installs what is missing first)
	@$(MAKE) --no-print-directory test-all

# Suites run one after another, in list order, even under -j.
test-all:
	@rm -rf $(B)/test-results && mkdir -p $(B)/test-results
	@set -e; for t in $(TEST_TARGETS); do echo "### $$t"; $(MAKE) --no-print-directory $$t; done
	@scripts/test-summary.sh $(B)/test-results

bench: deps ## print every speed and size figure beside its budget
	@$(MAKE) --no-print-directory $(BENCH_TARGETS)

fuzz: deps ## run every fuzz target for FUZZ_SECONDS (default 300)
	@$(MAKE) --no-print-directory fuzz-all FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300)

format: ## reformat all C sources with clang-format
	@clang-format -i $(FORMAT_SRCS)

format-check: ## fail if any C source is not clang-formatted
	@clang-format --dry-run --Werror $(FORMAT_SRCS)
	@echo "format: $(words $(FORMAT_SRCS)) files clang-formatted"
	@mkdir -p $(B)/test-results
	@echo "$(words $(FORMAT_SRCS)) passed, 0 failed" > $(B)/test-results/format.summary
TEST_TARGETS += test-mutants-fast format-check

clean: ## remove build outputs (keeps the fetched sources in build/deps and the signing key in build/keys)
	@find $(B) -mindepth 1 -maxdepth 1 ! -name deps ! -name keys -exec rm -rf {} +

# The development key goes too: images and devices made with it will refuse
# what the next key signs (422 untrusted key), so this says so.
distclean: ## remove everything under build/, the development signing key included
	@if [ -d $(B)/keys ]; then \
	  echo "distclean: removing $(B)/keys: images signed and devices flashed with this key will"; \
	  echo "distclean: refuse images signed with the next one (untrusted key)"; fi
	@rm -rf $(B)

help: ## list the targets
	@echo "lifeboat — make targets (BOARD=$(BOARD); boards: $(KNOWN_BOARDS))"
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort -u | \
	  awk -F':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'
	@echo "variables: BOARD=<board> LAYOUT=<yaml> KEY=<private key> STRAP=1 FLASH=<file> PORT=<n>"
	@echo "           V=1 prints every command in full (the default is one line per step)"
	@echo "           FUZZ_SECONDS=<n> SWEEP_CASE=<id printed by a failing sweep case>"
	@echo "           (SWEEP_CASE on the make command line only: from the environment it is refused)"

-include $(shell find $(B) -path $(B)/deps -prune -o -type f -name '*.d' -print 2>/dev/null)
