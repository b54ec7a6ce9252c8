#!/usr/bin/python3
"""make bench-loader: the loader's flash size (hash-only and signature
builds) and its cost per boot in instructions (QEMU -icount shift=0: one
instruction per ns of guest time; the CMSDK timer at 25 MHz gives 40
instructions per tick), beside the budgets of the design brief section 11.

The benchmark flavour of the loader (jump_hook_bench.c) prints, just before
the jump, the timer ticks since the boot ROM started at reset, the ticks to
SHA-256 the same image, and in signature builds the ticks of one full
lb_image_verify (hash + ECDSA) of it.

Every boot runs on a fresh copy of a flash file assembled here with
`lifeboat mkflash` (a boot writes its boot-state record, so reusing a file
would make the figure depend on earlier runs). Boot-state scenarios:

  blank        `mkflash --blank-state`: no boot state, the loader adopts
               slot a and starts the log (erases a unit, one record)
  steady       as mkflash writes it (slot a confirmed): one record
               appended, no erase
  unit full    the unit holding the newest record is full: the boot scans
               a full and an empty unit, erases the next unit, programs
               the snapshot (the most flash work a boot ever does)

The budget row takes the most expensive of them. The image is the demo app
as built (not padded); a 256 KiB app is reported separately for scale."""
import argparse
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
B = os.path.join(ROOT, "build")
BOARD = "qemu-mps2-an385"
LIFEBOAT = os.path.join(B, "tools", "lifeboat")
INSNS_PER_TICK = 40
BUDGET_HASH_BYTES = 5 * 1024
BUDGET_SIG_BYTES = 14 * 1024
BOOTSTATE_RECORD = 64  # lb/bootstate.h LB_BOOTSTATE_RECORD_SIZE
BIG_APP = 256 * 1024


def make(*args):
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, *args], check=True,
                   stdout=subprocess.DEVNULL)


BACKENDS = ("bearssl", "mbedtls")  # lib/src/sig/; the first is the default


def build(qb, layout, bench, backend=BACKENDS[0]):
    args = [f"QB={qb}", f"LAYOUT={layout}", f"SIG_BACKEND={backend}"]
    if bench:
        args.append("QB_JUMP_HOOK=jump_hook_bench")
    make(*args, "qemu-images")
    return os.path.getsize(os.path.join(qb, "loader.bin"))


def defines(qb):
    """Numeric and string #defines of the generated partitions.h."""
    with open(os.path.join(qb, "layout", "partitions.h")) as f:
        text = f.read()
    d = {m.group(1): int(m.group(2), 0) for m in re.finditer(
        r"#define (LB_\w+) (0x[0-9a-fA-F]+|\d+)u?\b", text)}
    d.update({m.group(1): m.group(2) for m in re.finditer(r'#define (LB_\w+) "([^"]*)"', text)})
    return d


def mkflash(qb, out, app=None, extra=()):
    subprocess.run([LIFEBOAT, "mkflash", os.path.join(qb, "layout", "ptable.bin"),
                    "--loader", os.path.join(qb, "loader.bin"),
                    "--recovery", os.path.join(qb, "recovery.signed.bin"),
                    "--app", app or os.path.join(qb, "app.signed.bin"), "-o", out, *extra],
                   check=True, stdout=subprocess.DEVNULL)


def big_app(qb, tmp, key):
    """The demo app with zero padding after its code, signed as a
    BIG_APP-byte image (header + body + TLVs): the loader copies and hashes
    all of it."""
    d = defines(qb)
    with open(os.path.join(qb, "app.bin"), "rb") as f:
        body = f.read()
    body += bytes(BIG_APP - 0x200 - 0x200 - len(body))  # header, TLV room
    raw = os.path.join(tmp, "app-big.bin")
    out = os.path.join(tmp, "app-big.signed.bin")
    with open(raw, "wb") as f:
        f.write(body)
    with open(os.path.join(qb, "layout", "ota_handler.h")) as f:
        version = re.search(r'#define LB_OTA_APP_VERSION "([^"]*)"', f.read()).group(1)
    subprocess.run([LIFEBOAT, "sign", "--key", key, "--header-size", "0x200",
                    "--load-addr", "0x00100000", "--product", d["LB_LAYOUT_PRODUCT"],
                    "--kind", "app", "--version", version, raw, out],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def fill_unit(qb, path):
    """Fills the boot-state unit holding mkflash's record (slot 0 of the
    first unit) with copies of it (sequence numbers counting up, CRCs
    recomputed), so the next boot finds the unit full and compacts."""
    d = defines(qb)
    off, size = d["LB_BOOTSTATE_OFFSET"], d["LB_BOOTSTATE_SIZE"]
    ps = d["LB_FLASH_PROGRAM_SIZE"]
    slot = (BOOTSTATE_RECORD + ps - 1) // ps * ps
    with open(os.path.join(qb, "layout", "ptable.bin"), "rb") as f:
        pt = f.read()
    nreg = pt[22]  # lb_ptable_hdr_wire_t.region_count
    unit = None
    base = 0
    for i in range(nreg):  # erase regions after the 32-byte header
        count, usize = struct.unpack_from("<II", pt, 32 + 8 * i)
        if base <= off < base + count * usize:
            unit = usize
            break
        base += count * usize
    with open(path, "r+b") as f:
        f.seek(off)
        part = bytearray(f.read(size))
        rec = bytes(part[:BOOTSTATE_RECORD])
        seq = struct.unpack_from("<I", rec, 8)[0]
        for i in range(1, unit // slot):
            r = bytearray(rec)
            struct.pack_into("<I", r, 8, seq + i)
            struct.pack_into("<I", r, 60, zlib.crc32(bytes(r[:60])))
            part[i * slot:i * slot + BOOTSTATE_RECORD] = r
        f.seek(off)
        f.write(part)


def run_bench(qb, flash):
    cmd = ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
           "-serial", "stdio", "-icount", "shift=0", "-semihosting-config",
           f"enable=on,target=native,arg=lifeboat,arg=flash={flash}",
           "-kernel", os.path.join(qb, "bootrom.elf")]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    out = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            # A loader that prints nothing must not block the bench.
            if not select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            chunk = p.stdout.read1(4096)
            if not chunk:
                break
            out += chunk
            if re.search(rb"\[bench\][^\n]*\n", out):
                break
    finally:
        p.kill()
        p.wait()
    m = re.search(rb"\[bench\] reset_to_jump_ticks=(\d+) hash_ticks=(\d+) hashed_bytes=(\d+)"
                  rb"(?: verify_ticks=(\d+))?", out)
    if not m:
        sys.exit("bench-loader: no [bench] line from the loader:\n" + out.decode(errors="replace"))
    return {"boot": int(m.group(1)) * INSNS_PER_TICK, "hash": int(m.group(2)) * INSNS_PER_TICK,
            "bytes": int(m.group(3)),
            "verify": int(m.group(4)) * INSNS_PER_TICK if m.group(4) else None}


def scenarios(qb, tmp, app=None, all_=True):
    """Boots fresh flash files in each boot-state situation. Returns
    {name: result}."""
    res = {}
    path = os.path.join(tmp, "flash.bin")
    mkflash(qb, path, app)
    if all_:
        full = os.path.join(tmp, "flash-full.bin")
        shutil.copyfile(path, full)
        fill_unit(qb, full)
        blank = os.path.join(tmp, "flash-blank.bin")
        mkflash(qb, blank, app, ["--blank-state"])
        res["blank"] = run_bench(qb, blank)
    res["steady"] = run_bench(qb, path)
    if all_:
        res["unit full"] = run_bench(qb, full)
    return res


def sig_layout(layout):
    """The same layout with `verify: signature`, written under build/."""
    with open(layout) as f:
        text = f.read()
    text2, n = re.subn(r"(?m)^(\s*verify:\s*)hash\b", r"\1signature", text)
    if n == 0 and not re.search(r"(?m)^\s*verify:\s*signature", text):
        sys.exit(f"bench-loader: {layout} has no 'verify:' key to switch")
    d = os.path.join(B, "bench", "sig")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, os.path.basename(layout))
    # keys.signing_public is relative to the YAML; the build passes --key.
    with open(path, "w") as f:
        f.write(text2)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", default="config/default.yaml")
    ap.add_argument("--key", default=os.path.join(B, "keys", "dev.pem"))
    a = ap.parse_args()
    layout = os.path.join(ROOT, a.layout) if not os.path.isabs(a.layout) else a.layout
    slayout = sig_layout(layout)

    size_hash = build(os.path.join(B, BOARD), layout, False)
    size_sig = {b: build(os.path.join(B, "bench", f"{BOARD}-sig-{b}"), slayout, False, b)
                for b in BACKENDS}
    bh_dir = os.path.join(B, "bench", BOARD + "-hash-bench")
    build(bh_dir, layout, True)
    bs_dirs = {b: os.path.join(B, "bench", f"{BOARD}-sig-{b}-bench") for b in BACKENDS}
    for b, d in bs_dirs.items():
        build(d, slayout, True, b)
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        rh = scenarios(bh_dir, tmp)
        rs = {b: scenarios(d, tmp) for b, d in bs_dirs.items()}
        rbig = scenarios(bh_dir, tmp, big_app(bh_dir, tmp, a.key), all_=False)["steady"]

    rows = [
        ("loader flash, hash-only build", f"{size_hash} B", f"<= {BUDGET_HASH_BYTES} B",
         size_hash <= BUDGET_HASH_BYTES),
    ]
    for b in BACKENDS:
        rows.append((f"loader flash, signature build, {b}", f"{size_sig[b]} B",
                     f"<= {BUDGET_SIG_BYTES} B", size_sig[b] <= BUDGET_SIG_BYTES))
    hash_ref = rh["steady"]["hash"]
    rows.append((f"SHA-256 of the app image ({rh['steady']['bytes']} B)", f"{hash_ref:,} insns",
                 "(reference)", None))
    for name, r in rh.items():
        rows.append((f"loader reset->jump, hash-only, {name}", f"{r['boot']:,} insns",
                     f"(x {r['boot'] / r['hash']:.3f}; +{r['boot'] - r['hash']:,})", None))
    worst = max(rh.values(), key=lambda r: r["boot"] / r["hash"])
    rows.append(("loader reset->jump, hash-only, worst", f"{worst['boot']:,} insns",
                 f"<= 1.1 x hash = {int(worst['hash'] * 1.1):,}",
                 worst["boot"] <= worst["hash"] * 1.1))
    # The signature budget: 1.1 x (hash + one verify) of the faster backend.
    fastest = min(rs[b]["steady"]["verify"] for b in BACKENDS)
    for b in BACKENDS:
        v = rs[b]["steady"]["verify"]
        rows.append((f"hash + ECDSA P-256 verify of the image, {b}", f"{v:,} insns",
                     f"(x {v / fastest:.2f} of the faster)", None))
        for name, r in rs[b].items():
            rows.append((f"loader reset->jump, signature, {b}, {name}", f"{r['boot']:,} insns",
                         f"(x {r['boot'] / v:.3f} of its own verify)", None))
        worst = max(rs[b].values(), key=lambda r: r["boot"])
        rows.append((f"loader reset->jump, signature, {b}, worst", f"{worst['boot']:,} insns",
                     f"<= 1.1 x (hash+verify, faster) = {int(fastest * 1.1):,}",
                     worst["boot"] <= fastest * 1.1))
    rows.append((f"256 KiB app: SHA-256 ({rbig['bytes']} B)", f"{rbig['hash']:,} insns",
                 "(for scale)", None))
    rows.append(("256 KiB app: loader reset->jump, steady", f"{rbig['boot']:,} insns",
                 f"(x {rbig['boot'] / rbig['hash']:.3f}; +{rbig['boot'] - rbig['hash']:,})", None))
    w = max(len(r[0]) for r in rows)
    print(f"{'figure':<{w}} | {'measured':>17} | budget")
    print("-" * (w + 1) + "|" + "-" * 19 + "|" + "-" * 40)
    for name, val, budget, ok in rows:
        mark = "" if ok is None else ("  ok" if ok else "  OVER")
        print(f"{name:<{w}} | {val:>17} | {budget}{mark}")
    print("(instructions: QEMU -icount shift=0, CMSDK timer 0 at 25 MHz = 40 insns/tick;"
          " semihosted flash reads cost no guest instructions; every boot on a fresh"
          " mkflash file)")


if __name__ == "__main__":
    main()
