#include "mkflash_layout.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "layout.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "ytree.h"

/* The YAML path: lifeboat gen's reader and validator (keys are not needed
 * to place images, so they are not loaded). */
static int load_yaml(const char *path, lb_ptable_t *t, char *product, size_t cap)
{
    static char text[LB_YTREE_MAX_INPUT + 1];
    static lb_layout_t layout;
    lb_diag_t d;
    lb_diag_init(&d, path);
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    unsigned errs = 1;
    if (f == NULL) {
        lb_diag_add(&d, 0, 0, "cannot open the layout");
    } else {
        len = fread(text, 1, sizeof(text), f);
        fclose(f);
        errs = lb_layout_parse(&layout, text, len, path, &d);
    }
    if (errs != 0) {
        lb_diag_print(&d, stderr);
        lb_diag_free(&d);
        return -1;
    }
    lb_diag_free(&d);
    lb_layout_to_ptable(&layout, t);
    snprintf(product, cap, "%s", layout.product);
    return 0;
}

int lb_mkflash_load_layout(const char *path, lb_ptable_t *t, char *product, size_t cap)
{
    if (cap > 0) {
        product[0] = '\0';
    }
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "lifeboat mkflash: cannot open %s\n", path);
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n >= 4 && lb_get_le32(buf) == LB_PTABLE_MAGIC) {
        int err = lb_ptable_decode(t, buf, n);
        if (err != LB_OK) {
            fprintf(stderr, "lifeboat mkflash: %s: bad partition table: %s\n", path,
                    lb_err_str(err));
            return -1;
        }
        return 0;
    }
    return load_yaml(path, t, product, cap);
}
