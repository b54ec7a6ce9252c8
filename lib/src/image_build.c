/* MCUboot-format image builder (host CLI and tests), written against the
 * same constants and offsets as the verifier in image.c. Signing itself is
 * a callback, so lib/ needs no private-key code. */
#include <string.h>

#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"

int lb_image_tlv_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, const void *value,
                     size_t len)
{
    if (out == NULL || off == NULL || (value == NULL && len != 0)) {
        return LB_E_INVAL;
    }
    if (len > 0xFFFFu) {
        return LB_E_RANGE;
    }
    if (*off > cap || cap - *off < LB_IMAGE_TLV_HDR_SIZE + len) {
        return LB_E_NOSPACE;
    }
    lb_put_le16(out + *off, type);
    lb_put_le16(out + *off + 2, (uint16_t)len);
    if (len != 0) {
        memcpy(out + *off + LB_IMAGE_TLV_HDR_SIZE, value, len);
    }
    *off += LB_IMAGE_TLV_HDR_SIZE + len;
    return 0;
}

static void put_header(uint8_t *h, const lb_image_build_opts_t *o, uint32_t hdr_size,
                       uint32_t prot_size, uint32_t img_size)
{
    memset(h, 0, hdr_size);
    lb_put_le32(h + LB_IMAGE_OFF_MAGIC, LB_IMAGE_MAGIC);
    lb_put_le32(h + LB_IMAGE_OFF_LOAD_ADDR, o->load_addr);
    lb_put_le16(h + LB_IMAGE_OFF_HDR_SIZE, (uint16_t)hdr_size);
    lb_put_le16(h + LB_IMAGE_OFF_PROT_TLV_SIZE, (uint16_t)prot_size);
    lb_put_le32(h + LB_IMAGE_OFF_IMG_SIZE, img_size);
    lb_put_le32(h + LB_IMAGE_OFF_FLAGS, o->flags);
    h[LB_IMAGE_OFF_VER_MAJOR] = o->version.major;
    h[LB_IMAGE_OFF_VER_MINOR] = o->version.minor;
    lb_put_le16(h + LB_IMAGE_OFF_VER_REVISION, o->version.revision);
    lb_put_le32(h + LB_IMAGE_OFF_VER_BUILD, o->version.build);
}

int lb_image_build(const uint8_t *body, size_t body_len, const lb_image_build_opts_t *o,
                   uint8_t *out, size_t cap)
{
    if (o == NULL || out == NULL || (body == NULL && body_len != 0)) {
        return LB_E_INVAL;
    }
    uint32_t hdr_size = o->hdr_size != 0 ? o->hdr_size : LB_IMAGE_HEADER_SIZE;
    size_t product_len = o->product != NULL ? strlen(o->product) : 0;
    uint32_t deflate = o->decomp_sha256 != NULL ? LB_IMAGE_F_DEFLATE : 0u;
    if (hdr_size < LB_IMAGE_HEADER_SIZE || (o->flags & LB_IMAGE_F_UNSUPPORTED & ~deflate) ||
        (o->flags & LB_IMAGE_F_DEFLATE) != deflate ||
        (o->kind != 0 && o->kind != LB_IMAGE_KIND_APP && o->kind != LB_IMAGE_KIND_RECOVERY) ||
        (o->product != NULL && (product_len == 0 || product_len > LB_IMAGE_PRODUCT_MAX)) ||
        (o->key_der != NULL && (o->key_der_len == 0 || o->sign == NULL))) {
        return LB_E_INVAL;
    }
    if (hdr_size > 0xFFFFu || body_len > 0x7FFFFFFFu) {
        return LB_E_RANGE;
    }
    size_t off = (size_t)hdr_size + body_len;
    if (off > cap) {
        return LB_E_NOSPACE;
    }
    memmove(out + hdr_size, body, body_len);

    /* Protected area: only written when it holds something (as imgtool). */
    size_t prot_start = off;
    if (o->has_security_counter || o->kind != 0 || o->product != NULL || deflate) {
        if (cap - off < LB_IMAGE_TLV_INFO_SIZE) {
            return LB_E_NOSPACE;
        }
        off += LB_IMAGE_TLV_INFO_SIZE;
        int rc = 0;
        if (o->has_security_counter) {
            uint8_t v[4];
            lb_put_le32(v, o->security_counter);
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_SEC_CNT, v, sizeof(v));
        }
        if (rc == 0 && o->kind != 0) {
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_KIND, &o->kind, 1);
        }
        if (rc == 0 && o->product != NULL) {
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_PRODUCT, o->product, product_len);
        }
        if (rc == 0 && deflate) {
            uint8_t v[4];
            lb_put_le32(v, o->decomp_size);
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_DECOMP_SIZE, v, sizeof(v));
        }
        if (rc == 0 && deflate) {
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_DECOMP_SHA, o->decomp_sha256,
                                  LB_IMAGE_HASH_SIZE);
        }
        if (rc != 0) {
            return rc;
        }
        lb_put_le16(out + prot_start, LB_IMAGE_TLV_PROT_INFO_MAGIC);
        lb_put_le16(out + prot_start + 2, (uint16_t)(off - prot_start));
    }
    uint32_t prot_size = (uint32_t)(off - prot_start);
    put_header(out, o, hdr_size, prot_size, (uint32_t)body_len);

    uint8_t hash[LB_IMAGE_HASH_SIZE];
    int rc = lb_image_sha256(out, off, hash);
    if (rc != 0) {
        return rc;
    }

    /* Unprotected area: SHA256, then KEYHASH and ECDSA_SIG (imgtool's order). */
    size_t info = off;
    if (cap - off < LB_IMAGE_TLV_INFO_SIZE) {
        return LB_E_NOSPACE;
    }
    off += LB_IMAGE_TLV_INFO_SIZE;
    rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_SHA256, hash, sizeof(hash));
    if (rc == 0 && o->key_der != NULL) {
        uint8_t key_hash[LB_IMAGE_HASH_SIZE];
        uint8_t sig[LB_IMAGE_SIG_MAX];
        rc = lb_image_sha256(o->key_der, o->key_der_len, key_hash);
        if (rc == 0) {
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_KEYHASH, key_hash, sizeof(key_hash));
        }
        if (rc == 0) {
            int n = o->sign(o->sign_arg, hash, sig, sizeof(sig));
            if (n < 0) {
                return n;
            }
            if (n == 0 || (size_t)n > sizeof(sig)) {
                return LB_E_SIG;
            }
            rc = lb_image_tlv_put(out, cap, &off, LB_IMAGE_TLV_ECDSA_SIG, sig, (size_t)n);
        }
    }
    if (rc != 0) {
        return rc;
    }
    if (off - info > 0xFFFFu || off > 0x7FFFFFFFu) {
        return LB_E_RANGE;
    }
    lb_put_le16(out + info, LB_IMAGE_TLV_INFO_MAGIC);
    lb_put_le16(out + info + 2, (uint16_t)(off - info));
    return (int)off;
}
