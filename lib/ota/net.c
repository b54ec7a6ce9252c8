#include "net.h"

#include <string.h>

#include "lb/board.h"
#include "lb/board_net.h"
#include "lb/err.h"
#include "lb/url.h"
#include "../src/text.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

static struct netif nif;
static const lb_net_cfg_t *cfg;

static err_t netif_init_cb(struct netif *n)
{
    return lb_board_netif_init(n) == 0 ? ERR_OK : ERR_IF;
}

/* "<tag> netif up a.b.c.d[ port N]" once the interface has an address. */
static void on_netif_status(struct netif *n)
{
    if (!lb_net_up()) {
        return;
    }
    char line[64];
    char *p = line;
    size_t t = strlen(cfg->tag);
    t = t > 24u ? 24u : t;
    memcpy(p, cfg->tag, t);
    p += t;
    memcpy(p, " netif up ", 10);
    p += 10;
    uint32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(n)));
    for (int i = 3; i >= 0; i--) {
        p = lb_text_dec(p, (a >> (8 * i)) & 0xFFu);
        if (i != 0) {
            *p++ = '.';
        }
    }
    if (cfg->port != 0) {
        memcpy(p, " port ", 6);
        p = lb_text_dec(p + 6, cfg->port);
    }
    *p++ = '\n';
    lb_board_console_write(line, (size_t)(p - line));
}

int lb_net_start(const lb_net_cfg_t *c)
{
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
    if (c->dhcp && !LWIP_DHCP) {
        return LB_E_UNSUPPORTED;
    }
    if (!c->dhcp) {
        uint8_t a[4], m[4], g[4];
        if (lb_url_ipv4(c->ip, a) != 0 || lb_url_ipv4(c->netmask, m) != 0 ||
            lb_url_ipv4(c->gateway, g) != 0) {
            return LB_E_INVAL;
        }
        IP4_ADDR(&ip, a[0], a[1], a[2], a[3]);
        IP4_ADDR(&mask, m[0], m[1], m[2], m[3]);
        IP4_ADDR(&gw, g[0], g[1], g[2], g[3]);
    }
    cfg = c;
    lwip_init();
    if (netif_add(&nif, &ip, &mask, &gw, NULL, netif_init_cb, ethernet_input) == NULL) {
        return LB_E_IO;
    }
    netif_set_default(&nif);
    netif_set_status_callback(&nif, on_netif_status);
    netif_set_link_up(&nif);
    netif_set_up(&nif);
#if LWIP_DHCP
    if (c->dhcp) {
        dhcp_start(&nif);
        return 0;
    }
#endif
#if LWIP_DNS
    /* The layout's server for a static address (with DHCP the lease's). */
    uint8_t d[4];
    if (!c->dhcp && c->dns != NULL && c->dns[0] != '\0') {
        if (lb_url_ipv4(c->dns, d) != 0) {
            return LB_E_INVAL;
        }
        ip_addr_t server;
        IP_ADDR4(&server, d[0], d[1], d[2], d[3]);
        dns_setserver(0, &server);
    }
#endif
    etharp_request(&nif, &gw); /* the gateway answers first replies faster */
    return 0;
}

void lb_net_poll(void)
{
    lb_board_netif_poll(&nif);
    sys_check_timeouts();
}

bool lb_net_up(void)
{
    return netif_is_up(&nif) && !ip4_addr_isany_val(*netif_ip4_addr(&nif));
}
