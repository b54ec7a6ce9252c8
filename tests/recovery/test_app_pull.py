"""The app's background updates where the user meets them: an app built on
app-template checks its fleet's static web server (Debian's nginx on the
host, reached by the guest as 10.0.2.2), downloads a newer version into the
slot it does not run from while it keeps running, reboots into it, and the
new version confirms itself on trial -- or is rolled back and never fetched
again. Bad offers leave the running app untouched.

The images under test are built from config/default.yaml with
app.update_url pointing at this session's nginx port, app.first_check_s 1
and app.check_interval_s 8 (the loader, table, key and product are the
default build's). Updates are published with `lifeboat publish`."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import LIFEBOAT, ROOT, NetQemu, harness
from test_pull import big_image, publish, publish_slowly, sign_app  # site/fleet/demo-sensor/
from test_recovery import history

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from dnsd import DnsServer  # noqa: E402
from nginx import Server, free_port  # noqa: E402

OUT = os.path.join(ROOT, "build", "test-app-pull")
INTERVAL_S = 8


def write_layout(name, text):
    """OUT/name with `text`, rewritten only when it changed (make then
    rebuilds only what depends on it). Returns its path."""
    os.makedirs(OUT, exist_ok=True)
    layout = os.path.join(OUT, name)
    if not os.path.exists(layout) or open(layout).read() != text:
        with open(layout, "w") as f:
            f.write(text)
    return layout


@pytest.fixture(scope="session")
def apull(fw):
    """(images of the pulling build, site folder, nginx)."""
    port = free_port()
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    text, n = re.subn(
        r"(?m)^(app:\n(?:  .*\n)*?  update_url: )http://10\.0\.2\.2:8000/demo-sensor/version\.json"
        r"(.*\n  check_interval_s: )\d+(.*\n  first_check_s: )\d+",
        rf"\g<1>http://10.0.2.2:{port}/fleet/demo-sensor/version.json\g<2>{INTERVAL_S}\g<3>1",
        text)
    assert n == 1, "config/default.yaml: the app section moved"
    layout = write_layout("default-app-pull.yaml", text)
    qb = os.path.join(OUT, "qemu-mps2-an385")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-images")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=v2", "APP_VERSION=1.1.0")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=hang", "APP_HANG=1",
                 "APP_VERSION=1.2.0")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=unhealthy",
                 "APP_UNHEALTHY=1", "APP_VERSION=1.1.0")
    with open(os.path.join(qb, "layout", "ota_handler.h")) as f:
        assert f"10.0.2.2:{port}/fleet" in f.read()
    paths = dict(fw, **harness.images(qb, ("v2", "hang", "unhealthy")))
    site = os.path.join(OUT, "site")
    os.makedirs(site, exist_ok=True)
    web = Server(site, port)
    try:
        yield paths, site, web
    finally:
        web.stop()


DNS_NAME = "updates.lifeboat.test"


@pytest.fixture(scope="session")
def apull_dns(apull):
    """The same pulling build, but the app knows its server by name:
    app.update_url http://updates.lifeboat.test:PORT/..., app.net a static
    address with dns: 10.0.2.2 (the test's DNS server on the host). Only the
    app images differ (same partitions, key, product): the loader, table
    and recovery are apull's. Returns (images, site, nginx)."""
    paths, site, web = apull
    with open(os.path.join(OUT, "default-app-pull.yaml")) as f:
        text = f.read()
    dpaths, h = app_only_build(paths, "dns", by_name(text, "http", web.port))
    assert "#define LB_OTA_DNS 1" in h and '#define LB_OTA_NET_DNS "10.0.2.2"' in h
    return dpaths, site, web


def by_name(text, scheme, port):
    """The pulling layout `text` with its app's server named DNS_NAME
    instead of 10.0.2.2, and a static address whose DNS server is the
    test's (on the host)."""
    text = text.replace(f"  update_url: {scheme}://10.0.2.2:{port}/fleet",
                        f"  update_url: {scheme}://{DNS_NAME}:{port}/fleet")
    text, n = re.subn(r"(?m)^(app:\n(?:  .*\n)*?)  net: dhcp.*\n",
                      r"\g<1>  net: { address: 10.0.2.15/24, gateway: 10.0.2.2, dns: 10.0.2.2 }\n",
                      text)
    assert n == 1 and DNS_NAME in text, "the pulling layout's app section moved"
    return text


def app_only_build(paths, name, text):
    """The app and app-v2 of the layout `text` (OUT/default-app-NAME.yaml,
    built into OUT/qemu-mps2-an385-NAME) in place of those of `paths`,
    whose loader, table and recovery they share. Returns (the images, the
    build's ota_handler.h)."""
    layout = write_layout(f"default-app-{name}.yaml", text)
    qb = os.path.join(OUT, f"qemu-mps2-an385-{name}")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=v2", "APP_VERSION=1.1.0")
    with open(os.path.join(qb, "layout", "ota_handler.h")) as f:
        h = f.read()
    out = dict(paths)
    for image in ("app", "app-v2"):
        out[image] = os.path.join(qb, image + ".signed.bin")
    return out, h


@pytest.fixture(scope="session")
def apull_single(apull):
    """config/single-slot.yaml with app.update_url and recovery.update_url
    both on apull's nginx (the app's first check after 1 s), recovery at a
    static address (its DHCP build with self-heal is over the flash
    budget). Returns (images, site, nginx)."""
    _, site, web = apull
    with open(os.path.join(ROOT, "config", "single-slot.yaml")) as f:
        text = f.read()
    url = f"http://10.0.2.2:{web.port}/fleet/demo-sensor/version.json"
    text, n1 = re.subn(r"(?m)^recovery:\n  net: dhcp\n",
                       "recovery:\n  net: { address: 10.0.2.15/24, gateway: 10.0.2.2 }\n"
                       f"  update_url: {url}\n", text)
    text, n2 = re.subn(r"(?m)^app:\n", f"app:\n  update_url: {url}\n  check_interval_s: "
                       f"{INTERVAL_S}\n  first_check_s: 1\n", text)
    assert n1 == 1 and n2 == 1, "config/single-slot.yaml: the recovery or app section moved"
    layout = write_layout("single-app-pull.yaml", text)
    qb = os.path.join(OUT, "qemu-single")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-images")
    harness.make(f"QB={qb}", f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=v2", "APP_VERSION=1.1.0")
    with open(os.path.join(qb, "layout", "partitions.h")) as f:
        assert f"10.0.2.2:{web.port}/fleet" in f.read()
    paths = harness.images(qb, ("v2",))
    assert paths["layout"]["LB_SLOT_COUNT"] == 1, "single-slot layout expected"
    return paths, site, web


def tls_cert(name):
    """A self-signed ECDSA P-256 certificate and its key, made here with
    openssl as OUT/name.pem and OUT/name.key (once: a layout pins it, and a
    new one rebuilds the app). Returns (certificate, key)."""
    cert, key = os.path.join(OUT, name + ".pem"), os.path.join(OUT, name + ".key")
    if not (os.path.exists(cert) and os.path.exists(key)):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
                        "-days", "36500", "-keyout", key + ".tmp", "-out", cert + ".tmp"],
                       check=True, capture_output=True)
        os.replace(key + ".tmp", key)
        os.replace(cert + ".tmp", cert)
    return cert, key


@pytest.fixture(scope="session")
def apull_tls(apull):
    """apull's layout with app.update_url https://10.0.2.2:PORT/... and
    app.pin naming a self-signed certificate the test made; a second nginx
    serves the same site over TLS with it. Only the app images differ (the
    loader, table and recovery are apull's). Returns (images, site, the
    https nginx)."""
    paths, site, web = apull
    with open(os.path.join(OUT, "default-app-pull.yaml")) as f:
        text = f.read()
    port = free_port()
    cert, key = tls_cert("tls-server")
    old = f"  update_url: http://10.0.2.2:{web.port}/fleet"
    assert old in text, "the pulling layout's app.update_url moved"
    text = text.replace(old, f"  pin: tls-server.pem\n  update_url: https://10.0.2.2:{port}/fleet")
    tpaths, h = app_only_build(paths, "tls", text)
    assert "#define LB_OTA_PIN_LEN 91u" in h and f"https://10.0.2.2:{port}/" in h
    tweb = Server(site, port, tls=(cert, key))
    try:
        yield tpaths, site, tweb
    finally:
        tweb.stop()


@pytest.fixture(scope="session")
def apull_tls_dns(apull_tls):
    """apull_tls's layout, but the app knows its https server by name (and
    asks the test's DNS server on the host, as apull_dns): the TLS client
    names it in its hello (SNI), as a virtual host or a CDN needs. Returns
    (images, site, the https nginx)."""
    paths, site, web = apull_tls
    with open(os.path.join(OUT, "default-app-tls.yaml")) as f:
        text = f.read()
    tpaths, h = app_only_build(paths, "tls-dns", by_name(text, "https", web.port))
    assert "#define LB_OTA_DNS 1" in h and "#define LB_OTA_PIN_LEN 91u" in h
    return tpaths, site, web


def gets(web, since, what):
    """GET lines for `what` that nginx logged after `since` characters."""
    return [l for l in web.log()[since:].splitlines() if "GET /fleet/" in l and what in l]


def boot_v1(fw, tmp_path):
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    q = NetQemu(fw, fl.path)
    b = q.boot()
    assert b["image"] == "app" and b["slot"] == "a", q.transcript()
    q.expect(r"\[app\] healthy: reported")
    q.expect(r"\[app\] update: agent armed")
    return q, fl


def test_app_pulls_a_newer_version_reboots_confirms_and_stops(apull, tmp_path):
    fw, site, web = apull
    publish(site, fw["app-v2"])
    mark = len(web.log())
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: downloading 1\.1\.0\+0 \(\d+ bytes\) while running", 30)
        q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 30)
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] \S+ version 1\.1\.0")
        q.expect(r"\[app\] healthy: reported")
        # The new version checks too, finds itself, and fetches nothing.
        q.expect(r"\[app\] update: up to date \(offered 1\.1\.0\+0\)", 30)
        q.expect(r"\[app\] update: up to date", INTERVAL_S * 2 + 10)
        q.send("s")
        q.expect(r"\[app\] slot b: confirmed 1\.1\.0 \(active\)")
    finally:
        q.kill()
    assert len(gets(web, mark, "app-1.1.0-0.bin")) == 1, web.log()[mark:]
    assert len(gets(web, mark, "version.json")) >= 3


def test_app_pulls_a_compressed_update_and_boots_what_it_inflates_to(apull, tmp_path):
    """v2 signed with `lifeboat sign --compress` and published as it is: the
    agent fetches the compressed file (nginx sends fewer bytes than the
    plain image has), inflates it into slot b while v1 runs, checks both
    images, and the plain v2 boots on trial and confirms."""
    fw, site, web = apull
    raw = fw["app-v2"].replace(".signed.bin", ".bin")
    z = sign_app(raw, str(tmp_path / "app-v2.z.bin"), "1.1.0", "--compress")
    plain_size, z_size = os.path.getsize(fw["app-v2"]), os.path.getsize(z)
    assert z_size < plain_size, (z_size, plain_size)  # Thumb code: about 78 %
    publish(site, z)
    mark = len(web.log())
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(rf"\[app\] update: downloading 1\.1\.0\+0 \({z_size} bytes\) while running", 30)
        q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 60)
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] \S+ version 1\.1\.0")
        q.expect(r"\[app\] healthy: reported")
        q.send("s")
        q.expect(r"\[app\] slot b: confirmed 1\.1\.0 \(active\)", 30)
    finally:
        q.kill()
    lines = gets(web, mark, "app-1.1.0-0.bin")
    assert len(lines) == 1 and re.search(rf'" 200 {z_size} ', lines[0]), lines
    # The slot holds the plain image the compressed one names.
    b_off, _ = fl.part("SLOT1")
    with open(fw["app-v2"], "rb") as f:
        plain = f.read()
    assert fl.read(b_off, len(plain)) == plain


def test_app_rolls_back_a_hanging_update_and_never_fetches_it_again(apull, tmp_path):
    fw, site, web = apull
    publish(site, fw["app-hang"])
    mark = len(web.log())
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: 1\.2\.0\+0 verified and installed", 40)
        b = q.boot()
        assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
        q.expect(r"\[app\] test build: hanging")
        for _ in range(6):  # watchdog resets until the loader rolls back
            b = q.boot(30)
            if b["reason"] == "rollback":
                break
        assert (b["image"], b["slot"], b["reason"]) == ("app", "a", "rollback"), q.transcript()
        q.expect(r"\[app\] healthy: reported")
        q.expect(r"\[app\] update: skipping a version that failed here \(offered 1\.2\.0\+0\)", 30)
    finally:
        q.kill()
    assert len(gets(web, mark, "app-1.2.0-0.bin")) == 1, web.log()[mark:]


def test_app_refuses_a_tampered_image_keeps_running_and_does_not_refetch(apull, tmp_path):
    fw, site, web = apull
    d = os.path.dirname(publish(site, fw["app-v2"]))
    img = os.path.join(d, "app-1.1.0-0.bin")
    with open(img, "r+b") as f:  # one byte of code: hash and signature fail
        f.seek(0x200 + 100)
        b = f.read(1)
        f.seek(0x200 + 100)
        f.write(bytes([b[0] ^ 0x5A]))
    mark = len(web.log())
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: image refused: hash mismatch", 30)
        q.expect(r"\[app\] update: skipping a version that failed here", INTERVAL_S * 2 + 10)
        q.send("s")
        q.expect(r"\[app\] slot a: confirmed 1\.0\.0 \(active\)")
        q.expect(r"\[app\] slot b: empty")
        q.expect(r"\[app\] alive", 10)
    finally:
        q.kill()
    assert len(gets(web, mark, "app-1.1.0-0.bin")) == 1, web.log()[mark:]


def test_app_refusal_while_streaming_is_noted_with_the_offered_version(apull, tmp_path):
    """An image built for another load address: its header stops the
    download while it streams (the first bytes), before the image said its
    version to the installer; the device's history (read in recovery, after
    'r') notes the refusal with the version the manifest offered, not
    0.0.0."""
    fw, site, web = apull
    img = str(tmp_path / "elsewhere.signed.bin")
    subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(ROOT, "build", "keys", "dev.pem"),
                    "--version", "1.3.0+2", "--kind", "app", "--product", "demo-sensor",
                    "--header-size", "0x200", "--load-addr", "0x60000000",
                    fw["app-v2"].replace(".signed.bin", ".bin"), img],
                   check=True, capture_output=True)
    publish(site, img)
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: download failed: (\S.*) \(next check", 30)
        assert "25%" not in q.transcript(), q.transcript()  # refused from the head
        q.send("r")
        assert q.boot()["image"] == "recovery", q.transcript()
        q.serving()
        got = history(q)["history"]
    finally:
        q.kill()
    refused = [e for e in got if e["event"] == "refused" and e["source"] == "pull"]
    assert refused and refused[0]["version"] == "1.3.0+2", got


def test_an_image_on_trial_never_updates_its_rollback_target_stays(apull, tmp_path):
    """Until the running image is confirmed, the other slot holds the image
    to roll back to: the agent does not even check."""
    fw, site, web = apull
    publish(site, fw["app-hang"])  # 1.2.0: newer than the 1.1.0 on trial
    mark = len(web.log())
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app", app_b="app-unhealthy",
                       extra=["--new-b"])
    q = NetQemu(fw, fl.path)
    try:
        b = q.boot()
        assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
        q.expect(r"\[app\] health check failed: not confirming")
        q.expect(r"\[app\] update: agent armed")
        q.expect(r"\[app\] alive", 10)  # 5 s: well past the first check's 1 s
        q.send("s")
        q.expect(r"\[app\] slot a: confirmed 1\.0\.0")
        q.expect(r"\[app\] slot b: trial 1\.1\.0 \(active\)")
        assert "update: checking" not in q.transcript(), q.transcript()
    finally:
        q.kill()
    assert gets(web, mark, "version.json") == []


@pytest.mark.parametrize("ranges,transport", [("honoured", "http"), ("ignored", "http"),
                                              ("honoured", "https"), ("honoured", "compressed")])
def test_app_resumes_a_cut_download_where_it_stopped(request, tmp_path, ranges, transport):
    """nginx, rate-limited so the cut lands mid-body, is killed during the
    download and started again: the agent continues with a Range request
    from the byte it stopped at (nothing is fetched twice), and the image,
    verified as a whole, boots. A server that ignores Range (nginx
    max_ranges 0) answers 200 with the whole file: the download starts
    over and still installs. Over https:// the same, in a new TLS session
    (the cut one is dropped with its connection). A compressed image (the
    demo app's code over and over, signed --compress) the same: the
    inflater's state is kept with the connection's, so the rest of the
    compressed file goes on where it stopped."""
    fw, site, web = request.getfixturevalue("apull_tls" if transport == "https" else "apull")
    raw = fw["app-v2"].replace(".signed.bin", ".bin")
    img = big_image(tmp_path, like=raw if transport == "compressed" else None)
    size = os.path.getsize(img)
    publish(site, img)
    web.restart(extra="limit_rate 256k;")  # about 4 s for 1 MiB
    try:
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: downloading 9\.0\.0\+0", 30)
            q.expect(r"\[app\] update: 25%", 30)
            # kill -9 mid-body; back at once, without the rate limit
            web.restart(extra="" if ranges == "honoured" else "max_ranges 0;")
            m = q.expect(r"\[app\] update: (the server closed the connection early|connection "
                         r"failed|the server went silent) at (\d+) of (\d+) bytes; resuming there",
                         30)
            at, total = int(m.group(2)), int(m.group(3))
            assert total == size and size // 4 <= at < size, m.group(0)
            q.expect(r"\[app\] update: 9\.0\.0\+0 verified and installed", 60)
            b = q.boot()
            assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
        finally:
            q.kill()
        # The second server saw one request for the image: a Range from
        # exactly there, answered 206 with the rest and nothing more (or,
        # ignoring it, 200 with everything).
        lines = gets(web, 0, "app-9.0.0-0.bin")
        assert len(lines) == 1, web.log()
        m = re.search(r'" (206|200) (\d+) ', lines[0])
        want = ("206", size - at) if ranges == "honoured" else ("200", size)
        assert m and (m.group(1), int(m.group(2))) == want, lines[0]
    finally:
        web.restart()


@pytest.mark.parametrize("cuts", [[25], [75], [25, 75]])
def test_app_resumes_a_download_cut_by_power_loss(apull, tmp_path, cuts):
    """QEMU is killed (kill -9: a power cut) while the app downloads, at
    the instants listed (a second cut lands in the continued download).
    At the next boot v1 runs again, and the agent continues from what the
    slot holds: every erase unit that was complete, so at most one unit
    more than arrived before the cut is fetched again, with a Range
    request nginx answers 206; the image is verified as a whole and boots
    on trial."""
    fw, site, web = apull
    size = publish_slowly(site, web, big_image(tmp_path, "9.1.0"))
    unit = 4096  # config/default.yaml's erase unit
    try:
        fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
        resumed = []
        for i, pct in enumerate(cuts + [None]):
            q = NetQemu(fw, fl.path)
            try:
                b = q.boot()
                assert (b["image"], b["slot"]) == ("app", "a"), q.transcript()
                if i == 0:
                    q.expect(r"\[app\] update: downloading 9\.1\.0\+0", 30)
                else:
                    m = q.expect(r"\[app\] update: the download was cut by a reset at (\d+) of "
                                 r"(\d+) bytes; resuming there", 30)
                    at, total = int(m.group(1)), int(m.group(2))
                    # At least every complete unit of what had arrived.
                    floor = (size * cuts[i - 1] // 100) // unit * unit - unit
                    assert total == size and at % unit == 0 and floor <= at < size, m.group(0)
                    resumed.append(at)
                if pct is None:
                    q.expect(r"\[app\] update: 9\.1\.0\+0 verified and installed", 60)
                    b = q.boot()
                    assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
                    break
                q.expect(rf"\[app\] update: {pct}%", 30)
            finally:
                q.kill()
        # Each continued download was one Range request from where the
        # slot's record said, answered 206; the last one with exactly the
        # rest (the others were cut in turn).
        lines = gets(web, 0, "app-9.1.0-0.bin")
        assert len(lines) == 1 + len(cuts), web.log()
        for k, (at, line) in enumerate(zip(resumed, lines[1:])):
            m = re.search(r'" (\d+) (\d+) .*range=bytes=(\d+)-$', line)
            assert m and (m.group(1), int(m.group(3))) == ("206", at), line
            assert int(m.group(2)) == size - at or k < len(resumed) - 1, line
    finally:
        web.restart()


def test_app_fetches_whole_when_the_continued_part_is_damaged(apull, tmp_path):
    """A bit flipped in the part of the download the slot kept across a
    power cut: the continued download is refused when verified as a
    whole, and the next check fetches the image whole (not "failed here
    before": the bytes on the server were fine) and installs it."""
    fw, site, web = apull
    img = big_image(tmp_path, "9.2.0")
    size = os.path.getsize(img)
    publish(site, img)
    web.restart(extra="limit_rate 256k;")
    try:
        fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
        q = NetQemu(fw, fl.path)
        try:
            q.boot()
            q.expect(r"\[app\] update: 50%", 40)
        finally:
            q.kill()
        off, _ = fl.part("SLOT1")
        byte = fl.read(off + 5000, 1)[0]
        fl.write(off + 5000, bytes([byte ^ 0x10]))  # inside the first complete unit
        q = NetQemu(fw, fl.path)
        try:
            q.boot()
            q.expect(r"\[app\] update: the download was cut by a reset at \d+ of", 30)
            q.expect(r"\[app\] update: continued download refused; fetching it whole next: "
                     r"hash mismatch", 40)
            q.expect(r"\[app\] update: downloading 9\.2\.0\+0", 40)
            q.expect(r"\[app\] update: 9\.2\.0\+0 verified and installed", 60)
            b = q.boot()
            assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
        finally:
            q.kill()
        lines = gets(web, 0, "app-9.2.0-0.bin")
        assert [re.search(r'" (\d+) ', l).group(1) for l in lines] == ["200", "206", "200"], lines
        assert re.search(r'" 200 (\d+) ', lines[2]).group(1) == str(size), lines[2]
    finally:
        web.restart()


def test_app_follows_redirects_to_a_mirror_and_a_cdn(apull, tmp_path):
    """The manifest has moved (301 to a mirror folder) and the mirror sends
    its images to a CDN path (302), both with relative Locations: the app
    follows each, resolves the image's url against where it found the
    manifest (the mirror), and installs what the CDN serves."""
    fw, site, web = apull
    d = os.path.dirname(publish(site, fw["app-v2"]))
    for sub in ("mirror", "cdn"):
        os.makedirs(os.path.join(site, sub), exist_ok=True)
    shutil.copy(os.path.join(d, "version.json"), os.path.join(site, "mirror", "version.json"))
    shutil.copy(os.path.join(d, "app-1.1.0-0.bin"), os.path.join(site, "cdn", "app-1.1.0-0.bin"))
    web.restart(extra="absolute_redirect off; "
                "location = /fleet/demo-sensor/version.json { return 301 /mirror/version.json; } "
                "location /mirror/ { rewrite ^/mirror/(app-.*\\.bin)$ /cdn/$1 redirect; }")
    try:
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: checking http://10\.0\.2\.2:\d+/mirror/version\.json", 30)
            q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed", 30)
            b = q.boot()
            assert (b["slot"], b["reason"]) == ("b", "trial"), q.transcript()
            q.expect(r"\[app\] \S+ version 1\.1\.0")
        finally:
            q.kill()
        got = [re.search(r'"GET (\S+) HTTP/1\.1" (\d+) ', l).groups()
               for l in web.log().splitlines() if '"GET ' in l][:4]
        assert got == [("/fleet/demo-sensor/version.json", "301"), ("/mirror/version.json", "200"),
                       ("/mirror/app-1.1.0-0.bin", "302"), ("/cdn/app-1.1.0-0.bin", "200")], got
    finally:
        web.restart()
        shutil.rmtree(os.path.join(site, "mirror"))
        shutil.rmtree(os.path.join(site, "cdn"))


def test_app_stops_after_three_redirects_and_keeps_running(apull, tmp_path):
    """A redirect loop: the manifest is asked for once and after each of 3
    redirects, then the attempt fails with its own line and the next check
    is scheduled; v1 keeps running."""
    fw, site, web = apull
    publish(site, fw["app-v2"])
    web.restart(extra="location = /fleet/demo-sensor/version.json "
                "{ return 302 /fleet/demo-sensor/version.json; }")
    try:
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: redirected too many times \(next check in \d+ s\)", 30)
            q.send("s")
            q.expect(r"\[app\] slot a: confirmed 1\.0\.0 \(active\)")
            assert "verified and installed" not in q.transcript()
        finally:
            q.kill()
        n = len(gets(web, 0, "version.json"))
        assert n == 4, web.log()
    finally:
        web.restart()


@pytest.mark.parametrize("bad,line", [
    ("missing", r"manifest not fetched: not found"),
    ("garbage", r"manifest refused: "),
    ("oversized", r"manifest not fetched: out of range"),
    ("other-product", r"manifest refused: wrong product"),
])
def test_app_keeps_running_on_a_bad_manifest(apull, tmp_path, bad, line):
    fw, site, web = apull
    d = os.path.dirname(publish(site, fw["app-v2"]))
    man = os.path.join(d, "version.json")
    if bad == "missing":
        os.unlink(man)
    elif bad == "garbage":
        with open(man, "w") as f:
            f.write("{\"manifest\": 1, \"product\": ")
    elif bad == "oversized":
        with open(man, "w") as f:
            f.write(" " * 5000 + "{}")
    else:
        with open(man) as f:
            text = f.read()
        with open(man, "w") as f:
            f.write(text.replace('"demo-sensor"', '"other-thing"'))
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: " + line + r".*\(next check in \d+ s\)", 30)
        q.expect(r"\[app\] alive", 10)
        q.send("s")
        q.expect(r"\[app\] slot b: empty")
    finally:
        q.kill()


def test_app_resolves_its_servers_name_and_updates(apull_dns, tmp_path):
    """app.update_url names its host: the agent asks the layout's DNS server
    (here the test's, on the host) and pulls from the address it answers; a
    name that does not resolve is an error line, the app keeps running and
    tries again at the next check."""
    fw, site, web = apull_dns
    publish(site, fw["app-v2"])
    mark = len(web.log())
    with DnsServer({}) as dns:  # not resolvable yet
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: the server's host name does not resolve", 40)
            assert (DNS_NAME, 1) in dns.queries, dns.queries
            assert not gets(web, mark, "version.json"), web.log()[mark:]
            q.send("s")
            q.expect(r"\[app\] slot a: confirmed 1\.0\.0 \(active\)")  # still running v1
            dns.names[DNS_NAME] = "10.0.2.2"
            since = len(q.lines)
            q.expect(r"\[app\] update: downloading 1\.1\.0\+0 \(\d+ bytes\) while running",
                     INTERVAL_S * 3 + 20)
            # The first answer is used: between the name resolving and the
            # download only checks (no failed connection, no retry).
            between = [l for l in q.lines[since:] if l and "[app] update:" in l]
            assert all(re.search(r"update: (checking|the server's host name does not resolve"
                                 r"|downloading)", l) for l in between), between
            assert sum(1 for n, t in dns.queries if n == DNS_NAME) >= 2
            q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 30)
            assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                                "reset": "software"}, q.transcript()
            q.expect(r"\[app\] healthy: reported")
        finally:
            q.kill()
    assert len(gets(web, mark, "app-1.1.0-0.bin")) == 1, web.log()[mark:]
    assert all(n == DNS_NAME and t == 1 for n, t in dns.queries), dns.queries


def test_single_slot_app_hands_its_update_to_recovery(apull_single, tmp_path):
    """One app slot: the app cannot write the slot it runs from. Offered a
    newer version, it asks for recovery with the one-shot update request
    and reboots; recovery (reason update) pulls the version from its own
    manifest url into the slot, reboots into it on trial, and the new
    version confirms itself and finds nothing newer. Offered only its own
    version, the app hands nothing off."""
    fw, site, web = apull_single
    publish(site, fw["app"])
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    q = NetQemu(fw, fl.path)
    try:
        assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "power-on"}
        q.expect(r"\[app\] healthy: reported")
        q.expect(r"\[app\] update: agent armed for \S+ \(first check in 1 s\)")
        q.expect(r"\[app\] update: up to date \(offered 1\.0\.0\+0\)", 30)
        mark = len(web.log())
        publish(site, fw["app-v2"])
        q.send("u")
        q.expect(r"\[app\] update: 1\.1\.0\+0 offered; recovery installs it \(one slot\): "
                 r"rebooting", 30)
        assert q.boot() == {"image": "recovery", "slot": "-", "reason": "requested",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[recovery\] reason=update reset=software")
        q.expect(r"\[recovery\] self-heal: installed app 1\.1\.0\+0", 60)
        assert q.boot() == {"image": "app", "slot": "a", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] \S+ version 1\.1\.0")
        q.expect(r"\[app\] healthy: reported")
        # Back from recovery's update visit: the first check waits a whole
        # interval (a hand-off that cannot complete is not repeated at
        # every boot).
        q.expect(rf"\[app\] update: agent armed for \S+ \(first check in {INTERVAL_S} s\)")
        q.expect(r"\[app\] update: up to date \(offered 1\.1\.0\+0\)", 30)
        q.send("s")
        q.expect(r"\[app\] slot a: confirmed 1\.1\.0 \(active\)")
    finally:
        q.kill()
    # The app fetched only manifests; recovery the image, once.
    image = gets(web, mark, "app-1.1.0-0.bin")
    assert len(image) == 1 and '"lifeboat-recovery"' in image[0], web.log()[mark:]
    assert any('"lifeboat-app"' in l for l in gets(web, mark, "version.json")), web.log()[mark:]


def test_single_slot_recovery_installs_only_a_newer_version(apull_single, tmp_path):
    """The operator takes v2 back right after the app handed it off:
    recovery, entered for the update, finds only the app's own version
    and installs nothing (no image fetched, the slot still holds the
    confirmed v1); leaving, the app runs on unchanged, and its first check
    waits a whole interval instead of handing off again right away."""
    fw, site, web = apull_single
    publish(site, fw["app-v2"])
    fl = harness.Flash(fw, str(tmp_path / "f.bin"), app="app")
    q = NetQemu(fw, fl.path)
    try:
        assert q.boot()["reason"] == "normal"
        q.expect(r"\[app\] update: 1\.1\.0\+0 offered; recovery installs it", 30)
        shutil.rmtree(os.path.join(site, "fleet", "demo-sensor"))
        publish(site, fw["app"])  # within recovery's first 2 s
        mark = len(web.log())
        q.expect(r"\[recovery\] reason=update reset=software")
        q.expect(r"\[recovery\] self-heal: nothing newer offered: 1\.0\.0\+0", 30)
        q.send("b")
        assert q.boot() == {"image": "app", "slot": "a", "reason": "normal",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] \S+ version 1\.0\.0")
        q.expect(rf"\[app\] update: agent armed for \S+ \(first check in {INTERVAL_S} s\)")
        q.send("s")
        q.expect(r"\[app\] slot a: confirmed 1\.0\.0 \(active\)")
    finally:
        q.kill()
    assert gets(web, mark, ".bin") == [], web.log()[mark:]


def test_app_pulls_over_https_from_the_server_it_pins(apull_tls, tmp_path):
    """app.update_url is https:// and app.pin names the server's certificate:
    the app fetches the manifest and the image over TLS (nginx with a
    self-signed certificate the test made), reboots into the new version on
    trial, which confirms itself and then finds nothing newer. The
    handshake's elliptic-curve work was spread over several main-loop turns
    (the app's loop never waits for a whole handshake)."""
    fw, site, web = apull_tls
    publish(site, fw["app-v2"])
    mark = len(web.log())
    q, fl = boot_v1(fw, tmp_path)
    try:
        q.expect(r"\[app\] update: checking https://10\.0\.2\.2:\d+/fleet/demo-sensor/"
                 r"version\.json", 30)
        q.expect(r"\[app\] update: downloading 1\.1\.0\+0 \(\d+ bytes\) while running", 30)

        q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 60)
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial",
                            "reset": "software"}, q.transcript()
        q.expect(r"\[app\] healthy: reported")
        q.expect(r"\[app\] update: up to date \(offered 1\.1\.0\+0\)", 30)
        q.send("s")  # the handshake of that check
        m = q.expect(r"\[app\] tls: arena peak (\d+) of (\d+) bytes, last handshake in (\d+) "
                     r"slices")
        assert 0 < int(m.group(1)) <= int(m.group(2)) and int(m.group(3)) > 1, m.group(0)
    finally:
        q.kill()
    assert len(gets(web, mark, "app-1.1.0-0.bin")) == 1, web.log()[mark:]
    assert len(gets(web, mark, "version.json")) == 2, web.log()[mark:]


def test_app_refuses_an_https_server_with_another_key(apull_tls, tmp_path):
    """The same url answered by a server with another key (a certificate of
    its own, as a man in the middle would have): the handshake ends before
    any request is sent, one line says why, the app keeps running untouched
    and checks again later; once the pinned server answers, it updates."""
    fw, site, web = apull_tls
    publish(site, fw["app-v2"])
    web.restart(tls=tls_cert("tls-other"))
    try:
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: the server's key is not the pinned one; refused: "
                     r"[^\n]*next check in \d+ s", 30)
            assert not gets(web, 0, "/fleet/"), web.log()  # no request reached it
            q.send("s")
            q.expect(r"\[app\] slot a: confirmed 1\.0\.0 \(active\)")
            q.expect(r"\[app\] update: the server's key is not the pinned one", 60)
            web.restart(tls=tls_cert("tls-server"))
            q.expect(r"\[app\] update: downloading 1\.1\.0\+0 \(\d+ bytes\) while running",
                     90)
        finally:
            q.kill()
    finally:
        web.restart(tls=tls_cert("tls-server"))


def test_app_names_its_https_server_in_the_handshake(apull_tls_dns, tmp_path):
    """An https:// url with a host name: the app resolves it, names it in the
    TLS hello (SNI: what lets one address serve many sites, as CDNs do;
    nginx logs it) and pulls as from an address."""
    fw, site, web = apull_tls_dns
    publish(site, fw["app-v2"])
    mark = len(web.log())
    with DnsServer({DNS_NAME: "10.0.2.2"}):
        q, fl = boot_v1(fw, tmp_path)
        try:
            q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 60)
        finally:
            q.kill()
    lines = gets(web, mark, "")
    assert len(lines) == 2 and all(f"sni={DNS_NAME} " in l for l in lines), web.log()[mark:]
