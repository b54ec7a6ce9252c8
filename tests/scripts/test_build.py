"""The build's output: quiet by default (one line per step, as kbuild and
Zephyr print it), every command in full with V=1."""
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_one(b, *extra):
    obj = os.path.join(b, "host", "lib", "src", "crc32.o")
    return subprocess.run(["make", "--no-print-directory", "-C", ROOT, f"B={b}", obj, *extra],
                          capture_output=True, text=True, timeout=120)


def test_build_is_quiet_by_default_and_full_with_v1(tmp_path):
    r = build_one(tmp_path / "quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"  CC   {tmp_path / 'quiet'}/host/lib/src/crc32.o"], r.stdout
    r = build_one(tmp_path / "loud", "V=1")
    assert r.returncode == 0, r.stderr
    assert "-Wall -Wextra -Werror" in r.stdout and " -c lib/src/crc32.c" in r.stdout, r.stdout
    assert "  CC   " not in r.stdout
