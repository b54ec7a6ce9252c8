/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, the zlib/PNG CRC).
 * Every lifeboat record ends in this CRC over all bytes before it. */
#ifndef LB_CRC32_H
#define LB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start; lb_crc32(0, "123456789", 9) == 0xCBF43926.
 * Returns the updated CRC. */
uint32_t lb_crc32(uint32_t crc, const void *data, size_t len);

#endif
