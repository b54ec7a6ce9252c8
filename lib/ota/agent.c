/* The update agent (agent.h): an HTTP/1.1 GET client on lwIP's raw TCP
 * API (through tls.h for https:// when LB_CFG_PULL_HTTPS), the manifest,
 * then the image it offers. */
#include "agent.h"

#include <string.h>

#include "lb/board.h"
#include "lb/config.h"
#include "lb/err.h"
#include "lb/http_resp.h"
#include "lb/manifest.h"
#include "lb/url.h"
#include "lwip/ip_addr.h"
#include "lwip/mem.h"
#include "lwip/dns.h"
#include "lwip/tcp.h"
#include "net.h"
#include "tls.h"
#include "update.h"
#include "../src/text.h"

typedef enum {
    S_OFF,     /* not started, or no usable url */
    S_WAIT,    /* next attempt at due_ms */
    S_REPLAY,  /* the slot's part of a download cut by a reset is verified again */
    S_RESOLVE, /* waiting for DNS to answer for ag.u.host */
    S_RUN,     /* a request is under way */
    S_DONE,    /* installed (or handed off): the caller reboots */
} state_t;

static struct {
    state_t state;
    bool image; /* fetching the image (else the manifest) */
    uint32_t due_ms, last_ms;
    lb_agent_cfg_t cfg;
    lb_pull_avoid_t avoid;
    struct tcp_pcb *pcb;
    ip_addr_t ip;
    bool named; /* ag.u.host is a name: ag.ip comes from DNS (LWIP_DNS) */
    bool tls;   /* this connection runs a TLS session (LB_CFG_PULL_HTTPS) */
    bool sent;  /* its request went out (after the handshake) */
    lb_http_resp_t resp;
    uint32_t got;      /* body bytes so far */
    char *text;        /* the manifest while it arrives (lwIP heap) */
    bool aborted;      /* a callback of ours aborted its pcb (return ERR_ABRT) */
    bool refused;      /* the failing attempt's image was refused */
    bool resuming;     /* the next request continues the download at `got` */
    uint8_t resumes;   /* resumptions of this download so far */
    uint32_t base;     /* the answer's first body byte in the image (its Range) */
    bool from_flash;   /* this download continues what the slot held after a reset */
    bool redirected;   /* ag.url is where the last answer pointed: fetch it as is */
    uint8_t redirects; /* followed for this request */
    char found[LB_HTTP_RESP_LOCATION_MAX]; /* where the manifest was found (image urls' base) */
    bool whole;               /* fetch the next image whole (a continued one was refused) */
    lb_image_info_t info;     /* what the installer learnt of the image */
    lb_url_t u;               /* what is being fetched */
    char url[LB_URL_MAX + 1]; /* the same, as text */
    lb_manifest_entry_t entry;
    char product[LB_IMAGE_PRODUCT_MAX + 1];
} ag;

static void emit(lb_agent_ev_t ev, int err, const char *text, const char *detail)
{
    if (ag.cfg.cb == NULL) {
        return;
    }
    lb_agent_event_t e;
    memset(&e, 0, sizeof(e));
    e.ev = ev;
    e.err = err;
    e.text = text;
    e.detail = detail;
    e.done = ag.got;
    e.total = ag.image ? ag.entry.size : 0u;
    e.version = ag.image || ev == LB_AGENT_EV_CURRENT ? &ag.entry.version : NULL;
    e.next_ms = ag.state == S_WAIT ? ag.due_ms - lb_board_millis() : 0u;
    e.refused = ag.refused;
    e.info = ev == LB_AGENT_EV_END || ag.refused ? &ag.info : NULL;
    ag.cfg.cb(ag.cfg.cb_arg, &e);
}

static void close_pcb(void)
{
    if (LB_CFG_PULL_HTTPS && ag.tls) {
        lb_tls_close();
        ag.tls = false;
    }
    if (ag.pcb != NULL) {
        tcp_arg(ag.pcb, NULL);
        tcp_recv(ag.pcb, NULL);
        tcp_err(ag.pcb, NULL);
        tcp_poll(ag.pcb, NULL, 0);
        if (tcp_close(ag.pcb) != ERR_OK) {
            tcp_abort(ag.pcb);
            ag.aborted = true;
        }
        ag.pcb = NULL;
    }
    if (ag.text != NULL) {
        mem_free(ag.text);
        ag.text = NULL;
    }
}

/* The attempt is over without an install; `err` (LB_E_CURRENT/SKIPPED:
 * nothing to do) sets the wait before the next one. */
static void schedule(int err)
{
    if (LB_CFG_PULL_REDIRECT_MAX > 0) {
        ag.redirects = 0;
        ag.redirected = false;
    }
    ag.state = S_WAIT;
    ag.due_ms = lb_board_millis() + lb_pull_sched_next(&ag.cfg.sched, err, lb_net_rand());
}

static void retry_later(const char *why, int err)
{
    close_pcb();
    if (ag.image && lb_update_active(NULL, NULL, NULL)) {
        lb_update_abort();
    }
    schedule(err == 0 ? LB_E_IO : err);
    emit(LB_AGENT_EV_ERROR, err, why, err < 0 ? lb_err_str(err) : NULL);
    ag.image = false; /* the next attempt reads the manifest again */
    ag.refused = false;
    ag.resuming = false;
    ag.resumes = 0;
}

/* The installer's last word before activation: the image agrees with the
 * manifest entry that named it, and its bytes (the verifier's file hash:
 * one SHA-256 pass serves both) hash to the entry's sha256. */
static int accept_image(void *arg, const lb_image_info_t *info)
{
    (void)arg;
    if (memcmp(info->file_hash, ag.entry.sha256, sizeof info->file_hash) != 0) {
        return LB_E_MISMATCH;
    }
    return lb_manifest_check(&ag.entry, ag.product, info);
}

/* The manifest arrived whole: decide whether to fetch its image. */
static void manifest_done(void)
{
    ag.text[ag.got] = '\0';
    int err = lb_manifest_read(ag.text, ag.got, LB_IMAGE_KIND_APP, &ag.entry, ag.product);
    close_pcb();
    if (err != 0) {
        retry_later("manifest refused: ", err);
        return;
    }
    err = lb_pull_offer(&ag.entry, ag.product, ag.cfg.product,
                        ag.cfg.newer_only ? &ag.cfg.running : NULL, &ag.avoid);
    if (err == LB_E_CURRENT || err == LB_E_SKIPPED) {
        char v[LB_IMAGE_VERSION_STR_MAX];
        lb_image_version_format(&ag.entry.version, v);
        schedule(err);
        emit(LB_AGENT_EV_CURRENT, err,
             err == LB_E_CURRENT ? "nothing newer offered: "
                                 : "offer skipped (failed here before): ",
             v);
        return;
    }
    if (err != 0) {
        retry_later("manifest refused: ", err);
        return;
    }
    if (ag.cfg.hand_off != NULL) {
        err = ag.cfg.hand_off(ag.cfg.cb_arg, &ag.entry);
        if (err != 0) {
            retry_later("not handed off: ", err);
        } else {
            ag.state = S_DONE;
        }
        return;
    }
    ag.image = true;
    ag.resumes = 0;
    if (LB_CFG_PULL_REDIRECT_MAX > 0) {
        ag.redirects = 0;
        ag.redirected = false;                     /* the image's own url next */
        memcpy(ag.found, ag.url, sizeof ag.found); /* the image's url is relative to this */
    }
    ag.state = S_WAIT;
    ag.due_ms = lb_board_millis(); /* fetch the image now */
}

/* An install error: when the image itself is at fault (what a push would
 * get 413 or 422 for, not a flash error), these bytes are not fetched
 * again while the manifest offers them; unless part of them came from
 * flash (written before a reset): then they are fetched whole once more. */
static void refuse(int err)
{
    unsigned st = lb_update_http_status(err);
    if (LB_CFG_INSTALL_RESUME && ag.from_flash) {
        ag.whole = true;
        return;
    }
    if (st == 413 || st == 422) {
        lb_pull_avoid_add(&ag.avoid, &ag.entry.version, ag.entry.sha256);
        ag.refused = true;
    }
}

static void image_done(void)
{
    memset(&ag.info, 0, sizeof ag.info);
    int err = lb_update_finish(&ag.info);
    close_pcb();
    if (err == 0) {
        char v[LB_IMAGE_VERSION_STR_MAX];
        lb_image_version_format(&ag.info.version, v);
        ag.state = S_DONE;
        emit(LB_AGENT_EV_END, 0, "installed app ", v);
        return;
    }
    refuse(err);
    retry_later(LB_CFG_INSTALL_RESUME && ag.whole
                    ? "continued download refused; fetching it whole next: "
                    : "image refused: ",
                err);
}

static int body(const uint8_t *d, size_t n)
{
    if (n > ag.resp.length - (ag.got - ag.base)) {
        return LB_E_TRAILING;
    }
    if (!ag.image) {
        memcpy(ag.text + ag.got, d, n);
        ag.got += (uint32_t)n;
        if (ag.got == ag.resp.length) {
            manifest_done();
        }
        return 0;
    }
    int err = lb_update_write(d, n);
    if (err != 0) {
        /* Refused before the image said what it is: the history notes the
         * version and counter the manifest offered. */
        memset(&ag.info, 0, sizeof ag.info);
        ag.info.version = ag.entry.version;
        ag.info.security_counter = ag.entry.security_counter;
        refuse(err);
        return err;
    }
    ag.got += (uint32_t)n;
    emit(LB_AGENT_EV_PROGRESS, 0, "", NULL);
    if (ag.got == ag.entry.size) {
        image_done();
    }
    return 0;
}

static void entry_id(lb_install_id_t *id)
{
    id->size = ag.entry.size;
    memcpy(id->sha256, ag.entry.sha256, sizeof id->sha256);
}

/* Before a fresh image request: when the slot holds the start of this very
 * download from before a reset, continue it (a Range request once that
 * part was replayed). Returns whether it does. */
static bool continue_from_flash(void)
{
    lb_install_id_t id;
    entry_id(&id);
    int n = lb_update_resume(&id);
    if (n <= 0) {
        return false; /* nothing usable there: the answer begins it afresh */
    }
    (void)lb_update_set_accept(accept_image, NULL);
    ag.got = (uint32_t)n;
    ag.resuming = true;
    ag.from_flash = true;
    emit(LB_AGENT_EV_RESUME, 0, "the download was cut by a reset", NULL);
    return true;
}

/* A redirect's head ended: fetch where it points (after this connection
 * is closed), at most LB_CFG_PULL_REDIRECT_MAX times per request. Returns
 * 1: handled (the attempt goes on, or failed with its own line). */
static int follow(void)
{
    if (!ag.resp.has_location) {
        retry_later("a redirect without a usable Location", 0);
        return 1;
    }
    if (ag.redirects == LB_CFG_PULL_REDIRECT_MAX) {
        retry_later("redirected too many times", 0);
        return 1;
    }
    char next[LB_URL_MAX + 1];
    if (lb_url_resolve(ag.url, ag.resp.location, next, sizeof next) != 0) {
        retry_later("a redirect to an unusable url", 0);
        return 1;
    }
    memcpy(ag.url, next, sizeof next);
    ag.redirects++;
    ag.redirected = true;
    close_pcb();
    ag.state = S_WAIT;
    ag.due_ms = lb_board_millis();
    return 1;
}

static bool is_redirect(unsigned st)
{
    return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* The head ended: is this the answer we can use? Returns 0 (yes), 1 (a
 * redirect, handled) or the error that ends the attempt. */
static int head_done(void)
{
    if (LB_CFG_PULL_REDIRECT_MAX > 0 && is_redirect(ag.resp.status)) {
        return follow();
    }
    if (ag.resp.status != 200 && !(ag.resuming && ag.resp.status == 206)) {
        return LB_E_NOTFOUND;
    }
    if (!ag.resp.has_length || ag.resp.chunked) {
        return LB_E_UNSUPPORTED; /* a static server gives a length */
    }
    if (!ag.image) {
        if (ag.resp.length == 0 || ag.resp.length > LB_MANIFEST_MAX_SIZE) {
            return LB_E_RANGE;
        }
        ag.text = mem_malloc((mem_size_t)(ag.resp.length + 1u)); /* + its NUL */
        return ag.text != NULL ? 0 : LB_E_NOSPACE;
    }
    if (ag.resuming) {
        ag.resuming = false;
        if (ag.resp.status == 206) {
            /* Exactly the rest of the same file, or nothing. */
            const lb_http_resp_t *r = &ag.resp;
            if (!r->has_range || r->range_first != ag.got || r->range_total != ag.entry.size ||
                r->range_last != ag.entry.size - 1u || r->length != ag.entry.size - ag.got) {
                return LB_E_MISMATCH;
            }
            ag.base = ag.got;
            return 0;
        }
        /* A server that ignores Range sends it all again: start over. */
        lb_update_abort();
        ag.got = 0;
    }
    ag.base = 0;
    if (ag.resp.length != ag.entry.size) {
        return LB_E_MISMATCH;
    }
    lb_install_id_t id;
    entry_id(&id);
    ag.from_flash = false;
    ag.whole = false;
    int err = lb_update_begin_id(&id);
    if (err == 0) {
        lb_update_set_accept(accept_image, NULL);
        emit(LB_AGENT_EV_START, 0, "downloading ", ag.url);
    }
    return err;
}

/* The connection broke (`why`). A download under way continues where it
 * stopped (a Range request, after a pause) a few times; anything else is a
 * failed attempt. */
static void lost(const char *why)
{
    if (ag.image && lb_update_active(NULL, NULL, NULL) && ag.resumes < LB_PULL_RESUME_MAX) {
        close_pcb();
        ag.resumes++;
        ag.resuming = true;
        ag.state = S_WAIT;
        ag.due_ms = lb_board_millis() + LB_PULL_RESUME_DELAY_MS;
        emit(LB_AGENT_EV_RESUME, 0, why, "; resuming where it stopped");
        return;
    }
    retry_later(why, 0);
}

/* Bytes of the answer: the head, then the body. Returns 0, 1 (the head
 * was a redirect, handled) or the error that ends the attempt. */
static int feed(const uint8_t *d, size_t n)
{
    if (!ag.resp.done) {
        int used = lb_http_resp_feed(&ag.resp, d, n);
        if (used < 0) {
            return used;
        }
        d += used;
        n -= (size_t)used;
        if (ag.resp.done) {
            int rc = head_done();
            if (rc != 0) {
                return rc;
            }
        }
    }
    return n > 0 && ag.resp.done ? body(d, n) : 0;
}

static void failed(int err)
{
    retry_later(ag.image ? "download failed: " : "manifest not fetched: ", err);
}

static bool send_request(struct tcp_pcb *pcb);

/* The TLS session of this connection as far as it goes: the handshake
 * (sliced: lb_agent_poll calls again), the request once the server proved
 * the pinned key, then the answer as it is decrypted. */
static void tls_run(void)
{
    int r = lb_tls_step();
    if (r == 1) {
        return;
    }
    if (r < 0) {
        retry_later(r == LB_E_KEY ? "the server's key is not the pinned one; refused: "
                                  : "TLS handshake failed: ",
                    r);
        return;
    }
    if (!ag.sent && !send_request(ag.pcb)) {
        return;
    }
    static uint8_t buf[LB_PULL_TLS_READ];
    while (ag.state == S_RUN && ag.tls) {
        int n = lb_tls_read(buf, sizeof buf);
        if (n == 0) {
            return;
        }
        if (n == LB_E_TRUNCATED) {
            lost("the server closed the connection early");
            return;
        }
        int rc = n < 0 ? n : feed(buf, (size_t)n);
        if (rc < 0) {
            failed(rc);
            return;
        }
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    ag.aborted = false;
    if (p == NULL) {
        lost("the server closed the connection early");
        return ag.aborted ? ERR_ABRT : ERR_OK;
    }
    ag.last_ms = lb_board_millis();
    if (LB_CFG_PULL_HTTPS && ag.tls) {
        lb_tls_input(p); /* the session reopens the window as it reads */
        tls_run();
        return ag.aborted ? ERR_ABRT : ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    int rc = 0;
    for (struct pbuf *q = p; q != NULL && rc == 0 && ag.state == S_RUN; q = q->next) {
        rc = feed(q->payload, q->len);
    }
    pbuf_free(p);
    if (rc < 0) {
        failed(rc);
    }
    return ag.aborted ? ERR_ABRT : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    ag.pcb = NULL; /* lwIP has freed it */
    lost("connection failed");
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    (void)pcb;
    ag.aborted = false;
    if (lb_board_millis() - ag.last_ms > LB_PULL_IDLE_MS) {
        lost("the server went silent");
    }
    return ag.aborted ? ERR_ABRT : ERR_OK;
}

/* The request over TLS, gathered to go as one record. */
static struct {
    char text[LB_URL_MAX + 256];
    size_t len;
} req;

/* Queues one piece of the request (copied: nothing here outlives the call). */
static bool put(struct tcp_pcb *pcb, const char *s)
{
    size_t n = strlen(s);
    if (LB_CFG_PULL_HTTPS && ag.tls) {
        if (n > sizeof req.text - req.len) {
            return false;
        }
        memcpy(req.text + req.len, s, n);
        req.len += n;
        return true;
    }
    return tcp_write(pcb, s, (u16_t)n, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) == ERR_OK;
}

/* Sends the request of this attempt. Returns false when it could not (the
 * attempt then failed with its line). */
static bool send_request(struct tcp_pcb *pcb)
{
    char n[11];
    req.len = 0;
    *lb_text_dec(n, ag.got) = '\0';
    if (!put(pcb, "GET ") || !put(pcb, ag.u.path) || !put(pcb, " HTTP/1.1\r\nHost: ") ||
        !put(pcb, ag.u.host) || !put(pcb, "\r\nUser-Agent: ") || !put(pcb, ag.cfg.user_agent) ||
        (ag.resuming && (!put(pcb, "\r\nRange: bytes=") || !put(pcb, n) || !put(pcb, "-"))) ||
        !put(pcb, "\r\nConnection: close\r\n\r\n") ||
        (LB_CFG_PULL_HTTPS && ag.tls && lb_tls_write(req.text, req.len) != 0)) {
        retry_later("request not sent", 0);
        return false;
    }
    ag.sent = true;
    tcp_output(pcb);
    return true;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err; /* lwIP reports connect failures through on_err */
    ag.aborted = false;
    ag.last_ms = lb_board_millis();
    if (LB_CFG_PULL_HTTPS && ag.u.https) {
        int e = lb_tls_open(pcb, ag.named ? ag.u.host : NULL);
        if (e != 0) {
            retry_later("no TLS session: ", e);
        } else {
            ag.tls = true;
            tls_run(); /* the client's hello */
        }
    } else {
        (void)send_request(pcb);
    }
    return ag.aborted ? ERR_ABRT : ERR_OK;
}

/* The url of this attempt (the manifest's, or the image's resolved
 * against where the manifest was found; or where a redirect pointed) into
 * ag.url/ag.u/ag.ip. Returns 0 or LB_E_INVAL. */
static int target(void)
{
    const char *ref = ag.image ? ag.entry.url : ag.cfg.url;
    const char *base = LB_CFG_PULL_REDIRECT_MAX > 0 && ag.image ? ag.found : ag.cfg.url;
    if (((LB_CFG_PULL_REDIRECT_MAX == 0 || !ag.redirected) &&
         lb_url_resolve(base, ref, ag.url, sizeof ag.url) != 0) ||
        lb_url_parse(ag.url, &ag.u) != 0 || (ag.u.https && !LB_CFG_PULL_HTTPS)) {
        return LB_E_INVAL;
    }
    uint8_t a[4];
#if LWIP_DNS
    ag.named = lb_url_ipv4(ag.u.host, a) != 0;
    if (ag.named) {
        return 0; /* request() resolves it */
    }
#else
    if (lb_url_ipv4(ag.u.host, a) != 0) {
        return LB_E_INVAL;
    }
#endif
    IP_ADDR4(&ag.ip, a[0], a[1], a[2], a[3]);
    return 0;
}

/* Connects to ag.ip and sends the request for ag.u. */
static void connect_now(void)
{
    lb_http_resp_init(&ag.resp);
    ag.last_ms = lb_board_millis();
    ag.state = S_RUN;
    ag.sent = false;
    if (!ag.image) {
        emit(LB_AGENT_EV_CHECK, 0, "checking ", ag.url);
    }
    ag.pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (ag.pcb == NULL) {
        retry_later("no connection free", LB_E_NOSPACE);
        return;
    }
    tcp_recv(ag.pcb, on_recv);
    tcp_err(ag.pcb, on_err);
    tcp_poll(ag.pcb, on_poll, 2);
    if (tcp_connect(ag.pcb, &ag.ip, ag.u.port, on_connected) != ERR_OK) {
        retry_later("connect failed", 0);
    }
}

#if LWIP_DNS
/* Which query an answer belongs to: a late answer for a query the agent
 * gave up on (a restart, a retry) is dropped. */
static uint32_t dns_query;

static void on_resolved(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)name;
    if (ag.state != S_RESOLVE || (uintptr_t)arg != dns_query) {
        return;
    }
    if (addr == NULL || !IP_IS_V4(addr)) {
        retry_later("the server's host name does not resolve", 0); /* after DNS's retries */
        return;
    }
    ag.ip = *addr;
    connect_now();
}
#endif

/* The request of this attempt: a host name is resolved first. */
static void request(void)
{
#if LWIP_DNS
    if (ag.named) {
        ip_addr_t a;
        err_t e = dns_gethostbyname(ag.u.host, &a, on_resolved, (void *)(uintptr_t)++dns_query);
        if (e == ERR_INPROGRESS) {
            ag.state = S_RESOLVE;
            return;
        }
        if (e != ERR_OK) {
            retry_later("no DNS server to resolve the host name", 0);
            return;
        }
        ag.ip = a; /* a name the resolver still holds */
    }
#endif
    connect_now();
}

static void attempt(void)
{
    if (target() != 0) {
        /* A scheme, host or name this build cannot reach. */
        retry_later("url unusable: ", LB_E_INVAL);
        return;
    }
    if (!ag.resuming) {
        if (lb_update_active(NULL, NULL, NULL)) {
            retry_later("an upload is in progress; later", LB_E_BUSY);
            return;
        }
        ag.got = 0;
        ag.from_flash = false;
        if (LB_CFG_INSTALL_RESUME && ag.image && !ag.whole && continue_from_flash()) {
            ag.state = S_REPLAY;
            return;
        }
    }
    request();
}

/* One piece of the replay; the request once it is all verified again. */
static void replay(void)
{
    int r = lb_update_replay(LB_PULL_REPLAY_CHUNK, NULL, NULL);
    if (r < 0) {
        ag.whole = true;
        retry_later("the slot's part of the download is refused; fetching it whole next: ", r);
    } else if (r == 0) {
        request();
    }
}

int lb_agent_start(const lb_agent_cfg_t *cfg, const lb_pull_avoid_t *avoid)
{
    memset(&ag, 0, sizeof ag);
    ag.cfg = *cfg;
    if (avoid != NULL) {
        ag.avoid = *avoid;
    }
    if (cfg->url == NULL || cfg->product == NULL || cfg->user_agent == NULL || target() != 0) {
        ag.state = S_OFF;
        return LB_E_INVAL;
    }
    ag.due_ms = lb_board_millis() + cfg->first_ms;
    ag.state = S_WAIT;
    return 0;
}

void lb_agent_poll(void)
{
    if (LB_CFG_INSTALL_RESUME && ag.state == S_REPLAY) {
        replay();
    } else if (LB_CFG_PULL_HTTPS && ag.state == S_RUN && ag.tls && !ag.sent) {
        tls_run(); /* the handshake's next slice */
    } else if (ag.state == S_WAIT && lb_net_up() && (int32_t)(lb_board_millis() - ag.due_ms) >= 0) {
        attempt();
    }
}

void lb_agent_check_now(void)
{
    if (ag.state == S_WAIT) {
        ag.due_ms = lb_board_millis();
    }
}

bool lb_agent_installed(void)
{
    return ag.state == S_DONE;
}

bool lb_agent_busy(void)
{
    return ag.state == S_RUN || ag.state == S_REPLAY;
}
