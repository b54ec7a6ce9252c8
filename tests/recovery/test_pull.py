"""Self-heal where the user meets it: a device left alone whose app no
longer verifies, or crash-loops, fetches the update its fleet's static web
server offers (Debian's nginx on the host, reached by the guest as
10.0.2.2) and boots it; a device whose strap a person holds does not.

The recovery image under test is built from config/default.yaml with
recovery.update_url pointing at this session's nginx port; the loader,
table and apps are the default build's. Updates are published with
`lifeboat publish` exactly as a user would."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import LIFEBOAT, ROOT, NetQemu, harness
from test_recovery import status

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from nginx import Server, free_port  # noqa: E402

PULL = os.path.join(ROOT, "build", "test-pull")


@pytest.fixture(scope="session")
def pull(fw):
    """(fw dict with the self-healing recovery image, site folder, nginx
    restartable with other settings: nginx.Server)."""
    port = free_port()
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^(  update_url: )http://10\.0\.2\.2:8000/demo-sensor/version\.json",
                      rf"\g<1>http://10.0.2.2:{port}/fleet/demo-sensor/version.json", text)
    assert n == 2, "config/default.yaml: the update_url lines moved"
    os.makedirs(PULL, exist_ok=True)
    layout = os.path.join(PULL, "default-pull.yaml")
    with open(layout, "w") as f:
        f.write(text)
    qb = os.path.join(PULL, "qemu-mps2-an385")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", os.path.join(qb, "recovery.signed.bin"))
    with open(os.path.join(qb, "layout", "partitions.h")) as f:
        assert f"10.0.2.2:{port}/fleet" in f.read()
    paths = dict(fw)
    paths["recovery"] = os.path.join(qb, "recovery.signed.bin")
    site = os.path.join(PULL, "site")
    os.makedirs(site, exist_ok=True)
    web = Server(site, port)
    try:
        yield paths, site, web
    finally:
        web.stop()


def publish(site, *images):
    d = os.path.join(site, "fleet", "demo-sensor")
    p = subprocess.run([LIFEBOAT, "publish", "--out", d, *images], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return os.path.join(d, "version.json")


def requests_for(web, since):
    """Request lines nginx logged after `since` characters of its log."""
    return [l for l in web.log()[since:].splitlines() if "GET /fleet/" in l]


def sign_app(raw, out, version, *extra):
    """`lifeboat sign` of the raw binary `raw` as this build's app
    (development key, QEMU load address), into `out`."""
    p = subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(ROOT, "build", "keys", "dev.pem"),
                        "--header-size", "0x200", "--load-addr", "0x00100000", "--product",
                        "demo-sensor", "--kind", "app", "--version", version, *extra, raw, out],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return out


def big_image(tmp_path, version="9.0.0", like=None):
    """A signed 1 MiB app image this build accepts: a random body, or with
    `like` (a file) that file's bytes over and over, signed compressed
    (lifeboat sign --compress)."""
    body, img = str(tmp_path / "big.bin"), str(tmp_path / "big.signed.bin")
    n = 1024 * 1024 - 0x400
    with open(body, "wb") as f:
        if like is None:
            f.write(os.urandom(n))
        else:
            with open(like, "rb") as src:
                code = src.read()
            f.write((code * (n // len(code) + 1))[:n])
    sign_app(body, img, version, *(["--compress"] if like else []))
    return img


def publish_slowly(site, web, img):
    """Publishes `img` and restarts nginx rate-limited to 256 KiB/s (about
    4 s for 1 MiB, so that a cut lands mid-body). Returns its size."""
    publish(site, img)
    web.restart(extra="limit_rate 256k;")
    return os.path.getsize(img)


def corrupt_body(fl, part):
    off, _ = fl.part(part)
    body = off + 0x200 + 64
    fl.write(body, bytes([fl.read(body, 1)[0] ^ 0x5A]))


def test_no_valid_app_heals_itself_from_the_published_update(pull, tmp_path):
    fw, site, web = pull
    publish(site, fw["app-v2"])
    mark = len(web.log())
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    corrupt_body(fl, "SLOT0")
    q = NetQemu(fw, fl.path)
    try:
        assert q.boot()["reason"] == "no-valid-app", q.transcript()
        q.expect(r"\[recovery\] self-heal: installed app 1\.1\.0\+0", 60)
        q.expect(r"\[recovery\] rebooting")
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] \S+ version 1\.1\.0")
        q.expect(r"\[app\] healthy: reported")
    finally:
        q.kill()
    got = requests_for(web, mark)
    assert any("version.json" in l for l in got) and any("app-1.1.0-0.bin" in l for l in got)


def test_strap_held_recovery_waits_for_a_person(pull, tmp_path):
    fw, site, web = pull
    publish(site, fw["app-v2"])
    mark = len(web.log())
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    q = NetQemu(fw, fl.path, strap=True)
    try:
        assert q.boot()["reason"] == "strap"
        q.serving()
        time.sleep(6)  # past the first check's delay (LB_PULL_FIRST_DELAY_MS)
        assert "self-heal" not in q.transcript()
        assert [sl["state"] for sl in status(q)["slots"]] == ["confirmed", "empty"]
    finally:
        q.kill()
    assert requests_for(web, mark) == []


def claim_another_sha256(text):
    """The manifest text with its image's sha256 one hex digit off."""
    m = re.search(r'"sha256": "([0-9a-f])', text)
    flipped = "0" if m.group(1) != "0" else "1"
    return text[:m.start(1)] + flipped + text[m.end(1):]


@pytest.mark.parametrize("lie", ["build", "sha256"])
def test_manifest_that_disagrees_with_its_image_is_refused_then_retried(pull, tmp_path, lie):
    """The manifest names the right file but claims another build number,
    or another SHA-256 of the file (the one hash the stream verifier runs
    serves the image check and this one): the image downloads, verifies,
    and is still refused (nothing activated, slot b stays empty); once the
    manifest is fixed, the next attempt installs it."""
    fw, site, web = pull
    man = publish(site, fw["app-v2"])
    with open(man) as f:
        text = f.read()
    claimed = "1.1.0+1" if lie == "build" else "1.1.0+0"
    with open(man, "w") as f:
        f.write(text.replace('"1.1.0+0"', '"1.1.0+1"') if lie == "build"
                else claim_another_sha256(text))
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    corrupt_body(fl, "SLOT0")
    q = NetQemu(fw, fl.path)
    try:
        assert q.boot()["reason"] == "no-valid-app"
        q.expect(r"\[recovery\] self-heal: image refused: manifest and image disagree", 60)
        s = status(q)  # nothing activated
        assert s["slots"][1]["state"] == "empty", s
        # A whole pull (download, hash, ECDSA, the manifest check) stays inside
        # the stack reserve (a peak equal to it means it was overrun).
        assert 0 < s["stack_peak"] < s["stack_reserve"], s
        # The same bytes are not fetched again while the manifest offers them.
        q.expect(r"\[recovery\] self-heal: offer skipped \(failed here before\): "
                 + re.escape(claimed), 30)
        publish(site, fw["app-v2"])
        q.expect(r"\[recovery\] self-heal: installed app 1\.1\.0\+0", 60)
        assert q.boot()["slot"] == "b", q.transcript()
    finally:
        q.kill()


def test_crash_looping_app_is_not_reinstalled_but_a_new_version_is(pull, tmp_path):
    fw, site, web = pull
    publish(site, fw["app-fault"])  # the very version that crashes
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app-fault")
    q = NetQemu(fw, fl.path)
    try:
        for _ in range(8):
            b = q.boot()
            if b["image"] == "recovery":
                break
        assert b["reason"] == "crash-loop", q.transcript()
        q.expect(r"\[recovery\] self-heal: offer skipped \(failed here before\): 1\.0\.0", 60)
        publish(site, fw["app-v2"])
        q.expect(r"\[recovery\] self-heal: installed app 1\.1\.0\+0", 60)
        assert q.boot()["slot"] == "b", q.transcript()
        q.expect(r"\[app\] \S+ version 1\.1\.0")
    finally:
        q.kill()


def upload_progress(q):
    """(received, total) of the install in progress, from /api/status."""
    up = status(q)["upload"]
    return (up["received"], up["total"]) if up["active"] else (0, 0)


@pytest.mark.parametrize("cuts", [[30], [30, 70]])
def test_self_heal_resumes_a_download_cut_by_power_loss(pull, tmp_path, cuts):
    """A device nobody looks after loses power while recovery downloads
    its repair (kill -9 of QEMU at the instants listed, read off
    /api/status): at the next boot recovery continues from what the slot
    holds (every complete erase unit, the resume record of docs/SPEC.md)
    with one Range request nginx answers 206, verifies the image as a whole
    and boots it. nginx is rate-limited so that the cuts land mid-body."""
    fw, site, web = pull
    size = publish_slowly(site, web, big_image(tmp_path, "9.2.0"))
    unit = 4096  # config/default.yaml's erase unit
    try:
        fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
        corrupt_body(fl, "SLOT0")
        cut_at = []  # bytes received at each cut
        for i, pct in enumerate(cuts + [None]):
            q = NetQemu(fw, fl.path)
            try:
                assert q.boot()["reason"] == "no-valid-app", q.transcript()
                if i == 0:
                    q.expect(r"\[recovery\] self-heal: downloading ", 30)
                else:
                    q.expect(r"\[recovery\] self-heal: the download was cut by a reset", 30)
                if pct is None:
                    q.expect(r"\[recovery\] self-heal: installed app 9\.2\.0\+0", 60)
                    q.expect(r"\[recovery\] rebooting")
                    b = q.boot()
                    assert (b["image"], b["slot"], b["reason"]) == ("app", "b", "trial"), \
                        q.transcript()
                    break
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    got, total = upload_progress(q)
                    if total and got * 100 >= total * pct:
                        break
                    time.sleep(0.1)
                else:
                    raise AssertionError(f"never reached {pct}%: " + q.transcript())
                cut_at.append(got)
            finally:
                q.kill()  # the power cut (or the end)
        # Each continued download was one Range request from where the
        # slot's record said (at least every complete unit of what had
        # arrived before the cut), answered 206; the last one with exactly
        # the rest (the others were cut in turn).
        lines = [l for l in requests_for(web, 0) if "app-9.2.0-0.bin" in l]
        assert len(lines) == 1 + len(cuts), web.log()
        for k, line in enumerate(lines[1:]):
            m = re.search(r'" (\d+) (\d+) .*range=bytes=(\d+)-$', line)
            assert m and m.group(1) == "206", line
            at = int(m.group(3))
            assert at % unit == 0 and cut_at[k] // unit * unit - unit <= at < size, (cut_at, line)
            assert int(m.group(2)) == size - at or k < len(cuts) - 1, line
    finally:
        web.restart()
