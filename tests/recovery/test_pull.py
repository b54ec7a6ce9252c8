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
from nginx import Nginx, free_port  # noqa: E402

PULL = os.path.join(ROOT, "build", "test-pull")


@pytest.fixture(scope="session")
def pull(fw):
    """(fw dict with the self-healing recovery image, site folder, nginx)."""
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
    with Nginx(site, port=port) as web:
        yield paths, site, web


def publish(site, *images):
    d = os.path.join(site, "fleet", "demo-sensor")
    p = subprocess.run([LIFEBOAT, "publish", "--out", d, *images], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return os.path.join(d, "version.json")


def requests_for(web, since):
    """Request lines nginx logged after `since` characters of its log."""
    return [l for l in web.log()[since:].splitlines() if "GET /fleet/" in l]


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
