/* Untrusted JSON read in place (lb/json.h). */
#include "lb/json.h"

#include <string.h>

#include "text.h"

const char *lb_json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/* `p` at the opening quote: returns the end of the string or NULL. */
static const char *skip_string(const char *p)
{
    for (p++; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) {
            return NULL; /* includes the terminating NUL */
        }
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (lb_text_hexval(p[i]) < 0) {
                        return NULL;
                    }
                }
                p += 4;
            } else if (*p == '\0' || !lb_text_in("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *skip_literal(const char *p)
{
    static const char *const lits[] = {"true", "false", "null"};
    for (unsigned i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if (lb_text_starts(p, lits[i])) {
            return p + n;
        }
    }
    /* A number: loosely, its characters (enough to find where it ends). */
    const char *q = p;
    while ((*q >= '0' && *q <= '9') || (*q != '\0' && lb_text_in("+-.eE", *q))) {
        q++;
    }
    return q == p ? NULL : q;
}

static const char *skip_value(const char *p, unsigned depth)
{
    p = lb_json_ws(p);
    if (*p == '"') {
        return skip_string(p);
    }
    if (*p != '{' && *p != '[') {
        return skip_literal(p);
    }
    if (depth >= LB_JSON_MAX_DEPTH) {
        return NULL;
    }
    char close = *p == '{' ? '}' : ']';
    bool obj = *p == '{';
    p = lb_json_ws(p + 1);
    if (*p == close) {
        return p + 1;
    }
    for (;;) {
        if (obj) {
            if (*p != '"' || (p = skip_string(p)) == NULL) {
                return NULL;
            }
            p = lb_json_ws(p);
            if (*p != ':') {
                return NULL;
            }
            p++;
        }
        if ((p = skip_value(p, depth + 1)) == NULL) {
            return NULL;
        }
        p = lb_json_ws(p);
        if (*p == close) {
            return p + 1;
        }
        if (*p != ',') {
            return NULL;
        }
        p = lb_json_ws(p + 1);
    }
}

const char *lb_json_skip(const char *p)
{
    return p == NULL ? NULL : skip_value(p, 0);
}

const char *lb_json_member(const char *obj, const char *key)
{
    if (obj == NULL || *(obj = lb_json_ws(obj)) != '{') {
        return NULL;
    }
    size_t kl = strlen(key);
    const char *p = lb_json_ws(obj + 1);
    while (*p == '"') {
        const char *kend = skip_string(p);
        if (kend == NULL) {
            return NULL;
        }
        bool match = (size_t)(kend - p) == kl + 2 && memcmp(p + 1, key, kl) == 0;
        p = lb_json_ws(kend);
        if (*p != ':') {
            return NULL;
        }
        const char *val = lb_json_ws(p + 1);
        if (match) {
            return val;
        }
        if ((p = lb_json_skip(val)) == NULL) {
            return NULL;
        }
        p = lb_json_ws(p);
        if (*p != ',') {
            return NULL;
        }
        p = lb_json_ws(p + 1);
    }
    return NULL;
}

const char *lb_json_index(const char *arr, unsigned i)
{
    if (arr == NULL || *(arr = lb_json_ws(arr)) != '[') {
        return NULL;
    }
    const char *p = lb_json_ws(arr + 1);
    if (*p == ']') {
        return NULL;
    }
    for (unsigned k = 0;; k++) {
        if (k == i) {
            return p;
        }
        if ((p = lb_json_skip(p)) == NULL) {
            return NULL;
        }
        p = lb_json_ws(p);
        if (*p != ',') {
            return NULL;
        }
        p = lb_json_ws(p + 1);
    }
}

unsigned lb_json_count(const char *arr)
{
    if (arr == NULL || *(arr = lb_json_ws(arr)) != '[') {
        return 0;
    }
    const char *p = lb_json_ws(arr + 1);
    unsigned n = 0;
    while (*p != ']' && (p = lb_json_skip(p)) != NULL) {
        n++;
        p = lb_json_ws(p);
        if (*p != ',') {
            break;
        }
        p = lb_json_ws(p + 1);
    }
    return n;
}

bool lb_json_text(const char *val, char *out, size_t cap)
{
    if (cap == 0) {
        return false;
    }
    out[0] = '\0';
    if (val == NULL) {
        return false;
    }
    val = lb_json_ws(val);
    const char *end = lb_json_skip(val);
    if (end == NULL || *val == '{' || *val == '[') {
        return false;
    }
    size_t n = 0;
    if (*val != '"') {
        size_t len = (size_t)(end - val);
        n = len < cap - 1 ? len : cap - 1;
        memcpy(out, val, n);
        out[n] = '\0';
        return true;
    }
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    for (const char *p = val + 1; p < end - 1 && n < cap - 1; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                int v = (lb_text_hexval(p[1]) << 12) | (lb_text_hexval(p[2]) << 8) |
                        (lb_text_hexval(p[3]) << 4) | lb_text_hexval(p[4]);
                c = v >= 0x20 && v < 0x7F ? (char)v : '?';
                p += 4;
            } else {
                /* skip_string let only these through */
                size_t k = 0;
                while (from[k] != *p) {
                    k++;
                }
                c = to[k];
            }
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}
