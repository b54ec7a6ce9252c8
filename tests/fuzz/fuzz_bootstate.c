/* Fuzzes the boot-state decoder and the log scan: the input is taken as
 * the contents of a boot-state partition (two 4 KiB units, program size 8)
 * and as a single record. Nothing may crash or break a NOR rule (the host
 * board aborts); a valid result must re-encode
 * to a record that decodes to the same state; after whatever was found one
 * more commit must succeed (unless the sequence numbers are exhausted) and
 * win. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host_board.h"
#include "lb/bootstate.h"
#include "lb/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static lb_geom_t g = {
        .size = 8192, .program_size = 8, .erased = 0xFF, .region_count = 1, .regions = {{2, 4096}}};
    if (!init) {
        host_board_setup(&g);
        host_flash_set_strict(true);
        init = true;
    }
    lb_bootstate_t s, t;
    if (lb_bootstate_decode(&s, data, size) == LB_OK) {
        uint8_t buf[LB_BOOTSTATE_RECORD_SIZE];
        if (lb_bootstate_encode(&s, buf, sizeof buf, 0xFF) != LB_BOOTSTATE_RECORD_SIZE ||
            lb_bootstate_decode(&t, buf, sizeof buf) != LB_OK ||
            memcmp(buf, data, LB_BOOTSTATE_RECORD_SIZE) != 0) {
            __builtin_trap();
        }
    }
    uint8_t *m = host_flash_mem();
    memset(m, g.erased, g.size);
    memcpy(m, data, size < g.size ? size : g.size);
    static lb_bootstate_log_t log;
    if (lb_bootstate_open(&log, &g, 0, g.size) == LB_OK) {
        /* whatever was found, one more commit must work and win */
        lb_bootstate_t next = log.state;
        next.boot_count++;
        bool exhausted = !log.blank && log.state.seq == UINT32_MAX;
        int rc = lb_bootstate_commit(&log, &next);
        if (rc == LB_OK) {
            static lb_bootstate_log_t again;
            if (lb_bootstate_open(&again, &g, 0, g.size) != LB_OK ||
                again.state.boot_count != next.boot_count || again.blank) {
                __builtin_trap();
            }
        } else if (!(rc == LB_E_NOSPACE && exhausted)) {
            __builtin_trap();
        }
    }
    return 0;
}
