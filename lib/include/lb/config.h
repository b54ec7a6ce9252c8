/* Configuration defaults for lifeboat, in one place. Every value can be
 * overridden by defining it before this header is included (compiler -D
 * flags, or a board/generated header included first). Boot-policy values
 * normally come from the layout YAML through the generated partitions.h;
 * these are the fallbacks when a build has no layout. */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

/* ---- flash access ------------------------------------------------------ */

/* Largest program granularity (bytes) lib/ supports: buffers for one
 * program unit live on the stack. Power of two. */
#ifndef LB_CFG_PROGRAM_MAX
#define LB_CFG_PROGRAM_MAX 256u
#endif

/* ---- boot policy (brief section 7; YAML `boot:`) ----------------------- */

/* Boots a new image gets in trial before it is rolled back (YAML
 * boot.trial_boots). */
#ifndef LB_CFG_TRIAL_BOOTS
#define LB_CFG_TRIAL_BOOTS 3u
#endif

/* Consecutive unhealthy boots of a confirmed image before the loader
 * starts recovery (YAML boot.crash_limit). */
#ifndef LB_CFG_CRASH_LIMIT
#define LB_CFG_CRASH_LIMIT 3u
#endif

/* How long the recovery strap must stay asserted at power-on (YAML
 * boot.strap.hold_ms). */
#ifndef LB_CFG_STRAP_HOLD_MS
#define LB_CFG_STRAP_HOLD_MS 50u
#endif

/* Reset causes that count as an unhealthy boot: bit (1u << lb_reset_cause_t)
 * per cause. Default: watchdog (3), fault (4), unknown (0) (YAML
 * boot.crash_resets). */
#ifndef LB_CFG_CRASH_RESETS
#define LB_CFG_CRASH_RESETS ((1u << 0) | (1u << 3) | (1u << 4))
#endif

/* Watchdog period the loader starts before jumping into an image (YAML
 * boot.watchdog_ms); 0 leaves the watchdog off. */
#ifndef LB_CFG_WATCHDOG_MS
#define LB_CFG_WATCHDOG_MS 2000u
#endif

/* 1: the loader requires a valid ECDSA signature at every boot (YAML
 * boot.verify: signature); 0: SHA-256 hash only (boot.verify: hash). */
#ifndef LB_CFG_VERIFY_SIGNATURE
#define LB_CFG_VERIFY_SIGNATURE 0
#endif

/* ---- image verification (lib/src/image*.c, lib/mbedtls) ----------------- */

/* Static arena behind mbedtls_calloc in firmware builds. ECDSA P-256
 * verification peaks at about 2.3 KiB with lb_mbedtls_config.h (measured by
 * `make bench-image`). */
#ifndef LB_MBEDTLS_HEAP_SIZE
#define LB_MBEDTLS_HEAP_SIZE 3072
#endif

#endif
