/* The decisions of a device that pulls its updates (the app's update agent
 * and recovery's self-heal, lib/ota/agent.c), apart from any network so
 * the host tests drive them: whether a manifest's offer is worth fetching,
 * and when to look again. docs/DESIGN.md, "Pulling updates". */
#ifndef LB_PULL_H
#define LB_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"
#include "lb/manifest.h"

/* Versions a device will not fetch again while the manifest offers them:
 * the one that was rolled back or crash-looped, the ones refused. */
#define LB_PULL_AVOID_MAX 4u

typedef struct {
    lb_image_version_t version;
    bool has_sha;                       /* refused bytes: only these bytes are avoided */
    uint8_t sha256[LB_IMAGE_HASH_SIZE]; /* of the file as served */
} lb_pull_avoided_t;

typedef struct {
    lb_pull_avoided_t v[LB_PULL_AVOID_MAX];
    unsigned n;    /* entries in use */
    unsigned next; /* the oldest, replaced when full */
} lb_pull_avoid_t;

/* Empties the list. */
void lb_pull_avoid_init(lb_pull_avoid_t *a);

/* Adds version `v`: every offer of it is avoided (a version that was
 * rolled back or crash-looped), or, with `sha256` (may be NULL), only an
 * offer of it with exactly those bytes (a download that was refused: a
 * fixed file under the same version is fetched again). An entry already
 * there is not added twice; when full, the oldest goes. */
void lb_pull_avoid_add(lb_pull_avoid_t *a, const lb_image_version_t *v, const uint8_t *sha256);

/* Whether to fetch what `e` offers, from a manifest for `product`, on a
 * device of `my_product` running `running` (NULL: nothing runs, as in
 * recovery, and any version will do). Returns 0 (fetch it); LB_E_PRODUCT
 * (the manifest is for another product); LB_E_SKIPPED (`avoid`, which may
 * be NULL, holds the version, build included, or these very bytes); LB_E_CURRENT (not newer than
 * `running` by lb_image_version_cmp: MCUboot's order, the build ignored).
 * The image's own header and signature decide again once it arrived. */
int lb_pull_offer(const lb_manifest_entry_t *e, const char *product, const char *my_product,
                  const lb_image_version_t *running, const lb_pull_avoid_t *avoid);

/* When to look again. A check that found nothing new, or an install, waits
 * `interval_ms` (with interval 0, as a failure does); a failed one waits the backoff, which starts
 * at `backoff_min_ms` and doubles per failure up to `backoff_max_ms` (and never past `interval_ms`
 * when that is set), and a success resets it. Every wait gets up to `jitter_ms` more, drawn from
 * the caller's random value, so a fleet that powered up together spreads out. */
typedef struct {
    uint32_t interval_ms; /* 0: nothing new is retried like a failure (recovery) */
    uint32_t jitter_ms;
    uint32_t backoff_min_ms, backoff_max_ms;
    uint32_t backoff_ms; /* the next failure's wait (before jitter) */
} lb_pull_sched_t;

/* Sets the schedule up (backoff at its minimum). */
void lb_pull_sched_init(lb_pull_sched_t *s, uint32_t interval_ms, uint32_t jitter_ms,
                        uint32_t backoff_min_ms, uint32_t backoff_max_ms);

/* The wait in ms before the next check after one that ended with `err`
 * (0 or LB_E_CURRENT/LB_E_SKIPPED: nothing to do; other codes: a failure),
 * `rnd` any random value. Returns the wait (at least backoff_min_ms, or
 * interval_ms); advances or resets the backoff. */
uint32_t lb_pull_sched_next(lb_pull_sched_t *s, int err, uint32_t rnd);

#endif
