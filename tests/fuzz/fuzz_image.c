/* libFuzzer target for the image parser/verifier. The first input byte
 * picks the policy and a chunk size; the rest is the image. Checks that
 * whole-buffer and chunked streaming verification agree, and that an
 * accepted image's info is consistent with the input; then the same bytes
 * as a compressed image (lb_image_verify_deflated): what it accepts is
 * well-formed inside the bound, and a plain image gets the plain verdict. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/err.h"
#include "lb/image.h"

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t sel = data[0];
    data++;
    size--;
    lb_image_policy_t p = {
        .kind = (uint8_t)(sel & 3u) == 3 ? 0 : (uint8_t)(sel & 3u),
        .product = (sel & 4u) ? "demo-sensor" : NULL,
        .min_security_counter = (sel & 8u) ? 1 : 0,
        .require_signature = (sel & 16u) != 0,
        .key_der = fuzz_key,
        .key_der_len = sizeof(fuzz_key),
        .max_size = (sel & 32u) ? 4096u : 0,
    };
    lb_image_info_t a, b;
    int ra = lb_image_verify(data, size, &p, &a);

    size_t chunk = (size_t)(sel >> 6) * 7u + 1u;
    lb_image_stream_t s;
    if (lb_image_stream_init(&s, &p) != 0) {
        abort();
    }
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        (void)lb_image_stream_update(&s, data + off, n);
    }
    int rb = lb_image_stream_finish(&s, &b);
    if (ra != rb || ra > 0 || ra <= LB_E_LAST) {
        abort();
    }
    if (ra == 0) {
        if (a.total_size > size || !a.hash_ok || memcmp(a.hash, b.hash, sizeof(a.hash)) != 0 ||
            a.total_size != lb_image_stream_total(&s) || strlen(a.product) > LB_IMAGE_PRODUCT_MAX ||
            (p.max_size != 0 && a.total_size > p.max_size)) {
            abort();
        }
    }
    static uint8_t out[8192];
    size_t n = 0;
    lb_image_info_t o, i;
    int rz = lb_image_verify_deflated(data, size, &p, out, sizeof out, &n, &o, &i);
    if (rz > 0 || rz <= LB_E_LAST || (rz == 0 && n > sizeof out) ||
        (!(o.flags & LB_IMAGE_F_DEFLATE) && rz != ra && ra != LB_E_FLAGS) ||
        (rz == 0 && (o.flags & LB_IMAGE_F_DEFLATE) &&
         (n != o.decomp_size || i.total_size != n || (i.flags & LB_IMAGE_F_DEFLATE)))) {
        abort();
    }
    return 0;
}
