/* The reset-cause latch: the last LB_QEMU_LATCH_SIZE bytes of retained
 * RAM. Private to this board.
 *
 *   pending  written just before a reset (lb_board_reset, the watchdog NMI,
 *            the HardFault handler); consumed once per boot by the boot ROM
 *   current  this boot's cause, set by the boot ROM, read by every stage
 *
 * Power-on is recognised by an invalid latch (QEMU starts with zeroed RAM,
 * hardware with noise), so the check word guards both fields. */
#ifndef LB_QEMU_LATCH_H
#define LB_QEMU_LATCH_H

#include "lb/board.h"

/* Called once per reset, by the boot ROM only: turns the pending cause into
 * this boot's cause and re-arms the latch with "unknown" so that a reset
 * nobody recorded (lockup, debugger) is reported as such. */
void lb_qemu_latch_boot(void);

/* Records the cause the next boot will report. Safe from any context. */
void lb_qemu_latch_pending(lb_reset_cause_t why);

/* The cause the boot ROM latched for this boot. */
lb_reset_cause_t lb_qemu_latch_current(void);

#endif
