/* Startup shared by every image of this board (boot ROM, loader, recovery,
 * apps): the vector table, .data/.bss initialisation and the fault and NMI
 * handlers. Each image's linker script provides the symbols used here. */
#include <stdint.h>
#include <string.h>

#include "hw.h"
#include "latch.h"
#include "qemu_board.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
typedef void (*lb_vector_t)(void);
extern const lb_vector_t lb_vector_table[];

int main(void);
void lb_qemu_reset_handler(void);
void lb_qemu_hardfault_handler(void);
void lb_qemu_default_handler(void);

void lb_qemu_reset_handler(void)
{
    /* RAM-loaded images are entered by a jump: point the core at our own
     * table whoever started us. */
    LB_SCB_VTOR = (uint32_t)(uintptr_t)lb_vector_table;
    memcpy(_sdata, _sidata, (size_t)((uintptr_t)_edata - (uintptr_t)_sdata));
    memset(_sbss, 0, (size_t)((uintptr_t)_ebss - (uintptr_t)_sbss));
    (void)main();
    for (;;) {
    }
}

static void put_hex(uint32_t v)
{
    char s[11] = "0x";
    for (int i = 0; i < 8; i++) {
        s[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    }
    s[10] = '\0';
    lb_qemu_puts(s);
}

/* Every fault (escalated to HardFault) is a crash: record it for the next
 * boot and reset. The stacked PC helps whoever reads the console. */
static void __attribute__((used)) hardfault_report(const uint32_t *frame)
{
    lb_qemu_latch_pending(LB_RESET_FAULT);
    lb_qemu_puts("\n[board] fault pc=");
    put_hex(frame[6]);
    lb_qemu_puts(", resetting\n");
    __asm__ volatile("dsb" ::: "memory");
    LB_SCB_AIRCR = LB_SCB_AIRCR_SYSRESETREQ;
    for (;;) {
    }
}

__attribute__((naked)) void lb_qemu_hardfault_handler(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "b hardfault_report\n\t");
}

/* An unexpected interrupt is treated like a fault. */
void lb_qemu_default_handler(void)
{
    lb_qemu_latch_pending(LB_RESET_FAULT);
    lb_qemu_puts("\n[board] unexpected interrupt, resetting\n");
    LB_SCB_AIRCR = LB_SCB_AIRCR_SYSRESETREQ;
    for (;;) {
    }
}

/* The loader enables no NVIC interrupt (the boot ROM hands it a core with
 * all of them disabled), so its build drops the 32 external vectors
 * (-DLB_QEMU_IRQ_VECTORS=0: 128 bytes). */
#ifndef LB_QEMU_IRQ_VECTORS
#define LB_QEMU_IRQ_VECTORS 32u
#endif
#define NUM_VECTORS (16u + LB_QEMU_IRQ_VECTORS)
/* Without interrupts the few other exceptions are faults too. */
#if LB_QEMU_IRQ_VECTORS
#define UNEXPECTED lb_qemu_default_handler
#else
#define UNEXPECTED lb_qemu_hardfault_handler
#endif

__attribute__((section(".vectors"), used)) const lb_vector_t lb_vector_table[NUM_VECTORS] = {
    [0] = (lb_vector_t)(uintptr_t)_estack,
    [1] = lb_qemu_reset_handler,
    [2] = lb_qemu_nmi_handler,
    [3] = lb_qemu_hardfault_handler,
    [4] = lb_qemu_hardfault_handler, /* MemManage */
    [5] = lb_qemu_hardfault_handler, /* BusFault */
    [6] = lb_qemu_hardfault_handler, /* UsageFault */
    [11] = UNEXPECTED,               /* SVCall */
    [12] = UNEXPECTED,               /* DebugMon */
    [14] = UNEXPECTED,               /* PendSV */
    [15] = lb_qemu_systick_handler,
#if LB_QEMU_IRQ_VECTORS
    [16 ... NUM_VECTORS - 1] = UNEXPECTED,
#endif
};

void lb_qemu_bench_timer_start(void)
{
    LB_TIMER0_CTRL = 0;
    LB_TIMER0_RELOAD = 0xFFFFFFFFu;
    LB_TIMER0_VALUE = 0xFFFFFFFFu;
    LB_TIMER0_CTRL = 1u; /* enable, no interrupt */
}

uint32_t lb_qemu_bench_ticks(void)
{
    return 0xFFFFFFFFu - LB_TIMER0_VALUE;
}
