/* lwIP 2.1.3 configuration of the recovery image: NO_SYS raw API, IPv4 +
 * TCP (+ UDP and DHCP only when the layout asks for DHCP), sized for the
 * recovery RAM budget (40 KiB for everything). */
#ifndef LB_LWIPOPTS_H
#define LB_LWIPOPTS_H

#include "lb/config.h"
#include "partitions.h"

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NOASSERT 1 /* flash budget; untrusted input is checked by lwIP regardless */

/* Memory: one static heap for TX data/headers, a pool of full-size RX
 * buffers. */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (6 * 1024)
#define PBUF_POOL_SIZE 6
#define MEMP_NUM_PBUF 12
/* Served and waiting connections, plus two closing ones (TIME_WAIT and
 * closing PCBs are reclaimed by lwIP when it needs one). */
#define MEMP_NUM_TCP_PCB (LB_HTTP_CONN_MAX + LB_HTTP_WAITERS + 2)
#define MEMP_NUM_TCP_PCB_LISTEN (1 + LB_RECOVERY_BENCH) /* + the bench discard port */
/* Queued segments of all connections; a SYN-ACK that finds none is not
 * sent at all (the client waits out a SYN retransmission). */
#define MEMP_NUM_TCP_SEG 48
#define MEMP_NUM_UDP_PCB 1
#define MEMP_NUM_RAW_PCB 0
#define MEMP_NUM_REASSDATA 0
#define MEMP_NUM_FRAG_PBUF 0
/* Queue every packet sent while the peer's MAC is being resolved: a burst of
 * connections from a host not yet in the ARP table otherwise loses all its
 * SYN-ACKs but the last, and each client waits out a SYN retransmission. */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN (LB_HTTP_CONN_MAX + LB_HTTP_WAITERS)
#define MEMP_NUM_ARP_QUEUE (LB_HTTP_CONN_MAX + LB_HTTP_WAITERS)
#define ARP_TABLE_SIZE 4

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_ARP 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0

#define LWIP_DHCP LB_RECOVERY_DHCP
#define LWIP_UDP LB_RECOVERY_DHCP
#define DHCP_DOES_ARP_CHECK 0

#define LWIP_TCP 1
#define TCP_MSS 1460
/* The segment size is not clamped to the netif's MTU at run time: every
 * board's netif carries 1500-byte Ethernet frames (docs/PORTING.md), which
 * TCP_MSS already fits (140 B of flash). */
#define TCP_CALCULATE_EFF_SEND_MSS 0
/* The emulated LAN9118 drops frames once its ~10 KiB RX FIFO is full:
 * never advertise more than 4 segments (brief §10). */
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN 16
/* Copied answers get pbufs of their exact size, not a whole MSS each. */
#define TCP_OVERSIZE 0
/* Segments that arrive ahead of a lost one are dropped, not queued: the
 * window is four segments, so a loss costs the sender at most three
 * retransmissions (on loopback and a LAN, none), and the queue's code
 * (~880 B) pays for resuming a download cut by a power loss. */
#define TCP_QUEUE_OOSEQ 0
#define LWIP_TCP_KEEPALIVE 0
/* No backlog limit: half-open connections are bounded by the PCBs alone, so
 * a burst of SYNs is not dropped (a dropped SYN costs the client a
 * retransmission timeout), and lwIP's backlog accounting is not linked. */
#define TCP_LISTEN_BACKLOG 0

#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_SINGLE_NETIF 1

#define LWIP_STATS 0
/* LWIP_DEBUG stays undefined: lwIP tests it with #ifdef (0 would keep the
 * pools' names and the error texts). */
#define LWIP_PROVIDE_ERRNO 1

#endif
