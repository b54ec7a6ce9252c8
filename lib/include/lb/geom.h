/* Flash geometry: size, erased value, program granularity and the erase
 * regions (possibly non-uniform, e.g. STM32F4 4x16K + 1x64K + 7x128K).
 * Shared by the board contract, the partition table and the host tools. */
#ifndef LB_GEOM_H
#define LB_GEOM_H

#include <stdbool.h>
#include <stdint.h>

#define LB_GEOM_MAX_REGIONS 8u

/* `count` consecutive erase units of `size` bytes each. */
typedef struct {
    uint32_t count;
    uint32_t size;
} lb_erase_region_t;

typedef struct {
    uint32_t size;         /* total bytes; equals the sum over the regions */
    uint32_t program_size; /* program granularity in bytes (power of two) */
    uint8_t erased;        /* value of an erased byte: 0xFF or 0x00 */
    uint8_t program_once;  /* 1: a unit may be programmed once per erase (ECC flash) */
    uint8_t region_count;  /* 1..LB_GEOM_MAX_REGIONS */
    uint8_t reserved;
    lb_erase_region_t regions[LB_GEOM_MAX_REGIONS]; /* in order from offset 0 */
} lb_geom_t;

/* Checks internal consistency: regions non-empty and summing to `size`
 * without 32-bit overflow, program size a power of two that divides every
 * erase unit, erased value 0x00 or 0xFF. Returns 0 or LB_E_INVAL/LB_E_RANGE. */
int lb_geom_check(const lb_geom_t *g);

/* Finds the erase unit containing `off`. On success stores its start and
 * size (either pointer may be NULL) and returns 0; LB_E_RANGE if `off` is
 * not inside the flash. */
int lb_geom_unit_at(const lb_geom_t *g, uint32_t off, uint32_t *start, uint32_t *size);

/* True when `off` is the start of an erase unit or the end of the flash. */
bool lb_geom_is_boundary(const lb_geom_t *g, uint32_t off);

/* Counts the erase units in [off, off+len), which must start and end on
 * boundaries. Returns the count (>= 0) or LB_E_ALIGN / LB_E_RANGE. */
int lb_geom_units_in(const lb_geom_t *g, uint32_t off, uint32_t len);

#endif
