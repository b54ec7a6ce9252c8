/* lb_update_layout of a firmware image: the generated layout's app slots,
 * boot state, product and key, as one constant (with LTO the update path's
 * reads of it fold into the numbers). */
#include "update.h"

#include "partitions.h"

_Static_assert(LB_FLASH_PROGRAM_SIZE <= LB_CFG_PROGRAM_MAX,
               "the layout's program size exceeds LB_CFG_PROGRAM_MAX of this build");
_Static_assert(LB_SLOT_COUNT >= 1 && LB_SLOT_COUNT <= LB_UPDATE_SLOTS_MAX,
               "the update path handles one or two app slots");

#if LB_KEY_PRESENT
static const uint8_t trusted_key[] = LB_KEY_DER_INIT;
#endif

static const lb_update_slot_t slots[] = {
    {LB_SLOT0_OFFSET, LB_SLOT0_SIZE},
#if LB_SLOT_COUNT > 1
    {LB_SLOT1_OFFSET, LB_SLOT1_SIZE},
#endif
};

static const lb_update_layout_t layout = {
    .slot = slots,
    .slot_count = LB_SLOT_COUNT,
    .bootstate_offset = LB_BOOTSTATE_OFFSET,
    .bootstate_size = LB_BOOTSTATE_SIZE,
    .product = LB_LAYOUT_PRODUCT,
#if LB_KEY_PRESENT
    .key_der = trusted_key,
    .key_der_len = sizeof(trusted_key),
#endif
    .boot_verifies_signature = LB_BOOT_VERIFY_SIGNATURE != 0,
};

const lb_update_layout_t *const lb_update_layout = &layout;
