/* Test fixtures shared by the boot tests and the power-cut sweep: a whole
 * device on the host board (geometry, partition table, real MCUboot-format
 * images built with lb_image_build and checked by lb_image_verify, the
 * loader core). Test code only. */
#ifndef LBT_H
#define LBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host_board.h"
#include "lb/bootstate.h"
#include "lb/install.h"
#include "lb/ptable.h"
#include "loader.h"
#include "update.h"

#define LBT_PRODUCT "demo-sensor"
#define LBT_LOAD_ADDR 0x00100000u
#define LBT_IMAGE_MAX 4096u

typedef struct {
    const char *geom_name;
    lb_geom_t geom;
    lb_ptable_t table;
    uint8_t blob[LB_PTABLE_MAX_SIZE];
    size_t blob_len;
    lb_loader_config_t cfg;
    const lb_part_t *ptable, *bootstate, *recovery, *slot[2]; /* slot[1] NULL: single slot */
    unsigned slot_count;
} lbt_device_t;

/* Geometry by name: "uniform4k" (16 x 4 KiB), "stm32f4" (4x16K, 1x64K,
 * 3x128K; the boot state spans a 16K and the 64K unit) or "large128k"
 * (8 x 128 KiB). Returns 0 or -1 for an unknown name. */
int lbt_geom(const char *name, uint32_t program_size, uint8_t erased, bool program_once,
             lb_geom_t *g);

/* Sets up the host board with that geometry, a layout with two app slots,
 * the partition table written to its partition, and a loader config with
 * defaults (product LBT_PRODUCT, hash verification). Returns 0 or -1. */
int lbt_device_init(lbt_device_t *d, const char *geom_name, uint32_t program_size, uint8_t erased,
                    bool program_once);

/* The same with `slot_count` app slots (1: the single-slot layout, where
 * app_b's room is a data partition; 2: as lbt_device_init). */
int lbt_device_init_slots(lbt_device_t *d, const char *geom_name, uint32_t program_size,
                          uint8_t erased, bool program_once, unsigned slot_count);

/* Builds a hash-verified image (kind app/recovery, version major.0.0,
 * security counter, product) into buf. `tag` varies the body. Returns its
 * length (> 0) or a negative error. */
int lbt_image(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
              const char *product, uint32_t tag);

/* Test keys (fixed P-256 keys, tests/support/lbt.c): LBT_KEY_TRUSTED is the one
 * a device trusts, LBT_KEY_ROGUE another. */
enum { LBT_KEY_NONE = 0, LBT_KEY_TRUSTED = 1, LBT_KEY_ROGUE = 2 };

/* Stores the DER public key `which` and its length. Returns 0 or -1. */
int lbt_key_der(int which, const uint8_t **der, size_t *len);

/* lbt_image, signed with key `key` (LBT_KEY_NONE: unsigned). Returns the
 * length (> 0) or a negative error. */
int lbt_image_signed(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
                     const char *product, uint32_t tag, int key);

/* lbt_image_signed with a body of `body_len` bytes (at most LBT_BODY_MAX;
 * the others have 1500). */
#define LBT_BODY_MAX (64u * 1024u)
int lbt_image_sized(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
                    const char *product, uint32_t tag, int key, size_t body_len);

/* The compressed image (docs/SPEC.md, "Compressed images") of `plain`, a
 * whole image made by the functions above: its header fields and
 * protected TLVs, the body zlib's raw DEFLATE of `plain` at `level`,
 * signed with `key`. Returns the length (> 0) or a negative error. */
int lbt_image_deflated(uint8_t *buf, size_t cap, const uint8_t *plain, size_t plain_len, int key,
                       int level);

/* Fixture path: copies bytes into flash directly (no NOR rules, no count). */
void lbt_flash_put(uint32_t off, const void *data, size_t len);

/* The whole install a recovery image does, through its own code
 * (lib/ota/update.c, on a layout taken from `d`): lb_update_begin (the
 * slot scan, the pick, the slot marked empty), the image in
 * lbt_install_chunk-byte pieces (stream-verified, written erase-ahead; a
 * signature by cfg.key_der required, as for every upload), lb_update_finish
 * (marks it new and active). Returns the slot or an error. The update
 * path's RAM lives across the host board's resets: the harness calls
 * lb_update_reset at every boot, as a reset clears it. */
extern size_t lbt_install_chunk; /* default 700 */
int lbt_install(lbt_device_t *d, const uint8_t *img, size_t len);

/* lbt_install of a compressed image: the update path given a work area
 * for it (lb_update_set_deflate) for this upload only. */
int lbt_install_deflated(lbt_device_t *d, const uint8_t *img, size_t len);

/* The app's pull of `img` (the download `id`) through the same code:
 * lb_update_resume when the slot holds part of it from before a cut
 * (*at: where it continued; the prefix is replayed through the
 * verifier), else lb_update_begin_id, then the rest in lbt_install_chunk
 * pieces and lb_update_finish. The caller lb_update_keep()s the running
 * slot first, as the app's agent does. *fed follows the bytes accepted so
 * far and *finishing is set before finish, live, so that a power cut
 * leaves them saying how far it got. Returns the slot or an error. */
int lbt_pull(lbt_device_t *d, const uint8_t *img, size_t len, const lb_install_id_t *id, size_t *at,
             size_t *fed, bool *finishing);

/* One loader run on the host board after the boot was prepared
 * (host_board_power_on / warm_reset). */
typedef struct {
    int exit;               /* host_exit_t */
    int rc;                 /* lb_loader_run's return when it stayed */
    lb_loader_result_t res; /* what it decided */
    char line[160];         /* the "[lifeboat] boot ..." line, or "" */
} lbt_boot_t;
void lbt_boot(lbt_device_t *d, lbt_boot_t *b);

/* Opens the device's boot state. Returns lb_bootstate_open's result. */
int lbt_state(lbt_device_t *d, lb_bootstate_log_t *log);

#endif
