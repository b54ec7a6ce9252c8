#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define OPEN_MODE_RPLUS_B 3u /* "r+b": the file must exist */

static int32_t call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int lb_semihost_open_rw(const char *path)
{
    uint32_t blk[3] = {(uint32_t)(uintptr_t)path, OPEN_MODE_RPLUS_B, (uint32_t)strlen(path)};
    int32_t fd = call(SYS_OPEN, blk);
    return fd < 0 ? -1 : (int)fd;
}

int lb_semihost_seek(int fd, uint32_t pos)
{
    uint32_t blk[2] = {(uint32_t)fd, pos};
    return call(SYS_SEEK, blk) == 0 ? 0 : -1;
}

int32_t lb_semihost_flen(int fd)
{
    uint32_t blk[1] = {(uint32_t)fd};
    return call(SYS_FLEN, blk);
}

/* SYS_READ and SYS_WRITE return the number of bytes NOT transferred. */
int lb_semihost_read(int fd, void *buf, size_t len)
{
    uint32_t blk[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return call(SYS_READ, blk) == 0 ? 0 : -1;
}

int lb_semihost_write(int fd, const void *buf, size_t len)
{
    uint32_t blk[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return call(SYS_WRITE, blk) == 0 ? 0 : -1;
}

int lb_semihost_cmdline(char *buf, size_t cap)
{
    uint32_t blk[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
    if (cap == 0 || call(SYS_GET_CMDLINE, blk) != 0) {
        return -1;
    }
    buf[cap - 1] = '\0';
    return 0;
}

_Noreturn void lb_semihost_exit(uint32_t code)
{
    uint32_t blk[2] = {ADP_STOPPED_APPLICATION_EXIT, code};
    for (;;) {
        call(SYS_EXIT_EXTENDED, blk);
    }
}
