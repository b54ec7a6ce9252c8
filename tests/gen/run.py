#!/usr/bin/python3
"""Generator tests: golden outputs and the malformed-YAML corpus.

Golden: every config/*.yaml (and the extra cases below) is generated twice
into fresh folders; both runs must be byte-identical and equal the committed
files in tests/gen/golden/<case>/ (plus `dump` output). The generated
headers are compiled and run against lib/ (tests/gen/header_check.c), and the
linker fragments are linked with arm-none-eabi-ld when it is installed.

Malformed: every tests/gen/malformed/*.yaml must make `lifeboat gen` exit 1
with exactly the stderr in the sidecar .expect file (file:line:column:
message lines), and leave the output folder empty (pre-created) or absent.

Writes RESULTS/gen.summary ("N passed, M failed"). --update rewrites the
golden folders (review the diff); --update-expect rewrites .expect files.
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "tests", "gen")
GOLDEN = os.path.join(GEN, "golden")
MALFORMED = os.path.join(GEN, "malformed")
EXPORT = os.path.join(GEN, "export")
EXPORTS = ["--export", "esp-idf-csv", "--export", "zephyr-dts"]
# Layouts written for an ESP32: their ESP-IDF export must be accepted. Every
# other shipped layout is refused for it, with located reasons that are
# compared with tests/gen/export/config-<case>.expect.
ESP_IDF_CASES = {"esp32"}

sys.path.insert(0, GEN)
import esp_idf_rules  # noqa: E402 - tests/gen's own module


def golden_cases():
    cases = []
    for f in sorted(os.listdir(os.path.join(ROOT, "config"))):
        if f.endswith(".yaml"):
            cases.append((f[:-5], os.path.join("config", f),
                          EXPORTS if f[:-5] in ESP_IDF_CASES else EXPORTS[2:]))
    # The firmware build's way of passing the key: --key overrides the YAML.
    cases.append(("default-with-key", "config/default.yaml",
                  ["--key", "config/keys/example-p256.pub.pem"]))
    return cases


class Runner:
    def __init__(self, tool, verbose):
        self.tool = os.path.abspath(tool)
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def ok(self, name):
        self.passed += 1
        if self.verbose:
            print("  ok   " + name)

    def fail(self, name, detail):
        self.failed += 1
        print("  FAIL " + name)
        for line in detail.rstrip().splitlines()[:60]:
            print("       " + line)

    def run(self, args, cwd=ROOT):
        return subprocess.run([self.tool] + args, cwd=cwd, capture_output=True, text=False)


def read_dir(d):
    out = {}
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), "rb") as fh:
            out[f] = fh.read()
    return out


def diff(name, want, got):
    try:
        a = want.decode().splitlines(keepends=True)
        b = got.decode().splitlines(keepends=True)
        return "".join(difflib.unified_diff(a, b, "golden/" + name, "generated/" + name))
    except UnicodeDecodeError:
        return "%s: binary files differ (%d vs %d bytes)" % (name, len(want), len(got))


def generate(r, case, yaml, args, tmp):
    """Runs gen (twice) and dump; returns {file: bytes} or None."""
    outs = []
    for k in range(2):
        d = os.path.join(tmp, "%s-%d" % (case, k))
        p = r.run(["gen", yaml, "-o", d, "-q"] + args)
        if p.returncode != 0:
            r.fail(case + ": gen", p.stderr.decode(errors="replace"))
            return None
        outs.append(read_dir(d))
    if outs[0] != outs[1]:
        r.fail(case + ": reproducible", "two runs of gen differ")
    else:
        r.ok(case + ": reproducible")
    files = outs[0]
    d = os.path.join(tmp, case + "-0")
    p = r.run(["dump", os.path.join(d, "ptable.bin")])
    # dump prints the path it was given: normalise it.
    files["dump.txt"] = p.stdout.replace(os.path.join(d, "").encode(), b"")
    pj = r.run(["dump", "--json", os.path.join(d, "ptable.bin")])
    files["dump.json"] = pj.stdout
    if p.returncode or pj.returncode:
        r.fail(case + ": dump", (p.stderr + pj.stderr).decode(errors="replace"))
    else:
        r.ok(case + ": dump")
    try:
        js = json.loads(pj.stdout)
        assert js["flash"]["size"] == sum(e["count"] * e["size"] for e in js["flash"]["erase"])
        r.ok(case + ": dump --json parses")
    except Exception as e:  # noqa: BLE001 - report any decoding problem
        r.fail(case + ": dump --json parses", repr(e))
    p = r.run(["check", yaml, "-q"] + args)
    if p.returncode != 0 or p.stdout or p.stderr:
        r.fail(case + ": check", p.stderr.decode(errors="replace"))
    else:
        r.ok(case + ": check")
    return files, d


def header_check(r, case, outdir, tmp):
    cc = shutil.which("cc")
    if not cc:
        r.fail(case + ": headers compile", "no C compiler")
        return
    exe = os.path.join(tmp, case + "-hc")
    # Only the board-independent table code: the rest of lib/ needs a board.
    srcs = [os.path.join(ROOT, "lib", "src", f) for f in ("crc32.c", "err.c", "geom.c", "ptable.c")]
    p = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + outdir,
                        "-I" + os.path.join(ROOT, "lib", "include"), "-o", exe,
                        os.path.join(GEN, "header_check.c")] + srcs + ["-lmbedcrypto"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        r.fail(case + ": headers compile", p.stderr)
        return
    p = subprocess.run([exe], capture_output=True, text=True)
    if p.returncode != 0:
        r.fail(case + ": headers agree with ptable.bin", p.stdout + p.stderr)
    else:
        r.ok(case + ": headers agree with ptable.bin")


def link_check(r, case, outdir, tmp):
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        # The cross toolchain is a project dependency (make deps installs it):
        # without it the check fails rather than being skipped unseen.
        r.fail(case + ": linker fragment links", "arm-none-eabi-gcc not found (run make deps)")
        return
    obj = os.path.join(tmp, "t.o")
    if not os.path.exists(obj):
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write("int lb_link_probe(void) { return 42; }\n")
        subprocess.run([gcc, "-mcpu=cortex-m3", "-mthumb", "-c", src, "-o", obj], check=True)
    for frag in ("loader.ld", "recovery.ld", "app.ld"):
        ld = os.path.join(tmp, case + "-" + frag)
        os.makedirs(ld, exist_ok=True)
        shutil.copy(os.path.join(outdir, frag), os.path.join(ld, "fragment.ld"))
        elf = os.path.join(ld, "out.elf")
        p = subprocess.run([gcc, "-nostdlib", "-mcpu=cortex-m3", "-mthumb", "-o", elf, obj,
                            "-L" + ld, "-T", os.path.join(GEN, "link_check.ld")],
                           capture_output=True, text=True)
        if p.returncode != 0:
            r.fail("%s: %s links" % (case, frag), p.stderr)
            continue
        nm = subprocess.run(["arm-none-eabi-nm", elf], capture_output=True, text=True).stdout
        syms = {l.split()[2]: int(l.split()[0], 16) for l in nm.splitlines() if len(l.split()) == 3}
        want = None
        with open(os.path.join(outdir, frag)) as f:
            for line in f:
                if line.startswith("LB_PART_OFFSET"):
                    want = int(line.split("=")[1].strip(" ;\n"), 16)
        base = syms.get("LB_FLASH_BASE", -1)
        if syms.get("LB_PART_OFFSET") != want or syms.get("lb_part_start") != base + want or \
                syms.get("lb_part_len") != syms.get("LB_PART_SIZE"):
            r.fail("%s: %s links" % (case, frag), "symbols: %r" % syms)
        else:
            r.ok("%s: %s links" % (case, frag))


def map_check(r, case, files):
    """layout.svg, read as XML and held to the layout it draws
    (partitions.h): one sector line across the bar per erase-unit boundary
    where units are at least 3 px tall, every region named in the legend
    with its absolute start, partition addresses from flash.base, a legend
    swatch per partition type."""
    import xml.etree.ElementTree as ET
    name = case + ": layout.svg draws the layout"
    try:
        svg = ET.fromstring(files["layout.svg"])
        hdr = files["partitions.h"].decode()
    except (KeyError, ET.ParseError) as e:
        r.fail(name, "not readable: %s" % e)
        return
    ns = "{http://www.w3.org/2000/svg}"
    base = int(re.search(r"#define LB_FLASH_BASE (0x[0-9a-fA-F]+)u", hdr).group(1), 16)
    regions = [(int(c), int(z, 16)) for c, z in
               re.findall(r"\{\.count = (\d+)u, \.size = (0x[0-9a-fA-F]+)u\}", hdr)]
    total = sum(c * z for c, z in regions)
    texts = ["".join(t.itertext()) for t in svg.iter(ns + "text")]
    problems = []
    want_lines, at = 0, 0
    for i, (count, size) in enumerate(regions):
        if size * 720 / total >= 3:
            want_lines += count - (1 if i == 0 else 0)
        human = "%d %s" % ((size >> 20, "MiB") if size % (1 << 20) == 0 else (size >> 10, "KiB"))
        entry = "%d x %s at 0x%08x" % (count, human, base + at)
        if not any(entry in t for t in texts):
            problems.append("legend lacks %r" % entry)
        at += count * size
    lines = [l for l in svg.iter(ns + "line") if l.get("x1") == "24" and l.get("x2") == "260"]
    if len(lines) != want_lines:
        problems.append("%d sector lines across the bar, want %d" % (len(lines), want_lines))
    for m in re.finditer(r"#define LB_PART_(\w+)_OFFSET (0x[0-9a-fA-F]+)u", hdr):
        addr = "0x%08x, " % (base + int(m.group(2), 16))
        if not any(t.startswith(addr) or addr in t for t in texts):
            problems.append("no label at %s for %s" % (addr.rstrip(", "), m.group(1)))
    for t in ("loader", "ptable", "bootstate", "recovery", "app", "data", "free"):
        if t not in texts:
            problems.append("legend lacks %r" % t)
    if problems:
        r.fail(name, "; ".join(problems))
    else:
        r.ok(name)


def esp_idf_check(r, case, files):
    """partitions.csv against tests/gen/esp_idf_rules.py: no error, no
    warning, and exactly the rows docs/config.md's mapping gives."""
    name = case + ": partitions.csv passes ESP-IDF's rules"
    dump = json.loads(files["dump.json"])
    try:
        rows = esp_idf_rules.parse_csv(files["partitions.csv"].decode())
    except ValueError as e:
        r.fail(name, "not readable: %s" % e)
        return
    errors, warnings = esp_idf_rules.check(rows, dump["flash"]["size"])
    want = esp_idf_rules.rows_from_dump(dump)
    problems = errors + warnings
    if esp_idf_rules.loader_end(dump) > esp_idf_rules.TABLE_OFFSET:
        problems.append("the loader reaches into ESP-IDF's table")
    if rows != want:
        problems.append("rows %r, want %r" % (rows, want))
    if problems:
        r.fail(name, "\n".join(problems))
    else:
        r.ok(name)


# A board's own devicetree, with the partitions node and labels Zephyr
# boards have (and a chosen node pointing into it): the exported fragment
# must replace it without dtc's duplicate_label error or any warning.
BOARD_DTS = """/dts-v1/;

/ {
\t#address-cells = <1>;
\t#size-cells = <1>;

\tchosen {
\t\tzephyr,code-partition = &slot0_partition;
\t};

\tsoc {
\t\t#address-cells = <1>;
\t\t#size-cells = <1>;

\t\tflash0: flash@%(base)x {
\t\t\tcompatible = "soc-nv-flash";
\t\t\treg = <0x%(base)x 0x%(size)x>;

\t\t\tpartitions {
\t\t\t\tcompatible = "fixed-partitions";
\t\t\t\t#address-cells = <1>;
\t\t\t\t#size-cells = <1>;

\t\t\t\tboot_partition: partition@0 {
\t\t\t\t\tlabel = "mcuboot";
\t\t\t\t\treg = <0x0 0x10000>;
\t\t\t\t};
\t\t\t\tslot0_partition: partition@10000 {
\t\t\t\t\tlabel = "image-0";
\t\t\t\t\treg = <0x10000 0x20000>;
\t\t\t\t\tread-only;
\t\t\t\t};
\t\t\t\tslot1_partition: partition@30000 {
\t\t\t\t\tlabel = "image-1";
\t\t\t\t\treg = <0x30000 0x20000>;
\t\t\t\t};
\t\t\t\tstorage_partition: partition@50000 {
\t\t\t\t\tlabel = "storage";
\t\t\t\t\treg = <0x50000 0x8000>;
\t\t\t\t};
\t\t\t};
\t\t};
\t};
};

/include/ "partitions.dtsi"
"""


def dtc_check(r, case, files, tmp):
    """partitions.dtsi compiled by dtc inside a board-like dts that has its
    own partitions: no error or warning, and the compiled tree holds exactly
    the layout's partitions (name, offset, size), none of the board's."""
    name = case + ": partitions.dtsi compiles with dtc in a board's dts"
    dtc = shutil.which("dtc")
    if not dtc:
        r.fail(name, "dtc not found (device-tree-compiler; run make deps)")
        return
    hdr = files["partitions.h"].decode()
    base = int(re.search(r"#define LB_FLASH_BASE (0x[0-9a-fA-F]+)u", hdr).group(1), 16)
    dump = json.loads(files["dump.json"])
    d = os.path.join(tmp, case + "-dts")
    os.makedirs(d)
    with open(os.path.join(d, "partitions.dtsi"), "wb") as f:
        f.write(files["partitions.dtsi"])
    with open(os.path.join(d, "board.dts"), "w") as f:
        f.write(BOARD_DTS % {"base": base, "size": dump["flash"]["size"]})
    p = subprocess.run([dtc, "-I", "dts", "-O", "dts", "-o", "out.dts", "board.dts"], cwd=d,
                       capture_output=True, text=True)
    if p.returncode != 0 or p.stderr:
        r.fail(name, "dtc exit %d:\n%s" % (p.returncode, p.stderr))
        return
    with open(os.path.join(d, "out.dts")) as f:
        out = f.read()
    # dtc keeps a re-added node where the deleted one of that name was:
    # order is not meaning (Zephyr goes by reg), so compare by offset.
    got = []
    for body in re.findall(r"partition@[0-9a-f]+ \{(.*?)\};", out, re.S):
        lab = re.search(r'label = "([^"]+)";', body)
        reg = re.search(r"reg = <(0x[0-9a-f]+) (0x[0-9a-f]+)>;", body)
        got.append((lab.group(1) if lab else None, int(reg.group(1), 16) if reg else None,
                    int(reg.group(2), 16) if reg else None, "read-only;" in body))
    got.sort(key=lambda g: (g[1] is None, g[1] or 0))
    # Read-only: the loader and the table, nothing left over from the board
    # (its slot0 is read-only).
    want = [(q["name"], q["offset"], q["size"], q["type"] in ("loader", "ptable"))
            for q in dump["partitions"]]
    if got != want:
        r.fail(name, "compiled partitions %r, want %r" % (got, want))
    else:
        r.ok(name)


def run_golden(r, tmp, update):
    print("golden outputs:")
    for case, yaml, args in golden_cases():
        res = generate(r, case, yaml, args, tmp)
        if not res:
            continue
        files, outdir = res
        header_check(r, case, outdir, tmp)
        link_check(r, case, outdir, tmp)
        map_check(r, case, files)
        if "partitions.csv" in files:
            esp_idf_check(r, case, files)
        if "partitions.dtsi" in files:
            dtc_check(r, case, files, tmp)
        gdir = os.path.join(GOLDEN, case)
        if update:
            shutil.rmtree(gdir, ignore_errors=True)
            os.makedirs(gdir)
            for name, data in files.items():
                with open(os.path.join(gdir, name), "wb") as f:
                    f.write(data)
            print("  updated " + os.path.relpath(gdir, ROOT))
            continue
        if not os.path.isdir(gdir):
            r.fail(case + ": golden", "no golden folder %s (make golden-update)" % gdir)
            continue
        want = read_dir(gdir)
        for name in sorted(set(want) | set(files)):
            if name not in files:
                r.fail("%s: %s" % (case, name), "not generated")
            elif name not in want:
                r.fail("%s: %s" % (case, name), "generated but not in golden")
            elif want[name] != files[name]:
                r.fail("%s: %s" % (case, name), diff(name, want[name], files[name]))
            else:
                r.ok("%s: %s" % (case, name))


def expected(path, name, gots, problems):
    """The committed .expect file at `path`, compared with each stderr in
    `gots` (the first that differs is reported into `problems`). Returns
    its bytes, or None when it is missing (reported too)."""
    if not os.path.exists(path):
        problems.append("missing " + path)
        return None
    with open(path, "rb") as fh:
        want = fh.read()
    for got in gots:
        if got != want:
            problems.append(diff(name + ".expect", want, got))
            break
    return want


def run_malformed(r, tmp, update):
    print("malformed layouts:")
    files = sorted(f for f in os.listdir(MALFORMED) if f.endswith(".yaml"))
    for f in files:
        name = f[:-5]
        expect_path = os.path.join(MALFORMED, name + ".expect")
        work = os.path.join(tmp, "mal-" + name)
        os.makedirs(work)
        pre = os.path.join(work, "pre")  # exists and is empty before the run
        os.makedirs(pre)
        absent = os.path.join(work, "absent", "out")  # does not exist
        p = r.run(["gen", f, "-o", pre], cwd=MALFORMED)
        p2 = r.run(["gen", f, "-o", absent, "--export", "zephyr-dts"], cwd=MALFORMED)
        if update:
            with open(expect_path, "wb") as fh:
                fh.write(p.stderr)
            print("  updated " + os.path.relpath(expect_path, ROOT))
            continue
        problems = []
        if p.returncode != 1 or p2.returncode != 1:
            problems.append("exit status %d/%d, want 1" % (p.returncode, p2.returncode))
        want = expected(expect_path, name, (p.stderr, p2.stderr), problems)
        if want is not None:
            located = [l for l in want.decode().splitlines() if l.startswith(f + ":")]
            if not located or not all(l.split(":")[1].isdigit() or l.startswith(f + ": ")
                                      for l in located) or not any(
                                          l.split(":")[1].isdigit() for l in located):
                # at least one file:LINE:COL error (the summary line alone is not one)
                problems.append("expect file holds no located error")
        if os.listdir(pre):
            problems.append("output folder not empty: %r" % os.listdir(pre))
        if os.path.exists(absent):
            problems.append("output folder was created")
        if sorted(os.listdir(work)) != ["pre"]:
            problems.append("something was left beside the output folder: %r" % os.listdir(work))
        if problems:
            r.fail(name, "\n".join(problems))
        else:
            r.ok(name)
    if len(files) < 30:
        r.fail("malformed corpus size", "only %d files (want at least 30)" % len(files))


def run_export_refusals(r, tmp, update):
    """A layout ESP-IDF's rules refuse is refused for --export esp-idf-csv:
    exit 1, nothing written, the located reasons of its .expect file (every
    shipped non-ESP32 layout, and tests/gen/export/*.yaml, one breach each),
    and tests/gen/esp_idf_rules.py agrees that the rows would be refused."""
    print("esp-idf-csv refusals:")
    cases = [("config-" + c, os.path.join(ROOT, y)) for c, y, _ in golden_cases()
             if c not in ESP_IDF_CASES and y.startswith("config/") and c != "default-with-key"]
    cases += [(f[:-5], os.path.join(EXPORT, f)) for f in sorted(os.listdir(EXPORT))
              if f.endswith(".yaml")]
    for name, yaml in cases:
        expect_path = os.path.join(EXPORT, name + ".expect")
        work = os.path.join(tmp, "exp-" + name)
        os.makedirs(work)
        absent = os.path.join(work, "out")
        rel = os.path.basename(yaml)
        p = r.run(["gen", rel, "-o", absent, "--export", "esp-idf-csv"], cwd=os.path.dirname(yaml))
        pc = r.run(["check", rel, "--export", "esp-idf-csv"], cwd=os.path.dirname(yaml))
        if update:
            with open(expect_path, "wb") as fh:
                fh.write(p.stderr)
            print("  updated " + os.path.relpath(expect_path, ROOT))
            continue
        problems = []
        if p.returncode != 1 or pc.returncode != 1:
            problems.append("exit status %d (check %d), want 1" % (p.returncode, pc.returncode))
        if os.path.exists(absent):
            problems.append("an output folder was written")
        want = expected(expect_path, name, (p.stderr, pc.stderr), problems)
        if want is not None:
            if not re.search(rb"^%s:\d+:\d+: partitions\[\d+\]\.\w+: esp-idf-csv: " %
                             re.escape(rel.encode()), want, re.M):
                problems.append("expect file holds no located esp-idf-csv error")
        # The same layout without the export is valid; its rows break a rule.
        plain = os.path.join(work, "plain")
        p = r.run(["gen", rel, "-o", plain, "-q"], cwd=os.path.dirname(yaml))
        pd = r.run(["dump", "--json", os.path.join(plain, "ptable.bin")])
        if p.returncode or pd.returncode:
            problems.append("not valid without the export: %s" % p.stderr.decode(errors="replace"))
        else:
            dump = json.loads(pd.stdout)
            errors, warnings = esp_idf_rules.check(esp_idf_rules.rows_from_dump(dump),
                                                   dump["flash"]["size"])
            if not errors and not warnings and \
                    esp_idf_rules.loader_end(dump) <= esp_idf_rules.TABLE_OFFSET:
                problems.append("esp_idf_rules.py finds nothing wrong with these rows")
        if problems:
            r.fail(name, "\n".join(problems))
        else:
            r.ok(name)
    # The rules file itself refuses what ESP-IDF refuses: the export of
    # default.yaml as it was before lifeboat checked (no row before 0x9000,
    # 64 KiB app offsets, a 0x2000 otadata, no subtype-named data row).
    old = ("bootstate, data, ota, 0x9000, 0x4000,\nrecovery, app, test, 0xb000, 0x30000,\n"
           "nvs, data, undefined, 0x3b000, 0x1000,\nptable, data, undefined, 0x8000, 0x1000,\n")
    errors, warnings = esp_idf_rules.check(esp_idf_rules.parse_csv(old))
    want = ["recovery: app offset 0xb000 not 64 KiB aligned",
            "ptable: offset 0x8000 before the table's end 0x9000",
            "otadata size 0x4000, not 0x2000"]
    if not all(w in errors for w in want) or not any(w.startswith("nvs:") for w in warnings):
        r.fail("esp_idf_rules.py refuses a known-bad table", "%r %r" % (errors, warnings))
    else:
        r.ok("esp_idf_rules.py refuses a known-bad table")


def run_cli(r):
    print("command line:")
    checks = [
        (["--help"], 0, b"usage: lifeboat"),
        (["gen", "--help"], 0, b"usage: lifeboat gen"),
        (["check", "--help"], 0, b"usage: lifeboat check"),
        (["dump", "--help"], 0, b"usage: lifeboat dump"),
        (["gen", "config/default.yaml"], 2, b"usage: lifeboat gen"),
        (["gen", "config/default.yaml", "-o", "x", "--export", "nope"], 2, b"unknown export"),
        (["check"], 2, b"usage: lifeboat check"),
        (["check", "no/such.yaml"], 1, b"no/such.yaml: cannot open"),
        (["check", "config/default.yaml", "--key", "no/such.pem"], 1,
         b"--key no/such.pem: cannot read"),
        (["dump", "config/default.yaml"], 1, b"no valid partition table"),
        (["nonsense"], 2, b"unknown command"),
        # One parser (getopt_long): --opt=value, short forms, one-line errors.
        (["check", "--key=config/keys/example-p256.pub.pem", "-q", "config/default.yaml"], 0, b""),
        (["check", "-k", "config/keys/example-p256.pub.pem", "config/default.yaml", "-q"], 0,
         b""),
        (["check", "--bogus", "config/default.yaml"], 2,
         b"lifeboat check: unknown option '--bogus'\nusage: lifeboat check LAYOUT.yaml"),
        (["gen", "config/default.yaml", "-o"], 2, b"lifeboat gen: this option needs a value"),
        (["gen", "config/default.yaml", "--export=csv", "-o", "x"], 2,
         b"lifeboat gen: unknown export (esp-idf-csv, zephyr-dts): 'csv'"),
    ]
    # The README's tour shows `check` on a shipped broken layout: the output
    # must be exactly what it shows.
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    cmd = "$ build/tools/lifeboat check config/examples/broken.yaml\n"
    if cmd not in readme:
        r.fail("README tour: check broken.yaml", "the README no longer shows the command")
    else:
        shown = readme.split(cmd, 1)[1].split("```", 1)[0]
        p = r.run(["check", "config/examples/broken.yaml"])
        got = (p.stdout + p.stderr).decode()
        if p.returncode != 1 or got != shown:
            r.fail("README tour: check broken.yaml",
                   "exit %d, output differs from the README:\n%s" % (p.returncode, got))
        else:
            r.ok("README tour: check broken.yaml")
    # --output=DIR writes there.
    with tempfile.TemporaryDirectory(prefix="lifeboat-out-") as out:
        p = r.run(["gen", "config/default.yaml", f"--output={out}", "-q"])
        if p.returncode != 0 or not os.path.exists(os.path.join(out, "ptable.bin")):
            r.fail("lifeboat gen --output=DIR", (p.stdout + p.stderr).decode(errors="replace"))
        else:
            r.ok("lifeboat gen --output=DIR")
    # app.pin: the header holds the server key's DER SubjectPublicKeyInfo
    # as openssl encodes it, from a certificate and from a public key alike.
    pinned = os.path.join(GEN, "pinned")
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-in",
                           os.path.join(pinned, "server-key.pub.pem"), "-outform", "DER"],
                          check=True, capture_output=True).stdout
    for case in ("cert", "key"):
        with tempfile.TemporaryDirectory(prefix="lifeboat-pin-") as out:
            p = r.run(["gen", os.path.join(pinned, case + ".yaml"), "-o", out, "-q"])
            name = f"app.pin from a {'certificate' if case == 'cert' else 'public key'}"
            h = ""
            if p.returncode == 0:
                with open(os.path.join(out, "ota_handler.h")) as f:
                    h = f.read()
            m = re.search(r"#define LB_OTA_PIN_INIT \\\n\s*\{ \\\n(.*?)\}", h, re.S)
            got = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m.group(1))) if m else b""
            if (p.returncode != 0 or got != spki or
                    f"#define LB_OTA_PIN_LEN {len(spki)}u" not in h):
                r.fail(name, (p.stdout + p.stderr).decode(errors="replace") +
                       f"\npin {got.hex()}\nwant {spki.hex()}")
            else:
                r.ok(name)
    for args, code, text in checks:
        p = r.run(args)
        name = "lifeboat " + " ".join(args)
        if p.returncode != code or text not in p.stdout + p.stderr:
            r.fail(name, "exit %d (want %d)\n%s" % (p.returncode, code,
                                                     (p.stdout + p.stderr).decode(errors="replace")))
        else:
            r.ok(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", default=os.path.join(ROOT, "build", "tools", "lifeboat"))
    ap.add_argument("--results", default=os.path.join(ROOT, "build", "test-results"))
    ap.add_argument("--update", action="store_true", help="rewrite tests/gen/golden")
    ap.add_argument("--update-expect", action="store_true", help="rewrite malformed/*.expect")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    r = Runner(a.tool, a.verbose)
    with tempfile.TemporaryDirectory(prefix="lifeboat-gen-") as tmp:
        run_golden(r, tmp, a.update)
        run_malformed(r, tmp, a.update_expect)
        run_export_refusals(r, tmp, a.update_expect)
        run_cli(r)
    if a.update or a.update_expect:
        return 0
    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, "gen.summary"), "w") as f:
        f.write("%d passed, %d failed\n" % (r.passed, r.failed))
    print("gen: %d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
