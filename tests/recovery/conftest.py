"""Fixtures for the recovery scenarios: the QEMU harness of tests/qemu
(session firmware, per-test flash files, console runner) plus a user-mode
NIC whose HTTP port is forwarded to a free port on 127.0.0.1 only."""
import importlib.util
import os

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


free_port = harness.free_port


class NetQemu(harness.Qemu):
    """harness.Qemu with `-nic user,hostfwd=tcp:127.0.0.1:PORT-:80`."""

    def __init__(self, fw_, flash_path, strap=False, port=None, gdb=False):
        self.port = port or free_port()
        cmd = ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
               "-serial", "stdio", "-semihosting-config",
               f"enable=on,target=native,arg=lifeboat,arg=flash={os.path.abspath(flash_path)}",
               "-nic", f"user,model=lan9118,hostfwd=tcp:127.0.0.1:{self.port}-:80",
               "-kernel", fw_["bootrom"]]
        if strap:
            cmd += ["-global", f"mps2-scc.scc-cfg0={harness.STRAP_CFG0}"]
        self._start(cmd, gdb)

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


_ospec = importlib.util.spec_from_file_location(
    "image_oracle", os.path.join(os.path.dirname(__file__), "..", "image", "oracle.py"))
oracle = importlib.util.module_from_spec(_ospec)
_ospec.loader.exec_module(oracle)

SINGLE = os.path.join(ROOT, "build", "qemu-single")


@pytest.fixture(scope="session")
def fw_single(fw):
    """The images of config/single-slot.yaml (one app slot + recovery),
    built into build/qemu-single with the same development key; the same
    dict shape as `fw`."""
    harness.make(f"QB={SINGLE}", "LAYOUT=config/single-slot.yaml", "qemu-images")
    harness.make(f"QB={SINGLE}", "LAYOUT=config/single-slot.yaml", "qemu-app", "APP_VARIANT=v2",
                 "APP_VERSION=1.1.0")
    harness.make(f"QB={SINGLE}", "LAYOUT=config/single-slot.yaml", "qemu-app", "APP_VARIANT=hang",
                 "APP_HANG=1", "APP_VERSION=1.2.0")
    paths = harness.images(SINGLE, ("v2", "hang"))
    paths["app-v2-bin"] = os.path.join(SINGLE, "app-v2.bin")
    assert paths["layout"]["LB_SLOT_COUNT"] == 1, "single-slot layout expected"
    return paths


@pytest.fixture
def flash_single(fw_single, tmp_path):
    """flash(...) for the single-slot layout."""
    n = [0]

    def build(**kw):
        n[0] += 1
        return harness.Flash(fw_single, str(tmp_path / f"single{n[0]}.bin"), **kw)
    return build


@pytest.fixture
def nqemu_single(fw_single):
    procs = []

    def start(fl, **kw):
        q = NetQemu(fw_single, fl.path, **kw)
        procs.append(q)
        return q
    yield start
    for q in procs:
        q.kill()


@pytest.fixture(scope="session")
def devkey(fw):
    """The development signing key the firmware trusts (python3-cryptography)."""
    from cryptography.hazmat.primitives import serialization
    with open(os.path.join(ROOT, "build", "keys", "dev.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)
