/* A growable byte buffer the emitters print into, so that every output is
 * complete in memory before anything touches the file system. */
#ifndef LB_SB_H
#define LB_SB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data; /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    int oom; /* set when an allocation failed; the content is then incomplete */
} lb_sb_t;

/* Appends formatted text. */
void lb_sb_printf(lb_sb_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `len` raw bytes. */
void lb_sb_put(lb_sb_t *sb, const void *bytes, size_t len);

/* Appends `s` with XML special characters escaped. */
void lb_sb_put_xml(lb_sb_t *sb, const char *s);

/* Appends `s` as a JSON string literal (with quotes). */
void lb_sb_put_json(lb_sb_t *sb, const char *s);

/* Releases the buffer; `sb` is then empty. */
void lb_sb_free(lb_sb_t *sb);

#endif
