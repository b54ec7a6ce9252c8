/* The update agent: a device that fetches its own updates from a plain
 * static web server (lifeboat publish's folder on nginx, S3, a CDN). It
 * reads the manifest (lb/manifest.h), decides (lb/pull.h), downloads the
 * image it offers straight into a slot through the same install path and
 * checks as a push (update.h), and holds the image to the manifest entry
 * that named it. Non-blocking: lb_agent_poll() from the main loop, lwIP's
 * callbacks do the rest; nothing waits longer than one received segment.
 *
 * Two users: the app's background updates (app-template/runtime/lb_ota.c:
 * only versions newer than the running one, periodic checks with jitter)
 * and recovery's self-heal (recovery/heal.c: any version but the one that
 * failed, retried with backoff). One request per connection ("Connection:
 * close"), plain http:// to an IPv4 address. A download whose connection
 * breaks (closed early, reset, silent) continues where it stopped with a
 * Range request, up to LB_PULL_RESUME_MAX times (a server that ignores
 * Range sends it all again and it starts over); the image is verified as
 * a whole either way. A download cut by a reset or a power loss continues
 * at the next attempt from what the slot holds (lb_update_resume: the
 * complete erase units its resume record marks), with a Range request; if
 * the image so continued is refused, the next attempt fetches it whole
 * before the version counts as refused. docs/DESIGN.md, "Pulling updates". */
#ifndef LB_OTA_AGENT_H
#define LB_OTA_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lb/image.h"
#include "lb/pull.h"

typedef enum {
    LB_AGENT_EV_CHECK,    /* the manifest is being fetched (detail: its url) */
    LB_AGENT_EV_CURRENT,  /* nothing to fetch (err: LB_E_CURRENT or LB_E_SKIPPED) */
    LB_AGENT_EV_START,    /* the image download starts (version, total; detail: url) */
    LB_AGENT_EV_PROGRESS, /* done of total bytes arrived and were written */
    LB_AGENT_EV_RESUME,   /* continuing at done of total (text: why: the connection broke,
                           * or the slot held that much from before a reset) */
    LB_AGENT_EV_END,      /* the image was verified whole and activated (version) */
    LB_AGENT_EV_ERROR,    /* the attempt failed (err, text); the next one is scheduled */
} lb_agent_ev_t;

typedef struct {
    lb_agent_ev_t ev;
    int err;                           /* LB_E_* (0 when the text says it all) */
    const char *text;                  /* one line, no prefix */
    const char *detail;                /* NULL, or what to append to text */
    uint32_t done, total;              /* image bytes */
    const lb_image_version_t *version; /* the offer (START, CURRENT, END) or NULL */
    uint32_t next_ms;                  /* CURRENT/ERROR: the next check in ms */
    bool refused;                      /* ERROR: the image itself was refused (not the network) */
    const lb_image_info_t *info;       /* END, refused ERROR: what the installer learnt */
} lb_agent_event_t;

typedef void (*lb_agent_cb_t)(void *arg, const lb_agent_event_t *e);

typedef struct {
    const char *url;        /* the manifest's http:// url */
    const char *product;    /* this device's product */
    const char *user_agent; /* the User-Agent header */
    uint32_t first_ms;      /* the first check this long after lb_agent_start */
    lb_pull_sched_t sched;  /* lb_pull_sched_init'ed: interval, jitter, backoff */
    bool newer_only;        /* fetch only versions newer than `running` */
    lb_image_version_t running;
    lb_agent_cb_t cb; /* every event (may be NULL) */
    void *cb_arg;
    /* Set: an offer the agent would fetch is handed to this instead (a
     * single-slot app cannot write the slot it runs from: recovery fetches
     * it after a reset). Returns 0, and the agent is done (as after an
     * install: lb_agent_installed), or an error, retried like a failed
     * check. NULL: the agent fetches it. Called with cb_arg. */
    int (*hand_off)(void *arg, const lb_manifest_entry_t *entry);
} lb_agent_cfg_t;

/* Arms the agent with `cfg` (copied). `avoid` (may be NULL) is copied too:
 * versions not to fetch while offered (the one that rolled back or
 * crash-looped). Returns 0, or LB_E_INVAL when the url is not a plain
 * http:// url to an IPv4 address (the agent then stays off). */
int lb_agent_start(const lb_agent_cfg_t *cfg, const lb_pull_avoid_t *avoid);

/* From the main loop (after the network's poll): starts the next check
 * when it is due and the network is up. */
void lb_agent_poll(void);

/* Makes the next check due now (a person pressed "check for updates"). */
void lb_agent_check_now(void);

/* True once an image was installed and activated (or an offer handed
 * off): the caller reboots when it suits it. The agent then stays idle. */
bool lb_agent_installed(void);

/* True while a check or a download is under way. */
bool lb_agent_busy(void);

#endif
