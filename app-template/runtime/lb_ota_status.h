/* What the app answers on the network besides its updates: GET
 * /api/status on the port the layout's recovery serves (so one URL reaches
 * the device in either image), a small JSON document of what runs --
 * product, board, mode "app", boot reason and reset, boot count, the
 * running version, its slot and that slot's state (trial, confirmed) --
 * the fields recovery's own status has under the same names. It is how
 * `lifeboat push --wait` follows an update through the reboot to its
 * confirmation. Read-only and unauthenticated: nothing in it is secret.
 * Part of lb_ota (lb_ota_begin starts it); docs/SPEC.md, "App status". */
#ifndef LB_OTA_STATUS_H
#define LB_OTA_STATUS_H

#include <stdint.h>

/* Listens on `port`. Returns 0, LB_E_NOSPACE (no lwIP connection free) or
 * LB_E_BUSY (the port is taken). */
int lb_ota_status_start(uint16_t port);

#endif
