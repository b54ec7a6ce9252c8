/* Board-private helpers of qemu-mps2-an385 shared by its startup code, the
 * boot ROM and the board mains. Not part of the board contract. */
#ifndef LB_QEMU_BOARD_H
#define LB_QEMU_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Set by the watchdog NMI, cleared by a feed. */
extern volatile uint32_t lb_qemu_watchdog_fired;

void lb_qemu_systick_handler(void);
void lb_qemu_nmi_handler(void);

/* Writes a NUL-terminated string to the console. */
void lb_qemu_puts(const char *s);

/* The flash file's path as the board opened (or tried to open) it. */
const char *lb_qemu_flash_path(void);

/* Programs `len` bytes at flash offset `off` in one host call (the
 * board's program path calls it once per program unit for records).
 * Returns LB_OK or LB_E_IO. */
int lb_qemu_flash_piece(uint32_t off, const void *buf, size_t len);

/* Called by lb_board_jump just before starting an image: a no-op
 * (jump_hook.c) except in the loader's benchmark build (jump_hook_bench.c). */
void lb_qemu_before_jump(uint32_t vtor);

/* Starts the code whose vector table is at `vtor`: sets VTOR and MSP from
 * it and branches to its reset vector. */
_Noreturn void lb_qemu_start_vectors(uint32_t vtor);

/* The free-running CMSDK timer 0 the boot ROM starts at reset; at 25 MHz,
 * under `-icount shift=0` one tick is 40 instructions. */
void lb_qemu_bench_timer_start(void);
uint32_t lb_qemu_bench_ticks(void);

#endif
