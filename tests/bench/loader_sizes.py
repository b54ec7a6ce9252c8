#!/usr/bin/python3
"""Where the loader's bytes go, by source file, for link-time-optimised
images (whose map file only knows one ltrans object).

Every instruction is attributed to the source file of its DWARF line entry
(the innermost inlined function's file, via addr2line); constant data to
the file that defines the symbol (nm -l), else to "(strings/consts)".
Usage: loader_sizes.py LOADER.elf [LOADER.bin]"""
import bisect
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def short(path):
    path = os.path.normpath(path)
    if path.startswith(ROOT + os.sep):
        path = path[len(ROOT) + 1:]
    m = re.search(r"(deps/mbedtls/library/\w+\.c)$", path)
    if m:
        return "mbedTLS " + os.path.basename(m.group(1))
    return path


def main():
    elf = sys.argv[1]
    sizes = collections.Counter()
    # Functions and data objects (LTO puts constants in .text, so the
    # symbol type comes from readelf, not nm).
    funcs, objs = {}, {}
    for line in run("arm-none-eabi-readelf", "-sW", elf).splitlines():
        p = line.split()
        if len(p) >= 8 and p[3] in ("FUNC", "OBJECT") and p[6] != "UND" and int(p[2]) > 0:
            addr, size = int(p[1], 16) & ~1, int(p[2])
            (funcs if p[3] == "FUNC" else objs)[addr] = (size, p[7])
    funcs = {a: s for a, (s, _) in funcs.items()}
    # Every disassembled unit (instructions and literal-pool words) inside a
    # sized function, with the end of that function.
    units = []
    starts = sorted(funcs)
    for line in run("arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf).splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s", line)
        if m:
            a = int(m.group(1), 16)
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and a < starts[i] + funcs[starts[i]]:
                units.append((a, starts[i] + funcs[starts[i]]))
    units.sort()
    out = run("arm-none-eabi-addr2line", "-e", elf, *[hex(a) for a, _ in units]).splitlines()
    for i, (a, end) in enumerate(units):
        nxt = units[i + 1][0] if i + 1 < len(units) else end
        f = out[i].split(":")[0]
        sizes[short(f) if f != "??" else "(code without line info)"] += min(nxt, end) - a
    total_func = sum(funcs.values())
    covered = sum(sizes.values())
    # Constant and initialised data stored in the image (in .text or
    # .data), by symbol name.
    data = 0
    loaded = []
    for line in run("arm-none-eabi-objdump", "-h", elf).splitlines():
        p = line.split()
        if len(p) >= 7 and p[1] in (".text", ".data"):
            loaded.append((int(p[3], 16), int(p[2], 16)))  # VMA, size
    for addr, (size, name) in objs.items():
        if any(v <= addr < v + n for v, n in loaded):
            key = "const " + re.sub(r"\.(lto_priv|constprop)\.\d+|\.\d+$", "", name)
            sizes[key if size >= 16 else "const (small objects)"] += size
            data += size
    image = os.path.getsize(sys.argv[2]) if len(sys.argv) > 2 else None
    rest = (image - total_func - data) if image else 0
    if total_func != covered:
        sizes["(function bytes not disassembled)"] += total_func - covered
    if image:
        sizes["(strings, unnamed constants)"] += rest
    w = max(len(k) for k in sizes)
    for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"{k:<{w}} {v:6d}")
    print(f"{'total':<{w}} {sum(sizes.values()):6d}" + (f"  (image {image})" if image else ""))


if __name__ == "__main__":
    main()
