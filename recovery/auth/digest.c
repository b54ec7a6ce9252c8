#include "digest.h"

#include <string.h>

#include "lb/endian.h"
#include "lb/err.h"
#include "lb/credential.h"
#include "lb/hmac.h"
#include "mbedtls/sha256.h"

/* ---- parsing ------------------------------------------------------------- */

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, size_t n, const char *lit)
{
    if (strlen(lit) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(a[i]) != lower(lit[i])) {
            return false;
        }
    }
    return true;
}

/* The recovery image links none of libc's (speed-optimised, large) string
 * search and compare routines: these few loops are all it needs. */
static bool in_set(char c, const char *set)
{
    while (*set != '\0' && *set != c) {
        set++;
    }
    return c != '\0' && *set == c;
}

static bool streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return in_set(c, "!#$%&'*+-.^_`|~");
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* Where each known parameter goes; `seen` bits catch duplicates. */
static char *param_slot(lb_digest_t *d, const char *name, size_t n, size_t *cap, unsigned *bit)
{
    struct {
        const char *name;
        char *dst;
        size_t cap;
    } const t[] = {
        {"username", d->username, sizeof(d->username)},
        {"realm", d->realm, sizeof(d->realm)},
        {"nonce", d->nonce, sizeof(d->nonce)},
        {"uri", d->uri, sizeof(d->uri)},
        {"response", d->response, sizeof(d->response)},
        {"algorithm", d->algorithm, sizeof(d->algorithm)},
        {"cnonce", d->cnonce, sizeof(d->cnonce)},
        {"opaque", d->opaque, sizeof(d->opaque)},
        {"qop", d->qop, sizeof(d->qop)},
        {"nc", d->nc, sizeof(d->nc)},
        {"userhash", d->userhash, sizeof(d->userhash)},
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (ieq(name, n, t[i].name)) {
            *cap = t[i].cap;
            *bit = 1u << i;
            return t[i].dst;
        }
    }
    return NULL;
}

int lb_digest_parse(const char *s, lb_digest_t *d)
{
    memset(d, 0, sizeof(*d));
    s = skip_ows(s);
    size_t n = 0;
    while (is_tchar(s[n])) {
        n++;
    }
    if (!ieq(s, n, "digest")) {
        return LB_E_UNSUPPORTED;
    }
    s += n;
    if (*s != ' ' && *s != '\t') {
        return LB_E_INVAL;
    }
    unsigned seen = 0;
    bool first = true;
    for (;;) {
        s = skip_ows(s);
        if (!first) {
            if (*s == '\0') {
                return seen != 0 ? 0 : LB_E_INVAL;
            }
            if (*s != ',') {
                return LB_E_INVAL;
            }
            /* Empty list elements are allowed (RFC 9110 §5.6.1). */
            while (*s == ',' || *s == ' ' || *s == '\t') {
                s++;
            }
            if (*s == '\0') {
                return seen != 0 ? 0 : LB_E_INVAL;
            }
        }
        first = false;
        const char *name = s;
        n = 0;
        while (is_tchar(name[n])) {
            n++;
        }
        if (n == 0) {
            return LB_E_INVAL;
        }
        s = skip_ows(name + n);
        if (*s != '=') {
            return LB_E_INVAL;
        }
        s = skip_ows(s + 1);
        size_t cap = 0;
        unsigned bit = 0;
        char *dst = param_slot(d, name, n, &cap, &bit);
        if (dst != NULL) {
            if (seen & bit) {
                return LB_E_INVAL;
            }
            seen |= bit;
        }
        size_t len = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                char c = *s++;
                if (c == '\0') {
                    return LB_E_INVAL;
                }
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    c = *s++;
                    if (c == '\0') {
                        return LB_E_INVAL;
                    }
                }
                if ((unsigned char)c < 0x20 && c != '\t') {
                    return LB_E_INVAL;
                }
                if (dst != NULL) {
                    if (len + 1 >= cap) {
                        return LB_E_INVAL;
                    }
                    dst[len] = c;
                }
                len++;
            }
        } else {
            while (is_tchar(*s)) {
                if (dst != NULL) {
                    if (len + 1 >= cap) {
                        return LB_E_INVAL;
                    }
                    dst[len] = *s;
                }
                len++;
                s++;
            }
            if (len == 0) {
                return LB_E_INVAL;
            }
        }
        if (dst != NULL) {
            dst[len] = '\0';
        }
    }
}

/* ---- hashing ---------------------------------------------------------------- */

static void to_hex(char *out, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Decodes exactly 2*n hex digits (and nothing more). Returns 0 or -1. */
static int from_hex(uint8_t *out, const char *s, size_t n)
{
    if (strlen(s) != 2 * n) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]);
        int lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int lb_digest_h(char out[65], const char *const *parts, size_t n)
{
    mbedtls_sha256_context c;
    uint8_t h[32];
    int rc = 0;
    mbedtls_sha256_init(&c);
    rc |= mbedtls_sha256_starts_ret(&c, 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            rc |= mbedtls_sha256_update_ret(&c, (const unsigned char *)":", 1);
        }
        rc |= mbedtls_sha256_update_ret(&c, (const unsigned char *)parts[i], strlen(parts[i]));
    }
    rc |= mbedtls_sha256_finish_ret(&c, h);
    mbedtls_sha256_free(&c);
    to_hex(out, h, sizeof(h));
    return rc != 0 ? LB_E_IO : 0;
}

/* ---- server state ------------------------------------------------------------- */

#define NONCE_TAG_BYTES 12
#define NONCE_LEN (16 + 2 * NONCE_TAG_BYTES)

/* A nonce that was answered correctly, remembered until it expires. */
typedef struct {
    uint32_t ctr;
    uint32_t issued;
    bool live;
} nonce_t;

typedef struct {
    uint32_t ip;
    uint32_t failures;
    uint32_t locked_until;
    uint32_t last_seen;
    bool locked;
    bool used;
} client_t;

static struct {
    bool configured;
    char user[LB_AUTH_USER_MAX + 1];
    char realm[LB_AUTH_REALM_MAX + 1];
    char ha1[65];
    uint8_t secret[32];
    uint32_t next_ctr; /* counter of the next nonce issued */
    uint32_t min_ctr;  /* nonces with a lower counter are refused */
    nonce_t used[LB_AUTH_USED_NONCES];
    uint32_t guesses;     /* wrong guesses the device-wide bucket still allows */
    uint32_t refilled_ms; /* when the bucket last gained a guess */
    client_t clients[LB_AUTH_CLIENTS];
    lb_audit_entry_t audit[LB_AUTH_AUDIT_ENTRIES];
    uint32_t audit_seq;
    lb_auth_stats_t stats;
} s_auth;

static bool after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

int lb_auth_set_credential(const char *user, const char *realm, const char *ha1_hex)
{
    uint8_t ha1[32];
    if (user == NULL || realm == NULL || ha1_hex == NULL || user[0] == '\0' || realm[0] == '\0' ||
        strlen(user) > LB_AUTH_USER_MAX || strlen(realm) > LB_AUTH_REALM_MAX ||
        from_hex(ha1, ha1_hex, sizeof(ha1)) != 0) {
        return LB_E_INVAL;
    }
    memcpy(s_auth.user, user, strlen(user) + 1);
    memcpy(s_auth.realm, realm, strlen(realm) + 1);
    to_hex(s_auth.ha1, ha1, sizeof(ha1));
    s_auth.configured = true;
    /* Nonces issued for the old credential's realm are not honoured. */
    s_auth.min_ctr = s_auth.next_ctr;
    memset(s_auth.used, 0, sizeof(s_auth.used));
    return 0;
}

int lb_auth_init(const char *user, const char *realm, const char *ha1_hex, const void *seed,
                 size_t seed_len, uint32_t now_ms)
{
    memset(&s_auth, 0, sizeof(s_auth));
    mbedtls_sha256_ret(seed, seed_len, s_auth.secret, 0);
    /* Counters start somewhere unpredictable so nonces differ across boots. */
    s_auth.next_ctr = (uint32_t)s_auth.secret[0] << 24 | (uint32_t)s_auth.secret[1] << 16 |
                      (uint32_t)s_auth.secret[2] << 8 | s_auth.secret[3];
    s_auth.next_ctr ^= now_ms;
    s_auth.min_ctr = s_auth.next_ctr;
    s_auth.guesses = LB_AUTH_GUESS_BURST;
    s_auth.refilled_ms = now_ms;
    return lb_auth_set_credential(user, realm, ha1_hex);
}

const char *lb_auth_realm(void)
{
    return s_auth.realm[0] ? s_auth.realm : "lifeboat";
}

static void nonce_format(char out[NONCE_LEN + 1], uint32_t ctr, uint32_t issued)
{
    uint8_t msg[8];
    lb_put_le32(msg, ctr);
    lb_put_le32(msg + 4, issued);
    uint8_t tag[32];
    lb_hmac_sha256(s_auth.secret, sizeof(s_auth.secret), msg, sizeof(msg), tag);
    to_hex(out, msg, sizeof(msg));
    to_hex(out + 16, tag, NONCE_TAG_BYTES);
}

size_t lb_auth_challenge(char *buf, size_t cap, bool stale, uint32_t now_ms)
{
    /* Nothing is stored: the nonce carries its counter and issue time under
     * the boot secret's MAC. */
    char nonce[NONCE_LEN + 1];
    nonce_format(nonce, s_auth.next_ctr++, now_ms);

    static const char *const parts[] = {
        "WWW-Authenticate: Digest realm=\"",
        NULL,
        "\", qop=\"auth\", algorithm=SHA-256, nonce=\"",
        NULL,
        "\"",
    };
    size_t len = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) + 2; i++) {
        const char *p;
        if (i < sizeof(parts) / sizeof(parts[0])) {
            p = parts[i] ? parts[i] : (i == 1 ? lb_auth_realm() : nonce);
        } else if (i == sizeof(parts) / sizeof(parts[0])) {
            p = stale ? ", stale=true" : "";
        } else {
            p = "\r\n";
        }
        size_t pl = strlen(p);
        if (pl >= cap - len) {
            return 0;
        }
        memcpy(buf + len, p, pl);
        len += pl;
    }
    buf[len] = '\0';
    return len;
}

/* Consumes the nonce `s`: true when it is one this boot issued, younger
 * than the TTL, and not used before (it is then remembered as used). */
static bool nonce_use(const char *s, uint32_t now_ms)
{
    uint8_t msg[8];
    char want[NONCE_LEN + 1], head[17];
    if (strlen(s) != NONCE_LEN) {
        return false;
    }
    memcpy(head, s, 16);
    head[16] = '\0';
    if (from_hex(msg, head, sizeof(msg)) != 0) {
        return false;
    }
    uint32_t ctr = lb_get_le32(msg), issued = lb_get_le32(msg + 4);
    nonce_format(want, ctr, issued);
    if (!lb_ct_equal(want, s, NONCE_LEN)) {
        return false; /* another boot's, or made up */
    }
    if ((int32_t)(ctr - s_auth.min_ctr) < 0 || (int32_t)(s_auth.next_ctr - ctr) <= 0 ||
        (int32_t)(now_ms - issued) < 0 || now_ms - issued > LB_AUTH_NONCE_TTL_MS) {
        return false; /* expired, or older than what is remembered */
    }
    nonce_t *slot = NULL;
    for (unsigned i = 0; i < LB_AUTH_USED_NONCES; i++) {
        nonce_t *n = &s_auth.used[i];
        if (n->live && now_ms - n->issued > LB_AUTH_NONCE_TTL_MS) {
            n->live = false; /* expired: refused by its age from now on */
        }
        if (n->live && n->ctr == ctr) {
            return false; /* a replay */
        }
        if (!n->live) {
            slot = n;
        } else if (slot == NULL || (slot->live && (int32_t)(n->ctr - slot->ctr) < 0)) {
            slot = n; /* the oldest live one, if no slot is free */
        }
    }
    if (slot->live && (int32_t)(slot->ctr + 1u - s_auth.min_ctr) > 0) {
        /* Forgetting a live used nonce: refuse everything up to it. */
        s_auth.min_ctr = slot->ctr + 1u;
    }
    slot->ctr = ctr;
    slot->issued = issued;
    slot->live = true;
    return true;
}

/* The device-wide bucket of wrong guesses: refills, then tells whether
 * one more guess may be evaluated. */
static bool guess_allowed(uint32_t now_ms, uint32_t *retry_s)
{
    uint32_t gained = (now_ms - s_auth.refilled_ms) / LB_AUTH_GUESS_REFILL_MS;
    if (gained > 0) {
        s_auth.guesses = gained >= LB_AUTH_GUESS_BURST - s_auth.guesses ? LB_AUTH_GUESS_BURST
                                                                        : s_auth.guesses + gained;
        s_auth.refilled_ms += gained * LB_AUTH_GUESS_REFILL_MS;
    }
    if (s_auth.guesses == LB_AUTH_GUESS_BURST) {
        s_auth.refilled_ms = now_ms; /* a full bucket does not bank time */
    }
    *retry_s = (LB_AUTH_GUESS_REFILL_MS - (now_ms - s_auth.refilled_ms) + 999u) / 1000u;
    return s_auth.guesses > 0;
}

static client_t *client_get(uint32_t ip, uint32_t now_ms)
{
    client_t *victim = &s_auth.clients[0];
    for (unsigned i = 0; i < LB_AUTH_CLIENTS; i++) {
        client_t *c = &s_auth.clients[i];
        if (c->used && c->ip == ip) {
            c->last_seen = now_ms;
            return c;
        }
        if (!c->used) {
            if (victim->used) {
                victim = c;
            }
        } else if (victim->used && after(victim->last_seen, c->last_seen)) {
            /* Prefer evicting a client that is not locked out. */
            if (!c->locked || victim->locked) {
                victim = c;
            }
        }
    }
    memset(victim, 0, sizeof(*victim));
    victim->used = true;
    victim->ip = ip;
    victim->last_seen = now_ms;
    return victim;
}

static unsigned result(lb_auth_result_t *res, unsigned status, const char *reason)
{
    res->status = status;
    res->reason = reason;
    return status;
}

static unsigned failure(client_t *c, lb_auth_result_t *res, lb_audit_event_t ev, unsigned status,
                        const char *reason, uint32_t now_ms)
{
    s_auth.stats.failures++;
    if (ev == LB_AUDIT_AUTH_FAIL && s_auth.guesses > 0) {
        s_auth.guesses--; /* a wrong guess spends the device-wide budget */
    }
    lb_audit_record(ev, c->ip, (int)status, now_ms);
    c->failures++;
    if (c->failures >= LB_AUTH_FREE_FAILURES) {
        uint32_t shift = c->failures - LB_AUTH_FREE_FAILURES;
        uint32_t ms = LB_AUTH_LOCKOUT_MAX_MS;
        if (shift < 20 && ((uint32_t)LB_AUTH_LOCKOUT_MS << shift) < LB_AUTH_LOCKOUT_MAX_MS) {
            ms = (uint32_t)LB_AUTH_LOCKOUT_MS << shift;
        }
        c->locked = true;
        c->locked_until = now_ms + ms;
        s_auth.stats.lockouts++;
        lb_audit_record(LB_AUDIT_LOCKOUT, c->ip, (int)(ms / 1000u), now_ms);
    }
    return result(res, status, reason);
}

unsigned lb_auth_check(const char *authz, const char *method, const char *uri, uint32_t client,
                       uint32_t now_ms, lb_auth_result_t *res)
{
    lb_digest_t d;
    memset(res, 0, sizeof(*res));
    client_t *c = client_get(client, now_ms);
    if (c->locked) {
        if (after(c->locked_until, now_ms)) {
            res->retry_after = (c->locked_until - now_ms + 999u) / 1000u;
            lb_audit_record(LB_AUDIT_LOCKED, client, 429, now_ms);
            return result(res, 429, "too many failed attempts; locked out");
        }
        c->locked = false;
    }
    if (authz == NULL) {
        return result(res, 401, "authentication required");
    }
    int rc = lb_digest_parse(authz, &d);
    if (rc == LB_E_UNSUPPORTED) {
        /* e.g. Basic: not an attack, just the wrong scheme; ask again. */
        return result(res, 401, "use Digest authentication (SHA-256)");
    }
    if (rc != 0) {
        return failure(c, res, LB_AUDIT_AUTH_BAD, 400, "malformed Authorization header", now_ms);
    }
    if (!ieq(d.algorithm, strlen(d.algorithm), "SHA-256")) {
        return failure(c, res, LB_AUDIT_AUTH_BAD, 401, "algorithm must be SHA-256", now_ms);
    }
    bool nc_hex = strlen(d.nc) == 8;
    for (size_t i = 0; nc_hex && i < 8; i++) {
        nc_hex = hexval(d.nc[i]) >= 0;
    }
    if (!streq(d.qop, "auth") || d.cnonce[0] == '\0' || !nc_hex || strlen(d.response) != 64 ||
        (d.userhash[0] != '\0' && !ieq(d.userhash, strlen(d.userhash), "false"))) {
        return failure(c, res, LB_AUDIT_AUTH_BAD, 400,
                       "Digest needs qop=auth, nc, cnonce, response", now_ms);
    }
    if (!streq(d.uri, uri)) {
        return failure(c, res, LB_AUDIT_AUTH_BAD, 400, "Digest uri does not match the request",
                       now_ms);
    }
    if (!s_auth.configured) {
        return failure(c, res, LB_AUDIT_AUTH_FAIL, 401, "no credential provisioned", now_ms);
    }
    /* From here on the password is tested: only within the device-wide
     * budget, and unevaluated (the same 429, right or wrong) beyond it. */
    if (!guess_allowed(now_ms, &res->retry_after)) {
        s_auth.stats.throttled++;
        lb_audit_record(LB_AUDIT_LOCKED, client, 429, now_ms);
        return result(res, 429, "device-wide attempt limit; retry later");
    }
    if (!streq(d.realm, s_auth.realm) || !streq(d.username, s_auth.user)) {
        return failure(c, res, LB_AUDIT_AUTH_FAIL, 401, "wrong user or password", now_ms);
    }
    char ha2[65], expect[65], got[65];
    const char *h2[] = {method, uri};
    const char *resp[] = {s_auth.ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2};
    if (lb_digest_h(ha2, h2, 2) != 0 || lb_digest_h(expect, resp, 6) != 0) {
        return result(res, 401, "hash failure");
    }
    for (size_t i = 0; i < 64; i++) {
        got[i] = lower(d.response[i]);
    }
    if (!lb_ct_equal(expect, got, 64)) {
        return failure(c, res, LB_AUDIT_AUTH_FAIL, 401, "wrong user or password", now_ms);
    }
    /* The client knows the password; now the nonce must be fresh. */
    if (!nonce_use(d.nonce, now_ms)) {
        s_auth.stats.stale++;
        lb_audit_record(LB_AUDIT_STALE, client, 401, now_ms);
        res->stale = true;
        return result(res, 401, "nonce used or expired");
    }
    c->failures = 0;
    s_auth.stats.ok++;
    lb_audit_record(LB_AUDIT_AUTH_OK, client, 200, now_ms);
    return result(res, 200, "");
}

/* ---- audit ---------------------------------------------------------------------- */

void lb_audit_record(lb_audit_event_t ev, uint32_t client, int detail, uint32_t now_ms)
{
    lb_audit_entry_t *e = &s_auth.audit[s_auth.audit_seq % LB_AUTH_AUDIT_ENTRIES];
    e->seq = ++s_auth.audit_seq;
    e->t_ms = now_ms;
    e->client = client;
    e->event = (uint8_t)ev;
    e->detail = (int16_t)(detail < -32768 ? -32768 : detail > 32767 ? 32767 : detail);
}

int lb_audit_get(unsigned i, lb_audit_entry_t *e)
{
    if (i >= LB_AUTH_AUDIT_ENTRIES || i >= s_auth.audit_seq) {
        return LB_E_NOTFOUND;
    }
    *e = s_auth.audit[(s_auth.audit_seq - 1u - i) % LB_AUTH_AUDIT_ENTRIES];
    return 0;
}

const char *lb_audit_event_name(unsigned ev)
{
    static const char *const names[LB_AUDIT_EVENT_COUNT] = {
        "none",   "auth-ok",   "auth-fail",   "auth-bad", "stale-nonce", "lockout",
        "locked", "update-ok", "update-fail", "reboot",   "credential",
    };
    return ev < LB_AUDIT_EVENT_COUNT ? names[ev] : "unknown";
}

void lb_auth_stats(lb_auth_stats_t *s)
{
    *s = s_auth.stats;
}

int lb_auth_unseal(const char *authz, const uint8_t sealed[LB_CRED_SEALED_SIZE], lb_cred_t *c)
{
    /* The request was authenticated with these parameters already; they
     * are parsed again here rather than kept per connection (on the
     * stack, as in lb_auth_check: never under the verifier's peak). */
    lb_digest_t d;
    uint8_t ha1[LB_CRED_HA1_SIZE];
    if (authz == NULL || lb_digest_parse(authz, &d) != 0 ||
        from_hex(ha1, s_auth.ha1, sizeof(ha1)) != 0) {
        return LB_E_INVAL;
    }
    int rc = lb_cred_unseal(ha1, d.nonce, d.cnonce, c, sealed);
    memset(ha1, 0, sizeof(ha1));
    return rc;
}
