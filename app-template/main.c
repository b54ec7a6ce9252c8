/* app-template's demo app: prints its version and the boot info the loader
 * handed over, runs its health check, reports healthy (which confirms a
 * trial image and clears the crash counter) and then runs, feeding the
 * watchdog, while the update agent (lb_ota.h) checks app.update_url in
 * the background and prints what it does. On the console: 'r' asks for
 * recovery and reboots, 'b' reboots, 's' prints the boot state (and the
 * TLS arena's peak), 'u' checks for an update now.
 *
 * Test builds (make APP_FAULT=1 / APP_HANG=1 / APP_UNHEALTHY=1): fault, or
 * hang without feeding the watchdog, before the health report; or run with
 * a health check that fails (the image stays on trial). */
#include <stdbool.h>

#include "lb/board.h"
#include "lb/err.h"
#include "lb_app.h"
#include "lb_ota.h"

#ifndef APP_VERSION
#define APP_VERSION LB_OTA_APP_VERSION
#endif
#ifndef APP_FAULT
#define APP_FAULT 0
#endif
#ifndef APP_HANG
#define APP_HANG 0
#endif
#ifndef APP_UNHEALTHY
#define APP_UNHEALTHY 0
#endif
/* make bench-app: the same app without the update agent (its cost). */
#ifndef APP_NO_OTA
#define APP_NO_OTA 0
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

/* The update agent's callbacks: what a product would show or log. */
static void version_text(const lb_image_version_t *v, char out[LB_IMAGE_VERSION_STR_MAX])
{
    lb_image_version_format(v, out);
}

static void on_check(void *arg, const char *url)
{
    (void)arg;
    lb_app_printf("[app] update: checking %s\n", url);
}

static void on_current(void *arg, int why, const lb_image_version_t *offered)
{
    (void)arg;
    char v[LB_IMAGE_VERSION_STR_MAX];
    version_text(offered, v);
    lb_app_printf("[app] update: %s (offered %s)\n",
                  why == LB_E_SKIPPED ? "skipping a version that failed here" : "up to date", v);
}

static void on_start(void *arg, const lb_image_version_t *ver, uint32_t size)
{
    *(unsigned *)arg = 0;
    char v[LB_IMAGE_VERSION_STR_MAX];
    version_text(ver, v);
    lb_app_printf("[app] update: downloading %s (%lu bytes) while running\n", v,
                  (unsigned long)size);
}

static void on_progress(void *arg, uint32_t done, uint32_t total)
{
    unsigned *quarter = arg; /* print at 25 %, 50 %, 75 % */
    unsigned q = total ? (unsigned)((uint64_t)done * 4u / total) : 0u;
    if (q > *quarter && q < 4u) {
        *quarter = q;
        lb_app_printf("[app] update: %u%%\n", q * 25u);
    }
}

static void on_resume(void *arg, const char *why, uint32_t done, uint32_t total)
{
    (void)arg;
    lb_app_printf("[app] update: %s at %lu of %lu bytes; resuming there\n", why,
                  (unsigned long)done, (unsigned long)total);
}

static void on_end(void *arg, const lb_image_version_t *ver)
{
    (void)arg;
    char v[LB_IMAGE_VERSION_STR_MAX];
    version_text(ver, v);
    lb_app_printf("[app] update: %s verified and installed; rebooting into it\n", v);
}

static void on_handoff(void *arg, const lb_image_version_t *ver)
{
    (void)arg;
    char v[LB_IMAGE_VERSION_STR_MAX];
    version_text(ver, v);
    lb_app_printf("[app] update: %s offered; recovery installs it (one slot): rebooting\n", v);
}

static void on_error(void *arg, int err, const char *text, uint32_t retry_ms)
{
    unsigned *quarter = arg;
    *quarter = 0;
    (void)err;
    lb_app_printf("[app] update: %s (next check in %lu s)\n", text,
                  (unsigned long)(retry_ms / 1000u));
}

static unsigned progress_quarter;
static const lb_ota_callbacks_t ota_cb = {
    .on_check = on_check,
    .on_current = on_current,
    .on_start = on_start,
    .on_progress = on_progress,
    .on_resume = on_resume,
    .on_end = on_end,
    .on_handoff = on_handoff,
    .on_error = on_error,
    .arg = &progress_quarter,
};

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

    if (!APP_UNHEALTHY && health_check()) {
        err = lb_app_report_healthy();
        lb_app_printf("[app] healthy: %s\n", err == LB_OK ? "reported" : lb_err_str(err));
    } else {
        lb_app_printf("[app] health check failed: not confirming\n");
    }

    err = APP_NO_OTA ? LB_E_UNSUPPORTED : lb_ota_begin(&ota_cb);
    if (err == LB_OK) {
        lb_app_printf("[app] update: agent armed for %s (first check in %lu s)\n",
                      LB_OTA_UPDATE_URL, (unsigned long)lb_ota_first_check_s());
    } else {
        lb_app_printf("[app] update: agent off (%s)\n", lb_err_str(err));
    }

    uint32_t last = lb_board_millis();
    for (;;) {
        lb_app_watchdog_feed();
        if (!APP_NO_OTA) {
            lb_ota_handle();
        }
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
            lb_ota_tls_stats_t tls;
            if (lb_ota_tls_stats(&tls) == 0) {
                lb_app_printf("[app] tls: arena peak %lu of %lu bytes, last handshake in %u "
                              "slices\n",
                              (unsigned long)tls.arena_peak, (unsigned long)tls.arena_size,
                              tls.slices);
            }
        } else if (c == 'u') {
            lb_ota_check_now();
        }
        if (lb_board_millis() - last >= HEARTBEAT_MS) {
            last = lb_board_millis();
            lb_app_printf("[app] alive t=%lu ms\n", (unsigned long)last);
        }
    }
}
