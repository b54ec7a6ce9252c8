"""Recovery under hostile clients, on the emulated board: floods of
unauthenticated challenges, brute force. Each test asserts the outcome
(served / refused), never a duration; every loop is bounded in count and
time."""
import re
import socket
import threading
import time

from test_recovery import answer, challenge, raw, request
from test_recovery import status as status_json


def test_challenge_flood_does_not_evict_a_clients_nonce(fw, flash, nqemu):
    """3 threads keep asking for challenges (unauthenticated POSTs) while a
    client logs in 10 times, thinking 0.2 s between challenge and answer:
    every login succeeds (nonces are stateless, nothing to evict). Under
    the flood the emulated NIC's small RX FIFO drops frames, and now and
    then QEMU's user-mode network gives up on a connection before it
    carries a request (an answer of no bytes at all): such a challenge is
    asked again, at most twice per login; a login whose nonce is refused,
    or any other answer, fails the test."""
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    stop = threading.Event()
    flooded = [0]

    def flood():
        for _ in range(5000):
            if stop.is_set():
                return
            try:
                st, _, _ = request(q, "POST", "/api/reboot")
                flooded[0] += st == 401
            except OSError:
                pass

    threads = [threading.Thread(target=flood) for _ in range(3)]
    for t in threads:
        t.start()
    ok = dropped = 0
    try:
        for _ in range(10):
            for attempt in range(3):
                st, h, _ = request(q, "POST", "/api/update")
                if st != 0:
                    break
                dropped += 1
            assert st == 401, (st, h)
            nonce = re.search(r'nonce="([^"]+)"', h["www-authenticate"]).group(1)
            time.sleep(0.2)
            st, _, body = request(q, "POST", "/api/update", b"",
                                  auth=answer(nonce, "POST", "/api/update"))
            ok += st == 400 and "empty" in body  # authenticated, then refused: no body
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert flooded[0] > 30, flooded[0]  # the flood really ran alongside
    assert ok == 10, (ok, dropped)


class SlowClients:
    """Connections that trickle one header byte every 3 s and others that
    send one byte and stop, reconnecting when cut; each thread ends within
    60 s or when stopped."""

    REQ = b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n"

    def __init__(self, q, tricklers=6, stoppers=6):
        self.q, self.stop, self.got_408 = q, threading.Event(), []
        self.threads = [threading.Thread(target=self.trickle) for _ in range(tricklers)]
        self.threads += [threading.Thread(target=self.one_byte) for _ in range(stoppers)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(1.0)  # the attack holds the slots now
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.q.port), timeout=30)

    def trickle(self):
        end = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                with self.connect() as s:
                    s.settimeout(0.01)
                    for i in range(len(self.REQ)):
                        if self.stop.wait(3.0):
                            return
                        s.send(self.REQ[i:i + 1])
                        try:
                            data = s.recv(4096)
                        except socket.timeout:
                            continue
                        if b" 408 " in data:
                            self.got_408.append(data)
                        break  # answered or closed: connect again
            except OSError:
                pass
            # QEMU's user-mode network accepts with a backlog of 1: pace the
            # reconnects so the attack is slow clients, not a SYN flood of
            # the emulator's host side.
            self.stop.wait(0.3)

    def one_byte(self):
        end = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                with self.connect() as s:
                    s.send(b"G")
                    s.settimeout(1.0)
                    while not self.stop.is_set():
                        try:
                            if not s.recv(4096):
                                break
                        except socket.timeout:
                            continue
            except OSError:
                pass
            self.stop.wait(0.3)


def test_slow_clients_do_not_starve_the_device(fw, flash, nqemu):
    """While slow clients hold every slot they can, status requests and an
    authenticated request are answered, and a trickling head is cut with
    408 at its deadline (LB_HTTP_HEAD_MS)."""
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    with SlowClients(q) as attack:
        served, seen = 0, []
        for _ in range(3):
            st, h, body = request(q, "GET", "/api/status", shut=False)
            served += st == 200
            seen.append((st, body[:80]))
        nonce = challenge(q)
        st, _, body = request(q, "POST", "/api/update", b"",
                              auth=answer(nonce, "POST", "/api/update"))
        assert st == 400 and "empty" in body, (st, body)  # authenticated, then refused
        assert served == 3, (seen, q.transcript()[-2000:])
        for _ in range(80):  # up to 20 s for a trickler to pass its deadline
            if attack.got_408:
                break
            time.sleep(0.25)
        assert attack.got_408, "no trickling client was cut at its head deadline"


def test_unauthenticated_traffic_does_not_hold_recovery(fw, flash, nqemu, idle_recovery):
    """With the idle timeout at 3 s, a page polling /api/status does not
    keep the device in recovery, nor do slow clients: each time it leaves
    and boots the app."""
    fl = flash(app="app")
    off, size = fl.part("RECOVERY")
    img = open(idle_recovery, "rb").read()
    fl.write(off, img + b"\xff" * (size - len(img)))
    q = nqemu(fl, strap=True)
    assert q.boot()["reason"] == "strap"
    q.serving()
    stop = threading.Event()

    def poll_status(ok):  # an open page polling every 0.5 s; ok: when answers came
        for _ in range(120):
            if stop.wait(0.5):
                return
            try:
                # A short timeout: a connection QEMU's user network drops
                # must not silence the page for long (the traffic this test
                # is about would stop, and with it the test).
                st, _, _ = raw(q, b"GET /api/status HTTP/1.1\r\nHost: device\r\n"
                               b"Connection: close\r\n\r\n", timeout=1.0, shut=False)
                if st == 200:
                    ok.append(time.monotonic())
            except (OSError, IndexError, ValueError):
                pass

    for attack in (False, True):
        stop.clear()
        ok = []
        t0 = time.monotonic()
        poller = threading.Thread(target=poll_status, args=(ok,))
        poller.start()
        try:
            if attack:
                with SlowClients(q):
                    q.expect(r"\[recovery\] leaving: idle timeout", timeout=20)
            else:
                q.expect(r"\[recovery\] leaving: idle timeout", timeout=20)
            t1 = time.monotonic()
        finally:
            stop.set()
            poller.join(70)
        if not attack:
            # It left although the page was answered all along: no silence
            # near the 3 s idle timeout (else leaving proves nothing).
            times = [t0] + [t for t in ok if t <= t1] + [t1]
            gap = max(b - a for a, b in zip(times, times[1:]))
            assert gap < 2.5, f"status answers stopped for {gap:.1f} s: no traffic to ignore"
        assert q.boot()["image"] == "app"
        if not attack:
            q.expect(r"\[app\] healthy: reported")
            q.send("r")  # back to recovery for the second round
            assert q.boot()["reason"] == "requested"
            q.serving()


def test_body_slower_than_the_minimum_rate_gets_408(fw, flash, nqemu):
    """An authenticated upload whose body trickles (100 bytes a second,
    below 1 KiB per 5 s, yet never silent for the 10 s stall) is cut with
    408, and nothing was installed."""
    fl = flash(app="app")
    q = nqemu(fl, strap=True)
    q.serving()
    img = open(fw["app-v2"], "rb").read()
    nonce = challenge(q)
    head = (f"POST /api/update HTTP/1.1\r\nHost: d\r\nContent-Length: {len(img)}\r\n"
            f"Authorization: {answer(nonce, 'POST', '/api/update')}\r\n\r\n").encode()
    data = b""
    with socket.create_connection(("127.0.0.1", q.port), timeout=5) as s:
        s.sendall(head)
        s.settimeout(0.01)
        for i in range(30):  # at most ~30 s
            try:
                s.sendall(img[i * 100:(i + 1) * 100])
            except OSError:
                break
            try:
                data += s.recv(4096)
            except (socket.timeout, OSError):
                pass
            if b"\r\n\r\n" in data:
                break
            time.sleep(1.0)
    assert b" 408 " in data.split(b"\r\n")[0], data
    s = status_json(q)
    assert s["upload"]["active"] is False
    assert s["slots"][1]["state"] == "empty", s


def test_idle_sockets_cannot_lock_the_door(fw, flash, nqemu):
    """More silent connections than the device has slots and waiting
    places (4 + 20): a client that sends its request is still admitted
    (the oldest waiter without a request gives its place) and served."""
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    idle = []
    try:
        for _ in range(30):
            try:
                idle.append(socket.create_connection(("127.0.0.1", q.port), timeout=5))
            except OSError:
                pass
            time.sleep(0.05)
        assert len(idle) >= 26, len(idle)
        time.sleep(1.5)  # the silent slot holders are now evictable
        st, _, body = request(q, "GET", "/api/status", shut=False)
        assert st == 200, (st, body)
    finally:
        for s in idle:
            s.close()
