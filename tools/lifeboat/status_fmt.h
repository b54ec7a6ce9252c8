/* The readable form of a device's /api/status answer (`lifeboat status`
 * without --json). */
#ifndef LB_STATUS_FMT_H
#define LB_STATUS_FMT_H

#include "sb.h"

/* Appends a summary of the status JSON `json` to `sb`: product and board,
 * mode, reason and reset, versions, one line per slot (state, version,
 * security counter, active), the upload in progress, the credential source
 * and the auth counters. Missing members print as "?". Returns 0, or
 * LB_E_INVAL (nothing appended) when `json` is not a JSON object. */
int lb_status_summary(const char *json, lb_sb_t *sb);

#endif
