/* Self-heal (pull.h): an HTTP/1.1 GET client on lwIP's raw TCP API that
 * fetches the manifest, then the image it offers, from a plain static web
 * server. One request per connection ("Connection: close"), the host an
 * IPv4 address (this image links no DNS). */
#include "pull.h"

#include <string.h>

#include "lb/board.h"
#include "lb/config.h"
#include "lb/err.h"
#include "lb/http_resp.h"
#include "lb/manifest.h"
#include "lb/url.h"
#include "lb_app.h"
#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/tcp.h"
#include "http/http.h"
#include "mbedtls/sha256.h"
#include "partitions.h"
#include "server.h"
#include "update.h"

typedef enum {
    S_OFF,  /* no self-heal in this boot */
    S_WAIT, /* next attempt at due_ms */
    S_RUN,  /* a request is under way */
    S_DONE, /* installed: main reboots */
} state_t;

static struct {
    state_t state;
    bool image; /* fetching the image (else the manifest) */
    bool has_avoid;
    uint32_t due_ms, backoff_ms, last_ms;
    struct tcp_pcb *pcb;
    lb_http_resp_t resp;
    uint32_t got;             /* body bytes so far */
    char *text;               /* the manifest while it arrives (lwIP heap) */
    bool aborted;             /* a callback of ours aborted its pcb (return ERR_ABRT) */
    lb_url_t u;               /* what is being fetched */
    char url[LB_URL_MAX + 1]; /* the same, as text */
    lb_image_version_t avoid;
    lb_manifest_entry_t entry;
    char product[LB_IMAGE_PRODUCT_MAX + 1];
    mbedtls_sha256_context sha;
} pl;

/* One console line, written in pieces (no line buffer on the stack: this
 * runs inside lwIP callbacks too). */
static void say(const char *a, const char *b)
{
    static const char head[] = "[recovery] self-heal: ";
    lb_board_console_write(head, sizeof head - 1);
    lb_board_console_write(a, strlen(a));
    if (b != NULL) {
        lb_board_console_write(b, strlen(b));
    }
    lb_board_console_write("\n", 1);
}

static void close_pcb(void)
{
    if (pl.pcb != NULL) {
        tcp_arg(pl.pcb, NULL);
        tcp_recv(pl.pcb, NULL);
        tcp_err(pl.pcb, NULL);
        tcp_poll(pl.pcb, NULL, 0);
        if (tcp_close(pl.pcb) != ERR_OK) {
            tcp_abort(pl.pcb);
            pl.aborted = true;
        }
        pl.pcb = NULL;
    }
    if (pl.text != NULL) {
        mem_free(pl.text);
        pl.text = NULL;
    }
}

/* The attempt is over without an install: the next one after the backoff. */
static void retry_later(const char *why, int err)
{
    close_pcb();
    if (pl.image && lb_update_active(NULL, NULL, NULL)) {
        lb_update_abort();
    }
    say(why, err < 0 ? lb_err_str(err) : NULL);
    pl.image = false; /* the next attempt reads the manifest again */
    pl.state = S_WAIT;
    pl.due_ms = lb_board_millis() + pl.backoff_ms;
    pl.backoff_ms =
        pl.backoff_ms * 2u > LB_PULL_BACKOFF_MAX_MS ? LB_PULL_BACKOFF_MAX_MS : pl.backoff_ms * 2u;
}

/* The installer's last word before activation: the image agrees with the
 * manifest entry that named it, and the bytes hash to its sha256. */
static int accept_image(void *arg, const lb_image_info_t *info)
{
    (void)arg;
    uint8_t h[32];
    mbedtls_sha256_finish_ret(&pl.sha, h);
    if (memcmp(h, pl.entry.sha256, sizeof h) != 0) {
        return LB_E_MISMATCH;
    }
    return lb_manifest_check(&pl.entry, pl.product, info);
}

/* The manifest arrived whole: decide whether to fetch its app. */
static void manifest_done(void)
{
    pl.text[pl.got] = '\0';
    int err = lb_manifest_read(pl.text, pl.got, LB_IMAGE_KIND_APP, &pl.entry, pl.product);
    close_pcb();
    if (err != 0) {
        retry_later("manifest refused: ", err);
        return;
    }
    if (pl.has_avoid && lb_image_version_same(&pl.entry.version, &pl.avoid)) {
        retry_later("the manifest offers the version that just failed; waiting for another", 0);
        return;
    }
    if (strlen(pl.product) != sizeof LB_LAYOUT_PRODUCT - 1 ||
        memcmp(pl.product, LB_LAYOUT_PRODUCT, sizeof LB_LAYOUT_PRODUCT - 1) != 0) {
        retry_later("manifest refused: ", LB_E_PRODUCT);
        return;
    }
    pl.image = true;
    pl.state = S_WAIT;
    pl.due_ms = lb_board_millis(); /* fetch the image now */
}

static int body(const uint8_t *d, size_t n)
{
    if (n > pl.resp.length - pl.got) {
        return LB_E_TRAILING;
    }
    if (!pl.image) {
        memcpy(pl.text + pl.got, d, n);
        pl.got += (uint32_t)n;
        if (pl.got == pl.resp.length) {
            manifest_done();
        }
        return 0;
    }
    mbedtls_sha256_update_ret(&pl.sha, d, n);
    int err = lb_update_write(d, n);
    pl.got += (uint32_t)n;
    if (err == 0 && pl.got == pl.resp.length) {
        lb_image_info_t info;
        memset(&info, 0, sizeof info);
        err = lb_update_finish(&info);
        unsigned slot = 0;
        lb_update_active(&slot, NULL, NULL);
        close_pcb();
        if (err == 0) {
            lb_app_history_note(LB_HIST_INSTALL, LB_HIST_SRC_PULL, 0, 0, (uint8_t)slot, &info);
            char v[LB_IMAGE_VERSION_STR_MAX];
            lb_out_t o;
            lb_out_init(&o, v, sizeof v);
            lb_out_version(&o, &info.version, true);
            lb_out_mem(&o, "", 1);
            say("installed app ", v);
            pl.state = S_DONE;
            return 0;
        }
        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PULL, 0, err, LB_HIST_SLOT_NONE, &info);
        retry_later("image refused: ", err);
        return 0;
    }
    if (err != 0) {
        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PULL, 0, err, LB_HIST_SLOT_NONE, NULL);
    }
    return err;
}

/* The head ended: is this the answer we can use? */
static int head_done(void)
{
    if (pl.resp.status != 200) {
        return LB_E_NOTFOUND;
    }
    if (!pl.resp.has_length || pl.resp.chunked) {
        return LB_E_UNSUPPORTED; /* a static server gives a length */
    }
    if (!pl.image) {
        if (pl.resp.length == 0 || pl.resp.length > LB_MANIFEST_MAX_SIZE) {
            return LB_E_RANGE;
        }
        pl.text = mem_malloc((mem_size_t)(pl.resp.length + 1u)); /* + its NUL */
        return pl.text != NULL ? 0 : LB_E_NOSPACE;
    }
    if (pl.resp.length != pl.entry.size) {
        return LB_E_MISMATCH;
    }
    int err = lb_update_begin(pl.resp.length);
    if (err == 0) {
        lb_update_set_accept(accept_image, NULL);
        mbedtls_sha256_init(&pl.sha);
        mbedtls_sha256_starts_ret(&pl.sha, 0);
    }
    return err;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    pl.aborted = false;
    if (p == NULL) {
        retry_later("the server closed the connection early", 0);
        return pl.aborted ? ERR_ABRT : ERR_OK;
    }
    pl.last_ms = lb_board_millis();
    tcp_recved(pcb, p->tot_len);
    int rc = 0;
    for (struct pbuf *q = p; q != NULL && rc == 0 && pl.state == S_RUN; q = q->next) {
        const uint8_t *d = q->payload;
        size_t n = q->len;
        if (!pl.resp.done) {
            int used = lb_http_resp_feed(&pl.resp, d, n);
            if (used < 0) {
                rc = used;
                break;
            }
            d += used;
            n -= (size_t)used;
            if (pl.resp.done && (rc = head_done()) != 0) {
                break;
            }
        }
        if (n > 0 && pl.resp.done) {
            rc = body(d, n);
        }
    }
    pbuf_free(p);
    if (rc != 0) {
        retry_later(pl.image ? "download failed: " : "manifest not fetched: ", rc);
    }
    return pl.aborted ? ERR_ABRT : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    pl.pcb = NULL; /* lwIP has freed it */
    retry_later("connection failed", 0);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    (void)pcb;
    pl.aborted = false;
    if (lb_board_millis() - pl.last_ms > LB_PULL_IDLE_MS) {
        retry_later("the server went silent", 0);
    }
    return pl.aborted ? ERR_ABRT : ERR_OK;
}

/* Queues one piece of the request (copied: nothing here outlives the call). */
static bool put(struct tcp_pcb *pcb, const char *s)
{
    return tcp_write(pcb, s, (u16_t)strlen(s), TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) == ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err; /* lwIP reports connect failures through on_err */
    pl.aborted = false;
    pl.last_ms = lb_board_millis();
    if (!put(pcb, "GET ") || !put(pcb, pl.u.path) || !put(pcb, " HTTP/1.1\r\nHost: ") ||
        !put(pcb, pl.u.host) ||
        !put(pcb, "\r\nUser-Agent: lifeboat-recovery\r\nConnection: close\r\n\r\n")) {
        retry_later("request not sent", 0);
        return pl.aborted ? ERR_ABRT : ERR_OK;
    }
    tcp_output(pcb);
    return ERR_OK;
}

static void attempt(void)
{
    ip4_addr_t ip;
    const char *ref = pl.image ? pl.entry.url : LB_RECOVERY_UPDATE_URL;
    if (lb_url_resolve(LB_RECOVERY_UPDATE_URL, ref, pl.url, sizeof pl.url) != 0 ||
        lb_url_parse(pl.url, &pl.u) != 0 || pl.u.https) {
        if (!pl.image) {
            pl.state = S_OFF;
            say("recovery.update_url is not a plain http:// url; off", NULL);
            return;
        }
        retry_later("the manifest's image url is not a plain http:// url", 0);
        return;
    }
    if (!ip4addr_aton(pl.u.host, &ip)) {
        pl.state = S_OFF;
        say("the host must be an IPv4 address (this image has no DNS): ", pl.u.host);
        return;
    }
    if (lb_update_active(NULL, NULL, NULL)) {
        retry_later("an upload is in progress; later", 0);
        return;
    }
    say(pl.image ? "fetching " : "checking ", pl.url);
    lb_http_resp_init(&pl.resp);
    pl.got = 0;
    pl.last_ms = lb_board_millis();
    pl.pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pl.pcb == NULL) {
        retry_later("no connection free", 0);
        return;
    }
    tcp_recv(pl.pcb, on_recv);
    tcp_err(pl.pcb, on_err);
    tcp_poll(pl.pcb, on_poll, 2);
    pl.state = S_RUN;
    if (tcp_connect(pl.pcb, &ip, pl.u.port, on_connected) != ERR_OK) {
        retry_later("connect failed", 0);
    }
}

void lb_pull_start(const lb_image_version_t *avoid)
{
    /* A compile-time constant: without a URL the rest of this file, its
     * state included, is not linked (nothing else refers to it). */
    if (sizeof LB_RECOVERY_UPDATE_URL == 1) {
        return;
    }
    memset(&pl, 0, sizeof pl);
    pl.has_avoid = avoid != NULL;
    if (avoid != NULL) {
        pl.avoid = *avoid;
    }
    pl.backoff_ms = LB_PULL_BACKOFF_MIN_MS;
    pl.due_ms = lb_board_millis() + LB_PULL_FIRST_DELAY_MS;
    pl.state = S_WAIT;
    say("armed: ", LB_RECOVERY_UPDATE_URL);
}

void lb_pull_poll(void)
{
    if (sizeof LB_RECOVERY_UPDATE_URL == 1) {
        return;
    }
    if (pl.state == S_WAIT && lb_server_net_up() && (int32_t)(lb_board_millis() - pl.due_ms) >= 0) {
        attempt();
    }
}

bool lb_pull_installed(void)
{
    return sizeof LB_RECOVERY_UPDATE_URL > 1 && pl.state == S_DONE;
}

bool lb_pull_busy(void)
{
    return sizeof LB_RECOVERY_UPDATE_URL > 1 && pl.state == S_RUN;
}
