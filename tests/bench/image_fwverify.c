/* lib's verifier built as the firmware builds it, compiled for the host:
 * once per signature backend (build/image/image_fwverify with mbedTLS in
 * the firmware configuration, lib/mbedtls/lb_mbedtls_config.h, and its
 * static arena; image_fwverify-bearssl with BearSSL). Proves each verifies
 * real images and measures its heap peak (0 for BearSSL) and speed. Used by
 * test-image and bench-image.
 * Usage: image_fwverify IMAGE KEY.der hash|sig [PRODUCT]
 * Prints "rc heap_peak_bytes ms" and exits 0 only when the image verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lb/image.h"
#include "fwverify_heap.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1u << 22;
    uint8_t *buf = malloc(cap);
    *len = buf != NULL ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: image_fwverify IMAGE KEY.der hash|sig [PRODUCT]\n");
        return 2;
    }
    size_t len, key_len;
    uint8_t *img = slurp(argv[1], &len), *key = slurp(argv[2], &key_len);
    if (img == NULL || key == NULL) {
        fprintf(stderr, "image_fwverify: cannot read input\n");
        return 2;
    }
    lb_image_policy_t p = {
        .product = argc == 5 ? argv[4] : NULL,
        .require_signature = strcmp(argv[3], "sig") == 0,
        .key_der = key,
        .key_der_len = key_len,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = lb_image_verify(img, len, &p, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("%d %zu %.2f\n", rc, lb_fwverify_heap_peak(), ms);
    free(img);
    free(key);
    /* Everything bignum allocated must have come back to the arena. */
    if (lb_fwverify_heap_used() != 0) {
        fprintf(stderr, "image_fwverify: arena leak of %zu bytes\n", lb_fwverify_heap_used());
        return 1;
    }
    return rc == 0 ? 0 : 1;
}
