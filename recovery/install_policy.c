#include "install_policy.h"

unsigned lb_install_pick_slot(const lb_bootstate_t *s, unsigned slot_count, const bool *bootable)
{
    if (slot_count < 2) {
        return 0;
    }
    if (bootable[0] != bootable[1]) {
        return bootable[0] ? 1u : 0u;
    }
    bool conf0 = s->slots[0].state == LB_SLOT_CONFIRMED;
    bool conf1 = s->slots[1].state == LB_SLOT_CONFIRMED;
    if (conf0 != conf1) {
        return conf0 ? 1u : 0u;
    }
    /* Both or neither known good: keep the one the loader boots next. */
    return s->active_slot == 1 ? 0u : 1u;
}
