/* This boot's 32-byte secret for an image that talks to the network (the
 * recovery image's nonce key, an app's TLS session randomness): the seed
 * kept in the layout's `seed` partition (renewed by the draw), the board's
 * noise and what differs between boots (boot count, reset cause, time),
 * through lb_seed_draw (lb/seed.h). */
#ifndef LB_OTA_SECRET_H
#define LB_OTA_SECRET_H

#include <stdint.h>

#include "lb/bootinfo.h"
#include "lb/seed.h"

/* Draws the secret into `key` (`bi` may be NULL: no boot count). Returns
 * the LB_SEED_F_* bits that applied (LB_SEED_F_NOISE only when the board
 * gave noise); never fails: without a seed or noise the counters still
 * make every boot's secret differ. */
int lb_ota_secret(const lb_bootinfo_t *bi, uint8_t key[LB_SEED_SIZE]);

#endif
