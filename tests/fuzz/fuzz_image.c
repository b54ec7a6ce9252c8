/* libFuzzer target for the image parser/verifier. The first input byte
 * picks the policy and a chunk size; the rest is the image. Checks that
 * whole-buffer and chunked streaming verification agree, and that an
 * accepted image's info is consistent with the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/err.h"
#include "lb/image.h"

/* A fixed P-256 key (the point is the curve's generator), so inputs that
 * carry its key hash reach the ECDSA code. */
static const uint8_t fuzz_key[LB_IMAGE_KEY_DER_SIZE] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1,
    0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d,
    0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe,
    0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b,
    0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

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
    return 0;
}
