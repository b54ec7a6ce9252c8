#include "server.h"

#include <string.h>

#include "auth/digest.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/board_net.h"
#include "lb/err.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "partitions.h"
#include "status.h"
#include "update.h"

/* Connection states. */
enum {
    C_FREE = 0,
    C_HEAD,    /* reading a request head */
    C_UPLOAD,  /* streaming an accepted upload */
    C_DRAIN,   /* answered early; discarding the rest of the body */
    C_SENDING, /* answer queued; more static data may follow */
};

typedef struct {
    struct tcp_pcb *pcb;
    uint8_t state;
    bool close_after;
    bool retry_status; /* the status answer did not fit yet: retry */
    bool head_only;
    uint32_t body_left;
    uint32_t last_ms;
    uint32_t client;
    const uint8_t *tx; /* static data still to queue (the page) */
    uint32_t tx_left;
    lb_http_parser_t req;
} conn_t;

static conn_t conns[LB_HTTP_CONN_MAX];
static struct netif nif;
static uint32_t last_activity;
static bool reboot_due;
static bool reboot_armed; /* reboot once this connection's answer is out */
static conn_t *reboot_conn;
/* Shared scratch for one dynamic answer (single-threaded). */
static char scratch[2560];

static uint32_t now_ms(void)
{
    return lb_board_millis();
}

uint32_t lb_server_last_activity(void)
{
    return last_activity;
}

bool lb_server_busy(void)
{
    for (unsigned i = 0; i < LB_HTTP_CONN_MAX; i++) {
        if (conns[i].state != C_FREE) {
            return true;
        }
    }
    return lb_update_active(NULL, NULL, NULL);
}

bool lb_server_reboot_due(void)
{
    return reboot_due;
}

static void conn_free(conn_t *c)
{
    if (c->state == C_UPLOAD) {
        lb_update_abort();
    }
    if (c == reboot_conn) {
        /* The answer was queued; go ahead even though the peer vanished. */
        reboot_due = reboot_armed;
        reboot_conn = NULL;
    }
    c->pcb = NULL;
    c->state = C_FREE;
}

/* Set when a callback had to abort its pcb: it must then return ERR_ABRT. */
static bool aborted;

static void conn_close(conn_t *c)
{
    struct tcp_pcb *pcb = c->pcb;
    conn_free(c);
    if (pcb != NULL) {
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_err(pcb, NULL);
        tcp_poll(pcb, NULL, 0);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            aborted = true;
        }
    }
}

/* Queues bytes (copied). Returns 0 or LB_E_NOSPACE when lwIP has no room. */
static int conn_write(conn_t *c, const void *data, size_t len)
{
    if (len > tcp_sndbuf(c->pcb)) {
        return LB_E_NOSPACE;
    }
    if (tcp_write(c->pcb, data, (u16_t)len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
        return LB_E_NOSPACE;
    }
    return 0;
}

/* Queues as much of the pending static data as fits (referenced, not
 * copied: it lives in the image). */
static void push_static(conn_t *c)
{
    while (c->tx_left > 0) {
        u16_t room = tcp_sndbuf(c->pcb);
        if (room == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 2) {
            break;
        }
        uint32_t n = c->tx_left < room ? c->tx_left : room;
        if (n > TCP_MSS) {
            n = TCP_MSS;
        }
        if (tcp_write(c->pcb, c->tx, (u16_t)n, 0) != ERR_OK) {
            break;
        }
        c->tx += n;
        c->tx_left -= n;
    }
    tcp_output(c->pcb);
}

/* After an answer is fully queued: either the connection goes on with the
 * next request (keep-alive) or closes once everything was acknowledged. */
static void answer_done(conn_t *c)
{
    if (c->tx_left > 0 || c->retry_status) {
        c->state = C_SENDING;
        return;
    }
    if (c->state == C_DRAIN) {
        return; /* keeps discarding; closes when the body ended */
    }
    if (c->close_after) {
        c->state = C_SENDING; /* closes from the sent callback */
        if (tcp_sndqueuelen(c->pcb) == 0) {
            conn_close(c);
        }
        return;
    }
    c->state = C_HEAD;
    lb_http_parser_reset(&c->req);
}

static void send_error(conn_t *c, unsigned status, const char *reason, const char *extra)
{
    size_t n = lb_http_error(scratch, sizeof(scratch), status, reason, c->close_after, extra);
    if (n > 0) {
        conn_write(c, scratch, n);
    }
    tcp_output(c->pcb);
}

/* Sends the answer for a request whose body is not (or no longer) wanted:
 * closes after it and discards what remains of the body. */
static void refuse(conn_t *c, unsigned status, const char *reason, const char *extra)
{
    c->close_after = true;
    send_error(c, status, reason, extra);
    if (c->body_left > 0) {
        c->state = C_DRAIN;
        tcp_shutdown(c->pcb, 0, 1);
    } else {
        answer_done(c);
    }
}

static void send_status(conn_t *c)
{
    static char body[2048];
    size_t blen = lb_status_json(body, sizeof(body));
    char head[160];
    size_t hlen = lb_http_head(head, sizeof(head), blen ? 200 : 500, "application/json",
                               (uint32_t)blen, c->close_after, NULL);
    if (hlen == 0 || hlen + blen > tcp_sndbuf(c->pcb) || conn_write(c, head, hlen) != 0) {
        c->retry_status = true; /* no room yet: the poll/sent callback retries */
        return;
    }
    c->retry_status = false;
    if (!c->head_only && blen > 0 && conn_write(c, body, blen) != 0) {
        /* Cannot happen after the room check; fail loudly rather than
         * send a truncated document. */
        struct tcp_pcb *pcb = c->pcb;
        conn_free(c);
        tcp_arg(pcb, NULL);
        tcp_abort(pcb);
        aborted = true;
        return;
    }
    tcp_output(c->pcb);
}

static void on_auth_failure(conn_t *c, const lb_auth_result_t *res)
{
    char extra[224];
    if (res->status == 401) {
        if (lb_auth_challenge(extra, sizeof(extra), res->stale, now_ms()) == 0) {
            extra[0] = '\0';
        }
    } else if (res->status == 429) {
        lb_out_t o;
        lb_out_init(&o, extra, sizeof(extra));
        lb_out_str(&o, "Retry-After: ");
        lb_out_u32(&o, res->retry_after);
        lb_out_str(&o, "\r\n");
        lb_out_mem(&o, "", 1);
    } else {
        extra[0] = '\0';
    }
    refuse(c, res->status, res->reason, extra[0] ? extra : NULL);
}

static void start_reboot(conn_t *c)
{
    reboot_armed = true;
    reboot_conn = c;
}

/* A complete request head arrived: route and start the answer. */
static void on_request(conn_t *c)
{
    lb_http_parser_t *p = &c->req;
    unsigned status = 0;
    const char *reason = NULL, *allow = NULL;
    c->close_after = p->close;
    c->body_left = p->has_length ? p->content_length : 0;
    c->head_only = p->method == LB_HTTP_M_HEAD;
    lb_http_route_t r = lb_http_route(p, &status, &reason, &allow);
    if (r == LB_HTTP_ROUTE_NONE) {
        char extra[48];
        extra[0] = '\0';
        if (allow != NULL) {
            lb_out_t o;
            lb_out_init(&o, extra, sizeof(extra));
            lb_out_str(&o, "Allow: ");
            lb_out_str(&o, allow);
            lb_out_str(&o, "\r\n");
            lb_out_mem(&o, "", 1);
        }
        refuse(c, status, reason, extra[0] ? extra : NULL);
        return;
    }
    if (r == LB_HTTP_ROUTE_PAGE || r == LB_HTTP_ROUTE_STATUS) {
        if (c->body_left > 0) {
            refuse(c, 400, "this resource takes no body", NULL);
            return;
        }
        if (r == LB_HTTP_ROUTE_STATUS) {
            send_status(c);
        } else {
            size_t plen = 0;
            const uint8_t *page = lb_status_page(&plen);
            size_t h = lb_http_head(scratch, sizeof(scratch), 200, "text/html; charset=utf-8",
                                    (uint32_t)plen, c->close_after, NULL);
            conn_write(c, scratch, h);
            if (!c->head_only) {
                c->tx = page;
                c->tx_left = (uint32_t)plen;
            }
            push_static(c);
        }
        answer_done(c);
        return;
    }
    /* State-changing requests: authentication first, before looking at
     * anything else (so a probe without credentials learns nothing). */
    lb_auth_result_t res;
    if (lb_auth_check(p->has_auth ? p->auth : NULL, lb_http_method_name(p->method), p->target,
                      c->client, now_ms(), &res) != 200) {
        on_auth_failure(c, &res);
        return;
    }
    if (r == LB_HTTP_ROUTE_REBOOT) {
        lb_audit_record(LB_AUDIT_REBOOT, c->client, 200, now_ms());
        start_reboot(c);
        refuse(c, 200, "leaving recovery; rebooting", NULL);
        return;
    }
    /* r == LB_HTTP_ROUTE_UPDATE */
    if (p->ctype == LB_HTTP_CT_OTHER) {
        refuse(c, 415, "send the image as the raw body (application/octet-stream)", NULL);
        return;
    }
    int err = lb_update_begin(p->content_length);
    if (err != 0) {
        unsigned st = lb_update_http_status(err);
        const char *why = err == LB_E_BUSY      ? "another upload is in progress"
                          : err == LB_E_NOSPACE ? "image larger than the slot"
                          : err == LB_E_INVAL   ? "empty body"
                                                : lb_err_str(err);
        lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, (int)st, now_ms());
        refuse(c, st, why, NULL);
        return;
    }
    c->close_after = true;
    c->state = C_UPLOAD;
    if (p->expect_continue) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        conn_write(c, cont, sizeof(cont) - 1);
        tcp_output(c->pcb);
    }
}

static void upload_finished(conn_t *c, int err, const lb_image_info_t *info)
{
    if (err != 0) {
        unsigned st = lb_update_http_status(err);
        lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, err, now_ms());
        c->state = C_HEAD; /* not an upload any more */
        refuse(c, st, lb_err_str(err), NULL);
        return;
    }
    unsigned slot = 0;
    lb_update_active(&slot, NULL, NULL);
    lb_audit_record(LB_AUDIT_UPDATE_OK, c->client, 200, now_ms());
    lb_out_t o;
    char msg[128];
    lb_out_init(&o, msg, sizeof(msg));
    lb_out_str(&o, "image ");
    lb_out_u32(&o, info->version.major);
    lb_out_str(&o, ".");
    lb_out_u32(&o, info->version.minor);
    lb_out_str(&o, ".");
    lb_out_u32(&o, info->version.revision);
    lb_out_str(&o, " installed in slot ");
    lb_out_u32(&o, slot);
    lb_out_str(&o, " for a trial boot; rebooting");
    lb_out_mem(&o, "", 1);
    c->state = C_HEAD;
    start_reboot(c);
    refuse(c, 200, o.overflow ? "installed; rebooting" : msg, NULL);
}

/* Body bytes of an accepted upload. */
static void feed_upload(conn_t *c, const uint8_t *d, size_t n)
{
    int err = lb_update_write(d, n);
    c->body_left -= (uint32_t)n;
    if (err != 0) {
        upload_finished(c, err, NULL);
        return;
    }
    if (c->body_left == 0) {
        lb_image_info_t info;
        memset(&info, 0, sizeof(info));
        err = lb_update_finish(&info);
        upload_finished(c, err, &info);
    }
}

static void feed(conn_t *c, const uint8_t *d, size_t n)
{
    while (n > 0 && c->pcb != NULL) {
        if (c->state == C_UPLOAD || c->state == C_DRAIN) {
            size_t k = n < c->body_left ? n : c->body_left;
            uint8_t st = c->state;
            if (st == C_UPLOAD) {
                feed_upload(c, d, k);
            } else {
                c->body_left -= (uint32_t)k;
            }
            d += k;
            n -= k;
            if (c->state == C_DRAIN && c->body_left == 0) {
                conn_close(c);
                return;
            }
            if (n > 0 && c->body_left == 0) {
                return; /* bytes beyond the body of a closing request: ignored */
            }
            continue;
        }
        if (c->state != C_HEAD) {
            return; /* pipelined bytes while answering: ignored (we close) */
        }
        size_t used = 0;
        lb_http_result_t r = lb_http_parser_feed(&c->req, d, n, &used);
        d += used;
        n -= used;
        if (r == LB_HTTP_ERROR) {
            c->body_left = 0;
            refuse(c, c->req.status, c->req.reason, NULL);
            return;
        }
        if (r == LB_HTTP_DONE) {
            on_request(c);
        }
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    conn_t *c = arg;
    (void)err;
    if (c == NULL) {
        if (p != NULL) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        /* Peer closed its side: an unfinished upload is abandoned. */
        conn_close(c);
        return ERR_OK;
    }
    c->last_ms = now_ms();
    last_activity = c->last_ms;
    aborted = false;
    for (struct pbuf *q = p; q != NULL && c->pcb != NULL; q = q->next) {
        feed(c, q->payload, q->len);
    }
    if (aborted) {
        pbuf_free(p);
        return ERR_ABRT;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    conn_t *c = arg;
    (void)len;
    (void)pcb;
    if (c == NULL) {
        return ERR_OK;
    }
    c->last_ms = now_ms();
    aborted = false;
    if (c->retry_status) {
        send_status(c);
        if (aborted) {
            return ERR_ABRT;
        }
    }
    if (c->tx_left > 0) {
        push_static(c);
    }
    if (c->state == C_SENDING && c->tx_left == 0 && !c->retry_status) {
        if (!c->close_after) {
            c->state = C_HEAD;
            lb_http_parser_reset(&c->req);
        } else if (tcp_sndqueuelen(c->pcb) == 0) {
            if (c == reboot_conn) {
                reboot_due = true;
            }
            conn_close(c);
            return aborted ? ERR_ABRT : ERR_OK;
        }
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    conn_t *c = arg;
    (void)err;
    if (c != NULL) {
        conn_free(c); /* lwIP already freed the pcb */
    }
}

/* Every 500 ms per connection: timeouts and retries. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    conn_t *c = arg;
    (void)pcb;
    if (c == NULL) {
        return ERR_OK;
    }
    uint32_t idle = now_ms() - c->last_ms;
    aborted = false;
    if (c->retry_status) {
        send_status(c);
        if (aborted) {
            return ERR_ABRT;
        }
        answer_done(c);
        if (c->pcb == NULL) {
            return aborted ? ERR_ABRT : ERR_OK;
        }
    }
    bool mid_request = (c->state == C_HEAD && c->req.state != 0) || c->state == C_UPLOAD;
    if (c->state == C_HEAD && c->req.line_len == 0 && c->req.state == 0) {
        mid_request = false;
    }
    if (mid_request && idle > LB_HTTP_STALL_MS) {
        if (c->state == C_UPLOAD) {
            lb_update_abort();
            lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, 408, now_ms());
        }
        c->state = C_HEAD;
        c->body_left = 0;
        c->close_after = true;
        send_error(c, 408, "client stalled", NULL);
        c->state = C_SENDING;
        return ERR_OK;
    }
    if ((c->state == C_HEAD && idle > LB_HTTP_KEEPALIVE_MS) ||
        (c->state != C_HEAD && c->state != C_UPLOAD && idle > LB_HTTP_STALL_MS)) {
        conn_close(c);
        return aborted ? ERR_ABRT : ERR_OK;
    }
    return ERR_OK;
}

static conn_t *conn_slot(void)
{
    for (unsigned i = 0; i < LB_HTTP_CONN_MAX; i++) {
        if (conns[i].state == C_FREE) {
            return &conns[i];
        }
    }
    return NULL;
}

static void conn_attach(conn_t *c, struct tcp_pcb *pcb)
{
    memset(c, 0, sizeof(*c));
    c->pcb = pcb;
    c->state = C_HEAD;
    c->last_ms = now_ms();
    c->client = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
    last_activity = c->last_ms;
    lb_http_parser_reset(&c->req);
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, 1);
}

/* A connection accepted while every slot was busy: its data is refused
 * (lwIP keeps it and offers it again) until a slot frees up. */
static err_t on_recv_waiting(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    conn_t *c = conn_slot();
    if (p == NULL) {
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    if (c == NULL) {
        return ERR_MEM;
    }
    conn_attach(c, pcb);
    return on_recv(c, pcb, p, err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    /* Never let a new SYN evict a connection being served. */
    tcp_setprio(pcb, TCP_PRIO_MAX);
    conn_t *c = conn_slot();
    if (c == NULL) {
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, on_recv_waiting);
        return ERR_OK;
    }
    conn_attach(c, pcb);
    return ERR_OK;
}

static err_t netif_init_cb(struct netif *n)
{
    return lb_board_netif_init(n) == 0 ? ERR_OK : ERR_IF;
}

static void on_netif_status(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany_val(*netif_ip4_addr(n))) {
        char line[64];
        lb_out_t o;
        lb_out_init(&o, line, sizeof(line));
        lb_out_str(&o, "[recovery] netif up ");
        lb_out_str(&o, ip4addr_ntoa(netif_ip4_addr(n)));
        lb_out_str(&o, " port ");
        lb_out_u32(&o, LB_RECOVERY_PORT);
        lb_out_str(&o, "\n");
        lb_board_console_write(line, o.len);
    }
}

void lb_net_rand_mix(uint32_t v);

int lb_server_start(const void *seed, uint32_t seed_len)
{
    const uint8_t *s = seed;
    for (uint32_t i = 0; i + 4 <= seed_len; i += 4) {
        lb_net_rand_mix((uint32_t)s[i] | (uint32_t)s[i + 1] << 8 | (uint32_t)s[i + 2] << 16 |
                        (uint32_t)s[i + 3] << 24);
    }
    int err = lb_auth_init(LB_RECOVERY_AUTH_USER, LB_RECOVERY_AUTH_REALM, LB_RECOVERY_AUTH_HA1,
                           seed, seed_len, now_ms());
    if (err != 0) {
        lb_board_console_write("[recovery] auth: bad credential\n", 32);
    }
    lwip_init();
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
#if !LB_RECOVERY_DHCP
    ip4addr_aton(LB_RECOVERY_IP, &ip);
    ip4addr_aton(LB_RECOVERY_NETMASK, &mask);
    ip4addr_aton(LB_RECOVERY_GATEWAY, &gw);
#endif
    if (netif_add(&nif, &ip, &mask, &gw, NULL, netif_init_cb, ethernet_input) == NULL) {
        return LB_E_IO;
    }
    netif_set_default(&nif);
    netif_set_status_callback(&nif, on_netif_status);
    netif_set_link_up(&nif);
    netif_set_up(&nif);
#if LB_RECOVERY_DHCP
    dhcp_start(&nif);
#endif
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (l == NULL || tcp_bind(l, IP4_ADDR_ANY, LB_RECOVERY_PORT) != ERR_OK) {
        return LB_E_IO;
    }
    l = tcp_listen_with_backlog(l, 8);
    if (l == NULL) {
        return LB_E_IO;
    }
    tcp_accept(l, on_accept);
    last_activity = now_ms();
    return 0;
}

void lb_server_poll(void)
{
    lb_board_netif_poll(&nif);
    sys_check_timeouts();
}
