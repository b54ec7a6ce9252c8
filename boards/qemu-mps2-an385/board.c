/* qemu-mps2-an385: the board contract (lb/board.h) on QEMU's emulated
 * MPS2 AN385 (Cortex-M3). Flash is a host file reached through
 * semihosting, with NOR rules enforced here; images are RAM-loaded.
 * Facts and reasoning: docs/DESIGN.md, "The emulated board". */
#include "lb/board.h"

#include <string.h>

#include "hw.h"
#include "latch.h"
#include "lb/err.h"
#include "partitions.h"
/* Only its values: the board checks its retained RAM against the address
 * the generator tells apps (LB_OTA_BOOTINFO_ADDR). */
#define LB_OTA_NO_RUNTIME_DECLS
#include "ota_handler.h"
#include "qemu_board.h"
#include "semihost.h"

_Static_assert(LB_OTA_BOOTINFO_ADDR == LB_QEMU_RETAINED_ADDR &&
                   LB_OTA_BOOTINFO_SIZE == LB_QEMU_RETAINED_SIZE,
               "generator and board disagree on where retained RAM is");

#define CHUNK 256u /* bytes per read-back */
/* Bytes per erase write: each host call costs ~7 us, so 256-byte writes
 * made erasing ~30 ms of a 1 MiB update. On the stack, not in the RAM
 * budget; erase never runs under ECDSA (the stack peak). */
#define ERASE_CHUNK 1024u

static const lb_geom_t flash_geom = LB_FLASH_GEOM_INIT;
static int flash_fd = -1;
static uint32_t flash_len;
/* [clean_lo, clean_hi): erased by this boot and not programmed since. */
static uint32_t clean_lo, clean_hi;
static volatile uint32_t millis_count;
static const char *flash_path = "flash.bin";

/* ---- console ------------------------------------------------------------ */

static void uart_init(void)
{
    LB_UART_BAUDDIV = 16u;
    LB_UART_CTRL = LB_UART_CTRL_TXEN | LB_UART_CTRL_RXEN;
}

static void uart_putc(char c)
{
    while (LB_UART_STATE & LB_UART_STATE_TXFULL) {
    }
    LB_UART_DATA = (uint8_t)c;
}

void lb_board_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        /* The terminal is raw under `-serial mon:stdio`. */
        if (buf[i] == '\n') {
            uart_putc('\r');
        }
        uart_putc(buf[i]);
    }
}

int lb_board_console_getc(void)
{
    if (LB_UART_STATE & LB_UART_STATE_RXFULL) {
        return (int)(LB_UART_DATA & 0xFFu);
    }
    return LB_E_NOTFOUND;
}

void lb_qemu_puts(const char *s)
{
    lb_board_console_write(s, strlen(s));
}

/* ---- time --------------------------------------------------------------- */

void lb_qemu_systick_handler(void)
{
    millis_count++;
}

uint32_t lb_board_millis(void)
{
    return millis_count;
}

/* ---- flash -------------------------------------------------------------- */

/* The flash file's name: `flash=PATH` on the semihosting command line
 * (`-semihosting-config ...,arg=flash=PATH`), else flash.bin in QEMU's
 * working directory. The path stays inside the (zero-initialised) command
 * line buffer, so no initialised path array is stored in the image. */
static void pick_flash_path(void)
{
    static char cmd[192];
    if (lb_semihost_cmdline(cmd, sizeof(cmd)) != 0) {
        return;
    }
    for (char *p = cmd; *p != '\0';) {
        while (*p == ' ') {
            p++;
        }
        char *tok = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        if (p - tok > 6 && memcmp(tok, "flash=", 6) == 0) {
            *p = '\0';
            flash_path = tok + 6;
            return;
        }
    }
}

const char *lb_qemu_flash_path(void)
{
    return flash_path;
}

static int flash_open(void)
{
    pick_flash_path();
    flash_fd = lb_semihost_open_rw(flash_path);
    if (flash_fd < 0) {
        return LB_E_IO;
    }
    int32_t len = lb_semihost_flen(flash_fd);
    if (len < 0) {
        return LB_E_IO;
    }
    /* A short file is a smaller device: accesses past its end are refused. */
    flash_len = (uint32_t)len < flash_geom.size ? (uint32_t)len : flash_geom.size;
    return LB_OK;
}

const lb_geom_t *lb_board_flash_geom(void)
{
    return &flash_geom;
}

static int in_range(uint32_t off, size_t len)
{
    return flash_fd >= 0 && off <= flash_len && len <= flash_len - off;
}

static int raw_read(uint32_t off, void *buf, size_t len)
{
    if (lb_semihost_seek(flash_fd, off) != 0 || lb_semihost_read(flash_fd, buf, len) != 0) {
        return LB_E_IO;
    }
    return LB_OK;
}

/* One host call of a program (noipa: its arguments stay in r0-r2, where
 * the torn-write tests read them at a breakpoint, tests/support/gdbrsp.py). */
__attribute__((noipa)) int lb_qemu_flash_piece(uint32_t off, const void *buf, size_t len)
{
    if (lb_semihost_seek(flash_fd, off) != 0 || lb_semihost_write(flash_fd, buf, len) != 0) {
        return LB_E_IO;
    }
    return LB_OK;
}

/* A program of TEAR_MAX bytes or less (every record: boot state, history,
 * credential) goes in program units, one host call each, so a kill -9 of
 * QEMU between two of them tears it as a power cut can tear a real one;
 * image data goes in one call (its tear is the unit not yet written). */
#define TEAR_MAX 256u
static int raw_write(uint32_t off, const void *buf, size_t len)
{
    size_t piece = len <= TEAR_MAX ? flash_geom.program_size : len;
    int err = LB_OK;
    for (size_t done = 0; done < len && err == LB_OK; done += piece) {
        err = lb_qemu_flash_piece(off + (uint32_t)done, (const uint8_t *)buf + done, piece);
    }
    return err;
}

int lb_board_flash_read(uint32_t off, void *buf, size_t len)
{
    if (!in_range(off, len)) {
        return flash_fd < 0 ? LB_E_IO : LB_E_RANGE;
    }
    return len == 0 ? LB_OK : raw_read(off, buf, len);
}

int lb_board_flash_program(uint32_t off, const void *buf, size_t len)
{
    uint32_t ps = flash_geom.program_size;
    if (!in_range(off, len)) {
        return flash_fd < 0 ? LB_E_IO : LB_E_RANGE;
    }
    if (off % ps != 0 || len % ps != 0) {
        return LB_E_ALIGN;
    }
    /* NOR rule: only erased units may be programmed. The file holds no
     * history, so a unit programmed with all-erased bytes looks erased
     * again (the program-once rule is enforced by the host board).
     * Bytes inside the clean window were erased by us and not programmed
     * since, so their read-back is skipped (it was half the host calls of
     * a sequential update). */
    int known = off >= clean_lo && off + len <= clean_hi;
    if (!known) {
        uint8_t chunk[CHUNK];
        for (size_t done = 0; done < len;) {
            size_t n = len - done < CHUNK ? len - done : CHUNK;
            int err = raw_read(off + (uint32_t)done, chunk, n);
            if (err != LB_OK) {
                return err;
            }
            for (size_t i = 0; i < n; i++) {
                if (chunk[i] != flash_geom.erased) {
                    return LB_E_NOTERASED;
                }
            }
            done += n;
        }
    }
    /* Update the window before writing (a failed write may leave bytes
     * half programmed): a known program consumes its front; any other
     * program clears it, which only costs read-backs later. */
    if (known) {
        clean_lo = off + (uint32_t)len;
    } else {
        clean_lo = clean_hi = 0;
    }
    return len == 0 ? LB_OK : raw_write(off, buf, len);
}

int lb_board_flash_erase(uint32_t off, size_t len)
{
    if (!in_range(off, len)) {
        return flash_fd < 0 ? LB_E_IO : LB_E_RANGE;
    }
    if (!lb_geom_is_boundary(&flash_geom, off) ||
        !lb_geom_is_boundary(&flash_geom, off + (uint32_t)len)) {
        return LB_E_ALIGN;
    }
    uint8_t chunk[ERASE_CHUNK];
    memset(chunk, flash_geom.erased, sizeof(chunk));
    /* One seek; SYS_WRITE advances the file position. */
    if (len != 0 && lb_semihost_seek(flash_fd, off) != 0) {
        return LB_E_IO;
    }
    for (size_t done = 0; done < len;) {
        size_t n = len - done < ERASE_CHUNK ? len - done : ERASE_CHUNK;
        if (lb_semihost_write(flash_fd, chunk, n) != 0) {
            return LB_E_IO;
        }
        done += n;
    }
    /* Extend the window when this unit follows it (erase-ahead),
     * else restart it here. */
    if (off != clean_hi || clean_lo == clean_hi) {
        clean_lo = off;
    }
    clean_hi = off + (uint32_t)len;
    return LB_OK;
}

/* ---- reset -------------------------------------------------------------- */

lb_reset_cause_t lb_board_reset_cause(void)
{
    return lb_qemu_latch_current();
}

_Noreturn void lb_board_reset(lb_reset_cause_t why)
{
    lb_qemu_latch_pending(why);
    __asm__ volatile("dsb" ::: "memory");
    LB_SCB_AIRCR = LB_SCB_AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
    }
}

/* ---- strap, watchdog ---------------------------------------------------- */

bool lb_board_strap_asserted(void)
{
    return (LB_SCC_CFG0 & LB_SCC_CFG0_STRAP) != 0;
}

/* The first expiry raises NMI (which records "watchdog" in the latch), the
 * second resets: LOAD is half the timeout so the reset comes after about
 * `timeout_ms` without a feed. Feed at least every timeout_ms / 2. */
void lb_board_watchdog_start(uint32_t timeout_ms)
{
    uint32_t half_ms = timeout_ms / 2u ? timeout_ms / 2u : 1u;
    uint32_t ticks = half_ms > UINT32_MAX / (LB_QEMU_CLK_HZ / 1000u)
                         ? UINT32_MAX
                         : half_ms * (LB_QEMU_CLK_HZ / 1000u);
    LB_WDOG_LOCK = LB_WDOG_UNLOCK_KEY;
    LB_WDOG_LOAD = ticks;
    LB_WDOG_CONTROL = LB_WDOG_CONTROL_INTEN | LB_WDOG_CONTROL_RESEN;
    LB_WDOG_LOCK = 0;
}

void lb_board_watchdog_feed(void)
{
    LB_WDOG_LOCK = LB_WDOG_UNLOCK_KEY;
    LB_WDOG_INTCLR = 1u;
    LB_WDOG_LOCK = 0;
    /* A feed after the NMI warning cancels the reset it announced. */
    if (lb_qemu_watchdog_fired) {
        lb_qemu_watchdog_fired = 0;
        lb_qemu_latch_pending(LB_RESET_UNKNOWN);
    }
}

volatile uint32_t lb_qemu_watchdog_fired;

void lb_qemu_nmi_handler(void)
{
    /* Leave INTEN set: the next expiry must still reset. */
    if (!lb_qemu_watchdog_fired) {
        lb_qemu_watchdog_fired = 1;
        lb_qemu_latch_pending(LB_RESET_WATCHDOG);
    }
}

/* ---- retained RAM, images ----------------------------------------------- */

void *lb_board_retained(size_t *size)
{
    *size = LB_QEMU_RETAINED_SIZE - LB_QEMU_LATCH_SIZE;
    return (void *)(uintptr_t)LB_QEMU_RETAINED_ADDR;
}

void lb_board_load_area(lb_board_load_area_t *area)
{
    area->ram = (uint8_t *)(uintptr_t)LB_QEMU_LOAD_ADDR;
    area->ram_addr = LB_QEMU_LOAD_ADDR;
    area->ram_size = LB_QEMU_LOAD_SIZE;
}

_Noreturn void lb_board_jump(uint32_t addr)
{
    lb_qemu_before_jump(addr);
    lb_qemu_start_vectors(addr);
}

_Noreturn void lb_qemu_start_vectors(uint32_t vtor)
{
    const volatile uint32_t *vt = (const volatile uint32_t *)(uintptr_t)vtor;
    uint32_t sp = vt[0];
    uint32_t pc = vt[1];
    /* Hand over a quiet core: no SysTick, no enabled or pending IRQs. */
    __asm__ volatile("cpsid i" ::: "memory");
    LB_SYST_CSR = 0;
    LB_SCB_ICSR = LB_SCB_ICSR_PENDSTCLR;
    LB_NVIC_ICER0 = 0xFFFFFFFFu;
    LB_NVIC_ICPR0 = 0xFFFFFFFFu;
    LB_SCB_VTOR = vtor;
    __asm__ volatile("dsb\n\tisb\n\tmsr msp, %0\n\tcpsie i\n\tbx %1"
                     :
                     : "r"(sp), "r"(pc)
                     : "memory");
    __builtin_unreachable();
}

/* ---- entropy ------------------------------------------------------------ */

/* SysTick's current value sampled after busy loops: QEMU derives the
 * counter from the host's clock (without -icount), so where a sample
 * lands depends on host scheduling and translation timing, which nobody
 * on the network sees. Each output byte folds four samples; the spin
 * length depends on the previous sample so that samples do not phase
 * lock. Worth a few bits per byte at best, and nothing under -icount
 * (the benchmarks): lib's seed in flash carries the secret there. */
int lb_board_entropy(void *buf, size_t len)
{
    uint8_t *out = buf;
    uint32_t prev = LB_SYST_CVR;
    for (size_t i = 0; i < len; i++) {
        uint32_t acc = 0;
        for (unsigned k = 0; k < 4; k++) {
            for (volatile uint32_t spin = 16u + (prev & 63u); spin != 0; spin--) {
            }
            uint32_t v = LB_SYST_CVR;
            acc = (acc << 5 | acc >> 27) ^ v ^ (v >> 8);
            prev = v;
        }
        out[i] = (uint8_t)(acc ^ acc >> 8 ^ acc >> 16);
    }
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static void systick_start(void)
{
    LB_SYST_RVR = LB_QEMU_CLK_HZ / 1000u - 1u;
    LB_SYST_CVR = 0;
    LB_SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
}

int lb_board_init(void)
{
    uart_init();
    systick_start();
    return flash_open();
}
