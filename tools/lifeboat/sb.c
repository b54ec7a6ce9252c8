#include "sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(lb_sb_t *sb, size_t extra)
{
    if (sb->oom) {
        return 0;
    }
    if (sb->len + extra + 1 <= sb->cap) {
        return 1;
    }
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(sb->data, cap);
    if (!p) {
        sb->oom = 1;
        return 0;
    }
    sb->data = p;
    sb->cap = cap;
    return 1;
}

void lb_sb_put(lb_sb_t *sb, const void *bytes, size_t len)
{
    if (!reserve(sb, len)) {
        return;
    }
    memcpy(sb->data + sb->len, bytes, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void lb_sb_printf(lb_sb_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(sb, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void lb_sb_put_xml(lb_sb_t *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            lb_sb_printf(sb, "&lt;");
            break;
        case '>':
            lb_sb_printf(sb, "&gt;");
            break;
        case '&':
            lb_sb_printf(sb, "&amp;");
            break;
        case '"':
            lb_sb_printf(sb, "&quot;");
            break;
        default:
            lb_sb_put(sb, s, 1);
        }
    }
}

void lb_sb_put_json(lb_sb_t *sb, const char *s)
{
    lb_sb_put(sb, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            lb_sb_printf(sb, "\\%c", c);
        } else if (c < 0x20) {
            lb_sb_printf(sb, "\\u%04x", c);
        } else {
            lb_sb_put(sb, s, 1);
        }
    }
    lb_sb_put(sb, "\"", 1);
}

void lb_sb_free(lb_sb_t *sb)
{
    free(sb->data);
    memset(sb, 0, sizeof(*sb));
}
