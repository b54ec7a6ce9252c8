# The host board (boards/host), the board-independent loader core (loader/)
# and the test-only helpers (tests/support) go into the unit-test and fuzz
# archives. The power-cut sweep (tests/sim/sweep.c) is its own program,
# run by `make test-sweep`; the template board gets a compile check.
HOST_BOARD_SRCS := $(wildcard boards/host/*.c)
LOADER_CORE_SRCS := loader/loader.c
TEST_SUPPORT_SRCS := $(wildcard tests/support/*.c)
BOOT_HOST_SRCS := $(HOST_BOARD_SRCS) $(LOADER_CORE_SRCS) $(TEST_SUPPORT_SRCS)
HOSTTEST_SRCS += $(BOOT_HOST_SRCS)
HOST_CPPFLAGS += -Iboards/host -Iloader -Itests/support
# The install path of recovery's pushes and the app's pulls (lib/ota/update.c),
# so that the sweep drives the device's own code (its layout comes from the
# simulated device, tests/support/lbt.c, not a generated partitions.h).
HOSTTEST_SRCS += lib/ota/update.c
HOST_CPPFLAGS += -Ilib/ota

# ---- power-cut sweep ---------------------------------------------------------
SWEEP_BIN := $(B)/test/sweep
$(SWEEP_BIN): $(B)/host-san/tests/sim/sweep.o $(HOSTTEST_LIB)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

.PHONY: test-sweep
# SWEEP_CASE narrows the sweep, so it is taken from the make command line
# only: a value left in the environment would silently shrink every run.
test-sweep: $(SWEEP_BIN) ## power-cut sweeps over every flow and geometry (make test-sweep SWEEP_CASE=<id> reruns one)
	@$(if $(filter environment%,$(origin SWEEP_CASE)),echo "test-sweep: SWEEP_CASE is set in the environment ($(SWEEP_CASE)): unset it and pass a case on the command line: make test-sweep SWEEP_CASE=..."; exit 2)
	@mkdir -p $(B)/test-results
	@$(SWEEP_BIN) --jobs 2 $(if $(SWEEP_CASE),--case '$(SWEEP_CASE)') --summary $(B)/test-results/sweep.summary
TEST_TARGETS += test-sweep

# ---- template board: must compile (host compiler, syntax and types) ----------
TEMPLATE_SRCS := $(wildcard boards/template/*.c)
.PHONY: test-template
test-template: ## compile-check boards/template (what a port starts from)
	@set -e; for f in $(TEMPLATE_SRCS); do \
	  echo "== compile $$f"; \
	  $(HOST_CC) -Ilib/include -Iboards/template -std=c11 $(WARN) -fsyntax-only $$f; \
	done
	@mkdir -p $(B)/test-results
	@echo "$(words $(TEMPLATE_SRCS)) passed, 0 failed" > $(B)/test-results/template.summary
TEST_TARGETS += test-template
