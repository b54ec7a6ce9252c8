#include "lb/credential.h"

#include <string.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

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

/* Where the log stands: the newest valid record and where to append. */
typedef struct {
    uint32_t slot;       /* slot size: the record rounded up to the program size */
    int found;           /* a valid record exists */
    lb_cred_t newest;    /* ... this one */
    uint32_t unit_start; /* unit of the newest record */
    uint32_t unit_size;
    uint32_t next; /* first slot after the last used one in that unit */
} scan_t;

static int scan(const lb_flash_area_t *fa, scan_t *s)
{
    memset(s, 0, sizeof *s);
    s->slot = lb_flash_area_align(fa, LB_CRED_RECORD_SIZE);
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    unsigned units = 0;
    for (uint32_t ustart = 0; ustart < fa->size;) {
        uint32_t usize;
        int rc = lb_flash_area_unit(fa, ustart, NULL, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        if (usize < s->slot) {
            return LB_E_INVAL;
        }
        units++;
        uint32_t used_end = ustart;
        int best_here = 0;
        for (uint32_t off = ustart; off + s->slot <= ustart + usize; off += s->slot) {
            rc = lb_flash_area_is_erased(fa, off, s->slot);
            if (rc < 0) {
                return rc;
            }
            if (rc == 1) {
                continue;
            }
            /* Anything programmed (valid, torn or garbage) is never
             * programmed again: appends go after the last used slot. */
            used_end = off + s->slot;
            lb_cred_t c;
            rc = lb_flash_area_read(fa, off, buf, s->slot);
            if (rc != LB_OK) {
                return rc;
            }
            if (lb_cred_decode(&c, buf, s->slot) == LB_OK && (!s->found || c.seq > s->newest.seq)) {
                s->newest = c;
                s->found = 1;
                best_here = 1;
                s->unit_start = ustart;
                s->unit_size = usize;
            }
        }
        if (best_here) {
            s->next = used_end;
        }
        ustart += usize;
    }
    return units < 2 ? LB_E_INVAL : LB_OK;
}

int lb_cred_load(const lb_flash_area_t *fa, lb_cred_t *out)
{
    scan_t s;
    int rc = scan(fa, &s);
    if (rc != LB_OK) {
        return rc;
    }
    if (!s.found) {
        return LB_E_NOTFOUND;
    }
    *out = s.newest;
    return LB_OK;
}

int lb_cred_store(const lb_flash_area_t *fa, lb_cred_t *c)
{
    scan_t s;
    int rc = scan(fa, &s);
    if (rc != LB_OK) {
        return rc;
    }
    if (s.found && s.newest.seq == UINT32_MAX) {
        return LB_E_NOSPACE;
    }
    c->seq = s.found ? s.newest.seq + 1u : 1u;
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    rc = lb_cred_encode(c, buf, s.slot, fa->geom->erased);
    if (rc < 0) {
        return rc;
    }
    uint32_t at;
    if (s.found && s.next + s.slot <= s.unit_start + s.unit_size) {
        at = s.next;
    } else {
        /* The next unit (wrapping), erased first; the unit holding the
         * newest record is not touched, so a cut here keeps it in force. */
        at = s.found ? s.unit_start + s.unit_size : 0;
        if (at >= fa->size) {
            at = 0;
        }
        uint32_t usize;
        rc = lb_flash_area_unit(fa, at, NULL, &usize);
        if (rc == LB_OK) {
            rc = lb_flash_area_erase(fa, at, usize);
        }
        if (rc != LB_OK) {
            return rc;
        }
    }
    return lb_flash_area_program(fa, at, buf, s.slot);
}
