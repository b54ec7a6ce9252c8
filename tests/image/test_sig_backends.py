"""The two ECDSA backends of lib/src/sig/ (BearSSL, the firmware default,
and mbedTLS) give the same answer for every input: valid signatures
(including high-S ones, which plain ECDSA accepts), crafted refusals
(zero, r or s >= n, a key off the curve or compressed, the point at
infinity's encoding, wrong DER lengths, non-zero padding) and a few hundred
random mutations, and every signature in the fuzzers' corpora (the
committed seeds and what make test-fuzz grew). Each backend runs alone in
its own checker (tests/image/sigcheck.c, built with the firmware
configuration)."""
import hashlib
import os
import random
import subprocess

import oracle
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


# ---- the fuzz corpora (tests/fuzz/corpus/, and what make test-fuzz grew) ----

G_KEY = bytes.fromhex(
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")  # fuzz_sig.c


def sig_corpus_case(data):
    """One fuzz_sig input as (key, digest, signature), or None when the
    target would skip it (tests/fuzz/fuzz_sig.c's format)."""
    if not data:
        return None
    mode, rest = data[0] & 3, data[1:]
    if mode == 0:
        key = G_KEY
    elif mode == 1:
        if len(rest) < 65:
            return None
        key, rest = G_KEY[:-65] + rest[:65], rest[65:]
    else:
        if not rest or len(rest) - 1 < rest[0]:
            return None
        key, rest = rest[1:1 + rest[0]], rest[1 + rest[0]:]
    if len(rest) < 32:
        return None
    return key, rest[:32], rest[32:]


def image_corpus_case(data):
    """A fuzz_image input's signature and image hash under the fuzzer's key
    (the first byte picks the policy), or None without both TLVs."""
    try:
        tlvs = dict(oracle.decode(data[1:])["tlvs"])
    except Exception:  # the corpus holds malformed images on purpose
        return None
    if oracle.T_ECDSA_SIG not in tlvs or len(tlvs.get(oracle.T_SHA256, b"")) != 32:
        return None
    return G_KEY, tlvs[oracle.T_SHA256], tlvs[oracle.T_ECDSA_SIG]


def corpus_files(*names):
    bases = [os.path.join(ROOT, "tests", "fuzz", "corpus", names[0])]
    bases += [os.path.join(ROOT, "build", "fuzz", "corpus", n) for n in names]
    for base in bases:
        if os.path.isdir(base):
            for f in sorted(os.listdir(base)):
                with open(os.path.join(base, f), "rb") as fh:
                    yield fh.read()


def test_sig_backends_agree_over_the_fuzz_corpora():
    """Every signature in the committed seeds of fuzz_sig and fuzz_image,
    and in the corpora the fuzzers grew in this build, gets one answer from
    both backends; the seeds' valid signatures are accepted."""
    cases = [c for c in map(sig_corpus_case, corpus_files("sig")) if c]
    cases += [c for c in map(image_corpus_case, corpus_files("image", "image_bearssl")) if c]
    cases = [c for c in cases if len(c[0]) <= 400 and len(c[2]) <= 400]  # sigcheck's buffers
    assert len(cases) >= 10, "the fuzz seeds are missing (tests/fuzz/corpus/sig, image)"
    a, b = check("bearssl", cases), check("mbedtls", cases)
    diff = [(k.hex(), h.hex(), s.hex(), x, y) for (k, h, s), x, y in zip(cases, a, b) if x != y]
    assert not diff, f"backends disagree (key, digest, sig, bearssl, mbedtls): {diff[:3]}"
    assert a.count(0) >= 5 and set(a) <= {0, LB_E_KEY, LB_E_SIG}
