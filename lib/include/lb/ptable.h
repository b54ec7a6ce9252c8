/* The binary partition table, written to the `ptable` partition by
 * `lifeboat gen` and read by the loader, the recovery image and the tools.
 * Wire layout (all little-endian, specified in docs/SPEC.md):
 *
 *   header   32 bytes                      lb_ptable_hdr_wire_t
 *   regions  region_count x 8 bytes        lb_ptable_region_wire_t
 *   entries  entry_count  x 32 bytes       lb_ptable_entry_wire_t
 *   crc32    4 bytes, over every byte before it
 */
#ifndef LB_PTABLE_H
#define LB_PTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lb/geom.h"

#define LB_PTABLE_MAGIC 0x5450424Cu /* "LBPT" read as little-endian bytes */
#define LB_PTABLE_VERSION 1u
#define LB_PTABLE_MAX_ENTRIES 16u
#define LB_PTABLE_NAME_LEN 16u /* including the terminating NUL */
#define LB_PTABLE_SLOT_NONE 0xFFu
#define LB_PTABLE_MAX_SLOTS 2u
#define LB_PTABLE_FLAG_PROGRAM_ONCE 0x01u /* header flags: ECC flash */

/* Partition types. 0 and 0xFF are never valid so that an erased or zeroed
 * entry is rejected whatever the flash's erased value. */
typedef enum {
    LB_PART_LOADER = 1,
    LB_PART_PTABLE = 2,
    LB_PART_BOOTSTATE = 3,
    LB_PART_RECOVERY = 4,
    LB_PART_APP = 5,
    LB_PART_DATA = 6,
} lb_part_type_t;

/* Wire structures: naturally aligned with explicit reserved fields, so the
 * struct layout is the byte layout (checked below). Used for offsets and
 * documentation; encoding goes field by field through lb/endian.h. */
typedef struct {
    uint32_t magic;        /* LB_PTABLE_MAGIC */
    uint16_t version;      /* LB_PTABLE_VERSION */
    uint16_t header_size;  /* sizeof(lb_ptable_hdr_wire_t) */
    uint32_t total_size;   /* header + regions + entries + crc */
    uint32_t flash_size;   /* bytes */
    uint32_t program_size; /* program granularity, bytes */
    uint8_t erased;        /* erased byte value, 0xFF or 0x00 */
    uint8_t flags;         /* LB_PTABLE_FLAG_* */
    uint8_t region_count;  /* 1..LB_GEOM_MAX_REGIONS */
    uint8_t entry_count;   /* 1..LB_PTABLE_MAX_ENTRIES */
    uint32_t reserved[2];  /* 0 */
} lb_ptable_hdr_wire_t;

typedef struct {
    uint32_t count; /* erase units in this region */
    uint32_t size;  /* bytes per unit */
} lb_ptable_region_wire_t;

typedef struct {
    char name[LB_PTABLE_NAME_LEN]; /* [a-z0-9_], NUL-padded, at least one NUL */
    uint8_t type;                  /* lb_part_type_t */
    uint8_t slot;                  /* app: 0 or 1; others LB_PTABLE_SLOT_NONE */
    uint16_t flags;                /* 0, reserved */
    uint32_t offset;               /* from flash start, on an erase boundary */
    uint32_t size;                 /* bytes, ends on an erase boundary */
    uint32_t reserved;             /* 0 */
} lb_ptable_entry_wire_t;

_Static_assert(sizeof(lb_ptable_hdr_wire_t) == 32, "ptable header is 32 bytes");
_Static_assert(sizeof(lb_ptable_region_wire_t) == 8, "ptable region is 8 bytes");
_Static_assert(sizeof(lb_ptable_entry_wire_t) == 32, "ptable entry is 32 bytes");

#define LB_PTABLE_MAX_SIZE                                                                         \
    (sizeof(lb_ptable_hdr_wire_t) + LB_GEOM_MAX_REGIONS * sizeof(lb_ptable_region_wire_t) +        \
     LB_PTABLE_MAX_ENTRIES * sizeof(lb_ptable_entry_wire_t) + 4u)

/* Decoded, in-memory form. */
typedef struct {
    char name[LB_PTABLE_NAME_LEN];
    uint8_t type;
    uint8_t slot;
    uint16_t flags;
    uint32_t offset;
    uint32_t size;
} lb_part_t;

typedef struct {
    lb_geom_t geom;
    uint8_t count;
    lb_part_t parts[LB_PTABLE_MAX_ENTRIES];
} lb_ptable_t;

/* Bytes lb_ptable_encode() writes for `t`. */
size_t lb_ptable_encoded_size(const lb_ptable_t *t);

/* Serialises `t` (which should pass lb_ptable_check) into `buf`.
 * Returns the number of bytes written, LB_E_NOSPACE if `cap` is too small,
 * LB_E_INVAL if counts exceed the format's limits. */
int lb_ptable_encode(const lb_ptable_t *t, uint8_t *buf, size_t cap);

/* Parses and fully validates untrusted bytes (magic, version, sizes, CRC,
 * then lb_ptable_check). `len` may exceed the table (trailing bytes, e.g.
 * the rest of the partition, are ignored). Returns 0, or LB_E_MAGIC,
 * LB_E_VERSION, LB_E_SIZE, LB_E_CORRUPT (CRC or reserved fields),
 * or what lb_ptable_check returns. `t` is undefined on error. */
int lb_ptable_decode(lb_ptable_t *t, const uint8_t *buf, size_t len);

/* Semantic checks: geometry consistent; names valid and unique; partitions
 * in flash order, non-empty, on erase boundaries, inside the flash, not
 * overlapping; exactly one loader, ptable, bootstate and recovery; one or
 * two app slots numbered 0 and 1; bootstate at least two erase units.
 * Returns 0 or a negative code; if `why` is non-NULL it receives a short
 * static description of the first problem. */
int lb_ptable_check(const lb_ptable_t *t, const char **why);

/* Returns the partition of `type` (and `slot` for apps; pass
 * LB_PTABLE_SLOT_NONE otherwise), or NULL. */
const lb_part_t *lb_ptable_find(const lb_ptable_t *t, uint8_t type, uint8_t slot);

/* Returns the partition called `name`, or NULL. */
const lb_part_t *lb_ptable_find_name(const lb_ptable_t *t, const char *name);

/* Number of app slots (1 or 2) in a checked table. */
unsigned lb_ptable_slot_count(const lb_ptable_t *t);

/* Lower-case type name ("loader", "app", ...) or "unknown"; and the reverse
 * (returns 0 for an unknown name). */
const char *lb_part_type_name(uint8_t type);
uint8_t lb_part_type_from_name(const char *name);

#endif
