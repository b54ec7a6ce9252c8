/* What the signature backend of image_fwverify allocated: one file per
 * backend, chosen by the build (mk/fw-image.mk). */
#ifndef LB_FWVERIFY_HEAP_H
#define LB_FWVERIFY_HEAP_H

#include <stddef.h>

/* The most bytes the backend held at once, and what it still holds. */
size_t lb_fwverify_heap_peak(void);
size_t lb_fwverify_heap_used(void);

#endif
