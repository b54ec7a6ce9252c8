/* newlib's malloc (pulled in by its stdio, used by apps that want a heap)
 * grows through _sbrk: from the end of .bss up to the stack reserve. Linked
 * into apps and the recovery image, never into the loader (no heap there). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern uint8_t _ebss[], _estack[];
void *_sbrk(ptrdiff_t incr);

#define STACK_RESERVE 16384u

void *_sbrk(ptrdiff_t incr)
{
    static uintptr_t brk;
    uintptr_t limit = (uintptr_t)_estack - STACK_RESERVE;
    if (brk == 0) {
        brk = (uintptr_t)_ebss;
    }
    if (incr < 0 || brk > limit || (size_t)incr > limit - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t old = brk;
    brk += (uintptr_t)incr;
    return (void *)old;
}
