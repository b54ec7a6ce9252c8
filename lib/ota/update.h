/* The install path of an image that updates the device (the recovery
 * image's pushes and self-heal, the app's update agent): streams a signed app image into
 * the slot lb_install_pick_slot picks (never the only bootable image nor,
 * while another slot exists, the last confirmed one),
 * erasing ahead, programming, and verifying on the fly; activates it (slot
 * new, active) only when every check passed. One upload at a time. */
#ifndef LB_OTA_UPDATE_H
#define LB_OTA_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"
#include "lb/install.h"

/* Where updates go: the app slots, the boot state and what an image must
 * carry. Each image defines lb_update_layout (lib/ota/update_layout.c builds
 * it from the generated partitions.h, a constant the compiler folds; the
 * power-cut sweep points it at the simulated device it runs). */
#define LB_UPDATE_SLOTS_MAX 2u
typedef struct {
    uint32_t offset;
    uint32_t size;
} lb_update_slot_t;
typedef struct {
    const lb_update_slot_t *slot; /* slot_count of them: slot a, slot b */
    unsigned slot_count;          /* 1..LB_UPDATE_SLOTS_MAX */
    uint32_t bootstate_offset;
    uint32_t bootstate_size;
    const char *product;    /* the layout's product id */
    const uint8_t *key_der; /* the trusted public key (DER), NULL: none */
    size_t key_der_len;
    bool boot_verifies_signature; /* the loader's `boot.verify: signature` */
} lb_update_layout_t;
extern const lb_update_layout_t *const lb_update_layout;

/* Forgets every upload and the slot scan, as a reset of the device does
 * (the RAM this module keeps starts zeroed at boot; the host board's
 * simulated resets keep the process, so its harness calls this). */
void lb_update_reset(void);

/* Lets every later upload and download of this boot be a compressed image
 * too (docs/SPEC.md, "Compressed images"), inflated into the slot with the
 * caller's work area (static, ~2 KB; NULL: plain images only, as after a
 * reset). A build with LB_CFG_INSTALL_DEFLATE 0 refuses them still. */
void lb_update_set_deflate(lb_install_deflate_t *zw);

/* Starts an upload of `length` bytes. Picks and invalidates the target slot
 * (boot state: empty) before anything is erased; the first upload of a
 * boot verifies every slot in flash once to know which ones could boot. Returns 0; LB_E_STATE
 * when the pick is the slot lb_update_keep protects; LB_E_BUSY when
 * an upload runs; LB_E_NOSPACE when `length` exceeds the slot; LB_E_INVAL
 * for an empty body; or a boot-state/flash error. */
int lb_update_begin(uint32_t length);

/* lb_update_begin for a download named by `id` (its size and SHA-256):
 * the install keeps a resume record (lb/install.h) so that
 * lb_update_resume can continue it after a power cut. Returns as
 * lb_update_begin. */
int lb_update_begin_id(const lb_install_id_t *id);

/* Continues the download `id` where a reset interrupted it, in the slot an
 * upload would pick now (the same one: the boot state still marks it
 * empty). Returns the bytes already in place (> 0: lb_update_replay them,
 * then lb_update_write the rest), LB_E_NOTFOUND (nothing to continue:
 * lb_update_begin_id afresh) or as lb_update_begin. Writes nothing. */
int lb_update_resume(const lb_install_id_t *id);

/* lb_install_replay on the running upload. */
int lb_update_replay(uint32_t max, lb_install_feed_fn feed, void *arg);

/* Consumes the next body bytes. Returns 0, or the first error (the image
 * verifier's structural codes, or a flash error); the upload is then
 * aborted (the slot stays empty and inactive). */
int lb_update_write(const uint8_t *data, size_t len);

/* Ends the upload after the announced length arrived: flushes, completes
 * the verification (hash, key, signature, kind, product, security counter)
 * and on success marks the slot new and active. `info` receives what was
 * learned. Returns 0 or the precise error; nothing is activated on error. */
int lb_update_finish(lb_image_info_t *info);

/* Never lets lb_update_begin pick `slot` (the app calls it with the slot
 * it runs from): an upload that would have to write it fails with
 * LB_E_STATE instead (a single-slot layout, or a running image that is not
 * the confirmed one). */
void lb_update_keep(unsigned slot);

/* Sets the running upload's last check before activation (lb/install.h's
 * accept hook; the pull path's manifest check). Returns 0 or LB_E_STATE. */
int lb_update_set_accept(lb_install_accept_fn fn, void *arg);

/* Abandons a running upload (client gone, timeout). Nothing is activated. */
void lb_update_abort(void);

/* True while an upload runs; *slot, *done and *total describe it (each may
 * be NULL). */
bool lb_update_active(unsigned *slot, uint32_t *done, uint32_t *total);

/* The HTTP status for an upload error: 409 busy, 413 too large, 422 for an
 * image that fails verification, 500 for device errors. */
unsigned lb_update_http_status(int err);

#endif
