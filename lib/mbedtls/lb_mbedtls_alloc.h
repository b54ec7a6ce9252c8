/* Static-arena allocator behind mbedtls_calloc/mbedtls_free in firmware
 * builds (lb_mbedtls_config.h). ECDSA verification allocates and frees
 * bignum limbs in no particular order; a first-fit list with coalescing
 * over a fixed array keeps that off the libc heap. Not thread-safe: the
 * loader and the recovery image verify from one context. */
#ifndef LB_MBEDTLS_ALLOC_H
#define LB_MBEDTLS_ALLOC_H

#include <stddef.h>

/* Returns zeroed memory for n objects of `size` bytes, or NULL when the
 * arena (LB_MBEDTLS_HEAP_SIZE bytes) has no room or n * size overflows. */
void *lb_mbedtls_calloc(size_t n, size_t size);

/* Returns a block from lb_mbedtls_calloc to the arena (NULL is ignored). */
void lb_mbedtls_free(void *p);

/* Returns the most arena bytes ever in use (block headers included). */
size_t lb_mbedtls_heap_peak(void);

/* Returns the bytes currently in use (0 when everything was freed). */
size_t lb_mbedtls_heap_used(void);

#endif
