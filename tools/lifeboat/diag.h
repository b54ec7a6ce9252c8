/* Located diagnostics for the layout reader: every problem is collected as
 * (line, column, message) and printed as `file:line:column: message`, sorted
 * by position, so that a user sees all of them at once. */
#ifndef LB_DIAG_H
#define LB_DIAG_H

#include <stdio.h>

#define LB_DIAG_MAX 256u /* further errors are counted, not stored */

typedef struct {
    unsigned line; /* 1-based; 0 = not tied to a position in the file */
    unsigned col;  /* 1-based */
    char *msg;
} lb_diag_entry_t;

typedef struct {
    const char *file; /* as the user named it; not owned */
    unsigned count;   /* errors reported (may exceed the stored ones) */
    unsigned stored;
    lb_diag_entry_t entries[LB_DIAG_MAX];
} lb_diag_t;

/* Prepares `d` for errors about `file`. */
void lb_diag_init(lb_diag_t *d, const char *file);

/* Records one error at line:col (1-based; 0:0 for the file as a whole). */
void lb_diag_add(lb_diag_t *d, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints every stored error, sorted by position, one per line, then a
 * summary line if some were dropped. Returns the error count. */
unsigned lb_diag_print(lb_diag_t *d, FILE *f);

/* The same as one JSON object on `f`: {"file", "ok": false, "count",
 * "errors": [{"line", "column", "message"}]} (line 0: the whole file).
 * Returns the error count. */
unsigned lb_diag_print_json(lb_diag_t *d, FILE *f);

/* Frees the messages; `d` is then empty again. */
void lb_diag_free(lb_diag_t *d);

#endif
