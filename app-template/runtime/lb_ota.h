/* Background updates for apps built on app-template: the update agent
 * (lib/ota/agent.h) on the layout's app.update_url, in the spirit of
 * ArduinoOTA.handle(). lb_ota_begin() once, lb_ota_handle() from the main
 * loop; the app keeps running while an update downloads straight into the
 * slot it does not run from.
 *
 * The first check comes app.first_check_s after lb_ota_begin (not in the
 * unsettled seconds after power-up), then every app.check_interval_s plus
 * up to an eighth of it at random (a fleet does not arrive at once);
 * failures retry with a backoff capped at the interval. Only a version
 * newer than the running one is fetched, and only once this image is
 * confirmed (lb_app_report_healthy): until then the other slot holds the
 * image to roll back to. A version that was rolled back here (its slot is
 * marked invalid) or whose download was refused is not fetched again
 * while the manifest offers it. The new image boots on trial and confirms
 * itself with lb_app_report_healthy, or the loader rolls it back. */
#ifndef LB_OTA_H
#define LB_OTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"

/* What the app hears (each may be NULL). */
typedef struct {
    /* A check starts (the manifest's url). */
    void (*on_check)(void *arg, const char *url);
    /* The check found nothing to fetch: `why` is LB_E_CURRENT (nothing
     * newer than the running version) or LB_E_SKIPPED (an offer given up
     * on); `offered` is the manifest's version. */
    void (*on_current)(void *arg, int why, const lb_image_version_t *offered);
    /* A download starts: the offered version and its size. */
    void (*on_start)(void *arg, const lb_image_version_t *v, uint32_t size);
    /* done of total bytes arrived, verified so far and written. */
    void (*on_progress)(void *arg, uint32_t done, uint32_t total);
    /* The connection broke (`why`) after done of total bytes: the download
     * continues there shortly (an HTTP Range request). */
    void (*on_resume)(void *arg, const char *why, uint32_t done, uint32_t total);
    /* The image was verified whole and activated: it boots (on trial) at
     * the next reset. Unless `manual_reboot`, lb_ota_handle resets right
     * after this returns. */
    void (*on_end)(void *arg, const lb_image_version_t *v);
    /* Single-slot layouts: a newer version `v` is offered, which the slot
     * this app runs from cannot take while it runs: recovery fetches and
     * installs it (from recovery.update_url) after the next reset, already
     * requested (LB_REQUEST_UPDATE). Unless `manual_reboot`, lb_ota_handle
     * resets right after this returns. */
    void (*on_handoff)(void *arg, const lb_image_version_t *v);
    /* A check or download failed (`err`, a one-line `text`); the running
     * app is untouched and the next check is in `retry_ms`. */
    void (*on_error)(void *arg, int err, const char *text, uint32_t retry_ms);
    void *arg;
    /* true: the app reboots when it suits it (lb_ota_pending tells). */
    bool manual_reboot;
} lb_ota_callbacks_t;

/* Brings the network up (app.net), answers GET /api/status on the
 * recovery's port (lb_ota_status.h: what runs, for `lifeboat push --wait`)
 * and arms the agent. `cb` (may be NULL) must stay valid. Returns 0;
 * LB_E_UNSUPPORTED when the layout has no app.update_url (or
 * app.check_interval_s is 0), or has a single slot and no
 * recovery.update_url (recovery installs a single-slot app's updates, see
 * on_handoff): the network and the status still run, so keep calling
 * lb_ota_handle; LB_E_INVAL for a url the agent cannot use
 * (not http://, or https:// with app.pin, to an IPv4 address or, with
 * DNS, a name); LB_E_NOSPACE when the TLS client could not be set up; or
 * the network's error (lib/ota/net.h). */
int lb_ota_begin(const lb_ota_callbacks_t *cb);

/* From the main loop, often: the network, the agent, and the reboot after
 * a verified download. Never blocks longer than one received segment. */
void lb_ota_handle(void);

/* Makes the next check due now. */
void lb_ota_check_now(void);

/* Seconds from lb_ota_begin to the first check: app.first_check_s, or on a
 * single-slot layout whose recovery last ran for this agent's hand-off, a
 * whole app.check_interval_s (a hand-off recovery could not complete is
 * not repeated at every boot). 0 before lb_ota_begin armed the agent. */
uint32_t lb_ota_first_check_s(void);

/* True once an update is installed and waits for the reboot. */
bool lb_ota_pending(void);

/* What the TLS client used (an app with app.pin), to size its arena and
 * its slices (LB_MBEDTLS_HEAP_SIZE, LB_TLS_ECC_SLICE_OPS). */
typedef struct {
    size_t arena_peak; /* the most its arena held so far */
    size_t arena_size; /* LB_MBEDTLS_HEAP_SIZE */
    unsigned slices;   /* main-loop turns of the last handshake's ECC work */
} lb_ota_tls_stats_t;

/* Fills `st`. Returns 0, or LB_E_UNSUPPORTED in an app without https://. */
int lb_ota_tls_stats(lb_ota_tls_stats_t *st);

#endif
