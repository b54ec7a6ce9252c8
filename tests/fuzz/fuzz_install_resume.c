/* Fuzzes resuming a download after a reset (lb_install_resume, the resume
 * record in flash is untrusted): the input is the download's id (size
 * LE32, SHA-256), the slot's contents as a reset left them (2 KiB: eight
 * 256-byte erase units, program size 4), then the download itself. Nothing
 * may crash or break a NOR rule (the host board aborts in strict mode); a
 * resume that succeeds must stand on a record that checks, stop on a unit
 * boundary before the end, and the install must then go on to finish or
 * refuse without touching anything but the units after the prefix. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host_board.h"
#include "lb/bootstate.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/install.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UNIT 256u
#define SLOT_OFF 2048u
#define SLOT_SIZE 2048u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static lb_geom_t g = {.size = 4096,
                          .program_size = 4,
                          .erased = 0xFF,
                          .region_count = 1,
                          .regions = {{16, UNIT}}};
    if (!init) {
        host_board_setup(&g);
        host_flash_set_strict(true);
        init = true;
    }
    if (size < 36 + SLOT_SIZE) {
        return 0;
    }
    lb_install_id_t id;
    id.size = lb_get_le32(data);
    memcpy(id.sha256, data + 4, 32);
    const uint8_t *dl = data + 36 + SLOT_SIZE;
    size_t dl_len = size - 36 - SLOT_SIZE;
    uint8_t *m = host_flash_mem();
    memset(m, g.erased, g.size);
    memcpy(m + SLOT_OFF, data + 36, SLOT_SIZE);

    static lb_bootstate_log_t log;
    static lb_install_t ctx;
    lb_flash_area_t area;
    if (lb_bootstate_open(&log, &g, 0, 2 * UNIT) != LB_OK ||
        lb_flash_area_init(&area, &g, SLOT_OFF, SLOT_SIZE) != LB_OK) {
        __builtin_trap();
    }
    lb_image_policy_t pol = {.kind = LB_IMAGE_KIND_APP, .max_size = SLOT_SIZE};
    int n = lb_install_resume(&ctx, &log, &area, &pol, 1, &id);
    if (n <= 0) {
        if (n != LB_E_NOTFOUND || ctx.active) {
            __builtin_trap();
        }
        return 0;
    }
    /* It stood on a record that checks, and stops at a unit boundary. */
    uint32_t rec = SLOT_OFF + SLOT_SIZE - UNIT;
    if ((uint32_t)n % UNIT != 0 || (uint32_t)n >= id.size ||
        lb_install_rec_check(m + rec, m + rec + 52, 4, &id) != 0) {
        __builtin_trap();
    }
    uint8_t before[SLOT_SIZE];
    memcpy(before, m + SLOT_OFF, SLOT_SIZE);
    int left;
    while ((left = lb_install_replay(&ctx, 100, NULL, NULL)) > 0) {
    }
    if (left == 0) {
        int rc = 0;
        for (size_t off = (size_t)n; rc == 0 && off < dl_len; off += 64) {
            rc = lb_install_write(&ctx, dl + off, dl_len - off < 64 ? dl_len - off : 64);
        }
        if (rc == 0) {
            (void)lb_install_finish(&ctx, NULL);
        }
    }
    /* The prefix it kept is as it was (the commit unit aside). */
    if (memcmp(before + 4, m + SLOT_OFF + 4, (size_t)n - 4) != 0) {
        __builtin_trap();
    }
    return 0;
}
