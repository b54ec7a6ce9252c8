#!/usr/bin/python3
"""make bench-app: what the app's update agent (app-template/runtime/lb_ota.h
on lib/ota/) costs and how fast it pulls, beside budgets.

Cost: the demo app built twice from the same layout, with the agent and
with APP_NO_OTA=1 (everything the agent brings: lwIP, the NIC driver, the
HTTP client, the manifest reader, the streaming verifier with ECDSA, the
installer). Budget: 48 KiB of flash and 32 KiB of RAM, three quarters of
what the whole recovery image may use (64 / 40 KiB) for a subset of its
work (no server, no Digest, no page), and under 5 % of a 1 MiB part's
flash. A layout whose update_url names its host also links lwIP's DNS
resolver (recovery has none): that figure gets 4 KiB more.

Throughput: one QEMU run per measurement. The device powers up with the
strap held into the benchmark recovery image (LB_RECOVERY_BENCH: a discard
port) and 1 MiB of raw TCP is sent to it from the host (the reference);
then 'b' leaves recovery, the app boots, and its agent pulls a published
1 MiB signed image from nginx on the host: the figure is the time from its
"downloading" line (the answer's head arrived) to "verified and installed"
(every byte received, hashed, written to flash, signature checked, slot
activated). Both directions are host -> guest through QEMU's user-mode
network; the best of three runs of each is reported. Budget: pull >= 0.8 x
raw, as for a push.

HTTPS: the same app from a layout with app.update_url https://... and
app.pin naming a self-signed certificate made here (openssl), pulled from
nginx serving the same folder over TLS (TLS 1.2, ECDHE-ECDSA-AES128-GCM).
Its cost is shown apart, against its own budget: mbedTLS's TLS client (one
suite, the certificate parsed for its key, no chain validation) and the
16 KiB record buffer every server may fill are more than the plain agent's
whole budget. Budget: 96 KiB flash (the plain agent's 48 + 48: under 10 %
of a 1 MiB part) and 64 KiB RAM (the plain 32 + a 32 KiB arena for one
16 KiB record, the handshake and the certificate); the arena's peak, read
from the app's 's' line mid-download, is shown beside its size. Pull
throughput over TLS has the same budget as plain (0.8 x raw).

Power cut: nginx rate-limited (256 KiB/s), QEMU killed once the app says
50 %, booted again on the same flash: the agent continues from the slot's
last complete erase unit. The figure is what nginx sent for the image in
both requests minus its size: the bytes fetched twice, including what was
in flight (socket buffers, QEMU's NAT) when power went. Budget: one erase
unit (the resume record's granularity) plus that flight, which the guest
never saw: checked as "it continued at least at the 50 % mark less one
unit"; the nginx figure is shown beside it.

Compressed images (lifeboat sign --compress): the ratio for the demo app
and for 1 MiB of real Thumb-2 code (the executable sections of newlib's
libc and libm and of libgcc for v7-m, v7e-m, v8-m.main and v7e-m+fp, from Debian's
arm-none-eabi packages, back to back: what a large app is made of); that
megabyte signed plain and compressed, each pulled and installed (head ->
verified, activated) in the same runs as above, best of three; and what
the inflater adds to the app (lib/inflate.c and image_deflate.c from the
link map, and the install's work area). Recovery does not link it
(LB_CFG_INSTALL_DEFLATE 0): its 64 KiB have no room, so compressed pushes
get 422 there."""
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
B = os.path.join(ROOT, "build")
LIFEBOAT = os.path.join(B, "tools", "lifeboat")
OUT = os.path.join(B, "bench", "app")
QB = os.path.join(OUT, "qemu-mps2-an385")
QB_DNS = os.path.join(OUT, "qemu-mps2-an385-dns")
QB_TLS = os.path.join(OUT, "qemu-mps2-an385-tls")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_recovery import MIB, RATIO_BUDGET, RUNS, config_value, print_table, raw_tcp, sizes  # noqa: E402,E501
from nginx import Nginx, free_port  # noqa: E402

FLASH_BUDGET = 48 * 1024
# A layout that names its server also links lwIP's DNS resolver, which the
# recovery image (the budget's yardstick) does not have: 4 KiB more.
DNS_FLASH_BUDGET = FLASH_BUDGET + 4 * 1024
RAM_BUDGET = 32 * 1024
TLS_FLASH_BUDGET = 96 * 1024
TLS_RAM_BUDGET = 64 * 1024


def die(msg):
    sys.exit("bench-app: " + msg)


def make(*args):
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, f"QB={QB}", *args],
                   check=True, stdout=subprocess.DEVNULL)


def header_value(name, header="partitions.h"):
    with open(os.path.join(QB, "layout", header)) as f:
        m = re.search(rf'#define {name} (0x[0-9a-fA-F]+|\d+|"[^"]*")u?', f.read())
    if not m:
        die(f"{name} not found in {header}")
    v = m.group(1)
    return v.strip('"') if v.startswith('"') else int(v, 0)


def build(port, tport):
    """The default layout with app.update_url at nginx's port (the https
    app: at tport)."""
    with open(os.path.join(ROOT, "config", "default.yaml")) as f:
        text = f.read()
    text, n = re.subn(
        r"(?m)^(app:\n(?:  .*\n)*?  update_url: )http://\S+(.*\n  check_interval_s: \d+"
        r".*\n  first_check_s: )\d+",
        rf"\g<1>http://10.0.2.2:{port}/fleet/version.json\g<2>1", text)
    if n != 1:
        die("config/default.yaml: the app section moved")
    os.makedirs(OUT, exist_ok=True)
    layout = os.path.join(OUT, "default-bench.yaml")
    with open(layout, "w") as f:
        f.write(text)
    make(f"LAYOUT={layout}", "qemu-images", os.path.join(QB, "recovery-bench.signed.bin"))
    make(f"LAYOUT={layout}", "qemu-app", "APP_VARIANT=nota", "APP_NO_OTA=1")
    # The same app for a fleet that names its server: lwIP's resolver in.
    dns = os.path.join(OUT, "default-bench-dns.yaml")
    with open(dns, "w") as f:
        f.write(text.replace(f"http://10.0.2.2:{port}/", f"http://updates.lifeboat.test:{port}/", 1))
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, f"QB={QB_DNS}",
                    f"LAYOUT={dns}", "qemu-app"], check=True, stdout=subprocess.DEVNULL)
    # The same app fetching over https:// from a server whose certificate it pins.
    tls = os.path.join(OUT, "default-bench-tls.yaml")
    cert, _ = tls_cert()
    with open(tls, "w") as f:
        f.write(text.replace(f"  update_url: http://10.0.2.2:{port}/",
                             f"  pin: {cert}\n  update_url: https://10.0.2.2:{tport}/", 1))
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, f"QB={QB_TLS}",
                    f"LAYOUT={tls}", "qemu-app"], check=True, stdout=subprocess.DEVNULL)


def tls_cert():
    """A self-signed P-256 certificate and key for the https:// server."""
    cert, key = os.path.join(OUT, "tls.pem"), os.path.join(OUT, "tls.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=bench",
                        "-days", "36500", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
    return cert, key


def thumb_code(n):
    """n bytes of real Thumb-2 code: the executable sections of newlib's and
    libgcc's objects (ar members, ELF32 section headers)."""
    import glob
    import struct
    out = bytearray()
    for arch in ("v7-m/nofp", "v7e-m/nofp", "v8-m.main/nofp", "v7e-m+fp/hard"):
        for a in (sorted(glob.glob(f"/usr/lib/arm-none-eabi/lib/thumb/{arch}/lib[cm].a")) +
                  glob.glob(f"/usr/lib/gcc/arm-none-eabi/*/thumb/{arch}/libgcc.a")):
            data = open(a, "rb").read()
            off = 8
            while off + 60 <= len(data) and len(out) < n:
                size = int(data[off + 48:off + 58].decode().strip())
                elf = data[off + 60:off + 60 + size]
                off += 60 + size + (size & 1)
                if elf[:4] != b"\x7fELF" or elf[4] != 1:
                    continue
                shoff, = struct.unpack_from("<I", elf, 0x20)
                shentsize, shnum = struct.unpack_from("<HH", elf, 0x2E)
                for i in range(shnum):
                    _, typ, flags, _, soff, ssize = struct.unpack_from("<IIIIII", elf,
                                                                      shoff + i * shentsize)
                    if typ == 1 and flags & 4:  # PROGBITS, executable
                        out += elf[soff:soff + ssize]
    if len(out) < n:
        die(f"only {len(out)} bytes of Thumb code found")
    return bytes(out[:n])


def code_image(compress):
    """1 MiB of Thumb code signed as app 9.1.0, plain or compressed."""
    body = os.path.join(OUT, "code.bin")
    img = os.path.join(OUT, "code.z.bin" if compress else "code.signed.bin")
    with open(body, "wb") as f:
        f.write(thumb_code(MIB - 0x400))
    subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(B, "keys", "dev.pem"),
                    "--header-size", "0x200", "--load-addr", "0x00100000", "--product",
                    header_value("LB_LAYOUT_PRODUCT"), "--kind", "app", "--version", "9.1.0",
                    *(["--compress"] if compress else []), body, img],
                   check=True, stdout=subprocess.DEVNULL)
    return img


def publish_only(site, img):
    subprocess.run([LIFEBOAT, "publish", "--out", os.path.join(site, "fleet"), img], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.getsize(img)


def compressed_size(raw):
    """(plain, compressed) signed sizes of the app binary `raw`."""
    out = []
    for extra in ([], ["--compress"]):
        img = os.path.join(OUT, "ratio.bin")
        subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(B, "keys", "dev.pem"),
                        "--header-size", "0x200", "--load-addr", "0x00100000", "--product",
                        header_value("LB_LAYOUT_PRODUCT"), "--kind", "app", "--version", "1.0.0",
                        *extra, raw, img], check=True, stdout=subprocess.DEVNULL)
        out.append(os.path.getsize(img))
    return out


def inflater_flash(elf):
    """Bytes the app's link map places in flash from lib/src/inflate.c and
    image_deflate.c."""
    total = 0
    with open(elf + ".map") as f:
        for line in f:
            m = re.match(r"^\s*(?:\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S*"
                         r"lib/src/(?:inflate|image_deflate)\.o$", line)
            if m and 0x100000 <= int(m.group(1), 16) < 0x20000000:
                total += int(m.group(2), 16)
    return total


def big_image(site):
    """A signed 1 MiB app image (random body, version 9.0.0), published."""
    body, img = os.path.join(OUT, "big.bin"), os.path.join(OUT, "big.signed.bin")
    hdr, tlv_room = 0x200, 0x200
    with open(body, "wb") as f:
        f.write(os.urandom(MIB - hdr - tlv_room))
    subprocess.run([LIFEBOAT, "sign", "--key", os.path.join(B, "keys", "dev.pem"),
                    "--header-size", hex(hdr), "--load-addr", "0x00100000", "--product",
                    header_value("LB_LAYOUT_PRODUCT"), "--kind", "app", "--version", "9.0.0",
                    body, img], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([LIFEBOAT, "publish", "--out", os.path.join(site, "fleet"), img], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.getsize(img)


class Device:
    """QEMU powered up with the strap held; the discard port forwarded;
    console lines time-stamped as they arrive."""

    def __init__(self, flash):
        self.raw = free_port()
        fwd = (f"user,model=lan9118,hostfwd=tcp:127.0.0.1:{self.raw}-:"
               f"{config_value('LB_RECOVERY_BENCH_PORT')}")
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
             "-serial", "stdio", "-semihosting-config",
             f"enable=on,target=native,arg=lifeboat,arg=flash={flash}", "-nic", fwd,
             "-global", "mps2-scc.scc-cfg0=2", "-kernel", os.path.join(QB, "bootrom.elf")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines, self.part, self.cond = [], "", threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            c = self.proc.stdout.read1(4096)
            if not c:
                break
            now = time.monotonic()
            with self.cond:
                self.part += c.decode(errors="replace")
                *done, self.part = self.part.split("\n")
                self.lines += [(now, l) for l in done]
                self.cond.notify_all()

    def wait(self, pattern, timeout=60):
        """The arrival time of the first line matching `pattern`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, l in self.lines:
                    if re.search(pattern, l):
                        return t
                if time.monotonic() > deadline:
                    die(f"no line /{pattern}/ within {timeout} s:\n" +
                        "\n".join(l for _, l in self.lines))
                self.cond.wait(1)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def fresh_flash(name, qb=QB):
    """A factory-fresh flash file: the benchmark recovery and the demo app
    of `qb` (1.0.0 in slot a)."""
    flash = os.path.join(OUT, name)
    subprocess.run([LIFEBOAT, "mkflash", os.path.join(QB, "layout", "ptable.bin"), "--loader",
                    os.path.join(QB, "loader.bin"), "--recovery",
                    os.path.join(QB, "recovery-bench.signed.bin"), "--app",
                    os.path.join(qb, "app.signed.bin"), "-o", flash], check=True,
                   stdout=subprocess.DEVNULL)
    return flash


def one_run(n, qb=QB, ver="9.0.0"):
    """(raw seconds, pull seconds, the TLS arena's peak or None) of one
    power-up of `qb`'s app, which pulls version `ver`."""
    flash = fresh_flash("flash.bin", qb)
    dev = Device(flash)
    peak = None
    try:
        dev.wait(r"\[recovery\] netif up")
        raw = raw_tcp(dev.raw, os.urandom(n))
        dev.send("b")  # leave recovery: the app boots and its agent pulls
        v = re.escape(ver + "+0")
        t0 = dev.wait(rf"\[app\] update: downloading {v}", 60)
        if qb == QB_TLS:
            dev.wait(r"\[app\] update: 50%", 60)
            dev.send("s")
        t1 = dev.wait(rf"\[app\] update: {v} verified and installed", 120)
        if qb == QB_TLS:
            line = next((l for _, l in dev.lines if "tls: arena peak" in l), "")
            m = re.search(r"arena peak (\d+) of (\d+) bytes, last handshake in (\d+) slices",
                          line)
            peak = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        dev.wait(r"boot image=app slot=b reason=trial", 30)
    finally:
        dev.kill()
    return raw, t1 - t0, peak


def erase_unit():
    """The slot's erase unit: the layout's first erase region (partitions.h)."""
    with open(os.path.join(QB, "layout", "partitions.h")) as f:
        m = re.search(r"\{\.count = \d+u, \.size = (0x[0-9a-fA-F]+)u\}", f.read())
    if not m:
        die("no erase region in partitions.h")
    return int(m.group(1), 16)


def cut_run(n, web):
    """(where the agent continued, nginx bytes of both requests) after a
    power cut at the 50 % mark."""
    flash = fresh_flash("flash-cut.bin")
    mark = len(web.log())
    for attempt in (0, 1):
        dev = Device(flash)
        try:
            dev.wait(r"\[recovery\] netif up")
            dev.send("b")
            if attempt == 0:
                dev.wait(r"\[app\] update: 50%", 60)
                continue
            dev.wait(r"\[app\] update: 9\.0\.0\+0 verified and installed", 120)
            at = int(re.search(r"cut by a reset at (\d+) of", next(
                l for _, l in dev.lines if "cut by a reset" in l)).group(1))
        finally:
            dev.kill()
    sent = [int(m.group(1)) for m in re.finditer(r'GET /fleet/\S+\.bin HTTP/1\.1" 20[06] (\d+) ',
                                                 web.log()[mark:])]
    if len(sent) != 2:
        die("expected two requests for the image around the cut:\n" + web.log()[mark:])
    return at, sum(sent)


def main():
    site = os.path.join(OUT, "site")
    os.makedirs(site, exist_ok=True)
    port, tport = free_port(), free_port()
    build(port, tport)
    t, d, b, _ = sizes(os.path.join(QB, "app.elf"))
    t0, d0, b0, _ = sizes(os.path.join(QB, "app-nota.elf"))
    dflash, dram = (t + d) - (t0 + d0), (d + b) - (d0 + b0)
    tn, dn, bn, _ = sizes(os.path.join(QB_DNS, "app.elf"))
    nflash, nram = (tn + dn) - (t0 + d0), (dn + bn) - (d0 + b0)
    n = big_image(site)
    tt, td, tb, _ = sizes(os.path.join(QB_TLS, "app.elf"))
    tflash, tram = (tt + td) - (t0 + d0), (td + tb) - (d0 + b0)
    raws, pulls, tpulls, peaks = [], [], [], []
    with Nginx(site, port=port):
        for _ in range(RUNS):
            r, p, _ = one_run(n)
            raws.append(r)
            pulls.append(p)
    # The same megabyte of code, plain and compressed, pulled in turn.
    code_plain, code_z = code_image(False), code_image(True)
    cpulls, zpulls = [], []
    with Nginx(site, port=port):
        for imgs in [(code_plain, cpulls), (code_z, zpulls)]:
            size = publish_only(site, imgs[0])
            for _ in range(RUNS):
                _, p, _ = one_run(size, ver="9.1.0")
                imgs[1].append(p)
        n = big_image(site)  # the plain 1 MiB image again, for the runs below
    csize, zsize = os.path.getsize(code_plain), os.path.getsize(code_z)
    demo_plain, demo_z = compressed_size(os.path.join(QB, "app.bin"))
    zflash = inflater_flash(os.path.join(QB, "app.elf"))
    zram = next((int(l.split()[1]) for l in subprocess.run(
        ["arm-none-eabi-nm", "-S", "-t", "d", os.path.join(QB, "app.elf")], capture_output=True,
        text=True).stdout.splitlines() if re.search(r" [bB] zwork", l)), 0)
    with Nginx(site, port=tport, tls=tls_cert()):
        for _ in range(RUNS):
            r, p, peak = one_run(n, QB_TLS)
            raws.append(r)
            tpulls.append(p)
            peaks.append(peak)
    if None in peaks:
        die("the https app printed no 'tls: arena peak' line")
    peak, arena = max(p[0] for p in peaks), peaks[0][1]
    slices = max(p[2] for p in peaks)
    with Nginx(site, port=port, extra="limit_rate 256k;") as web:
        at, sent = cut_run(n, web)
    unit = erase_unit()
    again, floor = sent - n, (n // 2) // unit * unit - unit
    raw_mbs, pull_mbs = n / min(raws) / 1e6, n / min(pulls) / 1e6
    rows = [
        ("update agent flash (app with it - without)", f"{dflash} B", f"<= {FLASH_BUDGET} B",
         dflash <= FLASH_BUDGET),
        ("update agent RAM (data + bss, with - without)", f"{dram} B", f"<= {RAM_BUDGET} B",
         dram <= RAM_BUDGET),
        ("the same, update_url naming its host (+ DNS): flash", f"{nflash} B",
         f"<= {DNS_FLASH_BUDGET} B", nflash <= DNS_FLASH_BUDGET),
        ("the same, update_url naming its host (+ DNS): RAM", f"{nram} B",
         f"<= {RAM_BUDGET} B", nram <= RAM_BUDGET),
        ("raw TCP to the guest (1 MiB, discard port)", f"{raw_mbs:.2f} MB/s", "(reference)", None),
        ("pull 1 MiB from nginx (head -> verified, activated)", f"{pull_mbs:.2f} MB/s",
         f">= {RATIO_BUDGET} x raw = {RATIO_BUDGET * raw_mbs:.2f} MB/s",
         pull_mbs >= RATIO_BUDGET * raw_mbs),
        ("  pulls (each run)", ", ".join(f"{n / t / 1e6:.2f}" for t in pulls) + " MB/s",
         f"(best of {RUNS} reported)", None),
        ("https agent flash (app with it - without)", f"{tflash} B", f"<= {TLS_FLASH_BUDGET} B",
         tflash <= TLS_FLASH_BUDGET),
        ("https agent RAM (data + bss, with - without)", f"{tram} B", f"<= {TLS_RAM_BUDGET} B",
         tram <= TLS_RAM_BUDGET),
        ("  TLS arena peak (of its LB_MBEDTLS_HEAP_SIZE)", f"{peak} B", f"<= {arena} B",
         peak <= arena),
        ("  TLS handshake's ECC spread over main-loop turns", f"{slices}",
         "(LB_TLS_ECC_SLICE_OPS per turn)", None),
        ("pull 1 MiB over https (TLS 1.2, AES-128-GCM)", f"{n / min(tpulls) / 1e6:.2f} MB/s",
         f">= {RATIO_BUDGET} x raw = {RATIO_BUDGET * raw_mbs:.2f} MB/s",
         n / min(tpulls) / 1e6 >= RATIO_BUDGET * raw_mbs),
        ("  https pulls (each run)", ", ".join(f"{n / t / 1e6:.2f}" for t in tpulls) + " MB/s",
         f"(best of {RUNS} reported)", None),
        ("power cut after the 50 % line: the download continued at", f"{at} B",
         f">= {floor} B (50 % less one {unit} B unit)", at >= floor),
        ("  fetched twice (nginx: both requests - size, with what was in flight)",
         f"{again} B", "(in flight: never reached the guest)", None),
        ("compressed (sign --compress): the demo app", f"{demo_z} of {demo_plain} B "
         f"({100 * demo_z // demo_plain} %)", "(reference)", None),
        ("compressed: 1 MiB of Thumb-2 code (newlib, libgcc)", f"{zsize} of {csize} B "
         f"({100 * zsize // csize} %)", "(reference)", None),
        ("pull + install that MiB, plain (head -> activated)", f"{min(cpulls):.2f} s",
         f"(best of {RUNS})", None),
        ("pull + install it compressed (inflated into the slot)", f"{min(zpulls):.2f} s",
         f"(best of {RUNS}; {zsize} B fetched)", None),
        ("  inflater in the app: flash (inflate.c, image_deflate.c)", f"{zflash} B",
         "(in the agent's flash above)", None),
        ("  inflater in the app: the install's work area (RAM)", f"{zram} B",
         "(in the agent's RAM above)", None),
        ("  inflater in recovery", "not linked", "LB_CFG_INSTALL_DEFLATE 0: 64 KiB full", None),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
