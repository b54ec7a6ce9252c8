/* Self-heal: when the loader entered recovery because the app crash-looped
 * or no app verifies, and the layout names recovery.update_url, the
 * recovery image fetches the manifest there (lb/manifest.h), downloads the
 * app it offers straight into a slot through the same install path and
 * checks as a push (update.h), and reboots into it. It keeps serving
 * pushes meanwhile; a failed attempt is retried with capped backoff.
 * docs/recovery.md, "Self-heal". */
#ifndef LB_RECOVERY_PULL_H
#define LB_RECOVERY_PULL_H

#include <stdbool.h>

#include "lb/image.h"

/* Arms self-heal. `avoid` (NULL: none) is the version that just failed
 * (the crash-looping app's): an offer of exactly it is not installed.
 * Does nothing when the layout has no recovery.update_url. */
void lb_pull_start(const lb_image_version_t *avoid);

/* From the main loop: starts the next attempt when it is due. */
void lb_pull_poll(void);

/* True once a pulled image was installed and activated: time to reboot. */
bool lb_pull_installed(void);

/* True while an attempt is in progress (for the idle timeout). */
bool lb_pull_busy(void);

#endif
