/* The mbedTLS 2.28 platform settings every firmware configuration shares
 * (lb_mbedtls_config.h, lb_mbedtls_tls_config.h): no libc heap, no stdio,
 * no time, no entropy source of mbedTLS's own. Allocations go to the static
 * arena of lib/mbedtls/lb_mbedtls_alloc.c. */
#ifndef LB_MBEDTLS_PLATFORM_H
#define LB_MBEDTLS_PLATFORM_H

#include <stddef.h>
void *lb_mbedtls_calloc(size_t n, size_t size); /* lib/mbedtls/lb_mbedtls_alloc.h */
void lb_mbedtls_free(void *p);
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_CALLOC_MACRO lb_mbedtls_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO lb_mbedtls_free
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* 64-bit division would pull libgcc's __aeabi_uldivmod into the loader. */
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_HAVE_ASM

#endif
