/* Fuzzes the boot-info decoder (retained RAM is untrusted after any reset):
 * nothing may crash; an accepted record re-encodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lb/bootinfo.h"
#include "lb/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lb_bootinfo_t bi;
    if (lb_bootinfo_decode(&bi, data, size) == LB_OK) {
        uint8_t buf[LB_BOOTINFO_SIZE];
        if (lb_bootinfo_encode(&bi, buf, sizeof buf) != LB_BOOTINFO_SIZE ||
            memcmp(buf, data, LB_BOOTINFO_SIZE) != 0) {
            __builtin_trap();
        }
    }
    return 0;
}
