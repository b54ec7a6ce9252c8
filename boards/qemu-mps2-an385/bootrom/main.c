/* The first stage of qemu-mps2-an385: what QEMU's -kernel runs at every
 * reset, standing in for a chip's mask ROM. It latches the reset cause,
 * copies the `loader` partition of the flash file to 0x00010000 and starts
 * it, so that the flash file is the device's whole non-volatile memory. */
#include "hw.h"
#include "latch.h"
#include "lb/board.h"
#include "partitions.h"
#include "qemu_board.h"
#include "semihost.h"

#define LOADER_COPY (LB_LOADER_SIZE < LB_QEMU_LOADER_MAX ? LB_LOADER_SIZE : LB_QEMU_LOADER_MAX)

/* Nothing to boot: says why and which flash file, and ends QEMU with
 * exit status 1 (a halted core would leave `make run` hanging). */
static _Noreturn void halt(const char *why)
{
    lb_qemu_puts("[bootrom] ");
    lb_qemu_puts(why);
    lb_qemu_puts(" (flash file: ");
    lb_qemu_puts(lb_qemu_flash_path());
    lb_qemu_puts("): stopping\n");
    lb_semihost_exit(1);
}

int main(void)
{
    lb_qemu_bench_timer_start();
    lb_qemu_latch_boot();
    if (lb_board_init() != 0) {
        halt("cannot open the flash file");
    }
    uint8_t *dst = (uint8_t *)(uintptr_t)LB_QEMU_LOADER_ADDR;
    if (lb_board_flash_read(LB_LOADER_OFFSET, dst, LOADER_COPY) != 0) {
        halt("cannot read the loader partition");
    }
    /* Refuse to jump into an erased or foreign partition: the initial SP
     * must be in SRAM and the reset vector a Thumb address inside the copy. */
    const uint32_t *vt = (const uint32_t *)(uintptr_t)LB_QEMU_LOADER_ADDR;
    uint32_t sp = vt[0], pc = vt[1];
    if (sp < 0x20000000u || sp > 0x20400000u || (pc & 1u) == 0 || pc < LB_QEMU_LOADER_ADDR ||
        pc >= LB_QEMU_LOADER_ADDR + LOADER_COPY) {
        halt("no loader in the loader partition");
    }
    lb_qemu_start_vectors(LB_QEMU_LOADER_ADDR);
}
