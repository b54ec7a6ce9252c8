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
    return err;
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
    return err;
}

int lb_app_request_recovery(void)
{
    static lb_bootstate_log_t log;
    int err = open_log(&log);
    if (err == LB_OK) {
        err = lb_bootstate_request(&log, LB_REQUEST_RECOVERY);
    }
    return err;
}

void lb_app_watchdog_feed(void)
{
    lb_board_watchdog_feed();
}

_Noreturn void lb_app_reboot(void)
{
    lb_board_reset(LB_RESET_SOFTWARE);
}
