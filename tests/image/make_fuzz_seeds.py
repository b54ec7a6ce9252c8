#!/usr/bin/python3
"""Writes the seed corpus of fuzz_image (tests/fuzz/corpus/image/) with the
oracle encoder. Each seed = one policy-selector byte + an image. The key is
the P-256 key with private scalar 1, whose public key fuzz_image.c trusts,
so signed seeds reach the ECDSA code. With a second folder, also writes
the seeds of fuzz_sig (tests/fuzz/corpus/sig/: mode byte, key, digest,
signature under the same key; see tests/fuzz/fuzz_sig.c).
Usage: make_fuzz_seeds.py OUTDIR [SIG_OUTDIR]"""
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
key = ec.derive_private_key(1, ec.SECP256R1())
body = bytes(range(64))
SIG, PROD, KIND_APP, MAX4K = 16, 4, 1, 32

good = oracle.encode(body, key=key, version=(1, 2, 3, 4), sec_cnt=1, kind="app",
                     product="demo-sensor")
seeds = {
    "signed_app": (SIG | PROD | KIND_APP | 8, good),
    "signed_app_chunks": (SIG | PROD | KIND_APP | 0xC0, good),
    "signed_padded_sig": (SIG | MAX4K, oracle.encode(body, key=key, kind="recovery",
                                                     sig_pad_to=72, hdr_size=0x80)),
    "unsigned_hash_only": (PROD, oracle.encode(body, kind="app", product="demo-sensor")),
    "no_protected_area": (0, oracle.encode(body)),
    "vendor_tlv": (0x40, oracle.encode(body, extra_prot=oracle.tlv(0xB0, b"xyz"))),
    "unknown_protected": (0, oracle.encode(body, extra_prot=oracle.tlv(0x60, b"\0" * 4))),
    "sig_in_protected": (SIG, oracle.encode(body, key=key,
                                            extra_prot=oracle.tlv(0x22, b"\x30" + b"\0" * 69))),
    "truncated": (SIG, good[:-20]),
    "bad_magic": (0, b"\0" + good[1:]),
    "img_size_wrap": (MAX4K, good[:12] + struct.pack("<I", 0xFFFFFFF0) + good[16:]),
}
for name, (sel, img) in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([sel]) + img)
print(f"{len(seeds)} seeds in {out}")


def sig_seeds(out):
    """Valid signatures (plain, zero-padded, high-S) and near misses, in
    each of fuzz_sig's key modes."""
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    pub = key.public_key()
    spki = pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    point = spki[-65:]
    msg = b"lifeboat fuzz_sig"
    h = hashes.Hash(hashes.SHA256())
    h.update(msg)
    digest = h.finalize()
    r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA256())))
    sig = encode_dss_signature(r, s)
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    seeds = {
        "valid": b"\0" + digest + sig,
        "valid_padded": b"\0" + digest + sig + bytes(72 - len(sig)),
        "valid_high_s": b"\0" + digest + encode_dss_signature(r, n - s),
        "valid_point": b"\1" + point + digest + sig,
        "off_curve_point": b"\1" + off_curve + digest + sig,
        "valid_explicit_key": b"\2" + bytes([len(spki)]) + spki + digest + sig,
        "s_is_n": b"\0" + digest + encode_dss_signature(r, n),
        "r_is_zero": b"\0" + digest + encode_dss_signature(0, s),
        "other_digest": b"\0" + bytes(32) + sig,
    }
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


if len(sys.argv) > 2:
    sig_seeds(sys.argv[2])
