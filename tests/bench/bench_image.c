/* Host timing for `make bench-image`: builds a signed 1 MiB image with lib's
 * builder and a fresh key, then times lb_image_verify hash-only and with the
 * ECDSA signature (Debian's libmbedcrypto, -O2). Writes the image and the
 * public key (DER) for the firmware-configuration run (image_fwverify).
 * Usage: bench_image OUT_IMAGE OUT_KEY_DER. Prints "hash_ms sig_ms". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "keys.h"
#include "lb/image.h"

#define BODY (1024u * 1024u - 512u) /* body + header + TLVs ~ 1 MiB */
#define RUNS 7

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Returns the median time of RUNS verifications, or -1 on a refusal. */
static double time_verify(const uint8_t *img, size_t len, const lb_image_policy_t *p)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();
        if (lb_image_verify(img, len, p, NULL) != 0) {
            return -1;
        }
        t[i] = now_ms() - t0;
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_image OUT_IMAGE OUT_KEY_DER\n");
        return 2;
    }
    lb_key_t *key;
    uint8_t der[128];
    if (lb_key_generate(&key) != 0) {
        return 1;
    }
    int der_len = lb_key_public_der(key, der, sizeof(der));
    uint8_t *body = malloc(BODY), *img = malloc(BODY + 4096u);
    if (der_len <= 0 || body == NULL || img == NULL) {
        return 1;
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < BODY; i++) {
        x = x * 1103515245u + 12345u;
        body[i] = (uint8_t)(x >> 16);
    }
    lb_image_build_opts_t o = {
        .hdr_size = 0x200,
        .version = {1, 0, 0, 0},
        .kind = LB_IMAGE_KIND_APP,
        .product = "demo-sensor",
        .key_der = der,
        .key_der_len = (size_t)der_len,
        .sign = lb_key_sign_cb,
        .sign_arg = key,
    };
    int n = lb_image_build(body, BODY, &o, img, BODY + 4096u);
    if (n <= 0) {
        return 1;
    }
    lb_image_policy_t p = {
        .kind = LB_IMAGE_KIND_APP,
        .product = "demo-sensor",
        .key_der = der,
        .key_der_len = (size_t)der_len,
    };
    double hash_ms = time_verify(img, (size_t)n, &p);
    p.require_signature = true;
    double sig_ms = time_verify(img, (size_t)n, &p);
    FILE *f = fopen(argv[1], "wb"), *g = fopen(argv[2], "wb");
    if (f == NULL || g == NULL || fwrite(img, 1, (size_t)n, f) != (size_t)n ||
        fwrite(der, 1, (size_t)der_len, g) != (size_t)der_len || fclose(f) != 0 || fclose(g) != 0 ||
        hash_ms < 0 || sig_ms < 0) {
        fprintf(stderr, "bench_image: failed\n");
        return 1;
    }
    printf("%d %.2f %.2f\n", n, hash_ms, sig_ms);
    lb_key_free(key);
    free(body);
    free(img);
    return 0;
}
