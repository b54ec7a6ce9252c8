"""ESP-IDF's partition-table rules, written down for the tests.

ESP-IDF's gen_esp32part.py is not packaged in Debian, so the generator's
`--export esp-idf-csv` is held to this second, independent statement of
what that tool refuses (errors) or warns about (warnings), learned from its
source and ESP-IDF's partition-table guide, not copied from them:

- the table itself sits at 0x8000 (CONFIG_PARTITION_TABLE_OFFSET's default)
  and fills that 4 KiB sector: no row may start before 0x9000;
- app rows start on 64 KiB boundaries; every row starts on a 4 KiB one
  (older releases warn, newer ones refuse) and app sizes are 4 KiB multiples;
- rows do not overlap, names are unique and at most 16 bytes;
- at most one data/ota (otadata) row, and it is exactly 0x2000 bytes;
- a name that is a type or subtype keyword but not the row's own type and
  subtype is warned about ("Mistake in partition table?").

`parse_csv` reads a partitions.csv, `check` returns the (errors, warnings)
for its rows, `rows_from_dump` derives the rows lifeboat's export should
write from `lifeboat dump --json` (docs/config.md "Exports"), so the tests
can compare the C exporter against this file both ways.
"""

TABLE_OFFSET = 0x8000
TABLE_SIZE = 0x1000
TYPES = {"app": 0x00, "data": 0x01, "bootloader": 0x02, "partition_table": 0x03}
APP_SUBTYPES = dict({"factory": 0x00, "test": 0x20},
                    **{"ota_%d" % i: 0x10 + i for i in range(16)})
DATA_SUBTYPES = {"ota": 0x00, "phy": 0x01, "nvs": 0x02, "coredump": 0x03, "nvs_keys": 0x04,
                 "efuse": 0x05, "undefined": 0x06, "esphttpd": 0x80, "fat": 0x81,
                 "spiffs": 0x82, "littlefs": 0x83}
SUBTYPES = {0x00: APP_SUBTYPES, 0x01: DATA_SUBTYPES}


def _int(v, keywords=None):
    v = v.strip()
    mult = 1
    if v[-1:].lower() in ("k", "m"):
        mult = 1024 if v[-1].lower() == "k" else 1024 * 1024
        v = v[:-1]
    try:
        return int(v, 0) * mult
    except ValueError:
        if keywords is not None and v in keywords:
            return keywords[v]
        raise ValueError("not a number or known keyword: %r" % v)


def parse_csv(text):
    """[(name, type, subtype, offset, size, flags)] with integers."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        f = [x.strip() for x in (line + ",,,,").split(",")]
        ptype = _int(f[1], TYPES)
        sub = _int(f[2], SUBTYPES.get(ptype, {})) if f[2] else DATA_SUBTYPES["undefined"]
        rows.append((f[0], ptype, sub, _int(f[3]), _int(f[4]), f[5]))
    return rows


def check(rows, flash_size=None):
    errors, warnings = [], []
    seen = set()
    table_end = TABLE_OFFSET + TABLE_SIZE
    last_end, last_name = None, None
    for name, ptype, sub, off, size, flags in sorted(rows, key=lambda r: r[3]):
        if len(name.encode()) > 16:
            errors.append("%s: name longer than 16 bytes" % name)
        if name in seen:
            errors.append("%s: duplicate name" % name)
        seen.add(name)
        if off < table_end:
            errors.append("%s: offset 0x%x before the table's end 0x%x" % (name, off, table_end))
        if ptype == TYPES["app"] and off % 0x10000:
            errors.append("%s: app offset 0x%x not 64 KiB aligned" % (name, off))
        if off % 0x1000:
            errors.append("%s: offset 0x%x not 4 KiB aligned" % (name, off))
        if ptype == TYPES["app"] and size % 0x1000:
            errors.append("%s: app size 0x%x not a 4 KiB multiple" % (name, size))
        if last_end is not None and off < last_end:
            errors.append("%s: overlaps %s" % (name, last_name))
        last_end, last_name = off + size, name
        if flags not in ("", "encrypted", "readonly", "encrypted:readonly", "readonly:encrypted"):
            errors.append("%s: unknown flags %r" % (name, flags))
        if name in TYPES and TYPES[name] != ptype:
            warnings.append("%s: named like a type, but type 0x%x" % (name, ptype))
        for t, subs in SUBTYPES.items():
            if name in subs and (t != ptype or subs[name] != sub):
                warnings.append("%s: named like a subtype, but 0x%x/0x%x" % (name, ptype, sub))
        if 0x04 <= ptype < 0x40:
            warnings.append("%s: type 0x%x is reserved for ESP-IDF" % (name, ptype))
    ota = [r for r in rows if r[1] == TYPES["data"] and r[2] == DATA_SUBTYPES["ota"]]
    if len(ota) > 1:
        errors.append("more than one otadata")
    if ota and ota[0][4] != 0x2000:
        errors.append("otadata size 0x%x, not 0x2000" % ota[0][4])
    if len(rows) > 95:
        errors.append("more than 95 rows")
    if flash_size is not None and rows and max(r[3] + r[4] for r in rows) > flash_size:
        errors.append("rows end past the flash")
    return errors, warnings


def rows_from_dump(dump):
    """The rows docs/config.md says the export writes for a table."""
    rows = []
    for p in dump["partitions"]:
        name, t = p["name"], p["type"]
        if t == "loader":
            continue
        if t == "app":
            row = (TYPES["app"], APP_SUBTYPES["ota_%d" % p["slot"]])
        elif t == "recovery":
            row = (TYPES["app"], APP_SUBTYPES["test"])
        elif t == "ptable":
            row = (0x40, 0x00)
        elif t == "bootstate":
            row = (0x40, 0x01)
        else:
            sub = DATA_SUBTYPES.get(name, DATA_SUBTYPES["undefined"])
            row = (TYPES["data"], DATA_SUBTYPES["undefined"] if name == "ota" else sub)
        rows.append((name,) + row + (p["offset"], p["size"], ""))
    return rows


def loader_end(dump):
    return max([p["offset"] + p["size"] for p in dump["partitions"] if p["type"] == "loader"],
               default=0)
