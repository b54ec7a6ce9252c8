/* Benchmark build of the loader (make bench-loader): just before the jump,
 * print the CMSDK timer-0 ticks since the boot ROM started it at reset and,
 * for comparison, the ticks needed only to SHA-256 the image the loader
 * verified (header + body + protected TLVs, as the verifier hashes it) and,
 * in signature builds, one whole lb_image_verify of it (hash + ECDSA).
 * Under `-icount shift=0` one tick (25 MHz) is 40 instructions. */
#include "hw.h"
#include "lb/endian.h"
#include "lb/image.h"
#include "partitions.h"
#include "qemu_board.h"

#if LB_BOOT_VERIFY_SIGNATURE && LB_KEY_PRESENT
static const uint8_t bench_key[] = LB_KEY_DER_INIT;

static uint32_t time_verify(const uint8_t *img, uint32_t len)
{
    lb_image_policy_t pol = {
        .kind = LB_IMAGE_KIND_ANY,
        .product = LB_LAYOUT_PRODUCT,
        .require_signature = true,
        .key_der = bench_key,
        .key_der_len = sizeof(bench_key),
        .max_size = len,
    };
    uint32_t t0 = lb_qemu_bench_ticks();
    int err = lb_image_verify(img, len, &pol, NULL);
    uint32_t t1 = lb_qemu_bench_ticks();
    return err == 0 ? t1 - t0 : 0;
}
#endif

/* No stdio here: the loader links no heap. */
static void put_dec(uint32_t v)
{
    char s[11];
    int i = 10;
    s[i] = '\0';
    do {
        s[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    lb_qemu_puts(&s[i]);
}

void lb_qemu_before_jump(uint32_t vtor)
{
    uint32_t boot = lb_qemu_bench_ticks();
    const uint8_t *img = (const uint8_t *)(uintptr_t)LB_QEMU_LOAD_ADDR;
    uint32_t hdr = lb_get_le16(img + 8);
    uint32_t prot = lb_get_le16(img + 10);
    uint32_t body = lb_get_le32(img + 12);
    uint32_t len = hdr + body + prot;
    uint8_t hash[32];
    uint32_t t0 = lb_qemu_bench_ticks();
    int err = lb_image_sha256(img, len, hash);
    uint32_t t1 = lb_qemu_bench_ticks();
    lb_qemu_puts("[bench] reset_to_jump_ticks=");
    put_dec(boot);
    lb_qemu_puts(" hash_ticks=");
    put_dec(t1 - t0);
    lb_qemu_puts(" hashed_bytes=");
    put_dec(len);
#if LB_BOOT_VERIFY_SIGNATURE && LB_KEY_PRESENT
    lb_qemu_puts(" verify_ticks=");
    put_dec(time_verify(img, LB_QEMU_LOAD_SIZE));
#endif
    lb_qemu_puts(err ? " hash-error\n" : "\n");
    (void)vtor;
}
