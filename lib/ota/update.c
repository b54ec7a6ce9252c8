#include "update.h"

#include <string.h>

#include "lb/board.h"
#include "lb/bootstate.h"
#include "lb/config.h"
#include "lb/err.h"
#include "lb/flash.h"
#include "lb/install.h"

static struct {
    bool scanned;  /* bootable[] is known */
    bool has_keep; /* keep_slot is never written (the running app's) */
    unsigned keep_slot;
    bool bootable[LB_UPDATE_SLOTS_MAX]; /* the slot holds an image the loader would boot */
    uint32_t total;                     /* announced length */
    lb_image_policy_t policy;
    lb_bootstate_log_t log;
    lb_install_t in;          /* the lib's install sequence (stream verify, erase-ahead writer) */
    lb_install_deflate_t *zw; /* lb_update_set_deflate's, or NULL */
} up;

static int open_log(void)
{
    return lb_bootstate_open(&up.log, lb_board_flash_geom(), lb_update_layout->bootstate_offset,
                             lb_update_layout->bootstate_size);
}

/* The checks an app image must pass: kind, product, floor, size, and a
 * signature when `signature` (uploads always; the loader only with
 * `verify: signature`). */
static void app_policy(lb_image_policy_t *p, const lb_bootstate_t *st, unsigned slot,
                       bool signature)
{
    memset(p, 0, sizeof(*p));
    p->kind = LB_IMAGE_KIND_APP;
    p->product = lb_update_layout->product;
    p->min_security_counter = st->min_security_counter;
    p->require_signature = signature;
    p->key_der = lb_update_layout->key_der;
    p->key_der_len = lb_update_layout->key_der_len;
    p->max_size = lb_update_layout->slot[slot].size;
    /* Where the loader will copy it: refused now, not at the next boot. */
    lb_board_load_area_t la;
    lb_board_load_area(&la);
    if (la.ram != NULL) {
        p->load_base = la.ram_addr;
        p->load_size = (uint32_t)la.ram_size;
    }
}

/* Whether `slot` holds an image the loader would boot: streams it from
 * flash through the verifier (the install context's verifier and writer
 * buffer are free while no upload runs). */
static bool slot_bootable(const lb_bootstate_t *st, unsigned slot)
{
    app_policy(&up.policy, st, slot, lb_update_layout->boot_verifies_signature);
    if (lb_image_stream_init(&up.in.vs, &up.policy) != 0) {
        return false;
    }
    int err = 0;
    uint32_t off = 0;
    while (err == 0 && off < lb_update_layout->slot[slot].size) {
        uint32_t total = lb_image_stream_total(&up.in.vs);
        if (total != 0 && off >= total) {
            break;
        }
        uint32_t n = lb_update_layout->slot[slot].size - off;
        if (n > sizeof(up.in.w.pend)) {
            n = sizeof(up.in.w.pend);
        }
        err = lb_board_flash_read(lb_update_layout->slot[slot].offset + off, up.in.w.pend, n);
        if (err == 0) {
            err = lb_image_stream_update(&up.in.vs, up.in.w.pend, n);
        }
        off += n;
    }
    return err == 0 && lb_image_stream_finish(&up.in.vs, NULL) == 0;
}

/* What every upload starts with: the slot to write (`*slot`, its flash in
 * `area`) and the policy for it, in up.policy. Returns 0 or as
 * lb_update_begin. */
static int prepare(uint32_t length, unsigned *out, lb_flash_area_t *area)
{
    if (up.in.active) {
        return LB_E_BUSY;
    }
    if (length == 0) {
        return LB_E_INVAL;
    }
    int err = open_log();
    if (err != 0) {
        return err;
    }
    const lb_bootstate_t *st = lb_bootstate_get(&up.log);
    if (!up.scanned) {
        for (unsigned i = 0; i < lb_update_layout->slot_count; i++) {
            up.bootable[i] = slot_bootable(st, i);
        }
        up.scanned = true;
    }
    unsigned slot = lb_install_pick_slot(st, lb_update_layout->slot_count, up.bootable);
    if (slot >= lb_update_layout->slot_count || (up.has_keep && slot == up.keep_slot)) {
        return LB_E_STATE;
    }
    if (length > lb_update_layout->slot[slot].size) {
        return LB_E_NOSPACE;
    }
    /* Recovery installs signed images only, whatever the boot-time policy. */
    app_policy(&up.policy, st, slot, true);
    *out = slot;
    return lb_flash_area_init(area, lb_board_flash_geom(), lb_update_layout->slot[slot].offset,
                              lb_update_layout->slot[slot].size);
}

static int begin(uint32_t length, const lb_install_id_t *id)
{
    unsigned slot;
    lb_flash_area_t area;
    int err = prepare(length, &slot, &area);
    if (err == 0) {
        /* Nothing may trust the slot from here on (begin marks it empty). */
        up.bootable[slot] = false;
        err = lb_install_begin_id(&up.in, &up.log, &area, &up.policy, slot, id);
    }
    if (LB_CFG_INSTALL_DEFLATE && err == 0 && up.zw != NULL) {
        err = lb_install_set_deflate(&up.in, up.zw);
    }
    if (err != 0) {
        return err;
    }
    up.total = length;
    return 0;
}

void lb_update_set_deflate(lb_install_deflate_t *zw)
{
    up.zw = zw;
}

void lb_update_reset(void)
{
    memset(&up, 0, sizeof(up));
}

int lb_update_begin(uint32_t length)
{
    return begin(length, NULL);
}

int lb_update_begin_id(const lb_install_id_t *id)
{
    return begin(id->size, id);
}

int lb_update_resume(const lb_install_id_t *id)
{
    unsigned slot;
    lb_flash_area_t area;
    int n = prepare(id->size, &slot, &area);
    if (n == 0) {
        n = lb_install_resume(&up.in, &up.log, &area, &up.policy, slot, id);
    }
    if (n > 0) {
        up.total = id->size;
    }
    return n;
}

static int fail(int err)
{
    lb_update_abort();
    return err;
}

int lb_update_write(const uint8_t *data, size_t len)
{
    if (!up.in.active) {
        return LB_E_STATE;
    }
    if (len > up.total - up.in.done) {
        return fail(LB_E_SIZE);
    }
    return lb_install_write(&up.in, data, len);
}

int lb_update_finish(lb_image_info_t *info)
{
    if (!up.in.active) {
        return LB_E_STATE;
    }
    if (up.in.done != up.total) {
        return fail(LB_E_TRUNCATED);
    }
    int err = lb_install_finish(&up.in, info);
    if (err == 0) {
        up.bootable[up.in.slot] = true;
    }
    return err;
}

void lb_update_keep(unsigned slot)
{
    up.has_keep = true;
    up.keep_slot = slot;
}

int lb_update_replay(uint32_t max, lb_install_feed_fn feed, void *arg)
{
    return lb_install_replay(&up.in, max, feed, arg);
}

int lb_update_set_accept(lb_install_accept_fn fn, void *arg)
{
    return lb_install_set_accept(&up.in, fn, arg);
}

void lb_update_abort(void)
{
    lb_install_abort(&up.in);
}

bool lb_update_active(unsigned *slot, uint32_t *done, uint32_t *total)
{
    if (slot) {
        *slot = up.in.slot;
    }
    if (done) {
        *done = up.in.done;
    }
    if (total) {
        *total = up.total;
    }
    return up.in.active;
}

unsigned lb_update_http_status(int err)
{
    switch (err) {
    case LB_E_BUSY:
        return 409;
    case LB_E_NOSPACE:
        return 413;
    case LB_E_INVAL:
        return 400;
    case LB_E_MAGIC:
    case LB_E_VERSION:
    case LB_E_RANGE:
    case LB_E_SIZE:
    case LB_E_TLV:
    case LB_E_HASH:
    case LB_E_KEY:
    case LB_E_SIG:
    case LB_E_KIND:
    case LB_E_PRODUCT:
    case LB_E_SECCNT:
    case LB_E_UNSIGNED:
    case LB_E_TRUNCATED:
    case LB_E_TLVPLACE:
    case LB_E_TLVUNKNOWN:
    case LB_E_FLAGS:
    case LB_E_LOADAREA:
    case LB_E_TRAILING:
    case LB_E_MISMATCH:
        return 422;
    default:
        return 500;
    }
}
