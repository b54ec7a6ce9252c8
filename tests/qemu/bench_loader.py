#!/usr/bin/python3
"""make bench-loader: the loader's flash size (hash-only and signature
builds) and its cost per boot in instructions (QEMU -icount shift=0: one
instruction per ns of guest time; the CMSDK timer at 25 MHz gives 40
instructions per tick), beside the budgets of the design brief section 11.

The benchmark flavour of the loader (jump_hook_bench.c) prints, just before
the jump, the timer ticks since the boot ROM started at reset, the ticks to
SHA-256 the same image, and in signature builds the ticks of one full
lb_image_verify (hash + ECDSA) of it."""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
B = os.path.join(ROOT, "build")
BOARD = "qemu-mps2-an385"
INSNS_PER_TICK = 40
BUDGET_HASH_BYTES = 5 * 1024
BUDGET_SIG_BYTES = 14 * 1024


def make(*args):
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, *args], check=True,
                   stdout=subprocess.DEVNULL)


def build(qb, layout, bench):
    args = [f"QB={qb}", f"LAYOUT={layout}"]
    if bench:
        args.append("QB_JUMP_HOOK=jump_hook_bench")
    make(*args, "qemu-flash")
    return os.path.getsize(os.path.join(qb, "loader.bin"))


def run_bench(qb):
    cmd = ["qemu-system-arm", "-M", "mps2-an385", "-display", "none", "-monitor", "none",
           "-serial", "stdio", "-icount", "shift=0", "-semihosting-config",
           f"enable=on,target=native,arg=lifeboat,arg=flash={qb}/flash.bin",
           "-kernel", os.path.join(qb, "bootrom.elf")]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    out = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
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
    a = ap.parse_args()
    layout = os.path.join(ROOT, a.layout) if not os.path.isabs(a.layout) else a.layout
    slayout = sig_layout(layout)

    size_hash = build(os.path.join(B, BOARD), layout, False)
    size_sig = build(os.path.join(B, "bench", BOARD + "-sig"), slayout, False)
    bh_dir = os.path.join(B, "bench", BOARD + "-hash-bench")
    bs_dir = os.path.join(B, "bench", BOARD + "-sig-bench")
    build(bh_dir, layout, True)
    build(bs_dir, slayout, True)
    rh = run_bench(bh_dir)
    rs = run_bench(bs_dir)

    rows = [
        ("loader flash, hash-only build", f"{size_hash} B", f"<= {BUDGET_HASH_BYTES} B",
         size_hash <= BUDGET_HASH_BYTES),
        ("loader flash, signature build", f"{size_sig} B", f"<= {BUDGET_SIG_BYTES} B",
         size_sig <= BUDGET_SIG_BYTES),
        (f"SHA-256 of the app image ({rh['bytes']} B)", f"{rh['hash']:,} insns", "(reference)",
         None),
        ("loader reset->jump, hash-only", f"{rh['boot']:,} insns",
         f"<= 1.1 x hash = {int(rh['hash'] * 1.1):,}", rh["boot"] <= rh["hash"] * 1.1),
    ]
    if rs["verify"] is not None:
        rows.append(("hash + ECDSA P-256 verify of the image", f"{rs['verify']:,} insns",
                     "(reference)", None))
        rows.append(("loader reset->jump, signature", f"{rs['boot']:,} insns",
                     f"<= 1.1 x (hash+verify) = {int(rs['verify'] * 1.1):,}",
                     rs["boot"] <= rs["verify"] * 1.1))
    w = max(len(r[0]) for r in rows)
    print(f"{'figure':<{w}} | {'measured':>16} | budget")
    print("-" * (w + 1) + "|" + "-" * 18 + "|" + "-" * 40)
    for name, val, budget, ok in rows:
        mark = "" if ok is None else ("  ok" if ok else "  OVER")
        print(f"{name:<{w}} | {val:>16} | {budget}{mark}")
    print("(instructions: QEMU -icount shift=0, CMSDK timer 0 at 25 MHz = 40 insns/tick;"
          " semihosted flash reads cost no guest instructions)")


if __name__ == "__main__":
    main()
