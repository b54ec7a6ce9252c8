/* Boot info: the record the loader hands to the image it starts, in the
 * board's retained RAM (lb_board_retained). It says why the image was
 * started, from which slot, after which reset, and by which loader.
 * Format (little-endian, 64 bytes, CRC32 last): docs/SPEC.md, "Boot info".
 *
 *   off size field
 *     0  4   magic      LB_BOOTINFO_MAGIC ("LBBI")
 *     4  2   version    LB_BOOTINFO_VERSION
 *     6  2   size       LB_BOOTINFO_SIZE
 *     8  1   reason     lb_boot_reason_t
 *     9  1   image      lb_boot_image_t
 *    10  1   slot       0, 1 or LB_BOOTINFO_SLOT_NONE
 *    11  1   reset      lb_reset_cause_t of this boot
 *    12  1   attempts   trial boots used, this one included
 *    13  1   trial_boots  configured limit
 *    14  1   unhealthy  consecutive unhealthy boots counted so far
 *    15  1   crash_limit  configured limit
 *    16  4   flags      LB_BOOTINFO_F_*
 *    20  4   loader_version  major<<24 | minor<<16 | revision
 *    24  1+1+2+4 image version major, minor, revision, build
 *    32  4   image security counter
 *    36  4   min security counter (anti-rollback floor)
 *    40  4   boot_count
 *    44 16   reserved (0)
 *    60  4   crc32 over bytes 0..59
 */
#ifndef LB_BOOTINFO_H
#define LB_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"

#define LB_BOOTINFO_MAGIC 0x4942424Cu /* "LBBI": bytes 4C 42 42 49 */
#define LB_BOOTINFO_VERSION 1u
#define LB_BOOTINFO_SIZE 64u
#define LB_BOOTINFO_SLOT_NONE 0xFFu

/* Why the loader started this image. Values are stored in boot info and in
 * the boot state's last recovery reason; never renumber. */
typedef enum {
    LB_BOOT_REASON_NORMAL = 0,       /* the active, confirmed app */
    LB_BOOT_REASON_TRIAL = 1,        /* a new app on one of its trial boots */
    LB_BOOT_REASON_ROLLBACK = 2,     /* the other confirmed slot, after a failed trial or image */
    LB_BOOT_REASON_STRAP = 3,        /* recovery strap held at power-on */
    LB_BOOT_REASON_CRASH_LOOP = 4,   /* confirmed app reset unhealthy crash_limit times */
    LB_BOOT_REASON_REQUESTED = 5,    /* one-shot request from the app */
    LB_BOOT_REASON_NO_VALID_APP = 6, /* no app slot verified */
    LB_BOOT_REASON_SELF_CHECK = 7,   /* one-shot request: start recovery to check it */
    LB_BOOT_REASON_UPDATE = 8,       /* one-shot request: start recovery to pull an update */
    LB_BOOT_REASON_COUNT = 9,
} lb_boot_reason_t;

typedef enum {
    LB_BOOT_IMAGE_NONE = 0,
    LB_BOOT_IMAGE_APP = 1,
    LB_BOOT_IMAGE_RECOVERY = 2,
} lb_boot_image_t;

/* flags */
#define LB_BOOTINFO_F_PTABLE_FALLBACK 0x01u /* ptable partition invalid; built-in layout used */
#define LB_BOOTINFO_F_RECOVERY_BAD 0x02u    /* recovery was wanted but failed verification */
#define LB_BOOTINFO_F_STATE_BLANK 0x04u     /* boot state had no valid record (factory) */
#define LB_BOOTINFO_F_SIGNED 0x08u          /* the image's signature was verified */

/* Tagged: ota_handler.h declares lb_app_bootinfo() with struct lb_bootinfo. */
typedef struct lb_bootinfo {
    uint8_t reason; /* lb_boot_reason_t */
    uint8_t image;  /* lb_boot_image_t */
    uint8_t slot;   /* app slot, or LB_BOOTINFO_SLOT_NONE */
    uint8_t reset;  /* lb_reset_cause_t */
    uint8_t attempts;
    uint8_t trial_boots;
    uint8_t unhealthy;
    uint8_t crash_limit;
    uint32_t flags;
    uint32_t loader_version;
    lb_image_version_t image_version;
    uint32_t image_security_counter;
    uint32_t min_security_counter;
    uint32_t boot_count;
} lb_bootinfo_t;

/* Serialises `bi` into `buf` (at least LB_BOOTINFO_SIZE bytes).
 * Returns LB_BOOTINFO_SIZE or LB_E_NOSPACE. */
int lb_bootinfo_encode(const lb_bootinfo_t *bi, uint8_t *buf, size_t cap);

/* Parses untrusted bytes (retained RAM after any reset). Returns 0,
 * LB_E_SIZE, LB_E_MAGIC, LB_E_VERSION or LB_E_CORRUPT (CRC, reserved
 * bytes, or a field out of range). `bi` is undefined on error. */
int lb_bootinfo_decode(lb_bootinfo_t *bi, const uint8_t *buf, size_t len);

/* Loader side: writes `bi` at the start of the board's retained RAM.
 * Returns 0 or LB_E_NOSPACE (retained area too small). */
int lb_bootinfo_write(const lb_bootinfo_t *bi);

/* Image side: reads and validates the record from retained RAM.
 * Returns 0 or the lb_bootinfo_decode error. */
int lb_bootinfo_read(lb_bootinfo_t *bi);

/* Lower-case names used on the console and in JSON ("crash-loop", ...);
 * "unknown" for values out of range. Never NULL. */
const char *lb_boot_reason_name(uint8_t reason);
const char *lb_boot_image_name(uint8_t image);
const char *lb_reset_cause_name(uint8_t cause);

#endif
