/* The update history: what changed the device's firmware or its access,
 * kept on flash across resets in the layout's data partition named
 * `history` (at least two erase units) as a record log (lb/rlog.h): a
 * bounded ring whose oldest erase unit is dropped when it is full, power
 * safe at every instant. Written by the recovery image (recovery entry,
 * install, refusal, credential change) and the app runtime (confirm,
 * rollback); read by the recovery image behind authentication
 * (GET /api/history) and by `lifeboat status`.
 *
 * Record (little-endian, 48 bytes, CRC32 last; docs/SPEC.md, "Update
 * history"):
 *
 *   off size field
 *     0  4   magic      LB_HIST_MAGIC ("LBHI")
 *     4  2   version    LB_HIST_VERSION
 *     6  2   size       LB_HIST_RECORD_SIZE
 *     8  4   seq        1, 2, ... (the log's order)
 *    12  4   boot_count the boot state's count when it happened
 *    16  1   event      lb_hist_event_t
 *    17  1   source     lb_hist_source_t
 *    18  1   slot       app slot, or LB_HIST_SLOT_NONE
 *    19  1   detail     recovery entry / rollback: lb_boot_reason_t; else 0
 *    20  4   code       refusal: the LB_E_* reason (int32); else 0
 *    24  8   version    image version: major, minor, revision (u16), build (u32)
 *    32  4   security counter of the image
 *    36  4   client     IPv4 address (host order) of the client, 0 if none
 *    40  4   reserved (0)
 *    44  4   crc32 over bytes 0..43
 */
#ifndef LB_HISTORY_H
#define LB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "lb/image.h"
#include "lb/rlog.h"

#define LB_HIST_MAGIC 0x4948424Cu /* "LBHI": bytes 4C 42 48 49 */
#define LB_HIST_VERSION 1u
#define LB_HIST_RECORD_SIZE 48u
#define LB_HIST_SLOT_NONE 0xFFu

/* Values are stored; never renumber. */
typedef enum {
    LB_HIST_INSTALL = 1,    /* an image was accepted in full and activated */
    LB_HIST_REFUSED = 2,    /* an authenticated upload was refused (code says why) */
    LB_HIST_CONFIRM = 3,    /* a trial image reported healthy and became confirmed */
    LB_HIST_ROLLBACK = 4,   /* the loader fell back to the other slot (detail: reason) */
    LB_HIST_RECOVERY = 5,   /* the recovery image was entered (detail: reason) */
    LB_HIST_CREDENTIAL = 6, /* the recovery credential was replaced */
    LB_HIST_EVENT_COUNT = 7,
} lb_hist_event_t;

typedef enum {
    LB_HIST_SRC_DEVICE = 0,  /* the device decided (loader, app, recovery) */
    LB_HIST_SRC_PUSH = 1,    /* a client on the network pushed it */
    LB_HIST_SRC_CONSOLE = 2, /* the serial console */
    LB_HIST_SRC_PULL = 3,    /* the device fetched it (recovery's self-heal) */
    LB_HIST_SRC_COUNT = 4,
} lb_hist_source_t;

typedef struct {
    uint32_t seq;
    uint32_t boot_count;
    uint8_t event;  /* lb_hist_event_t */
    uint8_t source; /* lb_hist_source_t */
    uint8_t slot;
    uint8_t detail;
    int32_t code;
    lb_image_version_t version;
    uint32_t security_counter;
    uint32_t client;
} lb_hist_entry_t;

/* Encodes `e` (with e->seq) into buf, padded with `erased` up to `cap`.
 * Returns LB_HIST_RECORD_SIZE, LB_E_NOSPACE (cap too small) or LB_E_INVAL
 * (an event or source out of range). */
int lb_hist_encode(const lb_hist_entry_t *e, uint8_t *buf, size_t cap, uint8_t erased);

/* Decodes one untrusted record. Returns 0, LB_E_SIZE, LB_E_MAGIC,
 * LB_E_VERSION or LB_E_CORRUPT (CRC, reserved bytes, event or source out
 * of range). */
int lb_hist_decode(lb_hist_entry_t *e, const uint8_t *buf, size_t len);

/* Opens the history in `fa` (scans it). Returns as lb_rlog_open. */
int lb_hist_open(lb_rlog_t *l, const lb_flash_area_t *fa);

/* Appends `e` with the next sequence number (stored in e->seq). Returns
 * 0, LB_E_INVAL or as lb_rlog_append. */
int lb_hist_append(lb_rlog_t *l, lb_hist_entry_t *e);

/* Opens the history in `fa` and appends `e` (one call for writers that
 * note one event). Returns as lb_hist_open / lb_hist_append. */
int lb_hist_record(const lb_flash_area_t *fa, lb_hist_entry_t *e);

/* Called with each entry, oldest first; non-zero stops the walk. */
typedef int (*lb_hist_visit_fn)(const lb_hist_entry_t *e, void *ctx);

/* Walks the entries oldest first. Returns as lb_rlog_visit. */
int lb_hist_visit(const lb_rlog_t *l, lb_hist_visit_fn fn, void *ctx);

/* Stable lower-case names ("install", "push", ...); "?" out of range. */
const char *lb_hist_event_name(unsigned ev);
const char *lb_hist_source_name(unsigned src);

#endif
