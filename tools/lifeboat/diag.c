#include "diag.h"

#include "sb.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lb_diag_init(lb_diag_t *d, const char *file)
{
    memset(d, 0, sizeof(*d));
    d->file = file;
}

void lb_diag_add(lb_diag_t *d, unsigned line, unsigned col, const char *fmt, ...)
{
    d->count++;
    if (d->stored >= LB_DIAG_MAX) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    char *msg = malloc((size_t)n + 1);
    if (!msg) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    lb_diag_entry_t *e = &d->entries[d->stored++];
    e->line = line;
    e->col = col;
    e->msg = msg;
}

static int by_position(const lb_diag_entry_t *a, const lb_diag_entry_t *b)
{
    if (a->line != b->line) {
        return a->line < b->line ? -1 : 1;
    }
    if (a->col != b->col) {
        return a->col < b->col ? -1 : 1;
    }
    return 0;
}

/* Insertion sort: stable, so errors at one position keep the order in
 * which the validator found them; the count is small. */
static void sort_entries(lb_diag_t *d)
{
    for (unsigned i = 1; i < d->stored; i++) {
        lb_diag_entry_t tmp = d->entries[i];
        unsigned j = i;
        while (j > 0 && by_position(&d->entries[j - 1], &tmp) > 0) {
            d->entries[j] = d->entries[j - 1];
            j--;
        }
        d->entries[j] = tmp;
    }
}

unsigned lb_diag_print(lb_diag_t *d, FILE *f)
{
    sort_entries(d);
    for (unsigned i = 0; i < d->stored; i++) {
        const lb_diag_entry_t *e = &d->entries[i];
        if (e->line) {
            fprintf(f, "%s:%u:%u: %s\n", d->file, e->line, e->col, e->msg);
        } else {
            fprintf(f, "%s: %s\n", d->file, e->msg);
        }
    }
    if (d->count > d->stored) {
        fprintf(f, "%s: %u more errors not shown\n", d->file, d->count - d->stored);
    }
    return d->count;
}

unsigned lb_diag_print_json(lb_diag_t *d, FILE *f)
{
    sort_entries(d);
    lb_sb_t sb = {0};
    lb_sb_printf(&sb, "{\"file\": ");
    lb_sb_put_json(&sb, d->file);
    lb_sb_printf(&sb, ", \"ok\": false, \"count\": %u, \"errors\": [", d->count);
    for (unsigned i = 0; i < d->stored; i++) {
        const lb_diag_entry_t *e = &d->entries[i];
        lb_sb_printf(&sb, "%s{\"line\": %u, \"column\": %u, \"message\": ", i ? ", " : "", e->line,
                     e->col);
        lb_sb_put_json(&sb, e->msg);
        lb_sb_printf(&sb, "}");
    }
    lb_sb_printf(&sb, "]}\n");
    fputs(sb.data != NULL && !sb.oom ? sb.data : "{\"ok\": false, \"error\": \"out of memory\"}\n",
          f);
    lb_sb_free(&sb);
    return d->count;
}

void lb_diag_free(lb_diag_t *d)
{
    for (unsigned i = 0; i < d->stored; i++) {
        free(d->entries[i].msg);
    }
    d->stored = 0;
    d->count = 0;
}
