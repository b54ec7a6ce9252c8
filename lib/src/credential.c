#include "lb/credential.h"

#include <string.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/hmac.h"
#include "lb/rlog.h"

/* Byte offsets of a record (docs/SPEC.md, "Recovery credential"). */
enum {
    O_MAGIC = 0,
    O_VERSION = 4,
    O_SIZE = 6,
    O_SEQ = 8,
    O_USER_LEN = 12,
    O_REALM_LEN = 13,
    O_RESERVED = 14,   /* 2 bytes */
    O_USER = 16,       /* LB_CRED_NAME_MAX bytes, zero padded */
    O_REALM = 48,      /* LB_CRED_NAME_MAX bytes, zero padded */
    O_HA1 = 80,        /* LB_CRED_HA1_SIZE bytes */
    O_RESERVED2 = 112, /* 12 bytes */
    O_CRC = 124,
};
_Static_assert(O_CRC + 4 == LB_CRED_RECORD_SIZE, "a record is 128 bytes");
_Static_assert(O_REALM == O_USER + LB_CRED_NAME_MAX && O_HA1 == O_REALM + LB_CRED_NAME_MAX &&
                   O_RESERVED2 == O_HA1 + LB_CRED_HA1_SIZE,
               "fields follow each other");
_Static_assert(LB_CFG_PROGRAM_MAX >= LB_CRED_RECORD_SIZE, "one log slot fits a program buffer");

static int char_ok(char c)
{
    return c > 0x20 && c < 0x7F && c != '"' && c != '\\';
}

int lb_cred_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LB_CRED_NAME_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!char_ok(s[i])) {
            return 0;
        }
    }
    return 1;
}

int lb_cred_encode(const lb_cred_t *c, uint8_t *buf, size_t cap, uint8_t erased)
{
    if (cap < LB_CRED_RECORD_SIZE) {
        return LB_E_NOSPACE;
    }
    if (!lb_cred_name_ok(c->user) || !lb_cred_name_ok(c->realm)) {
        return LB_E_INVAL;
    }
    memset(buf, erased, cap);
    memset(buf, 0, LB_CRED_RECORD_SIZE);
    lb_put_le32(buf + O_MAGIC, LB_CRED_MAGIC);
    lb_put_le16(buf + O_VERSION, LB_CRED_VERSION);
    lb_put_le16(buf + O_SIZE, LB_CRED_RECORD_SIZE);
    lb_put_le32(buf + O_SEQ, c->seq);
    buf[O_USER_LEN] = (uint8_t)strlen(c->user);
    buf[O_REALM_LEN] = (uint8_t)strlen(c->realm);
    memcpy(buf + O_USER, c->user, buf[O_USER_LEN]);
    memcpy(buf + O_REALM, c->realm, buf[O_REALM_LEN]);
    memcpy(buf + O_HA1, c->ha1, LB_CRED_HA1_SIZE);
    lb_put_le32(buf + O_CRC, lb_crc32(0, buf, O_CRC));
    return LB_CRED_RECORD_SIZE;
}

/* Copies a length-prefixed, zero-padded name field. Returns 0 or -1. */
static int name_in(char *dst, const uint8_t *field, uint8_t len)
{
    if (len == 0 || len > LB_CRED_NAME_MAX) {
        return -1;
    }
    for (size_t i = len; i < LB_CRED_NAME_MAX; i++) {
        if (field[i] != 0) {
            return -1;
        }
    }
    memcpy(dst, field, len);
    dst[len] = '\0';
    return lb_cred_name_ok(dst) ? 0 : -1;
}

int lb_cred_decode(lb_cred_t *c, const uint8_t *buf, size_t len)
{
    if (len < LB_CRED_RECORD_SIZE) {
        return LB_E_SIZE;
    }
    if (lb_get_le32(buf + O_MAGIC) != LB_CRED_MAGIC) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(buf + O_VERSION) != LB_CRED_VERSION ||
        lb_get_le16(buf + O_SIZE) != LB_CRED_RECORD_SIZE) {
        return LB_E_VERSION;
    }
    if (lb_get_le32(buf + O_CRC) != lb_crc32(0, buf, O_CRC)) {
        return LB_E_CORRUPT;
    }
    for (size_t i = 0; i < 12; i++) {
        if (buf[O_RESERVED2 + i] != 0 || (i < 2 && buf[O_RESERVED + i] != 0)) {
            return LB_E_CORRUPT;
        }
    }
    memset(c, 0, sizeof *c);
    if (name_in(c->user, buf + O_USER, buf[O_USER_LEN]) != 0 ||
        name_in(c->realm, buf + O_REALM, buf[O_REALM_LEN]) != 0) {
        return LB_E_CORRUPT;
    }
    c->seq = lb_get_le32(buf + O_SEQ);
    memcpy(c->ha1, buf + O_HA1, LB_CRED_HA1_SIZE);
    return LB_OK;
}

static int check(const uint8_t *rec, size_t len, uint32_t *seq)
{
    lb_cred_t c;
    int rc = lb_cred_decode(&c, rec, len);
    if (rc == LB_OK) {
        *seq = c.seq;
    }
    return rc;
}

int lb_cred_load(const lb_flash_area_t *fa, lb_cred_t *out)
{
    lb_rlog_t l;
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    int rc = lb_rlog_open(&l, fa, LB_CRED_RECORD_SIZE, check);
    if (rc == LB_OK) {
        rc = lb_rlog_read_newest(&l, buf);
    }
    return rc == LB_OK ? lb_cred_decode(out, buf, l.slot) : rc;
}

int lb_cred_store(const lb_flash_area_t *fa, lb_cred_t *c)
{
    lb_rlog_t l;
    int rc = lb_rlog_open(&l, fa, LB_CRED_RECORD_SIZE, check);
    if (rc != LB_OK) {
        return rc;
    }
    c->seq = lb_rlog_next_seq(&l);
    if (c->seq == 0) {
        return LB_E_NOSPACE;
    }
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    rc = lb_cred_encode(c, buf, l.slot, fa->geom->erased);
    return rc < 0 ? rc : lb_rlog_append(&l, buf);
}

/* K and the pad of a sealed HA1 (lb/credential.h): what only the holder
 * of the current HA1 and this request's nonces can derive. */
static int seal_key(const uint8_t cur[LB_CRED_HA1_SIZE], const char *nonce, const char *cnonce,
                    const lb_cred_t *c, uint8_t k[LB_HMAC_SIZE], uint8_t pad[LB_HMAC_SIZE])
{
    static const char label[] = "lifeboat credential v1";
    static const uint8_t zero = 0;
    if (!lb_cred_name_ok(c->user) || !lb_cred_name_ok(c->realm)) {
        return LB_E_INVAL;
    }
    lb_hmac_t h;
    int rc = lb_hmac_start(&h, cur, LB_CRED_HA1_SIZE);
    rc |= lb_hmac_update(&h, label, sizeof(label));
    rc |= lb_hmac_update(&h, nonce, strlen(nonce));
    rc |= lb_hmac_update(&h, &zero, 1);
    rc |= lb_hmac_update(&h, cnonce, strlen(cnonce));
    rc |= lb_hmac_finish(&h, k);
    rc |= lb_hmac_sha256(k, LB_HMAC_SIZE, "enc", 3, pad);
    return rc != 0 ? LB_E_HASH : LB_OK;
}

/* The tag over the names and the sealed bytes, under K. */
static int seal_tag(const uint8_t k[LB_HMAC_SIZE], const lb_cred_t *c,
                    const uint8_t sealed[LB_CRED_HA1_SIZE], uint8_t tag[LB_HMAC_SIZE])
{
    lb_hmac_t h;
    int rc = lb_hmac_start(&h, k, LB_HMAC_SIZE);
    rc |= lb_hmac_update(&h, "mac", 3);
    rc |= lb_hmac_update(&h, c->user, strlen(c->user) + 1);
    rc |= lb_hmac_update(&h, c->realm, strlen(c->realm) + 1);
    rc |= lb_hmac_update(&h, sealed, LB_CRED_HA1_SIZE);
    rc |= lb_hmac_finish(&h, tag);
    return rc != 0 ? LB_E_HASH : LB_OK;
}

int lb_cred_seal(const uint8_t cur_ha1[LB_CRED_HA1_SIZE], const char *nonce, const char *cnonce,
                 const lb_cred_t *c, uint8_t out[LB_CRED_SEALED_SIZE])
{
    uint8_t k[LB_HMAC_SIZE], pad[LB_HMAC_SIZE];
    memset(out, 0, LB_CRED_SEALED_SIZE);
    int rc = seal_key(cur_ha1, nonce, cnonce, c, k, pad);
    for (size_t i = 0; rc == LB_OK && i < LB_CRED_HA1_SIZE; i++) {
        out[i] = c->ha1[i] ^ pad[i];
    }
    if (rc == LB_OK) {
        rc = seal_tag(k, c, out, out + LB_CRED_HA1_SIZE);
    }
    memset(k, 0, sizeof(k));
    memset(pad, 0, sizeof(pad));
    return rc;
}

int lb_cred_unseal(const uint8_t cur_ha1[LB_CRED_HA1_SIZE], const char *nonce, const char *cnonce,
                   lb_cred_t *c, const uint8_t in[LB_CRED_SEALED_SIZE])
{
    uint8_t k[LB_HMAC_SIZE], pad[LB_HMAC_SIZE], tag[LB_HMAC_SIZE];
    memset(c->ha1, 0, sizeof(c->ha1));
    int rc = seal_key(cur_ha1, nonce, cnonce, c, k, pad);
    if (rc == LB_OK) {
        rc = seal_tag(k, c, in, tag);
    }
    memset(k, 0, sizeof(k));
    if (rc == LB_OK && !lb_ct_equal(tag, in + LB_CRED_HA1_SIZE, sizeof(tag))) {
        rc = LB_E_AUTH;
    }
    for (size_t i = 0; rc == LB_OK && i < LB_CRED_HA1_SIZE; i++) {
        c->ha1[i] = in[i] ^ pad[i];
    }
    memset(pad, 0, sizeof(pad));
    return rc;
}
