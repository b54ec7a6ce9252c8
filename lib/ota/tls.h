/* TLS under the update agent's https:// requests (agent.c), for apps whose
 * layout pins their update server's key (app.pin): mbedTLS's TLS 1.2
 * client over one lwIP raw TCP connection at a time, configured by
 * lib/mbedtls/lb_mbedtls_tls_config.h. Linked only into such apps
 * (LB_CFG_PULL_HTTPS); recovery stays plain HTTP (its trust is the image
 * signature: docs/recovery.md).
 *
 * Trust: the server must present a certificate whose public key (its
 * SubjectPublicKeyInfo, DER) is byte for byte the pinned one, and prove it
 * holds the private half by signing the handshake. Nothing else about the
 * certificate counts (issuer, names, dates: a device has no clock to check
 * them against), so a self-signed certificate works and any other server
 * is refused, even one with a certificate from a public CA.
 *
 * Non-blocking: lb_tls_step() goes as far as the bytes that arrived allow
 * and does the handshake's elliptic-curve work in slices
 * (LB_TLS_ECC_SLICE_OPS), returning between them. */
#ifndef LB_OTA_TLS_H
#define LB_OTA_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#define LB_TLS_SEED_SIZE 32u

/* Once per boot, before the first connection: the pinned key (`pin`, DER
 * SubjectPublicKeyInfo, kept by the caller for the whole boot) and 32
 * secret bytes for the session random numbers (lb_seed_draw's). Returns
 * 0, or LB_E_INVAL (no pin), LB_E_NOSPACE. */
int lb_tls_init(const uint8_t *pin, size_t pin_len, const uint8_t seed[LB_TLS_SEED_SIZE]);

/* Starts a session on the connected `pcb`; `host` is the server name
 * sent for virtual hosting (SNI), or NULL when the url names an address.
 * The caller keeps the pcb's callbacks and hands arriving bytes to
 * lb_tls_input. Returns 0, LB_E_STATE (no lb_tls_init), LB_E_NOSPACE. */
int lb_tls_open(struct tcp_pcb *pcb, const char *host);

/* Takes `p` (a received pbuf chain; the session frees it). The window is
 * reopened as the session consumes the bytes. */
void lb_tls_input(struct pbuf *p);

/* Runs the handshake as far as it can. Returns 0 once the server proved
 * the pinned key (then lb_tls_write and lb_tls_read), 1 when it needs
 * more bytes or another slice, LB_E_KEY when the server's key is not the
 * pinned one, LB_E_AUTH when the handshake failed (alert, bad signature,
 * no common suite), LB_E_NOSPACE when memory ran out. */
int lb_tls_step(void);

/* Sends `n` bytes as one record (the request). Returns 0, or LB_E_NOSPACE
 * (the TCP send buffer cannot take them now), LB_E_IO. */
int lb_tls_write(const void *d, size_t n);

/* Decrypted bytes into buf (up to cap). Returns how many (> 0), 0 when
 * none are ready, LB_E_TRUNCATED when the server closed the session
 * (close_notify), LB_E_AUTH on a record that does not authenticate. */
int lb_tls_read(uint8_t *buf, size_t cap);

/* Ends the session and frees its memory (the pcb stays the caller's). */
void lb_tls_close(void);

/* The main-loop turns the last completed handshake's elliptic-curve work
 * took (1: not sliced; 0: none completed yet). */
unsigned lb_tls_handshake_slices(void);

#endif
