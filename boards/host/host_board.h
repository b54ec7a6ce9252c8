/* The host board: lb/board.h implemented for POSIX, for tests. Flash lives
 * in host memory (optionally loaded from / saved to a file) and obeys NOR
 * rules strictly; strap, reset cause and time are set by the test; a
 * power-cut hook stops the "device" before or in the middle of any flash
 * operation; lb_board_jump and lb_board_reset unwind to the harness.
 *
 * Typical use:
 *   host_board_setup(&geom);             // blank flash, counters at 0
 *   host_board_power_on();               // next boot: power-on, retained RAM garbage
 *   int why = host_board_run(fn, arg);   // fn runs until it jumps/resets/loses power
 *   if (why == HOST_EXIT_JUMP) ... host_board_jump_addr() ...
 *   host_board_teardown();
 */
#ifndef LB_HOST_BOARD_H
#define LB_HOST_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/board.h"
#include "lb/geom.h"

/* How host_board_run ended. */
typedef enum {
    HOST_EXIT_RETURN = 0,    /* fn returned */
    HOST_EXIT_JUMP = 1,      /* lb_board_jump was called */
    HOST_EXIT_RESET = 2,     /* lb_board_reset was called */
    HOST_EXIT_POWER_CUT = 3, /* the power-cut hook fired */
} host_exit_t;

/* Flash operation counters (since setup or host_flash_reset_stats). */
typedef struct {
    unsigned long reads;
    unsigned long programs;
    unsigned long erases;
    unsigned long ops; /* programs + erases: what power-cut indices count */
    unsigned long bytes_programmed;
} host_flash_stats_t;

/* Creates a blank (erased) flash with geometry `g` (copied), a 1 KiB
 * retained RAM and a load area of `load_size` bytes at image address
 * `load_addr` (0 for the defaults: 0x00100000, 512 KiB). Aborts on a bad
 * geometry (a test bug). Resets every counter, hook and input. */
void host_board_setup(const lb_geom_t *g);
void host_board_setup_load_area(uint32_t load_addr, size_t load_size);

/* Frees what setup allocated. */
void host_board_teardown(void);

/* Runs fn(arg) as "the device" until it returns, jumps, resets or loses
 * power (longjmp back here). Returns the host_exit_t. Not reentrant. */
int host_board_run(void (*fn)(void *), void *arg);

/* ---- boots and inputs --------------------------------------------------- */

/* Prepares the next boot as a power-on: reset cause power-on, retained
 * RAM filled with pseudo-random garbage (seeded), time 0. */
void host_board_power_on(void);

/* Prepares the next boot as a warm reset with `cause` (e.g. the watchdog
 * fired): retained RAM kept, time 0. */
void host_board_warm_reset(lb_reset_cause_t cause);

/* After HOST_EXIT_RESET: prepares the next boot with the cause the image
 * passed to lb_board_reset (retained RAM kept). */
void host_board_reboot_after_reset(void);

/* Strap asserted from time 0 until `ms` (0: never, UINT32_MAX: always). */
void host_board_set_strap(uint32_t ms);

/* How often this boot looked at the strap (lb_board_strap_asserted). */
uint32_t host_board_strap_samples(void);

/* Seed for everything pseudo-random (garbage RAM, torn bytes). */
void host_board_seed(uint32_t seed);

/* ---- what the device did ------------------------------------------------ */

/* Address passed to the last lb_board_jump of this boot. */
uint32_t host_board_jump_addr(void);

/* Cause passed to the last lb_board_reset. */
lb_reset_cause_t host_board_reset_why(void);

/* Watchdog timeout started this boot (0: not started) and feed count. */
uint32_t host_board_watchdog_ms(void);
unsigned long host_board_watchdog_feeds(void);

/* Console output of the device since the last boot was prepared, NUL
 * terminated (truncated at 16 KiB). Set HOST_CONSOLE_ECHO=1 in the
 * environment to copy it to stdout too. */
const char *host_board_console(void);

/* Bytes the device reads with lb_board_console_getc. */
void host_board_console_input(const char *text);

/* The load area (what lb_board_load_area describes). */
uint8_t *host_board_load_ram(void);

/* ---- flash model -------------------------------------------------------- */

/* Direct access to the flash bytes (for building fixtures and checks;
 * bypasses NOR rules and counters). */
uint8_t *host_flash_mem(void);
size_t host_flash_size(void);

/* Program-once flash (ECC): a program unit may be programmed once per
 * erase even when the bytes would only clear bits. Default off. */
void host_flash_set_program_once(bool on);

/* Strict (default): a NOR-rule violation (program of a non-erased unit,
 * misaligned program or erase) prints what happened and aborts the test.
 * Off: the operation fails with LB_E_NOTERASED / LB_E_ALIGN, counted. */
void host_flash_set_strict(bool on);
unsigned long host_flash_violations(void);

host_flash_stats_t host_flash_stats(void);
void host_flash_reset_stats(void);

/* Power-cut hook: the `op`-th program/erase from now (0-based, counting
 * host_flash_stats().ops) does not happen (torn false) or happens partly
 * (torn true: a program writes a pseudo-random prefix of its bytes; an
 * erase leaves the unit(s) a pseudo-random mix of old bytes, erased bytes
 * and noise). Then the device stops: host_board_run returns
 * HOST_EXIT_POWER_CUT (outside a run, the operation returns LB_E_POWER).
 * op < 0 disarms. */
void host_flash_cut_at(long op, bool torn);

/* True if the armed cut fired. */
bool host_flash_cut_fired(void);

/* Saved flash contents plus the program-once bookkeeping, for fixtures
 * that restore the same starting point many times. */
typedef struct host_flash_snap host_flash_snap_t;
host_flash_snap_t *host_flash_save(void);
void host_flash_restore(const host_flash_snap_t *snap);
void host_flash_snap_free(host_flash_snap_t *snap);

/* File backing: loads the whole flash from `path` (must be exactly the
 * flash size) or saves it there. Return 0 or LB_E_IO. */
int host_flash_load_file(const char *path);
int host_flash_save_file(const char *path);

#endif
