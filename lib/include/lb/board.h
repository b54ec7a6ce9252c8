/* The board contract: everything lib/, the loader, the recovery image and
 * apps need from a board, and nothing more. Each board in boards/<name>/
 * implements every function here (boards/template/ documents a port; see
 * docs/PORTING.md). Core code never asks which board it runs on.
 *
 * Conventions: functions returning int give 0 on success or a negative
 * LB_E_* code (lb/err.h). Unless noted, functions block until done and are
 * not called from interrupt context. */
#ifndef LB_BOARD_H
#define LB_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/geom.h"

/* ---- flash -------------------------------------------------------------
 * Offsets are relative to the start of the device's non-volatile memory
 * (the layout's flash). Boards enforce NOR rules and report violations as
 * errors rather than silently corrupting: see each function. */

/* Geometry of this board's flash. Never NULL; valid after lb_board_init. */
const lb_geom_t *lb_board_flash_geom(void);

/* Reads `len` bytes at `off` into `buf`. Any alignment.
 * Returns 0, LB_E_RANGE if outside the flash, LB_E_IO on device failure. */
int lb_board_flash_read(uint32_t off, void *buf, size_t len);

/* Programs `len` bytes at `off`. `off` and `len` must be multiples of the
 * program size (LB_E_ALIGN); every unit touched must be erased
 * (LB_E_NOTERASED; on program-once flash a unit may be programmed once per
 * erase even when only clearing bits). Returns 0, LB_E_RANGE, LB_E_IO, or
 * LB_E_POWER when the host board's power-cut hook fires (the operation may
 * then be partly done). */
int lb_board_flash_program(uint32_t off, const void *buf, size_t len);

/* Erases [off, off+len), which must start and end on erase-unit boundaries
 * (LB_E_ALIGN). Afterwards every byte reads the erased value. Returns 0,
 * LB_E_ALIGN, LB_E_RANGE, LB_E_IO or LB_E_POWER (unit left torn). */
int lb_board_flash_erase(uint32_t off, size_t len);

/* ---- reset ------------------------------------------------------------- */

typedef enum {
    LB_RESET_UNKNOWN = 0,
    LB_RESET_POWER_ON = 1,
    LB_RESET_SOFTWARE = 2,
    LB_RESET_WATCHDOG = 3,
    LB_RESET_FAULT = 4,
} lb_reset_cause_t;

/* Why this boot happened. Stable for the whole boot (boards latch it early).
 * Power-on when the retained RAM was not valid. */
lb_reset_cause_t lb_board_reset_cause(void);

/* Records `why` in retained RAM for the next boot's lb_board_reset_cause,
 * then resets the system. Does not return (the host board unwinds to its
 * harness). */
_Noreturn void lb_board_reset(lb_reset_cause_t why);

/* ---- strap, watchdog, time, console ------------------------------------ */

/* True while the recovery strap (button/pin) is asserted. Raw sample: the
 * loader debounces over the configured hold time. */
bool lb_board_strap_asserted(void);

/* Starts the watchdog with roughly `timeout_ms`; once started it cannot be
 * stopped. A watchdog reset is reported as LB_RESET_WATCHDOG next boot. */
void lb_board_watchdog_start(uint32_t timeout_ms);

/* Feeds the watchdog. Callable from any context. */
void lb_board_watchdog_feed(void);

/* Monotonic milliseconds since this boot began (wraps after ~49 days). */
uint32_t lb_board_millis(void);

/* Writes `len` bytes to the console. Blocking, no buffering guarantees. */
void lb_board_console_write(const char *buf, size_t len);

/* Non-blocking read of one console byte: returns 0..255, or LB_E_NOTFOUND
 * when none is waiting. */
int lb_board_console_getc(void);

/* ---- entropy ------------------------------------------------------------
 * Noise for the secrets an image derives at start (the recovery image's
 * nonce key, an https:// app's TLS randomness). The caller conditions
 * it: lb_seed_draw (lb/seed.h) hashes it together with the seed kept in
 * flash, so raw samples are fine and a board with a weak source still
 * gets a fresh secret every boot. */

/* Fills `len` bytes of `buf` with noise an attacker on the network can
 * neither predict nor observe: a hardware RNG where the chip has one,
 * else physical jitter (ADC noise, free-running oscillators against each
 * other). Each board's README says what its source is worth. May take a
 * few milliseconds; called once per boot by each such image. Returns 0,
 * or LB_E_UNSUPPORTED when the board has no source at all (the stored
 * seed then carries the secret alone). */
int lb_board_entropy(void *buf, size_t len);

/* ---- retained RAM ------------------------------------------------------
 * A small area that survives warm resets (not power-on; contents are then
 * arbitrary). Holds the boot-info record the loader hands to an image. */

/* Returns the retained area and stores its size (>= 256 bytes). */
void *lb_board_retained(size_t *size);

/* ---- starting an image ------------------------------------------------- */

/* Where an image must be placed to run. Images are RAM-loaded on boards
 * whose flash is not memory-mapped (ram != NULL): the loader copies the
 * image there, verifies those bytes, then jumps. */
typedef struct {
    uint8_t *ram;      /* load area, or NULL if images execute in place */
    uint32_t ram_addr; /* address the load area has in the image's view */
    size_t ram_size;   /* bytes available at `ram` */
} lb_board_load_area_t;

/* Describes the load area for images of this board. */
void lb_board_load_area(lb_board_load_area_t *area);

/* Transfers control to an image whose vector table / entry is at `addr`
 * (the image's header-adjusted start in RAM or flash). Does not return;
 * the host board hands control to its simulated image instead. */
_Noreturn void lb_board_jump(uint32_t addr);

/* ---- lifecycle ---------------------------------------------------------- */

/* Brings up what the functions above need (clocks, UART, flash backing).
 * Called once, first thing. Returns 0 or LB_E_IO. */
int lb_board_init(void);

#endif
