/* lwIP 2.1.3 configuration of apps built on app-template: NO_SYS raw API,
 * IPv4 + TCP for the update agent (lib/ota/agent.h), UDP and DHCP when the
 * layout's app.net says dhcp, UDP and DNS when the app resolves names. A product app that serves or
 * sends more raises these. */
#ifndef LB_APP_LWIPOPTS_H
#define LB_APP_LWIPOPTS_H

#include "ota_handler.h"

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NOASSERT 1

#define MEM_ALIGNMENT 4
#define MEM_SIZE (8 * 1024) /* request pieces and the manifest (<= 4 KiB) */
#define PBUF_POOL_SIZE 8
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_TCP_PCB 5 /* the agent's connection, closing ones, a status client */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 16
#define MEMP_NUM_UDP_PCB 2
#define MEMP_NUM_RAW_PCB 0
#define MEMP_NUM_REASSDATA 0
#define MEMP_NUM_FRAG_PBUF 0
#define ARP_QUEUEING 1
#define ARP_TABLE_SIZE 4

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_ARP 1

#define LWIP_DHCP LB_OTA_NET_DHCP
#define DHCP_DOES_ARP_CHECK 0
/* Host names (a named app.update_url, or app.net.dns): lwIP's resolver,
 * one query at a time, the servers from DHCP or the layout. Its table
 * holds the agent's hosts: the manifest's and a CDN's. */
#define LWIP_DNS LB_OTA_DNS
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 64 /* LB_URL_HOST_MAX + 1 */
#define DNS_MAX_SERVERS 2
#define LWIP_UDP (LB_OTA_NET_DHCP || LB_OTA_DNS)

#define LWIP_TCP 1
#define TCP_MSS 1460
/* The emulated LAN9118 drops frames once its ~10 KiB RX FIFO is full:
 * never advertise more than 4 segments (brief §10). */
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN 8
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS 2
#define LWIP_TCP_KEEPALIVE 0

#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_SINGLE_NETIF 1

#define LWIP_STATS 0
/* LWIP_DEBUG stays undefined: lwIP tests it with #ifdef (0 would keep the
 * pools' names and the error texts). */
#define LWIP_PROVIDE_ERRNO 1

#endif
