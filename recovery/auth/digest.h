/* HTTP Digest access authentication (RFC 7616), SHA-256 with qop=auth only,
 * for the recovery image's state-changing requests.
 *
 * - The credential is held only as HA1 = SHA-256("user:realm:password"),
 *   32 bytes; the password itself is never on the device.
 * - Nonces are stateless, single-use and expire: "<8 hex counter><8 hex
 *   issue time><24 hex tag>" (both u32 little-endian), tag = first 12 bytes
 *   of HMAC-SHA-256(boot secret, counter || issue time). Issuing stores nothing, so no flood of
 *   challenges can evict a client's nonce; a nonce is good when its tag
 *   holds, it is younger than LB_AUTH_NONCE_TTL_MS and it was not used
 *   (a small table remembers used nonces until they expire).
 * - Failed attempts are counted per client address; after
 *   LB_AUTH_FREE_FAILURES a lockout starts at LB_AUTH_LOCKOUT_MS and doubles
 *   with each further failure (up to LB_AUTH_LOCKOUT_MAX_MS). On top, a
 *   device-wide bucket bounds the wrong guesses evaluated from all
 *   addresses together (LB_AUTH_GUESS_BURST, one more per
 *   LB_AUTH_GUESS_REFILL_MS); while it is empty every attempt gets 429.
 * - Every failure, lockout, replay and the application's own events go to a
 *   small audit ring the status page shows.
 *
 * The module keeps its state in file-static storage (one server per image)
 * and takes the time as a parameter, so tests drive it without a clock. */
#ifndef LB_DIGEST_H
#define LB_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/config.h"
#include "lb/credential.h"

#define LB_AUTH_USER_MAX 32
#define LB_AUTH_REALM_MAX 32

/* ---- the Authorization header ----------------------------------------- */

#define LB_DIGEST_VAL_MAX 64 /* longest value kept for most parameters */
#define LB_DIGEST_URI_MAX LB_HTTP_TARGET_MAX

/* The parameters of one `Digest ...` credentials value. Absent parameters
 * are empty strings. */
typedef struct {
    char username[LB_DIGEST_VAL_MAX + 1];
    char realm[LB_DIGEST_VAL_MAX + 1];
    char nonce[LB_DIGEST_VAL_MAX + 1];
    char uri[LB_DIGEST_URI_MAX + 1];
    char response[LB_DIGEST_VAL_MAX + 1];
    char algorithm[LB_DIGEST_VAL_MAX + 1];
    char cnonce[LB_DIGEST_VAL_MAX + 1];
    char opaque[LB_DIGEST_VAL_MAX + 1];
    char qop[LB_DIGEST_VAL_MAX + 1];
    char nc[LB_DIGEST_VAL_MAX + 1];
    char userhash[LB_DIGEST_VAL_MAX + 1];
} lb_digest_t;

/* Parses an Authorization header value (untrusted). Accepts the scheme
 * name in any case, tokens or quoted strings (with \-escapes) as values,
 * optional whitespace around '=' and ','. Unknown parameters are skipped.
 * Returns 0; LB_E_UNSUPPORTED when the scheme is not Digest; LB_E_INVAL
 * for malformed syntax, a duplicated parameter, or a value too long. */
int lb_digest_parse(const char *header, lb_digest_t *d);

/* ---- the server side ----------------------------------------------------- */

/* Sets the credential and starts a fresh nonce/lockout/audit state.
 * `ha1_hex` is 64 hex digits. `seed` should hold whatever entropy the
 * board has (timers, addresses, uninitialised RAM): it keys the nonce tags.
 * Returns 0, or LB_E_INVAL when user/realm are empty or too long or ha1_hex
 * is not 64 hex digits (the server then refuses every attempt). */
int lb_auth_init(const char *user, const char *realm, const char *ha1_hex, const void *seed,
                 size_t seed_len, uint32_t now_ms);

typedef struct {
    unsigned status;      /* 200 accepted, 400, 401 or 429 */
    const char *reason;   /* one line for the response body */
    bool stale;           /* 401 because the nonce was used/expired: say stale=true */
    uint32_t retry_after; /* seconds, for 429 */
} lb_auth_result_t;

/* Checks the credentials of a request: `authz` is the Authorization value
 * (NULL when absent), `method` and `uri` the request's method and target,
 * `client` the peer's IPv4 address (for lockout and audit). On success the
 * nonce is consumed. Returns res->status (200, 400, 401 or 429). */
unsigned lb_auth_check(const char *authz, const char *method, const char *uri, uint32_t client,
                       uint32_t now_ms, lb_auth_result_t *res);

/* Issues a fresh nonce and writes the complete challenge header line
 * "WWW-Authenticate: Digest realm=..., qop=\"auth\", algorithm=SHA-256,
 * nonce=\"...\"[, stale=true]\r\n" into buf. Returns its length, or 0 when
 * it does not fit. */
size_t lb_auth_challenge(char *buf, size_t cap, bool stale, uint32_t now_ms);

/* Replaces the credential in force (a per-device one provisioned or
 * changed at run time); counters, lockouts and the audit log stay, every
 * nonce issued so far is refused from now on. Returns 0 or LB_E_INVAL (as lb_auth_init;
 * the previous credential then stays). */
int lb_auth_set_credential(const char *user, const char *realm, const char *ha1_hex);

/* Opens the sealed HA1 of POST /api/credential (lb_cred_unseal) with the
 * credential in force and the nonce and cnonce of `authz`, the request's
 * Authorization value (already accepted by lb_auth_check). c->user and
 * c->realm name the new credential; c->ha1 receives it. Returns 0,
 * LB_E_AUTH (the seal does not hold) or LB_E_INVAL. */
int lb_auth_unseal(const char *authz, const uint8_t sealed[LB_CRED_SEALED_SIZE], lb_cred_t *c);

/* The realm served (for pages and the CLI). */
const char *lb_auth_realm(void);

/* ---- audit log ------------------------------------------------------------ */

typedef enum {
    LB_AUDIT_NONE = 0,
    LB_AUDIT_AUTH_OK,     /* a request was authenticated */
    LB_AUDIT_AUTH_FAIL,   /* wrong user or password */
    LB_AUDIT_AUTH_BAD,    /* malformed or unsupported credentials */
    LB_AUDIT_STALE,       /* correct answer to a used or expired nonce (replay) */
    LB_AUDIT_LOCKOUT,     /* a client was locked out */
    LB_AUDIT_LOCKED,      /* an attempt during a lockout */
    LB_AUDIT_UPDATE_OK,   /* an image was accepted and activated */
    LB_AUDIT_UPDATE_FAIL, /* an upload was refused */
    LB_AUDIT_REBOOT,      /* leaving recovery on request */
    LB_AUDIT_CREDENTIAL,  /* the credential was replaced */
    LB_AUDIT_EVENT_COUNT
} lb_audit_event_t;

typedef struct {
    uint32_t seq;    /* 1, 2, ... in order of recording */
    uint32_t t_ms;   /* uptime when recorded */
    uint32_t client; /* IPv4 address, host order */
    uint8_t event;   /* lb_audit_event_t */
    int16_t detail;  /* event-specific: an HTTP status or LB_E_* code */
} lb_audit_entry_t;

/* Records an event. */
void lb_audit_record(lb_audit_event_t ev, uint32_t client, int detail, uint32_t now_ms);

/* Copies the i-th most recent entry (0 = newest). Returns 0, or
 * LB_E_NOTFOUND past the oldest kept entry. */
int lb_audit_get(unsigned i, lb_audit_entry_t *e);

/* Returns a stable lower-case name ("auth-fail", ...). */
const char *lb_audit_event_name(unsigned ev);

/* Counters since boot (for the status page). */
typedef struct {
    uint32_t ok;
    uint32_t failures;
    uint32_t lockouts;
    uint32_t stale;
    uint32_t throttled; /* attempts refused unevaluated by the device-wide ceiling */
} lb_auth_stats_t;
void lb_auth_stats(lb_auth_stats_t *s);

/* ---- helpers shared with the host CLI ------------------------------------- */

/* SHA-256 of the concatenation of `n` strings joined by ':' into lower-case
 * hex (65 bytes incl. NUL): the H(a:b:c) of RFC 7616. Returns 0 or LB_E_IO
 * when the hash backend failed. */
int lb_digest_h(char out[65], const char *const *parts, size_t n);

#endif
