#include "lb/rlog.h"

#include <string.h>

#include "lb/err.h"

/* Reads and checks the slot at `off`: 1 valid (seq stored), 0 erased,
 * 2 programmed but not valid, or a read error. */
static int slot_at(const lb_rlog_t *l, uint32_t off, uint8_t *buf, uint32_t *seq)
{
    int rc = lb_flash_area_is_erased(l->fa, off, l->slot);
    if (rc != 0) {
        return rc < 0 ? rc : 0;
    }
    rc = lb_flash_area_read(l->fa, off, buf, l->slot);
    if (rc != LB_OK) {
        return rc;
    }
    return l->check(buf, l->slot, seq) == 0 ? 1 : 2;
}

int lb_rlog_open(lb_rlog_t *l, const lb_flash_area_t *fa, uint32_t rec_size, lb_rlog_check_fn check)
{
    memset(l, 0, sizeof(*l));
    l->fa = fa;
    l->check = check;
    l->slot = lb_flash_area_align(fa, rec_size);
    if (l->slot > LB_CFG_PROGRAM_MAX) {
        return LB_E_INVAL;
    }
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    unsigned units = 0;
    for (uint32_t ustart = 0; ustart < fa->size;) {
        uint32_t usize;
        int rc = lb_flash_area_unit(fa, ustart, NULL, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        if (usize < l->slot) {
            return LB_E_INVAL;
        }
        units++;
        uint32_t used_end = ustart;
        int best_here = 0;
        for (uint32_t off = ustart; off + l->slot <= ustart + usize; off += l->slot) {
            uint32_t seq = 0;
            rc = slot_at(l, off, buf, &seq);
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                continue;
            }
            /* Anything programmed (valid, torn or garbage) is never
             * programmed again: appends go after the last used slot. */
            used_end = off + l->slot;
            if (rc == 1 && (!l->found || seq > l->newest_seq)) {
                l->found = 1;
                l->newest_seq = seq;
                l->newest_off = off;
                l->unit_start = ustart;
                l->unit_size = usize;
                best_here = 1;
            }
        }
        if (best_here) {
            l->next = used_end;
        }
        ustart += usize;
    }
    return units < 2 ? LB_E_INVAL : LB_OK;
}

uint32_t lb_rlog_next_seq(const lb_rlog_t *l)
{
    if (!l->found) {
        return 1u;
    }
    return l->newest_seq == UINT32_MAX ? 0u : l->newest_seq + 1u;
}

int lb_rlog_append(lb_rlog_t *l, const uint8_t *rec)
{
    uint32_t seq = lb_rlog_next_seq(l);
    if (seq == 0) {
        return LB_E_NOSPACE;
    }
    uint32_t at, ustart, usize;
    int rc;
    if (l->found && l->next + l->slot <= l->unit_start + l->unit_size) {
        at = l->next;
        ustart = l->unit_start;
        usize = l->unit_size;
    } else {
        /* The next unit (wrapping), erased first; the unit holding the
         * newest record is not touched, so a cut here keeps it. */
        at = l->found ? l->unit_start + l->unit_size : 0;
        if (at >= l->fa->size) {
            at = 0;
        }
        ustart = at;
        rc = lb_flash_area_unit(l->fa, at, NULL, &usize);
        if (rc == LB_OK) {
            rc = lb_flash_area_erase(l->fa, at, usize);
        }
        if (rc != LB_OK) {
            return rc;
        }
    }
    rc = lb_flash_area_program(l->fa, at, rec, l->slot);
    if (rc != LB_OK) {
        /* The slot may be torn: never program it again. (A torn slot in a
         * freshly erased unit is erased again by the next append.) */
        if (ustart == l->unit_start && l->found) {
            l->next = at + l->slot;
        }
        return rc;
    }
    l->found = 1;
    l->newest_seq = seq;
    l->newest_off = at;
    l->unit_start = ustart;
    l->unit_size = usize;
    l->next = at + l->slot;
    return LB_OK;
}

int lb_rlog_read_newest(const lb_rlog_t *l, uint8_t *buf)
{
    if (!l->found) {
        return LB_E_NOTFOUND;
    }
    return lb_flash_area_read(l->fa, l->newest_off, buf, l->slot);
}

int lb_rlog_visit(const lb_rlog_t *l, lb_rlog_visit_fn fn, void *ctx)
{
    if (!l->found) {
        return LB_OK;
    }
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    /* The unit after the newest one holds the oldest records; units follow
     * in ring order and slots in program order within each. */
    uint32_t ustart = l->unit_start + l->unit_size;
    uint32_t last = 0;
    for (int done = 0; !done;) {
        if (ustart >= l->fa->size) {
            ustart = 0;
        }
        uint32_t usize;
        int rc = lb_flash_area_unit(l->fa, ustart, NULL, &usize);
        if (rc != LB_OK) {
            return rc;
        }
        done = ustart == l->unit_start;
        for (uint32_t off = ustart; off + l->slot <= ustart + usize; off += l->slot) {
            uint32_t seq = 0;
            rc = slot_at(l, off, buf, &seq);
            if (rc < 0) {
                return rc;
            }
            /* Only increasing numbers: a record a torn erase left behind
             * is not shown out of order. */
            if (rc == 1 && seq > last && seq <= l->newest_seq) {
                last = seq;
                rc = fn(buf, seq, ctx);
                if (rc != 0) {
                    return rc;
                }
            }
        }
        ustart += usize;
    }
    return LB_OK;
}
