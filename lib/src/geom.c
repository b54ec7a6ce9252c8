#include "lb/geom.h"
#include "lb/err.h"

int lb_geom_check(const lb_geom_t *g)
{
    if (g->region_count == 0 || g->region_count > LB_GEOM_MAX_REGIONS) {
        return LB_E_INVAL;
    }
    if (g->erased != 0x00 && g->erased != 0xFF) {
        return LB_E_INVAL;
    }
    if (g->program_size == 0 || (g->program_size & (g->program_size - 1)) != 0) {
        return LB_E_INVAL;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < g->region_count; i++) {
        const lb_erase_region_t *r = &g->regions[i];
        if (r->count == 0 || r->size == 0 || r->size % g->program_size != 0) {
            return LB_E_INVAL;
        }
        total += (uint64_t)r->count * r->size;
        if (total > UINT32_MAX) {
            return LB_E_RANGE;
        }
    }
    return total == g->size ? LB_OK : LB_E_RANGE;
}

int lb_geom_unit_at(const lb_geom_t *g, uint32_t off, uint32_t *start, uint32_t *size)
{
    uint32_t base = 0;
    for (unsigned i = 0; i < g->region_count && i < LB_GEOM_MAX_REGIONS; i++) {
        const lb_erase_region_t *r = &g->regions[i];
        uint64_t span = (uint64_t)r->count * r->size;
        if (off - base < span) {
            uint32_t idx = (off - base) / r->size;
            if (start) {
                *start = base + idx * r->size;
            }
            if (size) {
                *size = r->size;
            }
            return LB_OK;
        }
        base += (uint32_t)span;
    }
    return LB_E_RANGE;
}

bool lb_geom_is_boundary(const lb_geom_t *g, uint32_t off)
{
    uint32_t start;
    if (off == g->size) {
        return true;
    }
    return lb_geom_unit_at(g, off, &start, 0) == LB_OK && start == off;
}

int lb_geom_units_in(const lb_geom_t *g, uint32_t off, uint32_t len)
{
    if ((uint64_t)off + len > g->size) {
        return LB_E_RANGE;
    }
    if (!lb_geom_is_boundary(g, off) || !lb_geom_is_boundary(g, off + len)) {
        return LB_E_ALIGN;
    }
    int n = 0;
    uint32_t pos = off;
    while (pos < off + len) {
        uint32_t size;
        if (lb_geom_unit_at(g, pos, 0, &size) != LB_OK) {
            return LB_E_RANGE;
        }
        pos += size;
        n++;
    }
    return n;
}
