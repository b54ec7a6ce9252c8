#!/usr/bin/python3
"""bench-gen: wall time of one `lifeboat gen` (whole process: start, parse,
validate, render, write) per example layout, next to its budget."""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUDGET_MS = 50.0  # a budget, not a measurement: gen must feel instant in a build
RUNS = int(os.environ.get("BENCH_GEN_RUNS", "50"))


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "tools", "lifeboat")
    layouts = sorted(f for f in os.listdir(os.path.join(ROOT, "config")) if f.endswith(".yaml"))
    print("lifeboat gen, %d runs each (median wall time per run, whole process)" % RUNS)
    print("%-24s | %12s | %10s | %s" % ("layout", "ms per gen", "budget ms", "result"))
    print("-" * 24 + "-+-" + "-" * 12 + "-+-" + "-" * 10 + "-+-------")
    bad = 0
    with tempfile.TemporaryDirectory(prefix="lifeboat-bench-") as tmp:
        for f in layouts:
            times = []
            for i in range(RUNS):
                t0 = time.perf_counter()
                subprocess.run([tool, "gen", os.path.join("config", f), "-q", "-o",
                                os.path.join(tmp, f)], cwd=ROOT, check=True)
                times.append((time.perf_counter() - t0) * 1000.0)
            times.sort()
            med = times[len(times) // 2]
            ok = med <= BUDGET_MS
            bad += not ok
            print("%-24s | %12.2f | %10.0f | %s" % (f, med, BUDGET_MS, "ok" if ok else "OVER"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
