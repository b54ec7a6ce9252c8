#include "lb/record.h"

#include <string.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

/* Byte offsets of the frame (lb/record.h). */
enum { O_MAGIC = 0, O_VERSION = 4, O_SIZE = 6 };

void lb_fields_put(uint8_t *rec, const void *obj, const lb_field_t *f, size_t n)
{
    for (; n--; f++) {
        const uint8_t *m = (const uint8_t *)obj + f->mem;
        uint32_t v = m[0];
        if (f->width == 2) {
            uint16_t v16;
            memcpy(&v16, m, 2);
            v = v16;
        } else if (f->width == 4) {
            memcpy(&v, m, 4);
        }
        for (unsigned i = 0; i < f->width; i++, v >>= 8) {
            rec[f->wire + i] = (uint8_t)v;
        }
    }
}

void lb_fields_get(void *obj, const uint8_t *rec, const lb_field_t *f, size_t n)
{
    for (; n--; f++) {
        uint8_t *m = (uint8_t *)obj + f->mem;
        uint32_t v = 0;
        for (unsigned i = f->width; i--;) {
            v = v << 8 | rec[f->wire + i];
        }
        if (f->width == 1) {
            m[0] = (uint8_t)v;
        } else if (f->width == 2) {
            uint16_t v16 = (uint16_t)v;
            memcpy(m, &v16, 2);
        } else {
            memcpy(m, &v, 4);
        }
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
