"""Independent MCUboot-format image encoder/verifier (test oracle).

Written from the format description (MCUboot's image header and TLV
layout, brief section 6, issue 3) with python3-cryptography, not from
lifeboat's C code, to stand in for imgtool, which cannot be installed here.

    header (32 bytes, little-endian):
      u32 magic 0x96f3b83d, u32 load_addr, u16 hdr_size, u16 protect_tlv_size,
      u32 img_size, u32 flags, u8 major, u8 minor, u16 revision, u32 build,
      u32 pad
    then zero padding to hdr_size, body (img_size bytes),
    protected TLV area: u16 0x6908, u16 total (incl. these 4) + TLVs,
    TLV area:           u16 0x6907, u16 total (incl. these 4) + TLVs,
    TLV = u16 type, u16 len, value.
    SHA256 (0x10) = sha256(header + body + protected area),
    KEYHASH (0x01) = sha256(DER SubjectPublicKeyInfo),
    ECDSA_SIG (0x22) = DER ECDSA-SHA256 signature of the same bytes,
    SEC_CNT (0x50, protected) u32, KIND (0xA0, protected) u8, PRODUCT (0xA1,
    protected) UTF-8.
"""
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

MAGIC = 0x96F3B83D
PROT_MAGIC = 0x6908
TLV_MAGIC = 0x6907
T_KEYHASH, T_SHA256, T_ECDSA_SIG, T_SEC_CNT, T_KIND, T_PRODUCT = 0x01, 0x10, 0x22, 0x50, 0xA0, 0xA1
F_RAM_LOAD = 0x20
KINDS = {"app": 1, "recovery": 2}


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def write_keys(key, priv_path, pub_path):
    with open(priv_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(pub_path, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))


def load_public(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return serialization.load_pem_public_key(data)
    except ValueError:
        return serialization.load_pem_private_key(data, password=None).public_key()


def spki_der(pub):
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def tlv(t, value):
    return struct.pack("<HH", t, len(value)) + value


def encode(body, key=None, version=(1, 0, 0, 0), load_addr=0, flags=0, hdr_size=32,
           sec_cnt=None, kind=None, product=None, extra_prot=b"", sig_pad_to=None,
           claim_key=None):
    """Builds an image the way imgtool does; returns bytes. claim_key (a
    public key) puts that key's hash in the key-hash TLV instead of the
    signer's: a forgery that gets past the key-hash compare to the ECDSA
    check."""
    prot = b""
    if sec_cnt is not None:
        prot += tlv(T_SEC_CNT, struct.pack("<I", sec_cnt))
    if kind is not None:
        prot += tlv(T_KIND, bytes([KINDS[kind]]))
    if product is not None:
        prot += tlv(T_PRODUCT, product.encode("utf-8"))
    prot += extra_prot
    prot_area = struct.pack("<HH", PROT_MAGIC, len(prot) + 4) + prot if prot else b""
    major, minor, rev, build = version
    hdr = struct.pack("<IIHHIIBBHII", MAGIC, load_addr, hdr_size, len(prot_area), len(body),
                      flags, major, minor, rev, build, 0)
    hdr += bytes(hdr_size - len(hdr))
    payload = hdr + body + prot_area
    tlvs = tlv(T_SHA256, hashlib.sha256(payload).digest())
    if key is not None:
        claimed = claim_key or key.public_key()
        tlvs += tlv(T_KEYHASH, hashlib.sha256(spki_der(claimed)).digest())
        sig = key.sign(payload, ec.ECDSA(hashes.SHA256()))
        if sig_pad_to is not None:
            sig = sig + bytes(sig_pad_to - len(sig))
        tlvs += tlv(T_ECDSA_SIG, sig)
    return payload + struct.pack("<HH", TLV_MAGIC, len(tlvs) + 4) + tlvs


def _tlvs(area, start):
    out, off = [], start
    while off < len(area):
        t, n = struct.unpack_from("<HH", area, off)
        off += 4
        if off + n > len(area):
            raise ValueError("TLV overruns its area")
        out.append((t, area[off:off + n]))
        off += n
    return out


def decode(img):
    """Parses an image; returns a dict of header fields, TLV lists and the
    hashed payload. Raises ValueError on malformed framing."""
    if len(img) < 32:
        raise ValueError("short header")
    (magic, load_addr, hdr_size, prot_size, img_size, flags, major, minor, rev, build,
     _pad) = struct.unpack_from("<IIHHIIBBHII", img, 0)
    if magic != MAGIC:
        raise ValueError("bad magic")
    if hdr_size < 32:
        raise ValueError("bad header size")
    end = hdr_size + img_size
    prot = []
    if prot_size:
        m, tot = struct.unpack_from("<HH", img, end)
        if m != PROT_MAGIC or tot != prot_size:
            raise ValueError("bad protected TLV info")
        prot = _tlvs(img[end:end + prot_size], 4)
    hashed_end = end + prot_size
    m, tot = struct.unpack_from("<HH", img, hashed_end)
    if m != TLV_MAGIC or hashed_end + tot > len(img):
        raise ValueError("bad TLV info")
    tlvs = _tlvs(img[hashed_end:hashed_end + tot], 4)
    return {
        "load_addr": load_addr, "hdr_size": hdr_size, "protect_tlv_size": prot_size,
        "img_size": img_size, "flags": flags, "version": (major, minor, rev, build),
        "prot": prot, "tlvs": tlvs, "payload": img[:hashed_end],
        "total_size": hashed_end + tot,
    }


def verify(img, pub, product=None, kind=None):
    """Returns the decoded image if hash, key hash and signature by `pub`
    hold (and product/kind when given); raises ValueError otherwise."""
    d = decode(img)
    tl = dict(d["tlvs"])
    pt = dict(d["prot"])
    digest = hashlib.sha256(d["payload"]).digest()
    if tl.get(T_SHA256) != digest:
        raise ValueError("hash")
    if tl.get(T_KEYHASH) != hashlib.sha256(spki_der(pub)).digest():
        raise ValueError("keyhash")
    sig = tl.get(T_ECDSA_SIG)
    if sig is None:
        raise ValueError("unsigned")
    # DER length from the SEQUENCE header; anything after must be padding.
    der_len = 2 + sig[1]
    if sig[0] != 0x30 or any(sig[der_len:]):
        raise ValueError("signature encoding")
    r, s = utils.decode_dss_signature(sig[:der_len])
    try:
        pub.verify(utils.encode_dss_signature(r, s), digest,
                   ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise ValueError("signature")
    if product is not None and pt.get(T_PRODUCT) != product.encode():
        raise ValueError("product")
    if kind is not None and pt.get(T_KIND) != bytes([KINDS[kind]]):
        raise ValueError("kind")
    return d
