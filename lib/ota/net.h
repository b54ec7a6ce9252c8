/* The network of an image that talks to the outside (the recovery image,
 * apps built on app-template): lwIP (NO_SYS, raw API) over the board's
 * NIC (lb/board_net.h), one interface, DHCP or a static address. Every
 * call from the main loop. */
#ifndef LB_OTA_NET_H
#define LB_OTA_NET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool dhcp;           /* else the three dotted quads below */
    const char *ip;      /* e.g. "10.0.2.15" */
    const char *netmask; /* e.g. "255.255.255.0" */
    const char *gateway; /* e.g. "10.0.2.2" */
    const char *dns;     /* static: the DNS server, NULL or "" none (DHCP: the lease's) */
    const char *tag;     /* console prefix of the "netif up" line, e.g. "[app]" */
    uint16_t port;       /* shown on that line when not 0 (a server's port) */
} lb_net_cfg_t;

/* Starts lwIP and brings the board's interface up with `cfg` (which must
 * stay valid). Returns 0, LB_E_UNSUPPORTED (DHCP asked for but not built
 * in this image's lwipopts.h), LB_E_INVAL (an address that does not
 * parse) or LB_E_IO (the NIC did not come up). `dns` is used only where
 * lwipopts.h has LWIP_DNS. */
int lb_net_start(const lb_net_cfg_t *cfg);

/* Moves received frames into lwIP and runs its timers. Call it often. */
void lb_net_poll(void);

/* True once the interface is up with an address (DHCP may take a while). */
bool lb_net_up(void);

/* Stirs `v` into the generator behind LWIP_RAND (local ports, initial
 * sequence numbers): per-device entropy at start-up. Not a security
 * primitive. */
void lb_net_rand_mix(unsigned int v);

/* A value of that generator, for schedules (e.g. update-check jitter). */
unsigned int lb_net_rand(void);

#endif
