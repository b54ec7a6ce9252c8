/* The firmware's whole C library: the functions lib/, lwIP, mbedTLS,
 * BearSSL and the compiler's own block copies call. The loader and the
 * recovery image link with -nostdlib, so anything else from libc is a link
 * error rather than a silent kilobyte (newlib-nano's memcpy/memset/
 * memchr/... cost ~700 bytes in each).
 *
 * Built without LTO and with -ffreestanding
 * -fno-tree-loop-distribute-patterns (mk/fw-qemu.mk) so the compiler
 * neither turns these loops back into calls to themselves nor drops them
 * before it emits its own calls at code generation. Firmware-only: never
 * part of a host build. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t __attribute__((may_alias)) lb_word_t;
/* A word read from any address: one load where the core allows unaligned
 * loads (Cortex-M3 and up), bytes where it does not (the compiler knows). */
typedef uint32_t __attribute__((may_alias, aligned(1))) lb_uword_t;

/* Word copies when the destination is word-aligned (bignum limbs, SHA-256
 * blocks, the loader's records; recovery's 4 KiB program buffer, filled
 * from TCP payloads that sit 2 bytes off a word), bytes otherwise. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (((uintptr_t)d & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) {
            *(lb_word_t *)(void *)d = *(const lb_uword_t *)(const void *)s;
        }
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

/* Four word stores per turn when the destination is word-aligned:
 * mbedTLS wipes its ~300-byte SHA-256 working area (aligned) after every
 * 64-byte block, so memset is on the hashing path (one store per turn
 * costs 4 % more hashing time). */
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    if (((uintptr_t)d & 3u) == 0) {
        uint32_t w = (uint8_t)c * 0x01010101u;
        for (; n >= 16; n -= 16, d += 16) {
            lb_word_t *p = (lb_word_t *)(void *)d;
            p[0] = w;
            p[1] = w;
            p[2] = w;
            p[3] = w;
        }
        for (; n >= 4; n -= 4, d += 4) {
            *(lb_word_t *)(void *)d = w;
        }
    }
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

/* BearSSL's i31 multiply-add shifts limbs in place (overlapping, towards
 * higher addresses): copy from the end when dst is above src. */
void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++) {
        if (*p != *q) {
            return *p - *q;
        }
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const uint8_t *p = s;
    for (; n; n--, p++) {
        if (*p == (uint8_t)c) {
            return (void *)(uintptr_t)p;
        }
    }
    return NULL;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p) {
        p++;
    }
    return (size_t)(p - s);
}
