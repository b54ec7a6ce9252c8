#include "update.h"

#include <string.h>

#include "lb/board.h"
#include "lb/bootstate.h"
#include "lb/err.h"
#include "partitions.h"

/* Bytes gathered before one program call; a multiple of every supported
 * program size. */
#define PROG_CHUNK 512u
_Static_assert(PROG_CHUNK % LB_FLASH_PROGRAM_SIZE == 0, "chunk vs program size");

static const struct {
    uint32_t off;
    uint32_t size;
} slots[] = {
    {LB_SLOT0_OFFSET, LB_SLOT0_SIZE},
#if LB_SLOT_COUNT > 1
    {LB_SLOT1_OFFSET, LB_SLOT1_SIZE},
#endif
};

#if LB_KEY_PRESENT
static const uint8_t trusted_key[] = LB_KEY_DER_INIT;
#endif

static struct {
    bool active;
    unsigned slot;
    uint32_t total;   /* announced length */
    uint32_t done;    /* bytes consumed */
    uint32_t written; /* bytes programmed (slot-relative) */
    uint32_t erased;  /* slot-relative end of the erased area */
    size_t fill;
    lb_image_policy_t policy;
    lb_image_stream_t vs;
    lb_bootstate_log_t log;
    uint8_t buf[PROG_CHUNK];
} up;

static int open_log(void)
{
    return lb_bootstate_open(&up.log, lb_board_flash_geom(), LB_BOOTSTATE_OFFSET,
                             LB_BOOTSTATE_SIZE);
}

int lb_update_begin(uint32_t length)
{
    if (up.active) {
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
    unsigned slot = lb_bootstate_install_slot(st, LB_SLOT_COUNT);
    if (slot >= sizeof(slots) / sizeof(slots[0])) {
        return LB_E_STATE;
    }
    if (length > slots[slot].size) {
        return LB_E_NOSPACE;
    }
    memset(&up.policy, 0, sizeof(up.policy));
    up.policy.kind = LB_IMAGE_KIND_APP;
    up.policy.product = LB_LAYOUT_PRODUCT;
    up.policy.min_security_counter = st->min_security_counter;
    /* Recovery installs signed images only, whatever the boot-time policy. */
    up.policy.require_signature = true;
#if LB_KEY_PRESENT
    up.policy.key_der = trusted_key;
    up.policy.key_der_len = sizeof(trusted_key);
#endif
    up.policy.max_size = slots[slot].size;
    err = lb_image_stream_init(&up.vs, &up.policy);
    if (err == 0) {
        /* Nothing may trust the slot from here on. */
        err = lb_bootstate_install_begin(&up.log, slot);
    }
    if (err != 0) {
        return err;
    }
    up.active = true;
    up.slot = slot;
    up.total = length;
    up.done = 0;
    up.written = 0;
    up.erased = 0;
    up.fill = 0;
    return 0;
}

/* Programs up.buf[0..len) at the write position, erasing ahead first. */
static int program(size_t len)
{
    uint32_t base = slots[up.slot].off;
    while (up.erased < up.written + len) {
        uint32_t start = 0, size = 0;
        int err = lb_geom_unit_at(lb_board_flash_geom(), base + up.erased, &start, &size);
        if (err == 0 && (start != base + up.erased || up.erased + size > slots[up.slot].size)) {
            err = LB_E_ALIGN; /* the layout put the slot off unit boundaries */
        }
        if (err == 0) {
            err = lb_board_flash_erase(start, size);
        }
        if (err != 0) {
            return err;
        }
        up.erased += size;
    }
    int err = lb_board_flash_program(base + up.written, up.buf, len);
    if (err == 0) {
        up.written += (uint32_t)len;
    }
    return err;
}

static int fail(int err)
{
    lb_update_abort();
    return err;
}

int lb_update_write(const uint8_t *data, size_t len)
{
    if (!up.active) {
        return LB_E_STATE;
    }
    if (len > up.total - up.done) {
        return fail(LB_E_SIZE);
    }
    int err = lb_image_stream_update(&up.vs, data, len);
    if (err != 0) {
        return fail(err);
    }
    up.done += (uint32_t)len;
    while (len > 0) {
        size_t n = sizeof(up.buf) - up.fill;
        if (n > len) {
            n = len;
        }
        memcpy(up.buf + up.fill, data, n);
        up.fill += n;
        data += n;
        len -= n;
        if (up.fill == sizeof(up.buf)) {
            err = program(up.fill);
            if (err != 0) {
                return fail(err);
            }
            up.fill = 0;
        }
    }
    return 0;
}

int lb_update_finish(lb_image_info_t *info)
{
    if (!up.active) {
        return LB_E_STATE;
    }
    if (up.done != up.total) {
        return fail(LB_E_TRUNCATED);
    }
    int err = lb_image_stream_finish(&up.vs, info);
    if (err != 0) {
        return fail(err);
    }
    if (up.fill > 0) {
        /* Pad the tail to the program size with the erased value. */
        size_t padded =
            (up.fill + LB_FLASH_PROGRAM_SIZE - 1u) / LB_FLASH_PROGRAM_SIZE * LB_FLASH_PROGRAM_SIZE;
        memset(up.buf + up.fill, LB_FLASH_ERASED, padded - up.fill);
        err = program(padded);
        if (err != 0) {
            return fail(err);
        }
        up.fill = 0;
    }
    err = lb_bootstate_install_done(&up.log, up.slot, &info->version, info->security_counter);
    up.active = false;
    return err;
}

void lb_update_abort(void)
{
    /* The slot was marked empty before the first erase: leaving it so is
     * all an abort needs. */
    up.active = false;
}

bool lb_update_active(unsigned *slot, uint32_t *done, uint32_t *total)
{
    if (slot) {
        *slot = up.slot;
    }
    if (done) {
        *done = up.done;
    }
    if (total) {
        *total = up.total;
    }
    return up.active;
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
        return 422;
    default:
        return 500;
    }
}
