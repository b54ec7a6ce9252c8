#!/usr/bin/python3
"""make bench-recovery: the recovery image's flash and RAM beside the budgets
of the design brief (section 11: 64 KiB flash, 40 KiB RAM including lwIP,
DHCP, HTTP, auth and verification), and the throughput of a 1 MiB signed
image uploaded with POST /api/update beside raw TCP throughput to the same
guest, measured in the same QEMU run (budget: upload >= 0.8 x raw).

Every figure is measured for both signature backends (lib/src/sig/) in one
run: the shipped build (build/qemu-mps2-an385, SIG_BACKEND as make built
it, BearSSL by default) and the other backend built under
build/bench/recovery-<backend>/. Sizes are those of the image:
flash = text + data, RAM = data + bss + the board's retained boot-info area
+ the stack reserve (LB_RECOVERY_STACK_RESERVE); the stack actually used is
read back from the image (stack_peak in /api/status) after an upload. The throughput figures
come from the benchmark build (recovery-bench.elf, LB_RECOVERY_BENCH=1),
which only adds a discard service on LB_RECOVERY_BENCH_PORT: the raw figure
sends 1 MiB there and waits for the guest to close, the upload figure runs
the Digest handshake, then times the body from its first byte to the
device's answer (every byte received, hashed, written to flash, signature
checked, slot activated). Both go through QEMU's user-mode network from
127.0.0.1; the best of three runs of each is reported."""
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
B = os.path.join(ROOT, "build")
QB = os.path.join(B, "qemu-mps2-an385")
LIFEBOAT = os.path.join(B, "tools", "lifeboat")
OUT = os.path.join(B, "bench", "recovery")
FLASH_BUDGET = 64 * 1024
RAM_BUDGET = 40 * 1024
RATIO_BUDGET = 0.8
MIB = 1024 * 1024
RUNS = 3


def die(msg):
    sys.exit("bench-recovery: " + msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_value(name):
    with open(os.path.join(ROOT, "lib", "include", "lb", "config.h")) as f:
        m = re.search(rf"#define {name} (\d+)u?", f.read())
    if not m:
        die(f"{name} not found in lib/include/lb/config.h")
    return int(m.group(1))


def layout_value(name):
    with open(os.path.join(QB, "layout", "partitions.h")) as f:
        m = re.search(rf'#define {name} (0x[0-9a-fA-F]+|\d+|"[^"]*")u?', f.read())
    if not m:
        die(f"{name} not found in partitions.h")
    v = m.group(1)
    return v.strip('"') if v.startswith('"') else int(v, 0)


def sizes(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], capture_output=True, text=True,
                         check=True).stdout
    sec = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)", out, re.M)}
    text = sec.get(".text", 0) + sec.get(".ARM.exidx", 0)
    return text, sec.get(".data", 0), sec.get(".bss", 0), sec.get(".retained", 0)


BACKENDS = ("bearssl", "mbedtls")  # lib/src/sig/; SIG_BACKEND of mk/fw-qemu.mk


def make(qb, backend, *targets, layout=None):
    args = [f"QB={qb}", f"SIG_BACKEND={backend}"] + ([f"LAYOUT={layout}"] if layout else [])
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, *args, *targets],
                   check=True, stdout=subprocess.DEVNULL)


def backend_build(backend):
    """The build directory of `backend`: the shipped one when make built it
    with that backend, else a build of the default layout under build/bench/."""
    with open(os.path.join(B, "qemu-mps2-an385", "sig-backend.txt")) as f:
        if f.read().strip() == backend:
            return os.path.join(B, "qemu-mps2-an385")
    qb = os.path.join(B, "bench", f"recovery-{backend}", "qemu-mps2-an385")
    make(qb, backend, "qemu-images", os.path.join(qb, "recovery-bench.signed.bin"))
    return qb


def dhcp_variant(backend):
    """Sizes of the recovery image for the default layout with `net: dhcp`
    (the budget includes DHCP), built under build/bench/."""
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    # recovery's net: line (the app has its own).
    text, n = re.subn(r"(?m)^(recovery:\n(?:  .*\n)*?  net:\s*).*$", r"\1dhcp", text)
    if n != 1:
        die("config/default.yaml: no recovery 'net:' line to switch to dhcp")
    d = os.path.join(B, "bench", "recovery-dhcp")
    os.makedirs(d, exist_ok=True)
    layout = os.path.join(d, "default-dhcp.yaml")
    with open(layout, "w") as f:
        f.write(text)
    qb = os.path.join(d, f"qemu-mps2-an385-{backend}")
    make(qb, backend, os.path.join(qb, "recovery.elf"), layout=layout)
    return sizes(os.path.join(qb, "recovery.elf"))


def big_image():
    """A signed 1 MiB app image (random body) the recovery accepts."""
    os.makedirs(OUT, exist_ok=True)
    body, img = os.path.join(OUT, "big.bin"), os.path.join(OUT, "big.signed.bin")
    hdr, tlv_room = 0x200, 0x200
    with open(body, "wb") as f:
        f.write(os.urandom(MIB - hdr - tlv_room))
    subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(B, "keys", "dev.pem"),
                    "--header-size", hex(hdr), "--load-addr", "0x00100000", "--product",
                    layout_value("LB_LAYOUT_PRODUCT"), "--kind", "app", "--version", "9.0.0",
                    body, img], check=True, stdout=subprocess.DEVNULL)
    with open(img, "rb") as f:
        return f.read()


class Device:
    """QEMU with the strap held (recovery), HTTP and discard ports forwarded."""

    def __init__(self, flash):
        self.http, self.raw = free_port(), free_port()
        fwd = (f"user,model=lan9118,hostfwd=tcp:127.0.0.1:{self.http}-:"
               f"{layout_value('LB_RECOVERY_PORT')},hostfwd=tcp:127.0.0.1:{self.raw}-:"
               f"{config_value('LB_RECOVERY_BENCH_PORT')}")
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
             "-serial", "stdio", "-semihosting-config",
             f"enable=on,target=native,arg=lifeboat,arg=flash={flash}", "-nic", fwd,
             "-global", "mps2-scc.scc-cfg0=2", "-kernel", os.path.join(QB, "bootrom.elf")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.text, self.cond = "", threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            c = self.proc.stdout.read1(4096)
            if not c:
                break
            with self.cond:
                self.text += c.decode(errors="replace")
                self.cond.notify_all()

    def wait_serving(self, count):
        """Waits for the count-th "netif up" line (one per boot)."""
        deadline = time.monotonic() + 30
        with self.cond:
            while self.text.count("[recovery] netif up") < count:
                if time.monotonic() > deadline:
                    die("recovery did not come up:\n" + self.text)
                self.cond.wait(1)

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def http(port, head, body=b""):
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(head + body)
        return read_answer(s)


def read_answer(s):
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
        h, sep, rest = data.partition(b"\r\n\r\n")
        m = re.search(rb"Content-Length: (\d+)", h)
        if sep and m and len(rest) >= int(m.group(1)):
            break
    return data


def raw_tcp(port, payload):
    """Seconds from connect to the guest closing after all of payload."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    return time.monotonic() - t0


def upload(port, img, expect=b" 200 "):
    """Seconds from the first body byte to the device's answer."""
    ans = http(port, b"POST /api/update HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")
    nonce = re.search(rb'nonce="([^"]+)"', ans).group(1).decode()
    H = lambda t: hashlib.sha256(t.encode()).hexdigest()  # noqa: E731
    ha1 = H(f"{layout_value('LB_RECOVERY_AUTH_USER')}:{layout_value('LB_RECOVERY_AUTH_REALM')}"
            ":lifeboat")
    resp = H(f"{ha1}:{nonce}:00000001:b3nch:auth:{H('POST:/api/update')}")
    auth = (f'Digest username="{layout_value("LB_RECOVERY_AUTH_USER")}", realm="'
            f'{layout_value("LB_RECOVERY_AUTH_REALM")}", nonce="{nonce}", uri="/api/update", '
            f'algorithm=SHA-256, qop=auth, nc=00000001, cnonce="b3nch", response="{resp}"')
    head = (f"POST /api/update HTTP/1.1\r\nHost: d\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(img)}\r\nAuthorization: {auth}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(head)
        t0 = time.monotonic()
        s.sendall(img)
        ans = read_answer(s)
        t = time.monotonic() - t0
    if expect not in ans.split(b"\r\n")[0]:
        die("unexpected answer to an upload: " + ans.decode(errors="replace"))
    return t


def tlv_broken(img):
    """The image with its (unhashed) TLV area's magic zeroed: the verifier
    refuses it when it reaches the TLVs, right after the body, so the
    answer (422) comes once everything before was received, hashed and
    written, without the final signature check."""
    hdr, prot = int.from_bytes(img[8:10], "little"), int.from_bytes(img[10:12], "little")
    off = hdr + int.from_bytes(img[12:16], "little") + prot
    return img[:off] + b"\0\0" + img[off + 2:]


def measure(backend, img):
    """The table's rows for one backend (QB is its build)."""
    text, data, bss, retained = sizes(os.path.join(QB, "recovery.elf"))
    reserve = config_value("LB_RECOVERY_STACK_RESERVE")
    flash_b, ram_b = text + data, data + bss + retained + reserve
    dtext, ddata, dbss, dret = dhcp_variant(backend)
    dflash_b, dram_b = dtext + ddata, ddata + dbss + dret + reserve

    flash = os.path.join(OUT, f"flash-{backend}.bin")
    subprocess.run([LIFEBOAT, "mkflash", os.path.join(QB, "layout", "ptable.bin"), "--loader",
                    os.path.join(QB, "loader.bin"), "--recovery",
                    os.path.join(QB, "recovery-bench.signed.bin"), "--app",
                    os.path.join(QB, "app.signed.bin"), "-o", flash], check=True)
    dev = Device(flash)
    try:
        dev.wait_serving(1)
        raw = min(raw_tcp(dev.raw, img) for _ in range(RUNS))
        broken = tlv_broken(img)
        stream = min(upload(dev.http, broken, b" 422 ") for _ in range(RUNS))
        ups = []
        for i in range(RUNS):
            ups.append(upload(dev.http, img))
            # The device now reboots into the uploaded image (the strap only
            # counts at power-on); power-cycle with the strap held instead.
            dev.kill()
            dev = Device(flash)
            dev.wait_serving(1)
        up = min(ups)
    finally:
        dev.kill()
    peak, peak_all = stack_peak_after_upload(flash, img)

    raw_mbs, up_mbs = len(img) / raw / 1e6, len(img) / up / 1e6
    stream_mbs = len(img) / stream / 1e6
    return [(f"{backend}: {name}", val, budget, ok) for name, val, budget, ok in [
        ("upload/raw ratio (best of each)", f"{up_mbs / raw_mbs:.2f}", f">= {RATIO_BUDGET}",
         up_mbs / raw_mbs >= RATIO_BUDGET)] + [
        ("recovery flash (text + data)", f"{flash_b} B", f"<= {FLASH_BUDGET} B",
         flash_b <= FLASH_BUDGET),
        (f"recovery RAM (data {data} + bss {bss} + boot info {retained} + stack {reserve})",
         f"{ram_b} B", f"<= {RAM_BUDGET} B", ram_b <= RAM_BUDGET),
        ("recovery flash, same layout with net: dhcp", f"{dflash_b} B", f"<= {FLASH_BUDGET} B",
         dflash_b <= FLASH_BUDGET),
        ("recovery RAM, same layout with net: dhcp", f"{dram_b} B", f"<= {RAM_BUDGET} B",
         dram_b <= RAM_BUDGET),
        ("stack used (peak: 1 MiB upload, hash, ECDSA)", f"{peak} B", f"<= {reserve} B (reserve)",
         peak <= reserve),
        ("stack used (+ sealed credential change, history pages)", f"{peak_all} B",
         f"<= {reserve} B (reserve)", peak_all <= reserve),
        ("raw TCP to the guest (1 MiB, discard port)", f"{raw_mbs:.2f} MB/s", "(reference)",
         None),
        ("upload 1 MiB, POST /api/update -> 200", f"{up_mbs:.2f} MB/s",
         f">= {RATIO_BUDGET} x raw = {RATIO_BUDGET * raw_mbs:.2f} MB/s",
         up_mbs >= RATIO_BUDGET * raw_mbs),
        ("  of which streaming (receive+hash+write)", f"{stream_mbs:.2f} MB/s",
         f"(reference: {stream * 1000:.0f} ms of {up * 1000:.0f} ms)", None),
        ("  of which final check + activation", f"{(up - stream) * 1000:.0f} ms",
         "(reference: ECDSA P-256, boot-state record)", None),
        ("  uploads (each run)", ", ".join(f"{len(img) / t / 1e6:.2f}" for t in ups) + " MB/s",
         f"(best of {RUNS} reported)", None),
    ]]


def main():
    global QB
    img = big_image()
    rows = []
    for backend in BACKENDS:
        QB = backend_build(backend)
        rows += measure(backend, img)
    print_table(rows)


def print_table(rows):
    """(figure, measured, budget, ok or None) rows as the benches print them."""
    w = max(len(r[0]) for r in rows)
    print(f"{'figure':<{w}} | {'measured':>12} | budget")
    print("-" * (w + 1) + "|" + "-" * 14 + "|" + "-" * 36)
    for name, val, budget, ok in rows:
        mark = "" if ok is None else ("  ok" if ok else "  OVER")
        print(f"{name:<{w}} | {val:>12} | {budget}{mark}")


def stack_peak_after_upload(flash, img):
    """The deepest stack use of a whole upload. A successful one reboots
    (and the new boot paints afresh), so this one is refused at the very end
    (its signature is damaged): the same path - receive, hash, write, ECDSA -
    and the device keeps serving its status. Then the other deep paths: a
    sealed credential change (to the same login) and the history pages.
    Returns both peaks."""
    dev = Device(flash)
    try:
        dev.wait_serving(1)
        bad = bytearray(img)
        bad[-8] ^= 0xFF
        try:
            upload(dev.http, bytes(bad))
        except SystemExit:
            pass
        def peak():
            return json.loads(http(dev.http, b"GET /api/status HTTP/1.1\r\nHost: d\r\n\r\n")
                              .partition(b"\r\n\r\n")[2])["stack_peak"]
        first = peak()
        url = f"http://127.0.0.1:{dev.http}"
        for cmd in (["credential", "--url", url, "--user", "admin", "--password", "lifeboat",
                     "--new-user", "admin", "--new-password", "lifeboat"],
                    ["status", "--url", url, "--user", "admin", "--password", "lifeboat"]):
            r = subprocess.run([LIFEBOAT] + cmd, capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                die(f"lifeboat {cmd[0]}: {r.stdout}{r.stderr}")
        return first, peak()
    finally:
        dev.kill()


if __name__ == "__main__":
    main()
