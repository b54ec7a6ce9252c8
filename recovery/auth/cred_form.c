#include "cred_form.h"

#include <string.h>

#include "lb/err.h"

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Copies a value into a name field (NUL-terminated). Returns 0 or -1. */
static int name(char *dst, const char *v, size_t n)
{
    if (n == 0 || n > LB_CRED_NAME_MAX || memchr(v, '\0', n) != NULL) {
        return -1;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (dst[i] == '%' || dst[i] == '+') {
            return -1; /* escapes are not decoded: refuse rather than guess */
        }
    }
    return lb_cred_name_ok(dst) ? 0 : -1;
}

static int fail(const char **why, const char *reason)
{
    *why = reason;
    return LB_E_INVAL;
}

int lb_cred_form_parse(const char *body, size_t len, const char *realm_default, lb_cred_t *c,
                       uint8_t sealed[LB_CRED_SEALED_SIZE], const char **why)
{
    memset(c, 0, sizeof(*c));
    memset(sealed, 0, LB_CRED_SEALED_SIZE);
    unsigned seen = 0;
    size_t i = 0;
    /* A trailing line end (curl -d from a file, echo) is not part of it. */
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r')) {
        len--;
    }
    while (i < len) {
        size_t k = i;
        while (k < len && body[k] != '=' && body[k] != '&') {
            k++;
        }
        if (k == len || body[k] != '=') {
            return fail(why, "expected key=value pairs joined by &");
        }
        size_t v = k + 1, e = v;
        while (e < len && body[e] != '&') {
            e++;
        }
        const char *key = body + i;
        size_t kl = k - i, vl = e - v;
        unsigned bit;
        int bad;
        if (kl == 4 && memcmp(key, "user", 4) == 0) {
            bit = 1;
            bad = name(c->user, body + v, vl);
        } else if (kl == 5 && memcmp(key, "realm", 5) == 0) {
            bit = 2;
            bad = name(c->realm, body + v, vl);
        } else if (kl == 6 && memcmp(key, "sealed", 6) == 0) {
            bit = 4;
            bad = vl != 2 * LB_CRED_SEALED_SIZE;
            for (size_t j = 0; !bad && j < LB_CRED_SEALED_SIZE; j++) {
                int hi = hexval(body[v + 2 * j]), lo = hexval(body[v + 2 * j + 1]);
                bad = hi < 0 || lo < 0;
                if (!bad) {
                    sealed[j] = (uint8_t)(hi << 4 | lo);
                }
            }
        } else if (kl == 3 && memcmp(key, "ha1", 3) == 0) {
            return fail(why, "ha1 in the clear is refused; send sealed=");
        } else {
            return fail(why, "unknown field (expected user, sealed, realm)");
        }
        if (seen & bit) {
            return fail(why, "a field appears twice");
        }
        if (bad) {
            return fail(why, bit == 4 ? "sealed must be 128 hex digits"
                                      : "names: 1-32 printable, no space \" \\ % +");
        }
        seen |= bit;
        if (e + 1 == len) {
            return fail(why, "expected key=value pairs joined by &");
        }
        i = e < len ? e + 1 : e;
    }
    if ((seen & 5) != 5) {
        return fail(why, "user and sealed are required");
    }
    if (!(seen & 2)) {
        if (realm_default == NULL || name(c->realm, realm_default, strlen(realm_default)) != 0) {
            return fail(why, "realm required");
        }
    }
    return 0;
}
