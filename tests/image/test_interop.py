"""lifeboat's image format against an independent encoder/verifier (both
directions), and the behaviour of `lifeboat keygen|sign|verify|info`."""
import json
import os
import socket
import stat
import struct
import subprocess

import pytest

import oracle
from conftest import ROOT, SIG_BACKENDS, fwverify_path

PRODUCT = "demo-sensor"


@pytest.fixture
def body():
    return bytes((i * 31 + 7) & 0xFF for i in range(3000))


@pytest.fixture
def okey(tmp_path):
    """An oracle-made key pair written as PEM files."""
    key = oracle.new_key()
    oracle.write_keys(key, tmp_path / "o.pem", tmp_path / "o.pub.pem")
    return key, tmp_path / "o.pem", tmp_path / "o.pub.pem"


@pytest.fixture
def lkey(tmp_path, lifeboat):
    """A lifeboat-made key pair."""
    lifeboat("keygen", "-o", tmp_path / "l.pem", check=0)
    return tmp_path / "l.pem", tmp_path / "l.pub.pem"


def sign(lifeboat, key, inp, out, *extra, kind="app", version="1.2.3+4", product=PRODUCT):
    return lifeboat("sign", "--key", key, "--version", version, "--kind", kind, "--product",
                    product, *extra, inp, out)


# ---- oracle -> lifeboat ----

@pytest.mark.parametrize("opts", [
    dict(),
    dict(hdr_size=0x200, load_addr=0x100000, flags=oracle.F_RAM_LOAD),
    dict(sig_pad_to=72),
    dict(sec_cnt=None),
    dict(extra_prot=oracle.tlv(0xB7, b"vendor data")),
])
def test_lifeboat_verifies_oracle_images(tmp_path, lifeboat, okey, body, opts):
    key, _, pub = okey
    args = dict(key=key, version=(2, 1, 7, 99), sec_cnt=3, kind="app", product=PRODUCT)
    args.update(opts)
    img = tmp_path / "o.bin"
    img.write_bytes(oracle.encode(body, **args))
    p = lifeboat("verify", "--key", pub, "--product", PRODUCT, "--kind", "app", img)
    assert p.returncode == 0, p.stderr
    # The firmware's verifier accepts it with either signature backend.
    der = tmp_path / "o.der"
    der.write_bytes(oracle.spki_der(key.public_key()))
    for backend in SIG_BACKENDS:
        p = subprocess.run([fwverify_path(backend), img, der, "sig", PRODUCT],
                           capture_output=True, text=True)
        assert p.returncode == 0, (backend, p.stdout, p.stderr)
    info = json.loads(lifeboat("info", "--json", img, check=0).stdout)
    assert info["header"]["version_str"] == "2.1.7+99"
    assert info["header"]["img_size"] == len(body)
    assert info["header"]["hdr_size"] == args.get("hdr_size", 32)
    assert info["security_counter"] == (args["sec_cnt"] or 0)
    assert info["product"] == PRODUCT and info["kind"] == "app"
    assert info["hash_ok"] and info["signed"]


def test_lifeboat_refuses_tampered_oracle_image(tmp_path, lifeboat, okey, body):
    key, _, pub = okey
    raw = bytearray(oracle.encode(body, key=key, kind="app", product=PRODUCT))
    raw[100] ^= 1
    img = tmp_path / "t.bin"
    img.write_bytes(bytes(raw))
    p = lifeboat("verify", "--key", pub, img)
    assert p.returncode == 1 and "hash mismatch" in p.stderr


def test_signature_by_another_key_claiming_the_trusted_key_is_refused_by_ecdsa(
        tmp_path, lifeboat, okey, body):
    """Signed by another key but naming the trusted key's hash: the key-hash
    compare passes, so the refusal must come from the ECDSA check itself,
    in the host tool and in the firmware's verifier with either backend."""
    key, _, pub = okey
    img = tmp_path / "f.bin"
    img.write_bytes(oracle.encode(body, key=oracle.new_key(), kind="app", product=PRODUCT,
                                  claim_key=key.public_key()))
    p = lifeboat("verify", "--key", pub, img)
    assert p.returncode == 1 and "bad signature" in p.stderr, p.stderr
    der = tmp_path / "k.der"
    der.write_bytes(oracle.spki_der(key.public_key()))
    for backend in SIG_BACKENDS:
        p = subprocess.run([fwverify_path(backend), img, der, "sig"], capture_output=True,
                           text=True)
        assert p.returncode == 1 and p.stdout.split()[0] == "-16", (backend, p.stdout)


def test_lifeboat_accepts_oracle_private_key_for_signing(tmp_path, lifeboat, okey, body):
    """Keys made elsewhere (PKCS#8 PEM) sign; the oracle verifies."""
    key, priv, _ = okey
    (tmp_path / "in.bin").write_bytes(body)
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin").returncode == 0
    oracle.verify((tmp_path / "s.bin").read_bytes(), key.public_key(), PRODUCT, "app")


# ---- lifeboat -> oracle ----

@pytest.mark.parametrize("extra", [
    [],
    ["--security-counter", "9", "--load-addr", "0x100000", "--header-size", "0x200"],
    ["--pad-to", "8K"],
])
def test_oracle_verifies_lifeboat_images(tmp_path, lifeboat, lkey, body, extra):
    priv, pub = lkey
    (tmp_path / "in.bin").write_bytes(body)
    p = sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin", *extra, kind="recovery")
    assert p.returncode == 0, p.stderr
    raw = (tmp_path / "s.bin").read_bytes()
    d = oracle.verify(raw, oracle.load_public(pub), PRODUCT, "recovery")
    assert d["version"] == (1, 2, 3, 4)
    assert raw[d["hdr_size"]:d["hdr_size"] + d["img_size"]] == body
    if "--pad-to" in extra:
        assert len(raw) == 8192 and set(raw[d["total_size"]:]) == {0xFF}
    if "--load-addr" in extra:
        assert d["load_addr"] == 0x100000 and d["flags"] & oracle.F_RAM_LOAD
        assert dict(d["prot"])[oracle.T_SEC_CNT] == struct.pack("<I", 9)


def test_oracle_refuses_lifeboat_image_under_other_key(tmp_path, lifeboat, lkey, okey, body):
    priv, _ = lkey
    key, _, _ = okey
    (tmp_path / "in.bin").write_bytes(body)
    sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin")
    with pytest.raises(ValueError):
        oracle.verify((tmp_path / "s.bin").read_bytes(), key.public_key())


# ---- CLI behaviour ----

def test_keygen_writes_private_0600_and_public_beside(tmp_path, lifeboat):
    p = lifeboat("keygen", "-o", tmp_path / "dev.pem", check=0)
    mode = stat.S_IMODE(os.stat(tmp_path / "dev.pem").st_mode)
    assert mode == 0o600
    assert (tmp_path / "dev.pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    pub = oracle.load_public(tmp_path / "dev.pub.pem")
    assert pub.curve.name == "secp256r1"
    assert "dev.pub.pem" in p.stdout
    # Never silently overwrites a key.
    p = lifeboat("keygen", "-o", tmp_path / "dev.pem")
    assert p.returncode == 1 and "exists" in p.stderr
    lifeboat("keygen", "-o", tmp_path / "dev.pem", "--force", check=0)
    assert stat.S_IMODE(os.stat(tmp_path / "dev.pem").st_mode) == 0o600


def test_keygen_creates_missing_key_folder_0700(tmp_path, lifeboat):
    key = tmp_path / "keys" / "dev" / "dev.pem"
    lifeboat("keygen", "-o", key, check=0)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "keys").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "dev").st_mode) == 0o700
    assert (tmp_path / "keys" / "dev" / "dev.pub.pem").exists()
    # A folder that cannot be made is an error that names it.
    (tmp_path / "file").write_text("")
    p = lifeboat("keygen", "-o", tmp_path / "file" / "k.pem")
    assert p.returncode == 1 and "file" in p.stderr, p.stderr


def test_keygen_usage_errors(tmp_path, lifeboat):
    assert lifeboat("keygen").returncode == 2
    assert lifeboat("keygen", "-o", tmp_path / "a.pem", "extra").returncode == 2


@pytest.mark.parametrize("opts,code,reason", [
    ([], 0, None),
    (["--product", "other"], 1, "wrong product"),
    (["--kind", "recovery"], 1, "wrong image kind"),
    (["--min-security-counter", "6"], 1, "security counter too low"),
    (["--min-security-counter", "5"], 0, None),
    (["--max-size", "1000"], 1, "out of range"),
])
def test_verify_exit_codes_and_reasons(tmp_path, lifeboat, lkey, body, opts, code, reason):
    priv, pub = lkey
    (tmp_path / "in.bin").write_bytes(body)
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin",
                "--security-counter", "5").returncode == 0
    p = lifeboat("verify", "--key", pub, "--product", PRODUCT, "--kind", "app", *opts,
                 tmp_path / "s.bin")
    assert p.returncode == code, p.stderr
    if reason:
        assert reason in p.stderr


def test_verify_refusals_from_files(tmp_path, lifeboat, lkey, okey, body):
    priv, pub = lkey
    _, _, other_pub = okey
    (tmp_path / "in.bin").write_bytes(body)
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin").returncode == 0
    raw = (tmp_path / "s.bin").read_bytes()
    cases = {
        "untrusted key": (other_pub, raw),
        "image truncated": (pub, raw[:-10]),
        "bad magic": (pub, b"\0" + raw[1:]),
        "hash mismatch": (pub, raw[:40] + bytes([raw[40] ^ 1]) + raw[41:]),
    }
    for reason, (key, data) in cases.items():
        (tmp_path / "x.bin").write_bytes(data)
        p = lifeboat("verify", "--key", key, tmp_path / "x.bin")
        assert p.returncode == 1 and reason in p.stderr, (reason, p.stderr)
    # An unsigned image (oracle, no key) where a signature is required.
    (tmp_path / "u.bin").write_bytes(oracle.encode(body, kind="app", product=PRODUCT))
    p = lifeboat("verify", "--key", pub, tmp_path / "u.bin")
    assert p.returncode == 1 and "image not signed" in p.stderr


def test_verify_usage_errors(tmp_path, lifeboat, lkey):
    _, pub = lkey
    assert lifeboat("verify", tmp_path / "x.bin").returncode == 2
    assert lifeboat("verify", "--key", pub).returncode == 2
    assert lifeboat("verify", "--key", pub, "--kind", "bootloader", "x").returncode == 2
    p = lifeboat("verify", "--key", tmp_path / "missing.pem", tmp_path / "x.bin")
    assert p.returncode == 1


def test_sign_usage_errors(tmp_path, lifeboat, lkey, body):
    priv, pub = lkey
    (tmp_path / "in.bin").write_bytes(body)
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin",
                version="1.2.x").returncode == 2
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin",
                version="256.0.0").returncode == 2
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin",
                kind="loader").returncode == 2
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin",
                product="x" * 33).returncode == 2
    # A refused value names the option (however it was given) and its form.
    for args, want in (((f"--version=abc",), "--version: 'abc' is not MAJ.MIN.REV[+BUILD]"),
                       (("--version", "abc"), "--version: 'abc' is not MAJ.MIN.REV[+BUILD]"),
                       (("--kind=loader",), "--kind: 'loader' is not app or recovery"),
                       (("--security-counter", "x1"), "--security-counter: 'x1' is not a number")):
        p = lifeboat("sign", "--key", priv, "--product", "p", "--kind", "app", "--version",
                     "1.0.0", *args, tmp_path / "in.bin", tmp_path / "o.bin")
        assert p.returncode == 2 and f"lifeboat sign: {want}" in p.stderr, p.stderr
    p = lifeboat("verify", "--key", pub, "--kind=boot", tmp_path / "in.bin")
    assert p.returncode == 2 and "lifeboat verify: --kind: 'boot' is not app or recovery" in p.stderr
    # A public key cannot sign; a too small --pad-to is refused.
    assert sign(lifeboat, pub, tmp_path / "in.bin", tmp_path / "o.bin").returncode == 1
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin",
                "--pad-to", "100").returncode == 1


def test_keys_on_another_curve_are_refused(tmp_path, lifeboat, body):
    """A P-384 key (openssl's) signs nothing and verifies nothing: every
    device checks P-256 signatures only."""
    (tmp_path / "in.bin").write_bytes(body)
    priv, pub = tmp_path / "p384.pem", tmp_path / "p384.pub.pem"
    subprocess.run(["openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out",
                    priv], check=True, capture_output=True)
    subprocess.run(["openssl", "ec", "-in", priv, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    p = sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "o.bin")
    assert p.returncode == 1 and f"{priv}: not an ECDSA P-256 key" in p.stderr, p.stderr
    assert not (tmp_path / "o.bin").exists()
    p = lifeboat("verify", "--key", pub, tmp_path / "in.bin")
    assert p.returncode == 1 and f"{pub}: not an ECDSA P-256 key" in p.stderr, p.stderr


def test_info_json_decodes_every_field(tmp_path, lifeboat, lkey, body):
    priv, _ = lkey
    (tmp_path / "in.bin").write_bytes(body)
    assert sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin", "--security-counter",
                "7", "--load-addr", "0x00100000", "--header-size", "64",
                version="3.4.5+6").returncode == 0
    raw = (tmp_path / "s.bin").read_bytes()
    d = oracle.decode(raw)
    info = json.loads(lifeboat("info", "--json", tmp_path / "s.bin", check=0).stdout)
    h = info["header"]
    assert h["magic"] == "0x96f3b83d" and h["load_addr"] == 0x100000
    assert h["hdr_size"] == 64 and h["img_size"] == len(body)
    assert h["protect_tlv_size"] == d["protect_tlv_size"]
    assert h["flag_names"] == ["RAM_LOAD"]
    assert h["version"] == {"major": 3, "minor": 4, "revision": 5, "build": 6}
    assert info["total_size"] == d["total_size"] == len(raw)
    assert info["status"] == "ok" and info["hash_ok"] is True
    names = [(t["area"], t["name"]) for t in info["tlvs"]]
    assert names == [("protected", "SEC_CNT"), ("protected", "KIND"), ("protected", "PRODUCT"),
                     ("unprotected", "SHA256"), ("unprotected", "KEYHASH"),
                     ("unprotected", "ECDSA_SIG")]
    vals = {t["name"]: t["value"] for t in info["tlvs"]}
    assert vals["SEC_CNT"] == 7 and vals["KIND"] == "app" and vals["PRODUCT"] == PRODUCT
    assert bytes.fromhex(vals["SHA256"]) == dict(d["tlvs"])[oracle.T_SHA256]
    assert bytes.fromhex(vals["ECDSA_SIG"]) == dict(d["tlvs"])[oracle.T_ECDSA_SIG]
    # Plain text shows the same, and a broken image exits 1 with its reason.
    txt = lifeboat("info", tmp_path / "s.bin", check=0).stdout
    assert "version          3.4.5+6" in txt and "PRODUCT" in txt
    (tmp_path / "b.bin").write_bytes(raw[:-1])
    p = lifeboat("info", "--json", tmp_path / "b.bin")
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "image truncated"


# ---- the firmware's verifier, with each signature backend ----

def test_firmware_config_verifier_accepts_and_refuses(tmp_path, fwverify, okey, body):
    backend, fwverify = fwverify
    key, _, _ = okey
    der = oracle.spki_der(key.public_key())
    (tmp_path / "k.der").write_bytes(der)
    raw = oracle.encode(body, key=key, kind="app", product=PRODUCT, sig_pad_to=72)
    (tmp_path / "a.bin").write_bytes(raw)
    p = subprocess.run([fwverify, tmp_path / "a.bin", tmp_path / "k.der", "sig", PRODUCT],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    rc, peak, _ms = p.stdout.split()
    # mbedTLS takes its bignums from the static arena; BearSSL has no heap.
    assert rc == "0" and (0 < int(peak) <= 3072 if backend == "mbedtls" else int(peak) == 0)
    # Flip one signature byte: refused (LB_E_SIG = -16), arena fully freed.
    d = oracle.decode(raw)
    sig_off = len(raw) - 72 + 10
    bad = raw[:sig_off] + bytes([raw[sig_off] ^ 0x01]) + raw[sig_off + 1:]
    assert oracle.decode(bad)["total_size"] == d["total_size"]
    (tmp_path / "b.bin").write_bytes(bad)
    p = subprocess.run([fwverify, tmp_path / "b.bin", tmp_path / "k.der", "sig"],
                       capture_output=True, text=True)
    assert p.returncode == 1 and p.stdout.split()[0] == "-16" and "leak" not in p.stderr


def test_untrusted_product_bytes_never_reach_the_terminal_raw(tmp_path, lifeboat, okey, body):
    """An image whose product TLV holds an escape sequence and bytes that are
    not UTF-8: `info --json` stays valid JSON, `info` and `verify` show the
    bytes escaped (no ESC reaches the terminal); `sign` refuses such a
    product and one that is not UTF-8."""
    key, priv, pub = okey
    hostile = b"a\x1b[31mred\xff\xc3("
    img = oracle.encode(body, key=key, kind="app",
                        extra_prot=oracle.tlv(oracle.T_PRODUCT, hostile))
    (tmp_path / "h.bin").write_bytes(img)
    p = lifeboat("info", "--json", tmp_path / "h.bin", check=0)
    info = json.loads(p.stdout)  # valid JSON
    assert info["product"] == "a\x1b[31mred\ufffd\ufffd(", info["product"]
    p = lifeboat("info", tmp_path / "h.bin", check=0)
    assert "\x1b" not in p.stdout and "a\\x1b[31mred\\xff\\xc3(" in p.stdout, p.stdout
    p = lifeboat("verify", "--key", pub, "--product", "demo", tmp_path / "h.bin")
    assert p.returncode == 1 and "\x1b" not in p.stderr and "\\x1b" in p.stderr, p.stderr
    p = lifeboat("verify", "--key", pub, tmp_path / "h.bin")
    assert p.returncode == 0 and "\x1b" not in p.stdout and "a\\x1b[31m" in p.stdout, p.stdout
    (tmp_path / "in.bin").write_bytes(body)
    for bad in ("a\x1bb", "caf\udcc3"):
        tool = os.environ.get("LIFEBOAT", os.path.join(ROOT, "build", "tools", "lifeboat"))
        r = subprocess.run([tool, "sign", "--key",
                            str(priv), "--version", "1.0.0", "--kind", "app",
                            "--product", bad.encode("utf-8", "surrogateescape"),
                            str(tmp_path / "in.bin"), str(tmp_path / "o.bin")],
                           capture_output=True)
        assert r.returncode == 2 and b"UTF-8 text" in r.stderr and b"\x1b" not in r.stderr



def test_help_command_and_unknown_commands(lifeboat):
    """`lifeboat help CMD` prints what `lifeboat CMD --help` does; an unknown
    command gets one line pointing at `lifeboat help`, not the whole list."""
    for cmd in ("gen", "check", "dump", "keygen", "sign", "verify", "info", "mkflash", "push",
                "status", "credential"):
        a, b = lifeboat("help", cmd), lifeboat(cmd, "--help")
        assert a.returncode == 0 and a.stdout == b.stdout and a.stdout, cmd
    p = lifeboat("help", "nope")
    assert p.returncode == 2 and p.stderr.startswith("lifeboat help: unknown command 'nope'")
    p = lifeboat("nope")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "lifeboat help" in p.stderr


def test_status_json_reports_an_unreachable_device_as_json(lifeboat):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens once it is closed
    p = lifeboat("status", "--url", f"http://127.0.0.1:{port}", "--json", "--timeout", "3")
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert doc["url"] == f"http://127.0.0.1:{port}" and "connect" in doc["error"], doc


def test_push_json_reports_an_unreachable_device_as_json(tmp_path, lifeboat):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens once it is closed
    (tmp_path / "x.bin").write_bytes(b"\0" * 100)
    p = lifeboat("push", "--url", f"http://127.0.0.1:{port}", "--user", "admin", "--password",
                 "x", "--json", "--timeout", "3", "--no-check", tmp_path / "x.bin")
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and doc["ok"] is False and doc["http_status"] is None
    assert "connect" in doc["error"] and doc["bytes"] == 100, doc


def test_push_checks_the_image_before_sending(tmp_path, lifeboat, lkey, body):
    """What the device would refuse after the whole upload is refused here,
    before connecting (the port below has nobody listening: 'not sent', not
    a connection error)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key, _ = lkey
    (tmp_path / "b.bin").write_bytes(body)
    assert sign(lifeboat, key, tmp_path / "b.bin", tmp_path / "rec.bin", kind="recovery").returncode == 0
    assert sign(lifeboat, key, tmp_path / "b.bin", tmp_path / "app.bin").returncode == 0
    app = (tmp_path / "app.bin").read_bytes()
    mid = len(app) // 2  # in the body
    (tmp_path / "tampered.bin").write_bytes(app[:mid] + bytes([app[mid] ^ 1]) + app[mid + 1:])
    (tmp_path / "zeros.bin").write_bytes(b"\0" * 100)
    url = f"http://127.0.0.1:{port}"
    for name, why in (("rec.bin", "not sent: wrong image kind (the device installs app images"),
                      ("tampered.bin", "not sent: hash mismatch"),
                      ("zeros.bin", "not sent: bad magic")):
        p = lifeboat("push", "--url", url, "--user", "admin", "--password", "x", "--timeout", "3",
                     tmp_path / name)
        assert p.returncode == 1 and why in p.stderr, (name, p.stderr)
        p = lifeboat("push", "--url", url, "--user", "admin", "--password", "x", "--timeout", "3",
                     "--json", tmp_path / name)
        doc = json.loads(p.stdout)
        assert p.returncode == 1 and doc["ok"] is False and why in doc["error"], doc
    # A good image passes the checks and only then meets the missing device.
    p = lifeboat("push", "--url", url, "--user", "admin", "--password", "x", "--timeout", "3",
                 tmp_path / "app.bin")
    assert p.returncode == 1 and "connect" in p.stderr and "not sent" not in p.stderr, p.stderr


def test_every_command_reports_a_usage_error_in_one_style(lifeboat):
    """One parser style everywhere: an unknown option or a missing value is
    one line naming it, then the one-line synopsis and where the help is
    (never the whole help text, never getopt's own message)."""
    for cmd in ("gen", "check", "dump", "keygen", "sign", "verify", "info", "mkflash", "push",
                "status", "credential"):
        p = lifeboat(cmd, "--bogus")
        lines = p.stderr.splitlines()
        assert p.returncode == 2, (cmd, p.stderr)
        assert lines[0] == f"lifeboat {cmd}: unknown option '--bogus'", (cmd, p.stderr)
        assert len(lines) == 2 and lines[1].startswith(f"usage: lifeboat {cmd} ") and \
            lines[1].endswith(f"(lifeboat help {cmd})"), (cmd, p.stderr)
    p = lifeboat("push", "--url")
    assert p.stderr.startswith("lifeboat push: this option needs a value: '--url'"), p.stderr


def test_sign_and_verify_take_imgtools_short_key_option(tmp_path, lifeboat, lkey, body):
    priv, pub = lkey
    (tmp_path / "in.bin").write_bytes(body)
    p = lifeboat("sign", "-k", priv, "--version", "1.0.0", "--kind", "app", "--product", "p",
                 tmp_path / "in.bin", tmp_path / "o.bin")
    assert p.returncode == 0, p.stderr
    assert lifeboat("verify", "-k", pub, tmp_path / "o.bin").returncode == 0


def test_check_sign_verify_print_json_when_asked(tmp_path, lifeboat, lkey, body):
    """--json: one valid JSON object on stdout, for success and for refusal,
    with the same exit codes as the text form."""
    priv, pub = lkey
    p = lifeboat("check", "--json", os.path.join(ROOT, "config", "examples", "broken.yaml"))
    res = json.loads(p.stdout)
    assert p.returncode == 1 and res["ok"] is False and res["count"] == 2
    assert [(e["line"], e["column"]) for e in res["errors"]] == [(12, 47), (17, 13)]
    assert "duplicate partition name 'app_a'" in res["errors"][1]["message"]
    p = lifeboat("check", "--json", os.path.join(ROOT, "config", "default.yaml"))
    res = json.loads(p.stdout)
    assert p.returncode == 0 and res["ok"] is True and res["product"] == PRODUCT
    assert res["app_slots"] == 2 and res["verify"] == "hash"
    (tmp_path / "in.bin").write_bytes(body)
    p = sign(lifeboat, priv, tmp_path / "in.bin", tmp_path / "s.bin", "--json",
             "--security-counter", "4", "--pad-to", "8192")
    res = json.loads(p.stdout)
    assert p.returncode == 0 and res["version"] == "1.2.3+4" and res["kind"] == "app"
    assert res["security_counter"] == 4 and res["file_size"] == 8192
    assert res["image_size"] == json.loads(lifeboat("info", "--json", tmp_path / "s.bin",
                                                    check=0).stdout)["total_size"]
    p = lifeboat("verify", "-k", pub, "--json", tmp_path / "s.bin")
    res = json.loads(p.stdout)
    assert p.returncode == 0 and res["ok"] is True and res["status"] == "ok"
    assert res["signature_ok"] is True and res["product"] == PRODUCT
    p = lifeboat("verify", "-k", pub, "--json", "--min-security-counter", "5", tmp_path / "s.bin")
    res = json.loads(p.stdout)
    assert p.returncode == 1 and res["ok"] is False
    assert res["status"] == "security counter too low" and res["security_counter"] == 4
    (tmp_path / "x.bin").write_bytes(b"\0" * 64)
    p = lifeboat("verify", "-k", pub, "--json", tmp_path / "x.bin")
    res = json.loads(p.stdout)
    assert p.returncode == 1 and res["status"] == "bad magic" and res["version"] is None
