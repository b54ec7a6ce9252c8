#include "mkflash.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lb/bootstate.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lb/seed.h"

/* Records why `part` was refused; returns `code`. */
__attribute__((format(printf, 4, 5))) static int refuse(lb_mkflash_err_t *e, int code,
                                                        const char *part, const char *fmt, ...)
{
    e->part = part;
    int n = snprintf(e->msg, sizeof(e->msg), "%s: ", part);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

static const char *kind_phrase(uint8_t kind)
{
    return kind == LB_IMAGE_KIND_APP        ? "an app image"
           : kind == LB_IMAGE_KIND_RECOVERY ? "a recovery image"
           : kind == 0                      ? "an image without a kind"
                                            : "an image of an unknown kind";
}

/* The checks the loader makes that do not need a key: the kind of the
 * partition and the layout's product. An image that does not verify (a
 * test may corrupt one on purpose) is judged on what parsing found. */
static int check_image(const lb_mkflash_blob_t *b, uint32_t max_size, uint8_t want,
                       const char *product, lb_mkflash_err_t *e, const char *what)
{
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY, .max_size = max_size};
    lb_image_info_t info;
    memset(&info, 0, sizeof(info));
    bool whole = lb_image_verify(b->data, b->len, &any, &info) == LB_OK;
    if ((whole || info.kind != 0) && info.kind != want) {
        return refuse(e, LB_E_KIND, what, "%s; this partition needs %s", kind_phrase(info.kind),
                      kind_phrase(want));
    }
    if (product != NULL && product[0] != '\0' && (whole || info.product[0] != '\0') &&
        strcmp(info.product, product) != 0) {
        return refuse(e, LB_E_PRODUCT, what, "image is for product '%s', the layout for '%s'",
                      info.product, product);
    }
    return LB_OK;
}

/* Copies blob `b` into partition `p`; `kind` 0 for raw bytes (the loader),
 * else the image kind the partition needs. */
static int place(const lb_part_t *p, const lb_mkflash_blob_t *b, uint8_t kind, const char *product,
                 uint8_t *out, lb_mkflash_err_t *e, const char *what)
{
    if (b->data == NULL || b->len == 0) {
        return LB_OK;
    }
    if (p == NULL) {
        return refuse(e, LB_E_NOTFOUND, what, "the layout has no such partition");
    }
    if (b->len > p->size) {
        return refuse(e, LB_E_SIZE, what, "%zu bytes do not fit the %lu-byte partition", b->len,
                      (unsigned long)p->size);
    }
    if (kind != 0) {
        if (b->len < LB_IMAGE_HEADER_SIZE || lb_get_le32(b->data) != LB_IMAGE_MAGIC) {
            return refuse(e, LB_E_MAGIC, what, "not a signed image (run lifeboat sign)");
        }
        int err = check_image(b, p->size, kind, product, e, what);
        if (err != LB_OK) {
            return err;
        }
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
                         lb_mkflash_err_t *e)
{
    const lb_mkflash_blob_t *app = in->app;
    bool have[2] = {app[0].data != NULL && app[0].len > 0, app[1].data != NULL && app[1].len > 0};
    if (in->state == LB_MKFLASH_STATE_BLANK) {
        return LB_OK;
    }
    const char *what = "boot state";
    if (in->state == LB_MKFLASH_STATE_NEW_B && (!have[0] || !have[1])) {
        return refuse(e, LB_E_STATE, what, "--new-b needs --app and --app-b");
    }
    if (in->state != LB_MKFLASH_STATE_NEW_B && in->state != LB_MKFLASH_STATE_FACTORY) {
        return refuse(e, LB_E_INVAL, what, "unknown initial state %d", in->state);
    }
    if (!have[0] && !have[1]) {
        return LB_OK; /* nothing to confirm: the loader starts recovery */
    }
    const lb_part_t *bs = lb_ptable_find(t, LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE);
    if (bs == NULL) {
        return refuse(e, LB_E_NOTFOUND, what, "the layout has no boot-state partition");
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
        return refuse(e, LB_E_NOSPACE, what,
                      "a %lu-byte record does not fit the %lu-byte partition", (unsigned long)rec,
                      (unsigned long)bs->size);
    }
    int n = lb_bootstate_encode(&s, out + bs->offset, rec, t->geom.erased);
    return n < 0 ? refuse(e, n, what, "%s", lb_err_str(n)) : LB_OK;
}

/* Where the first record (`size` bytes, padded to the program size) of
 * the data partition `name` goes. Returns its slot size, 0 when the layout
 * has no such partition, or a negative code (refused: it does not fit). */
static int first_record_slot(const lb_ptable_t *t, const char *name, uint32_t size,
                             const lb_part_t **part, lb_mkflash_err_t *e)
{
    const lb_part_t *p = lb_ptable_find_name(t, name);
    if (p == NULL || p->type != LB_PART_DATA) {
        return 0;
    }
    uint32_t ps = t->geom.program_size;
    uint32_t rec = (size + ps - 1u) / ps * ps;
    if (rec > p->size) {
        return refuse(e, LB_E_NOSPACE, name,
                      "a %lu-byte record does not fit the %lu-byte partition", (unsigned long)rec,
                      (unsigned long)p->size);
    }
    *part = p;
    return (int)rec;
}

/* The first record of the `credential` partition (lb/credential.h). */
static int credential(const lb_ptable_t *t, const lb_cred_t *c, uint8_t *out, lb_mkflash_err_t *e)
{
    const lb_part_t *p = NULL;
    int rec = first_record_slot(t, "credential", LB_CRED_RECORD_SIZE, &p, e);
    if (rec == 0) {
        return refuse(e, LB_E_NOTFOUND, "credential",
                      "the layout has no data partition named `credential`");
    }
    if (rec < 0) {
        return rec;
    }
    lb_cred_t first = *c;
    first.seq = 1;
    int n = lb_cred_encode(&first, out + p->offset, (size_t)rec, t->geom.erased);
    return n < 0 ? refuse(e, n, "credential", "%s", lb_err_str(n)) : LB_OK;
}

/* The first record of the `seed` partition, when the layout has one (else
 * nothing to seed: the device draws from its noise alone). */
static int seed(const lb_ptable_t *t, const uint8_t *bytes, uint8_t *out, lb_mkflash_err_t *e)
{
    const lb_part_t *p = NULL;
    int rec = first_record_slot(t, "seed", LB_SEED_RECORD_SIZE, &p, e);
    if (rec <= 0) {
        return rec;
    }
    int n = lb_seed_encode(1, bytes, out + p->offset, (size_t)rec, t->geom.erased);
    return n < 0 ? refuse(e, n, "seed", "%s", lb_err_str(n)) : LB_OK;
}

int lb_mkflash_build(const lb_ptable_t *t, const lb_mkflash_inputs_t *in, uint8_t *out,
                     lb_mkflash_err_t *err)
{
    lb_mkflash_err_t dummy;
    lb_mkflash_err_t *e = err != NULL ? err : &dummy;
    e->part = "";
    e->msg[0] = '\0';
    memset(out, t->geom.erased, t->geom.size);

    const lb_part_t *pt = lb_ptable_find(t, LB_PART_PTABLE, LB_PTABLE_SLOT_NONE);
    if (pt == NULL) {
        return refuse(e, LB_E_NOTFOUND, "ptable", "the layout has no partition-table partition");
    }
    /* The encoded table is padded to the program size like any write. */
    size_t need = lb_ptable_encoded_size(t);
    if (need > pt->size) {
        return refuse(e, LB_E_NOSPACE, "ptable", "%zu bytes do not fit the %lu-byte partition",
                      need, (unsigned long)pt->size);
    }
    int n = lb_ptable_encode(t, out + pt->offset, pt->size);
    if (n < 0) {
        return refuse(e, n, "ptable", "%s", lb_err_str(n));
    }

    int rc = place(lb_ptable_find(t, LB_PART_LOADER, LB_PTABLE_SLOT_NONE), &in->loader, 0, NULL,
                   out, e, "loader");
    if (rc == LB_OK) {
        rc = place(lb_ptable_find(t, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE), &in->recovery,
                   LB_IMAGE_KIND_RECOVERY, in->product, out, e, "recovery");
    }
    static const char *const slot_names[LB_PTABLE_MAX_SLOTS] = {"app slot a", "app slot b"};
    for (uint8_t s = 0; rc == LB_OK && s < LB_PTABLE_MAX_SLOTS; s++) {
        rc = place(lb_ptable_find(t, LB_PART_APP, s), &in->app[s], LB_IMAGE_KIND_APP, in->product,
                   out, e, slot_names[s]);
    }
    if (rc == LB_OK) {
        rc = initial_state(t, in, out, e);
    }
    if (rc == LB_OK && in->cred != NULL) {
        rc = credential(t, in->cred, out, e);
    }
    if (rc == LB_OK && in->seed != NULL) {
        rc = seed(t, in->seed, out, e);
    }
    return rc;
}
