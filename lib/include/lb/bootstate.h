/* Boot state: the loader's persistent memory, in the `bootstate` partition
 * (at least two erase units; units may differ in size).
 *
 * The partition is a log of fixed-size records. Every record is a complete
 * snapshot of the state (64 bytes, padded to the program size), carries its
 * own sequence number and CRC, and is programmed once into never-programmed
 * flash; the valid record with the highest sequence number wins. Appending
 * costs one program and no erase. When the unit holding the newest record
 * is full, the next unit (in partition order, wrapping) is erased and the
 * new snapshot becomes its first record; the old unit is abandoned, never
 * erased before the new record is valid. A torn write or erase therefore
 * only ever loses the update being made. Format: docs/SPEC.md, "Boot state".
 *
 * Users: the loader (lb_bootstate_open, then one lb_bootstate_commit per
 * boot), the app runtime (confirm, request recovery), the recovery image
 * (install, clear the crash counter, read everything for its status). */
#ifndef LB_BOOTSTATE_H
#define LB_BOOTSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/flash.h"
#include "lb/image.h"

#define LB_BOOTSTATE_MAGIC 0x5342424Cu /* "LBBS": bytes 4C 42 42 53, never 00/FF */
#define LB_BOOTSTATE_VERSION 1u
#define LB_BOOTSTATE_RECORD_SIZE 64u /* encoded record; a log slot is this rounded up */
#define LB_BOOTSTATE_SLOTS 2u        /* app slots tracked (layouts have 1 or 2) */
#define LB_BOOTSTATE_NONE 0xFFu      /* "no slot" / "no reason" in the byte fields */

/* Per-slot state. */
typedef enum {
    LB_SLOT_EMPTY = 0,     /* nothing installed (or being written) */
    LB_SLOT_NEW = 1,       /* installed, verified by the installer, not yet booted */
    LB_SLOT_TRIAL = 2,     /* booted `attempts` times without being confirmed */
    LB_SLOT_CONFIRMED = 3, /* reported healthy at least once: a known-good image */
    LB_SLOT_INVALID = 4,   /* failed its trial or its verification: never booted again */
} lb_slot_state_t;

/* One-shot requests from an image to the next loader run. */
typedef enum {
    LB_REQUEST_NONE = 0,
    LB_REQUEST_RECOVERY = 1,   /* start recovery (reason: requested) */
    LB_REQUEST_SELF_CHECK = 2, /* start recovery to let it check itself (reason: self-check) */
    /* start recovery to install the newer version the app's agent was
     * offered (reason: update; a single-slot app cannot write its own slot) */
    LB_REQUEST_UPDATE = 3,
    LB_REQUEST_MAX = LB_REQUEST_UPDATE,
} lb_request_t;

/* What the loader started last (to know whether a reset ended an app). */
typedef enum {
    LB_BOOTED_NONE = 0,
    LB_BOOTED_SLOT0 = 1,
    LB_BOOTED_SLOT1 = 2,
    LB_BOOTED_RECOVERY = 3,
} lb_booted_t;

typedef struct {
    uint8_t state;    /* lb_slot_state_t */
    uint8_t attempts; /* trial boots used */
    lb_image_version_t version;
    uint32_t security_counter;
} lb_bootstate_slot_t;

/* The decoded state. */
typedef struct {
    uint32_t seq;                  /* sequence number of the record it came from */
    uint32_t boot_count;           /* loader runs that recorded a decision */
    uint32_t min_security_counter; /* anti-rollback floor; never decreases */
    uint8_t active_slot;           /* slot to boot, or LB_BOOTSTATE_NONE */
    uint8_t unhealthy;             /* consecutive unhealthy app boots */
    uint8_t request;               /* lb_request_t, one-shot */
    uint8_t last_recovery_reason;  /* lb_boot_reason_t, or LB_BOOTSTATE_NONE */
    uint8_t last_booted;           /* lb_booted_t */
    lb_bootstate_slot_t slots[LB_BOOTSTATE_SLOTS];
} lb_bootstate_t;

/* An open boot-state log: where it lives and where the next record goes. */
typedef struct {
    lb_flash_area_t area;
    uint32_t slot_size;  /* record size rounded up to the program size */
    uint32_t unit_start; /* partition offset of the unit holding the newest record */
    uint32_t unit_size;
    uint32_t next; /* partition offset for the next record in that unit */
    bool blank;    /* no valid record found: `state` holds the defaults */
    lb_bootstate_t state;
} lb_bootstate_log_t;

/* Fills `s` with the state of a device that never recorded anything: all
 * slots empty, no active slot, counters 0. */
void lb_bootstate_defaults(lb_bootstate_t *s);

/* Encodes `s` as one record (with s->seq) into `buf`, padded with `erased`
 * to `cap` bytes. `cap` must be at least LB_BOOTSTATE_RECORD_SIZE.
 * Returns LB_BOOTSTATE_RECORD_SIZE, LB_E_NOSPACE or LB_E_INVAL (a field out
 * of range). Host tools use this to build an initial boot state. */
int lb_bootstate_encode(const lb_bootstate_t *s, uint8_t *buf, size_t cap, uint8_t erased);

/* Decodes one untrusted record. Returns 0, LB_E_SIZE, LB_E_MAGIC,
 * LB_E_VERSION or LB_E_CORRUPT (CRC, reserved bytes, field out of range). */
int lb_bootstate_decode(lb_bootstate_t *s, const uint8_t *buf, size_t len);

/* Opens the log in partition [off, off+size) of `geom` (which must outlive
 * `log`) and finds the newest valid record. A partition without one (fresh,
 * or garbage) opens as blank with default state. Returns 0, LB_E_INVAL
 * (fewer than two erase units, a unit smaller than one record, bad
 * geometry), LB_E_ALIGN/LB_E_RANGE (partition not on unit boundaries) or a
 * read error; after an error `log` must not be used. */
int lb_bootstate_open(lb_bootstate_log_t *log, const lb_geom_t *geom, uint32_t off, uint32_t size);

/* The current (newest) state of an open log. */
const lb_bootstate_t *lb_bootstate_get(const lb_bootstate_log_t *log);

/* Appends `next` as the new state (its seq is assigned; the minimum
 * security counter is kept at least the current one). One program; when
 * the unit is full, one erase of the next unit plus one program.
 * On success log->state is the new state. Open the log right before
 * changing it: a log opened earlier, when someone else has appended since,
 * is refused with LB_E_STATE (reopen and retry). Returns 0, LB_E_INVAL
 * (field out of range), LB_E_STATE, LB_E_NOSPACE (sequence exhausted) or a
 * flash error (the log is left consistent: the previous state stays
 * current). */
int lb_bootstate_commit(lb_bootstate_log_t *log, const lb_bootstate_t *next);

/* App runtime: `slot` (the one running, from boot info) reported healthy.
 * A new/trial slot becomes confirmed and raises the minimum security
 * counter to its own; the unhealthy count is cleared. Writes nothing when
 * nothing changes. Returns 0, LB_E_STATE (slot is not the active one, or is
 * empty/invalid), LB_E_INVAL or a flash error. */
int lb_bootstate_confirm(lb_bootstate_log_t *log, unsigned slot);

/* Sets the one-shot request (lb_request_t) for the next loader run.
 * Returns 0, LB_E_INVAL or a flash error. */
int lb_bootstate_request(lb_bootstate_log_t *log, uint8_t request);

/* Recovery, when it gives the app another chance: clears the unhealthy
 * count (written only if non-zero). Returns 0 or a flash error. */
int lb_bootstate_clear_unhealthy(lb_bootstate_log_t *log);

/* Installer, before erasing `slot`: marks it empty (and, if it was the
 * active slot, makes the other confirmed slot active) so that nothing
 * trusts it while it is being written. Returns 0, LB_E_INVAL or a flash
 * error. */
int lb_bootstate_install_begin(lb_bootstate_log_t *log, unsigned slot);

/* Installer, after the whole image was written and verified: marks `slot`
 * new with its version and security counter and makes it the active slot,
 * so the next boot tries it. Returns 0, LB_E_SECCNT (below the minimum:
 * a downgrade), LB_E_INVAL or a flash error. */
int lb_bootstate_install_done(lb_bootstate_log_t *log, unsigned slot,
                              const lb_image_version_t *version, uint32_t security_counter);

/* Lower-case slot state name ("trial", ...) or "unknown". Never NULL. */
const char *lb_slot_state_name(uint8_t state);

#endif
