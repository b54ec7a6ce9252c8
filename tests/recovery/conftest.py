"""Fixtures for the recovery scenarios: the QEMU harness of tests/qemu
(session firmware, per-test flash files, console runner) plus a user-mode
NIC whose HTTP port is forwarded to a free port on 127.0.0.1 only."""
import importlib.util
import os
import socket
import subprocess
import threading

import pytest

_spec = importlib.util.spec_from_file_location(
    "qemu_harness", os.path.join(os.path.dirname(__file__), "..", "qemu", "conftest.py"))
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

fw = harness.fw
flash = harness.flash
LIFEBOAT = harness.LIFEBOAT
ROOT = harness.ROOT


@pytest.fixture(scope="session")
def idle_recovery(fw):
    """A recovery image built from config/default.yaml with
    recovery.idle_timeout_s: 3 (same partitions, key and product), for the
    idle-timeout scenario. Returns the signed image's path."""
    d = os.path.join(ROOT, "build", "test-recovery-idle")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    text = text.replace("idle_timeout_s: 600", "idle_timeout_s: 3")
    assert "idle_timeout_s: 3" in text
    layout = os.path.join(d, "default-idle.yaml")
    if not os.path.exists(layout) or open(layout).read() != text:
        with open(layout, "w") as f:
            f.write(text)
    qb = os.path.join(d, "qemu-mps2-an385")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", os.path.join(qb, "recovery.signed.bin"))
    return os.path.join(qb, "recovery.signed.bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NetQemu(harness.Qemu):
    """harness.Qemu with `-nic user,hostfwd=tcp:127.0.0.1:PORT-:80`."""

    def __init__(self, fw_, flash_path, strap=False, port=None):
        self.port = port or free_port()
        cmd = ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
               "-serial", "stdio", "-semihosting-config",
               f"enable=on,target=native,arg=lifeboat,arg=flash={os.path.abspath(flash_path)}",
               "-nic", f"user,model=lan9118,hostfwd=tcp:127.0.0.1:{self.port}-:80",
               "-kernel", fw_["bootrom"]]
        if strap:
            cmd += ["-global", f"mps2-scc.scc-cfg0={harness.STRAP_CFG0}"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.lines = []
        self.pos = 0
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def serving(self, timeout=20.0):
        """Waits until recovery's netif is up (connections before are lost)."""
        self.expect(r"\[recovery\] netif up", timeout)


@pytest.fixture
def nqemu(fw):
    procs = []

    def start(fl, **kw):
        q = NetQemu(fw, fl.path if isinstance(fl, harness.Flash) else fl, **kw)
        procs.append(q)
        return q
    yield start
    for q in procs:
        q.kill()
