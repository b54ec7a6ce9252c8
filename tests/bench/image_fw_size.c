/* Cortex-M3 size probe for `make bench-image`: the smallest program that
 * verifies an image, linked with --gc-sections so the ELF holds exactly the
 * verifier's code (lib's image module, the mbedTLS parts it calls, the libc
 * helpers). LB_BENCH_SIG selects ECDSA verification. Never run. */
#include <stdint.h>

#include "lb/image.h"

#ifndef LB_BENCH_SIG
#define LB_BENCH_SIG 0
#endif

void lb_bench_entry(void);

/* Stand-ins for what a loader gets from its generated partitions.h. */
static const uint8_t lb_bench_key[LB_IMAGE_KEY_DER_SIZE] = {0x30, 0x59};
volatile int lb_bench_result;

void lb_bench_entry(void)
{
    lb_image_policy_t p = {
        .kind = LB_IMAGE_KIND_APP,
        .product = "demo-sensor",
        .require_signature = LB_BENCH_SIG,
        .key_der = lb_bench_key,
        .key_der_len = sizeof(lb_bench_key),
        .max_size = 0x180000u,
    };
    lb_image_info_t info;
    lb_bench_result = lb_image_verify((const uint8_t *)0x00100000u, 0x180000u, &p, &info);
}
