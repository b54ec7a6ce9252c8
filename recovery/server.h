/* The recovery image's network side: brings up the board's netif with
 * lwIP (static address or DHCP from the layout) and serves the HTTP API
 * (docs/recovery.md) on LB_RECOVERY_PORT. Everything runs from the main
 * loop (lwIP NO_SYS). */
#ifndef LB_RECOVERY_SERVER_H
#define LB_RECOVERY_SERVER_H

#include <stdbool.h>
#include <stdint.h>

/* Brings up the network and starts listening. `seed`/`seed_len` is this
 * boot's secret (lb_seed_draw): it keys the Digest nonces and, through a
 * one-way derivation, seeds lwIP's generator. Returns 0, or LB_E_IO when the NIC is missing. */
int lb_server_start(const void *seed, uint32_t seed_len);

/* Polls the NIC and runs lwIP's timers; call continuously. */
void lb_server_poll(void);

/* Milliseconds (board clock) of the last client activity, for the idle
 * timeout; and whether a connection or upload is in progress now. */
uint32_t lb_server_last_activity(void);
bool lb_server_busy(void);

/* Set once a request asked to leave recovery or an image was installed:
 * the main loop reboots when it sees it (after the answer went out). */
bool lb_server_reboot_due(void);

#endif
