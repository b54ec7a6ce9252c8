#include "mkflash.h"

#include <string.h>

#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"

static int place(const lb_part_t *p, const lb_mkflash_blob_t *b, int signed_image, uint8_t *out,
                 const char **why, const char *what)
{
    if (b->data == NULL || b->len == 0) {
        return LB_OK;
    }
    if (p == NULL) {
        *why = what;
        return LB_E_NOTFOUND;
    }
    if (b->len > p->size) {
        *why = what;
        return LB_E_SIZE;
    }
    if (signed_image && (b->len < LB_IMAGE_HEADER_SIZE || lb_get_le32(b->data) != LB_IMAGE_MAGIC)) {
        *why = what;
        return LB_E_MAGIC;
    }
    memcpy(out + p->offset, b->data, b->len);
    return LB_OK;
}

int lb_mkflash_build(const lb_ptable_t *t, const lb_mkflash_inputs_t *in, uint8_t *out,
                     const char **why)
{
    const char *dummy;
    if (why == NULL) {
        why = &dummy;
    }
    *why = "";
    memset(out, t->geom.erased, t->geom.size);

    const lb_part_t *pt = lb_ptable_find(t, LB_PART_PTABLE, LB_PTABLE_SLOT_NONE);
    if (pt == NULL) {
        *why = "ptable";
        return LB_E_NOTFOUND;
    }
    /* The encoded table is padded to the program size like any write. */
    size_t need = lb_ptable_encoded_size(t);
    if (need > pt->size) {
        *why = "ptable";
        return LB_E_NOSPACE;
    }
    int n = lb_ptable_encode(t, out + pt->offset, pt->size);
    if (n < 0) {
        *why = "ptable";
        return n;
    }

    int err = place(lb_ptable_find(t, LB_PART_LOADER, LB_PTABLE_SLOT_NONE), &in->loader, 0, out,
                    why, "loader");
    if (err == LB_OK) {
        err = place(lb_ptable_find(t, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE), &in->recovery, 1, out,
                    why, "recovery");
    }
    static const char *const slot_names[LB_PTABLE_MAX_SLOTS] = {"app slot a", "app slot b"};
    for (uint8_t s = 0; err == LB_OK && s < LB_PTABLE_MAX_SLOTS; s++) {
        err = place(lb_ptable_find(t, LB_PART_APP, s), &in->app[s], 1, out, why, slot_names[s]);
    }
    /* The boot-state partition stays erased: the loader's boot-state code
     * reads an erased log as "no history" and starts it on first boot. */
    return err;
}
