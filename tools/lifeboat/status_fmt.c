#include "status_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/json.h"
#include "lb/err.h"
#include "lb/seed.h"

/* The scalar `key` of `obj` as text, or "?" (the device's bytes are shown,
 * never trusted to be complete). */
static const char *get(const char *obj, const char *key, char *buf, size_t cap)
{
    if (!lb_json_text(lb_json_member(obj, key), buf, cap) || buf[0] == '\0') {
        snprintf(buf, cap, "?");
    }
    return buf;
}

int lb_status_summary(const char *json, lb_sb_t *sb)
{
    const char *root = json;
    while (*root == ' ' || *root == '\n' || *root == '\r' || *root == '\t') {
        root++;
    }
    if (*root != '{' || lb_json_skip(root) == NULL) {
        return LB_E_INVAL;
    }
    char a[96], b[96], c[96], d[96];
    lb_sb_printf(sb, "product:    %s (board %s)\n", get(root, "product", a, sizeof(a)),
                 get(root, "board", b, sizeof(b)));
    lb_sb_printf(sb, "mode:       %s, reason %s, reset %s\n", get(root, "mode", a, sizeof(a)),
                 get(root, "reason", b, sizeof(b)), get(root, "reset", c, sizeof(c)));
    lb_sb_printf(sb, "versions:   recovery %s, loader %s, boot count %s\n",
                 get(root, "recovery_version", a, sizeof(a)),
                 get(root, "loader_version", b, sizeof(b)), get(root, "boot_count", c, sizeof(c)));
    const char *slots = lb_json_member(root, "slots");
    if (slots == NULL) {
        lb_sb_printf(sb, "boot state: unreadable (%s)\n",
                     get(root, "bootstate_error", a, sizeof(a)));
    } else {
        char active[16];
        get(root, "active_slot", active, sizeof(active));
        for (unsigned i = 0; i < 8; i++) {
            const char *s = lb_json_index(slots, i);
            if (s == NULL) {
                break;
            }
            get(s, "slot", a, sizeof(a));
            char name = strcmp(a, "0") == 0 ? 'a' : strcmp(a, "1") == 0 ? 'b' : '?';
            lb_sb_printf(sb, "slot %c:     %s, version %s, security counter %s%s\n", name,
                         get(s, "state", b, sizeof(b)), get(s, "version", c, sizeof(c)),
                         get(s, "security_counter", d, sizeof(d)),
                         strcmp(a, active) == 0 ? " (active)" : "");
        }
        lb_sb_printf(sb, "floor:      security counter %s, unhealthy boots %s\n",
                     get(root, "min_security_counter", a, sizeof(a)),
                     get(root, "unhealthy", b, sizeof(b)));
    }
    const char *up = lb_json_member(root, "upload");
    if (strcmp(get(up, "active", a, sizeof(a)), "true") == 0) {
        lb_sb_printf(sb, "upload:     in progress, slot %s, %s of %s bytes\n",
                     get(up, "slot", b, sizeof(b)), get(up, "received", c, sizeof(c)),
                     get(up, "total", d, sizeof(d)));
    }
    const char *auth = lb_json_member(root, "auth");
    lb_sb_printf(sb, "credential: %s (realm %s)\n", get(auth, "credential", a, sizeof(a)),
                 get(auth, "realm", b, sizeof(b)));
    lb_sb_printf(sb, "auth:       %s ok, %s failures, ", get(auth, "ok", a, sizeof(a)),
                 get(auth, "failures", b, sizeof(b)));
    lb_sb_printf(sb, "%s lockouts, %s stale nonces\n", get(auth, "lockouts", a, sizeof(a)),
                 get(auth, "stale_nonces", b, sizeof(b)));
    /* The LB_SEED_F_* bits of the nonce key's draw (lb/seed.h). */
    if (lb_json_member(root, "entropy") != NULL) {
        unsigned long ent = strtoul(get(root, "entropy", a, sizeof(a)), NULL, 10);
        lb_sb_printf(sb, "entropy:    %s%s, %s\n",
                     ent & LB_SEED_F_STORED ? "stored seed" : "no stored seed",
                     ent & LB_SEED_F_RENEWED ? " (renewed)" : "",
                     ent & LB_SEED_F_NOISE ? "board noise" : "no board noise");
    }
    return LB_OK;
}

int lb_history_summary(const char *json, lb_sb_t *sb, unsigned long *oldest)
{
    const char *root = json;
    while (*root == ' ' || *root == '\n' || *root == '\r' || *root == '\t') {
        root++;
    }
    if (*root != '{' || lb_json_skip(root) == NULL) {
        return LB_E_INVAL;
    }
    char a[96], b[96], c[96], d[96], e[96];
    const char *list = lb_json_member(root, "history");
    if (list == NULL) {
        lb_sb_printf(sb, "history:    none (%s)\n", get(root, "history_error", a, sizeof(a)));
        return 0;
    }
    unsigned n = 0;
    for (const char *x; (x = lb_json_index(list, n)) != NULL; n++) {
        get(x, "seq", a, sizeof(a));
        *oldest = strtoul(a, NULL, 10);
        lb_sb_printf(sb, "  #%-5s boot %-5s %-10s %-7s", a, get(x, "boot_count", b, sizeof(b)),
                     get(x, "event", c, sizeof(c)), get(x, "source", d, sizeof(d)));
        if (lb_json_member(x, "slot") != NULL) {
            get(x, "slot", a, sizeof(a));
            lb_sb_printf(sb, " slot %s", strcmp(a, "0") == 0 ? "a" : strcmp(a, "1") == 0 ? "b" : a);
        }
        if (lb_json_member(x, "version") != NULL) {
            lb_sb_printf(sb, " %s (counter %s)", get(x, "version", a, sizeof(a)),
                         get(x, "security_counter", b, sizeof(b)));
        }
        if (lb_json_member(x, "reason") != NULL) {
            lb_sb_printf(sb, " reason %s", get(x, "reason", a, sizeof(a)));
        }
        if (lb_json_member(x, "why") != NULL) {
            lb_sb_printf(sb, ": %s", get(x, "why", a, sizeof(a)));
        }
        if (lb_json_member(x, "client") != NULL) {
            lb_sb_printf(sb, " from %s", get(x, "client", e, sizeof(e)));
        }
        lb_sb_printf(sb, "\n");
    }
    return (int)n;
}
