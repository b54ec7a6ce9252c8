/* The app runtime (see lb_app.h and the generated ota_handler.h). */
#include "lb_app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lb/board.h"
#include "lb/err.h"
#include "partitions.h"

static lb_bootinfo_t bootinfo;
static int bootinfo_ok;

int lb_app_init(void)
{
    int err = lb_board_init();
    bootinfo_ok = lb_bootinfo_read(&bootinfo) == LB_OK;
    /* The loader decided a rollback for this boot (it says so once: the
     * next boot of this slot is a normal one). */
    if (err == LB_OK && bootinfo_ok && bootinfo.image == LB_BOOT_IMAGE_APP &&
        bootinfo.reason == LB_BOOT_REASON_ROLLBACK) {
        lb_app_history_note(LB_HIST_ROLLBACK, LB_HIST_SRC_DEVICE, 0, 0, bootinfo.slot, NULL);
    }
    return err;
}

int lb_app_history_note(lb_hist_event_t ev, lb_hist_source_t src, uint32_t client, int code,
                        uint8_t slot, const lb_image_info_t *info)
{
#ifdef LB_PART_HISTORY_OFFSET
    lb_hist_entry_t e;
    memset(&e, 0, sizeof(e));
    e.boot_count = bootinfo_ok ? bootinfo.boot_count : 0;
    e.event = (uint8_t)ev;
    e.source = (uint8_t)src;
    e.slot = slot;
    e.detail =
        bootinfo_ok && (ev == LB_HIST_RECOVERY || ev == LB_HIST_ROLLBACK) ? bootinfo.reason : 0;
    e.code = code;
    e.client = client;
    if (info != NULL) {
        e.version = info->version;
        e.security_counter = info->security_counter;
    } else if (bootinfo_ok && (ev == LB_HIST_CONFIRM || ev == LB_HIST_ROLLBACK)) {
        /* Confirm, rollback: the image now running. */
        e.version = bootinfo.image_version;
        e.security_counter = bootinfo.image_security_counter;
    }
    lb_flash_area_t fa;
    int err = lb_flash_area_init(&fa, lb_board_flash_geom(), LB_PART_HISTORY_OFFSET,
                                 LB_PART_HISTORY_SIZE);
    return err == LB_OK ? lb_hist_record(&fa, &e) : err;
#else
    (void)ev, (void)src, (void)client, (void)code, (void)slot, (void)info;
    return LB_E_UNSUPPORTED;
#endif
}

const lb_bootinfo_t *lb_app_bootinfo(void)
{
    return bootinfo_ok ? &bootinfo : NULL;
}

void lb_app_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0) {
        lb_board_console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    }
}

char lb_app_slot_letter(uint8_t slot)
{
    return slot < LB_BOOTSTATE_SLOTS ? (char)('a' + slot) : '-';
}

static int open_log(lb_bootstate_log_t *log)
{
    return lb_bootstate_open(log, lb_board_flash_geom(), LB_BOOTSTATE_OFFSET, LB_BOOTSTATE_SIZE);
}

int lb_app_bootstate(lb_bootstate_t *out)
{
    static lb_bootstate_log_t log;
    int err = open_log(&log);
    if (err == LB_OK) {
        *out = *lb_bootstate_get(&log);
    }
    return err;
}

int lb_app_report_healthy(void)
{
    if (!bootinfo_ok || bootinfo.image != LB_BOOT_IMAGE_APP) {
        return LB_E_STATE; /* only an app the loader started can vouch for itself */
    }
    static lb_bootstate_log_t log;
    int err = open_log(&log);
    if (err == LB_OK) {
        err = lb_bootstate_confirm(&log, bootinfo.slot);
    }
    if (err == LB_OK && bootinfo.reason == LB_BOOT_REASON_TRIAL) {
        /* Once per update: a confirmed image boots with reason normal. */
        lb_app_history_note(LB_HIST_CONFIRM, LB_HIST_SRC_DEVICE, 0, 0, bootinfo.slot, NULL);
    }
    return err;
}

int lb_app_request(uint8_t request)
{
    static lb_bootstate_log_t log;
    int err = open_log(&log);
    if (err == LB_OK) {
        err = lb_bootstate_request(&log, request);
    }
    return err;
}

int lb_app_request_recovery(void)
{
    return lb_app_request(LB_REQUEST_RECOVERY);
}

void lb_app_watchdog_feed(void)
{
    lb_board_watchdog_feed();
}

_Noreturn void lb_app_reboot(void)
{
    lb_board_reset(LB_RESET_SOFTWARE);
}
