/* Configuration defaults: every tunable of lifeboat, in one place. A build
 * may override any of them with -D; each default is the value the budgets
 * in docs/ were measured with. */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

/* ---- image verification (lib/src/image*.c, lib/mbedtls) ----------------- */

/* Static arena behind mbedtls_calloc in firmware builds. ECDSA P-256
 * verification peaks at about 2.3 KiB with lb_mbedtls_config.h (measured by
 * `make bench-image`). */
#ifndef LB_MBEDTLS_HEAP_SIZE
#define LB_MBEDTLS_HEAP_SIZE 3072
#endif

#endif
