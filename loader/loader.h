/* The loader core: board-independent. A board's loader main fills an
 * lb_loader_config_t from the generated partitions.h and calls
 * lb_loader_run, which reads the partition table and boot state, decides
 * (docs/DESIGN.md, "Booting"), RAM-loads and verifies the chosen image, records
 * the decision, hands over boot info, prints one line and jumps.
 *
 * No heap; everything lives in the caller's stack or file statics. */
#ifndef LB_LOADER_H
#define LB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/ptable.h"

#define LB_LOADER_VERSION_MAJOR 1u
#define LB_LOADER_VERSION_MINOR 0u
#define LB_LOADER_VERSION_REVISION 0u
/* As stored in boot info: major<<24 | minor<<16 | revision. */
#define LB_LOADER_VERSION                                                                          \
    ((LB_LOADER_VERSION_MAJOR << 24) | (LB_LOADER_VERSION_MINOR << 16) | LB_LOADER_VERSION_REVISION)

/* Everything the loader is told at build time (board main fills it from
 * partitions.h; lb_loader_config_defaults gives lb/config.h's values). */
typedef struct {
    const char *product;    /* images must carry this product id; NULL: any */
    uint32_t trial_boots;   /* boots a new image gets before rollback (>= 1) */
    uint32_t crash_limit;   /* consecutive unhealthy boots before recovery (>= 1) */
    uint32_t strap_hold_ms; /* strap must stay asserted this long */
    uint32_t crash_resets;  /* bit (1u << lb_reset_cause_t) per cause counted unhealthy */
    uint32_t watchdog_ms;   /* started before jumping into an image; 0: off */
    bool verify_signature;  /* require a valid ECDSA signature by `key_der` */
    const uint8_t *key_der; /* trusted key (DER SubjectPublicKeyInfo), or NULL */
    size_t key_der_len;
    uint32_t ptable_offset; /* where the ptable partition is */
    uint32_t ptable_size;
    const uint8_t *builtin_ptable; /* compiled-in table (LB_PTABLE_BLOB_INIT) */
    size_t builtin_ptable_len;
} lb_loader_config_t;

/* Fills `cfg` with lb/config.h's defaults; no product, key or tables. */
void lb_loader_config_defaults(lb_loader_config_t *cfg);

/* ---- the decision, without flash (tested row by row) --------------------- */

/* Facts the loader gathered before deciding. */
typedef struct {
    lb_reset_cause_t reset;
    bool strap;       /* held for the whole hold time */
    bool state_blank; /* boot state had no valid record */
    unsigned slot_count;
} lb_loader_inputs_t;

#define LB_LOADER_MAX_CANDIDATES 6u

/* An image to try, and why. */
typedef struct {
    uint8_t image;  /* lb_boot_image_t: APP or RECOVERY */
    uint8_t slot;   /* app slot, else LB_BOOTINFO_SLOT_NONE */
    uint8_t reason; /* lb_boot_reason_t */
} lb_loader_candidate_t;

/* The decision: images to try in order (the first that verifies boots),
 * and the boot state to record (before per-candidate effects). */
typedef struct {
    lb_loader_candidate_t cand[LB_LOADER_MAX_CANDIDATES];
    unsigned count;
    uint8_t row; /* decision-table row that fired (docs/DESIGN.md, "Booting") */
    lb_bootstate_t next;
} lb_loader_plan_t;

/* Applies docs/DESIGN.md, "Booting"'s table to state `cur`. Pure: no flash, no
 * board. */
void lb_loader_decide(const lb_bootstate_t *cur, const lb_loader_inputs_t *in,
                      const lb_loader_config_t *cfg, lb_loader_plan_t *plan);

/* ---- the whole boot ------------------------------------------------------ */

/* What lb_loader_run did (filled before the jump; after a "stay"). */
typedef struct {
    lb_bootinfo_t info;
    uint32_t entry; /* address jumped to */
    int state_err;  /* result of recording the boot state (0 ok) */
} lb_loader_result_t;

/* Whether the strap is honoured after a reset of this cause: true only for
 * resets firmware did not ask for (power-on, unknown: external/pin). A
 * software, watchdog or fault reset ignores it, so a reboot out of recovery
 * reaches the new image while the user (or QEMU) still holds the strap. */
static inline bool lb_loader_strap_counts(lb_reset_cause_t reset)
{
    return reset == LB_RESET_POWER_ON || reset == LB_RESET_UNKNOWN;
}

/* Samples the strap: true when it stays asserted for `hold_ms`. */
bool lb_loader_strap_held(uint32_t hold_ms);

/* One boot: decide, load, verify, record, hand over, print the boot line,
 * jump. Returns only when nothing bootable was found (after printing
 * `image=none` and why): the board main must then idle, never jump.
 * Returns the negative error that explains it. `res` (may be NULL) gets
 * what was decided (the host board unwinds out of the jump: tests read it). */
int lb_loader_run(const lb_loader_config_t *cfg, lb_loader_result_t *res);

#endif
