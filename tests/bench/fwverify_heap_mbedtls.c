/* mbedTLS allocates its bignums from the firmware's static arena
 * (lib/mbedtls/lb_mbedtls_alloc.c): report that arena. */
#include "fwverify_heap.h"
#include "lb_mbedtls_alloc.h"

size_t lb_fwverify_heap_peak(void)
{
    return lb_mbedtls_heap_peak();
}

size_t lb_fwverify_heap_used(void)
{
    return lb_mbedtls_heap_used();
}
