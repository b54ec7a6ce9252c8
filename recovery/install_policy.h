/* Which app slot the recovery image writes an uploaded image into. Kept
 * apart from the upload path (update.c) so the host unit tests check every
 * case (tests/unit/test_install_policy.c). */
#ifndef LB_RECOVERY_INSTALL_POLICY_H
#define LB_RECOVERY_INSTALL_POLICY_H

#include <stdbool.h>

#include "lb/bootstate.h"

/* Picks the slot to write, given the boot state `s`, the layout's slot
 * count and, per slot, whether it holds an image the loader would boot
 * (it verifies now). The rules, in order:
 *   1. one slot: slot 0 (the documented single-slot trade-off: the old
 *      image is gone once the new one starts to be written);
 *   2. exactly one slot holds a bootable image: the other one, whatever
 *      the boot state says (so a blank or unconfirmed state never costs
 *      the only app that works);
 *   3. exactly one slot is confirmed: the other one (the last confirmed
 *      image is never the one written);
 *   4. otherwise the slot that is not active (slot b when none is).
 * Returns the slot index (< slot_count). */
unsigned lb_install_pick_slot(const lb_bootstate_t *s, unsigned slot_count, const bool *bootable);

#endif
