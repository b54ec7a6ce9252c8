/* GET /api/status in the app (lb_ota_status.h): one connection at a time,
 * on lwIP's raw TCP API, from lb_ota_handle's loop. */
#include "lb_ota_status.h"

#include <stdio.h>
#include <string.h>

#include "lb/board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lb_app.h"
#include "lwip/tcp.h"
#include "partitions.h"

#define HEAD_MAX 1024u /* a request head longer than this is answered 431 */
#define IDLE_MS 5000u  /* a client that says nothing for this long is dropped */

static struct {
    struct tcp_pcb *listener;
    struct tcp_pcb *pcb; /* the one client */
    char line[24];       /* the start of its request line */
    uint16_t got;        /* head bytes so far */
    uint32_t tail;       /* the last four of them, to find the blank line */
    uint32_t last_ms;
} st;

static void drop(void)
{
    if (st.pcb != NULL) {
        tcp_arg(st.pcb, NULL);
        tcp_recv(st.pcb, NULL);
        tcp_err(st.pcb, NULL);
        tcp_poll(st.pcb, NULL, 0);
        if (tcp_close(st.pcb) != ERR_OK) {
            tcp_abort(st.pcb);
        }
        st.pcb = NULL;
    }
}

/* The document: what runs, from the boot info and the boot state. */
static int document(char *buf, size_t cap)
{
    const lb_bootinfo_t *bi = lb_app_bootinfo();
    char v[LB_IMAGE_VERSION_STR_MAX] = "?";
    const char *state = "unknown";
    unsigned slot = 0;
    if (bi != NULL) {
        lb_image_version_format(&bi->image_version, v);
        slot = bi->slot;
        lb_bootstate_t s;
        if (slot < LB_BOOTSTATE_SLOTS && lb_app_bootstate(&s) == 0) {
            state = lb_slot_state_name(s.slots[slot].state);
        }
    }
    return snprintf(
        buf, cap,
        "{\"product\":\"%s\",\"board\":\"%s\",\"mode\":\"app\",\"reason\":\"%s\","
        "\"reset\":\"%s\",\"boot_count\":%lu,\"version\":\"%s\",\"slot\":%u,"
        "\"state\":\"%s\",\"uptime_ms\":%lu}",
        LB_LAYOUT_PRODUCT, LB_LAYOUT_BOARD, bi ? lb_boot_reason_name(bi->reason) : "unknown",
        bi ? lb_reset_cause_name(bi->reset) : "unknown", bi ? (unsigned long)bi->boot_count : 0ul,
        v, slot, state, (unsigned long)lb_board_millis());
}

static void answer(unsigned status)
{
    char body[320], head[128];
    int n = status == 200 ? document(body, sizeof body) : 0;
    if (n < 0 || (size_t)n >= sizeof body) {
        status = 500;
        n = 0;
    }
    const char *why = status == 200   ? "OK"
                      : status == 404 ? "Not Found"
                      : status == 405 ? "Method Not Allowed"
                      : status == 431 ? "Request Header Fields Too Large"
                                      : "Internal Server Error";
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n\r\n",
                     status, why, n ? "application/json" : "text/plain", n);
    if (h > 0 && (size_t)h < sizeof head &&
        tcp_write(st.pcb, head, (u16_t)h, TCP_WRITE_FLAG_COPY) == ERR_OK &&
        (n == 0 || tcp_write(st.pcb, body, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK)) {
        tcp_output(st.pcb);
    }
    drop(); /* lwIP sends what is queued, then the FIN */
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        drop();
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    st.last_ms = lb_board_millis();
    bool done = false;
    for (struct pbuf *q = p; q != NULL && !done; q = q->next) {
        const uint8_t *d = q->payload;
        for (u16_t i = 0; i < q->len && !done; i++) {
            if (st.got < sizeof st.line - 1u) {
                st.line[st.got] = (char)d[i];
            }
            st.got++;
            st.tail = st.tail << 8 | d[i];
            done = st.tail == 0x0d0a0d0au || st.got >= HEAD_MAX;
        }
    }
    pbuf_free(p);
    if (!done) {
        return ERR_OK;
    }
    if (st.got >= HEAD_MAX) {
        answer(431);
    } else if (strncmp(st.line, "GET ", 4) != 0) {
        answer(405);
    } else {
        answer(strncmp(st.line + 4, "/api/status ", 12) == 0 ? 200 : 404);
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    st.pcb = NULL; /* lwIP has freed it */
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    (void)pcb;
    if (lb_board_millis() - st.last_ms > IDLE_MS) {
        drop();
    }
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    if (st.pcb != NULL) {
        tcp_abort(pcb); /* one at a time: a status poller retries */
        return ERR_ABRT;
    }
    st.pcb = pcb;
    memset(st.line, 0, sizeof st.line);
    st.got = 0;
    st.tail = 0;
    st.last_ms = lb_board_millis();
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, 2);
    return ERR_OK;
}

int lb_ota_status_start(uint16_t port)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        return LB_E_NOSPACE;
    }
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_close(pcb);
        return LB_E_BUSY;
    }
    st.listener = tcp_listen(pcb);
    if (st.listener == NULL) {
        tcp_close(pcb);
        return LB_E_NOSPACE;
    }
    tcp_accept(st.listener, on_accept);
    return 0;
}
