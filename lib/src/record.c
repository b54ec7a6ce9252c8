#include "lb/record.h"

#include <string.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

/* Byte offsets of the frame (lb/record.h). */
enum { O_MAGIC = 0, O_VERSION = 4, O_SIZE = 6 };

/* Reads or writes an unsigned member of `w` bytes. */
static uint32_t member_get(const uint8_t *m, unsigned w)
{
    if (w == 4) {
        uint32_t v;
        memcpy(&v, m, 4);
        return v;
    }
    if (w == 2) {
        uint16_t v;
        memcpy(&v, m, 2);
        return v;
    }
    return m[0];
}

static void member_set(uint8_t *m, unsigned w, uint32_t v)
{
    if (w == 4) {
        memcpy(m, &v, 4);
    } else if (w == 2) {
        uint16_t v16 = (uint16_t)v;
        memcpy(m, &v16, 2);
    } else {
        m[0] = (uint8_t)v;
    }
}

void lb_fields_put(uint8_t *rec, const void *obj, const lb_field_t *f, size_t n)
{
    for (; n--; f++) {
        uint32_t v = member_get((const uint8_t *)obj + f->mem, f->widths >> 4);
        for (unsigned i = 0; i < (f->widths & 15u); i++, v >>= 8) {
            rec[f->wire + i] = (uint8_t)v;
        }
    }
}

void lb_fields_get(void *obj, const uint8_t *rec, const lb_field_t *f, size_t n)
{
    for (; n--; f++) {
        uint32_t v = 0;
        for (unsigned i = f->widths & 15u; i--;) {
            v = v << 8 | rec[f->wire + i];
        }
        member_set((uint8_t *)obj + f->mem, f->widths >> 4, v);
    }
}

void lb_record_seal(uint8_t *rec, uint32_t magic, uint16_t version, uint16_t size)
{
    lb_put_le32(rec + O_MAGIC, magic);
    lb_put_le16(rec + O_VERSION, version);
    lb_put_le16(rec + O_SIZE, size);
    lb_put_le32(rec + size - 4, lb_crc32(0, rec, size - 4u));
}

int lb_record_check(const uint8_t *rec, size_t len, uint32_t magic, uint16_t version, uint16_t size)
{
    if (len < size) {
        return LB_E_SIZE;
    }
    if (lb_get_le32(rec + O_MAGIC) != magic) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(rec + O_VERSION) != version || lb_get_le16(rec + O_SIZE) != size) {
        return LB_E_VERSION;
    }
    if (lb_get_le32(rec + size - 4) != lb_crc32(0, rec, size - 4u)) {
        return LB_E_CORRUPT;
    }
    return LB_OK;
}
