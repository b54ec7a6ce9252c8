/* This boot's secret (secret.h), from the layout's seed partition. */
#include "secret.h"

#include <stdbool.h>
#include <string.h>

#include "lb/board.h"
#include "lb/err.h"
#include "lb/flash.h"
#include "partitions.h"

int lb_ota_secret(const lb_bootinfo_t *bi, uint8_t key[LB_SEED_SIZE])
{
    struct {
        uint8_t noise[32];
        uint32_t boot_count, reset, millis;
    } in;
    memset(&in, 0, sizeof(in));
    bool noise = lb_board_entropy(in.noise, sizeof(in.noise)) == LB_OK;
    in.boot_count = bi ? bi->boot_count : 0u;
    in.reset = (uint32_t)lb_board_reset_cause();
    in.millis = lb_board_millis();
    const lb_flash_area_t *fa = NULL;
#ifdef LB_PART_SEED_OFFSET
    static lb_flash_area_t seed_area;
    if (lb_flash_area_init(&seed_area, lb_board_flash_geom(), LB_PART_SEED_OFFSET,
                           LB_PART_SEED_SIZE) == LB_OK) {
        fa = &seed_area;
    }
#endif
    int flags = lb_seed_draw(fa, &in, sizeof(in), key);
    memset(&in, 0, sizeof(in));
    flags = flags < 0 ? 0 : flags;
    return noise ? flags : flags & ~LB_SEED_F_NOISE;
}
