/* ARM semihosting (BKPT 0xAB) as QEMU implements it with
 * `-semihosting-config enable=on,target=native`: the board's flash is a
 * host file, and tests end QEMU with an exit code. Without semihosting
 * enabled the first call HardFaults. */
#ifndef LB_QEMU_SEMIHOST_H
#define LB_QEMU_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Opens `path` (relative to QEMU's working directory) read/write, binary,
 * without creating it. Returns a handle >= 0, or -1. */
int lb_semihost_open_rw(const char *path);

/* Seeks to absolute `pos`. Returns 0 or -1. */
int lb_semihost_seek(int fd, uint32_t pos);

/* Returns the file's length, or -1. */
int32_t lb_semihost_flen(int fd);

/* Reads/writes exactly `len` bytes at the current position. Return 0 when
 * all bytes were transferred, -1 otherwise. */
int lb_semihost_read(int fd, void *buf, size_t len);
int lb_semihost_write(int fd, const void *buf, size_t len);

/* Copies QEMU's semihosting command line (`-semihosting-config arg=...`,
 * else "<kernel> <append>") into `buf` NUL-terminated. Returns 0 or -1. */
int lb_semihost_cmdline(char *buf, size_t cap);

/* Makes QEMU exit with `code` (SYS_EXIT_EXTENDED). Does not return. */
_Noreturn void lb_semihost_exit(uint32_t code);

#endif
