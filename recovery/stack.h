/* Stack high-water mark of the recovery image, for the RAM figure of
 * `make bench-recovery` and the status document: the stack area is painted
 * with a pattern at start-up, the deepest word overwritten since is the
 * peak. */
#ifndef LB_RECOVERY_STACK_H
#define LB_RECOVERY_STACK_H

#include <stdint.h>

/* Paints the LB_RECOVERY_STACK_RESERVE bytes below the stack top, except
 * what the caller's frame uses. Call first thing in main. */
void lb_stack_paint(void);

/* Returns the deepest stack use seen so far, in bytes from the top (the
 * whole reserve when the pattern is gone: the reserve was too small). */
uint32_t lb_stack_peak(void);

#endif
