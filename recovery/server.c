#include "server.h"

#include <string.h>

#include "auth/cred_form.h"
#include "auth/digest.h"
#include "cred_store.h"
#include "history.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/err.h"
#include "lb/hmac.h"
#include "lb_app.h"
#include "lwip/ip4_addr.h"
#include "lwip/tcp.h"
#include "net.h"
#include "partitions.h"
#include "status.h"
#include "update.h"

/* Answers that wait for lwIP memory (retried from sent/poll/main loop). */
enum { P_NONE = 0, P_STATUS, P_HISTORY, P_PAGE, P_ANSWER };

/* Connection states. */
enum {
    C_FREE = 0,
    C_HEAD,    /* reading a request head */
    C_UPLOAD,  /* streaming an accepted upload */
    C_BODY,    /* collecting a small body (the credential form) in req.line */
    C_DRAIN,   /* answered early; discarding the rest of the body */
    C_SENDING, /* answer queued; more static data may follow */
    C_CLOSING, /* answer queued; to be closed from the main loop, or lwIP had
                  no memory for the FIN yet */
};

typedef struct {
    struct tcp_pcb *pcb;
    uint8_t state;
    bool close_after;
    uint8_t pending;   /* an answer that did not fit yet: P_* */
    uint16_t ans_len;  /* length of the answer built in req.line */
    uint16_t body_got; /* C_BODY: bytes collected in req.line */
    bool head_only;
    bool peer_fin; /* the client closed its side */
    bool served;   /* answered a request already (now kept alive) */
    uint32_t body_left;
    uint32_t last_ms;
    uint32_t phase_ms;   /* when the current head, or body window, began */
    uint32_t window_got; /* body bytes received in the current window */
    uint32_t client;
    uint32_t before;   /* P_HISTORY: the page asked for (?before=SEQ) */
    const uint8_t *tx; /* static data still to queue (the page) */
    uint32_t tx_left;
    lb_http_parser_t req;
} conn_t;

/* A connection accepted while every slot was busy. What it sends meanwhile
 * is copied into small heap pbufs (so it holds no RX pool buffer); it gets
 * a slot, in arrival order, as soon as one frees up. */
typedef struct {
    struct tcp_pcb *pcb;
    struct pbuf *data; /* NULL until it sent something */
    uint32_t seq;      /* arrival order */
    uint32_t since_ms;
    bool fin; /* the client closed its side after `data` */
} waiter_t;

static conn_t conns[LB_HTTP_CONN_MAX];
static waiter_t waiters[LB_HTTP_WAITERS];
static uint32_t waiter_seq;
static bool kick; /* something freed up: retry deferred work from the main loop */
static uint32_t last_activity;
static bool reboot_due;
static bool reboot_armed; /* reboot once this connection's answer is out */
static conn_t *reboot_conn;
/* Shared scratch for one dynamic answer (single-threaded; tcp_write
 * copies). The status document is built at STATUS_HEAD_ROOM and its head
 * copied in front, so it goes out in one write. */
#define STATUS_HEAD_ROOM 192u
static char scratch[2816];
_Static_assert(sizeof(scratch) - STATUS_HEAD_ROOM >= LB_HISTORY_DOC_MAX,
               "a history document fits after the head room");

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
    /* Open connections do not count: a page polling /api/status, or a
     * client holding sockets open, must not keep the device in recovery.
     * An upload in progress and a reboot being answered do. */
    return lb_update_active(NULL, NULL, NULL) || reboot_conn != NULL;
}

bool lb_server_reboot_due(void)
{
    return reboot_due;
}

/* An accepted upload that will not complete: nothing is activated; the
 * history says it was given up. */
static void abandon(conn_t *c, int why)
{
    lb_update_abort();
    lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PUSH, c->client, why, LB_HIST_SLOT_NONE, NULL);
}

static void conn_free(conn_t *c)
{
    if (c->state == C_UPLOAD) {
        abandon(c, LB_E_TRUNCATED);
    }
    if (c == reboot_conn) {
        /* The answer was queued; go ahead even though the peer vanished. */
        reboot_due = reboot_armed;
        reboot_conn = NULL;
    }
    c->pcb = NULL;
    c->state = C_FREE;
    kick = true;
}

static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void on_err(void *arg, err_t err);
static err_t on_poll(void *arg, struct tcp_pcb *pcb);

static void attach(conn_t *c, struct tcp_pcb *pcb)
{
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, 1);
}

/* Set when a callback had to abort its pcb: it must then return ERR_ABRT. */
static bool aborted;
/* Set while on_recv feeds a connection. */
static bool in_recv;

/* Closes the connection and frees its slot. lwIP still delivers what was
 * queued, then the FIN. When it has no memory for the FIN right now the
 * slot waits in C_CLOSING and the poll callback tries again. */
static void conn_close(conn_t *c)
{
    struct tcp_pcb *pcb = c->pcb;
    if (in_recv) {
        /* lwIP hands over a segment's data before it accounts for a FIN in
         * the same segment: closing now would find "unread" data and reset
         * the connection instead of delivering the answer. Close from the
         * main loop, right after this callback. */
        c->state = C_CLOSING;
        kick = true;
        return;
    }
    if (pcb != NULL) {
        detach(pcb);
        if (tcp_close(pcb) != ERR_OK) {
            attach(c, pcb);
            c->state = C_CLOSING;
            return;
        }
    }
    conn_free(c);
}

static void conn_abort(conn_t *c)
{
    struct tcp_pcb *pcb = c->pcb;
    conn_free(c);
    if (pcb != NULL) {
        detach(pcb);
        tcp_abort(pcb);
        aborted = true;
    }
}

/* Queues bytes (copied). Returns 0 or LB_E_NOSPACE when lwIP has no room;
 * then nothing was queued. */
static int conn_write(conn_t *c, const void *data, size_t len)
{
    if (len > tcp_sndbuf(c->pcb) || tcp_sndqueuelen(c->pcb) + 4u > TCP_SND_QUEUELEN) {
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

/* After an answer was queued: either the connection goes on with the next
 * request (keep-alive) or it closes. A connection whose answer still waits
 * for room (status retry, page) stays in C_SENDING. */
static void answer_done(conn_t *c)
{
    if (c->state == C_DRAIN) {
        return; /* keeps discarding; closes when the body ended */
    }
    if (c->tx_left > 0 || c->pending != P_NONE) {
        c->state = C_SENDING;
        return;
    }
    if (c->close_after || c->peer_fin) {
        if (c == reboot_conn) {
            /* Reboot only once the answer was acknowledged (on_sent). */
            c->state = C_SENDING;
            if (tcp_sndqueuelen(c->pcb) == 0) {
                reboot_due = true;
                conn_close(c);
            }
            return;
        }
        /* Everything is queued: lwIP delivers it and the FIN without us;
         * the slot is free for the next client at once. */
        conn_close(c);
        return;
    }
    c->state = C_HEAD;
    c->served = true;
    lb_http_parser_reset(&c->req);
}

/* Queues the error/plain answer built in c->req.line: all of it, or nothing
 * and `pending` retries the same bytes when lwIP has memory again. */
static void send_answer(conn_t *c)
{
    if (conn_write(c, c->req.line, c->ans_len) != 0) {
        c->pending = P_ANSWER;
        return;
    }
    c->pending = P_NONE;
    if (c->state == C_DRAIN) {
        tcp_shutdown(c->pcb, 0, 1); /* nothing more comes: say so early */
    }
    tcp_output(c->pcb);
}

/* A short plain-text answer. It is built in the parser's line buffer, which
 * is free once a request ended (http/http.h), so a retry needs no other
 * memory and re-issues nothing (e.g. the challenge's nonce). */
static void send_error(conn_t *c, unsigned status, const char *reason, const char *extra)
{
    c->ans_len = (uint16_t)lb_http_error(c->req.line, sizeof(c->req.line), status, reason,
                                         c->close_after, extra);
    send_answer(c);
}

/* Sends the answer for a request whose body is not (or no longer) wanted:
 * closes after it and discards what remains of the body. */
static void refuse(conn_t *c, unsigned status, const char *reason, const char *extra)
{
    c->close_after = true;
    c->state = c->body_left > 0 && !c->peer_fin ? C_DRAIN : C_HEAD;
    send_error(c, status, reason, extra);
    if (c->state == C_HEAD) {
        answer_done(c);
    }
}

/* The status document with its head, in one copied write: all of it or
 * nothing (then `pending` asks the main loop to try again when memory
 * frees up). */
static void send_status(conn_t *c)
{
    char *body = scratch + STATUS_HEAD_ROOM;
    const size_t cap = sizeof(scratch) - STATUS_HEAD_ROOM;
    size_t blen;
    unsigned kind = c->pending == P_HISTORY ? P_HISTORY : P_STATUS;
    if (kind == P_HISTORY) {
        blen = lb_history_json(body, cap, c->before);
    } else {
        blen = lb_status_json(body, cap);
    }
    c->pending = P_NONE;
    if (blen == 0) {
        c->close_after = true;
        send_error(c, 500, "status document too large", NULL);
        return;
    }
    char head[STATUS_HEAD_ROOM];
    size_t hlen = lb_http_head(head, sizeof(head), 200, "application/json", (uint32_t)blen,
                               c->close_after || c->peer_fin, NULL);
    memcpy(body - hlen, head, hlen);
    if (conn_write(c, body - hlen, hlen + (c->head_only ? 0 : blen)) != 0) {
        c->pending = (uint8_t)kind;
        return;
    }
    tcp_output(c->pcb);
}

/* The value of `?before=N` in a request target (0 when absent or bad). */
static uint32_t query_before(const lb_http_parser_t *p)
{
    static const char key[] = "?before=";
    const char *q = p->target + p->path_len;
    if (strlen(q) < sizeof(key) - 1 || memcmp(q, key, sizeof(key) - 1) != 0) {
        return 0;
    }
    uint32_t v = 0;
    for (q += sizeof(key) - 1; *q >= '0' && *q <= '9'; q++) {
        if (v > (UINT32_MAX - 9u) / 10u) {
            return 0;
        }
        v = v * 10u + (uint32_t)(*q - '0');
    }
    return *q == '\0' ? v : 0;
}

/* The page's head (copied), then its body referenced from the image. */
static void send_page(conn_t *c)
{
    size_t plen = 0;
    const uint8_t *page = lb_status_page(&plen);
    size_t h = lb_http_head(scratch, sizeof(scratch), 200, "text/html; charset=utf-8",
                            (uint32_t)plen, c->close_after || c->peer_fin,
                            "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
    if (conn_write(c, scratch, h) != 0) {
        c->pending = P_PAGE;
        return;
    }
    c->pending = P_NONE;
    if (!c->head_only) {
        c->tx = page;
        c->tx_left = (uint32_t)plen;
    }
    push_static(c);
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

/* A refused state-changing request: in the audit log, then the answer. */
static void refuse_audited(conn_t *c, unsigned status, const char *reason)
{
    lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, (int)status, now_ms());
    refuse(c, status, reason, NULL);
}

/* The whole credential form arrived (authenticated already): the new
 * HA1 is opened with the credential in force and this request's nonces. */
static void on_credential(conn_t *c)
{
    lb_cred_t cr;
    uint8_t sealed[LB_CRED_SEALED_SIZE];
    const char *why = NULL;
    c->state = C_HEAD;
    if (lb_cred_form_parse(c->req.line, c->body_got, lb_auth_realm(), &cr, sealed, &why) != 0) {
        refuse_audited(c, 400, why);
        return;
    }
    int err = lb_auth_unseal(c->req.has_auth ? c->req.auth : NULL, sealed, &cr);
    if (err != 0) {
        refuse_audited(c, 400, "sealed credential does not verify");
        return;
    }
    err = lb_cred_store_replace(&cr);
    if (err != 0) {
        refuse_audited(c, err == LB_E_UNSUPPORTED ? 409 : 500,
                       err == LB_E_UNSUPPORTED ? "this layout has no credential partition"
                                               : lb_err_str(err));
        return;
    }
    lb_audit_record(LB_AUDIT_CREDENTIAL, c->client, 200, now_ms());
    lb_app_history_note(LB_HIST_CREDENTIAL, LB_HIST_SRC_PUSH, c->client, 0, LB_HIST_SLOT_NONE,
                        NULL);
    refuse(c, 200, "credential replaced; the previous one no longer works", NULL);
}

/* A complete request head arrived: route and start the answer. */
static void on_request(conn_t *c)
{
    lb_http_parser_t *p = &c->req;
    unsigned status = 0;
    const char *reason = NULL, *allow = NULL;
    c->close_after = p->close || c->peer_fin;
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
        } else if (p->gzip_ok) {
            send_page(c);
        } else {
            /* The page exists only compressed (flash budget); every
             * browser asks for gzip. */
            refuse(c, 406, "the page is gzip-compressed (curl --compressed); JSON: /api/status",
                   NULL);
            return;
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
    if (r == LB_HTTP_ROUTE_HISTORY) {
        /* Reading does not extend the stay: a forgotten page polling it
         * must not hold the device in recovery. */
        if (c->body_left > 0) {
            refuse(c, 400, "this resource takes no body", NULL);
            return;
        }
        c->before = query_before(p);
        c->pending = P_HISTORY;
        send_status(c);
        answer_done(c);
        return;
    }
    last_activity = now_ms(); /* only authenticated changes extend the stay */
    if (r == LB_HTTP_ROUTE_CREDENTIAL) {
        if (p->content_length > LB_HTTP_LINE_MAX) {
            refuse_audited(c, 413, "credential form too long");
        } else if (p->ctype == LB_HTTP_CT_OTHER) {
            refuse_audited(c, 415, "send user=...&sealed=... form-urlencoded");
        } else {
            c->close_after = true;
            c->state = C_BODY;
            c->body_got = 0;
            if (c->body_left == 0) {
                on_credential(c);
            }
        }
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
        refuse_audited(c, 415, "send the image raw (application/octet-stream)");
        return;
    }
    int err = lb_update_begin(p->content_length);
    if (err != 0) {
        unsigned st = lb_update_http_status(err);
        const char *why = err == LB_E_BUSY      ? "another upload is in progress"
                          : err == LB_E_NOSPACE ? "image larger than the slot"
                          : err == LB_E_INVAL   ? "empty body"
                                                : lb_err_str(err);
        refuse_audited(c, st, why);
        if (err != LB_E_BUSY) {
            lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PUSH, c->client, err,
                                LB_HIST_SLOT_NONE, NULL);
        }
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
    c->state = C_HEAD; /* not an upload any more */
    if (err != 0) {
        unsigned st = lb_update_http_status(err);
        lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, err, now_ms());
        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PUSH, c->client, err, LB_HIST_SLOT_NONE,
                            info);
        refuse(c, st, lb_err_str(err), NULL);
        return;
    }
    unsigned slot = 0;
    lb_update_active(&slot, NULL, NULL);
    lb_audit_record(LB_AUDIT_UPDATE_OK, c->client, 200, now_ms());
    lb_app_history_note(LB_HIST_INSTALL, LB_HIST_SRC_PUSH, c->client, 0, (uint8_t)slot, info);
    lb_out_t o;
    char msg[128];
    lb_out_init(&o, msg, sizeof(msg));
    lb_out_str(&o, "image ");
    lb_out_version(&o, &info->version, false);
    lb_out_str(&o, " installed in slot ");
    /* Slots are named a/b everywhere a person reads them (boot line, page). */
    char letter = lb_app_slot_letter((uint8_t)slot);
    lb_out_mem(&o, &letter, 1);
    lb_out_str(&o, " for a trial boot; rebooting");
    lb_out_mem(&o, "", 1);
    start_reboot(c);
    refuse(c, 200, o.overflow ? "installed; rebooting" : msg, NULL);
}

/* Body bytes of an accepted upload. */
static void feed_upload(conn_t *c, const uint8_t *d, size_t n)
{
    last_activity = now_ms(); /* an authenticated upload in progress */
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
    while (n > 0 && c->state != C_FREE) {
        if (c->state == C_UPLOAD || c->state == C_DRAIN) {
            size_t k = n < c->body_left ? n : c->body_left;
            c->window_got += (uint32_t)k;
            if (c->state == C_UPLOAD) {
                feed_upload(c, d, k);
            } else {
                c->body_left -= (uint32_t)k;
                if (c->body_left == 0) {
                    c->state = C_HEAD;
                    answer_done(c); /* closes, once the answer is queued */
                    return;
                }
            }
            d += k;
            n -= k;
            if (n > 0 && c->body_left == 0) {
                return; /* bytes beyond the body of a closing request: ignored */
            }
            continue;
        }
        if (c->state == C_BODY) {
            size_t k = n < c->body_left ? n : c->body_left;
            c->window_got += (uint32_t)k;
            memcpy(c->req.line + c->body_got, d, k);
            c->body_got = (uint16_t)(c->body_got + k);
            c->body_left -= (uint32_t)k;
            d += k;
            n -= k;
            if (c->body_left == 0) {
                on_credential(c);
            }
            continue;
        }
        if (c->state != C_HEAD) {
            /* A pipelined request while an answer is still going out: it
             * is not served; closing after this answer tells the client to
             * send it again on a new connection (RFC 9112 §9.3.2). */
            c->close_after = true;
            return;
        }
        if (lb_http_parser_idle(&c->req)) {
            c->phase_ms = now_ms(); /* a new request head starts: its deadline */
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
            c->phase_ms = now_ms(); /* the body's first window */
            c->window_got = 0;
            on_request(c);
        }
    }
}

/* The client closed its side (FIN). Whatever it asked for completely is
 * still answered; an unfinished request gets a precise refusal. */
static void peer_closed(conn_t *c)
{
    c->peer_fin = true;
    switch (c->state) {
    case C_BODY:
        c->state = C_HEAD;
        c->body_left = 0;
        refuse(c, 400, "body ended before Content-Length bytes", NULL);
        break;
    case C_UPLOAD:
        abandon(c, LB_E_TRUNCATED);
        lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, 400, now_ms());
        c->state = C_HEAD;
        c->body_left = 0;
        refuse(c, 400, "body ended before Content-Length bytes", NULL);
        break;
    case C_HEAD:
        if (lb_http_parser_idle(&c->req)) {
            conn_close(c);
        } else {
            refuse(c, 400, "request ended inside its header block", NULL);
        }
        break;
    case C_DRAIN:
        c->state = C_HEAD;
        answer_done(c); /* closes, once the answer is queued */
        break;
    default: /* C_SENDING, C_CLOSING: closes once the answer is out */
        c->close_after = true;
        break;
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    conn_t *c = arg;
    (void)err;
    aborted = false;
    if (p == NULL) {
        if (c != NULL) {
            peer_closed(c);
        }
        return aborted ? ERR_ABRT : ERR_OK;
    }
    /* Everything is consumed here and now: open the window first, so a
     * close from inside feed() finds no unread data (which would turn
     * lwIP's FIN into a reset and lose the answer). */
    tcp_recved(pcb, p->tot_len);
    if (c != NULL) {
        c->last_ms = now_ms();
        in_recv = true;
        for (struct pbuf *q = p; q != NULL && c->state != C_FREE; q = q->next) {
            feed(c, q->payload, q->len);
        }
        in_recv = false;
    }
    pbuf_free(p);
    return aborted ? ERR_ABRT : ERR_OK;
}

/* Resumes an answer that waited for room: the status retry, the page. */
static void resume(conn_t *c)
{
    if (c->pending == P_STATUS || c->pending == P_HISTORY) {
        send_status(c);
    } else if (c->pending == P_ANSWER) {
        send_answer(c);
    } else if (c->pending == P_PAGE) {
        send_page(c);
    } else if (c->tx_left > 0) {
        push_static(c);
    }
    if (c->state == C_SENDING && c->tx_left == 0 && c->pending == P_NONE) {
        if (c == reboot_conn) {
            if (tcp_sndqueuelen(c->pcb) == 0) {
                reboot_due = true;
                conn_close(c);
            }
        } else {
            answer_done(c);
        }
    }
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    conn_t *c = arg;
    (void)len;
    (void)pcb;
    kick = true;
    if (c == NULL) {
        return ERR_OK;
    }
    c->last_ms = now_ms();
    aborted = false;
    resume(c);
    return aborted ? ERR_ABRT : ERR_OK;
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
    if (c->state == C_CLOSING) {
        if (idle > LB_HTTP_STALL_MS) {
            conn_abort(c);
        } else {
            conn_close(c);
        }
        return aborted ? ERR_ABRT : ERR_OK;
    }
    resume(c);
    if (c->state == C_FREE) {
        return aborted ? ERR_ABRT : ERR_OK;
    }
    /* Every phase is bounded: silence, the whole head, the body's rate. */
    bool mid_head = c->state == C_HEAD && !lb_http_parser_idle(&c->req);
    bool in_body = c->state == C_UPLOAD || c->state == C_BODY || c->state == C_DRAIN;
    uint32_t phase = now_ms() - c->phase_ms;
    bool too_slow = (mid_head && phase > LB_HTTP_HEAD_MS) || idle > LB_HTTP_STALL_MS;
    if (in_body && phase >= LB_HTTP_BODY_WINDOW_MS) {
        too_slow = too_slow || c->window_got < LB_HTTP_BODY_MIN_BYTES;
        c->phase_ms = now_ms();
        c->window_got = 0;
    }
    if (c->state == C_DRAIN && too_slow) {
        conn_close(c); /* answered already; the rest of the body is not waited for */
        return aborted ? ERR_ABRT : ERR_OK;
    }
    bool mid_request = mid_head || c->state == C_UPLOAD || c->state == C_BODY;
    if (mid_request && too_slow) {
        if (c->state == C_UPLOAD) {
            abandon(c, LB_E_TIMEOUT);
            lb_audit_record(LB_AUDIT_UPDATE_FAIL, c->client, 408, now_ms());
        }
        c->state = C_HEAD;
        c->body_left = 0;
        refuse(c, 408, "client stalled", NULL);
        return aborted ? ERR_ABRT : ERR_OK;
    }
    if ((c->state == C_HEAD && idle > LB_HTTP_KEEPALIVE_MS) ||
        (c->state != C_HEAD && c->state != C_UPLOAD && c->state != C_BODY &&
         idle > LB_HTTP_STALL_MS)) {
        conn_close(c);
    }
    return aborted ? ERR_ABRT : ERR_OK;
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
    c->phase_ms = c->last_ms;
    c->client = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
    lb_http_parser_reset(&c->req);
    attach(c, pcb);
}

/* ---- connections waiting for a slot ---- */

static void waiter_free(waiter_t *w)
{
    if (w->data != NULL) {
        pbuf_free(w->data);
    }
    memset(w, 0, sizeof(*w));
}

static err_t on_recv_waiting(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    waiter_t *w = arg;
    (void)err;
    if (p == NULL) {
        w->fin = true;
        kick = true;
        return ERR_OK;
    }
    /* Keep a heap copy (sized to the data) and give the RX pool buffer
     * back; past LB_HTTP_WAIT_STASH bytes, or without heap, lwIP keeps the
     * data instead and offers it again later. */
    if (w->data != NULL && w->data->tot_len + p->tot_len > LB_HTTP_WAIT_STASH) {
        return ERR_MEM;
    }
    struct pbuf *copy = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
    if (copy == NULL) {
        return ERR_MEM;
    }
    if (w->data == NULL) {
        w->data = copy;
    } else {
        pbuf_cat(w->data, copy);
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    kick = true;
    return ERR_OK;
}

static void on_err_waiting(void *arg, err_t err)
{
    (void)err;
    waiter_free(arg); /* lwIP already freed the pcb */
}

static err_t on_poll_waiting(void *arg, struct tcp_pcb *pcb)
{
    waiter_t *w = arg;
    /* Silent for longer than a kept-alive connection may be idle: drop. */
    if (w->data == NULL && now_ms() - w->since_ms > LB_HTTP_KEEPALIVE_MS) {
        detach(pcb);
        waiter_free(w);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
    }
    return ERR_OK;
}

/* Whether a waiting connection already sent a whole request head. */
static bool waiter_has_head(const waiter_t *w)
{
    return w->data != NULL && pbuf_memfind(w->data, "\r\n\r\n", 4, 0) != 0xFFFF;
}

static bool wait_for_slot(struct tcp_pcb *pcb)
{
    /* Full: the oldest waiter that has not sent a whole head yet gives its
     * place to the newcomer (idle sockets cannot lock the door). */
    waiter_t *old = NULL;
    for (unsigned i = 0; i < LB_HTTP_WAITERS; i++) {
        waiter_t *x = &waiters[i];
        if (x->pcb == NULL) {
            old = NULL;
            break;
        }
        if (!waiter_has_head(x) && (old == NULL || (int32_t)(x->seq - old->seq) < 0)) {
            old = x;
        }
    }
    if (old != NULL) {
        struct tcp_pcb *gone = old->pcb;
        detach(gone);
        waiter_free(old);
        tcp_abort(gone);
    }
    for (unsigned i = 0; i < LB_HTTP_WAITERS; i++) {
        waiter_t *w = &waiters[i];
        if (w->pcb == NULL) {
            w->pcb = pcb;
            w->seq = waiter_seq++;
            w->since_ms = now_ms();
            tcp_arg(pcb, w);
            tcp_recv(pcb, on_recv_waiting);
            tcp_err(pcb, on_err_waiting);
            tcp_poll(pcb, on_poll_waiting, 4);
            return true;
        }
    }
    return false;
}

/* From the main loop (no lwIP callback on the stack): hands free slots to
 * the oldest waiting connections that sent something, replaying what
 * they sent. */
/* All slots busy and a client with a whole request head waits: frees the
 * slot that serves nobody, so clients that send their request promptly
 * (every browser, curl, lifeboat push) are served within a poll or two
 * however many connections trickle bytes. In order: a kept-alive
 * connection between requests, one draining an answered body, one whose
 * head is still incomplete and that sent nothing for LB_HTTP_EVICT_SILENT_MS
 * (the oldest; a client typing its request is not cut). Uploads, credential bodies and
 * answers going out are never evicted. Returns the freed slot or NULL. */
static conn_t *evict_for_waiter(void)
{
    conn_t *best = NULL;
    int best_rank = 0;
    for (unsigned i = 0; i < LB_HTTP_CONN_MAX; i++) {
        conn_t *c = &conns[i];
        int rank = 0;
        if (c->state == C_HEAD && c->served && lb_http_parser_idle(&c->req)) {
            rank = 3; /* kept alive between requests */
        } else if (c->state == C_DRAIN) {
            rank = 2;
        } else if (c->state == C_HEAD && now_ms() - c->last_ms >= LB_HTTP_EVICT_SILENT_MS) {
            /* no head, or an incomplete one, and quiet: trickling or gone
             * (a client that just connected has its second to speak) */
            rank = 1;
        }
        if (rank > best_rank ||
            (rank == best_rank && rank > 0 && (int32_t)(c->phase_ms - best->phase_ms) < 0)) {
            best = c;
            best_rank = rank;
        }
    }
    if (best == NULL) {
        return NULL;
    }
    if (best_rank == 3) {
        conn_close(best);
    } else {
        conn_abort(best);
    }
    return best->state == C_FREE ? best : NULL;
}

static void admit_waiters(void)
{
    for (;;) {
        conn_t *c = conn_slot();
        waiter_t *w = NULL;
        waiter_t *ready = NULL; /* the oldest waiter with a whole head */
        for (unsigned i = 0; i < LB_HTTP_WAITERS; i++) {
            waiter_t *x = &waiters[i];
            if (x->pcb != NULL && (x->data != NULL || x->fin) &&
                (w == NULL || (int32_t)(x->seq - w->seq) < 0)) {
                w = x;
            }
            if (x->pcb != NULL && waiter_has_head(x) &&
                (ready == NULL || (int32_t)(x->seq - ready->seq) < 0)) {
                ready = x;
            }
        }
        if (c == NULL && ready != NULL) {
            c = evict_for_waiter();
            w = ready;
        }
        if (c == NULL || w == NULL) {
            return;
        }
        struct tcp_pcb *pcb = w->pcb;
        struct pbuf *data = w->data;
        bool fin = w->fin;
        w->data = NULL;
        waiter_free(w);
        conn_attach(c, pcb);
        for (struct pbuf *q = data; q != NULL && c->state != C_FREE; q = q->next) {
            feed(c, q->payload, q->len);
        }
        if (data != NULL) {
            pbuf_free(data);
        }
        if (fin && c->state != C_FREE && c->pcb == pcb) {
            peer_closed(c);
        }
    }
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
    if (c != NULL) {
        conn_attach(c, pcb);
        return ERR_OK;
    }
    if (wait_for_slot(pcb)) {
        return ERR_OK;
    }
    tcp_abort(pcb);
    return ERR_ABRT;
}

#if LB_RECOVERY_BENCH
/* Benchmark builds only (`make bench-recovery`): a discard service on
 * LB_RECOVERY_BENCH_PORT, the raw TCP figure the upload path is compared
 * with. It reads and drops everything and closes when the client does. */
static err_t on_recv_discard(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_accept_discard(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    tcp_recv(pcb, on_recv_discard);
    return ERR_OK;
}

static int listen_discard(void)
{
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (l == NULL || tcp_bind(l, IP4_ADDR_ANY, LB_RECOVERY_BENCH_PORT) != ERR_OK) {
        return LB_E_IO;
    }
    l = tcp_listen(l);
    if (l == NULL) {
        return LB_E_IO;
    }
    tcp_accept(l, on_accept_discard);
    return 0;
}
#endif

int lb_server_start(const void *seed, uint32_t seed_len)
{
    /* lwIP's generator (ports, initial sequence numbers) gets a value
     * derived one way from the key, so what it shows reveals no key bits. */
    uint8_t s[LB_HMAC_SIZE];
    lb_hmac_sha256(seed, seed_len, "lwip rand", 9, s);
    for (uint32_t i = 0; i + 4 <= sizeof(s); i += 4) {
        lb_net_rand_mix((uint32_t)s[i] | (uint32_t)s[i + 1] << 8 | (uint32_t)s[i + 2] << 16 |
                        (uint32_t)s[i + 3] << 24);
    }
    int err = lb_auth_init(LB_RECOVERY_AUTH_USER, LB_RECOVERY_AUTH_REALM, LB_RECOVERY_AUTH_HA1,
                           seed, seed_len, now_ms());
    /* A per-device credential, when one was provisioned, replaces it. */
    if (!lb_cred_store_apply() && err != 0) {
        lb_board_console_write("[recovery] auth: bad credential\n", 32);
    }
    static const lb_net_cfg_t net = {
        .dhcp = LB_RECOVERY_DHCP,
        .ip = LB_RECOVERY_IP,
        .netmask = LB_RECOVERY_NETMASK,
        .gateway = LB_RECOVERY_GATEWAY,
        .tag = "[recovery]",
        .port = LB_RECOVERY_PORT,
    };
    err = lb_net_start(&net);
    if (err != 0) {
        return err;
    }
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (l == NULL || tcp_bind(l, IP4_ADDR_ANY, LB_RECOVERY_PORT) != ERR_OK) {
        return LB_E_IO;
    }
    l = tcp_listen(l);
    if (l == NULL) {
        return LB_E_IO;
    }
    tcp_accept(l, on_accept);
    last_activity = now_ms();
#if LB_RECOVERY_BENCH
    return listen_discard();
#else
    return 0;
#endif
}

void lb_server_poll(void)
{
    lb_net_poll();
    /* Waiters may become admissible by time alone (a slot holder falls
     * silent long enough to be evicted): look again every 250 ms. */
    static uint32_t looked_ms;
    if (now_ms() - looked_ms >= 250u) {
        looked_ms = now_ms();
        kick = true;
    }
    if (kick) {
        kick = false;
        aborted = false;
        for (unsigned i = 0; i < LB_HTTP_CONN_MAX; i++) {
            conn_t *c = &conns[i];
            if (c->state == C_CLOSING) {
                conn_close(c);
            } else if (c->state == C_SENDING || c->pending != P_NONE) {
                resume(c);
            }
        }
        admit_waiters();
    }
}
