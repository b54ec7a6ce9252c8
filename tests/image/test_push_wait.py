"""`lifeboat push --wait`'s reading of a device's status through the
reboot, against a scripted device on loopback whose timing QEMU cannot
give: recovery still answering for a while after the accepted upload (a
slow reboot), then silence, then the app. The real device is exercised by
tests/recovery/test_recovery.py (test_push_wait_*); this pins the rules a
race there could hide: only a boot count above the one before the upload
counts, and what that boot then says decides."""
import http.server
import json
import os
import re
import threading
import time

import pytest

from conftest import ROOT  # noqa: F401

IMAGE_VERSION = "1.2.3+4"


class Device(http.server.BaseHTTPRequestHandler):
    """Recovery (boot 5) until `reboot_at` after the upload, nothing for a
    second, then the app (boot 6) as `script` says."""
    script = None

    def log_message(self, *a):
        pass

    def status(self):
        s = self.server.dev
        t = time.monotonic() - s["uploaded"] if s["uploaded"] else -1
        if t < 0 or t < s["reboot_at"]:
            return {"product": "demo-sensor", "mode": "recovery", "reason": "strap",
                    "boot_count": 5}
        if t < s["reboot_at"] + 1.0:
            return None  # rebooting
        return dict(s["app"], product="demo-sensor", mode="app", boot_count=6)

    def do_GET(self):
        if self.path != "/api/status":
            self.send_error(404)
            return
        doc = self.status()
        if doc is None:
            self.close_connection = True
            self.connection.close()
            return
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        if "Authorization" not in self.headers:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="lifeboat", qop="auth", '
                             'algorithm=SHA-256, nonce="00112233445566778899aabbccddeeff"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"installed in slot b, version 1.2.3+4\n"
        self.server.dev["uploaded"] = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def device():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Device)
    srv.dev = {"uploaded": 0.0, "reboot_at": 2.0,
               "app": {"version": IMAGE_VERSION, "slot": 1, "state": "confirmed",
                       "reason": "trial"}}
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def image(lifeboat, tmp_path):
    key, img, body = tmp_path / "k.pem", tmp_path / "a.signed.bin", tmp_path / "a.bin"
    body.write_bytes(os.urandom(3000))
    lifeboat("keygen", "-o", key, check=0)
    lifeboat("sign", "--key", key, "--version", IMAGE_VERSION, "--kind", "app", "--product",
             "demo-sensor", "--header-size", "0x200", "--load-addr", "0x00100000", body, img,
             check=0)
    return img


def push(lifeboat, device, img, *extra):
    url = f"http://127.0.0.1:{device.server_address[1]}"
    return lifeboat("push", "--url", url, "--user", "admin", "--password", "x", "--wait=20",
                    *extra, img)


def test_push_wait_ignores_recovery_still_answering_before_its_reboot(lifeboat, device,
                                                                      tmp_path):
    r = push(lifeboat, device, image(lifeboat, tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"the device rebooted into 1\.2\.3\+4 in slot b \(trial boot, [\d.]+ s\)",
                     r.stdout), r.stdout
    assert re.search(r"1\.2\.3\+4 confirmed in slot b \(([\d.]+) s\)", r.stdout), r.stdout
    s = float(re.search(r"confirmed in slot b \(([\d.]+) s\)", r.stdout).group(1))
    assert s >= 3.0, r.stdout  # it waited out recovery's 2 s and the reboot


@pytest.mark.parametrize("app,outcome", [
    ({"version": "1.0.0+0", "slot": 0, "state": "confirmed", "reason": "normal"}, "rolled-back"),
    ({"version": IMAGE_VERSION, "slot": 1, "state": "trial", "reason": "trial"}, "timeout"),
])
def test_push_wait_says_what_went_wrong(lifeboat, device, tmp_path, app, outcome):
    device.dev["app"] = app
    device.dev["reboot_at"] = 0.2
    r = push(lifeboat, device, image(lifeboat, tmp_path), "--json", "--wait=6")
    assert r.returncode == 1, r.stdout + r.stderr
    f = json.loads(r.stdout)["followed"]
    assert f["outcome"] == outcome and f["version"] == app["version"], f
    want = ("the device runs 1.0.0+0 from slot a (confirmed), not the pushed 1.2.3+4: rolled back"
            if outcome == "rolled-back" else "1.2.3+4 runs on trial, not confirmed within 6 s")
    assert want in f["line"], f
