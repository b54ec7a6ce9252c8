"""Fixtures for the QEMU scenarios: firmware built once per session, a
fresh flash file per test, and a QEMU runner that reads the console."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import gdbrsp  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOARD = "qemu-mps2-an385"
BUILD = os.path.join(ROOT, "build", BOARD)
LIFEBOAT = os.path.join(ROOT, "build", "tools", "lifeboat")
STRAP_CFG0 = 2  # SCC CFG0 bit 1 is the recovery strap on this board

BOOT_RE = re.compile(
    r"\[lifeboat\] boot image=(?P<image>\S+) slot=(?P<slot>\S+) "
    r"reason=(?P<reason>\S+) reset=(?P<reset>\S+)")

# App variants the scenarios use: name -> make variables.
APP_VARIANTS = {
    "v2": {"APP_VERSION": "1.1.0"},
    "hang": {"APP_VERSION": "1.1.0", "APP_HANG": "1"},
    "fault": {"APP_FAULT": "1"},
}


def free_port():
    """A free TCP port on 127.0.0.1 (for QEMU's forwards and GDB stub)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make(*args):
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, *args], check=True)


def images(qb, variants=()):
    """The images of the QEMU build directory `qb` (the shape of `fw`): boot
    ROM, loader, recovery, app and app-<v> for each of `variants` (signed,
    with their ELF files for the GDB-stub tests: each image has its own
    board code), the partition table, and the layout's numeric #defines."""
    paths = {
        "bootrom": os.path.join(qb, "bootrom.elf"),
        "loader": os.path.join(qb, "loader.bin"),
        "recovery": os.path.join(qb, "recovery.signed.bin"),
        "app": os.path.join(qb, "app.signed.bin"),
        "ptable": os.path.join(qb, "layout", "ptable.bin"),
        "loader-elf": os.path.join(qb, "loader.elf"),
        "recovery-elf": os.path.join(qb, "recovery.elf"),
    }
    for v in variants:
        paths["app-" + v] = os.path.join(qb, f"app-{v}.signed.bin")
        paths[f"app-{v}-elf"] = os.path.join(qb, f"app-{v}.elf")
    with open(os.path.join(qb, "layout", "partitions.h")) as f:
        text = f.read()
    paths["layout"] = {m.group(1): int(m.group(2), 0) for m in re.finditer(
        r"#define (LB_\w+) (0x[0-9a-fA-F]+|\d+)u?\b", text)}
    return paths


@pytest.fixture(scope="session")
def fw():
    """Builds the images once; returns a dict of paths (images())."""
    make("qemu-images")
    for name, vars_ in APP_VARIANTS.items():
        make("qemu-app", f"APP_VARIANT={name}", *[f"{k}={v}" for k, v in vars_.items()])
    return images(BUILD, APP_VARIANTS)


class Flash:
    """A flash file of one test, assembled with `lifeboat mkflash`."""

    def __init__(self, fw, path, app="app", app_b=None, recovery="recovery", extra=()):
        self.fw, self.path = fw, path
        cmd = [LIFEBOAT, "mkflash", fw["ptable"], "--loader", fw["loader"], "-o", path]
        if recovery:
            cmd += ["--recovery", fw[recovery]]
        if app:
            cmd += ["--app", fw[app]]
        if app_b:
            cmd += ["--app-b", fw[app_b]]
        subprocess.run(cmd + list(extra), check=True)

    def part(self, name):
        lay = self.fw["layout"]
        return lay[f"LB_{name}_OFFSET"], lay[f"LB_{name}_SIZE"]

    def read(self, off, n):
        with open(self.path, "rb") as f:
            f.seek(off)
            return f.read(n)

    def write(self, off, data):
        with open(self.path, "r+b") as f:
            f.seek(off)
            f.write(data)


@pytest.fixture
def flash(fw, tmp_path):
    """Factory: flash(app=..., app_b=..., recovery=..., extra=[...]) -> Flash."""
    n = [0]

    def build(**kw):
        n[0] += 1
        return Flash(fw, str(tmp_path / f"flash{n[0]}.bin"), **kw)
    return build


class Qemu:
    """One qemu-system-arm process on a flash file; console lines collected
    by a reader thread. Always killed at the end of the test."""

    def __init__(self, fw, flash_path, strap=False, icount=False, cwd=None, gdb=False):
        cmd = ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
               "-serial", "stdio", "-semihosting-config",
               f"enable=on,target=native,arg=lifeboat,arg=flash={os.path.abspath(flash_path)}",
               "-kernel", fw["bootrom"]]
        if strap:
            cmd += ["-global", f"mps2-scc.scc-cfg0={STRAP_CFG0}"]
        if icount:
            cmd += ["-icount", "shift=0"]
        self._start(cmd, gdb, cwd)

    def _start(self, cmd, gdb, cwd=None):
        """Starts QEMU; with gdb, halted at reset behind its GDB stub on a
        free loopback port, connected as self.gdb (tests/support/gdbrsp.py)."""
        if gdb:
            port = free_port()
            cmd = cmd + ["-gdb", f"tcp:127.0.0.1:{port}", "-S"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd)
        self._start_readers()
        self.gdb = gdbrsp.Gdb(port) if gdb else None

    def _start_readers(self):
        """Console (stdout) and QEMU's own messages (stderr) are read apart
        and merged line by line, so that a QEMU warning never lands in the
        middle of a console line."""
        self.lines = []
        self.pos = 0
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout, True),
                                       daemon=True)
        self.reader.start()
        threading.Thread(target=self._read, args=(self.proc.stderr, False), daemon=True).start()

    def _read(self, stream, console):
        buf = b""
        while True:
            chunk = stream.read1(4096)
            if not chunk:
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            with self.cond:
                self.lines += [d.decode("utf-8", "replace").rstrip("\r") for d in done]
                self.cond.notify_all()
        with self.cond:
            if buf:
                self.lines.append(buf.decode("utf-8", "replace").rstrip("\r"))
            if console:
                self.lines.append(None)  # EOF marker
            self.cond.notify_all()

    def expect(self, pattern, timeout=20.0):
        """Waits for the next console line matching `pattern` (after the
        previous match) and returns its re.Match; fails on timeout/exit."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                while self.pos < len(self.lines):
                    line = self.lines[self.pos]
                    self.pos += 1
                    if line is None:
                        self.pos -= 1
                        raise AssertionError(f"QEMU exited waiting for {pattern!r}:\n"
                                             + self.transcript())
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timeout waiting for {pattern!r}:\n" + self.transcript())
                self.cond.wait(left)

    def boot(self, timeout=20.0):
        """Waits for the loader's next boot line; returns its fields."""
        return self.expect(BOOT_RE, timeout).groupdict()

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def transcript(self):
        return "\n".join(l for l in self.lines if l is not None)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=5)
        if self.gdb:
            self.gdb.close()
            self.gdb = None

    def arm(self, elf):
        """With gdb: a breakpoint at lb_qemu_flash_piece of the image `elf`
        (the guest halted for it if it was running, and left halted).
        Returns its address."""
        pc = gdbrsp.symbol(elf, "lb_qemu_flash_piece")
        if pc not in self.gdb.bps:
            if self.gdb.running:
                self.gdb.interrupt()
            self.gdb.break_at(pc)
        return pc

    def run_to_piece(self, elf, want, limit=5000, timeout=60.0):
        """With gdb: runs the guest until the image `elf` calls
        lb_qemu_flash_piece with (offset, length) for which want(off, n) is
        true, and stays halted there, before that piece is written. Returns
        (offset, length). At most `limit` pieces are passed over, within
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        pc = self.arm(elf)
        seen = []
        for _ in range(limit):
            try:
                regs = self.gdb.cont(max(deadline - time.monotonic(), 0.001))
            except AssertionError as e:
                raise AssertionError(f"{e}; flash writes passed over (offset, length): "
                                     f"{seen[-12:]}\n" + self.transcript()) from None
            at, off, n = regs[15], regs[0], regs[2]
            seen.append((hex(off), n))
            if at == pc and want(off, n):
                return off, n
        raise AssertionError(f"no matching flash write in {limit} pieces:\n" + self.transcript())


@pytest.fixture
def qemu(fw):
    """Factory: qemu(flash, strap=False) -> Qemu; every process is killed
    when the test ends."""
    procs = []

    def start(fl, **kw):
        q = Qemu(fw, fl.path if isinstance(fl, Flash) else fl, **kw)
        procs.append(q)
        return q
    yield start
    for q in procs:
        q.kill()
