/* The loader's main on qemu-mps2-an385: the boot ROM copied us to
 * 0x00010000 and jumped here. Fill the loader configuration from the
 * generated partitions.h and run the board-independent core, which
 * RAM-loads, verifies and starts an image (or returns when nothing is
 * bootable). */
#include "lb/board.h"
#include "lb/err.h"
#include "loader.h"
#include "lb/config.h"
#include "partitions.h"

_Static_assert(LB_FLASH_PROGRAM_SIZE <= LB_CFG_PROGRAM_MAX,
               "the layout's program size exceeds LB_CFG_PROGRAM_MAX of this build");
#include "qemu_board.h"

/* The build links the ECDSA seam only for `verify: signature` layouts
 * (mk/fw-qemu.mk); a mismatch would make a loader that refuses every image. */
#if LB_BOOT_VERIFY_SIGNATURE != LB_FW_SIG_SEAM
#error "layout boot.verify and the linked signature seam disagree: regenerate the layout"
#endif

static const uint8_t builtin_ptable[] = LB_PTABLE_BLOB_INIT;
#if LB_KEY_PRESENT && LB_BOOT_VERIFY_SIGNATURE
static const uint8_t trusted_key[] = LB_KEY_DER_INIT;
#endif

/* Constant, so that link-time optimisation folds the policy into the
 * loader core (a hash-only build then carries no signature branches). */
static const lb_loader_config_t cfg = {
    .product = LB_LAYOUT_PRODUCT,
    .trial_boots = LB_BOOT_TRIAL_BOOTS,
    .crash_limit = LB_BOOT_CRASH_LIMIT,
    .strap_hold_ms = LB_BOOT_STRAP_HOLD_MS,
    .crash_resets = LB_BOOT_CRASH_RESETS,
    .watchdog_ms = LB_BOOT_WATCHDOG_MS,
    .verify_signature = LB_BOOT_VERIFY_SIGNATURE != 0,
#if LB_KEY_PRESENT && LB_BOOT_VERIFY_SIGNATURE
    .key_der = trusted_key,
    .key_der_len = sizeof(trusted_key),
#endif
    .ptable_offset = LB_PTABLE_OFFSET,
    .ptable_size = LB_PTABLE_SIZE,
    .builtin_ptable = builtin_ptable,
    .builtin_ptable_len = sizeof(builtin_ptable),
};

int main(void)
{
    if (lb_board_init() != LB_OK) {
        lb_qemu_puts("[lifeboat] cannot open the flash file\n");
    }
    (void)lb_loader_run(&cfg, NULL);
    /* Nothing bootable: the core said why. Never jump into garbage. */
    for (;;) {
        lb_board_watchdog_feed();
        __asm__ volatile("wfi");
    }
}
