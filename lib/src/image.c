/* MCUboot-format image verifier. One streaming state machine: the image is
 * a sequence of segments (header, header padding, body, TLV infos, TLV
 * headers, TLV values); bytes are hashed while they belong to the hashed
 * region and copied to where the verifier needs them only for the
 * segments it reads. lb_image_verify feeds a whole buffer through it.
 *
 * Written for size (the loader links it): the TLVs lifeboat reads are a
 * table, the header fields another (lb/record.h), and every decision is
 * taken once, when its segment is complete. */
#include <string.h>

#include "image_sig.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lb/record.h"

#include <mbedtls/sha256.h>

/* States in image order. Everything before ST_INFO is the image hash's;
 * every byte before ST_DONE is the file hash's (the same running SHA-256,
 * copied when the image hash ends). ST_PINFO up to ST_INFO is the
 * protected TLV area, and each unprotected TLV state is its protected
 * twin + PROT_TO_PLAIN. */
enum {
    ST_HDR,      /* 32-byte fixed header (stored, hashed) */
    ST_HDR_PAD,  /* hdr_size - 32 (hashed) */
    ST_BODY,     /* img_size (hashed) */
    ST_PINFO,    /* protected TLV info (stored, hashed; empty when there is none) */
    ST_PTLV_HDR, /* protected TLV type/len (stored, hashed) */
    ST_PTLV_VAL, /* protected TLV value (hashed, stored when read) */
    ST_INFO,     /* TLV info (stored) */
    ST_TLV_HDR,  /* TLV type/len (stored) */
    ST_TLV_VAL,  /* TLV value (stored when read) */
    ST_DONE,     /* everything after the image is ignored */
    PROT_TO_PLAIN = ST_TLV_HDR - ST_PTLV_HDR,
};

/* The TLVs lifeboat reads, in the order of their `seen` bits. */
enum { T_SHA256, T_KEYHASH, T_SIG, T_SEC_CNT, T_KIND, T_PRODUCT, T_DSIZE, T_DSHA, T_COUNT };

typedef struct {
    const lb_image_policy_t *policy;
    lb_image_tlv_cb_t cb;
    void *cb_arg;
    mbedtls_sha256_context sha;
    lb_image_info_t info;
    int err;
    uint32_t pos;       /* image offset of the next byte */
    uint32_t seg_left;  /* bytes left in the current segment */
    uint32_t area_left; /* bytes of the current TLV area after the current segment */
    uint32_t limit;     /* the image must end at or before this offset (the slot) */
    uint32_t room;      /* ... and fit this many bytes of load area from its load address */
    uint8_t *dst;       /* where the current segment's bytes go, or NULL */
    uint16_t tlv_len;
    uint8_t tlv;  /* T_* of the current TLV value, or T_COUNT */
    uint8_t seen; /* 1 << T_* for every TLV met */
    uint8_t state;
    uint8_t sig_len;
    uint8_t buf[LB_IMAGE_HEADER_SIZE]; /* header, infos, TLV headers, small values */
    uint8_t sha_tlv[LB_IMAGE_HASH_SIZE];
    uint8_t keyhash[LB_IMAGE_HASH_SIZE];
    uint8_t sig[LB_IMAGE_SIG_MAX];
} lb_stream_t;

_Static_assert(sizeof(lb_stream_t) <= LB_IMAGE_STREAM_CTX_SIZE, "grow LB_IMAGE_STREAM_CTX_SIZE");
_Static_assert(_Alignof(lb_stream_t) <= _Alignof(uint64_t), "stream context alignment");
_Static_assert(LB_IMAGE_PRODUCT_MAX <= LB_IMAGE_HEADER_SIZE, "product id fits the small buffer");

/* Where each TLV must be, how long it may be, where its value goes. */
static const struct {
    uint8_t type;
    uint8_t prot; /* 1: protected area only, 0: unprotected area only */
    uint8_t min, max;
    uint16_t dst; /* offset of the value's destination in lb_stream_t */
} tlv_rules[T_COUNT] = {
    [T_SHA256] = {LB_IMAGE_TLV_SHA256, 0, LB_IMAGE_HASH_SIZE, LB_IMAGE_HASH_SIZE,
                  offsetof(lb_stream_t, sha_tlv)},
    [T_KEYHASH] = {LB_IMAGE_TLV_KEYHASH, 0, LB_IMAGE_HASH_SIZE, LB_IMAGE_HASH_SIZE,
                   offsetof(lb_stream_t, keyhash)},
    [T_SIG] = {LB_IMAGE_TLV_ECDSA_SIG, 0, 8, LB_IMAGE_SIG_MAX, offsetof(lb_stream_t, sig)},
    [T_SEC_CNT] = {LB_IMAGE_TLV_SEC_CNT, 1, 4, 4, offsetof(lb_stream_t, buf)},
    [T_KIND] = {LB_IMAGE_TLV_KIND, 1, 1, 1, offsetof(lb_stream_t, buf)},
    [T_PRODUCT] = {LB_IMAGE_TLV_PRODUCT, 1, 1, LB_IMAGE_PRODUCT_MAX, offsetof(lb_stream_t, buf)},
    [T_DSIZE] = {LB_IMAGE_TLV_DECOMP_SIZE, 1, 4, 4, offsetof(lb_stream_t, buf)},
    [T_DSHA] = {LB_IMAGE_TLV_DECOMP_SHA, 1, LB_IMAGE_HASH_SIZE, LB_IMAGE_HASH_SIZE,
                offsetof(lb_stream_t, info) + offsetof(lb_image_info_t, decomp_hash)},
};
_Static_assert(T_COUNT <= 8, "one `seen` bit per TLV read");

/* The fixed header after its magic (image.h's offsets). */
#define H(off, width, member) LB_FIELD_AS(off, width, lb_image_info_t, member)
static const lb_field_t hdr_fields[] = {
    H(LB_IMAGE_OFF_LOAD_ADDR, 4, load_addr),
    H(LB_IMAGE_OFF_HDR_SIZE, 2, hdr_size),
    H(LB_IMAGE_OFF_PROT_TLV_SIZE, 2, protect_tlv_size),
    H(LB_IMAGE_OFF_IMG_SIZE, 4, img_size),
    H(LB_IMAGE_OFF_FLAGS, 4, flags),
    H(LB_IMAGE_OFF_VER_MAJOR, 1, version.major),
    H(LB_IMAGE_OFF_VER_MINOR, 1, version.minor),
    H(LB_IMAGE_OFF_VER_REVISION, 2, version.revision),
    H(LB_IMAGE_OFF_VER_BUILD, 4, version.build),
};
#undef H

static lb_stream_t *ctx(lb_image_stream_t *s)
{
    return (lb_stream_t *)(void *)s->opaque.bytes;
}

static const lb_stream_t *cctx(const lb_image_stream_t *s)
{
    return (const lb_stream_t *)(const void *)s->opaque.bytes;
}

static void segment(lb_stream_t *c, uint8_t state, uint32_t len, uint8_t *dst)
{
    c->state = state;
    c->seg_left = len;
    c->dst = dst;
}

/* The steps below act on a completed segment and set up the next one.
 * Each returns 0 or the error that stops the stream (errors are sticky:
 * the stream takes no byte after one). */

static int parse_header(lb_stream_t *c)
{
    lb_image_info_t *in = &c->info;
    if (lb_get_le32(c->buf + LB_IMAGE_OFF_MAGIC) != LB_IMAGE_MAGIC) {
        return LB_E_MAGIC;
    }
    lb_fields_get(in, c->buf, hdr_fields, sizeof hdr_fields / sizeof hdr_fields[0]);
    if (in->hdr_size < LB_IMAGE_HEADER_SIZE) {
        return LB_E_SIZE;
    }
    const lb_image_policy_t *p = c->policy;
    if (in->flags & LB_IMAGE_F_UNSUPPORTED & ~(p->accept_deflate ? LB_IMAGE_F_DEFLATE : 0u)) {
        return LB_E_FLAGS;
    }
    if (p->load_size != 0) {
        /* Refused here, not only when the loader copies it: an installer
         * must not accept what the loader would never start. */
        uint32_t rel = in->load_addr - p->load_base;
        if (in->load_addr < p->load_base || rel >= p->load_size) {
            return LB_E_LOADAREA;
        }
        c->room = p->load_size - rel;
    }
    if (in->protect_tlv_size != 0 && in->protect_tlv_size < LB_IMAGE_TLV_INFO_SIZE) {
        return LB_E_TLV;
    }
    /* Header + body + protected area + a TLV info must fit the slot
     * (64-bit sum: nothing wraps). */
    if ((uint64_t)in->hdr_size + in->img_size + in->protect_tlv_size + LB_IMAGE_TLV_INFO_SIZE >
        c->limit) {
        return LB_E_RANGE;
    }
    if ((uint64_t)in->hdr_size + in->img_size + in->protect_tlv_size + LB_IMAGE_TLV_INFO_SIZE >
        c->room) {
        return LB_E_LOADAREA;
    }
    segment(c, ST_HDR_PAD, in->hdr_size - LB_IMAGE_HEADER_SIZE, NULL);
    return 0;
}

/* Moves to the next TLV of the current area, or past the area. */
static int tlv_next(lb_stream_t *c, int prot)
{
    if (c->area_left == 0) {
        if (!prot) {
            segment(c, ST_DONE, 0, NULL);
            return mbedtls_sha256_finish_ret(&c->sha, c->info.file_hash) != 0 ? LB_E_HASH : 0;
        }
        segment(c, ST_INFO, LB_IMAGE_TLV_INFO_SIZE, c->buf);
        /* The image hash ends here; the file hash runs on over the TLVs. */
        mbedtls_sha256_context image = c->sha;
        return mbedtls_sha256_finish_ret(&image, c->info.hash) != 0 ? LB_E_HASH : 0;
    }
    if (c->area_left < LB_IMAGE_TLV_HDR_SIZE) {
        return LB_E_TLV;
    }
    c->area_left -= LB_IMAGE_TLV_HDR_SIZE;
    segment(c, (uint8_t)(ST_PTLV_HDR + (prot ? 0 : PROT_TO_PLAIN)), LB_IMAGE_TLV_HDR_SIZE, c->buf);
    return 0;
}

/* Classifies a TLV header: refuses misplaced, unknown, duplicate or wrongly
 * sized TLVs and decides where its value goes. */
static int tlv_header(lb_stream_t *c, int prot)
{
    uint16_t type = lb_get_le16(c->buf);
    uint16_t len = lb_get_le16(c->buf + 2);
    if (len > c->area_left) {
        return LB_E_TLV;
    }
    c->area_left -= len;
    c->tlv_len = len;
    unsigned t = 0;
    while (t < T_COUNT && tlv_rules[t].type != type) {
        t++;
    }
    c->tlv = (uint8_t)t;
    uint8_t *dst = NULL;
    if (t < T_COUNT) {
        if (tlv_rules[t].prot != prot) {
            return LB_E_TLVPLACE;
        }
        if (len < tlv_rules[t].min || len > tlv_rules[t].max || (c->seen & (1u << t))) {
            return LB_E_TLV;
        }
        c->seen |= (uint8_t)(1u << t);
        dst = (uint8_t *)c + tlv_rules[t].dst;
    } else if (prot && type < LB_IMAGE_TLV_VENDOR_MIN) {
        /* MCUboot's protected TLVs lifeboat does not implement (dependency,
         * boot record, ...) change what an image means: refuse them. */
        return LB_E_TLVUNKNOWN;
    }
    if (c->cb != NULL) {
        c->cb(c->cb_arg, prot != 0, type, len, c->pos);
    }
    segment(c, (uint8_t)(c->state + 1), len, dst);
    return 0;
}

/* Acts on a TLV value lifeboat reads (now at its destination). */
static int tlv_value(lb_stream_t *c)
{
    lb_image_info_t *in = &c->info;
    const uint8_t *v = c->buf;
    unsigned len = c->tlv_len;
    switch (c->tlv) {
    case T_SIG:
        c->sig_len = (uint8_t)len;
        in->has_signature = true;
        break;
    case T_SEC_CNT:
        in->security_counter = lb_get_le32(v);
        in->has_security_counter = true;
        break;
    case T_DSIZE:
        in->decomp_size = lb_get_le32(v);
        break;
    case T_KIND:
        if (v[0] != LB_IMAGE_KIND_APP && v[0] != LB_IMAGE_KIND_RECOVERY) {
            return LB_E_TLV;
        }
        in->kind = v[0];
        break;
    case T_PRODUCT:
        /* A NUL inside would make the id compare equal to a shorter one. */
        for (unsigned i = 0; i < len; i++) {
            if (v[i] == 0) {
                return LB_E_TLV;
            }
        }
        memcpy(in->product, v, len);
        in->product[len] = '\0';
        break;
    default:
        break;
    }
    return 0;
}

static int segment_done(lb_stream_t *c)
{
    lb_image_info_t *in = &c->info;
    int prot = c->state < ST_INFO;
    uint16_t tot = lb_get_le16(c->buf + 2);
    int rc;
    switch (c->state) {
    case ST_HDR:
        return parse_header(c);
    case ST_HDR_PAD:
        segment(c, ST_BODY, in->img_size, NULL);
        return 0;
    case ST_BODY:
        /* No protected area: an empty info, then straight to the TLVs. */
        segment(c, ST_PINFO, in->protect_tlv_size ? LB_IMAGE_TLV_INFO_SIZE : 0, c->buf);
        return 0;
    case ST_PINFO:
        c->area_left = 0;
        if (in->protect_tlv_size != 0) {
            if (lb_get_le16(c->buf) != LB_IMAGE_TLV_PROT_INFO_MAGIC ||
                tot != in->protect_tlv_size) {
                return LB_E_TLV;
            }
            c->area_left = tot - LB_IMAGE_TLV_INFO_SIZE;
        }
        return tlv_next(c, 1);
    case ST_INFO:
        if (lb_get_le16(c->buf) != LB_IMAGE_TLV_INFO_MAGIC || tot < LB_IMAGE_TLV_INFO_SIZE) {
            return LB_E_TLV;
        }
        /* pos is the end of the info; the area started 4 bytes earlier and
         * must end inside the limit (64-bit sum: nothing wraps). */
        if ((uint64_t)c->pos - LB_IMAGE_TLV_INFO_SIZE + tot > c->limit) {
            return LB_E_RANGE;
        }
        if ((uint64_t)c->pos - LB_IMAGE_TLV_INFO_SIZE + tot > c->room) {
            return LB_E_LOADAREA;
        }
        in->total_size = c->pos - LB_IMAGE_TLV_INFO_SIZE + tot;
        c->area_left = tot - LB_IMAGE_TLV_INFO_SIZE;
        return tlv_next(c, 0);
    case ST_PTLV_HDR:
    case ST_TLV_HDR:
        return tlv_header(c, prot);
    case ST_PTLV_VAL:
    case ST_TLV_VAL:
        rc = tlv_value(c);
        return rc != 0 ? rc : tlv_next(c, prot);
    default:
        return 0;
    }
}

int lb_image_stream_init(lb_image_stream_t *s, const lb_image_policy_t *policy)
{
    if (s == NULL || policy == NULL) {
        return LB_E_INVAL;
    }
    lb_stream_t *c = ctx(s);
    memset(c, 0, sizeof(*c));
    c->policy = policy;
    c->limit = policy->max_size != 0 ? policy->max_size : UINT32_MAX;
    c->room = UINT32_MAX;
    mbedtls_sha256_init(&c->sha);
    if (mbedtls_sha256_starts_ret(&c->sha, 0) != 0) {
        c->err = LB_E_HASH;
    }
    segment(c, ST_HDR, LB_IMAGE_HEADER_SIZE, c->buf);
    return 0;
}

int lb_image_stream_observe(lb_image_stream_t *s, lb_image_tlv_cb_t cb, void *arg)
{
    if (s == NULL) {
        return LB_E_INVAL;
    }
    ctx(s)->cb = cb;
    ctx(s)->cb_arg = arg;
    return 0;
}

int lb_image_stream_update(lb_image_stream_t *s, const uint8_t *data, size_t len)
{
    if (s == NULL || (data == NULL && len != 0)) {
        return LB_E_INVAL;
    }
    lb_stream_t *c = ctx(s);
    while (c->err == 0 && c->state != ST_DONE) {
        /* Complete empty segments (zero padding, empty body, empty value). */
        if (c->seg_left == 0) {
            c->err = segment_done(c);
            continue;
        }
        if (len == 0) {
            break;
        }
        uint32_t n = c->seg_left;
        if (len < n) {
            n = (uint32_t)len;
        }
        if (mbedtls_sha256_update_ret(&c->sha, data, n) != 0) {
            c->err = LB_E_HASH;
            break;
        }
        if (c->dst != NULL) {
            memcpy(c->dst, data, n); /* stored segments fit their destination */
            c->dst += n;
        }
        c->pos += n;
        c->seg_left -= n;
        data += n;
        len -= n;
    }
    return c->err;
}

uint32_t lb_image_stream_total(const lb_image_stream_t *s)
{
    return s == NULL ? 0 : cctx(s)->info.total_size;
}

/* strcmp() == 0 without pulling newlib's large strcmp into the loader. */
static bool same_str(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int finish_checks(lb_stream_t *c)
{
    const lb_image_policy_t *p = c->policy;
    lb_image_info_t *in = &c->info;
    if (c->err != 0) {
        return c->err;
    }
    if (c->state != ST_DONE) {
        return LB_E_TRUNCATED;
    }
    if (!(c->seen & (1u << T_SHA256)) || memcmp(c->sha_tlv, in->hash, LB_IMAGE_HASH_SIZE) != 0) {
        return LB_E_HASH;
    }
    in->hash_ok = true;
    /* A compressed image names what it inflates to; a plain one does not. */
    unsigned decomp = c->seen & (1u << T_DSIZE | 1u << T_DSHA);
    if (decomp != ((in->flags & LB_IMAGE_F_DEFLATE) ? (1u << T_DSIZE | 1u << T_DSHA) : 0u)) {
        return LB_E_TLV;
    }
    if (p->require_signature) {
        uint8_t key_hash[LB_IMAGE_HASH_SIZE];
        if (!lb_image_sig_supported) {
            return LB_E_UNSUPPORTED;
        }
        if (p->key_der == NULL || p->key_der_len == 0) {
            return LB_E_KEY;
        }
        if (!(c->seen & (1u << T_SIG))) {
            return LB_E_UNSIGNED;
        }
        if (!(c->seen & (1u << T_KEYHASH)) ||
            lb_image_sha256(p->key_der, p->key_der_len, key_hash) != 0 ||
            memcmp(key_hash, c->keyhash, LB_IMAGE_HASH_SIZE) != 0) {
            return LB_E_KEY;
        }
    }
    /* The policy's cheap checks before the signature's ~30 M instructions:
     * these fields are covered by the hash that already matched, and a
     * refusal is a refusal whichever check finds it first. */
    if (p->kind != LB_IMAGE_KIND_ANY && in->kind != p->kind) {
        return LB_E_KIND;
    }
    if (p->product != NULL && !same_str(p->product, in->product)) {
        return LB_E_PRODUCT;
    }
    if (in->security_counter < p->min_security_counter) {
        return LB_E_SECCNT;
    }
    if (p->require_signature) {
        int rc = lb_image_sig_verify(p->key_der, p->key_der_len, in->hash, c->sig, c->sig_len);
        if (rc != 0) {
            return rc;
        }
        in->signature_ok = true;
    }
    return 0;
}

int lb_image_stream_finish(lb_image_stream_t *s, lb_image_info_t *info)
{
    if (s == NULL) {
        return LB_E_INVAL;
    }
    lb_stream_t *c = ctx(s);
    if (c->policy == NULL) {
        return LB_E_INVAL;
    }
    int rc = finish_checks(c);
    mbedtls_sha256_free(&c->sha);
    if (info != NULL) {
        *info = c->info;
    }
    c->err = rc != 0 ? rc : LB_E_STATE; /* a finished stream takes no more bytes */
    c->policy = NULL;
    return rc;
}

int lb_image_verify(const uint8_t *image, size_t len, const lb_image_policy_t *policy,
                    lb_image_info_t *info)
{
    lb_image_stream_t s;
    int rc = lb_image_stream_init(&s, policy);
    if (rc != 0) {
        return rc;
    }
    if (image == NULL && len != 0) {
        return LB_E_INVAL;
    }
    (void)lb_image_stream_update(&s, image, len); /* finish reports the sticky error */
    return lb_image_stream_finish(&s, info);
}

int lb_image_sha256(const uint8_t *data, size_t len, uint8_t out[LB_IMAGE_HASH_SIZE])
{
    if ((data == NULL && len != 0) || out == NULL) {
        return LB_E_INVAL;
    }
    return mbedtls_sha256_ret(data, len, out, 0) == 0 ? 0 : LB_E_HASH;
}
