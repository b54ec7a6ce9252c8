#include "lb/hmac.h"

#include <string.h>

#include "lb/err.h"

int lb_hmac_start(lb_hmac_t *h, const void *key, size_t klen)
{
    if (klen > sizeof(h->opad)) {
        return LB_E_INVAL;
    }
    uint8_t ipad[64];
    memset(ipad, 0x36, sizeof(ipad));
    memset(h->opad, 0x5c, sizeof(h->opad));
    for (size_t i = 0; i < klen; i++) {
        ipad[i] ^= ((const uint8_t *)key)[i];
        h->opad[i] ^= ((const uint8_t *)key)[i];
    }
    mbedtls_sha256_init(&h->sha);
    int rc = mbedtls_sha256_starts_ret(&h->sha, 0);
    rc |= mbedtls_sha256_update_ret(&h->sha, ipad, sizeof(ipad));
    memset(ipad, 0, sizeof(ipad));
    return rc != 0 ? LB_E_HASH : LB_OK;
}

int lb_hmac_update(lb_hmac_t *h, const void *data, size_t len)
{
    return mbedtls_sha256_update_ret(&h->sha, data, len) != 0 ? LB_E_HASH : LB_OK;
}

int lb_hmac_finish(lb_hmac_t *h, uint8_t out[LB_HMAC_SIZE])
{
    uint8_t inner[LB_HMAC_SIZE];
    int rc = mbedtls_sha256_finish_ret(&h->sha, inner);
    rc |= mbedtls_sha256_starts_ret(&h->sha, 0);
    rc |= mbedtls_sha256_update_ret(&h->sha, h->opad, sizeof(h->opad));
    rc |= mbedtls_sha256_update_ret(&h->sha, inner, sizeof(inner));
    rc |= mbedtls_sha256_finish_ret(&h->sha, out);
    mbedtls_sha256_free(&h->sha);
    memset(h->opad, 0, sizeof(h->opad));
    memset(inner, 0, sizeof(inner));
    return rc != 0 ? LB_E_HASH : LB_OK;
}

int lb_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                   uint8_t out[LB_HMAC_SIZE])
{
    lb_hmac_t h;
    int rc = lb_hmac_start(&h, key, klen);
    if (rc == LB_OK) {
        rc = lb_hmac_update(&h, data, len);
        int rf = lb_hmac_finish(&h, out);
        rc = rc != LB_OK ? rc : rf;
    }
    return rc;
}

int lb_ct_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        diff |= (uint8_t)(x[i] ^ y[i]);
    }
    return diff == 0;
}
