/* First-fit allocator over a static arena for mbedTLS in firmware.
 *
 * The arena is a sequence of blocks, each a header word followed by its
 * payload; the header holds the block's total size (a multiple of 8) with
 * bit 0 set while the block is in use. Adjacent free blocks are merged while
 * searching, so no free list is kept. */
#include <stdint.h>
#include <string.h>

#include "lb/config.h"
#include "lb_mbedtls_alloc.h"

#define ALIGN 8u
#define HDR ALIGN /* header padded so payloads stay 8-aligned */
#define USED 1u

_Static_assert(LB_MBEDTLS_HEAP_SIZE % ALIGN == 0 && LB_MBEDTLS_HEAP_SIZE >= 2 * ALIGN,
               "LB_MBEDTLS_HEAP_SIZE must be a multiple of 8");

static union {
    uint64_t align;
    uint8_t bytes[LB_MBEDTLS_HEAP_SIZE];
} lb_arena;
static size_t lb_arena_used, lb_arena_peak;
static int lb_arena_ready;

static uint32_t hdr_get(size_t off)
{
    uint32_t v;
    memcpy(&v, lb_arena.bytes + off, sizeof(v));
    return v;
}

static void hdr_set(size_t off, uint32_t v)
{
    memcpy(lb_arena.bytes + off, &v, sizeof(v));
}

void *lb_mbedtls_calloc(size_t n, size_t size)
{
    if (!lb_arena_ready) {
        hdr_set(0, LB_MBEDTLS_HEAP_SIZE); /* one free block */
        lb_arena_ready = 1;
    }
    if (n != 0 && size > (LB_MBEDTLS_HEAP_SIZE - HDR) / n) {
        return NULL;
    }
    size_t want = (n * size + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    for (size_t off = 0; off < LB_MBEDTLS_HEAP_SIZE;) {
        uint32_t h = hdr_get(off);
        size_t len = h & ~(uint32_t)USED;
        if (!(h & USED)) {
            /* Merge the free blocks that follow. */
            while (off + len < LB_MBEDTLS_HEAP_SIZE && !(hdr_get(off + len) & USED)) {
                len += hdr_get(off + len);
            }
            hdr_set(off, (uint32_t)len);
            if (len >= want) {
                if (len - want >= HDR + ALIGN) {
                    hdr_set(off + want, (uint32_t)(len - want));
                    len = want;
                }
                hdr_set(off, (uint32_t)len | USED);
                lb_arena_used += len;
                if (lb_arena_used > lb_arena_peak) {
                    lb_arena_peak = lb_arena_used;
                }
                memset(lb_arena.bytes + off + HDR, 0, len - HDR);
                return lb_arena.bytes + off + HDR;
            }
        }
        off += len;
    }
    return NULL;
}

void lb_mbedtls_free(void *p)
{
    if (p == NULL) {
        return;
    }
    size_t off = (size_t)((uint8_t *)p - lb_arena.bytes) - HDR;
    uint32_t h = hdr_get(off);
    lb_arena_used -= h & ~(uint32_t)USED;
    hdr_set(off, h & ~(uint32_t)USED);
}

size_t lb_mbedtls_heap_peak(void)
{
    return lb_arena_peak;
}

size_t lb_mbedtls_heap_used(void)
{
    return lb_arena_used;
}
