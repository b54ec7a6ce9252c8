"""What recovery refuses never runs, on the emulated board.

Every refusal of the image verifier is a 422 with its precise reason, and
leaves the slots as they were; a refused image on a device with nothing
installed (flashed with recovery only) or on the single-slot layout is not
booted after the next power cycle, and does not move the security floor.
Images are built by the independent oracle (tests/image/oracle.py) from the
real app binary, signed with the development key the firmware trusts (or
another one)."""
import hashlib
import os
import subprocess
import zlib

from conftest import LIFEBOAT, ROOT, harness, oracle
from test_recovery import read, status, upload

APP = dict(load_addr=0x00100000, flags=oracle.F_RAM_LOAD, hdr_size=0x200, kind="app",
           product="demo-sensor", version=(1, 1, 0, 0))


def body_of(fw):
    return read(os.path.join(os.path.dirname(fw["app"]), "app-v2.bin"))


def build(body, key, **kw):
    args = dict(APP, key=key)
    args.update(kw)
    return oracle.encode(body, **args)


def patch(img, off, data):
    b = bytearray(img)
    b[off:off + len(data)] = data
    return bytes(b)


def expect_booted(q, image, reason):
    b = q.boot()
    assert (b["image"], b["reason"]) == (image, reason), q.transcript()
    return b


def test_every_verifier_refusal_is_422_and_changes_nothing(fw, flash, nqemu, devkey, tmp_path):
    """One upload per refusal code (docs/recovery.md's table); afterwards
    the factory app still boots, the boot state is as before."""
    # Factory app with security counter 5, so a downgrade can be tried.
    c5 = str(tmp_path / "app-c5.signed.bin")
    r = subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(ROOT, "build", "keys", "dev.pem"),
                        "--header-size", "0x200", "--load-addr", "0x00100000", "--product",
                        "demo-sensor", "--kind", "app", "--version", "1.0.0",
                        "--security-counter", "5", os.path.join(os.path.dirname(fw["app"]),
                                                                "app.bin"), c5],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    fl = harness.Flash(dict(fw, c5=c5), str(tmp_path / "flash.bin"), app="c5")
    q = nqemu(fl, strap=True)
    q.serving()
    before = status(q)
    assert before["min_security_counter"] == 5, before
    body = body_of(fw)
    good = build(body, devkey, sec_cnt=6)
    plen = 0x200 + len(body)  # where the protected TLV area starts
    sig = good[-8:]
    cases = [
        ("bad magic", patch(good, 0, b"\x00")),
        ("bad size", patch(good, 8, b"\x10\x00")),  # header size 16 < 32
        ("unsupported image flags", build(body, devkey, sec_cnt=6,
                                          flags=oracle.F_RAM_LOAD | 0x04)),
        # Compressed (lifeboat sign --compress): recovery installs plain
        # images only (LB_CFG_INSTALL_DEFLATE 0 there).
        ("unsupported image flags", build(
            zlib.compress(good, 9)[2:-4], devkey, sec_cnt=6, flags=oracle.F_RAM_LOAD | 0x01000000,
            extra_prot=oracle.tlv(0x70, len(good).to_bytes(4, "little"))
            + oracle.tlv(0x71, hashlib.sha256(good).digest()))),
        ("out of range", patch(good, 12, (0x7FFFFF00).to_bytes(4, "little"))),
        ("does not fit the load area", build(body, devkey, sec_cnt=6, load_addr=0x00500000)),
        ("does not fit the load area", build(body, devkey, sec_cnt=6, load_addr=0x003FF000)),
        ("image truncated", good[:-64]),
        ("malformed tlv", patch(good, plen, b"\x00\x00")),  # protected area's magic
        ("tlv in wrong area", build(body, devkey, sec_cnt=6,
                                    extra_prot=oracle.tlv(oracle.T_SHA256, bytes(32)))),
        ("unknown protected tlv", build(body, devkey, sec_cnt=6,
                                        extra_prot=oracle.tlv(0x60, bytes(4)))),
        ("hash mismatch", patch(good, 0x300, bytes([good[0x300] ^ 0xFF]))),
        ("image not signed", build(body, None, sec_cnt=6)),
        ("untrusted key", build(body, oracle.new_key(), sec_cnt=6)),
        ("bad signature", good[:-8] + bytes([sig[0] ^ 0x01]) + sig[1:]),
        ("wrong image kind", build(body, devkey, sec_cnt=6, kind="recovery")),
        ("wrong product", build(body, devkey, sec_cnt=6, product="other-product")),
        ("security counter too low", build(body, devkey, sec_cnt=4)),
        ("data after the image end", good + b"\xff" * 16),
    ]
    for reason, img in cases:
        st, _, text = upload(q, img)
        assert st == 422 and reason in text, (reason, st, text)
        assert status(q)["upload"]["active"] is False
    after = status(q)
    assert after["slots"] == before["slots"], (before["slots"], after["slots"])
    assert after["min_security_counter"] == 5
    # The device still takes the genuine image afterwards.
    st, _, text = upload(q, good)
    assert st == 200 and "installed in slot b" in text, text
    q.expect(r"\[recovery\] rebooting")
    assert q.boot() == {"image": "app", "slot": "b", "reason": "trial", "reset": "software"}


def refused_then_power_cycle(q_start, fl, img, reason):
    """Pushes `img` to recovery (strap held), expects 422 `reason`, then
    power-cycles with the strap released: the loader must not boot it."""
    q = q_start(fl, strap=True)
    q.serving()
    floor = status(q)["min_security_counter"]
    st, _, text = upload(q, img)
    assert st == 422 and reason in text, (st, text)
    q.kill()
    q = q_start(fl)
    b = q.boot()
    assert b["image"] == "recovery" and b["reason"] == "no-valid-app", q.transcript()
    q.serving()
    s = status(q)
    assert s["min_security_counter"] == floor, s
    assert all(sl["state"] != "confirmed" for sl in s["slots"]), s
    return q


def test_untrusted_key_on_recovery_only_device_never_boots(fw, flash, nqemu, devkey):
    """A/B device flashed with recovery only: the slot the refused image
    went to is marked empty, so the loader's factory adoption looks at it;
    it must find nothing that verifies."""
    fl = flash(app=None)
    body = body_of(fw)
    rogue = build(body, oracle.new_key(), sec_cnt=9)
    q = refused_then_power_cycle(nqemu, fl, rogue, "untrusted key")
    # A bad signature (valid hash) is refused the same way.
    q.kill()
    bad = build(body, devkey, sec_cnt=9)
    bad = bad[:-8] + bytes([bad[-8] ^ 0x01]) + bad[-7:]
    q = refused_then_power_cycle(nqemu, fl, bad, "bad signature")
    # The genuine image is accepted and boots on trial.
    st, _, text = upload(q, read(fw["app-v2"]))
    assert st == 200, text
    q.expect(r"\[recovery\] rebooting")
    assert q.boot()["reason"] == "trial"
    q.expect(r"\[app\] healthy: reported")


def test_untrusted_key_on_single_slot_device_never_boots(fw_single, flash_single, nqemu_single):
    """Single-slot layout: every update marks the only slot empty first
    (the documented trade-off: the old app is gone), so a refused image
    meets the factory-adoption row at the next boot."""
    fl = flash_single(app="app")
    q = nqemu_single(fl)
    assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "power-on"}
    q.kill()
    rogue = build(read(fw_single["app-v2-bin"]), oracle.new_key(), sec_cnt=9)
    q = refused_then_power_cycle(nqemu_single, fl, rogue, "untrusted key")
    st, _, text = upload(q, read(fw_single["app-v2"]))
    assert st == 200 and "installed in slot a" in text, text
    q.expect(r"\[recovery\] rebooting")
    assert q.boot() == {"image": "app", "slot": "a", "reason": "trial", "reset": "software"}
    q.expect(r"\[app\] \S+ version 1\.1\.0")
    q.expect(r"\[app\] healthy: reported")
