#include "lb/bootstate.h"

#include <string.h>

#include "lb/bootinfo.h"
#include "lb/record.h"
#include "lb/endian.h"
#include "lb/err.h"

/* The fields after the frame (lb/record.h), in wire order
 * (docs/SPEC.md, "Boot state"): 25..27 and each slot's bytes 2..3 are
 * reserved (0); the CRC is at 60. */
enum { O_SEQ = 8, O_SLOTS = 28, SLOT_SIZE = 16, O_CRC = 60 };
#define F(wire, member) LB_FIELD(wire, lb_bootstate_t, member)
#define SLOT(i)                                                                                    \
    F(O_SLOTS + (i)*SLOT_SIZE + 0, slots[i].state),                                                \
        F(O_SLOTS + (i)*SLOT_SIZE + 1, slots[i].attempts),                                         \
        F(O_SLOTS + (i)*SLOT_SIZE + 4, slots[i].version.major),                                    \
        F(O_SLOTS + (i)*SLOT_SIZE + 5, slots[i].version.minor),                                    \
        F(O_SLOTS + (i)*SLOT_SIZE + 6, slots[i].version.revision),                                 \
        F(O_SLOTS + (i)*SLOT_SIZE + 8, slots[i].version.build),                                    \
        F(O_SLOTS + (i)*SLOT_SIZE + 12, slots[i].security_counter)
static const lb_field_t fields[] = {
    F(O_SEQ, seq),    F(12, boot_count), F(16, min_security_counter), F(20, active_slot),
    F(21, unhealthy), F(22, request),    F(23, last_recovery_reason), F(24, last_booted),
    SLOT(0),          SLOT(1),
};
#undef SLOT
#undef F
_Static_assert(LB_BOOTSTATE_SLOTS == 2, "one SLOT() line per slot above");
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
    if (s->request > LB_REQUEST_MAX || s->last_booted > LB_BOOTED_RECOVERY) {
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
    lb_fields_put(buf, s, fields, sizeof fields / sizeof fields[0]);
    lb_record_seal(buf, LB_BOOTSTATE_MAGIC, LB_BOOTSTATE_VERSION, LB_BOOTSTATE_RECORD_SIZE);
    return LB_BOOTSTATE_RECORD_SIZE;
}

int lb_bootstate_decode(lb_bootstate_t *s, const uint8_t *buf, size_t len)
{
    int rc = lb_record_check(buf, len, LB_BOOTSTATE_MAGIC, LB_BOOTSTATE_VERSION,
                             LB_BOOTSTATE_RECORD_SIZE);
    if (rc != LB_OK) {
        return rc;
    }
    lb_bootstate_defaults(s);
    lb_fields_get(s, buf, fields, sizeof fields / sizeof fields[0]);
    /* One encoding per record: re-encoding gives the same bytes only when
     * the fields are in range and the reserved bytes are zero. */
    uint8_t again[LB_BOOTSTATE_RECORD_SIZE];
    rc = lb_bootstate_encode(s, again, sizeof again, 0);
    return rc > 0 && memcmp(again, buf, sizeof again) == 0 ? LB_OK : LB_E_CORRUPT;
}

int lb_bootstate_open(lb_bootstate_log_t *log, const lb_geom_t *geom, uint32_t off, uint32_t size)
{
    memset(log, 0, sizeof *log);
    lb_bootstate_defaults(&log->state);
    log->blank = true;
    int rc = lb_flash_area_init(&log->area, geom, off, size);
    if (rc != LB_OK) {
        return rc;
    }
    /* program size <= LB_CFG_PROGRAM_MAX (checked by the area) and the
     * record fits in that buffer, so one slot always fits `buf` below. */
    uint32_t ss = log->slot_size = lb_flash_area_align(&log->area, LB_BOOTSTATE_RECORD_SIZE);
    uint32_t buf[LB_CFG_PROGRAM_MAX / 4];
    uint8_t *b = (uint8_t *)buf;
    uint32_t erased_word = geom->erased * 0x01010101u;
    _Static_assert(LB_CFG_PROGRAM_MAX % LB_BOOTSTATE_RECORD_SIZE == 0, "slots tile the buffer");
    /* Every unit must hold a record, and there must be a unit to compact
     * into: the log needs two. The newest valid record (highest sequence
     * number; the first one found on a tie) wins. */
    unsigned units = 0;
    for (uint32_t ustart = 0, usize; ustart < size; ustart += usize, units++) {
        rc = lb_flash_area_unit(&log->area, ustart, NULL, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        if (usize < ss) {
            return LB_E_INVAL;
        }
        /* Anything programmed (a valid record, a torn one, garbage) is
         * never programmed again: appends go after the last used slot.
         * Found from the unit's end, whole buffers at a time, a word at a
         * time (slot sizes divide the buffer): an erased tail costs ~5
         * instructions per word, a full unit one buffer. */
        uint32_t used = 0; /* slots up to the last programmed one */
        for (uint32_t end = usize / ss * ss; end > 0 && used == 0;) {
            uint32_t at = end > sizeof buf ? end - (uint32_t)sizeof buf : 0;
            rc = lb_flash_area_read(&log->area, ustart + at, b, end - at);
            if (rc != LB_OK) {
                return rc;
            }
            for (uint32_t w = (end - at) / 4; w-- > 0;) {
                if (buf[w] != erased_word) {
                    used = (at + w * 4) / ss + 1;
                    break;
                }
            }
            end = at;
        }
        /* Records of a unit are appended in sequence order, so walking it
         * backwards meets its newest first; older ones are only decoded if
         * they claim a sequence number that could still win. Same result
         * as decoding every slot forwards, for one or two CRCs a unit. */
        lb_bootstate_t best, rec;
        bool found = false;
        for (uint32_t i = used; i-- > 0;) {
            rc = lb_flash_area_read(&log->area, ustart + i * ss, b, ss);
            if (rc != LB_OK) {
                return rc;
            }
            if ((found && lb_get_le32(b + O_SEQ) < best.seq) ||
                lb_bootstate_decode(&rec, b, ss) != LB_OK) {
                continue;
            }
            best = rec;
            found = true;
        }
        if (found && (log->blank || best.seq > log->state.seq)) {
            log->state = best;
            log->blank = false;
            log->unit_start = ustart;
            log->unit_size = usize;
            log->next = ustart + used * ss;
        }
    }
    if (units < 2) {
        return LB_E_INVAL;
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
        /* A slot that is no longer erased means another writer appended
         * since this log was opened: refuse rather than clobber it. */
        rc = lb_flash_area_is_erased(&log->area, at, log->slot_size);
        if (rc != 1) {
            return rc < 0 ? rc : LB_E_STATE;
        }
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
    if (request > LB_REQUEST_MAX) {
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
