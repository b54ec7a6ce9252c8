/* A power-safe log of fixed-size records in a flash area of at least two
 * erase units: the storage under the recovery credential (lb/credential.h),
 * the update history (lb/history.h) and the entropy seed (lb/seed.h).
 *
 * Each record occupies one slot (its size rounded up to the program size)
 * and carries a sequence number; the valid record with the highest one is
 * the newest. Appends go to the first slot after the last programmed one
 * of the newest record's erase unit; when that unit is full, the next unit
 * (wrapping) is erased first, so the oldest unit's records are dropped and
 * the unit holding the newest record is never touched. A cut while a
 * record is programmed leaves a slot that fails its check: it is skipped
 * and never programmed again. A cut while a unit is erased leaves the
 * newest record where it was, so the next append erases that unit again.
 * Format of the records: each user's section of docs/SPEC.md; the log
 * itself: docs/SPEC.md, "Record logs". */
#ifndef LB_RLOG_H
#define LB_RLOG_H

#include <stddef.h>
#include <stdint.h>

#include "lb/flash.h"

/* Checks one untrusted record of `len` bytes (the slot; the record is at
 * its start) and stores its sequence number. Returns 0 when valid. */
typedef int (*lb_rlog_check_fn)(const uint8_t *rec, size_t len, uint32_t *seq);

typedef struct {
    const lb_flash_area_t *fa;
    lb_rlog_check_fn check;
    uint32_t slot;       /* slot size */
    int found;           /* a valid record exists */
    uint32_t newest_seq; /* ... with this number */
    uint32_t newest_off; /* ... at this partition offset */
    uint32_t unit_start; /* erase unit of the newest record */
    uint32_t unit_size;
    uint32_t next; /* first slot after the last programmed one in that unit */
} lb_rlog_t;

/* Scans the area for records of `rec_size` bytes (the area must outlive
 * the log). Returns 0, LB_E_INVAL (fewer than two erase units, a unit
 * smaller than a slot, or a slot above LB_CFG_PROGRAM_MAX) or a read
 * error. */
int lb_rlog_open(lb_rlog_t *l, const lb_flash_area_t *fa, uint32_t rec_size,
                 lb_rlog_check_fn check);

/* The sequence number the next record must carry (1 in an empty log).
 * Returns it, or 0 when the numbers are exhausted. */
uint32_t lb_rlog_next_seq(const lb_rlog_t *l);

/* Appends `rec`: l->slot bytes, the record padded with the erased value,
 * numbered lb_rlog_next_seq(l). The log then describes it as the newest.
 * Returns 0, LB_E_NOSPACE (numbers exhausted) or a flash error (the
 * previous newest record stays the newest). */
int lb_rlog_append(lb_rlog_t *l, const uint8_t *rec);

/* Reads the newest record (l->slot bytes) into buf. Returns 0,
 * LB_E_NOTFOUND (empty log) or a read error. */
int lb_rlog_read_newest(const lb_rlog_t *l, uint8_t *buf);

/* Called with each valid record (l->slot bytes) in increasing sequence
 * order; a non-zero return stops the walk and is returned. */
typedef int (*lb_rlog_visit_fn)(const uint8_t *rec, uint32_t seq, void *ctx);

/* Walks the records oldest first. Returns 0, what `fn` returned to stop,
 * or a read error. */
int lb_rlog_visit(const lb_rlog_t *l, lb_rlog_visit_fn fn, void *ctx);

#endif
