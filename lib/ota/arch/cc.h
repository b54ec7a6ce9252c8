/* lwIP architecture glue of the images that network (arm-none-eabi +
 * newlib, but nothing board-specific: the board is reached through
 * lb/board.h). Each image keeps its own lwipopts.h. */
#ifndef LB_LWIP_ARCH_CC_H
#define LB_LWIP_ARCH_CC_H

#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_STDDEF_H 0
#define LWIP_NO_STDINT_H 0
#define LWIP_NO_INTTYPES_H 0
#define LWIP_NO_LIMITS_H 0
/* lwIP's own isdigit/isspace macros: newlib's <ctype.h> table costs 257
 * bytes of flash for the address parser alone. */
#define LWIP_NO_CTYPE_H 1

/* Diagnostics are compiled out (LWIP_DEBUG undefined, LWIP_NOASSERT): these only
 * have to be well-formed. */
void lb_net_diag(const char *msg);
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) lb_net_diag(x)

/* TCP initial sequence numbers, local ports, DHCP transaction ids
 * (sys_arch.c); lb_net_rand_mix (lib/ota/net.h) stirs per-device entropy
 * in at start-up. */
unsigned int lb_net_rand(void);
#define LWIP_RAND() ((u32_t)lb_net_rand())

#endif
