/* app-template's demo app: prints its version and the boot info the loader
 * handed over, runs its health check, reports healthy (which confirms a
 * trial image and clears the crash counter) and then runs, feeding the
 * watchdog. On the console: 'r' asks for recovery and reboots, 'b' reboots,
 * 's' prints the boot state.
 *
 * Test builds (make APP_FAULT=1 / APP_HANG=1): fault, or hang without
 * feeding the watchdog, before the health report. */
#include <stdbool.h>

#include "lb/board.h"
#include "lb/err.h"
#include "lb_app.h"

#ifndef APP_VERSION
#define APP_VERSION LB_OTA_APP_VERSION
#endif
#ifndef APP_FAULT
#define APP_FAULT 0
#endif
#ifndef APP_HANG
#define APP_HANG 0
#endif

#define HEARTBEAT_MS 5000u

static void print_bootinfo(void)
{
    const lb_bootinfo_t *bi = lb_app_bootinfo();
    if (bi == NULL) {
        lb_app_printf("[app] bootinfo: none (not started by the loader?)\n");
        return;
    }
    lb_app_printf("[app] bootinfo: reason=%s slot=%c reset=%s attempts=%u/%u unhealthy=%u/%u "
                  "image=%u.%u.%u boots=%lu\n",
                  lb_boot_reason_name(bi->reason), lb_app_slot_letter(bi->slot),
                  lb_reset_cause_name(bi->reset), bi->attempts, bi->trial_boots, bi->unhealthy,
                  bi->crash_limit, bi->image_version.major, bi->image_version.minor,
                  bi->image_version.revision, (unsigned long)bi->boot_count);
}

static void print_bootstate(void)
{
    lb_bootstate_t s;
    int err = lb_app_bootstate(&s);
    if (err != LB_OK) {
        lb_app_printf("[app] bootstate: %s\n", lb_err_str(err));
        return;
    }
    for (unsigned i = 0; i < LB_SLOT_COUNT && i < LB_BOOTSTATE_SLOTS; i++) {
        lb_app_printf("[app] slot %c: %s %u.%u.%u%s\n", lb_app_slot_letter((uint8_t)i),
                      lb_slot_state_name(s.slots[i].state), s.slots[i].version.major,
                      s.slots[i].version.minor, s.slots[i].version.revision,
                      s.active_slot == i ? " (active)" : "");
    }
}

/* The health check a product would extend: the board works, the flash
 * (boot state) is readable, time advances. */
static bool health_check(void)
{
    lb_bootstate_t s;
    uint32_t t0 = lb_board_millis();
    while (lb_board_millis() - t0 < 10u) {
    }
    return lb_app_bootinfo() != NULL && lb_app_bootstate(&s) == LB_OK;
}

int main(void)
{
    int err = lb_app_init();
    lb_app_printf("[app] %s version %s\n", LB_OTA_APP_NAME, APP_VERSION);
    if (err != LB_OK) {
        lb_app_printf("[app] board init: %s\n", lb_err_str(err));
    }
    print_bootinfo();

    if (APP_FAULT) {
        lb_app_printf("[app] test build: faulting\n");
        __builtin_trap();
    }
    if (APP_HANG) {
        lb_app_printf("[app] test build: hanging without feeding the watchdog\n");
        for (;;) {
        }
    }

    if (health_check()) {
        err = lb_app_report_healthy();
        lb_app_printf("[app] healthy: %s\n", err == LB_OK ? "reported" : lb_err_str(err));
    } else {
        lb_app_printf("[app] health check failed: not confirming\n");
    }

    uint32_t last = lb_board_millis();
    for (;;) {
        lb_app_watchdog_feed();
        int c = lb_board_console_getc();
        if (c == 'r') {
            err = lb_app_request_recovery();
            lb_app_printf("[app] recovery requested: %s\n", lb_err_str(err));
            lb_app_reboot();
        } else if (c == 'b') {
            lb_app_printf("[app] rebooting\n");
            lb_app_reboot();
        } else if (c == 's') {
            print_bootstate();
        }
        if (lb_board_millis() - last >= HEARTBEAT_MS) {
            last = lb_board_millis();
            lb_app_printf("[app] alive t=%lu ms\n", (unsigned long)last);
        }
    }
}
