/* Fixed little-endian records described by tables instead of code.
 *
 * Boot state and boot info share one frame: magic (u32 at 0), format
 * version (u16 at 4), record size (u16 at 6), fields, CRC32 over every
 * byte before it (u32, the record's last 4 bytes). Their fields are
 * listed in tables of lb_field_t (wire offset, struct offset, width), so
 * that one small loop serialises every field of both formats, field by
 * field and independent of host endianness: the loader pays for the loop
 * once instead of one load/shift/store sequence per field (~400 bytes).
 * Formats: docs/SPEC.md (boot state, boot info). */
#ifndef LB_RECORD_H
#define LB_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* One field: an unsigned little-endian value of 1, 2 or 4 bytes at byte
 * `wire` of the record, held in an unsigned struct member of 1, 2 or 4
 * bytes at byte `mem` of the struct. `widths` = wire width | member
 * width << 4; a member at least as wide as the wire value holds it whole. */
typedef struct {
    uint8_t wire;
    uint8_t mem;
    uint8_t widths;
} lb_field_t;

/* A table entry for `member` of struct `type` stored at byte `wire` with
 * `width` bytes (LB_FIELD_AS) or with the member's own width (LB_FIELD). */
#define LB_FIELD_AS(wire, width, type, member)                                                     \
    {                                                                                              \
        (wire), (uint8_t)offsetof(type, member),                                                   \
            (uint8_t)((width) | sizeof(((type *)0)->member) << 4)                                  \
    }
#define LB_FIELD(wire, type, member) LB_FIELD_AS(wire, sizeof(((type *)0)->member), type, member)

/* Writes the `n` fields of `obj` into `rec` (little-endian). */
void lb_fields_put(uint8_t *rec, const void *obj, const lb_field_t *f, size_t n);

/* Reads the `n` fields of `rec` into `obj`. */
void lb_fields_get(void *obj, const uint8_t *rec, const lb_field_t *f, size_t n);

/* Writes the frame of a `size`-byte record at `rec`: magic, version, size
 * and, last, the CRC32 of the bytes before it (call after the fields). */
void lb_record_seal(uint8_t *rec, uint32_t magic, uint16_t version, uint16_t size);

/* Checks the frame of untrusted bytes. Returns 0, LB_E_SIZE (`len` <
 * `size`), LB_E_MAGIC, LB_E_VERSION (version or size field differs) or
 * LB_E_CORRUPT (CRC). */
int lb_record_check(const uint8_t *rec, size_t len, uint32_t magic, uint16_t version,
                    uint16_t size);

#endif
