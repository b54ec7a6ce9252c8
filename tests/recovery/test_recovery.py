"""Recovery networking end to end on QEMU: HTTP API, Digest auth, uploads
and their refusals, power loss during an upload. Clients: Python's own
Digest implementation (hashlib, independent of the device's C code), curl
and `lifeboat push`. Only loopback traffic."""
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import threading
import time

from conftest import LIFEBOAT, ROOT


def H(s):
    return hashlib.sha256(s.encode()).hexdigest()


def raw(q, data, timeout=10.0, shut=True):
    """Sends raw bytes, returns (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", q.port), timeout=timeout) as s:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        buf = b""
        while True:
            try:
                c = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            buf += c
            if b"\r\n\r\n" in buf:
                head, _, body = buf.partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    hdrs = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return status, hdrs, body.decode(errors="replace")


def request(q, method, path, body=b"", headers=None, auth=None, shut=False):
    """One request, whole (Content-Length), answered and closed by the
    device (Connection: close). The client keeps its side open until then:
    QEMU's user-mode network drops a connection that waited in its accept
    queue (the device still busy with the previous one) and had already
    half-closed, which showed as a rare empty answer under load."""
    h = {"Host": "device", "Connection": "close"}
    if method == "POST":
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    if auth:
        h["Authorization"] = auth
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return raw(q, head.encode() + b"\r\n" + body, shut=shut)


def challenge(q, path="/api/update"):
    st, h, _ = request(q, "POST", path)
    assert st == 401, (st, h)
    m = re.search(r'nonce="([^"]+)"', h["www-authenticate"])
    assert "algorithm=SHA-256" in h["www-authenticate"]
    return m.group(1)


def answer(nonce, method, uri, user="admin", password="lifeboat", nc="00000001"):
    ha1 = H(f"{user}:lifeboat:{password}")
    resp = H(f"{ha1}:{nonce}:{nc}:c0ffee:auth:{H(method + ':' + uri)}")
    return (f'Digest username="{user}", realm="lifeboat", nonce="{nonce}", uri="{uri}", '
            f'algorithm=SHA-256, qop=auth, nc={nc}, cnonce="c0ffee", response="{resp}"')


def history(q, user="admin", password="lifeboat", before=None):
    """GET /api/history (Digest): the device's persistent update history."""
    path = "/api/history" + (f"?before={before}" if before else "")
    st, h, _ = request(q, "GET", path)
    assert st == 401, st
    nonce = re.search(r'nonce="([^"]+)"', h["www-authenticate"]).group(1)
    st, _, body = request(q, "GET", path, auth=answer(nonce, "GET", path, user, password))
    assert st == 200, (st, body)
    return json.loads(body)


def hmac256(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


def seal(cur_ha1_hex, nonce, cnonce, user, realm, new_ha1_hex):
    """The sealed body of POST /api/credential, written from docs/SPEC.md
    ("Sealed credential") independently of lib/src/credential.c."""
    k = hmac256(bytes.fromhex(cur_ha1_hex),
                b"lifeboat credential v1\0" + nonce.encode() + b"\0" + cnonce.encode())
    pad = hmac256(k, b"enc")
    ct = bytes(a ^ b for a, b in zip(bytes.fromhex(new_ha1_hex), pad))
    tag = hmac256(k, b"mac" + user.encode() + b"\0" + realm.encode() + b"\0" + ct)
    return f"user={user}&realm={realm}&sealed={(ct + tag).hex()}".encode()


def upload(q, image, **kw):
    nonce = challenge(q)
    return request(q, "POST", "/api/update", image,
                   {"Content-Type": "application/octet-stream"},
                   answer(nonce, "POST", "/api/update"), **kw)


def status(q):
    st, _, body = request(q, "GET", "/api/status")
    assert st == 200
    return json.loads(body)


def push(q, image, password="lifeboat"):
    return subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password",
                           password, image], capture_output=True, text=True, timeout=120)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def restart_unstrapped(nqemu, q, fl):
    """Power-cycles with the strap released; returns the new process."""
    q.kill()
    return nqemu(fl)


def test_strap_push_trial_healthy_confirmed(fw, flash, nqemu):
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    s = status(q)
    assert s["product"] == "demo-sensor" and s["reason"] == "strap" and s["mode"] == "recovery"
    # `lifeboat status`: a readable summary; --json the device's JSON as sent.
    r = subprocess.run([LIFEBOAT, "status", "--url", q.url], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert "product:    demo-sensor (board " in r.stdout, r.stdout
    assert "mode:       recovery, reason strap, reset power-on" in r.stdout, r.stdout
    assert re.search(r"^slot a: +confirmed, version 1\.0\.0\S*, security counter \d+ \(active\)$",
                     r.stdout, re.M), r.stdout
    assert "credential: layout (realm lifeboat)" in r.stdout, r.stdout
    assert re.search(r"^auth: +\d+ ok, \d+ failures, \d+ lockouts, \d+ stale nonces$",
                     r.stdout, re.M), r.stdout
    r = subprocess.run([LIFEBOAT, "status", "--url", q.url, "--json"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and json.loads(r.stdout)["product"] == "demo-sensor", r.stdout
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", fw["app-v2"]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "missing --password-file FILE (or LIFEBOAT_PASSWORD" in r.stderr
    # An image for another product is refused before a byte is sent: the
    # device's status names its product (nothing reaches its history).
    foreign = os.path.join(os.path.dirname(fl.path), "foreign.signed.bin")
    subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(ROOT, "build", "keys", "dev.pem"),
                    "--version", "1.1.0", "--kind", "app", "--product", "other-thing",
                    "--header-size", "0x200", "--load-addr", "0x00100000",
                    fw["app-v2"].replace(".signed.bin", ".bin"),
                    foreign], check=True, capture_output=True)
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password",
                        "lifeboat", foreign], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and ("not sent: the image is for product 'other-thing', the device "
                                  "is 'demo-sensor'") in r.stderr, r.stderr
    assert status(q)["auth"]["ok"] == 0, status(q)  # it never even logged in
    # --json: the device's refusal as one JSON object (a wrong password: 401).
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password", "wrong",
                        "--json", fw["app-v2"]], capture_output=True, text=True, timeout=60)
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["ok"] is False and doc["http_status"] == 401, r.stdout
    assert doc["error"] is None and doc["bytes"] == os.path.getsize(fw["app-v2"])
    # The password from the environment (a --password is visible to ps).
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", fw["app-v2"]],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, LIFEBOAT_PASSWORD="lifeboat"))
    assert r.returncode == 0, r.stdout + r.stderr
    slot = re.search(r"installed in slot ([ab])", r.stdout).group(1)
    q.expect(r"\[recovery\] rebooting")
    q = restart_unstrapped(nqemu, q, fl)
    assert q.boot() == {"image": "app", "slot": slot, "reason": "trial", "reset": "power-on"}
    q.expect(r"\[app\] \S+ version 1\.1\.0")
    q.expect(r"\[app\] healthy: reported")
    q.send("b")
    assert q.boot() == {"image": "app", "slot": slot, "reason": "normal", "reset": "software"}


def test_strap_held_push_reboots_into_new_image(fw, flash, nqemu):
    """The strap stays held in QEMU across the reboot the push asks for: a
    software reset ignores it, so the device reaches v2 on trial without a
    power cycle."""
    q = nqemu(flash(app="app"), strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    r = push(q, fw["app-v2"])
    assert r.returncode == 0, r.stdout + r.stderr
    slot = re.search(r"installed in slot ([ab])", r.stdout).group(1)
    q.expect(r"\[recovery\] rebooting")
    assert q.boot() == {"image": "app", "slot": slot, "reason": "trial", "reset": "software"}
    q.expect(r"\[app\] \S+ version 1\.1\.0")


def test_push_wait_follows_the_update_to_its_confirmation(fw, flash, nqemu):
    """`push --wait`: after the upload, the device's own status (recovery's,
    then the app's GET /api/status) through the reboot: the pushed version
    on trial, then confirmed; the rate and the times on the way."""
    q = nqemu(flash(app="app"), strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password",
                        "lifeboat", "--wait=60", fw["app-v2"]], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^lifeboat push: sent \d+ bytes in [\d.]+ s \(\d+ KiB/s\); following the "
                     r"device$", r.stdout, re.M), r.stdout
    assert re.search(r"^lifeboat push: the device rebooted into 1\.1\.0\+0 in slot b \(trial boot, "
                     r"[\d.]+ s\)$", r.stdout, re.M), r.stdout
    assert re.search(r"^lifeboat push: 1\.1\.0\+0 confirmed in slot b \([\d.]+ s\)$", r.stdout,
                     re.M), r.stdout
    q.expect(r"\[app\] healthy: reported")
    # The app's status document, as push read it.
    st, _, body = request(q, "GET", "/api/status")
    doc = json.loads(body)
    assert st == 200 and doc["mode"] == "app" and doc["version"] == "1.1.0+0", body
    assert (doc["slot"], doc["state"], doc["reason"]) == (1, "confirmed", "trial"), body
    assert doc["product"] == "demo-sensor" and doc["board"] == "qemu-mps2-an385", body
    assert request(q, "GET", "/api/update")[0] == 404 and request(q, "GET", "/")[0] == 404
    assert request(q, "POST", "/api/status", b"x")[0] == 405


def test_push_wait_reports_a_rollback(fw, flash, nqemu):
    """The pushed image hangs on trial: the watchdog, the loader's trial
    limit, back to the confirmed 1.0.0, which answers: push --wait says it
    was rolled back (exit 1), in JSON too."""
    q = nqemu(flash(app="app"), strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password",
                        "lifeboat", "--wait=150", "--json", fw["app-hang"]], capture_output=True,
                       text=True, timeout=200)
    assert r.returncode == 1, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and doc["http_status"] == 200, doc
    f = doc["followed"]
    assert (f["outcome"], f["version"], f["slot"], f["state"]) == (
        "rolled-back", "1.0.0+0", 0, "confirmed"), doc
    assert "not the pushed 1.1.0+0: rolled back" in f["line"], f


def test_single_slot_push_trial_confirm_then_a_hang_falls_back_to_recovery(
        fw_single, flash_single, nqemu_single):
    """The single-slot layout end to end (config/single-slot.yaml): a push
    replaces the only app, which boots on trial and confirms itself; the
    app asks for recovery, a build that hangs is pushed, and with no other
    app to roll back to the loader falls back to recovery after the trial
    boots, as documented. push --wait follows both."""
    q = nqemu_single(flash_single(app="app"), strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    base = [LIFEBOAT, "push", "--url", q.url, "--user", "admin", "--password", "lifeboat"]
    r = subprocess.run(base + ["--wait=60", fw_single["app-v2"]], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "installed in slot a" in r.stdout, r.stdout
    assert re.search(r"rebooted into 1\.1\.0\+0 in slot a \(trial boot", r.stdout), r.stdout
    assert re.search(r"1\.1\.0\+0 confirmed in slot a", r.stdout), r.stdout
    q.expect(r"\[app\] healthy: reported")
    q.send("r")  # the app asks for recovery
    b = q.boot()
    assert (b["image"], b["reason"]) == ("recovery", "requested"), q.transcript()
    q.serving()
    r = subprocess.run(base + ["--wait=150", "--json", fw_single["app-hang"]],
                       capture_output=True, text=True, timeout=200)
    assert r.returncode == 1, r.stdout + r.stderr
    f = json.loads(r.stdout)["followed"]
    assert f["outcome"] == "recovery", f
    s = status(q)
    assert s["mode"] == "recovery" and s["slots"][0]["state"] == "invalid", s
    assert s["reason"] in ("rollback", "no-valid-app"), s


def test_crash_loop_then_push_fixed_image(fw, flash, nqemu):
    fl = flash(app="app-fault")
    q = nqemu(fl)
    for _ in range(8):
        b = q.boot()
        if b["image"] == "recovery":
            break
    assert b["reason"] == "crash-loop"
    q.serving()
    assert status(q)["reason"] == "crash-loop"
    st, _, body = upload(q, read(fw["app-v2"]))
    assert st == 200, body
    b = q.boot()
    assert b["image"] == "app" and b["reason"] == "trial"
    q.expect(r"\[app\] healthy: reported")


def test_curl_digest_upload(fw, flash, nqemu):
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    r = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "--digest", "-u", "admin:lifeboat",
                        "--data-binary", "@" + fw["app-v2"], q.url + "/api/update"],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().endswith("200"), r.stdout
    q.expect(r"\[recovery\] rebooting")


def test_authentication_refusals(fw, flash, nqemu):
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    img = read(fw["app-v2"])
    # Missing credentials.
    st, h, _ = request(q, "POST", "/api/reboot")
    assert st == 401 and "www-authenticate" in h
    # Wrong password.
    nonce = challenge(q, "/api/reboot")
    st, _, body = request(q, "POST", "/api/reboot",
                          auth=answer(nonce, "POST", "/api/reboot", password="wrong"))
    assert st == 401 and "wrong user or password" in body
    # A correct answer works once; replaying it is refused as stale.
    nonce = challenge(q, "/api/update")
    good = answer(nonce, "POST", "/api/update")
    st, _, body = request(q, "POST", "/api/update", b"", auth=good)
    assert st == 400 and "empty" in body  # authenticated, then refused: no body
    st, h, _ = request(q, "POST", "/api/update", img, auth=good)
    assert st == 401 and "stale=true" in h["www-authenticate"]
    # Lockout after repeated failures (the success above cleared the count).
    for _ in range(5):
        nonce = challenge(q, "/api/reboot")
        st, _, _ = request(q, "POST", "/api/reboot",
                           auth=answer(nonce, "POST", "/api/reboot", password="nope"))
        assert st == 401
    nonce = "0" * 32  # locked out: refused before the nonce is even looked at
    st, h, body = request(q, "POST", "/api/reboot", auth=answer(nonce, "POST", "/api/reboot"))
    assert st == 429 and int(h["retry-after"]) >= 1, body
    s = status(q)
    assert s["auth"]["lockouts"] >= 1
    assert s["auth"]["failures"] >= 5 and s["auth"]["stale_nonces"] >= 1
    assert "audit" not in s  # who tried what is not public
    # Nothing was changed: the previous app still boots.
    q = restart_unstrapped(nqemu, q, fl)
    b = q.boot()
    assert b["image"] == "app" and b["slot"] == "a", q.transcript()


def test_bad_input_is_refused_precisely(fw, flash, nqemu):
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    assert raw(q, b"GARBAGE\r\n\r\n")[0] == 400
    assert raw(q, b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")[0] == 400
    assert raw(q, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n")[0] == 414
    assert raw(q, b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 1000 + b"\r\n\r\n")[0] == 431
    assert request(q, "GET", "/nope")[0] == 404
    st, h, _ = request(q, "GET", "/api/update")
    assert st == 405 and h["allow"] == "POST"
    assert raw(q, b"POST /api/update HTTP/1.1\r\nHost: a\r\n\r\n")[0] == 411
    assert raw(q, b"GET / HTTP/2.0\r\n\r\n")[0] == 505
    # The page exists only gzip-compressed: a client that does not take
    # gzip gets 406; one that does gets the HTML.
    assert request(q, "GET", "/")[0] == 406
    assert request(q, "GET", "/", headers={"Accept-Encoding": "gzip;q=0"})[0] == 406
    st, h, _ = request(q, "GET", "/", headers={"Accept-Encoding": "deflate, gzip, br"})
    assert st == 200 and h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
    r = subprocess.run(["curl", "-s", "--compressed", q.url + "/"], capture_output=True,
                       timeout=30)
    assert b"<h1>lifeboat recovery</h1>" in r.stdout, r.stdout[:200]
    img = read(fw["app-v2"])
    # Too large for the slot: refused before anything is written.
    nonce = challenge(q)
    st, _, body = request(q, "POST", "/api/update", b"", {"Content-Length": str(64 << 20)},
                          answer(nonce, "POST", "/api/update"))
    assert st == 413, body
    # A browser form upload (multipart) is not the raw image.
    nonce = challenge(q)
    st, _, body = request(q, "POST", "/api/update", img,
                          {"Content-Type": "multipart/form-data; boundary=x"},
                          answer(nonce, "POST", "/api/update"))
    assert st == 415, body
    # Wrong kind (the recovery image is not an app), tampered, truncated.
    # After each refusal the slots are as before: a refused image was
    # never activated (a later refusal, which marks slot b empty again
    # when it begins, would hide one at the end).
    def untouched(what):
        s = status(q)
        sl = [(x["slot"], x["state"]) for x in s["slots"]]
        assert s["active_slot"] == 0 and sl == [(0, "confirmed"), (1, "empty")], (what, s)
    untouched("before")
    st, _, body = upload(q, read(fw["recovery"]))
    assert st == 422 and "kind" in body, body
    untouched("wrong kind")
    bad = bytearray(img)
    bad[0x300] ^= 0xFF
    st, _, body = upload(q, bytes(bad))
    assert st == 422 and "hash" in body, body
    untouched("tampered")
    st, _, body = upload(q, img[:-64])
    assert st == 422, body
    untouched("truncated")
    # A body longer than announced: the image ends early for the verifier.
    nonce = challenge(q)
    st, _, body = request(q, "POST", "/api/update", img, {"Content-Length": str(len(img) - 100)},
                          answer(nonce, "POST", "/api/update"))
    assert st == 422, body
    untouched("longer than announced")
    # A body shorter than announced, then the client closes its side.
    nonce = challenge(q)
    st, _, body = request(q, "POST", "/api/update", img[:5000],
                          {"Content-Length": str(len(img))}, answer(nonce, "POST", "/api/update"),
                          shut=True)
    assert st == 400 and "before Content-Length" in body, body
    assert raw(q, b"POST /api/update HTTP/1.1\r\nHost: a\r\nContent-Length: 12x\r\n\r\n")[0] == 400
    untouched("shorter than announced")
    # The device keeps serving, then still boots its previous app, from
    # slot a and not on trial.
    assert status(q)["upload"]["active"] is False
    q = restart_unstrapped(nqemu, q, fl)
    b = q.boot()
    assert b == {"image": "app", "slot": "a", "reason": "normal", "reset": "power-on"}, \
        q.transcript()


def test_blank_state_never_writes_the_only_bootable_app(fw, flash, nqemu):
    """A flash without any boot-state record (nothing confirmed), entered
    by the strap: refused uploads leave the factory app in slot a alone,
    and an accepted one goes to slot b."""
    fl = flash(app="app", extra=["--blank-state"])
    q = nqemu(fl, strap=True)
    q.serving()
    bad = bytearray(read(fw["app-v2"]))
    bad[0x300] ^= 0xFF
    st, _, body = upload(q, bytes(bad))
    assert st == 422 and "hash" in body, body
    q = restart_unstrapped(nqemu, q, fl)
    b = q.boot()
    assert b["image"] == "app" and b["slot"] == "a", q.transcript()
    q.expect(r"\[app\] healthy: reported")
    q.kill()
    fl2 = flash(app="app", extra=["--blank-state"])
    q = nqemu(fl2, strap=True)
    q.serving()
    st, _, body = upload(q, read(fw["app-v2"]))
    assert st == 200 and "installed in slot b" in body, body
    q = restart_unstrapped(nqemu, q, fl2)
    assert q.boot() == {"image": "app", "slot": "b", "reason": "trial", "reset": "power-on"}


def test_stalled_upload_times_out_and_second_upload_conflicts(fw, flash, nqemu):
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    img = read(fw["app-v2"])
    nonce = challenge(q)
    s = socket.create_connection(("127.0.0.1", q.port), timeout=30)
    head = (f"POST /api/update HTTP/1.1\r\nHost: d\r\nContent-Length: {len(img)}\r\n"
            f"Authorization: {answer(nonce, 'POST', '/api/update')}\r\n\r\n").encode()
    s.sendall(head + img[:4096])  # then stall
    time.sleep(1.0)
    assert status(q)["upload"]["active"] is True
    st, _, body = upload(q, img)
    assert st == 409, body
    t0 = time.monotonic()
    data = s.recv(4096)
    assert b" 408 " in data.split(b"\r\n")[0], data
    assert time.monotonic() - t0 < 20
    s.close()
    assert status(q)["upload"]["active"] is False
    # Neither the stalled upload nor the refused one changed anything.
    q = restart_unstrapped(nqemu, q, fl)
    b = q.boot()
    assert b["image"] == "app" and b["slot"] == "a", q.transcript()


def test_concurrent_status_requests_and_slow_client_during_upload(fw, flash, nqemu):
    """While an upload streams in: 20 concurrent status requests and a
    client that trickles its request byte by byte are all answered, then
    the upload completes and installs.

    The status clients do not half-close after sending (neither do curl or
    browsers): QEMU's user-mode network listens on the host with a backlog
    of 1, so some of 20 simultaneous connects wait in the host kernel's
    accept queue (its SYN retry, ~1 s); a connection whose client already
    sent FIN by then is dropped by QEMU before it reaches the device."""
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    img = read(fw["app-v2"])
    others_done = threading.Event()
    up = []

    def uploader():
        nonce = challenge(q)
        auth = answer(nonce, "POST", "/api/update")
        head = (f"POST /api/update HTTP/1.1\r\nHost: d\r\nContent-Length: {len(img)}\r\n"
                f"Content-Type: application/octet-stream\r\nAuthorization: {auth}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", q.port), timeout=60) as s:
            s.sendall(head.encode())
            step = len(img) // 8
            for off in range(0, step * 7, step):
                s.sendall(img[off:off + step])
                time.sleep(0.1)
            others_done.wait(60)  # the last bytes only after everyone else
            s.sendall(img[step * 7:])
            data = b""
            while b"\r\n\r\n" not in data or not data.endswith(b"\n"):
                c = s.recv(4096)
                if not c:
                    break
                data += c
        up.append(data)

    def slow_client():
        req = b"GET /api/status HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"
        with socket.create_connection(("127.0.0.1", q.port), timeout=30) as s:
            for i in range(len(req)):
                s.send(req[i:i + 1])
                time.sleep(0.02)
            data = b""
            while True:
                c = s.recv(4096)
                if not c:
                    break
                data += c
        results.append(("slow", int(data.split(b" ")[1]) if data else 0))

    results = []

    def st():
        try:
            code, _, body = request(q, "GET", "/api/status", shut=False)
            results.append(("status", code))
            active.append(json.loads(body)["upload"]["active"] if code == 200 else None)
        except OSError as e:
            results.append(("status", str(e)))

    active = []

    t_up = threading.Thread(target=uploader)
    t_up.start()
    time.sleep(0.15)  # the upload is streaming now
    threads = [threading.Thread(target=slow_client)] + [threading.Thread(target=st)
                                                         for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count(("status", 200)) == 20, repr(results)
    assert ("slow", 200) in results, repr(results)
    assert all(active), active  # every answer came while the upload ran
    others_done.set()
    t_up.join(60)
    assert up and b" 200 " in up[0].split(b"\r\n")[0], up
    assert b"installed in slot b" in up[0], up
    q.expect(r"\[recovery\] rebooting")


def cut_upload(fw, fl, nqemu, steps):
    """Pushes app-v2 to recovery (strap held) and cuts the power (kill -9)
    at a chosen flash write of the install, the guest halted there through
    QEMU's GDB stub: steps is a list of (predicate, pieces to let through)
    walked in order over recovery's lb_qemu_flash_piece calls; the kill
    lands before the next piece. Returns the push's result (None if it did
    not end within a minute)."""
    q = nqemu(fl, strap=True, gdb=True)
    q.gdb.resume()
    q.serving()
    elf = fw["recovery-elf"]
    q.arm(elf)  # before the push: an upload takes a fraction of a second
    box = []
    t = threading.Thread(target=lambda: box.append(push(q, fw["app-v2"])))
    t.start()
    for want, through in steps:
        q.run_to_piece(elf, want)
        for _ in range(through):
            q.run_to_piece(elf, lambda o, n: True)
    q.kill()
    t.join(60)
    return box[0] if box else None


def test_power_cut_at_each_step_of_an_upload(fw, flash, nqemu):
    """The power is cut (kill -9, provably during the install's flash writes:
    QEMU is halted at the write through its GDB stub) at each step of a push
    over a device whose app a is confirmed: in the image data, inside the
    boot record that activates it (torn), after that record but before the
    image's first unit (the commit), and after the whole install. What each
    cut implies is what boots next: app a (normal) for the first two, app a
    by rollback (slot b is active but does not verify) for the third, and
    the new image on trial for the last."""
    s0, n0 = flash().part("SLOT0")
    s1, n1 = flash().part("SLOT1")
    bs, nbs = flash().part("BOOTSTATE")
    unit = fw["layout"]["LB_FLASH_PROGRAM_SIZE"]
    data = lambda o, n: s1 + unit <= o < s1 + n1  # noqa: E731 (slot b past its first unit)
    record = lambda o, n: bs <= o < bs + nbs  # noqa: E731
    head = lambda o, n: o == s1  # noqa: E731
    cases = [
        ([(data, 0), (data, 0), (data, 0)], ("a", "normal", "1.0.0")),
        ([(data, 0), (record, 64 // unit // 2)], ("a", "normal", "1.0.0")),
        ([(data, 0), (head, 0)], ("a", "rollback", "1.0.0")),
    ]
    for steps, (slot, reason, version) in cases:
        fl = flash(app="app")
        slot_a = fl.read(s0, n0)
        cut_upload(fw, fl, nqemu, steps)
        assert fl.read(s0, n0) == slot_a  # the confirmed app is never written
        q = nqemu(fl)
        b = q.boot()
        assert (b["image"], b["slot"], b["reason"]) == ("app", slot, reason), (steps, b)
        q.expect(r"\[app\] \S+ version " + re.escape(version))
        q.expect(r"\[app\] healthy: reported")
        q.kill()
    # The whole install, then the cut (before recovery's reboot is seen).
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    r = push(q, fw["app-v2"])
    assert r.returncode == 0, r.stdout + r.stderr
    q.kill()
    q = nqemu(fl)
    b = q.boot()
    assert (b["image"], b["slot"], b["reason"]) == ("app", "b", "trial"), b
    q.expect(r"\[app\] \S+ version 1\.1\.0")


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_credential_replaced_over_the_network(fw, flash, nqemu):
    """POST /api/credential (authenticated with the credential in force)
    stores a new per-device HA1: from then on, and after a reboot, only the
    new password works."""
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    assert status(q)["auth"]["credential"] == "layout"
    path = "/api/credential"
    # Refused: malformed form, too long, wrong password (nothing changes).
    st, _, body = request(q, "POST", path, b"user=ops", FORM, answer(challenge(q, path), "POST",
                                                                        path))
    assert st == 400 and "required" in body, body
    st, _, body = request(q, "POST", path, b"x" * 700, FORM, answer(challenge(q, path), "POST",
                                                                     path))
    assert st == 413, body
    cur = H("admin:lifeboat:lifeboat")
    new = H("ops:lifeboat:s3cret-device")
    nonce = challenge(q, path)
    form = seal(cur, nonce, "c0ffee", "ops", "lifeboat", new)
    st, _, _ = request(q, "POST", path, form, FORM,
                       answer(nonce, "POST", path, password="nope"))
    assert st == 401
    # The HA1 in the clear (the old form) is refused; so is a seal made for
    # another nonce, for another user name, or under another credential.
    st, _, body = request(q, "POST", path, f"user=ops&ha1={new}".encode(), FORM,
                          answer(challenge(q, path), "POST", path))
    assert st == 400 and "sealed" in body, body
    wrong = (lambda n: seal(cur, "0" * 40, "c0ffee", "ops", "lifeboat", new),
             lambda n: seal(H("admin:lifeboat:guess"), n, "c0ffee", "ops", "lifeboat", new),
             lambda n: seal(cur, n, "c0ffee", "ops", "lifeboat", new).replace(b"user=ops",
                                                                              b"user=eve"))
    for make in wrong:
        nonce = challenge(q, path)
        st, _, body = request(q, "POST", path, make(nonce), FORM, answer(nonce, "POST", path))
        assert st == 400 and "does not verify" in body, body
    assert status(q)["auth"]["credential"] == "layout"
    # Accepted.
    nonce = challenge(q, path)
    form = seal(cur, nonce, "c0ffee", "ops", "lifeboat", new)
    st, _, body = request(q, "POST", path, form, FORM, answer(nonce, "POST", path))
    assert st == 200 and "credential replaced" in body, body
    s = status(q)
    assert s["auth"]["credential"] == "device"
    h = history(q, "ops", "s3cret-device")
    assert h["history"][0]["event"] == "credential", h
    assert h["history"][0]["client"] == "10.0.2.2"
    # The old password is refused, the new one works (curl).
    st, _, _ = request(q, "POST", "/api/reboot",
                       auth=answer(challenge(q, "/api/reboot"), "POST", "/api/reboot"))
    assert st == 401
    r = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "--digest", "-u",
                        "ops:s3cret-device", "--data-binary", "@" + fw["app-v2"],
                        q.url + "/api/update"], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().endswith("200"), r.stdout
    # Kept across a power cycle back into recovery (the software reset after
    # the upload ignores the strap and starts the new app).
    q.expect(r"\[recovery\] rebooting")
    assert q.boot()["reason"] == "trial"
    q.kill()
    q = nqemu(fl, strap=True)
    q.serving()
    assert status(q)["auth"]["credential"] == "device"
    st, _, _ = request(q, "POST", "/api/reboot",
                       auth=answer(challenge(q, "/api/reboot"), "POST", "/api/reboot"))
    assert st == 401
    st, _, body = request(q, "POST", "/api/reboot",
                          auth=answer(challenge(q, "/api/reboot"), "POST", "/api/reboot",
                                      user="ops", password="s3cret-device"))
    assert st == 200, body


def test_provisioned_credential_and_push_exit_codes(fw, flash, nqemu, tmp_path):
    """`lifeboat mkflash --cred-*` provisions the device's own credential
    (the layout's default is refused from the first boot); `lifeboat push`
    shows progress (plain lines, or a bar on a terminal), prints the
    device's answer and exits 0 accepted / 1 refused or unreachable /
    2 usage."""
    pw = tmp_path / "pw"
    pw.write_text("per-device-secret\n")
    fl = flash(app="app", extra=["--cred-user", "ops", "--cred-password-file", str(pw)])
    q = nqemu(fl, strap=True)
    q.serving()
    assert status(q)["auth"]["credential"] == "device"
    r = push(q, fw["app-v2"])  # admin/lifeboat: the layout's default
    assert r.returncode == 1 and "401" in r.stdout + r.stderr, r
    r = subprocess.run([LIFEBOAT, "push", "--user", "ops", fw["app-v2"]], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2, r
    r = subprocess.run([LIFEBOAT, "push", "--url", "http://127.0.0.1:9", "--user", "ops",
                        "--password-file", str(pw), fw["app-v2"]], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1, r
    r = subprocess.run([LIFEBOAT, "push", "--url", q.url, "--user", "ops", "--password-file",
                        str(pw), fw["app-v2"]], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    assert "installed in slot b" in r.stdout, r.stdout
    assert re.search(r"sent \d+ of \d+ bytes \(100%\)", r.stderr), r.stderr
    q.expect(r"\[recovery\] rebooting")
    assert q.boot()["reason"] == "trial"  # the software reset ignores the strap
    q.kill()
    q = nqemu(fl, strap=True)
    q.serving()
    # On a terminal: a progress bar redrawn in place.
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen([LIFEBOAT, "push", "--url", q.url, "--user", "ops", "--password-file",
                          str(pw), fw["app-v2"]], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = p.communicate(timeout=60)
    tty = b""
    while True:
        try:
            c = os.read(master, 4096)
        except OSError:
            break
        if not c:
            break
        tty += c
    os.close(master)
    assert p.returncode == 0, (out, tty)
    assert b"\r[" in tty and b"100%" in tty and b"####" in tty, tty


def test_idle_timeout_leaves_recovery(fw, flash, nqemu, idle_recovery):
    """Nobody authenticates to recovery for idle_timeout_s (3 s in this
    build): it leaves by itself and the app gets another chance, even while
    a page polls /api/status; authenticated requests keep it in recovery."""
    fl = flash(app="app")
    off, size = fl.part("RECOVERY")
    with open(idle_recovery, "rb") as f:
        img = f.read()
    fl.write(off, img + b"\xff" * (size - len(img)))
    q = nqemu(fl)
    q.expect(r"\[app\] healthy: reported")
    q.send("r")
    assert q.boot()["reason"] == "requested"
    q.serving()
    t0 = time.monotonic()
    for _ in range(4):  # authenticated activity for ~4 s: no timeout meanwhile
        nonce = challenge(q)
        st, _, body = request(q, "POST", "/api/update", b"",
                              auth=answer(nonce, "POST", "/api/update"))
        assert st == 400 and "empty" in body, body  # authenticated, then refused
        time.sleep(1.0)
    assert time.monotonic() - t0 > 3.5
    assert status(q)["mode"] == "recovery"
    # Only unauthenticated polling from now on: it leaves all the same.
    left = False
    for _ in range(40):
        try:
            status(q)
        except (AssertionError, OSError, ValueError):
            pass
        if any("[recovery] leaving: idle timeout" in (l or "") for l in q.lines):
            left = True
            break
        time.sleep(0.25)
    assert left, q.transcript()
    assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "software"}
