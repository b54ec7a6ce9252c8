/* The board contract's network part: an lwIP network interface for the
 * board's NIC. Separate from lb/board.h so the loader (no network) never
 * sees lwIP; only the recovery image and apps that use lwIP include it.
 * Boards without a NIC do not implement it (such images do not link).
 *
 * lwIP runs with NO_SYS=1: every call below is made from the main loop,
 * never from an interrupt. */
#ifndef LB_BOARD_NET_H
#define LB_BOARD_NET_H

struct netif;

/* Brings up the NIC and fills `nif`: hardware address, MTU, flags
 * (broadcast, ARP, Ethernet, link up when known) and linkoutput/output.
 * Meant as the init callback of netif_add() (through a small wrapper that
 * maps the result to err_t). Returns 0, or LB_E_IO when the NIC does not
 * answer as expected (it is then left untouched). */
int lb_board_netif_init(struct netif *nif);

/* Moves received frames from the NIC into lwIP (nif->input), at most a
 * small bounded number per call so the caller's loop stays responsive.
 * Call it often. Returns the number of frames handed to lwIP. */
int lb_board_netif_poll(struct netif *nif);

#endif
