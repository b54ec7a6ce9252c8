/* TLS under the update agent (tls.h): mbedTLS's client with lwIP raw TCP
 * as its transport, the server's key pinned. */
#include "tls.h"

#include <string.h>

#include "lb/board.h"
#include "lb/config.h"
#include "lb/err.h"
#include "mbedtls/ecp.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

static struct {
    bool open; /* a session exists */
    bool up;   /* its handshake is done and the key pinned */
    const uint8_t *pin;
    size_t pin_len;
    struct tcp_pcb *pcb;
    struct pbuf *rx;      /* received, not yet read by the session */
    unsigned slices;      /* this handshake's ECC slices so far */
    unsigned last_slices; /* those of the last handshake that completed */
    mbedtls_hmac_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
} t;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t room = tcp_sndbuf(t.pcb);
    size_t n = len < room ? len : room;
    if (n == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (tcp_write(t.pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
        return MBEDTLS_ERR_SSL_WANT_WRITE; /* no segments free: later */
    }
    tcp_output(t.pcb);
    return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    if (t.rx == NULL) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    u16_t n = pbuf_copy_partial(t.rx, buf, (u16_t)(len < 0xffffu ? len : 0xffffu), 0);
    t.rx = pbuf_free_header(t.rx, n);
    tcp_recved(t.pcb, n); /* the window reopens as the session consumes */
    return n;
}

int lb_tls_init(const uint8_t *pin, size_t pin_len, const uint8_t seed[LB_TLS_SEED_SIZE])
{
    if (pin == NULL || pin_len == 0) {
        return LB_E_INVAL;
    }
    mbedtls_hmac_drbg_init(&t.drbg);
    if (mbedtls_hmac_drbg_seed_buf(&t.drbg, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), seed,
                                   LB_TLS_SEED_SIZE) != 0) {
        return LB_E_NOSPACE;
    }
    mbedtls_ssl_config_init(&t.conf);
    if (mbedtls_ssl_config_defaults(&t.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return LB_E_NOSPACE;
    }
    /* No chain to validate: the pin decides, after the handshake proved
     * that the server holds the key its certificate names. */
    mbedtls_ssl_conf_authmode(&t.conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_rng(&t.conf, mbedtls_hmac_drbg_random, &t.drbg);
    mbedtls_ecp_set_max_ops(LB_TLS_ECC_SLICE_OPS);
    t.pin = pin; /* last: lb_tls_open works only after all of this */
    t.pin_len = pin_len;
    return 0;
}

int lb_tls_open(struct tcp_pcb *pcb, const char *host)
{
    if (t.pin == NULL) {
        return LB_E_STATE; /* no lb_tls_init */
    }
    lb_tls_close();
    t.pcb = pcb;
    mbedtls_ssl_init(&t.ssl);
    t.open = true;
    t.slices = 0;
    /* Fresh randomness for each session on top of the boot's seed. */
    uint32_t now = lb_board_millis();
    (void)mbedtls_hmac_drbg_update_ret(&t.drbg, (const unsigned char *)&now, sizeof now);
    if (mbedtls_ssl_setup(&t.ssl, &t.conf) != 0 ||
        (host != NULL && mbedtls_ssl_set_hostname(&t.ssl, host) != 0)) {
        lb_tls_close();
        return LB_E_NOSPACE;
    }
    mbedtls_ssl_set_bio(&t.ssl, NULL, bio_send, bio_recv, NULL);
    return 0;
}

void lb_tls_input(struct pbuf *p)
{
    if (!t.open) {
        pbuf_free(p);
    } else if (t.rx == NULL) {
        t.rx = p;
    } else {
        pbuf_cat(t.rx, p);
    }
}

/* The server's certificate names the pinned key (its DER
 * SubjectPublicKeyInfo, as the certificate holds it). */
static bool pinned(void)
{
    const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&t.ssl);
    return crt != NULL && crt->pk_raw.len == t.pin_len &&
           memcmp(crt->pk_raw.p, t.pin, t.pin_len) == 0;
}

int lb_tls_step(void)
{
    if (!t.open) {
        return LB_E_STATE;
    }
    if (t.up) {
        return 0;
    }
    int r = mbedtls_ssl_handshake(&t.ssl);
    if (r == MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS) {
        t.slices++;
        return 1;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 1;
    }
    if (r == MBEDTLS_ERR_SSL_ALLOC_FAILED || r == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
        r == MBEDTLS_ERR_ECP_ALLOC_FAILED || r == MBEDTLS_ERR_X509_ALLOC_FAILED) {
        return LB_E_NOSPACE;
    }
    if (r != 0) {
        return LB_E_AUTH;
    }
    if (!pinned()) {
        return LB_E_KEY;
    }
    t.up = true;
    t.last_slices = t.slices + 1; /* the one that finished */
    return 0;
}

int lb_tls_write(const void *d, size_t n)
{
    if (!t.up) {
        return LB_E_STATE;
    }
    int r = mbedtls_ssl_write(&t.ssl, d, n);
    if (r == (int)n) {
        return 0;
    }
    return r == MBEDTLS_ERR_SSL_WANT_WRITE || r >= 0 ? LB_E_NOSPACE : LB_E_IO;
}

int lb_tls_read(uint8_t *buf, size_t cap)
{
    if (!t.up) {
        return LB_E_STATE;
    }
    int r = mbedtls_ssl_read(&t.ssl, buf, cap);
    if (r > 0) {
        return r;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    return r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? LB_E_TRUNCATED : LB_E_AUTH;
}

void lb_tls_close(void)
{
    if (t.open) {
        mbedtls_ssl_free(&t.ssl);
        t.open = false;
        t.up = false;
    }
    if (t.rx != NULL) {
        pbuf_free(t.rx);
        t.rx = NULL;
    }
    t.pcb = NULL;
}

unsigned lb_tls_handshake_slices(void)
{
    return t.last_slices;
}
