"""The two ECDSA backends of lib/src/sig/ (BearSSL, the firmware default,
and mbedTLS) give the same answer for every input: valid signatures
(including high-S ones, which plain ECDSA accepts), crafted refusals
(zero, r or s >= n, a key off the curve or compressed, the point at
infinity's encoding, wrong DER lengths, non-zero padding) and a few hundred
random mutations. Each backend runs alone in its own checker
(tests/image/sigcheck.c, built with the firmware configuration)."""
import hashlib
import os
import random
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIR = os.environ.get("IMAGE_SIGCHECK_DIR", os.path.join(ROOT, "build", "image"))
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
LB_E_KEY, LB_E_SIG = -15, -16


def spki(pub):
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def check(backend, cases):
    exe = os.path.join(DIR, f"sigcheck-{backend}")
    assert os.access(exe, os.X_OK), f"{exe} not built (make test-image)"
    lines = "".join(f"{k.hex() or '-'} {h.hex()} {s.hex() or '-'}\n" for k, h, s in cases)
    p = subprocess.run([exe], input=lines, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return [int(x) for x in p.stdout.split()]


@pytest.fixture(scope="module")
def material():
    rnd = random.Random(20261203)
    key = ec.derive_private_key(rnd.getrandbits(255) + 1, ec.SECP256R1())
    other = ec.derive_private_key(rnd.getrandbits(255) + 1, ec.SECP256R1())
    msg = b"lifeboat image"
    h = hashlib.sha256(msg).digest()
    r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA256())))
    return rnd, spki(key.public_key()), spki(other.public_key()), h, r, s


def der(r, s, pad=0):
    return encode_dss_signature(r, s) + bytes(pad)


def raw_der(r_bytes, s_bytes):
    body = b"\x02" + bytes([len(r_bytes)]) + r_bytes + b"\x02" + bytes([len(s_bytes)]) + s_bytes
    return b"\x30" + bytes([len(body)]) + body


def crafted(material):
    _, k, k2, h, r, s = material
    x = int.from_bytes(k[27:59], "big")
    off_curve = k[:27] + ((x + 1) % P).to_bytes(32, "big") + k[59:]
    big_x = k[:27] + P.to_bytes(32, "big") + k[59:]
    compressed = k[:26] + b"\x02" + k[27:]
    zero_point = k[:26] + bytes(65)
    return [
        ("valid", (k, h, der(r, s)), 0),
        ("valid, imgtool zero padding", (k, h, der(r, s, 8)), 0),
        ("high-S twin", (k, h, der(r, N - s)), 0),
        ("other key", (k2, h, der(r, s)), LB_E_SIG),
        ("other hash", (k, bytes(32), der(r, s)), LB_E_SIG),
        ("r zero", (k, h, der(0, s)), LB_E_SIG),
        ("s zero", (k, h, der(r, 0)), LB_E_SIG),
        ("r = n", (k, h, der(N, s)), LB_E_SIG),
        ("s = n", (k, h, der(r, N)), LB_E_SIG),
        ("r + n", (k, h, raw_der((r + N).to_bytes(33, "big").lstrip(b"\0").rjust(33, b"\0"),
                                  s.to_bytes(33, "big").lstrip(b"\0"))), LB_E_SIG),
        ("r = 2^256 - 1", (k, h, der(2**256 - 1, s)), LB_E_SIG),
        ("s = n - 1", (k, h, der(r, N - 1)), LB_E_SIG),
        ("non-zero padding", (k, h, der(r, s) + b"\x01"), LB_E_SIG),
        ("truncated", (k, h, der(r, s)[:-1]), LB_E_SIG),
        ("empty", (k, h, b""), LB_E_SIG),
        ("outer length too long", (k, h, bytes([0x30, der(r, s)[1] + 1]) + der(r, s)[2:]), LB_E_SIG),
        ("negative r", (k, h, raw_der(b"\x80" + bytes(31), s.to_bytes(32, "big"))), LB_E_SIG),
        ("non-minimal r", (k, h, raw_der(b"\x00\x01", s.to_bytes(32, "big"))), LB_E_SIG),
        ("key off the curve", (off_curve, h, der(r, s)), LB_E_KEY),
        ("key x = p", (big_x, h, der(r, s)), LB_E_KEY),
        ("key compressed tag", (compressed, h, der(r, s)), LB_E_KEY),
        ("key all zero (infinity)", (zero_point, h, der(r, s)), LB_E_KEY),
        ("key off the curve, s = n", (off_curve, h, der(r, N)), LB_E_KEY),
        ("key too short", (k[:-1], h, der(r, s)), LB_E_KEY),
    ]


def test_sig_backends_agree_on_crafted_inputs(material):
    cases = crafted(material)
    want = [c[2] for c in cases]
    for backend in ("bearssl", "mbedtls"):
        got = check(backend, [c[1] for c in cases])
        bad = [(c[0], g, w) for c, g, w in zip(cases, got, want) if g != w]
        assert not bad, f"{backend}: (case, got, want) {bad}"


def test_sig_backends_agree_on_mutated_signatures(material):
    rnd, k, _, h, r, s = material
    good = der(r, s, 8)
    cases = []
    for _ in range(300):
        sig = bytearray(good)
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(sig))
            sig[i] ^= 1 << rnd.randrange(8)
        cases.append((k, h, bytes(sig)))
    for _ in range(40):  # random scalars around the edges
        rr = rnd.choice([rnd.randrange(N), N - rnd.randrange(1, 4), rnd.randrange(1, 4)])
        cases.append((k, h, der(rr, s)))
    a, b = check("bearssl", cases), check("mbedtls", cases)
    assert a == b
    assert a.count(0) < len(cases) and set(a) <= {0, LB_E_SIG}
