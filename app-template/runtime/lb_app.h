/* The app runtime: what a product app built from app-template links. The
 * generated ota_handler.h declares the core calls (report healthy, request
 * recovery, boot info, watchdog); this header adds what they need and a
 * few conveniences. Board-independent: everything goes through the board
 * contract (lb/board.h) and lib/ (boot info, boot state). */
#ifndef LB_APP_H
#define LB_APP_H

#include <stdint.h>

#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/history.h"
#include "ota_handler.h"

/* Brings up the board and reads the boot info the loader left. Call first.
 * Returns 0, or the board's error (the app may still run, but boot state
 * calls will then fail). */
int lb_app_init(void);

/* printf-style output to the console (at most 255 bytes per call). */
void lb_app_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Resets the device (cause: software). Does not return. */
_Noreturn void lb_app_reboot(void);

/* Reads the persistent boot state (all slots) into `out`. Returns 0 or
 * the boot-state/flash error. */
int lb_app_bootstate(lb_bootstate_t *out);

/* Sets the one-shot request (lb_request_t) for the next loader run
 * (lb_app_request_recovery is LB_REQUEST_RECOVERY; the update agent of a
 * single-slot app asks for LB_REQUEST_UPDATE). Returns 0, LB_E_INVAL or
 * the boot-state/flash error. */
int lb_app_request(uint8_t request);

/* Appends one entry to the update history (lb/history.h) in the layout's
 * `history` partition: `slot` (or LB_HIST_SLOT_NONE), `code` (an LB_E_*
 * reason or 0), the version and counter of `info` (NULL: the running
 * image's, except for a recovery entry), the boot count and, for recovery
 * entries and rollbacks, the boot reason from the boot info. The runtime
 * notes rollbacks (lb_app_init) and confirms (lb_app_report_healthy) by
 * itself; the recovery image notes the rest. Returns 0, LB_E_UNSUPPORTED
 * (no such partition) or the flash error; callers carry on either way. */
int lb_app_history_note(lb_hist_event_t ev, lb_hist_source_t src, uint32_t client, int code,
                        uint8_t slot, const lb_image_info_t *info);

/* Lower-case slot letter for console lines: 'a', 'b', or '-'. */
char lb_app_slot_letter(uint8_t slot);

#endif
