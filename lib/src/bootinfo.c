#include "lb/bootinfo.h"

#include <string.h>

#include "lb/board.h"
#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

/* Byte offsets of the wire format (lb/bootinfo.h, docs/spec/bootinfo.md). */
enum {
    O_MAGIC = 0,
    O_VERSION = 4,
    O_SIZE = 6,
    O_REASON = 8,
    O_IMAGE = 9,
    O_SLOT = 10,
    O_RESET = 11,
    O_ATTEMPTS = 12,
    O_TRIAL = 13,
    O_UNHEALTHY = 14,
    O_CRASH = 15,
    O_FLAGS = 16,
    O_LOADER_VER = 20,
    O_IMG_MAJOR = 24,
    O_IMG_MINOR = 25,
    O_IMG_REV = 26,
    O_IMG_BUILD = 28,
    O_IMG_SECCNT = 32,
    O_MIN_SECCNT = 36,
    O_BOOT_COUNT = 40,
    O_RESERVED = 44,
    O_CRC = 60,
};
_Static_assert(O_CRC + 4 == LB_BOOTINFO_SIZE, "boot info is 64 bytes");

int lb_bootinfo_encode(const lb_bootinfo_t *bi, uint8_t *buf, size_t cap)
{
    if (cap < LB_BOOTINFO_SIZE) {
        return LB_E_NOSPACE;
    }
    memset(buf, 0, LB_BOOTINFO_SIZE);
    lb_put_le32(buf + O_MAGIC, LB_BOOTINFO_MAGIC);
    lb_put_le16(buf + O_VERSION, LB_BOOTINFO_VERSION);
    lb_put_le16(buf + O_SIZE, LB_BOOTINFO_SIZE);
    buf[O_REASON] = bi->reason;
    buf[O_IMAGE] = bi->image;
    buf[O_SLOT] = bi->slot;
    buf[O_RESET] = bi->reset;
    buf[O_ATTEMPTS] = bi->attempts;
    buf[O_TRIAL] = bi->trial_boots;
    buf[O_UNHEALTHY] = bi->unhealthy;
    buf[O_CRASH] = bi->crash_limit;
    lb_put_le32(buf + O_FLAGS, bi->flags);
    lb_put_le32(buf + O_LOADER_VER, bi->loader_version);
    buf[O_IMG_MAJOR] = bi->image_version.major;
    buf[O_IMG_MINOR] = bi->image_version.minor;
    lb_put_le16(buf + O_IMG_REV, bi->image_version.revision);
    lb_put_le32(buf + O_IMG_BUILD, bi->image_version.build);
    lb_put_le32(buf + O_IMG_SECCNT, bi->image_security_counter);
    lb_put_le32(buf + O_MIN_SECCNT, bi->min_security_counter);
    lb_put_le32(buf + O_BOOT_COUNT, bi->boot_count);
    lb_put_le32(buf + O_CRC, lb_crc32(0, buf, O_CRC));
    return LB_BOOTINFO_SIZE;
}

int lb_bootinfo_decode(lb_bootinfo_t *bi, const uint8_t *buf, size_t len)
{
    if (len < LB_BOOTINFO_SIZE) {
        return LB_E_SIZE;
    }
    if (lb_get_le32(buf + O_MAGIC) != LB_BOOTINFO_MAGIC) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(buf + O_VERSION) != LB_BOOTINFO_VERSION ||
        lb_get_le16(buf + O_SIZE) != LB_BOOTINFO_SIZE) {
        return LB_E_VERSION;
    }
    if (lb_get_le32(buf + O_CRC) != lb_crc32(0, buf, O_CRC)) {
        return LB_E_CORRUPT;
    }
    for (unsigned i = O_RESERVED; i < O_CRC; i++) {
        if (buf[i] != 0) {
            return LB_E_CORRUPT;
        }
    }
    if (buf[O_REASON] >= LB_BOOT_REASON_COUNT || buf[O_IMAGE] > LB_BOOT_IMAGE_RECOVERY ||
        (buf[O_SLOT] > 1 && buf[O_SLOT] != LB_BOOTINFO_SLOT_NONE) ||
        buf[O_RESET] > LB_RESET_FAULT) {
        return LB_E_CORRUPT;
    }
    bi->reason = buf[O_REASON];
    bi->image = buf[O_IMAGE];
    bi->slot = buf[O_SLOT];
    bi->reset = buf[O_RESET];
    bi->attempts = buf[O_ATTEMPTS];
    bi->trial_boots = buf[O_TRIAL];
    bi->unhealthy = buf[O_UNHEALTHY];
    bi->crash_limit = buf[O_CRASH];
    bi->flags = lb_get_le32(buf + O_FLAGS);
    bi->loader_version = lb_get_le32(buf + O_LOADER_VER);
    bi->image_version.major = buf[O_IMG_MAJOR];
    bi->image_version.minor = buf[O_IMG_MINOR];
    bi->image_version.revision = lb_get_le16(buf + O_IMG_REV);
    bi->image_version.build = lb_get_le32(buf + O_IMG_BUILD);
    bi->image_security_counter = lb_get_le32(buf + O_IMG_SECCNT);
    bi->min_security_counter = lb_get_le32(buf + O_MIN_SECCNT);
    bi->boot_count = lb_get_le32(buf + O_BOOT_COUNT);
    return LB_OK;
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
