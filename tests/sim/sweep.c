/* Power-cut sweep (brief section 4). For every flow and flash geometry:
 * run the flow once to count its flash operations, then for every
 * operation k cut power just before it and in the middle of it, power the
 * device back on, let it run on (the same device model: loader, apps,
 * recovery) until the flow's goal is reached, and check the invariants at
 * every step. Every case loses power a second time too: when the first cut
 * fires, a second one is armed at an operation picked from the case's id
 * (before or torn; within the first half of the flow's count, so that it
 * lands in what the device does to recover from the first), and at least
 * half of each flow's cases must see it fire. The invariants:
 *   I1 something valid always boots (the loader jumps, and the bytes it
 *      jumped into verify);
 *   I2 the boot state is never unreadable (a valid record always exists);
 *   I3 a confirmed image is never lost before its replacement is confirmed,
 *      and a slot recorded confirmed always holds the image recorded;
 *   I4 a downgrade is never accepted (booted security counter >= the floor,
 *      and the floor never decreases);
 *   I5 flow limits hold (trial boots, crash limit) and the flow completes;
 *   I6 what boots is an image the installer accepted in full (or the
 *      factory's): never one it refused, abandoned or was cut inside;
 *   I7 the security floor never moves above what an accepted image carries;
 *   I8 an installed image runs on trial before it runs confirmed (v2, or
 *      v3 in the second update, never boots "normal" before "trial");
 *   I9 what runs is what the loader said it started: the boot info's image
 *      kind, version and slot match the bytes in the load area, and those
 *      are the bytes of that slot (the host board fills the load area with
 *      a fresh pattern at every reset, so a stale image cannot pass);
 *   I10 the strap held at power-on reaches recovery (reason "strap"), and
 *      held over recovery's reboot into what it installed it does not.
 * The crash-loop flow's limit is exact: crash_limit runs, plus one for
 * each cut (a cut is a power-on reset, which is not counted as a crash).
 * The "strap" flow: a person holds the strap at every power-on until v2
 * is installed, and through recovery's reboot into it. The
 * "install-deflated" flow is "install" with v2 sent compressed (docs/SPEC.md,
 * "Compressed images"): the update path inflates it into the slot, so every
 * cut lands in an inflating install, and only the plain v2 may ever boot.
 * Images are real MCUboot-format images (signed with a test key) checked by
 * lb_image_verify. Every install and pull runs the device's own install
 * path, lib/ota/update.c, on a layout of the simulated device (lbt.c). The "refused" flow starts
 * from a device with nothing installed (recovery only) and pushes refused images (untrusted key,
 * bad signature, wrong product, wrong kind, downgrade, unsigned) before the good one; it runs on
 * the A/B and the single-slot layout, with the loader verifying hashes and with it verifying
 * signatures.
 *
 * Usage: sweep [--case 'flow=.. layout=.. verify=.. geom=.. prog=.. erased=.. cut=.. torn=..']
 *              [--summary FILE] [--verbose] [--jobs N]
 * --jobs runs N processes, each on every Nth flash config (one per core).
 * A --case with some keys left out runs every case matching the others. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lbt.h"
#include "loader.h"

/* "second" is a second update: v3 installed over the older confirmed v1
 * while v2 runs confirmed (the installer must take the old slot's
 * confirmation away before it erases it). */
typedef enum {
    F_INSTALL,
    F_CONFIRM,
    F_ROLLBACK,
    F_CRASH,
    F_COMPACT,
    F_SECOND,
    F_REFUSED,
    F_PULL,
    F_STRAP,
    F_DEFLATE, /* install, of v2 compressed: inflated into the slot */
    F_COUNT
} flow_t;
static const char *const flow_names[F_COUNT] = {
    "install", "confirm", "rollback", "crash-loop", "compaction",
    "second",  "refused", "pull",     "strap",      "install-deflated"};

/* Layout and loader verification mode. Every flow runs the first; the
 * refused flow runs all of them. */
typedef struct {
    const char *layout;
    unsigned slots;
    bool signature;
} variant_t;
static const variant_t variants[] = {
    {"ab", 2, false}, {"ab", 2, true}, {"single", 1, false}, {"single", 1, true}};
#define NVARIANTS (sizeof variants / sizeof variants[0])

typedef struct {
    const char *geom;
    uint32_t prog;
    uint8_t erased;
    bool once;
} config_t;

/* The full matrix: every geometry x program sizes 1..32 x both erased
 * values; program-once (ECC) flash on program sizes >= 8, as on real
 * parts. */
static const char *const geoms[] = {"uniform4k", "stm32f4", "large128k"};
static const uint32_t progs[] = {1, 4, 8, 16, 32};
static const uint8_t eraseds[] = {0xFF, 0x00};
static config_t configs[3 * 5 * 2];

static void make_configs(void)
{
    unsigned n = 0;
    for (unsigned g = 0; g < 3; g++) {
        for (unsigned p = 0; p < 5; p++) {
            for (unsigned e = 0; e < 2; e++) {
                configs[n++] = (config_t){geoms[g], progs[p], eraseds[e], progs[p] >= 8};
            }
        }
    }
}
#define NCONFIGS (sizeof configs / sizeof configs[0])

#define MAX_BOOTS 40

/* ---- images -------------------------------------------------------------- */

static uint8_t img_v1[LBT_IMAGE_MAX], img_v2[LBT_IMAGE_MAX], img_v3[LBT_IMAGE_MAX],
    img_rec[LBT_IMAGE_MAX], img_v2z[LBT_IMAGE_MAX];
static size_t len_v1, len_v2, len_v3, len_rec, len_v2z;
static uint8_t hash_v1[32], hash_v2[32], hash_v3[32], hash_rec[32]; /* what may ever boot */
/* The pull flow's v2: the same version and counter, a body over two erase
 * units of uniform4k so that it resumes there. */
#define PULL_BODY 9000u
static uint8_t img_pull[PULL_BODY + 1024], hash_pull[32];
static size_t len_pull;
static lb_install_id_t pull_id;
/* The load area holds at most this much to verify. */
#define LOAD_CAP sizeof img_pull
/* The highest counter an accepted image carries: v2's (2), v3's (3) in the
 * second-update flow. */
#define FLOOR_MAX (S->flow == F_SECOND ? 3u : 2u)

/* What the refused flow pushes before the good image, and the refusal
 * each must get. Counters above FLOOR_MAX: adopting one would move the
 * floor. */
enum { NROGUE = 6 };
static uint8_t img_rogue[NROGUE][LBT_IMAGE_MAX];
static size_t len_rogue[NROGUE];
static const struct {
    const char *what;
    int key;
    uint8_t kind;
    uint8_t major;
    uint32_t seccnt;
    const char *product;
    int expect;
} rogues[NROGUE] = {
    {"untrusted key", LBT_KEY_ROGUE, LB_IMAGE_KIND_APP, 9, 9, LBT_PRODUCT, LB_E_KEY},
    {"bad signature", LBT_KEY_TRUSTED, LB_IMAGE_KIND_APP, 9, 9, LBT_PRODUCT, LB_E_SIG},
    {"wrong product", LBT_KEY_TRUSTED, LB_IMAGE_KIND_APP, 9, 9, "other-product", LB_E_PRODUCT},
    {"wrong kind", LBT_KEY_TRUSTED, LB_IMAGE_KIND_RECOVERY, 9, 9, LBT_PRODUCT, LB_E_KIND},
    {"downgrade", LBT_KEY_TRUSTED, LB_IMAGE_KIND_APP, 0, 0, LBT_PRODUCT, LB_E_SECCNT},
    {"unsigned", LBT_KEY_NONE, LB_IMAGE_KIND_APP, 9, 9, LBT_PRODUCT, LB_E_UNSIGNED},
};

/* ---- one simulated device run ---------------------------------------------- */

typedef struct {
    flow_t flow;
    lbt_device_t *dev;
    lb_reset_cause_t next_cause;
    unsigned confirmed_floor; /* version (major) a confirmed image must reach */
    uint32_t min_floor;       /* highest min security counter seen */
    unsigned v2_jumps;        /* boots into the bad v2 (rollback flow) */
    unsigned app_runs_since_recovery;
    bool seen_crash_recovery;
    unsigned boots;
    uint32_t first_unit; /* compaction: unit of the newest record at start */
    bool compacted;
    unsigned rogue_next;      /* refused flow: the next refused image to push */
    bool v2_trial_seen;       /* the installed image (v2; v3 in "second") booted on trial */
    size_t pull_at, pull_fed; /* pull flow: where the last attempt continued, bytes it fed */
    bool pull_finishing;      /* ... and whether it had reached finish */
    unsigned pull_resumes;    /* attempts that continued a cut download */
    long second_cut;          /* armed at the first cut: ops after it (-1: none) */
    bool second_torn;
    bool first_fired;   /* the case's cut happened */
    bool last_recovery; /* the previous boot ran recovery (strap flow) */
    bool second_fired;  /* the power went twice in this case */
    bool done;
    bool failed;
    char why[256];
} sim_t;

static sim_t *S;

static void fail(const char *fmt, ...)
{
    if (S->failed) {
        return;
    }
    S->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(S->why, sizeof S->why, fmt, ap);
    va_end(ap);
}

static lb_bootstate_log_t slog;

/* I2: the boot state opens and holds a valid record. */
static bool read_state(void)
{
    int rc = lbt_state(S->dev, &slog);
    if (rc != LB_OK || slog.blank) {
        fail("I2: boot state unreadable (%s, blank=%d)", lb_err_str(rc), slog.blank);
        return false;
    }
    if (slog.state.min_security_counter < S->min_floor) {
        fail("I4: min security counter decreased %u -> %u", (unsigned)S->min_floor,
             (unsigned)slog.state.min_security_counter);
        return false;
    }
    S->min_floor = slog.state.min_security_counter;
    if (S->min_floor > FLOOR_MAX) {
        fail("I7: security floor moved to %u by an image the installer did not accept",
             (unsigned)S->min_floor);
        return false;
    }
    return true;
}

static int verify_bytes(const uint8_t *p, size_t cap, uint8_t kind, uint32_t min,
                        lb_image_info_t *info)
{
    lb_image_policy_t pol = {.kind = kind,
                             .product = LBT_PRODUCT,
                             .min_security_counter = min,
                             .max_size = (uint32_t)cap};
    return lb_image_verify(p, cap, &pol, info);
}

/* I3: some slot is confirmed, holds an image that verifies, at a version
 * at least the last one whose confirmation completed; and every slot the
 * boot state calls confirmed holds the image it recorded (an installer
 * takes the confirmation away before it erases a slot). */
static void check_confirmed(void)
{
    unsigned best = 0;
    for (unsigned i = 0; i < S->dev->slot_count; i++) {
        const lb_bootstate_slot_t *sl = &slog.state.slots[i];
        if (sl->state != LB_SLOT_CONFIRMED) {
            continue;
        }
        const lb_part_t *p = S->dev->slot[i];
        lb_image_info_t info;
        if (verify_bytes(host_flash_mem() + p->offset, p->size, LB_IMAGE_KIND_APP, 0, &info) !=
                LB_OK ||
            info.version.major != sl->version.major) {
            fail("I3: slot %u is recorded confirmed (v%u) but does not hold that image", i,
                 sl->version.major);
            return;
        }
        if (info.security_counter >= slog.state.min_security_counter && info.version.major > best) {
            best = info.version.major;
        }
    }
    if (best < S->confirmed_floor) {
        fail("I3: no valid confirmed image of version >= %u (best %u)", S->confirmed_floor, best);
    }
}

static bool v3_installed(void)
{
    for (unsigned i = 0; i < 2; i++) {
        const lb_bootstate_slot_t *sl = &slog.state.slots[i];
        if (sl->version.major == 3 && sl->state != LB_SLOT_EMPTY && sl->state != LB_SLOT_INVALID) {
            return true;
        }
    }
    return false;
}

static bool v2_installed(void)
{
    for (unsigned i = 0; i < 2; i++) {
        const lb_bootstate_slot_t *sl = &slog.state.slots[i];
        if (sl->version.major == 2 && (sl->state == LB_SLOT_NEW || sl->state == LB_SLOT_TRIAL ||
                                       sl->state == LB_SLOT_CONFIRMED)) {
            return true;
        }
    }
    return false;
}

/* What the loader said it started (the boot info of this boot). */
static lb_bootinfo_t running;

/* The pull flow's app: downloads v2 into the other slot (may be cut),
 * continuing what a cut left. Progress: a cut while writing must have left
 * every unit complete at the cut for the next attempt (uniform4k; the
 * other geometries' slots are one unit, so never resumable). */
static void pull_v2(void)
{
    size_t fed = S->pull_fed, unit = 4096, ps = S->dev->geom.program_size;
    bool finishing = S->pull_finishing, resumable = strcmp(S->dev->geom_name, "uniform4k") == 0;
    lb_update_keep(running.slot); /* as the app's agent does */
    int rc = lbt_pull(S->dev, img_pull, len_pull, &pull_id, &S->pull_at, &S->pull_fed,
                      &S->pull_finishing);
    if (S->failed) {
        return;
    }
    if (S->pull_at != 0) {
        S->pull_resumes++;
    }
    if (rc < 0) {
        fail("pull failed: %s", lb_err_str(rc));
        return;
    }
    if (resumable && !finishing && fed >= unit + ps && S->pull_at < (fed - ps) / unit * unit) {
        fail("resume lost progress: %zu bytes were in, it continued at %zu", fed, S->pull_at);
        return;
    }
    S->pull_fed = 0;
    lb_board_reset(LB_RESET_SOFTWARE);
}

/* What the booted image does (runs under host_board_run: may be cut). */

static void image_main(void *arg)
{
    (void)arg;
    lb_update_reset(); /* the update path's RAM, as the reset before this boot left it */
    if (running.image == LB_BOOT_IMAGE_RECOVERY) {
        if (S->flow == F_REFUSED && S->rogue_next < NROGUE) {
            /* one refused push per visit, then a power cycle: the loader
             * must not find anything of it to boot */
            unsigned i = S->rogue_next;
            int rc = lbt_install(S->dev, img_rogue[i], len_rogue[i]);
            if (rc != rogues[i].expect) {
                fail("%s image: install gave %s, not %s", rogues[i].what, lb_err_str(rc),
                     lb_err_str(rogues[i].expect));
                return;
            }
            S->rogue_next++;
            S->next_cause = LB_RESET_POWER_ON;
            return;
        }
        if ((S->flow == F_INSTALL || S->flow == F_REFUSED || S->flow == F_STRAP ||
             S->flow == F_DEFLATE) &&
            !v2_installed()) {
            int rc = S->flow == F_DEFLATE ? lbt_install_deflated(S->dev, img_v2z, len_v2z)
                                          : lbt_install(S->dev, img_v2, len_v2);
            if (rc < 0) {
                fail("install failed: %s", lb_err_str(rc));
                return;
            }
        } else if (S->flow == F_SECOND && !v3_installed()) {
            int rc = lbt_install(S->dev, img_v3, len_v3);
            if (rc < 0) {
                fail("second install failed: %s", lb_err_str(rc));
                return;
            }
        } else {
            /* idle timeout: give the app another chance */
            lb_bootstate_log_t l;
            if (lbt_state(S->dev, &l) != LB_OK || lb_bootstate_clear_unhealthy(&l) != LB_OK) {
                fail("recovery could not clear the crash counter");
                return;
            }
        }
        lb_board_reset(LB_RESET_SOFTWARE);
    }
    unsigned v = running.image_version.major;
    if (S->flow == F_ROLLBACK && v == 2) {
        S->next_cause = LB_RESET_WATCHDOG; /* hangs: the watchdog bites */
        return;
    }
    if (S->flow == F_CRASH && v == 1) {
        S->next_cause = LB_RESET_FAULT; /* faults before reporting healthy */
        return;
    }
    /* A good app: reports healthy, which confirms it. */
    lb_bootstate_log_t l;
    int rc = lbt_state(S->dev, &l);
    if (rc == LB_OK) {
        rc = lb_bootstate_confirm(&l, running.slot);
    }
    if (rc != LB_OK) {
        fail("app v%u could not confirm slot %u: %s", v, running.slot, lb_err_str(rc));
        return;
    }
    if (v > S->confirmed_floor) {
        S->confirmed_floor = v; /* this confirmation completed */
    }
    if (S->flow == F_PULL && v == 1 && !v2_installed()) {
        pull_v2();
        return;
    }
    if (S->flow == F_STRAP && v == 1) {
        /* the person switches it off, holds the strap, switches it on */
        S->next_cause = LB_RESET_POWER_ON;
        return;
    }
    if (((S->flow == F_INSTALL || S->flow == F_DEFLATE) && v == 1 && !v2_installed()) ||
        (S->flow == F_SECOND && v == 2 && !v3_installed())) {
        /* the operator wants the update: the app asks for recovery */
        if (lb_bootstate_request(&l, LB_REQUEST_RECOVERY) != LB_OK) {
            fail("request failed");
            return;
        }
    }
    lb_board_reset(LB_RESET_SOFTWARE);
}

static void after_power_cut(void)
{
    /* The second cut of a case: armed when the first one fires, counted
     * from there, so that it lands in the recovery from the first (a boot
     * that repairs, an install that resumes, a retry). */
    if (S->second_cut >= 0) {
        S->first_fired = true;
        host_flash_cut_at(S->second_cut, S->second_torn);
        S->second_cut = -1;
    } else if (host_flash_cut_fired()) {
        S->second_fired = true;
    }
    host_board_power_on();
    S->next_cause = LB_RESET_POWER_ON;
    if (read_state()) {
        check_confirmed();
    }
}

/* One boot: loader, checks, then the image. */
static void boot_once(void)
{
    if (!read_state()) {
        return;
    }
    check_confirmed();
    uint32_t min_before = slog.state.min_security_counter;
    uint32_t unit_before = slog.unit_start;
    if (S->next_cause == LB_RESET_POWER_ON) {
        host_board_power_on();
    } else {
        host_board_warm_reset(S->next_cause);
    }
    /* Strap flow: held at every power-on until v2 is installed (after a
     * cut in recovery the person holds it again), and still held when
     * recovery reboots into what it installed: only a power-on counts. */
    bool power_on = S->next_cause == LB_RESET_POWER_ON;
    bool strap = S->flow == F_STRAP && power_on && !v2_installed();
    bool held = strap || (S->flow == F_STRAP && !power_on && S->last_recovery);
    host_board_set_strap(held ? S->dev->cfg.strap_hold_ms + 10u : 0u);
    S->next_cause = LB_RESET_POWER_ON;
    lbt_boot_t b;
    lbt_boot(S->dev, &b);
    S->boots++;
    if (b.exit == HOST_EXIT_POWER_CUT) {
        after_power_cut();
        return;
    }
    if (b.exit != HOST_EXIT_JUMP) {
        fail("I1: loader did not boot anything: %s", b.line);
        return;
    }
    /* I1 + I4: what runs verifies, and respects the floor from before. */
    running = b.res.info;
    /* I10: the strap held at power-on always reaches recovery; held over
     * a warm reset it is not a request for recovery. */
    if (strap &&
        (running.image != LB_BOOT_IMAGE_RECOVERY || running.reason != LB_BOOT_REASON_STRAP)) {
        fail("I10: strap held at power-on, but %s booted (%s): %s",
             lb_boot_image_name(running.image), lb_boot_reason_name(running.reason), b.line);
        return;
    }
    if (held && !strap && running.reason == LB_BOOT_REASON_STRAP) {
        fail("I10: the strap counted after a warm reset (recovery again): %s", b.line);
        return;
    }
    S->last_recovery = running.image == LB_BOOT_IMAGE_RECOVERY;
    lb_board_load_area_t area;
    lb_board_load_area(&area);
    lb_image_info_t info;
    uint8_t kind =
        running.image == LB_BOOT_IMAGE_RECOVERY ? LB_IMAGE_KIND_RECOVERY : LB_IMAGE_KIND_APP;
    int rc =
        verify_bytes(area.ram, LOAD_CAP, kind, kind == LB_IMAGE_KIND_APP ? min_before : 0, &info);
    if (rc != LB_OK) {
        fail("I1/I4: booted bytes do not verify (%s): %s", lb_err_str(rc), b.line);
        return;
    }
    if (memcmp(info.hash, hash_v1, 32) != 0 && memcmp(info.hash, hash_v2, 32) != 0 &&
        memcmp(info.hash, hash_rec, 32) != 0 &&
        (S->flow != F_SECOND || memcmp(info.hash, hash_v3, 32) != 0) &&
        (S->flow != F_PULL || memcmp(info.hash, hash_pull, 32) != 0)) {
        fail("I6: booted an image the installer did not accept (version %u, counter %u): %s",
             info.version.major, (unsigned)info.security_counter, b.line);
        return;
    }
    /* I9: the boot info tells the truth about what runs. */
    const uint8_t *want = running.image == LB_BOOT_IMAGE_RECOVERY ? hash_rec
                          : running.image_version.major == 3      ? hash_v3
                          : running.image_version.major == 2
                              ? (S->flow == F_PULL ? hash_pull : hash_v2)
                              : hash_v1;
    if (memcmp(info.hash, want, 32) != 0 || info.version.major != running.image_version.major ||
        info.security_counter != running.image_security_counter) {
        fail("I9: the boot info says %s %u (counter %u), the load area holds %u (counter %u): %s",
             lb_boot_image_name(running.image), running.image_version.major,
             (unsigned)running.image_security_counter, info.version.major,
             (unsigned)info.security_counter, b.line);
        return;
    }
    const lb_part_t *from = running.image == LB_BOOT_IMAGE_RECOVERY ? S->dev->recovery
                            : running.slot < 2                      ? S->dev->slot[running.slot]
                                                                    : NULL;
    if (from == NULL ||
        memcmp(host_flash_mem() + from->offset, area.ram, info.hdr_size + info.img_size) != 0) {
        fail("I9: the load area is not the bytes of the %s the boot info names (slot %u): %s",
             lb_boot_image_name(running.image), running.slot, b.line);
        return;
    }
    /* I8 on the image this flow installs (v3 in the second update; v2,
     * the factory's there, is confirmed from the start). */
    unsigned fresh = S->flow == F_SECOND ? 3u : 2u;
    if (running.image == LB_BOOT_IMAGE_APP && running.image_version.major == fresh) {
        if (running.reason == LB_BOOT_REASON_TRIAL) {
            S->v2_trial_seen = true;
        } else if (running.reason == LB_BOOT_REASON_NORMAL && !S->v2_trial_seen) {
            fail("I8: v%u runs confirmed without a trial boot: %s", fresh, b.line);
            return;
        }
    }
    if (running.image == LB_BOOT_IMAGE_APP) {
        S->app_runs_since_recovery++;
        if (running.image_version.major == 2 && S->flow == F_ROLLBACK) {
            S->v2_jumps++;
            if (S->v2_jumps > S->dev->cfg.trial_boots) {
                fail("I5: bad image booted %u times (trial_boots %u)", S->v2_jumps,
                     (unsigned)S->dev->cfg.trial_boots);
                return;
            }
        }
        /* Exactly crash_limit runs, then recovery; a power cut while the
         * crashing app runs is a power-on reset, not counted as a crash:
         * one more run for each cut of the case. */
        if (S->flow == F_CRASH && S->app_runs_since_recovery >
                                      S->dev->cfg.crash_limit + S->first_fired + S->second_fired) {
            fail("I5: crashing app booted %u times without recovery", S->app_runs_since_recovery);
            return;
        }
    } else if (running.reason == LB_BOOT_REASON_CRASH_LOOP) {
        S->seen_crash_recovery = true;
        S->app_runs_since_recovery = 0;
    }
    if (!read_state()) {
        return;
    }
    if (slog.unit_start != unit_before || slog.unit_start != S->first_unit) {
        S->compacted = true;
    }

    /* Goals. */
    unsigned v = running.image_version.major;
    bool app = running.image == LB_BOOT_IMAGE_APP;
    switch (S->flow) {
    case F_INSTALL:
    case F_CONFIRM:
    case F_PULL:
    case F_STRAP:
    case F_DEFLATE:
        S->done = app && v == 2 && running.reason == LB_BOOT_REASON_NORMAL;
        break;
    case F_REFUSED:
        S->done =
            app && v == 2 && running.reason == LB_BOOT_REASON_NORMAL && S->rogue_next == NROGUE;
        break;
    case F_ROLLBACK:
        S->done = app && v == 1 && slog.state.slots[1].state == LB_SLOT_INVALID;
        break;
    case F_CRASH:
        S->done = app && S->seen_crash_recovery;
        break;
    case F_COMPACT:
        S->done = app && S->compacted && S->boots >= 3;
        break;
    case F_SECOND:
        S->done = app && v == 3 && running.reason == LB_BOOT_REASON_NORMAL;
        break;
    default:
        break;
    }
    if (S->done) {
        return;
    }
    int why = host_board_run(image_main, NULL);
    if (why == HOST_EXIT_POWER_CUT) {
        after_power_cut();
    } else if (why == HOST_EXIT_RESET) {
        S->next_cause = host_board_reset_why();
    }
}

static void run_flow(void)
{
    while (!S->done && !S->failed && S->boots < MAX_BOOTS) {
        boot_once();
    }
    if (!S->failed && !S->done) {
        fail("I5: flow did not complete in %d boots", MAX_BOOTS);
    }
    if (!S->failed && host_flash_violations() != 0) {
        fail("NOR rule violated (%lu)", host_flash_violations());
    }
    if (!S->failed && S->flow == F_INSTALL) {
        /* once v2 is confirmed, the old image is a downgrade */
        int rc = lbt_install(S->dev, img_v1, len_v1);
        /* (a second cut may land in the retry: a loop, at most twice) */
        while (!S->failed && rc == LB_E_POWER && host_flash_cut_fired()) {
            /* cut inside the refused install (it marks the other slot
             * empty first): v2 must still be confirmed and boot, and the
             * retry must be refused as well */
            after_power_cut();
            S->done = false;
            while (!S->done && !S->failed && S->boots < MAX_BOOTS) {
                boot_once();
            }
            if (!S->failed && !S->done) {
                fail("I5: v2 does not boot after a cut in the refused install");
            }
            rc = S->failed ? LB_E_SECCNT : lbt_install(S->dev, img_v1, len_v1);
        }
        if (!S->failed && rc != LB_E_SECCNT) {
            fail("I4: downgrade install not refused (%d)", rc);
        }
    }
}

/* ---- fixtures ------------------------------------------------------------------ */

static int image_hash(const uint8_t *img, size_t len, uint8_t out[32])
{
    lb_image_info_t info;
    lb_image_policy_t pol = {.kind = LB_IMAGE_KIND_ANY};
    int rc = lb_image_verify(img, len, &pol, &info);
    memcpy(out, info.hash, 32);
    return rc;
}

/* Every image the sweep uses, signed by the trusted key (so both loader
 * modes boot the good ones), built once. Returns 0 or -1. */
static int make_images(void)
{
    int n1 = lbt_image_signed(img_v1, sizeof img_v1, LB_IMAGE_KIND_APP, 1, 1, LBT_PRODUCT, 1,
                              LBT_KEY_TRUSTED);
    int n2 = lbt_image_signed(img_v2, sizeof img_v2, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 2,
                              LBT_KEY_TRUSTED);
    int nr = lbt_image_signed(img_rec, sizeof img_rec, LB_IMAGE_KIND_RECOVERY, 1, 0, LBT_PRODUCT, 3,
                              LBT_KEY_TRUSTED);
    int n3 = lbt_image_signed(img_v3, sizeof img_v3, LB_IMAGE_KIND_APP, 3, 3, LBT_PRODUCT, 4,
                              LBT_KEY_TRUSTED);
    if (n1 <= 0 || n2 <= 0 || nr <= 0 || n3 <= 0) {
        return -1;
    }
    int np = lbt_image_sized(img_pull, sizeof img_pull, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 5,
                             LBT_KEY_TRUSTED, PULL_BODY);
    if (np <= 0 || image_hash(img_pull, (size_t)np, hash_pull)) {
        return -1;
    }
    len_pull = (size_t)np;
    pull_id.size = (uint32_t)np;
    memset(pull_id.sha256, 0xA5, sizeof pull_id.sha256); /* the manifest's; not checked here */
    len_v3 = (size_t)n3;
    len_v1 = (size_t)n1;
    len_v2 = (size_t)n2;
    int nz = lbt_image_deflated(img_v2z, sizeof img_v2z, img_v2, len_v2, LBT_KEY_TRUSTED, 9);
    if (nz <= 0) {
        return -1;
    }
    len_v2z = (size_t)nz;
    len_rec = (size_t)nr;
    if (image_hash(img_v1, len_v1, hash_v1) || image_hash(img_v2, len_v2, hash_v2) ||
        image_hash(img_v3, len_v3, hash_v3) || image_hash(img_rec, len_rec, hash_rec)) {
        return -1;
    }
    for (unsigned i = 0; i < NROGUE; i++) {
        int n = lbt_image_signed(img_rogue[i], sizeof img_rogue[i], rogues[i].kind, rogues[i].major,
                                 rogues[i].seccnt, rogues[i].product, 10 + i, rogues[i].key);
        if (n <= 0) {
            return -1;
        }
        len_rogue[i] = (size_t)n;
        if (rogues[i].expect == LB_E_SIG) {
            img_rogue[i][n - 8] ^= 0x01; /* inside s: the hash still holds */
        }
    }
    return 0;
}

static void fixture(lbt_device_t *d, flow_t f)
{
    lbt_flash_put(d->recovery->offset, img_rec, len_rec);
    lb_bootstate_log_t l;
    if (lbt_state(d, &l) != LB_OK) {
        abort();
    }
    lb_bootstate_t s = l.state;
    if (f == F_REFUSED) {
        /* flashed with recovery only: a record that knows no slot */
        s.min_security_counter = 1;
        if (lb_bootstate_commit(&l, &s) != LB_OK) {
            abort();
        }
        return;
    }
    lbt_flash_put(d->slot[0]->offset, img_v1, len_v1);
    s.slots[0] = (lb_bootstate_slot_t){LB_SLOT_CONFIRMED, 0, {1, 0, 0, 1}, 1};
    s.active_slot = 0;
    s.min_security_counter = 1;
    s.last_booted = LB_BOOTED_SLOT0;
    if (f == F_SECOND) {
        /* v1 older and confirmed in a, v2 confirmed and active in b */
        lbt_flash_put(d->slot[1]->offset, img_v2, len_v2);
        s.slots[1] = (lb_bootstate_slot_t){LB_SLOT_CONFIRMED, 0, {2, 0, 0, 2}, 2};
        s.active_slot = 1;
        s.min_security_counter = 2;
        s.last_booted = LB_BOOTED_SLOT1;
    }
    if (f == F_CONFIRM || f == F_ROLLBACK) {
        lbt_flash_put(d->slot[1]->offset, img_v2, len_v2);
        s.slots[1] = (lb_bootstate_slot_t){
            f == F_CONFIRM ? LB_SLOT_TRIAL : LB_SLOT_NEW, f == F_CONFIRM ? 1 : 0, {2, 0, 0, 2}, 2};
        s.active_slot = 1;
        s.last_booted = f == F_CONFIRM ? LB_BOOTED_SLOT1 : LB_BOOTED_RECOVERY;
    }
    if (lb_bootstate_commit(&l, &s) != LB_OK) {
        abort();
    }
    if (f == F_COMPACT) {
        /* fill the unit until one record slot is left */
        while (l.unit_size - (l.next - l.unit_start) > l.slot_size) {
            if (lb_bootstate_commit(&l, &l.state) != LB_OK) {
                abort();
            }
        }
    }
}

/* ---- the sweep --------------------------------------------------------------- */

typedef struct {
    const char *flow, *geom, *layout, *verify;
    long prog, erased, cut, torn;
} filter_t;

static bool match(const filter_t *fl, flow_t f, const variant_t *v, const config_t *c)
{
    return (!fl->flow || strcmp(fl->flow, flow_names[f]) == 0) &&
           (!fl->layout || strcmp(fl->layout, v->layout) == 0) &&
           (!fl->verify || strcmp(fl->verify, v->signature ? "signature" : "hash") == 0) &&
           (!fl->geom || strcmp(fl->geom, c->geom) == 0) &&
           (fl->prog < 0 || fl->prog == (long)c->prog) &&
           (fl->erased < 0 || fl->erased == (long)c->erased);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s) {
        h = (h ^ (uint8_t)*s++) * 16777619u;
    }
    return h;
}

/* Prints the totals (and the summary file). Returns the exit code. */
static int report(unsigned long cuts, unsigned long cases, unsigned long failed, unsigned long refs,
                  unsigned long runs, unsigned long doubles, const struct timespec *t0,
                  const struct timespec *t1, const char *summary)
{
    double secs = (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
    printf("sweep: %lu cut points (%lu cases: before + torn; %lu lost power twice), %lu reference "
           "runs (%zu flash configs x %d flow variants), %lu failed, %.1f s\n",
           cuts, cases, doubles, refs, NCONFIGS, (int)(F_COUNT - 1 + NVARIANTS), failed, secs);
    if (runs == 0) {
        printf("sweep: no case matches the filter\n");
        return 1;
    }
    if (summary) {
        FILE *fp = fopen(summary, "w");
        if (fp) {
            fprintf(fp, "%lu passed, %lu failed\n", cases + refs - failed, failed);
            fprintf(fp, "# %lu cut points, %lu cases, %.1f s\n", cuts, cases, secs);
            fclose(fp);
        }
    }
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    filter_t fl = {NULL, NULL, NULL, NULL, -1, -1, -1, -1};
    const char *summary = NULL;
    bool verbose = false;
    unsigned jobs = 1;
    char *case_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            case_arg = argv[++i];
        } else if (strcmp(argv[i], "--summary") == 0 && i + 1 < argc) {
            summary = argv[++i];
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            jobs = (unsigned)strtoul(argv[++i], NULL, 10);
            if (jobs < 1 || jobs > 16) {
                fprintf(stderr, "sweep: --jobs takes 1..16\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: %s [--case ID] [--summary FILE] [--verbose]\n", argv[0]);
            return 2;
        }
    }
    if (case_arg) {
        for (char *tok = strtok(case_arg, " "); tok; tok = strtok(NULL, " ")) {
            char *eq = strchr(tok, '=');
            if (!eq) {
                fprintf(stderr, "sweep: --case takes key=value pairs, not '%s'\n", tok);
                return 2;
            }
            *eq++ = '\0';
            if (strcmp(tok, "flow") == 0) {
                fl.flow = eq;
            } else if (strcmp(tok, "layout") == 0) {
                fl.layout = eq;
            } else if (strcmp(tok, "verify") == 0) {
                fl.verify = eq;
            } else if (strcmp(tok, "geom") == 0) {
                fl.geom = eq;
            } else if (strcmp(tok, "prog") == 0) {
                fl.prog = strtol(eq, NULL, 10);
            } else if (strcmp(tok, "erased") == 0) {
                fl.erased = strtol(eq, NULL, 16);
            } else if (strcmp(tok, "cut") == 0) {
                fl.cut = strtol(eq, NULL, 10);
            } else if (strcmp(tok, "torn") == 0) {
                fl.torn = strtol(eq, NULL, 10);
            } else {
                fprintf(stderr,
                        "sweep: unknown --case key '%s' (flow, layout, verify, geom, prog, "
                        "erased, cut, torn)\n",
                        tok);
                return 2;
            }
        }
    }

    make_configs();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long cuts = 0, cases = 0, failed = 0, refs = 0;
    /* Workers: each takes every jobs-th config and reports its counts
     * through a pipe; the parent adds them up. */
    unsigned shard = 0;
    int pipes[16][2];
    pid_t pids[16];
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned j = 0; jobs > 1 && j < jobs; j++) {
        if (pipe(pipes[j]) != 0 || (pids[j] = fork()) < 0) {
            perror("sweep: fork");
            return 2;
        }
        if (pids[j] == 0) {
            shard = j;
            break;
        }
        close(pipes[j][1]);
    }
    bool parent = jobs > 1 && shard == 0 && pids[0] != 0;
    if (parent) {
        unsigned long got[6], runs_all = 0, doubles_all = 0;
        int bad = 0;
        for (unsigned j = 0; j < jobs; j++) {
            int st = 0;
            if (read(pipes[j][0], got, sizeof got) != (ssize_t)sizeof got) {
                bad = 1;
            } else {
                cuts += got[0];
                cases += got[1];
                failed += got[2];
                refs += got[3];
                runs_all += got[4];
                doubles_all += got[5];
            }
            close(pipes[j][0]);
            if (waitpid(pids[j], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) > 1) {
                bad = 1;
            }
        }
        if (bad) {
            fprintf(stderr, "sweep: a worker failed\n");
            return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return report(cuts, cases, failed, refs, runs_all, doubles_all, &t0, &t1, summary);
    }
    static lbt_device_t dev;
    if (make_images() != 0) {
        fprintf(stderr, "sweep: image build failed\n");
        return 2;
    }
    const uint8_t *key_der;
    size_t key_der_len;
    if (lbt_key_der(LBT_KEY_TRUSTED, &key_der, &key_der_len) != 0) {
        return 2;
    }
    unsigned long runs = 0, all_doubles = 0;
    for (unsigned ci = 0; ci < NCONFIGS; ci++) {
        const config_t *c = &configs[ci];
        if (ci % jobs != shard) {
            continue;
        }
        for (unsigned fv = 0; fv < F_COUNT * NVARIANTS; fv++) {
            flow_t f = (flow_t)(fv / NVARIANTS);
            const variant_t *v = &variants[fv % NVARIANTS];
            if ((fv % NVARIANTS != 0 && f != F_REFUSED) || !match(&fl, f, v, c)) {
                continue;
            }
            /* The loader's signature mode changes what it checks, not how
             * flash is written: the smallest and the largest program size
             * (on every geometry and erased value) cover it at a quarter
             * of the ECDSA cost. */
            if (v->signature && c->prog != 1 && c->prog != 32 && fl.prog < 0) {
                continue;
            }
            if (lbt_device_init_slots(&dev, c->geom, c->prog, c->erased, c->once, v->slots) != 0) {
                fprintf(stderr, "sweep: bad config %s\n", c->geom);
                return 2;
            }
            dev.cfg.verify_signature = v->signature;
            dev.cfg.key_der = key_der;
            dev.cfg.key_der_len = key_der_len;
            runs++;
            host_flash_set_strict(false); /* violations are reported per case */
            fixture(&dev, f);
            host_flash_snap_t *snap = host_flash_save();
            lb_bootstate_log_t l0;
            lbt_state(&dev, &l0);

            char base[160];
            snprintf(base, sizeof base, "flow=%s layout=%s verify=%s geom=%s prog=%u erased=%02X",
                     flow_names[f], v->layout, v->signature ? "signature" : "hash", c->geom,
                     (unsigned)c->prog, c->erased);

            /* Reference run: no cut; counts the operations. */
            static sim_t sim;
            memset(&sim, 0, sizeof sim);
            S = &sim;
            sim.flow = f;
            sim.dev = &dev;
            sim.confirmed_floor = f == F_REFUSED ? 0 : f == F_SECOND ? 2 : 1;
            sim.min_floor = 1;
            sim.first_unit = l0.unit_start;
            sim.second_cut = -1;
            sim.next_cause =
                (f == F_CONFIRM || f == F_ROLLBACK) ? LB_RESET_SOFTWARE : LB_RESET_POWER_ON;
            lb_reset_cause_t first_cause = sim.next_cause;
            host_board_seed(hash_str(base));
            host_flash_reset_stats();
            host_flash_cut_at(-1, false);
            run_flow();
            unsigned long nops = host_flash_stats().ops;
            refs++;
            if (sim.failed) {
                printf("FAIL %s (no cut): %s\n", base, sim.why);
                failed++;
                host_flash_snap_free(snap);
                continue;
            }
            if (verbose) {
                printf("%s: %lu flash operations, %u boots\n", base, nops, sim.boots);
            }

            unsigned long resumed = 0; /* pull flow: cases that continued a cut download */
            unsigned long doubles = 0; /* cases whose second cut fired too */
            for (long k = 0; k < (long)nops; k++) {
                for (int torn = 0; torn < 2; torn++) {
                    if ((fl.cut >= 0 && fl.cut != k) || (fl.torn >= 0 && fl.torn != torn)) {
                        continue;
                    }
                    char id[240];
                    snprintf(id, sizeof id, "%s cut=%ld torn=%d", base, k, torn);
                    host_flash_restore(snap);
                    memset(&sim, 0, sizeof sim);
                    sim.flow = f;
                    sim.dev = &dev;
                    sim.confirmed_floor = f == F_REFUSED ? 0 : f == F_SECOND ? 2 : 1;
                    sim.min_floor = 1;
                    sim.first_unit = l0.unit_start;
                    sim.next_cause = first_cause;
                    /* Every case also loses power a second time, at an
                     * operation picked from its id (so a rerun of the id
                     * repeats it), before or torn. */
                    uint32_t h2 = hash_str(id);
                    sim.second_cut = (long)(h2 % (uint32_t)(nops > 1 ? nops / 2 : 1));
                    sim.second_torn = (h2 >> 16) & 1u;
                    host_board_seed(h2);
                    host_flash_set_strict(false);
                    unsigned long v0 = host_flash_violations();
                    host_flash_reset_stats();
                    host_flash_cut_at(k, torn != 0);
                    run_flow();
                    resumed += sim.pull_resumes;
                    doubles += sim.second_fired;
                    if (!sim.failed && !sim.first_fired && !host_flash_cut_fired()) {
                        fail("cut point was never reached");
                    }
                    if (!sim.failed && host_flash_violations() != v0) {
                        fail("NOR rule violated");
                    }
                    cases++;
                    if (torn == 0) {
                        cuts++;
                    }
                    if (sim.failed) {
                        failed++;
                        printf("FAIL %s: %s\n  rerun: make test-sweep SWEEP_CASE='%s'\n", id,
                               sim.why, id);
                    } else if (verbose) {
                        printf("ok   %s (%u boots)\n", id, sim.boots);
                    }
                }
            }
            if (f == F_PULL && strcmp(c->geom, "uniform4k") == 0 && fl.cut < 0 && fl.torn < 0 &&
                resumed == 0) {
                failed++;
                printf("FAIL %s: no cut ever resumed the download\n", base);
            }
            /* Most second cuts must land: a flow whose recovery after a cut
             * writes nothing would otherwise pass as twice-cut unseen. */
            if (fl.cut < 0 && fl.torn < 0 && nops >= 8 && doubles * 4 < 2 * nops) {
                failed++;
                printf("FAIL %s: only %lu of %lu cases lost power a second time\n", base, doubles,
                       2 * nops);
            }
            all_doubles += doubles;
            host_flash_snap_free(snap);
        }
    }
    host_board_teardown();
    if (jobs > 1) {
        unsigned long mine[6] = {cuts, cases, failed, refs, runs, all_doubles};
        ssize_t w = write(pipes[shard][1], mine, sizeof mine);
        _exit(w == (ssize_t)sizeof mine ? (failed ? 1 : 0) : 2);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return report(cuts, cases, failed, refs, runs, all_doubles, &t0, &t1, summary);
}
