"""`lifeboat push` as a user at a terminal meets it. It asks for the
password when no --password-file, --password or LIFEBOAT_PASSWORD gives it
(a password on the command line is visible to ps): the prompt names user
and device, the typed password is not echoed, and it is the one the Digest
answer is made with (a device on loopback checks it: RFC 7616, SHA-256).
A device that accepts the connection and then says nothing gets a message
saying what timed out, not the socket's EAGAIN."""
import hashlib
import socket
import http.server
import os
import pty
import re
import select
import subprocess
import threading
import time

import pytest

from conftest import ROOT
from test_push_wait import image

LIFEBOAT = os.environ.get("LIFEBOAT", os.path.join(ROOT, "build", "tools", "lifeboat"))
PASSWORD = "typed-secret"
NONCE = "00112233445566778899aabbccddeeff"


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


class Device(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        auth = self.headers.get("Authorization", "")
        f = dict(re.findall(r'(\w+)="?([^",]*)"?', auth))
        ok = bool(f) and f.get("response") == h(":".join([
            h(f"{f.get('username')}:lifeboat:{PASSWORD}"), NONCE, f.get("nc", ""),
            f.get("cnonce", ""), "auth", h(f"POST:{f.get('uri')}")]))
        self.server.answers.append(ok)
        if not ok:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="lifeboat", qop="auth", '
                             f'algorithm=SHA-256, nonce="{NONCE}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"200 OK: image 1.2.3+4 installed in slot b for a trial boot; rebooting\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def device():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Device)
    srv.answers = []
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def on_a_terminal(args, typed, timeout=30.0):
    """Runs lifeboat with a pty as its terminal; types `typed` once the
    prompt shows. Returns (exit status, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: lifeboat, its stdin/stdout/stderr and /dev/tty the pty
        os.execv(LIFEBOAT, [LIFEBOAT, *map(str, args)])
    shown, sent, pid_done = b"", False, 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            shown += data
        if not sent and b"Password for " in shown:
            os.write(fd, typed.encode() + b"\n")
            sent = True
        pid_done, st = os.waitpid(pid, os.WNOHANG)
        if pid_done:
            # What it wrote just before it exited may still be in the pty.
            while time.monotonic() < deadline and select.select([fd], [], [], 0.2)[0]:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                shown += data
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError(f"no end within {timeout} s: {shown!r}")
    if not pid_done:
        _, st = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(st), shown.decode(errors="replace")


def test_push_asks_for_the_password_on_a_terminal(lifeboat, device, tmp_path):
    img = image(lifeboat, tmp_path)
    url = f"http://127.0.0.1:{device.server_address[1]}"
    env_before = os.environ.pop("LIFEBOAT_PASSWORD", None)
    try:
        code, shown = on_a_terminal(["push", "--url", url, "--user", "ops", "--no-check", img],
                                    PASSWORD)
    finally:
        if env_before is not None:
            os.environ["LIFEBOAT_PASSWORD"] = env_before
    assert code == 0, shown
    assert f"Password for ops at {url}: " in shown, shown
    assert PASSWORD not in shown, "the password was echoed"
    assert "installed in slot b" in shown, shown
    assert device.answers[-1] is True, device.answers


def test_push_without_a_terminal_says_how_to_give_the_password(lifeboat, device, tmp_path):
    img = image(lifeboat, tmp_path)
    url = f"http://127.0.0.1:{device.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if k != "LIFEBOAT_PASSWORD"}
    p = subprocess.run([LIFEBOAT, "push", "--url", url, "--user", "ops", str(img)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=30)
    assert p.returncode == 2, p
    assert "missing --password-file FILE (or LIFEBOAT_PASSWORD, or --password PASS)" in p.stderr
    assert device.answers == []  # nothing was sent


def test_push_and_status_say_what_timed_out(lifeboat, tmp_path):
    img = image(lifeboat, tmp_path)
    with socket.socket() as silent:  # accepts (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        want = f"no answer from {url} within 1 s"
        p = lifeboat("push", "--url", url, "--user", "ops", "--password", "x", "--timeout", "1",
                     "--no-check", img)
        assert p.returncode == 1 and want in p.stderr, p
        assert "Resource temporarily unavailable" not in p.stderr
        p = lifeboat("status", "--url", url, "--timeout", "1")
        assert p.returncode == 1 and f"lifeboat status: {want}" in p.stderr, p
        p = lifeboat("status", "--url", url, "--timeout", "1", "--json")
        assert p.returncode == 1 and f'"error":"{want}"' in p.stdout, p
