#include "lb/pull.h"

#include <string.h>

#include "lb/err.h"
#include "text.h"

void lb_pull_avoid_init(lb_pull_avoid_t *a)
{
    memset(a, 0, sizeof(*a));
}

/* Whether `a` avoids version `v` served as bytes hashing to `sha256`
 * (NULL: whether it avoids every offer of `v`). */
static bool avoided(const lb_pull_avoid_t *a, const lb_image_version_t *v, const uint8_t *sha256)
{
    for (unsigned i = 0; a != NULL && i < a->n && i < LB_PULL_AVOID_MAX; i++) {
        const lb_pull_avoided_t *e = &a->v[i];
        if (!lb_image_version_same(&e->version, v)) {
            continue;
        }
        if (!e->has_sha) {
            return true;
        }
        if (sha256 != NULL && memcmp(e->sha256, sha256, sizeof(e->sha256)) == 0) {
            return true;
        }
    }
    return false;
}

void lb_pull_avoid_add(lb_pull_avoid_t *a, const lb_image_version_t *v, const uint8_t *sha256)
{
    if (avoided(a, v, sha256)) {
        return;
    }
    lb_pull_avoided_t e;
    memset(&e, 0, sizeof(e));
    e.version = *v;
    if (sha256 != NULL) {
        e.has_sha = true;
        memcpy(e.sha256, sha256, sizeof(e.sha256));
    }
    if (a->n < LB_PULL_AVOID_MAX) {
        a->v[a->n++] = e;
        return;
    }
    a->v[a->next % LB_PULL_AVOID_MAX] = e;
    a->next = (a->next + 1u) % LB_PULL_AVOID_MAX;
}

int lb_pull_offer(const lb_manifest_entry_t *e, const char *product, const char *my_product,
                  const lb_image_version_t *running, const lb_pull_avoid_t *avoid)
{
    if (!lb_text_eq(product, my_product)) {
        return LB_E_PRODUCT;
    }
    if (avoided(avoid, &e->version, e->sha256)) {
        return LB_E_SKIPPED;
    }
    if (running != NULL && lb_image_version_cmp(&e->version, running) <= 0) {
        return LB_E_CURRENT;
    }
    return 0;
}

void lb_pull_sched_init(lb_pull_sched_t *s, uint32_t interval_ms, uint32_t jitter_ms,
                        uint32_t backoff_min_ms, uint32_t backoff_max_ms)
{
    s->interval_ms = interval_ms;
    s->jitter_ms = jitter_ms;
    s->backoff_min_ms = backoff_min_ms;
    s->backoff_max_ms = backoff_max_ms < backoff_min_ms ? backoff_min_ms : backoff_max_ms;
    s->backoff_ms = backoff_min_ms;
}

uint32_t lb_pull_sched_next(lb_pull_sched_t *s, int err, uint32_t rnd)
{
    uint32_t wait;
    bool nothing = err == 0 || err == LB_E_CURRENT || err == LB_E_SKIPPED;
    if (nothing && s->interval_ms != 0) {
        s->backoff_ms = s->backoff_min_ms;
        wait = s->interval_ms;
    } else {
        wait = s->backoff_ms;
        uint32_t cap = s->backoff_max_ms;
        if (s->interval_ms != 0 && s->interval_ms < cap) {
            cap = s->interval_ms;
        }
        if (wait > cap) {
            wait = cap;
        }
        s->backoff_ms = s->backoff_ms > cap / 2u ? cap : s->backoff_ms * 2u;
    }
    uint32_t j = s->jitter_ms == 0 ? 0 : rnd % (s->jitter_ms + 1u);
    return wait > UINT32_MAX - j ? UINT32_MAX : wait + j;
}
