/* The loader core (see loader.h; decision table in docs/DESIGN.md, "Booting"). */
#include "loader.h"

#include <string.h>

#include "lb/board.h"
#include "lb/config.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"

/* Index of an image in the per-boot verification cache. */
enum { IMG_SLOT0 = 0, IMG_SLOT1 = 1, IMG_RECOVERY = 2, IMG_COUNT = 3 };

void lb_loader_config_defaults(lb_loader_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->trial_boots = LB_CFG_TRIAL_BOOTS;
    cfg->crash_limit = LB_CFG_CRASH_LIMIT;
    cfg->strap_hold_ms = LB_CFG_STRAP_HOLD_MS;
    cfg->crash_resets = LB_CFG_CRASH_RESETS;
    cfg->watchdog_ms = LB_CFG_WATCHDOG_MS;
    cfg->verify_signature = LB_CFG_VERIFY_SIGNATURE != 0;
}

/* ---- console (no printf: the loader stays small) ------------------------- */

static void put(const char *s)
{
    lb_board_console_write(s, strlen(s));
}

/* "[lifeboat] note: <what> (err -<n>)\n": never mistaken for the boot
 * line. The code is lb/err.h's LB_E_* value: its name table (lb_err_str)
 * would cost the loader ~600 bytes of strings. */
static void note(const char *what, int err)
{
    put("[lifeboat] note: ");
    put(what);
    if (err < 0) {
        char num[] = " (err -00)";
        unsigned v = (unsigned)-err;
        num[7] = (char)('0' + v / 10u % 10u);
        num[8] = (char)('0' + v % 10u);
        put(num);
    }
    put("\n");
}

static void add(lb_loader_plan_t *p, uint8_t image, uint8_t slot, uint8_t reason)
{
    if (p->count < LB_LOADER_MAX_CANDIDATES) {
        p->cand[p->count].image = image;
        p->cand[p->count].slot = slot;
        p->cand[p->count].reason = reason;
        p->count++;
    }
}

/* A confirmed slot other than `not`, or LB_BOOTSTATE_NONE. */
static uint8_t confirmed_slot(const lb_bootstate_t *s, unsigned slot_count, unsigned not )
{
    for (unsigned i = 0; i < slot_count; i++) {
        if (i != not &&s->slots[i].state == LB_SLOT_CONFIRMED) {
            return (uint8_t)i;
        }
    }
    return LB_BOOTSTATE_NONE;
}

/* True when the state records no slot at all (every one empty). */
static bool nothing_installed(const lb_bootstate_t *s, unsigned slot_count)
{
    for (unsigned i = 0; i < slot_count; i++) {
        if (s->slots[i].state != LB_SLOT_EMPTY) {
            return false;
        }
    }
    return true;
}

void lb_loader_decide(const lb_bootstate_t *cur, const lb_loader_inputs_t *in,
                      const lb_loader_config_t *cfg, lb_loader_plan_t *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->next = *cur;
    lb_bootstate_t *n = &plan->next;
    unsigned slots = in->slot_count < 1 ? 1 : in->slot_count;
    if (slots > LB_BOOTSTATE_SLOTS) {
        slots = LB_BOOTSTATE_SLOTS;
    }

    n->boot_count++;
    /* A reset that ended an app counts against it when its cause is in the
     * configured mask; a healthy report (lb_bootstate_confirm) clears it. */
    bool app_ran = cur->last_booted == LB_BOOTED_SLOT0 || cur->last_booted == LB_BOOTED_SLOT1;
    if (app_ran && in->reset < 32 && ((cfg->crash_resets >> in->reset) & 1u) &&
        n->unhealthy < UINT8_MAX) {
        n->unhealthy++;
    }
    /* The one-shot request is consumed by this decision whatever it is. */
    uint8_t req = n->request;
    n->request = LB_REQUEST_NONE;

    uint8_t act = cur->active_slot;
    uint8_t st = act < slots ? n->slots[act].state : LB_SLOT_EMPTY;
    uint8_t reason = LB_BOOT_REASON_NO_VALID_APP; /* of the recovery candidate */

    if (in->strap && lb_loader_strap_counts(in->reset)) {
        plan->row = 1;
        reason = LB_BOOT_REASON_STRAP;
    } else if (req != LB_REQUEST_NONE) { /* a decoded record holds no other value */
        plan->row = 2;
        reason = req == LB_REQUEST_RECOVERY
                     ? LB_BOOT_REASON_REQUESTED
                     : (uint8_t)(LB_BOOT_REASON_SELF_CHECK - LB_REQUEST_SELF_CHECK + req);
    } else if (in->state_blank || (act == LB_BOOTSTATE_NONE && nothing_installed(cur, slots))) {
        /* Factory state: adopt whichever slot verifies. A log that only
         * recorded recovery boots (the strap held at the first power-on)
         * knows no more about the slots than a blank one. */
        plan->row = 3;
        for (unsigned i = 0; i < slots; i++) {
            add(plan, LB_BOOT_IMAGE_APP, (uint8_t)i, LB_BOOT_REASON_NORMAL);
        }
    } else if (st == LB_SLOT_CONFIRMED && n->unhealthy >= cfg->crash_limit) {
        plan->row = 6;
        reason = LB_BOOT_REASON_CRASH_LOOP;
    } else {
        /* Rows 4, 5, 7, 8: maybe the active slot, then the other confirmed
         * one (rollback), then recovery. The active slot is never the
         * "other" one: rows 4, 5 and 8 leave it unconfirmed. */
        lb_bootstate_slot_t *as = &n->slots[act < slots ? act : 0];
        if (st == LB_SLOT_NEW || st == LB_SLOT_TRIAL) {
            if (as->attempts >= cfg->trial_boots) {
                plan->row = 4;
                as->state = LB_SLOT_INVALID;
            } else {
                plan->row = 5;
                as->state = LB_SLOT_TRIAL;
                as->attempts++;
                add(plan, LB_BOOT_IMAGE_APP, act, LB_BOOT_REASON_TRIAL);
            }
        } else if (st == LB_SLOT_CONFIRMED) {
            plan->row = 7;
            add(plan, LB_BOOT_IMAGE_APP, act, LB_BOOT_REASON_NORMAL);
        } else {
            plan->row = 8; /* no usable active slot (none, empty or invalid) */
        }
        uint8_t other = confirmed_slot(n, slots, act);
        if (other != LB_BOOTSTATE_NONE) {
            add(plan, LB_BOOT_IMAGE_APP, other, LB_BOOT_REASON_ROLLBACK);
        }
    }
    add(plan, LB_BOOT_IMAGE_RECOVERY, LB_BOOTINFO_SLOT_NONE, reason);

    /* Row 9: when the last candidate is recovery, any app that verifies is
     * better than staying in the loader: confirmed slots first (the active
     * one first), then new/trial, then the rest. The reason stays the one
     * recovery was wanted for; boot info flags the recovery as bad. */
    for (uint8_t rank = 0; rank < 3; rank++) {
        for (unsigned k = 0; k < slots; k++) {
            unsigned i = act < slots ? (act + k) % slots : k; /* active slot first */
            uint8_t s = n->slots[i].state;
            uint8_t r = s == LB_SLOT_CONFIRMED ? 0 : s == LB_SLOT_NEW || s == LB_SLOT_TRIAL ? 1 : 2;
            if (s <= LB_SLOT_INVALID && r == rank) {
                add(plan, LB_BOOT_IMAGE_APP, (uint8_t)i, reason);
            }
        }
    }
}

/* ---- partition table ------------------------------------------------------- */

static bool geom_equal(const lb_geom_t *a, const lb_geom_t *b)
{
    if (a->size != b->size || a->program_size != b->program_size || a->erased != b->erased ||
        a->region_count != b->region_count || a->region_count > LB_GEOM_MAX_REGIONS) {
        return false;
    }
    for (unsigned i = 0; i < a->region_count; i++) {
        if (a->regions[i].count != b->regions[i].count ||
            a->regions[i].size != b->regions[i].size) {
            return false;
        }
    }
    return true;
}

/* Reads the ptable partition; on any problem falls back to the built-in
 * table (and says so). Returns 0 or the built-in table's error. */
static int load_ptable(const lb_loader_config_t *cfg, lb_ptable_t *t, bool *fallback)
{
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    const uint8_t *src = buf;
    size_t n = cfg->ptable_size < sizeof buf ? cfg->ptable_size : sizeof buf;
    int rc = n ? lb_board_flash_read(cfg->ptable_offset, buf, n) : LB_E_NOTFOUND;
    for (;;) {
        if (rc == LB_OK) {
            rc = lb_ptable_decode(t, src, n);
        }
        if (rc == LB_OK && !geom_equal(&t->geom, lb_board_flash_geom())) {
            rc = LB_E_INVAL;
        }
        if (rc == LB_OK || *fallback) {
            return rc;
        }
        *fallback = true;
        note("partition table invalid, using the built-in table", rc);
        src = cfg->builtin_ptable;
        n = cfg->builtin_ptable_len;
        rc = src ? LB_OK : LB_E_NOTFOUND;
    }
}

/* ---- loading and verifying ------------------------------------------------- */

/* Copies the image in partition `p` into the board's load area at its load
 * address, a chunk at a time, and streams those RAM bytes (the ones that
 * will run, never re-read) through the verifier, which bounds every size
 * by the partition and the room left in the load area and says when the
 * image ends. On success stores the entry address. */
#define LOAD_CHUNK 4096u
static int load_and_verify(const lb_part_t *p, lb_image_policy_t *pol, lb_image_info_t *info,
                           uint32_t *entry)
{
    lb_board_load_area_t area;
    lb_board_load_area(&area);
    if (area.ram == NULL) {
        return LB_E_UNSUPPORTED; /* execute-in-place boards: see docs/PORTING.md */
    }
    uint8_t hdr[8];
    int rc = lb_board_flash_read(p->offset, hdr, sizeof hdr);
    if (rc != LB_OK) {
        return rc;
    }
    uint32_t load = lb_get_le32(hdr + LB_IMAGE_OFF_LOAD_ADDR);
    if (lb_get_le32(hdr + LB_IMAGE_OFF_MAGIC) != LB_IMAGE_MAGIC) {
        return LB_E_MAGIC;
    }
    if (load < area.ram_addr || load - area.ram_addr >= area.ram_size) {
        return LB_E_LOADAREA;
    }
    uint32_t room = area.ram_size - (load - area.ram_addr);
    /* The load area bounds the image through max_size (the address was
     * checked above, before any byte is placed). */
    pol->max_size = p->size < room ? p->size : room;
    uint8_t *dst = area.ram + (load - area.ram_addr);
    lb_image_stream_t s;
    lb_image_stream_init(&s, pol);
    for (uint32_t off = 0; rc == LB_OK;) {
        uint32_t total = lb_image_stream_total(&s);
        uint32_t end = total ? total : pol->max_size;
        if (off >= end) {
            break;
        }
        uint32_t n = end - off < LOAD_CHUNK ? end - off : LOAD_CHUNK;
        rc = lb_board_flash_read(p->offset + off, dst + off, n);
        if (rc != LB_OK) {
            return rc; /* a read error says nothing about the image */
        }
        rc = lb_image_stream_update(&s, dst + off, n);
        off += n;
    }
    rc = lb_image_stream_finish(&s, info);
    if (rc != LB_OK) {
        return rc;
    }
    /* Verified bytes decide where it runs; they must be the ones placed. */
    if (info->load_addr != load) {
        return LB_E_CORRUPT;
    }
    *entry = info->load_addr + info->hdr_size;
    return LB_OK;
}

/* Errors that say the image itself is bad (not that reading failed). */
static bool content_error(int rc)
{
    return rc != LB_E_IO && rc != LB_E_UNSUPPORTED && rc != LB_E_POWER;
}

bool lb_loader_strap_held(uint32_t hold_ms)
{
    if (!lb_board_strap_asserted()) {
        return false;
    }
    uint32_t start = lb_board_millis();
    while ((uint32_t)(lb_board_millis() - start) < hold_ms) {
        if (!lb_board_strap_asserted()) {
            return false;
        }
    }
    return true;
}

/* ---- one boot ---------------------------------------------------------------- */

/* The boot state lives here, not on the stack: it is the largest object. */
static lb_bootstate_log_t s_log;

_Static_assert(LB_BOOT_REASON_UPDATE + 1 == LB_BOOT_REASON_COUNT,
               "the boot line prints every reason from self-check on as requested");

_Static_assert(LB_BOOT_REASON_UPDATE - LB_BOOT_REASON_SELF_CHECK ==
                   LB_REQUEST_UPDATE - LB_REQUEST_SELF_CHECK,
               "the requests after a recovery request map onto the reasons in order");
_Static_assert(LB_BOOT_REASON_UPDATE + 1 == LB_BOOT_REASON_COUNT,
               "the boot line prints every reason from self-check on as requested");

static void print_boot_line(const lb_bootinfo_t *bi)
{
    char slot[2] = {bi->slot < LB_BOOTSTATE_SLOTS ? (char)('a' + bi->slot) : '-', '\0'};
    put("[lifeboat] boot image=");
    put(lb_boot_image_name(bi->image));
    put(" slot=");
    put(slot);
    put(" reason=");
    /* The line's grammar has seven reasons; a self-check or an update is a
     * request (the boot info says which). */
    put(lb_boot_reason_name(bi->reason >= LB_BOOT_REASON_SELF_CHECK ? LB_BOOT_REASON_REQUESTED
                                                                    : bi->reason));
    put(" reset=");
    put(lb_reset_cause_name(bi->reset));
    put("\n");
}

int lb_loader_run(const lb_loader_config_t *cfg, lb_loader_result_t *res)
{
    lb_loader_result_t local;
    if (res == NULL) {
        res = &local;
    }
    memset(res, 0, sizeof *res);
    lb_bootinfo_t *bi = &res->info;
    bi->reset = (uint8_t)lb_board_reset_cause();
    bi->slot = LB_BOOTINFO_SLOT_NONE;
    bi->image = LB_BOOT_IMAGE_NONE;
    bi->reason = LB_BOOT_REASON_NO_VALID_APP;
    bi->loader_version = LB_LOADER_VERSION;
    bi->trial_boots = (uint8_t)(cfg->trial_boots > 255 ? 255 : cfg->trial_boots);
    bi->crash_limit = (uint8_t)(cfg->crash_limit > 255 ? 255 : cfg->crash_limit);

    /* Not even sampled after a reset firmware asked for: no hold delay. */
    bool strap = lb_loader_strap_counts((lb_reset_cause_t)bi->reset) &&
                 lb_loader_strap_held(cfg->strap_hold_ms);

    static lb_ptable_t table;
    bool fallback = false;
    int rc = load_ptable(cfg, &table, &fallback);
    if (fallback) {
        bi->flags |= LB_BOOTINFO_F_PTABLE_FALLBACK;
    }
    if (rc != LB_OK) {
        print_boot_line(bi);
        note("no usable partition table: staying in the loader", rc);
        return rc;
    }
    const lb_geom_t *g = lb_board_flash_geom();
    const lb_part_t *bs = lb_ptable_find(&table, LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE);
    const lb_part_t *parts[IMG_COUNT] = {
        lb_ptable_find(&table, LB_PART_APP, 0),
        lb_ptable_find(&table, LB_PART_APP, 1),
        lb_ptable_find(&table, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE),
    };

    /* A boot state that cannot be opened (read error, unusable partition)
     * is treated as blank and not written: the device still boots. */
    int state_rc = bs ? lb_bootstate_open(&s_log, g, bs->offset, bs->size) : LB_E_NOTFOUND;
    if (state_rc != LB_OK) {
        note("boot state unusable, deciding without it", state_rc);
        lb_bootstate_defaults(&s_log.state);
        s_log.blank = true;
    }
    if (s_log.blank) {
        bi->flags |= LB_BOOTINFO_F_STATE_BLANK;
    }
    /* s_log.state is the state read; the plan holds the next one. */
    const lb_bootstate_t *cur = &s_log.state;

    lb_loader_inputs_t in = {
        .reset = (lb_reset_cause_t)bi->reset,
        .strap = strap,
        .state_blank = s_log.blank,
        .slot_count = lb_ptable_slot_count(&table),
    };
    static lb_loader_plan_t plan;
    lb_loader_decide(cur, &in, cfg, &plan);
    lb_bootstate_t *next = &plan.next;

    int verified[IMG_COUNT] = {1, 1, 1}; /* 1: not tried yet, else the result */
    const lb_loader_candidate_t *chosen = NULL;
    lb_image_info_t info;
    bool recovery_bad = false;
    rc = LB_E_NOTFOUND;
    for (unsigned i = 0; i < plan.count && chosen == NULL; i++) {
        const lb_loader_candidate_t *c = &plan.cand[i];
        unsigned idx = c->image == LB_BOOT_IMAGE_RECOVERY ? IMG_RECOVERY : c->slot;
        if (idx >= IMG_COUNT || parts[idx] == NULL || verified[idx] != 1) {
            continue;
        }
        lb_image_policy_t pol = {
            .kind = idx == IMG_RECOVERY ? LB_IMAGE_KIND_RECOVERY : LB_IMAGE_KIND_APP,
            .product = cfg->product,
            /* The anti-rollback floor is the apps' (recovery images are
             * only ever written by a host with physical access). */
            .min_security_counter = idx == IMG_RECOVERY ? 0 : cur->min_security_counter,
            .require_signature = cfg->verify_signature,
            .key_der = cfg->key_der,
            .key_der_len = cfg->key_der_len,
        };
        rc = load_and_verify(parts[idx], &pol, &info, &res->entry);
        verified[idx] = rc;
        if (rc == LB_OK) {
            chosen = c;
            break;
        }
        if (idx == IMG_RECOVERY) {
            recovery_bad = true;
            note("recovery image failed verification", rc);
        } else {
            note(c->slot == 0 ? "slot a failed verification" : "slot b failed verification", rc);
            lb_bootstate_slot_t *sl = &next->slots[idx];
            if (content_error(rc) && sl->state != LB_SLOT_EMPTY) {
                sl->state = LB_SLOT_INVALID;
                sl->attempts = 0;
            }
        }
    }

    if (chosen) {
        bi->image = chosen->image;
        bi->slot = chosen->slot;
        bi->reason = chosen->reason;
        bi->image_version = info.version;
        bi->image_security_counter = info.security_counter;
        if (info.signature_ok) {
            bi->flags |= LB_BOOTINFO_F_SIGNED;
        }
        if (recovery_bad) {
            bi->flags |= LB_BOOTINFO_F_RECOVERY_BAD;
        }
        if (chosen->image == LB_BOOT_IMAGE_RECOVERY) {
            next->last_booted = LB_BOOTED_RECOVERY;
            next->last_recovery_reason = chosen->reason;
        } else {
            lb_bootstate_slot_t *sl = &next->slots[chosen->slot];
            next->last_booted = chosen->slot == 0 ? LB_BOOTED_SLOT0 : LB_BOOTED_SLOT1;
            sl->version = info.version;
            sl->security_counter = info.security_counter;
            if (plan.row == 3) {
                /* factory adoption: an image found valid with no history */
                sl->state = LB_SLOT_CONFIRMED;
                next->active_slot = chosen->slot;
                if (info.security_counter > next->min_security_counter) {
                    next->min_security_counter = info.security_counter;
                }
            } else if (chosen->reason == LB_BOOT_REASON_ROLLBACK) {
                next->active_slot = chosen->slot;
                next->unhealthy = 0;
            }
            bi->attempts = sl->attempts;
        }
    } else {
        next->last_booted = LB_BOOTED_NONE;
        if (next->active_slot < LB_BOOTSTATE_SLOTS &&
            next->slots[next->active_slot].state == LB_SLOT_INVALID) {
            next->active_slot = LB_BOOTSTATE_NONE;
        }
    }

    /* The one record write of this boot (compaction when the unit is full). */
    res->state_err = state_rc == LB_OK ? lb_bootstate_commit(&s_log, next) : state_rc;
    if (state_rc == LB_OK && res->state_err != LB_OK) {
        note("could not record the boot state", res->state_err);
    }
    const lb_bootstate_t *rec = state_rc == LB_OK && res->state_err == LB_OK ? &s_log.state : next;
    bi->unhealthy = rec->unhealthy;
    bi->min_security_counter = rec->min_security_counter;
    bi->boot_count = rec->boot_count;

    if (chosen == NULL) {
        print_boot_line(bi);
        note("no valid image: staying in the loader", rc);
        return rc == LB_OK ? LB_E_NOTFOUND : rc;
    }
    lb_bootinfo_write(bi);
    print_boot_line(bi);
    if (cfg->watchdog_ms) {
        lb_board_watchdog_start(cfg->watchdog_ms);
    }
    lb_board_jump(res->entry);
}
