/* The recovery image: started by the loader when the strap is held, the
 * app asked for it, the app crash-loops or no app verifies. It says why it
 * was entered, brings up the network and serves authenticated OTA
 * (server.c, docs/recovery.md) until an image is installed, a client asks
 * it to leave, or nobody used it for the layout's idle timeout.
 *
 * Console: 'b' clears the crash counter and reboots (gives the app another
 * chance), 's' prints the boot state. */
#include "lb/board.h"
#include "lb/err.h"
#include "lb_app.h"
#include "partitions.h"
#include "server.h"

static void print_state(void)
{
    lb_bootstate_t s;
    int err = lb_app_bootstate(&s);
    if (err != LB_OK) {
        lb_app_printf("[recovery] bootstate: %s\n", lb_err_str(err));
        return;
    }
    for (unsigned i = 0; i < LB_SLOT_COUNT && i < LB_BOOTSTATE_SLOTS; i++) {
        lb_app_printf("[recovery] slot %c: %s %u.%u.%u%s\n", lb_app_slot_letter((uint8_t)i),
                      lb_slot_state_name(s.slots[i].state), s.slots[i].version.major,
                      s.slots[i].version.minor, s.slots[i].version.revision,
                      s.active_slot == i ? " (active)" : "");
    }
    lb_app_printf("[recovery] unhealthy=%u boots=%lu\n", s.unhealthy, (unsigned long)s.boot_count);
}

/* Gives the app another chance: clears the crash counter, reboots. */
static void leave(const char *why)
{
    lb_bootstate_log_t log;
    int err =
        lb_bootstate_open(&log, lb_board_flash_geom(), LB_BOOTSTATE_OFFSET, LB_BOOTSTATE_SIZE);
    if (err == LB_OK) {
        err = lb_bootstate_clear_unhealthy(&log);
    }
    lb_app_printf("[recovery] leaving: %s (%s)\n", why, lb_err_str(err));
    lb_app_reboot();
}

int main(void)
{
    int err = lb_app_init();
    static lb_bootinfo_t bi_rec;
    const lb_bootinfo_t *bi = lb_bootinfo_read(&bi_rec) == LB_OK ? &bi_rec : NULL;
    lb_app_printf("[recovery] reason=%s reset=%s\n",
                  bi ? lb_boot_reason_name(bi->reason) : "unknown",
                  lb_reset_cause_name((uint8_t)lb_board_reset_cause()));
    if (err != LB_OK) {
        lb_app_printf("[recovery] board init: %s\n", lb_err_str(err));
    }
    print_state();
    /* Seed for the nonce key: whatever differs between boots here. */
    uint32_t seed[4] = {lb_board_millis(), (uint32_t)lb_board_reset_cause(),
                        bi ? bi->boot_count : 0u, (uint32_t)(uintptr_t)&seed};
    err = lb_server_start(seed, sizeof(seed));
    if (err != LB_OK) {
        lb_app_printf("[recovery] network: %s\n", lb_err_str(err));
    }
    lb_app_printf("[recovery] serving ('b' leaves, 's' shows the boot state)\n");
    for (;;) {
        lb_board_watchdog_feed();
        if (err == LB_OK) {
            lb_server_poll();
            if (lb_server_reboot_due()) {
                lb_app_printf("[recovery] rebooting\n");
                lb_app_reboot();
            }
            if (!lb_server_busy() && lb_board_millis() - lb_server_last_activity() >
                                         LB_RECOVERY_IDLE_TIMEOUT_S * 1000u) {
                leave("idle timeout");
            }
        }
        int c = lb_board_console_getc();
        if (c == 'b') {
            leave("console");
        } else if (c == 's') {
            print_state();
        }
    }
}
