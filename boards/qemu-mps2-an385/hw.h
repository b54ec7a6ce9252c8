/* Registers of the emulated MPS2 AN385 (QEMU `-M mps2-an385`) that this
 * board uses. Private to boards/qemu-mps2-an385/. Facts: docs/DESIGN.md, "The emulated board". */
#ifndef LB_QEMU_HW_H
#define LB_QEMU_HW_H

#include <stdint.h>

#define LB_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Clock of SysTick, the CMSDK timers and the watchdog. */
#define LB_QEMU_CLK_HZ 25000000u

/* CMSDK APB UART0. */
#define LB_UART0_BASE 0x40004000u
#define LB_UART_DATA LB_REG(LB_UART0_BASE + 0x00u)
#define LB_UART_STATE LB_REG(LB_UART0_BASE + 0x04u)
#define LB_UART_CTRL LB_REG(LB_UART0_BASE + 0x08u)
#define LB_UART_BAUDDIV LB_REG(LB_UART0_BASE + 0x10u)
#define LB_UART_STATE_TXFULL 0x1u
#define LB_UART_STATE_RXFULL 0x2u
#define LB_UART_CTRL_TXEN 0x1u
#define LB_UART_CTRL_RXEN 0x2u

/* CMSDK APB timer 0: a free-running down-counter for the boot benchmark. */
#define LB_TIMER0_BASE 0x40000000u
#define LB_TIMER0_CTRL LB_REG(LB_TIMER0_BASE + 0x00u)
#define LB_TIMER0_VALUE LB_REG(LB_TIMER0_BASE + 0x04u)
#define LB_TIMER0_RELOAD LB_REG(LB_TIMER0_BASE + 0x08u)

/* CMSDK APB watchdog: first expiry raises NMI, the second resets. */
#define LB_WDOG_BASE 0x40008000u
#define LB_WDOG_LOAD LB_REG(LB_WDOG_BASE + 0x000u)
#define LB_WDOG_CONTROL LB_REG(LB_WDOG_BASE + 0x008u)
#define LB_WDOG_INTCLR LB_REG(LB_WDOG_BASE + 0x00Cu)
#define LB_WDOG_LOCK LB_REG(LB_WDOG_BASE + 0xC00u)
#define LB_WDOG_UNLOCK_KEY 0x1ACCE551u
#define LB_WDOG_CONTROL_INTEN 0x1u
#define LB_WDOG_CONTROL_RESEN 0x2u

/* Serial communication controller: CFG0 carries the recovery strap
 * (`-global mps2-scc.scc-cfg0=N`). Bit 0 is the remap bit on hardware. */
#define LB_SCC_CFG0 LB_REG(0x4002F000u)
#define LB_SCC_CFG0_STRAP 0x2u

/* Cortex-M3 system control space. */
#define LB_SCB_ICSR LB_REG(0xE000ED04u)
#define LB_SCB_VTOR LB_REG(0xE000ED08u)
#define LB_SCB_AIRCR LB_REG(0xE000ED0Cu)
#define LB_SCB_AIRCR_SYSRESETREQ 0x05FA0004u
#define LB_SCB_ICSR_PENDSTCLR (1u << 25)
#define LB_SYST_CSR LB_REG(0xE000E010u)
#define LB_SYST_RVR LB_REG(0xE000E014u)
#define LB_SYST_CVR LB_REG(0xE000E018u)
#define LB_NVIC_ICER0 LB_REG(0xE000E180u)
#define LB_NVIC_ICPR0 LB_REG(0xE000E280u)

/* Retained RAM (docs/DESIGN.md, "The emulated board"): the top 1 KiB of the 4 MiB SRAM at
 * 0x20000000. The linker scripts give it its own NOLOAD program header so
 * QEMU never zero-fills it at reset. The last LB_QEMU_LATCH_SIZE bytes are
 * the board's reset-cause latch; the rest is lb_board_retained(). */
#define LB_QEMU_RETAINED_ADDR 0x203FFC00u
#define LB_QEMU_RETAINED_SIZE 1024u
#define LB_QEMU_LATCH_SIZE 16u

/* Image load area (docs/DESIGN.md, "The emulated board"). */
#define LB_QEMU_LOAD_ADDR 0x00100000u
#define LB_QEMU_LOAD_SIZE 0x00300000u
/* Where the boot ROM places the loader. */
#define LB_QEMU_LOADER_ADDR 0x00010000u
#define LB_QEMU_LOADER_MAX 0x00010000u

#endif
