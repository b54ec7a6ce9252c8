#include "lb/seed.h"

#include <string.h>

#include "lb/endian.h"
#include "lb/err.h"
#include "lb/hmac.h"
#include "lb/record.h"
#include "lb/rlog.h"

enum { O_SEQ = 8, O_SEED = 12 };
_Static_assert(O_SEED + LB_SEED_SIZE + 4 == LB_SEED_RECORD_SIZE, "seq, seed, then the CRC");
_Static_assert(LB_CFG_PROGRAM_MAX >= LB_SEED_RECORD_SIZE, "one log slot fits a program buffer");

static const char renew_label[] = "lifeboat seed renew";
static const char draw_label[] = "lifeboat seed draw";

int lb_seed_encode(uint32_t seq, const uint8_t seed[LB_SEED_SIZE], uint8_t *buf, size_t cap,
                   uint8_t erased)
{
    if (cap < LB_SEED_RECORD_SIZE) {
        return LB_E_NOSPACE;
    }
    memset(buf, erased, cap);
    memset(buf, 0, LB_SEED_RECORD_SIZE);
    lb_put_le32(buf + O_SEQ, seq);
    memcpy(buf + O_SEED, seed, LB_SEED_SIZE);
    lb_record_seal(buf, LB_SEED_MAGIC, LB_SEED_VERSION, LB_SEED_RECORD_SIZE);
    return LB_SEED_RECORD_SIZE;
}

int lb_seed_decode(uint32_t *seq, uint8_t seed[LB_SEED_SIZE], const uint8_t *buf, size_t len)
{
    int rc = lb_record_check(buf, len, LB_SEED_MAGIC, LB_SEED_VERSION, LB_SEED_RECORD_SIZE);
    if (rc == LB_OK) {
        *seq = lb_get_le32(buf + O_SEQ);
        memcpy(seed, buf + O_SEED, LB_SEED_SIZE);
    }
    return rc;
}

static int check(const uint8_t *rec, size_t len, uint32_t *seq)
{
    uint8_t s[LB_SEED_SIZE];
    return lb_seed_decode(seq, s, rec, len);
}

int lb_seed_draw(const lb_flash_area_t *fa, const void *noise, size_t noise_len,
                 uint8_t out[LB_SEED_SIZE])
{
    int flags = noise_len > 0 ? LB_SEED_F_NOISE : 0;
    uint8_t seed[LB_SEED_SIZE] = {0};
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    lb_rlog_t l;
    int have_log = fa != NULL && lb_rlog_open(&l, fa, LB_SEED_RECORD_SIZE, check) == LB_OK;
    uint32_t seq;
    if (have_log && lb_rlog_read_newest(&l, buf) == LB_OK &&
        lb_seed_decode(&seq, seed, buf, l.slot) == LB_OK) {
        flags |= LB_SEED_F_STORED;
    }
    lb_hmac_t h;
    int rc = lb_hmac_start(&h, seed, sizeof(seed));
    rc |= lb_hmac_update(&h, renew_label, sizeof(renew_label) - 1);
    rc |= lb_hmac_update(&h, noise, noise_len);
    rc |= lb_hmac_finish(&h, seed);
    if (rc != LB_OK) {
        return LB_E_HASH;
    }
    seq = have_log ? lb_rlog_next_seq(&l) : 0;
    if (seq != 0 && lb_seed_encode(seq, seed, buf, l.slot, fa->geom->erased) > 0 &&
        lb_rlog_append(&l, buf) == LB_OK) {
        flags |= LB_SEED_F_RENEWED;
    }
    rc = lb_hmac_sha256(seed, sizeof(seed), draw_label, sizeof(draw_label) - 1, out);
    memset(seed, 0, sizeof(seed));
    memset(buf, 0, sizeof(buf));
    return rc != LB_OK ? LB_E_HASH : flags;
}
