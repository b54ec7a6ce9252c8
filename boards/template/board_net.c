/* Template board, network part: the two hooks of lib/include/lb/board_net.h
 * that the recovery image (and apps using lwIP) call for the board's NIC.
 * A board without a NIC deletes this file: the loader never calls these,
 * and a recovery image for such a board does not link (by design).
 *
 * Real implementations include "lwip/netif.h", "lwip/pbuf.h" and
 * "netif/etharp.h" (the recovery build puts lwIP on the include path); this
 * template only sees the forward declaration, so it compiles without lwIP
 * and touches no netif field. See boards/qemu-mps2-an385/lan9118.c for a
 * complete driver. lwIP runs with NO_SYS=1: both hooks are called from the
 * main loop, never from an interrupt; no heap other than lwIP's pbuf pool. */
#include "lb/board_net.h"

#include <stddef.h>

#include "lb/err.h"

/* PORT: bring up the NIC and describe it to lwIP. Check the controller
 * answers (an ID register) and reset it; read its MAC address (from the
 * part, OTP or a provisioning record; never all-zero or multicast); enable
 * TX and RX. Then fill `nif`: hwaddr_len = 6 and hwaddr[], name (two
 * letters, e.g. "en"), mtu (1500 for Ethernet), flags (NETIF_FLAG_BROADCAST
 * | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET, plus NETIF_FLAG_LINK_UP when
 * the PHY reports a link), output = etharp_output and linkoutput = your
 * function that copies a pbuf chain (p->tot_len bytes, following ->next)
 * into the TX FIFO or a DMA descriptor and returns ERR_OK / ERR_IF. Leave
 * `nif` untouched and return LB_E_IO when the NIC does not answer as
 * expected; the recovery image then says so on the console
 * ("[recovery] network: ...") and stays, reachable only by console. Returns 0 or LB_E_IO. */
int lb_board_netif_init(struct netif *nif)
{
    (void)nif;
    return LB_E_IO;
}

/* PORT: move received frames from the NIC into lwIP. For each pending
 * frame, at most a small fixed number per call (the qemu board: 8) so the
 * main loop stays responsive: drop frames the NIC flagged as bad or whose
 * length is impossible (shorter than an Ethernet header, longer than mtu +
 * header); allocate pbuf_alloc(PBUF_RAW, len, PBUF_POOL) — if that fails,
 * discard the frame (TCP resends); copy the frame without its FCS into the
 * pbuf chain; hand it to nif->input(p, nif) and pbuf_free(p) if that does
 * not return ERR_OK. Never block waiting for a frame. Returns the number of
 * frames handed to lwIP (0 when none was pending). */
int lb_board_netif_poll(struct netif *nif)
{
    (void)nif;
    return 0;
}
