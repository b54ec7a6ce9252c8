/* The host board (see host_board.h). Single-threaded; all state is file
 * static, reset by host_board_setup. */
#include "host_board.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lb/err.h"

#define RETAINED_SIZE 1024u
#define CONSOLE_MAX 16384u
#define DEFAULT_LOAD_ADDR 0x00100000u
#define DEFAULT_LOAD_SIZE (512u * 1024u)

static lb_geom_t g_geom;
static uint8_t *g_flash;
static uint8_t *g_programmed; /* program-once: one flag per program unit */
static bool g_program_once;
static bool g_strict = true;
static unsigned long g_violations;
static host_flash_stats_t g_stats;
static long g_cut_op = -1;
static bool g_cut_torn;
static bool g_cut_fired;
static uint32_t g_rng = 1;

static uint8_t g_retained[RETAINED_SIZE];
static uint8_t *g_load;
static uint32_t g_load_addr;
static size_t g_load_size;

static lb_reset_cause_t g_cause = LB_RESET_POWER_ON;
static lb_reset_cause_t g_reset_why = LB_RESET_UNKNOWN;
static uint32_t g_now;
static uint32_t g_strap_until;
static uint32_t g_strap_samples; /* lb_board_strap_asserted calls this boot */
static uint32_t g_jump_addr;
static uint32_t g_wdt_ms;
static unsigned long g_wdt_feeds;
static char g_console[CONSOLE_MAX + 1];
static size_t g_console_len;
static const char *g_input;

static jmp_buf g_env;
static bool g_in_run;

/* xorshift32: small, seeded, reproducible. */
static uint32_t rnd(void)
{
    uint32_t x = g_rng ? g_rng : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    g_rng = x;
    return x;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)rnd();
    }
}

void host_board_seed(uint32_t seed)
{
    g_rng = seed ? seed : 1;
}

void host_board_setup_load_area(uint32_t load_addr, size_t load_size)
{
    free(g_load);
    g_load_addr = load_addr ? load_addr : DEFAULT_LOAD_ADDR;
    g_load_size = load_size ? load_size : DEFAULT_LOAD_SIZE;
    g_load = calloc(1, g_load_size);
    if (!g_load) {
        abort();
    }
}

void host_board_setup(const lb_geom_t *g)
{
    host_board_teardown();
    if (lb_geom_check(g) != LB_OK) {
        fprintf(stderr, "host board: invalid geometry\n");
        abort();
    }
    g_geom = *g;
    g_flash = malloc(g->size);
    g_programmed = calloc(1, g->size / g->program_size);
    if (!g_flash || !g_programmed) {
        abort();
    }
    memset(g_flash, g->erased, g->size);
    g_program_once = g->program_once != 0;
    g_strict = true;
    g_violations = 0;
    memset(&g_stats, 0, sizeof g_stats);
    g_cut_op = -1;
    g_cut_fired = false;
    g_rng = 1;
    host_board_setup_load_area(0, 0);
    g_strap_until = 0;
    g_input = NULL;
    host_board_power_on();
}

void host_board_teardown(void)
{
    free(g_flash);
    free(g_programmed);
    free(g_load);
    g_flash = NULL;
    g_programmed = NULL;
    g_load = NULL;
}

int host_board_run(void (*fn)(void *), void *arg)
{
    int why = setjmp(g_env);
    if (why != 0) {
        g_in_run = false;
        return why;
    }
    g_in_run = true;
    fn(arg);
    g_in_run = false;
    return HOST_EXIT_RETURN;
}

/* Leaves the device: back to host_board_run. */
static _Noreturn void unwind(int why)
{
    if (!g_in_run) {
        fprintf(stderr, "host board: jump/reset outside host_board_run\n");
        abort();
    }
    longjmp(g_env, why);
}

/* ---- boots ---------------------------------------------------------------- */

static void new_boot(lb_reset_cause_t cause)
{
    /* RAM does not keep the last boot's image: a fresh pattern every boot
     * (cheap: one memset), so a loader that jumps without copying fails. */
    static uint8_t pattern = 0x5A;
    if (g_load) {
        memset(g_load, pattern, g_load_size);
    }
    pattern = (uint8_t)(pattern * 5u + 1u);
    g_cause = cause;
    g_now = 0;
    g_strap_samples = 0;
    g_jump_addr = 0;
    g_wdt_ms = 0;
    g_wdt_feeds = 0;
    g_console_len = 0;
    g_console[0] = '\0';
}

void host_board_power_on(void)
{
    new_boot(LB_RESET_POWER_ON);
    fill_random(g_retained, sizeof g_retained);
}

void host_board_warm_reset(lb_reset_cause_t cause)
{
    new_boot(cause);
}

void host_board_reboot_after_reset(void)
{
    new_boot(g_reset_why);
}

void host_board_set_strap(uint32_t ms)
{
    g_strap_until = ms;
}

uint32_t host_board_strap_samples(void)
{
    return g_strap_samples;
}

uint32_t host_board_jump_addr(void)
{
    return g_jump_addr;
}

lb_reset_cause_t host_board_reset_why(void)
{
    return g_reset_why;
}

uint32_t host_board_watchdog_ms(void)
{
    return g_wdt_ms;
}

unsigned long host_board_watchdog_feeds(void)
{
    return g_wdt_feeds;
}

const char *host_board_console(void)
{
    return g_console;
}

void host_board_console_input(const char *text)
{
    g_input = text;
}

uint8_t *host_board_load_ram(void)
{
    return g_load;
}

/* ---- flash model ------------------------------------------------------------ */

uint8_t *host_flash_mem(void)
{
    return g_flash;
}

size_t host_flash_size(void)
{
    return g_geom.size;
}

void host_flash_set_program_once(bool on)
{
    g_program_once = on;
}

void host_flash_set_strict(bool on)
{
    g_strict = on;
}

unsigned long host_flash_violations(void)
{
    return g_violations;
}

host_flash_stats_t host_flash_stats(void)
{
    return g_stats;
}

void host_flash_reset_stats(void)
{
    memset(&g_stats, 0, sizeof g_stats);
}

void host_flash_cut_at(long op, bool torn)
{
    g_cut_op = op < 0 ? -1 : (long)g_stats.ops + op;
    g_cut_torn = torn;
    g_cut_fired = false;
}

bool host_flash_cut_fired(void)
{
    return g_cut_fired;
}

/* Reports a NOR-rule violation: loud, and fatal in strict mode. */
static int violation(int code, const char *what, uint32_t off, size_t len)
{
    g_violations++;
    fprintf(stderr, "host flash: NOR rule violated: %s at 0x%08x len %zu\n", what, (unsigned)off,
            len);
    if (g_strict) {
        abort();
    }
    return code;
}

/* Counts an operation and fires the power cut if it is the chosen one.
 * Returns true when the operation must be torn (caller does the partial
 * work, then calls power_lost). */
static bool op_begin(void)
{
    long op = (long)g_stats.ops++;
    return g_cut_op >= 0 && op == g_cut_op;
}

static int power_lost(void)
{
    g_cut_fired = true;
    g_cut_op = -1;
    if (g_in_run) {
        longjmp(g_env, HOST_EXIT_POWER_CUT);
    }
    return LB_E_POWER;
}

const lb_geom_t *lb_board_flash_geom(void)
{
    return &g_geom;
}

int lb_board_flash_read(uint32_t off, void *buf, size_t len)
{
    if (off > g_geom.size || len > g_geom.size - off) {
        return LB_E_RANGE;
    }
    g_stats.reads++;
    memcpy(buf, g_flash + off, len);
    return LB_OK;
}

int lb_board_flash_program(uint32_t off, const void *buf, size_t len)
{
    uint32_t ps = g_geom.program_size;
    if (off > g_geom.size || len > g_geom.size - off) {
        return LB_E_RANGE;
    }
    if (off % ps || len % ps) {
        return violation(LB_E_ALIGN, "misaligned program", off, len);
    }
    for (size_t i = 0; i < len; i++) {
        if (g_flash[off + i] != g_geom.erased) {
            return violation(LB_E_NOTERASED, "program of a unit that is not erased", off, len);
        }
    }
    if (g_program_once) {
        for (size_t u = off / ps; u < (off + len) / ps; u++) {
            if (g_programmed[u]) {
                return violation(LB_E_NOTERASED, "second program of a program-once unit", off, len);
            }
        }
    }
    if (op_begin()) {
        if (g_cut_torn && len > 0) {
            size_t n = rnd() % len; /* a strict prefix: the op never completes */
            memcpy(g_flash + off, buf, n);
            for (size_t u = off / ps; u < (off + n + ps - 1) / ps; u++) {
                g_programmed[u] = 1;
            }
        }
        return power_lost();
    }
    memcpy(g_flash + off, buf, len);
    for (size_t u = off / ps; u < (off + len) / ps; u++) {
        g_programmed[u] = 1;
    }
    g_stats.programs++;
    g_stats.bytes_programmed += len;
    return LB_OK;
}

int lb_board_flash_erase(uint32_t off, size_t len)
{
    if (off > g_geom.size || len > g_geom.size - off) {
        return LB_E_RANGE;
    }
    if (!lb_geom_is_boundary(&g_geom, off) || !lb_geom_is_boundary(&g_geom, off + (uint32_t)len)) {
        return violation(LB_E_ALIGN, "erase not on erase-unit boundaries", off, len);
    }
    uint32_t ps = g_geom.program_size;
    if (op_begin()) {
        if (g_cut_torn) {
            /* Arbitrary state: runs of old bytes, erased bytes and noise. */
            for (size_t i = 0; i < len; i += 16) {
                size_t n = len - i < 16 ? len - i : 16;
                switch (rnd() % 3) {
                case 0:
                    break;
                case 1:
                    memset(g_flash + off + i, g_geom.erased, n);
                    break;
                default:
                    fill_random(g_flash + off + i, n);
                    break;
                }
            }
            /* Nothing in a torn unit counts as freshly erased. */
            memset(g_programmed + off / ps, 1, len / ps);
        }
        return power_lost();
    }
    memset(g_flash + off, g_geom.erased, len);
    memset(g_programmed + off / ps, 0, len / ps);
    g_stats.erases++;
    return LB_OK;
}

struct host_flash_snap {
    size_t size;
    size_t units;
    uint8_t *mem;
    uint8_t *programmed;
};

host_flash_snap_t *host_flash_save(void)
{
    host_flash_snap_t *s = malloc(sizeof *s);
    if (!s) {
        abort();
    }
    s->size = g_geom.size;
    s->units = g_geom.size / g_geom.program_size;
    s->mem = malloc(s->size);
    s->programmed = malloc(s->units);
    if (!s->mem || !s->programmed) {
        abort();
    }
    memcpy(s->mem, g_flash, s->size);
    memcpy(s->programmed, g_programmed, s->units);
    return s;
}

void host_flash_restore(const host_flash_snap_t *s)
{
    if (s->size != g_geom.size || s->units != g_geom.size / g_geom.program_size) {
        abort();
    }
    memcpy(g_flash, s->mem, s->size);
    memcpy(g_programmed, s->programmed, s->units);
}

void host_flash_snap_free(host_flash_snap_t *s)
{
    if (s) {
        free(s->mem);
        free(s->programmed);
        free(s);
    }
}

int host_flash_load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return LB_E_IO;
    }
    size_t n = fread(g_flash, 1, g_geom.size, f);
    int extra = fgetc(f);
    fclose(f);
    if (n != g_geom.size || extra != EOF) {
        return LB_E_IO;
    }
    /* Whatever is not erased counts as programmed. */
    uint32_t ps = g_geom.program_size;
    for (size_t u = 0; u < g_geom.size / ps; u++) {
        g_programmed[u] = 0;
        for (uint32_t i = 0; i < ps; i++) {
            if (g_flash[u * ps + i] != g_geom.erased) {
                g_programmed[u] = 1;
            }
        }
    }
    return LB_OK;
}

int host_flash_save_file(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        return LB_E_IO;
    }
    size_t n = fwrite(g_flash, 1, g_geom.size, f);
    int rc = fclose(f);
    return n == g_geom.size && rc == 0 ? LB_OK : LB_E_IO;
}

/* ---- the rest of the board contract ------------------------------------------ */

lb_reset_cause_t lb_board_reset_cause(void)
{
    return g_cause;
}

_Noreturn void lb_board_reset(lb_reset_cause_t why)
{
    g_reset_why = why;
    unwind(HOST_EXIT_RESET);
}

bool lb_board_strap_asserted(void)
{
    g_strap_samples++;
    return g_now < g_strap_until;
}

void lb_board_watchdog_start(uint32_t timeout_ms)
{
    g_wdt_ms = timeout_ms;
}

void lb_board_watchdog_feed(void)
{
    g_wdt_feeds++;
}

uint32_t lb_board_millis(void)
{
    /* Simulated time: every look at the clock costs a millisecond, so
     * polling loops make progress without sleeping. */
    return g_now++;
}

void lb_board_console_write(const char *buf, size_t len)
{
    static int echo = -1;
    if (echo < 0) {
        const char *e = getenv("HOST_CONSOLE_ECHO");
        echo = e && e[0] == '1';
    }
    if (echo) {
        fwrite(buf, 1, len, stdout);
    }
    size_t room = CONSOLE_MAX - g_console_len;
    size_t n = len < room ? len : room;
    memcpy(g_console + g_console_len, buf, n);
    g_console_len += n;
    g_console[g_console_len] = '\0';
}

int lb_board_console_getc(void)
{
    if (!g_input || !*g_input) {
        return LB_E_NOTFOUND;
    }
    return (unsigned char)*g_input++;
}

void *lb_board_retained(size_t *size)
{
    *size = sizeof g_retained;
    return g_retained;
}

void lb_board_load_area(lb_board_load_area_t *area)
{
    area->ram = g_load;
    area->ram_addr = g_load_addr;
    area->ram_size = g_load_size;
}

_Noreturn void lb_board_jump(uint32_t addr)
{
    g_jump_addr = addr;
    unwind(HOST_EXIT_JUMP);
}

int lb_board_entropy(void *buf, size_t len)
{
    /* The host's own source: the host board stands in for a chip with a
     * TRNG. */
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0) {
            return LB_E_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return LB_OK;
}

int lb_board_init(void)
{
    return g_flash ? LB_OK : LB_E_IO;
}
