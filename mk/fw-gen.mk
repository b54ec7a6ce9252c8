# The layout generator's own suites (issue 2): golden outputs for every
# layout in config/, the malformed-YAML corpus, the CLI's exit codes
# (tests/gen/run.py), and its speed (tests/gen/bench.py).
.PHONY: test-gen golden-update bench-gen

test-gen: $(B)/tools/lifeboat ## generator: golden outputs, malformed corpus, CLI
	@/usr/bin/python3 tests/gen/run.py --tool $(B)/tools/lifeboat --results $(B)/test-results

golden-update: $(B)/tools/lifeboat ## regenerate tests/gen/golden/ from config/ (review the diff)
	@/usr/bin/python3 tests/gen/run.py --tool $(B)/tools/lifeboat --update

bench-gen: $(B)/tools/lifeboat ## time `lifeboat gen` per example layout vs its budget
	@/usr/bin/python3 tests/gen/bench.py $(B)/tools/lifeboat

TEST_TARGETS += test-gen
BENCH_TARGETS += bench-gen
