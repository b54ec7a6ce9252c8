/* MCUboot-format image verifier. One streaming state machine: the image is
 * a sequence of segments (header, header padding, body, TLV infos, TLV
 * headers, TLV values); bytes are hashed while they belong to the hashed
 * region and collected into a small buffer only where the verifier needs
 * their value. lb_image_verify feeds a whole buffer through it. */
#include <string.h>

#include "image_sig.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"

#include <mbedtls/sha256.h>

enum {
    ST_HDR,      /* 32-byte fixed header (stored, hashed) */
    ST_HDR_PAD,  /* hdr_size - 32 (hashed) */
    ST_BODY,     /* img_size (hashed) */
    ST_PINFO,    /* protected TLV info (stored, hashed) */
    ST_PTLV_HDR, /* protected TLV type/len (stored, hashed) */
    ST_PTLV_VAL, /* protected TLV value (hashed, stored when read) */
    ST_INFO,     /* TLV info (stored) */
    ST_TLV_HDR,  /* TLV type/len (stored) */
    ST_TLV_VAL,  /* TLV value (stored when read) */
    ST_DONE,     /* everything after the image is ignored */
};

/* TLVs seen, to refuse duplicates and find missing ones. */
enum {
    SEEN_SHA256 = 1u << 0,
    SEEN_KEYHASH = 1u << 1,
    SEEN_SIG = 1u << 2,
    SEEN_SEC_CNT = 1u << 3,
    SEEN_KIND = 1u << 4,
    SEEN_PRODUCT = 1u << 5,
};

#define BUF_SIZE LB_IMAGE_SIG_MAX
_Static_assert(BUF_SIZE >= LB_IMAGE_HEADER_SIZE && BUF_SIZE >= LB_IMAGE_PRODUCT_MAX,
               "stream buffer holds every stored segment");

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
    uint32_t limit;     /* the image must end at or before this offset */
    uint16_t tlv_type;
    uint16_t tlv_len;
    uint16_t have; /* bytes stored into buf for the current segment */
    uint16_t seen;
    uint8_t state;
    uint8_t store; /* the current segment is collected into buf */
    uint8_t sig_len;
    uint8_t buf[BUF_SIZE];
    uint8_t sha_tlv[LB_IMAGE_HASH_SIZE];
    uint8_t keyhash[LB_IMAGE_HASH_SIZE];
    uint8_t sig[LB_IMAGE_SIG_MAX];
} lb_stream_t;

_Static_assert(sizeof(lb_stream_t) <= LB_IMAGE_STREAM_CTX_SIZE, "grow LB_IMAGE_STREAM_CTX_SIZE");
_Static_assert(_Alignof(lb_stream_t) <= _Alignof(uint64_t), "stream context alignment");

static lb_stream_t *ctx(lb_image_stream_t *s)
{
    return (lb_stream_t *)(void *)s->opaque.bytes;
}

static const lb_stream_t *cctx(const lb_image_stream_t *s)
{
    return (const lb_stream_t *)(const void *)s->opaque.bytes;
}

static void segment(lb_stream_t *c, uint8_t state, uint32_t len, uint8_t store)
{
    c->state = state;
    c->seg_left = len;
    c->store = store;
    c->have = 0;
}

static void fail(lb_stream_t *c, int err)
{
    if (c->err == 0) {
        c->err = err;
    }
}

/* a + b <= limit, without wrapping. */
static int fits(uint32_t a, uint32_t b, uint32_t limit)
{
    return a <= limit && b <= limit - a;
}

static void parse_header(lb_stream_t *c)
{
    const uint8_t *h = c->buf;
    lb_image_info_t *in = &c->info;
    if (lb_get_le32(h + LB_IMAGE_OFF_MAGIC) != LB_IMAGE_MAGIC) {
        fail(c, LB_E_MAGIC);
        return;
    }
    in->load_addr = lb_get_le32(h + LB_IMAGE_OFF_LOAD_ADDR);
    in->hdr_size = lb_get_le16(h + LB_IMAGE_OFF_HDR_SIZE);
    in->protect_tlv_size = lb_get_le16(h + LB_IMAGE_OFF_PROT_TLV_SIZE);
    in->img_size = lb_get_le32(h + LB_IMAGE_OFF_IMG_SIZE);
    in->flags = lb_get_le32(h + LB_IMAGE_OFF_FLAGS);
    in->version.major = h[LB_IMAGE_OFF_VER_MAJOR];
    in->version.minor = h[LB_IMAGE_OFF_VER_MINOR];
    in->version.revision = lb_get_le16(h + LB_IMAGE_OFF_VER_REVISION);
    in->version.build = lb_get_le32(h + LB_IMAGE_OFF_VER_BUILD);
    if (in->hdr_size < LB_IMAGE_HEADER_SIZE) {
        fail(c, LB_E_SIZE);
        return;
    }
    if (in->flags & LB_IMAGE_F_UNSUPPORTED) {
        fail(c, LB_E_UNSUPPORTED);
        return;
    }
    if (in->protect_tlv_size != 0 && in->protect_tlv_size < LB_IMAGE_TLV_INFO_SIZE) {
        fail(c, LB_E_TLV);
        return;
    }
    /* Header + body + protected area + at least a TLV info must fit the
     * slot, computed without wrapping. */
    uint32_t end = in->hdr_size;
    if (!fits(end, in->img_size, c->limit)) {
        fail(c, LB_E_RANGE);
        return;
    }
    end += in->img_size;
    if (!fits(end, in->protect_tlv_size, c->limit)) {
        fail(c, LB_E_RANGE);
        return;
    }
    end += in->protect_tlv_size;
    if (!fits(end, LB_IMAGE_TLV_INFO_SIZE, c->limit)) {
        fail(c, LB_E_RANGE);
        return;
    }
    segment(c, ST_HDR_PAD, in->hdr_size - LB_IMAGE_HEADER_SIZE, 0);
}

static void hash_done(lb_stream_t *c)
{
    if (mbedtls_sha256_finish_ret(&c->sha, c->info.hash) != 0) {
        fail(c, LB_E_HASH);
    }
}

/* Moves to the next TLV of the current area, or past the area. */
static void tlv_next(lb_stream_t *c, int protected_area)
{
    if (c->area_left == 0) {
        if (protected_area) {
            hash_done(c);
            segment(c, ST_INFO, LB_IMAGE_TLV_INFO_SIZE, 1);
        } else {
            segment(c, ST_DONE, 0, 0);
        }
        return;
    }
    if (c->area_left < LB_IMAGE_TLV_HDR_SIZE) {
        fail(c, LB_E_TLV);
        return;
    }
    c->area_left -= LB_IMAGE_TLV_HDR_SIZE;
    segment(c, protected_area ? ST_PTLV_HDR : ST_TLV_HDR, LB_IMAGE_TLV_HDR_SIZE, 1);
}

/* Classifies a TLV header: refuses misplaced, unknown, duplicate or wrongly
 * sized TLVs and decides whether its value is collected. */
static void tlv_header(lb_stream_t *c, int protected_area)
{
    uint16_t type = lb_get_le16(c->buf);
    uint16_t len = lb_get_le16(c->buf + 2);
    if (len > c->area_left) {
        fail(c, LB_E_TLV);
        return;
    }
    c->area_left -= len;
    c->tlv_type = type;
    c->tlv_len = len;

    uint16_t bit = 0;
    int len_ok = 1;
    int place_ok = 1;
    switch (type) {
    case LB_IMAGE_TLV_SHA256:
        bit = SEEN_SHA256;
        len_ok = len == LB_IMAGE_HASH_SIZE;
        place_ok = !protected_area;
        break;
    case LB_IMAGE_TLV_KEYHASH:
        bit = SEEN_KEYHASH;
        len_ok = len == LB_IMAGE_HASH_SIZE;
        place_ok = !protected_area;
        break;
    case LB_IMAGE_TLV_ECDSA_SIG:
        bit = SEEN_SIG;
        len_ok = len >= 8 && len <= LB_IMAGE_SIG_MAX;
        place_ok = !protected_area;
        break;
    case LB_IMAGE_TLV_SEC_CNT:
        bit = SEEN_SEC_CNT;
        len_ok = len == 4;
        place_ok = protected_area;
        break;
    case LB_IMAGE_TLV_KIND:
        bit = SEEN_KIND;
        len_ok = len == 1;
        place_ok = protected_area;
        break;
    case LB_IMAGE_TLV_PRODUCT:
        bit = SEEN_PRODUCT;
        len_ok = len >= 1 && len <= LB_IMAGE_PRODUCT_MAX;
        place_ok = protected_area;
        break;
    default:
        /* MCUboot's protected TLVs lifeboat does not implement (dependency,
         * boot record, ...) change what an image means: refuse them. */
        if (protected_area && type < LB_IMAGE_TLV_VENDOR_MIN) {
            fail(c, LB_E_TLVUNKNOWN);
            return;
        }
        break;
    }
    if (!place_ok) {
        fail(c, LB_E_TLVPLACE);
        return;
    }
    if (!len_ok || (c->seen & bit)) {
        fail(c, LB_E_TLV);
        return;
    }
    c->seen |= bit;
    if (c->cb != NULL) {
        c->cb(c->cb_arg, protected_area != 0, type, len, c->pos);
    }
    segment(c, protected_area ? ST_PTLV_VAL : ST_TLV_VAL, len, bit != 0);
}

static void tlv_value(lb_stream_t *c)
{
    lb_image_info_t *in = &c->info;
    const uint8_t *v = c->buf;
    uint16_t len = c->tlv_len;
    if (!c->store) {
        return;
    }
    switch (c->tlv_type) {
    case LB_IMAGE_TLV_SHA256:
        memcpy(c->sha_tlv, v, LB_IMAGE_HASH_SIZE);
        break;
    case LB_IMAGE_TLV_KEYHASH:
        memcpy(c->keyhash, v, LB_IMAGE_HASH_SIZE);
        break;
    case LB_IMAGE_TLV_ECDSA_SIG:
        memcpy(c->sig, v, len);
        c->sig_len = (uint8_t)len;
        in->has_signature = true;
        break;
    case LB_IMAGE_TLV_SEC_CNT:
        in->security_counter = lb_get_le32(v);
        in->has_security_counter = true;
        break;
    case LB_IMAGE_TLV_KIND:
        if (v[0] != LB_IMAGE_KIND_APP && v[0] != LB_IMAGE_KIND_RECOVERY) {
            fail(c, LB_E_TLV);
            return;
        }
        in->kind = v[0];
        break;
    case LB_IMAGE_TLV_PRODUCT:
        /* A NUL inside would make the id compare equal to a shorter one. */
        for (uint16_t i = 0; i < len; i++) {
            if (v[i] == 0) {
                fail(c, LB_E_TLV);
                return;
            }
        }
        memcpy(in->product, v, len);
        in->product[len] = '\0';
        break;
    default:
        break;
    }
}

/* Acts on a completed segment and sets up the next one. */
static void segment_done(lb_stream_t *c)
{
    lb_image_info_t *in = &c->info;
    switch (c->state) {
    case ST_HDR:
        parse_header(c);
        break;
    case ST_HDR_PAD:
        segment(c, ST_BODY, in->img_size, 0);
        break;
    case ST_BODY:
        if (in->protect_tlv_size == 0) {
            hash_done(c);
            segment(c, ST_INFO, LB_IMAGE_TLV_INFO_SIZE, 1);
        } else {
            segment(c, ST_PINFO, LB_IMAGE_TLV_INFO_SIZE, 1);
        }
        break;
    case ST_PINFO:
        if (lb_get_le16(c->buf) != LB_IMAGE_TLV_PROT_INFO_MAGIC ||
            lb_get_le16(c->buf + 2) != in->protect_tlv_size) {
            fail(c, LB_E_TLV);
            return;
        }
        c->area_left = in->protect_tlv_size - LB_IMAGE_TLV_INFO_SIZE;
        tlv_next(c, 1);
        break;
    case ST_INFO: {
        uint16_t tot = lb_get_le16(c->buf + 2);
        if (lb_get_le16(c->buf) != LB_IMAGE_TLV_INFO_MAGIC || tot < LB_IMAGE_TLV_INFO_SIZE) {
            fail(c, LB_E_TLV);
            return;
        }
        /* pos is the end of the info; the area started 4 bytes earlier. */
        uint32_t start = c->pos - LB_IMAGE_TLV_INFO_SIZE;
        if (!fits(start, tot, c->limit)) {
            fail(c, LB_E_RANGE);
            return;
        }
        in->total_size = start + tot;
        c->area_left = tot - LB_IMAGE_TLV_INFO_SIZE;
        tlv_next(c, 0);
        break;
    }
    case ST_PTLV_HDR:
    case ST_TLV_HDR:
        tlv_header(c, c->state == ST_PTLV_HDR);
        break;
    case ST_PTLV_VAL:
    case ST_TLV_VAL: {
        int prot = c->state == ST_PTLV_VAL;
        tlv_value(c);
        if (c->err == 0) {
            tlv_next(c, prot);
        }
        break;
    }
    default:
        break;
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
    mbedtls_sha256_init(&c->sha);
    if (mbedtls_sha256_starts_ret(&c->sha, 0) != 0) {
        c->err = LB_E_HASH;
    }
    segment(c, ST_HDR, LB_IMAGE_HEADER_SIZE, 1);
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
            segment_done(c);
            continue;
        }
        if (len == 0) {
            break;
        }
        uint32_t n = c->seg_left;
        if (len < n) {
            n = (uint32_t)len;
        }
        if (c->state < ST_INFO && mbedtls_sha256_update_ret(&c->sha, data, n) != 0) {
            fail(c, LB_E_HASH);
            break;
        }
        if (c->store) {
            memcpy(c->buf + c->have, data, n); /* stored segments are <= BUF_SIZE */
            c->have = (uint16_t)(c->have + n);
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
    if (!(c->seen & SEEN_SHA256) || memcmp(c->sha_tlv, in->hash, LB_IMAGE_HASH_SIZE) != 0) {
        return LB_E_HASH;
    }
    in->hash_ok = true;
    if (p->require_signature) {
        uint8_t key_hash[LB_IMAGE_HASH_SIZE];
        if (p->key_der == NULL || p->key_der_len == 0) {
            return LB_E_KEY;
        }
        if (!(c->seen & SEEN_SIG)) {
            return LB_E_UNSIGNED;
        }
        if (!(c->seen & SEEN_KEYHASH) ||
            lb_image_sha256(p->key_der, p->key_der_len, key_hash) != 0 ||
            memcmp(key_hash, c->keyhash, LB_IMAGE_HASH_SIZE) != 0) {
            return LB_E_KEY;
        }
        int rc = lb_image_sig_verify(p->key_der, p->key_der_len, in->hash, c->sig, c->sig_len);
        if (rc != 0) {
            return rc;
        }
        in->signature_ok = true;
    }
    if (p->kind != LB_IMAGE_KIND_ANY && in->kind != p->kind) {
        return LB_E_KIND;
    }
    if (p->product != NULL && !same_str(p->product, in->product)) {
        return LB_E_PRODUCT;
    }
    if (in->security_counter < p->min_security_counter) {
        return LB_E_SECCNT;
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

int lb_image_version_cmp(const lb_image_version_t *a, const lb_image_version_t *b)
{
    if (a->major != b->major) {
        return a->major < b->major ? -1 : 1;
    }
    if (a->minor != b->minor) {
        return a->minor < b->minor ? -1 : 1;
    }
    if (a->revision != b->revision) {
        return a->revision < b->revision ? -1 : 1;
    }
    return 0;
}

int lb_image_sha256(const uint8_t *data, size_t len, uint8_t out[LB_IMAGE_HASH_SIZE])
{
    if ((data == NULL && len != 0) || out == NULL) {
        return LB_E_INVAL;
    }
    return mbedtls_sha256_ret(data, len, out, 0) == 0 ? 0 : LB_E_HASH;
}
