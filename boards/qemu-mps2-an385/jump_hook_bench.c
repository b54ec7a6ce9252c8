/* Benchmark build of the loader (make bench-loader): just before the jump,
 * print the CMSDK timer-0 ticks since the boot ROM started it at reset and,
 * for comparison, the ticks needed only to SHA-256 the image the loader
 * verified (header + body + protected TLVs, as the verifier hashes it).
 * Under `-icount shift=0` one tick (25 MHz) is 40 instructions. */
#include <stdio.h>

#include "hw.h"
#include "lb/endian.h"
#include "lb/image.h"
#include "qemu_board.h"

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
    char line[160];
    snprintf(line, sizeof(line),
             "[bench] reset_to_jump_ticks=%lu hash_ticks=%lu hashed_bytes=%lu vtor=0x%lx%s\n",
             (unsigned long)boot, (unsigned long)(t1 - t0), (unsigned long)len,
             (unsigned long)vtor, err ? " hash-error" : "");
    lb_qemu_puts(line);
}
