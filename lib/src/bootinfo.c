#include "lb/bootinfo.h"

#include <string.h>

#include "lb/board.h"
#include "lb/record.h"
#include "lb/err.h"

/* The fields after the frame (lb/record.h), in wire order
 * (docs/SPEC.md, "Boot info"). Each field is stored with its member's own
 * width (LB_FIELD), so every wire offset below is derived from the one
 * before it and the member's size: widening a member moves everything
 * after it, and the asserts then catch a layout that no longer matches
 * the 64-byte record (reserved bytes 44..59, CRC at 60). */
#define SZ(member) sizeof(((lb_bootinfo_t *)0)->member)
enum {
    O_REASON = 8, /* after magic (4), version (2), size (2) */
    O_IMAGE = O_REASON + SZ(reason),
    O_SLOT = O_IMAGE + SZ(image),
    O_RESET = O_SLOT + SZ(slot),
    O_ATTEMPTS = O_RESET + SZ(reset),
    O_TRIAL = O_ATTEMPTS + SZ(attempts),
    O_UNHEALTHY = O_TRIAL + SZ(trial_boots),
    O_CRASH = O_UNHEALTHY + SZ(unhealthy),
    O_FLAGS = O_CRASH + SZ(crash_limit),
    O_LOADER = O_FLAGS + SZ(flags),
    O_VER_MAJOR = O_LOADER + SZ(loader_version),
    O_VER_MINOR = O_VER_MAJOR + SZ(image_version.major),
    O_VER_REV = O_VER_MINOR + SZ(image_version.minor),
    O_VER_BUILD = O_VER_REV + SZ(image_version.revision),
    O_SECCNT = O_VER_BUILD + SZ(image_version.build),
    O_MIN_SECCNT = O_SECCNT + SZ(image_security_counter),
    O_BOOT_COUNT = O_MIN_SECCNT + SZ(min_security_counter),
    O_RESERVED = O_BOOT_COUNT + SZ(boot_count),
    RESERVED_SIZE = 16,
    O_CRC = O_RESERVED + RESERVED_SIZE,
};
#undef SZ
_Static_assert(O_CRC + 4 == LB_BOOTINFO_SIZE, "boot info fields, reserved and CRC fill 64 bytes");
_Static_assert(O_FLAGS % 4 == 0 && O_LOADER % 4 == 0 && O_VER_BUILD % 4 == 0 && O_SECCNT % 4 == 0 &&
                   O_BOOT_COUNT % 4 == 0 && O_CRC % 4 == 0,
               "32-bit boot info fields stay 4-byte aligned (docs/SPEC.md)");
#define F(wire, member) LB_FIELD(wire, lb_bootinfo_t, member)
static const lb_field_t fields[] = {
    F(O_REASON, reason),
    F(O_IMAGE, image),
    F(O_SLOT, slot),
    F(O_RESET, reset),
    F(O_ATTEMPTS, attempts),
    F(O_TRIAL, trial_boots),
    F(O_UNHEALTHY, unhealthy),
    F(O_CRASH, crash_limit),
    F(O_FLAGS, flags),
    F(O_LOADER, loader_version),
    F(O_VER_MAJOR, image_version.major),
    F(O_VER_MINOR, image_version.minor),
    F(O_VER_REV, image_version.revision),
    F(O_VER_BUILD, image_version.build),
    F(O_SECCNT, image_security_counter),
    F(O_MIN_SECCNT, min_security_counter),
    F(O_BOOT_COUNT, boot_count),
};
#undef F

int lb_bootinfo_encode(const lb_bootinfo_t *bi, uint8_t *buf, size_t cap)
{
    if (cap < LB_BOOTINFO_SIZE) {
        return LB_E_NOSPACE;
    }
    memset(buf, 0, LB_BOOTINFO_SIZE);
    lb_fields_put(buf, bi, fields, sizeof fields / sizeof fields[0]);
    lb_record_seal(buf, LB_BOOTINFO_MAGIC, LB_BOOTINFO_VERSION, LB_BOOTINFO_SIZE);
    return LB_BOOTINFO_SIZE;
}

int lb_bootinfo_decode(lb_bootinfo_t *bi, const uint8_t *buf, size_t len)
{
    int rc = lb_record_check(buf, len, LB_BOOTINFO_MAGIC, LB_BOOTINFO_VERSION, LB_BOOTINFO_SIZE);
    if (rc != LB_OK) {
        return rc;
    }
    memset(bi, 0, sizeof *bi);
    lb_fields_get(bi, buf, fields, sizeof fields / sizeof fields[0]);
    if (bi->reason >= LB_BOOT_REASON_COUNT || bi->image > LB_BOOT_IMAGE_RECOVERY ||
        (bi->slot > 1 && bi->slot != LB_BOOTINFO_SLOT_NONE) || bi->reset > LB_RESET_FAULT) {
        return LB_E_CORRUPT;
    }
    /* One encoding per record: re-encoding must give the same bytes, so
     * the reserved bytes are zero. */
    uint8_t again[LB_BOOTINFO_SIZE];
    lb_bootinfo_encode(bi, again, sizeof again);
    return memcmp(again, buf, LB_BOOTINFO_SIZE) == 0 ? LB_OK : LB_E_CORRUPT;
}

int lb_bootinfo_write(const lb_bootinfo_t *bi)
{
    size_t size = 0;
    uint8_t *ram = lb_board_retained(&size);
    if (ram == NULL) {
        return LB_E_NOSPACE;
    }
    return lb_bootinfo_encode(bi, ram, size) < 0 ? LB_E_NOSPACE : LB_OK;
}

int lb_bootinfo_read(lb_bootinfo_t *bi)
{
    size_t size = 0;
    const uint8_t *ram = lb_board_retained(&size);
    if (ram == NULL) {
        return LB_E_SIZE;
    }
    return lb_bootinfo_decode(bi, ram, size);
}

const char *lb_boot_reason_name(uint8_t reason)
{
    static const char *const names[LB_BOOT_REASON_COUNT] = {
        "normal",    "trial",        "rollback",   "strap",  "crash-loop",
        "requested", "no-valid-app", "self-check", "update",
    };
    return reason < LB_BOOT_REASON_COUNT ? names[reason] : "unknown";
}

const char *lb_boot_image_name(uint8_t image)
{
    static const char *const names[] = {"none", "app", "recovery"};
    return image <= LB_BOOT_IMAGE_RECOVERY ? names[image] : "unknown";
}

const char *lb_reset_cause_name(uint8_t cause)
{
    static const char *const names[] = {"unknown", "power-on", "software", "watchdog", "fault"};
    return cause <= LB_RESET_FAULT ? names[cause] : "unknown";
}
