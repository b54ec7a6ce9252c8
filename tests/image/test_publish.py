"""`lifeboat publish`: signed images in, a folder any static web server
serves out (version.json + the images), checked against the images' own
headers, refused whole on any bad input, and served for real by Debian's
nginx on loopback and fetched with curl, as a device's update agent will."""
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse

import pytest

import oracle
from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from nginx import Nginx  # noqa: E402

PRODUCT = "demo-sensor"


@pytest.fixture
def keys(tmp_path, lifeboat):
    lifeboat("keygen", "-o", tmp_path / "k.pem", check=0)
    return tmp_path / "k.pem", tmp_path / "k.pub.pem"


def signed(lifeboat, tmp_path, key, name, kind="app", version="1.2.3+4", product=PRODUCT,
           extra=(), body=None):
    (tmp_path / f"{name}.in").write_bytes(body or bytes(range(256)) * 12)
    out = tmp_path / f"{name}.bin"
    lifeboat("sign", "--key", key, "--version", version, "--kind", kind, "--product", product,
             *extra, tmp_path / f"{name}.in", out, check=0)
    return out


def info(lifeboat, path):
    return json.loads(lifeboat("info", "--json", path, check=0).stdout)


def test_publish_writes_the_manifest_from_the_images_headers(tmp_path, lifeboat, keys):
    priv, pub = keys
    app = signed(lifeboat, tmp_path, priv, "app", version="2.1.0+7",
                 extra=("--security-counter", "3", "--pad-to", "16384"))
    rec = signed(lifeboat, tmp_path, priv, "rec", kind="recovery", version="1.0.1")
    out = tmp_path / "site"
    p = lifeboat("publish", "--out", out, "-k", pub, "--json", app, rec, check=0)
    res = json.loads(p.stdout)
    man = json.loads((out / "version.json").read_text())
    assert set(man) == {"manifest", "product", "images"} and man["manifest"] == 1
    assert man["product"] == PRODUCT and res["product"] == PRODUCT
    assert [e["kind"] for e in man["images"]] == ["app", "recovery"]
    for e, src, r in zip(man["images"], (app, rec), res["images"]):
        i = info(lifeboat, src)
        raw = src.read_bytes()
        served = (out / e["url"]).read_bytes()
        # The image proper, byte for byte: padding after the TLVs is not published.
        assert served == raw[:i["total_size"]] and e["size"] == len(served)
        assert e["sha256"] == hashlib.sha256(served).hexdigest() == r["sha256"]
        assert e["version"] == i["header"]["version_str"]
        assert e["security_counter"] == i["security_counter"]
        assert r["file"] == str(out / e["url"]) and "/" not in e["url"]
    assert man["images"][0]["url"] == "app-2.1.0-7.bin"
    assert man["images"][0]["security_counter"] == 3
    assert len(app.read_bytes()) == 16384 > man["images"][0]["size"]
    # The published copy is still a valid image under the key.
    lifeboat("verify", "--key", pub, out / man["images"][0]["url"], check=0)
    # Text output names every file written.
    p = lifeboat("publish", "-o", out, app, check=0)
    assert f"{out}/app-2.1.0-7.bin: app 2.1.0+7" in p.stdout
    assert f"{out}/version.json: 1 image for {PRODUCT}" in p.stdout
    assert [e["kind"] for e in json.loads((out / "version.json").read_text())["images"]] == ["app"]


def test_publish_refuses_bad_input_and_changes_nothing(tmp_path, lifeboat, keys):
    priv, pub = keys
    app = signed(lifeboat, tmp_path, priv, "app")
    out = tmp_path / "site"
    lifeboat("publish", "--out", out, app, check=0)
    before = {f: (out / f).read_bytes() for f in os.listdir(out)}
    other_key = tmp_path / "o.pem"
    lifeboat("keygen", "-o", other_key, check=0)
    raw = app.read_bytes()
    bad = {
        "unsigned": oracle.encode(bytes(100), kind="app", product=PRODUCT),
        "no kind": oracle.encode(bytes(100), key=oracle.new_key(), product=PRODUCT),
        "no product": oracle.encode(bytes(100), key=oracle.new_key(), kind="app"),
        "tampered": raw[:40] + bytes([raw[40] ^ 1]) + raw[41:],
        "truncated": raw[:-10],
    }
    want = {"unsigned": "image not signed", "no kind": "no kind TLV",
            "no product": "no product TLV", "tampered": "hash mismatch",
            "truncated": "image truncated"}
    for name, data in bad.items():
        f = tmp_path / f"bad-{name}.bin"
        f.write_bytes(data)
        p = lifeboat("publish", "--out", out, f, app)
        assert p.returncode == 1 and want[name] in p.stderr, (name, p.stderr)
    # Two apps; two products; another key than the one given.
    app2 = signed(lifeboat, tmp_path, priv, "app2", version="3.0.0")
    p = lifeboat("publish", "--out", out, app, app2)
    assert p.returncode == 1 and "a second app image" in p.stderr
    foreign = signed(lifeboat, tmp_path, priv, "f", kind="recovery", product="other")
    p = lifeboat("publish", "--out", out, app, foreign)
    assert p.returncode == 1 and "one manifest per product" in p.stderr
    p = lifeboat("publish", "--out", out, "-k", str(other_key).replace(".pem", ".pub.pem"), app2)
    assert p.returncode == 1 and "untrusted key" in p.stderr
    assert {f: (out / f).read_bytes() for f in os.listdir(out)} == before
    # Usage errors.
    assert lifeboat("publish", app).returncode == 2
    assert lifeboat("publish", "--out", out).returncode == 2
    p = lifeboat("publish", "--out", out, tmp_path / "missing.bin")
    assert p.returncode == 1 and "missing.bin" in p.stderr


def test_published_folder_is_served_by_nginx_as_it_is(tmp_path, lifeboat, keys):
    """What a device's agent will do, with curl against a real nginx: GET
    version.json, resolve the entry's url against it, GET the image, and
    check its size and SHA-256 before anything else."""
    priv, pub = keys
    app = signed(lifeboat, tmp_path, priv, "app", version="4.5.6+7")
    site = tmp_path / "site"
    fleet = site / "fleet" / PRODUCT
    lifeboat("publish", "--out", fleet, app, check=0)
    with Nginx(site) as web:
        base = urllib.parse.urljoin(web.url, f"fleet/{PRODUCT}/version.json")
        got = subprocess.run(["curl", "-sSf", "--max-time", "10", base], capture_output=True,
                             timeout=20, check=True).stdout
        man = json.loads(got)
        e = man["images"][0]
        url = urllib.parse.urljoin(base, e["url"])
        img = subprocess.run(["curl", "-sSf", "--max-time", "10", url], capture_output=True,
                             timeout=20, check=True).stdout
        assert len(img) == e["size"] and hashlib.sha256(img).hexdigest() == e["sha256"]
        # A resumed download (HTTP Range) gets the rest, as the agent will ask.
        tail = subprocess.run(["curl", "-sSf", "--max-time", "10", "-r", "1000-", url],
                              capture_output=True, timeout=20, check=True).stdout
        assert tail == img[1000:]
        assert "GET /fleet/demo-sensor/version.json" in web.log()
    (tmp_path / "got.bin").write_bytes(img)
    lifeboat("verify", "--key", pub, "--product", PRODUCT, "--kind", "app", tmp_path / "got.bin",
             check=0)
