#include "lb/flash.h"

#include <string.h>

#include "lb/board.h"
#include "lb/err.h"

/* True when [off, off+len) lies inside the area, without wrapping. */
static int in_area(const lb_flash_area_t *fa, uint32_t off, size_t len)
{
    return off <= fa->size && len <= (size_t)(fa->size - off);
}

int lb_flash_area_init(lb_flash_area_t *fa, const lb_geom_t *geom, uint32_t off, uint32_t size)
{
    if (size == 0 || lb_geom_check(geom) != LB_OK || geom->program_size > LB_CFG_PROGRAM_MAX) {
        return LB_E_INVAL;
    }
    int n = lb_geom_units_in(geom, off, size);
    if (n < 0) {
        return n;
    }
    fa->geom = geom;
    fa->off = off;
    fa->size = size;
    return LB_OK;
}

int lb_flash_area_read(const lb_flash_area_t *fa, uint32_t off, void *buf, size_t len)
{
    if (!in_area(fa, off, len)) {
        return LB_E_RANGE;
    }
    return len ? lb_board_flash_read(fa->off + off, buf, len) : LB_OK;
}

int lb_flash_area_program(const lb_flash_area_t *fa, uint32_t off, const void *buf, size_t len)
{
    uint32_t ps = fa->geom->program_size;
    if (!in_area(fa, off, len)) {
        return LB_E_RANGE;
    }
    if (off % ps != 0 || len % ps != 0) {
        return LB_E_ALIGN;
    }
    return len ? lb_board_flash_program(fa->off + off, buf, len) : LB_OK;
}

uint32_t lb_flash_area_align(const lb_flash_area_t *fa, uint32_t len)
{
    uint32_t ps = fa->geom->program_size;
    return (len + ps - 1u) / ps * ps;
}

int lb_flash_area_program_padded(const lb_flash_area_t *fa, uint32_t off, const void *buf,
                                 size_t len)
{
    uint32_t ps = fa->geom->program_size;
    size_t whole = len / ps * ps;
    size_t tail = len - whole;
    if (!in_area(fa, off, whole + (tail ? ps : 0))) {
        return LB_E_RANGE;
    }
    int rc = lb_flash_area_program(fa, off, buf, whole);
    if (rc != LB_OK || tail == 0) {
        return rc;
    }
    uint8_t unit[LB_CFG_PROGRAM_MAX];
    memset(unit, fa->geom->erased, ps);
    memcpy(unit, (const uint8_t *)buf + whole, tail);
    return lb_flash_area_program(fa, off + (uint32_t)whole, unit, ps);
}

int lb_flash_area_erase(const lb_flash_area_t *fa, uint32_t off, uint32_t len)
{
    if (!in_area(fa, off, len)) {
        return LB_E_RANGE;
    }
    if (!lb_geom_is_boundary(fa->geom, fa->off + off) ||
        !lb_geom_is_boundary(fa->geom, fa->off + off + len)) {
        return LB_E_ALIGN;
    }
    return len ? lb_board_flash_erase(fa->off + off, len) : LB_OK;
}

int lb_flash_area_unit(const lb_flash_area_t *fa, uint32_t off, uint32_t *start, uint32_t *size)
{
    if (off >= fa->size) {
        return LB_E_RANGE;
    }
    uint32_t s;
    int rc = lb_geom_unit_at(fa->geom, fa->off + off, &s, size);
    if (rc == LB_OK && start) {
        *start = s - fa->off;
    }
    return rc;
}

int lb_flash_area_erase_ahead(const lb_flash_area_t *fa, uint32_t *erased_end, uint32_t end)
{
    if (end > fa->size) {
        return LB_E_RANGE;
    }
    while (*erased_end < end) {
        uint32_t start, size;
        int rc = lb_flash_area_unit(fa, *erased_end, &start, &size);
        if (rc != LB_OK) {
            return rc;
        }
        if (start != *erased_end) {
            return LB_E_ALIGN;
        }
        rc = lb_flash_area_erase(fa, start, size);
        if (rc != LB_OK) {
            return rc;
        }
        *erased_end = start + size;
    }
    return LB_OK;
}

int lb_flash_area_is_erased(const lb_flash_area_t *fa, uint32_t off, uint32_t len)
{
    uint8_t buf[64];
    while (len > 0) {
        uint32_t n = len < sizeof buf ? len : (uint32_t)sizeof buf;
        int rc = lb_flash_area_read(fa, off, buf, n);
        if (rc != LB_OK) {
            return rc;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != fa->geom->erased) {
                return 0;
            }
        }
        off += n;
        len -= n;
    }
    return 1;
}

int lb_flash_writer_init(lb_flash_writer_t *w, const lb_flash_area_t *fa, uint32_t start)
{
    if (start > fa->size) {
        return LB_E_RANGE;
    }
    if (!lb_geom_is_boundary(fa->geom, fa->off + start)) {
        return LB_E_ALIGN;
    }
    w->fa = fa;
    w->pos = start;
    w->erased_end = start;
    w->pend_len = 0;
    return LB_OK;
}

/* Erases ahead of and programs [w->pos, w->pos+len) from `data`. */
static int writer_program(lb_flash_writer_t *w, const uint8_t *data, uint32_t len)
{
    int rc = lb_flash_area_erase_ahead(w->fa, &w->erased_end, w->pos + len);
    if (rc == LB_OK) {
        rc = lb_flash_area_program(w->fa, w->pos, data, len);
    }
    if (rc == LB_OK) {
        w->pos += len;
    }
    return rc;
}

int lb_flash_writer_skip(lb_flash_writer_t *w, uint32_t len)
{
    if (len % w->fa->geom->program_size != 0) {
        return LB_E_ALIGN;
    }
    if (w->pend_len != 0) {
        return LB_E_STATE;
    }
    if (len > w->fa->size - w->pos) {
        return LB_E_NOSPACE;
    }
    int rc = lb_flash_area_erase_ahead(w->fa, &w->erased_end, w->pos + len);
    if (rc == LB_OK) {
        w->pos += len;
    }
    return rc;
}

int lb_flash_writer_write(lb_flash_writer_t *w, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t ps = w->fa->geom->program_size;
    uint32_t room = w->fa->size - w->pos - w->pend_len;
    if (len > room) {
        return LB_E_NOSPACE;
    }
    if (w->pend_len > 0) {
        uint32_t n = ps - w->pend_len;
        if (n > len) {
            n = (uint32_t)len;
        }
        memcpy(w->pend + w->pend_len, p, n);
        w->pend_len += n;
        p += n;
        len -= n;
        if (w->pend_len < ps) {
            return LB_OK;
        }
        int rc = writer_program(w, w->pend, ps);
        if (rc != LB_OK) {
            return rc;
        }
        w->pend_len = 0;
    }
    uint32_t whole = (uint32_t)(len / ps * ps);
    if (whole > 0) {
        int rc = writer_program(w, p, whole);
        if (rc != LB_OK) {
            return rc;
        }
    }
    memcpy(w->pend, p + whole, len - whole);
    w->pend_len = (uint32_t)(len - whole);
    return LB_OK;
}

int lb_flash_writer_finish(lb_flash_writer_t *w)
{
    if (w->pend_len == 0) {
        return LB_OK;
    }
    uint32_t ps = w->fa->geom->program_size;
    memset(w->pend + w->pend_len, w->fa->geom->erased, ps - w->pend_len);
    int rc = writer_program(w, w->pend, ps);
    if (rc == LB_OK) {
        w->pend_len = 0;
    }
    return rc;
}
