/* Background updates (lb_ota.h): the app's configuration of the update
 * agent, the network under it, and the reboot after it. */
#include "lb_ota.h"
#include "lb_ota_status.h"

#include <string.h>

#include "agent.h"
#include "lb/board.h"
#include "lb/err.h"
#include "lb_app.h"
#include "lb_mbedtls_alloc.h"
#include "lb/hmac.h"
#include "net.h"
#include "ota_handler.h"
#include "secret.h"
#include "tls.h"
#include "update.h"

/* https:// comes with a pinned key: the build links TLS (QB_APP_TLS)
 * exactly when the layout names app.pin. */
#if (LB_OTA_PIN_LEN > 0) != (LB_CFG_PULL_HTTPS != 0)
#error "app.pin and the build disagree about https://: run make again"
#endif

static struct {
    bool net;           /* the network (and GET /api/status) is up */
    bool on;            /* the agent too */
    bool confirmed;     /* the running image is confirmed: updates may go ahead */
    bool tls;           /* the TLS client is seeded (once per boot) */
    uint32_t first_s;   /* lb_ota_begin to the first check */
    uint32_t looked_ms; /* when the boot state was last read for that */
    const lb_ota_callbacks_t *cb;
} ota;

static void on_event(void *arg, const lb_agent_event_t *e)
{
    (void)arg;
    const lb_ota_callbacks_t *cb = ota.cb;
    if (cb == NULL) {
        return;
    }
    switch (e->ev) {
    case LB_AGENT_EV_CHECK:
        if (cb->on_check) {
            cb->on_check(cb->arg, e->detail);
        }
        break;
    case LB_AGENT_EV_CURRENT:
        if (cb->on_current) {
            cb->on_current(cb->arg, e->err, e->version);
        }
        break;
    case LB_AGENT_EV_START:
        if (cb->on_start) {
            cb->on_start(cb->arg, e->version, e->total);
        }
        break;
    case LB_AGENT_EV_PROGRESS:
        if (cb->on_progress) {
            cb->on_progress(cb->arg, e->done, e->total);
        }
        break;
    case LB_AGENT_EV_RESUME:
        if (cb->on_resume) {
            cb->on_resume(cb->arg, e->text, e->done, e->total);
        }
        break;
    case LB_AGENT_EV_END:
        if (cb->on_end) {
            cb->on_end(cb->arg, &e->info->version);
        }
        break;
    case LB_AGENT_EV_ERROR:
        if (cb->on_error) {
            /* One line: the text and what it names. */
            char line[96];
            size_t a = strlen(e->text), b = e->detail ? strlen(e->detail) : 0;
            a = a < sizeof line - 1 ? a : sizeof line - 1;
            b = b < sizeof line - 1 - a ? b : sizeof line - 1 - a;
            memcpy(line, e->text, a);
            if (b > 0) {
                memcpy(line + a, e->detail, b);
            }
            line[a + b] = '\0';
            cb->on_error(cb->arg, e->err, line, e->next_ms);
        }
        break;
    }
    if (e->ev == LB_AGENT_EV_END) {
        unsigned slot = 0;
        lb_update_active(&slot, NULL, NULL);
        lb_app_history_note(LB_HIST_INSTALL, LB_HIST_SRC_PULL, 0, 0, (uint8_t)slot, e->info);
    } else if (e->ev == LB_AGENT_EV_ERROR && e->refused) {
        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PULL, 0, e->err, LB_HIST_SLOT_NONE,
                            e->info);
    }
}

/* Single-slot layouts: the offer the agent found goes to recovery, which
 * pulls it after the reset (loader reason: update). */
static int hand_off(void *arg, const lb_manifest_entry_t *entry)
{
    (void)arg;
    int err = lb_app_request(LB_REQUEST_UPDATE);
    if (err == 0 && ota.cb != NULL && ota.cb->on_handoff != NULL) {
        ota.cb->on_handoff(ota.cb->arg, &entry->version);
    }
    return err;
}

int lb_ota_begin(const lb_ota_callbacks_t *cb)
{
    const lb_bootinfo_t *bi = lb_app_bootinfo();
    if (bi == NULL || bi->image != LB_BOOT_IMAGE_APP) {
        return LB_E_UNSUPPORTED;
    }
    static const lb_net_cfg_t net = {
        .dhcp = LB_OTA_NET_DHCP,
        .ip = LB_OTA_NET_IP,
        .netmask = LB_OTA_NET_NETMASK,
        .gateway = LB_OTA_NET_GATEWAY,
        .dns = LB_OTA_NET_DNS,
        .tag = "[app]",
        .port = 0,
    };
    lb_net_rand_mix(bi->boot_count ^ lb_board_millis());
    uint8_t noise[16];
    if (lb_board_entropy(noise, sizeof noise) == LB_OK) {
        for (unsigned i = 0; i + 4 <= sizeof noise; i += 4) {
            lb_net_rand_mix((unsigned)noise[i] | (unsigned)noise[i + 1] << 8 |
                            (unsigned)noise[i + 2] << 16 | (unsigned)noise[i + 3] << 24);
        }
    }
    int err = ota.net ? 0 : lb_net_start(&net);
    if (err != 0) {
        return err;
    }
    if (!ota.net) {
        /* What runs, for lifeboat push --wait (single-slot devices too);
         * updates work without it. */
        (void)lb_ota_status_start((uint16_t)LB_RECOVERY_PORT);
        ota.net = true;
    }
    /* A single-slot app hands its updates to recovery, which needs a
     * manifest of its own to fetch them from. */
    bool single = LB_OTA_SLOT_COUNT < 2;
    if (sizeof LB_OTA_UPDATE_URL == 1 || LB_OTA_CHECK_INTERVAL_S == 0 ||
        (single && sizeof LB_RECOVERY_UPDATE_URL == 1)) {
        return LB_E_UNSUPPORTED;
    }
    /* The slot this image runs from is never written. */
    lb_update_keep(bi->slot);
    /* Compressed images (lifeboat sign --compress) are inflated into the
     * slot: the verifier of what arrives and the inflater live here. */
    static lb_install_deflate_t zwork;
    lb_update_set_deflate(&zwork);
    /* A version this device rolled back (its slot marked invalid) is not
     * fetched again while it is offered. */
    lb_pull_avoid_t avoid;
    lb_pull_avoid_init(&avoid);
    lb_bootstate_t s;
    bool known = lb_app_bootstate(&s) == LB_OK;
    if (known) {
        for (unsigned i = 0; i < LB_OTA_SLOT_COUNT && i < LB_BOOTSTATE_SLOTS; i++) {
            if (i != bi->slot && s.slots[i].state == LB_SLOT_INVALID) {
                lb_pull_avoid_add(&avoid, &s.slots[i].version, NULL);
            }
        }
    }
    /* Recovery last ran for a hand-off (whether it installed or not: an
     * unreachable server leaves the old app): the first check waits a
     * whole interval, so a hand-off recovery cannot complete costs one
     * visit per interval, not one per boot. */
    ota.first_s = LB_OTA_FIRST_CHECK_S;
    if (single && known && s.last_recovery_reason == LB_BOOT_REASON_UPDATE &&
        LB_OTA_CHECK_INTERVAL_S > ota.first_s) {
        ota.first_s = LB_OTA_CHECK_INTERVAL_S;
    }
    if (LB_CFG_PULL_HTTPS && !ota.tls) {
        /* The session randomness: this boot's secret from the seed
         * partition, kept apart from recovery's uses of the same seed. */
        static const uint8_t pin[] = LB_OTA_PIN_INIT;
        uint8_t secret[LB_SEED_SIZE], seed[LB_TLS_SEED_SIZE];
        (void)lb_ota_secret(bi, secret);
        err = lb_hmac_sha256(secret, sizeof secret, "lifeboat app tls", 16, seed);
        if (err == 0) {
            err = lb_tls_init(pin, LB_OTA_PIN_LEN, seed);
        }
        memset(secret, 0, sizeof secret);
        memset(seed, 0, sizeof seed);
        if (err != 0) {
            return err;
        }
        ota.tls = true;
    }
    static lb_agent_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = LB_OTA_UPDATE_URL;
    cfg.product = LB_OTA_PRODUCT;
    cfg.user_agent = "lifeboat-app";
    cfg.first_ms = ota.first_s * 1000u;
    uint32_t interval = LB_OTA_CHECK_INTERVAL_S * 1000u;
    lb_pull_sched_init(&cfg.sched, interval, interval / 8u, LB_PULL_BACKOFF_MIN_MS,
                       LB_PULL_BACKOFF_MAX_MS);
    cfg.newer_only = true;
    cfg.running = bi->image_version;
    cfg.cb = on_event;
    cfg.hand_off = single ? hand_off : NULL;
    ota.cb = cb;
    err = lb_agent_start(&cfg, &avoid);
    ota.on = err == 0;
    return err;
}

/* Whether the running image is confirmed (read from the boot state once a
 * second until it is). */
static bool confirmed(void)
{
    if (!ota.confirmed && lb_board_millis() - ota.looked_ms >= 1000u) {
        ota.looked_ms = lb_board_millis();
        const lb_bootinfo_t *bi = lb_app_bootinfo();
        lb_bootstate_t s;
        ota.confirmed = bi != NULL && bi->slot < LB_BOOTSTATE_SLOTS &&
                        lb_app_bootstate(&s) == LB_OK &&
                        s.slots[bi->slot].state == LB_SLOT_CONFIRMED;
    }
    return ota.confirmed;
}

void lb_ota_handle(void)
{
    if (!ota.net) {
        return;
    }
    lb_net_poll();
    if (!ota.on) {
        return;
    }
    if (lb_agent_installed()) {
        if (ota.cb == NULL || !ota.cb->manual_reboot) {
            lb_app_reboot();
        }
        return;
    }
    if (confirmed()) {
        lb_agent_poll();
    }
}

uint32_t lb_ota_first_check_s(void)
{
    return ota.first_s;
}

void lb_ota_check_now(void)
{
    lb_agent_check_now();
}

bool lb_ota_pending(void)
{
    return ota.on && lb_agent_installed();
}

int lb_ota_tls_stats(lb_ota_tls_stats_t *st)
{
    if (!LB_CFG_PULL_HTTPS) {
        return LB_E_UNSUPPORTED;
    }
    st->arena_peak = lb_mbedtls_heap_peak();
    st->arena_size = LB_MBEDTLS_HEAP_SIZE;
    st->slices = lb_tls_handshake_slices();
    return 0;
}
