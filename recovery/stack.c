#include "stack.h"

#include <stddef.h>

#include "lb/config.h"

/* The top of the stack, from the image's linker script (every board's
 * scripts define it: the initial stack pointer). */
extern uint32_t _estack[];

#define PAINT 0x5AC3A55Cu
#define WORDS (LB_RECOVERY_STACK_RESERVE / 4u)

void lb_stack_paint(void)
{
    volatile uint32_t here = 0;
    uint32_t *lo = _estack - WORDS;
    /* Leave a margin below this frame: paint only what nobody uses yet. */
    uintptr_t stop = (uintptr_t)&here - 64u;
    for (uint32_t *p = lo; (uintptr_t)p < stop; p++) {
        *p = PAINT;
    }
    (void)here;
}

uint32_t lb_stack_peak(void)
{
    const uint32_t *p = _estack - WORDS;
    while (p < _estack && *p == PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)_estack - (uintptr_t)p);
}
