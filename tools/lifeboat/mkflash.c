#include "mkflash.h"

#include <stdbool.h>
#include <string.h>

#include "lb/bootstate.h"
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

/* What a slot's boot-state entry records about an image: its version and
 * security counter, as far as the image parses (the loader verifies it at
 * boot; an image that does not verify is then marked invalid). */
static lb_bootstate_slot_t slot_entry(const lb_mkflash_blob_t *b, uint32_t max_size, uint8_t state)
{
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY, .max_size = max_size};
    lb_image_info_t info;
    memset(&info, 0, sizeof(info));
    (void)lb_image_verify(b->data, b->len, &any, &info);
    lb_bootstate_slot_t e = {.state = state, .security_counter = info.security_counter};
    /* MCUboot header: ih_ver at byte 20 (major, minor, revision, build). */
    e.version.major = b->data[LB_IMAGE_OFF_VER_MAJOR];
    e.version.minor = b->data[LB_IMAGE_OFF_VER_MINOR];
    e.version.revision = lb_get_le16(b->data + LB_IMAGE_OFF_VER_REVISION);
    e.version.build = lb_get_le32(b->data + LB_IMAGE_OFF_VER_BUILD);
    return e;
}

/* The first boot-state record (see lb_mkflash_state_t), or nothing for a
 * blank state or a flash without apps. */
static int initial_state(const lb_ptable_t *t, const lb_mkflash_inputs_t *in, uint8_t *out,
                         const char **why)
{
    const lb_mkflash_blob_t *app = in->app;
    bool have[2] = {app[0].data != NULL && app[0].len > 0, app[1].data != NULL && app[1].len > 0};
    if (in->state == LB_MKFLASH_STATE_BLANK) {
        return LB_OK;
    }
    *why = "boot state";
    if (in->state == LB_MKFLASH_STATE_NEW_B && (!have[0] || !have[1])) {
        return LB_E_STATE;
    }
    if (in->state != LB_MKFLASH_STATE_NEW_B && in->state != LB_MKFLASH_STATE_FACTORY) {
        return LB_E_INVAL;
    }
    if (!have[0] && !have[1]) {
        return LB_OK; /* nothing to confirm: the loader starts recovery */
    }
    const lb_part_t *bs = lb_ptable_find(t, LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE);
    if (bs == NULL) {
        return LB_E_NOTFOUND;
    }
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.seq = 1;
    for (uint8_t i = 0; i < 2; i++) {
        if (have[i]) {
            const lb_part_t *p = lb_ptable_find(t, LB_PART_APP, i);
            uint8_t st =
                in->state == LB_MKFLASH_STATE_NEW_B && i == 1 ? LB_SLOT_NEW : LB_SLOT_CONFIRMED;
            s.slots[i] = slot_entry(&app[i], p->size, st);
        }
    }
    s.active_slot = in->state == LB_MKFLASH_STATE_NEW_B || !have[0] ? 1u : 0u;
    /* The floor follows the image that runs first, like the loader's
     * adoption; a newer image in the other slot must not lock it out. */
    uint8_t floor_slot = in->state == LB_MKFLASH_STATE_NEW_B ? 0u : s.active_slot;
    s.min_security_counter = s.slots[floor_slot].security_counter;
    uint32_t ps = t->geom.program_size;
    uint32_t rec = (LB_BOOTSTATE_RECORD_SIZE + ps - 1u) / ps * ps;
    if (rec > bs->size) {
        return LB_E_NOSPACE;
    }
    int n = lb_bootstate_encode(&s, out + bs->offset, rec, t->geom.erased);
    return n < 0 ? n : LB_OK;
}

/* The first record of the `credential` partition (lb/credential.h). */
static int credential(const lb_ptable_t *t, const lb_cred_t *c, uint8_t *out, const char **why)
{
    const lb_part_t *p = lb_ptable_find_name(t, "credential");
    *why = "credential";
    if (p == NULL || p->type != LB_PART_DATA) {
        return LB_E_NOTFOUND;
    }
    lb_cred_t first = *c;
    first.seq = 1;
    uint32_t ps = t->geom.program_size;
    uint32_t rec = (LB_CRED_RECORD_SIZE + ps - 1u) / ps * ps;
    if (rec > p->size) {
        return LB_E_NOSPACE;
    }
    int n = lb_cred_encode(&first, out + p->offset, rec, t->geom.erased);
    return n < 0 ? n : LB_OK;
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
    if (err == LB_OK) {
        err = initial_state(t, in, out, why);
    }
    if (err == LB_OK && in->cred != NULL) {
        err = credential(t, in->cred, out, why);
    }
    return err;
}
