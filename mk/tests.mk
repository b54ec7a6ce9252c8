# Host unit tests (cmocka, under ASan/UBSan) and fuzz targets (libFuzzer).
#
# Every tests/unit/test_<module>.c becomes build/test/test_<module>, linked
# against one archive of all host-buildable code: lib, the CLI's modules and
# whatever other fragments add to HOSTTEST_SRCS (the host board, the loader
# core, ...). The archive lets each test pull in only what it uses.
HOSTTEST_SRCS += $(LIB_SRCS) $(TOOL_SRCS)
HOSTTEST_LIB := $(B)/host-san/libhosttest.a
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/test/%,$(UNIT_SRCS))

# Second expansion: the prerequisites are read after every fragment has
# appended to HOSTTEST_SRCS (fragments are included after this file).
.SECONDEXPANSION:
$(HOSTTEST_LIB): $$(patsubst %.c,$(B)/host-san/%.o,$$(sort $$(HOSTTEST_SRCS)))
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR)
	$(Q)ar rcs $@ $^

$(B)/test/test_%: $(B)/host-san/tests/unit/test_%.o $(HOSTTEST_LIB)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $^ -lcmocka $(HOST_LIBS)

# test_image runs a second time against the BearSSL signature backend (the
# firmware default): test_image_bearssl is the same source linked with an
# archive in which BearSSL's backend replaces mbedTLS's.
HOSTTEST_LIB_BEARSSL := $(B)/host-san/libhosttest-bearssl.a
UNIT_BINS += $(B)/test/test_image_bearssl
$(B)/host-san/bearssl/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(HOST_CC) $(HOST_CPPFLAGS) $(FW_BEARSSL_CFLAGS) -std=c11 -O1 -g -MMD -MP $(SAN_FLAGS) \
	  $(if $(findstring deps/,$<),$(FW_BEARSSL_WARN),$(WARN)) -c $< -o $@
$(HOSTTEST_LIB_BEARSSL): $$(patsubst %.c,$(B)/host-san/%.o,$$(filter-out $$(LIB_SIG_SRC_mbedtls),$$(sort $$(HOSTTEST_SRCS)))) \
  $$(patsubst %.c,$(B)/host-san/bearssl/%.o,$$(FW_SIG_SRCS_bearssl))
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR)
	$(Q)ar rcs $@ $^
$(B)/test/test_image_bearssl: $(B)/host-san/tests/unit/test_image.o $(HOSTTEST_LIB_BEARSSL)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $^ -lcmocka $(HOST_LIBS)

.PHONY: test-unit
test-unit: $(UNIT_BINS) ## build and run the cmocka unit tests
	@mkdir -p $(B)/test-results
	@set -e; for t in $(UNIT_BINS); do \
	  echo "== $$t"; \
	  CMOCKA_MESSAGE_OUTPUT=stdout $$t > $(B)/test-results/$$(basename $$t).log 2>&1 || { cat $(B)/test-results/$$(basename $$t).log; exit 1; }; \
	  tail -n 3 $(B)/test-results/$$(basename $$t).log; \
	done
TEST_TARGETS := test-unit $(TEST_TARGETS)

# Fuzz targets: tests/fuzz/fuzz_<name>.c, corpus in tests/fuzz/corpus/<name>/.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/bin/%,$(FUZZ_SRCS))
FUZZ_LIB := $(B)/fuzz/libfuzzlib.a
FUZZ_SECONDS ?= 300
FUZZ_SHORT_SECONDS ?= 10

$(FUZZ_LIB): $$(patsubst %.c,$(B)/fuzz/%.o,$$(sort $$(HOSTTEST_SRCS)))
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR)
	$(Q)ar rcs $@ $^

$(B)/fuzz/bin/fuzz_%: $(B)/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(CLANG) -g $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

# The signature backends under the fuzzers (lib/src/sig/). fuzz_image runs
# a second time linked with the BearSSL backend in place of mbedTLS
# (fuzz_image_bearssl, from fuzz_image's seeds), and fuzz_sig links both,
# BearSSL's under the name lb_image_sig_verify_bearssl, and aborts when they
# answer differently. BearSSL's own files keep their warnings and includes.
FUZZ_BINS += $(B)/fuzz/bin/fuzz_image_bearssl
FUZZ_LIB_BEARSSL := $(B)/fuzz/libfuzzlib-bearssl.a
$(B)/fuzz/bearssl/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(CLANG) $(HOST_CPPFLAGS) $(FW_BEARSSL_CFLAGS) -std=c11 -g -O1 -MMD -MP $(FUZZ_FLAGS) \
	  $(if $(findstring deps/,$<),$(FW_BEARSSL_WARN),$(WARN)) -c $< -o $@
$(B)/fuzz/sigdiff/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC)
	$(Q)$(CLANG) $(HOST_CPPFLAGS) $(FW_BEARSSL_CFLAGS) -std=c11 -g -O1 -MMD -MP $(FUZZ_FLAGS) $(WARN) \
	  -Dlb_image_sig_verify=lb_image_sig_verify_bearssl \
	  -Dlb_image_sig_supported=lb_image_sig_supported_bearssl -c $< -o $@
$(FUZZ_LIB_BEARSSL): $$(patsubst %.c,$(B)/fuzz/%.o,$$(filter-out $$(LIB_SIG_SRC_mbedtls),$$(sort $$(HOSTTEST_SRCS)))) \
  $$(patsubst %.c,$(B)/fuzz/bearssl/%.o,$$(FW_SIG_SRCS_bearssl))
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR)
	$(Q)ar rcs $@ $^
$(B)/fuzz/bin/fuzz_image_bearssl: $(B)/fuzz/tests/fuzz/fuzz_image.o $(FUZZ_LIB_BEARSSL)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(CLANG) -g $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)
$(B)/fuzz/bin/fuzz_sig: $(B)/fuzz/tests/fuzz/fuzz_sig.o \
  $$(patsubst %.c,$(B)/fuzz/sigdiff/%.o,$$(LIB_SIG_SRC_bearssl)) \
  $$(patsubst %.c,$(B)/fuzz/bearssl/%.o,$$(FW_BEARSSL_SRCS)) $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(CLANG) -g $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

# Runs each target for $(1) seconds from its seed corpus (copied, so the
# committed seeds stay as they are). A target that ran fewer than
# FUZZ_MIN_EXECS inputs fails (a fuzzer that stops at once tests nothing);
# fuzz.summary counts the targets, fuzz-execs.txt says how many inputs each ran.
FUZZ_MIN_EXECS ?= 1000
define run_fuzzers
	@set -e; n_ok=0; : > $(B)/fuzz/execs.txt; for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); n=$${n#fuzz_}; \
	  mkdir -p $(B)/fuzz/corpus/$$n; \
	  seeds=tests/fuzz/corpus/$${n%_bearssl}; \
  [ -d $$seeds ] && cp -n $$seeds/* $(B)/fuzz/corpus/$$n/ 2>/dev/null || true; \
	  echo "== fuzz $$n for $(1)s"; \
	  $$f -max_total_time=$(1) -print_final_stats=0 -artifact_prefix=$(B)/fuzz/crash-$$n- \
	    $(B)/fuzz/corpus/$$n > $(B)/fuzz/$$n.log 2>&1 || { tail -n 60 $(B)/fuzz/$$n.log; exit 1; }; \
	  done_line=$$(grep -E '^#[0-9]+.*DONE' $(B)/fuzz/$$n.log | tail -n 1); echo "$$done_line"; \
	  execs=$$(echo "$$done_line" | sed -nE 's/^#([0-9]+).*/\1/p'); \
	  [ "$${execs:-0}" -ge $(FUZZ_MIN_EXECS) ] || { echo "fuzz $$n: only $${execs:-0} inputs ran (minimum $(FUZZ_MIN_EXECS))"; exit 1; }; \
	  echo "$$n $$execs" >> $(B)/fuzz/execs.txt; n_ok=$$((n_ok + 1)); \
	done; \
	mkdir -p $(B)/test-results; cp $(B)/fuzz/execs.txt $(B)/test-results/fuzz-execs.txt; \
	echo "$$n_ok passed, 0 failed" > $(B)/test-results/fuzz.summary; \
	echo "fuzz: $$n_ok targets, $$(awk '{s += $$2} END {print s}' $(B)/fuzz/execs.txt) inputs"
endef

.PHONY: test-fuzz fuzz-all
test-fuzz: $(FUZZ_BINS) ## run every fuzz target briefly (FUZZ_SHORT_SECONDS)
	$(call run_fuzzers,$(FUZZ_SHORT_SECONDS))
fuzz-all: $(FUZZ_BINS)
	$(call run_fuzzers,$(FUZZ_SECONDS))
TEST_TARGETS += test-fuzz

# scripts/ and the make targets around the build directory (pytest).
.PHONY: test-scripts
test-scripts: ## deps.sh offline and after a failed update; clean keeps the key; make run's checks
	$(call pytest_suite,scripts,tests/scripts)
TEST_TARGETS += test-scripts

# Mutation testing (tests/mutants/): every curated mutation must make its
# suite fail. The host-only ones run inside `make test`; all of them
# (QEMU suites too) in `make test-mutants`.
.PHONY: test-mutants test-mutants-fast
test-mutants: ## apply every curated mutation to a scratch tree; each must fail its suite
	@/usr/bin/python3 tests/mutants/run.py --summary $(B)/test-results/mutants.summary
test-mutants-fast: ## the host-only mutations (part of make test)
	@mkdir -p $(B)/test-results
	@/usr/bin/python3 tests/mutants/run.py --fast --summary $(B)/test-results/mutants.summary
