#include "lb/bootinfo.h"

#include <string.h>

#include "lb/board.h"
#include "lb/record.h"
#include "lb/err.h"

/* The fields after the frame (lb/record.h), in wire order
 * (docs/SPEC.md, "Boot info"). Bytes 44..59 are reserved (0); CRC at 60. */
#define F(wire, member) LB_FIELD(wire, lb_bootinfo_t, member)
static const lb_field_t fields[] = {
    F(8, reason),
    F(9, image),
    F(10, slot),
    F(11, reset),
    F(12, attempts),
    F(13, trial_boots),
    F(14, unhealthy),
    F(15, crash_limit),
    F(16, flags),
    F(20, loader_version),
    F(24, image_version.major),
    F(25, image_version.minor),
    F(26, image_version.revision),
    F(28, image_version.build),
    F(32, image_security_counter),
    F(36, min_security_counter),
    F(40, boot_count),
};
#undef F
_Static_assert(40 + 4 + 16 + 4 == LB_BOOTINFO_SIZE, "boot info is 64 bytes");

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
        "normal",     "trial",     "rollback",     "strap",
        "crash-loop", "requested", "no-valid-app", "self-check",
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
