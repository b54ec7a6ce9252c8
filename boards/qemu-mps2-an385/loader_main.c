/* The loader's main on qemu-mps2-an385: the boot ROM copied us to
 * 0x00010000 and jumped here. Fill the loader configuration from the
 * generated partitions.h and run the board-independent core, which
 * RAM-loads, verifies and starts an image (or returns when nothing is
 * bootable). */
#include "lb/board.h"
#include "lb/err.h"
#include "loader.h"
#include "partitions.h"
#include "qemu_board.h"

static const uint8_t builtin_ptable[] = LB_PTABLE_BLOB_INIT;
#if LB_KEY_PRESENT && LB_BOOT_VERIFY_SIGNATURE
static const uint8_t trusted_key[] = LB_KEY_DER_INIT;
#endif

int main(void)
{
    if (lb_board_init() != LB_OK) {
        lb_qemu_puts("[lifeboat] cannot open the flash file\n");
    }
    lb_loader_config_t cfg;
    lb_loader_config_defaults(&cfg);
    cfg.product = LB_LAYOUT_PRODUCT;
    cfg.trial_boots = LB_BOOT_TRIAL_BOOTS;
    cfg.crash_limit = LB_BOOT_CRASH_LIMIT;
    cfg.strap_hold_ms = LB_BOOT_STRAP_HOLD_MS;
    cfg.crash_resets = LB_BOOT_CRASH_RESETS;
    cfg.watchdog_ms = LB_BOOT_WATCHDOG_MS;
    cfg.verify_signature = LB_BOOT_VERIFY_SIGNATURE != 0;
#if LB_KEY_PRESENT && LB_BOOT_VERIFY_SIGNATURE
    cfg.key_der = trusted_key;
    cfg.key_der_len = sizeof(trusted_key);
#endif
    cfg.ptable_offset = LB_PTABLE_OFFSET;
    cfg.ptable_size = LB_PTABLE_SIZE;
    cfg.builtin_ptable = builtin_ptable;
    cfg.builtin_ptable_len = sizeof(builtin_ptable);

    (void)lb_loader_run(&cfg, NULL);
    /* Nothing bootable: the core said why. Never jump into garbage. */
    for (;;) {
        lb_board_watchdog_feed();
        __asm__ volatile("wfi");
    }
}
