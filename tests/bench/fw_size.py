#!/usr/bin/python3
"""Sums the code (.text*, .rodata*) and data kept in a GNU ld map file by
origin: lifeboat sources, the crypto library (mbedTLS, or BearSSL and
mbedTLS's SHA-256), libc/libgcc. Usage: fw_size.py MAP.
Prints "lifeboat crypto libc total" in bytes on one line."""
import re
import sys

groups = {"lifeboat": 0, "crypto": 0, "libc": 0}
# Input section lines: " .text.name  0xADDR  0xSIZE  object" (name may wrap).
pat = re.compile(r"^\s+(\.(?:text|rodata|data)\S*)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)$")
in_map = False
pending = None
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith("Linker script and memory map"):
            in_map = True
            continue
        if not in_map or line.startswith("/DISCARD/"):
            if line.startswith("/DISCARD/"):
                break
            continue
        s = line.rstrip("\n")
        m = re.match(r"^ (\.(?:text|rodata|data)\S*)$", s)
        if m:
            pending = m.group(1)
            continue
        m = pat.match(s)
        if not m:
            pending = None
            continue
        sect = m.group(1) or pending
        pending = None
        if sect is None:
            continue
        size = int(m.group(2), 16)
        obj = m.group(3)
        if "deps/mbedtls" in obj or "deps/bearssl" in obj or "lb_mbedtls" in obj:
            groups["crypto"] += size
        elif obj.endswith(".a") or ".a(" in obj or "/lib/gcc/" in obj or "newlib" in obj:
            groups["libc"] += size
        else:
            groups["lifeboat"] += size
total = sum(groups.values())
print(groups["lifeboat"], groups["crypto"], groups["libc"], total)
