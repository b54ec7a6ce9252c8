"""Secure boot where the user meets it: the loader of a `boot.verify:
signature` layout, booted on the emulated board with app images that are
signed by the trusted key, signed by another key, or not signed at all
(hash only); and pushes of unsigned and wrong-key images to recovery
followed by a power cycle.

The signature layout is config/default.yaml with `verify: signature`,
built into build/qemu-sig-<backend> with the same development key, once
per signature backend of lib/src/sig/ (SIG_BACKEND=bearssl, the default,
and mbedtls): every test that boots the signature build runs on both.
Images come from the independent oracle (tests/image/oracle.py) over the
real app binary."""
import os

import pytest

from conftest import LIFEBOAT, ROOT, NetQemu, harness, oracle
from test_recovery import status, upload
from test_refusals import APP, body_of, build, expect_booted

BACKENDS = ("bearssl", "mbedtls")  # lib/src/sig/, SIG_BACKEND of mk/fw-qemu.mk


@pytest.fixture(scope="session", params=BACKENDS)
def fw_sig(fw, request):
    """The images of the default layout with `boot.verify: signature`, built
    with each signature backend in turn."""
    backend = request.param
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    assert "verify: hash" in text
    sig = os.path.join(ROOT, "build", f"qemu-sig-{backend}")
    os.makedirs(sig, exist_ok=True)
    layout = os.path.join(sig, "default-signature.yaml")
    with open(layout, "w") as f:
        f.write(text.replace("verify: hash", "verify: signature"))
    harness.make(f"QB={sig}", f"LAYOUT={layout}", f"SIG_BACKEND={backend}", "qemu-images")
    with open(os.path.join(sig, "layout", "partitions.h")) as f:
        assert "#define LB_BOOT_VERIFY_SIGNATURE 1" in f.read(), "signature layout expected"
    with open(os.path.join(sig, "sig-backend.txt")) as f:
        assert f.read().strip() == backend
    paths = dict(fw)
    paths.update({
        "bootrom": os.path.join(sig, "bootrom.elf"),
        "loader": os.path.join(sig, "loader.bin"),
        "recovery": os.path.join(sig, "recovery.signed.bin"),
        "app": os.path.join(sig, "app.signed.bin"),
        "ptable": os.path.join(sig, "layout", "ptable.bin"),
    })
    return paths


def sig_flash(fw_sig, tmp_path, name, app_img):
    """A flash file of the signature layout whose slot a holds `app_img`
    (bytes), confirmed as if from the factory."""
    img = tmp_path / f"{name}.img"
    img.write_bytes(app_img)
    path = str(tmp_path / f"{name}.flash")
    harness.subprocess.run([LIFEBOAT, "mkflash", fw_sig["ptable"], "--loader", fw_sig["loader"],
                            "--recovery", fw_sig["recovery"], "--app", str(img), "-o", path],
                           check=True)
    return path


def boot(fw_sig, path):
    q = harness.Qemu(fw_sig, path)
    try:
        return q.boot(), q
    except Exception:
        q.kill()
        raise


def test_signature_loader_boots_only_images_signed_by_its_key(fw, fw_sig, tmp_path, devkey):
    body = body_of(fw)
    cases = [("right-key", build(body, devkey), ("app", "normal")),
             ("wrong-key", build(body, oracle.new_key()), ("recovery", "no-valid-app")),
             ("unsigned", build(body, None), ("recovery", "no-valid-app"))]
    for name, img, want in cases:
        b, q = boot(fw_sig, sig_flash(fw_sig, tmp_path, name, img))
        try:
            assert (b["image"], b["reason"]) == want, (name, q.transcript())
            if want[0] == "app":
                q.expect(r"\[app\] healthy: reported")
        finally:
            q.kill()


def test_signature_loader_refuses_a_kind_mismatch(fw, fw_sig, tmp_path, devkey):
    """A recovery image signed by the right key, placed in an app slot, is
    not booted as the app (its kind is recovery)."""
    body = body_of(fw)
    img = build(body, devkey, kind="recovery")
    # mkflash itself refuses the wrong kind for a slot: a good image first,
    # then the recovery-kind one written over it by hand.
    path = sig_flash(fw_sig, tmp_path, "kind", build(body, devkey))
    fl = harness.Flash.__new__(harness.Flash)
    fl.fw, fl.path = fw_sig, path
    off, size = fl.part("SLOT0")
    fl.write(off, img + b"\xff" * (4096 - len(img) % 4096))
    b, q = boot(fw_sig, path)
    try:
        assert (b["image"], b["reason"]) == ("recovery", "no-valid-app"), q.transcript()
    finally:
        q.kill()


def test_signature_build_recovery_installs_only_trusted_uploads(fw, fw_sig, tmp_path, devkey):
    """The recovery image of the signature build (each backend): an upload
    signed by another key that names the trusted key's hash gets past the
    key-hash compare and is refused by ECDSA itself (422, nothing
    installed); a properly signed newer app is installed and boots on
    trial from slot b under the signature loader."""
    body = body_of(fw)
    path = sig_flash(fw_sig, tmp_path, "push", build(body, devkey))
    q = NetQemu(fw_sig, path, strap=True)
    try:
        assert q.boot()["reason"] == "strap", q.transcript()
        q.serving()
        forged = build(body, oracle.new_key(), version=(2, 0, 0, 0),
                       claim_key=devkey.public_key())
        st, _, text = upload(q, forged)
        assert st == 422 and "bad signature" in text, (st, text)
        assert [sl["state"] for sl in status(q)["slots"]] == ["confirmed", "empty"]
        st, _, text = upload(q, build(body, devkey, version=(2, 0, 0, 0)))
        assert st == 200, (st, text)
        q.expect(r"\[recovery\] rebooting")
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] healthy: reported")
    finally:
        q.kill()


@pytest.mark.parametrize("which", ["unsigned", "wrong-key"])
def test_upload_without_the_trusted_signature_is_refused_and_never_boots(
        fw, flash, nqemu, which):
    """On the default (hash) layout: recovery requires the trusted
    signature on every upload, whatever the loader checks at boot. The
    refused image is not installed: after a power cycle the confirmed app
    boots, not the pushed one."""
    fl = flash(app="app")
    body = body_of(fw)
    key = None if which == "unsigned" else oracle.new_key()
    img = build(body, key, version=(2, 0, 0, 0), sec_cnt=3)
    q = nqemu(fl, strap=True)
    q.serving()
    st, _, text = upload(q, img)
    want = "image not signed" if which == "unsigned" else "untrusted key"
    assert st == 422 and want in text, (st, text)
    s = status(q)
    assert [sl["state"] for sl in s["slots"]] == ["confirmed", "empty"], s
    q.kill()
    q = nqemu(fl)
    b = expect_booted(q, "app", "normal")
    assert b["slot"] == "a"
    q.expect(r"\[app\] \S+ version 1\.0\.0")


def test_loader_refuses_a_downgrade_and_a_foreign_product_in_a_slot(fw, flash, tmp_path, devkey):
    """On the default (hash) layout: an image below the security floor, or
    for another product, written into the confirmed slot (its hash intact)
    is not booted; the device falls back to recovery and the floor stays."""
    body = body_of(fw)
    for name, bad in (("downgrade", build(body, devkey, sec_cnt=1)),
                      ("foreign", build(body, devkey, sec_cnt=5, product="other-product"))):
        good = build(body, devkey, sec_cnt=5)
        path = tmp_path / f"{name}-good.img"
        path.write_bytes(good)
        fl = flash(app=None, extra=["--app", str(path)])  # confirmed, floor 5
        off, _ = fl.part("SLOT0")
        fl.write(off, bad + b"\xff" * max(0, len(good) - len(bad)))
        q = harness.Qemu(fw, fl.path)
        try:
            b = q.boot()
            assert (b["image"], b["reason"]) == ("recovery", "no-valid-app"), (name,
                                                                                q.transcript())
        finally:
            q.kill()
