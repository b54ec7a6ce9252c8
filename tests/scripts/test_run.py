"""`make run`'s own checks, before QEMU starts: a FLASH= file that is not
there and a PORT that is taken each get one line saying what to do, and
exit status 2 (QEMU would print only "Could not set up host forwarding
rule", or hang)."""
import os
import socket
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def make_run(*args):
    return subprocess.run(["make", "--no-print-directory", "-C", ROOT, "run", *args],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def test_run_with_a_missing_flash_file_says_so(tmp_path):
    missing = tmp_path / "nope.bin"
    r = make_run(f"FLASH={missing}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"no flash file {missing}" in r.stdout and "FLASH=path" in r.stdout


def test_run_on_a_taken_port_says_which_and_how_to_pick_another(tmp_path):
    flash = tmp_path / "f.bin"
    flash.write_bytes(b"\xff" * 16)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = make_run(f"FLASH={flash}", f"PORT={port}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"port {port} on 127.0.0.1 is taken" in r.stdout and "PORT=" in r.stdout
