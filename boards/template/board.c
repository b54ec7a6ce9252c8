/* Template board: the starting point of a port. Copy boards/template/ to
 * boards/<yours>/, then replace every body below with your hardware's
 * code. It compiles as it is (`make test-template` checks that) so that
 * the contract and this file cannot drift apart; as shipped it describes
 * a board with no flash and no console, and the loader then stays put.
 *
 * The contract is lib/include/lb/board.h; docs/PORTING.md walks through
 * it function by function. Rules that hold for every function:
 *   - return 0 or a negative LB_E_* code (lb/err.h), never crash on a bad
 *     argument that came from flash contents;
 *   - no heap; no calls upward into lib/, the loader or the images;
 *   - nothing here may depend on which image (loader, recovery, app) runs,
 *     except through the link (each image links this same file). */
#include "lb/board.h"

#include "lb/err.h"

/* Your flash geometry. Usually generated: include "partitions.h" and use
 * `static const lb_geom_t geom = LB_FLASH_GEOM_INIT;` so the board and the
 * layout YAML cannot disagree. Regions are listed from offset 0 and may be
 * non-uniform (e.g. STM32F4: 4x16K, 1x64K, 7x128K). */
static const lb_geom_t geom = {
    .size = 0,         /* PORT: total bytes */
    .program_size = 1, /* PORT: program granularity (power of two, <= LB_CFG_PROGRAM_MAX) */
    .erased = 0xFF,    /* PORT: value of an erased byte (0xFF NOR, 0x00 some ECC parts) */
    .program_once = 0, /* PORT: 1 if a unit may be programmed only once per erase */
    .region_count = 0, /* PORT: number of entries in regions[] */
};

/* PORT: return your geometry. Must be valid (lb_geom_check) after
 * lb_board_init; the loader compares it with the partition table's. */
const lb_geom_t *lb_board_flash_geom(void)
{
    return &geom;
}

/* PORT: copy `len` bytes from flash offset `off` (relative to the start of
 * the layout's flash, not a CPU address) into `buf`. Any alignment and
 * length. Return LB_E_RANGE when [off, off+len) is not inside the flash
 * (check without overflowing), LB_E_IO when the device reports an error
 * (e.g. an ECC double-bit error). Memory-mapped flash: a bounded memcpy
 * from LB_FLASH_BASE + off. */
int lb_board_flash_read(uint32_t off, void *buf, size_t len)
{
    (void)off;
    (void)buf;
    (void)len;
    return LB_E_IO;
}

/* PORT: program `len` bytes at `off`. Refuse, do not fix up: off and len
 * not multiples of the program size -> LB_E_ALIGN; outside the flash ->
 * LB_E_RANGE. Do not silently program over data that is not erased (on
 * program-once parts, over a unit programmed since its last erase): return
 * LB_E_NOTERASED if you can detect it. Block until the controller is done
 * and check its error flags (LB_E_IO). Unlock/lock the controller here. */
int lb_board_flash_program(uint32_t off, const void *buf, size_t len)
{
    (void)off;
    (void)buf;
    (void)len;
    return LB_E_IO;
}

/* PORT: erase [off, off+len), which must start and end on erase-unit
 * boundaries (use lb_geom_is_boundary on your geometry; else LB_E_ALIGN).
 * Erase unit by unit; feed the watchdog between units if an erase can take
 * longer than its period. Afterwards every byte reads `geom.erased`. */
int lb_board_flash_erase(uint32_t off, size_t len)
{
    (void)off;
    (void)len;
    return LB_E_IO;
}

/* PORT: why this boot happened. Latch it once, early (startup code reads
 * the reset-status register and clears it, or the value lb_board_reset /
 * the watchdog early-warning interrupt / the fault handler left in
 * retained RAM), and return the same value for the whole boot. Retained
 * RAM that does not hold your latch's magic means power-on. */
lb_reset_cause_t lb_board_reset_cause(void)
{
    return LB_RESET_POWER_ON;
}

/* PORT: record `why` where the next boot's lb_board_reset_cause finds it
 * (retained RAM, outside the boot-info area), then reset the system (on
 * Cortex-M: NVIC_SystemReset / AIRCR SYSRESETREQ). Never returns. */
_Noreturn void lb_board_reset(lb_reset_cause_t why)
{
    (void)why;
    for (;;) {
    }
}

/* PORT: raw level of the recovery strap (button or pin), true when
 * asserted. Configure the pin (pull-up/down) in lb_board_init. No
 * debouncing here: the loader samples it over boot.strap.hold_ms. */
bool lb_board_strap_asserted(void)
{
    return false;
}

/* PORT: start the hardware watchdog with about `timeout_ms`. It must not
 * be stoppable afterwards. If your watchdog can raise an early-warning
 * interrupt, record LB_RESET_WATCHDOG in the reset latch there. */
void lb_board_watchdog_start(uint32_t timeout_ms)
{
    (void)timeout_ms;
}

/* PORT: feed (reload) the watchdog. Must be callable from interrupts. */
void lb_board_watchdog_feed(void)
{
}

/* PORT: milliseconds since this boot started (SysTick or a timer). The
 * loader polls it while debouncing the strap, so it must advance without
 * interrupts being serviced by the caller, or be interrupt-driven and
 * started in lb_board_init. */
uint32_t lb_board_millis(void)
{
    return 0;
}

/* PORT: write `len` bytes to the console UART, blocking until they are in
 * the transmit FIFO. The loader's boot line goes through here. */
void lb_board_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

/* PORT: one received console byte (0..255) or LB_E_NOTFOUND; never
 * blocks. */
int lb_board_console_getc(void)
{
    return LB_E_NOTFOUND;
}

/* PORT: the retained RAM area for boot info: at least 256 bytes that no
 * startup code zeroes or initialises and that survive a warm reset (a
 * NOLOAD/.noinit section, in its own program header on boards that reload
 * segments at reset). Store its size in *size. */
void *lb_board_retained(size_t *size)
{
    *size = 0;
    return 0;
}

/* PORT: where images run. RAM-loading boards (flash not executable or not
 * memory-mapped): the RAM window, its address as the image sees it (the
 * images' load address, ih_load_addr) and its size. Execute-in-place
 * boards: ram = NULL (the loader then refuses with LB_E_UNSUPPORTED; XIP
 * verification needs a mapped-flash hook, see docs/PORTING.md). */
void lb_board_load_area(lb_board_load_area_t *area)
{
    area->ram = 0;
    area->ram_addr = 0;
    area->ram_size = 0;
}

/* PORT: start the image whose vector table is at `addr`: disable
 * interrupts and peripherals the loader used, set VTOR = addr, MSP =
 * ((uint32_t *)addr)[0], branch to ((uint32_t *)addr)[1]. Never returns. */
_Noreturn void lb_board_jump(uint32_t addr)
{
    (void)addr;
    for (;;) {
    }
}

/* PORT: fill `len` bytes with noise nobody on the network can predict or
 * observe. Best: the chip's TRNG (STM32 RNG, nRF RNG, ESP32 RNG with RF
 * on). Without one: physical jitter (the low bits of repeated ADC reads of
 * a floating pin or the temperature sensor, an RC oscillator timed against
 * the crystal), never a counter or an address alone. Raw samples are fine
 * (lb_seed_draw conditions them with the seed kept in flash); say in the
 * board's README what they are worth. No source at all: return
 * LB_E_UNSUPPORTED, and the seed written by the factory carries the
 * secret alone. */
int lb_board_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return LB_E_UNSUPPORTED;
}

/* PORT: bring up clocks, the console UART, the flash controller, the strap
 * pin and the millisecond timer; latch the reset cause. First call of
 * every image. Return 0 or LB_E_IO. */
int lb_board_init(void)
{
    return LB_E_IO;
}
