#include "latch.h"

#include "hw.h"

#define LATCH_MAGIC 0x4C42524Cu /* "LRBL" */

typedef struct {
    uint32_t magic;
    uint32_t pending;
    uint32_t current;
    uint32_t check; /* magic ^ pending ^ current ^ 0xFFFFFFFF */
} latch_t;

_Static_assert(sizeof(latch_t) == LB_QEMU_LATCH_SIZE, "latch fills its reserved bytes");

static volatile latch_t *latch(void)
{
    return (volatile latch_t *)(uintptr_t)(LB_QEMU_RETAINED_ADDR + LB_QEMU_RETAINED_SIZE -
                                           LB_QEMU_LATCH_SIZE);
}

static uint32_t check_of(uint32_t pending, uint32_t current)
{
    return LATCH_MAGIC ^ pending ^ current ^ 0xFFFFFFFFu;
}

static void store(uint32_t pending, uint32_t current)
{
    volatile latch_t *l = latch();
    l->magic = LATCH_MAGIC;
    l->pending = pending;
    l->current = current;
    l->check = check_of(pending, current);
}

static int valid(void)
{
    volatile latch_t *l = latch();
    return l->magic == LATCH_MAGIC && l->check == check_of(l->pending, l->current) &&
           l->pending <= LB_RESET_FAULT && l->current <= LB_RESET_FAULT;
}

void lb_qemu_latch_boot(void)
{
    uint32_t cause = valid() ? latch()->pending : (uint32_t)LB_RESET_POWER_ON;
    store(LB_RESET_UNKNOWN, cause);
}

void lb_qemu_latch_pending(lb_reset_cause_t why)
{
    uint32_t current = valid() ? latch()->current : (uint32_t)LB_RESET_UNKNOWN;
    store((uint32_t)why, current);
}

lb_reset_cause_t lb_qemu_latch_current(void)
{
    return valid() ? (lb_reset_cause_t)latch()->current : LB_RESET_UNKNOWN;
}
