#!/usr/bin/python3
"""`make test-mutants`: applies each mutation of catalog.py, one at a time,
to a scratch copy of the tree (build/mutants/tree: the tracked files, with
build/deps and build/keys linked in), runs the suite it names and requires
that suite to FAIL. Prints one line per mutation and the mutation score;
exits 1 if any mutation survived or no longer applies.

    run.py [--fast] [--only ID[,ID...]] [--summary FILE]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from catalog import MUTANTS  # noqa: E402

SCRATCH = os.path.join(ROOT, "build", "mutants", "tree")
SUITE_TIMEOUT = 900  # s, per mutation


def sync_tree():
    """Copies the tracked (and untracked, not ignored) files into SCRATCH,
    only those that changed, so the scratch build stays incremental."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in (x.decode() for x in files if x):
        src, dst = os.path.join(ROOT, f), os.path.join(SCRATCH, f)
        if not os.path.isfile(src):
            continue
        with open(src, "rb") as a:
            data = a.read()
        if os.path.exists(dst):
            with open(dst, "rb") as b:
                if b.read() == data:
                    continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as b:
            b.write(data)
        shutil.copymode(src, dst)
    # A file deleted from the tree goes from the scratch copy too (a golden
    # file that is no longer generated would otherwise still be expected).
    keep = {x.decode() for x in files if x}
    for top, dirs, names in os.walk(SCRATCH):
        rel = os.path.relpath(top, SCRATCH)
        if rel == "build" or rel.startswith("build" + os.sep) or rel.startswith(".git"):
            dirs[:] = []
            continue
        for n in names:
            f = os.path.normpath(os.path.join(rel, n))
            if f not in keep:
                os.remove(os.path.join(top, n))
    os.makedirs(os.path.join(SCRATCH, "build"), exist_ok=True)
    for d in ("deps", "keys"):
        link = os.path.join(SCRATCH, "build", d)
        if not os.path.lexists(link) and os.path.exists(os.path.join(ROOT, "build", d)):
            os.symlink(os.path.join(ROOT, "build", d), link)


def suite_cmds(suite):
    """(build command, test command) of a suite: a mutation that does not
    build is BROKEN, not killed."""
    kind, _, arg = suite.partition(":")
    mk = "make -s --no-print-directory "
    if kind == "unit":
        return mk + f"build/test/test_{arg}", f"build/test/test_{arg}"
    if kind == "sweep":
        return mk + "build/test/sweep", f"build/test/sweep --jobs 2 --case '{arg}'"
    if kind == "recovery":
        return (mk + "qemu-images",
                f"/usr/bin/python3 -m pytest -p no:cacheprovider -q -x tests/recovery/{arg}")
    if kind == "qemu":
        return (mk + "qemu-images",
                f"/usr/bin/python3 -m pytest -p no:cacheprovider -q -x tests/qemu/{arg}")
    if kind == "gen":
        return (mk + "build/tools/lifeboat",
                "/usr/bin/python3 tests/gen/run.py --tool build/tools/lifeboat "
                "--results build/test-results")
    if kind == "image":
        return (mk + "build/tools/lifeboat", mk + "test-image")
    if kind == "scripts":
        return ("true", f"/usr/bin/python3 -m pytest -p no:cacheprovider -q -x tests/scripts/{arg}")
    if kind == "fuzz":
        # The committed seed corpus only, each input once: deterministic.
        # A backend variant (fuzz_image_bearssl) shares its target's seeds.
        seeds = arg.removesuffix("_bearssl")
        return (mk + f"build/fuzz/bin/fuzz_{arg}",
                f"build/fuzz/bin/fuzz_{arg} -runs=0 tests/fuzz/corpus/{seeds}")
    raise SystemExit(f"test-mutants: unknown suite '{suite}'")


def run_suite(suite, log):
    """Returns ("built-failed" | exit code | "timeout", seconds)."""
    t0 = time.monotonic()
    build, test = suite_cmds(suite)
    try:
        if subprocess.run(["bash", "-c", build], cwd=SCRATCH, stdout=log, stderr=subprocess.STDOUT,
                          timeout=SUITE_TIMEOUT).returncode != 0:
            return "build-failed", time.monotonic() - t0
        rc = subprocess.run(["bash", "-c", test], cwd=SCRATCH, stdout=log,
                            stderr=subprocess.STDOUT, timeout=SUITE_TIMEOUT).returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    return rc, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fast", action="store_true", help="host-only mutations (make test)")
    ap.add_argument("--only", default="")
    ap.add_argument("--summary")
    a = ap.parse_args()
    # One check per (mutation, suite); with --fast only the host suites.
    chosen = []
    for m in MUTANTS:
        if (a.fast and not m.get("fast")) or (a.only and m["id"] not in a.only.split(",")):
            continue
        suites = m["suite"] if isinstance(m["suite"], list) else [m["suite"]]
        for suite in suites:
            if not (a.fast and suite.startswith("recovery:")):
                chosen.append(dict(m, suite=suite))
    if not chosen:
        print("test-mutants: no mutation selected")
        return 1
    os.makedirs(SCRATCH, exist_ok=True)
    sync_tree()
    logdir = os.path.join(ROOT, "build", "mutants", "logs")
    os.makedirs(logdir, exist_ok=True)
    # The unmutated suites must pass first, or a "kill" would mean nothing.
    for suite in sorted({m["suite"] for m in chosen}):
        with open(os.path.join(logdir, "baseline.log"), "a") as log:
            rc, secs = run_suite(suite, log)
        if rc != 0:
            print(f"test-mutants: suite '{suite}' fails without any mutation (rc {rc}); "
                  f"see {logdir}/baseline.log")
            return 1
    killed, survived, stale = 0, [], []
    for m in chosen:
        path = os.path.join(SCRATCH, m["file"])
        with open(path) as f:
            orig = f.read()
        n = orig.count(m["find"])
        if n != 1:
            print(f"STALE    {m['id']}: its text occurs {n} times in {m['file']}")
            stale.append(m["id"])
            continue
        try:
            with open(path, "w") as f:
                f.write(orig.replace(m["find"], m["replace"]))
            with open(os.path.join(logdir, m["id"] + ".log"), "w") as log:
                rc, secs = run_suite(m["suite"], log)
        finally:
            with open(path, "w") as f:
                f.write(orig)
            os.utime(path)  # newer than the mutated build outputs
        if rc == "build-failed":
            print(f"BROKEN   {m['id']}: the mutated tree does not build (see its log)")
            stale.append(m["id"])
        elif rc != 0:
            killed += 1
            print(f"killed   {m['id']:32} by {m['suite']} ({secs:.0f} s)")
        else:
            survived.append(m["id"])
            print(f"SURVIVED {m['id']:32} {m['suite']}: {m['why']}")
    total = len(chosen)
    print(f"mutation score: {killed}/{total} killed"
          + (f", survived: {' '.join(survived)}" if survived else "")
          + (f", stale: {' '.join(stale)}" if stale else ""))
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(f"{killed} passed, {total - killed} failed\n")
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main())
