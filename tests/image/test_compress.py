"""Compressed images (docs/SPEC.md, "Compressed images"): `lifeboat sign
--compress` against the independent oracle and Python's zlib, and every
way a compressed image can lie about what it inflates to, crafted with the
oracle and refused by `lifeboat verify` (the host run of the checks the
installers make)."""
import hashlib
import json
import os
import struct
import zlib

import pytest

import oracle
from test_interop import PRODUCT, sign

F_DEFLATE = 0x01000000
T_DECOMP_SIZE, T_DECOMP_SHA = 0x70, 0x71


@pytest.fixture
def firmware():
    """A body that compresses like firmware: code-like repetition."""
    words = [os.urandom(4) for _ in range(64)]
    return b"".join(words[(i * 7 + i // 13) % 64] for i in range(20000))


@pytest.fixture
def okey(tmp_path):
    key = oracle.new_key()
    oracle.write_keys(key, tmp_path / "o.pem", tmp_path / "o.pub.pem")
    return key, tmp_path / "o.pem", tmp_path / "o.pub.pem"


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def inflate(data):
    d = zlib.decompressobj(-15)
    out = d.decompress(data)
    assert d.eof and not d.unused_data
    return out


def compressed(key, inner, stream=None, size=None, sha=None, version=(1, 2, 3, 4),
               product=PRODUCT, flags=F_DEFLATE, decomp=True, **kw):
    """An oracle-made compressed image around `inner` (a whole image):
    the DEFLATE stream and the DECOMP TLVs are inner's unless given."""
    stream = deflate(inner) if stream is None else stream
    extra = b""
    if decomp:
        extra = (oracle.tlv(T_DECOMP_SIZE, struct.pack("<I", len(inner) if size is None else size))
                 + oracle.tlv(T_DECOMP_SHA, sha or hashlib.sha256(inner).digest()))
    return oracle.encode(stream, key=key, version=version, kind="app", product=product,
                         flags=flags, extra_prot=extra, **kw)


def test_sign_compress_writes_a_signed_image_of_the_signed_image(tmp_path, lifeboat, okey,
                                                                 firmware):
    key, priv, pub = okey
    (tmp_path / "fw.bin").write_bytes(firmware)
    p = sign(lifeboat, priv, tmp_path / "fw.bin", tmp_path / "z.bin", "--compress",
             "--header-size", "0x200", "--load-addr", "0x100000")
    assert p.returncode == 0, p.stderr
    assert "compressed from" in p.stdout
    outer = (tmp_path / "z.bin").read_bytes()
    # What an imgtool user sees: a well-formed image signed by the key,
    # with a flag and two protected TLVs it does not know.
    d = oracle.verify(outer, key.public_key(), product=PRODUCT, kind="app")
    assert d["flags"] == F_DEFLATE | oracle.F_RAM_LOAD and d["version"] == (1, 2, 3, 4)
    inner = inflate(outer[d["hdr_size"]:d["hdr_size"] + d["img_size"]])
    prot = dict(d["prot"])
    assert prot[T_DECOMP_SIZE] == struct.pack("<I", len(inner))
    assert prot[T_DECOMP_SHA] == hashlib.sha256(inner).digest()
    # ... which is the plain image `sign` makes: same header, the body.
    i = oracle.verify(inner, key.public_key(), product=PRODUCT, kind="app")
    assert (i["flags"], i["version"], i["load_addr"]) == (oracle.F_RAM_LOAD, (1, 2, 3, 4),
                                                          0x100000)
    assert inner[i["hdr_size"]:i["hdr_size"] + i["img_size"]] == firmware
    assert len(outer) < len(inner) // 2
    v = lifeboat("verify", "--key", pub, "--product", PRODUCT, "--kind", "app", tmp_path / "z.bin")
    assert v.returncode == 0 and "inflate to the" in v.stdout, (v.stdout, v.stderr)
    info = lifeboat("info", tmp_path / "z.bin")
    assert info.returncode == 0 and "DEFLATE" in info.stdout and "DECOMP_SHA" in info.stdout


def test_lifeboat_verifies_compressed_oracle_images_at_every_level(tmp_path, lifeboat, okey,
                                                                   firmware):
    key, _, pub = okey
    inner = oracle.encode(firmware, key=key, version=(1, 2, 3, 4), kind="app", product=PRODUCT)
    for level in (0, 1, 6, 9):
        (tmp_path / "z.bin").write_bytes(compressed(key, inner, stream=deflate(inner, level)))
        p = lifeboat("verify", "--key", pub, "--product", PRODUCT, tmp_path / "z.bin")
        assert p.returncode == 0, (level, p.stderr)


def lies(key, other):
    """(name, compressed image, refusal) for every way to lie."""
    body = bytes(range(256)) * 40
    inner = oracle.encode(body, key=key, version=(1, 2, 3, 4), kind="app", product=PRODUCT)
    z = deflate(inner)
    sha = hashlib.sha256(inner).digest()
    bad_sha = bytes([sha[0] ^ 1]) + sha[1:]
    yield "sha", compressed(key, inner, sha=bad_sha), "does not hash to its DECOMP_SHA"
    yield "size", compressed(key, inner, size=len(inner) + 1), "DECOMP_SIZE bytes"
    yield "short size", compressed(key, inner, size=len(inner) - 1), "DECOMP_SIZE bytes"
    yield "version", compressed(key, inner, version=(1, 2, 3, 5)), "not the one it names"
    yield "product", compressed(key, oracle.encode(body, key=key, version=(1, 2, 3, 4),
                                                   kind="app", product="other"),
                                product=PRODUCT), "for product 'other'"
    yield "corrupt", compressed(key, inner, stream=z[:40] + bytes([z[40] ^ 0x55]) + z[41:]), None
    yield "trailing", compressed(key, inner, stream=z + b"\0"), "data after the image end"
    yield "truncated", compressed(key, inner, stream=z[:-3]), None
    yield "no TLVs", compressed(key, inner, decomp=False), "malformed tlv"
    yield "no flag", compressed(key, inner, flags=0), "malformed tlv"
    yield "inner unsigned", compressed(key, oracle.encode(body, version=(1, 2, 3, 4), kind="app",
                                                          product=PRODUCT)), "not signed"
    yield "inner other key", compressed(key, oracle.encode(body, key=other, version=(1, 2, 3, 4),
                                                           kind="app", product=PRODUCT)), \
        "untrusted key"
    yield "nested", compressed(key, compressed(key, inner)), "unsupported image flags"
    tail = inner + b"\xff" * 16
    yield "bytes after the inner image", compressed(key, tail), "DECOMP_SIZE bytes"


def test_every_lie_about_the_inflated_image_is_refused(tmp_path, lifeboat, okey):
    key, _, pub = okey
    other = oracle.new_key()
    for name, img, why in lies(key, other):
        (tmp_path / "z.bin").write_bytes(img)
        p = lifeboat("verify", "--key", pub, "--product", PRODUCT, tmp_path / "z.bin")
        assert p.returncode == 1, (name, p.stdout)
        assert why is None or why in p.stderr, (name, p.stderr)


def test_an_image_inside_for_another_product_is_refused_without_a_product_policy(
        tmp_path, lifeboat, okey):
    """No --product given: the policy takes any product, so only the
    agreement check can tell that the image inside names another one."""
    key, _, pub = okey
    inner = oracle.encode(b"y" * 3000, key=key, version=(1, 2, 3, 4), kind="app", product="other")
    (tmp_path / "z.bin").write_bytes(compressed(key, inner, product=PRODUCT))
    p = lifeboat("verify", "--key", pub, tmp_path / "z.bin")
    assert p.returncode == 1 and "not the one it names" in p.stderr, p.stderr


def test_a_compressed_image_inflating_past_the_slot_is_refused(tmp_path, lifeboat, okey):
    key, _, pub = okey
    inner = oracle.encode(b"\0" * 100000, key=key, version=(1, 2, 3, 4), kind="app",
                          product=PRODUCT)
    (tmp_path / "z.bin").write_bytes(compressed(key, inner))
    assert len(compressed(key, inner)) < 2000
    p = lifeboat("verify", "--key", pub, "--max-size", "65536", tmp_path / "z.bin")
    assert p.returncode == 1 and "out of range" in p.stderr, p.stderr
    p = lifeboat("verify", "--key", pub, "--max-size", "131072", tmp_path / "z.bin")
    assert p.returncode == 0, p.stderr


def test_publish_carries_a_compressed_image_and_refuses_a_lying_one(tmp_path, lifeboat, okey):
    key, _, pub = okey
    inner = oracle.encode(bytes(range(256)) * 40, key=key, version=(1, 2, 3, 4), kind="app",
                          product=PRODUCT)
    good = compressed(key, inner)
    (tmp_path / "z.bin").write_bytes(good)
    p = lifeboat("publish", "--key", pub, "--out", tmp_path / "site", tmp_path / "z.bin")
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "site" / "version.json").read_text())
    e = m["images"][0]
    assert (e["version"], e["size"]) == ("1.2.3+4", len(good))
    assert e["sha256"] == hashlib.sha256(good).hexdigest()
    assert (tmp_path / "site" / e["url"]).read_bytes() == good
    (tmp_path / "lie.bin").write_bytes(compressed(key, inner, version=(1, 2, 3, 5)))
    p = lifeboat("publish", "--key", pub, "--out", tmp_path / "site2", tmp_path / "lie.bin")
    assert p.returncode == 1 and "disagree" in p.stderr, p.stderr
    assert not (tmp_path / "site2" / "version.json").exists()


def test_push_says_recovery_takes_plain_images(tmp_path, lifeboat, okey):
    key, _, _ = okey
    inner = oracle.encode(b"x" * 3000, key=key, version=(1, 2, 3, 4), kind="app", product=PRODUCT)
    (tmp_path / "z.bin").write_bytes(compressed(key, inner))
    (tmp_path / "pw").write_text("secret\n")
    p = lifeboat("push", "--url", "http://127.0.0.1:9", "--user", "admin", "--password-file",
                 tmp_path / "pw", tmp_path / "z.bin")
    assert p.returncode == 1 and "without --compress" in p.stderr, p.stderr


def test_sign_compress_refuses_pad_to(tmp_path, lifeboat, okey, firmware):
    _, priv, _ = okey
    (tmp_path / "fw.bin").write_bytes(firmware)
    p = sign(lifeboat, priv, tmp_path / "fw.bin", tmp_path / "z.bin", "--compress", "--pad-to",
             "0x40000")
    assert p.returncode == 2 and "--pad-to" in p.stderr, p.stderr
    assert not (tmp_path / "z.bin").exists()
