/* Fuzzes the partition table: lb_ptable_decode on arbitrary bytes (the
 * loader reads the table from flash, untrusted), and lb_ptable_check on an
 * in-memory table filled with arbitrary bytes. Nothing may crash; a table
 * that decodes passes the check again and re-encodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lb/err.h"
#include "lb/ptable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lb_ptable_t t;
    if (lb_ptable_decode(&t, data, size) == LB_OK) {
        static uint8_t buf[LB_PTABLE_MAX_SIZE + 64];
        int n = lb_ptable_encode(&t, buf, sizeof(buf));
        if (lb_ptable_check(&t, NULL) != LB_OK || n <= 0 || (size_t)n > size ||
            memcmp(buf, data, (size_t)n) != 0 || lb_ptable_slot_count(&t) < 1 ||
            lb_ptable_find(&t, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE) == NULL) {
            __builtin_trap();
        }
    }
    /* The semantic check alone, on a table no decoder produced. */
    memset(&t, 0, sizeof(t));
    memcpy(&t, data, size < sizeof(t) ? size : sizeof(t));
    const char *why = NULL;
    if (lb_ptable_check(&t, &why) == LB_OK) {
        (void)lb_ptable_find(&t, LB_PART_APP, 1);
        (void)lb_ptable_find_name(&t, "recovery");
    } else if (why == NULL) {
        __builtin_trap();
    }
    return 0;
}
