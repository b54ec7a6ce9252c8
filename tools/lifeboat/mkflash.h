/* Assembling a whole flash image (`lifeboat mkflash`): the partition table,
 * a first boot-state record, the loader, the recovery image and the app
 * slots, each placed at its partition's offset, everything else erased. */
#ifndef LB_MKFLASH_H
#define LB_MKFLASH_H

#include <stddef.h>
#include <stdint.h>

#include "lb/credential.h"
#include "lb/ptable.h"

/* One input: bytes for a partition (NULL/0 leaves it erased). */
typedef struct {
    const uint8_t *data;
    size_t len;
} lb_mkflash_blob_t;

/* The boot state a new flash image starts with. */
typedef enum {
    /* Default: the factory-programmed apps are known good. One record:
     * every slot given an image is confirmed (version and security counter
     * from the image), slot a active (slot b when only b has an image),
     * the anti-rollback floor at the active image's counter. Without any
     * app the boot state stays erased. */
    LB_MKFLASH_STATE_FACTORY = 0,
    /* Leave the boot state erased: the loader adopts the first slot that
     * verifies on its first boot (its "factory adoption" row). */
    LB_MKFLASH_STATE_BLANK = 1,
    /* As right after an update was installed: slot a confirmed, slot b new
     * and active, so the next boot tries slot b on trial. Needs both. */
    LB_MKFLASH_STATE_NEW_B = 2,
} lb_mkflash_state_t;

typedef struct {
    lb_mkflash_blob_t loader;                   /* raw loader binary */
    lb_mkflash_blob_t recovery;                 /* signed recovery image */
    lb_mkflash_blob_t app[LB_PTABLE_MAX_SLOTS]; /* signed app per slot */
    int state;                                  /* lb_mkflash_state_t */
    /* A per-device recovery credential, or NULL: written as the first
     * record of the data partition named `credential` (seq 1). */
    const lb_cred_t *cred;
    /* The device's first entropy seed (LB_SEED_SIZE random bytes), or
     * NULL: written as the first record of the data partition named
     * `seed` when the layout has one (lb/seed.h); ignored otherwise. */
    const uint8_t *seed;
    /* The layout's product id, or NULL/"" (a binary table carries none):
     * every image given must be for this product. */
    const char *product;
} lb_mkflash_inputs_t;

/* Why lb_mkflash_build refused: the part concerned ("recovery", "app slot
 * a", "ptable", "boot state", "credential", ...) and a whole sentence for
 * the user, starting with that part. */
typedef struct {
    const char *part;
    char msg[192];
} lb_mkflash_err_t;

/* Fills `out` (t->geom.size bytes) with the flash image for table `t`
 * (which must pass lb_ptable_check). Signed images must start with the
 * image magic and carry the kind of their partition (recovery: recovery,
 * app slots: app) and the layout's product when one is given. Returns 0,
 * or LB_E_SIZE when an input does not fit its partition, LB_E_MAGIC when
 * a signed image is not one, LB_E_KIND / LB_E_PRODUCT for an image of the
 * wrong kind or product, LB_E_STATE when the NEW_B state lacks an image in
 * either slot, LB_E_NOTFOUND when an app is given for a slot the table
 * lacks (or a credential without a `credential` partition), LB_E_INVAL for
 * a bad credential, LB_E_NOSPACE when the encoded table does not fit its
 * partition. `err` (may be NULL) then says which part and why. */
int lb_mkflash_build(const lb_ptable_t *t, const lb_mkflash_inputs_t *in, uint8_t *out,
                     lb_mkflash_err_t *err);

#endif
