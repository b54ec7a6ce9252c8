/* The readable form of a device's /api/status answer (`lifeboat status`
 * without --json). */
#ifndef LB_STATUS_FMT_H
#define LB_STATUS_FMT_H

#include "sb.h"

/* Appends a summary of the status JSON `json` to `sb`: product and board,
 * mode, reason and reset, versions, one line per slot (state, version,
 * security counter, active), the upload in progress, the credential source,
 * the auth counters and what the nonce key was drawn from. Missing members print as "?". Returns 0,
 * or LB_E_INVAL (nothing appended) when `json` is not a JSON object. */
int lb_status_summary(const char *json, lb_sb_t *sb);

/* Appends one line per entry of a GET /api/history answer (newest first)
 * and stores the oldest entry's sequence number in *oldest (for the next
 * page, ?before=). Returns the number of entries (0 with a line saying why
 * when the device keeps no history), or LB_E_INVAL when `json` is not a
 * JSON object. */
int lb_history_summary(const char *json, lb_sb_t *sb, unsigned long *oldest);

#endif
