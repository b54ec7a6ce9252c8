/* ECDSA P-256 keys for the host side, with mbedTLS's PK layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "lb/err.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

struct lb_key {
    mbedtls_pk_context pk;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    bool is_private;
};

static int key_new(lb_key_t **out)
{
    static const char pers[] = "lifeboat-keys";
    lb_key_t *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return LB_E_NOSPACE;
    }
    mbedtls_pk_init(&k->pk);
    mbedtls_entropy_init(&k->entropy);
    mbedtls_ctr_drbg_init(&k->drbg);
    if (mbedtls_ctr_drbg_seed(&k->drbg, mbedtls_entropy_func, &k->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
        lb_key_free(k);
        return LB_E_IO;
    }
    *out = k;
    return 0;
}

bool lb_key_pk_is_p256(const mbedtls_pk_context *pk)
{
    return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
           mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

/* The end of every constructor: hands `k` to *out when `err` is 0 and it
 * holds a P-256 key, frees it otherwise. Returns 0, `err` or LB_E_KEY. */
static int adopt(lb_key_t *k, int err, lb_key_t **out)
{
    if (err == 0 && !lb_key_pk_is_p256(&k->pk)) {
        err = LB_E_KEY;
    }
    if (err != 0) {
        lb_key_free(k);
        return err;
    }
    *out = k;
    return 0;
}

int lb_key_generate(lb_key_t **out)
{
    if (out == NULL) {
        return LB_E_INVAL;
    }
    lb_key_t *k;
    int rc = key_new(&k);
    if (rc != 0) {
        return rc;
    }
    k->is_private = true;
    bool bad = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
               mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(k->pk),
                                   mbedtls_ctr_drbg_random, &k->drbg) != 0;
    return adopt(k, bad ? LB_E_KEY : 0, out);
}

int lb_key_load(const char *path, lb_key_t **out)
{
    if (path == NULL || out == NULL) {
        return LB_E_INVAL;
    }
    lb_key_t *k;
    int rc = key_new(&k);
    if (rc != 0) {
        return rc;
    }
    int prc = mbedtls_pk_parse_keyfile(&k->pk, path, NULL);
    if (prc == 0) {
        k->is_private = true;
    } else {
        mbedtls_pk_free(&k->pk);
        mbedtls_pk_init(&k->pk);
        prc = mbedtls_pk_parse_public_keyfile(&k->pk, path);
    }
    return adopt(k, prc == MBEDTLS_ERR_PK_FILE_IO_ERROR ? LB_E_IO : prc != 0 ? LB_E_KEY : 0, out);
}

int lb_key_parse(const char *pem, lb_key_t **out)
{
    if (pem == NULL || out == NULL) {
        return LB_E_INVAL;
    }
    lb_key_t *k;
    int rc = key_new(&k);
    if (rc != 0) {
        return rc;
    }
    k->is_private = true;
    int prc = mbedtls_pk_parse_key(&k->pk, (const unsigned char *)pem, strlen(pem) + 1, NULL, 0);
    return adopt(k, prc != 0 ? LB_E_KEY : 0, out);
}

bool lb_key_is_private(const lb_key_t *k)
{
    return k != NULL && k->is_private;
}

int lb_key_public_der(const lb_key_t *k, uint8_t *der, size_t cap)
{
    if (k == NULL || der == NULL) {
        return LB_E_INVAL;
    }
    /* pk_write_pubkey_der writes at the end of the buffer. */
    int n = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&k->pk, der, cap);
    if (n <= 0) {
        return LB_E_NOSPACE;
    }
    memmove(der, der + cap - (size_t)n, (size_t)n);
    return n;
}

int lb_key_private_pem(const lb_key_t *k, char *pem, size_t cap)
{
    if (k == NULL || pem == NULL || !k->is_private) {
        return LB_E_INVAL;
    }
    return mbedtls_pk_write_key_pem((mbedtls_pk_context *)&k->pk, (unsigned char *)pem, cap) == 0
               ? 0
               : LB_E_NOSPACE;
}

int lb_key_public_pem(const lb_key_t *k, char *pem, size_t cap)
{
    if (k == NULL || pem == NULL) {
        return LB_E_INVAL;
    }
    return mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)&k->pk, (unsigned char *)pem, cap) == 0
               ? 0
               : LB_E_NOSPACE;
}

int lb_key_sign_cb(void *arg, const uint8_t hash[32], uint8_t *sig, size_t cap)
{
    lb_key_t *k = arg;
    unsigned char buf[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t len = 0;
    if (k == NULL || !k->is_private || sig == NULL) {
        return LB_E_INVAL;
    }
    if (mbedtls_pk_sign(&k->pk, MBEDTLS_MD_SHA256, hash, 32, buf, &len, mbedtls_ctr_drbg_random,
                        &k->drbg) != 0) {
        return LB_E_SIG;
    }
    if (len > cap) {
        return LB_E_NOSPACE;
    }
    memcpy(sig, buf, len);
    return (int)len;
}

void lb_key_free(lb_key_t *k)
{
    if (k == NULL) {
        return;
    }
    mbedtls_pk_free(&k->pk);
    mbedtls_ctr_drbg_free(&k->drbg);
    mbedtls_entropy_free(&k->entropy);
    free(k);
}

int lb_key_file_load(const char *cmd, const char *path, lb_key_t **out)
{
    int rc = lb_key_load(path, out);
    if (rc != 0) {
        fprintf(stderr, "lifeboat %s: %s: %s\n", cmd, path,
                rc == LB_E_IO ? "cannot read key file" : "not an ECDSA P-256 key");
        return -1;
    }
    return 0;
}

int lb_key_file_public_der(const char *cmd, const char *path, uint8_t *der, size_t cap)
{
    lb_key_t *key;
    if (lb_key_file_load(cmd, path, &key) != 0) {
        return -1;
    }
    int len = lb_key_public_der(key, der, cap);
    lb_key_free(key);
    if (len <= 0) {
        fprintf(stderr, "lifeboat %s: %s: cannot encode public key\n", cmd, path);
        return -1;
    }
    return len;
}
