/* Assembling a whole flash image (`lifeboat mkflash`): the partition table,
 * an erased boot state, the loader, the recovery image and the app slots,
 * each placed at its partition's offset, everything else erased. */
#ifndef LB_MKFLASH_H
#define LB_MKFLASH_H

#include <stddef.h>
#include <stdint.h>

#include "lb/ptable.h"

/* One input: bytes for a partition (NULL/0 leaves it erased). */
typedef struct {
    const uint8_t *data;
    size_t len;
} lb_mkflash_blob_t;

typedef struct {
    lb_mkflash_blob_t loader;                   /* raw loader binary */
    lb_mkflash_blob_t recovery;                 /* signed recovery image */
    lb_mkflash_blob_t app[LB_PTABLE_MAX_SLOTS]; /* signed app per slot */
} lb_mkflash_inputs_t;

/* Fills `out` (t->geom.size bytes) with the flash image for table `t`
 * (which must pass lb_ptable_check). Signed images must start with the
 * image magic. Returns 0, or LB_E_SIZE when an input does not fit its
 * partition (`why` names it), LB_E_MAGIC when a signed image is not one,
 * LB_E_NOTFOUND when an app is given for a slot the table lacks,
 * LB_E_NOSPACE when the encoded table does not fit its partition. */
int lb_mkflash_build(const lb_ptable_t *t, const lb_mkflash_inputs_t *in, uint8_t *out,
                     const char **why);

#endif
