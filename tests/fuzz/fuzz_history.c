/* Fuzzes the record logs of the update history and the entropy seed
 * (lib/src/rlog.c, history.c, seed.c): the input is taken as one history
 * record, one seed record, and as the contents of a three-unit log area
 * (512-byte units, program size 16). Nothing may crash or break a NOR rule
 * (the host board aborts); a decoded record re-encodes to the same bytes;
 * the walk is in increasing order and never longer than the area holds;
 * an append after whatever was found becomes the newest entry; a seed draw
 * over the same bytes renews the seed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host_board.h"
#include "lb/err.h"
#include "lb/history.h"
#include "lb/seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint32_t last, n;
} walk_t;

static int step(const lb_hist_entry_t *e, void *ctx)
{
    walk_t *w = ctx;
    if (e->seq <= w->last) {
        __builtin_trap();
    }
    w->last = e->seq;
    w->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static lb_geom_t g = {
        .size = 1536, .program_size = 16, .erased = 0x00, .region_count = 1, .regions = {{3, 512}}};
    if (!init) {
        host_board_setup(&g);
        host_flash_set_strict(true);
        init = true;
    }
    lb_hist_entry_t e;
    uint8_t buf[LB_HIST_RECORD_SIZE];
    if (lb_hist_decode(&e, data, size) == LB_OK &&
        (lb_hist_encode(&e, buf, sizeof buf, 0) != LB_HIST_RECORD_SIZE ||
         memcmp(buf, data, sizeof buf) != 0)) {
        __builtin_trap();
    }
    uint32_t seq;
    uint8_t seed[LB_SEED_SIZE];
    if (lb_seed_decode(&seq, seed, data, size) == LB_OK &&
        (lb_seed_encode(seq, seed, buf, sizeof buf, 0) != LB_SEED_RECORD_SIZE ||
         memcmp(buf, data, LB_SEED_RECORD_SIZE) != 0)) {
        __builtin_trap();
    }
    uint8_t *m = host_flash_mem();
    memset(m, g.erased, g.size);
    memcpy(m, data, size < g.size ? size : g.size);
    lb_flash_area_t fa;
    lb_rlog_t l;
    if (lb_flash_area_init(&fa, &g, 0, g.size) != LB_OK || lb_hist_open(&l, &fa) != LB_OK) {
        __builtin_trap();
    }
    walk_t w = {0, 0};
    if (lb_hist_visit(&l, step, &w) != LB_OK || w.n > 3 * (512 / LB_HIST_RECORD_SIZE)) {
        __builtin_trap();
    }
    lb_hist_entry_t x = {.event = LB_HIST_INSTALL, .slot = 1, .boot_count = 0xF00D};
    int rc = lb_hist_append(&l, &x);
    if (rc == LB_OK) {
        walk_t v = {0, 0};
        if (lb_hist_open(&l, &fa) != LB_OK || lb_hist_visit(&l, step, &v) != LB_OK ||
            v.last != x.seq || l.newest_seq != x.seq) {
            __builtin_trap();
        }
    } else if (!(rc == LB_E_NOSPACE && l.newest_seq == UINT32_MAX)) {
        __builtin_trap();
    }
    /* The same bytes as a seed log. */
    memset(m, g.erased, g.size);
    memcpy(m, data, size < g.size ? size : g.size);
    uint8_t k[LB_SEED_SIZE];
    int f = lb_seed_draw(&fa, "n", 1, k);
    if (f < 0 || !(f & LB_SEED_F_NOISE)) {
        __builtin_trap();
    }
    return 0;
}
