/* BearSSL (and hash-only builds) work in caller-owned buffers: no heap, so
 * nothing is ever held. */
#include "fwverify_heap.h"

size_t lb_fwverify_heap_peak(void)
{
    return 0;
}

size_t lb_fwverify_heap_used(void)
{
    return 0;
}
