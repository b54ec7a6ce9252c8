/* Partition-bounded flash access over the board contract (lb/board.h).
 * Boot state, the loader and the recovery image reach flash only through
 * this layer: every access is checked against its partition, program
 * lengths are padded with the erased value, and erases are whole erase
 * units (which may differ in size inside one partition).
 *
 * Offsets passed to lb_flash_area_* are relative to the partition start. */
#ifndef LB_FLASH_H
#define LB_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "lb/config.h"
#include "lb/geom.h"

/* One partition (or any erase-aligned range) of the board's flash. */
typedef struct {
    const lb_geom_t *geom; /* the whole flash's geometry */
    uint32_t off;          /* absolute start, on an erase-unit boundary */
    uint32_t size;         /* bytes, ends on an erase-unit boundary */
} lb_flash_area_t;

/* Describes [off, off+size) of the flash described by `geom` (which must
 * outlive the area). Returns 0, LB_E_INVAL (size 0, bad geometry or a
 * program size above LB_CFG_PROGRAM_MAX), LB_E_RANGE (outside the flash)
 * or LB_E_ALIGN (not on erase-unit boundaries). */
int lb_flash_area_init(lb_flash_area_t *fa, const lb_geom_t *geom, uint32_t off, uint32_t size);

/* Reads `len` bytes at partition offset `off`. Returns 0, LB_E_RANGE or the
 * board's error. */
int lb_flash_area_read(const lb_flash_area_t *fa, uint32_t off, void *buf, size_t len);

/* Programs `len` bytes at `off`; both must be multiples of the program
 * size. Returns 0, LB_E_RANGE, LB_E_ALIGN or the board's error (e.g.
 * LB_E_NOTERASED). */
int lb_flash_area_program(const lb_flash_area_t *fa, uint32_t off, const void *buf, size_t len);

/* Programs `len` bytes (any length) at aligned `off`; the last program
 * unit is completed with the erased value. Occupies
 * lb_flash_area_align(fa, len) bytes. Returns 0 or as lb_flash_area_program. */
int lb_flash_area_program_padded(const lb_flash_area_t *fa, uint32_t off, const void *buf,
                                 size_t len);

/* Erases [off, off+len), which must start and end on erase-unit
 * boundaries. Returns 0, LB_E_RANGE, LB_E_ALIGN or the board's error. */
int lb_flash_area_erase(const lb_flash_area_t *fa, uint32_t off, uint32_t len);

/* Erase-ahead for sequential writers: `*erased_end` (a unit boundary,
 * partition-relative) is how far the area is known erased; erases whole
 * units from there until it covers `end` and advances `*erased_end`.
 * Returns 0, LB_E_RANGE (end beyond the area) or the board's error. */
int lb_flash_area_erase_ahead(const lb_flash_area_t *fa, uint32_t *erased_end, uint32_t end);

/* Finds the erase unit holding partition offset `off`: stores its
 * partition-relative start and size (either may be NULL). Returns 0 or
 * LB_E_RANGE. */
int lb_flash_area_unit(const lb_flash_area_t *fa, uint32_t off, uint32_t *start, uint32_t *size);

/* Checks whether [off, off+len) reads as erased. Returns 1 (erased),
 * 0 (not) or a negative error from reading. */
int lb_flash_area_is_erased(const lb_flash_area_t *fa, uint32_t off, uint32_t len);

/* Returns `len` rounded up to the program size. */
uint32_t lb_flash_area_align(const lb_flash_area_t *fa, uint32_t len);

/* Sequential writer: erase-ahead, program whole units straight from the
 * caller's data, buffer a partial unit between calls. For streaming an
 * image into a slot from arbitrary-sized chunks (the recovery upload). */
typedef struct {
    const lb_flash_area_t *fa;
    uint32_t pos;        /* next partition offset to program (aligned) */
    uint32_t erased_end; /* area known erased up to here */
    uint32_t pend_len;   /* bytes waiting in pend (< program size) */
    uint8_t pend[LB_CFG_PROGRAM_MAX];
} lb_flash_writer_t;

/* Starts writing at partition offset `start` (an erase-unit boundary; the
 * area from there is erased as needed). Returns 0, LB_E_ALIGN or
 * LB_E_RANGE. */
int lb_flash_writer_init(lb_flash_writer_t *w, const lb_flash_area_t *fa, uint32_t start);

/* Leaves the next `len` bytes (a multiple of the program size; nothing
 * may be buffered) erased but unprogrammed: erases ahead over them and
 * moves past, so the caller can program them later with
 * lb_flash_area_program (the installer's commit unit). Returns 0,
 * LB_E_ALIGN, LB_E_STATE (bytes buffered), LB_E_NOSPACE or a flash error. */
int lb_flash_writer_skip(lb_flash_writer_t *w, uint32_t len);

/* Appends `len` bytes. Returns 0, LB_E_NOSPACE when the data would run
 * past the area, or a flash error. */
int lb_flash_writer_write(lb_flash_writer_t *w, const void *data, size_t len);

/* Programs any buffered tail, padded with the erased value. Returns 0 or a
 * flash error. Bytes written so far: w->pos after finishing. */
int lb_flash_writer_finish(lb_flash_writer_t *w);

#endif
