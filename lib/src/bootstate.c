#include "lb/bootstate.h"

#include <string.h>

#include "lb/bootinfo.h"
#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

/* Byte offsets of a record (docs/spec/bootstate.md). */
enum {
    O_MAGIC = 0,
    O_VERSION = 4,
    O_SIZE = 6,
    O_SEQ = 8,
    O_BOOT_COUNT = 12,
    O_MIN_SECCNT = 16,
    O_ACTIVE = 20,
    O_UNHEALTHY = 21,
    O_REQUEST = 22,
    O_LAST_REASON = 23,
    O_LAST_BOOTED = 24,
    O_RESERVED = 25, /* 3 bytes */
    O_SLOTS = 28,    /* LB_BOOTSTATE_SLOTS x SLOT_SIZE */
    O_CRC = 60,
};
/* Offsets inside one slot entry. */
enum {
    S_STATE = 0,
    S_ATTEMPTS = 1,
    S_RESERVED = 2, /* 2 bytes */
    S_MAJOR = 4,
    S_MINOR = 5,
    S_REVISION = 6,
    S_BUILD = 8,
    S_SECCNT = 12,
    SLOT_SIZE = 16,
};
_Static_assert(O_SLOTS + LB_BOOTSTATE_SLOTS * SLOT_SIZE == O_CRC, "slots end at the CRC");
_Static_assert(O_CRC + 4 == LB_BOOTSTATE_RECORD_SIZE, "a record is 64 bytes");
_Static_assert(LB_CFG_PROGRAM_MAX >= LB_BOOTSTATE_RECORD_SIZE, "record buffer holds a record");

void lb_bootstate_defaults(lb_bootstate_t *s)
{
    memset(s, 0, sizeof *s);
    s->active_slot = LB_BOOTSTATE_NONE;
    s->last_recovery_reason = LB_BOOTSTATE_NONE;
    s->request = LB_REQUEST_NONE;
    s->last_booted = LB_BOOTED_NONE;
    for (unsigned i = 0; i < LB_BOOTSTATE_SLOTS; i++) {
        s->slots[i].state = LB_SLOT_EMPTY;
    }
}

/* Range checks shared by encode and decode, so nothing out of range is
 * ever written or believed. */
static bool fields_ok(const lb_bootstate_t *s)
{
    if (s->active_slot >= LB_BOOTSTATE_SLOTS && s->active_slot != LB_BOOTSTATE_NONE) {
        return false;
    }
    if (s->request > LB_REQUEST_SELF_CHECK || s->last_booted > LB_BOOTED_RECOVERY) {
        return false;
    }
    if (s->last_recovery_reason >= LB_BOOT_REASON_COUNT &&
        s->last_recovery_reason != LB_BOOTSTATE_NONE) {
        return false;
    }
    for (unsigned i = 0; i < LB_BOOTSTATE_SLOTS; i++) {
        if (s->slots[i].state > LB_SLOT_INVALID) {
            return false;
        }
    }
    return true;
}

int lb_bootstate_encode(const lb_bootstate_t *s, uint8_t *buf, size_t cap, uint8_t erased)
{
    if (cap < LB_BOOTSTATE_RECORD_SIZE) {
        return LB_E_NOSPACE;
    }
    if (!fields_ok(s)) {
        return LB_E_INVAL;
    }
    memset(buf, erased, cap);
    memset(buf, 0, LB_BOOTSTATE_RECORD_SIZE);
    lb_put_le32(buf + O_MAGIC, LB_BOOTSTATE_MAGIC);
    lb_put_le16(buf + O_VERSION, LB_BOOTSTATE_VERSION);
    lb_put_le16(buf + O_SIZE, LB_BOOTSTATE_RECORD_SIZE);
    lb_put_le32(buf + O_SEQ, s->seq);
    lb_put_le32(buf + O_BOOT_COUNT, s->boot_count);
    lb_put_le32(buf + O_MIN_SECCNT, s->min_security_counter);
    buf[O_ACTIVE] = s->active_slot;
    buf[O_UNHEALTHY] = s->unhealthy;
    buf[O_REQUEST] = s->request;
    buf[O_LAST_REASON] = s->last_recovery_reason;
    buf[O_LAST_BOOTED] = s->last_booted;
    for (unsigned i = 0; i < LB_BOOTSTATE_SLOTS; i++) {
        uint8_t *p = buf + O_SLOTS + i * SLOT_SIZE;
        const lb_bootstate_slot_t *sl = &s->slots[i];
        p[S_STATE] = sl->state;
        p[S_ATTEMPTS] = sl->attempts;
        p[S_MAJOR] = sl->version.major;
        p[S_MINOR] = sl->version.minor;
        lb_put_le16(p + S_REVISION, sl->version.revision);
        lb_put_le32(p + S_BUILD, sl->version.build);
        lb_put_le32(p + S_SECCNT, sl->security_counter);
    }
    lb_put_le32(buf + O_CRC, lb_crc32(0, buf, O_CRC));
    return LB_BOOTSTATE_RECORD_SIZE;
}

int lb_bootstate_decode(lb_bootstate_t *s, const uint8_t *buf, size_t len)
{
    if (len < LB_BOOTSTATE_RECORD_SIZE) {
        return LB_E_SIZE;
    }
    if (lb_get_le32(buf + O_MAGIC) != LB_BOOTSTATE_MAGIC) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(buf + O_VERSION) != LB_BOOTSTATE_VERSION ||
        lb_get_le16(buf + O_SIZE) != LB_BOOTSTATE_RECORD_SIZE) {
        return LB_E_VERSION;
    }
    if (lb_get_le32(buf + O_CRC) != lb_crc32(0, buf, O_CRC)) {
        return LB_E_CORRUPT;
    }
    if (buf[O_RESERVED] || buf[O_RESERVED + 1] || buf[O_RESERVED + 2]) {
        return LB_E_CORRUPT;
    }
    s->seq = lb_get_le32(buf + O_SEQ);
    s->boot_count = lb_get_le32(buf + O_BOOT_COUNT);
    s->min_security_counter = lb_get_le32(buf + O_MIN_SECCNT);
    s->active_slot = buf[O_ACTIVE];
    s->unhealthy = buf[O_UNHEALTHY];
    s->request = buf[O_REQUEST];
    s->last_recovery_reason = buf[O_LAST_REASON];
    s->last_booted = buf[O_LAST_BOOTED];
    for (unsigned i = 0; i < LB_BOOTSTATE_SLOTS; i++) {
        const uint8_t *p = buf + O_SLOTS + i * SLOT_SIZE;
        lb_bootstate_slot_t *sl = &s->slots[i];
        if (p[S_RESERVED] || p[S_RESERVED + 1]) {
            return LB_E_CORRUPT;
        }
        sl->state = p[S_STATE];
        sl->attempts = p[S_ATTEMPTS];
        sl->version.major = p[S_MAJOR];
        sl->version.minor = p[S_MINOR];
        sl->version.revision = lb_get_le16(p + S_REVISION);
        sl->version.build = lb_get_le32(p + S_BUILD);
        sl->security_counter = lb_get_le32(p + S_SECCNT);
    }
    return fields_ok(s) ? LB_OK : LB_E_CORRUPT;
}

/* True when every byte of buf reads as erased. */
static bool all_erased(const uint8_t *buf, size_t len, uint8_t erased)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != erased) {
            return false;
        }
    }
    return true;
}

int lb_bootstate_open(lb_bootstate_log_t *log, const lb_geom_t *geom, uint32_t off, uint32_t size)
{
    memset(log, 0, sizeof *log);
    int rc = lb_flash_area_init(&log->area, geom, off, size);
    if (rc != LB_OK) {
        return rc;
    }
    /* program size <= LB_CFG_PROGRAM_MAX (checked by the area) and the
     * record fits in that buffer, so one slot always fits `buf` below. */
    log->slot_size = lb_flash_area_align(&log->area, LB_BOOTSTATE_RECORD_SIZE);
    /* Every unit must hold a record, and there must be a unit to compact
     * into: the log needs two. */
    unsigned units = 0;
    for (uint32_t pos = 0; pos < size;) {
        uint32_t ustart, usize;
        rc = lb_flash_area_unit(&log->area, pos, &ustart, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        if (usize < log->slot_size) {
            return LB_E_INVAL;
        }
        pos = ustart + usize;
        units++;
    }
    if (units < 2) {
        return LB_E_INVAL;
    }

    lb_bootstate_defaults(&log->state);
    log->blank = true;
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    for (uint32_t ustart = 0; ustart < size;) {
        uint32_t usize;
        rc = lb_flash_area_unit(&log->area, ustart, NULL, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        uint32_t count = usize / log->slot_size;
        int32_t last_used = -1;
        bool best_here = false;
        for (uint32_t i = 0; i < count; i++) {
            rc = lb_flash_area_read(&log->area, ustart + i * log->slot_size, buf, log->slot_size);
            if (rc != LB_OK) {
                return rc;
            }
            if (all_erased(buf, log->slot_size, geom->erased)) {
                continue;
            }
            /* Anything programmed (a valid record, a torn one, garbage) is
             * never programmed again: appends go after the last used slot. */
            last_used = (int32_t)i;
            lb_bootstate_t rec;
            if (lb_bootstate_decode(&rec, buf, log->slot_size) != LB_OK) {
                continue;
            }
            if (log->blank || rec.seq > log->state.seq) {
                log->state = rec;
                log->blank = false;
                best_here = true;
                log->unit_start = ustart;
                log->unit_size = usize;
            }
        }
        if (best_here) {
            log->next = ustart + (uint32_t)(last_used + 1) * log->slot_size;
        }
        ustart += usize;
    }
    if (log->blank) {
        /* Nothing to append to: the first commit erases a unit first. */
        log->unit_start = 0;
        log->unit_size = 0;
        log->next = 0;
    }
    return LB_OK;
}

const lb_bootstate_t *lb_bootstate_get(const lb_bootstate_log_t *log)
{
    return &log->state;
}

int lb_bootstate_commit(lb_bootstate_log_t *log, const lb_bootstate_t *next)
{
    lb_bootstate_t s = *next;
    if (!log->blank && log->state.seq == UINT32_MAX) {
        return LB_E_NOSPACE;
    }
    s.seq = log->blank ? 1u : log->state.seq + 1u;
    if (s.min_security_counter < log->state.min_security_counter) {
        s.min_security_counter = log->state.min_security_counter; /* anti-rollback */
    }
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    int rc = lb_bootstate_encode(&s, buf, log->slot_size, log->area.geom->erased);
    if (rc < 0) {
        return rc;
    }

    if (!log->blank && log->unit_size - (log->next - log->unit_start) >= log->slot_size) {
        uint32_t at = log->next;
        /* The slot is used whatever happens: never program it twice. */
        log->next += log->slot_size;
        rc = lb_flash_area_program(&log->area, at, buf, log->slot_size);
        if (rc == LB_OK) {
            log->state = s;
        }
        return rc;
    }

    /* Compaction: the snapshot goes into the next unit (wrapping), erased
     * first. The unit holding the current newest record is not touched, so
     * a cut anywhere here leaves that record current. */
    uint32_t target = log->blank ? 0 : log->unit_start + log->unit_size;
    if (target >= log->area.size) {
        target = 0;
    }
    uint32_t tsize;
    rc = lb_flash_area_unit(&log->area, target, NULL, &tsize);
    if (rc == LB_OK) {
        rc = lb_flash_area_erase(&log->area, target, tsize);
    }
    if (rc != LB_OK) {
        return rc;
    }
    rc = lb_flash_area_program(&log->area, target, buf, log->slot_size);
    if (rc != LB_OK) {
        return rc;
    }
    log->unit_start = target;
    log->unit_size = tsize;
    log->next = target + log->slot_size;
    log->blank = false;
    log->state = s;
    return LB_OK;
}

int lb_bootstate_confirm(lb_bootstate_log_t *log, unsigned slot)
{
    lb_bootstate_t s = log->state;
    if (slot >= LB_BOOTSTATE_SLOTS) {
        return LB_E_INVAL;
    }
    lb_bootstate_slot_t *sl = &s.slots[slot];
    if (s.active_slot != slot || (sl->state != LB_SLOT_NEW && sl->state != LB_SLOT_TRIAL &&
                                  sl->state != LB_SLOT_CONFIRMED)) {
        return LB_E_STATE;
    }
    if (sl->state == LB_SLOT_CONFIRMED && s.unhealthy == 0 &&
        s.min_security_counter >= sl->security_counter) {
        return LB_OK;
    }
    sl->state = LB_SLOT_CONFIRMED;
    sl->attempts = 0;
    s.unhealthy = 0;
    if (sl->security_counter > s.min_security_counter) {
        s.min_security_counter = sl->security_counter;
    }
    return lb_bootstate_commit(log, &s);
}

int lb_bootstate_request(lb_bootstate_log_t *log, uint8_t request)
{
    if (request > LB_REQUEST_SELF_CHECK) {
        return LB_E_INVAL;
    }
    if (log->state.request == request && !log->blank) {
        return LB_OK;
    }
    lb_bootstate_t s = log->state;
    s.request = request;
    return lb_bootstate_commit(log, &s);
}

int lb_bootstate_clear_unhealthy(lb_bootstate_log_t *log)
{
    if (log->state.unhealthy == 0) {
        return LB_OK;
    }
    lb_bootstate_t s = log->state;
    s.unhealthy = 0;
    return lb_bootstate_commit(log, &s);
}

unsigned lb_bootstate_install_slot(const lb_bootstate_t *s, unsigned slot_count)
{
    if (slot_count < 2) {
        return 0;
    }
    for (unsigned i = 0; i < 2; i++) {
        if (s->slots[i].state != LB_SLOT_CONFIRMED) {
            return i;
        }
    }
    return s->active_slot == 0 ? 1u : 0u;
}

int lb_bootstate_install_begin(lb_bootstate_log_t *log, unsigned slot)
{
    if (slot >= LB_BOOTSTATE_SLOTS) {
        return LB_E_INVAL;
    }
    lb_bootstate_t s = log->state;
    if (!log->blank && s.slots[slot].state == LB_SLOT_EMPTY && s.active_slot != slot) {
        return LB_OK;
    }
    memset(&s.slots[slot], 0, sizeof s.slots[slot]);
    s.slots[slot].state = LB_SLOT_EMPTY;
    if (s.active_slot == slot) {
        unsigned other = slot ^ 1u;
        s.active_slot =
            s.slots[other].state == LB_SLOT_CONFIRMED ? (uint8_t)other : LB_BOOTSTATE_NONE;
        s.unhealthy = 0;
    }
    return lb_bootstate_commit(log, &s);
}

int lb_bootstate_install_done(lb_bootstate_log_t *log, unsigned slot,
                              const lb_image_version_t *version, uint32_t security_counter)
{
    if (slot >= LB_BOOTSTATE_SLOTS) {
        return LB_E_INVAL;
    }
    if (security_counter < log->state.min_security_counter) {
        return LB_E_SECCNT;
    }
    lb_bootstate_t s = log->state;
    lb_bootstate_slot_t *sl = &s.slots[slot];
    sl->state = LB_SLOT_NEW;
    sl->attempts = 0;
    sl->version = *version;
    sl->security_counter = security_counter;
    s.active_slot = (uint8_t)slot;
    s.unhealthy = 0;
    return lb_bootstate_commit(log, &s);
}

const char *lb_slot_state_name(uint8_t state)
{
    static const char *const names[] = {"empty", "new", "trial", "confirmed", "invalid"};
    return state <= LB_SLOT_INVALID ? names[state] : "unknown";
}
