/* Self-heal: when the loader entered recovery because the app crash-looped,
 * no app verifies or a single-slot app asked for an update it was offered,
 * and the layout names recovery.update_url, the recovery image runs the
 * update agent (lib/ota/agent.h) on that manifest: any version but the one
 * that just failed (only a newer one for the single-slot app), retried with capped backoff,
 * while pushes are served as usual; then it reboots into what it
 * installed. docs/recovery.md, "Self-heal". */
#ifndef LB_RECOVERY_HEAL_H
#define LB_RECOVERY_HEAL_H

#include <stdbool.h>

#include "lb/image.h"

/* Arms self-heal. `avoid` (NULL: none) is the version that just failed
 * (the crash-looping app's): an offer of exactly it is not installed.
 * `newer_than` (NULL: any) is the app's version when it asked for an
 * update: only a newer offer is installed. Does nothing when the layout
 * has no recovery.update_url. */
void lb_heal_start(const lb_image_version_t *avoid, const lb_image_version_t *newer_than);

/* From the main loop: starts the next attempt when it is due. */
void lb_heal_poll(void);

/* True once a pulled image was installed and activated: time to reboot. */
bool lb_heal_installed(void);

/* True while an attempt is in progress (for the idle timeout). */
bool lb_heal_busy(void);

#endif
